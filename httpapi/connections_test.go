package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway"
)

// seedGateway is the payment service of seed 000's examples: formula
// "stripe" with the one field "private_key". Keys starting sk_test_ verify.
type seedGateway struct{ gateway.Adapter }

func (seedGateway) Definition() gateway.Definition {
	return gateway.Definition{ID: "stripe", DisplayName: "Stripe", Method: "card", Mode: "card",
		Fields:              []gateway.Field{{Key: "private_key", DisplayName: "Private key", Required: true, Secret: true, Format: gateway.FormatText}},
		SupportedCurrencies: []string{"EUR", "USD", "GBP"}, SupportedCountries: []string{"US", "GB", "DE", "FR"},
		Features: gateway.Features{ThreeDSecureHosted: true, VerifyCredentials: true}}
}

func (seedGateway) VerifyCredentials(_ context.Context, c gateway.Credentials) error {
	if strings.HasPrefix(c["private_key"], "sk_test_") {
		return nil
	}
	return gateway.ErrCredentials
}

func seedFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seed000", name))
	require.NoError(t, err)
	return string(b)
}

func newConnectionFixture(t *testing.T) *fixture {
	f := newFixture(t, []vault.Option{vault.WithGatewayAdapter(seedGateway{})})
	ctx := context.Background()
	for name, perms := range map[string][]string{
		"conn_reader":   {vault.PermConnectionRead},
		"conn_creator":  {vault.PermConnectionCreate},
		"formula_old":   {vault.PermConnectionFormula},
		"formula_new":   {vault.PermConnectionFormulaRead},
		"tenant_reader": {vault.PermTenantRead},
	} {
		a, err := f.v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: name, Type: vault.AppManagement, Permissions: perms})
		require.NoError(t, err)
		f.vars[name] = a.Key.Reveal()
	}
	return f
}

// assertSeedShape checks that every member of the seed's response has the
// seed's value in ours (the id aside), and returns ours decoded.
func assertSeedShape(t *testing.T, seed string, body []byte) map[string]any {
	t.Helper()
	var want, got map[string]any
	require.NoError(t, json.Unmarshal([]byte(seed), &want))
	require.NoError(t, json.Unmarshal(body, &got), "%s", body)
	for k, v := range want {
		require.Contains(t, got, k, "the seed's response member %s", k)
		if k != "id" {
			assert.Equal(t, v, got[k], "member %s", k)
		}
	}
	return got
}

func TestConnectionSeedExamples(t *testing.T) {
	f := newConnectionFixture(t)
	mgmt := key("mgmt")

	// The create request decodes field for field.
	var req vault.CreateConnectionRequest
	require.NoError(t, json.Unmarshal([]byte(seedFile(t, "create_request.json")), &req))
	assert.Equal(t, "stripe", req.ConnectionFormulaID)
	assert.Equal(t, "card", req.Method)
	assert.Equal(t, "Stripe (Production)", req.DisplayName)
	assert.Equal(t, []string{"US", "GB", "DE"}, req.AcceptedCountries)
	assert.Equal(t, []string{"EUR", "USD", "GBP"}, req.AcceptedCurrencies)
	require.NotNil(t, req.Active)
	assert.True(t, *req.Active)
	require.Len(t, req.Fields, 1)
	assert.Equal(t, "private_key", req.Fields[0].Key)
	assert.Equal(t, "sk_test_26PHem9A...", req.Fields[0].Value.Reveal())

	res, body := f.do(t, "POST", "/orchestration/connections", mgmt, seedFile(t, "create_request.json"))
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	got := assertSeedShape(t, seedFile(t, "create_response.json"), body)
	assert.Equal(t, []any{map[string]any{"key": "private_key", "secret": true}}, got["fields"], "the secret value is not returned")
	assert.NotContains(t, string(body), "sk_test_26PHem9A")
	id := got["id"].(string)
	assert.Regexp(t, `^[0-9a-f-]{36}$`, id)

	res, body = f.do(t, "PUT", "/orchestration/connections/"+id, mgmt, seedFile(t, "update_request.json"))
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	got = assertSeedShape(t, seedFile(t, "update_response.json"), body)
	assert.Equal(t, id, got["id"])
	assert.NotEmpty(t, got["modified_at"])
	assert.NotContains(t, string(body), "sk_test_26PHem9AhJZvU623DfE1x4sd")

	require.Eventually(t, func() bool {
		_, body = f.do(t, "GET", "/orchestration/connections/"+id, mgmt, "")
		return strings.Contains(string(body), `"status":"available"`)
	}, 10*time.Second, 5*time.Millisecond, "the seed's sk_test_ key verifies")

	res, body = f.do(t, "GET", "/orchestration/connections", mgmt, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(body, &list), "a plain array: %s", body)
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0]["id"])
	for _, k := range []string{"connection_formula_id", "display_name", "method", "status", "accepted_countries", "accepted_currencies", "three_d_secure_enabled", "active"} {
		assert.Contains(t, list[0], k)
	}
}

func TestConnectionRoutes(t *testing.T) {
	f := newConnectionFixture(t)
	ctx := context.Background()
	good := seedFile(t, "update_request.json")
	body := func(change func(m map[string]any)) string {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(good), &m))
		change(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	refused, err := f.v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "stripe", Method: "card", DisplayName: "refused",
		Fields: []vault.ConnectionField{{Key: "private_key", Value: vault.NewSecret("sk_live_nope")}}, AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	require.NoError(t, err)
	f.vars["refused"] = refused.ID
	require.Eventually(t, func() bool {
		c, err := f.v.GetConnection(ctx, refused.ID)
		require.NoError(t, err)
		return c.Status == vault.ConnectionFailed
	}, 10*time.Second, 5*time.Millisecond, "bad credentials fail")

	mgmt := key("mgmt")
	runScenarios(t, f, []scenario{
		{Name: "formulas", Method: "GET", URL: "/orchestration/connection_formulas", Headers: key("formula_new"), Status: 200,
			Contains: []string{`"id":"stripe-card"`, `"type":"payment-service-definition"`, `"id":"stripe"`, `"supported_features":{`}},
		{Name: "formulas, the reference's permission", Method: "GET", URL: "/orchestration/connection_formulas", Headers: key("formula_old"), Status: 200},
		{Name: "formulas without permission", Method: "GET", URL: "/orchestration/connection_formulas", Headers: key("conn_reader"), Status: 403},
		{Name: "formulas without a key", Method: "GET", URL: "/orchestration/connection_formulas", Status: 401},
		{Name: "create: no formula", Method: "POST", URL: "/orchestration/connections", Headers: mgmt, Status: 400,
			Body: body(func(m map[string]any) { delete(m, "connection_formula_id") }), Fields: []string{"connection_formula_id"}},
		{Name: "create: unknown field", Method: "POST", URL: "/orchestration/connections", Headers: mgmt, Status: 400,
			Body:   body(func(m map[string]any) { m["fields"] = []any{map[string]any{"key": "secret_key", "value": "x"}} }),
			Fields: []string{"fields[0].key", "fields"}, NotContains: []string{`"x"`}},
		{Name: "create: a field value not a string", Method: "POST", URL: "/orchestration/connections", Headers: mgmt, Status: 400,
			Body: body(func(m map[string]any) { m["fields"] = []any{map[string]any{"key": "private_key", "value": 12}} }), Fields: []string{"fields[0].value"}},
		{Name: "create: bad codes", Method: "POST", URL: "/orchestration/connections", Headers: mgmt, Status: 400,
			Body:   body(func(m map[string]any) { m["accepted_countries"] = []any{"XX"}; m["accepted_currencies"] = []any{"JPY"} }),
			Fields: []string{"accepted_countries[0]", "accepted_currencies[0]"}},
		{Name: "create: not JSON", Method: "POST", URL: "/orchestration/connections", Headers: mgmt, Status: 400, Body: `{"fields": [`},
		{Name: "create without permission", Method: "POST", URL: "/orchestration/connections", Headers: key("conn_reader"), Body: good, Status: 403},
		{Name: "create without a key", Method: "POST", URL: "/orchestration/connections", Body: good, Status: 401},
		{Name: "create with a bad key", Method: "POST", URL: "/orchestration/connections", Headers: map[string]string{"BT-API-KEY": "key_nope"}, Body: good, Status: 401},
		{Name: "creator may not read", Method: "GET", URL: "/orchestration/connections", Headers: key("conn_creator"), Status: 403},
		{Name: "reader lists", Method: "GET", URL: "/orchestration/connections", Headers: key("conn_reader"), Status: 200,
			Contains: []string{`"status":"failed"`, `"status_reason":"the payment service refused the credentials"`}, NotContains: []string{"sk_live_nope"}},
		{Name: "get", Method: "GET", URL: "/orchestration/connections/{refused}", Headers: key("conn_reader"), Status: 200,
			JSON: map[string]any{"display_name": "refused", "status": "failed"}},
		{Name: "get unknown", Method: "GET", URL: "/orchestration/connections/00000000-0000-0000-0000-000000000000", Headers: mgmt, Status: 404},
		{Name: "get without permission", Method: "GET", URL: "/orchestration/connections/{refused}", Headers: key("tenant_reader"), Status: 403},
		{Name: "update", Method: "PUT", URL: "/orchestration/connections/{refused}", Headers: mgmt, Body: good, Status: 200,
			JSON: map[string]any{"status": "pending", "display_name": "Stripe (Production)"}},
		{Name: "update: field errors", Method: "PUT", URL: "/orchestration/connections/{refused}", Headers: mgmt, Status: 400,
			Body: body(func(m map[string]any) { m["display_name"] = ""; m["method"] = "ideal" }), Fields: []string{"display_name", "method"}},
		{Name: "update unknown", Method: "PUT", URL: "/orchestration/connections/00000000-0000-0000-0000-000000000000", Headers: mgmt, Body: good, Status: 404},
		{Name: "update without permission", Method: "PUT", URL: "/orchestration/connections/{refused}", Headers: key("conn_reader"), Body: good, Status: 403},
		{Name: "delete without permission", Method: "DELETE", URL: "/orchestration/connections/{refused}", Headers: key("conn_reader"), Status: 403},
		{Name: "delete", Method: "DELETE", URL: "/orchestration/connections/{refused}", Headers: mgmt, Status: 204},
		{Name: "deleted", Method: "GET", URL: "/orchestration/connections/{refused}", Headers: mgmt, Status: 404},
		{Name: "delete again", Method: "DELETE", URL: "/orchestration/connections/{refused}", Headers: mgmt, Status: 404},
	})
	assert.NotContains(t, f.logs.String(), "sk_live_nope")
	assert.NotContains(t, f.logs.String(), "sk_test_26PHem9AhJZvU623DfE1x4sd")
}
