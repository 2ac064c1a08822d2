package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// hmacSecret is the configuration value of the fixture's pseudonym
// exchange: callers with exchange:read see it, the access log never.
const hmacSecret = "hmac-secret-value-51c7"

// sdkExchange is the start of a private template's code that throws the
// reactor SDK's error classes.
const sdkExchange = "const sdk = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');\n"

// newExchangeFixture is newFixture with the applications that manage and
// use exchanges, a private template and exchanges of every official
// template:
//
//   - keys "exchanger" (a private application whose rule reveals every
//     token with exchange:invoke, token:create and token:read),
//     "mask_exchanger" (the same permissions, transform mask),
//     "exchange_reader" (management, exchange:read only) and
//     "reactor_admin" (management, reactor:read only);
//   - "{ssn_template}", a private template of social_security_number
//     tokens named "SSN last four";
//   - exchanges "{numbers_exchange}" (Card to card number, no
//     configuration), "{bin_exchange}" (Card to BIN and last four, BIN_LENGTH
//     8 and INCLUDE_EXPIRATION true), "{pseudonym_exchange}" (HMAC_KEY
//     hmacSecret) and "{ssn_exchange}".
func newExchangeFixture(t testing.TB) *fixture {
	t.Helper()
	f := newFixture(t, nil)
	ctx := context.Background()
	app := func(name, typ string, perms []string, rules []vault.AccessRule) {
		a, err := f.v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: name, Type: typ, Permissions: perms, Rules: rules})
		require.NoError(t, err, name)
		f.vars[name] = a.Key.Reveal()
	}
	usePerms := []string{vault.PermExchangeInvoke, vault.PermTokenCreate, vault.PermTokenRead}
	app("exchanger", vault.AppPrivate, nil, []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: usePerms}})
	app("mask_exchanger", vault.AppPrivate, nil, []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformMask, Permissions: usePerms}})
	app("exchange_reader", vault.AppManagement, []string{vault.PermExchangeRead}, nil)
	app("reactor_admin", vault.AppManagement, []string{vault.PermReactorRead}, nil)
	tmpl, err := f.v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{
		Name: "SSN last four", SourceTokenType: vault.TypeSocialSecurityNumber,
		Code: "module.exports = async function (context) {\n  return { data: context.sourceToken.data.slice(-4) };\n};",
	})
	require.NoError(t, err)
	f.vars["ssn_template"] = tmpl.ID
	exchange := func(name, template string, config map[string]string) {
		e, err := f.v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: name, Template: &vault.ExchangeTemplateRef{ID: template}, Configuration: config})
		require.NoError(t, err, name)
		f.vars[name+"_exchange"] = e.ID
	}
	exchange("numbers", vault.ExchangeTemplateCardNumber, nil)
	exchange("bin", vault.ExchangeTemplateCardBINLast4, map[string]string{"BIN_LENGTH": "8", "INCLUDE_EXPIRATION": "true"})
	exchange("pseudonym", vault.ExchangeTemplateCardPseudonym, map[string]string{"HMAC_KEY": hmacSecret})
	exchange("ssn", tmpl.ID, nil)
	f.vars["card_number_template"] = vault.ExchangeTemplateCardNumber
	f.vars["bin_template"] = vault.ExchangeTemplateCardBINLast4
	f.vars["pseudonym_template"] = vault.ExchangeTemplateCardPseudonym
	return f
}

// noKeyScenarios are the 401s of a route: no key, an unknown BT-API-KEY and
// an unknown X-API-KEY.
func noKeyScenarios(name, method, url, body string) []scenario {
	return []scenario{
		{Name: name + " without a key", Method: method, URL: url, Body: body, Status: http.StatusUnauthorized},
		{
			Name: name + " with an unknown BT-API-KEY", Method: method, URL: url, Body: body, Status: http.StatusUnauthorized,
			Headers: map[string]string{"BT-API-KEY": "key_unknown0000000000000000"},
		},
		{
			Name: name + " with an unknown X-API-KEY", Method: method, URL: url, Body: body, Status: http.StatusUnauthorized,
			Headers: map[string]string{"X-API-KEY": "key_unknown0000000000000000"},
		},
	}
}

// xAPIKey is the header map of a request authenticated with the named key
// under the 2021 API's header.
func xAPIKey(name string) map[string]string { return map[string]string{"X-API-KEY": "{" + name + "}"} }

// checkFieldMessage asserts the ProblemDetails names path with msg.
func checkFieldMessage(path, msg string) func(t *testing.T, f *fixture, res *http.Response, body []byte) {
	return func(t *testing.T, _ *fixture, res *http.Response, body []byte) {
		p := problem(t, res, body)
		assert.Equal(t, []string{msg}, p.Errors[path], "%s", body)
	}
}

func TestCreateExchange(t *testing.T) {
	f := newExchangeFixture(t)
	create := func(name, template string, config string) string {
		return `{"name":"` + name + `","template":{"id":"` + template + `"},"configuration":` + config + `}`
	}
	scenarios := []scenario{
		{
			Name: "create", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("My Exchange", "{pseudonym_template}", `{"HMAC_KEY":"key_abcd1234"}`),
			Status: http.StatusCreated,
			JSON: map[string]any{
				"tenant_id": f.v.DefaultTenantID(), "name": "My Exchange", "configuration.HMAC_KEY": "key_abcd1234",
				"template.id": "{pseudonym_template}", "template.name": "Card to keyed pseudonym", "template.type": "official",
				"template.source_token_type": "card", "template.configuration.0.name": "HMAC_KEY", "template.configuration.0.type": "string",
			},
			NotContains: []string{"REDACTED", `"modified_at"`},
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				assert.NotEmpty(t, field(doc, "id"))
				assert.NotEmpty(t, field(doc, "created_at"))
				assert.Contains(t, field(doc, "template.code"), "createHmac")
				assert.Equal(t, map[string]any{"HMAC_KEY": "key_abcd1234"}, field(doc, "configuration"))
			},
		},
		{
			Name: "booleans and numbers become strings, numbers as sent", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("typed", "{bin_template}", `{"BIN_LENGTH":8.50,"INCLUDE_EXPIRATION":false}`),
			Status: http.StatusCreated, JSON: map[string]any{"configuration.BIN_LENGTH": "8.50", "configuration.INCLUDE_EXPIRATION": "false"},
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				// The strings themselves, not a number or a boolean.
				assert.Contains(t, string(body), `"BIN_LENGTH":"8.50"`)
				assert.Contains(t, string(body), `"INCLUDE_EXPIRATION":"false"`)
			},
		},
		{
			Name: "an exponent keeps its text", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("exponent", "{bin_template}", `{"BIN_LENGTH":6e0,"INCLUDE_EXPIRATION":"true"}`),
			Status: http.StatusCreated, Contains: []string{`"BIN_LENGTH":"6e0"`, `"INCLUDE_EXPIRATION":"true"`},
		},
		{
			Name: "a private template", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("private one", "{ssn_template}", `{}`),
			Status: http.StatusCreated, JSON: map[string]any{"template.id": "{ssn_template}", "template.type": "private", "template.name": "SSN last four"},
			Contains: []string{`"configuration":[]`, `"configuration":{}`},
		},
		{
			Name: "create with X-API-KEY", Method: "POST", URL: "/exchanges", Headers: xAPIKey("mgmt"),
			Body: create("legacy header", "{card_number_template}", `{}`), Status: http.StatusCreated, JSON: map[string]any{"name": "legacy header"},
		},
		{
			Name: "missing name", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   `{"template":{"id":"{card_number_template}"},"configuration":{}}`,
			Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "name over 200 characters", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create(strings.Repeat("n", 201), "{card_number_template}", `{}`),
			Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "name of 200 characters", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body: create(strings.Repeat("n", 200), "{card_number_template}", `{}`), Status: http.StatusCreated,
		},
		{
			Name: "missing template", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body: `{"name":"x","configuration":{}}`, Status: http.StatusBadRequest, Fields: []string{"template.id"},
		},
		{
			Name: "missing template.id", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body: `{"name":"x","template":{},"configuration":{}}`, Status: http.StatusBadRequest, Fields: []string{"template.id"},
		},
		{
			Name: "unknown template", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "00000000-0000-0000-0000-000000000000", `{}`),
			Status: http.StatusBadRequest, Fields: []string{"template.id"},
		},
		{
			Name: "a configuration entry missing", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{pseudonym_template}", `{}`),
			Status: http.StatusBadRequest, Fields: []string{"configuration.HMAC_KEY"},
		},
		{
			Name: "no configuration at all", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   `{"name":"x","template":{"id":"{pseudonym_template}"}}`,
			Status: http.StatusBadRequest, Fields: []string{"configuration.HMAC_KEY"},
		},
		{
			Name: "an unknown configuration entry", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{pseudonym_template}", `{"HMAC_KEY":"k","NOPE":"v"}`),
			Status: http.StatusBadRequest, Fields: []string{"configuration.NOPE"},
			Check: func(t *testing.T, _ *fixture, res *http.Response, body []byte) {
				assert.NotContains(t, problem(t, res, body).Errors, "configuration.HMAC_KEY")
			},
		},
		{
			Name: "a configuration value of the wrong type", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{bin_template}", `{"BIN_LENGTH":"abc","INCLUDE_EXPIRATION":true}`),
			Status: http.StatusBadRequest, Fields: []string{"configuration.BIN_LENGTH"}, NotContains: []string{"abc"},
		},
		{
			Name: "a boolean entry given a number", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{bin_template}", `{"BIN_LENGTH":8,"INCLUDE_EXPIRATION":1}`),
			Status: http.StatusBadRequest, Fields: []string{"configuration.INCLUDE_EXPIRATION"},
		},
		{
			Name: "an object value", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{pseudonym_template}", `{"HMAC_KEY":{"nested":"object-value-7e21"}}`),
			Status: http.StatusBadRequest, Fields: []string{"configuration.HMAC_KEY"}, NotContains: []string{"object-value-7e21", "nested"},
			Check: checkFieldMessage("configuration.HMAC_KEY", "must be a string, boolean or number"),
		},
		{
			Name: "an array value", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{pseudonym_template}", `{"HMAC_KEY":["array-value-3b"]}`),
			Status: http.StatusBadRequest, NotContains: []string{"array-value-3b"},
			Check: checkFieldMessage("configuration.HMAC_KEY", "must be a string, boolean or number"),
		},
		{
			Name: "a null value", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{pseudonym_template}", `{"HMAC_KEY":null}`),
			Status: http.StatusBadRequest, Check: checkFieldMessage("configuration.HMAC_KEY", "must be a string, boolean or number"),
		},
		{
			Name: "a configuration that is not an object", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body:   create("x", "{pseudonym_template}", `"HMAC_KEY=not-an-object-55"`),
			Status: http.StatusBadRequest, Fields: []string{"configuration"}, NotContains: []string{"not-an-object-55"},
		},
		{
			Name: "malformed JSON", Method: "POST", URL: "/exchanges", Headers: key("mgmt"),
			Body: `{"name":"x","configuration":{"HMAC_KEY":"` + hmacSecret + `"`, Status: http.StatusBadRequest, NotContains: []string{hmacSecret},
		},
		{
			Name: "without exchange:create", Method: "POST", URL: "/exchanges", Headers: key("exchange_reader"),
			Body: create("x", "{card_number_template}", `{}`), Status: http.StatusForbidden,
		},
		{
			Name: "with a private key", Method: "POST", URL: "/exchanges", Headers: key("exchanger"),
			Body: create("x", "{card_number_template}", `{}`), Status: http.StatusForbidden,
		},
	}
	scenarios = append(scenarios, noKeyScenarios("create", "POST", "/exchanges", create("x", "{card_number_template}", `{}`))...)
	runScenarios(t, f, scenarios)
	assert.NotContains(t, f.logs.String(), "key_abcd1234", "the configuration is never logged")
}

func TestListExchanges(t *testing.T) {
	f := newExchangeFixture(t)
	scenarios := []scenario{
		{
			Name: "all", Method: "GET", URL: "/exchanges", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{
				"pagination.total_items": "4", "pagination.page_number": "1", "pagination.page_size": "20", "pagination.total_pages": "1",
				// Ordered by name: bin, numbers, pseudonym, ssn.
				"data.0.id": "{bin_exchange}", "data.0.configuration.BIN_LENGTH": "8", "data.0.template.id": "{bin_template}",
				"data.2.id": "{pseudonym_exchange}", "data.2.configuration.HMAC_KEY": hmacSecret, "data.3.id": "{ssn_exchange}",
			},
			NotContains: []string{"REDACTED"},
		},
		{
			Name: "with exchange:read only, by X-API-KEY", Method: "GET", URL: "/exchanges", Headers: xAPIKey("exchange_reader"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "4"},
		},
		{
			Name: "by repeated ids", Method: "GET", URL: "/exchanges?id={numbers_exchange}&id={ssn_exchange}&id=unknown", Headers: key("mgmt"),
			Status: http.StatusOK,
			JSON:   map[string]any{"pagination.total_items": "2", "data.0.id": "{numbers_exchange}", "data.1.id": "{ssn_exchange}"},
		},
		{
			Name: "by wildcard name", Method: "GET", URL: "/exchanges?name=*onym", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.total_items": "1", "data.0.id": "{pseudonym_exchange}"},
		},
		{
			Name: "by source token type", Method: "GET", URL: "/exchanges?source_token_type=social_security_number", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "1", "data.0.id": "{ssn_exchange}"},
		},
		{
			Name: "by source token type and name", Method: "GET", URL: "/exchanges?source_token_type=card&name=n*", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "1", "data.0.id": "{numbers_exchange}"},
		},
		{
			Name: "offset page", Method: "GET", URL: "/exchanges?page=2&size=3", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.total_items": "4", "pagination.page_number": "2", "pagination.page_size": "3",
				"pagination.total_pages": "2", "data.0.id": "{ssn_exchange}", "data.1": nil},
		},
		{
			Name: "no match is an empty array", Method: "GET", URL: "/exchanges?name=no-such-exchange", Headers: key("mgmt"),
			Status: http.StatusOK, Contains: []string{`"data":[]`, `"total_items":0`},
		},
		{Name: "page 0", Method: "GET", URL: "/exchanges?page=0", Headers: key("mgmt"), Status: http.StatusBadRequest, Fields: []string{"page"}},
		{Name: "page not a number", Method: "GET", URL: "/exchanges?page=x", Headers: key("mgmt"), Status: http.StatusBadRequest, Fields: []string{"page"}},
		{Name: "size over 100", Method: "GET", URL: "/exchanges?size=101", Headers: key("mgmt"), Status: http.StatusBadRequest, Fields: []string{"size"}},
		{Name: "two names", Method: "GET", URL: "/exchanges?name=a&name=b", Headers: key("mgmt"), Status: http.StatusBadRequest, Fields: []string{"name"}},
		{
			Name: "two source token types", Method: "GET", URL: "/exchanges?source_token_type=card&source_token_type=token", Headers: key("mgmt"),
			Status: http.StatusBadRequest, Fields: []string{"source_token_type"},
		},
		{
			Name: "without exchange:read", Method: "GET", URL: "/exchanges", Headers: key("reactor_admin"), Status: http.StatusForbidden,
			NotContains: []string{hmacSecret},
		},
		{Name: "with a private key", Method: "GET", URL: "/exchanges", Headers: key("exchanger"), Status: http.StatusForbidden},
	}
	scenarios = append(scenarios, noKeyScenarios("list", "GET", "/exchanges", "")...)
	runScenarios(t, f, scenarios)
}

func TestGetExchange(t *testing.T) {
	f := newExchangeFixture(t)
	scenarios := []scenario{
		{
			Name: "get", Method: "GET", URL: "/exchanges/{pseudonym_exchange}", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{
				"id": "{pseudonym_exchange}", "tenant_id": f.v.DefaultTenantID(), "name": "pseudonym", "configuration.HMAC_KEY": hmacSecret,
				"template.id": "{pseudonym_template}", "template.configuration.0.name": "HMAC_KEY",
			},
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				assert.NotEmpty(t, field(decodeJSON(t, body), "created_at"))
			},
		},
		{
			Name: "get with exchange:read by X-API-KEY", Method: "GET", URL: "/exchanges/{bin_exchange}", Headers: xAPIKey("exchange_reader"),
			Status: http.StatusOK, JSON: map[string]any{"configuration.BIN_LENGTH": "8", "configuration.INCLUDE_EXPIRATION": "true"},
		},
		{
			Name: "without exchange:read", Method: "GET", URL: "/exchanges/{pseudonym_exchange}", Headers: key("reactor_admin"),
			Status: http.StatusForbidden, NotContains: []string{hmacSecret},
		},
		{Name: "with a private key", Method: "GET", URL: "/exchanges/{pseudonym_exchange}", Headers: key("exchanger"), Status: http.StatusForbidden},
		{Name: "unknown", Method: "GET", URL: "/exchanges/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"), Status: http.StatusNotFound},
	}
	scenarios = append(scenarios, noKeyScenarios("get", "GET", "/exchanges/{pseudonym_exchange}", "")...)
	runScenarios(t, f, scenarios)
}

func TestUpdateExchange(t *testing.T) {
	f := newExchangeFixture(t)
	const update = `{"name":"Renamed","configuration":{"BIN_LENGTH":6,"INCLUDE_EXPIRATION":false}}`
	scenarios := []scenario{
		{
			Name: "update", Method: "PUT", URL: "/exchanges/{bin_exchange}", Headers: key("mgmt"), Body: update, Status: http.StatusOK,
			JSON: map[string]any{
				"id": "{bin_exchange}", "name": "Renamed", "template.id": "{bin_template}",
				"configuration.BIN_LENGTH": "6", "configuration.INCLUDE_EXPIRATION": "false",
			},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				assert.NotEmpty(t, field(doc, "modified_at"))
				assert.NotEmpty(t, field(doc, "created_at"))
				res, b := f.do(t, "GET", "/exchanges/{bin_exchange}", key("mgmt"), "")
				require.Equal(t, http.StatusOK, res.StatusCode)
				got := decodeJSON(t, b)
				assert.Equal(t, "Renamed", field(got, "name"))
				assert.Equal(t, map[string]any{"BIN_LENGTH": "6", "INCLUDE_EXPIRATION": "false"}, field(got, "configuration"))
			},
		},
		{
			Name: "update by X-API-KEY keeps the template", Method: "PUT", URL: "/exchanges/{numbers_exchange}", Headers: xAPIKey("mgmt"),
			Body:   `{"name":"Numbers","configuration":{},"template":{"id":"{pseudonym_template}"}}`,
			Status: http.StatusOK, JSON: map[string]any{"name": "Numbers", "template.id": "{card_number_template}"},
		},
		{
			Name: "missing name", Method: "PUT", URL: "/exchanges/{bin_exchange}", Headers: key("mgmt"),
			Body: `{"configuration":{"BIN_LENGTH":6,"INCLUDE_EXPIRATION":false}}`, Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "name over 200 characters", Method: "PUT", URL: "/exchanges/{bin_exchange}", Headers: key("mgmt"),
			Body:   `{"name":"` + strings.Repeat("n", 201) + `","configuration":{"BIN_LENGTH":6,"INCLUDE_EXPIRATION":false}}`,
			Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "missing and unknown configuration entries", Method: "PUT", URL: "/exchanges/{bin_exchange}", Headers: key("mgmt"),
			Body:   `{"name":"x","configuration":{"BIN_LENGTH":6,"NOPE":"v"}}`,
			Status: http.StatusBadRequest, Fields: []string{"configuration.INCLUDE_EXPIRATION", "configuration.NOPE"},
		},
		{
			Name: "a value of the wrong type", Method: "PUT", URL: "/exchanges/{bin_exchange}", Headers: key("mgmt"),
			Body:   `{"name":"x","configuration":{"BIN_LENGTH":"abc","INCLUDE_EXPIRATION":false}}`,
			Status: http.StatusBadRequest, Fields: []string{"configuration.BIN_LENGTH"},
		},
		{
			Name: "an object value", Method: "PUT", URL: "/exchanges/{pseudonym_exchange}", Headers: key("mgmt"),
			Body:   `{"name":"x","configuration":{"HMAC_KEY":{"k":"put-object-9d"}}}`,
			Status: http.StatusBadRequest, NotContains: []string{"put-object-9d"},
			Check: checkFieldMessage("configuration.HMAC_KEY", "must be a string, boolean or number"),
		},
		{
			Name: "a name of the wrong type", Method: "PUT", URL: "/exchanges/{bin_exchange}", Headers: key("mgmt"),
			Body: `{"name":5,"configuration":{}}`, Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "without exchange:update", Method: "PUT", URL: "/exchanges/{bin_exchange}", Headers: key("exchange_reader"),
			Body: update, Status: http.StatusForbidden,
		},
		{
			Name: "unknown", Method: "PUT", URL: "/exchanges/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"),
			Body: update, Status: http.StatusNotFound,
		},
	}
	scenarios = append(scenarios, noKeyScenarios("update", "PUT", "/exchanges/{bin_exchange}", update)...)
	runScenarios(t, f, scenarios)
}

func TestDeleteExchange(t *testing.T) {
	f := newExchangeFixture(t)
	scenarios := noKeyScenarios("delete", "DELETE", "/exchanges/{numbers_exchange}", "")
	scenarios = append(scenarios, []scenario{
		{
			Name: "without exchange:delete", Method: "DELETE", URL: "/exchanges/{numbers_exchange}", Headers: key("exchange_reader"),
			Status: http.StatusForbidden,
		},
		{
			Name: "delete", Method: "DELETE", URL: "/exchanges/{numbers_exchange}", Headers: key("mgmt"), Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				assert.Empty(t, body)
				res, _ := f.do(t, "GET", "/exchanges/{numbers_exchange}", key("mgmt"), "")
				assert.Equal(t, http.StatusNotFound, res.StatusCode, "gone after delete")
			},
		},
		{Name: "delete again", Method: "DELETE", URL: "/exchanges/{numbers_exchange}", Headers: key("mgmt"), Status: http.StatusNotFound},
		{
			Name: "delete by X-API-KEY", Method: "DELETE", URL: "/exchanges/{bin_exchange}", Headers: xAPIKey("mgmt"), Status: http.StatusNoContent,
		},
		{Name: "unknown", Method: "DELETE", URL: "/exchanges/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"), Status: http.StatusNotFound},
	}...)
	runScenarios(t, f, scenarios)
}

func TestExchangeTemplates(t *testing.T) {
	f := newExchangeFixture(t)
	const code = `module.exports = async function (context) { return { data: context.sourceToken.data }; };`
	create := func(name string) string {
		b, err := json.Marshal(map[string]any{"name": name, "description": "d", "source_token_type": "token", "code": code,
			"icon": "data:image/png;base64,iVBORw0KGgo=", "configuration": []map[string]string{{"name": "A", "type": "number"}}})
		require.NoError(t, err)
		return string(b)
	}
	scenarios := []scenario{
		{
			Name: "create", Method: "POST", URL: "/exchange-templates", Headers: key("mgmt"), Body: create("Private echo"),
			Status: http.StatusCreated,
			JSON: map[string]any{
				"name": "Private echo", "description": "d", "type": "private", "source_token_type": "token", "code": code,
				"icon": "data:image/png;base64,iVBORw0KGgo=", "configuration.0.name": "A", "configuration.0.type": "number",
			},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				require.NotEmpty(t, field(doc, "id"))
				assert.NotEmpty(t, field(doc, "created_at"))
				f.vars["created_template"] = field(doc, "id").(string)
			},
		},
		{
			Name: "create by X-API-KEY", Method: "POST", URL: "/exchange-templates", Headers: xAPIKey("mgmt"), Body: create("Legacy header"),
			Status: http.StatusCreated, JSON: map[string]any{"name": "Legacy header"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				f.vars["legacy_template"], _ = field(decodeJSON(t, body), "id").(string)
			},
		},
		{
			Name: "create without a name", Method: "POST", URL: "/exchange-templates", Headers: key("mgmt"),
			Body: `{"source_token_type":"token","code":"module.exports = async () => ({})"}`, Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "create with an unknown source token type", Method: "POST", URL: "/exchange-templates", Headers: key("mgmt"),
			Body:   `{"name":"x","source_token_type":"nope","code":"module.exports = async () => ({})"}`,
			Status: http.StatusBadRequest, Fields: []string{"source_token_type"},
		},
		{
			Name: "create with a bad configuration type", Method: "POST", URL: "/exchange-templates", Headers: key("mgmt"),
			Body:   `{"name":"x","source_token_type":"token","code":"module.exports = async () => ({})","configuration":[{"name":"A","type":"object"}]}`,
			Status: http.StatusBadRequest, Fields: []string{"configuration[0].type"},
		},
		{
			Name: "create with a bad icon", Method: "POST", URL: "/exchange-templates", Headers: key("mgmt"),
			Body:   `{"name":"x","source_token_type":"token","code":"module.exports = async () => ({})","icon":"data:image/gif;base64,R0lG"}`,
			Status: http.StatusBadRequest, Fields: []string{"icon"},
		},
		{
			Name: "create an official template", Method: "POST", URL: "/exchange-templates", Headers: key("mgmt"),
			Body:   `{"name":"x","type":"official","source_token_type":"token","code":"module.exports = async () => ({})"}`,
			Status: http.StatusBadRequest, Fields: []string{"type"},
		},
		{
			Name: "create with code that does not compile", Method: "POST", URL: "/exchange-templates", Headers: key("mgmt"),
			Body:   `{"name":"broken","source_token_type":"token","code":"module.exports = ("}`,
			Status: http.StatusUnprocessableEntity, Fields: []string{"code"},
		},
		{
			Name: "create without exchange:create", Method: "POST", URL: "/exchange-templates", Headers: key("exchange_reader"),
			Body: create("nope"), Status: http.StatusForbidden,
		},
		{
			Name: "list has the official templates and the private ones", Method: "GET", URL: "/exchange-templates", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "6", "pagination.page_number": "1"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				byID := map[string]string{}
				for _, item := range field(decodeJSON(t, body), "data").([]any) {
					byID[field(item, "id").(string)] = field(item, "type").(string)
				}
				assert.Equal(t, map[string]string{
					vault.ExchangeTemplateCardNumber: "official", vault.ExchangeTemplateCardBINLast4: "official",
					vault.ExchangeTemplateCardPseudonym: "official", f.vars["ssn_template"]: "private",
					f.vars["created_template"]: "private", f.vars["legacy_template"]: "private",
				}, byID, "%s", body)
			},
		},
		{
			Name: "list by wildcard name", Method: "GET", URL: "/exchange-templates?name=Card%20to*", Headers: key("exchange_reader"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "3",
				// Ordered by name.
				"data.0.id": "{bin_template}", "data.1.id": "{card_number_template}", "data.2.id": "{pseudonym_template}"},
		},
		{
			Name: "list by source token type", Method: "GET", URL: "/exchange-templates?source_token_type=social_security_number", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "1", "data.0.id": "{ssn_template}"},
		},
		{
			Name: "list an offset page", Method: "GET", URL: "/exchange-templates?name=Card%20to*&page=2&size=2", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_pages": "2", "pagination.page_size": "2", "data.0.id": "{pseudonym_template}", "data.1": nil},
		},
		{
			Name: "list with size 0 pages by default", Method: "GET", URL: "/exchange-templates?name=nothing-matches", Headers: key("mgmt"),
			Status: http.StatusOK, Contains: []string{`"data":[]`, `"total_items":0`},
		},
		{
			Name: "list with page 0", Method: "GET", URL: "/exchange-templates?page=0", Headers: key("mgmt"), Status: http.StatusBadRequest,
			Fields: []string{"page"},
		},
		{
			Name: "list with size 1000", Method: "GET", URL: "/exchange-templates?size=1000", Headers: key("mgmt"), Status: http.StatusBadRequest,
			Fields: []string{"size"},
		},
		{
			Name: "list without exchange:read", Method: "GET", URL: "/exchange-templates", Headers: key("reactor_admin"), Status: http.StatusForbidden,
		},
		{
			Name: "get an official template", Method: "GET", URL: "/exchange-templates/{card_number_template}", Headers: key("exchange_reader"),
			Status: http.StatusOK,
			JSON: map[string]any{"id": "{card_number_template}", "name": "Card to card number", "type": "official", "source_token_type": "card",
				"created_at": "2026-12-03T00:00:00Z"},
			Contains: []string{`"configuration":[]`, "card_number"},
		},
		{
			Name: "get a private template", Method: "GET", URL: "/exchange-templates/{created_template}", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"id": "{created_template}", "code": code},
		},
		{
			Name: "get unknown", Method: "GET", URL: "/exchange-templates/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"),
			Status: http.StatusNotFound,
		},
		{
			Name: "get without exchange:read", Method: "GET", URL: "/exchange-templates/{card_number_template}", Headers: key("reactor_admin"),
			Status: http.StatusForbidden,
		},
		{
			Name: "update", Method: "PUT", URL: "/exchange-templates/{created_template}", Headers: key("mgmt"),
			Body:   `{"name":"Renamed template","source_token_type":"card","code":"module.exports = async () => ({ data: 'x' })"}`,
			Status: http.StatusOK, JSON: map[string]any{"id": "{created_template}", "name": "Renamed template", "source_token_type": "card", "icon": nil},
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				assert.NotEmpty(t, field(decodeJSON(t, body), "modified_at"))
			},
		},
		{
			Name: "update with field errors", Method: "PUT", URL: "/exchange-templates/{created_template}", Headers: key("mgmt"),
			Body: `{"name":"","source_token_type":"","code":""}`, Status: http.StatusBadRequest, Fields: []string{"name", "source_token_type", "code"},
		},
		{
			Name: "update with code that does not compile", Method: "PUT", URL: "/exchange-templates/{created_template}", Headers: key("mgmt"),
			Body: `{"name":"x","source_token_type":"card","code":"module.exports = ("}`, Status: http.StatusUnprocessableEntity, Fields: []string{"code"},
		},
		{
			Name: "update an official template", Method: "PUT", URL: "/exchange-templates/{card_number_template}", Headers: key("mgmt"),
			Body: create("Hijacked"), Status: http.StatusForbidden,
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, b := f.do(t, "GET", "/exchange-templates/{card_number_template}", key("mgmt"), "")
				require.Equal(t, http.StatusOK, res.StatusCode)
				assert.Equal(t, "Card to card number", field(decodeJSON(t, b), "name"), "unchanged")
			},
		},
		{
			Name: "update unknown", Method: "PUT", URL: "/exchange-templates/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"),
			Body: create("x"), Status: http.StatusNotFound,
		},
		{
			Name: "update without exchange:update", Method: "PUT", URL: "/exchange-templates/{created_template}", Headers: key("exchange_reader"),
			Body: create("x"), Status: http.StatusForbidden,
		},
		{
			Name: "delete an official template", Method: "DELETE", URL: "/exchange-templates/{pseudonym_template}", Headers: key("mgmt"),
			Status: http.StatusForbidden,
		},
		{
			Name: "delete a template used by an exchange", Method: "DELETE", URL: "/exchange-templates/{ssn_template}", Headers: key("mgmt"),
			Status: http.StatusConflict,
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, _ := f.do(t, "GET", "/exchange-templates/{ssn_template}", key("mgmt"), "")
				assert.Equal(t, http.StatusOK, res.StatusCode, "kept")
			},
		},
		{
			Name: "delete without exchange:delete", Method: "DELETE", URL: "/exchange-templates/{created_template}", Headers: key("exchange_reader"),
			Status: http.StatusForbidden,
		},
		{
			Name: "delete", Method: "DELETE", URL: "/exchange-templates/{created_template}", Headers: key("mgmt"), Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				assert.Empty(t, body)
				res, _ := f.do(t, "GET", "/exchange-templates/{created_template}", key("mgmt"), "")
				assert.Equal(t, http.StatusNotFound, res.StatusCode)
			},
		},
		{
			Name: "delete unknown", Method: "DELETE", URL: "/exchange-templates/{created_template}", Headers: key("mgmt"), Status: http.StatusNotFound,
		},
	}
	scenarios = append(scenarios, noKeyScenarios("create template", "POST", "/exchange-templates", create("x"))...)
	scenarios = append(scenarios, noKeyScenarios("list templates", "GET", "/exchange-templates", "")...)
	scenarios = append(scenarios, noKeyScenarios("get template", "GET", "/exchange-templates/{card_number_template}", "")...)
	scenarios = append(scenarios, noKeyScenarios("update template", "PUT", "/exchange-templates/{ssn_template}", create("x"))...)
	scenarios = append(scenarios, noKeyScenarios("delete template", "DELETE", "/exchange-templates/{ssn_template}", "")...)
	runScenarios(t, f, scenarios)
}

func TestExchange(t *testing.T) {
	f := newExchangeFixture(t)
	body := func(token string) string { return `{"token_id":"` + token + `"}` }
	scenarios := []scenario{
		{
			Name: "card to card number", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("exchanger"),
			Body: body("{card}"), Status: http.StatusCreated,
			JSON: map[string]any{"type": "card_number", "data": "4242424242424242", "metadata.customer": "c-1", "tenant_id": f.v.DefaultTenantID()},
			Check: func(t *testing.T, f *fixture, _ *http.Response, b []byte) {
				doc := decodeJSON(t, b)
				id, ok := field(doc, "id").(string)
				require.True(t, ok, "%s", b)
				assert.NotEqual(t, f.vars["card"], id, "a new token")
				assert.NotEmpty(t, field(doc, "created_at"))
				// The body of a created token, as POST /tokens renders it.
				res, created := f.do(t, "POST", "/tokens", key("exchanger"), `{"type":"card_number","data":"4242424242424242","metadata":{"customer":"c-1"}}`)
				require.Equal(t, http.StatusCreated, res.StatusCode, "%s", created)
				assert.ElementsMatch(t, keysOf(decodeJSON(t, created)), keysOf(doc), "same members as POST /tokens: %s / %s", created, b)
				res, got := f.do(t, "GET", "/tokens/"+id, key("private"), "")
				require.Equal(t, http.StatusOK, res.StatusCode, "%s", got)
				assert.Equal(t, "4242424242424242", field(decodeJSON(t, got), "data"))
				assert.Equal(t, "card_number", field(decodeJSON(t, got), "type"))
			},
		},
		{
			Name: "configuration reaches the code typed", Method: "POST", URL: "/exchanges/{bin_exchange}/exchange", Headers: xAPIKey("exchanger"),
			Body: body("{card}"), Status: http.StatusCreated,
			// BIN_LENGTH is the number 8 and INCLUDE_EXPIRATION the boolean
			// true in the code: an eight-digit BIN and the expiration.
			JSON:        map[string]any{"type": "token", "data.bin": "42424242", "data.last4": "4242", "data.expiration_month": "12", "data.expiration_year": "2030"},
			NotContains: []string{"4242424242424242"},
		},
		{
			Name: "a private template", Method: "POST", URL: "/exchanges/{ssn_exchange}/exchange", Headers: key("exchanger"),
			Body: body("{ssn}"), Status: http.StatusCreated, JSON: map[string]any{"type": "token", "data": "6789"},
		},
		{
			Name: "a token of the wrong type", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("exchanger"),
			Body: body("{ssn}"), Status: http.StatusBadRequest, Fields: []string{"token_id"}, NotContains: []string{"6789"},
		},
		{
			Name: "an unknown token", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("exchanger"),
			Body: body("00000000-0000-0000-0000-000000000000"), Status: http.StatusBadRequest, Fields: []string{"token_id"},
		},
		{
			Name: "no token_id", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("exchanger"),
			Body: `{}`, Status: http.StatusBadRequest, Fields: []string{"token_id"},
		},
		{
			Name: "a token_id of the wrong type", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("exchanger"),
			Body: `{"token_id":5}`, Status: http.StatusBadRequest, Fields: []string{"token_id"},
		},
		{
			Name: "no body", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("exchanger"), Status: http.StatusBadRequest,
		},
		{
			Name: "without exchange:invoke", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("private"),
			Body: body("{card}"), Status: http.StatusForbidden, NotContains: []string{"4242424242424242"},
		},
		{
			Name: "a rule that masks", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("mask_exchanger"),
			Body: body("{card}"), Status: http.StatusForbidden, NotContains: []string{"4242424242424242"},
		},
		{
			Name: "a management key cannot exchange", Method: "POST", URL: "/exchanges/{numbers_exchange}/exchange", Headers: key("mgmt"),
			Body: body("{card}"), Status: http.StatusForbidden,
		},
		{
			Name: "an unknown exchange", Method: "POST", URL: "/exchanges/00000000-0000-0000-0000-000000000000/exchange", Headers: key("exchanger"),
			Body: body("{card}"), Status: http.StatusNotFound,
		},
	}
	scenarios = append(scenarios, noKeyScenarios("exchange", "POST", "/exchanges/{numbers_exchange}/exchange", body("{card}"))...)
	runScenarios(t, f, scenarios)
	for _, secret := range []string{"4242424242424242", "123-45-6789", hmacSecret} {
		assert.NotContains(t, f.logs.String(), secret, "the access log holds no data")
	}
}

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExchangeErrorClasses runs error classes of the reactor-formulas SDK
// thrown by a private template's code: each is rendered as POST
// /reactors/{id}/react renders it (see TestReactorErrorClasses).
func TestExchangeErrorClasses(t *testing.T) {
	f := newExchangeFixture(t)
	for name, tc := range map[string]struct {
		code   string
		status int
		detail string
		errors map[string][]string
	}{
		"BadRequestError":     {"throw new sdk.BadRequestError('x')", 400, "Bad Request", map[string][]string{"error": {"x"}}},
		"AuthenticationError": {"throw new sdk.AuthenticationError()", 401, "Authentication Failed", nil},
		"AuthorizationError":  {"throw new sdk.AuthorizationError('no access')", 403, "Forbidden", map[string][]string{"error": {"no access"}}},
		"thrown Error":        {"throw new Error('boom')", 500, "Reactor Runtime Error", map[string][]string{"error": {"boom"}}},
	} {
		t.Run(name, func(t *testing.T) {
			tmpl, err := f.v.CreateExchangeTemplate(t.Context(), vault.CreateExchangeTemplateRequest{Name: name, SourceTokenType: vault.TypeCard,
				Code: sdkExchange + "module.exports = async function (context) {\n" + tc.code + "\n};"})
			require.NoError(t, err)
			e, err := f.v.CreateExchange(t.Context(), vault.CreateExchangeRequest{Name: name, Template: &vault.ExchangeTemplateRef{ID: tmpl.ID}})
			require.NoError(t, err)
			res, body := f.do(t, "POST", "/exchanges/"+e.ID+"/exchange", key("exchanger"), `{"token_id":"{card}"}`)
			require.Equal(t, tc.status, res.StatusCode, "%s", body)
			p := problem(t, res, body)
			assert.Equal(t, tc.detail, p.Detail)
			if tc.errors != nil {
				assert.Equal(t, tc.errors, p.Errors)
			}
			if tc.status == http.StatusBadRequest {
				assert.Equal(t, "One or more validation errors occurred.", p.Title)
			} else {
				assert.Equal(t, http.StatusText(tc.status), p.Title)
			}
			assert.NotContains(t, string(body), "4242424242424242")
		})
	}
}

// TestExchangeInTransaction checks that POST /exchanges/{id}/exchange joins
// the caller's token transaction: the new token is staged until commit.
func TestExchangeInTransaction(t *testing.T) {
	f := newExchangeFixture(t)
	res, body := f.do(t, "POST", "/transactions", key("exchanger"), "")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var txn struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &txn))
	in := with(key("exchanger"), "BT-TRANSACTION-ID", txn.ID)

	// A token staged in the transaction can be exchanged inside it only.
	res, body = f.do(t, "POST", "/tokens", in, `{"id":"staged_card","type":"card","data":{"number":"5555555555554444"}}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	res, body = f.do(t, "POST", "/exchanges/{numbers_exchange}/exchange", key("exchanger"), `{"token_id":"staged_card"}`)
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "outside the transaction the source is unknown: %s", body)
	assert.Contains(t, problem(t, res, body).Errors, "token_id")

	res, body = f.do(t, "POST", "/exchanges/{numbers_exchange}/exchange", in, `{"token_id":"staged_card"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	id, _ := field(decodeJSON(t, body), "id").(string)
	require.NotEmpty(t, id)
	res, _ = f.do(t, "GET", "/tokens/"+id, key("exchanger"), "")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "the new token is staged")
	res, _ = f.do(t, "GET", "/tokens/"+id, in, "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "visible inside the transaction")

	res, body = f.do(t, "POST", "/transactions/"+txn.ID+"/commit", key("exchanger"), "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	res, body = f.do(t, "GET", "/tokens/"+id, key("exchanger"), "")
	require.Equal(t, http.StatusOK, res.StatusCode, "visible after commit: %s", body)
	assert.Equal(t, "5555555555554444", field(decodeJSON(t, body), "data"))

	res, _ = f.do(t, "POST", "/exchanges/{numbers_exchange}/exchange", with(key("exchanger"), "BT-TRANSACTION-ID", "no-such-transaction"),
		`{"token_id":"{card}"}`)
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "an unknown transaction")
}
