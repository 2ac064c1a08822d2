package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

func newWebhookFixture(t *testing.T) *fixture {
	f := newFixture(t, nil)
	ctx := context.Background()
	for name, perms := range map[string][]string{
		"hook_reader":     {vault.PermWebhookRead},
		"hook_reader_ref": {vault.PermWebhooksRead},
		"hook_creator":    {vault.PermWebhookCreate},
		"hook_updater":    {vault.PermWebhookUpdate},
		"tenant_reader":   {vault.PermTenantRead},
	} {
		a, err := f.v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: name, Type: vault.AppManagement, Permissions: perms})
		require.NoError(t, err)
		f.vars[name] = a.Key.Reveal()
	}
	w, err := f.v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "existing", URL: "https://hooks.invalid/a", Events: []string{"token.created"}})
	require.NoError(t, err)
	f.vars["hook"] = w.ID
	f.vars["hook_key"] = w.SigningKey.Reveal()
	return f
}

const hookBody = `{"name":"My Webhook","url":"https://hooks.invalid/b","notify_email":"ops@example.com","events":["token.created","*"]}`

func TestWebhookRoutes(t *testing.T) {
	f := newWebhookFixture(t)
	mgmt := key("mgmt")
	var created string
	runScenarios(t, f, []scenario{
		{Name: "create", Method: "POST", URL: "/webhooks", Headers: mgmt, Body: hookBody, Status: 201,
			JSON: map[string]any{"name": "My Webhook", "status": "enabled", "url": "https://hooks.invalid/b", "notify_email": "ops@example.com"},
			Check: func(t *testing.T, f *fixture, _ *http.Response, body []byte) {
				var w map[string]any
				require.NoError(t, json.Unmarshal(body, &w))
				key, _ := w["signing_key"].(string)
				assert.Len(t, key, 43, "the signing key in plaintext: %s", body)
				assert.Equal(t, []any{"token.created", "*"}, w["events"])
				for _, k := range []string{"id", "tenant_id", "created_at", "created_by"} {
					assert.Contains(t, w, k)
				}
				created = w["id"].(string)
			}},
		{Name: "create: field paths", Method: "POST", URL: "/webhooks", Headers: mgmt, Status: 400,
			Body: `{"name":"","url":"http://hooks.invalid","events":["nope"],"status":"paused"}`, Fields: []string{"name", "url", "events[0]", "status"}},
		{Name: "create: private address", Method: "POST", URL: "/webhooks", Headers: mgmt, Status: 400,
			Body: `{"name":"n","url":"https://10.0.0.1/x","events":["*"]}`, Fields: []string{"url"}},
		{Name: "create: events not an array", Method: "POST", URL: "/webhooks", Headers: mgmt, Status: 400,
			Body: `{"name":"n","url":"https://hooks.invalid","events":"*"}`, Fields: []string{"events"}},
		{Name: "create: not JSON", Method: "POST", URL: "/webhooks", Headers: mgmt, Status: 400, Body: `{"name":`},
		{Name: "create without a key", Method: "POST", URL: "/webhooks", Body: hookBody, Status: 401},
		{Name: "create without permission", Method: "POST", URL: "/webhooks", Headers: key("hook_reader"), Body: hookBody, Status: 403},
		{Name: "get", Method: "GET", URL: "/webhooks/{hook}", Headers: key("hook_reader"), Status: 200,
			JSON: map[string]any{"id": "{hook}", "name": "existing", "signing_key": "{hook_key}"}},
		{Name: "get, the reference's permission", Method: "GET", URL: "/webhooks/{hook}", Headers: key("hook_reader_ref"), Status: 200},
		{Name: "get without permission", Method: "GET", URL: "/webhooks/{hook}", Headers: key("tenant_reader"), Status: 403},
		{Name: "get unknown", Method: "GET", URL: "/webhooks/00000000-0000-0000-0000-000000000000", Headers: mgmt, Status: 404},
		{Name: "list", Method: "GET", URL: "/webhooks?size=1", Headers: key("hook_reader"), Status: 200,
			Contains: []string{`"pagination":{"next":"`, `"page_size":1`, `"signing_key":"{hook_key}"`}},
		{Name: "list: bad cursor", Method: "GET", URL: "/webhooks?start=zz!", Headers: mgmt, Status: 400, Fields: []string{"start"}},
		{Name: "list: bad size", Method: "GET", URL: "/webhooks?size=abc", Headers: mgmt, Status: 400, Fields: []string{"size"}},
		{Name: "update", Method: "PUT", URL: "/webhooks/{hook}", Headers: mgmt, Status: 200,
			Body: `{"name":"renamed","url":"https://hooks.invalid/c","events":["token.deleted"],"status":"disabled"}`,
			JSON: map[string]any{"name": "renamed", "status": "disabled", "url": "https://hooks.invalid/c"}, Contains: []string{`"modified_at":"`}},
		{Name: "update without read: no key", Method: "PUT", URL: "/webhooks/{hook}", Headers: key("hook_updater"), Status: 200,
			Body: hookBody, NotContains: []string{"signing_key", "{hook_key}"}},
		{Name: "update: field paths", Method: "PUT", URL: "/webhooks/{hook}", Headers: mgmt, Status: 400, Body: `{"events":[]}`,
			Fields: []string{"name", "url", "events"}},
		{Name: "update unknown", Method: "PUT", URL: "/webhooks/00000000-0000-0000-0000-000000000000", Headers: mgmt, Body: hookBody, Status: 404},
		{Name: "update without permission", Method: "PUT", URL: "/webhooks/{hook}", Headers: key("hook_creator"), Body: hookBody, Status: 403},
		{Name: "delete without permission", Method: "DELETE", URL: "/webhooks/{hook}", Headers: key("hook_reader"), Status: 403},
		{Name: "delete", Method: "DELETE", URL: "/webhooks/{hook}", Headers: mgmt, Status: 204},
		{Name: "deleted", Method: "GET", URL: "/webhooks/{hook}", Headers: mgmt, Status: 404},
		{Name: "delete again", Method: "DELETE", URL: "/webhooks/{hook}", Headers: mgmt, Status: 404},
		{Name: "ping", Method: "GET", URL: "/ping", Headers: key("private"), Status: 200},
		{Name: "ping, management", Method: "GET", URL: "/ping", Headers: key("tenant_reader"), Status: 200},
		{Name: "ping without a key", Method: "GET", URL: "/ping", Status: 401},
		{Name: "ping with a bad key", Method: "GET", URL: "/ping", Headers: map[string]string{"BT-API-KEY": "key_nope"}, Status: 401},
	})
	require.NotEmpty(t, created)

	// The limit: five per tenant (one left from the scenarios above).
	for range vault.MaxWebhooks - 1 {
		res, body := f.do(t, "POST", "/webhooks", mgmt, hookBody)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	}
	res, body := f.do(t, "POST", "/webhooks", mgmt, hookBody)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "%s", body)
	assert.NotContains(t, f.logs.String(), f.vars["hook_key"])
}

func FuzzCreateWebhookBody(f *testing.F) {
	fuzzBody(f, "POST", "/webhooks", "mgmt", hookBody,
		`{"name":"n","url":"https://hooks.invalid","events":["*"],"status":"disabled"}`,
		`{"name":"n","url":"https://user@hooks.invalid","events":["token.created","token.created"]}`,
		`{"name":"n","url":"https://[::1]:8443/x","events":["webhook.disabled"],"notify_email":"a@b"}`,
		`{"name":1,"url":null,"events":[1,{}],"notify_email":false}`,
		`{"name":"n","url":"https://%zz","events":"*"}`)
}

func FuzzUpdateWebhookBody(f *testing.F) {
	fx := newFixture(f, nil)
	w, err := fx.v.CreateWebhook(f.Context(), vault.CreateWebhookRequest{Name: "n", URL: "https://hooks.invalid/a", Events: []string{"*"}})
	if err != nil {
		f.Fatal(err)
	}
	fx.vars["hook"] = w.ID
	fuzzBodyOn(f, fx, "PUT", "/webhooks/{hook}", "mgmt", false, hookBody,
		`{"name":"n","url":"https://hooks.invalid","events":["*"],"status":"enabled"}`, `{"status":"paused"}`, `{"events":null}`)
}

func FuzzListWebhooksQuery(f *testing.F) {
	fuzzQuery(f, "/webhooks", "mgmt", "size=2", "start=aWFi", "start=%00", "size=1&start=")
}

// TestWebhookEventTypesRoute lists the catalogue to any authenticated
// caller, and to no one without a key.
func TestWebhookEventTypesRoute(t *testing.T) {
	f := newFixture(t, nil)
	for _, k := range []string{"mgmt", "private", "public"} {
		res, body := f.do(t, http.MethodGet, "/webhooks/event-types", key(k), "")
		require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", k, body)
		var types []string
		require.NoError(t, json.Unmarshal(body, &types))
		assert.Equal(t, vault.EventTypes(), types)
		assert.Contains(t, types, vault.EventTokenCreated)
		assert.Contains(t, types, vault.EventWebhookDisabled)
	}
	res, _ := f.do(t, http.MethodGet, "/webhooks/event-types", nil, "")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}
