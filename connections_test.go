package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/simulator"
	"github.com/tokenvault/vault/storage/memory"
)

// verifier is an adapter whose VerifyCredentials answers by the api_key
// value: "good" works, "refused" is refused, "flaky" fails twice with no
// answer and then works, "down" never answers. Payments are not used here.
type verifier struct {
	gateway.Adapter // nil: the payment methods are not called
	calls           atomic.Int32
	flaky           atomic.Int32
}

func (f *verifier) Definition() gateway.Definition {
	return gateway.Definition{ID: "verifier-card", DisplayName: "Verifier", Method: "card", Mode: "card",
		Fields: []gateway.Field{
			{Key: "api_key", DisplayName: "API key", Required: true, Secret: true, Format: gateway.FormatText},
			{Key: "merchant", DisplayName: "Merchant", Format: gateway.FormatText},
			{Key: "pem", DisplayName: "PEM", Secret: true, Format: gateway.FormatMultiline},
		},
		SupportedCurrencies: []string{"USD", "EUR", "GBP"}, SupportedCountries: []string{"US", "GB", "DE"},
		Features: gateway.Features{VerifyCredentials: true, ThreeDSecureHosted: true}}
}

func (f *verifier) VerifyCredentials(ctx context.Context, creds gateway.Credentials) error {
	f.calls.Add(1)
	switch creds["api_key"] {
	case "good":
		return nil
	case "refused":
		return fmt.Errorf("%w: bad key", gateway.ErrCredentials)
	case "flaky":
		if f.flaky.Add(1) <= 2 {
			return fmt.Errorf("%w: timeout", gateway.ErrUnavailable)
		}
		return nil
	}
	return fmt.Errorf("%w: down", gateway.ErrUnavailable)
}

func connectionRequest(apiKey string) vault.CreateConnectionRequest {
	return vault.CreateConnectionRequest{ConnectionFormulaID: "verifier-card", Method: "card", DisplayName: "Verifier (test)",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(apiKey)}, {Key: "merchant", Value: vault.NewSecret("m-1")}},
		AcceptedCountries: []string{"US", "GB"}, AcceptedCurrencies: []string{"USD"}}
}

// waitStatus polls a connection until its status is not pending.
func waitStatus(t *testing.T, v *vault.Vault, id string) *vault.Connection {
	t.Helper()
	var c *vault.Connection
	require.Eventually(t, func() bool {
		var err error
		c, err = v.GetConnection(t.Context(), id)
		require.NoError(t, err)
		return c.Status != vault.ConnectionPending
	}, 20*time.Second, 5*time.Millisecond)
	return c
}

func TestConnectionVerification(t *testing.T) {
	ad := &verifier{}
	var mu sync.Mutex
	var events []vault.Event
	v := openTestVault(t, vault.WithGatewayAdapter(ad), vault.WithEventHandler(func(_ context.Context, e vault.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}))
	ctx := t.Context()

	good, err := v.CreateConnection(ctx, connectionRequest("good"))
	require.NoError(t, err)
	assert.Equal(t, vault.ConnectionPending, good.Status)
	assert.True(t, good.Active, "active by default")
	assert.True(t, good.ThreeDSecureEnabled, "the formula supports 3-D Secure")
	assert.Equal(t, []vault.ConnectionFieldValue{{Key: "api_key", Secret: true}, {Key: "merchant", Value: "m-1"}}, good.Fields)
	assert.Equal(t, vault.ConnectionAvailable, waitStatus(t, v, good.ID).Status)

	refused, err := v.CreateConnection(ctx, connectionRequest("refused"))
	require.NoError(t, err)
	c := waitStatus(t, v, refused.ID)
	assert.Equal(t, vault.ConnectionFailed, c.Status)
	assert.Equal(t, "the payment service refused the credentials", c.StatusReason)

	t.Run("no answer is retried", func(t *testing.T) {
		// The queue's backoff starts at a second: the flaky service
		// answers on the third attempt, about 3 s on.
		flaky, err := v.CreateConnection(ctx, connectionRequest("flaky"))
		require.NoError(t, err)
		assert.Equal(t, vault.ConnectionAvailable, waitStatus(t, v, flaky.ID).Status)
		assert.EqualValues(t, 3, ad.flaky.Load())
	})

	t.Run("an update verifies again", func(t *testing.T) {
		req := vault.UpdateConnectionRequest(connectionRequest("refused"))
		req.DisplayName = "renamed"
		up, err := v.UpdateConnection(ctx, good.ID, req)
		require.NoError(t, err)
		assert.Equal(t, vault.ConnectionPending, up.Status)
		assert.Equal(t, "renamed", up.DisplayName)
		require.NotNil(t, up.ModifiedAt)
		assert.Equal(t, vault.ConnectionFailed, waitStatus(t, v, good.ID).Status)
	})

	t.Run("a formula without an adapter", func(t *testing.T) {
		c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "adyen-card", Method: "card", DisplayName: "Adyen",
			Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret("k")}, {Key: "merchant_account", Value: vault.NewSecret("m")}},
			AcceptedCountries: []string{"NL"}, AcceptedCurrencies: []string{"EUR"}})
		require.NoError(t, err)
		assert.Equal(t, vault.ConnectionFailed, c.Status)
		assert.Contains(t, c.StatusReason, "no payment service adapter is registered for the adyen-card connection formula")
	})

	list, err := v.ListConnections(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 4)
	require.NoError(t, v.DeleteConnection(ctx, refused.ID))
	_, err = v.GetConnection(ctx, refused.ID)
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteConnection(ctx, refused.ID), vault.KindNotFound)

	require.NoError(t, v.FlushEvents(ctx))
	mu.Lock()
	defer mu.Unlock()
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	for _, typ := range []string{vault.EventConnectionCreated, vault.EventConnectionAvailable, vault.EventConnectionFailed, vault.EventConnectionUpdated, vault.EventConnectionDeleted} {
		assert.Contains(t, types, typ)
	}
	b, _ := json.Marshal(events)
	assert.NotContains(t, string(b), "m-1", "no field value in events")
}

// stepClock is a clock that tests move by hand.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *stepClock { return &stepClock{t: time.Now()} }

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestConnectionUnreachableFails(t *testing.T) {
	// Every attempt fails with no answer: once they are spent the connection
	// is failed. The test clock runs the backoff at once.
	clock := newTestClock()
	ad := &verifier{}
	v := openTestVault(t, vault.WithGatewayAdapter(ad), vault.WithClock(clock.now))
	c, err := v.CreateConnection(t.Context(), connectionRequest("down"))
	require.NoError(t, err)
	var got *vault.Connection
	require.Eventually(t, func() bool {
		clock.advance(10 * time.Minute)
		got, err = v.GetConnection(t.Context(), c.ID)
		require.NoError(t, err)
		return got.Status != vault.ConnectionPending
	}, 20*time.Second, 10*time.Millisecond)
	t.Logf("calls %d", ad.calls.Load())
	assert.Equal(t, vault.ConnectionFailed, got.Status)
	assert.Equal(t, "the payment service could not be reached to verify the credentials", got.StatusReason)
	assert.EqualValues(t, 6, ad.calls.Load(), "every attempt was made")
}

func TestConnectionValidation(t *testing.T) {
	v := openTestVault(t, vault.WithGatewayAdapter(&verifier{}))
	ctx := t.Context()
	with := func(change func(r *vault.CreateConnectionRequest)) vault.CreateConnectionRequest {
		r := connectionRequest("good")
		change(&r)
		return r
	}
	field := func(k, val string) vault.ConnectionField {
		return vault.ConnectionField{Key: k, Value: vault.NewSecret(val)}
	}
	cases := map[string]struct {
		req   vault.CreateConnectionRequest
		paths []string
	}{
		"no formula":      {with(func(r *vault.CreateConnectionRequest) { r.ConnectionFormulaID = "" }), []string{"connection_formula_id"}},
		"unknown formula": {with(func(r *vault.CreateConnectionRequest) { r.ConnectionFormulaID = "stripe" }), []string{"connection_formula_id"}},
		"no method":       {with(func(r *vault.CreateConnectionRequest) { r.Method = "" }), []string{"method"}},
		"wrong method":    {with(func(r *vault.CreateConnectionRequest) { r.Method = "ideal" }), []string{"method"}},
		"no name":         {with(func(r *vault.CreateConnectionRequest) { r.DisplayName = "" }), []string{"display_name"}},
		"long name":       {with(func(r *vault.CreateConnectionRequest) { r.DisplayName = strings.Repeat("ü", 201) }), []string{"display_name"}},
		"no fields":       {with(func(r *vault.CreateConnectionRequest) { r.Fields = nil }), []string{"fields"}},
		"missing required": {with(func(r *vault.CreateConnectionRequest) { r.Fields = []vault.ConnectionField{field("merchant", "m")} }),
			[]string{"fields"}},
		"unknown key": {with(func(r *vault.CreateConnectionRequest) { r.Fields = append(r.Fields, field("private_key", "x")) }),
			[]string{"fields[2].key"}},
		"no key": {with(func(r *vault.CreateConnectionRequest) { r.Fields = append(r.Fields, field("", "x")) }), []string{"fields[2].key"}},
		"twice": {with(func(r *vault.CreateConnectionRequest) { r.Fields = append(r.Fields, field("merchant", "x")) }),
			[]string{"fields[2].key"}},
		"empty required": {with(func(r *vault.CreateConnectionRequest) { r.Fields[0] = field("api_key", "") }), []string{"fields[0].value"}},
		"two lines":      {with(func(r *vault.CreateConnectionRequest) { r.Fields[1] = field("merchant", "a\nb") }), []string{"fields[1].value"}},
		"huge value": {with(func(r *vault.CreateConnectionRequest) { r.Fields[1] = field("merchant", strings.Repeat("x", 8193)) }),
			[]string{"fields[1].value"}},
		"no countries":     {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCountries = nil }), []string{"accepted_countries"}},
		"lower country":    {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCountries = []string{"us"} }), []string{"accepted_countries[0]"}},
		"not a country":    {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCountries = []string{"US", "ZZ"} }), []string{"accepted_countries[1]"}},
		"alpha-3 country":  {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCountries = []string{"USA"} }), []string{"accepted_countries[0]"}},
		"a continent":      {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCountries = []string{"EU"} }), []string{"accepted_countries[0]"}},
		"unsupported":      {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCountries = []string{"US", "FR"} }), []string{"accepted_countries[1]"}},
		"country twice":    {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCountries = []string{"US", "US"} }), []string{"accepted_countries[1]"}},
		"no currencies":    {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCurrencies = []string{} }), []string{"accepted_currencies"}},
		"not a currency":   {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCurrencies = []string{"ABC"} }), []string{"accepted_currencies[0]"}},
		"lower currency":   {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCurrencies = []string{"usd"} }), []string{"accepted_currencies[0]"}},
		"unsupported coin": {with(func(r *vault.CreateConnectionRequest) { r.AcceptedCurrencies = []string{"JPY"} }), []string{"accepted_currencies[0]"}},
		"everything": {vault.CreateConnectionRequest{AcceptedCountries: []string{"x"}},
			[]string{"connection_formula_id", "method", "display_name", "fields", "accepted_countries[0]", "accepted_currencies"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateConnection(ctx, tc.req)
			e := requireKind(t, err, vault.KindInvalid)
			for _, path := range tc.paths {
				assert.Contains(t, e.Fields, path)
			}
			assert.Len(t, e.Fields, len(tc.paths), "%v", e.Fields)
			b, _ := json.Marshal(e)
			assert.NotContains(t, string(b)+e.Error(), "good", "no field value in the error")
		})
	}
	list, err := v.ListConnections(ctx)
	require.NoError(t, err)
	assert.Empty(t, list, "nothing invalid was stored")

	ok := with(func(r *vault.CreateConnectionRequest) {
		r.Fields = append(r.Fields, field("pem", "-----BEGIN KEY-----\nabc\n-----END KEY-----"))
		off := false
		r.Active = &off
	})
	c, err := v.CreateConnection(ctx, ok)
	require.NoError(t, err, "a multiline field takes newlines")
	assert.False(t, c.Active)
	_, err = v.UpdateConnection(ctx, "missing", vault.UpdateConnectionRequest(ok))
	requireKind(t, err, vault.KindNotFound)
	_, err = v.UpdateConnection(ctx, c.ID, vault.UpdateConnectionRequest{})
	requireKind(t, err, vault.KindInvalid)
}

func TestConnectionPermissions(t *testing.T) {
	v := openTestVault(t, vault.WithGatewayAdapter(&verifier{}))
	c, err := v.CreateConnection(t.Context(), connectionRequest("good"))
	require.NoError(t, err)
	reader := appContext(t, v, vault.AppManagement, []string{vault.PermConnectionRead}, nil)
	_, err = v.GetConnection(reader, c.ID)
	require.NoError(t, err)
	_, err = v.ListConnections(reader)
	require.NoError(t, err)
	for name, call := range map[string]func() error{
		"create": func() error { _, err := v.CreateConnection(reader, connectionRequest("good")); return err },
		"update": func() error {
			_, err := v.UpdateConnection(reader, c.ID, vault.UpdateConnectionRequest(connectionRequest("good")))
			return err
		},
		"delete":   func() error { return v.DeleteConnection(reader, c.ID) },
		"formulas": func() error { _, err := v.ListConnectionFormulas(reader); return err },
	} {
		e, ok := errorsAsVault(call())
		require.True(t, ok, name)
		assert.Equal(t, vault.KindForbidden, e.Kind, name)
	}
	creator := appContext(t, v, vault.AppManagement, []string{vault.PermConnectionCreate}, nil)
	_, err = v.GetConnection(creator, c.ID)
	requireKind(t, err, vault.KindForbidden)
	for _, perm := range []string{vault.PermConnectionFormula, vault.PermConnectionFormulaRead} {
		caller := appContext(t, v, vault.AppManagement, []string{perm}, nil)
		formulas, err := v.ListConnectionFormulas(caller)
		require.NoError(t, err, perm)
		assert.NotEmpty(t, formulas)
	}
}

func TestConnectionFormulas(t *testing.T) {
	v := openTestVault(t, vault.WithGatewayAdapter(&verifier{}),
		vault.WithConnectionFormula(gateway.Definition{ID: "acme-card", DisplayName: "Acme", Method: "card", Mode: "card",
			SupportedCurrencies: []string{"USD"}, SupportedCountries: []string{"US"}}))
	formulas, err := v.ListConnectionFormulas(t.Context())
	require.NoError(t, err)
	byID := map[string]*vault.ConnectionFormula{}
	var ids []string
	for _, f := range formulas {
		byID[f.ID] = f
		ids = append(ids, f.ID)
	}
	assert.IsIncreasing(t, ids)
	for _, id := range []string{"adyen-card", "braintree-card", "stripe-card", "mock-card", "worldpayvap-card", "verifier-card", "acme-card"} {
		require.Contains(t, byID, id)
		assert.Equal(t, vault.ConnectionFormulaType, byID[id].Type)
		assert.Equal(t, "card", byID[id].Method)
	}
	assert.True(t, byID["verifier-card"].HasAdapter)
	assert.False(t, byID["acme-card"].HasAdapter)
	assert.False(t, byID["adyen-card"].HasAdapter)
	braintree := byID["braintree-card"]
	priv, ok := braintree.Field("private_key")
	require.True(t, ok)
	assert.True(t, priv.Required && priv.Secret)
	acct, ok := braintree.Field("merchant_account_id")
	require.True(t, ok)
	assert.False(t, acct.Required || acct.Secret)
	assert.Equal(t, "Merchant Account Id", acct.DisplayName)

	b, err := json.Marshal(byID["stripe-card"])
	require.NoError(t, err)
	var shape map[string]any
	require.NoError(t, json.Unmarshal(b, &shape))
	for _, k := range []string{"id", "type", "display_name", "method", "fields", "supported_currencies", "supported_countries", "mode",
		"supported_features", "required_checkout_fields", "configuration"} {
		assert.Contains(t, shape, k)
	}
	features := shape["supported_features"].(map[string]any)
	assert.Len(t, features, 21, "every feature of reference 10")
	braintree.Fields[0].Key = "changed"
	again, _ := v.ListConnectionFormulas(t.Context())
	for _, f := range again {
		if f.ID == "braintree-card" {
			assert.Equal(t, "merchant_id", f.Fields[0].Key, "callers get copies")
		}
	}
}

func TestConnectionFieldsSealed(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithGatewayAdapter(&verifier{}))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	const secret = "sk_live_ConnCanary9"
	req := connectionRequest("good")
	req.Fields = append(req.Fields, vault.ConnectionField{Key: "pem", Value: vault.NewSecret(secret)})
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", req, req, req), secret)
	c, err := v.CreateConnection(ctx, req)
	require.NoError(t, err)
	b, _ := json.Marshal(c)
	assert.NotContains(t, string(b), secret, "secret values are never returned")
	assert.False(t, bytes.Contains(dumpAll(t, store), []byte(secret)), "the store holds a secret field value in plaintext")
	assert.False(t, bytes.Contains(dumpAll(t, store), []byte("m-1")), "non-secret values are sealed too")
	require.NoError(t, v.RotateKeys(ctx, nil))
	got, err := v.GetConnection(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "m-1", got.Fields[1].Value, "rotation re-sealed the fields")
}

// TestConnectionOnTheSimulator uses the built-in adapter of mock-card: a
// connection with the Simulator's test key turns available, one with a bad
// key failed.
func TestConnectionOnTheSimulator(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	mk := func(key string) *vault.Connection {
		c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Simulator",
			Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(key)}, {Key: "merchant_id", Value: vault.NewSecret("m-42")}},
			AcceptedCountries: []string{"US", "DE"}, AcceptedCurrencies: []string{"USD", "EUR"}})
		require.NoError(t, err)
		return c
	}
	good, bad := mk(simulator.TestAPIKey), mk("not-a-sim-key")
	assert.Equal(t, vault.ConnectionAvailable, waitStatus(t, v, good.ID).Status)
	failed := waitStatus(t, v, bad.ID)
	assert.Equal(t, vault.ConnectionFailed, failed.Status)
	assert.Equal(t, "the payment service refused the credentials", failed.StatusReason)
	assert.Equal(t, []vault.ConnectionFieldValue{{Key: "api_key", Secret: true}, {Key: "merchant_id", Value: "m-42"}}, failed.Fields)
}

// TestConnectionVerificationOnPostgres creates connections through one of
// two vaults sharing a PostgreSQL database: whichever runs the job, both
// read the outcome.
func TestConnectionVerificationOnPostgres(t *testing.T) {
	schema := newPostgresSchema(t)
	a, b := openPostgresVault(t, schema), openPostgresVault(t, schema)
	ctx := t.Context()
	var ids []string
	for i := range 6 {
		key := simulator.TestAPIKey
		if i%2 == 1 {
			key = "refused"
		}
		c, err := a.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: fmt.Sprint("sim ", i),
			Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(key)}},
			AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
		require.NoError(t, err)
		ids = append(ids, c.ID)
	}
	for i, id := range ids {
		want := vault.ConnectionAvailable
		if i%2 == 1 {
			want = vault.ConnectionFailed
		}
		assert.Equal(t, want, waitStatus(t, b, id).Status)
	}
}
