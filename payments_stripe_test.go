package vault_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/stripe"
	"github.com/tokenvault/vault/gateway/stripe/stripemock"
)

// TestPaymentThroughStripe makes a payment on a stripe-card connection
// whose adapter talks to stripe-mock, which checks every request against
// Stripe's API specification: the connection verifies, the authorization,
// capture and refund go through. stripe-mock answers from fixtures (an
// intent of 1099 capturable), so the amounts are the fixture's.
func TestPaymentThroughStripe(t *testing.T) {
	base := stripemock.Start(t, true)
	v := openTestVault(t, vault.WithGatewayAdapter(stripe.New(stripe.WithBaseURL(base))))
	ctx := t.Context()
	c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "stripe-card", Method: "card", DisplayName: "Stripe (test)",
		Fields:            []vault.ConnectionField{{Key: "secret_key", Value: vault.NewSecret(stripemock.TestKey)}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	require.NoError(t, err)
	require.Equal(t, vault.ConnectionAvailable, waitStatus(t, v, c.ID).Status)
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2034, "cvc": "314"}})
	require.NoError(t, err)

	p, err := v.CreatePayment(ctx, vault.CreatePaymentRequest{ConnectionID: c.ID, Amount: 1099, Currency: "USD", Token: card.ID, Intent: vault.IntentAuthorize})
	require.NoError(t, err)
	require.Equal(t, vault.PaymentAuthorizationSucceed, p.Status, "%+v", p.Attempts)
	assert.Equal(t, int64(1099), p.AuthorizedAmount)
	assert.Regexp(t, `^pi_`, p.ConnectionTransactionID)
	p, err = v.CapturePayment(ctx, p.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, vault.PaymentCaptureSucceeded, p.Status, "%+v", p.Attempts)
	r, err := v.RefundPayment(ctx, p.ID, vault.RefundPaymentRequest{Amount: 100, Reason: "requested_by_customer"})
	require.NoError(t, err)
	assert.Equal(t, vault.RefundSucceeded, r.Status)
	assert.Regexp(t, `^re_`, r.Reference)
}
