package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// renamed is a Simulator under another IXOPAY adapter name and formula id,
// answering every authorization as fix says (nil: the Simulator's answer).
type renamed struct {
	*simulator.Simulator
	name string
	fix  func(res *gateway.Result, err error) (*gateway.Result, error)
}

func (r *renamed) Definition() gateway.Definition {
	d := r.Simulator.Definition()
	d.ID, d.Adapter = r.name+"-card", r.name
	return d
}

func (r *renamed) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	res, err := r.Simulator.Authorize(ctx, req)
	if r.fix != nil {
		return r.fix(res, err)
	}
	return res, err
}

func softDecline(*gateway.Result, error) (*gateway.Result, error) {
	return &gateway.Result{Outcome: gateway.OutcomeDeclined, Soft: true, Decline: gateway.DeclineInsufficientFunds}, nil
}

func hardDecline(*gateway.Result, error) (*gateway.Result, error) {
	return &gateway.Result{Outcome: gateway.OutcomeDeclined, Decline: gateway.DeclineGeneric}, nil
}

// payWorld is a vault with the Simulator, two renamed ones that soft- and
// hard-decline, a caller that may pay, a card, and a verified connection.
type payWorld struct {
	v          *vault.Vault
	sim        *simulator.Simulator
	store      *memory.Store
	caller     context.Context
	card       *vault.Token
	connection string
	merchant   string
	events     *eventLog
}

func newPayWorld(t *testing.T, opts ...vault.Option) *payWorld {
	t.Helper()
	w := &payWorld{sim: simulator.New(), store: memory.New(), events: &eventLog{}}
	v, err := vault.Open("", append([]vault.Option{vault.WithStore(w.store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithGatewayAdapter(w.sim),
		vault.WithGatewayAdapter(&renamed{Simulator: w.sim, name: "SoftSim", fix: softDecline}),
		vault.WithGatewayAdapter(&renamed{Simulator: w.sim, name: "HardSim", fix: hardDecline}),
		vault.WithEventHandler(w.events.handle)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	w.v = v
	ctx := t.Context()
	w.card, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": simulator.CardApproved, "expiration_month": 12, "expiration_year": 2034, "cvc": "737"}})
	require.NoError(t, err)
	c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Sim",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"US", "DE"}, AcceptedCurrencies: []string{"USD", "EUR"}})
	require.NoError(t, err)
	waitStatus(t, v, c.ID)
	w.connection = c.ID
	m, err := v.CreateMerchant(ctx, vault.CreateMerchantRequest{Name: "Shop"})
	require.NoError(t, err)
	w.merchant = m.GUID
	w.caller = appContext(t, v, vault.AppPrivate, []string{vault.PermPaymentCreate, vault.PermPaymentRead, vault.PermPaymentUpdate, vault.PermTokenUse}, nil)
	return w
}

// connector creates a connector on an adapter name.
func (w *payWorld) connector(t *testing.T, adapter string) string {
	t.Helper()
	c, err := w.v.CreateConnector(t.Context(), w.merchant, vault.ConnectorRequest{Name: ptr("on " + adapter), Adapter: ptr(adapter),
		Method: ptr("Credit Card"), APIKey: ptr(vault.NewSecret("k-" + adapter)),
		Config: &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}}})
	require.NoError(t, err)
	return c.GUID
}

// meta creates a multi-method meta-connector routing every payment to
// guids in order, with retries.
func (w *payWorld) meta(t *testing.T, retries int, guids ...string) string {
	t.Helper()
	c, err := w.v.CreateConnector(t.Context(), w.merchant, vault.ConnectorRequest{Name: ptr("router"), Adapter: ptr(vault.MetaConnector),
		Method: ptr(vault.MetaConnector), APIKey: ptr(vault.NewSecret("k-router")),
		MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Retries: retries, Rules: []vault.RoutingRule{
			{Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: guids}}}}})
	require.NoError(t, err)
	return c.GUID
}

func (w *payWorld) pay(t *testing.T, target map[string]string, amount int64, intent string) *vault.Payment {
	t.Helper()
	req := vault.CreatePaymentRequest{Amount: amount, Currency: "USD", Token: w.card.ID, Intent: intent, ConnectionID: target["connection"],
		ConnectorGUID: target["connector"]}
	p, err := w.v.CreatePayment(w.caller, req)
	require.NoError(t, err)
	return p
}

func TestPaymentLifecycle(t *testing.T) {
	w := newPayWorld(t)
	ctx := w.caller
	p := w.pay(t, map[string]string{"connection": w.connection}, 1000, vault.IntentAuthorize)
	assert.Equal(t, vault.PaymentAuthorizationSucceed, p.Status)
	assert.Equal(t, int64(1000), p.AuthorizedAmount)
	assert.Equal(t, "transaction", p.Type)
	assert.Equal(t, vault.PaymentMethod{Type: "card", Scheme: "visa", BIN: "41111111", Last4: "1111", ExpirationMonth: 12, ExpirationYear: 2034}, p.PaymentMethod)
	assert.NotEmpty(t, p.ConnectionTransactionID)
	assert.NotEmpty(t, p.ReconciliationID)
	assert.Equal(t, "match", p.CVVResponseCode)
	require.Len(t, p.Attempts, 1)
	assert.Equal(t, "approved", p.Attempts[0].Outcome)

	p, err := w.v.CapturePayment(ctx, p.ID, 600)
	require.NoError(t, err)
	assert.Equal(t, vault.PaymentCaptureSucceeded, p.Status)
	assert.Equal(t, int64(600), p.CapturedAmount)
	_, err = w.v.CapturePayment(ctx, p.ID, 0)
	requireKind(t, err, vault.KindConflict)
	_, err = w.v.VoidPayment(ctx, p.ID)
	requireKind(t, err, vault.KindConflict)

	r1, err := w.v.RefundPayment(ctx, p.ID, vault.RefundPaymentRequest{Amount: 100, Reason: "requested_by_customer"})
	require.NoError(t, err)
	assert.Equal(t, vault.RefundSucceeded, r1.Status)
	_, err = w.v.RefundPayment(ctx, p.ID, vault.RefundPaymentRequest{Amount: 501})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "amount")
	r2, err := w.v.RefundPayment(ctx, p.ID, vault.RefundPaymentRequest{})
	require.NoError(t, err)
	assert.Equal(t, int64(500), r2.Amount, "the rest")
	_, err = w.v.RefundPayment(ctx, p.ID, vault.RefundPaymentRequest{Amount: 1})
	requireKind(t, err, vault.KindConflict)
	p, err = w.v.GetPayment(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(600), p.RefundedAmount)
	assert.Len(t, p.Refunds, 2)
	assert.Len(t, p.Attempts, 4)
	assert.Equal(t, 1, w.sim.Calls(simulator.OpCapture), "captured once")
	assert.Equal(t, 2, w.sim.Calls(simulator.OpRefund))

	v2 := w.pay(t, map[string]string{"connection": w.connection}, 300, vault.IntentAuthorize)
	v2, err = w.v.VoidPayment(ctx, v2.ID)
	require.NoError(t, err)
	assert.Equal(t, vault.PaymentVoided, v2.Status)
	require.NotNil(t, v2.VoidedAt)

	direct := w.pay(t, map[string]string{"connection": w.connection}, 250, vault.IntentCapture)
	assert.Equal(t, vault.PaymentCaptureSucceeded, direct.Status)
	assert.Equal(t, int64(250), direct.CapturedAmount)

	require.NoError(t, w.v.FlushEvents(t.Context()))
	var types []string
	for _, e := range w.events.all() {
		types = append(types, e.Type)
	}
	for _, typ := range []string{vault.EventPaymentAuthorized, vault.EventPaymentCaptured, vault.EventPaymentRefunded, vault.EventPaymentVoided} {
		assert.Contains(t, types, typ)
	}
	b, _ := json.Marshal(w.events.all())
	dump := dumpAll(t, w.store)
	for _, s := range []string{simulator.CardApproved, simulator.CardApproved[6:]} {
		assert.NotContains(t, string(b), s, "events hold no card data")
		pb, _ := json.Marshal(p)
		assert.NotContains(t, string(pb), s, "the payment holds no card number")
	}
	assert.False(t, bytes.Contains(dump, []byte(simulator.CardApproved)), "the store holds no card in plaintext")
}

func TestPaymentCascade(t *testing.T) {
	w := newPayWorld(t)
	sim, soft, hard := w.connector(t, "Simulator"), w.connector(t, "SoftSim"), w.connector(t, "HardSim")
	soft2 := w.connector(t, "SoftSim")
	cases := []struct {
		name     string
		retries  int
		legs     []string
		status   string
		attempts []string // outcomes in order
		via      string
	}{
		{"soft decline moves on", 1, []string{soft, sim}, vault.PaymentAuthorizationSucceed, []string{"declined", "approved"}, sim},
		{"hard decline stops", 2, []string{hard, sim}, vault.PaymentAuthorizationDeclined, []string{"declined"}, ""},
		{"retries stop at the limit", 0, []string{soft, sim}, vault.PaymentAuthorizationDeclined, []string{"declined"}, ""},
		{"soft everywhere", 2, []string{soft, soft2}, vault.PaymentAuthorizationDeclined, []string{"declined", "declined"}, ""},
		{"first approves", 3, []string{sim, soft}, vault.PaymentAuthorizationSucceed, []string{"approved"}, sim},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := w.pay(t, map[string]string{"connector": w.meta(t, tc.retries, tc.legs...)}, 700, vault.IntentAuthorize)
			assert.Equal(t, tc.status, p.Status)
			var got []string
			for _, a := range p.Attempts {
				got = append(got, a.Outcome)
			}
			assert.Equal(t, tc.attempts, got)
			if tc.via != "" {
				require.NotNil(t, p.Connection)
				assert.Equal(t, tc.via, p.Connection.ID)
			}
			if tc.status == vault.PaymentAuthorizationDeclined {
				assert.NotEmpty(t, p.ErrorCode)
			}
		})
	}

	t.Run("archived and disabled connectors are skipped", func(t *testing.T) {
		gone := w.connector(t, "Simulator")
		meta := w.meta(t, 1, gone, sim)
		_, err := w.v.ArchiveConnector(t.Context(), gone)
		require.NoError(t, err)
		p := w.pay(t, map[string]string{"connector": meta}, 700, vault.IntentAuthorize)
		assert.Equal(t, vault.PaymentAuthorizationSucceed, p.Status)
		require.Len(t, p.Attempts, 2)
		assert.Equal(t, "skipped", p.Attempts[0].Outcome)
	})

	t.Run("rules that decline", func(t *testing.T) {
		c, err := w.v.CreateConnector(t.Context(), w.merchant, vault.ConnectorRequest{Name: ptr("decliner"), Adapter: ptr(vault.MetaConnector),
			Method: ptr(vault.MetaConnector), APIKey: ptr(vault.NewSecret("k-d")),
			MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{DefaultActionDisableConnector: true}})
		require.NoError(t, err)
		p := w.pay(t, map[string]string{"connector": c.GUID}, 700, vault.IntentAuthorize)
		assert.Equal(t, vault.PaymentAuthorizationDeclined, p.Status)
		assert.Equal(t, "routing_declined", p.ErrorCode)
		assert.Empty(t, p.Attempts)
	})
}

func TestPaymentValidation(t *testing.T) {
	w := newPayWorld(t)
	ok := vault.CreatePaymentRequest{ConnectionID: w.connection, Amount: 100, Currency: "USD", Token: w.card.ID, Intent: vault.IntentAuthorize}
	with := func(change func(r *vault.CreatePaymentRequest)) vault.CreatePaymentRequest {
		r := ok
		change(&r)
		return r
	}
	for name, tc := range map[string]struct {
		req  vault.CreatePaymentRequest
		kind vault.Kind
		path string
	}{
		"no target":     {with(func(r *vault.CreatePaymentRequest) { r.ConnectionID = "" }), vault.KindInvalid, "connection_id"},
		"both targets":  {with(func(r *vault.CreatePaymentRequest) { r.ConnectorGUID = "CO-1" }), vault.KindInvalid, "connector_guid"},
		"zero amount":   {with(func(r *vault.CreatePaymentRequest) { r.Amount = 0 }), vault.KindInvalid, "amount"},
		"bad currency":  {with(func(r *vault.CreatePaymentRequest) { r.Currency = "usd" }), vault.KindInvalid, "currency"},
		"bad country":   {with(func(r *vault.CreatePaymentRequest) { r.Country = "ZZ" }), vault.KindInvalid, "country"},
		"no intent":     {with(func(r *vault.CreatePaymentRequest) { r.Intent = "" }), vault.KindInvalid, "intent"},
		"bad source":    {with(func(r *vault.CreatePaymentRequest) { r.PaymentSource = "moto" }), vault.KindInvalid, "payment_source"},
		"unknown token": {with(func(r *vault.CreatePaymentRequest) { r.Token = "nope" }), vault.KindInvalid, "token"},
		"unknown conn":  {with(func(r *vault.CreatePaymentRequest) { r.ConnectionID = "nope" }), vault.KindNotFound, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := w.v.CreatePayment(w.caller, tc.req)
			e := requireKind(t, err, tc.kind)
			if tc.path != "" {
				assert.Contains(t, e.Fields, tc.path)
			}
		})
	}
	ssn, err := w.v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	require.NoError(t, err)
	_, err = w.v.CreatePayment(w.caller, with(func(r *vault.CreatePaymentRequest) { r.Token = ssn.ID }))
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "token")
	masked := appContext(t, w.v, vault.AppPrivate, []string{vault.PermPaymentCreate, vault.PermTokenRead}, nil)
	_, err = w.v.CreatePayment(masked, ok)
	requireKind(t, err, vault.KindForbidden)
	noPay := appContext(t, w.v, vault.AppPrivate, []string{vault.PermTokenUse}, nil)
	_, err = w.v.CreatePayment(noPay, ok)
	requireKind(t, err, vault.KindForbidden)
	p, err := w.v.CreatePayment(w.caller, with(func(r *vault.CreatePaymentRequest) { r.Currency = "GBP" }))
	require.NoError(t, err, "a currency the connection does not accept fails the payment, not the request")
	assert.Equal(t, vault.PaymentAuthorizationFailed, p.Status)
	assert.Equal(t, "skipped", p.Attempts[0].Outcome)
}

// lossy is the Simulator with the answer to the first lost authorizations
// (the service approved, the vault never heard): the resolver repeats them.
type lossy struct {
	*simulator.Simulator
	lose atomic.Int32
}

func (l *lossy) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	res, err := l.Simulator.Authorize(ctx, req)
	if l.lose.Add(-1) >= 0 {
		return nil, fmt.Errorf("connection reset: %w", gateway.ErrUnavailable)
	}
	return res, err
}

// TestPaymentNoAnswerIsResolved loses the answer to an authorization: the
// payment is processing, and the resolver job repeats the attempt with its
// key once it is old enough. The Simulator authorized once.
func TestPaymentNoAnswerIsResolved(t *testing.T) {
	clock := newTestClock()
	l := &lossy{Simulator: simulator.New()}
	l.lose.Store(1)
	w := newPayWorld(t, vault.WithGatewayAdapter(l), vault.WithClock(clock.now))
	p := w.pay(t, map[string]string{"connection": w.connection}, 900, vault.IntentAuthorize)
	assert.Equal(t, vault.PaymentProcessing, p.Status, "no answer: processing")
	require.Len(t, p.Attempts, 1)
	assert.Equal(t, "no_answer", p.Attempts[0].Outcome)
	require.Eventually(t, func() bool {
		clock.advance(10 * time.Second)
		got, err := w.v.GetPayment(w.caller, p.ID)
		require.NoError(t, err)
		p = got
		return p.Status != vault.PaymentProcessing
	}, 30*time.Second, 50*time.Millisecond)
	assert.Equal(t, vault.PaymentAuthorizationSucceed, p.Status)
	assert.Equal(t, 1, l.Calls(simulator.OpAuthorize), "authorized once")
	assert.Equal(t, 1, l.Replays(simulator.OpAuthorize), "the repeat was a replay of the same key")
	assert.Equal(t, "approved", p.Attempts[len(p.Attempts)-1].Outcome)
}

// BenchmarkAuthorizeParallel authorizes payments on bolt from 64
// goroutines, through a connection on the Simulator without latency, one
// attempt each. Compare with BenchmarkCreateCardParallel: a payment is a
// card read, a read of the connection, and two group commits, one that
// writes the record with its attempt and resolver job before the adapter
// call and one that records the answer and removes the job after it. The
// target is at least 0.4 of its throughput.
func BenchmarkAuthorizeParallel(b *testing.B) {
	v := openBenchBolt(b)
	ctx := context.Background()
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": simulator.CardApproved, "expiration_month": 12, "expiration_year": 2034}})
	if err != nil {
		b.Fatal(err)
	}
	c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Sim",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	if err != nil {
		b.Fatal(err)
	}
	for {
		got, err := v.GetConnection(ctx, c.ID)
		if err != nil {
			b.Fatal(err)
		}
		if got.Status == vault.ConnectionAvailable {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	req := vault.CreatePaymentRequest{ConnectionID: c.ID, Amount: 1000, Currency: "USD", Token: card.ID, Intent: vault.IntentAuthorize}
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := v.CreatePayment(ctx, req)
			if err != nil {
				b.Error(err)
				return
			}
			if p.Status != vault.PaymentAuthorizationSucceed {
				b.Errorf("status %s", p.Status)
				return
			}
		}
	})
}

// TestPaymentReRouteRecurring sends a subsequent payment through a routing
// meta-connector with reRouteRecurring to the connector of the original
// payment, found by its scheme transaction id; without the flag, to the
// default connector.
func TestPaymentReRouteRecurring(t *testing.T) {
	w := newPayWorld(t)
	ctx := t.Context()
	a, b := w.connector(t, "Simulator"), w.connector(t, "Simulator")
	first := w.pay(t, map[string]string{"connector": a}, 500, vault.IntentAuthorize)
	require.Equal(t, vault.PaymentAuthorizationSucceed, first.Status)
	require.NotEmpty(t, first.SchemeTransactionID)
	require.NotNil(t, first.ApprovalExpiresAt)
	assert.Nil(t, first.ThreeDSecure)
	for _, reroute := range []bool{true, false} {
		meta, err := w.v.CreateConnector(ctx, w.merchant, vault.ConnectorRequest{Name: ptr("recurring router"), Adapter: ptr(vault.MetaConnector),
			Method: ptr(vault.MetaConnector), APIKey: ptr(vault.NewSecret("k-rr")),
			RoutingMetaConnector: &vault.RoutingMetaConnector{DefaultConnector: b, ReRouteRecurring: reroute}})
		require.NoError(t, err)
		p, err := w.v.CreatePayment(w.caller, vault.CreatePaymentRequest{ConnectorGUID: meta.GUID, Amount: 500, Currency: "USD", Token: w.card.ID,
			Intent: vault.IntentAuthorize, IsSubsequentPayment: true, MerchantInitiated: true, PaymentSource: vault.SourceRecurring,
			PreviousSchemeTransactionID: first.SchemeTransactionID})
		require.NoError(t, err)
		require.Equal(t, vault.PaymentAuthorizationSucceed, p.Status)
		want := b
		if reroute {
			want = a
		}
		assert.Equal(t, want, p.Connection.ID, "reRouteRecurring %t", reroute)
	}
	captured, err := w.v.CapturePayment(w.caller, first.ID, 0)
	require.NoError(t, err)
	assert.Nil(t, captured.ApprovalExpiresAt, "a captured payment lapses no more")
}
