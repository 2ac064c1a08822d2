package simulator_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/gatewaytest"
	"github.com/tokenvault/vault/gateway/simulator"
)

// serve starts a Simulator behind an HTTP server on 127.0.0.1 and returns it
// with a Remote adapter for it.
func serve(t *testing.T, opts ...simulator.Option) (*simulator.Simulator, *simulator.Remote) {
	t.Helper()
	s := simulator.New(opts...)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, simulator.NewRemote(srv.URL, srv.Client())
}

// TestRemoteConformance runs the conformance suite against the Simulator
// through HTTP: the same answers, errors and ledger as in process.
func TestRemoteConformance(t *testing.T) {
	gatewaytest.Run(t, gatewaytest.Config{
		New: func(t *testing.T) gateway.Adapter {
			_, r := serve(t, simulator.WithTimeout(2*time.Second))
			return r
		},
		Credentials:    gateway.Credentials{"api_key": simulator.TestAPIKey, "merchant_id": "merchant-42"},
		BadCredentials: gateway.Credentials{"api_key": "sk_live_not_a_simulator_key"},
		Card:           gateway.Card{Number: simulator.CardApproved, ExpMonth: 12, ExpYear: 2034, CVC: "737", Holder: "Ada Lovelace"},
		DeclinedCard:   gateway.Card{Number: simulator.CardDeclined, ExpMonth: 12, ExpYear: 2034, CVC: "737"},
		Currency:       "EUR",
		Amount:         1000,
	})
}

// TestRemoteLedger shows the point of a remote Simulator: the served one
// counts what every client did, and a repeated key is replayed to a new
// client (a restarted process) as to the first.
func TestRemoteLedger(t *testing.T) {
	s, first := serve(t)
	ctx := context.Background()
	req := &gateway.AuthorizeRequest{Credentials: gateway.Credentials{"api_key": simulator.TestAPIKey}, Amount: 500, Currency: "USD",
		Card: gateway.Card{Number: simulator.CardApproved, ExpMonth: 1, ExpYear: 2035}, IdempotencyKey: "pay-1/attempt-1"}
	res, err := first.Authorize(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, gateway.OutcomeApproved, res.Outcome)
	second := simulator.NewRemote(first.URL(), nil)
	again, err := second.Authorize(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, res.Reference, again.Reference)
	assert.Equal(t, 1, s.Calls(simulator.OpAuthorize), "authorized once")
	assert.Equal(t, 1, s.Replays(simulator.OpAuthorize))

	_, err = first.Capture(ctx, &gateway.CaptureRequest{Credentials: req.Credentials, Reference: "sim_nope", Amount: 1, Currency: "USD", IdempotencyKey: "c"})
	assert.True(t, errors.Is(err, gateway.ErrNotFound), "%v", err)

	dead := simulator.NewRemote("http://127.0.0.1:1", nil)
	_, err = dead.Authorize(ctx, req)
	assert.True(t, errors.Is(err, gateway.ErrUnavailable), "no answer is ErrUnavailable: %v", err)
	assert.NotContains(t, err.Error(), simulator.CardApproved)
}
