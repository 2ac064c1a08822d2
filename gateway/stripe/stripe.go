// Package stripe is a [gateway.Adapter] over the Stripe API, through
// github.com/stripe/stripe-go/v82: an authorization is a PaymentIntent
// confirmed at once with manual capture (automatic with Capture set),
// Capture and Void capture and cancel it, Refund creates a Refund, and
// VerifyCredentials reads the account's balance.
//
// # Raw card data
//
// The vault holds the card, so the adapter sends its number, expiry and CVC
// to Stripe: it creates a card PaymentMethod from them and confirms a
// PaymentIntent with it (Stripe's OpenAPI specification, which stripe-mock
// enforces, has no card in payment_method_data). Stripe accepts raw card
// numbers only from accounts it has granted raw card data access (a PCI
// DSS attestation); other accounts get an invalid_request_error, which the
// adapter reports as [gateway.ErrInvalid].
//
// # Credentials
//
// A connection supplies secret_key (required: sk_test_..., sk_live_... or a
// restricted rk_... key), stripe_account (optional: the connected account
// of a Connect platform, sent as the Stripe-Account header) and
// webhook_secret (optional, for the webhooks the vault receives). Each call
// builds its own client from the request's credentials, so calls with
// different credentials run concurrently; no global stripe.Key is set.
//
// # Errors
//
// A card_error is Stripe's answer, so it is a *[gateway.Result]: declined
// (soft for insufficient_funds, do_not_honor, try_again_later and the like)
// or, for processing_error, a retryable error outcome. Everything else is
// an *[Error] wrapping a gateway sentinel: 401 and 403 wrap
// [gateway.ErrCredentials]; resource_missing and 404 wrap
// [gateway.ErrNotFound]; other invalid_request_error and idempotency_error
// wrap [gateway.ErrInvalid]; api_error, 429, 5xx, timeouts and network
// failures wrap [gateway.ErrUnavailable]. Stripe's own message is never
// used, in errors or in Result.Message, since Stripe echoes request values
// in some messages; the codes are.
package stripe

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/tokenvault/vault/gateway"
)

// Credential field keys (reference 10, stripe-card).
const (
	FieldSecretKey     = "secret_key"
	FieldStripeAccount = "stripe_account"
	FieldWebhookSecret = "webhook_secret"
)

// DefaultMaxNetworkRetries is how often stripe-go retries a request that
// failed in the network or with a 409, 429 or 5xx, by default. The
// idempotency key makes a retry safe.
const DefaultMaxNetworkRetries = 2

// Adapter is the Stripe adapter. It is safe for concurrent use.
type Adapter struct {
	backends *stripego.Backends
}

var _ gateway.Adapter = (*Adapter)(nil)

type config struct {
	baseURL    string
	httpClient *http.Client
	retries    int64
}

// Option configures an Adapter.
type Option func(*config)

// WithBaseURL sends requests to url (stripe-mock, a proxy) instead of
// https://api.stripe.com.
func WithBaseURL(url string) Option {
	return func(c *config) { c.baseURL = strings.TrimRight(url, "/") }
}

// WithHTTPClient sends requests with client (its Timeout bounds each
// attempt).
func WithHTTPClient(client *http.Client) Option { return func(c *config) { c.httpClient = client } }

// WithMaxNetworkRetries sets how often stripe-go retries a failed request
// (DefaultMaxNetworkRetries; 0 never retries).
func WithMaxNetworkRetries(n int) Option { return func(c *config) { c.retries = int64(max(n, 0)) } }

// New returns a Stripe adapter. It does no I/O.
func New(opts ...Option) *Adapter {
	cfg := config{baseURL: stripego.APIURL, retries: DefaultMaxNetworkRetries}
	for _, o := range opts {
		o(&cfg)
	}
	backend := func(url *string) *stripego.BackendConfig {
		return &stripego.BackendConfig{
			HTTPClient:        cfg.httpClient,
			URL:               url,
			MaxNetworkRetries: stripego.Int64(cfg.retries),
			// stripe-go logs Stripe's messages, which may echo request values.
			LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull},
		}
	}
	// Only the API backend is used; the others keep Stripe's own hosts.
	return &Adapter{backends: &stripego.Backends{
		API:         stripego.GetBackendWithConfig(stripego.APIBackend, backend(stripego.String(cfg.baseURL))),
		Connect:     stripego.GetBackendWithConfig(stripego.ConnectBackend, backend(nil)),
		Uploads:     stripego.GetBackendWithConfig(stripego.UploadsBackend, backend(nil)),
		MeterEvents: stripego.GetBackendWithConfig(stripego.MeterEventsBackend, backend(nil)),
	}}
}

// conn is the client and Connect account of one call's credentials.
type conn struct {
	client  *stripego.Client
	account string
}

// connect checks creds locally and builds a client for them.
func (a *Adapter) connect(op string, creds gateway.Credentials) (*conn, error) {
	key := creds[FieldSecretKey]
	switch {
	case key == "":
		return nil, &Error{Op: op, Detail: "secret_key is missing", Err: gateway.ErrCredentials}
	case !validKey(key):
		return nil, &Error{Op: op, Detail: "secret_key must start with sk_test_, sk_live_ or rk_", Err: gateway.ErrCredentials}
	}
	acct := creds[FieldStripeAccount]
	if acct != "" && !strings.HasPrefix(acct, "acct_") {
		return nil, &Error{Op: op, Detail: "stripe_account must start with acct_", Err: gateway.ErrCredentials}
	}
	return &conn{client: stripego.NewClient(key, stripego.WithBackends(a.backends)), account: acct}, nil
}

func validKey(key string) bool {
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return false
	}
	for _, p := range []string{"sk_test_", "sk_live_", "rk_"} {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return true
		}
	}
	return false
}

// params sets the idempotency key and Connect account of a request.
func (c *conn) params(p *stripego.Params, idempotencyKey string) {
	if idempotencyKey != "" {
		p.SetIdempotencyKey(idempotencyKey)
	}
	if c.account != "" {
		p.SetStripeAccount(c.account)
	}
}

// Definition describes the stripe-card connection formula.
func (a *Adapter) Definition() gateway.Definition { return definition() }

// Authorize confirms a PaymentIntent for the card: manual capture, or
// automatic with req.Capture.
func (a *Adapter) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	const op = "authorize"
	c, err := a.connect(op, req.Credentials)
	if err != nil {
		return nil, err
	}
	currency, err := checkAuthorize(req)
	if err != nil {
		return nil, err
	}
	pm, res, err := c.paymentMethod(ctx, op, req)
	if res != nil || err != nil {
		return res, err
	}
	p := &stripego.PaymentIntentCreateParams{
		Amount:             stripego.Int64(req.Amount),
		Currency:           stripego.String(currency),
		Confirm:            stripego.Bool(true),
		CaptureMethod:      stripego.String(captureMethod(req.Capture)),
		PaymentMethod:      stripego.String(pm),
		PaymentMethodTypes: []*string{stripego.String("card")},
	}
	if req.MerchantInitiated {
		// The cardholder is absent: Stripe declines (authentication_required)
		// rather than asking for 3DS. Stripe's API takes no previous network
		// transaction id for a card given in full.
		p.OffSession = stripego.Bool(true)
	}
	if req.Reference != "" {
		p.AddMetadata("reference", req.Reference)
	}
	p.AddExpand("latest_charge")
	c.params(&p.Params, req.IdempotencyKey)
	pi, err := c.client.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		return cardResult(ctx, op, err, req.Card.CVC != "")
	}
	return authorizeResult(pi, req.Card.CVC != ""), nil
}

func captureMethod(capture bool) string {
	if capture {
		return string(stripego.PaymentIntentCaptureMethodAutomatic)
	}
	return string(stripego.PaymentIntentCaptureMethodManual)
}

// checkAuthorize validates req locally and returns Stripe's currency.
func checkAuthorize(req *gateway.AuthorizeRequest) (string, error) {
	const op = "authorize"
	if req.Amount <= 0 {
		return "", &Error{Op: op, Detail: "amount must be more than 0", Err: gateway.ErrInvalid}
	}
	currency, err := stripeCurrency(op, req.Currency)
	if err != nil {
		return "", err
	}
	n := req.Card.Number
	if len(n) < 12 || len(n) > 19 || strings.ContainsFunc(n, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", &Error{Op: op, Detail: "card number must be 12 to 19 digits", Err: gateway.ErrInvalid}
	}
	if !luhn(n) {
		return "", &Error{Op: op, Detail: "card number fails the Luhn check", Err: gateway.ErrInvalid}
	}
	if req.Card.ExpMonth < 1 || req.Card.ExpMonth > 12 || req.Card.ExpYear < 1 {
		return "", &Error{Op: op, Detail: "card expiry is not valid", Err: gateway.ErrInvalid}
	}
	return currency, nil
}

// luhn reports whether the digits pass the Luhn check.
func luhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// stripeCurrency checks an ISO 4217 code against the supported list and
// lower-cases it, as Stripe writes currencies.
func stripeCurrency(op, code string) (string, error) {
	if _, ok := slices.BinarySearch(currencies, code); !ok {
		return "", &Error{Op: op, Detail: "currency is not supported by Stripe", Err: gateway.ErrInvalid}
	}
	return strings.ToLower(code), nil
}

// paymentMethod creates a card PaymentMethod from the raw card. A card
// Stripe refuses (an incorrect number) is a declined Result.
func (c *conn) paymentMethod(ctx context.Context, op string, req *gateway.AuthorizeRequest) (string, *gateway.Result, error) {
	card := &stripego.PaymentMethodCreateCardParams{
		Number:   stripego.String(req.Card.Number),
		ExpMonth: stripego.Int64(int64(req.Card.ExpMonth)),
		ExpYear:  stripego.Int64(int64(req.Card.ExpYear)),
	}
	if req.Card.CVC != "" {
		card.CVC = stripego.String(req.Card.CVC)
	}
	p := &stripego.PaymentMethodCreateParams{Type: stripego.String("card"), Card: card}
	if req.Card.Holder != "" {
		p.BillingDetails = &stripego.PaymentMethodCreateBillingDetailsParams{Name: stripego.String(req.Card.Holder)}
	}
	key := ""
	if req.IdempotencyKey != "" {
		key = req.IdempotencyKey + ":payment_method"
	}
	c.params(&p.Params, key)
	pm, err := c.client.V1PaymentMethods.Create(ctx, p)
	if err != nil {
		res, err := cardResult(ctx, op, err, req.Card.CVC != "")
		return "", res, err
	}
	if pm.ID == "" {
		return "", nil, &Error{Op: op, Detail: "Stripe returned a payment method without an id", Err: gateway.ErrUnavailable}
	}
	return pm.ID, nil, nil
}

// authorizeResult maps a confirmed PaymentIntent.
func authorizeResult(pi *stripego.PaymentIntent, cvcGiven bool) *gateway.Result {
	res := &gateway.Result{Reference: pi.ID}
	cardDetails(res, pi.LatestCharge, cvcGiven)
	switch pi.Status {
	case stripego.PaymentIntentStatusRequiresCapture:
		res.Outcome, res.Amount, res.Message = gateway.OutcomeApproved, pi.AmountCapturable, "authorized"
	case stripego.PaymentIntentStatusSucceeded:
		res.Outcome, res.Amount, res.Message = gateway.OutcomeApproved, pi.AmountReceived, "captured"
	case stripego.PaymentIntentStatusProcessing, stripego.PaymentIntentStatusRequiresAction,
		stripego.PaymentIntentStatusRequiresConfirmation:
		res.Outcome, res.Amount, res.Message = gateway.OutcomePending, pi.Amount, "payment is "+string(pi.Status)
	default: // requires_payment_method after a decline, canceled
		declined(res, pi.LastPaymentError)
	}
	return res
}

// cardDetails copies the charge's checks, auth code and network id.
func cardDetails(res *gateway.Result, ch *stripego.Charge, cvcGiven bool) {
	res.CVVResult, res.AVSResult = cvvResult("", cvcGiven), gateway.AVSNotProvided
	if ch == nil || ch.PaymentMethodDetails == nil || ch.PaymentMethodDetails.Card == nil {
		return
	}
	card := ch.PaymentMethodDetails.Card
	res.AuthCode = card.AuthorizationCode
	res.NetworkTransactionID = card.NetworkTransactionID
	if card.Checks != nil {
		res.CVVResult = cvvResult(string(card.Checks.CVCCheck), cvcGiven)
		res.AVSResult = avsResult(string(card.Checks.AddressLine1Check), string(card.Checks.AddressPostalCodeCheck))
	}
}

// cvvResult maps Stripe's cvc_check.
func cvvResult(check string, given bool) string {
	switch check {
	case "pass":
		return gateway.CVVMatch
	case "fail":
		return gateway.CVVNoMatch
	case "unavailable", "unchecked":
		return gateway.CVVUnavailable
	}
	if given {
		return gateway.CVVUnavailable
	}
	return gateway.CVVNotProvided
}

// avsResult maps Stripe's address_line1_check and address_postal_code_check.
func avsResult(checks ...string) string {
	var pass, fail, other int
	for _, c := range checks {
		switch c {
		case "":
		case "pass":
			pass++
		case "fail":
			fail++
		default: // unavailable, unchecked
			other++
		}
	}
	switch {
	case pass+fail+other == 0:
		return gateway.AVSNotProvided
	case pass > 0 && fail == 0 && other == 0:
		return gateway.AVSMatch
	case pass > 0:
		return gateway.AVSPartialMatch
	case fail > 0:
		return gateway.AVSNoMatch
	}
	return gateway.AVSUnavailable
}

// Capture captures req.Amount of the PaymentIntent req.Reference.
func (a *Adapter) Capture(ctx context.Context, req *gateway.CaptureRequest) (*gateway.Result, error) {
	const op = "capture"
	c, err := a.connect(op, req.Credentials)
	if err != nil {
		return nil, err
	}
	if err := checkReference(op, req.Reference); err != nil {
		return nil, err
	}
	if req.Amount <= 0 {
		return nil, &Error{Op: op, Detail: "amount must be more than 0", Err: gateway.ErrInvalid}
	}
	if req.Currency != "" {
		if _, err := stripeCurrency(op, req.Currency); err != nil {
			return nil, err
		}
	}
	p := &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(req.Amount)}
	c.params(&p.Params, req.IdempotencyKey)
	pi, err := c.client.V1PaymentIntents.Capture(ctx, req.Reference, p)
	if err != nil {
		return cardResult(ctx, op, err, false)
	}
	res := &gateway.Result{Outcome: gateway.OutcomeApproved, Reference: pi.ID, Amount: req.Amount, Message: "captured"}
	if pi.AmountReceived > 0 {
		res.Amount = pi.AmountReceived
	}
	if pi.Status == stripego.PaymentIntentStatusProcessing {
		res.Outcome, res.Message = gateway.OutcomePending, "capture is processing"
	}
	if res.Reference == "" {
		res.Reference = req.Reference
	}
	return res, nil
}

// Void cancels the PaymentIntent req.Reference.
func (a *Adapter) Void(ctx context.Context, req *gateway.VoidRequest) (*gateway.Result, error) {
	const op = "void"
	c, err := a.connect(op, req.Credentials)
	if err != nil {
		return nil, err
	}
	if err := checkReference(op, req.Reference); err != nil {
		return nil, err
	}
	p := &stripego.PaymentIntentCancelParams{}
	c.params(&p.Params, req.IdempotencyKey)
	pi, err := c.client.V1PaymentIntents.Cancel(ctx, req.Reference, p)
	if err != nil {
		return cardResult(ctx, op, err, false)
	}
	res := &gateway.Result{Outcome: gateway.OutcomeApproved, Reference: pi.ID, Amount: pi.Amount, Message: "canceled"}
	if res.Reference == "" {
		res.Reference = req.Reference
	}
	return res, nil
}

// Refund refunds req.Amount of the PaymentIntent req.Reference; the
// Result's Reference is the Refund's id.
func (a *Adapter) Refund(ctx context.Context, req *gateway.RefundRequest) (*gateway.Result, error) {
	const op = "refund"
	c, err := a.connect(op, req.Credentials)
	if err != nil {
		return nil, err
	}
	if err := checkReference(op, req.Reference); err != nil {
		return nil, err
	}
	if req.Amount <= 0 {
		return nil, &Error{Op: op, Detail: "amount must be more than 0", Err: gateway.ErrInvalid}
	}
	if req.Currency != "" {
		if _, err := stripeCurrency(op, req.Currency); err != nil {
			return nil, err
		}
	}
	p := &stripego.RefundCreateParams{PaymentIntent: stripego.String(req.Reference), Amount: stripego.Int64(req.Amount)}
	if r := refundReason(req.Reason); r != "" {
		p.Reason = stripego.String(r)
	}
	c.params(&p.Params, req.IdempotencyKey)
	rf, err := c.client.V1Refunds.Create(ctx, p)
	if err != nil {
		return cardResult(ctx, op, err, false)
	}
	res := &gateway.Result{Reference: rf.ID, Amount: rf.Amount}
	switch rf.Status {
	case stripego.RefundStatusPending, stripego.RefundStatusRequiresAction:
		res.Outcome, res.Message = gateway.OutcomePending, "refund is "+string(rf.Status)
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		res.Outcome, res.Decline, res.Message = gateway.OutcomeDeclined, gateway.DeclineGeneric, "refund "+string(rf.Status)
		if rf.FailureReason != "" {
			res.Message += ": " + string(rf.FailureReason)
		}
	default: // succeeded
		res.Outcome, res.Message = gateway.OutcomeApproved, "refunded"
	}
	return res, nil
}

// refundReason returns reason when it is one of Stripe's, else "".
func refundReason(reason string) string {
	switch r := strings.ToLower(strings.TrimSpace(reason)); r {
	case "duplicate", "fraudulent", "requested_by_customer":
		return r
	}
	return ""
}

func checkReference(op, ref string) error {
	if ref == "" {
		return &Error{Op: op, Detail: "reference is missing", Err: gateway.ErrInvalid}
	}
	if strings.ContainsAny(ref, "/?#% ") {
		return &Error{Op: op, Detail: "reference is not a Stripe id", Err: gateway.ErrInvalid}
	}
	return nil
}

// VerifyCredentials reads the balance: the cheapest call every key,
// restricted ones included, may be allowed.
func (a *Adapter) VerifyCredentials(ctx context.Context, creds gateway.Credentials) error {
	const op = "verify credentials"
	c, err := a.connect(op, creds)
	if err != nil {
		return err
	}
	p := &stripego.BalanceRetrieveParams{}
	c.params(&p.Params, "")
	if _, err := c.client.V1Balance.Retrieve(ctx, p); err != nil {
		return mapError(ctx, op, err)
	}
	return nil
}

// Error is an adapter error: no answer to act on. Its text names the
// operation, Stripe's error type and code and the HTTP status, never
// Stripe's message or request values. errors.Is matches Err, a gateway
// sentinel.
type Error struct {
	Op         string // authorize, capture, void, refund, verify credentials
	Detail     string // the adapter's own text
	Type       string // Stripe's error type, if Stripe answered
	Code       string // Stripe's error code
	Param      string // the parameter Stripe names (a name, not a value)
	HTTPStatus int
	RequestID  string
	Err        error // a gateway sentinel, or the context's error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("stripe: " + e.Op)
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	var parts []string
	for _, s := range []string{e.Type, e.Code} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if e.Param != "" {
		parts = append(parts, "param "+e.Param)
	}
	if e.HTTPStatus != 0 {
		parts = append(parts, "HTTP "+strconv.Itoa(e.HTTPStatus))
	}
	if e.RequestID != "" {
		parts = append(parts, e.RequestID)
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// cardResult turns a card_error into a Result and anything else into an
// error.
func cardResult(ctx context.Context, op string, err error, cvcGiven bool) (*gateway.Result, error) {
	var se *stripego.Error
	if !errors.As(err, &se) || se.Type != stripego.ErrorTypeCard {
		return nil, mapError(ctx, op, err)
	}
	res := &gateway.Result{CVVResult: cvvResult("", cvcGiven), AVSResult: gateway.AVSNotProvided}
	if se.PaymentIntent != nil {
		res.Reference = se.PaymentIntent.ID
		cardDetails(res, se.PaymentIntent.LatestCharge, cvcGiven)
	}
	declined(res, se)
	return res, nil
}

// declined fills res from a card error: a decline, or for
// processing_error a retryable error outcome.
func declined(res *gateway.Result, se *stripego.Error) {
	code := ""
	if se != nil && se.Type == stripego.ErrorTypeCard {
		code = string(se.DeclineCode)
		if code == "" || code == "generic_decline" {
			if c := string(se.Code); c != "" && c != "card_declined" {
				code = c
			}
		}
	}
	d, soft := declineCode(code)
	if d == gateway.DeclineProcessingError {
		res.Outcome, res.Retryable, res.Decline = gateway.OutcomeError, true, d
		res.Message = "Stripe could not process the card (processing_error)"
		return
	}
	res.Outcome, res.Soft, res.Decline = gateway.OutcomeDeclined, soft, d
	res.Message = "Stripe declined the card"
	if code != "" {
		res.Message += " (" + code + ")"
	}
}

// declineCode maps Stripe's decline_code (or error code) onto a gateway
// Decline code and whether the decline is soft.
func declineCode(code string) (string, bool) {
	switch code {
	case "", "generic_decline", "card_declined", "call_issuer", "card_not_supported", "currency_not_supported",
		"invalid_account", "invalid_amount", "new_account_information_available", "no_action_taken",
		"not_permitted", "restricted_card", "revocation_of_all_authorizations", "revocation_of_authorization",
		"security_violation", "service_not_allowed", "stop_payment_order", "transaction_not_allowed":
		return gateway.DeclineGeneric, false
	case "insufficient_funds", "card_velocity_exceeded", "withdrawal_count_limit_exceeded":
		return gateway.DeclineInsufficientFunds, true
	case "do_not_honor", "do_not_try_again":
		return gateway.DeclineDoNotHonor, code == "do_not_honor"
	case "try_again_later", "issuer_not_available", "reenter_transaction", "approve_with_id",
		"authentication_required", "authentication_not_handled", "offline_pin_required", "online_or_offline_pin_required",
		"pin_try_exceeded", "testmode_decline":
		return code, true
	case "expired_card", "invalid_expiry_month", "invalid_expiry_year":
		return gateway.DeclineExpiredCard, false
	case "incorrect_cvc", "invalid_cvc":
		return gateway.DeclineIncorrectCVC, false
	case "incorrect_number", "invalid_number":
		return gateway.DeclineIncorrectNumber, false
	case "lost_card", "stolen_card", "pickup_card":
		return gateway.DeclineLostOrStolen, false
	case "fraudulent", "merchant_blacklist":
		return gateway.DeclineFraud, false
	case "processing_error":
		return gateway.DeclineProcessingError, true
	}
	return code, false
}

// mapError turns a failed call into an *Error wrapping a sentinel, or the
// context's error when ctx is done.
func mapError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return &Error{Op: op, Detail: "the request was cancelled", Err: ctx.Err()}
	}
	var se *stripego.Error
	if !errors.As(err, &se) {
		// A network failure, a timeout or a body that is not Stripe's; its
		// text may quote the body, so it is dropped.
		return &Error{Op: op, Detail: "no answer from Stripe", Err: gateway.ErrUnavailable}
	}
	e := &Error{Op: op, Type: string(se.Type), Code: string(se.Code), Param: se.Param, HTTPStatus: se.HTTPStatusCode, RequestID: se.RequestID}
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized:
		e.Detail, e.Err = "Stripe refused the secret key", gateway.ErrCredentials
	case se.HTTPStatusCode == http.StatusForbidden:
		e.Detail, e.Err = "the key may not make this request", gateway.ErrCredentials
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.Code == stripego.ErrorCodeRateLimit || se.Code == stripego.ErrorCodeLockTimeout:
		e.Detail, e.Err = "Stripe is rate limiting", gateway.ErrUnavailable
	case se.HTTPStatusCode >= 500 || se.Type == stripego.ErrorTypeAPI || se.Type == stripego.ErrorTypeTemporarySessionExpired:
		e.Detail, e.Err = "Stripe failed", gateway.ErrUnavailable
	case se.Code == stripego.ErrorCodeResourceMissing || se.HTTPStatusCode == http.StatusNotFound:
		e.Detail, e.Err = "no such payment", gateway.ErrNotFound
		if op == "authorize" {
			e.Detail, e.Err = "Stripe found no such object", gateway.ErrInvalid
		}
	case se.Type == stripego.ErrorTypeIdempotency:
		e.Detail, e.Err = "the idempotency key was used for another request", gateway.ErrInvalid
	case se.Type == stripego.ErrorTypeInvalidRequest || se.Type == stripego.ErrorTypeCard ||
		(se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500):
		e.Detail, e.Err = "Stripe refused the request", gateway.ErrInvalid
	default:
		e.Detail, e.Err = "unexpected answer from Stripe", gateway.ErrUnavailable
	}
	return e
}
