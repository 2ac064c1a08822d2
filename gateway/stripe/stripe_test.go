package stripe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/stripe"
	"github.com/tokenvault/vault/gateway/stripe/stripemock"
)

const (
	testKey    = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
	testNumber = "4242424242424242"
	testCVC    = "314"
)

var (
	testCreds = gateway.Credentials{stripe.FieldSecretKey: testKey}
	testCard  = gateway.Card{Number: testNumber, ExpMonth: 12, ExpYear: 2034, CVC: testCVC, Holder: "Jenny Rosen"}
)

func authorizeReq(key string) *gateway.AuthorizeRequest {
	return &gateway.AuthorizeRequest{
		Credentials: testCreds, Amount: 1099, Currency: "USD", Card: testCard,
		IdempotencyKey: key, Reference: "order-1",
	}
}

// noSecrets fails when s holds the card number, the CVC or the key.
func noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{testNumber, testKey, "4eC39HqLyjWDarjtT1zdp7dc", "cvc=" + testCVC, `"` + testCVC + `"`} {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds a secret: %s", what, s)
		}
	}
}

func checkResult(t *testing.T, res *gateway.Result, err error) {
	t.Helper()
	if err != nil {
		noSecrets(t, "error", err.Error())
	}
	if res != nil {
		noSecrets(t, "result", fmt.Sprintf("%+v", *res))
	}
}

func TestDefinition(t *testing.T) {
	d := stripe.New().Definition()
	if d.ID != "stripe-card" || d.DisplayName != "Stripe" || d.Method != "card" || d.Mode != "card" || d.Adapter != "Stripe" {
		t.Errorf("identity = %q %q %q %q %q", d.ID, d.DisplayName, d.Method, d.Mode, d.Adapter)
	}
	want := []gateway.Field{
		{Key: "secret_key", DisplayName: "Secret key", Required: true, Format: gateway.FormatText, Secret: true},
		{Key: "stripe_account", DisplayName: "Stripe account", Format: gateway.FormatText},
		{Key: "webhook_secret", DisplayName: "Webhook secret", Format: gateway.FormatText, Secret: true},
	}
	if !slices.Equal(d.Fields, want) {
		t.Errorf("Fields = %+v", d.Fields)
	}
	upper3, upper2 := regexp.MustCompile(`^[A-Z]{3}$`), regexp.MustCompile(`^[A-Z]{2}$`)
	for _, list := range []struct {
		name  string
		codes []string
		re    *regexp.Regexp
		must  []string
	}{
		{"currencies", d.SupportedCurrencies, upper3, []string{"USD", "EUR", "GBP", "JPY", "AUD", "CAD"}},
		{"countries", d.SupportedCountries, upper2, []string{"US", "GB", "DE", "FR", "AU", "JP"}},
	} {
		if !slices.IsSorted(list.codes) || len(slices.Compact(slices.Clone(list.codes))) != len(list.codes) {
			t.Errorf("%s are not sorted and unique", list.name)
		}
		for _, c := range list.codes {
			if !list.re.MatchString(c) {
				t.Errorf("%s: bad code %q", list.name, c)
			}
		}
		for _, c := range list.must {
			if !slices.Contains(list.codes, c) {
				t.Errorf("%s lack %s", list.name, c)
			}
		}
	}
	f := d.Features
	if !f.DelayedCapture || !f.PartialCapture || !f.PartialRefunds || !f.Refunds || !f.Void ||
		!f.VerifyCredentials || !f.ThreeDSecureHosted {
		t.Errorf("a feature is missing: %+v", f)
	}
	if f.ZeroAuth || f.OverCapture || f.CreateSession || f.DigitalWallets || f.ThreeDSecurePassThrough || f.RequiresWebhookSetup {
		t.Errorf("an unsupported feature is set: %+v", f)
	}
	if len(d.VaultConfig) != 1 || d.VaultConfig[0].Name != "secret_key" || !d.VaultConfig[0].Required {
		t.Errorf("VaultConfig = %+v", d.VaultConfig)
	}
	if len(d.BaseConfig) != 2 || d.BaseConfig[0].Name != "stripe_account" || d.BaseConfig[1].Name != "webhook_secret" {
		t.Errorf("BaseConfig = %+v", d.BaseConfig)
	}
	// The Definition is a copy: changing it changes no other.
	d.SupportedCurrencies[0] = "XXX"
	if stripe.New().Definition().SupportedCurrencies[0] == "XXX" {
		t.Error("Definition shares its slices")
	}
}

// refuseAll is a server no request may reach.
func refuseAll(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCredentialFormat(t *testing.T) {
	a := stripe.New(stripe.WithBaseURL(refuseAll(t)), stripe.WithMaxNetworkRetries(0))
	ctx := t.Context()
	for name, creds := range map[string]gateway.Credentials{
		"missing":            {},
		"empty":              {"secret_key": ""},
		"publishable":        {"secret_key": "pk_test_123"},
		"prefix only":        {"secret_key": "sk_test_"},
		"unknown prefix":     {"secret_key": "whsec_123"},
		"space":              {"secret_key": "sk_test_12 3"},
		"newline":            {"secret_key": "sk_test_123\n"},
		"bad stripe_account": {"secret_key": testKey, "stripe_account": "cus_123"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := a.VerifyCredentials(ctx, creds); !errors.Is(err, gateway.ErrCredentials) {
				t.Errorf("VerifyCredentials = %v, want ErrCredentials", err)
			}
			req := authorizeReq("k-" + name)
			req.Credentials = creds
			res, err := a.Authorize(ctx, req)
			if res != nil || !errors.Is(err, gateway.ErrCredentials) {
				t.Errorf("Authorize = %+v, %v; want ErrCredentials", res, err)
			}
			if v := creds["secret_key"]; len(v) > 8 && strings.Contains(err.Error(), v) {
				t.Errorf("error holds the key: %v", err)
			}
			_, err = a.Capture(ctx, &gateway.CaptureRequest{Credentials: creds, Reference: "pi_1", Amount: 1})
			if !errors.Is(err, gateway.ErrCredentials) {
				t.Errorf("Capture = %v", err)
			}
		})
	}
	for _, key := range []string{"sk_test_123", "sk_live_123", "rk_test_123", "rk_live_123"} {
		if _, err := stripe.New(stripe.WithBaseURL("http://127.0.0.1:1")).Authorize(ctx, &gateway.AuthorizeRequest{
			Credentials: gateway.Credentials{"secret_key": key}, Amount: 1, Currency: "usd", Card: testCard,
		}); !errors.Is(err, gateway.ErrInvalid) { // the key passes, the lower-case currency does not
			t.Errorf("%s: %v, want ErrInvalid for the currency", key[:8], err)
		}
	}
}

func TestRequestValidation(t *testing.T) {
	a := stripe.New(stripe.WithBaseURL(refuseAll(t)))
	ctx := t.Context()
	for name, mutate := range map[string]func(*gateway.AuthorizeRequest){
		"negative amount":  func(r *gateway.AuthorizeRequest) { r.Amount = -1 },
		"zero amount":      func(r *gateway.AuthorizeRequest) { r.Amount = 0 },
		"luhn":             func(r *gateway.AuthorizeRequest) { r.Card.Number = "4242424242424241" },
		"unknown currency": func(r *gateway.AuthorizeRequest) { r.Currency = "XYZ" },
		"lower currency":   func(r *gateway.AuthorizeRequest) { r.Currency = "usd" },
		"short number":     func(r *gateway.AuthorizeRequest) { r.Card.Number = "4242" },
		"letters":          func(r *gateway.AuthorizeRequest) { r.Card.Number = "4242x24242424242" },
		"month 13":         func(r *gateway.AuthorizeRequest) { r.Card.ExpMonth = 13 },
		"no year":          func(r *gateway.AuthorizeRequest) { r.Card.ExpYear = 0 },
	} {
		req := authorizeReq("k")
		mutate(req)
		res, err := a.Authorize(ctx, req)
		if res != nil || !errors.Is(err, gateway.ErrInvalid) {
			t.Errorf("%s: %+v, %v; want ErrInvalid", name, res, err)
		}
		checkResult(t, res, err)
	}
	for name, ref := range map[string]string{"empty": "", "path": "pi_1/../../v1/balance", "query": "pi_1?x=1"} {
		if _, err := a.Capture(ctx, &gateway.CaptureRequest{Credentials: testCreds, Reference: ref, Amount: 1}); !errors.Is(err, gateway.ErrInvalid) {
			t.Errorf("capture %s: %v", name, err)
		}
		if _, err := a.Void(ctx, &gateway.VoidRequest{Credentials: testCreds, Reference: ref}); !errors.Is(err, gateway.ErrInvalid) {
			t.Errorf("void %s: %v", name, err)
		}
		if _, err := a.Refund(ctx, &gateway.RefundRequest{Credentials: testCreds, Reference: ref, Amount: 1}); !errors.Is(err, gateway.ErrInvalid) {
			t.Errorf("refund %s: %v", name, err)
		}
	}
	if _, err := a.Capture(ctx, &gateway.CaptureRequest{Credentials: testCreds, Reference: "pi_1"}); !errors.Is(err, gateway.ErrInvalid) {
		t.Errorf("capture of 0: %v", err)
	}
	if _, err := a.Refund(ctx, &gateway.RefundRequest{Credentials: testCreds, Reference: "pi_1", Amount: -5}); !errors.Is(err, gateway.ErrInvalid) {
		t.Errorf("refund of -5: %v", err)
	}
}

// TestStripeMock runs every method against stripe-mock, which validates each
// request against Stripe's OpenAPI specification.
func TestStripeMock(t *testing.T) {
	base := stripemock.Start(t, true)
	a := stripe.New(stripe.WithBaseURL(base))
	ctx := t.Context()

	t.Run("VerifyCredentials", func(t *testing.T) {
		if err := a.VerifyCredentials(ctx, testCreds); err != nil {
			t.Fatal(err)
		}
		connect := gateway.Credentials{"secret_key": testKey, "stripe_account": "acct_1032D82eZvKYlo2C", "webhook_secret": "whsec_x"}
		if err := a.VerifyCredentials(ctx, connect); err != nil {
			t.Fatal(err)
		}
	})
	var ref string
	t.Run("Authorize", func(t *testing.T) {
		res, err := a.Authorize(ctx, authorizeReq("auth-1"))
		checkResult(t, res, err)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != gateway.OutcomeApproved || !strings.HasPrefix(res.Reference, "pi_") || res.Amount != 1099 {
			t.Errorf("result = %+v", res)
		}
		if res.CVVResult != gateway.CVVMatch || res.AVSResult != gateway.AVSMatch || res.AuthCode != "123456" ||
			res.NetworkTransactionID != "1234567890123456" {
			t.Errorf("card details = %+v", res)
		}
		ref = res.Reference
	})
	t.Run("AuthorizeVariants", func(t *testing.T) {
		for name, mutate := range map[string]func(*gateway.AuthorizeRequest){
			"capture":            func(r *gateway.AuthorizeRequest) { r.Capture = true },
			"merchant initiated": func(r *gateway.AuthorizeRequest) { r.MerchantInitiated, r.Recurring, r.Card.CVC = true, true, "" },
			"connect": func(r *gateway.AuthorizeRequest) {
				r.Credentials = gateway.Credentials{"secret_key": testKey, "stripe_account": "acct_1"}
			},
			"no holder":    func(r *gateway.AuthorizeRequest) { r.Card.Holder, r.Reference = "", "" },
			"zero-decimal": func(r *gateway.AuthorizeRequest) { r.Currency = "JPY" },
		} {
			req := authorizeReq("auth-" + name)
			mutate(req)
			res, err := a.Authorize(ctx, req)
			checkResult(t, res, err)
			if err != nil || res.Outcome != gateway.OutcomeApproved {
				t.Errorf("%s: %+v, %v", name, res, err)
			}
		}
	})
	t.Run("Capture", func(t *testing.T) {
		res, err := a.Capture(ctx, &gateway.CaptureRequest{Credentials: testCreds, Reference: ref, Amount: 500, Currency: "USD", IdempotencyKey: "cap-1"})
		checkResult(t, res, err)
		if err != nil || res.Outcome != gateway.OutcomeApproved || res.Reference == "" || res.Amount <= 0 {
			t.Errorf("capture = %+v, %v", res, err)
		}
	})
	t.Run("Void", func(t *testing.T) {
		res, err := a.Void(ctx, &gateway.VoidRequest{Credentials: testCreds, Reference: ref, IdempotencyKey: "void-1"})
		checkResult(t, res, err)
		if err != nil || res.Outcome != gateway.OutcomeApproved || res.Reference == "" {
			t.Errorf("void = %+v, %v", res, err)
		}
	})
	t.Run("Refund", func(t *testing.T) {
		for _, reason := range []string{"", "requested_by_customer", "duplicate", "fraudulent", "customer changed their mind"} {
			res, err := a.Refund(ctx, &gateway.RefundRequest{Credentials: testCreds, Reference: ref, Amount: 300, Currency: "USD", Reason: reason, IdempotencyKey: "ref-" + reason})
			checkResult(t, res, err)
			if err != nil || res.Outcome != gateway.OutcomeApproved || !strings.HasPrefix(res.Reference, "re_") || res.Amount != 300 {
				t.Errorf("refund (reason %q) = %+v, %v", reason, res, err)
			}
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				req := authorizeReq(fmt.Sprintf("conc-%d", i))
				req.Credentials = gateway.Credentials{"secret_key": fmt.Sprintf("sk_test_%d", i)}
				if res, err := a.Authorize(ctx, req); err != nil || res.Outcome != gateway.OutcomeApproved {
					t.Errorf("%d: %+v, %v", i, res, err)
				}
			})
		}
		wg.Wait()
	})
}

// TestStripeMockBundledFixtures: with stripe-mock's own fixtures every
// PaymentIntent is requires_payment_method with a last_payment_error that
// is no card error; the adapter reads that as a hard decline, not a crash.
func TestStripeMockBundledFixtures(t *testing.T) {
	base := stripemock.Start(t, false)
	a := stripe.New(stripe.WithBaseURL(base))
	ctx := t.Context()
	res, err := a.Authorize(ctx, authorizeReq("bundled-1"))
	checkResult(t, res, err)
	if err != nil || res.Outcome != gateway.OutcomeDeclined || res.Soft || res.Decline != gateway.DeclineGeneric || res.Reference == "" {
		t.Errorf("authorize = %+v, %v", res, err)
	}
	if err := a.VerifyCredentials(ctx, testCreds); err != nil {
		t.Error(err)
	}
	if res, err := a.Capture(ctx, &gateway.CaptureRequest{Credentials: testCreds, Reference: "pi_1", Amount: 100, IdempotencyKey: "c"}); err != nil || res.Outcome != gateway.OutcomeApproved {
		t.Errorf("capture = %+v, %v", res, err)
	}
	if res, err := a.Void(ctx, &gateway.VoidRequest{Credentials: testCreds, Reference: "pi_1", IdempotencyKey: "v"}); err != nil || res.Outcome != gateway.OutcomeApproved {
		t.Errorf("void = %+v, %v", res, err)
	}
	if res, err := a.Refund(ctx, &gateway.RefundRequest{Credentials: testCreds, Reference: "pi_1", Amount: 100, IdempotencyKey: "r"}); err != nil || res.Reference == "" {
		t.Errorf("refund = %+v, %v", res, err)
	}
}

// fake is a Stripe-shaped server: payment methods are created, and every
// other request gets status and body.
type fake struct {
	mu       sync.Mutex
	requests []*http.Request
	forms    []string
	status   int
	body     string
	delay    time.Duration
}

func (f *fake) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.requests = append(f.requests, r)
		f.forms = append(f.forms, r.Form.Encode())
		status, body, delay := f.status, f.body, f.delay
		f.mu.Unlock()
		if r.URL.Path == "/v1/payment_methods" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"pm_fake","object":"payment_method","type":"card"}`))
			return
		}
		if delay > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(delay):
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req_fake")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func stripeError(typ, code, declineCode string, extra string) string {
	e := map[string]any{
		"type": typ,
		// Stripe sometimes quotes request values; the adapter must not.
		"message": "Your card " + testNumber + " with cvc " + testCVC + " was refused for key " + testKey,
	}
	if code != "" {
		e["code"] = code
	}
	if declineCode != "" {
		e["decline_code"] = declineCode
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	if extra != "" {
		b = append(b[:len(b)-2], []byte(","+extra+"}}")...)
	}
	return string(b)
}

// TestErrorMapping asserts the mapping table of the package documentation.
func TestErrorMapping(t *testing.T) {
	type want struct {
		outcome   gateway.Outcome
		soft      bool
		retryable bool
		decline   string
		reference string
		err       error
	}
	cases := []struct {
		name   string
		op     string // authorize (default), capture, void, refund, verify
		status int
		body   string
		want   want
	}{
		{"insufficient funds", "", 402, stripeError("card_error", "card_declined", "insufficient_funds", `"payment_intent":{"id":"pi_declined","object":"payment_intent","status":"requires_payment_method"}`),
			want{outcome: gateway.OutcomeDeclined, soft: true, decline: gateway.DeclineInsufficientFunds, reference: "pi_declined"}},
		{"do not honor", "", 402, stripeError("card_error", "card_declined", "do_not_honor", ""),
			want{outcome: gateway.OutcomeDeclined, soft: true, decline: gateway.DeclineDoNotHonor}},
		{"try again later", "", 402, stripeError("card_error", "card_declined", "try_again_later", ""),
			want{outcome: gateway.OutcomeDeclined, soft: true, decline: "try_again_later"}},
		{"generic decline", "", 402, stripeError("card_error", "card_declined", "generic_decline", ""),
			want{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineGeneric}},
		{"stolen", "", 402, stripeError("card_error", "card_declined", "stolen_card", ""),
			want{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineLostOrStolen}},
		{"fraudulent", "", 402, stripeError("card_error", "card_declined", "fraudulent", ""),
			want{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineFraud}},
		{"expired", "", 402, stripeError("card_error", "expired_card", "", ""),
			want{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineExpiredCard}},
		{"incorrect cvc", "", 402, stripeError("card_error", "incorrect_cvc", "", ""),
			want{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineIncorrectCVC}},
		{"incorrect number", "", 402, stripeError("card_error", "incorrect_number", "", ""),
			want{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineIncorrectNumber}},
		{"processing error", "", 402, stripeError("card_error", "processing_error", "", ""),
			want{outcome: gateway.OutcomeError, retryable: true, decline: gateway.DeclineProcessingError}},
		{"unknown decline code passes through", "", 402, stripeError("card_error", "card_declined", "new_bank_code", ""),
			want{outcome: gateway.OutcomeDeclined, decline: "new_bank_code"}},
		{"200 requires_payment_method after a decline", "", 200,
			`{"id":"pi_rpm","object":"payment_intent","status":"requires_payment_method","last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"card ` + testNumber + `"}}`,
			want{outcome: gateway.OutcomeDeclined, soft: true, decline: gateway.DeclineInsufficientFunds, reference: "pi_rpm"}},
		{"200 requires_action", "", 200, `{"id":"pi_3ds","object":"payment_intent","status":"requires_action","amount":1099}`,
			want{outcome: gateway.OutcomePending, reference: "pi_3ds"}},
		{"200 processing", "", 200, `{"id":"pi_p","object":"payment_intent","status":"processing","amount":1099}`,
			want{outcome: gateway.OutcomePending, reference: "pi_p"}},
		{"200 succeeded", "", 200, `{"id":"pi_s","object":"payment_intent","status":"succeeded","amount":1099,"amount_received":1099}`,
			want{outcome: gateway.OutcomeApproved, reference: "pi_s"}},
		{"401", "", 401, stripeError("invalid_request_error", "", "", ""), want{err: gateway.ErrCredentials}},
		{"401 verify", "verify", 401, stripeError("invalid_request_error", "", "", ""), want{err: gateway.ErrCredentials}},
		{"403 permission", "capture", 403, stripeError("invalid_request_error", "secret_key_required", "", ""), want{err: gateway.ErrCredentials}},
		{"resource_missing capture", "capture", 404, stripeError("invalid_request_error", "resource_missing", "", `"param":"intent"`), want{err: gateway.ErrNotFound}},
		{"resource_missing void", "void", 404, stripeError("invalid_request_error", "resource_missing", "", ""), want{err: gateway.ErrNotFound}},
		{"resource_missing refund", "refund", 400, stripeError("invalid_request_error", "resource_missing", "", `"param":"payment_intent"`), want{err: gateway.ErrNotFound}},
		{"unexpected state", "capture", 400, stripeError("invalid_request_error", "payment_intent_unexpected_state", "", ""), want{err: gateway.ErrInvalid}},
		{"refund too large", "refund", 400, stripeError("invalid_request_error", "amount_too_large", "", ""), want{err: gateway.ErrInvalid}},
		{"raw card data refused", "", 402, stripeError("invalid_request_error", "", "", ""), want{err: gateway.ErrInvalid}},
		{"idempotency", "", 400, stripeError("idempotency_error", "", "", ""), want{err: gateway.ErrInvalid}},
		{"rate limit", "", 429, stripeError("invalid_request_error", "rate_limit", "", ""), want{err: gateway.ErrUnavailable}},
		{"api_error 500", "", 500, stripeError("api_error", "", "", ""), want{err: gateway.ErrUnavailable}},
		{"502 html echoing", "capture", 502, "<html>bad gateway " + testNumber + " " + testKey + "</html>", want{err: gateway.ErrUnavailable}},
		{"200 not json", "refund", 200, "number=" + testNumber, want{err: gateway.ErrUnavailable}},
		{"200 refund failed", "refund", 200, `{"id":"re_f","object":"refund","status":"failed","amount":300,"failure_reason":"lost_or_stolen_card"}`,
			want{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineGeneric, reference: "re_f"}},
		{"200 refund pending", "refund", 200, `{"id":"re_p","object":"refund","status":"pending","amount":300}`,
			want{outcome: gateway.OutcomePending, reference: "re_p"}},
		{"200 capture processing", "capture", 200, `{"id":"pi_c","object":"payment_intent","status":"processing"}`,
			want{outcome: gateway.OutcomePending, reference: "pi_c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{status: tc.status, body: tc.body}
			a := stripe.New(stripe.WithBaseURL(f.start(t)), stripe.WithMaxNetworkRetries(0))
			ctx := t.Context()
			var res *gateway.Result
			var err error
			switch tc.op {
			case "", "authorize":
				res, err = a.Authorize(ctx, authorizeReq("idem-1"))
			case "capture":
				res, err = a.Capture(ctx, &gateway.CaptureRequest{Credentials: testCreds, Reference: "pi_1", Amount: 100, IdempotencyKey: "idem-1"})
			case "void":
				res, err = a.Void(ctx, &gateway.VoidRequest{Credentials: testCreds, Reference: "pi_1", IdempotencyKey: "idem-1"})
			case "refund":
				res, err = a.Refund(ctx, &gateway.RefundRequest{Credentials: testCreds, Reference: "pi_1", Amount: 100, IdempotencyKey: "idem-1"})
			case "verify":
				err = a.VerifyCredentials(ctx, testCreds)
			}
			checkResult(t, res, err)
			if tc.want.err != nil {
				if res != nil || !errors.Is(err, tc.want.err) {
					t.Fatalf("got %+v, %v; want %v", res, err, tc.want.err)
				}
				if !strings.HasPrefix(err.Error(), "stripe: ") {
					t.Errorf("error text %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.want.outcome || res.Soft != tc.want.soft || res.Retryable != tc.want.retryable ||
				res.Decline != tc.want.decline || res.Reference != tc.want.reference {
				t.Errorf("got %+v\nwant %+v", res, tc.want)
			}
		})
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	f := &fake{status: 200, body: `{"id":"pi_slow","object":"payment_intent","status":"requires_capture"}`, delay: 5 * time.Second}
	base := f.start(t)
	a := stripe.New(stripe.WithBaseURL(base), stripe.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}), stripe.WithMaxNetworkRetries(0))
	start := time.Now()
	res, err := a.Authorize(t.Context(), authorizeReq("slow-1"))
	checkResult(t, res, err)
	if res != nil || !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("timeout: %+v, %v; want ErrUnavailable", res, err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("the timeout took %v", time.Since(start))
	}

	a = stripe.New(stripe.WithBaseURL(base))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = a.Capture(ctx, &gateway.CaptureRequest{Credentials: testCreds, Reference: "pi_1", Amount: 1, IdempotencyKey: "c"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if err := a.VerifyCredentials(ctx, testCreds); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestRequests checks what the adapter sends: the idempotency key, the
// Connect account, the credentials of the call (never another's), and the
// form Stripe expects.
func TestRequests(t *testing.T) {
	f := &fake{status: 200, body: `{"id":"pi_ok","object":"payment_intent","status":"requires_capture","amount":1099,"amount_capturable":1099}`}
	a := stripe.New(stripe.WithBaseURL(f.start(t)), stripe.WithMaxNetworkRetries(0))
	ctx := t.Context()
	req := authorizeReq("idem-42")
	req.Credentials = gateway.Credentials{"secret_key": "sk_test_alpha", "stripe_account": "acct_alpha"}
	req.MerchantInitiated = true
	if _, err := a.Authorize(ctx, req); err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != 2 {
		t.Fatalf("%d requests", len(f.requests))
	}
	pm, pi := f.requests[0], f.requests[1]
	if pm.URL.Path != "/v1/payment_methods" || pi.URL.Path != "/v1/payment_intents" {
		t.Errorf("paths %s %s", pm.URL.Path, pi.URL.Path)
	}
	for _, r := range f.requests {
		if user, _, _ := r.BasicAuth(); user != "sk_test_alpha" && r.Header.Get("Authorization") != "Bearer sk_test_alpha" {
			t.Errorf("%s: wrong key", r.URL.Path)
		}
		if r.Header.Get("Stripe-Account") != "acct_alpha" {
			t.Errorf("%s: Stripe-Account %q", r.URL.Path, r.Header.Get("Stripe-Account"))
		}
		if r.Header.Get("Stripe-Version") == "" {
			t.Errorf("%s: no Stripe-Version", r.URL.Path)
		}
	}
	if k := pi.Header.Get("Idempotency-Key"); k != "idem-42" {
		t.Errorf("payment intent key %q", k)
	}
	if k := pm.Header.Get("Idempotency-Key"); k != "idem-42:payment_method" {
		t.Errorf("payment method key %q", k)
	}
	for _, want := range []string{"amount=1099", "currency=usd", "confirm=true", "capture_method=manual", "off_session=true", "payment_method=pm_fake"} {
		if !strings.Contains(f.forms[1], want) {
			t.Errorf("payment intent form %q lacks %s", f.forms[1], want)
		}
	}
	if strings.Contains(f.forms[1], testNumber) {
		t.Error("the payment intent carries the card number")
	}
	for _, want := range []string{"type=card", "card%5Bnumber%5D=" + testNumber, "card%5Bcvc%5D=" + testCVC, "card%5Bexp_month%5D=12"} {
		if !strings.Contains(f.forms[0], want) {
			t.Errorf("payment method form lacks %s", want)
		}
	}

	// Concurrent calls with different keys each send their own.
	f2 := &fake{status: 200, body: `{"object":"balance","available":[]}`}
	a = stripe.New(stripe.WithBaseURL(f2.start(t)))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			key := fmt.Sprintf("sk_test_%02d", i)
			if err := a.VerifyCredentials(ctx, gateway.Credentials{"secret_key": key}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range f2.requests {
		user, _, _ := r.BasicAuth()
		if user == "" {
			user = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		seen[user] = true
	}
	if len(seen) != 16 {
		t.Errorf("%d distinct keys over 16 calls", len(seen))
	}
}
