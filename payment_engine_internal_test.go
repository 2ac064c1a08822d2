package vault

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/simulator"
	"github.com/tokenvault/vault/storage"
)

// gated is the Simulator under the formula gated-card, whose
// authorizations wait, once entered, until the test releases them.
type gated struct {
	*simulator.Simulator
	entered, release chan struct{}
}

func (g *gated) Definition() gateway.Definition {
	d := g.Simulator.Definition()
	d.ID, d.Adapter = "gated-card", "Gated"
	return d
}

func (g *gated) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.Simulator.Authorize(ctx, req)
}

// TestRecordAnswerAfterAnotherWrite changes a payment while its
// authorization is in the adapter: recordAnswer, which applies the answer
// outside its transaction to the version it wrote, must notice the stored
// version is another and answer that one instead: not at all when the
// attempt was settled meanwhile, and keeping the other write's change when
// the attempt is still pending.
func TestRecordAnswerAfterAnotherWrite(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(r *paymentRecord)
		check  func(t *testing.T, got *Payment)
	}{
		"settled meanwhile": {
			change: func(r *paymentRecord) {
				r.Pending, r.Status, r.IntentOutcome, r.ErrorCode = nil, PaymentAuthorizationFailed, "failed", "settled elsewhere"
			},
			check: func(t *testing.T, got *Payment) {
				assert.Equal(t, PaymentAuthorizationFailed, got.Status, "the other write stands")
				assert.Equal(t, "settled elsewhere", got.ErrorCode)
				assert.Empty(t, got.Attempts, "the late answer is not recorded")
				assert.Zero(t, got.AuthorizedAmount)
			},
		},
		"changed, still pending": {
			change: func(r *paymentRecord) { r.Metadata = map[string]string{"touched": "yes"} },
			check: func(t *testing.T, got *Payment) {
				assert.Equal(t, PaymentAuthorizationSucceed, got.Status)
				assert.Equal(t, map[string]string{"touched": "yes"}, got.Metadata, "the other write's change is kept")
				require.Len(t, got.Attempts, 1)
				assert.Equal(t, answerApproved, got.Attempts[0].Outcome)
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			g := &gated{Simulator: simulator.New(), entered: make(chan struct{}), release: make(chan struct{})}
			v, card, conn := payVault(t, "gated-card", WithGatewayAdapter(g))
			ctx := t.Context()

			type result struct {
				p   *Payment
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, err := v.CreatePayment(ctx, CreatePaymentRequest{ConnectionID: conn.ID, Amount: 700, Currency: "USD", Token: card.ID,
					Intent: IntentAuthorize})
				done <- result{p, err}
			}()
			<-g.entered
			var id string
			require.NoError(t, v.update(ctx, "Test", func(tx storage.Tx) error {
				return paymentTable.scan(tx, v.defaultTenant, "", false, func(r *paymentRecord) error {
					require.NotNil(t, r.Pending, "the attempt is written before the call")
					id = r.ID
					next := *r
					tc.change(&next)
					next.Revision++
					return paymentTable.replace(tx, v.defaultTenant, r, &next)
				})
			}))
			close(g.release)
			res := <-done
			require.NoError(t, res.err)
			tc.check(t, res.p)
			stored, err := v.GetPayment(ctx, id)
			require.NoError(t, err)
			tc.check(t, stored)
		})
	}
}

// TestSettledOperationsLeaveNoResolverJob authorizes, captures and refunds
// a payment: each operation queues its resolver job with its attempt and
// removes it once answered, so no job is left to run for nothing.
func TestSettledOperationsLeaveNoResolverJob(t *testing.T) {
	v, card, conn := payVault(t, "mock-card")
	ctx := t.Context()
	resolvers := func() (n int) {
		require.NoError(t, v.view(ctx, "Test", func(tx storage.Tx) error {
			return jobTable.scan(tx, v.defaultTenant, "", false, func(j *jobRecord) error {
				if j.Kind == paymentQueueKind {
					n++
				}
				return nil
			})
		}))
		return n
	}
	p, err := v.CreatePayment(ctx, CreatePaymentRequest{ConnectionID: conn.ID, Amount: 900, Currency: "USD", Token: card.ID, Intent: IntentAuthorize})
	require.NoError(t, err)
	require.Equal(t, PaymentAuthorizationSucceed, p.Status)
	assert.Zero(t, resolvers(), "after the authorization")
	_, err = v.CapturePayment(ctx, p.ID, 0)
	require.NoError(t, err)
	assert.Zero(t, resolvers(), "after the capture")
	_, err = v.RefundPayment(ctx, p.ID, RefundPaymentRequest{Amount: 300})
	require.NoError(t, err)
	assert.Zero(t, resolvers(), "after the refund")
}

// payVault opens a memory vault with opts, a card the Simulator approves,
// and an available connection on formula.
func payVault(t *testing.T, formula string, opts ...Option) (*Vault, *Token, *Connection) {
	t.Helper()
	v, err := OpenMemory(append([]Option{WithSweepInterval(0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	ctx := t.Context()
	card, err := v.CreateToken(ctx, CreateTokenRequest{Type: TypeCard,
		Data: map[string]any{"number": simulator.CardApproved, "expiration_month": 12, "expiration_year": 2034}})
	require.NoError(t, err)
	conn, err := v.CreateConnection(ctx, CreateConnectionRequest{ConnectionFormulaID: formula, Method: "card", DisplayName: formula,
		Fields:            []ConnectionField{{Key: "api_key", Value: NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		c, err := v.GetConnection(ctx, conn.ID)
		return err == nil && c.Status == ConnectionAvailable
	}, 10*time.Second, 5*time.Millisecond)
	return v, card, conn
}
