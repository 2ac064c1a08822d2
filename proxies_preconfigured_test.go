package vault_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
)

func mustCreateProxy(t *testing.T, v *vault.Vault, req vault.CreateProxyRequest) *vault.Proxy {
	t.Helper()
	if req.Name == "" {
		req.Name = "proxy"
	}
	if req.DestinationURL == "" {
		req.DestinationURL = "https://" + destHost + "/base"
	}
	p, err := v.CreateProxy(t.Context(), req)
	require.NoError(t, err)
	return p
}

func TestProxyCRUD(t *testing.T) {
	v, events := openReactorVault(t, vault.WithProxyHosts(destHost))
	app, _ := privateApp(t, v, vault.CreateApplicationRequest{Name: "transforms", Permissions: []string{vault.PermTokenCreate}})
	noAuth := false
	p := mustCreateProxy(t, v, vault.CreateProxyRequest{Name: "Stripe", RequireAuth: &noAuth, Application: &vault.ProxyApplication{ID: app.ID},
		Configuration: vault.Secrets{"STRIPE_KEY": "sk_test_canary"}, Timeout: 10,
		RequestTransform: &vault.ProxyTransform{Code: `module.exports = async (req) => ({ body: req.args.body, headers: req.args.headers })`}})
	assert.NotEmpty(t, p.Key.Reveal(), "the key is shown on create")
	assert.Equal(t, "active", p.State)
	assert.False(t, p.RequireAuth)
	require.Len(t, p.RequestTransforms, 1)
	assert.Equal(t, vault.ProxyTransformCode, p.RequestTransforms[0].Type, "a transform with code and no type is a code transform")
	assert.Equal(t, "sk_test_canary", p.Configuration["STRIPE_KEY"])
	for _, s := range []string{p.String(), fmt.Sprintf("%v %+v %#v %s %v", p, p, p, p, *p)} {
		assert.NotContains(t, s, "sk_test_canary")
		assert.NotContains(t, s, p.Key.Reveal())
	}

	got, err := v.GetProxy(t.Context(), p.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Key.Reveal(), "the key is never shown again")
	assert.Equal(t, app.ID, got.ApplicationID)
	assert.Equal(t, 10, got.Timeout)
	assert.Equal(t, []vault.ProxyTransform{}, got.ResponseTransforms)

	mustCreateProxy(t, v, vault.CreateProxyRequest{Name: "Adyen"})
	page, err := v.ListProxies(t.Context(), vault.ListProxiesRequest{Name: "str*"})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, p.ID, page.Data[0].ID)

	up, err := v.UpdateProxy(t.Context(), p.ID, vault.UpdateProxyRequest{Name: "Stripe v2", DestinationURL: "https://" + destHost + "/v2"})
	require.NoError(t, err)
	assert.True(t, up.RequireAuth, "PUT replaces: require_auth is back to its default")
	assert.Empty(t, up.RequestTransforms)
	assert.Empty(t, up.Configuration)

	patched, err := v.PatchProxy(t.Context(), p.ID, json.RawMessage(`{"require_auth": false, "configuration": {"A": "1"}}`))
	require.NoError(t, err)
	assert.Equal(t, "Stripe v2", patched.Name, "a patch keeps what it leaves out")
	assert.False(t, patched.RequireAuth)
	assert.Equal(t, "1", patched.Configuration["A"])

	// The key keeps working across updates, and stops with the proxy.
	_, err = v.Proxy(vault.WithAnonymous(t.Context()), vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
	assert.NotEqual(t, vault.KindNotFound, vault.KindOf(err), "%v", err)
	require.NoError(t, v.DeleteProxy(t.Context(), p.ID))
	_, err = v.GetProxy(t.Context(), p.ID)
	assert.Equal(t, vault.KindNotFound, vault.KindOf(err))
	_, err = v.Proxy(vault.WithAnonymous(t.Context()), vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
	assert.Equal(t, vault.KindNotFound, vault.KindOf(err))

	for _, typ := range []string{vault.EventProxyCreated, vault.EventProxyUpdated, vault.EventProxyDeleted} {
		for _, e := range events.waitOfType(typ, 1) {
			b, _ := json.Marshal(e.Data)
			assert.NotContains(t, string(b), "sk_test_canary", typ)
			assert.NotContains(t, string(b), p.Key.Reveal(), typ)
		}
	}
}

func TestProxyValidation(t *testing.T) {
	v := openTestVault(t, vault.WithProxyHosts(destHost))
	code := func(s string) vault.ProxyTransform {
		return vault.ProxyTransform{Type: vault.ProxyTransformCode, Code: s}
	}
	ok := code(`module.exports = async (req) => req.args`)
	for name, tc := range map[string]struct {
		req   vault.CreateProxyRequest
		field string
		kind  vault.Kind
	}{
		"no name":           {vault.CreateProxyRequest{DestinationURL: "https://" + destHost}, "name", vault.KindInvalid},
		"http destination":  {vault.CreateProxyRequest{Name: "p", DestinationURL: "ftp://" + destHost}, "destination_url", vault.KindInvalid},
		"host off the list": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://evil.example"}, "destination_url", vault.KindInvalid},
		"both transform kinds": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost, RequestTransform: &ok,
			RequestTransforms: []vault.ProxyTransform{ok}}, "request_transform", vault.KindInvalid},
		"mask on a request": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			RequestTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: "(a)", Replacement: "*"}}}, "request_transforms[0].type", vault.KindInvalid},
		"unknown type": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{ok, {Type: "rot13"}}}, "response_transforms[1].type", vault.KindInvalid},
		"code missing": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformCode}}}, "response_transforms[0].code", vault.KindInvalid},
		"code that does not compile": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			RequestTransforms: []vault.ProxyTransform{code(`module.exports = (`)}}, "request_transforms[0].code", vault.KindUnprocessable},
		"mask without a group": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: "\\d+", Replacement: "*"}}}, "response_transforms[0].expression", vault.KindInvalid},
		"mask replacement of two": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: "(\\d+)", Replacement: "**"}}}, "response_transforms[0].replacement", vault.KindInvalid},
		"append_json without location": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformAppendJSON, Options: &vault.ProxyTransformOptions{Value: "x"}}}}, "response_transforms[0].options.location", vault.KindInvalid},
		"append_json with descent": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformAppendJSON, Options: &vault.ProxyTransformOptions{Value: "x", Location: "$..a"}}}}, "response_transforms[0].options.location", vault.KindInvalid},
		"append_header with a bad name": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformAppendHeader, Options: &vault.ProxyTransformOptions{Value: "x", Location: "Bad Header"}}}}, "response_transforms[0].options.location", vault.KindInvalid},
		"append value revealing a token": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformAppendText, Options: &vault.ProxyTransformOptions{Value: "{{ some-token-id }}"}}}}, "response_transforms[0].options.value", vault.KindInvalid},
		"append value naming no transform": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformAppendText, Options: &vault.ProxyTransformOptions{Value: "{{ transform_identifier: 'x' }}"}}}}, "response_transforms[0].options.value", vault.KindInvalid},
		"tokenize without an application": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformTokenize, Options: &vault.ProxyTransformOptions{Token: json.RawMessage(`{"type":"token","data":"x"}`)}}}}, "application.id", vault.KindInvalid},
		"tokenize without a token": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformTokenize, Options: &vault.ProxyTransformOptions{}}}}, "response_transforms[0].options.token", vault.KindInvalid},
		"node22": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost,
			RequestTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: ok.Code, Options: &vault.ProxyTransformOptions{Runtime: &vault.ProxyRuntime{Image: "node22"}}}}}, "request_transforms[0].options.runtime.image", vault.KindInvalid},
		"timeout":                       {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost, Timeout: 1000}, "timeout", vault.KindInvalid},
		"a certificate without its key": {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost, ClientCertificate: vault.NewSecret("not pem")}, "client_certificate", vault.KindInvalid},
		"an unknown application":        {vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost, Application: &vault.ProxyApplication{ID: "3f1c0c5e-0000-4000-8000-000000000000"}}, "application.id", vault.KindInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateProxy(t.Context(), tc.req)
			require.Error(t, err)
			assert.Equal(t, tc.kind, vault.KindOf(err), "%v", err)
			e, _ := errorsAsVault(err)
			require.NotNil(t, e)
			assert.Contains(t, e.Fields, tc.field, "%v", e.Fields)
		})
	}
}

func TestPreconfiguredProxyAuth(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	secured := mustCreateProxy(t, v, vault.CreateProxyRequest{})
	noAuth := false
	open := mustCreateProxy(t, v, vault.CreateProxyRequest{RequireAuth: &noAuth})
	body := []byte(`{"n":"{{ ` + card.ID + ` | json: '$.number' }}"}`)
	anon := vault.WithAnonymous(t.Context())

	_, err := v.Proxy(anon, vault.ProxyRequest{Key: secured.Key, Method: http.MethodPost, Header: jsonHeader(), Body: body})
	assert.Equal(t, vault.KindUnauthenticated, vault.KindOf(err))
	_, err = v.Proxy(anon, vault.ProxyRequest{Destination: "https://" + destHost, Method: http.MethodGet})
	assert.Equal(t, vault.KindUnauthenticated, vault.KindOf(err), "the ephemeral proxy is never anonymous")
	_, err = v.Proxy(anon, vault.ProxyRequest{Key: vault.NewSecret("not-a-key"), Method: http.MethodGet})
	assert.Equal(t, vault.KindNotFound, vault.KindOf(err))
	assert.Zero(t, dest.count())

	_, err = v.Proxy(anon, vault.ProxyRequest{Key: open.Key, Method: http.MethodPost, Path: "/in", Header: jsonHeader(), Body: body})
	require.NoError(t, err)
	got := dest.last(t)
	assert.Equal(t, "/base/in", got.Path)
	assert.Equal(t, string(body), got.Body, "an anonymous call is never detokenized")

	ctx := proxyCaller(t, v)
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: secured.Key, Method: http.MethodPost, Header: jsonHeader(), Body: body})
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":"4242424242424242"}`, dest.last(t).Body)

	// Another tenant's caller cannot use the key.
	_, mgmt, err := v.CreateTenant(t.Context(), vault.CreateTenantRequest{Name: "Other"})
	require.NoError(t, err)
	app, err := v.CreateApplication(authenticate(t, v, mgmt.Key), vault.CreateApplicationRequest{Name: "other caller", Type: vault.AppPrivate,
		Permissions: []string{vault.PermProxyInvoke}})
	require.NoError(t, err)
	_, err = v.Proxy(authenticate(t, v, app.Key), vault.ProxyRequest{Key: secured.Key, Method: http.MethodGet})
	assert.Equal(t, vault.KindNotFound, vault.KindOf(err))
}

// transformProxy creates a proxy with the transforms, run as an
// application that may create tokens.
func transformProxy(t *testing.T, v *vault.Vault, requests, responses []vault.ProxyTransform) *vault.Proxy {
	t.Helper()
	app, _ := privateApp(t, v, vault.CreateApplicationRequest{Name: "transforms", Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead}})
	return mustCreateProxy(t, v, vault.CreateProxyRequest{RequestTransforms: requests, ResponseTransforms: responses,
		Application: &vault.ProxyApplication{ID: app.ID}, Configuration: vault.Secrets{"SECRET": "s3cr3t"}})
}

func TestProxyRequestTransforms(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	card := createCard(t, v, testCardNumber, nil)
	ctx := proxyCaller(t, v)
	p := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: `
		const crypto = require('crypto');
		module.exports = async (req) => {
			const { body, headers, method, path, query } = req.args;
			const signature = crypto.createHmac('sha256', req.configuration.SECRET).update(body.card.number).digest('hex');
			return { body: { ...body, signed: true, method, path, query }, headers: { ...headers, 'X-Signature': signature } };
		};`}}, nil)
	_, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodPost, Path: "/pay", RawQuery: "a=1",
		Header: jsonHeader(), Body: []byte(`{"card":{"number":"{{ ` + card.ID + ` | json: '$.number' }}"}}`)})
	require.NoError(t, err)
	got := dest.last(t)
	assert.JSONEq(t, `{"card":{"number":"4242424242424242"},"signed":true,"method":"POST","path":"/pay","query":"a=1"}`, got.Body,
		"the code sees the detokenized body")
	mac := hmac.New(sha256.New, []byte("s3cr3t"))
	mac.Write([]byte(testCardNumber))
	assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), got.Header.Get("X-Signature"))

	// A request transform may answer itself: the destination is not called.
	short := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: `
		const { CustomHttpResponseError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
		module.exports = async () => { throw new CustomHttpResponseError({ status: 418, headers: { 'X-Short': 'yes' }, body: { short: true } }); };`}}, nil)
	calls := dest.count()
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: short.Key, Method: http.MethodGet})
	require.NoError(t, err)
	assert.Equal(t, 418, resp.StatusCode)
	assert.Equal(t, "yes", resp.Header.Get("X-Short"))
	assert.JSONEq(t, `{"short":true}`, string(resp.Body))
	assert.Equal(t, calls, dest.count())

	// Any other error is the vault's, and the destination is not called.
	failing := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: `
		const { AuthenticationError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
		module.exports = async () => { throw new AuthenticationError('no'); };`}}, nil)
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: failing.Key, Method: http.MethodGet})
	e, _ := errorsAsVault(err)
	require.NotNil(t, e)
	require.NotNil(t, e.Reactor)
	assert.Equal(t, 401, e.Reactor.Status)
	assert.Equal(t, calls, dest.count())

	// A tokenize request transform swaps the plaintext for a token.
	tok := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformTokenize, Options: &vault.ProxyTransformOptions{
		Identifier: "ssn", Location: "$.ssn", Token: json.RawMessage(`{"type":"social_security_number","data":"{{ req.ssn }}"}`)}}}, nil)
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: tok.Key, Method: http.MethodPost, Header: jsonHeader(), Body: []byte(`{"ssn":"123-45-6789","name":"x"}`)})
	require.NoError(t, err)
	var sent map[string]string
	require.NoError(t, json.Unmarshal([]byte(dest.last(t).Body), &sent))
	assert.NotEqual(t, "123-45-6789", sent["ssn"])
	created, err := v.GetToken(t.Context(), sent["ssn"])
	require.NoError(t, err)
	assert.Equal(t, vault.TypeSocialSecurityNumber, created.Type)
}

func TestProxyResponseTransforms(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, opts...)
	ctx := proxyCaller(t, v)
	upstream := `{"account":{"number":"4000056655665556","holder":"Ann"},"status":"ok"}`
	dest.respond = func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/base/fail" {
			w.WriteHeader(http.StatusBadRequest)
		}
		_, _ = io.WriteString(w, upstream)
	}
	p := transformProxy(t, v, nil, []vault.ProxyTransform{
		{Type: vault.ProxyTransformTokenize, Options: &vault.ProxyTransformOptions{Identifier: "acct",
			Token: json.RawMessage(`{"type":"card","data":{"number":"{{ res.account.number }}","expiration_month":12,"expiration_year":2040}}`)}},
		{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: `"number":"\d{6}(\d{6})\d{4}"`, Replacement: "*"},
		{Type: vault.ProxyTransformAppendJSON, Options: &vault.ProxyTransformOptions{Value: "{{ transform_identifier: 'acct' | json: '$.id' }}", Location: "$.account.token"}},
		{Type: vault.ProxyTransformAppendHeader, Options: &vault.ProxyTransformOptions{Value: "{{ transform_identifier: 'acct' | json: '$.id' }}", Location: "X-Account-Token"}},
		{Type: vault.ProxyTransformCode, Code: `module.exports = async (req) => ({ body: { ...req.args.body, seen: Object.keys(req.args.headers).length > 0 }, headers: req.args.headers })`},
	})
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
	require.NoError(t, err)
	tokenID := resp.Header.Get("X-Account-Token")
	require.NotEmpty(t, tokenID)
	assert.JSONEq(t, `{"account":{"number":"400005******5556","holder":"Ann","token":"`+tokenID+`"},"status":"ok","seen":true}`, string(resp.Body))
	tok, err := v.GetToken(t.Context(), tokenID)
	require.NoError(t, err)
	assert.Equal(t, vault.TypeCard, tok.Type)
	assert.NotContains(t, string(resp.Body), "4000056655665556")

	// Response transforms run on 2xx answers only.
	resp, err = v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodGet, Path: "/fail"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, upstream, string(resp.Body))
	assert.Empty(t, resp.Header.Get("X-Account-Token"))

	text := transformProxy(t, v, nil, []vault.ProxyTransform{
		{Type: vault.ProxyTransformMask, Matcher: "chase_stratus_pan", Replacement: "*"},
		{Type: vault.ProxyTransformAppendText, Options: &vault.ProxyTransformOptions{Value: "\nEND"}},
	})
	record := "T74VKiwuJZ7TYGXD4navTHDLZG104240726tst844   4111111111111111   0929VI   000000000000CT01USANNXNNNXY"
	dest.respond = func(w http.ResponseWriter, _ *http.Request, _ []byte) { _, _ = io.WriteString(w, record+"\r") }
	resp, err = v.Proxy(ctx, vault.ProxyRequest{Key: text.Key, Method: http.MethodGet})
	require.NoError(t, err)
	assert.NotContains(t, string(resp.Body), "4111111111111111")
	assert.True(t, strings.HasSuffix(string(resp.Body), "\r\nEND"), "%q", resp.Body)
	assert.Equal(t, record[:44]+strings.Repeat("*", 19)+record[63:]+"\r\nEND", string(resp.Body))
}

func TestProxyHostileTransforms(t *testing.T) {
	dest, opts := newDestination(t, nil)
	v := openTestVault(t, append(opts, vault.WithReactorLimits(sandbox.Limits{Timeout: 500 * time.Millisecond}))...)
	ctx := proxyCaller(t, v)
	for name, code := range map[string]string{
		"a busy loop":         `module.exports = async () => { for (;;) {} }`,
		"a promise never met": `module.exports = () => new Promise(() => {})`,
		"process":             `module.exports = async () => ({ body: String(typeof process !== 'undefined' && process.env && Object.keys(process.env)) })`,
		"a bad return":        `module.exports = async () => 42`,
		"a header injection":  `module.exports = async () => ({ headers: { 'X-A\r\nX-B': '1' } })`,
	} {
		t.Run(name, func(t *testing.T) {
			p := transformProxy(t, v, []vault.ProxyTransform{{Type: vault.ProxyTransformCode, Code: code}}, nil)
			calls := dest.count()
			start := time.Now()
			_, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
			assert.Less(t, time.Since(start), 5*time.Second)
			if name == "process" {
				require.NoError(t, err)
				assert.NotContains(t, dest.last(t).Body, "PATH")
				return
			}
			require.Error(t, err)
			assert.Equal(t, calls, dest.count(), "a failed transform never reaches the destination")
		})
	}
	// A mask whose pattern backtracks catastrophically withholds the
	// response rather than return it unmasked.
	dest.respond = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		_, _ = io.WriteString(w, strings.Repeat("a", 40000)+"!4111111111111111")
	}
	p := transformProxy(t, v, nil, []vault.ProxyTransform{{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: `(a+)+$`, Replacement: "*"}})
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.NotContains(t, err.Error(), "4111111111111111")
}
