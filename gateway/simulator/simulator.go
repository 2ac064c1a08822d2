package simulator

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenvault/vault/gateway"
)

// Operations, as Calls and Replays name them.
const (
	OpAuthorize         = "authorize"
	OpCapture           = "capture"
	OpVoid              = "void"
	OpRefund            = "refund"
	OpVerifyCredentials = "verify_credentials"
)

// Simulator is a deterministic in-memory gateway (see the package
// documentation). Its methods are safe for concurrent use.
type Simulator struct {
	latency time.Duration
	timeout time.Duration
	now     func() time.Time
	// digestKey keys the ledger's request digests.
	digestKey [32]byte

	mu       sync.Mutex
	payments map[string]*payment // by reference
	ledger   map[string]*entry   // by idempotency key
	calls    map[string]int      // answers that took effect, by operation
	replays  map[string]int      // answers served from the ledger, by operation
}

var _ gateway.Adapter = (*Simulator)(nil)

type state uint8

const (
	stateAuthorized state = iota + 1
	stateCaptured
	stateVoided
	stateDeclined
	statePending
)

type payment struct {
	currency   string
	state      state
	authorized int64
	captured   int64
	refunded   int64
}

// entry is one recorded answer: the operation and a digest of the request
// (never the request itself, which may hold a card).
type entry struct {
	op     string
	digest [sha256.Size]byte
	result gateway.Result
}

// Option configures a Simulator.
type Option func(*Simulator)

// WithLatency delays every call by d before it is answered; a context that
// ends first ends the call with its error.
func WithLatency(d time.Duration) Option { return func(s *Simulator) { s.latency = max(d, 0) } }

// WithTimeout sets how long an authorization of CardTimeout waits before it
// gives up (5s by default); a context that ends first ends it sooner.
func WithTimeout(d time.Duration) Option { return func(s *Simulator) { s.timeout = max(d, 0) } }

// WithClock sets the clock that decides whether a card has expired
// (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(s *Simulator) {
		if now != nil {
			s.now = now
		}
	}
}

// New returns an empty Simulator.
func New(opts ...Option) *Simulator {
	s := &Simulator{
		timeout:  5 * time.Second,
		now:      time.Now,
		payments: make(map[string]*payment),
		ledger:   make(map[string]*entry),
		calls:    make(map[string]int),
		replays:  make(map[string]int),
	}
	_, _ = rand.Read(s.digestKey[:])
	for _, o := range opts {
		o(s)
	}
	return s
}

// Definition describes the simulator: the "mock-card" connection formula.
func (s *Simulator) Definition() gateway.Definition {
	return gateway.Definition{
		ID:          "mock-card",
		DisplayName: "Simulator",
		Method:      "card",
		Mode:        "card",
		Fields: []gateway.Field{
			{Key: "merchant_id", DisplayName: "Merchant ID", Format: gateway.FormatText},
			{Key: "api_key", DisplayName: "API Key", Required: true, Format: gateway.FormatText, Secret: true},
		},
		SupportedCurrencies: slices.Clone(supportedCurrencies),
		SupportedCountries:  slices.Clone(supportedCountries),
		Features: gateway.Features{
			DelayedCapture:    true,
			PartialCapture:    true,
			PartialRefunds:    true,
			Refunds:           true,
			Void:              true,
			VerifyCredentials: true,
			ZeroAuth:          false, // see gateway.Features.ZeroAuth
		},
		Adapter: "Simulator",
		BaseConfig: []gateway.ConfigEntry{
			{Name: "merchant_id", Type: "string", Description: "Merchant ID"},
		},
		VaultConfig: []gateway.ConfigEntry{
			{Name: "api_key", Type: "string", Required: true, Description: `API key: "sim_" and at least 8 characters`},
		},
	}
}

// Calls returns how many requests of the operation (OpAuthorize, ...) the
// simulator answered with effect, declines included: replays from the
// ledger and requests refused with an error are not counted. For
// OpVerifyCredentials it counts every check made, whatever its answer.
func (s *Simulator) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Replays returns how many requests of the operation were answered from the
// ledger, with the same idempotency key and request as an earlier one.
func (s *Simulator) Replays(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replays[op]
}

// VerifyCredentials accepts an api_key of "sim_" and at least 8 characters.
func (s *Simulator) VerifyCredentials(ctx context.Context, creds gateway.Credentials) error {
	if err := s.wait(ctx, OpVerifyCredentials); err != nil {
		return err
	}
	s.mu.Lock()
	s.calls[OpVerifyCredentials]++
	s.mu.Unlock()
	return checkCredentials(OpVerifyCredentials, creds)
}

// Authorize authorizes (or, with Capture, takes) an amount; the answer
// depends on the card and the amount (see the package documentation).
func (s *Simulator) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	const op = OpAuthorize
	if err := s.prepare(ctx, op, req.Credentials); err != nil {
		return nil, err
	}
	if err := s.validateAuthorize(req); err != nil {
		return nil, err
	}
	d := s.newDigest(op)
	d.int(req.Amount).str(req.Currency).str(req.Card.Number).int(int64(req.Card.ExpMonth)).int(int64(req.Card.ExpYear)).
		str(req.Card.CVC).str(req.Card.Holder).bool(req.Capture).bool(req.MerchantInitiated).bool(req.Recurring).
		str(req.PreviousNetworkTransactionID).str(req.Reference).str(req.Country)

	a := s.decide(req)
	s.mu.Lock()
	sum := d.sum()
	res, replayed, err := s.replay(op, req.IdempotencyKey, sum)
	if err != nil || replayed {
		s.mu.Unlock()
		return res, err
	}
	ref := newReference()
	r := gateway.Result{
		Outcome:   a.outcome,
		Soft:      a.soft,
		Retryable: a.retryable,
		Reference: ref,
		Decline:   a.decline,
		Message:   a.message,
		AVSResult: gateway.AVSUnavailable,
		CVVResult: gateway.CVVNotProvided,
	}
	if req.Card.CVC != "" {
		r.CVVResult = gateway.CVVMatch
	}
	if a.cvv != "" {
		r.CVVResult = a.cvv
	}
	p := &payment{currency: req.Currency}
	switch a.outcome {
	case gateway.OutcomeApproved:
		p.state, p.authorized = stateAuthorized, req.Amount
		if req.Capture {
			p.state, p.captured = stateCaptured, req.Amount
		}
		r.Amount = req.Amount
		r.AuthCode = authCode(cmp.Or(req.IdempotencyKey, ref))
		r.NetworkTransactionID = networkTransactionID(ref)
		if req.MerchantInitiated && req.PreviousNetworkTransactionID != "" {
			r.NetworkTransactionID = req.PreviousNetworkTransactionID
		}
	case gateway.OutcomePending:
		p.state = statePending
		r.Amount = req.Amount
	default:
		p.state = stateDeclined
	}
	s.payments[ref] = p
	s.record(op, req.IdempotencyKey, sum, r)
	s.mu.Unlock()

	if a.timeout {
		return nil, s.hang(ctx, op)
	}
	return &r, nil
}

// Capture captures an amount up to the authorized one, once.
func (s *Simulator) Capture(ctx context.Context, req *gateway.CaptureRequest) (*gateway.Result, error) {
	const op = OpCapture
	if err := s.prepare(ctx, op, req.Credentials); err != nil {
		return nil, err
	}
	if err := validateFollowUp(op, req.Reference, req.Amount, req.Currency, true); err != nil {
		return nil, err
	}
	d := s.newDigest(op).str(req.Reference).int(req.Amount).str(req.Currency)
	return s.apply(op, req.IdempotencyKey, d, req.Reference, func(p *payment) (gateway.Result, error) {
		if p.currency != req.Currency {
			return gateway.Result{}, invalid(op, "the currency is not the payment's")
		}
		switch p.state {
		case stateCaptured:
			return gateway.Result{}, invalid(op, "the payment was already captured")
		case stateVoided:
			return gateway.Result{}, invalid(op, "the payment was voided")
		case stateDeclined:
			return gateway.Result{}, invalid(op, "the payment was declined")
		case statePending:
			return gateway.Result{}, invalid(op, "the payment is pending")
		}
		if req.Amount > p.authorized {
			return gateway.Result{}, invalid(op, "the amount is more than the authorized amount")
		}
		p.state, p.captured = stateCaptured, req.Amount
		return gateway.Result{Outcome: gateway.OutcomeApproved, Reference: req.Reference, Amount: req.Amount, Message: "captured"}, nil
	})
}

// Void cancels an authorization that was not captured.
func (s *Simulator) Void(ctx context.Context, req *gateway.VoidRequest) (*gateway.Result, error) {
	const op = OpVoid
	if err := s.prepare(ctx, op, req.Credentials); err != nil {
		return nil, err
	}
	if err := validateFollowUp(op, req.Reference, 0, "", false); err != nil {
		return nil, err
	}
	d := s.newDigest(op).str(req.Reference)
	return s.apply(op, req.IdempotencyKey, d, req.Reference, func(p *payment) (gateway.Result, error) {
		switch p.state {
		case stateCaptured:
			return gateway.Result{}, invalid(op, "the payment was captured")
		case stateVoided:
			return gateway.Result{}, invalid(op, "the payment was already voided")
		case stateDeclined:
			return gateway.Result{}, invalid(op, "the payment was declined")
		case statePending:
			return gateway.Result{}, invalid(op, "the payment is pending")
		}
		p.state = stateVoided
		return gateway.Result{Outcome: gateway.OutcomeApproved, Reference: req.Reference, Amount: p.authorized, Message: "voided"}, nil
	})
}

// Refund refunds an amount up to what was captured less earlier refunds.
// The Result's Reference is the refund's.
func (s *Simulator) Refund(ctx context.Context, req *gateway.RefundRequest) (*gateway.Result, error) {
	const op = OpRefund
	if err := s.prepare(ctx, op, req.Credentials); err != nil {
		return nil, err
	}
	if err := validateFollowUp(op, req.Reference, req.Amount, req.Currency, true); err != nil {
		return nil, err
	}
	d := s.newDigest(op).str(req.Reference).int(req.Amount).str(req.Currency).str(req.Reason)
	return s.apply(op, req.IdempotencyKey, d, req.Reference, func(p *payment) (gateway.Result, error) {
		if p.currency != req.Currency {
			return gateway.Result{}, invalid(op, "the currency is not the payment's")
		}
		if p.state != stateCaptured {
			return gateway.Result{}, invalid(op, "the payment was not captured")
		}
		if req.Amount > p.captured-p.refunded {
			return gateway.Result{}, invalid(op, "the amount is more than the captured amount less refunds")
		}
		p.refunded += req.Amount
		return gateway.Result{Outcome: gateway.OutcomeApproved, Reference: newReference(), Amount: req.Amount, Message: "refunded"}, nil
	})
}

// apply runs a follow-up operation on the payment ref under the lock,
// through the ledger.
func (s *Simulator) apply(op, key string, d *digest, ref string, fn func(*payment) (gateway.Result, error)) (*gateway.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := d.sum()
	if res, replayed, err := s.replay(op, key, sum); err != nil || replayed {
		return res, err
	}
	p, ok := s.payments[ref]
	if !ok {
		return nil, fmt.Errorf("simulator: %s: %w", op, gateway.ErrNotFound)
	}
	r, err := fn(p)
	if err != nil {
		return nil, err
	}
	s.record(op, key, sum, r)
	return &r, nil
}

// replay answers from the ledger, with s.mu held: replayed is true when key
// was recorded with the same request.
func (s *Simulator) replay(op, key string, sum [sha256.Size]byte) (res *gateway.Result, replayed bool, err error) {
	if key == "" {
		return nil, false, nil
	}
	e, ok := s.ledger[key]
	if !ok {
		return nil, false, nil
	}
	if e.op != op || e.digest != sum {
		return nil, false, invalid(op, "the idempotency key was used for a different request")
	}
	s.replays[op]++
	r := e.result
	return &r, true, nil
}

// record counts an answer and keeps it under key, with s.mu held.
func (s *Simulator) record(op, key string, sum [sha256.Size]byte, r gateway.Result) {
	s.calls[op]++
	if key != "" {
		s.ledger[key] = &entry{op: op, digest: sum, result: r}
	}
}

// prepare waits out the latency and checks the credentials.
func (s *Simulator) prepare(ctx context.Context, op string, creds gateway.Credentials) error {
	if err := s.wait(ctx, op); err != nil {
		return err
	}
	return checkCredentials(op, creds)
}

// wait fails at once when ctx has ended, and otherwise sleeps the latency.
func (s *Simulator) wait(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("simulator: %s: %w", op, err)
	}
	if s.latency == 0 {
		return nil
	}
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("simulator: %s: %w", op, ctx.Err())
	case <-t.C:
		return nil
	}
}

// hang waits for ctx or the timeout and returns the lost answer's error.
func (s *Simulator) hang(ctx context.Context, op string) error {
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("simulator: %s: %w: %w", op, gateway.ErrUnavailable, ctx.Err())
	case <-t.C:
		return fmt.Errorf("simulator: %s: %w: no answer after %s", op, gateway.ErrUnavailable, s.timeout)
	}
}

// decide chooses the answer to an authorization: by card, then expiry, then
// amount.
func (s *Simulator) decide(req *gateway.AuthorizeRequest) answer {
	if a, ok := cardAnswers[req.Card.Number]; ok {
		return a
	}
	now := s.now()
	if req.Card.ExpYear < now.Year() || req.Card.ExpYear == now.Year() && time.Month(req.Card.ExpMonth) < now.Month() {
		return expired
	}
	if a, ok := amountAnswers[req.Amount%100]; ok {
		return a
	}
	return approved
}

func checkCredentials(op string, creds gateway.Credentials) error {
	key := creds["api_key"]
	if !strings.HasPrefix(key, "sim_") || len(key) < len("sim_")+8 {
		return fmt.Errorf("simulator: %s: %w: the api_key is not a simulator key", op, gateway.ErrCredentials)
	}
	return nil
}

func (s *Simulator) validateAuthorize(req *gateway.AuthorizeRequest) error {
	const op = OpAuthorize
	if req.Amount <= 0 {
		return invalid(op, "the amount must be more than 0")
	}
	if err := validateCurrency(op, req.Currency); err != nil {
		return err
	}
	if req.Country != "" && !slices.Contains(supportedCountries, req.Country) {
		return invalid(op, "the country is not supported")
	}
	c := req.Card
	if !luhn(c.Number) {
		return invalid(op, "the card number is not valid")
	}
	if c.ExpMonth < 1 || c.ExpMonth > 12 {
		return invalid(op, "the expiry month must be 1 to 12")
	}
	if c.ExpYear < 1000 || c.ExpYear > 9999 {
		return invalid(op, "the expiry year must have four digits")
	}
	if c.CVC != "" && (len(c.CVC) < 3 || len(c.CVC) > 4 || !digits(c.CVC)) {
		return invalid(op, "the CVC must be 3 or 4 digits")
	}
	return nil
}

func validateFollowUp(op, ref string, amount int64, currency string, withAmount bool) error {
	if ref == "" {
		return invalid(op, "the reference is required")
	}
	if !withAmount {
		return nil
	}
	if amount <= 0 {
		return invalid(op, "the amount must be more than 0")
	}
	return validateCurrency(op, currency)
}

func validateCurrency(op, c string) error {
	if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return invalid(op, "the currency must be an ISO 4217 code in upper case")
	}
	if !slices.Contains(supportedCurrencies, c) {
		return invalid(op, "the currency is not supported")
	}
	return nil
}

// invalid returns an error wrapping gateway.ErrInvalid; detail never holds
// request values.
func invalid(op, detail string) error {
	return fmt.Errorf("simulator: %s: %w: %s", op, gateway.ErrInvalid, detail)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// luhn reports whether n is 12 to 19 digits passing the Luhn check.
func luhn(n string) bool {
	if len(n) < 12 || len(n) > 19 || !digits(n) {
		return false
	}
	sum := 0
	for i := range len(n) {
		d := int(n[len(n)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func newReference() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "sim_" + hex.EncodeToString(b[:])
}

// authCode derives 6 digits from seed.
func authCode(seed string) string {
	h := sha256.Sum256([]byte("authcode\x00" + seed))
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(h[:8])%1_000_000)
}

// networkTransactionID derives 15 digits from the reference.
func networkTransactionID(ref string) string {
	h := sha256.Sum256([]byte("nti\x00" + ref))
	return fmt.Sprintf("%015d", binary.BigEndian.Uint64(h[:8])%1_000_000_000_000_000)
}

// digest is an HMAC-SHA-256, under the simulator's random key, of a
// request's fields, each length-prefixed: the ledger can tell requests apart
// without keeping, or letting anyone guess, a card number.
type digest struct{ h hash.Hash }

func (s *Simulator) newDigest(op string) *digest {
	d := &digest{hmac.New(sha256.New, s.digestKey[:])}
	return d.str(op)
}

func (d *digest) str(s string) *digest {
	_, _ = d.h.Write(strconv.AppendInt(nil, int64(len(s)), 10))
	_, _ = d.h.Write([]byte{':'})
	_, _ = d.h.Write([]byte(s))
	return d
}

func (d *digest) int(n int64) *digest { return d.str(strconv.FormatInt(n, 10)) }

func (d *digest) bool(b bool) *digest { return d.str(strconv.FormatBool(b)) }

func (d *digest) sum() (s [sha256.Size]byte) {
	copy(s[:], d.h.Sum(nil))
	return s
}
