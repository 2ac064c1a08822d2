package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
)

// scenario is one request through the handler and what must come back, in
// the manner of pocketbase's tests.ApiScenario.
type scenario struct {
	Name    string
	Method  string
	URL     string // {name} is replaced by a fixture key or id
	Headers map[string]string
	Body    string
	// Status is the expected status code.
	Status int
	// Contains and NotContains are fragments of the body.
	Contains    []string
	NotContains []string
	// JSON maps dotted paths of the decoded body to expected values
	// (strings compare with json.Number and strings alike).
	JSON map[string]any
	// Fields are field paths the ProblemDetails must name.
	Fields []string
	// NotProblem marks a failure status whose body is not a ProblemDetails
	// (a reactor's CustomHttpResponseError).
	NotProblem bool
	// Check runs further assertions.
	Check func(t *testing.T, f *fixture, res *http.Response, body []byte)
}

func (s scenario) run(t *testing.T, f *fixture) {
	t.Helper()
	res, body := f.do(t, s.Method, s.URL, s.Headers, s.Body)
	require.Equal(t, s.Status, res.StatusCode, "body: %s", body)
	assert.NotEmpty(t, res.Header.Get("BT-TRACE-ID"))
	for _, c := range s.Contains {
		assert.Contains(t, string(body), f.expand(c))
	}
	for _, c := range s.NotContains {
		assert.NotContains(t, string(body), f.expand(c))
	}
	if len(s.JSON) > 0 {
		doc := decodeJSON(t, body)
		for path, want := range s.JSON {
			got := field(doc, path)
			if w, ok := want.(string); ok {
				want = f.expand(w)
				if n, ok := got.(json.Number); ok {
					got = n.String()
				}
			}
			assert.Equal(t, want, got, "JSON at %s in %s", path, body)
		}
	}
	if res.StatusCode >= 400 && !s.NotProblem {
		p := problem(t, res, body)
		for _, path := range s.Fields {
			assert.Contains(t, p.Errors, path, "fields of %s", body)
		}
	}
	if s.Check != nil {
		s.Check(t, f, res, body)
	}
}

func runScenarios(t *testing.T, f *fixture, scenarios []scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) { s.run(t, f) })
	}
}

const cardBody = `{"type":"card","data":{"number":"4242424242424242","expiration_month":12,"expiration_year":2030,"cvc":"123"},"metadata":{"order":"o-1"}}`

func TestTokens(t *testing.T) {
	f := newFixture(t, nil)
	runScenarios(t, f, []scenario{
		{
			Name: "create card", Method: "POST", URL: "/tokens", Headers: key("private"), Body: cardBody,
			Status: http.StatusCreated,
			JSON: map[string]any{
				"type": "card", "data.number": "4242424242424242", "data.expiration_month": "12",
				"card.last4": "4242", "metadata.order": "o-1", "containers.0": "/pci/high/", "_extras.deduplicated": false,
			},
		},
		{
			Name: "create masked for a permissions-only app", Method: "POST", URL: "/tokens", Headers: key("masked"), Body: cardBody,
			Status: http.StatusCreated, JSON: map[string]any{"data.number": "XXXXXXXXXXXX4242"},
		},
		{
			Name: "create keeps every digit of a number", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body:   `{"type":"token","data":{"n":12345678901234567890123,"f":0.10000000000000000001}}`,
			Status: http.StatusCreated, Contains: []string{`"n":12345678901234567890123`, `"f":0.10000000000000000001`},
		},
		{
			Name: "create with a custom id", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"id":"order-42_card","type":"card_number","data":"4242424242424242"}`, Status: http.StatusCreated,
			JSON: map[string]any{"id": "order-42_card", "data": "4242424242424242"},
		},
		{
			Name: "create with a taken custom id", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"id":"{custom}","type":"token","data":"y"}`, Status: http.StatusConflict,
		},
		{
			Name: "create with legacy X-API-KEY", Method: "POST", URL: "/tokens", Headers: map[string]string{"X-API-KEY": "{private}"},
			Body: `{"type":"token","data":"v"}`, Status: http.StatusCreated,
		},
		{
			Name: "create fails Luhn", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"card","data":{"number":"4242424242424241"}}`, Status: http.StatusBadRequest,
			Fields: []string{"data.number"}, NotContains: []string{"4242424242424241"},
		},
		{
			Name: "create with a wrongly typed field", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":"v","metadata":{"k":1}}`, Status: http.StatusBadRequest, Fields: []string{"metadata.k"},
		},
		{
			Name: "create with a bad expires_at", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":"v","expires_at":"8/26/2030 7:23:57 PM -07:00"}`, Status: http.StatusBadRequest,
			Fields: []string{"expires_at"}, NotContains: []string{"8/26/2030"},
		},
		{
			Name: "create with malformed JSON", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":"4111111111111111"`, Status: http.StatusBadRequest, NotContains: []string{"4111"},
		},
		{
			Name: "create with no body", Method: "POST", URL: "/tokens", Headers: key("private"), Status: http.StatusBadRequest,
		},
		{
			Name: "create with trailing data", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":"v"} {}`, Status: http.StatusBadRequest,
		},
		{
			Name: "create ignores unknown fields", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":"v","privacy":{"impact_level":"high"},"whatever":1}`, Status: http.StatusCreated,
		},
		{
			Name: "create without token:create", Method: "POST", URL: "/tokens", Headers: key("pci"),
			Body: `{"type":"token","data":"v"}`, Status: http.StatusForbidden,
		},
		{
			Name: "create with a public key", Method: "POST", URL: "/tokens", Headers: key("public"),
			Body: `{"type":"token","data":"v"}`, Status: http.StatusCreated, NotContains: []string{`"data":"v"`},
		},
		{
			Name: "get revealed", Method: "GET", URL: "/tokens/{card}", Headers: key("private"), Status: http.StatusOK,
			JSON: map[string]any{"id": "{card}", "data.number": "4242424242424242", "metadata.customer": "c-1"},
		},
		{
			Name: "get masked", Method: "GET", URL: "/tokens/{ssn}", Headers: key("masked"), Status: http.StatusOK,
			JSON: map[string]any{"data": "XXX-XX-6789"},
		},
		{
			Name: "get outside the rules", Method: "GET", URL: "/tokens/{ssn}", Headers: key("pci"), Status: http.StatusForbidden,
			NotContains: []string{"6789"},
		},
		{
			Name: "get a custom id, URL-encoded", Method: "GET", URL: "/tokens/" + url.PathEscape("my_custom:id@example.com"), Headers: key("private"),
			Status: http.StatusOK, JSON: map[string]any{"id": "my_custom:id@example.com"},
		},
		{
			Name: "get a custom id, percent-encoded throughout", Method: "GET", URL: "/tokens/my_custom%3Aid%40example.com", Headers: key("private"),
			Status: http.StatusOK, JSON: map[string]any{"id": "my_custom:id@example.com"},
		},
		{
			Name: "get unknown", Method: "GET", URL: "/tokens/00000000-0000-0000-0000-000000000000", Headers: key("private"), Status: http.StatusNotFound,
		},
		{
			Name: "update merge patch", Method: "PATCH", URL: "/tokens/{card}",
			Headers: with(key("private"), "Content-Type", "application/merge-patch+json"),
			Body:    `{"data":{"expiration_year":2031},"metadata":{"customer":null,"plan":"gold"}}`, Status: http.StatusOK,
			JSON: map[string]any{"data.number": "4242424242424242", "data.expiration_year": "2031", "metadata.plan": "gold", "metadata.customer": nil},
		},
		{
			Name: "update with charset parameter", Method: "PATCH", URL: "/tokens/{token}",
			Headers: with(key("private"), "Content-Type", "application/merge-patch+json; charset=utf-8"),
			Body:    `{"metadata":{"a":"b"}}`, Status: http.StatusOK, JSON: map[string]any{"metadata.a": "b"},
		},
		{
			Name: "update with expires_at then null removes it", Method: "PATCH", URL: "/tokens/{token}",
			Headers: with(key("private"), "Content-Type", "application/merge-patch+json"),
			Body:    `{"expires_at":"2099-01-01T00:00:00Z"}`, Status: http.StatusOK, JSON: map[string]any{"expires_at": "2099-01-01T00:00:00Z"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, body := f.do(t, "PATCH", "/tokens/{token}", with(key("private"), "Content-Type", "application/merge-patch+json"), `{"expires_at":null}`)
				require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
				assert.Nil(t, field(decodeJSON(t, body), "expires_at"))
			},
		},
		{
			Name: "update as application/json", Method: "PATCH", URL: "/tokens/{card}",
			Headers: with(key("private"), "Content-Type", "application/json"), Body: `{"metadata":{"a":"b"}}`,
			Status: http.StatusUnsupportedMediaType,
		},
		{
			Name: "update without content type", Method: "PATCH", URL: "/tokens/{card}", Headers: key("private"),
			Body: `{"metadata":{"a":"b"}}`, Status: http.StatusUnsupportedMediaType,
		},
		{
			Name: "update with a wrongly typed field", Method: "PATCH", URL: "/tokens/{card}",
			Headers: with(key("private"), "Content-Type", "application/merge-patch+json"),
			Body:    `{"search_indexes":"{{ data }}"}`, Status: http.StatusBadRequest, Fields: []string{"search_indexes"},
		},
		{
			Name: "update unknown", Method: "PATCH", URL: "/tokens/nope-nope",
			Headers: with(key("private"), "Content-Type", "application/merge-patch+json"),
			Body:    `{"metadata":{"a":"b"}}`, Status: http.StatusNotFound,
		},
		{
			Name: "delete", Method: "DELETE", URL: "/tokens/{ssn}", Headers: key("private"), Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				assert.Empty(t, body)
				res, _ := f.do(t, "GET", "/tokens/{ssn}", key("private"), "")
				assert.Equal(t, http.StatusNotFound, res.StatusCode)
			},
		},
		{
			Name: "delete without token:delete", Method: "DELETE", URL: "/tokens/{card}", Headers: key("creator"), Status: http.StatusForbidden,
		},
		{
			Name: "delete enlisted in an unknown transaction", Method: "DELETE", URL: "/tokens/{card}",
			Headers: with(key("private"), "BT-TRANSACTION-ID", "d2b1c9a6-0000-4000-8000-000000000000"), Status: http.StatusNotFound,
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, _ := f.do(t, "GET", "/tokens/{card}", key("private"), "")
				assert.Equal(t, http.StatusOK, res.StatusCode, "the token must still exist")
			},
		},
		{
			Name: "read in an unknown transaction", Method: "GET", URL: "/tokens/{card}",
			Headers: with(key("private"), "BT-TRANSACTION-ID", "d2b1c9a6-0000-4000-8000-000000000000"), Status: http.StatusNotFound,
		},
	})
}

func TestTokenLists(t *testing.T) {
	f := newFixture(t, nil)
	for i := range 5 {
		res, body := f.do(t, "POST", "/tokens", key("private"),
			`{"type":"token","data":"listed-`+string(rune('a'+i))+`","metadata":{"batch":"b1"},"search_indexes":["{{ data }}"],"containers":["/list/"]}`)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	}
	runScenarios(t, f, []scenario{
		{
			Name: "v2 list by container, paged", Method: "GET", URL: "/v2/tokens?container=/list/&size=2", Headers: key("private"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.page_size": "2"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				seen := 0
				next := field(decodeJSON(t, body), "pagination.next")
				seen += len(field(decodeJSON(t, body), "data").([]any))
				for next != nil {
					res, b := f.do(t, "GET", "/v2/tokens?container=/list/&size=2&start="+url.QueryEscape(next.(string)), key("private"), "")
					require.Equal(t, http.StatusOK, res.StatusCode)
					doc := decodeJSON(t, b)
					seen += len(field(doc, "data").([]any))
					next = field(doc, "pagination.next")
				}
				assert.Equal(t, 5, seen)
			},
		},
		{
			Name: "v2 list by metadata.key", Method: "GET", URL: "/v2/tokens?metadata.customer=c-1", Headers: key("private"),
			Status: http.StatusOK, Contains: []string{"{card}", "{ssn}"}, NotContains: []string{"listed-a"},
		},
		{
			Name: "v2 list by metadata as JSON, as the Node SDK sends it", Method: "GET",
			URL: "/v2/tokens?metadata=" + url.QueryEscape(`{"batch":"b1"}`), Headers: key("private"),
			Status: http.StatusOK, Contains: []string{"listed-a", "listed-e"}, NotContains: []string{"{card}"},
		},
		{
			Name: "v2 list by metadata[key]", Method: "GET", URL: "/v2/tokens?metadata%5Bbatch%5D=b1&type=token", Headers: key("private"),
			Status: http.StatusOK, Contains: []string{"listed-c"},
		},
		{
			Name: "v2 list by type", Method: "GET", URL: "/v2/tokens?type=social_security_number", Headers: key("private"),
			Status: http.StatusOK, JSON: map[string]any{"data.0.id": "{ssn}"},
		},
		{
			Name: "v2 list leaves out what the caller may not read", Method: "GET", URL: "/v2/tokens?metadata.customer=c-1", Headers: key("pci"),
			Status: http.StatusOK, Contains: []string{"{card}"}, NotContains: []string{"{ssn}"},
		},
		{
			Name: "v2 list empty is an empty array", Method: "GET", URL: "/v2/tokens?type=bank", Headers: key("private"),
			Status: http.StatusOK, Contains: []string{`"data":[]`},
		},
		{
			Name: "v2 list with a bad size", Method: "GET", URL: "/v2/tokens?size=abc", Headers: key("private"),
			Status: http.StatusBadRequest, Fields: []string{"size"},
		},
		{
			Name: "v2 list with a size too large", Method: "GET", URL: "/v2/tokens?size=101", Headers: key("private"),
			Status: http.StatusBadRequest, Fields: []string{"size"},
		},
		{
			Name: "v2 list with bad metadata JSON", Method: "GET", URL: "/v2/tokens?metadata=%7Bnope", Headers: key("private"),
			Status: http.StatusBadRequest, Fields: []string{"metadata"},
		},
		{
			Name: "v2 list with a bad cursor", Method: "GET", URL: "/v2/tokens?start=%21%21", Headers: key("private"),
			Status: http.StatusBadRequest,
		},
		{
			Name: "v2 search", Method: "POST", URL: "/v2/tokens/search", Headers: key("private"),
			Body: `{"query":"data:listed-b","start":null,"size":20}`, Status: http.StatusOK,
			JSON: map[string]any{"data.0.data": "listed-b", "pagination.page_size": "20"},
		},
		{
			Name: "v2 search with container", Method: "POST", URL: "/v2/tokens/search", Headers: key("private"),
			Body: `{"query":"metadata.batch:b1 AND container:/list/"}`, Status: http.StatusOK, Contains: []string{"listed-d"},
		},
		{
			Name: "v2 search with a bad query", Method: "POST", URL: "/v2/tokens/search", Headers: key("private"),
			Body: `{"query":"data:("}`, Status: http.StatusBadRequest, Fields: []string{"query"},
		},
		{
			Name: "v2 search with size as a string", Method: "POST", URL: "/v2/tokens/search", Headers: key("private"),
			Body: `{"query":"type:token","size":"10"}`, Status: http.StatusBadRequest, Fields: []string{"size"},
		},
		{
			Name: "v2 search without token:search", Method: "POST", URL: "/v2/tokens/search", Headers: key("pci"),
			Body: `{"query":"type:card"}`, Status: http.StatusOK, Contains: []string{`"data":[]`},
		},
		{
			Name: "v1 list offset pages", Method: "GET", URL: "/tokens?metadata.batch=b1&page=2&size=2", Headers: key("private"),
			Status: http.StatusOK,
			JSON:   map[string]any{"pagination.total_items": "5", "pagination.page_number": "2", "pagination.page_size": "2", "pagination.total_pages": "3"},
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				assert.Len(t, field(decodeJSON(t, body), "data"), 2)
			},
		},
		{
			Name: "v1 list by ids", Method: "GET", URL: "/tokens?id={card}&id={ssn}&id=unknown-id", Headers: key("private"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "2", "data.0.id": "{card}", "data.1.id": "{ssn}"},
		},
		{
			Name: "v1 list past the end", Method: "GET", URL: "/tokens?page=9", Headers: key("private"),
			Status: http.StatusOK, Contains: []string{`"data":[]`, `"page_number":9`},
		},
		{
			Name: "v1 list with page 0", Method: "GET", URL: "/tokens?page=0", Headers: key("private"),
			Status: http.StatusBadRequest, Fields: []string{"page"},
		},
		{
			Name: "v1 search", Method: "POST", URL: "/tokens/search", Headers: key("private"),
			Body: `{"query":"metadata.batch:b1","page":1,"size":3}`, Status: http.StatusOK,
			JSON: map[string]any{"pagination.total_items": "5", "pagination.total_pages": "2", "pagination.page_size": "3"},
		},
		{
			Name: "v1 search with a bad query", Method: "POST", URL: "/tokens/search", Headers: key("private"),
			Body: `{"query":"nofield"}`, Status: http.StatusBadRequest, Fields: []string{"query"},
		},
		{
			Name: "v1 search with a negative page", Method: "POST", URL: "/tokens/search", Headers: key("private"),
			Body: `{"query":"type:token","page":-1}`, Status: http.StatusBadRequest, Fields: []string{"page"},
		},
	})
}

func TestTokenizeDetokenize(t *testing.T) {
	f := newFixture(t, nil)
	runScenarios(t, f, []scenario{
		{
			Name: "tokenize nested", Method: "POST", URL: "/tokenize", Headers: key("private"),
			Body:   `{"first_name":"John","card":{"type":"card_number","data":"4242424242424242"},"tags":["vip",{"type":"token","data":"x"}],"n":null}`,
			Status: http.StatusOK,
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				assert.NotEqual(t, "John", field(doc, "first_name"))
				assert.Equal(t, "card_number", field(doc, "card.type"))
				assert.IsType(t, "", field(doc, "tags.0"))
				assert.Equal(t, "token", field(doc, "tags.1.type"))
				assert.Nil(t, field(doc, "n"))
			},
		},
		{
			Name: "tokenize a top-level array", Method: "POST", URL: "/tokenize", Headers: key("private"),
			Body: `["a","b"]`, Status: http.StatusOK,
		},
		{
			Name: "tokenize over the limit", Method: "POST", URL: "/tokenize", Headers: key("private"),
			Body: `["1","2","3","4","5","6"]`, Status: http.StatusBadRequest,
		},
		{
			Name: "tokenize malformed", Method: "POST", URL: "/tokenize", Headers: key("private"),
			Body: `{"a":`, Status: http.StatusBadRequest,
		},
		{
			Name: "tokenize in an unknown transaction", Method: "POST", URL: "/tokenize",
			Headers: with(key("private"), "BT-TRANSACTION-ID", "nope"), Body: `["a"]`, Status: http.StatusNotFound,
		},
		{
			Name: "detokenize", Method: "POST", URL: "/detokenize", Headers: key("private"),
			Body: `{"number":"{{ {card} | json: '$.number' }}","whole":"{{ token: {ssn} }}","text":"ssn {{ {ssn} | last4 }}"}`, Status: http.StatusOK,
			JSON: map[string]any{"number": "4242424242424242", "whole.id": "{ssn}", "text": "ssn 6789"},
		},
		{
			Name: "detokenize masked", Method: "POST", URL: "/detokenize", Headers: key("masked"),
			Body: `{"ssn":"{{ {ssn} }}"}`, Status: http.StatusOK, JSON: map[string]any{"ssn": "XXX-XX-6789"},
		},
		{
			Name: "detokenize forbidden", Method: "POST", URL: "/detokenize", Headers: key("pci"),
			Body: `{"ssn":"{{ {ssn} }}"}`, Status: http.StatusForbidden,
		},
		{
			Name: "detokenize an unknown token", Method: "POST", URL: "/detokenize", Headers: key("private"),
			Body: `{"x":"{{ 00000000-0000-0000-0000-000000000000 }}"}`, Status: http.StatusBadRequest,
		},
		{
			Name: "detokenize a bare number keeps its digits", Method: "POST", URL: "/detokenize", Headers: key("private"),
			Body: `{"n":12345678901234567890123}`, Status: http.StatusOK, Contains: []string{"12345678901234567890123"},
		},
	})
}

func TestApplications(t *testing.T) {
	f := newFixture(t, nil)
	runScenarios(t, f, []scenario{
		{
			Name: "create private with rules", Method: "POST", URL: "/applications", Headers: key("mgmt"),
			Body:   `{"name":"Backend","type":"private","rules":[{"description":"pci","priority":1,"container":"/pci/","transform":"reveal","permissions":["token:read"]}]}`,
			Status: http.StatusCreated, JSON: map[string]any{"name": "Backend", "type": "private", "rules.0.container": "/pci/"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				k, _ := field(doc, "key").(string)
				assert.True(t, strings.HasPrefix(k, "key_pvt_"), "the plaintext key (vault.Secret revealed): %s", body)
				assert.Equal(t, k, field(doc, "keys.0.key"))
				res, _ := f.do(t, "GET", "/applications/key", map[string]string{"BT-API-KEY": k}, "")
				assert.Equal(t, http.StatusOK, res.StatusCode, "the key works")
				assert.NotContains(t, f.logs.String(), k, "the key is not logged")
			},
		},
		{
			Name: "create without a key", Method: "POST", URL: "/applications", Headers: key("mgmt"),
			Body: `{"name":"Keyless","type":"public","permissions":["token:create"],"create_key":false}`, Status: http.StatusCreated,
			NotContains: []string{`"key"`},
		},
		{
			Name: "create invalid", Method: "POST", URL: "/applications", Headers: key("mgmt"),
			Body: `{"type":"private","rules":[{"priority":1,"transform":"shout","permissions":["token:read"]}]}`, Status: http.StatusBadRequest,
			Fields: []string{"name", "rules[0].transform", "rules[0].container"},
		},
		{
			Name: "create with a wrongly typed rule", Method: "POST", URL: "/applications", Headers: key("mgmt"),
			Body: `{"name":"x","type":"private","rules":[{"priority":"first"}]}`, Status: http.StatusBadRequest,
			Fields: []string{"rules[0].priority"},
		},
		{
			Name: "create with a private key", Method: "POST", URL: "/applications", Headers: key("private"),
			Body: `{"name":"x","type":"private","permissions":["token:read"]}`, Status: http.StatusForbidden,
		},
		{
			Name: "list offset", Method: "GET", URL: "/applications?size=2&page=1", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.page_number": "1", "pagination.page_size": "2"},
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				assert.Len(t, field(decodeJSON(t, body), "data"), 2)
			},
		},
		{
			Name: "list by ids and type", Method: "GET", URL: "/applications?id={private_app}&id={public_app}&type=public", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "1", "data.0.id": "{public_app}"},
		},
		{
			Name: "list with two types", Method: "GET", URL: "/applications?type=public&type=private", Headers: key("mgmt"),
			Status: http.StatusBadRequest, Fields: []string{"type"},
		},
		{
			Name: "get", Method: "GET", URL: "/applications/{private_app}", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"id": "{private_app}", "keys.0.id": "{private_key}"}, NotContains: []string{"{private}"},
		},
		{
			Name: "get by key", Method: "GET", URL: "/applications/key", Headers: key("public"), Status: http.StatusOK,
			JSON: map[string]any{"id": "{public_app}", "type": "public"},
		},
		{
			Name: "get unknown", Method: "GET", URL: "/applications/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"), Status: http.StatusNotFound,
		},
		{
			Name: "update", Method: "PUT", URL: "/applications/{creator_app}", Headers: key("mgmt"),
			Body: `{"name":"Creator 2","permissions":["token:create","token:read"]}`, Status: http.StatusOK,
			JSON: map[string]any{"name": "Creator 2", "permissions.1": "token:read"},
		},
		{
			Name: "create key", Method: "POST", URL: "/applications/{creator_app}/keys", Headers: key("mgmt"), Status: http.StatusCreated,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				k, id := field(doc, "key").(string), field(doc, "id").(string)
				require.True(t, strings.HasPrefix(k, "key_"), "the plaintext key: %s", body)
				assert.NotContains(t, f.logs.String(), k)
				res, _ := f.do(t, "GET", "/applications/key", map[string]string{"BT-API-KEY": k}, "")
				assert.Equal(t, http.StatusOK, res.StatusCode)
				res, b := f.do(t, "GET", "/applications/{creator_app}/keys/"+id, key("mgmt"), "")
				assert.Equal(t, http.StatusOK, res.StatusCode)
				assert.NotContains(t, string(b), k)
				res, _ = f.do(t, "DELETE", "/applications/{creator_app}/keys/"+id, key("mgmt"), "")
				assert.Equal(t, http.StatusNoContent, res.StatusCode)
				res, _ = f.do(t, "GET", "/applications/key", map[string]string{"BT-API-KEY": k}, "")
				assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			},
		},
		{
			Name: "list keys", Method: "GET", URL: "/applications/{private_app}/keys", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"0.id": "{private_key}"}, NotContains: []string{"{private}"},
		},
		{
			Name: "get an unknown key", Method: "GET", URL: "/applications/{private_app}/keys/nope", Headers: key("mgmt"), Status: http.StatusNotFound,
		},
		{
			Name: "delete an unknown key", Method: "DELETE", URL: "/applications/{private_app}/keys/nope", Headers: key("mgmt"), Status: http.StatusNotFound,
		},
		{
			Name: "delete", Method: "DELETE", URL: "/applications/{public_app}", Headers: key("mgmt"), Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, _ := f.do(t, "GET", "/applications/key", key("public"), "")
				assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			},
		},
		{
			Name: "permissions for public apps", Method: "GET", URL: "/permissions?application_type=public", Headers: key("mgmt"), Status: http.StatusOK,
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				var perms []vault.PermissionInfo
				require.NoError(t, json.Unmarshal(body, &perms))
				var names []string
				for _, p := range perms {
					names = append(names, p.Type)
					assert.Contains(t, p.ApplicationTypes, "public")
				}
				assert.ElementsMatch(t, []string{"token:create", "token:update"}, names)
			},
		},
		{
			Name: "permissions, all", Method: "GET", URL: "/permissions", Headers: key("private"), Status: http.StatusOK,
			Contains: []string{`"type":"application:create"`},
		},
		{
			Name: "permissions of an unknown type", Method: "GET", URL: "/permissions?application_type=robot", Headers: key("mgmt"),
			Status: http.StatusOK, Contains: []string{"[]"},
		},
	})
}

func TestSessions(t *testing.T) {
	f := newFixture(t, nil)
	var session struct {
		SessionKey string `json:"session_key"`
		Nonce      string `json:"nonce"`
	}
	runScenarios(t, f, []scenario{
		{
			Name: "create with a public key", Method: "POST", URL: "/sessions", Headers: key("public"), Status: http.StatusCreated,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				require.NoError(t, json.Unmarshal(body, &session))
				require.True(t, strings.HasPrefix(session.SessionKey, "key_ses_"), "the plaintext key (vault.Secret revealed): %s", body)
				require.NotEmpty(t, session.Nonce)
				require.NotContains(t, session.Nonce, "REDACTED")
				assert.NotContains(t, f.logs.String(), session.SessionKey)
				assert.NotContains(t, f.logs.String(), session.Nonce)
				f.vars["session"], f.vars["nonce"] = session.SessionKey, session.Nonce
			},
		},
		{
			Name: "create with a private key", Method: "POST", URL: "/sessions", Headers: key("private"), Status: http.StatusForbidden,
		},
		{
			Name: "the session reads nothing yet", Method: "GET", URL: "/tokens/{card}", Headers: key("session"), Status: http.StatusForbidden,
		},
		{
			Name: "authorize with a public key", Method: "POST", URL: "/sessions/authorize", Headers: key("public"),
			Body: `{"nonce":"{nonce}","permissions":["token:read"]}`, Status: http.StatusForbidden,
		},
		{
			Name: "authorize invalid", Method: "POST", URL: "/sessions/authorize", Headers: key("private"),
			Body:   `{"nonce":"","rules":[{"priority":1,"transform":"reveal","permissions":["token:read"],"conditions":[{"attribute":"name","operator":"equals","value":"x"}]}]}`,
			Status: http.StatusBadRequest, Fields: []string{"nonce", "rules[0].conditions[0].attribute"},
		},
		{
			Name: "authorize with conditions", Method: "POST", URL: "/sessions/authorize", Headers: key("private"),
			Body:   `{"nonce":"{nonce}","rules":[{"priority":1,"transform":"reveal","permissions":["token:read"],"conditions":[{"attribute":"id","operator":"equals","value":"{card}"}]}]}`,
			Status: http.StatusOK,
			Check: func(t *testing.T, _ *fixture, res *http.Response, body []byte) {
				assert.Empty(t, body)
				assert.Empty(t, res.Header.Get("Content-Type"))
			},
		},
		{
			Name: "the nonce works once", Method: "POST", URL: "/sessions/authorize", Headers: key("private"),
			Body: `{"nonce":"{nonce}","permissions":["token:read"]}`, Status: http.StatusNotFound,
		},
		{
			Name: "the session reads its token", Method: "GET", URL: "/tokens/{card}", Headers: key("session"), Status: http.StatusOK,
			JSON: map[string]any{"data.number": "4242424242424242"},
		},
		{
			Name: "and only it", Method: "GET", URL: "/tokens/{ssn}", Headers: key("session"), Status: http.StatusForbidden,
		},
	})
}

// TestSessionScope reproduces the finding over HTTP: an application whose one
// rule is /a/, mask, token:read may not authorize a session to read / in
// plaintext (it was 200, and the session key then read a /b/ token).
func TestSessionScope(t *testing.T) {
	f := newFixture(t, nil)
	newSession := func(t *testing.T, f *fixture) {
		res, body := f.do(t, "POST", "/sessions", key("public"), "")
		require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", body)
		doc := decodeJSON(t, body)
		f.vars["session"], f.vars["nonce"] = field(doc, "session_key").(string), field(doc, "nonce").(string)
	}
	runScenarios(t, f, []scenario{
		{
			Name: "create L", Method: "POST", URL: "/applications", Headers: key("mgmt"), Status: http.StatusCreated,
			Body: `{"name":"L","type":"private","rules":[{"priority":1,"container":"/a/","transform":"mask","permissions":["token:read"]}]}`,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				f.vars["L"] = field(decodeJSON(t, body), "key").(string)
			},
		},
		{
			Name: "a token in /b/", Method: "POST", URL: "/tokens", Headers: key("private"), Status: http.StatusCreated,
			Body: `{"type":"token","data":"b secret","containers":["/b/"]}`,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				f.vars["b_token"] = field(decodeJSON(t, body), "id").(string)
			},
		},
		{
			Name: "a token in /a/", Method: "POST", URL: "/tokens", Headers: key("private"), Status: http.StatusCreated,
			Body: `{"type":"token","data":"a secret","containers":["/a/x/"],"mask":"{{ data | reveal_last: 2 }}"}`,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				f.vars["a_token"] = field(decodeJSON(t, body), "id").(string)
				newSession(t, f)
			},
		},
		{Name: "L cannot read /b/", Method: "GET", URL: "/tokens/{b_token}", Headers: key("L"), Status: http.StatusForbidden},
		{
			Name: "L cannot grant / in plaintext", Method: "POST", URL: "/sessions/authorize", Headers: key("L"), Status: http.StatusForbidden,
			Body:   `{"nonce":"{nonce}","rules":[{"priority":1,"container":"/","transform":"reveal","permissions":["token:read"]}]}`,
			Fields: []string{"rules[0].container", "rules[0].transform"}, NotContains: []string{"{nonce}"},
		},
		{Name: "so the session cannot read /b/", Method: "GET", URL: "/tokens/{b_token}", Headers: key("session"), Status: http.StatusForbidden},
		{
			Name: "nor reveal /a/", Method: "POST", URL: "/sessions/authorize", Headers: key("L"), Status: http.StatusForbidden,
			Body:   `{"nonce":"{nonce}","rules":[{"priority":1,"container":"/a/","transform":"reveal","permissions":["token:read"]}]}`,
			Fields: []string{"rules[0].transform"},
		},
		{
			Name: "nor grant another permission", Method: "POST", URL: "/sessions/authorize", Headers: key("L"), Status: http.StatusForbidden,
			Body:   `{"nonce":"{nonce}","rules":[{"priority":1,"container":"/a/","transform":"mask","permissions":["token:read","token:search"]}]}`,
			Fields: []string{"rules[0].permissions[1]"},
		},
		{
			Name: "L grants what it holds", Method: "POST", URL: "/sessions/authorize", Headers: key("L"), Status: http.StatusOK,
			Body: `{"nonce":"{nonce}","rules":[{"priority":1,"container":"/a/","transform":"mask","permissions":["token:read"]}]}`,
		},
		{
			Name: "the session reads /a/ masked", Method: "GET", URL: "/tokens/{a_token}", Headers: key("session"), Status: http.StatusOK,
			JSON: map[string]any{"data": "XXXXXXet"},
		},
		{Name: "and still not /b/", Method: "GET", URL: "/tokens/{b_token}", Headers: key("session"), Status: http.StatusForbidden},
		{
			Name: "nor lists it", Method: "GET", URL: "/v2/tokens", Headers: key("session"), Status: http.StatusOK,
			NotContains: []string{"{b_token}", "b secret"}, Contains: []string{"{a_token}"},
		},
	})
}

func TestTenant(t *testing.T) {
	f := newFixture(t, nil)
	_, other, err := f.v.CreateTenant(t.Context(), vault.CreateTenantRequest{Name: "Other"})
	require.NoError(t, err)
	f.vars["other"] = other.Key.Reveal()
	runScenarios(t, f, []scenario{
		{
			Name: "get", Method: "GET", URL: "/tenants/self", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"id": f.v.DefaultTenantID(), "name": "Default"},
		},
		{
			Name: "get with a private key", Method: "GET", URL: "/tenants/self", Headers: key("private"), Status: http.StatusForbidden,
		},
		{
			Name: "update settings", Method: "PUT", URL: "/tenants/self", Headers: key("mgmt"),
			Body: `{"name":"Acme","settings":{"deduplicate_tokens":"true"}}`, Status: http.StatusOK,
			JSON: map[string]any{"name": "Acme", "settings.deduplicate_tokens": "true"},
		},
		{
			Name: "update with a bad setting", Method: "PUT", URL: "/tenants/self", Headers: key("mgmt"),
			Body: `{"name":"Acme","settings":{"deduplicate_tokens":"sometimes"}}`, Status: http.StatusBadRequest,
			Fields: []string{"settings.deduplicate_tokens"},
		},
		{
			Name: "update with a non-string setting", Method: "PUT", URL: "/tenants/self", Headers: key("mgmt"),
			Body: `{"name":"Acme","settings":{"tokenize_limit":5}}`, Status: http.StatusBadRequest,
			Fields: []string{"settings.tokenize_limit"},
		},
		{
			Name: "the default tenant cannot be deleted", Method: "DELETE", URL: "/tenants/self", Headers: key("mgmt"), Status: http.StatusConflict,
		},
		{
			Name: "another tenant is", Method: "DELETE", URL: "/tenants/self", Headers: key("other"), Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, _ := f.do(t, "GET", "/tenants/self", key("other"), "")
				assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			},
		},
	})
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, nil)
	runScenarios(t, f, []scenario{
		{Name: "no key", Method: "GET", URL: "/tokens/{card}", Status: http.StatusUnauthorized},
		{Name: "no key on a create", Method: "POST", URL: "/tokens", Body: `{"type":"token","data":"v"}`, Status: http.StatusUnauthorized},
		{Name: "unknown key", Method: "GET", URL: "/tokens/{card}", Headers: map[string]string{"BT-API-KEY": "key_test_nope"}, Status: http.StatusUnauthorized,
			NotContains: []string{"key_test_nope"}},
		{Name: "key too long", Method: "GET", URL: "/tenants/self", Headers: map[string]string{"BT-API-KEY": strings.Repeat("k", 4000)}, Status: http.StatusUnauthorized},
		{Name: "unknown route", Method: "GET", URL: "/nothing/here", Headers: key("private"), Status: http.StatusNotFound},
		{Name: "unknown route needs no key", Method: "GET", URL: "/nothing/here", Status: http.StatusNotFound},
		{Name: "wrong method", Method: "PUT", URL: "/tokens/{card}", Headers: key("private"), Status: http.StatusMethodNotAllowed,
			Check: func(t *testing.T, _ *fixture, res *http.Response, _ []byte) {
				assert.Contains(t, res.Header.Get("Allow"), "PATCH")
			}},
	})
}

// anonymousRoutes are the routes served without an API key: the health
// probes (TestHealthProbes), and the proxy endpoint, which answers a call
// without one itself, wrapped in proxy_error (TestProxyNeedsAKey).
var anonymousRoutes = []string{"GET /healthz", "GET /readyz", "ANY /proxy", "ANY /proxy/{path...}"}

func TestEveryRouteNeedsAKey(t *testing.T) {
	f := newFixture(t, nil)
	for _, rt := range httpapi.Patterns(f.h) {
		if slices.Contains(anonymousRoutes, rt) {
			continue
		}
		t.Run(rt, func(t *testing.T) {
			method, path, _ := strings.Cut(rt, " ")
			path = strings.NewReplacer("{id}", "x", "{keyId}", "y", "{requestId}", "z").Replace(path)
			res, body := f.do(t, method, path, map[string]string{"Content-Type": "application/merge-patch+json"}, `{}`)
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			problem(t, res, body)
		})
	}
}
