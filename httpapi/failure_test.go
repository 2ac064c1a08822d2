package httpapi_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/storage/memory"
)

// TestInternalError makes the vault fail inside a request (the store panics
// as the token is written): the client gets a 500 ProblemDetails with a
// generic detail, the log gets one error line with the trace id and where
// it happened, and the panic value, which could hold anything, is logged
// nowhere.
func TestInternalError(t *testing.T) {
	const marker = "4111111111111111-panic-value"
	boom := &hookStore{Store: memory.New(), put: func(ctx context.Context, bucket string) {
		if bucket == "tokens" && vault.TraceID(ctx) == "boom" {
			panic(marker)
		}
	}}
	f := newFixtureOn(t, boom, nil)
	res, body := f.do(t, "POST", "/tokens", with(key("private"), "BT-TRACE-ID", "boom"), `{"type":"token","data":"v"}`)
	require.Equal(t, http.StatusInternalServerError, res.StatusCode)
	p := problem(t, res, body)
	assert.Contains(t, p.Detail, "BT-TRACE-ID")
	assert.NotContains(t, string(body), marker)
	logs := f.logs.String()
	assert.NotContains(t, logs, marker)
	assert.Contains(t, logs, `"msg":"panic serving request"`)
	assert.Equal(t, 1, strings.Count(logs, `"level":"ERROR","msg":"request"`), "the failed request is logged once as an error")
	assert.Contains(t, logs, `"trace_id":"boom"`)

	res, _ = f.do(t, "GET", "/tokens/{card}", key("private"), "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "the handler keeps serving")
}

func TestClosedVault(t *testing.T) {
	f := newFixture(t, nil)
	require.NoError(t, f.v.Close())
	res, body := f.do(t, "GET", "/tokens/{card}", key("private"), "")
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	problem(t, res, body)
}

// TestDocListsEveryRoute keeps the route table of doc.go complete.
func TestDocListsEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	f := newFixture(t, nil)
	patterns := httpapi.Patterns(f.h)
	require.NotEmpty(t, patterns)
	for _, p := range append(patterns, "GET /admin/backup") {
		method, path, _ := strings.Cut(p, " ")
		re := regexp.MustCompile(`(?m)^//\t` + method + `\s+` + regexp.QuoteMeta(path) + `\s`)
		assert.Regexp(t, re, string(doc), "doc.go lists %s", p)
	}
}
