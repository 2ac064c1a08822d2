package vault_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/memory"
)

// TestEveryTableIsRotatedAndPurged creates a record of every resource in a
// tenant, rotates the keys and deletes the tenant: every sealed value is
// re-sealed under the new key version, and afterwards no key or value in
// any bucket of the store names the tenant. A table that Check, rotation or
// the purge did not know of would fail it.
func TestEveryTableIsRotatedAndPurged(t *testing.T) { testEveryTableIsRotatedAndPurged(t, nil) }

// TestEveryTableIsRotatedAndPurgedWithEvents is the same with an event
// handler, so that every change also wrote its event to the outbox: once
// they are delivered, the purge leaves no outbox key of the tenant either,
// and tenant.deleted was delivered.
func TestEveryTableIsRotatedAndPurgedWithEvents(t *testing.T) {
	log := &eventLog{}
	testEveryTableIsRotatedAndPurged(t, log)
	var types []string
	for _, e := range log.all() {
		types = append(types, e.Type)
	}
	assert.Contains(t, types, "tenant.deleted")
	assert.Contains(t, types, vault.EventTokenCreated)
}

func testEveryTableIsRotatedAndPurged(t *testing.T, events *eventLog) {
	store := memory.New()
	opts := []vault.Option{vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithReactorWorkers(0)} // async jobs stay stored
	if events != nil {
		opts = append(opts, vault.WithEventHandler(events.handle))
	}
	v, err := vault.Open("", opts...)
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	tenant, mgmt, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	host := vault.AsHost(ctx, tenant.ID)

	// Tokens (one expiring: a global index), an application with a second
	// key, a public application's session, an idempotency record, a
	// transaction with a staged token (and its lock), a reactor formula, a
	// reactor with configuration, an asynchronous job, a private exchange
	// template, exchanges of it and of an official template, a connection,
	// and a merchant with a connector.
	exp := time.Now().Add(time.Hour)
	_, err = v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242",
		Metadata: map[string]string{"k": "v"}, SearchIndexes: []string{"{{ data | last4 }}"}, ExpiresAt: &exp})
	require.NoError(t, err)
	tok, err := v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "secret"})
	require.NoError(t, err)
	app, err := v.CreateApplication(host, vault.CreateApplicationRequest{Name: "a", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)
	_, err = v.CreateApplicationKey(host, app.ID)
	require.NoError(t, err)
	pub, err := v.CreateApplication(host, vault.CreateApplicationRequest{Name: "web", Type: vault.AppPublic, Permissions: []string{vault.PermTokenCreate}})
	require.NoError(t, err)
	pubCtx, err := v.Authenticate(ctx, pub.Key.Reveal())
	require.NoError(t, err)
	_, err = v.CreateSession(vault.WithPrincipal(ctx, pubCtx))
	require.NoError(t, err)
	_, err = v.BeginIdempotent(host, "idem", []byte("hash"))
	require.NoError(t, err)
	require.NoError(t, v.CompleteIdempotent(host, "idem", vault.IdempotentResponse{Status: 201, Body: []byte(`{"id":"x"}`)}))
	txn, err := v.BeginTransaction(host)
	require.NoError(t, err)
	_, err = v.UpdateToken(vault.WithTransaction(host, txn.ID), tok.ID, vault.UpdateTokenRequest{Data: []byte(`"changed"`)})
	require.NoError(t, err)
	_, err = v.CreateReactorFormula(host, vault.CreateReactorFormulaRequest{Name: "f", Type: "private",
		Code: `module.exports = async () => ({ raw: 1 })`})
	require.NoError(t, err)
	r, err := v.CreateReactor(host, vault.CreateReactorRequest{Name: "r", Code: `module.exports = async () => ({ raw: 1 })`,
		Configuration: map[string]string{"KEY": "value"}})
	require.NoError(t, err)
	_, err = v.ReactAsync(host, r.ID, vault.ReactRequest{Args: map[string]any{"a": 1}})
	require.NoError(t, err)
	tmpl, err := v.CreateExchangeTemplate(host, vault.CreateExchangeTemplateRequest{Name: "t", SourceTokenType: vault.TypeToken,
		Code: `module.exports = async (c) => ({ data: c.configuration.K })`, Configuration: []vault.ExchangeTemplateConfig{{Name: "K", Type: "string"}}})
	require.NoError(t, err)
	ex, err := v.CreateExchange(host, vault.CreateExchangeRequest{Name: "e", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID},
		Configuration: vault.Secrets{"K": "value"}})
	require.NoError(t, err)
	_, err = v.Exchange(host, ex.ID, tok.ID)
	require.NoError(t, err)
	_, err = v.CreateExchange(host, vault.CreateExchangeRequest{Name: "official", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardPseudonym},
		Configuration: vault.Secrets{"HMAC_KEY": "k"}})
	require.NoError(t, err)
	_, err = v.CreateConnection(host, vault.CreateConnectionRequest{ConnectionFormulaID: "adyen-card", Method: "card", DisplayName: "c",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret("k")}, {Key: "merchant_account", Value: vault.NewSecret("m")}},
		AcceptedCountries: []string{"NL"}, AcceptedCurrencies: []string{"EUR"}})
	require.NoError(t, err)
	merchant, err := v.CreateMerchant(host, vault.CreateMerchantRequest{Name: "m"})
	require.NoError(t, err)
	_, err = v.CreateConnector(host, merchant.GUID, simulatorConnector("connector"))
	require.NoError(t, err)
	// A webhook (hooks.invalid never resolves: its delivery jobs stay queued).
	_, err = v.CreateWebhook(host, vault.CreateWebhookRequest{Name: "w", URL: "https://hooks.invalid/x", Events: []string{"*"}})
	require.NoError(t, err)
	_, err = v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "delivered to the webhook"})
	require.NoError(t, err)
	require.NoError(t, v.Check(ctx))

	require.NoError(t, v.RotateKeys(ctx, nil))
	sealedTables := map[string]bool{}
	require.NoError(t, store.ForEach(func(bucket string, _, val []byte) error {
		vers, registered, err := vault.SealedVersionsForTest(bucket, val)
		if !registered {
			return nil
		}
		require.NoError(t, err, bucket)
		for _, ver := range vers {
			sealedTables[bucket] = true
			assert.Equal(t, uint32(2), ver, "a %s record still sealed under the old key", bucket)
		}
		return nil
	}))
	for _, bucket := range []string{"tokens", "reactors", "jobs.payload", "idempotency", "txns.staged", "exchanges", "connections", "connectors", "webhooks"} {
		assert.True(t, sealedTables[bucket], "no sealed %s record was seen: the test made none", bucket)
	}

	require.NoError(t, v.DeleteTenant(ctx, tenant.ID))
	require.NoError(t, v.FlushEvents(ctx)) // the tenant's events are delivered before they are purged
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	require.NoError(t, v.Check(ctx))
	id := []byte(tenant.ID)
	require.NoError(t, store.ForEach(func(bucket string, key, val []byte) error {
		if bucket == "keys" && bytes.Contains(key, id) {
			// The keyring's tombstone, by which every process sharing the
			// store refuses the tenant: a deletion time, no key material
			// (a wrapped 32-byte key and its GCM overhead are 60 bytes).
			assert.Less(t, len(val), 32, "the tombstone holds no key")
			return nil
		}
		assert.False(t, bytes.Contains(key, id), "bucket %s keeps a key of the deleted tenant", bucket)
		assert.False(t, bytes.Contains(val, id), "bucket %s keeps a value naming the deleted tenant", bucket)
		return nil
	}))
	_, err = v.Authenticate(context.Background(), mgmt.Key.Reveal())
	requireKind(t, err, vault.KindUnauthenticated)
}
