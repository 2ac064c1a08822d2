package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
)

// sdkRequire loads the reactor error classes, as reactors on the hosted
// platform do.
const sdkRequire = "const sdk = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');\n"

// configSecret is the configuration value of every fixture reactor: it may
// reach the reactor and the callers with reactor:read, never a log.
const configSecret = "cfg-secret-value-9f3a"

// fixtureReactors are the reactors of newReactorFixture, by name: their ids
// are the fixture's "{<name>_reactor}".
var fixtureReactors = map[string]string{
	"echo": `module.exports = async function (req) {
  return { raw: { args: req.args, config: req.configuration, bt: req.bt === null } };
};`,
	"tokenizer": `module.exports = async function (req) {
  return { raw: { ok: true }, tokenize: { secret: { type: 'token', data: req.args.secret } } };
};`,
	"bad_request": sdkRequire + `module.exports = async function () {
  throw new sdk.BadRequestError({ card: 'is invalid' });
};`,
	"thrower": `module.exports = async function (req) {
  throw new Error('boom: ' + req.configuration.API_KEY + ' ' + JSON.stringify(req.args));
};`,
	"custom": sdkRequire + `module.exports = async function () {
  throw new sdk.CustomHttpResponseError({ status: 418,
    headers: { 'X-Teapot': 'yes', 'X-Many': ['a', 'b'], 'Content-Length': '9999', 'Transfer-Encoding': 'chunked', 'BT-TRACE-ID': 'spoofed',
      'Bad Header': 'x', 'Connection': 'close' },
    body: { short: 'stout', n: 1 } });
};`,
	"custom_text": sdkRequire + `module.exports = async function () {
  throw new sdk.CustomHttpResponseError({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hi' });
};`,
	"custom_no_content": sdkRequire + `module.exports = async function () {
  throw new sdk.CustomHttpResponseError({ status: 204, headers: { 'X-Done': '1' }, body: { ignored: true } });
};`,
	"custom_informational": sdkRequire + `module.exports = async function () {
  throw new sdk.CustomHttpResponseError({ status: 103, body: {} });
};`,
	"custom_random": sdkRequire + `module.exports = async function () {
  throw new sdk.CustomHttpResponseError({ status: 201, body: { n: Math.random() } });
};`,
	"random": `module.exports = async function () { return { raw: { n: Math.random() } }; };`,
	"slow": `module.exports = async function (req) {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return { raw: { args: req.args } };
};`,
}

// newReactorFixture is newFixture with the reactors of fixtureReactors and
// the applications that invoke them: "invoker" (reactor:invoke, which
// reveals every token to reactors, and token:create, to tokenize their
// output), "invoker2" (the same), "pci_invoker" (reactor:invoke on /pci/
// only) and "reactor_reader" (a management application with reactor:read
// only).
func newReactorFixture(t testing.TB, vopts []vault.Option) *fixture {
	t.Helper()
	f := newFixture(t, vopts)
	ctx := context.Background()
	app := func(name, typ string, perms []string, rules []vault.AccessRule) {
		a, err := f.v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: name, Type: typ, Permissions: perms, Rules: rules})
		require.NoError(t, err)
		f.vars[name] = a.Key.Reveal()
		f.vars[name+"_app"] = a.ID
	}
	app("invoker", vault.AppPrivate, []string{vault.PermReactorInvoke, vault.PermTokenCreate}, nil)
	app("invoker2", vault.AppPrivate, []string{vault.PermReactorInvoke}, nil)
	app("pci_invoker", vault.AppPrivate, nil, []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal,
		Permissions: []string{vault.PermReactorInvoke}}})
	app("reactor_reader", vault.AppManagement, []string{vault.PermReactorRead}, nil)
	for name, code := range fixtureReactors {
		r, err := f.v.CreateReactor(ctx, vault.CreateReactorRequest{Name: name, Code: code, Configuration: map[string]string{"API_KEY": configSecret}})
		require.NoError(t, err, name)
		f.vars[name+"_reactor"] = r.ID
	}
	return f
}

// mergePatch is the header map of a merge patch sent with the named key.
func mergePatch(name string) map[string]string {
	return with(key(name), "Content-Type", "application/merge-patch+json")
}

func TestReactorCRUD(t *testing.T) {
	f := newReactorFixture(t, nil)
	const code = `module.exports = async function (req) { return { raw: { ok: true } }; };`
	create := func(name string) string {
		b, err := json.Marshal(map[string]any{"name": name, "code": code, "configuration": map[string]string{"A": "1", "B": "2"}})
		require.NoError(t, err)
		return string(b)
	}
	runScenarios(t, f, []scenario{
		{
			Name: "create", Method: "POST", URL: "/reactors", Headers: key("mgmt"), Body: create("Created reactor"),
			Status: http.StatusCreated,
			JSON:   map[string]any{"name": "Created reactor", "code": code, "configuration.A": "1", "tenant_id": f.v.DefaultTenantID()},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				require.NotEmpty(t, field(doc, "id"))
				assert.NotEmpty(t, field(doc, "created_at"))
				f.vars["created_reactor"] = field(doc, "id").(string)
			},
		},
		{
			Name: "create with an application", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body:   `{"name":"With app","code":"module.exports = async () => ({})","application":{"id":"{private_app}","name":"ignored"}}`,
			Status: http.StatusCreated, JSON: map[string]any{"application.id": "{private_app}", "application.name": "private",
				"application.type": vault.AppPrivate, "runtime.image": "node-bt"},
			NotContains: []string{`"keys"`, `"key"`},
		},
		{
			Name: "create with the node-bt runtime", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body:   `{"name":"node-bt","code":"module.exports = async () => ({})","runtime":{"image":"node-bt"}}`,
			Status: http.StatusCreated, JSON: map[string]any{"runtime.image": "node-bt"},
		},
		{
			Name: "create with the node22 runtime", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body:   `{"name":"node22","code":"module.exports = async () => ({})","runtime":{"image":"node22"}}`,
			Status: http.StatusBadRequest, Fields: []string{"runtime.image"},
		},
		{
			Name: "create with a node22 option", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body:   `{"name":"timeout","code":"module.exports = async () => ({})","runtime":{"image":"node-bt","timeout":30}}`,
			Status: http.StatusBadRequest, Fields: []string{"runtime.timeout"},
		},
		{
			Name: "create with a runtime that is not an object", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body:   `{"name":"bad","code":"module.exports = async () => ({})","runtime":"node22"}`,
			Status: http.StatusBadRequest, Fields: []string{"runtime"},
		},
		{
			Name: "patch with node22 dependencies", Method: "PATCH", URL: "/reactors/{echo_reactor}", Headers: mergePatch("mgmt"),
			Body: `{"runtime":{"dependencies":{"stripe":"18.4.0"}}}`, Status: http.StatusBadRequest, Fields: []string{"runtime.dependencies"},
		},
		{
			Name: "create with a management application", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body:   `{"name":"Bad app","code":"module.exports = async () => ({})","application":{"id":"{reactor_reader_app}"}}`,
			Status: http.StatusBadRequest, Fields: []string{"application.id"},
		},
		{
			Name: "create without a name", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"code":"module.exports = async () => ({})"}`, Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "create with code that does not compile", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"name":"broken","code":"module.exports = ("}`, Status: http.StatusUnprocessableEntity, Fields: []string{"code"},
		},
		{
			Name: "create with a configuration that is not strings", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"name":"x","code":"module.exports = async () => ({})","configuration":{"A":1}}`, Status: http.StatusBadRequest,
			Fields: []string{"configuration.A"},
		},
		{
			Name: "create with malformed JSON", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"name":"x","configuration":{"A":"` + configSecret + `"`, Status: http.StatusBadRequest, NotContains: []string{configSecret},
		},
		{
			Name: "create with a private key", Method: "POST", URL: "/reactors", Headers: key("invoker"), Body: create("nope"),
			Status: http.StatusForbidden,
		},
		{
			Name: "create with reactor:read only", Method: "POST", URL: "/reactors", Headers: key("reactor_reader"), Body: create("nope"),
			Status: http.StatusForbidden,
		},
		{
			Name: "get", Method: "GET", URL: "/reactors/{echo_reactor}", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"id": "{echo_reactor}", "name": "echo", "configuration.API_KEY": configSecret},
		},
		{
			Name: "get with reactor:read", Method: "GET", URL: "/reactors/{echo_reactor}", Headers: key("reactor_reader"), Status: http.StatusOK,
			JSON: map[string]any{"id": "{echo_reactor}"},
		},
		{
			Name: "get unknown", Method: "GET", URL: "/reactors/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"), Status: http.StatusNotFound,
		},
		{
			Name: "get with a private key", Method: "GET", URL: "/reactors/{echo_reactor}", Headers: key("invoker"), Status: http.StatusForbidden,
			NotContains: []string{configSecret},
		},
		{
			Name: "list by name", Method: "GET", URL: "/reactors?name=ech", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.total_items": "1", "pagination.page_number": "1", "pagination.total_pages": "1", "data.0.id": "{echo_reactor}"},
		},
		{
			Name: "list by wildcard name", Method: "GET", URL: "/reactors?name=custom_*", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.total_items": "4"},
		},
		{
			Name: "list by ids", Method: "GET", URL: "/reactors?id={echo_reactor}&id={thrower_reactor}&id=unknown", Headers: key("mgmt"),
			Status: http.StatusOK, JSON: map[string]any{"pagination.total_items": "2"},
			Contains: []string{`"id":"{echo_reactor}"`, `"id":"{thrower_reactor}"`},
		},
		{
			Name: "list offset pages", Method: "GET", URL: "/reactors?page=2&size=3", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.page_number": "2", "pagination.page_size": "3"},
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				doc := decodeJSON(t, body)
				assert.Len(t, field(doc, "data"), 3)
				total, err := strconv.Atoi(field(doc, "pagination.total_items").(json.Number).String())
				require.NoError(t, err)
				assert.GreaterOrEqual(t, total, len(fixtureReactors))
			},
		},
		{
			Name: "list with no match is an empty array", Method: "GET", URL: "/reactors?name=no-such-reactor", Headers: key("mgmt"),
			Status: http.StatusOK, Contains: []string{`"data":[]`, `"total_items":0`},
		},
		{
			Name: "list with page 0", Method: "GET", URL: "/reactors?page=0", Headers: key("mgmt"), Status: http.StatusBadRequest, Fields: []string{"page"},
		},
		{
			Name: "list with two names", Method: "GET", URL: "/reactors?name=a&name=b", Headers: key("mgmt"), Status: http.StatusBadRequest,
			Fields: []string{"name"},
		},
		{
			Name: "list with a private key", Method: "GET", URL: "/reactors", Headers: key("invoker"), Status: http.StatusForbidden,
		},
		{
			Name: "update", Method: "PUT", URL: "/reactors/{created_reactor}", Headers: key("mgmt"),
			Body:   `{"name":"Renamed","code":"module.exports = async () => ({ raw: 2 })","configuration":{"C":"3"}}`,
			Status: http.StatusOK, JSON: map[string]any{"id": "{created_reactor}", "name": "Renamed", "configuration.C": "3", "configuration.A": nil},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				assert.NotEmpty(t, field(decodeJSON(t, body), "modified_at"))
			},
		},
		{
			Name: "update without code", Method: "PUT", URL: "/reactors/{created_reactor}", Headers: key("mgmt"),
			Body: `{"name":"Renamed"}`, Status: http.StatusBadRequest, Fields: []string{"code"},
		},
		{
			Name: "update unknown", Method: "PUT", URL: "/reactors/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"),
			Body: create("x"), Status: http.StatusNotFound,
		},
		{
			Name: "update with reactor:read only", Method: "PUT", URL: "/reactors/{created_reactor}", Headers: key("reactor_reader"),
			Body: create("x"), Status: http.StatusForbidden,
		},
		{
			Name: "patch", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: mergePatch("mgmt"),
			Body: `{"name":"Patched","configuration":{"C":null,"D":"4"}}`, Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				assert.Empty(t, body)
				res, b := f.do(t, "GET", "/reactors/{created_reactor}", key("mgmt"), "")
				require.Equal(t, http.StatusOK, res.StatusCode)
				doc := decodeJSON(t, b)
				assert.Equal(t, "Patched", field(doc, "name"))
				assert.Equal(t, map[string]any{"D": "4"}, field(doc, "configuration"), "null removes a key, others merge")
				assert.Equal(t, "module.exports = async () => ({ raw: 2 })", field(doc, "code"), "what the patch leaves out is kept")
			},
		},
		{
			Name: "patch as application/json", Method: "PATCH", URL: "/reactors/{created_reactor}",
			Headers: with(key("mgmt"), "Content-Type", "application/json"), Body: `{"name":"x"}`, Status: http.StatusUnsupportedMediaType,
		},
		{
			Name: "patch without content type", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: key("mgmt"),
			Body: `{"name":"x"}`, Status: http.StatusUnsupportedMediaType,
		},
		{
			Name: "patch with a wrongly typed name", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: mergePatch("mgmt"),
			Body: `{"name":5}`, Status: http.StatusBadRequest, Fields: []string{"name"},
		},
		{
			Name: "patch with code that does not compile", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: mergePatch("mgmt"),
			Body: `{"code":"module.exports = ("}`, Status: http.StatusUnprocessableEntity, Fields: []string{"code"},
		},
		{
			Name: "patch with an array", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: mergePatch("mgmt"),
			Body: `[{"op":"replace","path":"/name","value":"x"}]`, Status: http.StatusBadRequest,
		},
		{
			Name: "patch with no body", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: mergePatch("mgmt"), Status: http.StatusBadRequest,
		},
		{
			Name: "patch with malformed JSON", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: mergePatch("mgmt"),
			Body: `{"name":`, Status: http.StatusBadRequest,
		},
		{
			Name: "patch unknown", Method: "PATCH", URL: "/reactors/00000000-0000-0000-0000-000000000000", Headers: mergePatch("mgmt"),
			Body: `{"name":"x"}`, Status: http.StatusNotFound,
		},
		{
			Name: "patch with reactor:read only", Method: "PATCH", URL: "/reactors/{created_reactor}", Headers: mergePatch("reactor_reader"),
			Body: `{"name":"x"}`, Status: http.StatusForbidden,
		},
		{
			Name: "delete with reactor:read only", Method: "DELETE", URL: "/reactors/{created_reactor}", Headers: key("reactor_reader"),
			Status: http.StatusForbidden,
		},
		{
			Name: "delete", Method: "DELETE", URL: "/reactors/{created_reactor}", Headers: key("mgmt"), Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				assert.Empty(t, body)
				res, _ := f.do(t, "GET", "/reactors/{created_reactor}", key("mgmt"), "")
				assert.Equal(t, http.StatusNotFound, res.StatusCode)
			},
		},
		{
			Name: "delete unknown", Method: "DELETE", URL: "/reactors/{created_reactor}", Headers: key("mgmt"), Status: http.StatusNotFound,
		},
	})
	assert.NotContains(t, f.logs.String(), configSecret, "the configuration is never logged")
}

func TestReact(t *testing.T) {
	f := newReactorFixture(t, nil)
	args := `{"args":{"card":"{{ {card} }}","number":"{{ token: {card} | json: '$.data.number' }}","last4":"{{ {ssn} | last4 }}","plain":"p","n":[1,2.5,true,null]}}`
	runScenarios(t, f, []scenario{
		{
			Name: "detokenized args, configuration and raw", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: args, Status: http.StatusOK,
			JSON: map[string]any{
				"raw.args.card.number": "4242424242424242", "raw.args.number": "4242424242424242", "raw.args.last4": "6789",
				"raw.args.plain": "p", "raw.args.n.1": "2.5", "raw.args.n.2": true, "raw.config.API_KEY": configSecret, "raw.bt": true,
			},
			NotContains: []string{`"tokens"`},
		},
		{
			Name: "no body", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"), Status: http.StatusOK,
			Check: func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
				assert.Equal(t, map[string]any{}, field(decodeJSON(t, body), "raw.args"))
			},
		},
		{
			Name: "null args", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"), Body: `{"args":null}`,
			Status: http.StatusOK, Contains: []string{`"args":{}`},
		},
		{
			Name: "unknown fields are ignored", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"a":"b"},"other":1}`, Status: http.StatusOK, JSON: map[string]any{"raw.args.a": "b"},
		},
		{
			Name: "callback_url is for react-async", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"a":"b"},"callback_url":"https://example.com/cb"}`, Status: http.StatusBadRequest, Fields: []string{"callback_url"},
		},
		{
			Name: "tokenize output", Method: "POST", URL: "/reactors/{tokenizer_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"secret":"tokenize-me-7731"}}`, Status: http.StatusOK, JSON: map[string]any{"raw.ok": true},
			NotContains: []string{"tokenize-me-7731"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				id, ok := field(decodeJSON(t, body), "tokens.secret.id").(string)
				require.True(t, ok, "tokens.secret is the created token: %s", body)
				res, b := f.do(t, "GET", "/tokens/"+id, key("private"), "")
				require.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
				assert.Equal(t, "tokenize-me-7731", field(decodeJSON(t, b), "data"))
			},
		},
		{
			Name: "malformed body", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"card":"{{ {card} }}"`, Status: http.StatusBadRequest,
		},
		{
			Name: "a body that is not an object", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `["a"]`, Status: http.StatusBadRequest,
		},
		{
			Name: "callback_url of the wrong type", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"callback_url":1}`, Status: http.StatusBadRequest, Fields: []string{"callback_url"},
		},
		{
			Name: "an unknown token", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"x":"{{ 00000000-0000-0000-0000-000000000000 }}"}}`, Status: http.StatusBadRequest,
		},
		{
			Name: "a bad expression", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"bad":"{{ {card} | no_such_filter }}"}}`, Status: http.StatusBadRequest, Fields: []string{"args.bad"},
		},
		{
			Name: "without reactor:invoke", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("pci"),
			Body: `{"args":{}}`, Status: http.StatusForbidden,
		},
		{
			Name: "a management key cannot invoke", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("mgmt"),
			Body: `{"args":{}}`, Status: http.StatusForbidden,
		},
		{
			Name: "a token outside the caller's rules", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("pci_invoker"),
			Body: `{"args":{"ssn":"{{ {ssn} }}"}}`, Status: http.StatusForbidden, NotContains: []string{"6789"},
		},
		{
			Name: "a token inside the caller's rules", Method: "POST", URL: "/reactors/{echo_reactor}/react", Headers: key("pci_invoker"),
			Body: `{"args":{"card":"{{ {card} | json: '$.number' }}"}}`, Status: http.StatusOK, JSON: map[string]any{"raw.args.card": "4242424242424242"},
		},
		{
			Name: "an unknown reactor", Method: "POST", URL: "/reactors/00000000-0000-0000-0000-000000000000/react", Headers: key("invoker"),
			Body: `{"args":{}}`, Status: http.StatusNotFound,
		},
		{
			Name: "no key", Method: "POST", URL: "/reactors/{echo_reactor}/react", Body: `{"args":{}}`, Status: http.StatusUnauthorized,
		},
	})
	logs := f.logs.String()
	for _, secret := range []string{"4242424242424242", "123-45-6789", configSecret, "tokenize-me-7731"} {
		assert.NotContains(t, logs, secret, "the access log holds no data")
	}
}

func TestReactorErrors(t *testing.T) {
	f := newReactorFixture(t, nil)
	runScenarios(t, f, []scenario{
		{
			Name: "BadRequestError", Method: "POST", URL: "/reactors/{bad_request_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{}}`, Status: http.StatusBadRequest, Fields: []string{"card"},
			JSON: map[string]any{"title": "One or more validation errors occurred.", "detail": "Bad Request", "errors.card.0": "is invalid"},
		},
		{
			Name: "a thrown Error is a ReactorRuntimeError", Method: "POST", URL: "/reactors/{thrower_reactor}/react", Headers: with(key("invoker"), "BT-TRACE-ID", "thrower-1"),
			Body: `{"args":{"card":"{{ {card} | json: '$.number' }}"}}`, Status: http.StatusInternalServerError,
			JSON: map[string]any{"title": "Internal Server Error", "detail": "Reactor Runtime Error"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				msgs, _ := field(decodeJSON(t, body), "errors.error").([]any)
				require.Len(t, msgs, 1, "%s", body)
				assert.Contains(t, msgs[0], "boom: ", "the reactor's own message is its response")
				line := logLine(t, f, "thrower-1")
				assert.Equal(t, "INFO", line["level"], "a reactor's failure is not the server's")
				assert.Equal(t, "ReactorRuntimeError", line["reactor_error"])
				assert.NotContains(t, line, "error")
			},
		},
		{
			Name: "CustomHttpResponseError is returned verbatim", Method: "POST", URL: "/reactors/{custom_reactor}/react",
			Headers: with(key("invoker"), "BT-TRACE-ID", "custom-1"), Body: `{"args":{}}`, Status: http.StatusTeapot, NotProblem: true,
			Check: func(t *testing.T, f *fixture, res *http.Response, body []byte) {
				assert.JSONEq(t, `{"short":"stout","n":1}`, string(body))
				assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
				assert.Equal(t, "yes", res.Header.Get("X-Teapot"))
				assert.Equal(t, []string{"a", "b"}, res.Header.Values("X-Many"))
				assert.Equal(t, strconv.Itoa(len(body)), res.Header.Get("Content-Length"), "the server frames the message")
				assert.Empty(t, res.Header.Get("Transfer-Encoding"))
				assert.Empty(t, res.Header.Get("Connection"), "hop-by-hop headers are the server's")
				assert.NotContains(t, res.Header, "Bad Header", "a name that is not an HTTP token is dropped")
				assert.Equal(t, "custom-1", res.Header.Get("BT-TRACE-ID"), "the trace id stays the request's")
				assert.Equal(t, "CustomHttpResponseError", logLine(t, f, "custom-1")["reactor_error"])
			},
		},
		{
			Name: "CustomHttpResponseError with a content type", Method: "POST", URL: "/reactors/{custom_text_reactor}/react",
			Headers: key("invoker"), Status: http.StatusOK, NotProblem: true,
			Check: func(t *testing.T, _ *fixture, res *http.Response, body []byte) {
				assert.Equal(t, "text/plain", res.Header.Get("Content-Type"))
				assert.Equal(t, `"hi"`, string(body), "the body is the JSON of what the reactor gave")
			},
		},
		{
			Name: "CustomHttpResponseError with 204", Method: "POST", URL: "/reactors/{custom_no_content_reactor}/react",
			Headers: key("invoker"), Status: http.StatusNoContent, NotProblem: true,
			Check: func(t *testing.T, _ *fixture, res *http.Response, body []byte) {
				assert.Empty(t, body)
				assert.Equal(t, "1", res.Header.Get("X-Done"))
			},
		},
		{
			Name: "CustomHttpResponseError with an informational status", Method: "POST", URL: "/reactors/{custom_informational_reactor}/react",
			Headers: key("invoker"), Status: http.StatusInternalServerError,
		},
	})
	assert.NotContains(t, f.logs.String(), "4242424242424242")
	assert.NotContains(t, f.logs.String(), configSecret)
	assert.NotContains(t, f.logs.String(), "boom")
}

// logLine returns the access log line of the request with this trace id.
func logLine(t *testing.T, f *fixture, trace string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(f.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["trace_id"] == trace {
			return m
		}
	}
	t.Fatalf("no access log line with trace id %s in:\n%s", trace, f.logs.String())
	return nil
}

// TestReactorErrorClasses runs every error class of the reactor-formulas
// SDK through POST /react: each has the status and detail of reference
// §6.5.
func TestReactorErrorClasses(t *testing.T) {
	f := newFixture(t, []vault.Option{vault.WithReactorLimits(sandbox.Limits{Timeout: 300 * time.Millisecond})})
	invoker, err := f.v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "invoker", Type: vault.AppPrivate,
		Permissions: []string{vault.PermReactorInvoke}})
	require.NoError(t, err)
	f.vars["invoker"] = invoker.Key.Reveal()
	for name, tc := range map[string]struct {
		code   string
		status int
		detail string
		errors map[string][]string
	}{
		"AuthenticationError":              {"throw new sdk.AuthenticationError()", 401, "Authentication Failed", nil},
		"AuthorizationError":               {"throw new sdk.AuthorizationError('no access')", 403, "Forbidden", map[string][]string{"error": {"no access"}}},
		"BadRequestError":                  {"throw new sdk.BadRequestError(['first', 'second'])", 400, "Bad Request", map[string][]string{"error": {"first", "second"}}},
		"InvalidPaymentMethodError":        {"throw new sdk.InvalidPaymentMethodError()", 402, "Invalid Payment Method", nil},
		"InvalidReactorConfigurationError": {"throw new sdk.InvalidReactorConfigurationError('missing KEY')", 400, "Invalid Reactor Configuration", map[string][]string{"error": {"missing KEY"}}},
		"RateLimitError":                   {"throw new sdk.RateLimitError()", 429, "Rate Limit Exceeded", nil},
		"ReactorRuntimeError":              {"throw new sdk.ReactorRuntimeError(new Error('bad'))", 500, "Reactor Runtime Error", map[string][]string{"error": {"bad"}}},
		"ServiceUnavailableError":          {"throw new sdk.ServiceUnavailableError()", 503, "Service Unavailable", nil},
		"thrown string":                    {"throw 'plain'", 500, "", nil},
		"rejected promise":                 {"return Promise.reject(new TypeError('late'))", 500, "", nil},
		"timeout":                          {"while (true) {}", http.StatusRequestTimeout, "", nil},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := f.v.CreateReactor(t.Context(), vault.CreateReactorRequest{Name: name, Code: sdkRequire + "module.exports = async function () {\n" + tc.code + "\n};"})
			require.NoError(t, err)
			res, body := f.do(t, "POST", "/reactors/"+r.ID+"/react", key("invoker"), `{"args":{}}`)
			require.Equal(t, tc.status, res.StatusCode, "%s", body)
			p := problem(t, res, body)
			if tc.detail != "" {
				assert.Equal(t, tc.detail, p.Detail)
			}
			if tc.errors != nil {
				assert.Equal(t, tc.errors, p.Errors)
			}
			if tc.status == http.StatusBadRequest {
				assert.Equal(t, "One or more validation errors occurred.", p.Title)
			} else {
				assert.Equal(t, http.StatusText(tc.status), p.Title)
			}
		})
	}
}

// TestReactorErrorGolden pins the bodies of reactor failures, which the
// SDK parses as ProblemDetails.
func TestReactorErrorGolden(t *testing.T) {
	f := newReactorFixture(t, nil)
	for _, c := range []struct{ name, reactor string }{
		{"reactor_bad_request", "bad_request"},
		{"reactor_custom", "custom"},
		{"reactor_informational", "custom_informational"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, body := f.do(t, "POST", "/reactors/{"+c.reactor+"_reactor}/react", key("invoker"), `{"args":{}}`)
			golden(t, c.name, body)
		})
	}
}

func TestReactIdempotency(t *testing.T) {
	f := newReactorFixture(t, nil)
	send := func(reactor, idemKey string) (int, string) {
		res, body := f.do(t, "POST", "/reactors/{"+reactor+"_reactor}/react", with(key("invoker"), "BT-IDEMPOTENCY-KEY", idemKey), `{"args":{}}`)
		return res.StatusCode, string(body)
	}
	status, first := send("random", "k-random")
	require.Equal(t, http.StatusOK, status, first)
	status, again := send("random", "k-random")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, first, again, "a completed invocation is replayed, not run again")

	status, first = send("custom_random", "k-custom")
	require.Equal(t, http.StatusCreated, status, first)
	status, again = send("custom_random", "k-custom")
	require.Equal(t, http.StatusCreated, status)
	assert.NotEqual(t, first, again, "a CustomHttpResponseError is a failure, even with a 2xx: never stored, a retry runs anew")
}

// pollResult polls GET /reactors/{reactor}/results/{id} until it is no
// longer 202.
func pollResult(t *testing.T, f *fixture, keyName, reactor, id string) (*http.Response, []byte) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, body := f.do(t, "GET", "/reactors/"+reactor+"/results/"+id, key(keyName), "")
		if res.StatusCode != http.StatusAccepted {
			return res, body
		}
		doc := decodeJSON(t, body)
		assert.Equal(t, id, field(doc, "id"))
		assert.Contains(t, []any{vault.ReactPending, vault.ReactRunning}, field(doc, "status"))
		if time.Now().After(deadline) {
			t.Fatalf("the invocation did not finish: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// reactAsync invokes a reactor asynchronously and returns the request id.
func reactAsync(t *testing.T, f *fixture, keyName, reactor, body string) string {
	t.Helper()
	res, b := f.do(t, "POST", "/reactors/"+reactor+"/react-async", key(keyName), body)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", b)
	var out map[string]string
	require.NoError(t, json.Unmarshal(b, &out))
	require.Len(t, out, 1, "only asyncReactorRequestId: %s", b)
	require.NotEmpty(t, out["asyncReactorRequestId"])
	return out["asyncReactorRequestId"]
}

func TestReactAsyncCallback(t *testing.T) {
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	t.Cleanup(srv.Close)
	f := newReactorFixture(t, []vault.Option{vault.WithWebhookHosts("127.0.0.1"), vault.WithWebhookClient(srv.Client())})
	res, b := f.do(t, "POST", "/reactors/"+f.vars["echo_reactor"]+"/react-async", key("invoker"),
		`{"args":{"a":"b"},"callback_url":"`+srv.URL+`/cb"}`)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", b)
	var out map[string]string
	require.NoError(t, json.Unmarshal(b, &out))
	require.NotEmpty(t, out["asyncReactorRequestId"])
	signingKey := out["callbackSigningKey"]
	require.NotEmpty(t, signingKey, "%s", b)
	var r *http.Request
	select {
	case r = <-got:
	case <-time.After(20 * time.Second):
		t.Fatal("no callback")
	}
	body := <-bodies
	mac := hmac.New(sha256.New, []byte(signingKey))
	mac.Write(body)
	assert.Equal(t, base64.StdEncoding.EncodeToString(mac.Sum(nil)), r.Header.Get("BT-SIGNATURE"))
	assert.Equal(t, "v1", r.Header.Get("BT-SIGNATURE-VERSION"))
	assert.Equal(t, out["asyncReactorRequestId"], r.Header.Get("BT-EVENT-ID"))
	assert.Equal(t, "/cb", r.URL.Path)
	assert.Equal(t, "b", field(decodeJSON(t, body), "response.raw.args.a"), "%s", body)

	res, b = f.do(t, "POST", "/reactors/"+f.vars["echo_reactor"]+"/react-async", key("invoker"), `{"callback_url":"https://10.0.0.1/cb"}`)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", b)
	assert.Contains(t, string(b), "callback_url")
}

func TestReactAsync(t *testing.T) {
	f := newReactorFixture(t, nil)
	echo, slow := f.vars["echo_reactor"], f.vars["slow_reactor"]

	t.Run("completed", func(t *testing.T) {
		id := reactAsync(t, f, "invoker", echo, `{"args":{"number":"{{ {card} | json: '$.number' }}"}}`)
		res, body := pollResult(t, f, "invoker", echo, id)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
		doc := decodeJSON(t, body)
		assert.Equal(t, "4242424242424242", field(doc, "raw.args.number"))
		assert.Equal(t, configSecret, field(doc, "raw.config.API_KEY"))

		res, body = f.do(t, "GET", "/reactors/"+echo+"/results/"+id, key("invoker2"), "")
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "another application cannot read it: %s", body)
		res, _ = f.do(t, "GET", "/reactors/"+slow+"/results/"+id, key("invoker"), "")
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "under another reactor")
		res, _ = f.do(t, "GET", "/reactors/"+echo+"/results/"+id, key("mgmt"), "")
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "without reactor:invoke")
	})
	t.Run("pending, then completed", func(t *testing.T) {
		id := reactAsync(t, f, "invoker", slow, `{"args":{"a":1}}`)
		res, body := f.do(t, "GET", "/reactors/"+slow+"/results/"+id, key("invoker"), "")
		require.Equal(t, http.StatusAccepted, res.StatusCode, "the reactor sleeps 1.5 s: %s", body)
		res, body = pollResult(t, f, "invoker", slow, id)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
		assert.Equal(t, map[string]any{"args": map[string]any{"a": json.Number("1")}}, field(decodeJSON(t, body), "raw"))
	})
	t.Run("failed with a reactor error", func(t *testing.T) {
		id := reactAsync(t, f, "invoker", f.vars["bad_request_reactor"], `{"args":{}}`)
		res, body := pollResult(t, f, "invoker", f.vars["bad_request_reactor"], id)
		require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", body)
		p := problem(t, res, body)
		assert.Equal(t, map[string][]string{"card": {"is invalid"}}, p.Errors)
		assert.Equal(t, "Bad Request", p.Detail)
	})
	t.Run("failed with a custom response", func(t *testing.T) {
		id := reactAsync(t, f, "invoker", f.vars["custom_reactor"], "")
		res, body := pollResult(t, f, "invoker", f.vars["custom_reactor"], id)
		require.Equal(t, http.StatusTeapot, res.StatusCode, "%s", body)
		assert.JSONEq(t, `{"short":"stout","n":1}`, string(body))
		assert.Equal(t, "yes", res.Header.Get("X-Teapot"))
	})
	t.Run("failed with a runtime error", func(t *testing.T) {
		id := reactAsync(t, f, "invoker", f.vars["thrower_reactor"], `{"args":{}}`)
		res, body := pollResult(t, f, "invoker", f.vars["thrower_reactor"], id)
		require.Equal(t, http.StatusInternalServerError, res.StatusCode, "%s", body)
		assert.Equal(t, "Reactor Runtime Error", problem(t, res, body).Detail)
	})
	runScenarios(t, f, []scenario{
		{
			Name: "a forbidden token fails at once", Method: "POST", URL: "/reactors/{echo_reactor}/react-async", Headers: key("pci_invoker"),
			Body: `{"args":{"ssn":"{{ {ssn} }}"}}`, Status: http.StatusForbidden,
		},
		{
			Name: "an unknown reactor", Method: "POST", URL: "/reactors/00000000-0000-0000-0000-000000000000/react-async", Headers: key("invoker"),
			Body: `{"args":{}}`, Status: http.StatusNotFound,
		},
		{
			Name: "without reactor:invoke", Method: "POST", URL: "/reactors/{echo_reactor}/react-async", Headers: key("pci"),
			Body: `{"args":{}}`, Status: http.StatusForbidden,
		},
		{
			Name: "a malformed body", Method: "POST", URL: "/reactors/{echo_reactor}/react-async", Headers: key("invoker"),
			Body: `{"args":`, Status: http.StatusBadRequest,
		},
		{
			Name: "an unknown request", Method: "GET", URL: "/reactors/{echo_reactor}/results/00000000-0000-0000-0000-000000000000",
			Headers: key("invoker"), Status: http.StatusNotFound,
		},
	})
	assert.NotContains(t, f.logs.String(), "4242424242424242")
	assert.NotContains(t, f.logs.String(), configSecret)
}

// TestReactAsyncPending has no worker: the invocation stays pending.
func TestReactAsyncPending(t *testing.T) {
	f := newReactorFixture(t, []vault.Option{vault.WithReactorWorkers(0)})
	echo := f.vars["echo_reactor"]
	id := reactAsync(t, f, "invoker", echo, `{"args":{"x":"y"}}`)
	res, body := f.do(t, "GET", "/reactors/"+echo+"/results/"+id, key("invoker"), "")
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", body)
	assert.JSONEq(t, `{"id":"`+id+`","status":"pending"}`, string(body))
	assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
}

func TestReactorFormulas(t *testing.T) {
	f := newReactorFixture(t, nil)
	const formula = `{"name":"Charge","description":"charges a card","type":"private","code":"module.exports = async function (req) { return { raw: { number: req.args.card.number, key: req.configuration.API_KEY } }; };",
		"configuration":[{"name":"API_KEY","description":"the key","type":"string"}],
		"request_parameters":[{"name":"card.number","type":"string"},{"name":"amount","type":"number","optional":true}]}`
	runScenarios(t, f, []scenario{
		{
			Name: "create", Method: "POST", URL: "/reactor-formulas", Headers: key("mgmt"), Body: formula, Status: http.StatusCreated,
			JSON: map[string]any{
				"name": "Charge", "type": "private", "configuration.0.name": "API_KEY", "request_parameters.0.name": "card.number",
				"request_parameters.1.optional": true, "request_parameters.0.optional": false,
			},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				f.vars["formula"] = field(decodeJSON(t, body), "id").(string)
			},
		},
		{
			Name: "create invalid", Method: "POST", URL: "/reactor-formulas", Headers: key("mgmt"),
			Body:   `{"type":"robot","code":"module.exports = async () => ({})","configuration":[{"name":"a.b","type":"date"}]}`,
			Status: http.StatusBadRequest, Fields: []string{"name", "type", "configuration[0].name", "configuration[0].type"},
		},
		{
			Name: "create with a wrongly typed parameter", Method: "POST", URL: "/reactor-formulas", Headers: key("mgmt"),
			Body: `{"name":"x","code":"x","request_parameters":[{"name":"a","type":"string","optional":"yes"}]}`, Status: http.StatusBadRequest,
			Fields: []string{"request_parameters[0].optional"},
		},
		{
			Name: "create with a private key", Method: "POST", URL: "/reactor-formulas", Headers: key("invoker"), Body: formula,
			Status: http.StatusForbidden,
		},
		{
			Name: "get", Method: "GET", URL: "/reactor-formulas/{formula}", Headers: key("reactor_reader"), Status: http.StatusOK,
			JSON: map[string]any{"id": "{formula}", "description": "charges a card"},
		},
		{
			Name: "get unknown", Method: "GET", URL: "/reactor-formulas/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"),
			Status: http.StatusNotFound,
		},
		{
			Name: "list by name", Method: "GET", URL: "/reactor-formulas?name=char", Headers: key("mgmt"), Status: http.StatusOK,
			JSON: map[string]any{"pagination.total_items": "1", "pagination.page_size": "20", "data.0.id": "{formula}"},
		},
		{
			Name: "list with a bad size", Method: "GET", URL: "/reactor-formulas?size=1000", Headers: key("mgmt"), Status: http.StatusBadRequest,
			Fields: []string{"size"},
		},
		{
			Name: "list with a private key", Method: "GET", URL: "/reactor-formulas", Headers: key("invoker"), Status: http.StatusForbidden,
		},
		{
			Name: "a reactor made from the formula", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"name":"From formula","formula":{"id":"{formula}"},"configuration":{"API_KEY":"k-1"}}`, Status: http.StatusCreated,
			JSON: map[string]any{"formula.id": "{formula}"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				f.vars["formula_reactor"] = field(decodeJSON(t, body), "id").(string)
			},
		},
		{
			Name: "its configuration must fit the formula", Method: "POST", URL: "/reactors", Headers: key("mgmt"),
			Body: `{"name":"From formula","formula":{"id":"{formula}"},"configuration":{}}`, Status: http.StatusBadRequest,
			Fields: []string{"configuration.API_KEY"},
		},
		{
			Name: "its args must fit the request parameters", Method: "POST", URL: "/reactors/{formula_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"amount":"ten"}}`, Status: http.StatusBadRequest, Fields: []string{"args.card.number", "args.amount"},
		},
		{
			Name: "after detokenization", Method: "POST", URL: "/reactors/{formula_reactor}/react", Headers: key("invoker"),
			Body: `{"args":{"card":"{{ {card} }}","amount":10}}`, Status: http.StatusOK,
			JSON: map[string]any{"raw.number": "4242424242424242", "raw.key": "k-1"},
		},
		{
			Name: "update", Method: "PUT", URL: "/reactor-formulas/{formula}", Headers: key("mgmt"),
			Body:   `{"name":"Charge v2","type":"private","code":"module.exports = async function () { return { raw: 'v2' }; };","request_parameters":[]}`,
			Status: http.StatusOK, JSON: map[string]any{"name": "Charge v2"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, _ []byte) {
				res, b := f.do(t, "POST", "/reactors/{formula_reactor}/react", key("invoker"), "")
				require.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
				assert.Equal(t, "v2", field(decodeJSON(t, b), "raw"), "its reactors run the new code")
			},
		},
		{
			Name: "update unknown", Method: "PUT", URL: "/reactor-formulas/00000000-0000-0000-0000-000000000000", Headers: key("mgmt"),
			Body: formula, Status: http.StatusNotFound,
		},
		{
			Name: "delete while used", Method: "DELETE", URL: "/reactor-formulas/{formula}", Headers: key("mgmt"), Status: http.StatusConflict,
		},
		{
			Name: "delete with reactor:read only", Method: "DELETE", URL: "/reactor-formulas/{formula}", Headers: key("reactor_reader"),
			Status: http.StatusForbidden,
		},
		{
			Name: "delete its reactor", Method: "DELETE", URL: "/reactors/{formula_reactor}", Headers: key("mgmt"), Status: http.StatusNoContent,
		},
		{
			Name: "delete once unused", Method: "DELETE", URL: "/reactor-formulas/{formula}", Headers: key("mgmt"), Status: http.StatusNoContent,
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				assert.Empty(t, body)
				res, _ := f.do(t, "GET", "/reactor-formulas/{formula}", key("mgmt"), "")
				assert.Equal(t, http.StatusNotFound, res.StatusCode)
			},
		},
		{
			Name: "delete unknown", Method: "DELETE", URL: "/reactor-formulas/{formula}", Headers: key("mgmt"), Status: http.StatusNotFound,
		},
	})
}
