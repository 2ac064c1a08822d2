package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
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
