package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

const restProbeSecret = "sk_probe_config_9f3e"

// probeProxy creates a proxy through the REST API and returns its key.
func probeProxy(t *testing.T, f *fixture, body string) string {
	t.Helper()
	res, b := f.do(t, "POST", "/proxies", key("mgmt"), body)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", b)
	var p map[string]any
	require.NoError(t, json.Unmarshal(b, &p))
	k, _ := p["key"].(string)
	require.NotEmpty(t, k)
	return k
}

// TestProbeRESTProxyKeyAndConfigNeverLeak: the proxy key (in the query or
// the header) and the configuration reach neither the destination nor the
// logs, however the query names the key.
func TestProbeRESTProxyKeyAndConfigNeverLeak(t *testing.T) {
	f, dest := newProxyFixture(t)
	pk := probeProxy(t, f, `{"name":"in","destination_url":"https://example.com/hooks","require_auth":false,
		"configuration":{"K":"`+restProbeSecret+`"},"request_transforms":[{"type":"code","code":"module.exports = async (req) => { throw new Error(req.configuration.K + JSON.stringify(req.args)); }"}]}`)
	open := probeProxy(t, f, `{"name":"open","destination_url":"https://example.com/hooks","require_auth":false}`)
	for _, q := range []string{"?bt-proxy-key=" + open, "?bt%2Dproxy%2Dkey=" + open + "&x=1", "?x=1&bt-proxy-key=" + open + "&bt-proxy-key=" + open, "?bt-proxy-key=" + open + "&"} {
		res, body := f.do(t, "POST", "/proxy/in"+q, map[string]string{"Content-Type": "application/json"}, `{}`)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s %s", q, body)
		assert.NotContains(t, dest.paths[len(dest.paths)-1], open, q)
	}
	res, body := f.do(t, "POST", "/proxy", map[string]string{"BT-PROXY-KEY": pk, "Content-Type": "application/json"}, `{"n":"{{ {card} | json: '$.number' }}"}`)
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode, "%s", body)
	proxyError(t, res, body)
	assert.NotContains(t, string(body), restProbeSecret, "the proxy_error body")
	res, body = f.do(t, "POST", "/proxy?bt-proxy-key="+pk, key("invoker"), `{"n":"{{ {card} | json: '$.number' }}"}`)
	proxyError(t, res, body)
	assert.NotContains(t, string(body), restProbeSecret)
	assert.NotContains(t, string(body), "4242424242424242")
	logs := f.logs.String()
	for _, s := range []string{pk, open, restProbeSecret, "4242424242424242"} {
		assert.NotContains(t, logs, s)
	}
}

// TestProbeRESTBadKeyIsNotAnonymous: a wrong API key is refused, not
// taken for an anonymous call of a proxy without require_auth.
func TestProbeRESTBadKeyIsNotAnonymous(t *testing.T) {
	f, dest := newProxyFixture(t)
	open := probeProxy(t, f, `{"name":"open","destination_url":"https://example.com/hooks","require_auth":false}`)
	for _, h := range []map[string]string{{"BT-API-KEY": "bogus"}, {"X-API-KEY": "bogus"}, {"BT-API-KEY": " "}, {"BT-API-KEY": "{invoker}x"}} {
		res, body := f.do(t, "POST", "/proxy?bt-proxy-key="+open, h, `{}`)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "%v %s", h, body)
		proxyError(t, res, body)
	}
	assert.Zero(t, dest.calls())
}

// TestProbeRESTAnonymousNotDetokenized: an inbound call without a key is
// forwarded as it came, whatever the content type.
func TestProbeRESTAnonymousNotDetokenized(t *testing.T) {
	f, dest := newProxyFixture(t)
	open := probeProxy(t, f, `{"name":"open","destination_url":"https://example.com/hooks","require_auth":false}`)
	ref := "{{ {card} | json: '$.number' }}"
	for ct, body := range map[string]string{
		"application/json":                  `{"n":"` + ref + `"}`,
		"TEXT/PLAIN; charset=latin1":        ref,
		"application/x-www-form-urlencoded": "n=" + strings.ReplaceAll(ref, " ", "+"),
		"application/soap+xml":              "<n>" + ref + "</n>",
	} {
		res, b := f.do(t, "POST", "/proxy?bt-proxy-key="+open, map[string]string{"Content-Type": ct, "BT-API-KEY": ""}, body)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
		assert.Equal(t, f.expand(body), dest.bodies[len(dest.bodies)-1], ct)
		assert.NotContains(t, string(b), "4242424242424242")
	}
}

// TestProbeRESTIdempotencyIsPerCaller: an idempotency key replays only to
// the caller that used it; another application with the same key and
// request is served afresh, and an anonymous call never replays.
func TestProbeRESTIdempotencyIsPerCaller(t *testing.T) {
	f, dest := newProxyFixture(t)
	other, err := f.v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "other", Type: vault.AppPrivate,
		Permissions: []string{vault.PermProxyInvoke}})
	require.NoError(t, err)
	f.vars["other"] = other.Key.Reveal()
	body := `{"n":"{{ {card} | json: '$.number' }}"}`
	idem := func(name string) map[string]string {
		return with(key(name), "BT-PROXY-URL", "https://example.com", "Content-Type", "application/json", "BT-IDEMPOTENCY-KEY", "same")
	}
	res, b := f.do(t, "POST", "/proxy", idem("invoker"), body)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
	require.Contains(t, string(b), "4242424242424242", "the destination echoes the card")
	res, b = f.do(t, "POST", "/proxy", idem("other"), body)
	assert.Equal(t, 2, dest.calls(), "another caller's key is not replayed")
	assert.Equal(t, http.StatusOK, res.StatusCode, "%s", b)

	open := probeProxy(t, f, `{"name":"open","destination_url":"https://example.com/hooks","require_auth":false}`)
	calls := dest.calls()
	for range 2 {
		res, _ = f.do(t, "POST", "/proxy?bt-proxy-key="+open, map[string]string{"BT-IDEMPOTENCY-KEY": "anon", "Content-Type": "application/json"}, `{}`)
		assert.Equal(t, http.StatusOK, res.StatusCode)
	}
	assert.Equal(t, calls+2, dest.calls(), "anonymous calls share no idempotency record")
}

// TestProbeRESTOversizedAndOddRequests: an oversized body is a wrapped
// 413; a method the destination cannot take is a wrapped error, never a
// panic.
func TestProbeRESTOversizedAndOddRequests(t *testing.T) {
	f, dest := newProxyFixture(t)
	h := with(key("invoker"), "BT-PROXY-URL", "https://example.com", "Content-Type", "text/plain")
	res, body := f.do(t, "POST", "/proxy", h, strings.Repeat("a", vault.DefaultMaxProxyBody+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	proxyError(t, res, body)
	for _, u := range []string{"https://example.com/\r\nX: y", "https://example.com/%zz", "https://example.com:-1/", "https://[example.com]/"} {
		res, body = f.do(t, "GET", "/proxy", with(key("invoker"), "BT-PROXY-URL", u), "")
		assert.GreaterOrEqual(t, res.StatusCode, 400, "%q %s", u, body)
		proxyError(t, res, body)
	}
	assert.Zero(t, dest.calls())
	assert.NotContains(t, f.logs.String(), "panic")
}

// TestProbeRESTResponseHeaderInjection: neither a code transform's
// headers nor a CustomHttpResponseError's put a header of their own on
// the wire.
func TestProbeRESTResponseHeaderInjection(t *testing.T) {
	f, _ := newProxyFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	resp := probeProxy(t, f, `{"name":"r","destination_url":"https://example.com","require_auth":false,
		"response_transforms":[{"type":"code","code":"module.exports = async () => ({ body: 'x', headers: { 'X-A': 'v\\r\\nX-Injected: 1', 'X-B': 'v\\nX-Injected: 2', 'X-C': 'v\\rX-Injected: 3' } })"}]}`)
	short := probeProxy(t, f, `{"name":"s","destination_url":"https://example.com","require_auth":false,
		"request_transforms":[{"type":"code","code":"const { CustomHttpResponseError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js'); module.exports = async () => { throw new CustomHttpResponseError({ status: 200, headers: { 'X-A\\r\\nX-Injected': '4', 'X-B': 'v\\r\\nX-Injected: 5', 'Content-Length': '1', 'Transfer-Encoding': 'chunked' }, body: 'hello' }); }"}]}`)
	for _, k := range []string{resp, short} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		_, err = io.WriteString(conn, "GET /proxy?bt-proxy-key="+k+" HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n")
		require.NoError(t, err)
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		raw, _ := io.ReadAll(conn)
		conn.Close()
		head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
		for line := range strings.SplitSeq(head, "\r\n") {
			assert.False(t, strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "x-injected"), "injected header on the wire: %q", head)
			assert.NotContains(t, line, "\n")
		}
		assert.Equal(t, 1, strings.Count(strings.ToLower(head), "\r\ncontent-length:")+strings.Count(strings.ToLower(head), "\r\ntransfer-encoding:"), "%q", head)
	}
}

// TestProbeRESTTransformFramingHeaders: a response transform cannot put
// framing or hop-by-hop headers (Transfer-Encoding, Upgrade) on the
// vault's response: the wire carries one framing of the body.
func TestProbeRESTTransformFramingHeaders(t *testing.T) {
	f, _ := newProxyFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	// append_header refuses framing headers when the proxy is made.
	res, body := f.do(t, "POST", "/proxies", key("mgmt"), `{"name":"te","destination_url":"https://example.com","require_auth":false,
		"response_transforms":[{"type":"append_header","options":{"value":"gzip","location":"Transfer-Encoding"}}]}`)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), "response_transforms[0].options.location")
	// A code transform's framing headers are dropped.
	coded := probeProxy(t, f, `{"name":"code","destination_url":"https://example.com","require_auth":false,
		"response_transforms":[{"type":"code","code":"module.exports = async () => ({ body: 'x', headers: { 'Transfer-Encoding': 'gzip', 'Upgrade': 'h2c', 'Content-Length': '99' } })"}]}`)
	res, err := http.Get(srv.URL + "/proxy?bt-proxy-key=" + coded)
	if assert.NoError(t, err, "the vault's response is well framed") {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, "x", string(b))
		assert.Empty(t, res.Header.Values("Upgrade"))
	}
}

// TestProbeRequestsFormatRedacted: the proxy requests print no
// configuration or certificate, whatever the verb.
func TestProbeRequestsFormatRedacted(t *testing.T) {
	c := vault.CreateProxyRequest{Name: "n", Configuration: vault.Secrets{"K": restProbeSecret}, ClientCertificate: vault.NewSecret("-----BEGIN PRIVATE KEY-----" + restProbeSecret)}
	u := vault.UpdateProxyRequest(c)
	r := vault.ProxyRequest{Key: vault.NewSecret(restProbeSecret), Body: []byte(restProbeSecret), Header: http.Header{"Authorization": {restProbeSecret}}}
	for _, x := range []any{c, &c, u, &u, r, &r, []any{c, u, r}, map[string]any{"c": c}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			assert.NotContains(t, fmt.Sprintf(verb, x), restProbeSecret, "%s of %T", verb, x)
		}
	}
}

// fakeRemote is a connection to the test server that reports another
// remote address, as a host's dialer reaching that address would.
type fakeRemote struct {
	net.Conn
	addr string
}

func (c fakeRemote) RemoteAddr() net.Addr { return fakeAddr(c.addr) }

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

// remoteProbe is a vault without an allow-list whose host dialer lands on
// the test server while reporting *remote as the address reached.
func remoteProbe(t *testing.T, remote *string) (*vault.Vault, *proxyDest, context.Context) {
	dest := &proxyDest{}
	dest.srv = httptest.NewUnstartedServer(dest)
	dest.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	dest.srv.StartTLS()
	t.Cleanup(dest.srv.Close)
	tr := dest.srv.Client().Transport.(*http.Transport).Clone()
	addr := dest.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return fakeRemote{c, *remote}, nil
	}
	f := newFixture(t, []vault.Option{vault.WithProxyClient(&http.Client{Transport: tr})})
	app, err := f.v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "i", Type: vault.AppPrivate, Permissions: []string{vault.PermProxyInvoke}})
	require.NoError(t, err)
	p, err := f.v.Authenticate(t.Context(), app.Key.Reveal())
	require.NoError(t, err)
	return f.v, dest, vault.WithPrincipal(t.Context(), p)
}

// TestProbeNonPublicAddressesHeld: loopback, private, link-local, CGNAT,
// "this network", multicast and their IPv4-mapped forms are refused at
// dial time; a public address is served.
func TestProbeNonPublicAddressesHeld(t *testing.T) {
	var remote string
	v, dest, ctx := remoteProbe(t, &remote)
	for _, a := range []string{"127.0.0.1:443", "10.0.0.1:443", "169.254.169.254:443", "100.100.100.200:443", "0.0.0.0:443", "0.1.2.3:443",
		"224.0.0.1:443", "[::1]:443", "[::]:443", "[::ffff:127.0.0.1]:443", "[::ffff:169.254.169.254]:443", "[fe80::1%eth0]:443",
		"[fd00:ec2::254]:443", "[ff02::1]:443", "garbage"} {
		remote = a
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://example.com", Method: http.MethodGet})
		assert.Equal(t, vault.KindForbidden, vault.KindOf(err), "%s: %v", a, err)
	}
	assert.Zero(t, dest.calls())
	remote = "93.184.215.14:443"
	_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://example.com", Method: http.MethodGet})
	require.NoError(t, err)
}

// TestProbeNonGlobalAddresses: addresses the IANA special-purpose
// registries mark not globally reachable are not public destinations:
// benchmarking (198.18/15, used by fake-IP resolvers), reserved 240/4 and
// broadcast, IETF 192.0.0/24, documentation ranges, NAT64 prefixes
// embedding a private IPv4 (64:ff9b::/96 with 169.254.169.254, and the
// local-use 64:ff9b:1::/48), IPv4-compatible and site-local IPv6, 6to4
// embedding loopback.
func TestProbeNonGlobalAddresses(t *testing.T) {
	var remote string
	v, dest, ctx := remoteProbe(t, &remote)
	for _, a := range []string{"198.18.0.1:443", "240.0.0.1:443", "255.255.255.255:443", "192.0.0.170:443", "192.0.2.1:443",
		"[64:ff9b::a9fe:a9fe]:443", "[64:ff9b::7f00:1]:443", "[64:ff9b:1::a00:1]:443", "[::127.0.0.1]:443", "[fec0::1]:443",
		"[2002:7f00:1::1]:443", "[2001:db8::1]:443"} {
		remote = a
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://example.com", Method: http.MethodGet})
		assert.Equal(t, vault.KindForbidden, vault.KindOf(err), "%s: %v", a, err)
	}
	assert.Zero(t, dest.calls())
}

// TestProbeForeignApplication: a proxy cannot be made to act as another
// tenant's application, and odd methods end in a response or a wrapped
// error, never a panic.
func TestProbeForeignApplication(t *testing.T) {
	f, _ := newProxyFixture(t)
	_, mgmt, err := f.v.CreateTenant(t.Context(), vault.CreateTenantRequest{Name: "Other"})
	require.NoError(t, err)
	f.vars["other_mgmt"] = mgmt.Key.Reveal()
	res, body := f.do(t, "POST", "/proxies", key("other_mgmt"), `{"name":"x","destination_url":"https://example.com","application":{"id":"{creator_app}"}}`)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "%s", body)
	assert.Less(t, res.StatusCode, 500, "%s", body)
	res, body = f.do(t, "POST", "/proxies", key("other_mgmt"), `{"name":"x","destination_url":"https://example.com"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var p map[string]any
	require.NoError(t, json.Unmarshal(body, &p))
	f.vars["other_proxy"] = p["id"].(string)
	res, body = f.do(t, "PATCH", "/proxies/{other_proxy}", with(key("other_mgmt"), "Content-Type", "application/merge-patch+json"), `{"application":{"id":"{creator_app}"}}`)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "%s", body)
	res, body = f.do(t, "PUT", "/proxies/{other_proxy}", key("other_mgmt"), `{"name":"x","destination_url":"https://example.com","application":{"id":"{creator_app}"}}`)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "%s", body)
	for _, m := range []string{"CONNECT", "TRACE", "PROPFIND", "M-SEARCH", "OPTIONS", "HEAD"} {
		res, _ := f.do(t, m, "/proxy/x", with(key("invoker"), "BT-PROXY-URL", "https://example.com"), "")
		assert.NotEqual(t, http.StatusInternalServerError, res.StatusCode, m)
	}
	assert.NotContains(t, f.logs.String(), "panic")
}
