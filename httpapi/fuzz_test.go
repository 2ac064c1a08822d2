package httpapi_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/internal/jsonv"
)

// Every request body and query string the handler decodes is fuzzed: the
// handler must never panic or answer 5xx, every failure must be a
// ProblemDetails of its status, and a body that is not JSON must be a 400.
// Seeds come from the scenario tables; go test runs them (and any crasher
// committed under testdata/fuzz), go test -fuzz=FuzzXxx explores.

// fuzzBody fuzzes the body of one route, called with the named key.
func fuzzBody(f *testing.F, method, target, keyName string, seeds ...string) {
	fuzzBodyOn(f, newFixture(f, nil), method, target, keyName, false, seeds...)
}

// fuzzBodyOn fuzzes the body of one route of fx. emptyOK marks a route
// whose body is optional: an empty one need not be a 400.
func fuzzBodyOn(f *testing.F, fx *fixture, method, target, keyName string, emptyOK bool, seeds ...string) {
	for _, s := range slices.Concat(seeds, []string{"", " ", "null", "[]", "{}", `{"a":`, "\x00", `"\ud800"`, "1e999999"}, textSeeds) {
		f.Add(fx.expand(s))
	}
	path := fx.expand(target)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("BT-API-KEY", fx.vars[keyName])
		req.Header.Set("Content-Type", "application/merge-patch+json")
		res, b := serve(t, fx, req)
		checkResponse(t, res, b)
		if emptyOK && strings.TrimSpace(body) == "" {
			return
		}
		if !json.Valid([]byte(body)) && res.StatusCode != http.StatusBadRequest {
			t.Fatalf("malformed body answered %d, want 400: %s", res.StatusCode, b)
		}
		checkRefusedText(t, []byte(body), res, b)
	})
}

// textSeeds are bodies with a string that is not UTF-8 or a number beyond
// float64, which every route refuses with its path (checkRefusedText).
var textSeeds = []string{
	"\"\xff\"", "{\"a\":\"abc\xff\xfe\"}", `{"a":["\udc00"]}`, `{"a":"\ud800\u0041"}`, "{\"k\xff\":1}",
	`{"a":{"b":1e999999}}`, `[-1e400]`, `{"size":1e400}`, `{"name":"\ud83d"}`, "{\"data\":{\"number\":\"4242\xc3\"}}",
}

// checkRefusedText holds a response to a body that jsonv.Check refuses:
// 400, with the path of the refused value when it has one.
func checkRefusedText(t *testing.T, body []byte, res *http.Response, b []byte) {
	t.Helper()
	ve, ok := errors.AsType[*jsonv.ValueError](jsonv.Check(body))
	if !ok {
		return
	}
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a body with %v answered %d, want 400: %s", ve, res.StatusCode, b)
	}
	var p struct {
		Errors map[string][]string `json:"errors"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if ve.Path != "" && p.Errors[ve.Path] == nil {
		t.Fatalf("a body with %v at %q answered without that path: %s", ve, ve.Path, b)
	}
}

// fuzzQuery fuzzes the query string of one GET route.
func fuzzQuery(f *testing.F, target, keyName string, seeds ...string) {
	fuzzQueryOn(f, newFixture(f, nil), target, keyName, seeds...)
}

// fuzzQueryOn fuzzes the query string of one GET route of fx.
func fuzzQueryOn(f *testing.F, fx *fixture, target, keyName string, seeds ...string) {
	for _, s := range append(seeds, "", "&&", "=", "%", "%zz", "a=%00", "size=-1", "size=99999999999999999999", "page=0",
		"type=%FF", "size=%C3", "metadata.%FF%FE=v", "metadata.k=abc%FF%FE", "metadata=%7B%22k%22%3A%22%5Cud800%22%7D", "x=\xff") {
		f.Add(s)
	}
	path := fx.expand(target)
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest("GET", path, nil)
		req.URL.RawQuery = query
		req.Header.Set("BT-API-KEY", fx.vars[keyName])
		res, b := serve(t, fx, req)
		checkResponse(t, res, b)
		for name, values := range req.URL.Query() {
			if !utf8.ValidString(name) || !utf8.ValidString(strings.Join(values, "")) {
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("a query parameter that is not UTF-8 answered %d, want 400: %s", res.StatusCode, b)
				}
			}
		}
	})
}

func serve(t *testing.T, fx *fixture, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	w := httptest.NewRecorder()
	fx.h.ServeHTTP(w, req)
	res := w.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// checkResponse holds for every response: no 5xx, and failures are
// ProblemDetails of their status.
func checkResponse(t *testing.T, res *http.Response, body []byte) {
	t.Helper()
	if res.StatusCode >= 500 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if res.StatusCode < 400 {
		return
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json; charset=utf-8" {
		t.Fatalf("status %d with content type %q", res.StatusCode, ct)
	}
	var p struct {
		Title  string              `json:"title"`
		Status int                 `json:"status"`
		Errors map[string][]string `json:"errors"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != res.StatusCode || p.Title == "" {
		t.Fatalf("status %d with a body that is not its ProblemDetails: %s", res.StatusCode, body)
	}
}

func FuzzCreateTokenBody(f *testing.F) {
	fuzzBody(f, "POST", "/tokens", "private", cardBody,
		`{"type":"token","data":{"n":12345678901234567890123}}`,
		`{"id":"order-42_card","type":"card_number","data":"4242424242424242"}`,
		`{"type":"token","data":"v","expires_at":"2099-01-01T00:00:00Z","metadata":{"k":"v"},"containers":["/a/"]}`,
		`{"type":"token","data":"v","expires_at":"8/26/2030 7:23:57 PM -07:00"}`,
		`{"type":"bank","data":{"routing_number":"021000021","account_number":"1234"}}`,
		`{"type":"token","data":"v","search_indexes":["{{ data }}"],"fingerprint_expression":"{{ data }}","mask":"{{ data | reveal_last: 2 }}"}`,
		`{"type":"token","data":"v","metadata":{"k":1}}`)
}

func FuzzUpdateTokenBody(f *testing.F) {
	fuzzBody(f, "PATCH", "/tokens/{card}", "private",
		`{"data":{"expiration_year":2031},"metadata":{"customer":null,"plan":"gold"}}`,
		`{"expires_at":null}`, `{"expires_at":"2099-01-01T00:00:00Z"}`, `{"containers":["/pci/"]}`,
		`{"search_indexes":"{{ data }}"}`, `{"data":null}`, `{"mask":{"number":"{{ data.number | last4 }}"}}`)
}

func FuzzSearchBody(f *testing.F) {
	fuzzBody(f, "POST", "/v2/tokens/search", "private",
		`{"query":"data:listed-b","start":null,"size":20}`, `{"query":"metadata.batch:b1 AND container:/list/"}`,
		`{"query":"data:("}`, `{"query":"type:token","size":"10"}`, `{"query":"type:token","start":"azJ"}`,
		`{"query":"(type:card OR type:token) AND metadata.customer:c*"}`)
}

func FuzzSearchV1Body(f *testing.F) {
	fuzzBody(f, "POST", "/tokens/search", "private",
		`{"query":"metadata.batch:b1","page":1,"size":3}`, `{"query":"nofield"}`, `{"query":"type:token","page":-1}`,
		`{"query":"type:token","page":2147483647,"size":100}`)
}

func FuzzTokenizeBody(f *testing.F) {
	fuzzBody(f, "POST", "/tokenize", "private",
		`{"first_name":"John","card":{"type":"card_number","data":"4242424242424242"},"tags":["vip",{"type":"token","data":"x"}],"n":null}`,
		`["a","b"]`, `["1","2","3","4","5","6"]`, `{"type":"card","data":{"number":"1"}}`, `12`, `true`)
}

func FuzzDetokenizeBody(f *testing.F) {
	fuzzBody(f, "POST", "/detokenize", "private",
		`{"number":"{{ {card} | json: '$.number' }}","whole":"{{ token: {ssn} }}","text":"ssn {{ {ssn} | last4 }}"}`,
		`{"x":"{{ 00000000-0000-0000-0000-000000000000 }}"}`, `{"n":12345678901234567890123}`, `"{{ {card} | json: '$.' }}"`,
		`["{{ {token} }}","{{ {token} | upcase }}","{{","}}"]`)
}

func FuzzCreateApplicationBody(f *testing.F) {
	fuzzBody(f, "POST", "/applications", "mgmt",
		`{"name":"Backend","type":"private","rules":[{"description":"pci","priority":1,"container":"/pci/","transform":"reveal","permissions":["token:read"]}]}`,
		`{"name":"Keyless","type":"public","permissions":["token:create"],"create_key":false}`,
		`{"type":"private","rules":[{"priority":1,"transform":"shout","permissions":["token:read"]}]}`,
		`{"name":"x","type":"private","rules":[{"priority":"first"}]}`,
		`{"name":"m","type":"management","permissions":["tenant:read"]}`)
}

func FuzzUpdateApplicationBody(f *testing.F) {
	fuzzBody(f, "PUT", "/applications/{creator_app}", "mgmt",
		`{"name":"Creator 2","permissions":["token:create","token:read"]}`,
		`{"name":"r","rules":[{"priority":1,"container":"/","transform":"mask","permissions":["token:read"]}]}`, `{"name":""}`)
}

func FuzzAuthorizeSessionBody(f *testing.F) {
	fuzzBody(f, "POST", "/sessions/authorize", "private",
		`{"nonce":"abc","permissions":["token:read"]}`,
		`{"nonce":"abc","rules":[{"priority":1,"transform":"reveal","permissions":["token:read"],"conditions":[{"attribute":"id","operator":"equals","value":"x"}]}]}`,
		`{"nonce":"abc","permissions":["token:read"],"expires_at":"2099-01-01T00:00:00Z"}`, `{"nonce":""}`)
}

func FuzzUpdateTenantBody(f *testing.F) {
	fuzzBody(f, "PUT", "/tenants/self", "mgmt",
		`{"name":"Acme","settings":{"deduplicate_tokens":"true"}}`, `{"name":"Acme","settings":{"tokenize_limit":5}}`,
		`{"name":"Acme","settings":{"cvc_retention":"2h","detokenize_limit":"7"}}`, `{"name":""}`)
}

func FuzzListQuery(f *testing.F) {
	fuzzQuery(f, "/v2/tokens", "private",
		"container=/list/&size=2", "metadata.customer=c-1", "metadata="+url.QueryEscape(`{"batch":"b1"}`),
		"metadata%5Bbatch%5D=b1&type=token", "type=social_security_number&fingerprint=abc", "start=%21%21", "size=abc", "metadata=%7Bnope")
}

func FuzzListV1Query(f *testing.F) {
	fuzzQuery(f, "/tokens", "private",
		"metadata.batch=b1&page=2&size=2", "id={card}&id={ssn}&id=unknown-id", "page=9", "page=0", "page=9223372036854775807&size=100")
}

func FuzzListApplicationsQuery(f *testing.F) {
	fuzzQuery(f, "/applications", "mgmt",
		"size=2&page=1", "id={private_app}&id={public_app}&type=public", "type=public&type=private", "page=-3")
}

func FuzzPermissionsQuery(f *testing.F) {
	fuzzQuery(f, "/permissions", "mgmt", "application_type=public", "application_type=robot", "application_type=a&application_type=b")
}

// FuzzTokenPath fuzzes the id of GET /tokens/{id}, as it arrives escaped.
func FuzzTokenPath(f *testing.F) {
	fx := newFixture(f, nil)
	for _, s := range []string{fx.vars["card"], "my_custom%3Aid%40example.com", "%zz", "a%2Fb", "..", "%00", "", "abc%FF%FE", "%ED%A0%80", strings.Repeat("a", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		req := httptest.NewRequest("GET", "/tokens/x", nil)
		req.URL.Path = "/tokens/" + id
		req.URL.RawPath = ""
		if p, err := url.PathUnescape(id); err == nil {
			req.URL.Path, req.URL.RawPath = "/tokens/"+p, "/tokens/"+id
		}
		req.Header.Set("BT-API-KEY", fx.vars["private"])
		res, b := serve(t, fx, req)
		checkResponse(t, res, b)
		if id := strings.TrimPrefix(req.URL.Path, "/tokens/"); !strings.Contains(id, "/") && !utf8.ValidString(id) && res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a path id that is not UTF-8 answered %d, want 400: %s", res.StatusCode, b)
		}
	})
}

// Reactor bodies and queries. The react routes run the fixture's echo
// reactor, which returns its args: whatever the args, the answer is the
// reactor's result or a ProblemDetails, never a 5xx.

func FuzzCreateReactorBody(f *testing.F) {
	fuzzBodyOn(f, newReactorFixture(f, nil), "POST", "/reactors", "mgmt", false,
		`{"name":"r","code":"module.exports = async function (req) { return { raw: req.args }; };","configuration":{"A":"1"}}`,
		`{"name":"r","code":"module.exports = async () => ({})","application":{"id":"{private_app}"}}`,
		`{"name":"r","code":"module.exports = async () => ({})","application":{"id":"{reactor_reader_app}"}}`,
		`{"name":"r","code":"module.exports = ("}`, `{"code":"module.exports = async () => ({})"}`,
		`{"name":"r","code":"x","configuration":{"A":1}}`, `{"name":"r","formula":{"id":"nope"}}`,
		`{"name":"r","code":"x","runtime":{"image":"node22","timeout":10}}`, `{"name":1,"code":[]}`)
}

func FuzzUpdateReactorBody(f *testing.F) {
	fuzzBodyOn(f, newReactorFixture(f, nil), "PUT", "/reactors/{random_reactor}", "mgmt", false,
		`{"name":"Renamed","code":"module.exports = async () => ({ raw: 2 })","configuration":{"C":"3"}}`,
		`{"name":"Renamed"}`, `{"name":"r","code":"module.exports = ("}`, `{"name":"r","code":"x","application":null}`,
		`{"name":"r","code":"x","configuration":{"A":{"b":"c"}}}`)
}

func FuzzPatchReactorBody(f *testing.F) {
	fuzzBodyOn(f, newReactorFixture(f, nil), "PATCH", "/reactors/{random_reactor}", "mgmt", false,
		`{"name":"Patched","configuration":{"C":null,"D":"4"}}`, `{"name":5}`, `{"code":"module.exports = ("}`,
		`{"application":null}`, `{"application":{"id":"{private_app}"}}`, `{"configuration":null}`,
		`[{"op":"replace","path":"/name","value":"x"}]`, `{"name":""}`, `{"formula":{"id":"x"}}`)
}

func FuzzReactBody(f *testing.F) {
	fx := newReactorFixture(f, nil)
	fuzzBodyOn(f, fx, "POST", "/reactors/{echo_reactor}/react", "invoker", true, reactSeeds...)
}

func FuzzReactAsyncBody(f *testing.F) {
	fx := newReactorFixture(f, []vault.Option{vault.WithReactorWorkers(0)})
	fuzzBodyOn(f, fx, "POST", "/reactors/{echo_reactor}/react-async", "invoker", true, reactSeeds...)
}

// reactSeeds are the react bodies of TestReact.
var reactSeeds = []string{
	`{"args":{"card":"{{ {card} }}","number":"{{ token: {card} | json: '$.data.number' }}","last4":"{{ {ssn} | last4 }}","plain":"p","n":[1,2.5,true,null]}}`,
	`{"args":null}`, `{"args":{"a":"b"},"callback_url":"https://example.com/cb","other":1}`, `{"callback_url":1}`,
	`{"args":{"x":"{{ 00000000-0000-0000-0000-000000000000 }}"}}`, `{"args":{"bad":"{{ {card} | no_such_filter }}"}}`,
	`{"args":"{{ {ssn} }}"}`, `{"args":[1,"{{","}}",{"n":12345678901234567890123}]}`, `{"args":{"deep":[[[[[[[[[[{}]]]]]]]]]]}}`,
	`{"key":"value"}`,
}

func FuzzCreateReactorFormulaBody(f *testing.F) {
	fuzzBodyOn(f, newReactorFixture(f, nil), "POST", "/reactor-formulas", "mgmt", false,
		`{"name":"Charge","type":"private","code":"module.exports = async () => ({})","configuration":[{"name":"API_KEY","type":"string"}],"request_parameters":[{"name":"card.number","type":"string"},{"name":"amount","type":"number","optional":true}]}`,
		`{"type":"robot","code":"x","configuration":[{"name":"a.b","type":"date"}]}`,
		`{"name":"x","code":"x","request_parameters":[{"name":"a","type":"string","optional":"yes"}]}`,
		`{"name":"x","code":"x","icon":"data:image/png;base64,iVBORw0KGgo="}`, `{"name":"x","code":"x","status":"coming_soon"}`)
}

func FuzzListReactorsQuery(f *testing.F) {
	fuzzQueryOn(f, newReactorFixture(f, nil), "/reactors", "mgmt",
		"name=ech", "name=custom_*", "name=%3F%3F%3F%3F", "id={echo_reactor}&id=unknown", "page=2&size=3", "name=a&name=b", "name=*%2A*%2A*%2A*%2A*%2A*%2Ab")
}

func FuzzListReactorFormulasQuery(f *testing.F) {
	fuzzQueryOn(f, newReactorFixture(f, nil), "/reactor-formulas", "mgmt", "name=char", "size=1000", "page=3&size=1", "name=*")
}

// exchangeFixture is a fixture with an exchange of each official template
// ({exchange_number}, {exchange_parts}) and a private application that may
// exchange cards ({exchanger}).
func exchangeFixture(f *testing.F) *fixture {
	fx := newFixture(f, nil)
	ctx := f.Context()
	for name, req := range map[string]vault.CreateExchangeRequest{
		"exchange_number": {Name: "n", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardNumber}},
		"exchange_parts": {Name: "p", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardBINLast4},
			Configuration: vault.Secrets{"BIN_LENGTH": "6", "INCLUDE_EXPIRATION": "true"}},
	} {
		ex, err := fx.v.CreateExchange(ctx, req)
		if err != nil {
			f.Fatal(err)
		}
		fx.vars[name] = ex.ID
	}
	app, err := fx.v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "exchanger", Type: vault.AppPrivate,
		Permissions: []string{vault.PermExchangeInvoke, vault.PermTokenCreate}})
	if err != nil {
		f.Fatal(err)
	}
	fx.vars["exchanger"] = app.Key.Reveal()
	return fx
}

func FuzzCreateExchangeBody(f *testing.F) {
	fuzzBodyOn(f, exchangeFixture(f), "POST", "/exchanges", "mgmt", false,
		`{"name":"My Exchange","configuration":{"HMAC_KEY":"key_abcd1234"},"template":{"id":"`+vault.ExchangeTemplateCardPseudonym+`"}}`,
		`{"name":"x","configuration":{"BIN_LENGTH":8.50,"INCLUDE_EXPIRATION":true},"template":{"id":"`+vault.ExchangeTemplateCardBINLast4+`"}}`,
		`{"name":"x","configuration":{"BIN_LENGTH":{"a":1},"NOPE":null},"template":{"id":"`+vault.ExchangeTemplateCardBINLast4+`"}}`,
		`{"name":"x","configuration":[1],"template":"id"}`, `{"name":"x","template":{"id":"{exchange_number}"}}`)
}

func FuzzUpdateExchangeBody(f *testing.F) {
	fuzzBodyOn(f, exchangeFixture(f), "PUT", "/exchanges/{exchange_parts}", "mgmt", false,
		`{"name":"renamed","configuration":{"BIN_LENGTH":"8","INCLUDE_EXPIRATION":"false"}}`,
		`{"name":"renamed","configuration":{"BIN_LENGTH":-1e3,"INCLUDE_EXPIRATION":"maybe"}}`, `{"name":1}`)
}

func FuzzCreateExchangeTemplateBody(f *testing.F) {
	fuzzBody(f, "POST", "/exchange-templates", "mgmt",
		`{"name":"Last four","source_token_type":"card","code":"module.exports = async (c) => ({ data: c.sourceToken.data.number.slice(-4) })","configuration":[{"name":"A","type":"string"}]}`,
		`{"name":"x","type":"official","source_token_type":"bank","icon":"data:image/png;base64,iVBO","code":"module.exports = ("}`,
		`{"name":"x","source_token_type":"card","code":"x","configuration":[{"name":"a.b","type":"date"},{}]}`)
}

func FuzzExchangeTokenBody(f *testing.F) {
	fuzzBodyOn(f, exchangeFixture(f), "POST", "/exchanges/{exchange_parts}/exchange", "exchanger", false,
		`{"token_id":"{card}"}`, `{"token_id":"{ssn}"}`, `{"token_id":"nope"}`, `{"token_id":12}`, `{"token_id":""}`)
}

func FuzzCreateConnectionBody(f *testing.F) {
	fuzzBody(f, "POST", "/orchestration/connections", "mgmt",
		`{"connection_formula_id":"mock-card","method":"card","display_name":"Sim","fields":[{"key":"api_key","value":"sim_test_0123456789"}],"accepted_countries":["US","DE"],"accepted_currencies":["USD"],"active":true}`,
		`{"connection_formula_id":"stripe-card","method":"card","display_name":"Stripe (Production)","fields":[{"key":"secret_key","value":"sk_test_26PHem9A"},{"key":"stripe_account","value":"acct_1"}],"accepted_countries":["US","GB","DE"],"accepted_currencies":["EUR","USD","GBP"]}`,
		`{"connection_formula_id":"mock-card","method":"ideal","display_name":"","fields":[{"key":"nope","value":1},{}],"accepted_countries":["usa"],"accepted_currencies":["xx"],"active":"yes"}`,
		`{"connection_formula_id":"adyen-card","method":"card","display_name":"A","fields":null,"accepted_countries":[],"accepted_currencies":null}`)
}

func FuzzUpdateConnectionBody(f *testing.F) {
	fx := newFixture(f, nil)
	c, err := fx.v.CreateConnection(f.Context(), vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Sim",
		Fields: []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret("sim_test_0123456789")}}, AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	if err != nil {
		f.Fatal(err)
	}
	fx.vars["connection"] = c.ID
	fuzzBodyOn(f, fx, "PUT", "/orchestration/connections/{connection}", "mgmt", false,
		`{"connection_formula_id":"mock-card","method":"card","display_name":"Sim 2","fields":[{"key":"api_key","value":"sim_test_0123456789"},{"key":"merchant_id","value":"m\n2"}],"accepted_countries":["US"],"accepted_currencies":["USD"],"active":false}`)
}
