package vault_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/stripe/stripemock"
)

// destHost is the DNS name proxy tests send to: the test server's
// certificate is valid for it, and the proxy client dials the server for
// it.
const destHost = "example.com"

// seen is one request a destination received.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// destination is an HTTPS server standing in for a third party.
type destination struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []seen
	respond func(w http.ResponseWriter, r *http.Request, body []byte)
}

func (d *destination) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	d.reqs = append(d.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
	respond := d.respond
	d.mu.Unlock()
	if respond != nil {
		respond(w, r, body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (d *destination) last(t *testing.T) seen {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	require.NotEmpty(t, d.reqs, "the destination was not called")
	return d.reqs[len(d.reqs)-1]
}

func (d *destination) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.reqs)
}

// newDestination starts a TLS destination (configure may set its TLS
// config before it starts) and returns it with the client options that
// reach it as example.com.
func newDestination(t testing.TB, configure func(*httptest.Server)) (*destination, []vault.Option) {
	t.Helper()
	d := &destination{}
	d.srv = httptest.NewUnstartedServer(d)
	d.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	if configure != nil {
		configure(d.srv)
	}
	d.srv.StartTLS()
	t.Cleanup(d.srv.Close)
	return d, []vault.Option{vault.WithProxyClient(clientTo(d.srv)), vault.WithProxyHosts(destHost)}
}

// clientTo is a client that trusts srv and dials it for any address.
func clientTo(srv *httptest.Server) *http.Client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

// proxyCaller is a private application with proxy:invoke and token:read.
func proxyCaller(t *testing.T, v *vault.Vault, perms ...string) context.Context {
	t.Helper()
	if len(perms) == 0 {
		perms = []string{vault.PermProxyInvoke}
	}
	_, ctx := privateApp(t, v, vault.CreateApplicationRequest{Name: "proxy caller", Permissions: perms})
	return ctx
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func TestEphemeralProxyDetokenizesAndForwards(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v, events := openReactorVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	body := `{"card":{"number":"{{ ` + card.ID + ` | json: '$.number' }}","cvc":"{{ ` + card.ID + ` | json: '$.cvc' }}"},"amount":1000,"big":12345678901234567890}`
	h := jsonHeader()
	h.Set("Authorization", "Bearer sk_test")
	h.Set("BT-API-KEY", "must-not-leave")
	h.Set("X-API-KEY", "must-not-leave")
	h.Set(vault.HeaderProxyKeepAlive, "timeout=5")
	h.Set(vault.HeaderProxyConnection, "keep-alive")
	h.Set("Connection", "X-Hop")
	h.Set("X-Hop", "named by Connection: not forwarded")
	h.Set("BT-TRACE-ID", "trace-1")
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost + "/api?v=1", Method: http.MethodPost,
		Path: "/v1/charges", RawQuery: "expand=all", Header: h, Body: []byte(body)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `{"ok":true}`, string(resp.Body))
	assert.Equal(t, "200", resp.Header.Get(vault.HeaderProxyDestinationStatus))

	got := dest.last(t)
	assert.Equal(t, "/api/v1/charges", got.Path)
	assert.Equal(t, "v=1&expand=all", got.RawQuery)
	assert.JSONEq(t, `{"card":{"number":"4242424242424242","cvc":"123"},"amount":1000,"big":12345678901234567890}`, got.Body)
	assert.Contains(t, got.Body, "12345678901234567890", "numbers keep every digit")
	assert.Equal(t, "Bearer sk_test", got.Header.Get("Authorization"))
	assert.Equal(t, "timeout=5", got.Header.Get("Keep-Alive"))
	assert.Equal(t, "keep-alive", got.Header.Get("Connection"))
	assert.Empty(t, got.Header.Get("X-Hop"), "a header the caller's Connection names is hop-by-hop")
	for _, name := range []string{"Bt-Api-Key", "X-Api-Key", "Bt-Proxy-Url", "Bt-Proxy-Keep-Alive", "Bt-Trace-Id"} {
		assert.Empty(t, got.Header.Values(name), name)
	}

	invoked := events.waitOfType(vault.EventProxyInvoked, 1)
	b, _ := json.Marshal(invoked[0].Data)
	assert.NotContains(t, string(b), testCardNumber)
	assert.NotContains(t, string(b), "charges", "no path in the event")
	assert.Contains(t, string(b), `"ephemeral":true`)
}

func TestProxyBodyKinds(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	ref := "{{ " + card.ID + " | json: '$.number' }}"
	for name, tc := range map[string]struct{ contentType, body, want string }{
		"form":          {"application/x-www-form-urlencoded", "card%5Bnumber%5D=" + strings.ReplaceAll(ref, " ", "+") + "&amount=10&x=a%26b", "card%5Bnumber%5D=4242424242424242&amount=10&x=a%26b"},
		"form escapes":  {"application/x-www-form-urlencoded", "n={{+" + card.ID + "+|+json:+'$.number'+|+prepend:+'a%26b%3D'+}}", "n=a%26b%3D4242424242424242"},
		"text":          {"text/plain; charset=utf-8", "pan=" + ref + ";", "pan=4242424242424242;"},
		"xml":           {"application/xml", "<pan>" + ref + "</pan>", "<pan>4242424242424242</pan>"},
		"whole token":   {"text/plain", "{{ token: " + card.ID + " | json: '$.data.expiration_year' }}", "2031"},
		"binary as is":  {"application/octet-stream", ref, ref},
		"no expression": {"application/json", `{"a" : 1 }`, `{"a" : 1 }`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodPost,
				Header: http.Header{"Content-Type": {tc.contentType}}, Body: []byte(tc.body)})
			require.NoError(t, err)
			assert.Equal(t, tc.want, dest.last(t).Body)
		})
	}
}

func TestProxyDestinationRules(t *testing.T) {
	_, opts := newDestination(t, nil)
	old, oldOpts := newDestination(t, func(s *httptest.Server) {
		s.TLS = &tls.Config{MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}
	})
	listed := openTestVault(t, opts...)
	open := openTestVault(t, vault.WithProxyClient(clientTo(old.srv))) // no allow-list: public destinations only
	tls11 := openTestVault(t, oldOpts...)
	for name, tc := range map[string]struct {
		v    *vault.Vault
		url  string
		kind vault.Kind
	}{
		"http":                   {open, "http://" + destHost, vault.KindInvalid},
		"an IP literal":          {open, "https://93.184.215.14/api", vault.KindInvalid},
		"an IPv6 literal":        {open, "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/", vault.KindInvalid},
		"localhost":              {open, "https://localhost/", vault.KindInvalid},
		"user info":              {open, "https://u:p@" + destHost, vault.KindInvalid},
		"a port out of range":    {listed, "https://" + destHost + ":99999/", vault.KindInvalid},
		"not absolute":           {open, "/api", vault.KindInvalid},
		"off the list":           {listed, "https://api.stripe.com/", vault.KindInvalid},
		"a port off the list":    {openTestVault(t, vault.WithProxyHosts(destHost+":8443")), "https://" + destHost + "/", vault.KindInvalid},
		"resolves to loopback":   {open, "https://" + destHost + "/", vault.KindForbidden},
		"TLS 1.1":                {tls11, "https://" + destHost + "/", vault.KindUnavailable},
		"an IP literal, listed?": {listed, "https://127.0.0.1/", vault.KindInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := proxyCaller(t, tc.v)
			_, err := tc.v.Proxy(ctx, vault.ProxyRequest{Destination: tc.url, Method: http.MethodGet})
			require.Error(t, err)
			assert.Equal(t, tc.kind, vault.KindOf(err), "%v", err)
			if tc.kind == vault.KindInvalid {
				e, _ := errorsAsVault(err)
				assert.Contains(t, e.Fields, vault.HeaderProxyURL)
			}
		})
	}
	assert.Zero(t, old.count(), "a TLS 1.1 server is never sent the request")

	// An allow-listed host may use http.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "plain") }))
	t.Cleanup(plain.Close)
	pv := openTestVault(t, vault.WithProxyHosts(plain.Listener.Addr().String()))
	resp, err := pv.Proxy(proxyCaller(t, pv), vault.ProxyRequest{Destination: plain.URL, Method: http.MethodGet})
	require.NoError(t, err)
	assert.Equal(t, "plain", string(resp.Body))
}

func TestProxyLimitsAndPermissions(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	send := func(ctx context.Context, body string) error {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodPost, Header: jsonHeader(), Body: []byte(body)})
		return err
	}
	ctx := proxyCaller(t, v)
	refs := make([]string, vault.MaxProxyTokens+1)
	for i := range refs {
		refs[i] = `"{{ ` + card.ID + ` | json: '$.number' }}"`
	}
	require.NoError(t, send(ctx, "["+strings.Join(refs[:vault.MaxProxyTokens], ",")+"]"))
	err := send(ctx, "["+strings.Join(refs, ",")+"]")
	assert.Equal(t, vault.KindInvalid, vault.KindOf(err))
	calls := dest.count()

	assert.Equal(t, vault.KindInvalid, vault.KindOf(send(ctx, `{"a":"{{ no-such-token }}"}`)))
	assert.Equal(t, vault.KindInvalid, vault.KindOf(send(ctx, `{"a":"{{ config: KEY }}"}`)), "configuration is not readable through a body")

	reader := proxyCaller(t, v, vault.PermTokenRead)
	assert.Equal(t, vault.KindForbidden, vault.KindOf(send(reader, `{}`)), "proxy:invoke is required")
	legacy := proxyCaller(t, v, vault.PermTokenUse)
	require.NoError(t, send(legacy, `{"n":"{{ `+card.ID+` | json: '$.number' }}"}`), "the legacy token:use is accepted")

	_, ruled := privateApp(t, v, vault.CreateApplicationRequest{Name: "ruled", Rules: []vault.AccessRule{
		{Description: "other", Priority: 1, Container: "/pci/other/", Transform: vault.TransformReveal, Permissions: []string{vault.PermProxyInvoke}},
	}})
	assert.Equal(t, vault.KindForbidden, vault.KindOf(send(ruled, `{"n":"{{ `+card.ID+` }}"}`)), "the rules decide which tokens a proxy may reveal")
	assert.Equal(t, calls+1, dest.count(), "refused requests never reach the destination")

	_, err = v.UpdateTenant(t.Context(), vault.UpdateTenantRequest{Name: "Default", Settings: map[string]string{vault.SettingDisableEphemeralProxy: "true"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return vault.KindOf(send(ctx, `{}`)) == vault.KindForbidden }, 5*time.Second, 50*time.Millisecond)
}

func TestProxyDestinationFailures(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, append(opts, vault.WithProxyTimeout(300*time.Millisecond))...)
	ctx := proxyCaller(t, v)
	dest.respond = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Upstream", "1")
		w.WriteHeader(http.StatusPaymentRequired)
		_, _ = io.WriteString(w, `{"error":{"code":"card_declined"}}`)
	}
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodPost, Body: []byte("x")})
	require.NoError(t, err, "a destination's error is its response, not the vault's")
	assert.Equal(t, http.StatusPaymentRequired, resp.StatusCode)
	assert.Equal(t, `{"error":{"code":"card_declined"}}`, string(resp.Body))
	assert.Equal(t, "402", resp.Header.Get(vault.HeaderProxyDestinationStatus))
	assert.Equal(t, "1", resp.Header.Get("X-Upstream"))

	dest.respond = func(w http.ResponseWriter, r *http.Request, _ []byte) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	start := time.Now()
	_, err = v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodGet})
	assert.Equal(t, vault.KindTimeout, vault.KindOf(err))
	assert.Less(t, time.Since(start), 3*time.Second)

	dest.srv.Close()
	_, err = v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodGet})
	assert.Equal(t, vault.KindUnavailable, vault.KindOf(err))
}

// TestProxyToStripeMock sends a card through the ephemeral proxy to
// stripe-mock, which checks the request against Stripe's API
// specification: the form body's expressions are detokenized and
// re-encoded, and Stripe's answer comes back as it is.
func TestProxyToStripeMock(t *testing.T) {
	base := stripemock.Start(t, false)
	u, err := url.Parse(base)
	require.NoError(t, err)
	v := openTestVault(t, vault.WithProxyHosts(u.Host))
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	ref := func(path string) string { return url.QueryEscape("{{ " + card.ID + " | json: '" + path + "' }}") }
	form := "type=card&card[number]=" + ref("$.number") + "&card[exp_month]=" + ref("$.expiration_month") +
		"&card[exp_year]=" + ref("$.expiration_year") + "&card[cvc]=" + ref("$.cvc")
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Destination: base, Method: http.MethodPost, Path: "/v1/payment_methods",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Bearer " + stripemock.TestKey}},
		Body:   []byte(form)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", resp.Body)
	var pm map[string]any
	require.NoError(t, json.Unmarshal(resp.Body, &pm))
	assert.Equal(t, "payment_method", pm["object"])

	// stripe-mock refuses a request its specification does not allow; the
	// refusal is Stripe's, passed through.
	resp, err = v.Proxy(ctx, vault.ProxyRequest{Destination: base, Method: http.MethodPost, Path: "/v1/payment_methods",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Bearer " + stripemock.TestKey}},
		Body:   []byte("type=card&card[no_such_field]=" + ref("$.number"))})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "400", resp.Header.Get(vault.HeaderProxyDestinationStatus))
}

// TestProxyPathConfinement: the path a caller appends cannot climb out of
// the destination's base path, written or escaped.
func TestProxyPathConfinement(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	for _, path := range []string{"/../admin", "/a/%2e%2e/%2E%2E/admin", "/./x", "/a/%2e", "/%zz", "/a%2f..%2fb"} {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost + "/api/v1", Method: http.MethodGet, Path: path})
		require.Error(t, err, path)
		e, _ := errorsAsVault(err)
		require.NotNil(t, e)
		assert.Contains(t, e.Fields, "path", path)
	}
	assert.Zero(t, dest.count())
	_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost + "/api/v1", Method: http.MethodGet, Path: "/a%20b/c..d/%2Fe"})
	require.NoError(t, err)
	assert.Equal(t, "/api/v1/a b/c..d//e", dest.last(t).Path)
}
