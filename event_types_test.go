package vault_test

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
)

// eventShapes is the data shape of every event type of the catalogue: the
// paths of the members its events may have (objects by member name,
// arrays as []), actor aside. Only ids, names, types, statuses, amounts and times: never
// token data, keys, credentials or configuration.
var eventShapes = map[string][]string{
	vault.EventTokenCreated: {"token.containers[]", "token.created_at", "token.created_by", "token.expires_at", "token.id", "token.metadata.k",
		"token.type"},
	vault.EventTokenUpdated: {"token.containers[]", "token.created_at", "token.created_by", "token.id", "token.metadata.k", "token.modified_at",
		"token.modified_by", "token.type"},
	vault.EventTokenDeleted:          {"token.id"},
	vault.EventTokenExpired:          {"token.id"},
	vault.EventTokenPropertyExpired:  {"token.id", "token.property_name"},
	vault.EventTokenRead:             {"token.id", "token.type"},
	vault.EventTransactionCommitted:  {"transaction.id"},
	vault.EventTransactionRolledBack: {"transaction.id"},
	vault.EventReactorCreated:        {"reactor.created_at", "reactor.id", "reactor.name"},
	vault.EventReactorUpdated:        {"reactor.created_at", "reactor.id", "reactor.modified_at", "reactor.name"},
	vault.EventReactorDeleted:        {"reactor.id", "reactor.name"},
	vault.EventReactorInvoked:        {"reactor.id", "reactor.name", "request.id", "request.invocation_type"},
	vault.EventReactorCompleted:      {"elapsed_ms", "reactor.id", "reactor.name", "request.id", "request.invocation_type"},
	vault.EventReactorFailed:         {"elapsed_ms", "error", "reactor.id", "reactor.name", "request.id", "request.invocation_type"},
	vault.EventProxyCreated:          {"proxy.created_at", "proxy.id", "proxy.name", "proxy.require_auth"},
	vault.EventProxyUpdated:          {"proxy.created_at", "proxy.id", "proxy.modified_at", "proxy.name", "proxy.require_auth"},
	vault.EventProxyDeleted:          {"proxy.id", "proxy.name"},
	vault.EventProxyInvoked: {"destination.status", "elapsed_ms", "error", "proxy.ephemeral", "proxy.id", "proxy.name", "request.host",
		"request.method", "response.status"},
	vault.EventExchangeCreated:       {"exchange.created_at", "exchange.id", "exchange.name", "exchange.template.id"},
	vault.EventExchangeUpdated:       {"exchange.created_at", "exchange.id", "exchange.modified_at", "exchange.name", "exchange.template.id"},
	vault.EventExchangeDeleted:       {"exchange.id", "exchange.name"},
	vault.EventExchangeCompleted:     {"elapsed_ms", "exchange.id", "exchange.name", "source_token.id", "token.id"},
	vault.EventExchangeFailed:        {"elapsed_ms", "error", "exchange.id", "exchange.name", "source_token.id"},
	vault.EventApplicationCreated:    {"application.id", "application.name", "application.type"},
	vault.EventApplicationUpdated:    {"application.id", "application.name", "application.type"},
	vault.EventApplicationDeleted:    {"application.id"},
	vault.EventApplicationKeyCreated: {"application.id", "key.id"},
	vault.EventApplicationKeyDeleted: {"application.id", "key.id"},
	vault.EventSessionCreated:        {"session.id"},
	vault.EventSessionAuthorized:     {"session.id"},
	vault.EventTenantCreated:         {"tenant.id", "tenant.name"},
	vault.EventTenantUpdated:         {"tenant.id"},
	vault.EventTenantDeleted:         {"tenant.id"},
	vault.EventWebhookCreated:        webhookShape,
	vault.EventWebhookUpdated:        webhookShape,
	vault.EventWebhookDeleted:        webhookShape,
	vault.EventWebhookDisabled:       webhookShape,
}

var webhookShape = []string{"webhook.events[]", "webhook.id", "webhook.name", "webhook.status", "webhook.url"}

// TestEventCatalogue drives a vault through an operation raising each type
// of the catalogue and checks every event against its shape: the envelope
// (id, type, tenant, timestamp), the actor, and the members of its data,
// in which no marker of the token data, keys or configuration appears.
func TestEventCatalogue(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, proxyOpts := newDestination(t, nil)
	v, events := openReactorVault(t, append(proxyOpts, vault.WithClock(clock))...)
	ctx := t.Context()
	const secret = "4242424242424242"

	// Tokens: created, updated, deleted, expired, their cvc expired.
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard, Metadata: map[string]string{"k": "v"},
		Data: map[string]any{"number": secret, "expiration_month": 7, "expiration_year": 2031, "cvc": "123"}})
	require.NoError(t, err)
	_, err = v.UpdateToken(ctx, card.ID, vault.UpdateTokenRequest{Metadata: json.RawMessage(`{"k":"w"}`)})
	require.NoError(t, err)
	_, err = v.GetToken(ctx, card.ID) // token.read, raised by the batched audit writer
	require.NoError(t, err)
	soon := now.Add(time.Minute)
	short, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "marker-data", ExpiresAt: &soon})
	require.NoError(t, err)
	require.NoError(t, v.DeleteToken(ctx, short.ID))
	expiring, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "marker-data", ExpiresAt: &soon})
	require.NoError(t, err)
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	_ = expiring

	// Token transactions.
	for _, commit := range []bool{true, false} {
		txn, err := v.BeginTransaction(ctx)
		require.NoError(t, err)
		if commit {
			require.NoError(t, v.CommitTransaction(ctx, txn.ID))
		} else {
			require.NoError(t, v.RollbackTransaction(ctx, txn.ID))
		}
	}

	// Reactors: created, updated, invoked, completed, failed, deleted.
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "r", Configuration: map[string]string{"KEY": "marker-config"},
		Code: `module.exports = async (req) => { if (req.args.fail) throw new Error("no"); return { raw: { ok: true } }; };`})
	_, err = v.UpdateReactor(ctx, r.ID, vault.UpdateReactorRequest{Name: "r2", Configuration: map[string]string{"KEY": "marker-config"},
		Code: `module.exports = async (req) => { if (req.args.fail) throw new Error("no"); return { raw: { ok: true } }; };`})
	require.NoError(t, err)
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"card": "{{ " + card.ID + " }}"}})
	require.NoError(t, err)
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"fail": true}})
	require.Error(t, err)
	require.NoError(t, v.DeleteReactor(ctx, r.ID))

	// Exchanges: created, updated, completed, failed, deleted.
	ex, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "ex", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardPseudonym},
		Configuration: vault.Secrets{"HMAC_KEY": "marker-config"}})
	require.NoError(t, err)
	_, err = v.UpdateExchange(ctx, ex.ID, vault.UpdateExchangeRequest{Name: "ex2", Configuration: vault.Secrets{"HMAC_KEY": "marker-config"}})
	require.NoError(t, err)
	_, err = v.Exchange(ctx, ex.ID, card.ID)
	require.NoError(t, err)
	throwing := createExchange(t, v, createTemplate(t, v, `module.exports = function () { throw new Error("no"); };`).ID, nil)
	_, err = v.Exchange(ctx, throwing.ID, card.ID)
	require.Error(t, err)
	require.NoError(t, v.DeleteExchange(ctx, ex.ID))

	// Proxies: created, updated, invoked (passing and failing), deleted.
	px, err := v.CreateProxy(ctx, vault.CreateProxyRequest{Name: "px", DestinationURL: "https://" + destHost, Configuration: vault.Secrets{"K": "marker-config"}})
	require.NoError(t, err)
	_, err = v.UpdateProxy(ctx, px.ID, vault.UpdateProxyRequest{Name: "px2", DestinationURL: "https://" + destHost,
		Configuration: vault.Secrets{"K": "marker-config"}, RequestTransforms: []vault.ProxyTransform{{Code: `module.exports = async (req) => { if (req.args.body && req.args.body.fail) throw new Error("no"); return req.args; }`}}})
	require.NoError(t, err)
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: px.Key, Method: "POST", Header: jsonHeader(), Body: []byte(`{"card":"{{ ` + card.ID + ` | json: '$.number' }}"}`)})
	require.NoError(t, err)
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: px.Key, Method: "POST", Header: jsonHeader(), Body: []byte(`{"fail":true}`)})
	require.Error(t, err)
	require.NoError(t, v.DeleteProxy(ctx, px.ID))

	// Applications, their keys, sessions.
	app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "pub", Type: vault.AppPublic, Permissions: []string{vault.PermTokenCreate}})
	require.NoError(t, err)
	_, err = v.UpdateApplication(ctx, app.ID, vault.UpdateApplicationRequest{Name: "pub2", Permissions: []string{vault.PermTokenCreate}})
	require.NoError(t, err)
	key, err := v.CreateApplicationKey(ctx, app.ID)
	require.NoError(t, err)
	public := authenticate(t, v, key.Key)
	s, err := v.CreateSession(public)
	require.NoError(t, err)
	authorizer := appContext(t, v, vault.AppPrivate, []string{vault.PermTokenRead}, nil)
	require.NoError(t, v.AuthorizeSession(authorizer, vault.AuthorizeSessionRequest{Nonce: s.Nonce, Permissions: []string{vault.PermTokenRead}}))
	require.NoError(t, v.DeleteApplicationKey(ctx, app.ID, key.ID))
	require.NoError(t, v.DeleteApplication(ctx, app.ID))

	// Tenants.
	tenant, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "other"})
	require.NoError(t, err)
	_, err = v.UpdateTenant(vault.AsHost(ctx, tenant.ID), vault.UpdateTenantRequest{Name: "other2"})
	require.NoError(t, err)
	require.NoError(t, v.DeleteTenant(ctx, tenant.ID))

	// Connections, merchants, connectors, payments.
	paymentEvents(t, v)

	require.NoError(t, v.FlushAuditLog(ctx))
	require.NoError(t, v.FlushEvents(ctx))
	all := append(events.all(), webhookEvents(t)...)
	seen := map[string]bool{}
	union := map[string][]string{} // every member path of the events of a type
	for _, e := range all {
		if !slices.Contains(vault.EventTypes(), e.Type) {
			continue
		}
		want, ok := eventShapes[e.Type]
		if !ok {
			want, ok = paymentShapes[e.Type]
		}
		require.True(t, ok, "the catalogue's %s has a shape", e.Type)
		seen[e.Type] = true
		assert.NotEmpty(t, e.ID)
		assert.NotEmpty(t, e.TenantID)
		assert.False(t, e.Timestamp.IsZero())
		actor, ok := e.Data["actor"].(map[string]any)
		require.True(t, ok, "%s has an actor", e.Type)
		assert.Contains(t, []string{vault.ActorApplication, vault.ActorSystem}, actor["type"], e.Type)
		data := maps.Clone(e.Data)
		delete(data, "actor")
		for _, path := range shapeOf(data, "") {
			assert.Contains(t, want, path, "%s has no member %s", e.Type, path)
			union[e.Type] = append(union[e.Type], path)
		}
		b, err := json.Marshal(e)
		require.NoError(t, err)
		for _, marker := range []string{secret, "marker-data", "marker-config", simulator.TestAPIKey, "wrong-key", string(key.Key.Reveal())} {
			assert.NotContains(t, string(b), marker, "%s carries no data, key or configuration", e.Type)
		}
	}
	for _, typ := range vault.EventTypes() {
		assert.True(t, seen[typ], "an operation raised %s", typ)
		want := eventShapes[typ]
		if want == nil {
			want = paymentShapes[typ]
		}
		got := slices.Compact(slices.Sorted(slices.Values(union[typ])))
		assert.Equal(t, want, got, "the events of %s have every member of its shape", typ)
	}
	assert.Len(t, vault.EventTypes(), len(eventShapes)+len(paymentShapes), "every type of the catalogue has a shape")
}

// webhookEvents raises every webhook event in a vault of its own (a real
// clock: the disable span runs out) and returns its events.
func webhookEvents(t *testing.T) []vault.Event {
	t.Helper()
	r, opts := newReceiver(t, func(int) int { return 500 })
	events := &eventLog{t: t}
	v := openTestVault(t, append(opts, vault.WithWebhookBackoffForTest(time.Millisecond, 5*time.Millisecond),
		vault.WithWebhookDisableAfter(20*time.Millisecond), vault.WithEventHandler(events.handle))...)
	events.v = v
	ctx := t.Context()
	w := createHook(t, v, ctx, r.srv.URL, vault.EventTokenCreated)
	_, err := v.UpdateWebhook(ctx, w.ID, vault.UpdateWebhookRequest{Name: "hook 2", URL: r.srv.URL, Events: []string{vault.EventTokenCreated}})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "marker-data"})
	require.NoError(t, err)
	events.waitOfType(vault.EventWebhookDisabled, 1)
	require.NoError(t, v.DeleteWebhook(ctx, w.ID))
	require.NoError(t, v.FlushEvents(ctx))
	return events.all()
}

// paymentShapes are the shapes of the orchestration events.
var paymentShapes = map[string][]string{
	vault.EventConnectionCreated:   connectionShape,
	vault.EventConnectionUpdated:   connectionShape,
	vault.EventConnectionDeleted:   {"connection.id"},
	vault.EventConnectionAvailable: connectionShape,
	vault.EventConnectionFailed:    append(slices.Clone(connectionShape), "connection.status_reason"),
	vault.EventMerchantCreated:     {"merchant.guid", "merchant.name"},
	vault.EventMerchantArchived:    {"merchant.guid", "merchant.name"},
	vault.EventConnectorCreated:    connectorShape,
	vault.EventConnectorUpdated:    connectorShape,
	vault.EventConnectorArchived:   connectorShape,
	vault.EventPaymentAuthorized:   transactionShape,
	vault.EventPaymentDeclined:     transactionShape,
	vault.EventPaymentFailed:       transactionShape,
	vault.EventPaymentCaptured:     transactionShape,
	vault.EventPaymentVoided:       transactionShape,
	vault.EventPaymentRefunded:     transactionShape,
}

var (
	connectionShape  = []string{"connection.active", "connection.connection_formula_id", "connection.display_name", "connection.id", "connection.status"}
	connectorShape   = []string{"connector.adapter", "connector.guid", "connector.merchantGuid", "connector.method", "connector.name"}
	transactionShape = []string{"transaction.amount", "transaction.authorized_amount", "transaction.captured_amount", "transaction.connection.id", "transaction.connection.kind",
		"transaction.currency", "transaction.id", "transaction.refunded_amount", "transaction.status"}
)

// paymentEvents raises every orchestration event in v.
func paymentEvents(t *testing.T, v *vault.Vault) {
	t.Helper()
	ctx := t.Context()
	bad, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Bad",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret("wrong-key")}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	require.NoError(t, err)
	c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Sim",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	require.NoError(t, err)
	waitStatus(t, v, c.ID)
	waitStatus(t, v, bad.ID)
	_, err = v.UpdateConnection(ctx, bad.ID, vault.UpdateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Bad 2",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret("wrong-key")}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	require.NoError(t, err)
	require.NoError(t, v.DeleteConnection(ctx, bad.ID))

	m, err := v.CreateMerchant(ctx, vault.CreateMerchantRequest{Name: "Shop"})
	require.NoError(t, err)
	conn, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("on sim"), Adapter: ptr("Simulator"), Method: ptr("Credit Card"),
		APIKey: ptr(vault.NewSecret("k-sim")), Config: &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}}})
	require.NoError(t, err)
	_, err = v.UpdateConnector(ctx, conn.GUID, vault.ConnectorRequest{Name: ptr("on sim 2")})
	require.NoError(t, err)

	pay := func(number string, amount int64) *vault.Payment {
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
			Data: map[string]any{"number": number, "expiration_month": 12, "expiration_year": 2034}})
		require.NoError(t, err)
		p, err := v.CreatePayment(ctx, vault.CreatePaymentRequest{ConnectionID: c.ID, Amount: amount, Currency: "USD", Token: tok.ID, Intent: vault.IntentAuthorize})
		require.NoError(t, err)
		return p
	}
	captured := pay(simulator.CardApproved, 1000)
	_, err = v.CapturePayment(ctx, captured.ID, 0)
	require.NoError(t, err)
	_, err = v.RefundPayment(ctx, captured.ID, vault.RefundPaymentRequest{Amount: 100})
	require.NoError(t, err)
	_, err = v.VoidPayment(ctx, pay(simulator.CardApproved, 500).ID)
	require.NoError(t, err)
	assert.Equal(t, vault.PaymentAuthorizationDeclined, pay(simulator.CardDeclined, 500).Status)
	assert.Equal(t, vault.PaymentAuthorizationFailed, pay(simulator.CardProcessingError, 500).Status)

	_, err = v.ArchiveConnector(ctx, conn.GUID)
	require.NoError(t, err)
	_, err = v.ArchiveMerchant(ctx, m.GUID)
	require.NoError(t, err)
}

// shapeOf lists the member paths of val under prefix, sorted.
func shapeOf(val any, prefix string) []string {
	var out []string
	switch x := val.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = append(out, shapeOf(e, p)...)
		}
	case []any:
		if len(x) == 0 {
			return []string{prefix + "[]"}
		}
		seen := map[string]bool{}
		for _, e := range x {
			for _, p := range shapeOf(e, prefix+"[]") {
				if !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	default:
		return []string{prefix}
	}
	sort.Strings(out)
	return out
}
