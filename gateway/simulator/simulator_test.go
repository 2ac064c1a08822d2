package simulator_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/simulator"
)

var creds = gateway.Credentials{"api_key": simulator.TestAPIKey}

func card(number string) gateway.Card {
	return gateway.Card{Number: number, ExpMonth: 12, ExpYear: 2034, CVC: "123"}
}

func authReq(number string, amount int64, key string) *gateway.AuthorizeRequest {
	return &gateway.AuthorizeRequest{Credentials: creds, Amount: amount, Currency: "USD", Card: card(number), IdempotencyKey: key}
}

// noCardData fails t if text holds the number, its last 12 digits, or the
// api key.
func noCardData(t *testing.T, number, text string) {
	t.Helper()
	assert.NotContains(t, text, number)
	assert.NotContains(t, text, number[len(number)-12:])
	assert.NotContains(t, text, simulator.TestAPIKey)
}

func TestAuthorizeTestCards(t *testing.T) {
	tests := []struct {
		number    string
		outcome   gateway.Outcome
		soft      bool
		retryable bool
		decline   string
		cvv       string
	}{
		{simulator.CardApproved, gateway.OutcomeApproved, false, false, "", gateway.CVVMatch},
		{simulator.CardApprovedMastercard, gateway.OutcomeApproved, false, false, "", gateway.CVVMatch},
		{"378282246310005", gateway.OutcomeApproved, false, false, "", gateway.CVVMatch}, // any other valid number
		{simulator.CardDeclined, gateway.OutcomeDeclined, false, false, gateway.DeclineGeneric, gateway.CVVMatch},
		{simulator.CardInsufficientFunds, gateway.OutcomeDeclined, true, false, gateway.DeclineInsufficientFunds, gateway.CVVMatch},
		{simulator.CardDoNotHonor, gateway.OutcomeDeclined, true, false, gateway.DeclineDoNotHonor, gateway.CVVMatch},
		{simulator.CardIncorrectCVC, gateway.OutcomeDeclined, false, false, gateway.DeclineIncorrectCVC, gateway.CVVNoMatch},
		{simulator.CardExpired, gateway.OutcomeDeclined, false, false, gateway.DeclineExpiredCard, gateway.CVVMatch},
		{simulator.CardLostOrStolen, gateway.OutcomeDeclined, false, false, gateway.DeclineLostOrStolen, gateway.CVVMatch},
		{simulator.CardFraudulent, gateway.OutcomeDeclined, false, false, gateway.DeclineFraud, gateway.CVVMatch},
		{simulator.CardProcessingError, gateway.OutcomeError, false, true, gateway.DeclineProcessingError, gateway.CVVMatch},
		{simulator.CardPending, gateway.OutcomePending, false, false, "", gateway.CVVMatch},
	}
	for _, tc := range tests {
		t.Run(tc.number, func(t *testing.T) {
			s := simulator.New()
			res, err := s.Authorize(t.Context(), authReq(tc.number, 1000, "k1"))
			require.NoError(t, err)
			assert.Equal(t, tc.outcome, res.Outcome)
			assert.Equal(t, tc.soft, res.Soft, "Soft")
			assert.Equal(t, tc.retryable, res.Retryable, "Retryable")
			assert.Equal(t, tc.decline, res.Decline)
			assert.Equal(t, tc.cvv, res.CVVResult)
			assert.Equal(t, gateway.AVSUnavailable, res.AVSResult)
			assert.Regexp(t, `^sim_[0-9a-f]{24}$`, res.Reference)
			assert.NotEmpty(t, res.Message)
			noCardData(t, tc.number, fmt.Sprintf("%+v", *res))
			if tc.outcome == gateway.OutcomeApproved {
				assert.Equal(t, int64(1000), res.Amount)
				assert.Regexp(t, `^[0-9]{6}$`, res.AuthCode)
				assert.Regexp(t, `^[0-9]{15}$`, res.NetworkTransactionID)
			} else {
				assert.Empty(t, res.AuthCode)
			}
			assert.Equal(t, 1, s.Calls(simulator.OpAuthorize))
		})
	}
}

func TestAuthorizeTestAmounts(t *testing.T) {
	tests := []struct {
		amount  int64
		outcome gateway.Outcome
		soft    bool
		decline string
	}{
		{1000, gateway.OutcomeApproved, false, ""},
		{1050, gateway.OutcomeApproved, false, ""},
		{51, gateway.OutcomeDeclined, true, gateway.DeclineInsufficientFunds},
		{1051, gateway.OutcomeDeclined, true, gateway.DeclineInsufficientFunds},
		{99951, gateway.OutcomeDeclined, true, gateway.DeclineInsufficientFunds},
		{1005, gateway.OutcomeDeclined, true, gateway.DeclineDoNotHonor},
		{1002, gateway.OutcomeDeclined, false, gateway.DeclineGeneric},
		{1019, gateway.OutcomeError, false, gateway.DeclineProcessingError},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.amount), func(t *testing.T) {
			res, err := simulator.New().Authorize(t.Context(), authReq(simulator.CardApprovedMastercard, tc.amount, ""))
			require.NoError(t, err)
			assert.Equal(t, tc.outcome, res.Outcome)
			assert.Equal(t, tc.soft, res.Soft)
			assert.Equal(t, tc.decline, res.Decline)
			assert.Equal(t, tc.outcome == gateway.OutcomeError, res.Retryable)
		})
	}
	t.Run("a test card wins over the amount", func(t *testing.T) {
		res, err := simulator.New().Authorize(t.Context(), authReq(simulator.CardDoNotHonor, 1051, ""))
		require.NoError(t, err)
		assert.Equal(t, gateway.DeclineDoNotHonor, res.Decline)
	})
}

func TestAuthorizeDetails(t *testing.T) {
	ctx := t.Context()
	t.Run("auth code is deterministic from the idempotency key", func(t *testing.T) {
		a, err := simulator.New().Authorize(ctx, authReq(simulator.CardApproved, 1000, "same-key"))
		require.NoError(t, err)
		b, err := simulator.New().Authorize(ctx, authReq(simulator.CardApproved, 1000, "same-key"))
		require.NoError(t, err)
		c, err := simulator.New().Authorize(ctx, authReq(simulator.CardApproved, 1000, "other-key"))
		require.NoError(t, err)
		assert.Equal(t, a.AuthCode, b.AuthCode)
		assert.NotEqual(t, a.AuthCode, c.AuthCode)
		assert.NotEqual(t, a.Reference, b.Reference, "references are unique")
	})
	t.Run("no CVC", func(t *testing.T) {
		req := authReq(simulator.CardApproved, 1000, "")
		req.Card.CVC = ""
		res, err := simulator.New().Authorize(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, gateway.CVVNotProvided, res.CVVResult)
	})
	t.Run("merchant-initiated keeps the network transaction id", func(t *testing.T) {
		req := authReq(simulator.CardApproved, 1000, "")
		req.MerchantInitiated, req.Recurring, req.PreviousNetworkTransactionID = true, true, "123456789012345"
		res, err := simulator.New().Authorize(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, "123456789012345", res.NetworkTransactionID)
	})
	t.Run("expired by the clock", func(t *testing.T) {
		s := simulator.New(simulator.WithClock(func() time.Time { return time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC) }))
		res, err := s.Authorize(ctx, authReq(simulator.CardApproved, 1000, ""))
		require.NoError(t, err)
		assert.Equal(t, gateway.OutcomeDeclined, res.Outcome)
		assert.Equal(t, gateway.DeclineExpiredCard, res.Decline)

		s = simulator.New(simulator.WithClock(func() time.Time { return time.Date(2034, 12, 31, 0, 0, 0, 0, time.UTC) }))
		res, err = s.Authorize(ctx, authReq(simulator.CardApproved, 1000, ""))
		require.NoError(t, err)
		assert.Equal(t, gateway.OutcomeApproved, res.Outcome, "valid through the end of its month")
	})
}

func TestValidation(t *testing.T) {
	tests := map[string]func(*gateway.AuthorizeRequest){
		"amount 0":              func(r *gateway.AuthorizeRequest) { r.Amount = 0 },
		"amount -5":             func(r *gateway.AuthorizeRequest) { r.Amount = -5 },
		"currency lower case":   func(r *gateway.AuthorizeRequest) { r.Currency = "usd" },
		"currency four letters": func(r *gateway.AuthorizeRequest) { r.Currency = "XXXX" },
		"currency unsupported":  func(r *gateway.AuthorizeRequest) { r.Currency = "XXX" },
		"currency empty":        func(r *gateway.AuthorizeRequest) { r.Currency = "" },
		"luhn fails":            func(r *gateway.AuthorizeRequest) { r.Card.Number = "4111111111111112" },
		"letters":               func(r *gateway.AuthorizeRequest) { r.Card.Number = "4111abcd11111111" },
		"too short":             func(r *gateway.AuthorizeRequest) { r.Card.Number = "42424242424" },
		"too long":              func(r *gateway.AuthorizeRequest) { r.Card.Number = "41111111111111111111" },
		"month 0":               func(r *gateway.AuthorizeRequest) { r.Card.ExpMonth = 0 },
		"month 13":              func(r *gateway.AuthorizeRequest) { r.Card.ExpMonth = 13 },
		"two-digit year":        func(r *gateway.AuthorizeRequest) { r.Card.ExpYear = 34 },
		"cvc letters":           func(r *gateway.AuthorizeRequest) { r.Card.CVC = "12a" },
		"cvc too long":          func(r *gateway.AuthorizeRequest) { r.Card.CVC = "12345" },
		"country unsupported":   func(r *gateway.AuthorizeRequest) { r.Country = "ZZ" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			s := simulator.New()
			req := authReq(simulator.CardApproved, 1000, "k")
			mutate(req)
			res, err := s.Authorize(t.Context(), req)
			require.ErrorIs(t, err, gateway.ErrInvalid)
			assert.Nil(t, res)
			noCardData(t, simulator.CardApproved, err.Error())
			assert.NotContains(t, err.Error(), req.Card.Number)
			assert.Zero(t, s.Calls(simulator.OpAuthorize), "a refused request has no effect")
		})
	}
}

func TestCredentials(t *testing.T) {
	ctx := t.Context()
	s := simulator.New()
	for key, ok := range map[string]bool{
		simulator.TestAPIKey: true,
		"sim_12345678":       true,
		"sim_1234567":        false,
		"sk_test_123456789":  false,
		"":                   false,
	} {
		err := s.VerifyCredentials(ctx, gateway.Credentials{"api_key": key, "merchant_id": "m"})
		if ok {
			assert.NoError(t, err, key)
			continue
		}
		require.ErrorIs(t, err, gateway.ErrCredentials, key)
		if key != "" {
			assert.NotContains(t, err.Error(), key)
		}
	}
	assert.Equal(t, 5, s.Calls(simulator.OpVerifyCredentials))

	req := authReq(simulator.CardApproved, 1000, "")
	req.Credentials = gateway.Credentials{"api_key": "sk_live_secret_value"}
	_, err := s.Authorize(ctx, req)
	require.ErrorIs(t, err, gateway.ErrCredentials, "every call checks the key")
	assert.NotContains(t, err.Error(), "sk_live_secret_value")
	_, err = s.Capture(ctx, &gateway.CaptureRequest{Reference: "sim_x", Amount: 1, Currency: "USD"})
	require.ErrorIs(t, err, gateway.ErrCredentials)
}

// sim is a simulator with one approved authorization of 1000 USD.
func sim(t *testing.T, capture bool) (*simulator.Simulator, string) {
	t.Helper()
	s := simulator.New()
	req := authReq(simulator.CardApproved, 1000, "auth")
	req.Capture = capture
	res, err := s.Authorize(t.Context(), req)
	require.NoError(t, err)
	require.Equal(t, gateway.OutcomeApproved, res.Outcome)
	return s, res.Reference
}

func capture(s *simulator.Simulator, ref string, amount int64, key string) (*gateway.Result, error) {
	return s.Capture(context.Background(), &gateway.CaptureRequest{Credentials: creds, Reference: ref, Amount: amount, Currency: "USD", IdempotencyKey: key})
}

func void(s *simulator.Simulator, ref, key string) (*gateway.Result, error) {
	return s.Void(context.Background(), &gateway.VoidRequest{Credentials: creds, Reference: ref, IdempotencyKey: key})
}

func refund(s *simulator.Simulator, ref string, amount int64, key string) (*gateway.Result, error) {
	return s.Refund(context.Background(), &gateway.RefundRequest{Credentials: creds, Reference: ref, Amount: amount, Currency: "USD", IdempotencyKey: key})
}

func TestPaymentState(t *testing.T) {
	type step struct {
		op     string // capture, void, refund
		amount int64
		err    error // nil: approved
	}
	tests := map[string]struct {
		captured bool // Authorize with Capture
		steps    []step
	}{
		"capture in full":             {steps: []step{{"capture", 1000, nil}}},
		"capture in part":             {steps: []step{{"capture", 400, nil}, {"refund", 400, nil}, {"refund", 1, gateway.ErrInvalid}}},
		"capture over the authorized": {steps: []step{{"capture", 1001, gateway.ErrInvalid}, {"capture", 1000, nil}}},
		"second capture":              {steps: []step{{"capture", 400, nil}, {"capture", 600, gateway.ErrInvalid}}},
		"capture of 0":                {steps: []step{{"capture", 0, gateway.ErrInvalid}}},
		"capture after void":          {steps: []step{{"void", 0, nil}, {"capture", 1000, gateway.ErrInvalid}}},
		"void twice":                  {steps: []step{{"void", 0, nil}, {"void", 0, gateway.ErrInvalid}}},
		"void after capture":          {steps: []step{{"capture", 1000, nil}, {"void", 0, gateway.ErrInvalid}}},
		"void of a sale":              {captured: true, steps: []step{{"void", 0, gateway.ErrInvalid}}},
		"refund before capture":       {steps: []step{{"refund", 1, gateway.ErrInvalid}}},
		"refund after void":           {steps: []step{{"void", 0, nil}, {"refund", 1, gateway.ErrInvalid}}},
		"refund of a sale in parts": {captured: true, steps: []step{
			{"refund", 300, nil}, {"refund", 701, gateway.ErrInvalid}, {"refund", 700, nil}, {"refund", 1, gateway.ErrInvalid},
		}},
		"refund over the capture": {captured: true, steps: []step{{"refund", 1001, gateway.ErrInvalid}}},
		"refund of 0":             {captured: true, steps: []step{{"refund", 0, gateway.ErrInvalid}}},
		"capture of a sale":       {captured: true, steps: []step{{"capture", 1, gateway.ErrInvalid}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, ref := sim(t, tc.captured)
			for i, st := range tc.steps {
				key := fmt.Sprint("step-", i)
				var res *gateway.Result
				var err error
				switch st.op {
				case "capture":
					res, err = capture(s, ref, st.amount, key)
				case "void":
					res, err = void(s, ref, key)
				case "refund":
					res, err = refund(s, ref, st.amount, key)
				}
				if st.err != nil {
					require.ErrorIs(t, err, st.err, "step %d: %s %d", i, st.op, st.amount)
					assert.Nil(t, res)
					continue
				}
				require.NoError(t, err, "step %d: %s %d", i, st.op, st.amount)
				assert.Equal(t, gateway.OutcomeApproved, res.Outcome)
				if st.op != "void" {
					assert.Equal(t, st.amount, res.Amount)
				} else {
					assert.Equal(t, int64(1000), res.Amount)
				}
			}
		})
	}

	t.Run("unknown reference", func(t *testing.T) {
		s := simulator.New()
		_, err := capture(s, "sim_unknown", 1, "")
		assert.ErrorIs(t, err, gateway.ErrNotFound)
		_, err = void(s, "sim_unknown", "")
		assert.ErrorIs(t, err, gateway.ErrNotFound)
		_, err = refund(s, "sim_unknown", 1, "")
		assert.ErrorIs(t, err, gateway.ErrNotFound)
		_, err = capture(s, "", 1, "")
		assert.ErrorIs(t, err, gateway.ErrInvalid, "an empty reference")
	})
	t.Run("another currency", func(t *testing.T) {
		s, ref := sim(t, false)
		_, err := s.Capture(t.Context(), &gateway.CaptureRequest{Credentials: creds, Reference: ref, Amount: 1000, Currency: "EUR"})
		assert.ErrorIs(t, err, gateway.ErrInvalid)
	})
	for _, number := range []string{simulator.CardDeclined, simulator.CardPending, simulator.CardProcessingError} {
		t.Run("capture or void of "+number, func(t *testing.T) {
			s := simulator.New()
			res, err := s.Authorize(t.Context(), authReq(number, 1000, ""))
			require.NoError(t, err)
			_, err = capture(s, res.Reference, 1000, "")
			assert.ErrorIs(t, err, gateway.ErrInvalid)
			_, err = void(s, res.Reference, "")
			assert.ErrorIs(t, err, gateway.ErrInvalid)
		})
	}
}

func TestLedger(t *testing.T) {
	ctx := t.Context()
	t.Run("replays move nothing", func(t *testing.T) {
		s, ref := sim(t, false)
		first, err := capture(s, ref, 1000, "cap")
		require.NoError(t, err)
		for range 3 {
			again, err := capture(s, ref, 1000, "cap")
			require.NoError(t, err)
			assert.Equal(t, first, again)
		}
		assert.Equal(t, 1, s.Calls(simulator.OpCapture), "captured once")
		assert.Equal(t, 3, s.Replays(simulator.OpCapture))

		r1, err := refund(s, ref, 600, "ref")
		require.NoError(t, err)
		r2, err := refund(s, ref, 600, "ref")
		require.NoError(t, err)
		assert.Equal(t, r1, r2)
		_, err = refund(s, ref, 401, "ref-2")
		assert.ErrorIs(t, err, gateway.ErrInvalid, "600 was refunded once")
		assert.Equal(t, 1, s.Calls(simulator.OpRefund))
	})
	t.Run("a decline replays too", func(t *testing.T) {
		s := simulator.New()
		a, err := s.Authorize(ctx, authReq(simulator.CardInsufficientFunds, 1000, "k"))
		require.NoError(t, err)
		b, err := s.Authorize(ctx, authReq(simulator.CardInsufficientFunds, 1000, "k"))
		require.NoError(t, err)
		assert.Equal(t, a, b)
		assert.Equal(t, 1, s.Calls(simulator.OpAuthorize))
		assert.Equal(t, 1, s.Replays(simulator.OpAuthorize))
	})
	t.Run("the same key for another request", func(t *testing.T) {
		s, ref := sim(t, false)
		_, err := s.Authorize(ctx, authReq(simulator.CardApproved, 999, "auth"))
		assert.ErrorIs(t, err, gateway.ErrInvalid, "another amount")
		other := authReq(simulator.CardApproved, 1000, "auth")
		other.Card.CVC = "999"
		_, err = s.Authorize(ctx, other)
		assert.ErrorIs(t, err, gateway.ErrInvalid, "another CVC")
		_, err = capture(s, ref, 1000, "auth")
		assert.ErrorIs(t, err, gateway.ErrInvalid, "another operation")
		assert.Equal(t, 1, s.Calls(simulator.OpAuthorize))
		assert.Zero(t, s.Calls(simulator.OpCapture))
	})
	t.Run("errors are not recorded", func(t *testing.T) {
		s, ref := sim(t, false)
		_, err := capture(s, ref, 1001, "cap")
		require.ErrorIs(t, err, gateway.ErrInvalid)
		_, err = capture(s, ref, 1000, "cap2")
		require.NoError(t, err)
		_, err = refund(s, ref, 1000, "cap") // the refused capture's key is free
		require.NoError(t, err)
	})
	t.Run("no key, no replay", func(t *testing.T) {
		s := simulator.New()
		a, err := s.Authorize(ctx, authReq(simulator.CardApproved, 1000, ""))
		require.NoError(t, err)
		b, err := s.Authorize(ctx, authReq(simulator.CardApproved, 1000, ""))
		require.NoError(t, err)
		assert.NotEqual(t, a.Reference, b.Reference)
		assert.Equal(t, 2, s.Calls(simulator.OpAuthorize))
	})
	t.Run("concurrent replays", func(t *testing.T) {
		s, ref := sim(t, false)
		var wg sync.WaitGroup
		refs := make([]string, 32)
		for i := range refs {
			wg.Go(func() {
				res, err := capture(s, ref, 500, "cap")
				if assert.NoError(t, err) {
					refs[i] = res.Reference
				}
			})
		}
		wg.Wait()
		assert.Equal(t, 1, s.Calls(simulator.OpCapture))
		assert.Equal(t, 31, s.Replays(simulator.OpCapture))
	})
}

func TestTimeout(t *testing.T) {
	t.Run("context deadline", func(t *testing.T) {
		s := simulator.New() // 5s timeout: the context ends first
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := s.Authorize(ctx, authReq(simulator.CardTimeout, 1000, "t"))
		assert.Nil(t, res)
		require.ErrorIs(t, err, gateway.ErrUnavailable)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
		noCardData(t, simulator.CardTimeout, err.Error())

		// The outcome was unknown; the same key resolves it.
		res, err = s.Authorize(t.Context(), authReq(simulator.CardTimeout, 1000, "t"))
		require.NoError(t, err)
		assert.Equal(t, gateway.OutcomeApproved, res.Outcome)
		_, err = capture(s, res.Reference, 1000, "")
		assert.NoError(t, err)
		assert.Equal(t, 1, s.Calls(simulator.OpAuthorize))
	})
	t.Run("cancel", func(t *testing.T) {
		s := simulator.New(simulator.WithTimeout(time.Hour))
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(10*time.Millisecond, cancel)
		_, err := s.Authorize(ctx, authReq(simulator.CardTimeout, 1000, "t"))
		require.ErrorIs(t, err, gateway.ErrUnavailable)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("configured delay", func(t *testing.T) {
		s := simulator.New(simulator.WithTimeout(10 * time.Millisecond))
		_, err := s.Authorize(t.Context(), authReq(simulator.CardTimeout, 1000, "t"))
		require.ErrorIs(t, err, gateway.ErrUnavailable)
		assert.NotErrorIs(t, err, context.Canceled)
	})
}

func TestLatency(t *testing.T) {
	s := simulator.New(simulator.WithLatency(30 * time.Millisecond))
	start := time.Now()
	_, err := s.Authorize(t.Context(), authReq(simulator.CardApproved, 1000, ""))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	s = simulator.New(simulator.WithLatency(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	_, err = s.Authorize(ctx, authReq(simulator.CardApproved, 1000, ""))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, gateway.ErrUnavailable, "nothing was sent")
	err = s.VerifyCredentials(ctx, creds)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Zero(t, s.Calls(simulator.OpAuthorize))
}

func TestDefinition(t *testing.T) {
	d := simulator.New().Definition()
	assert.Equal(t, "mock-card", d.ID)
	assert.Equal(t, "Simulator", d.DisplayName)
	assert.Equal(t, "card", d.Method)
	assert.Equal(t, "card", d.Mode)
	assert.Equal(t, "Simulator", d.Adapter)
	f, ok := d.Field("merchant_id")
	require.True(t, ok)
	assert.False(t, f.Required)
	assert.False(t, f.Secret)
	f, ok = d.Field("api_key")
	require.True(t, ok)
	assert.True(t, f.Required)
	assert.True(t, f.Secret)
	for _, c := range strings.Fields("USD EUR GBP CAD AUD JPY CHF SEK NOK DKK BRL MXN") {
		assert.Contains(t, d.SupportedCurrencies, c)
	}
	for _, c := range strings.Fields("US GB DE FR ES IT NL IE CA AU JP BR MX SE NO DK CH") {
		assert.Contains(t, d.SupportedCountries, c)
	}
	assert.Equal(t, gateway.Features{
		DelayedCapture: true, PartialCapture: true, PartialRefunds: true, Refunds: true,
		Void: true, VerifyCredentials: true,
	}, d.Features)
	assert.Equal(t, []gateway.ConfigEntry{{Name: "merchant_id", Type: "string", Description: "Merchant ID"}}, d.BaseConfig)
	require.Len(t, d.VaultConfig, 1)
	assert.Equal(t, "api_key", d.VaultConfig[0].Name)
	assert.True(t, d.VaultConfig[0].Required)

	d.SupportedCurrencies[0] = "ZZZ"
	assert.NotContains(t, simulator.New().Definition().SupportedCurrencies, "ZZZ", "the Definition is a copy")
}

// TestNoCardDataInErrors pushes a CVC and number through every failing path.
func TestNoCardDataInErrors(t *testing.T) {
	s, ref := sim(t, false)
	cvcToken := regexp.MustCompile(`(^|[^0-9A-Za-z])123($|[^0-9A-Za-z])`)
	var errs []error
	for _, mutate := range []func(*gateway.AuthorizeRequest){
		func(r *gateway.AuthorizeRequest) { r.Amount = 0 },
		func(r *gateway.AuthorizeRequest) { r.Currency = "usd" },
		func(r *gateway.AuthorizeRequest) { r.Card.ExpMonth = 0 },
		func(r *gateway.AuthorizeRequest) { r.Credentials = nil },
		func(r *gateway.AuthorizeRequest) { r.Amount = 5 }, // the key "auth" with another request
	} {
		req := authReq(simulator.CardApproved, 1000, "auth")
		mutate(req)
		_, err := s.Authorize(t.Context(), req)
		errs = append(errs, err)
	}
	_, err := capture(s, ref, 5000, "")
	errs = append(errs, err)
	_, err = refund(s, ref, 1, "")
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		text := err.Error() + fmt.Sprintf("%+v %#v", err, err)
		noCardData(t, simulator.CardApproved, text)
		assert.NotRegexp(t, cvcToken, err.Error())
	}
}
