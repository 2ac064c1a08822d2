package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// proxyDest is an HTTPS destination that the fixture's vault reaches as
// example.com.
type proxyDest struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
	paths  []string
	status int
}

func (d *proxyDest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	d.bodies = append(d.bodies, string(b))
	d.paths = append(d.paths, r.URL.RequestURI())
	status := d.status
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Dest", "yes")
	w.WriteHeader(max(status, http.StatusOK))
	_, _ = io.WriteString(w, `{"id":"ch_1","received":`+strconvQuote(string(b))+`}`)
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func (d *proxyDest) calls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.bodies)
}

func newProxyFixture(t *testing.T) (*fixture, *proxyDest) {
	t.Helper()
	d := &proxyDest{}
	d.srv = httptest.NewUnstartedServer(d)
	d.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	d.srv.StartTLS()
	t.Cleanup(d.srv.Close)
	tr := d.srv.Client().Transport.(*http.Transport).Clone()
	addr := d.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	f := newFixture(t, []vault.Option{vault.WithProxyHosts("example.com"), vault.WithProxyClient(&http.Client{Transport: tr})})
	app, err := f.v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "invoker", Type: vault.AppPrivate,
		Permissions: []string{vault.PermProxyInvoke}})
	require.NoError(t, err)
	f.vars["invoker"] = app.Key.Reveal()
	return f, d
}

// proxyError decodes a {"proxy_error": {...}} body.
func proxyError(t *testing.T, res *http.Response, body []byte) map[string]any {
	t.Helper()
	assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"), res.Header.Get("Content-Type"))
	var env map[string]map[string]any
	require.NoError(t, json.Unmarshal(body, &env), "%s", body)
	require.Contains(t, env, "proxy_error", "%s", body)
	assert.EqualValues(t, res.StatusCode, env["proxy_error"]["status"])
	return env["proxy_error"]
}

func TestProxyEndpoint(t *testing.T) {
	f, dest := newProxyFixture(t)
	h := with(key("invoker"), "BT-PROXY-URL", "https://example.com/api", "Content-Type", "application/json")
	res, body := f.do(t, "POST", "/proxy/v1/charges?capture=true", h, `{"number":"{{ {card} | json: '$.number' }}"}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Equal(t, "200", res.Header.Get("BT-PROXY-DESTINATION-STATUS"))
	assert.Equal(t, "yes", res.Header.Get("X-Dest"))
	assert.Equal(t, `/api/v1/charges?capture=true`, dest.paths[0])
	assert.JSONEq(t, `{"number":"4242424242424242"}`, dest.bodies[0])

	// GET and DELETE pass through too, on /proxy itself.
	res, _ = f.do(t, "DELETE", "/proxy", h, "")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "/api", dest.paths[1])

	// The vault's own errors are wrapped; the destination's are not.
	res, body = f.do(t, "POST", "/proxy", map[string]string{"BT-PROXY-URL": "https://example.com"}, `{}`)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	proxyError(t, res, body)
	res, body = f.do(t, "POST", "/proxy", with(key("invoker"), "BT-PROXY-URL", "https://93.184.215.14"), `{}`)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	pe := proxyError(t, res, body)
	assert.Contains(t, pe["errors"], "BT-PROXY-URL")
	res, body = f.do(t, "POST", "/proxy", with(key("private"), "BT-PROXY-URL", "https://example.com"), `{}`)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "token permissions alone do not invoke proxies")
	proxyError(t, res, body)

	dest.mu.Lock()
	dest.status = http.StatusBadGateway
	dest.mu.Unlock()
	res, body = f.do(t, "POST", "/proxy", h, `{"a":1}`)
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	assert.Equal(t, "502", res.Header.Get("BT-PROXY-DESTINATION-STATUS"))
	assert.JSONEq(t, `{"id":"ch_1","received":"{\"a\":1}"}`, string(body), "a destination's error passes untouched")
	assert.NotContains(t, f.logs.String(), "4242424242424242")
}

func TestProxyManagementRoutes(t *testing.T) {
	f, dest := newProxyFixture(t)
	res, body := f.do(t, "POST", "/proxies", key("mgmt"), `{"name":"Inbound","destination_url":"https://example.com/hooks","require_auth":false,
		"configuration":{"K":"v"},"response_transforms":[{"type":"append_header","options":{"value":"1","location":"X-Seen"}}]}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var p map[string]any
	require.NoError(t, json.Unmarshal(body, &p))
	proxyKey, _ := p["key"].(string)
	require.NotEmpty(t, proxyKey)
	assert.Equal(t, "v", p["configuration"].(map[string]any)["K"])
	assert.Equal(t, "http://example.com/proxy", p["proxy_host"])
	id := p["id"].(string)
	f.vars["proxy"] = id

	res, body = f.do(t, "GET", "/proxies/{proxy}", key("mgmt"), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, string(body), proxyKey)
	res, body = f.do(t, "GET", "/proxies?name=inb", key("mgmt"), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(body), id)
	res, _ = f.do(t, "PATCH", "/proxies/{proxy}", with(key("mgmt"), "Content-Type", "application/merge-patch+json"), `{"name":"Inbound 2"}`)
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	res, _ = f.do(t, "PUT", "/proxies/{proxy}", key("mgmt"), `{"name":"Inbound 3","destination_url":"https://example.com/hooks","require_auth":false}`)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, body = f.do(t, "POST", "/proxies", key("invoker"), `{"name":"x","destination_url":"https://example.com"}`)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	problem(t, res, body)

	// An anonymous inbound call with the key in the query: it is not
	// forwarded.
	res, body = f.do(t, "POST", "/proxy/in?bt-proxy-key="+proxyKey+"&event=paid", map[string]string{"Content-Type": "application/json"}, `{"paid":true}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Equal(t, "/hooks/in?event=paid", dest.paths[len(dest.paths)-1])

	res, _ = f.do(t, "DELETE", "/proxies/{proxy}", key("mgmt"), "")
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	res, body = f.do(t, "POST", "/proxy?bt-proxy-key="+proxyKey, nil, `{}`)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	proxyError(t, res, body)
}

func TestProxyIdempotency(t *testing.T) {
	f, dest := newProxyFixture(t)
	h := with(key("invoker"), "BT-PROXY-URL", "https://example.com", "Content-Type", "application/json", "BT-IDEMPOTENCY-KEY", "charge-1")
	res1, body1 := f.do(t, "POST", "/proxy/charges", h, `{"amount":100}`)
	require.Equal(t, http.StatusOK, res1.StatusCode)
	res2, body2 := f.do(t, "POST", "/proxy/charges", h, `{"amount":100}`)
	require.Equal(t, http.StatusOK, res2.StatusCode)
	assert.Equal(t, string(body1), string(body2))
	assert.Equal(t, 1, dest.calls(), "a replay does not call the destination again")
	assert.Equal(t, "200", res2.Header.Get("BT-PROXY-DESTINATION-STATUS"))
	res3, body3 := f.do(t, "POST", "/proxy/charges", h, `{"amount":200}`)
	assert.Equal(t, http.StatusConflict, res3.StatusCode, "the key is bound to its request")
	proxyError(t, res3, body3)
	assert.Equal(t, 1, dest.calls())
}
