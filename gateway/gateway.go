// Package gateway defines what one payment service can do, for the vault's
// orchestration: an [Adapter] authorizes, captures, voids and refunds card
// payments and verifies its credentials, and its [Definition] describes the
// credentials and settings it needs and what it supports. It knows nothing
// of tokens: the vault detokenizes a card and hands it to the adapter for
// the one call, in [Card], which never prints.
//
// Adapters: package simulator (a deterministic gateway with documented test
// cards), package stripe (the Stripe API), and any a host registers with the
// vault. Package gatewaytest is the conformance suite every adapter passes.
//
// # Results and errors
//
// Every answer the payment service gave is a *[Result] with a nil error,
// declines included: [OutcomeApproved], [OutcomeDeclined] (Soft says
// whether trying again later, or elsewhere, may succeed), [OutcomePending]
// (the service will decide later), or [OutcomeError] (the service failed to
// process it; Retryable says whether the same request may succeed). An
// error means there was no answer to act on, and wraps one of the
// sentinels: [ErrInvalid] (the request cannot be made: a capture after a
// void, a refund over what was captured, an unknown currency), [ErrNotFound]
// (no payment with that reference), [ErrCredentials] (the credentials are
// refused), [ErrUnavailable] (no answer: a network failure or timeout; the
// outcome is unknown, and the same request with the same idempotency key
// resolves it), or the context's error. Neither a Result nor an error ever
// holds card data or credentials.
//
// # Idempotency
//
// Each request carries an IdempotencyKey, one per attempt: the same key
// with the same request returns the first answer and moves no money again,
// which is how the vault resolves an attempt that a crash interrupted. The
// same key with a different request is an error wrapping ErrInvalid.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
)

// Adapter is one payment service. Its methods are safe for concurrent use.
type Adapter interface {
	// Definition describes the adapter; it does not change.
	Definition() Definition
	// Authorize reserves (or, with Capture set, takes) an amount on a card.
	Authorize(ctx context.Context, req *AuthorizeRequest) (*Result, error)
	// Capture takes up to the authorized amount of a payment.
	Capture(ctx context.Context, req *CaptureRequest) (*Result, error)
	// Void cancels an authorization that was not captured.
	Void(ctx context.Context, req *VoidRequest) (*Result, error)
	// Refund returns up to the captured amount (less earlier refunds).
	Refund(ctx context.Context, req *RefundRequest) (*Result, error)
	// VerifyCredentials checks credentials with the service: nil when they
	// work, an error wrapping ErrCredentials when they are refused.
	VerifyCredentials(ctx context.Context, creds Credentials) error
}

// The sentinels every adapter error wraps (see the package documentation).
var (
	ErrInvalid     = errors.New("gateway: the request is not valid")
	ErrNotFound    = errors.New("gateway: no such payment")
	ErrCredentials = errors.New("gateway: the credentials are refused")
	ErrUnavailable = errors.New("gateway: the payment service did not answer")
)

// Outcome is what the payment service decided.
type Outcome uint8

// Outcomes.
const (
	OutcomeApproved Outcome = iota + 1
	OutcomeDeclined
	OutcomePending
	OutcomeError
)

var outcomeNames = [...]string{OutcomeApproved: "approved", OutcomeDeclined: "declined", OutcomePending: "pending", OutcomeError: "error"}

// String returns approved, declined, pending or error.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && outcomeNames[o] != "" {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Normalized decline codes, for Result.DeclineCode. An adapter maps its
// service's codes onto these where one fits and passes others through.
const (
	DeclineGeneric           = "card_declined"
	DeclineInsufficientFunds = "insufficient_funds" // soft
	DeclineDoNotHonor        = "do_not_honor"       // soft
	DeclineExpiredCard       = "expired_card"
	DeclineIncorrectCVC      = "incorrect_cvc"
	DeclineIncorrectNumber   = "incorrect_number"
	DeclineLostOrStolen      = "lost_or_stolen"
	DeclineFraud             = "fraudulent"
	DeclineProcessingError   = "processing_error"
)

// CVV results, as the reference names them (Result.CVVResult).
const (
	CVVMatch       = "match"
	CVVNoMatch     = "no_match"
	CVVUnavailable = "unavailable"
	CVVNotProvided = "not_provided"
)

// AVS results (Result.AVSResult).
const (
	AVSMatch        = "match"
	AVSPartialMatch = "partial_match"
	AVSNoMatch      = "no_match"
	AVSUnavailable  = "unavailable"
	AVSNotProvided  = "not_provided"
)

// Result is the service's answer to one request. It never holds card data.
type Result struct {
	Outcome Outcome
	// Soft, for a decline: trying again later or with another service may
	// succeed (insufficient funds, do not honour).
	Soft bool
	// Retryable, for an error: the same request may succeed.
	Retryable bool
	// Reference is the service's id of the payment (an authorization's
	// reference is what Capture, Void and Refund name), or of the refund.
	Reference string
	// Amount is what was authorized, captured or refunded, in minor units.
	Amount    int64
	AuthCode  string
	Decline   string // a Decline... code, for a decline
	Message   string // the service's text, free of card data
	AVSResult string
	CVVResult string
	// NetworkTransactionID is the scheme's id, for later merchant-initiated
	// payments.
	NetworkTransactionID string
}

// Card is a card handed to an adapter for one call. It never prints: fmt's
// verbs, JSON and slog show only its last four digits.
type Card struct {
	Number   string
	ExpMonth int
	ExpYear  int
	CVC      string // may be empty (merchant-initiated, or no longer retained)
	Holder   string
}

// Last4 returns the last four digits of the number.
func (c Card) Last4() string {
	if len(c.Number) < 4 {
		return ""
	}
	return c.Number[len(c.Number)-4:]
}

// String shows the last four digits only.
func (c Card) String() string { return "Card{****" + c.Last4() + "}" }

// Format writes what String returns, whatever the verb.
func (c Card) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// MarshalJSON encodes what String returns.
func (c Card) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(c.String())), nil }

// LogValue logs what String returns.
func (c Card) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Credentials are the credential and setting values of a connection, by the
// key of the Definition's field. They print, encode and log with every
// value redacted.
type Credentials map[string]string

// String shows the keys, each value redacted.
func (c Credentials) String() string {
	keys := slices.Sorted(maps.Keys(c))
	out := "Credentials{"
	for i, k := range keys {
		if i > 0 {
			out += " "
		}
		out += k + ":[REDACTED]"
	}
	return out + "}"
}

// Format writes what String returns, whatever the verb.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// MarshalJSON encodes what String returns.
func (c Credentials) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(c.String())), nil }

// LogValue logs what String returns.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// AuthorizeRequest authorizes (or, with Capture, takes) Amount of Currency
// on Card.
type AuthorizeRequest struct {
	Credentials Credentials
	// Amount is in minor units of Currency (cents for USD), more than 0.
	Amount int64
	// Currency is an ISO 4217 code in upper case.
	Currency string
	Card     Card
	// Capture takes the amount at once (the reference's intent "capture").
	Capture bool
	// IdempotencyKey is unique per attempt (see the package documentation).
	IdempotencyKey string
	// MerchantInitiated marks a payment the cardholder is not present for;
	// Recurring one of a series (payment_source recurring);
	// PreviousNetworkTransactionID links it to the first of the series.
	MerchantInitiated            bool
	Recurring                    bool
	PreviousNetworkTransactionID string
	// Reference is the merchant's own id of the payment
	// (external_identifier), passed on where the service takes one.
	Reference string
	// Country is the ISO 3166-1 alpha-2 country of the payment, if known.
	Country string
}

// CaptureRequest captures Amount of the authorization Reference.
type CaptureRequest struct {
	Credentials Credentials
	Reference   string
	// Amount is in minor units, more than 0 (the caller resolves "all");
	// Currency is the payment's.
	Amount         int64
	Currency       string
	IdempotencyKey string
}

// VoidRequest cancels the authorization Reference.
type VoidRequest struct {
	Credentials    Credentials
	Reference      string
	IdempotencyKey string
}

// RefundRequest refunds Amount of the captured payment Reference.
type RefundRequest struct {
	Credentials Credentials
	Reference   string
	// Amount is in minor units, more than 0 (the caller resolves "all");
	// Currency is the payment's.
	Amount         int64
	Currency       string
	Reason         string
	IdempotencyKey string
}

// Field formats.
const (
	FormatText      = "text"
	FormatMultiline = "multiline"
)

// Field is a credential or setting a connection supplies (reference 10:
// fields[] of a connection formula).
type Field struct {
	Key         string `json:"key"`
	DisplayName string `json:"display_name"`
	Required    bool   `json:"required"`
	// Format is text (one line) or multiline.
	Format string `json:"format"`
	// Secret values are sealed and never returned.
	Secret bool `json:"secret"`
}

// Features are the supported_features of reference 10.
type Features struct {
	CreateSession                   bool `json:"create_session"`
	DelayedCapture                  bool `json:"delayed_capture"`
	DeleteToken                     bool `json:"delete_token"`
	DigitalWallets                  bool `json:"digital_wallets"`
	NetworkTokensDefault            bool `json:"network_tokens_default"`
	NetworkTokensToggle             bool `json:"network_tokens_toggle"`
	OpenLoop                        bool `json:"open_loop"`
	OpenLoopToggle                  bool `json:"open_loop_toggle"`
	OverCapture                     bool `json:"over_capture"`
	PartialCapture                  bool `json:"partial_capture"`
	PartialRefunds                  bool `json:"partial_refunds"`
	PaymentMethodTokenization       bool `json:"payment_method_tokenization"`
	PaymentMethodTokenizationToggle bool `json:"payment_method_tokenization_toggle"`
	RedirectRequiresPopup           bool `json:"redirect_requires_popup"`
	Refunds                         bool `json:"refunds"`
	RequiresWebhookSetup            bool `json:"requires_webhook_setup"`
	ThreeDSecureHosted              bool `json:"three_d_secure_hosted"`
	ThreeDSecurePassThrough         bool `json:"three_d_secure_pass_through"`
	VerifyCredentials               bool `json:"verify_credentials"`
	Void                            bool `json:"void"`
	// ZeroAuth: a zero-amount authorization checks a card. The Adapter
	// interface has no such call yet, so no built-in adapter claims it.
	ZeroAuth bool `json:"zero_auth"`
}

// ConfigEntry is one entry of an IXOPAY connector's baseConfig or
// vaultConfig (getConnectorSettings): a JSON-schema-like description.
type ConfigEntry struct {
	Name        string        `json:"name"`
	Type        string        `json:"type"` // string, boolean, number, object
	Required    bool          `json:"required"`
	Description string        `json:"description,omitempty"`
	Properties  []ConfigEntry `json:"properties,omitempty"`
}

// Definition describes an adapter: the connection formula of reference 10
// and the IXOPAY connector settings.
type Definition struct {
	// ID is the connection formula id, such as "stripe-card".
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	// Method is the payment method: card.
	Method string `json:"method"`
	// Mode is card or redirect.
	Mode    string  `json:"mode"`
	IconURL string  `json:"icon_url,omitempty"`
	Fields  []Field `json:"fields"`
	// SupportedCurrencies are ISO 4217 codes; SupportedCountries ISO 3166-1
	// alpha-2 codes.
	SupportedCurrencies []string `json:"supported_currencies"`
	SupportedCountries  []string `json:"supported_countries"`
	Features            Features `json:"supported_features"`
	// Adapter is the IXOPAY adapter name ("Simulator", "Stripe"), and
	// BaseConfig and VaultConfig its connector settings.
	Adapter     string        `json:"-"`
	BaseConfig  []ConfigEntry `json:"-"`
	VaultConfig []ConfigEntry `json:"-"`
}

// Field returns the field with the key.
func (d *Definition) Field(key string) (Field, bool) {
	for _, f := range d.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}
