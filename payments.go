package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Payments (reference section 10, "Payment transactions") over connections
// and connectors. A payment is a durable record: every attempt at a payment
// service is written, with its idempotency key, before the adapter is
// called, and its answer after; an attempt that got no answer (the process
// died, or the service did not answer) stays pending and a job of the queue
// repeats it with the same key, so that the service sees it once. A payment
// to a meta-connector tries the connectors its rules choose in order: a
// soft decline or a retryable error moves on to the next, up to the
// meta-connector's retries; a hard decline, an approval or a pending answer
// ends it. The card is read from its token for the adapter call only.

// Payment intents and sources.
const (
	IntentAuthorize = "authorize"
	IntentCapture   = "capture"

	SourceEcommerce  = "ecommerce"
	SourceCardOnFile = "card_on_file"
	SourceRecurring  = "recurring"
)

// Refund statuses.
const (
	RefundProcessing = "processing"
	RefundSucceeded  = "succeeded"
	RefundDeclined   = "declined"
	RefundFailed     = "failed"
)

const (
	paymentQueueKind  = "payment.resolve"
	paymentAttempts   = 12               // resolver job attempts, about an hour of backoff
	resolveAfter      = 30 * time.Second // an attempt older than this is repeated by the resolver
	adapterTimeout    = 25 * time.Second // one adapter call
	maxPaymentRefunds = 100
)

// CreatePaymentRequest authorizes a payment (intent authorize) or takes it
// (intent capture) on a card token, through a connection (ConnectionID) or
// a connector (ConnectorGUID), exactly one of them.
type CreatePaymentRequest struct {
	ConnectionID  string `json:"connection_id,omitempty"`
	ConnectorGUID string `json:"connector_guid,omitempty"`
	// Amount is in minor units of Currency (an ISO 4217 code).
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Token is the id of a card token, read with the caller's rights
	// (token:use, revealed).
	Token               string            `json:"token"`
	Country             string            `json:"country,omitempty"`
	ExternalIdentifier  string            `json:"external_identifier,omitempty"`
	Intent              string            `json:"intent"`
	IsSubsequentPayment bool              `json:"is_subsequent_payment,omitempty"`
	MerchantInitiated   bool              `json:"merchant_initiated,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	// PaymentSource is ecommerce (the default), card_on_file or recurring.
	PaymentSource               string `json:"payment_source,omitempty"`
	PreviousSchemeTransactionID string `json:"previous_scheme_transaction_id,omitempty"`
}

// PaymentTarget names the connection or connector a payment went through.
type PaymentTarget struct {
	ID string `json:"id"`
	// Kind is connection or connector.
	Kind string `json:"kind"`
}

// PaymentMethod is what a payment shows of its card: never more than its
// brand, BIN, last four digits and expiry.
type PaymentMethod struct {
	Type            string `json:"type"`
	Scheme          string `json:"scheme,omitempty"`
	BIN             string `json:"bin,omitempty"`
	Last4           string `json:"last4,omitempty"`
	ExpirationMonth int    `json:"expiration_month,omitempty"`
	ExpirationYear  int    `json:"expiration_year,omitempty"`
}

// ThreeDSecure is the 3-D Secure outcome of a payment (reference 10).
type ThreeDSecure struct {
	Version   string         `json:"version,omitempty"`
	Status    string         `json:"status,omitempty"`
	Method    string         `json:"method,omitempty"`
	ErrorData map[string]any `json:"error_data,omitempty"`
}

// PaymentAttempt is one call to a payment service.
type PaymentAttempt struct {
	Operation string `json:"operation"`
	Target    string `json:"target"`
	// Outcome is approved, declined, pending, error or no_answer (the
	// service did not answer: the attempt is repeated with its key).
	Outcome    string     `json:"outcome"`
	Decline    string     `json:"decline_code,omitempty"`
	Soft       bool       `json:"soft,omitempty"`
	Retryable  bool       `json:"retryable,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	ElapsedMS  int64      `json:"elapsed_ms"`
}

// Refund is a refund of a payment.
type Refund struct {
	Type          string    `json:"type"`
	ID            string    `json:"id"`
	TransactionID string    `json:"transaction_id"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	Status        string    `json:"status"`
	Reason        string    `json:"reason,omitempty"`
	Reference     string    `json:"connection_refund_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Payment is a payment transaction (reference section 10) and its attempts.
type Payment struct {
	Type                        string            `json:"type"`
	ID                          string            `json:"id"`
	Status                      string            `json:"status"`
	Amount                      int64             `json:"amount"`
	Currency                    string            `json:"currency"`
	AuthorizedAmount            int64             `json:"authorized_amount"`
	CapturedAmount              int64             `json:"captured_amount"`
	RefundedAmount              int64             `json:"refunded_amount"`
	Country                     string            `json:"country,omitempty"`
	ExternalIdentifier          string            `json:"external_identifier,omitempty"`
	Intent                      string            `json:"intent"`
	IntentOutcome               string            `json:"intent_outcome,omitempty"`
	Connection                  *PaymentTarget    `json:"connection,omitempty"`
	PaymentMethod               PaymentMethod     `json:"payment_method"`
	PaymentSource               string            `json:"payment_source"`
	MerchantInitiated           bool              `json:"merchant_initiated"`
	IsSubsequentPayment         bool              `json:"is_subsequent_payment"`
	SchemeTransactionID         string            `json:"scheme_transaction_id,omitempty"`
	ConnectionTransactionID     string            `json:"connection_transaction_id,omitempty"`
	ReconciliationID            string            `json:"reconciliation_id"`
	ErrorCode                   string            `json:"error_code,omitempty"`
	AuthResponseCode            string            `json:"auth_response_code,omitempty"`
	CVVResponseCode             string            `json:"cvv_response_code,omitempty"`
	Metadata                    map[string]string `json:"metadata,omitempty"`
	PreviousSchemeTransactionID string            `json:"previous_scheme_transaction_id,omitempty"`
	AuthorizedAt                *time.Time        `json:"authorized_at,omitempty"`
	// ApprovalExpiresAt is when an authorization not captured lapses: 7
	// days after it, the card networks' usual hold (our assumption; a
	// service's own may be shorter).
	ApprovalExpiresAt *time.Time `json:"approval_expires_at,omitempty"`
	// ThreeDSecure is null: the vault runs no 3-D Secure flow yet.
	ThreeDSecure *ThreeDSecure    `json:"three_d_secure"`
	CapturedAt   *time.Time       `json:"captured_at,omitempty"`
	VoidedAt     *time.Time       `json:"voided_at,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	Attempts     []PaymentAttempt `json:"attempts"`
	Refunds      []Refund         `json:"refunds,omitempty"`
	// PendingOperation names the operation in flight (authorize, capture,
	// void or refund), whose answer is awaited or will be asked for again
	// with its key; empty when none is (our extension).
	PendingOperation string `json:"pending_operation,omitempty"`
}

// String describes the payment by its id and status.
func (p Payment) String() string { return "Payment{ID:" + p.ID + " Status:" + p.Status + "}" }

// Format prints what String returns, whatever the verb.
func (p Payment) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// LogValue logs the payment's id and status only.
func (p Payment) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", p.ID), slog.String("status", p.Status))
}

// paymentLeg is a connection or connector a payment may be attempted on.
type paymentLeg struct {
	Kind string `json:"kind"` // connection or connector
	ID   string `json:"id"`
}

// pendingOp is the operation a payment has in flight: written before the
// adapter call, cleared with its answer.
type pendingOp struct {
	Op       string    `json:"op"` // authorize, capture, void, refund
	Leg      int       `json:"leg"`
	Key      string    `json:"key"`
	Amount   int64     `json:"amount,omitempty"`
	RefundID string    `json:"refund,omitempty"`
	Started  time.Time `json:"started"`
}

// paymentRecord is a payment as stored: no card data, only the token id
// (to read the card again to repeat an attempt) and what the payment shows.
type paymentRecord struct {
	Payment
	Token    string       `json:"token"`
	Legs     []paymentLeg `json:"legs"`
	Next     int          `json:"next"` // the leg to try next
	Pending  *pendingOp   `json:"pending,omitempty"`
	Leg      int          `json:"leg"` // the leg that authorized
	Revision int          `json:"rev"`
}

var paymentTable = register(&table[paymentRecord]{
	bucket:  "payments",
	schema:  1,
	id:      func(r *paymentRecord) string { return r.ID },
	indexes: []*index[paymentRecord]{paymentByRefund, paymentByScheme},
})

// paymentByScheme finds the payments of a scheme transaction id, for the
// subsequent payments a routing meta-connector re-routes to the connector
// of the first (reRouteRecurring).
var paymentByScheme = &index[paymentRecord]{bucket: "payments.scheme", terms: func(r *paymentRecord) [][]byte {
	if r.SchemeTransactionID == "" {
		return nil
	}
	return [][]byte{keyenc.AppendString(nil, r.SchemeTransactionID)}
}}

// originalLeg returns the connector that authorized the payment whose
// scheme transaction id is nti, if it is one of the meta-connector's
// merchant; "" when there is none.
func originalLeg(tx storage.Tx, tenant, nti, merchant string) (string, error) {
	var guid string
	err := paymentByScheme.scan(tx, tenant, keyenc.AppendString(nil, nti), nil, false, func(id string, _ []byte) error {
		rec, err := paymentTable.get(tx, tenant, id)
		if err != nil {
			return err
		}
		if rec.Leg < len(rec.Legs) && rec.Legs[rec.Leg].Kind == connectorKind && rec.AuthorizedAmount > 0 {
			c, err := connectorTable.get(tx, tenant, rec.Legs[rec.Leg].ID)
			if err == nil && c.MerchantGUID == merchant {
				guid = c.GUID
				return storage.StopScan
			}
		}
		return nil
	})
	if errors.Is(err, storage.StopScan) {
		err = nil
	}
	return guid, err
}

// paymentByRefund finds the payment of a refund by the refund's id.
var paymentByRefund = &index[paymentRecord]{bucket: "payments.refund", unique: true, terms: func(r *paymentRecord) [][]byte {
	terms := make([][]byte, len(r.Refunds))
	for i, rf := range r.Refunds {
		terms[i] = keyenc.AppendString(nil, rf.ID)
	}
	return terms
}}

// reconciliationID is the reference's base62 form of the payment id.
func reconciliationID(id string) string {
	u, err := uuid.Parse(id)
	if err != nil {
		return ""
	}
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := u[:]
	num := make([]byte, len(b))
	copy(num, b)
	var out []byte
	for {
		zero := true
		rem := 0
		for i := range num {
			acc := rem*256 + int(num[i])
			num[i] = byte(acc / 62)
			rem = acc % 62
			if num[i] != 0 {
				zero = false
			}
		}
		out = append(out, digits[rem])
		if zero {
			break
		}
	}
	slices.Reverse(out)
	return string(out)
}

func (r *paymentRecord) public() *Payment {
	p := r.Payment
	p.Attempts = slices.Clone(r.Attempts)
	p.Refunds = slices.Clone(r.Refunds)
	p.Metadata = maps.Clone(r.Metadata)
	if p.Attempts == nil {
		p.Attempts = []PaymentAttempt{}
	}
	if r.Pending != nil {
		p.PendingOperation = r.Pending.Op
	}
	return &p
}

// Payment event types. Each carries {transaction: {id, status, amount,
// currency, authorized_amount, captured_amount, refunded_amount,
// connection: {id, kind}}}, and payment.refunded the refund's id and
// status; none holds card data.
const (
	EventPaymentAuthorized = "payment.authorized"
	EventPaymentDeclined   = "payment.declined"
	EventPaymentFailed     = "payment.failed"
	EventPaymentCaptured   = "payment.captured"
	EventPaymentVoided     = "payment.voided"
	EventPaymentRefunded   = "payment.refunded"
)

func paymentEventData(p *Payment) map[string]any {
	m := map[string]any{"id": p.ID, "status": p.Status, "amount": p.Amount, "currency": p.Currency,
		"authorized_amount": p.AuthorizedAmount, "captured_amount": p.CapturedAmount, "refunded_amount": p.RefundedAmount}
	if p.Connection != nil {
		m["connection"] = map[string]any{"id": p.Connection.ID, "kind": p.Connection.Kind}
	}
	return map[string]any{"transaction": m}
}

// checkPayment validates a create request.
func checkPayment(op string, req *CreatePaymentRequest) error {
	fe := fieldErrors{}
	switch {
	case req.ConnectionID == "" && req.ConnectorGUID == "":
		fe.add("connection_id", "is required (or connector_guid)")
	case req.ConnectionID != "" && req.ConnectorGUID != "":
		fe.add("connector_guid", "give connection_id or connector_guid, not both")
	}
	if req.Amount <= 0 {
		fe.add("amount", "must be more than 0 (minor units)")
	}
	if !isCurrency(req.Currency) {
		fe.add("currency", "must be an ISO 4217 currency code in upper case")
	}
	if req.Country != "" && !isCountry(req.Country) {
		fe.add("country", "must be an ISO 3166-1 alpha-2 country code in upper case")
	}
	if req.Token == "" {
		fe.add("token", "is required")
	}
	switch req.Intent {
	case IntentAuthorize, IntentCapture:
	case "":
		fe.add("intent", "is required")
	default:
		fe.add("intent", "must be authorize or capture")
	}
	switch req.PaymentSource {
	case "", SourceEcommerce, SourceCardOnFile, SourceRecurring:
	default:
		fe.add("payment_source", "must be ecommerce, card_on_file or recurring")
	}
	if len(req.ExternalIdentifier) > 200 {
		fe.add("external_identifier", "must be at most 200 characters")
	}
	checkMetadata(fe, "metadata", req.Metadata)
	return fe.err(op)
}

// legAdapter returns the adapter and credentials of a leg, read in tx, or
// a reason it cannot be used now.
// With forNew false (a capture, void or refund of an authorization, or an
// attempt repeated), only the adapter and credentials matter: a connection
// deactivated since still settles what it authorized.
func (v *Vault) legAdapter(tx storage.Tx, tk *keys.TenantKeys, tenant string, leg paymentLeg, req *paymentRecord, forNew bool) (gateway.Adapter, gateway.Credentials, string, error) {
	switch leg.Kind {
	case connectionKind:
		c, err := connectionTable.get(tx, tenant, leg.ID)
		if errors.Is(err, errRecordNotFound) {
			return nil, nil, "the connection no longer exists", nil
		}
		if err != nil {
			return nil, nil, "", err
		}
		switch {
		case !forNew:
		case !c.Active:
			return nil, nil, "the connection is not active", nil
		case c.Status != ConnectionAvailable:
			return nil, nil, "the connection is " + c.Status, nil
		case !slices.Contains(c.Currencies, req.Currency):
			return nil, nil, "the connection does not accept the currency", nil
		case req.Country != "" && !slices.Contains(c.Countries, req.Country):
			return nil, nil, "the connection does not accept the country", nil
		}
		a := v.gateways.adapters[c.FormulaID]
		if a == nil {
			return nil, nil, noAdapterReason(c.FormulaID), nil
		}
		values, err := openConfigTx(tenant, tk, c.sealedFields())
		if err != nil {
			return nil, nil, "", err
		}
		return a, gateway.Credentials(values), "", nil
	case connectorKind:
		c, err := connectorTable.get(tx, tenant, leg.ID)
		if errors.Is(err, errRecordNotFound) {
			return nil, nil, "the connector no longer exists", nil
		}
		if err != nil {
			return nil, nil, "", err
		}
		txType := "initial_preauthorize"
		if req.Intent == IntentCapture {
			txType = "initial_debit"
		}
		switch {
		case !forNew:
		case c.Archived:
			return nil, nil, "the connector is archived", nil
		case c.Disabled:
			return nil, nil, "the connector is disabled", nil
		case slices.Contains(c.DisabledTransactionTypes, txType):
			return nil, nil, "the connector does not take " + txType + " transactions", nil
		case c.IsMetaConnector:
			return nil, nil, "a meta-connector routes to no meta-connector", nil
		}
		a := v.gateways.adapterByName(c.Adapter)
		if a == nil {
			return nil, nil, "no adapter " + c.Adapter + " is registered", nil
		}
		s, err := openConnectorTx(tenant, tk, c)
		if err != nil {
			return nil, nil, "", err
		}
		creds := gateway.Credentials{}
		for k, val := range c.Config.ExtraData {
			if str, ok := val.(string); ok {
				creds[k] = str
			}
		}
		maps.Copy(creds, s.Vault)
		return a, creds, "", nil
	}
	return nil, nil, "", fmt.Errorf("unknown payment leg kind %q", leg.Kind)
}

// planLegs resolves a request's target into the legs to try in order,
// read in tx.
func planLegs(tx storage.Tx, op, tenant string, req *CreatePaymentRequest, in RoutingInput) ([]paymentLeg, *PaymentTarget, error) {
	if req.ConnectionID != "" {
		if _, err := getConnection(tx, op, tenant, req.ConnectionID); err != nil {
			return nil, nil, err
		}
		return []paymentLeg{{connectionKind, req.ConnectionID}}, &PaymentTarget{req.ConnectionID, connectionKind}, nil
	}
	c, err := getConnector(tx, op, tenant, req.ConnectorGUID)
	if err != nil {
		return nil, nil, err
	}
	target := &PaymentTarget{c.GUID, connectorKind}
	if !c.IsMetaConnector {
		return []paymentLeg{{connectorKind, c.GUID}}, target, nil
	}
	if c.Archived || c.Disabled {
		return nil, nil, newError(KindConflict, op, "the meta-connector is archived or disabled")
	}
	var guids []string
	retries := 0
	switch {
	case c.RoutingMetaConnector != nil:
		guids = []string{c.RoutingMetaConnector.DefaultConnector}
		if c.RoutingMetaConnector.ReRouteRecurring && req.IsSubsequentPayment && req.PreviousSchemeTransactionID != "" {
			orig, err := originalLeg(tx, tenant, req.PreviousSchemeTransactionID, c.MerchantGUID)
			if err != nil {
				return nil, nil, err
			}
			if orig != "" {
				guids = []string{orig} // the connector of the original payment
			}
		}
	case c.MultiMethodMetaConnector != nil:
		mm := c.MultiMethodMetaConnector
		retries = mm.Retries
		d := CompileRouting(mm.Rules).Route(in, mm.DefaultActionDisableConnector)
		if d.Decline {
			return nil, target, nil // declined by the rules: no leg
		}
		guids = d.Connectors
	}
	if len(guids) > retries+1 {
		guids = guids[:retries+1]
	}
	legs := make([]paymentLeg, len(guids))
	for i, g := range guids {
		legs[i] = paymentLeg{connectorKind, g}
	}
	return legs, target, nil
}

// paymentCard reads the card of a payment's token: with the caller's
// rights (token:use, revealed) when p is given, else as the host (the
// resolver repeating an attempt the caller was allowed).
func (v *Vault) paymentCard(ctx context.Context, op string, p *Principal, tenant string, tk *keys.TenantKeys, tokenID string) (gateway.Card, *CardDetails, error) {
	var rec *tokenRecord
	who := Principal{host: true, TenantID: tenant}
	if p != nil {
		who = *p
	}
	err := v.view(ctx, op, func(tx storage.Tx) error {
		w, err := v.tokenView(tx, op, who, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		rec, err = w.live(tokenID)
		if e, ok := errors.AsType[*Error](err); ok && e.Kind == KindNotFound {
			return invalidField(op, "token", "does not name a token")
		}
		return err
	})
	if err != nil {
		return gateway.Card{}, nil, wrapErr(op, err)
	}
	if rec.Type != TypeCard {
		return gateway.Card{}, nil, invalidField(op, "token", "must be a card token")
	}
	tf, ok := who.tokenAccess(PermTokenUse, rec.ID, rec.Containers)
	if !ok || tf != transformReveal {
		return gateway.Card{}, nil, newError(KindForbidden, op, "the caller lacks %s with a revealing rule on the card", PermTokenUse)
	}
	plain, err := v.openTokenData(ctx, tenant, tk, rec)
	if err != nil {
		return gateway.Card{}, nil, wrapErr(op, err)
	}
	var data struct {
		Number          string `json:"number"`
		ExpirationMonth int    `json:"expiration_month"`
		ExpirationYear  int    `json:"expiration_year"`
		CVC             string `json:"cvc"`
	}
	details := cardDetails(plain) // brand, BIN and last four, as a card token's card member shows them
	err = json.Unmarshal(plain, &data)
	clear(plain)
	if err != nil {
		return gateway.Card{}, nil, wrapErr(op, err)
	}
	if details == nil {
		details = &CardDetails{}
	}
	card := gateway.Card{Number: data.Number, ExpMonth: data.ExpirationMonth, ExpYear: data.ExpirationYear, CVC: data.CVC}
	v.auditLater(ctx, tenant, rec.Type, rec.ID, AuditUse, msgTokenPayment, false)
	return card, details, nil
}

// CreatePayment authorizes (or takes, with intent capture) a payment and
// returns it. The caller needs orchestration:transactions:create and
// token:use, revealed, on the card token. The payment is written before
// the first adapter call; a payment to a meta-connector may make several
// attempts (see the package documentation, "Payments"). A payment whose
// attempt got no answer is returned processing: a job repeats the attempt
// with its idempotency key and settles it.
//
// Errors: KindInvalid with field paths, KindNotFound for an unknown
// connection or connector, KindForbidden, KindConflict for a meta-connector
// that is archived or disabled. Declines are not errors: the payment is
// returned authorization_declined.
func (v *Vault) CreatePayment(ctx context.Context, req CreatePaymentRequest) (*Payment, error) {
	const op = "CreatePayment"
	p := v.principal(ctx)
	if err := p.require(op, PermPaymentCreate); err != nil {
		return nil, err
	}
	if req.PaymentSource == "" {
		req.PaymentSource = SourceEcommerce
	}
	if err := checkPayment(op, &req); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	card, details, err := v.paymentCard(ctx, op, &p, p.TenantID, tk, req.Token)
	if err != nil {
		return nil, err
	}
	defer clearCard(&card)
	now := v.now().UTC()
	rec := &paymentRecord{Payment: Payment{Type: "transaction", ID: newPaymentID(), Status: PaymentProcessing, Amount: req.Amount,
		Currency: req.Currency, Country: req.Country, ExternalIdentifier: req.ExternalIdentifier, Intent: req.Intent,
		PaymentMethod: PaymentMethod{Type: "card", Scheme: details.Brand, BIN: details.BIN, Last4: details.Last4,
			ExpirationMonth: details.ExpirationMonth, ExpirationYear: details.ExpirationYear},
		PaymentSource: req.PaymentSource, MerchantInitiated: req.MerchantInitiated, IsSubsequentPayment: req.IsSubsequentPayment,
		Metadata: maps.Clone(req.Metadata), PreviousSchemeTransactionID: req.PreviousSchemeTransactionID,
		CreatedAt: now, UpdatedAt: now}, Token: req.Token}
	rec.ReconciliationID = reconciliationID(rec.ID)
	in := RoutingInput{Amount: req.Amount, Currency: req.Currency, Country: req.Country, BIN: details.BIN, Brand: details.Brand,
		Method: "card", TransactionType: map[string]string{IntentAuthorize: "preauthorize", IntentCapture: "debit"}[req.Intent]}
	// A read transaction plans the legs and opens the first attempt's
	// credentials; the record and the resolver job are encoded outside the
	// store's single writer, and one write transaction stores the payment
	// with its first attempt and the job, or the payment settled when no
	// leg can take it. A connection or connector changed between the two
	// is as if it had changed just after the payment was made: its
	// attempts are checked again before each call.
	var first *call
	var w paymentRecord
	var typ string
	err = v.view(ctx, op, func(tx storage.Tx) error {
		w, first, typ = *rec, nil, ""
		legs, target, err := planLegs(tx, op, p.TenantID, &req, in)
		if err != nil {
			return err
		}
		w.Legs, w.Connection = legs, target
		if len(legs) == 0 {
			w.Status, w.IntentOutcome, w.ErrorCode, typ = PaymentAuthorizationDeclined, "failed", "routing_declined", EventPaymentDeclined
		} else if first, err = v.nextAttempt(tx, tk, p.TenantID, &w); err != nil {
			return err
		} else if first == nil {
			typ = v.markUnauthorized(&w)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b, err := paymentTable.encode(&w)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var job *jobRecord
	var jb []byte
	if typ == "" {
		if job, jb, err = v.resolverJob(tk, p.TenantID, rec.ID, 0); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if err := paymentTable.insertEncoded(tx, p.TenantID, &w, b); err != nil {
			return err
		}
		if typ != "" {
			return v.emitTx(ctx, tx, p.TenantID, typ, paymentEventData(&w.Payment))
		}
		return jobTable.insertEncoded(tx, p.TenantID, job, jb)
	})
	if err != nil {
		return nil, err
	}
	if first == nil {
		return w.public(), nil
	}
	first.raw, first.job = b, resolverJobID(rec.ID, 0)
	return v.advancePayment(ctx, op, p.TenantID, tk, rec.ID, &card, first)
}

func clearCard(c *gateway.Card) { *c = gateway.Card{} }

// queueResolver enqueues the job that settles a payment's attempt should
// this process not: it runs after resolveAfter.
func (v *Vault) queueResolver(tx storage.Tx, tk *keys.TenantKeys, tenant, paymentID string, revision int) error {
	job, b, err := v.resolverJob(tk, tenant, paymentID, revision)
	if err != nil {
		return err
	}
	return jobTable.insertEncoded(tx, tenant, job, b)
}

// resolverJob returns queueResolver's job, encoded.
func (v *Vault) resolverJob(tk *keys.TenantKeys, tenant, paymentID string, revision int) (*jobRecord, []byte, error) {
	job, err := v.newJob(tk, tenant, paymentQueueKind, resolverJobID(paymentID, revision), nil)
	if err != nil {
		return nil, nil, err
	}
	job.NextRun = job.NextRun.Add(resolveAfter)
	b, err := jobTable.encode(job)
	return job, b, err
}

// newPaymentID returns a payment id: a version 7 UUID, whose leading
// timestamp keeps the tenant's payments in creation order in storage, so
// that a new payment and the write of its answer land on the table's last
// pages instead of on a random page each (bolt then writes a few pages per
// group commit, not one per payment: BenchmarkAuthorizeParallel went from
// 0.3 to 0.5 of BenchmarkCreateCardParallel). Its 62 random bits leave it
// unguessable for the purpose: an id grants nothing without permission.
func newPaymentID() string { return uuid.Must(uuid.NewV7()).String() }

// resolverJobID names the resolver job of the operation a payment's
// revision started.
func resolverJobID(paymentID string, revision int) string {
	return paymentID + "/" + strconv.Itoa(revision)
}

// dropResolver removes the resolver job id once its operation settled, so
// that it does not run later for nothing; a run already claimed is left to
// find the payment settled.
func dropResolver(tx storage.Tx, tenant, id string) error {
	j, err := jobTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil
	}
	if err != nil || j.State != jobPending {
		return err
	}
	return removeJob(tx, tenant, j)
}
