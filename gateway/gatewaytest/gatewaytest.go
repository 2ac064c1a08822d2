// Package gatewaytest is the conformance suite every gateway.Adapter
// passes, as storagetest is for stores. An adapter's test is one call:
//
//	func TestConformance(t *testing.T) {
//		gatewaytest.Run(t, gatewaytest.Config{
//			New:         func(t *testing.T) gateway.Adapter { return simulator.New() },
//			Credentials: gateway.Credentials{"api_key": simulator.TestAPIKey},
//			Card:        gateway.Card{Number: "4111111111111111", ExpMonth: 12, ExpYear: 2034, CVC: "123"},
//		})
//	}
//
// Each property runs as a subtest against a fresh adapter from Config.New.
// Checks a Definition does not claim (Void, PartialCapture, Refunds, ...)
// are skipped, saying so, and so are the checks of payment state when the
// backend is Stateless.
//
// # Card data
//
// Every Result and error the suite sees, in every subtest, is searched for
// the card numbers of the Config (whole, and their last 12 digits), their
// CVCs (as a token of their own, not inside a longer run of letters and
// digits, so that an auth code or id holding "123" by chance is no leak) and
// every credential value of 6 characters or more; the Error text and %+v of
// both, and so the Result's Message, must hold none of them. The failure
// names the operation and what leaked, never the value, and the suite's
// other failures print Results and errors redacted.
package gatewaytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/gateway"
)

// Config describes the adapter under test.
type Config struct {
	// New returns the adapter under test, fresh for each subtest.
	New func(t *testing.T) gateway.Adapter
	// Credentials work; BadCredentials are refused by VerifyCredentials.
	Credentials    gateway.Credentials
	BadCredentials gateway.Credentials
	// Card is approved; DeclinedCard is declined (the zero Card skips the
	// decline checks).
	Card         gateway.Card
	DeclinedCard gateway.Card
	// Currency and Amount of the payments the suite makes: USD and 1000 when
	// zero. Amount is at least 2, so that it can be refunded in two parts.
	Currency string
	Amount   int64
	// Stateless marks a backend that keeps no payment state (stripe-mock):
	// the checks of state (capture after void, refunds beyond the capture,
	// replays of an idempotency key) are skipped, saying so, and so are the
	// amounts of captures and refunds, which such a backend answers from
	// fixtures.
	Stateless bool
}

// Prompt is how soon a call with a cancelled context must return.
const Prompt = time.Second

type suite struct {
	cfg     Config
	def     gateway.Definition
	secrets []secret
}

// secret is a value no Result or error may hold, and what to call it.
type secret struct {
	name string
	re   *regexp.Regexp
}

// Run runs the conformance suite, one subtest per property, each against a
// fresh adapter from cfg.New:
//
//   - Definition: ID, display name, method, mode card or redirect; fields
//     with keys, names and formats text or multiline, no duplicates;
//     currencies of 3 and countries of 2 upper-case letters, no duplicates;
//     cfg.Credentials names only fields, and every required one.
//   - VerifyCredentials, BadCredentials: nil, and an error wrapping
//     ErrCredentials.
//   - AuthorizeCaptureRefund, AuthorizeWithCapture, Void: approvals for
//     the amounts asked, refunds in two parts.
//   - Declined: cfg.DeclinedCard is a Result declined with a code, not an
//     error.
//   - Idempotency: a replayed authorization, capture and refund return the
//     first Result and move nothing (the remaining amount refunds, and no
//     more); a key reused for another request is ErrInvalid.
//   - State: capture after void, void after capture, capture over the
//     authorized amount (unless over_capture), refunds before or beyond the
//     capture are ErrInvalid; an unknown reference is ErrNotFound or
//     ErrInvalid.
//   - Concurrent: concurrent payments, and one capture sent from many
//     goroutines with one key, captured once.
//   - Context: every method with a cancelled context returns an error
//     wrapping context.Canceled, and no Result, within [Prompt].
//   - InvalidRequests: amounts 0 and -1, currencies "usd", "XXXX", "" and
//     "U1D" are errors wrapping ErrInvalid, not Results; a number failing
//     the Luhn check is ErrInvalid or a decline.
//   - NoCardData: the declines, refusals and invalid requests most likely
//     to echo a card or credential (see the package documentation; every
//     subtest makes the same checks).
func Run(t *testing.T, cfg Config) {
	t.Helper()
	if cfg.New == nil {
		t.Fatal("gatewaytest: Config.New is nil")
	}
	if cfg.Currency == "" {
		cfg.Currency = "USD"
	}
	if cfg.Amount == 0 {
		cfg.Amount = 1000
	}
	if cfg.Amount < 2 {
		t.Fatal("gatewaytest: Config.Amount must be at least 2")
	}
	if cfg.Card.Number == "" {
		t.Fatal("gatewaytest: Config.Card is the zero Card")
	}
	s := &suite{cfg: cfg, def: cfg.New(t).Definition()}
	s.addCard("Card", cfg.Card)
	s.addCard("DeclinedCard", cfg.DeclinedCard)
	s.addCredentials("Credentials", cfg.Credentials)
	s.addCredentials("BadCredentials", cfg.BadCredentials)

	tests := []struct {
		name string
		fn   func(t *testing.T, s *suite, a gateway.Adapter)
	}{
		{"Definition", testDefinition},
		{"VerifyCredentials", testVerifyCredentials},
		{"BadCredentials", testBadCredentials},
		{"AuthorizeCaptureRefund", testAuthorizeCaptureRefund},
		{"AuthorizeWithCapture", testAuthorizeWithCapture},
		{"Void", testVoid},
		{"Declined", testDeclined},
		{"Idempotency", testIdempotency},
		{"State", testState},
		{"Concurrent", testConcurrent},
		{"Context", testContext},
		{"InvalidRequests", testInvalidRequests},
		{"NoCardData", testNoCardData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, s, &checked{Adapter: cfg.New(t), t: t, s: s})
		})
	}
}

func (s *suite) addCard(name string, c gateway.Card) {
	if c.Number != "" {
		s.secrets = append(s.secrets, secret{name + ".Number", regexp.MustCompile(`()` + regexp.QuoteMeta(c.Number) + `()`)})
	}
	if len(c.Number) > 12 {
		s.secrets = append(s.secrets, secret{name + ".Number's last 12 digits", regexp.MustCompile(`()` + regexp.QuoteMeta(c.Number[len(c.Number)-12:]) + `()`)})
	}
	if c.CVC != "" {
		s.secrets = append(s.secrets, secret{name + ".CVC", regexp.MustCompile(`(^|[^0-9A-Za-z])` + regexp.QuoteMeta(c.CVC) + `($|[^0-9A-Za-z])`)})
	}
}

func (s *suite) addCredentials(name string, creds gateway.Credentials) {
	for k, v := range creds {
		if len(v) >= 6 {
			s.secrets = append(s.secrets, secret{name + "[" + k + "]", regexp.MustCompile(`()` + regexp.QuoteMeta(v) + `()`)})
		}
	}
}

// leaks returns the names of the secrets in text.
func (s *suite) leaks(text string) []string {
	var out []string
	for _, sec := range s.secrets {
		if sec.re.MatchString(text) {
			out = append(out, sec.name)
		}
	}
	return out
}

// redact replaces the secrets in text, for failure messages.
func (s *suite) redact(text string) string {
	for _, sec := range s.secrets {
		text = sec.re.ReplaceAllString(text, "${1}[REDACTED]${2}")
	}
	return text
}

// same requires a replay's Result to equal the first, printing both
// redacted if not.
func (s *suite) same(t *testing.T, op string, first, again *gateway.Result) {
	t.Helper()
	if !reflect.DeepEqual(first, again) {
		t.Errorf("%s replayed with its idempotency key returned another Result:\nfirst: %s\nagain: %s",
			op, s.redact(fmt.Sprintf("%+v", first)), s.redact(fmt.Sprintf("%+v", again)))
	}
}

// inspect fails t if res or err holds a secret.
func (s *suite) inspect(t *testing.T, op string, res *gateway.Result, err error) {
	t.Helper()
	if res != nil {
		if l := s.leaks(fmt.Sprintf("%+v", *res)); l != nil {
			t.Errorf("%s: the Result holds card data or credentials: %s", op, strings.Join(l, ", "))
		}
	}
	if err != nil {
		if l := s.leaks(err.Error() + "\n" + fmt.Sprintf("%+v", err)); l != nil {
			t.Errorf("%s: the error holds card data or credentials: %s", op, strings.Join(l, ", "))
		}
	}
}

// checked is the adapter under test as the subtests see it: every answer is
// inspected for card data, so that every check is also a leak check.
type checked struct {
	gateway.Adapter
	t *testing.T
	s *suite
}

func (c *checked) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	res, err := c.Adapter.Authorize(ctx, req)
	c.s.inspect(c.t, "Authorize", res, err)
	return res, err
}

func (c *checked) Capture(ctx context.Context, req *gateway.CaptureRequest) (*gateway.Result, error) {
	res, err := c.Adapter.Capture(ctx, req)
	c.s.inspect(c.t, "Capture", res, err)
	return res, err
}

func (c *checked) Void(ctx context.Context, req *gateway.VoidRequest) (*gateway.Result, error) {
	res, err := c.Adapter.Void(ctx, req)
	c.s.inspect(c.t, "Void", res, err)
	return res, err
}

func (c *checked) Refund(ctx context.Context, req *gateway.RefundRequest) (*gateway.Result, error) {
	res, err := c.Adapter.Refund(ctx, req)
	c.s.inspect(c.t, "Refund", res, err)
	return res, err
}

func (c *checked) VerifyCredentials(ctx context.Context, creds gateway.Credentials) error {
	err := c.Adapter.VerifyCredentials(ctx, creds)
	c.s.inspect(c.t, "VerifyCredentials", nil, err)
	return err
}

// sub returns a, reporting to the subtest t, and t's context.
func (s *suite) sub(t *testing.T, a gateway.Adapter) (gateway.Adapter, context.Context) {
	if c, ok := a.(*checked); ok {
		a = &checked{Adapter: c.Adapter, t: t, s: s}
	}
	return a, t.Context()
}

// key returns a fresh idempotency key.
func key() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "gatewaytest_" + hex.EncodeToString(b[:])
}

func (s *suite) authorizeRequest(card gateway.Card, capture bool) *gateway.AuthorizeRequest {
	return &gateway.AuthorizeRequest{
		Credentials:    s.cfg.Credentials,
		Amount:         s.cfg.Amount,
		Currency:       s.cfg.Currency,
		Card:           card,
		Capture:        capture,
		IdempotencyKey: key(),
	}
}

func (s *suite) captureRequest(ref string, amount int64) *gateway.CaptureRequest {
	return &gateway.CaptureRequest{Credentials: s.cfg.Credentials, Reference: ref, Amount: amount, Currency: s.cfg.Currency, IdempotencyKey: key()}
}

func (s *suite) voidRequest(ref string) *gateway.VoidRequest {
	return &gateway.VoidRequest{Credentials: s.cfg.Credentials, Reference: ref, IdempotencyKey: key()}
}

func (s *suite) refundRequest(ref string, amount int64) *gateway.RefundRequest {
	return &gateway.RefundRequest{Credentials: s.cfg.Credentials, Reference: ref, Amount: amount, Currency: s.cfg.Currency, Reason: "requested_by_customer", IdempotencyKey: key()}
}

// approved requires an approval; with amount > 0 (and, for captures and
// refunds, a stateful backend) it must be for amount.
func (s *suite) approved(t *testing.T, op string, res *gateway.Result, err error, amount int64) *gateway.Result {
	t.Helper()
	s.noErr(t, op, err)
	require.NotNil(t, res, op)
	require.Equal(t, gateway.OutcomeApproved, res.Outcome, "%s: %s %s", op, res.Decline, s.redact(res.Message))
	assert.NotEmpty(t, res.Reference, "%s: Reference", op)
	if amount > 0 && (op == "Authorize" || !s.cfg.Stateless) {
		assert.Equal(t, amount, res.Amount, "%s: Amount", op)
	}
	return res
}

// invalid requires an error wrapping gateway.ErrInvalid, and no Result.
func (s *suite) invalid(t *testing.T, op string, res *gateway.Result, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: want an error wrapping gateway.ErrInvalid, got a Result: %s", op, s.redact(fmt.Sprintf("%+v", res)))
	}
	s.is(t, op, err, gateway.ErrInvalid)
	s.noResult(t, res, "%s: a Result beside the error", op)
}

// noResult checks that res is nil, printing it redacted if not.
func (s *suite) noResult(t *testing.T, res *gateway.Result, format string, args ...any) {
	t.Helper()
	if res != nil {
		t.Errorf(format+": %s", append(args, s.redact(fmt.Sprintf("%+v", *res)))...)
	}
}

// noErr requires err to be nil, printing it redacted if not.
func (s *suite) noErr(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %s", op, s.redact(err.Error()))
	}
}

// is checks that err wraps target, printing it redacted if not.
func (s *suite) is(t *testing.T, op string, err, target error) bool {
	t.Helper()
	if errors.Is(err, target) {
		return true
	}
	t.Errorf("%s: want an error wrapping %q, got %s", op, target, s.redact(fmt.Sprint(err)))
	return false
}

func (s *suite) authorize(t *testing.T, a gateway.Adapter, capture bool) *gateway.Result {
	t.Helper()
	res, err := a.Authorize(t.Context(), s.authorizeRequest(s.cfg.Card, capture))
	return s.approved(t, "Authorize", res, err, s.cfg.Amount)
}

func (s *suite) need(t *testing.T, claimed bool, feature string) {
	t.Helper()
	if !claimed {
		t.Skipf("the Definition does not claim %s", feature)
	}
}

func (s *suite) stateful(t *testing.T) {
	t.Helper()
	if s.cfg.Stateless {
		t.Skip("the backend keeps no payment state")
	}
}

var (
	currencyShape = regexp.MustCompile(`^[A-Z]{3}$`)
	countryShape  = regexp.MustCompile(`^[A-Z]{2}$`)
)

func testDefinition(t *testing.T, s *suite, a gateway.Adapter) {
	d := a.Definition()
	assert.NotEmpty(t, d.ID, "ID")
	assert.NotEmpty(t, d.DisplayName, "DisplayName")
	assert.NotEmpty(t, d.Method, "Method")
	assert.Contains(t, []string{"card", "redirect"}, d.Mode, "Mode")
	keys := map[string]bool{}
	for i, f := range d.Fields {
		assert.NotEmpty(t, f.Key, "Fields[%d].Key", i)
		assert.NotEmpty(t, f.DisplayName, "Fields[%d].DisplayName", i)
		assert.Contains(t, []string{gateway.FormatText, gateway.FormatMultiline}, f.Format, "Fields[%d].Format", i)
		assert.False(t, keys[f.Key], "Fields[%d]: duplicate key %q", i, f.Key)
		keys[f.Key] = true
		if f.Required {
			assert.Contains(t, s.cfg.Credentials, f.Key, "Config.Credentials lacks the required field %q", f.Key)
		}
	}
	for k := range s.cfg.Credentials {
		assert.True(t, keys[k], "Config.Credentials has %q, which is no field of the Definition", k)
	}
	codes := func(name string, list []string, shape *regexp.Regexp) {
		assert.NotEmpty(t, list, name)
		seen := map[string]bool{}
		for i, c := range list {
			assert.Regexp(t, shape, c, "%s[%d]", name, i)
			assert.False(t, seen[c], "%s[%d]: duplicate %q", name, i, c)
			seen[c] = true
		}
	}
	codes("SupportedCurrencies", d.SupportedCurrencies, currencyShape)
	codes("SupportedCountries", d.SupportedCountries, countryShape)
	assert.Contains(t, d.SupportedCurrencies, s.cfg.Currency, "Config.Currency is not supported")
	assert.Equal(t, d, a.Definition(), "Definition changed between calls")
}

func testVerifyCredentials(t *testing.T, s *suite, a gateway.Adapter) {
	s.need(t, s.def.Features.VerifyCredentials, "verify_credentials")
	s.noErr(t, "VerifyCredentials", a.VerifyCredentials(t.Context(), s.cfg.Credentials))
}

func testBadCredentials(t *testing.T, s *suite, a gateway.Adapter) {
	s.need(t, s.def.Features.VerifyCredentials, "verify_credentials")
	if s.cfg.BadCredentials == nil {
		t.Skip("Config.BadCredentials is nil")
	}
	err := a.VerifyCredentials(t.Context(), s.cfg.BadCredentials)
	s.is(t, "VerifyCredentials of Config.BadCredentials", err, gateway.ErrCredentials)
}

func testAuthorizeCaptureRefund(t *testing.T, s *suite, a gateway.Adapter) {
	s.need(t, s.def.Features.DelayedCapture, "delayed_capture")
	ctx, amount := t.Context(), s.cfg.Amount
	auth := s.authorize(t, a, false)

	res, err := a.Capture(ctx, s.captureRequest(auth.Reference, amount))
	s.approved(t, "Capture", res, err, amount)

	s.need(t, s.def.Features.Refunds, "refunds")
	first := amount
	if s.def.Features.PartialRefunds {
		first = amount / 2
	}
	r1, err := a.Refund(ctx, s.refundRequest(auth.Reference, first))
	s.approved(t, "Refund", r1, err, first)
	if first == amount {
		return
	}
	r2, err := a.Refund(ctx, s.refundRequest(auth.Reference, amount-first))
	s.approved(t, "Refund", r2, err, amount-first)
	if !s.cfg.Stateless {
		assert.NotEqual(t, r1.Reference, r2.Reference, "two refunds have one Reference")
	}
}

func testAuthorizeWithCapture(t *testing.T, s *suite, a gateway.Adapter) {
	auth := s.authorize(t, a, true)
	s.need(t, s.def.Features.Refunds, "refunds")
	res, err := a.Refund(t.Context(), s.refundRequest(auth.Reference, s.cfg.Amount))
	s.approved(t, "Refund", res, err, s.cfg.Amount)
	if !s.cfg.Stateless {
		res, err = a.Refund(t.Context(), s.refundRequest(auth.Reference, 1))
		s.invalid(t, "Refund beyond the capture", res, err)
	}
}

func testVoid(t *testing.T, s *suite, a gateway.Adapter) {
	s.need(t, s.def.Features.Void, "void")
	auth := s.authorize(t, a, false)
	res, err := a.Void(t.Context(), s.voidRequest(auth.Reference))
	s.approved(t, "Void", res, err, 0)
}

func testDeclined(t *testing.T, s *suite, a gateway.Adapter) {
	if s.cfg.DeclinedCard.Number == "" {
		t.Skip("Config.DeclinedCard is the zero Card")
	}
	res, err := a.Authorize(t.Context(), s.authorizeRequest(s.cfg.DeclinedCard, false))
	s.noErr(t, "Authorize of the declined card (a decline is a Result, not an error)", err)
	require.NotNil(t, res)
	assert.Equal(t, gateway.OutcomeDeclined, res.Outcome)
	assert.NotEmpty(t, res.Decline, "Decline code")
}

func testIdempotency(t *testing.T, s *suite, a gateway.Adapter) {
	s.stateful(t)
	amount := s.cfg.Amount

	t.Run("AuthorizeReplay", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		req := s.authorizeRequest(s.cfg.Card, false)
		first, err := a.Authorize(ctx, req)
		s.approved(t, "Authorize", first, err, amount)
		again := *req
		second, err := a.Authorize(ctx, &again)
		s.noErr(t, "Authorize replayed", err)
		s.same(t, "Authorize", first, second)
	})

	t.Run("KeyReusedForAnotherRequest", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		req := s.authorizeRequest(s.cfg.Card, false)
		res, err := a.Authorize(ctx, req)
		s.approved(t, "Authorize", res, err, amount)
		other := *req
		other.Amount = amount + 100
		res, err = a.Authorize(ctx, &other)
		s.invalid(t, "Authorize with a used key and another amount", res, err)
	})

	t.Run("CaptureAndRefundReplay", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		auth := s.authorize(t, a, false)
		creq := s.captureRequest(auth.Reference, amount)
		c1, err := a.Capture(ctx, creq)
		s.approved(t, "Capture", c1, err, amount)
		c2, err := a.Capture(ctx, creq)
		s.noErr(t, "Capture replayed", err)
		s.same(t, "Capture", c1, c2)

		s.need(t, s.def.Features.Refunds && s.def.Features.PartialRefunds, "partial_refunds")
		half := amount / 2
		rreq := s.refundRequest(auth.Reference, half)
		r1, err := a.Refund(ctx, rreq)
		s.approved(t, "Refund", r1, err, half)
		r2, err := a.Refund(ctx, rreq)
		s.noErr(t, "Refund replayed", err)
		s.same(t, "Refund", r1, r2)

		// Captured once and refunded half once: the rest refunds, and no more.
		res, err := a.Refund(ctx, s.refundRequest(auth.Reference, amount-half))
		s.approved(t, "Refund of the rest", res, err, amount-half)
		res, err = a.Refund(ctx, s.refundRequest(auth.Reference, 1))
		s.invalid(t, "Refund beyond the capture", res, err)
	})
}

// testConcurrent makes payments from many goroutines at once (run it with
// -race), and, on a stateful backend, sends one capture from all of them:
// each answer is the first Result or an error wrapping ErrUnavailable (a
// service may refuse a key that is in flight), and the payment is captured
// once.
func testConcurrent(t *testing.T, s *suite, a gateway.Adapter) {
	const n = 8
	ctx, amount := t.Context(), s.cfg.Amount
	type answer struct {
		res *gateway.Result
		err error
	}
	run := func(fn func() (*gateway.Result, error)) []answer {
		out := make([]answer, n)
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() { res, err := fn(); out[i] = answer{res, err} })
		}
		wg.Wait()
		return out
	}

	auths := run(func() (*gateway.Result, error) { return a.Authorize(ctx, s.authorizeRequest(s.cfg.Card, true)) })
	refs := map[string]bool{}
	for _, ans := range auths {
		s.approved(t, "Authorize", ans.res, ans.err, amount)
		refs[ans.res.Reference] = true
	}
	if !s.cfg.Stateless {
		assert.Len(t, refs, n, "concurrent authorizations share a Reference")
	}

	t.Run("OneKey", func(t *testing.T) {
		s.stateful(t)
		a, ctx := s.sub(t, a)
		auth := s.authorize(t, a, false)
		creq := s.captureRequest(auth.Reference, amount)
		var first *gateway.Result
		for _, ans := range run(func() (*gateway.Result, error) { r := *creq; return a.Capture(ctx, &r) }) {
			if ans.err != nil {
				s.is(t, "Capture sent concurrently with one key", ans.err, gateway.ErrUnavailable)
				continue
			}
			if first == nil {
				first = ans.res
			}
			s.same(t, "Capture sent concurrently with one key", first, ans.res)
		}
		if first == nil {
			res, err := a.Capture(ctx, creq) // every answer was "in flight": the key resolves it
			first = s.approved(t, "Capture retried", res, err, amount)
		}
		s.approved(t, "Capture", first, nil, amount)
		s.need(t, s.def.Features.Refunds, "refunds")
		res, err := a.Refund(ctx, s.refundRequest(auth.Reference, amount))
		s.approved(t, "Refund", res, err, amount)
		res, err = a.Refund(ctx, s.refundRequest(auth.Reference, 1))
		s.invalid(t, "Refund beyond the capture", res, err)
	})
}

func testState(t *testing.T, s *suite, a gateway.Adapter) {
	s.stateful(t)
	amount := s.cfg.Amount

	t.Run("CaptureAfterVoid", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		s.need(t, s.def.Features.Void, "void")
		auth := s.authorize(t, a, false)
		res, err := a.Void(ctx, s.voidRequest(auth.Reference))
		s.approved(t, "Void", res, err, 0)
		res, err = a.Capture(ctx, s.captureRequest(auth.Reference, amount))
		s.invalid(t, "Capture after Void", res, err)
	})

	t.Run("VoidAfterCapture", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		s.need(t, s.def.Features.Void, "void")
		auth := s.authorize(t, a, true)
		res, err := a.Void(ctx, s.voidRequest(auth.Reference))
		s.invalid(t, "Void after Capture", res, err)
	})

	t.Run("CaptureOverAuthorized", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		if s.def.Features.OverCapture {
			t.Skip("the Definition claims over_capture")
		}
		auth := s.authorize(t, a, false)
		res, err := a.Capture(ctx, s.captureRequest(auth.Reference, amount+1))
		s.invalid(t, "Capture over the authorized amount", res, err)
	})

	t.Run("RefundBeforeCapture", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		s.need(t, s.def.Features.Refunds, "refunds")
		auth := s.authorize(t, a, false)
		res, err := a.Refund(ctx, s.refundRequest(auth.Reference, 1))
		s.invalid(t, "Refund of an uncaptured payment", res, err)
	})

	t.Run("RefundsNeverExceedTheCapture", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		s.need(t, s.def.Features.Refunds && s.def.Features.PartialRefunds, "partial_refunds")
		auth := s.authorize(t, a, false)
		captured := amount
		if s.def.Features.PartialCapture {
			captured = amount - 1
		}
		res, err := a.Capture(ctx, s.captureRequest(auth.Reference, captured))
		s.approved(t, "Capture", res, err, captured)
		res, err = a.Refund(ctx, s.refundRequest(auth.Reference, captured+1))
		s.invalid(t, "Refund over the capture", res, err)
		half := captured / 2
		res, err = a.Refund(ctx, s.refundRequest(auth.Reference, half))
		s.approved(t, "Refund", res, err, half)
		res, err = a.Refund(ctx, s.refundRequest(auth.Reference, captured-half+1))
		s.invalid(t, "Refunds adding up to more than the capture", res, err)
		res, err = a.Refund(ctx, s.refundRequest(auth.Reference, captured-half))
		s.approved(t, "Refund of the rest", res, err, captured-half)
	})

	t.Run("UnknownReference", func(t *testing.T) {
		a, ctx := s.sub(t, a)
		ref := "gatewaytest_unknown_" + key()
		notFound := func(op string, res *gateway.Result, err error) {
			if !errors.Is(err, gateway.ErrNotFound) && !errors.Is(err, gateway.ErrInvalid) {
				t.Errorf("%s of an unknown reference: want ErrNotFound or ErrInvalid, got %s", op, s.redact(fmt.Sprint(err)))
			}
			s.noResult(t, res, "%s of an unknown reference returned a Result", op)
		}
		res, err := a.Capture(ctx, s.captureRequest(ref, amount))
		notFound("Capture", res, err)
		res, err = a.Void(ctx, s.voidRequest(ref))
		notFound("Void", res, err)
		res, err = a.Refund(ctx, s.refundRequest(ref, amount))
		notFound("Refund", res, err)
	})
}

func testContext(t *testing.T, s *suite, a gateway.Adapter) {
	auth := s.authorize(t, a, false) // a live payment, so that only the context is wrong
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := []struct {
		op   string
		call func() (*gateway.Result, error)
	}{
		{"Authorize", func() (*gateway.Result, error) { return a.Authorize(ctx, s.authorizeRequest(s.cfg.Card, false)) }},
		{"Capture", func() (*gateway.Result, error) { return a.Capture(ctx, s.captureRequest(auth.Reference, s.cfg.Amount)) }},
		{"Void", func() (*gateway.Result, error) { return a.Void(ctx, s.voidRequest(auth.Reference)) }},
		{"Refund", func() (*gateway.Result, error) { return a.Refund(ctx, s.refundRequest(auth.Reference, 1)) }},
		{"VerifyCredentials", func() (*gateway.Result, error) { return nil, a.VerifyCredentials(ctx, s.cfg.Credentials) }},
	}
	for _, c := range calls {
		start := time.Now()
		res, err := c.call()
		elapsed := time.Since(start)
		s.is(t, c.op+" with a cancelled context", err, context.Canceled)
		s.noResult(t, res, "%s with a cancelled context returned a Result", c.op)
		assert.Less(t, elapsed, Prompt, "%s with a cancelled context took %s", c.op, elapsed)
	}
}

func testInvalidRequests(t *testing.T, s *suite, a gateway.Adapter) {
	ctx := t.Context()
	for name, mutate := range map[string]func(*gateway.AuthorizeRequest){
		"amount 0":       func(r *gateway.AuthorizeRequest) { r.Amount = 0 },
		"amount -1":      func(r *gateway.AuthorizeRequest) { r.Amount = -1 },
		"currency usd":   func(r *gateway.AuthorizeRequest) { r.Currency = strings.ToLower(s.cfg.Currency) },
		"currency XXXX":  func(r *gateway.AuthorizeRequest) { r.Currency = "XXXX" },
		"currency empty": func(r *gateway.AuthorizeRequest) { r.Currency = "" },
		"currency U1D":   func(r *gateway.AuthorizeRequest) { r.Currency = "U1D" },
	} {
		req := s.authorizeRequest(s.cfg.Card, false)
		mutate(req)
		res, err := a.Authorize(ctx, req)
		s.invalid(t, "Authorize with "+name, res, err)
	}

	// A number failing the Luhn check is refused or declined, never approved.
	bad := s.cfg.Card
	bad.Number = luhnBreak(bad.Number)
	res, err := a.Authorize(ctx, s.authorizeRequest(bad, false))
	if err != nil {
		s.is(t, "Authorize of a number failing the Luhn check", err, gateway.ErrInvalid)
	} else {
		require.NotNil(t, res)
		assert.Equal(t, gateway.OutcomeDeclined, res.Outcome, "Authorize of a number failing the Luhn check")
	}

	// Amounts below 1 name a payment they could apply to.
	auth := s.authorize(t, a, false)
	res, err = a.Capture(ctx, s.captureRequest(auth.Reference, -1))
	s.invalid(t, "Capture of -1", res, err)
	if s.def.Features.Refunds {
		sale := s.authorize(t, a, true)
		res, err = a.Refund(ctx, s.refundRequest(sale.Reference, -1))
		s.invalid(t, "Refund of -1", res, err)
	}
}

// luhnBreak changes the last digit of n, so that it fails the Luhn check.
func luhnBreak(n string) string {
	if n == "" {
		return "1"
	}
	last := n[len(n)-1]
	return n[:len(n)-1] + string('0'+(last-'0'+1)%10)
}

// testNoCardData drives the paths most likely to echo a request (declines,
// refusals, failed validation) with the Config's cards and credentials; the
// checks themselves are those every subtest makes (see the package
// documentation).
func testNoCardData(t *testing.T, s *suite, a gateway.Adapter) {
	ctx := t.Context()
	cards := []gateway.Card{s.cfg.Card}
	if s.cfg.DeclinedCard.Number != "" {
		cards = append(cards, s.cfg.DeclinedCard)
	}
	for _, card := range cards {
		_, _ = a.Authorize(ctx, s.authorizeRequest(card, true))
		for _, mutate := range []func(*gateway.AuthorizeRequest){
			func(r *gateway.AuthorizeRequest) { r.Currency = "xx" },
			func(r *gateway.AuthorizeRequest) { r.Amount = -1 },
			func(r *gateway.AuthorizeRequest) { r.Card.ExpMonth = 13 },
			func(r *gateway.AuthorizeRequest) { r.Card.Number = luhnBreak(r.Card.Number) },
			func(r *gateway.AuthorizeRequest) {
				if s.cfg.BadCredentials != nil {
					r.Credentials = s.cfg.BadCredentials
				}
			},
		} {
			req := s.authorizeRequest(card, false)
			mutate(req)
			_, _ = a.Authorize(ctx, req)
		}
	}
	if s.cfg.BadCredentials != nil {
		_ = a.VerifyCredentials(ctx, s.cfg.BadCredentials)
		bad := s.refundRequest("gatewaytest_unknown", s.cfg.Amount)
		bad.Credentials = s.cfg.BadCredentials
		_, _ = a.Refund(ctx, bad)
	}
	// A secret the suite cannot see through the checked adapter: the
	// Definition's text.
	if l := s.leaks(fmt.Sprintf("%+v", a.Definition())); l != nil {
		t.Errorf("the Definition holds card data or credentials: %s", strings.Join(l, ", "))
	}
}
