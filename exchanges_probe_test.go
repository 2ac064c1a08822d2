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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/memory"
)

const (
	probeNumber = "4000056655665556"
	probeSecret = "cfg-canary-7d1e-secret"
)

// probeWorld is a vault whose logs (debug), events and raw store are
// captured, with a card holding probeNumber.
type probeWorld struct {
	v      *vault.Vault
	store  *memory.Store
	mu     sync.Mutex
	events []vault.Event
	logs   bytes.Buffer
	card   *vault.Token
}

func newProbeWorld(t *testing.T, opts ...vault.Option) *probeWorld {
	t.Helper()
	w := &probeWorld{store: memory.New()}
	base := []vault.Option{vault.WithStore(w.store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithLogger(slog.New(slog.NewJSONHandler(&syncWriter{mu: &w.mu, w: &w.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		vault.WithEventHandler(func(_ context.Context, e vault.Event) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.events = append(w.events, e)
		})}
	v, err := vault.Open("", append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	w.v = v
	w.card = createCard(t, v, probeNumber, map[string]string{"k": "v"})
	return w
}

// exchangeOf creates a private card template of code with one string
// configuration entry SECRET, and an exchange of it holding probeSecret.
func (w *probeWorld) exchangeOf(t *testing.T, code string) string {
	t.Helper()
	tmpl, err := w.v.CreateExchangeTemplate(t.Context(), vault.CreateExchangeTemplateRequest{Name: "probe", SourceTokenType: vault.TypeCard, Code: code,
		Configuration: []vault.ExchangeTemplateConfig{{Name: "SECRET", Type: vault.FieldTypeString}}})
	require.NoError(t, err)
	ex, err := w.v.CreateExchange(t.Context(), vault.CreateExchangeRequest{Name: "probe", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID},
		Configuration: vault.Secrets{"SECRET": probeSecret}})
	require.NoError(t, err)
	return ex.ID
}

func (w *probeWorld) tokenCount(t *testing.T) int {
	t.Helper()
	page, err := w.v.ListTokens(t.Context(), vault.ListTokensRequest{})
	require.NoError(t, err)
	return len(page.Data)
}

// errorText is everything the vault's own text of err shows: Error(), %+v,
// %#v, and the JSON of the error, with what the code threw (Reactor's
// Detail and Errors, the documented contract) left out when thrown is set.
func errorText(err error, thrown bool) string {
	s := err.Error() + "\n" + fmt.Sprintf("%+v\n%#v\n%v", err, err, err)
	if e, ok := errorsAsVault(err); ok {
		c := *e
		if thrown && c.Reactor != nil {
			r := *c.Reactor
			r.Detail, r.Errors, r.Custom = "", nil, nil
			c.Reactor = &r
		}
		b, _ := json.Marshal(&c)
		s += "\n" + string(b)
		if c.Reactor != nil && !thrown {
			b, _ := json.Marshal(c.Reactor)
			s += "\n" + string(b) + fmt.Sprintf("%+v", *c.Reactor)
		}
	}
	return s
}

func leaks(s string) []string {
	var out []string
	for _, m := range []string{probeNumber, probeNumber[6:], probeSecret} {
		if strings.Contains(s, m) {
			out = append(out, m)
		}
	}
	return out
}

// flushed returns the JSON of every event delivered so far and the logs.
func (w *probeWorld) flushed(t *testing.T) (events, logs string) {
	t.Helper()
	require.NoError(t, w.v.FlushEvents(t.Context()))
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := json.Marshal(w.events)
	require.NoError(t, err)
	return string(b) + fmt.Sprintf("%+v", w.events), w.logs.String()
}

// hostileCase is template code that fails, and whether it throws or
// rejects with the data (what it threw is then the documented contract).
type hostileCase struct {
	code   string
	thrown bool
}

// hostileCases are templates whose output fails (decode, the tokens engine,
// serialization, limits) with the card number and the configuration secret
// all over what they return.
func hostileCases() map[string]hostileCase {
	const n = "c.sourceToken.data.number"
	const s = "c.configuration.SECRET"
	return map[string]hostileCase{
		"getter throws Error":      {"module.exports = async c => ({ get data() { throw new Error(" + n + "); } });", true},
		"getter throws string":     {"module.exports = async c => ({ get data() { throw " + n + " + " + s + "; } });", true},
		"toJSON throws":            {"module.exports = async c => ({ data: 'x', toJSON() { throw " + n + "; } });", true},
		"toJSON returns the card":  {"module.exports = async c => ({ toJSON() { return " + n + "; } });", false},
		"toJSON returns array":     {"module.exports = async c => ({ toJSON() { return [" + n + ", " + s + "]; } });", false},
		"cyclic":                   {"module.exports = async c => { const o = { data: " + n + " }; o.self = o; return o; };", false},
		"cyclic data":              {"module.exports = async c => { const o = { n: " + n + ", s: " + s + " }; o.self = o; return { data: o }; };", false},
		"proxy that throws":        {"module.exports = async c => new Proxy({}, { get() { throw " + n + "; }, ownKeys() { throw " + n + "; } });", true},
		"symbol":                   {"module.exports = async c => ({ data: Symbol(" + n + "), metadata: { [Symbol(" + s + ")]: 'x' } });", false},
		"symbol key":               {"module.exports = async c => ({ [Symbol(" + n + ")]: 1 });", false},
		"bigint":                   {"module.exports = async c => ({ data: BigInt(" + n + ") });", false},
		"rejects a string":         {"module.exports = async c => Promise.reject(" + n + " + ' ' + " + s + ");", true},
		"rejects an object":        {"module.exports = async c => Promise.reject({ card: " + n + " });", true},
		"nested rejected promise":  {"module.exports = async c => ({ data: Promise.reject(" + n + ") });", true},
		"nested pending promise":   {"module.exports = async c => ({ data: new Promise(() => {}), metadata: { [" + n + "]: 1 } });", false},
		"metadata key, bad value":  {"module.exports = async c => ({ data: 'x', metadata: { [" + n + "]: 1, [" + s + "]: 2 } });", false},
		"metadata too large":       {"module.exports = async c => { const m = {}; for (let i = 0; i < 200; i++) m[" + n + " + i] = " + s + ".repeat(20); return { data: 'x', metadata: m }; };", false},
		"type holds the card":      {"module.exports = async c => ({ data: 'x', type: " + n + " });", false},
		"type holds the secret":    {"module.exports = async c => ({ data: 'x', type: " + s + " });", false},
		"type not a string":        {"module.exports = async c => ({ data: 'x', type: [" + n + "] });", false},
		"container holds the card": {"module.exports = async c => ({ data: 'x', containers: [" + n + ", 'a b ' + " + s + "] });", false},
		"containers not strings":   {"module.exports = async c => ({ data: 'x', containers: [{ n: " + n + " }] });", false},
		"search index expression":  {"module.exports = async c => ({ data: 'x', search_indexes: ['{{ ' + " + n + " + ' }'] });", false},
		"fingerprint expression":   {"module.exports = async c => ({ data: 'x', fingerprint_expression: '{{ data | ' + " + s + " + ' }}' });", false},
		"mask expression":          {"module.exports = async c => ({ data: 'x', mask: '{{ ' + " + n + " + ' | ' + " + s + " + ' }}' });", false},
		"mask object":              {"module.exports = async c => ({ data: { a: 'x' }, mask: { a: '{{ data | ' + " + n + " + ' }}' } });", false},
		"expires_at holds card":    {"module.exports = async c => ({ data: 'x', expires_at: " + n + " });", false},
		"expires in the past":      {"module.exports = async c => ({ data: " + n + ", expires_at: '2000-01-01T00:00:00Z' });", false},
		"unknown member":           {"module.exports = async c => ({ data: 'x', [" + n + "]: 1, [" + s + "]: 2 });", false},
		"the whole source token":   {"module.exports = async c => ({ ...c.sourceToken, configuration: c.configuration });", false},
		"deduplicate not bool":     {"module.exports = async c => ({ data: 'x', deduplicate_token: " + n + " });", false},
		"card_number not digits":   {"module.exports = async c => ({ type: 'card_number', data: " + n + " + " + s + " });", false},
		"card bad month":           {"module.exports = async c => ({ type: 'card', data: { number: " + n + ", expiration_month: " + n + " } });", false},
		"card fails luhn":          {"module.exports = async c => ({ type: 'card', data: { number: " + n + ".slice(0, -1) + '0' } });", false},
		"ssn from a card":          {"module.exports = async c => ({ type: 'social_security_number', data: " + n + " });", false},
		"bank":                     {"module.exports = async c => ({ type: 'bank', data: { routing_number: " + n + ", account_number: " + s + " } });", false},
		"output too large":         {"module.exports = async c => ({ data: " + n + ".repeat(100000) });", false},
		"member name too large":    {"module.exports = async c => ({ data: 'x', [" + n + ".repeat(100000)]: 1 });", false},
		"deeply nested":            {"module.exports = async c => { let o = " + n + "; for (let i = 0; i < 3000; i++) o = [o]; return { data: o }; };", false},
		"function data":            {"module.exports = async c => ({ data: () => " + n + " });", false},
		"invalid date data":        {"module.exports = async c => ({ data: new Date(NaN), metadata: { a: " + s + " }, containers: 5 });", false},
		"console and bad type":     {"module.exports = async c => { console.error(" + n + ", " + s + "); console.log(c); return { data: 'x', type: 'nope' }; };", false},
		"lone surrogate":           {"module.exports = async c => ({ data: " + n + " + '\\ud800', type: 'card_number' });", false},
	}
}

// TestProbeExchangeFailuresHoldNoPlaintext runs hostile templates whose
// output fails (decode, the tokens engine, serialization, limits) with the
// card number and the configuration secret all over what they return, and
// looks for both in the vault's own error text, the events, the debug logs
// and the raw store. What the code threw (Reactor.Detail and Errors) is the
// documented contract and left out.
func TestProbeExchangeFailuresHoldNoPlaintext(t *testing.T) {
	runHostile(t, hostileCases())
}

// runHostile runs cases and looks for the card number and the
// configuration secret in the vault's own error text, the events, the debug
// logs and the raw store; no case may create a token.
func runHostile(t *testing.T, cases map[string]hostileCase) {
	w := newProbeWorld(t)
	before := w.tokenCount(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			id := w.exchangeOf(t, tc.code)
			tok, err := w.v.Exchange(t.Context(), id, w.card.ID)
			require.Error(t, err, "%v", tok)
			e, ok := errorsAsVault(err)
			require.True(t, ok, "%T %v", err, err)
			assert.NotEqual(t, 0, e.Status())
			assert.Empty(t, leaks(errorText(err, tc.thrown)), "the vault's own text of %v", err)
		})
	}
	assert.Equal(t, before, w.tokenCount(t), "no failed exchange created a token")
	events, logs := w.flushed(t)
	assert.Empty(t, leaks(events), "events")
	assert.Empty(t, leaks(logs), "debug logs")
	assert.Empty(t, leaks(string(dumpAll(t, w.store))), "the raw store")
}

// TestProbeExchangeDataKeyInFieldPath returns token data and masks whose
// member names are the card number (and the configuration secret): the
// tokens engine names those members in its field paths, so the number
// reaches Fields and Error().
func TestProbeExchangeDataKeyInFieldPath(t *testing.T) {
	// Found by the probe: the tokens engine builds field paths from member
	// names (an unknown card or bank data member, a mask object key), and a
	// template chooses those names, from the source token or the
	// configuration if it likes. exchangeTokenError cuts the paths to the
	// token's member ("token.data").
	w := newProbeWorld(t)
	for name, code := range map[string]string{
		"card data member": "module.exports = async c => ({ type: 'card', data: { number: c.sourceToken.data.number, [c.sourceToken.data.number]: 1 } });",
		"bank data member": "module.exports = async c => ({ type: 'bank', data: { routing_number: '021000021', account_number: '1234', [c.configuration.SECRET]: 'x' } });",
		"mask object key":  "module.exports = async c => ({ data: { a: 'x' }, mask: { [c.sourceToken.data.number]: '{{ nope }' } });",
		"nested mask key":  "module.exports = async c => ({ data: { a: { b: 1 } }, mask: { a: { [c.configuration.SECRET]: '{{ data | nope: }}' } } });",
	} {
		t.Run(name, func(t *testing.T) {
			id := w.exchangeOf(t, code)
			_, err := w.v.Exchange(t.Context(), id, w.card.ID)
			requireKind(t, err, vault.KindInvalid)
			assert.Empty(t, leaks(errorText(err, false)), "the vault's own text of %v", err)
		})
	}
	events, logs := w.flushed(t)
	assert.Empty(t, leaks(events), "events")
	assert.Empty(t, leaks(logs), "debug logs")
}

// TestProbeExchangeExpressionErrorEchoesConfiguration builds the returned
// token's expressions from a configuration value that looks like a word.
func TestProbeExchangeExpressionErrorEchoesConfiguration(t *testing.T) {
	// Found by the probe: expr's errors quote an unknown filter or tag name
	// that looks like a keyword (expr/errors.go safeName), so a word-like
	// configuration value used as one came back in Error.Fields.
	// exchangeTokenError replaces expression errors of a returned token.
	v := openTestVault(t)
	card := createCard(t, v, probeNumber, nil)
	const word = "zqpartnersharedkey"
	for name, code := range map[string]string{
		"fingerprint filter": "module.exports = async c => ({ data: 'x', fingerprint_expression: '{{ data | ' + c.configuration.SECRET + ' }}' });",
		"mask filter":        "module.exports = async c => ({ data: 'x', mask: '{{ data | ' + c.configuration.SECRET + ' }}' });",
		"search index tag":   "module.exports = async c => ({ data: 'x', search_indexes: ['{% ' + c.configuration.SECRET + ' %}'] });",
	} {
		t.Run(name, func(t *testing.T) {
			tmpl, err := v.CreateExchangeTemplate(t.Context(), vault.CreateExchangeTemplateRequest{Name: "p", SourceTokenType: vault.TypeCard, Code: code,
				Configuration: []vault.ExchangeTemplateConfig{{Name: "SECRET", Type: vault.FieldTypeString}}})
			require.NoError(t, err)
			ex, err := v.CreateExchange(t.Context(), vault.CreateExchangeRequest{Name: "p", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID},
				Configuration: vault.Secrets{"SECRET": word}})
			require.NoError(t, err)
			caller := appContext(t, v, vault.AppPrivate, []string{vault.PermExchangeInvoke, vault.PermTokenCreate}, nil)
			_, err = v.Exchange(caller, ex.ID, card.ID)
			requireKind(t, err, vault.KindInvalid)
			assert.NotContains(t, errorText(err, false), word, "a configuration value in the vault's own text of %v", err)
		})
	}
}

// TestProbeExchangeNoStateAcrossRuns runs the same code in two tenants and
// two exchanges: module state, globals and prototypes never carry one run's
// card into another.
func TestProbeExchangeNoStateAcrossRuns(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	code := `const crypto = require('crypto');
let last = null;
module.exports = async c => {
  const seen = [last, typeof globalThis.__card === 'undefined' ? null : globalThis.__card, ({}).__card || null, crypto.__card || null, JSON.__card || null];
  last = globalThis.__card = Object.prototype.__card = crypto.__card = JSON.__card = c.sourceToken.data.number;
  return { data: JSON.stringify(seen) };
};`
	cardA := createCard(t, v, probeNumber, nil)
	exA := createExchange(t, v, createTemplate(t, v, code).ID, nil)
	exA2 := createExchange(t, v, createTemplate(t, v, code).ID, nil)
	_, bAdmin, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "B"})
	require.NoError(t, err)
	bm := authenticate(t, v, bAdmin.Key)
	bApp, err := v.CreateApplication(bm, vault.CreateApplicationRequest{Name: "b", Type: vault.AppPrivate, Rules: []vault.AccessRule{{Priority: 1, Container: "/",
		Transform: vault.TransformReveal, Permissions: []string{vault.PermExchangeInvoke, vault.PermTokenCreate, vault.PermTokenRead}}}})
	require.NoError(t, err)
	b := authenticate(t, v, bApp.Key)
	cardB, err := v.CreateToken(b, vault.CreateTokenRequest{Type: vault.TypeCard, Data: map[string]any{"number": "4242424242424242"}})
	require.NoError(t, err)
	bMgmt, err := v.CreateApplication(bm, vault.CreateApplicationRequest{Name: "bm", Type: vault.AppManagement, Permissions: []string{vault.PermExchangeCreate}})
	require.NoError(t, err)
	tmplB, err := v.CreateExchangeTemplate(authenticate(t, v, bMgmt.Key), vault.CreateExchangeTemplateRequest{Name: "b", SourceTokenType: vault.TypeCard, Code: code})
	require.NoError(t, err)
	exB, err := v.CreateExchange(authenticate(t, v, bMgmt.Key), vault.CreateExchangeRequest{Name: "b", Template: &vault.ExchangeTemplateRef{ID: tmplB.ID}})
	require.NoError(t, err)
	for range 3 {
		for _, run := range []struct {
			ctx      context.Context
			ex, card string
		}{{ctx, exA.ID, cardA.ID}, {b, exB.ID, cardB.ID}, {ctx, exA2.ID, cardA.ID}} {
			tok, err := v.Exchange(run.ctx, run.ex, run.card)
			require.NoError(t, err)
			got, err := v.GetToken(run.ctx, tok.ID)
			require.NoError(t, err)
			var s string
			require.NoError(t, json.Unmarshal(got.Data, &s))
			assert.Equal(t, "[null,null,null,null,null]", s)
		}
	}
}

// TestProbeExchangeSuccessHoldsNoConfiguration exchanges with every
// official template and checks the raw store, events and logs hold neither
// the card number nor the configuration.
func TestProbeExchangeSuccessHoldsNoConfiguration(t *testing.T) {
	w := newProbeWorld(t)
	ctx := t.Context()
	for _, c := range []struct {
		tmpl   string
		config vault.Secrets
	}{
		{vault.ExchangeTemplateCardBINLast4, vault.Secrets{"BIN_LENGTH": "8", "INCLUDE_EXPIRATION": "true"}},
		{vault.ExchangeTemplateCardPseudonym, vault.Secrets{"HMAC_KEY": probeSecret}},
	} {
		ex := createExchange(t, w.v, c.tmpl, c.config)
		tok, err := w.v.Exchange(ctx, ex.ID, w.card.ID)
		require.NoError(t, err)
		assert.Empty(t, leaks(fmt.Sprintf("%+v %#v", tok, ex)))
		_, err = w.v.UpdateExchange(ctx, ex.ID, vault.UpdateExchangeRequest{Name: "renamed", Configuration: c.config})
		require.NoError(t, err)
	}
	events, logs := w.flushed(t)
	assert.Empty(t, leaks(events))
	assert.Empty(t, leaks(logs))
	assert.Empty(t, leaks(string(dumpAll(t, w.store))))
}

// TestProbeExchangeAuthorization tries to exchange without the rights.
func TestProbeExchangeAuthorization(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	card := createCard(t, v, probeNumber, nil) // in /pci/high/
	ex := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
	general := createExchange(t, v, createTemplate(t, v, "module.exports = async c => ({ data: c.sourceToken.data.number.slice(-4), containers: ['/general/'] })").ID, nil)
	both := []string{vault.PermExchangeInvoke, vault.PermTokenCreate}
	reveal := func(container string, perms ...string) vault.AccessRule {
		return vault.AccessRule{Priority: 1, Container: container, Transform: vault.TransformReveal, Permissions: perms}
	}
	cases := map[string]struct {
		perms []string
		rules []vault.AccessRule
		ex    string
	}{
		"token:use and reactor:invoke are not exchange:invoke": {[]string{vault.PermTokenUse, vault.PermReactorInvoke, vault.PermTokenCreate, vault.PermTokenRead}, nil, ex.ID},
		"redact rule": {nil, []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformRedact, Permissions: both}}, ex.ID},
		"mask rule first": {nil, []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformMask, Permissions: both},
			{Priority: 2, Container: "/", Transform: vault.TransformReveal, Permissions: both}}, ex.ID},
		"rule on a sibling container":           {nil, []vault.AccessRule{reveal("/pci/low/", both...), {Priority: 2, Container: "/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenCreate}}}, ex.ID},
		"rule on a prefix that is not a parent": {nil, []vault.AccessRule{reveal("/pc/", both...), {Priority: 2, Container: "/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenCreate}}}, ex.ID},
		"no token:create":                       {[]string{vault.PermExchangeInvoke, vault.PermTokenRead}, nil, ex.ID},
		"token:create not where it lands":       {nil, []vault.AccessRule{reveal("/pci/", both...)}, general.ID},
		"invoke only, no create in a rule":      {nil, []vault.AccessRule{reveal("/", vault.PermExchangeInvoke, vault.PermTokenRead)}, ex.ID},
		"invoke on /pci/ but create on /pii":    {nil, []vault.AccessRule{reveal("/pci/", vault.PermExchangeInvoke), reveal("/pii/", vault.PermTokenCreate)}, ex.ID},
	}
	before := tokenTotal(t, v)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			caller := appContext(t, v, vault.AppPrivate, tc.perms, prioritized(tc.rules))
			tok, err := v.Exchange(caller, tc.ex, card.ID)
			requireKind(t, err, vault.KindForbidden)
			assert.Nil(t, tok)
			assert.NotContains(t, err.Error(), probeNumber)
		})
	}
	assert.Equal(t, before, tokenTotal(t, v), "no refused exchange created a token")

	t.Run("a rule that reveals the card's container", func(t *testing.T) {
		caller := appContext(t, v, vault.AppPrivate, nil, prioritized([]vault.AccessRule{reveal("/pci/", both...), reveal("/general/", vault.PermTokenCreate)}))
		_, err := v.Exchange(caller, ex.ID, card.ID)
		require.NoError(t, err)
		_, err = v.Exchange(caller, general.ID, card.ID)
		require.NoError(t, err)
	})
	t.Run("public and management applications", func(t *testing.T) {
		_, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "pub", Type: vault.AppPublic, Permissions: both})
		requireKind(t, err, vault.KindInvalid)
		_, err = v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "mgmt", Type: vault.AppManagement, Permissions: both})
		requireKind(t, err, vault.KindInvalid)
	})
}

// prioritized numbers rules by their order.
func prioritized(rules []vault.AccessRule) []vault.AccessRule {
	for i := range rules {
		rules[i].Priority = i + 1
	}
	return rules
}

func tokenTotal(t *testing.T, v *vault.Vault) int {
	t.Helper()
	page, err := v.ListTokens(t.Context(), vault.ListTokensRequest{Size: 100})
	require.NoError(t, err)
	return len(page.Data)
}

// TestProbeExchangeSessions exchanges through sessions: within the
// authorizer's rights only, and never through a masking grant.
func TestProbeExchangeSessions(t *testing.T) {
	v := openTestVault(t)
	card := createCard(t, v, probeNumber, nil)
	ex := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
	both := []string{vault.PermExchangeInvoke, vault.PermTokenCreate}
	authorizer := appContext(t, v, vault.AppPrivate, nil, []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal, Permissions: both}})
	masker := appContext(t, v, vault.AppPrivate, nil, []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformMask, Permissions: both}})
	public := appContext(t, v, vault.AppPublic, []string{vault.PermTokenCreate}, nil)
	session := func(t *testing.T, by context.Context, req vault.AuthorizeSessionRequest) (context.Context, error) {
		s, err := v.CreateSession(public)
		require.NoError(t, err)
		req.Nonce = s.Nonce
		if err := v.AuthorizeSession(by, req); err != nil {
			return nil, err
		}
		p, err := v.Authenticate(t.Context(), s.SessionKey.Reveal())
		require.NoError(t, err)
		return vault.WithPrincipal(t.Context(), p), nil
	}
	t.Run("unauthorized session", func(t *testing.T) {
		s, err := v.CreateSession(public)
		require.NoError(t, err)
		p, err := v.Authenticate(t.Context(), s.SessionKey.Reveal())
		require.NoError(t, err)
		_, err = v.Exchange(vault.WithPrincipal(t.Context(), p), ex.ID, card.ID)
		requireKind(t, err, vault.KindForbidden)
	})
	t.Run("granted reveal within the authorizer's", func(t *testing.T) {
		ctx, err := session(t, authorizer, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal, Permissions: both}}})
		require.NoError(t, err)
		_, err = v.Exchange(ctx, ex.ID, card.ID)
		require.NoError(t, err)
	})
	t.Run("granted mask", func(t *testing.T) {
		ctx, err := session(t, authorizer, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformMask, Permissions: both}}})
		require.NoError(t, err)
		_, err = v.Exchange(ctx, ex.ID, card.ID)
		requireKind(t, err, vault.KindForbidden)
	})
	t.Run("a masking authorizer cannot grant reveal", func(t *testing.T) {
		_, err := session(t, masker, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal, Permissions: both}}})
		requireKind(t, err, vault.KindForbidden)
		_, err = session(t, masker, vault.AuthorizeSessionRequest{Permissions: both})
		requireKind(t, err, vault.KindForbidden)
	})
	t.Run("an authorizer on /pci/ cannot grant /", func(t *testing.T) {
		_, err := session(t, authorizer, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: both}}})
		requireKind(t, err, vault.KindForbidden)
		_, err = session(t, authorizer, vault.AuthorizeSessionRequest{Permissions: both})
		requireKind(t, err, vault.KindForbidden)
	})
}

// TestProbeExchangeTenants crosses tenants with exchanges, templates and
// tokens.
func TestProbeExchangeTenants(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	cardA := createCard(t, v, probeNumber, nil)
	tmplA := createTemplate(t, v, "module.exports = async c => ({ data: c.sourceToken.data.number })")
	exA := createExchange(t, v, tmplA.ID, nil)
	_, bAdmin, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "B"})
	require.NoError(t, err)
	bMgmtCtx := authenticate(t, v, bAdmin.Key)
	bApp, err := v.CreateApplication(bMgmtCtx, vault.CreateApplicationRequest{Name: "b", Type: vault.AppPrivate, Rules: []vault.AccessRule{{Priority: 1, Container: "/",
		Transform: vault.TransformReveal, Permissions: []string{vault.PermExchangeInvoke, vault.PermTokenCreate, vault.PermTokenRead}}}})
	require.NoError(t, err)
	b := authenticate(t, v, bApp.Key)
	cardB, err := v.CreateToken(b, vault.CreateTokenRequest{Type: vault.TypeCard, Data: map[string]any{"number": "4242424242424242"}})
	require.NoError(t, err)
	bMgmt, err := v.CreateApplication(bMgmtCtx, vault.CreateApplicationRequest{Name: "bm", Type: vault.AppManagement,
		Permissions: []string{vault.PermExchangeCreate, vault.PermExchangeRead, vault.PermExchangeUpdate, vault.PermExchangeDelete}})
	require.NoError(t, err)
	bm := authenticate(t, v, bMgmt.Key)
	exB, err := v.CreateExchange(bm, vault.CreateExchangeRequest{Name: "b", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardNumber}})
	require.NoError(t, err)

	_, err = v.Exchange(b, exA.ID, cardB.ID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.Exchange(b, exB.ID, cardA.ID)
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "token_id")
	_, err = v.Exchange(ctx, exB.ID, cardA.ID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.CreateExchange(bm, vault.CreateExchangeRequest{Name: "b", Template: &vault.ExchangeTemplateRef{ID: tmplA.ID}})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "template.id")
	_, err = v.GetExchangeTemplate(bm, tmplA.ID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.UpdateExchangeTemplate(bm, tmplA.ID, vault.UpdateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: "module.exports = c => ({ data: 'x' })"})
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteExchangeTemplate(bm, tmplA.ID), vault.KindNotFound)
	_, err = v.GetExchange(bm, exA.ID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.UpdateExchange(bm, exA.ID, vault.UpdateExchangeRequest{Name: "x"})
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteExchange(bm, exA.ID), vault.KindNotFound)
	page, err := v.ListExchanges(bm, vault.ListExchangesRequest{})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, exB.ID, page.Data[0].ID)
	tpage, err := v.ListExchangeTemplates(bm, vault.ListExchangeTemplatesRequest{})
	require.NoError(t, err)
	assert.Equal(t, 3, tpage.Pagination.TotalItems, "the official templates only")

	// A transaction of tenant A is not B's.
	txn, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	_, err = v.Exchange(vault.WithTransaction(b, txn.ID), exB.ID, cardB.ID)
	require.Error(t, err)
	e, _ = errorsAsVault(err)
	require.NotNil(t, e)
	assert.Less(t, e.Status(), 500, "%v", err)
}

// TestProbeExchangeConfigurationVisibility checks that a caller without
// exchange:read never sees a configuration: not in responses, errors or
// events.
func TestProbeExchangeConfigurationVisibility(t *testing.T) {
	w := newProbeWorld(t)
	ctx := t.Context()
	writer := appContext(t, w.v, vault.AppManagement, []string{vault.PermExchangeCreate, vault.PermExchangeUpdate, vault.PermExchangeDelete}, nil)
	ex, err := w.v.CreateExchange(writer, vault.CreateExchangeRequest{Name: "w", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardPseudonym},
		Configuration: vault.Secrets{"HMAC_KEY": probeSecret}})
	require.NoError(t, err)
	assert.Nil(t, ex.Configuration)
	b, err := json.Marshal(ex)
	require.NoError(t, err)
	assert.Empty(t, leaks(string(b)+fmt.Sprintf("%+v %#v %s", ex, ex, ex)))
	up, err := w.v.UpdateExchange(writer, ex.ID, vault.UpdateExchangeRequest{Name: "w2", Configuration: vault.Secrets{"HMAC_KEY": probeSecret + "-2"}})
	require.NoError(t, err)
	assert.Nil(t, up.Configuration)
	_, err = w.v.GetExchange(writer, ex.ID)
	requireKind(t, err, vault.KindForbidden)
	_, err = w.v.ListExchanges(writer, vault.ListExchangesRequest{})
	requireKind(t, err, vault.KindForbidden)
	for _, bad := range []vault.Secrets{
		{"HMAC_KEY": probeSecret, probeSecret: probeSecret},
		{},
	} {
		_, err = w.v.UpdateExchange(writer, ex.ID, vault.UpdateExchangeRequest{Name: "w3", Configuration: bad})
		requireKind(t, err, vault.KindInvalid)
	}
	bin, err := w.v.CreateExchange(writer, vault.CreateExchangeRequest{Name: "bin", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardBINLast4},
		Configuration: vault.Secrets{"BIN_LENGTH": probeSecret, "INCLUDE_EXPIRATION": probeSecret}})
	require.Error(t, err)
	assert.Nil(t, bin)
	assert.Empty(t, leaks(errorText(err, false)))
	// The template's schema changes under an exchange: the conflict names
	// the entry, never its value, to an exchanger without exchange:read.
	tmpl := createTemplate(t, w.v, "module.exports = async c => ({ data: 'x' })", vault.ExchangeTemplateConfig{Name: "SECRET", Type: vault.FieldTypeString})
	stale := createExchange(t, w.v, tmpl.ID, vault.Secrets{"SECRET": probeSecret})
	_, err = w.v.UpdateExchangeTemplate(ctx, tmpl.ID, vault.UpdateExchangeTemplateRequest{Name: "t", SourceTokenType: vault.TypeCard,
		Code: "module.exports = async c => ({ data: 'x' })", Configuration: []vault.ExchangeTemplateConfig{{Name: "SECRET", Type: vault.FieldTypeNumber}}})
	require.NoError(t, err)
	exchanger := appContext(t, w.v, vault.AppPrivate, []string{vault.PermExchangeInvoke, vault.PermTokenCreate}, nil)
	_, err = w.v.Exchange(exchanger, stale.ID, w.card.ID)
	e := requireKind(t, err, vault.KindConflict)
	assert.Contains(t, e.Fields, "configuration.SECRET")
	assert.Empty(t, leaks(errorText(err, false)))
	got, err := w.v.GetExchange(ctx, ex.ID)
	require.NoError(t, err)
	assert.Equal(t, probeSecret+"-2", got.Configuration["HMAC_KEY"], "the failed updates changed nothing")
	assert.Equal(t, "w2", got.Name)
	events, logs := w.flushed(t)
	assert.Empty(t, leaks(events))
	assert.Empty(t, leaks(logs))
	assert.Empty(t, leaks(string(dumpAll(t, w.store))))
}

// TestProbeExchangeOfficialTemplatesStayOfficial tries to create a template
// of type official and to change the official ones.
func TestProbeExchangeOfficialTemplatesStayOfficial(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	const code = "module.exports = async c => ({ data: 'x' })"
	for _, typ := range []string{"official", "Official", "OFFICIAL", " official", "official ", "private ", "Private"} {
		_, err := v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: "x", Type: typ, SourceTokenType: vault.TypeCard, Code: code})
		e := requireKind(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "type", "%q", typ)
	}
	private := createTemplate(t, v, code)
	_, err := v.UpdateExchangeTemplate(ctx, private.ID, vault.UpdateExchangeTemplateRequest{Name: "x", Type: "official", SourceTokenType: vault.TypeCard, Code: code})
	requireKind(t, err, vault.KindInvalid)
	got, err := v.GetExchangeTemplate(ctx, private.ID)
	require.NoError(t, err)
	assert.Equal(t, vault.ExchangeTemplatePrivate, got.Type)
	page, err := v.ListExchangeTemplates(ctx, vault.ListExchangeTemplatesRequest{Size: 100})
	require.NoError(t, err)
	official := 0
	for _, tm := range page.Data {
		if tm.Type == vault.ExchangeTemplateOfficial {
			official++
			// Mutating what is returned changes nothing.
			tm.Code, tm.Name = "module.exports = () => ({ data: 'pwned' })", "pwned"
			if len(tm.Configuration) > 0 {
				tm.Configuration[0].Type = vault.FieldTypeString
			}
		}
	}
	assert.Equal(t, 3, official)
	ex := createExchange(t, v, vault.ExchangeTemplateCardBINLast4, vault.Secrets{"BIN_LENGTH": "6", "INCLUDE_EXPIRATION": "false"})
	ex.Template.Code = "module.exports = () => ({ data: 'pwned' })"
	ex.Template.Configuration[0].Type = vault.FieldTypeString
	card := createCard(t, v, probeNumber, nil)
	tok, err := v.Exchange(ctx, ex.ID, card.ID)
	require.NoError(t, err)
	full, err := v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"bin":"400005","last4":"5556"}`, string(full.Data))
	for _, id := range []string{vault.ExchangeTemplateCardNumber, vault.ExchangeTemplateCardBINLast4, vault.ExchangeTemplateCardPseudonym} {
		tm, err := v.GetExchangeTemplate(ctx, id)
		require.NoError(t, err)
		assert.NotEqual(t, "pwned", tm.Name)
		assert.NotContains(t, tm.Code, "pwned")
		_, err = v.UpdateExchangeTemplate(ctx, id, vault.UpdateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: code})
		requireKind(t, err, vault.KindForbidden)
		requireKind(t, v.DeleteExchangeTemplate(ctx, id), vault.KindForbidden)
	}
}

// TestProbeExchangeRobustness feeds oversized and odd inputs: each is a
// 4xx, none stores anything.
func TestProbeExchangeRobustness(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	card := createCard(t, v, probeNumber, nil)
	ex := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
	big := strings.Repeat("x", 10<<10)
	client := func(t *testing.T, err error, kind vault.Kind) *vault.Error {
		t.Helper()
		return requireKind(t, err, kind)
	}
	t.Run("10 KB ids", func(t *testing.T) {
		_, err := v.Exchange(ctx, ex.ID, big)
		e := client(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "token_id")
		_, err = v.Exchange(ctx, big, card.ID)
		client(t, err, vault.KindNotFound)
		_, err = v.GetExchange(ctx, big)
		client(t, err, vault.KindNotFound)
		_, err = v.GetExchangeTemplate(ctx, big)
		client(t, err, vault.KindNotFound)
		_, err = v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: big}})
		e = client(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "template.id")
		_, err = v.Exchange(vault.WithTransaction(ctx, big), ex.ID, card.ID)
		require.Error(t, err)
		e, _ = errorsAsVault(err)
		require.NotNil(t, e)
		assert.Less(t, e.Status(), 500, "%v", err)
	})
	t.Run("unicode names", func(t *testing.T) {
		for _, r := range []string{"é", "日", "😀"} {
			ok := strings.Repeat(r, 200)
			tm, err := v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: ok, SourceTokenType: vault.TypeCard, Code: "module.exports = c => ({ data: 'x' })"})
			require.NoError(t, err, r)
			assert.Equal(t, ok, tm.Name)
			e, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: ok, Template: &vault.ExchangeTemplateRef{ID: tm.ID}})
			require.NoError(t, err, r)
			got, err := v.GetExchange(ctx, e.ID)
			require.NoError(t, err)
			assert.Equal(t, ok, got.Name)
			_, err = v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: ok + r, SourceTokenType: vault.TypeCard, Code: "module.exports = c => ({ data: 'x' })"})
			assert.Contains(t, client(t, err, vault.KindInvalid).Fields, "name")
			_, err = v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: ok + r, Template: &vault.ExchangeTemplateRef{ID: tm.ID}})
			assert.Contains(t, client(t, err, vault.KindInvalid).Fields, "name")
			_, err = v.UpdateExchange(ctx, e.ID, vault.UpdateExchangeRequest{Name: ok + r})
			assert.Contains(t, client(t, err, vault.KindInvalid).Fields, "name")
		}
	})
	t.Run("1,000 configuration entries", func(t *testing.T) {
		config := vault.Secrets{}
		for i := range 1000 {
			config[fmt.Sprintf("K%04d", i)] = "v"
		}
		before, err := v.ListExchanges(ctx, vault.ListExchangesRequest{})
		require.NoError(t, err)
		_, err = v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "many", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardNumber}, Configuration: config})
		e := client(t, err, vault.KindInvalid)
		assert.Len(t, e.Fields, 1000)
		_, err = v.UpdateExchange(ctx, ex.ID, vault.UpdateExchangeRequest{Name: "many", Configuration: config})
		client(t, err, vault.KindInvalid)
		after, err := v.ListExchanges(ctx, vault.ListExchangesRequest{})
		require.NoError(t, err)
		assert.Equal(t, before.Pagination.TotalItems, after.Pagination.TotalItems)
		got, err := v.GetExchange(ctx, ex.ID)
		require.NoError(t, err)
		assert.NotEqual(t, "many", got.Name)
	})
	t.Run("101 template configuration entries", func(t *testing.T) {
		entries := make([]vault.ExchangeTemplateConfig, 101)
		for i := range entries {
			entries[i] = vault.ExchangeTemplateConfig{Name: fmt.Sprintf("K%d", i), Type: vault.FieldTypeString}
		}
		_, err := v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: "many", SourceTokenType: vault.TypeCard, Code: "module.exports = c => ({ data: 'x' })", Configuration: entries})
		assert.Contains(t, client(t, err, vault.KindInvalid).Fields, "configuration")
		_, err = v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: "hundred", SourceTokenType: vault.TypeCard, Code: "module.exports = c => ({ data: 'x' })", Configuration: entries[:100]})
		require.NoError(t, err)
		page, err := v.ListExchangeTemplates(ctx, vault.ListExchangeTemplatesRequest{Name: "many"})
		require.NoError(t, err)
		assert.Empty(t, page.Data, "the refused template was not stored")
	})
	t.Run("output that decodes but the tokens engine refuses", func(t *testing.T) {
		before := tokenTotal(t, v)
		for _, code := range []string{
			"module.exports = async c => ({ type: 'card', data: { number: '4242424242424241' } })",
			"module.exports = async c => ({ data: 'x', containers: ['/a/', '/A/', '/b//'] })",
			"module.exports = async c => ({ data: 'x', search_indexes: ['{{ data | nope }}'] })",
			"module.exports = async c => ({ data: 'x', expires_at: '1999-01-01T00:00:00Z' })",
			"module.exports = async c => ({ data: {}, type: 'bank' })",
			"module.exports = async c => ({ data: 'x', metadata: { ['k'.repeat(2000)]: 'v' } })",
		} {
			id := createExchange(t, v, createTemplate(t, v, code).ID, nil).ID
			_, err := v.Exchange(ctx, id, card.ID)
			require.Error(t, err, code)
			e, ok := errorsAsVault(err)
			require.True(t, ok)
			assert.Less(t, e.Status(), 500, "%s: %v", code, err)
		}
		assert.Equal(t, before, tokenTotal(t, v), "no token was created")
	})
	t.Run("source over the payload limit", func(t *testing.T) {
		small := openTestVault(t, vault.WithReactorLimits(sandboxLimitsTimeout(0, 64)))
		card := createCard(t, small, probeNumber, nil)
		ex, err := small.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardNumber}})
		require.NoError(t, err)
		_, err = small.Exchange(ctx, ex.ID, card.ID)
		e := requireKind(t, err, vault.KindPayloadTooLarge)
		assert.NotContains(t, e.Error(), probeNumber)
	})
}

// TestProbeExchangeTransactions: a rolled-back transaction leaves no token,
// a committed one holds the new token.
func TestProbeExchangeTransactions(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	card := createCard(t, v, probeNumber, nil)
	ex := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
	before := tokenTotal(t, v)

	txn, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	in := vault.WithTransaction(ctx, txn.ID)
	rolled, err := v.Exchange(in, ex.ID, card.ID)
	require.NoError(t, err)
	require.NoError(t, v.RollbackTransaction(ctx, txn.ID))
	_, err = v.GetToken(ctx, rolled.ID)
	requireKind(t, err, vault.KindNotFound)
	assert.Equal(t, before, tokenTotal(t, v))
	_, err = v.Exchange(in, ex.ID, card.ID)
	require.Error(t, err, "a rolled-back transaction takes no more exchanges")
	assert.Equal(t, before, tokenTotal(t, v))

	txn, err = v.BeginTransaction(ctx)
	require.NoError(t, err)
	in = vault.WithTransaction(ctx, txn.ID)
	// The source is updated in the transaction: the exchange sees the
	// staged number.
	const staged = "5555555555554444"
	_, err = v.UpdateToken(in, card.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`{"number":"` + staged + `","expiration_month":7,"expiration_year":2031}`)})
	require.NoError(t, err)
	kept, err := v.Exchange(in, ex.ID, card.ID)
	require.NoError(t, err)
	_, err = v.GetToken(ctx, kept.ID)
	requireKind(t, err, vault.KindNotFound)
	require.NoError(t, v.CommitTransaction(ctx, txn.ID))
	got, err := v.GetToken(ctx, kept.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `"`+staged+`"`, string(got.Data))
	assert.Equal(t, before+1, tokenTotal(t, v))

	t.Run("a failed exchange in a transaction stages nothing", func(t *testing.T) {
		bad := createExchange(t, v, createTemplate(t, v, "module.exports = async c => ({ type: 'card_number', data: 'nope' })").ID, nil)
		txn, err := v.BeginTransaction(ctx)
		require.NoError(t, err)
		in := vault.WithTransaction(ctx, txn.ID)
		_, err = v.Exchange(in, bad.ID, card.ID)
		requireKind(t, err, vault.KindInvalid)
		good, err := v.Exchange(in, ex.ID, card.ID)
		require.NoError(t, err, "the transaction is still usable")
		require.NoError(t, v.CommitTransaction(ctx, txn.ID))
		_, err = v.GetToken(ctx, good.ID)
		require.NoError(t, err)
		assert.Equal(t, before+2, tokenTotal(t, v), "only the good exchange's token")
		require.NoError(t, v.DeleteToken(ctx, good.ID))
	})
	t.Run("another application's transaction", func(t *testing.T) {
		owner := appContext(t, v, vault.AppPrivate, []string{vault.PermExchangeInvoke, vault.PermTokenCreate, vault.PermTokenRead}, nil)
		other := appContext(t, v, vault.AppPrivate, []string{vault.PermExchangeInvoke, vault.PermTokenCreate, vault.PermTokenRead}, nil)
		txn, err := v.BeginTransaction(owner)
		require.NoError(t, err)
		_, err = v.Exchange(vault.WithTransaction(other, txn.ID), ex.ID, card.ID)
		require.Error(t, err)
		e, _ := errorsAsVault(err)
		require.NotNil(t, e)
		assert.Less(t, e.Status(), 500, "%v", err)
		require.NoError(t, v.RollbackTransaction(owner, txn.ID))
		assert.Equal(t, before+1, tokenTotal(t, v))
	})
}

// TestProbeExchangeRaceWithTemplateUpdate exchanges while the template's
// code, schema and the exchange's configuration change: every exchange
// runs one consistent version (code with its own configuration), never a
// mix, and nothing panics.
func TestProbeExchangeRaceWithTemplateUpdate(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	card := createCard(t, v, probeNumber, nil)
	code := func(tag string) string {
		return "module.exports = async c => ({ data: '" + tag + ":' + String(c.configuration.V) })"
	}
	tmpl := createTemplate(t, v, code("A"), vault.ExchangeTemplateConfig{Name: "V", Type: vault.FieldTypeString})
	ex := createExchange(t, v, tmpl.ID, vault.Secrets{"V": "a"})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tag, typ := "A", vault.FieldTypeString
			if i%2 == 1 {
				tag, typ = "B", vault.FieldTypeNumber
			}
			_, err := v.UpdateExchangeTemplate(ctx, tmpl.ID, vault.UpdateExchangeTemplateRequest{Name: "t", SourceTokenType: vault.TypeCard, Code: code(tag),
				Configuration: []vault.ExchangeTemplateConfig{{Name: "V", Type: typ}}})
			assert.NoError(t, err)
			val := "a"
			if typ == vault.FieldTypeNumber {
				val = "7"
			}
			_, _ = v.UpdateExchange(ctx, ex.ID, vault.UpdateExchangeRequest{Name: "e", Configuration: vault.Secrets{"V": val}})
		}
	})
	deadline := time.Now().Add(500 * time.Millisecond)
	n := 0
	for time.Now().Before(deadline) {
		tok, err := v.Exchange(ctx, ex.ID, card.ID)
		if err != nil {
			e := requireKind(t, err, vault.KindConflict) // the configuration did not fit the template yet
			assert.Contains(t, e.Fields, "configuration.V")
			continue
		}
		got, err := v.GetToken(ctx, tok.ID)
		require.NoError(t, err)
		var s string
		require.NoError(t, json.Unmarshal(got.Data, &s))
		// B's schema makes V a number: "B:a" would be new code with a
		// configuration that does not fit it.
		assert.Contains(t, []string{"A:a", "B:7", "A:7"}, s)
		n++
	}
	close(stop)
	wg.Wait()
	assert.Positive(t, n)
}

// TestProbeExchangeRaceWithTemplateDelete creates exchanges of a template
// while it is deleted: either the delete is refused or no exchange of it is
// left behind.
func TestProbeExchangeRaceWithTemplateDelete(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	for range 20 {
		tmpl := createTemplate(t, v, "module.exports = async c => ({ data: 'x' })")
		var wg sync.WaitGroup
		var created *vault.Exchange
		var delErr error
		wg.Go(func() {
			created, _ = v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "r", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID}})
		})
		wg.Go(func() { delErr = v.DeleteExchangeTemplate(ctx, tmpl.ID) })
		wg.Wait()
		if created != nil && delErr == nil {
			got, err := v.GetExchange(ctx, created.ID)
			require.NoError(t, err)
			require.NotNil(t, got.Template, "an exchange outlived its template")
		}
		if delErr != nil {
			requireKind(t, delErr, vault.KindConflict)
		}
		if created != nil {
			require.NoError(t, v.DeleteExchange(ctx, created.ID))
		}
	}
}

// TestProbeExchangeRolledBackEvents exchanges inside a transaction that is
// rolled back: no token.created event names the token that never existed.
func TestProbeExchangeRolledBackEvents(t *testing.T) {
	w := newProbeWorld(t)
	ctx := t.Context()
	ex := createExchange(t, w.v, vault.ExchangeTemplateCardNumber, nil)
	txn, err := w.v.BeginTransaction(ctx)
	require.NoError(t, err)
	tok, err := w.v.Exchange(vault.WithTransaction(ctx, txn.ID), ex.ID, w.card.ID)
	require.NoError(t, err)
	require.NoError(t, w.v.RollbackTransaction(ctx, txn.ID))
	require.NoError(t, w.v.FlushEvents(ctx))
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.events {
		if e.Type == vault.EventTokenCreated {
			b, _ := json.Marshal(e.Data)
			assert.NotContains(t, string(b), tok.ID, "token.created for a rolled-back token")
		}
	}
	assert.Empty(t, leaks(fmt.Sprint(w.events)))
}

var _ = errors.New

// TestProbeExchangeWorkerProcesses runs the leak, state and race probes
// with the code in worker processes, Open's default.
func TestProbeExchangeWorkerProcesses(t *testing.T) {
	all := hostileCases()
	some := map[string]hostileCase{}
	for _, name := range []string{"getter throws string", "toJSON throws", "toJSON returns array", "cyclic data", "proxy that throws", "bigint",
		"rejects a string", "nested rejected promise", "container holds the card", "output too large", "deeply nested", "console and bad type", "lone surrogate"} {
		require.Contains(t, all, name)
		some[name] = all[name]
	}
	for name, test := range map[string]func(*testing.T){
		"FailuresHoldNoPlaintext": func(t *testing.T) { runHostile(t, some) },
		"NoStateAcrossRuns":       TestProbeExchangeNoStateAcrossRuns,
	} {
		t.Run(name, func(t *testing.T) {
			vault.WorkerProcessesForTest(t)
			test(t)
		})
	}
}
