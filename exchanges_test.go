package vault_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// appContext is a caller acting as a new application of the default tenant.
func appContext(t *testing.T, v *vault.Vault, typ string, perms []string, rules []vault.AccessRule) context.Context {
	t.Helper()
	app, err := v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "app " + typ, Type: typ, Permissions: perms, Rules: rules})
	require.NoError(t, err)
	return authenticate(t, v, app.Key)
}

const testCardNumber = "4242424242424242"

func createCard(t *testing.T, v *vault.Vault, number string, metadata map[string]string) *vault.Token {
	t.Helper()
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCard, Metadata: metadata,
		Data: map[string]any{"number": number, "expiration_month": 7, "expiration_year": 2031, "cvc": "123"}})
	require.NoError(t, err)
	return tok
}

func createExchange(t *testing.T, v *vault.Vault, template string, config vault.Secrets) *vault.Exchange {
	t.Helper()
	ex, err := v.CreateExchange(t.Context(), vault.CreateExchangeRequest{Name: "ex " + template, Template: &vault.ExchangeTemplateRef{ID: template}, Configuration: config})
	require.NoError(t, err)
	return ex
}

func createTemplate(t *testing.T, v *vault.Vault, code string, config ...vault.ExchangeTemplateConfig) *vault.ExchangeTemplate {
	t.Helper()
	tmpl, err := v.CreateExchangeTemplate(t.Context(), vault.CreateExchangeTemplateRequest{Name: "private", SourceTokenType: vault.TypeCard, Code: code, Configuration: config})
	require.NoError(t, err)
	return tmpl
}

func TestOfficialExchangeTemplates(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	card := createCard(t, v, "4000056655665556", map[string]string{"customer": "c-1"})
	amex := createCard(t, v, "378282246310005", nil)

	t.Run("card to card number", func(t *testing.T) {
		ex := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
		tok, err := v.Exchange(ctx, ex.ID, card.ID)
		require.NoError(t, err)
		assert.Equal(t, vault.TypeCardNumber, tok.Type)
		assert.Equal(t, map[string]string{"customer": "c-1"}, tok.Metadata)
		got, err := v.GetToken(ctx, tok.ID)
		require.NoError(t, err)
		assert.JSONEq(t, `"4000056655665556"`, string(got.Data))
		assert.Equal(t, []string{"/pci/high/"}, got.Containers, "the type's default container")
	})

	t.Run("card to BIN and last four", func(t *testing.T) {
		cases := []struct {
			name, binLength, expiration string
			card                        *vault.Token
			want                        string
		}{
			{"eight-digit BIN", "8", "true", card, `{"bin":"40000566","last4":"5556","expiration_month":7,"expiration_year":2031}`},
			{"six-digit BIN", "6", "false", card, `{"bin":"400005","last4":"5556"}`},
			{"short card keeps six", "8", "false", amex, `{"bin":"378282","last4":"0005"}`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ex := createExchange(t, v, vault.ExchangeTemplateCardBINLast4, vault.Secrets{"BIN_LENGTH": tc.binLength, "INCLUDE_EXPIRATION": tc.expiration})
				tok, err := v.Exchange(ctx, ex.ID, tc.card.ID)
				require.NoError(t, err)
				assert.Equal(t, vault.TypeToken, tok.Type)
				got, err := v.GetToken(ctx, tok.ID)
				require.NoError(t, err)
				assert.JSONEq(t, tc.want, string(got.Data))
				assert.NotContains(t, string(got.Data), "123", "never the cvc")
			})
		}
	})

	t.Run("card to keyed pseudonym", func(t *testing.T) {
		const key = "shared-with-partner"
		ex := createExchange(t, v, vault.ExchangeTemplateCardPseudonym, vault.Secrets{"HMAC_KEY": key})
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte("4000056655665556"))
		tok, err := v.Exchange(ctx, ex.ID, card.ID)
		require.NoError(t, err)
		got, err := v.GetToken(ctx, tok.ID)
		require.NoError(t, err)
		assert.JSONEq(t, `"`+hex.EncodeToString(mac.Sum(nil))+`"`, string(got.Data))

		empty := createExchange(t, v, vault.ExchangeTemplateCardPseudonym, vault.Secrets{"HMAC_KEY": ""})
		_, err = v.Exchange(ctx, empty.ID, card.ID)
		e := requireKind(t, err, vault.KindInvalid)
		require.NotNil(t, e.Reactor, "the template's BadRequestError")
		assert.Equal(t, "BadRequestError", e.Reactor.Name)
	})

	t.Run("read-only", func(t *testing.T) {
		for _, id := range []string{vault.ExchangeTemplateCardNumber, vault.ExchangeTemplateCardBINLast4, vault.ExchangeTemplateCardPseudonym} {
			tmpl, err := v.GetExchangeTemplate(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, vault.ExchangeTemplateOfficial, tmpl.Type)
			_, err = v.UpdateExchangeTemplate(ctx, id, vault.UpdateExchangeTemplateRequest{Name: "mine", SourceTokenType: vault.TypeCard, Code: "module.exports = c => c.sourceToken"})
			requireKind(t, err, vault.KindForbidden)
			requireKind(t, v.DeleteExchangeTemplate(ctx, id), vault.KindForbidden)
			tmpl.Code = "changed"
			again, err := v.GetExchangeTemplate(ctx, id)
			require.NoError(t, err)
			assert.NotEqual(t, "changed", again.Code, "callers get copies")
		}
	})
}

func TestExchangeTemplateCRUD(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	const code = `module.exports = async ({ sourceToken }) => ({ data: sourceToken.data.number.slice(-4) });`
	cases := map[string]struct {
		req  vault.CreateExchangeTemplateRequest
		kind vault.Kind
		path string
	}{
		"no name":         {vault.CreateExchangeTemplateRequest{SourceTokenType: vault.TypeCard, Code: code}, vault.KindInvalid, "name"},
		"long name":       {vault.CreateExchangeTemplateRequest{Name: strings.Repeat("n", 201), SourceTokenType: vault.TypeCard, Code: code}, vault.KindInvalid, "name"},
		"official":        {vault.CreateExchangeTemplateRequest{Name: "x", Type: "official", SourceTokenType: vault.TypeCard, Code: code}, vault.KindInvalid, "type"},
		"bad type":        {vault.CreateExchangeTemplateRequest{Name: "x", Type: "public", SourceTokenType: vault.TypeCard, Code: code}, vault.KindInvalid, "type"},
		"no source type":  {vault.CreateExchangeTemplateRequest{Name: "x", Code: code}, vault.KindInvalid, "source_token_type"},
		"bad source type": {vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: "passport", Code: code}, vault.KindInvalid, "source_token_type"},
		"bad icon":        {vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: code, Icon: "data:image/gif;base64,R0lG"}, vault.KindInvalid, "icon"},
		"no code":         {vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard}, vault.KindInvalid, "code"},
		"config no name": {vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: code,
			Configuration: []vault.ExchangeTemplateConfig{{Type: "string"}}}, vault.KindInvalid, "configuration[0].name"},
		"config type": {vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: code,
			Configuration: []vault.ExchangeTemplateConfig{{Name: "A", Type: "string"}, {Name: "B", Type: "date"}}}, vault.KindInvalid, "configuration[1].type"},
		"config twice": {vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: code,
			Configuration: []vault.ExchangeTemplateConfig{{Name: "A", Type: "string"}, {Name: "A", Type: "number"}}}, vault.KindInvalid, "configuration[1].name"},
		"does not compile": {vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: "module.exports = ("}, vault.KindUnprocessable, "code"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateExchangeTemplate(ctx, tc.req)
			e := requireKind(t, err, tc.kind)
			assert.Contains(t, e.Fields, tc.path)
		})
	}

	icon := "data:image/png;base64,iVBORw0KGgo="
	tmpl, err := v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: "Last four", Description: "d", SourceTokenType: vault.TypeCard,
		Icon: icon, Code: code, Configuration: []vault.ExchangeTemplateConfig{{Name: "LABEL", Type: "string"}}})
	require.NoError(t, err)
	assert.Equal(t, vault.ExchangeTemplatePrivate, tmpl.Type)
	assert.Equal(t, icon, tmpl.Icon)
	assert.Nil(t, tmpl.ModifiedAt)

	page, err := v.ListExchangeTemplates(ctx, vault.ListExchangeTemplatesRequest{})
	require.NoError(t, err)
	assert.Equal(t, 4, page.Pagination.TotalItems, "three official templates and the private one")
	var names []string
	for _, x := range page.Data {
		names = append(names, x.Name)
	}
	assert.Equal(t, []string{"Card to BIN and last four", "Card to card number", "Card to keyed pseudonym", "Last four"}, names)
	page, err = v.ListExchangeTemplates(ctx, vault.ListExchangeTemplatesRequest{Name: "*four*"})
	require.NoError(t, err)
	assert.Len(t, page.Data, 2)
	page, err = v.ListExchangeTemplates(ctx, vault.ListExchangeTemplatesRequest{SourceTokenType: vault.TypeBank})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	page, err = v.ListExchangeTemplates(ctx, vault.ListExchangeTemplatesRequest{Page: 2, Size: 3})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, "Last four", page.Data[0].Name)
	n := 0
	for x, err := range v.AllExchangeTemplates(ctx, vault.ListExchangeTemplatesRequest{Size: 1}) {
		require.NoError(t, err)
		assert.NotEmpty(t, x.ID)
		n++
	}
	assert.Equal(t, 4, n)

	updated, err := v.UpdateExchangeTemplate(ctx, tmpl.ID, vault.UpdateExchangeTemplateRequest{Name: "Last 4", SourceTokenType: vault.TypeCard, Code: code})
	require.NoError(t, err)
	assert.Equal(t, "Last 4", updated.Name)
	assert.Equal(t, tmpl.CreatedAt, updated.CreatedAt)
	require.NotNil(t, updated.ModifiedAt)
	assert.Empty(t, updated.Configuration)
	_, err = v.UpdateExchangeTemplate(ctx, tmpl.ID, vault.UpdateExchangeTemplateRequest{SourceTokenType: vault.TypeCard, Code: code})
	requireKind(t, err, vault.KindInvalid)
	_, err = v.UpdateExchangeTemplate(ctx, "missing", vault.UpdateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: code})
	requireKind(t, err, vault.KindNotFound)

	ex := createExchange(t, v, tmpl.ID, nil)
	requireKind(t, v.DeleteExchangeTemplate(ctx, tmpl.ID), vault.KindConflict)
	require.NoError(t, v.DeleteExchange(ctx, ex.ID))
	require.NoError(t, v.DeleteExchangeTemplate(ctx, tmpl.ID))
	_, err = v.GetExchangeTemplate(ctx, tmpl.ID)
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteExchangeTemplate(ctx, tmpl.ID), vault.KindNotFound)
}

func TestExchangeCRUD(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	official := vault.ExchangeTemplateCardBINLast4
	good := vault.Secrets{"BIN_LENGTH": "6", "INCLUDE_EXPIRATION": "false"}
	cases := map[string]struct {
		req   vault.CreateExchangeRequest
		paths []string
	}{
		"no name":     {vault.CreateExchangeRequest{Template: &vault.ExchangeTemplateRef{ID: official}, Configuration: good}, []string{"name"}},
		"long name":   {vault.CreateExchangeRequest{Name: strings.Repeat("é", 201), Template: &vault.ExchangeTemplateRef{ID: official}, Configuration: good}, []string{"name"}},
		"no template": {vault.CreateExchangeRequest{Name: "x", Configuration: good}, []string{"template.id"}},
		"unknown template": {vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: "nope"}, Configuration: good},
			[]string{"template.id"}},
		"missing entry": {vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: official},
			Configuration: vault.Secrets{"BIN_LENGTH": "6"}}, []string{"configuration.INCLUDE_EXPIRATION"}},
		"unknown entry": {vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: official},
			Configuration: vault.Secrets{"BIN_LENGTH": "6", "INCLUDE_EXPIRATION": "true", "NOPE": "1"}}, []string{"configuration.NOPE"}},
		"wrong types": {vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: official},
			Configuration: vault.Secrets{"BIN_LENGTH": "0x10", "INCLUDE_EXPIRATION": "yes"}}, []string{"configuration.BIN_LENGTH", "configuration.INCLUDE_EXPIRATION"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateExchange(ctx, tc.req)
			e := requireKind(t, err, vault.KindInvalid)
			for _, path := range tc.paths {
				assert.Contains(t, e.Fields, path)
			}
			assert.Len(t, e.Fields, len(tc.paths), "%v", e.Fields)
		})
	}
	page, err := v.ListExchanges(ctx, vault.ListExchangesRequest{})
	require.NoError(t, err)
	assert.Empty(t, page.Data, "nothing invalid was stored")

	a := createExchange(t, v, official, good)
	assert.Equal(t, official, a.Template.ID)
	assert.Equal(t, "Card to BIN and last four", a.Template.Name)
	assert.Equal(t, "6", a.Configuration["BIN_LENGTH"])
	b := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
	ssnTemplate, err := v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: "ssn", SourceTokenType: vault.TypeSocialSecurityNumber,
		Code: "module.exports = async c => ({ data: c.sourceToken.data.slice(-4) })"})
	require.NoError(t, err)
	c := createExchange(t, v, ssnTemplate.ID, nil)

	got, err := v.GetExchange(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, good.Reveal(), got.Configuration.Reveal())
	assert.Equal(t, "Exchange{ID:"+a.ID+` Name:"ex `+official+`"}`, fmt.Sprintf("%+v", got))
	_, err = v.GetExchange(ctx, "missing")
	requireKind(t, err, vault.KindNotFound)

	list := func(req vault.ListExchangesRequest) []string {
		t.Helper()
		page, err := v.ListExchanges(ctx, req)
		require.NoError(t, err)
		var ids []string
		for _, x := range page.Data {
			require.NotNil(t, x.Template)
			ids = append(ids, x.ID)
		}
		return ids
	}
	assert.ElementsMatch(t, []string{a.ID, b.ID, c.ID}, list(vault.ListExchangesRequest{}))
	assert.ElementsMatch(t, []string{a.ID, c.ID}, list(vault.ListExchangesRequest{IDs: []string{a.ID, c.ID}}))
	assert.ElementsMatch(t, []string{a.ID, b.ID}, list(vault.ListExchangesRequest{SourceTokenType: vault.TypeCard}))
	assert.ElementsMatch(t, []string{c.ID}, list(vault.ListExchangesRequest{SourceTokenType: vault.TypeSocialSecurityNumber}))
	assert.ElementsMatch(t, []string{b.ID}, list(vault.ListExchangesRequest{Name: "*" + vault.ExchangeTemplateCardNumber[:8] + "*"}))
	_, err = v.ListExchanges(ctx, vault.ListExchangesRequest{Size: 101})
	requireKind(t, err, vault.KindInvalid)
	n := 0
	for _, err := range v.AllExchanges(ctx, vault.ListExchangesRequest{Size: 2}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 3, n)

	up, err := v.UpdateExchange(ctx, a.ID, vault.UpdateExchangeRequest{Name: "renamed", Configuration: vault.Secrets{"BIN_LENGTH": "8", "INCLUDE_EXPIRATION": "true"}})
	require.NoError(t, err)
	assert.Equal(t, "renamed", up.Name)
	assert.Equal(t, a.CreatedAt, up.CreatedAt)
	require.NotNil(t, up.ModifiedAt)
	assert.Equal(t, official, up.Template.ID, "the template stays")
	_, err = v.UpdateExchange(ctx, a.ID, vault.UpdateExchangeRequest{Name: "renamed", Configuration: vault.Secrets{"BIN_LENGTH": "8"}})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "configuration.INCLUDE_EXPIRATION")
	_, err = v.UpdateExchange(ctx, "missing", vault.UpdateExchangeRequest{Name: "x"})
	requireKind(t, err, vault.KindNotFound)
	got, err = v.GetExchange(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, "8", got.Configuration["BIN_LENGTH"], "the failed update changed nothing")

	require.NoError(t, v.DeleteExchange(ctx, a.ID))
	_, err = v.GetExchange(ctx, a.ID)
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteExchange(ctx, a.ID), vault.KindNotFound)
}

func TestExchangePermissions(t *testing.T) {
	v := openTestVault(t)
	card := createCard(t, v, testCardNumber, nil)
	ex := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)

	creator := appContext(t, v, vault.AppManagement, []string{vault.PermExchangeCreate}, nil)
	made, err := v.CreateExchange(creator, vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardPseudonym},
		Configuration: vault.Secrets{"HMAC_KEY": "k"}})
	require.NoError(t, err)
	assert.Nil(t, made.Configuration, "no exchange:read, no configuration")
	_, err = v.GetExchange(creator, made.ID)
	requireKind(t, err, vault.KindForbidden)

	reader := appContext(t, v, vault.AppManagement, []string{vault.PermExchangeRead}, nil)
	for name, call := range map[string]func() error{
		"create template": func() error {
			_, err := v.CreateExchangeTemplate(reader, vault.CreateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard, Code: "module.exports = c => c"})
			return err
		},
		"update template": func() error {
			_, err := v.UpdateExchangeTemplate(reader, "x", vault.UpdateExchangeTemplateRequest{})
			return err
		},
		"delete template": func() error { return v.DeleteExchangeTemplate(reader, "x") },
		"create": func() error {
			_, err := v.CreateExchange(reader, vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardNumber}})
			return err
		},
		"update": func() error {
			_, err := v.UpdateExchange(reader, ex.ID, vault.UpdateExchangeRequest{Name: "x"})
			return err
		},
		"delete":   func() error { return v.DeleteExchange(reader, ex.ID) },
		"exchange": func() error { _, err := v.Exchange(reader, ex.ID, card.ID); return err },
	} {
		e, ok := errorsAsVault(call())
		require.True(t, ok, name)
		assert.Equal(t, vault.KindForbidden, e.Kind, name)
	}
	got, err := v.GetExchange(reader, ex.ID)
	require.NoError(t, err)
	assert.NotNil(t, got.Configuration)

	both := []string{vault.PermExchangeInvoke, vault.PermTokenCreate}
	cases := map[string]struct {
		perms []string
		rules []vault.AccessRule
		kind  vault.Kind
	}{
		"invoke and create": {both, nil, 0},
		"no create":         {[]string{vault.PermExchangeInvoke}, nil, vault.KindForbidden},
		"no invoke":         {[]string{vault.PermTokenCreate, vault.PermTokenUse, vault.PermTokenRead}, nil, vault.KindForbidden},
		"rule reveals":      {nil, []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: both}}, 0},
		"rule masks":        {nil, []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformMask, Permissions: both}}, vault.KindForbidden},
		"rule elsewhere": {nil, []vault.AccessRule{{Priority: 1, Container: "/pii/", Transform: vault.TransformReveal, Permissions: both},
			{Priority: 2, Container: "/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenCreate}}}, vault.KindForbidden},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			caller := appContext(t, v, vault.AppPrivate, tc.perms, tc.rules)
			tok, err := v.Exchange(caller, ex.ID, card.ID)
			if tc.kind != 0 {
				requireKind(t, err, tc.kind)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, vault.TypeCardNumber, tok.Type)
			if tc.rules == nil {
				assert.NotContains(t, string(tok.Data), testCardNumber, "token:create masks the response")
			} else {
				assert.JSONEq(t, `"`+testCardNumber+`"`, string(tok.Data), "the rule's transform shapes the response")
			}
		})
	}
}

func TestExchangeFailures(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	card := createCard(t, v, testCardNumber, nil)
	ssn, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	require.NoError(t, err)
	exchangeOf := func(code string) string {
		return createExchange(t, v, createTemplate(t, v, code).ID, nil).ID
	}
	official := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil).ID
	const sdk = "const e = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');\n"
	cases := []struct {
		name     string
		exchange string
		token    string
		kind     vault.Kind
		status   int    // of the reactor failure; 0 for none
		class    string // of the reactor failure
		path     string // a field error
	}{
		{"unknown exchange", "missing", card.ID, vault.KindNotFound, 0, "", ""},
		{"no token", official, "", vault.KindInvalid, 0, "", "token_id"},
		{"unknown token", official, "missing", vault.KindInvalid, 0, "", "token_id"},
		{"wrong type", official, ssn.ID, vault.KindInvalid, 0, "", "token_id"},
		{"bad request", exchangeOf(sdk + "module.exports = async () => { throw new e.BadRequestError('no'); };"), card.ID, vault.KindInvalid, 400, "BadRequestError", ""},
		{"authentication", exchangeOf(sdk + "module.exports = async () => { throw new e.AuthenticationError(); };"), card.ID, vault.KindUnauthenticated, 401, "AuthenticationError", ""},
		{"forbidden", exchangeOf(sdk + "module.exports = async () => { throw new e.AuthorizationError(); };"), card.ID, vault.KindForbidden, 403, "AuthorizationError", ""},
		{"invalid payment", exchangeOf(sdk + "module.exports = async () => { throw new e.InvalidPaymentMethodError(); };"), card.ID, vault.KindPaymentRequired, 402, "InvalidPaymentMethodError", ""},
		{"rate limit", exchangeOf(sdk + "module.exports = async () => { throw new e.RateLimitError(); };"), card.ID, vault.KindRateLimited, 429, "RateLimitError", ""},
		{"unavailable", exchangeOf(sdk + "module.exports = async () => { throw new e.ReactorRuntimeError('x'); };"), card.ID, vault.KindInternal, 500, "ReactorRuntimeError", ""},
		{"plain throw", exchangeOf("module.exports = async () => { throw new Error('boom'); };"), card.ID, vault.KindInternal, 500, "ReactorRuntimeError", ""},
		{"returns nothing", exchangeOf("module.exports = async () => {};"), card.ID, vault.KindInternal, 500, "ReactorRuntimeError", ""},
		{"returns a string", exchangeOf("module.exports = async () => 'token';"), card.ID, vault.KindInternal, 500, "ReactorRuntimeError", ""},
		{"not a function", exchangeOf("module.exports = 42;"), card.ID, vault.KindInternal, 500, "ReactorRuntimeError", ""},
		{"no data", exchangeOf("module.exports = async () => ({ metadata: {} });"), card.ID, vault.KindInvalid, 0, "", "token.data"},
		{"bad metadata", exchangeOf("module.exports = async () => ({ data: 'x', metadata: { a: 1 } });"), card.ID, vault.KindInvalid, 0, "", "token.metadata"},
		{"unknown member", exchangeOf("module.exports = async (c) => ({ ...c.sourceToken });"), card.ID, vault.KindInvalid, 0, "", "token"},
		{"bad token", exchangeOf("module.exports = async () => ({ type: 'card_number', data: '1234' });"), card.ID, vault.KindInvalid, 0, "", "token.data"},
		{"unknown type", exchangeOf("module.exports = async () => ({ type: 'passport', data: '1234' });"), card.ID, vault.KindInvalid, 0, "", "token.type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Exchange(ctx, tc.exchange, tc.token)
			e := requireKind(t, err, tc.kind)
			if tc.status != 0 {
				require.NotNil(t, e.Reactor, "%v", err)
				assert.Equal(t, tc.status, e.Reactor.Status)
				assert.Equal(t, tc.class, e.Reactor.Name)
			} else {
				assert.Nil(t, e.Reactor)
			}
			if tc.path != "" {
				assert.Contains(t, e.Fields, tc.path)
			}
		})
	}
	page, err := v.ListTokens(ctx, vault.ListTokensRequest{})
	require.NoError(t, err)
	assert.Len(t, page.Data, 2, "no failed exchange created a token")

	t.Run("custom response", func(t *testing.T) {
		id := exchangeOf(sdk + "module.exports = async () => { throw new e.CustomHttpResponseError({ status: 418, body: { tea: true } }); };")
		_, err := v.Exchange(ctx, id, card.ID)
		e, ok := errorsAsVault(err)
		require.True(t, ok)
		require.NotNil(t, e.Reactor)
		require.NotNil(t, e.Reactor.Custom)
		assert.Equal(t, 418, e.Reactor.Custom.Status)
	})

	t.Run("template changed under the exchange", func(t *testing.T) {
		tmpl := createTemplate(t, v, "module.exports = async c => ({ data: 'x' })")
		ex := createExchange(t, v, tmpl.ID, nil)
		_, err := v.UpdateExchangeTemplate(ctx, tmpl.ID, vault.UpdateExchangeTemplateRequest{Name: "x", SourceTokenType: vault.TypeCard,
			Code: "module.exports = async c => ({ data: c.configuration.LABEL })", Configuration: []vault.ExchangeTemplateConfig{{Name: "LABEL", Type: "string"}}})
		require.NoError(t, err)
		_, err = v.Exchange(ctx, ex.ID, card.ID)
		e := requireKind(t, err, vault.KindConflict)
		assert.Contains(t, e.Fields, "configuration.LABEL")
		_, err = v.UpdateExchange(ctx, ex.ID, vault.UpdateExchangeRequest{Name: "x", Configuration: vault.Secrets{"LABEL": "now"}})
		require.NoError(t, err)
		tok, err := v.Exchange(ctx, ex.ID, card.ID)
		require.NoError(t, err)
		got, err := v.GetToken(ctx, tok.ID)
		require.NoError(t, err)
		assert.JSONEq(t, `"now"`, string(got.Data), "the exchange runs the template's new code")
	})

	t.Run("time limit", func(t *testing.T) {
		fast := openTestVault(t, vault.WithReactorLimits(sandboxLimitsTimeout(200*time.Millisecond, 0)))
		card := createCard(t, fast, testCardNumber, nil)
		tmpl, err := fast.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: "spin", SourceTokenType: vault.TypeCard, Code: "module.exports = async () => { for (;;) {} };"})
		require.NoError(t, err)
		ex, err := fast.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "spin", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID}})
		require.NoError(t, err)
		_, err = fast.Exchange(ctx, ex.ID, card.ID)
		requireKind(t, err, vault.KindTimeout)
	})
}

func TestExchangeConfigurationTypes(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	card := createCard(t, v, testCardNumber, nil)
	tmpl := createTemplate(t, v, "module.exports = async ({ configuration: c }) => ({ data: { s: typeof c.S, b: typeof c.B, n: typeof c.N, sum: c.N + 1, not: !c.B } });",
		vault.ExchangeTemplateConfig{Name: "S", Type: "string"}, vault.ExchangeTemplateConfig{Name: "B", Type: "boolean"},
		vault.ExchangeTemplateConfig{Name: "N", Type: "number"})
	ex := createExchange(t, v, tmpl.ID, vault.Secrets{"S": "text", "B": "false", "N": "-1.5e1"})
	tok, err := v.Exchange(ctx, ex.ID, card.ID)
	require.NoError(t, err)
	got, err := v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"s":"string","b":"boolean","n":"number","sum":-14,"not":true}`, string(got.Data))

	for _, bad := range []string{"", " 1", "1 ", "+1", ".5", "NaN", "Infinity", "1,5", "1e", "0x10"} {
		_, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "x", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID},
			Configuration: vault.Secrets{"S": "", "B": "true", "N": bad}})
		e := requireKind(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "configuration.N", "%q", bad)
	}
}

func TestExchangeInTransaction(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	ex := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
	txn, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	in := vault.WithTransaction(ctx, txn.ID)
	card, err := v.CreateToken(in, vault.CreateTokenRequest{Type: vault.TypeCard, Data: map[string]any{"number": testCardNumber, "expiration_month": 1, "expiration_year": 2031}})
	require.NoError(t, err)
	_, err = v.Exchange(ctx, ex.ID, card.ID)
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "token_id", "outside the transaction the card does not exist yet")
	tok, err := v.Exchange(in, ex.ID, card.ID)
	require.NoError(t, err, "inside it, it does")
	require.NoError(t, v.RollbackTransaction(ctx, txn.ID))
	_, err = v.GetToken(ctx, tok.ID)
	requireKind(t, err, vault.KindNotFound)
}

// TestExchangeCanary exchanges cards whose numbers are markers with every
// official template and with templates that fail, and looks for the markers
// in logs, events and errors; then scans the raw store for the configuration.
func TestExchangeCanary(t *testing.T) {
	const (
		number    = "4111111111111111"
		configKey = "hmac-canary-5e1d-key"
	)
	var mu sync.Mutex
	var events []vault.Event
	var logs bytes.Buffer
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithLogger(slog.New(slog.NewJSONHandler(&syncWriter{mu: &mu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		vault.WithEventHandler(func(_ context.Context, e vault.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		}))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	card := createCard(t, v, number, map[string]string{"k": "v"})
	ok := []*vault.Exchange{
		createExchange(t, v, vault.ExchangeTemplateCardNumber, nil),
		createExchange(t, v, vault.ExchangeTemplateCardBINLast4, vault.Secrets{"BIN_LENGTH": "8", "INCLUDE_EXPIRATION": "true"}),
		createExchange(t, v, vault.ExchangeTemplateCardPseudonym, vault.Secrets{"HMAC_KEY": configKey}),
	}
	failing := []string{
		"module.exports = async (c) => { console.log(c.sourceToken.data.number); return { type: 'card_number', data: '1' }; };",
		"module.exports = async (c) => { throw new Error('no'); };",
		"module.exports = async (c) => ({ data: c.sourceToken.data, metadata: { n: 1 } });",
		"module.exports = async (c) => ({ data: c.sourceToken.data, [c.sourceToken.data.number]: 1 });",
		"module.exports = async (c) => ({ type: 'bank', data: c.sourceToken.data.number });",
	}
	var errs []error
	for _, ex := range ok {
		_, err := v.Exchange(ctx, ex.ID, card.ID)
		require.NoError(t, err, ex.Template.Name)
	}
	for _, code := range failing {
		ex := createExchange(t, v, createTemplate(t, v, code).ID, nil)
		_, err := v.Exchange(ctx, ex.ID, card.ID)
		require.Error(t, err, code)
		errs = append(errs, err)
	}
	for i, err := range errs {
		b, _ := json.Marshal(err)
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v %#v", err, err), string(b)} {
			assert.NotContains(t, s, number, "error %d", i)
			assert.NotContains(t, s, number[6:], "error %d", i)
		}
	}
	require.NoError(t, v.FlushEvents(ctx))
	mu.Lock()
	b, err := json.Marshal(events)
	require.NoError(t, err)
	all := string(b) + fmt.Sprintf("%+v", events) + logs.String()
	var types []string
	var completed, failed []map[string]any
	for _, e := range events {
		types = append(types, e.Type)
		switch e.Type {
		case vault.EventExchangeCompleted:
			completed = append(completed, e.Data)
		case vault.EventExchangeFailed:
			failed = append(failed, e.Data)
		}
	}
	mu.Unlock()
	require.Len(t, completed, len(ok))
	require.Len(t, failed, len(failing))
	for i, d := range completed {
		assert.Equal(t, ok[i].ID, d["exchange"].(map[string]any)["id"])
		assert.Equal(t, card.ID, d["source_token"].(map[string]any)["id"])
		assert.NotEmpty(t, d["token"].(map[string]any)["id"])
		assert.Contains(t, d, "elapsed_ms")
	}
	for _, d := range failed {
		assert.NotEmpty(t, d["error"])
		assert.NotContains(t, d, "token")
	}
	assert.Contains(t, types, vault.EventExchangeCreated)
	assert.Contains(t, types, vault.EventExchangeCompleted)
	assert.Contains(t, types, vault.EventExchangeFailed)
	assert.NotContains(t, all, number[6:])
	assert.NotContains(t, all, configKey)

	dump := dumpAll(t, store)
	assert.False(t, bytes.Contains(dump, []byte(configKey)), "the store holds an exchange configuration in plaintext")
	assert.False(t, bytes.Contains(dump, []byte(number[6:])), "the store holds the card in plaintext")
	require.NoError(t, v.RotateKeys(ctx, nil))
	got, err := v.GetExchange(ctx, ok[2].ID)
	require.NoError(t, err)
	assert.Equal(t, configKey, got.Configuration["HMAC_KEY"], "rotation re-sealed the configuration")
	_, err = v.Exchange(ctx, ok[2].ID, card.ID)
	require.NoError(t, err)
}
