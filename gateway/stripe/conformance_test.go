package stripe_test

import (
	"testing"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/gatewaytest"
	"github.com/tokenvault/vault/gateway/stripe"
	"github.com/tokenvault/vault/gateway/stripe/stripemock"
)

// TestConformance runs the gateway suite against stripe-mock. stripe-mock
// keeps no state and answers from fixtures (stripemock's approving fixtures: every
// PaymentIntent requires_capture with 1099 capturable), so the suite's
// checks of state are skipped and the amount is the fixture's; no card is
// declined.
func TestConformance(t *testing.T) {
	base := stripemock.Start(t, true)
	gatewaytest.Run(t, gatewaytest.Config{
		New:            func(t *testing.T) gateway.Adapter { return stripe.New(stripe.WithBaseURL(base)) },
		Credentials:    gateway.Credentials{stripe.FieldSecretKey: testKey},
		BadCredentials: gateway.Credentials{stripe.FieldSecretKey: "pk_test_not_a_secret_key"},
		Card:           testCard,
		Currency:       "USD",
		Amount:         1099,
		Stateless:      true,
	})
}
