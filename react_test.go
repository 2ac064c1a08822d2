package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
)

// TestReactorTenantIsolation is the isolation acceptance test of reactors:
// two reactors of two tenants, invoked concurrently 10,000 times in all
// through the vault, never see each other's configuration, globals,
// prototypes or data.
func TestReactorTenantIsolation(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	const code = `module.exports = async function (req) {
  const seen = globalThis.marker;
  const polluted = ({}).polluted;
  globalThis.marker = req.configuration.NAME;
  Object.prototype.polluted = req.configuration.NAME;
  Array.prototype.push = function () { throw new Error('tampered') };
  return { raw: { name: req.configuration.NAME, keys: Object.keys(req.configuration), seen: seen ?? null,
    polluted: polluted ?? null, secret: req.args.secret, n: req.args.n } };
};`
	type side struct {
		name, reactor, token, secret string
		ctx                          context.Context
	}
	mk := func(name string) *side {
		tenant, mgmt, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: name})
		require.NoError(t, err)
		admin := authenticate(t, v, mgmt.Key)
		app, err := v.CreateApplication(admin, vault.CreateApplicationRequest{Name: "invoker", Type: vault.AppPrivate,
			Permissions: []string{vault.PermReactorInvoke, vault.PermTokenCreate}})
		require.NoError(t, err)
		s := &side{name: name, secret: "secret of " + name, ctx: authenticate(t, v, app.Key)}
		r := mustCreateReactor(t, admin, v, vault.CreateReactorRequest{Name: "same name", Code: code,
			Configuration: map[string]string{"NAME": name, "ONLY_" + name: tenant.ID}})
		s.reactor = r.ID
		tok, err := v.CreateToken(s.ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: s.secret})
		require.NoError(t, err)
		s.token = tok.ID
		return s
	}
	sides := []*side{mk("A"), mk("B")}
	// A reactor of one tenant is not visible to the other.
	_, err := v.React(sides[0].ctx, sides[1].reactor, vault.ReactRequest{})
	requireKind(t, err, vault.KindNotFound)
	_, err = v.React(sides[0].ctx, sides[0].reactor, vault.ReactRequest{Args: map[string]any{"secret": "{{ " + sides[1].token + " }}"}})
	requireKind(t, err, vault.KindInvalid) // the other tenant's token does not exist here

	const total, workers = 10_000, 16
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > total || failures.Load() > 0 {
					return
				}
				s := sides[n%2]
				resp, err := v.React(s.ctx, s.reactor, vault.ReactRequest{Args: map[string]any{"secret": "{{ " + s.token + " }}", "n": n}})
				if err != nil {
					failures.Add(1)
					t.Errorf("invocation %d: %v", n, err)
					return
				}
				want := fmt.Sprintf(`{"name":%q,"keys":["NAME","ONLY_%s"],"seen":null,"polluted":null,"secret":%q,"n":%d}`, s.name, s.name, s.secret, n)
				var got, exp any
				_ = json.Unmarshal(resp.Raw, &got)
				_ = json.Unmarshal([]byte(want), &exp)
				if !assert.ObjectsAreEqual(exp, sortKeys(got)) {
					failures.Add(1)
					t.Errorf("invocation %d of %s saw %s", n, s.name, resp.Raw)
					return
				}
			}
		})
	}
	wg.Wait()
	require.Zero(t, failures.Load())
}

// sortKeys sorts the "keys" list of an isolation result.
func sortKeys(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if keys, ok := m["keys"].([]any); ok && len(keys) == 2 && keys[0].(string) > keys[1].(string) {
		keys[0], keys[1] = keys[1], keys[0]
	}
	return m
}

// TestReactorsNeverLeak pushes canaries through the configuration, args,
// token data and code of passing and failing invocations, sync and async,
// and looks for them in logs, events, error texts and fmt output.
func TestReactorsNeverLeak(t *testing.T) {
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&logs, &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v, events := openReactorVault(t, vault.WithLogger(logger))
	ctx := t.Context()
	const (
		configCanary = "ConfigCanary-7f3a"
		argCanary    = "ArgCanary-91bc"
		tokenCanary  = "TokenCanary-44de"
		codeCanary   = "CodeCanary-0e1f"
	)
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: tokenCanary})
	require.NoError(t, err)
	code := `const sdk = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
const marker = '` + codeCanary + `';
module.exports = async (req) => {
  console.log(req.configuration.KEY, req.args.plain, req.args.tok, marker);
  switch (req.args.mode) {
    case 'bad': throw new sdk.BadRequestError(req.args.tok + req.configuration.KEY + marker);
    case 'string': throw req.args.plain + req.args.tok;
    case 'big': return { raw: req.args.tok.repeat(1 << 20) };
    case 'tokenize': return { tokenize: { c: { type: 'card_number', data: req.args.plain } } };
  }
  return { raw: { all: req.args, key: req.configuration.KEY, marker } };
};`
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "canary", Code: code, Configuration: map[string]string{"KEY": configCanary}})
	got, err := v.GetReactor(ctx, r.ID)
	require.NoError(t, err)
	var printed []string
	printed = append(printed, fmt.Sprintf("%v %+v %#v %s", got, got, got, got), fmt.Sprintf("%v %+v %#v", *got, *got, *got))
	req := vault.CreateReactorRequest{Name: "x", Code: code, Configuration: map[string]string{"KEY": configCanary}}
	printed = append(printed, fmt.Sprintf("%v %+v %#v", req, req, &req))
	upd := vault.UpdateReactorRequest(req)
	printed = append(printed, fmt.Sprintf("%v %+v %#v", upd, upd, &upd))

	for _, mode := range []string{"ok", "bad", "string", "big", "tokenize"} {
		args := vault.ReactRequest{Args: map[string]any{"mode": mode, "plain": argCanary, "tok": "{{ " + tok.ID + " }}"}}
		printed = append(printed, fmt.Sprintf("%v %+v %#v", args, args, &args))
		resp, err := v.React(ctx, r.ID, args)
		if mode == "ok" {
			require.NoError(t, err)
			printed = append(printed, fmt.Sprintf("%v %+v %#v", resp, *resp, resp))
		} else {
			require.Error(t, err, mode)
			printed = append(printed, err.Error(), fmt.Sprintf("%v %+v %#v %s", err, err, err, err))
		}
		id, err := v.ReactAsync(ctx, r.ID, args)
		require.NoError(t, err)
		res := waitResult(t, ctx, v, r.ID, id)
		printed = append(printed, fmt.Sprintf("%v %+v %#v", res, *res, res))
		if res.Error != nil {
			printed = append(printed, res.Error.Err().Error(), fmt.Sprintf("%v %+v %#v", res.Error, res.Error, res.Error))
		}
	}
	_, err = v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "bad", Code: "const x = '" + codeCanary + "'; let x = 1;"})
	require.Error(t, err)
	printed = append(printed, err.Error(), fmt.Sprintf("%+v", err))
	_, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`{"configuration":{"KEY":{"nested":"`+configCanary+`"}}}`))
	require.Error(t, err)
	printed = append(printed, err.Error())

	logMu.Lock()
	haystacks := map[string]string{"logs": logs.String(), "events": events.json(t), "printed": strings.Join(printed, "\n")}
	logMu.Unlock()
	require.NotEmpty(t, haystacks["logs"], "the sandbox logs its invocations at debug level")
	for where, text := range haystacks {
		for _, canary := range []string{configCanary, argCanary, tokenCanary, codeCanary} {
			assert.NotContains(t, text, canary, "%s leak a canary", where)
		}
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestReactDetokenizesArgs(t *testing.T) {
	v, _ := openReactorVault(t, vault.WithReactorMaxTokens(3))
	ctx := t.Context()
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	require.NoError(t, err)
	general, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "Jane Doe"})
	require.NoError(t, err)
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "echo", Code: echoReactor})
	_, pci := privateApp(t, v, vault.CreateApplicationRequest{Name: "pci", Rules: []vault.AccessRule{
		{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal, Permissions: []string{vault.PermReactorInvoke}}}})

	resp, err := v.React(pci, r.ID, vault.ReactRequest{Args: map[string]any{
		"card":     "{{ " + card.ID + " }}",
		"number":   "{{ token: " + card.ID + " | json: '$.data.number' }}",
		"label":    "ends in {{ " + card.ID + " | json: '$.number' | last4 }}",
		"customer": "myCustomerId1234",
	}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"card":   map[string]any{"number": "4242424242424242", "expiration_month": 12.0, "expiration_year": 2030.0},
		"number": "4242424242424242", "label": "ends in 4242", "customer": "myCustomerId1234",
	}, rawOf(t, resp).(map[string]any)["args"])

	_, err = v.React(pci, r.ID, vault.ReactRequest{Args: map[string]any{"name": "{{ " + general.ID + " }}"}})
	requireKind(t, err, vault.KindForbidden)
	_, err = v.React(pci, r.ID, vault.ReactRequest{Args: map[string]any{"x": "{{ 2b4f61d4-0000-4000-8000-000000000000 }}"}})
	requireKind(t, err, vault.KindInvalid)
	_, err = v.React(pci, r.ID, vault.ReactRequest{Args: json.RawMessage(`{"a":"{{ ` + card.ID + ` }}","b":"{{ ` + card.ID + ` }}","c":"{{ ` + card.ID + ` }}","d":"{{ ` + card.ID + ` }}"}`)})
	requireKind(t, err, vault.KindInvalid)
	_, err = v.React(pci, r.ID, vault.ReactRequest{Args: map[string]any{"bad": "{{ " + card.ID + " | no_such_filter }}"}})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "args.bad")
	_, err = v.React(pci, r.ID, vault.ReactRequest{Args: []byte(`{"a":1}`)})
	requireKind(t, err, vault.KindInvalid) // bytes are not JSON args, templated or not
}

func TestReactErrorStatuses(t *testing.T) {
	v, _ := openReactorVault(t, vault.WithReactorLimits(sandboxLimitsTimeout(300*time.Millisecond, 1<<10)))
	ctx := t.Context()
	sdk := "const sdk = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');\n"
	for name, tc := range map[string]struct {
		code   string
		args   any
		status int
		kind   vault.Kind // for *vault.Error outcomes
		class  string
		detail string
		errors map[string][]string
	}{
		"AuthenticationError":   {code: "throw new sdk.AuthenticationError()", status: 401, class: "AuthenticationError", detail: "Authentication Failed"},
		"AuthorizationError":    {code: "throw new sdk.AuthorizationError()", status: 403, class: "AuthorizationError", detail: "Forbidden"},
		"BadRequestError":       {code: "throw new sdk.BadRequestError({ card: 'is invalid' })", status: 400, class: "BadRequestError", detail: "Bad Request", errors: map[string][]string{"card": {"is invalid"}}},
		"InvalidPaymentMethod":  {code: "throw new sdk.InvalidPaymentMethodError()", status: 402, class: "InvalidPaymentMethodError", detail: "Invalid Payment Method"},
		"InvalidConfiguration":  {code: "throw new sdk.InvalidReactorConfigurationError('missing KEY')", status: 400, class: "InvalidReactorConfigurationError", detail: "Invalid Reactor Configuration", errors: map[string][]string{"error": {"missing KEY"}}},
		"RateLimitError":        {code: "throw new sdk.RateLimitError()", status: 429, class: "RateLimitError", detail: "Rate Limit Exceeded"},
		"ReactorRuntimeError":   {code: "throw new sdk.ReactorRuntimeError(new Error('boom'))", status: 500, class: "ReactorRuntimeError", detail: "Reactor Runtime Error", errors: map[string][]string{"error": {"boom"}}},
		"ServiceUnavailable":    {code: "throw new sdk.ServiceUnavailableError()", status: 503, class: "ServiceUnavailableError", detail: "Service Unavailable"},
		"thrown string":         {code: "throw 'plain string'", status: 500, class: "ReactorRuntimeError"},
		"thrown object":         {code: "throw { some: 'object' }", status: 500, class: "ReactorRuntimeError"},
		"thrown Error":          {code: "throw new TypeError('bad')", status: 500, class: "ReactorRuntimeError"},
		"unhandled rejection":   {code: "Promise.reject(new Error('late')); await new Promise((r) => setTimeout(r, 20)); return { raw: 1 }", status: 500, class: "ReactorRuntimeError"},
		"deep recursion":        {code: "const f = (n) => f(n + 1) + 1; f(0)", status: 500, class: "ReactorRuntimeError"},
		"raw output too large":  {code: "return { raw: 'x'.repeat(5000) }", status: 500, class: "ReactorRuntimeError"},
		"timeout":               {code: "while (true) {}", kind: vault.KindTimeout},
		"args too large":        {code: "return { raw: 1 }", args: map[string]any{"big": strings.Repeat("a", 2000)}, kind: vault.KindPayloadTooLarge},
		"tokenize output error": {code: "return { tokenize: { card: { type: 'card_number', data: '1234' } } }", kind: vault.KindInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: name, Code: sdk + "module.exports = async function (req) {\n" + tc.code + "\n};"})
			start := time.Now()
			_, err := v.React(ctx, r.ID, vault.ReactRequest{Args: tc.args})
			require.Error(t, err)
			if tc.status == 0 {
				e := requireKind(t, err, tc.kind)
				if tc.kind == vault.KindTimeout {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.Less(t, time.Since(start), 300*time.Millisecond+2*time.Second)
				}
				if tc.kind == vault.KindInvalid {
					assert.Contains(t, e.Fields, "tokenize.card.data")
				}
				return
			}
			re, ok := errorsAsReactor(err)
			require.True(t, ok, "want a reactor's failure, got %T %v", err, err)
			assert.Equal(t, tc.status, re.Status)
			assert.Equal(t, tc.class, re.Name)
			if tc.detail != "" {
				assert.Equal(t, tc.detail, re.Detail)
			}
			if tc.errors != nil {
				assert.Equal(t, tc.errors, re.Errors)
			}
			assert.Nil(t, re.Custom)
			// One error type: the kind of the reactor's status, for errors.Is.
			sentinel := map[int]error{400: vault.ErrInvalid, 401: vault.ErrUnauthenticated, 402: vault.ErrPaymentRequired,
				403: vault.ErrForbidden, 429: vault.ErrRateLimited, 500: vault.ErrInternal, 503: vault.ErrUnavailable}[tc.status]
			assert.ErrorIs(t, err, sentinel)
			assert.Equal(t, tc.status, vault.KindOf(err).Status())
			assert.Equal(t, tc.status, err.(*vault.Error).Status())
			if tc.detail != "" {
				assert.NotContains(t, err.Error(), tc.detail, "the Error text names only the class and status")
			}
		})
	}
}

// errorsAsReactor returns the reactor's failure an error carries.
func errorsAsReactor(err error) (*vault.ReactorFailure, bool) {
	e, ok := errors.AsType[*vault.Error](err)
	if !ok || e.Reactor == nil {
		return nil, false
	}
	return e.Reactor, true
}

func sandboxLimits(maxCode int) sandbox.Limits { return sandbox.Limits{MaxCodeSize: maxCode} }

func sandboxLimitsTimeout(timeout time.Duration, maxPayload int) sandbox.Limits {
	return sandbox.Limits{Timeout: timeout, MaxPayload: maxPayload}
}

func TestReactCustomHttpResponse(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "custom", Code: `const { CustomHttpResponseError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
module.exports = async function () {
  throw new CustomHttpResponseError({ status: 418, headers: { 'X-Teapot': 'yes', 'X-Count': 2 }, body: { short: 'stout', n: 1 } });
};`})
	_, err := v.React(ctx, r.ID, vault.ReactRequest{})
	re, ok := errorsAsReactor(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 418, re.Status)
	assert.Equal(t, "CustomHttpResponseError", re.Name)
	require.NotNil(t, re.Custom)
	assert.Equal(t, 418, re.Custom.Status)
	assert.Equal(t, "yes", re.Custom.Headers.Get("X-Teapot"))
	assert.Equal(t, "2", re.Custom.Headers.Get("X-Count"))
	assert.JSONEq(t, `{"short":"stout","n":1}`, string(re.Custom.Body))
	assert.Equal(t, "vault: React: reactor failed: CustomHttpResponseError (status 418)", err.Error())
}

func TestReactBTActsAsTheReactorsApplication(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	pciToken, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	btApp, _ := privateApp(t, v, vault.CreateApplicationRequest{Name: "bt", Rules: []vault.AccessRule{{Priority: 1, Container: "/general/",
		Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUpdate, vault.PermTokenDelete, vault.PermTokenSearch}}}})
	_, invoker := privateApp(t, v, vault.CreateApplicationRequest{Name: "invoker", Permissions: []string{vault.PermReactorInvoke}})

	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "bt", Application: &vault.ReactorApplication{ID: btApp.ID}, Code: `
module.exports = async function ({ args, bt }) {
  const created = await bt.tokens.create({ type: 'token', data: { name: args.name, age: 42 }, metadata: { someKey: 'v' }, searchIndexes: ['{{ data.name }}'] });
  const got = await bt.tokens.retrieve(created.id);
  const updated = await bt.tokens.update(created.id, { metadata: { other: 'w' } });
  const found = await bt.tokens.search({ query: 'data:"' + args.name + '"', pageSize: 5 });
  const listed = await bt.tokens.list({ pageSize: 10 });
  const tokenized = await bt.tokenize({ note: 'tokenize me' });
  const detokenized = await bt.detokenize({ who: '{{ ' + created.id + ' | json: "$.name" }}' });
  let denied, missing;
  try { await bt.tokens.retrieve(args.pci) } catch (e) { denied = { status: e.status, title: e.data.title } }
  try { await bt.tokens.retrieve('no-such-token') } catch (e) { missing = e.status }
  await bt.tokens.delete(created.id);
  let gone;
  try { await bt.tokens.retrieve(created.id) } catch (e) { gone = e.status }
  return { raw: { id: created.id, data: got.data, createdAt: typeof got.createdAt, metadata: updated.metadata,
    found: found.data.length, listed: listed.data.length > 0, tokenized: typeof tokenized.note, detokenized,
    denied, missing, gone } };
};`})
	require.NotNil(t, r.Application)
	assert.Equal(t, btApp.ID, r.Application.ID)
	assert.Equal(t, "bt", r.Application.Name, "the reactor shows its application")
	assert.Equal(t, vault.AppPrivate, r.Application.Type)
	assert.Equal(t, btApp.Rules, r.Application.Rules)
	assert.True(t, r.Application.Key.IsZero(), "never a key")
	assert.Empty(t, r.Application.Keys)
	resp, err := v.React(invoker, r.ID, vault.ReactRequest{Args: map[string]any{"name": "Jane", "pci": pciToken.ID}})
	require.NoError(t, err)
	raw := rawOf(t, resp).(map[string]any)
	assert.Equal(t, map[string]any{"name": "Jane", "age": 42.0}, raw["data"])
	assert.Equal(t, "string", raw["createdAt"], "responses are camel-cased as basis-theory-js does")
	assert.Equal(t, map[string]any{"someKey": "v", "other": "w"}, raw["metadata"], "metadata keys are kept, merged by the patch")
	assert.Equal(t, 1.0, raw["found"])
	assert.Equal(t, true, raw["listed"])
	assert.Equal(t, "string", raw["tokenized"])
	assert.Equal(t, map[string]any{"who": "Jane"}, raw["detokenized"])
	assert.Equal(t, map[string]any{"status": 403.0, "title": "Forbidden"}, raw["denied"], "the application's rules apply")
	assert.Equal(t, 404.0, raw["missing"])
	assert.Equal(t, 404.0, raw["gone"])

	// bt is null without an application, and a deleted application is a conflict.
	plain := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "plain", Code: echoReactor})
	resp, err = v.React(invoker, plain.ID, vault.ReactRequest{})
	require.NoError(t, err)
	assert.Nil(t, rawOf(t, resp).(map[string]any)["bt"])
	require.NoError(t, v.DeleteApplication(ctx, btApp.ID))
	_, err = v.React(invoker, r.ID, vault.ReactRequest{Args: map[string]any{"name": "x"}})
	requireKind(t, err, vault.KindConflict)
}

func TestReactTokenizesOutput(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	btApp, _ := privateApp(t, v, vault.CreateApplicationRequest{Name: "bt", Rules: []vault.AccessRule{{Priority: 1, Container: "/",
		Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenCreate}}}})
	invokerApp, invoker := privateApp(t, v, vault.CreateApplicationRequest{Name: "invoker", Permissions: []string{vault.PermReactorInvoke}})
	creatorApp, creator := privateApp(t, v, vault.CreateApplicationRequest{Name: "creator", Permissions: []string{vault.PermReactorInvoke, vault.PermTokenCreate}})
	code := `module.exports = async (req) => ({
  raw: { kept: 'as is', n: 12345678901234567890 },
  tokenize: { card: { type: 'card_number', data: req.args.number }, note: 'secret note', nothing: null },
});`
	withApp := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "app", Code: code, Application: &vault.ReactorApplication{ID: btApp.ID}})
	resp, err := v.React(invoker, withApp.ID, vault.ReactRequest{Args: map[string]any{"number": "4242424242424242"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"kept":"as is","n":12345678901234567000}`, string(resp.Raw))
	tokens := resp.Tokens.(map[string]any)
	card := tokens["card"].(map[string]any)
	assert.Equal(t, vault.TypeCardNumber, card["type"])
	assert.Nil(t, tokens["nothing"])
	stored, err := v.GetToken(ctx, card["id"].(string))
	require.NoError(t, err)
	assert.Equal(t, "4242424242424242", dataOf(t, stored.Data))
	assert.Equal(t, btApp.ID, stored.CreatedBy, "tokenized as the reactor's application")
	note, err := v.GetToken(ctx, tokens["note"].(string))
	require.NoError(t, err)
	assert.Equal(t, "secret note", dataOf(t, note.Data))

	without := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "no app", Code: code})
	_, err = v.React(invoker, without.ID, vault.ReactRequest{Args: map[string]any{"number": "4242424242424242"}})
	requireKind(t, err, vault.KindForbidden) // the caller tokenizes, and lacks token:create
	resp, err = v.React(creator, without.ID, vault.ReactRequest{Args: map[string]any{"number": "4242424242424242"}})
	require.NoError(t, err)
	stored, err = v.GetToken(ctx, resp.Tokens.(map[string]any)["note"].(string))
	require.NoError(t, err)
	assert.Equal(t, creatorApp.ID, stored.CreatedBy, "tokenized as the caller")
	_ = invokerApp
}

// TestReactorHostKnowsEveryMethod: every req.bt method of the sandbox
// reaches a vault operation (none answers "the method is not available").
func TestReactorHostKnowsEveryMethod(t *testing.T) {
	v := openTestVault(t)
	h := vault.ReactorHostForTest(v)
	detail := func(method string) string {
		_, err := h.Call(t.Context(), method, []json.RawMessage{json.RawMessage(`"id"`), json.RawMessage(`{}`)})
		var he sandbox.HTTPError
		if errors.As(err, &he) {
			return string(he.Body())
		}
		return ""
	}
	for _, m := range sandbox.Methods {
		assert.NotContains(t, detail(m), "not available", m)
	}
	assert.Contains(t, detail("tokens.nosuch"), "the method is not available")
}
