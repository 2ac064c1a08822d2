package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestOversizedIDs: an id too long to be a storage key is answered as any
// unknown id, 404 on the routes that name it in their path (and in
// BT-TRANSACTION-ID), and 400 with its field path where a body names it,
// never 500.
func TestOversizedIDs(t *testing.T) {
	f := newReactorFixture(t, nil)
	f.vars["long"] = strings.Repeat("a", 5000)
	f.vars["zeros"] = strings.Repeat("%00", 2100) // fits the key limit until escaped
	var scenarios []scenario
	for _, id := range []string{"{long}", "{zeros}"} {
		for _, s := range []scenario{
			{Name: "get token", Method: "GET", URL: "/tokens/" + id, Headers: key("private"), Status: http.StatusNotFound},
			{Name: "update token", Method: "PATCH", URL: "/tokens/" + id, Headers: mergePatch("private"), Body: `{"metadata":{"a":"b"}}`, Status: http.StatusNotFound},
			{Name: "delete token", Method: "DELETE", URL: "/tokens/" + id, Headers: key("private"), Status: http.StatusNotFound},
			{Name: "token in a transaction", Method: "GET", URL: "/tokens/{token}", Headers: with(key("private"), "BT-TRANSACTION-ID", strings.Repeat("t", 5000)), Status: http.StatusNotFound},
			{Name: "commit", Method: "POST", URL: "/transactions/" + id + "/commit", Headers: key("private"), Status: http.StatusNotFound},
			{Name: "rollback", Method: "POST", URL: "/transactions/" + id + "/rollback", Headers: key("private"), Status: http.StatusNotFound},
			{Name: "get application", Method: "GET", URL: "/applications/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "update application", Method: "PUT", URL: "/applications/" + id, Headers: key("mgmt"), Body: `{"name":"n"}`, Status: http.StatusNotFound},
			{Name: "delete application", Method: "DELETE", URL: "/applications/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "create key", Method: "POST", URL: "/applications/" + id + "/keys", Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "list keys", Method: "GET", URL: "/applications/" + id + "/keys", Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "get key", Method: "GET", URL: "/applications/{private_app}/keys/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "delete key", Method: "DELETE", URL: "/applications/{private_app}/keys/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "get reactor", Method: "GET", URL: "/reactors/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "update reactor", Method: "PUT", URL: "/reactors/" + id, Headers: key("mgmt"), Body: `{"name":"n","code":"module.exports = async () => ({})"}`, Status: http.StatusNotFound},
			{Name: "patch reactor", Method: "PATCH", URL: "/reactors/" + id, Headers: mergePatch("mgmt"), Body: `{"name":"n"}`, Status: http.StatusNotFound},
			{Name: "delete reactor", Method: "DELETE", URL: "/reactors/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "react", Method: "POST", URL: "/reactors/" + id + "/react", Headers: key("invoker"), Body: `{"args":{}}`, Status: http.StatusNotFound},
			{Name: "react async", Method: "POST", URL: "/reactors/" + id + "/react-async", Headers: key("invoker"), Body: `{"args":{}}`, Status: http.StatusNotFound},
			{Name: "result", Method: "GET", URL: "/reactors/{echo_reactor}/results/" + id, Headers: key("invoker"), Status: http.StatusNotFound},
			{Name: "get formula", Method: "GET", URL: "/reactor-formulas/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
			{Name: "update formula", Method: "PUT", URL: "/reactor-formulas/" + id, Headers: key("mgmt"), Body: `{"name":"n","code":"x"}`, Status: http.StatusNotFound},
			{Name: "delete formula", Method: "DELETE", URL: "/reactor-formulas/" + id, Headers: key("mgmt"), Status: http.StatusNotFound},
		} {
			s.Name = id + "/" + s.Name
			scenarios = append(scenarios, s)
		}
	}
	scenarios = append(scenarios,
		scenario{Name: "create token with the id", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"id":"{long}","type":"token","data":"v"}`, Status: http.StatusBadRequest, Fields: []string{"id"}},
		scenario{Name: "create reactor for the application", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"name":"r","code":"module.exports = async () => ({})","application":{"id":"{long}"}}`, Status: http.StatusBadRequest, Fields: []string{"application.id"}},
		scenario{Name: "create reactor from the formula", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"name":"r","formula":{"id":"{long}"}}`, Status: http.StatusBadRequest, Fields: []string{"formula.id"}},
		scenario{Name: "list applications by the id", Method: "GET", URL: "/applications?id={long}", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.total_items": "0"}},
	)
	runScenarios(t, f, scenarios)
}

// TestInvalidText: a string that is not valid UTF-8 and a number beyond
// float64, anywhere the handler reads text (a JSON body, token data, ids,
// metadata, a path id, a query parameter, a header it reads), are 400 with
// the path or name of what holds them, instead of being rewritten to U+FFFD
// or passed on as a number no reader can hold.
func TestInvalidText(t *testing.T) {
	f := newReactorFixture(t, nil)
	const bad = "abc\xff\xfe"
	runScenarios(t, f, []scenario{
		{Name: "custom token id", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"id":"` + bad + `","type":"token","data":"v"}`, Status: http.StatusBadRequest, Fields: []string{"id"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, _ := f.do(t, "GET", "/tokens/abc%EF%BF%BD%EF%BF%BD", key("private"), "")
				assert.Equal(t, http.StatusNotFound, res.StatusCode, "nothing was stored under a rewritten id")
			}},
		{Name: "token data", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":{"note":"` + bad + `"}}`, Status: http.StatusBadRequest, Fields: []string{"data.note"}},
		{Name: "token data, escaped lone surrogate", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":["ok","\udc00"]}`, Status: http.StatusBadRequest, Fields: []string{"data[1]"}},
		{Name: "metadata key", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":"v","metadata":{"k` + bad + `":"v"}}`, Status: http.StatusBadRequest, Fields: []string{"metadata"}},
		{Name: "metadata value", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":"v","metadata":{"k":"` + bad + `"}}`, Status: http.StatusBadRequest, Fields: []string{"metadata.k"}},
		{Name: "data number over float64", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":1e999999}`, Status: http.StatusBadRequest, Fields: []string{"data"}},
		{Name: "data number under -float64", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body: `{"type":"token","data":{"n":[1,-1e400]}}`, Status: http.StatusBadRequest, Fields: []string{"data.n[1]"}},
		{Name: "merge patch", Method: "PATCH", URL: "/tokens/{token}", Headers: mergePatch("private"),
			Body: `{"metadata":{"k":"` + bad + `"}}`, Status: http.StatusBadRequest, Fields: []string{"metadata.k"}},
		{Name: "tokenize", Method: "POST", URL: "/tokenize", Headers: key("private"),
			Body: `{"card":{"type":"token","data":"` + bad + `"}}`, Status: http.StatusBadRequest, Fields: []string{"card.data"}},
		{Name: "detokenize", Method: "POST", URL: "/detokenize", Headers: key("private"),
			Body: `{"a":["{{ {token} }}","` + bad + `"]}`, Status: http.StatusBadRequest, Fields: []string{"a[1]"}},
		{Name: "search size", Method: "POST", URL: "/v2/tokens/search", Headers: key("private"),
			Body: `{"query":"type:token","size":1e999}`, Status: http.StatusBadRequest, Fields: []string{"size"}},
		{Name: "reactor args", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"card":{"number":"` + bad + `"}}}`, Status: http.StatusBadRequest, Fields: []string{"args.card.number"}},
		{Name: "reactor args number", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"amount":1e309}}`, Status: http.StatusBadRequest, Fields: []string{"args.amount"}},
		{Name: "application name", Method: "POST", URL: "/applications", Headers: key("mgmt"),
			Body: `{"name":"` + bad + `","type":"private","permissions":["token:read"]}`, Status: http.StatusBadRequest, Fields: []string{"name"}},
		{Name: "reactor patch", Method: "PATCH", URL: "/reactors/{echo_reactor}", Headers: mergePatch("mgmt"),
			Body: `{"configuration":{"K":"` + bad + `"}}`, Status: http.StatusBadRequest, Fields: []string{"configuration.K"}},

		{Name: "path id", Method: "GET", URL: "/tokens/abc%FF%FE", Headers: key("private"), Status: http.StatusBadRequest, Fields: []string{"id"}},
		{Name: "second path id", Method: "GET", URL: "/applications/{private_app}/keys/%C3", Headers: key("mgmt"), Status: http.StatusBadRequest, Fields: []string{"keyId"}},
		{Name: "query parameter", Method: "GET", URL: "/v2/tokens?type=%FF", Headers: key("private"), Status: http.StatusBadRequest, Fields: []string{"type"}},
		{Name: "metadata filter", Method: "GET", URL: "/v2/tokens?metadata.k=%FF", Headers: key("private"), Status: http.StatusBadRequest, Fields: []string{"metadata.k"}},
		{Name: "JSON metadata filter", Method: "GET", URL: "/v2/tokens?metadata=%7B%22k%22%3A%22%5Cud800%22%7D", Headers: key("private"), Status: http.StatusBadRequest, Fields: []string{"metadata.k"}},
		{Name: "query parameter name", Method: "GET", URL: "/v2/tokens?metadata.%FF=v", Headers: key("private"), Status: http.StatusBadRequest, Fields: []string{"metadata.\uFFFD"}},

		{Name: "api key", Method: "GET", URL: "/tokens/{token}", Headers: map[string]string{"BT-API-KEY": bad}, Status: http.StatusBadRequest, Fields: []string{"BT-API-KEY"}},
		{Name: "legacy api key", Method: "GET", URL: "/tokens/{token}", Headers: map[string]string{"X-API-KEY": bad}, Status: http.StatusBadRequest, Fields: []string{"X-API-KEY"}},
		{Name: "transaction id", Method: "POST", URL: "/tokens", Headers: with(key("private"), "BT-TRANSACTION-ID", bad),
			Body: `{"type":"token","data":"v"}`, Status: http.StatusBadRequest, Fields: []string{"BT-TRANSACTION-ID"}},
		{Name: "idempotency key", Method: "POST", URL: "/tokens", Headers: with(key("private"), "BT-IDEMPOTENCY-KEY", bad),
			Body: `{"type":"token","data":"v"}`, Status: http.StatusBadRequest, Fields: []string{"BT-IDEMPOTENCY-KEY"}},
		{Name: "trace id", Method: "GET", URL: "/tokens/{token}", Headers: with(key("private"), "BT-TRACE-ID", bad), Status: http.StatusBadRequest, Fields: []string{"BT-TRACE-ID"}},

		{Name: "valid UTF-8 and big numbers within range pass", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body:   `{"id":"ünïcode-✓-id","type":"token","data":{"s":"é \ud83d\ude00 \ufffd","n":1.7976931348623157e308,"i":123456789012345678901234567890,"tiny":1e-400}}`,
			Status: http.StatusCreated, JSON: map[string]any{"id": "ünïcode-✓-id", "data.s": "é 😀 \uFFFD", "data.i": "123456789012345678901234567890"}},
	})
}
