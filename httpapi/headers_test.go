package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
)

func TestTraceID(t *testing.T) {
	var mu sync.Mutex
	var traces []string
	events := vault.WithEventHandler(func(_ context.Context, e vault.Event) {
		mu.Lock()
		defer mu.Unlock()
		traces = append(traces, e.TraceID)
	})
	f := newFixture(t, []vault.Option{events})
	require.NoError(t, f.v.FlushEvents(t.Context())) // the fixture's own
	mu.Lock()
	traces = nil
	mu.Unlock()

	res, _ := f.do(t, "POST", "/tokens", with(key("private"), "BT-TRACE-ID", "trace-abc-123"), `{"type":"token","data":"v"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "trace-abc-123", res.Header.Get("BT-TRACE-ID"), "echoed")
	require.NoError(t, f.v.FlushEvents(t.Context()))
	mu.Lock()
	assert.Equal(t, []string{"trace-abc-123"}, traces, "and carried by the events")
	mu.Unlock()
	assert.Contains(t, f.logs.String(), `"trace_id":"trace-abc-123"`, "and logged")

	for name, in := range map[string]string{"absent": "", "too long": strings.Repeat("t", 200), "with spaces": "a b"} {
		t.Run(name, func(t *testing.T) {
			res, _ := f.do(t, "GET", "/tokens/{card}", with(key("private"), "BT-TRACE-ID", in), "")
			_, err := uuid.Parse(res.Header.Get("BT-TRACE-ID"))
			assert.NoError(t, err, "a fresh UUID replaces it")
		})
	}
	t.Run("on errors too", func(t *testing.T) {
		res, _ := f.do(t, "GET", "/no/route", map[string]string{"BT-TRACE-ID": "t-404"}, "")
		assert.Equal(t, "t-404", res.Header.Get("BT-TRACE-ID"))
		res, _ = f.do(t, "GET", "/tokens/x", map[string]string{"BT-TRACE-ID": "t-401"}, "")
		assert.Equal(t, "t-401", res.Header.Get("BT-TRACE-ID"))
	})
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, nil, httpapi.WithMaxBodySize(1024))
	big := `{"type":"token","data":"` + strings.Repeat("x", 2000) + `"}`
	res, body := f.do(t, "POST", "/tokens", key("private"), big)
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	problem(t, res, body)

	t.Run("without a Content-Length", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/tokens", strings.NewReader(big))
		req.ContentLength = -1 // as for a chunked body
		req.Header.Set("BT-API-KEY", f.vars["private"])
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	})
	t.Run("the default is 1 MiB", func(t *testing.T) {
		f := newFixture(t, nil)
		res, _ := f.do(t, "POST", "/tokenize", key("private"), `["`+strings.Repeat("x", httpapi.DefaultMaxBodySize)+`"]`)
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		res, _ = f.do(t, "POST", "/tokenize", key("private"), `["`+strings.Repeat("x", httpapi.DefaultMaxBodySize-100)+`"]`)
		assert.Equal(t, http.StatusOK, res.StatusCode)
	})
}

// TestLogs checks the access log: one line per request with the route
// pattern, status, trace id, tenant and application, and never a key or
// token data, whatever the outcome.
func TestLogs(t *testing.T) {
	f := newFixture(t, nil)
	const secret = "4000056655665556"
	for _, r := range []struct{ method, url, body string }{
		{"POST", "/tokens", `{"type":"card_number","data":"` + secret + `"}`},
		{"POST", "/tokens", `{"type":"card_number","data":"` + secret + `1"}`},
		{"POST", "/tokens", `{"type":"card_number","data":` + secret + `}`},
		{"POST", "/tokens", `{"type":"card_number","data":"` + secret},
		{"POST", "/tokenize", `{"a":"` + secret + `"}`},
		{"POST", "/detokenize", `{"a":"{{ ` + secret + ` }}"}`},
		{"GET", "/tokens/" + secret, ``},
	} {
		f.do(t, r.method, r.url, key("private"), r.body)
	}
	f.do(t, "GET", "/tokens/x", map[string]string{"BT-API-KEY": "key_" + secret}, "")
	logs := f.logs.String()
	assert.NotContains(t, logs, secret)
	assert.NotContains(t, logs, f.vars["private"])
	assert.Contains(t, logs, `"route":"POST /tokens"`)
	assert.Contains(t, logs, `"route":"GET /tokens/{id}"`)
	assert.Contains(t, logs, `"status":201`)
	assert.Contains(t, logs, `"tenant_id":"`+f.v.DefaultTenantID()+`"`)
	assert.Contains(t, logs, `"application_id":"`+f.vars["private_app"]+`"`)
	assert.Equal(t, 8, strings.Count(logs, `"msg":"request"`))
}
