package vault_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
)

// proxyProbeSecret is the configuration value no caller may see.
const proxyProbeSecret = "s3cr3t"

// proxyErrText is everything an error carries, as text.
func proxyErrText(err error) string {
	if err == nil {
		return ""
	}
	b, _ := json.Marshal(err)
	return fmt.Sprintf("%v %+v %s", err, err, b)
}

// assertProxyVaultError asserts err is nil or a *vault.Error.
func assertProxyVaultError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		_, ok := errorsAsVault(err)
		assert.True(t, ok, "not a *vault.Error: %T %v", err, err)
	}
}

// TestProbeDestinationParserTricks: without an allow-list, no URL trick
// reaches a loopback destination, and the written forms of localhost and
// IP literals are refused when the proxy is called (KindInvalid).
func TestProbeDestinationParserTricks(t *testing.T) {
	dest, _ := newDestination(t, nil)
	v := openTestVault(t, vault.WithProxyClient(clientTo(dest.srv))) // every dial reaches loopback
	ctx := proxyCaller(t, v)
	invalid := []string{
		"https://localhost/", "https://LOCALHOST/", "https://a.localhost/",
		"https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[fe80::1%25eth0]/",
		"https://127.0.0.1/", "https://2130706433/", "HTTP://example.com/", "http://example.com/",
		"https:/example.com/", "https:example.com", "https://example.com\\@evil.com/", "https://u@example.com/",
		"https://example.com#@evil.com", "//example.com/", "ftp://example.com/", "https://", " https://example.com/",
	}
	for _, u := range invalid {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: u, Method: http.MethodGet})
		assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "%q: %v", u, err)
		assertProxyVaultError(t, err)
	}
	// Whatever the validation says, none of these may be dialled through.
	for _, u := range []string{"https://0x7f.0.0.1/", "https://0177.0.0.1/", "https://127.1/x", "https://example.com./",
		"https://EXAMPLE.com:443/", "https://exa%6dple.com/", "https://xn--exmple-cua.com/", "https://ex\u00e4mple.com/"} {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: u, Method: http.MethodGet})
		require.Error(t, err, u)
		assertProxyVaultError(t, err)
	}
	assert.Zero(t, dest.count(), "a loopback destination was reached without an allow-list")
}

// TestProbeDestinationTrailingDots: "localhost." and "127.0.0.1." are
// localhost and an IP literal written with the root label; the
// destination rules refuse them when the proxy is called, as their
// undotted forms are (the dial-time check is the second line, not the
// only one).
func TestProbeDestinationTrailingDots(t *testing.T) {
	dest, _ := newDestination(t, nil)
	v := openTestVault(t, vault.WithProxyClient(clientTo(dest.srv)))
	ctx := proxyCaller(t, v)
	for _, u := range []string{"https://localhost./", "https://foo.localhost./", "https://127.0.0.1./", "https://[::1]./"} {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: u, Method: http.MethodGet})
		assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "%q: %v", u, err)
	}
	_, err := v.CreateProxy(t.Context(), vault.CreateProxyRequest{Name: "dot", DestinationURL: "https://localhost./"})
	assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "a proxy to localhost. is refused at create")
	assert.Zero(t, dest.count())
}

// TestProbeAllowListTricks: with an allow-list, no spelling of another
// host passes, and the listed host's spellings reach only it.
func TestProbeAllowListTricks(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	for _, u := range []string{"https://example.com.evil.com/", "https://evil.com/?example.com", "https://example.com@evil.com/",
		"https://evil.com\\.example.com/", "https://example.com%00.evil.com/", "https://[::1]/", "https://127.0.0.1/", "file://example.com/etc/passwd"} {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: u, Method: http.MethodGet})
		assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "%q: %v", u, err)
	}
	assert.Zero(t, dest.count())
	_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "HTTPS://EXAMPLE.COM/up", Method: http.MethodGet})
	require.NoError(t, err, "scheme and host compare without case")
	assert.Equal(t, "/up", dest.last(t).Path)
}

// proxyPathEscapes reports whether a path a destination received climbs
// out of base once a permissive server normalizes it: backslashes as
// slashes, ";" parameters dropped from segments, dot segments resolved.
func proxyPathEscapes(received, base string, backslash bool) bool {
	p := received
	if backslash {
		p = strings.ReplaceAll(p, `\`, "/")
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i], _, _ = strings.Cut(s, ";")
	}
	clean := path.Clean(strings.Join(segs, "/"))
	return clean != base && !strings.HasPrefix(clean, base+"/")
}

// TestProbePathEncodingsHeld: escaped, doubled and mixed dot segments
// are refused, and what reaches the destination stays under the base.
func TestProbePathEncodingsHeld(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	for _, p := range []string{"/..", "..", "/.%2e/x", "/%2E./x", "/a/%2e%2e%2f..%2f", "/%2e%2e%5c%2e%2e%2fx", "//..//x", "/a/../b", "/%252e%252e/x",
		"/x?y=/../", "/x#/../../", "/%00/../x", "/\x00/x", "/x\r\nHost: evil"} {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost + "/api/v1", Method: http.MethodGet, Path: p})
		assertProxyVaultError(t, err)
		if err == nil {
			got := dest.last(t)
			assert.False(t, proxyPathEscapes(got.Path, "/api/v1", false), "%q reached %q", p, got.Path)
			assert.NotContains(t, got.Header, "Host", p)
		}
	}
}

// probePathsStayUnder sends each path under /api/v1 and asserts that
// what the destination received does not climb out once normalized.
func probePathsStayUnder(t *testing.T, backslash bool, paths ...string) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	for _, p := range paths {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost + "/api/v1", Method: http.MethodGet, Path: p})
		if err == nil {
			got := dest.last(t).Path
			assert.False(t, proxyPathEscapes(got, "/api/v1", backslash), "%q reached %q", p, got)
		}
	}
}

// TestProbePathMatrixParams: "..;" is a dot segment to servlet
// containers (Tomcat, Jetty, Spring): "/api/v1/..;/admin" is served as
// "/api/admin".
func TestProbePathMatrixParams(t *testing.T) {
	probePathsStayUnder(t, false, "/..;/admin", "/%2e%2e;/admin", "/..;x=1/..;/admin", "/.;/..;/admin")
}

// TestProbePathBackslash: "\..\" (written or as %5C) is a dot segment to
// servers that take "\" for "/" (IIS, some routers).
func TestProbePathBackslash(t *testing.T) {
	probePathsStayUnder(t, true, `/\..\admin`, "/%5C..%5Cadmin", "/%5c..%5c..%5cadmin")
}

// TestProbeAnonymousNeverDetokenized: an anonymous call is never
// detokenized, whatever the content type's spelling, and a tokenize
// request transform does not evaluate the caller's expressions either.
func TestProbeAnonymousNeverDetokenized(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	noAuth := false
	open := mustCreateProxy(t, v, vault.CreateProxyRequest{RequireAuth: &noAuth})
	anon := vault.WithAnonymous(t.Context())
	ref := "{{ " + card.ID + " | json: '$.number' }}"
	for ct, body := range map[string]string{
		"application/json":                       `{"n":"` + ref + `"}`,
		"Application/JSON; charset=UTF-8":        `{"n":"` + ref + `"}`,
		"application/vnd.api+json":               `{"n":"` + ref + `"}`,
		"application/x-www-form-urlencoded":      "n=" + strings.ReplaceAll(ref, " ", "+"),
		"APPLICATION/X-WWW-FORM-URLENCODED; a=b": "n=" + strings.ReplaceAll(ref, " ", "+"),
		"text/plain;charset=utf-8":               ref,
		"application/xml":                        "<n>" + ref + "</n>",
		"":                                       ref,
		"bogus;;":                                ref,
		"text/html":                              "{% raw %}" + ref + "{% endraw %}" + ref,
		"application/json\r\nContent-Type: text/foo": ref,
	} {
		_, err := v.Proxy(anon, vault.ProxyRequest{Key: open.Key, Method: http.MethodPost, Header: http.Header{"Content-Type": {ct}}, Body: []byte(body)})
		assertProxyVaultError(t, err)
		if err == nil {
			assert.Equal(t, body, dest.last(t).Body, "content type %q", ct)
		}
		assert.NotContains(t, proxyErrText(err), testCardNumber)
	}

	// A tokenize request transform makes the token of what the caller
	// sent: the expression it sent is data, not a reference.
	app, _ := privateApp(t, v, vault.CreateApplicationRequest{Name: "tokenizer", Permissions: []string{vault.PermTokenCreate}})
	tok := mustCreateProxy(t, v, vault.CreateProxyRequest{RequireAuth: &noAuth, Application: &vault.ProxyApplication{ID: app.ID},
		RequestTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformTokenize, Options: &vault.ProxyTransformOptions{
			Identifier: "x", Location: "$.n", Token: json.RawMessage(`{"type":"token","data":"{{ req.n }}"}`)}}}})
	_, err := v.Proxy(anon, vault.ProxyRequest{Key: tok.Key, Method: http.MethodPost, Header: jsonHeader(), Body: []byte(`{"n":"` + ref + `"}`)})
	if err == nil {
		var sent map[string]string
		require.NoError(t, json.Unmarshal([]byte(dest.last(t).Body), &sent))
		created, gerr := v.GetToken(t.Context(), sent["n"])
		require.NoError(t, gerr)
		assert.NotEqual(t, testCardNumber, created.Data, "an anonymous caller's expression was resolved by a tokenize transform")
	}
	assert.NotContains(t, dest.last(t).Body, testCardNumber)
	assert.NotContains(t, proxyErrText(err), testCardNumber)
}

// TestProbeConfigurationNotInBody: no spelling of a configuration
// reference in a body reaches the configuration.
func TestProbeConfigurationNotInBody(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	p := mustCreateProxy(t, v, vault.CreateProxyRequest{Configuration: vault.Secrets{"SECRET": proxyProbeSecret, "secret": proxyProbeSecret}})
	for ct, body := range map[string]string{
		"application/json":                  `{"a":"{{ config: SECRET }}","b":"{{config:secret}}"}`,
		"text/plain":                        "{{ CONFIG: SECRET }}{{ config : SECRET }}{{ config.SECRET }}{{ configuration.SECRET }}",
		"application/x-www-form-urlencoded": "a=%7B%7B+config%3A+SECRET+%7D%7D",
		"application/xml":                   "<a>{% if config.SECRET %}{{ config.SECRET }}{% endif %}{{ 'x' | append: config.SECRET }}</a>",
		"application/json; x=1":             `{"a":"{{ config: 'SECRET' }}","b":"{{ config: \"SECRET\" }}"}`,
	} {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodPost, Header: http.Header{"Content-Type": {ct}}, Body: []byte(body)})
		assertProxyVaultError(t, err)
		assert.NotContains(t, proxyErrText(err), proxyProbeSecret)
		if dest.count() > 0 {
			assert.NotContains(t, dest.last(t).Body, proxyProbeSecret, "%s: %s", ct, body)
		}
	}
}

// TestProbeTransformTemplatesDoNotDetokenize: a tokenize template or an
// append value cannot read a stored token or the configuration; such a
// proxy is refused, or its references resolve to nothing.
func TestProbeTransformTemplatesDoNotDetokenize(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	dest.respond = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"v":"{{ `+card.ID+` | json: '$.number' }}","w":"plain"}`)
	}
	app, _ := privateApp(t, v, vault.CreateApplicationRequest{Name: "tokenizer", Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUse}})
	for name, tmpl := range map[string]string{
		"a token by id":      `{"type":"token","data":"{{ ` + card.ID + ` | json: '$.number' }}"}`,
		"token: id":          `{"type":"token","data":"{{ token: ` + card.ID + ` | json: '$.data.number' }}"}`,
		"config":             `{"type":"token","data":"{{ config: SECRET }}"}`,
		"config as variable": `{"type":"token","data":"{{ config.SECRET }}{{ configuration.SECRET }}"}`,
		"the response's ref": `{"type":"token","data":"{{ res.v }}"}`,
		"metadata":           `{"type":"token","data":"{{ res.w }}","metadata":{"m":"{{ config: SECRET }}{{ ` + card.ID + ` }}"}}`,
	} {
		p, err := v.CreateProxy(t.Context(), vault.CreateProxyRequest{Name: name, DestinationURL: "https://" + destHost,
			Application: &vault.ProxyApplication{ID: app.ID}, Configuration: vault.Secrets{"SECRET": proxyProbeSecret},
			ResponseTransforms: []vault.ProxyTransform{
				{Type: vault.ProxyTransformTokenize, Options: &vault.ProxyTransformOptions{Identifier: "t", Token: json.RawMessage(tmpl)}},
				{Type: vault.ProxyTransformAppendHeader, Options: &vault.ProxyTransformOptions{Value: "{{ transform_identifier: 't' | json: '$.id' }}", Location: "X-T"}},
				{Type: vault.ProxyTransformAppendJSON, Options: &vault.ProxyTransformOptions{Value: "{{ transform_identifier: 't' }}", Location: "$.t"}},
			}})
		if err != nil {
			assert.Equal(t, vault.KindInvalid, vault.KindOf(err), name)
			continue
		}
		resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
		assertProxyVaultError(t, err)
		assert.NotContains(t, proxyErrText(err), proxyProbeSecret, name)
		assert.NotContains(t, proxyErrText(err), testCardNumber, name)
		if err != nil {
			continue
		}
		assert.NotContains(t, string(resp.Body), testCardNumber, name)
		created, gerr := v.GetToken(t.Context(), resp.Header.Get("X-T"))
		require.NoError(t, gerr, name)
		b, _ := json.Marshal(map[string]any{"d": created.Data, "m": created.Metadata})
		assert.NotContains(t, string(b), testCardNumber, "%s: a response transform detokenized", name)
		assert.NotContains(t, string(b), proxyProbeSecret, "%s: the configuration went into a token", name)
	}

	// Append values may only name transform identifiers, on create, update
	// and patch.
	base := mustCreateProxy(t, v, vault.CreateProxyRequest{Configuration: vault.Secrets{"SECRET": proxyProbeSecret}})
	for _, val := range []string{"{{ config: SECRET }}", "{{ " + card.ID + " }}", "{{ token: " + card.ID + " }}", "{{ transform_identifier: 'nope' }}",
		"{% if true %}{{ config: SECRET }}{% endif %}", "{{ config.SECRET }}", "{{ res.v }}"} {
		rt := []vault.ProxyTransform{{Type: vault.ProxyTransformAppendText, Options: &vault.ProxyTransformOptions{Value: val}}}
		_, err := v.CreateProxy(t.Context(), vault.CreateProxyRequest{Name: "a", DestinationURL: "https://" + destHost, ResponseTransforms: rt,
			Configuration: vault.Secrets{"SECRET": proxyProbeSecret}})
		assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "create %q", val)
		_, err = v.UpdateProxy(t.Context(), base.ID, vault.UpdateProxyRequest{Name: "a", DestinationURL: "https://" + destHost, ResponseTransforms: rt})
		assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "update %q", val)
		patch, _ := json.Marshal(map[string]any{"response_transforms": rt})
		_, err = v.PatchProxy(t.Context(), base.ID, patch)
		assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "patch %q", val)
	}
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: base.Key, Method: http.MethodGet})
	require.NoError(t, err)
	assert.NotContains(t, string(resp.Body), proxyProbeSecret)
}

// TestProbeHostileCodeTransforms: whatever a code transform returns or
// throws, the call ends in a response or a *vault.Error quoting neither
// the configuration nor the detokenized data, and the request sent is
// one well-formed request to the destination's host.
func TestProbeHostileCodeTransforms(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, append(opts, vault.WithReactorLimits(sandbox.Limits{Timeout: time.Second}))...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	body := []byte(`{"n":"{{ ` + card.ID + ` | json: '$.number' }}"}`)
	for name, code := range map[string]string{
		"cyclic":            `module.exports = async () => { const o = {}; o.o = o; return { body: o }; }`,
		"throwing getter":   `module.exports = async () => ({ get body() { throw new Error('` + proxyProbeSecret + `'); } })`,
		"symbol":            `module.exports = async () => ({ body: Symbol('x'), headers: { [Symbol('k')]: 'v' } })`,
		"bigint":            `module.exports = async () => ({ body: 10n })`,
		"huge header":       `module.exports = async (req) => ({ body: req.args.body, headers: { 'X-Big': 'a'.repeat(4 << 20) } })`,
		"many headers":      `module.exports = async (req) => { const h = {}; for (let i = 0; i < 100000; i++) h['X-' + i] = 'v'; return { body: 1, headers: h }; }`,
		"header crlf":       `module.exports = async () => ({ body: 'x', headers: { 'X-A': 'v\r\nX-Injected: 1' } })`,
		"header nul":        `module.exports = async () => ({ body: 'x', headers: { 'X-A': 'v\u0000w' } })`,
		"smuggling":         `module.exports = async () => ({ body: 'abc', headers: { 'Host': 'evil.com', 'Transfer-Encoding': 'chunked', 'Content-Length': '0' } })`,
		"headers array":     `module.exports = async () => ({ body: 'x', headers: ['a', 'b'] })`,
		"headers nested":    `module.exports = async () => ({ body: 'x', headers: { 'X-A': { toString() { return 'v'; } } } })`,
		"proto pollution":   `module.exports = async (req) => { Object.prototype.polluted = req.configuration.SECRET; req.args.__proto__.x = 1; return { body: {}, headers: JSON.parse('{"__proto__":{"X-P":"1"}}') }; }`,
		"syntax error data": `module.exports = async (req) => JSON.parse(req.args.body.n + '}' + req.configuration.SECRET)`,
		"type error data":   `module.exports = async (req) => { null[req.args.body.n + req.configuration.SECRET](); }`,
		"throw a string":    `module.exports = async (req) => { throw req.args.body.n + req.configuration.SECRET; }`,
		"throw an object":   `module.exports = async (req) => { throw { status: 400, message: req.args.body.n + req.configuration.SECRET, name: 'Error' }; }`,
		"bt retrieve data":  `module.exports = async (req) => { await req.bt.tokens.retrieve(req.args.body.n + req.configuration.SECRET); return { body: 1 }; }`,
		"bt create data":    `module.exports = async (req) => { await req.bt.tokens.create({ type: 'card', data: { number: req.args.body.n + 'x' }, metadata: { k: req.configuration.SECRET + '\\n' } }); return { body: 1 }; }`,
		"spoofed sdk error": `module.exports = async (req) => { const e = new Error(req.args.body.n + req.configuration.SECRET); e.name = 'BadRequestError'; e.status = 400; throw e; }`,
		"stack overflow":    `const f = (n) => f(n + 1) + 1; module.exports = async () => ({ body: f(0) })`,
		"returns a promise": `module.exports = async () => ({ then(r) { r({ body: 'late' }); } })`,
		"huge body":         `module.exports = async () => ({ body: 'a'.repeat(64 << 20) })`,
	} {
		t.Run(name, func(t *testing.T) {
			p := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: code}}, nil)
			calls := dest.count()
			start := time.Now()
			resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodPost, Header: jsonHeader(), Body: body})
			assert.Less(t, time.Since(start), 10*time.Second)
			assertProxyVaultError(t, err)
			assert.NotContains(t, proxyErrText(err), proxyProbeSecret)
			assert.NotContains(t, proxyErrText(err), testCardNumber)
			if err != nil {
				return
			}
			assert.NotContains(t, fmt.Sprint(resp.Header), proxyProbeSecret)
			if dest.count() == calls {
				return
			}
			assert.Equal(t, calls+1, dest.count(), "one request, not smuggled ones")
			got := dest.last(t)
			assert.Empty(t, got.Header.Get("X-Injected"))
			assert.Empty(t, got.Header.Get("Transfer-Encoding"))
		})
	}
}

// TestProbeDestinationResponseHeaders: the destination cannot forge the
// vault's own status header, and headers its Connection names are
// hop-by-hop (RFC 9110 7.6.1) in the response too.
func TestProbeDestinationResponseHeaders(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	dest.respond = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set(vault.HeaderProxyDestinationStatus, "599")
		w.Header().Set("Keep-Alive", "timeout=1")
		w.Header().Set("Proxy-Authenticate", "Basic")
		w.Header().Set("Trailer", "X-T")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "ok")
	}
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodGet})
	require.NoError(t, err)
	assert.Equal(t, []string{"202"}, resp.Header.Values(vault.HeaderProxyDestinationStatus))
	for _, h := range []string{"Keep-Alive", "Proxy-Authenticate", "Trailer", "Transfer-Encoding"} {
		assert.Empty(t, resp.Header.Values(h), h)
	}
}

// TestProbeResponseConnectionNamed: a response header the destination's
// Connection header names is hop-by-hop and is not passed back, as it is
// not forwarded on the request side.
func TestProbeResponseConnectionNamed(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	dest.respond = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Connection", "X-Internal-Hop")
		w.Header().Set("X-Internal-Hop", "internal")
		_, _ = io.WriteString(w, "ok")
	}
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodGet})
	require.NoError(t, err)
	assert.Empty(t, resp.Header.Values("X-Internal-Hop"))
}

// TestProbeLimits: an oversized response is KindPayloadTooLarge; deep and
// wide JSON through append_json with wildcards and mask regexes ends in a
// response or a *vault.Error, quickly.
func TestProbeLimits(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, append(opts, vault.WithProxyMaxBody(1<<20))...)
	ctx := proxyCaller(t, v)
	var respond string
	dest.respond = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, respond)
	}
	respond = strings.Repeat("x", 1<<20+1)
	_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodGet})
	assert.Equal(t, vault.KindPayloadTooLarge, vault.KindOf(err))

	p := transformProxy(t, v, nil, []vault.ProxyTransform{
		{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: `(.*a){20}`, Replacement: "*"},
		{Type: vault.ProxyTransformAppendJSON, Options: &vault.ProxyTransformOptions{Value: "x", Location: "$.*.*.*"}},
		{Type: vault.ProxyTransformAppendJSON, Options: &vault.ProxyTransformOptions{Value: `y`, Location: "$[-1]"}},
	})
	for name, body := range map[string]string{
		"deep":     strings.Repeat("[", 9999) + strings.Repeat("]", 9999),
		"too deep": strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000),
		"wide":     "[" + strings.TrimSuffix(strings.Repeat(`{"a":{"b":{}}},`, 30000), ",") + "]",
		"dup keys": `{"a":1,"a":2,"__proto__":{"x":1}}`,
		"numbers":  `[1e999999999, -0, 123456789012345678901234567890]`,
		"not json": `{"a":`,
	} {
		respond = body
		start := time.Now()
		_, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
		assertProxyVaultError(t, err)
		assert.Less(t, time.Since(start), 10*time.Second, name)
	}

	// Regex mask patterns that refuse to compile are refused at create.
	for _, expr := range []string{"(?=x)", `\1`, "(?<!a)b", strings.Repeat("(", 10000)} {
		_, err := v.CreateProxy(t.Context(), vault.CreateProxyRequest{Name: "m", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: expr, Replacement: "*"}}})
		assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "%.20q", expr)
	}
}

// TestProbeProxyKeyIsACredential: another tenant's callers (even its
// management key) cannot use a key; a key's near-misses are KindNotFound.
func TestProbeProxyKeyIsACredential(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	p := mustCreateProxy(t, v, vault.CreateProxyRequest{})
	_, mgmt, err := v.CreateTenant(t.Context(), vault.CreateTenantRequest{Name: "Other"})
	require.NoError(t, err)
	other := authenticate(t, v, mgmt.Key)
	app, err := v.CreateApplication(other, vault.CreateApplicationRequest{Name: "o", Type: vault.AppPrivate, Permissions: []string{vault.PermProxyInvoke, vault.PermTokenUse}})
	require.NoError(t, err)
	for _, ctx := range []context.Context{other, authenticate(t, v, app.Key)} {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
		assert.Equal(t, vault.KindNotFound, vault.KindOf(err))
	}
	own := proxyCaller(t, v)
	k := p.Key.Reveal()
	for _, near := range []string{" " + k, k + " ", strings.ToUpper(k), k[:len(k)-1], k + "\x00", strings.Repeat("k", 300), "%", "\xff"} {
		_, err := v.Proxy(own, vault.ProxyRequest{Key: vault.NewSecret(near), Method: http.MethodGet})
		assert.Equal(t, vault.KindNotFound, vault.KindOf(err), "%q", near)
	}
	assert.Zero(t, dest.count())
}

// TestProbeTokenizeErrorsQuoteNoData: when a tokenize transform's token
// is refused, the error names the field, never the detokenized value.
func TestProbeTokenizeErrorsQuoteNoData(t *testing.T) {
	_, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	for _, tmpl := range []string{
		`{"type":"{{ req.n }}","data":"x"}`, `{"type":"token","data":"x","containers":["{{ req.n }}"]}`,
		`{"type":"token","data":"x","expires_at":"{{ req.n }}"}`, `{"type":"token","data":"x","id":"{{ req.n }}/../x y"}`,
		`{"type":"card","data":{"number":"{{ req.n }}1"}}`, `{"type":"token","data":"x","fingerprint_expression":"{{ req.n }}"}`,
		`{"type":"token","data":"x","mask":"{{ req.n }}{{"}`, `{"type":"token","data":"x","metadata":{"{{ req.n }}":"v"}}`,
		`{"type":"token","data":"{{ req.n | json: '$.x' }}"}`, `{"type":"token","data":"{{ req.n | to_number | plus: 'a' }}"}`,
		`{"type":"token","data":"x","deduplicate_token":"{{ req.n }}"}`, `{"type":"social_security_number","data":"{{ req.n }}"}`,
	} {
		p := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformTokenize, Options: &vault.ProxyTransformOptions{Identifier: "x", Token: json.RawMessage(tmpl)}}}, nil)
		_, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodPost, Header: jsonHeader(), Body: []byte(`{"n":"{{ ` + card.ID + ` | json: '$.number' }}"}`)})
		assertProxyVaultError(t, err)
		assert.NotContains(t, proxyErrText(err), testCardNumber, tmpl)
	}
}

// TestProbeRunsShareNoGlobals: one proxy's code cannot leave its
// configuration where another proxy's code finds it.
func TestProbeRunsShareNoGlobals(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	writer := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: `module.exports = async (req) => {
		globalThis.leak = req.configuration.SECRET; Object.prototype.leak = req.configuration.SECRET;
		Array.prototype.push = function () { return req.configuration.SECRET; }; JSON.stringify = () => req.configuration.SECRET;
		return { body: 'w' }; }`}}, nil)
	reader := mustCreateProxy(t, v, vault.CreateProxyRequest{RequestTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformCode,
		Code: `module.exports = async () => ({ body: String(globalThis.leak) + String(({}).leak) + String([].push(1)) + JSON.stringify({a: 1}) })`}}})
	for range 3 {
		_, err := v.Proxy(ctx, vault.ProxyRequest{Key: writer.Key, Method: http.MethodPost})
		require.NoError(t, err)
		_, err = v.Proxy(ctx, vault.ProxyRequest{Key: reader.Key, Method: http.MethodPost})
		require.NoError(t, err)
		assert.NotContains(t, dest.last(t).Body, proxyProbeSecret)
	}
}

// TestProbeTemplateLoopsBounded: a body template whose loops would run
// for ever stops within the step budget.
func TestProbeTemplateLoopsBounded(t *testing.T) {
	_, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	for _, body := range []string{
		"{% for i in (1..100000000) %}{% for j in (1..100000000) %}{{ " + card.ID + " | json: '$.number' }}{% endfor %}{% endfor %}",
		"{% for i in (1..2000000) %}{{ " + card.ID + " | json: '$.number' | pad_left: 1000000, '0' }}{% endfor %}",
	} {
		start := time.Now()
		_, err := v.Proxy(ctx, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodPost, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte(body)})
		assert.Less(t, time.Since(start), 5*time.Second)
		assertProxyVaultError(t, err)
		assert.NotContains(t, proxyErrText(err), testCardNumber)
	}
}

// TestProbeRulesShapeDetokenization: a caller whose rule masks cards
// sends the mask, not the number; token:read alone or reactor rights do
// not detokenize through a proxy.
func TestProbeRulesShapeDetokenization(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	body := []byte(`{"n":"{{ ` + card.ID + ` | json: '$.number' }}","t":"{{ token: ` + card.ID + ` }}"}`)
	_, masked := privateApp(t, v, vault.CreateApplicationRequest{Name: "masked", Rules: []vault.AccessRule{
		{Description: "mask", Priority: 1, Container: "/", Transform: vault.TransformMask, Permissions: []string{vault.PermProxyInvoke}}}})
	_, err := v.Proxy(masked, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodPost, Header: jsonHeader(), Body: body})
	if err == nil {
		assert.NotContains(t, dest.last(t).Body, testCardNumber, "a masking rule revealed the number")
	}
	assert.NotContains(t, proxyErrText(err), testCardNumber)
	calls := dest.count()
	for _, perms := range [][]string{{vault.PermTokenRead}, {vault.PermReactorInvoke, vault.PermTokenRead}} {
		_, err := v.Proxy(proxyCaller(t, v, perms...), vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodPost, Header: jsonHeader(), Body: body})
		assert.Equal(t, vault.KindForbidden, vault.KindOf(err), "%v", perms)
	}
	_, redact := privateApp(t, v, vault.CreateApplicationRequest{Name: "redact", Rules: []vault.AccessRule{
		{Description: "read only", Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenRead}},
		{Description: "invoke elsewhere", Priority: 2, Container: "/none/", Transform: vault.TransformReveal, Permissions: []string{vault.PermProxyInvoke}}}})
	_, err = v.Proxy(redact, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodPost, Header: jsonHeader(), Body: body})
	assert.Equal(t, vault.KindForbidden, vault.KindOf(err), "token:read on the container does not reveal through a proxy")
	assert.Equal(t, calls, dest.count())
}

// TestProbeEventsCarryNoData: whatever a transform throws or the call
// fails with, proxy.invoked quotes neither the data nor the
// configuration.
func TestProbeEventsCarryNoData(t *testing.T) {
	_, opts := newDestination(t, nil)
	v, events := openReactorVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	body := []byte(`{"n":"{{ ` + card.ID + ` | json: '$.number' }}"}`)
	for _, code := range []string{
		`const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js'); module.exports = async (req) => { throw new BadRequestError(req.args.body.n + req.configuration.SECRET); }`,
		`module.exports = async (req) => ({ body: req.args.body, headers: { 'X-Bad': req.args.body.n + '\r\n' + req.configuration.SECRET } })`,
	} {
		p := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: code}}, nil)
		_, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodPost, Header: jsonHeader(), Body: body})
		require.Error(t, err)
	}
	all := events.json(t)
	assert.Contains(t, all, vault.EventProxyInvoked)
	assert.NotContains(t, all, testCardNumber)
	assert.NotContains(t, all, "s3cr3t")
}
