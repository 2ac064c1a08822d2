package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
	"github.com/tokenvault/vault/storage/memory"
)

// simulatorConnector is a valid request for a Simulator connector.
func simulatorConnector(name string) vault.ConnectorRequest {
	return vault.ConnectorRequest{Name: ptr(name), Adapter: ptr("Simulator"), Method: ptr("Credit Card"),
		APIKey: ptr(vault.NewSecret("sim-connector-a")), BusinessCountry: ptr("AT"),
		Config: &vault.ConnectorConfigRequest{Username: ptr("asmith"), Password: ptr(vault.NewSecret("supersecure1")),
			APISecret: ptr(vault.NewSecret("ljkllLkklmKLlk3")), Language: ptr("de"), TestMode: ptr(true),
			ExtraData: map[string]any{"merchant_id": "m-1"}, Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}},
		Settings: map[string]string{"tx:expiration-minutes": "900", "refund:ui-enabled": "1"},
	}
}

func newMerchant(t *testing.T, v *vault.Vault) *vault.Merchant {
	t.Helper()
	m, err := v.CreateMerchant(t.Context(), vault.CreateMerchantRequest{Name: "Acme", Description: "d"})
	require.NoError(t, err)
	return m
}

func TestMerchants(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	m := newMerchant(t, v)
	assert.Regexp(t, `^ME-[0-9A-F]{4}(-[0-9A-F]{4}){5}$`, m.GUID)
	got, err := v.GetMerchant(ctx, m.GUID)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	_, err = v.CreateMerchant(ctx, vault.CreateMerchantRequest{})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonRequired, e.Reasons["name"])
	list, err := v.ListMerchants(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 1)
	a, err := v.ArchiveMerchant(ctx, m.GUID)
	require.NoError(t, err)
	assert.True(t, a.Archived)
	_, err = v.CreateConnector(ctx, m.GUID, simulatorConnector("after archive"))
	requireKind(t, err, vault.KindNotFound)
	_, err = v.GetMerchant(ctx, "ME-0000")
	requireKind(t, err, vault.KindNotFound)
}

func TestConnectorValidation(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	m := newMerchant(t, v)
	with := func(change func(r *vault.ConnectorRequest)) vault.ConnectorRequest {
		r := simulatorConnector("Simulator A")
		change(&r)
		return r
	}
	cases := map[string]struct {
		req    vault.ConnectorRequest
		path   string
		reason vault.FieldReason
	}{
		"no name":         {with(func(r *vault.ConnectorRequest) { r.Name = nil }), "name", vault.ReasonRequired},
		"short name":      {with(func(r *vault.ConnectorRequest) { r.Name = ptr("ab") }), "name", vault.ReasonFormat},
		"control in name": {with(func(r *vault.ConnectorRequest) { r.Name = ptr("abc\x01") }), "name", vault.ReasonCharacters},
		"no adapter":      {with(func(r *vault.ConnectorRequest) { r.Adapter = nil }), "adapter", vault.ReasonRequired},
		"unknown adapter": {with(func(r *vault.ConnectorRequest) { r.Adapter = ptr("Adyen") }), "adapter", vault.ReasonValue},
		"no method":       {with(func(r *vault.ConnectorRequest) { r.Method = nil }), "method", vault.ReasonRequired},
		"no api key":      {with(func(r *vault.ConnectorRequest) { r.APIKey = nil }), "apiKey", vault.ReasonRequired},
		"space in key":    {with(func(r *vault.ConnectorRequest) { r.APIKey = ptr(vault.NewSecret("a b")) }), "apiKey", vault.ReasonCharacters},
		"long secret": {with(func(r *vault.ConnectorRequest) { r.SharedSecret = ptr(vault.NewSecret(strings.Repeat("s", 51))) }),
			"sharedSecret", vault.ReasonFormat},
		"country format":   {with(func(r *vault.ConnectorRequest) { r.BusinessCountry = ptr("at") }), "businessCountry", vault.ReasonFormat},
		"not a country":    {with(func(r *vault.ConnectorRequest) { r.BusinessCountry = ptr("ZZ") }), "businessCountry", vault.ReasonValue},
		"language":         {with(func(r *vault.ConnectorRequest) { r.Config.Language = ptr("DE") }), "config.language", vault.ReasonFormat},
		"postback":         {with(func(r *vault.ConnectorRequest) { r.PostbackFormat = ptr("yaml") }), "postbackFormat", vault.ReasonValue},
		"transaction type": {with(func(r *vault.ConnectorRequest) { r.DisabledTransactionTypes = []string{"refund", "fly"} }), "disabledTransactionTypes[1]", vault.ReasonValue},
		"unknown extra":    {with(func(r *vault.ConnectorRequest) { r.Config.ExtraData = map[string]any{"setting": "x"} }), "config.extraData", vault.ReasonNotApplicable},
		"extra type":       {with(func(r *vault.ConnectorRequest) { r.Config.ExtraData = map[string]any{"merchant_id": 1} }), "config.extraData.merchant_id", vault.ReasonFormat},
		"no vault key":     {with(func(r *vault.ConnectorRequest) { r.Config.Vault = map[string]vault.Secret{} }), "config.vault.api_key", vault.ReasonRequired},
		"negative int":     {with(func(r *vault.ConnectorRequest) { r.VtRiskRuleSet = ptr(int64(-1)) }), "vtRiskRuleSet", vault.ReasonFormat},
		"terminal id": {with(func(r *vault.ConnectorRequest) { r.Terminals = []vault.Terminal{{TerminalID: "t"}, {TerminalID: "t"}} }),
			"terminals[1].terminalId", vault.ReasonValue},
		"routing on an adapter": {with(func(r *vault.ConnectorRequest) {
			r.RoutingMetaConnector = &vault.RoutingMetaConnector{DefaultConnector: "CO-1"}
		}), "routingMetaConnector", vault.ReasonNotApplicable},
		"meta method": {with(func(r *vault.ConnectorRequest) { r.Method = ptr(vault.MetaConnector) }), "method", vault.ReasonNotApplicable},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateConnector(ctx, m.GUID, tc.req)
			e := requireKind(t, err, vault.KindInvalid)
			assert.Contains(t, e.Fields, tc.path)
			assert.Equal(t, tc.reason, e.Reasons[tc.path], "%v", e.Fields)
			b, _ := json.Marshal(e)
			for _, secret := range []string{"sim-connector-a", "supersecure1", "ljkllLkklmKLlk3", simulator.TestAPIKey} {
				assert.NotContains(t, string(b)+e.Error(), secret)
			}
		})
	}
	list, err := v.ListConnectors(ctx, m.GUID)
	require.NoError(t, err)
	assert.Empty(t, list, "nothing invalid was stored")
	_, err = v.CreateConnector(ctx, "ME-nope", simulatorConnector("x y z"))
	requireKind(t, err, vault.KindNotFound)
}

func TestConnectorLifecycle(t *testing.T) {
	var mu sync.Mutex
	var events []vault.Event
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithEventHandler(func(_ context.Context, e vault.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		}))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	m := newMerchant(t, v)

	c, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("SimulatorConnector A"))
	require.NoError(t, err)
	assert.Regexp(t, `^CO-[0-9A-F]{4}(-[0-9A-F]{4}){5}$`, c.GUID)
	generated := c.SharedSecret.Reveal()
	assert.Len(t, generated, 30, "a shared secret is generated and shown once")
	assert.Equal(t, vault.PostbackInherit, c.PostbackFormat)
	assert.Equal(t, m.GUID, c.MerchantGUID)
	assert.False(t, c.IsMetaConnector)
	b, _ := json.Marshal(c)
	for _, secret := range []string{"sim-connector-a", "supersecure1", "ljkllLkklmKLlk3", simulator.TestAPIKey} {
		assert.NotContains(t, string(b), secret)
	}
	assert.NotContains(t, fmt.Sprintf("%v %+v", c, c), generated)

	got, err := v.GetConnector(ctx, c.GUID)
	require.NoError(t, err)
	assert.True(t, got.SharedSecret.IsZero(), "shown once only")
	b, _ = json.Marshal(got)
	assert.NotContains(t, string(b), "sharedSecret")

	// Update: omitted members keep their value; addSettings adds and
	// overwrites; removeSettings removes; settings replaces.
	up, err := v.UpdateConnector(ctx, c.GUID, vault.ConnectorRequest{Description: ptr("My test Connector"),
		AddSettings: map[string]string{"tx:expiration-minutes": "100", "new": "1"}, RemoveSettings: []string{"refund:ui-enabled"}})
	require.NoError(t, err)
	assert.Equal(t, "SimulatorConnector A", up.Name)
	assert.Equal(t, "AT", up.BusinessCountry)
	assert.Equal(t, "My test Connector", up.Description)
	assert.Equal(t, map[string]string{"tx:expiration-minutes": "100", "new": "1"}, up.Settings)
	assert.True(t, up.SharedSecret.IsZero(), "the shared secret is kept, not generated again")
	up, err = v.UpdateConnector(ctx, c.GUID, vault.ConnectorRequest{Settings: map[string]string{"only": "this"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"only": "this"}, up.Settings)
	_, err = v.UpdateConnector(ctx, c.GUID, vault.ConnectorRequest{Name: ptr("x")})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonFormat, e.Reasons["name"])
	got, _ = v.GetConnector(ctx, c.GUID)
	assert.Equal(t, "SimulatorConnector A", got.Name, "a failed update changes nothing")

	// Meta-connectors.
	other, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("SimulatorConnector B"))
	require.NoError(t, err)
	metaReq := func(rm *vault.RoutingMetaConnector, mm *vault.MultiMethodMetaConnector) vault.ConnectorRequest {
		return vault.ConnectorRequest{Name: ptr("Meta"), Adapter: ptr(vault.MetaConnector), Method: ptr(vault.MetaConnector),
			APIKey: ptr(vault.NewSecret("meta-key")), RoutingMetaConnector: rm, MultiMethodMetaConnector: mm}
	}
	_, err = v.CreateConnector(ctx, m.GUID, metaReq(&vault.RoutingMetaConnector{DefaultConnector: c.GUID}, &vault.MultiMethodMetaConnector{}))
	e = requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonNotApplicable, e.Reasons["multiMethodMetaConnector"], "never both")
	_, err = v.CreateConnector(ctx, m.GUID, metaReq(nil, nil))
	e = requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonRequired, e.Reasons["routingMetaConnector"])
	_, err = v.CreateConnector(ctx, m.GUID, metaReq(&vault.RoutingMetaConnector{DefaultConnector: "CO-NOPE"}, nil))
	e = requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonNotFound, e.Reasons["routingMetaConnector.defaultConnector"])
	_, err = v.CreateConnector(ctx, m.GUID, metaReq(nil, &vault.MultiMethodMetaConnector{Retries: 10}))
	e = requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonValue, e.Reasons["multiMethodMetaConnector.retries"])
	meta, err := v.CreateConnector(ctx, m.GUID, metaReq(nil, &vault.MultiMethodMetaConnector{Retries: 2, Expiry: 24,
		Rules: []vault.RoutingRule{{Conditions: []vault.RoutingCondition{{Field: vault.RouteFieldCurrency, Operator: vault.RouteOpEquals, Value: "EUR"}},
			Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{other.GUID, c.GUID}}}}}))
	require.NoError(t, err)
	assert.True(t, meta.IsMetaConnector)
	_, err = v.UpdateConnector(ctx, meta.GUID, vault.ConnectorRequest{RoutingMetaConnector: &vault.RoutingMetaConnector{DefaultConnector: c.GUID}})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonNotApplicable, e.Reasons["multiMethodMetaConnector"], "the exclusivity holds on update")
	_, err = v.UpdateConnector(ctx, c.GUID, vault.ConnectorRequest{MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{}})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonNotApplicable, e.Reasons["multiMethodMetaConnector"], "not on an adapter connector")
	d := vault.Route(meta.MultiMethodMetaConnector.Rules, vault.RoutingInput{Currency: "EUR"}, true)
	assert.Equal(t, []string{other.GUID, c.GUID}, d.Connectors)

	list, err := v.ListConnectors(ctx, m.GUID)
	require.NoError(t, err)
	assert.Len(t, list, 3)
	arch, err := v.ArchiveConnector(ctx, other.GUID)
	require.NoError(t, err)
	assert.True(t, arch.Archived)
	_, err = v.UpdateConnector(ctx, meta.GUID, vault.ConnectorRequest{MultiMethodMetaConnector: meta.MultiMethodMetaConnector})
	e = requireKind(t, err, vault.KindInvalid)
	assert.NotEmpty(t, e.Fields, "an archived connector cannot be routed to anew")

	settings, err := v.GetConnectorSettings(ctx, "Simulator")
	require.NoError(t, err)
	assert.Equal(t, "merchant_id", settings.BaseConfig[0].Name)
	assert.Equal(t, "api_key", settings.VaultConfig[0].Name)
	_, err = v.GetConnectorSettings(ctx, "Nope")
	requireKind(t, err, vault.KindNotFound)

	dump := dumpAll(t, store)
	for _, secret := range []string{"sim-connector-a", "asmith", "supersecure1", "ljkllLkklmKLlk3", simulator.TestAPIKey, generated, "meta-key"} {
		assert.False(t, bytes.Contains(dump, []byte(secret)), "the store holds a connector secret in plaintext")
	}
	require.NoError(t, v.RotateKeys(ctx, nil))
	_, err = v.UpdateConnector(ctx, c.GUID, vault.ConnectorRequest{Alias: ptr("default")})
	require.NoError(t, err, "the secrets open after rotation")

	require.NoError(t, v.FlushEvents(ctx))
	mu.Lock()
	defer mu.Unlock()
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	for _, typ := range []string{vault.EventMerchantCreated, vault.EventConnectorCreated, vault.EventConnectorUpdated, vault.EventConnectorArchived} {
		assert.Contains(t, types, typ)
	}
	b, _ = json.Marshal(events)
	assert.NotContains(t, string(b), "supersecure1")
}

func TestConnectorPermissions(t *testing.T) {
	v := openTestVault(t)
	m := newMerchant(t, v)
	reader := appContext(t, v, vault.AppManagement, []string{vault.PermConnectorRead, vault.PermMerchantRead}, nil)
	_, err := v.CreateConnector(reader, m.GUID, simulatorConnector("abc"))
	requireKind(t, err, vault.KindForbidden)
	_, err = v.CreateMerchant(reader, vault.CreateMerchantRequest{Name: "x"})
	requireKind(t, err, vault.KindForbidden)
	_, err = v.ListConnectors(reader, m.GUID)
	require.NoError(t, err)
	_, err = v.ArchiveMerchant(reader, m.GUID)
	requireKind(t, err, vault.KindForbidden)
}

// TestMetaConnectorChangesKind clears one meta member and sets the other in
// one update.
func TestMetaConnectorChangesKind(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	m := newMerchant(t, v)
	sim, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("Simulator A"))
	require.NoError(t, err)
	meta, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("Meta"), Adapter: ptr(vault.MetaConnector), Method: ptr(vault.MetaConnector),
		APIKey: ptr(vault.NewSecret("meta-key")), MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Retries: 1}})
	require.NoError(t, err)
	up, err := v.UpdateConnector(ctx, meta.GUID, vault.ConnectorRequest{ClearMultiMethodMetaConnector: true,
		RoutingMetaConnector: &vault.RoutingMetaConnector{DefaultConnector: sim.GUID, ReRouteRecurring: true}})
	require.NoError(t, err)
	assert.Nil(t, up.MultiMethodMetaConnector)
	require.NotNil(t, up.RoutingMetaConnector)
	assert.Equal(t, sim.GUID, up.RoutingMetaConnector.DefaultConnector)
	_, err = v.UpdateConnector(ctx, meta.GUID, vault.ConnectorRequest{ClearRoutingMetaConnector: true})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, vault.ReasonRequired, e.Reasons["routingMetaConnector"], "a meta-connector keeps one kind")
}
