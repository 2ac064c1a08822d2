package vault

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// The engine of payments: every adapter call is bracketed by two store
// transactions, one that writes the attempt (pendingOp, with its key)
// before the call and one that records the answer after it, which applies
// only if the attempt is still the payment's pending one.

// call is one adapter call to make: the attempt written, its adapter and
// credentials read.
type call struct {
	pending *pendingOp
	leg     paymentLeg
	adapter gateway.Adapter
	creds   gateway.Credentials
	rec     *paymentRecord // as it was when the attempt was written
	// raw is rec as this process stored it, when it did: recordAnswer then
	// applies the answer outside its transaction and only checks, inside,
	// that the stored bytes are still these.
	raw []byte
	// job is the id of the resolver job queued for the operation, which
	// recordAnswer removes once the operation settles.
	job string
}

// answer is what an adapter call gave.
type answer struct {
	res     *gateway.Result
	err     error
	started time.Time
	elapsed time.Duration
}

// noAnswer reports whether an adapter call got no answer to act on: the
// outcome is unknown, and the attempt must be repeated with its key.
func (a *answer) noAnswer() bool {
	return a.err != nil && (errors.Is(a.err, gateway.ErrUnavailable) || errors.Is(a.err, context.DeadlineExceeded) ||
		errors.Is(a.err, context.Canceled))
}

// outcome names an answer for the attempt record.
func (a *answer) outcome() string {
	switch {
	case a.noAnswer():
		return "no_answer"
	case a.err != nil:
		return answerError
	}
	switch a.res.Outcome {
	case gateway.OutcomeApproved:
		return answerApproved
	case gateway.OutcomeDeclined:
		return answerDeclined
	case gateway.OutcomePending:
		return answerPending
	}
	return answerError
}

// startAuthorization writes the next authorization attempt of a payment
// (or the one in flight, to repeat), or settles the payment when no leg is
// left. It returns nil when there is nothing to call.
func (v *Vault) startAuthorization(ctx context.Context, op, tenant string, tk *keys.TenantKeys, id string) (*call, error) {
	var c *call
	err := v.update(ctx, op, func(tx storage.Tx) error {
		c = nil
		rec, err := paymentTable.get(tx, tenant, id)
		if err != nil {
			return err
		}
		if rec.Status != PaymentProcessing {
			return nil
		}
		next := *rec
		if next.Pending == nil || next.Pending.Op != "authorize" {
			if c, err = v.nextAttempt(tx, tk, tenant, &next); err != nil {
				return err
			}
			if c == nil {
				return v.settleUnauthorized(ctx, tx, tenant, rec, &next)
			}
		} else {
			leg := next.Legs[next.Pending.Leg]
			a, creds, reason, err := v.legAdapter(tx, tk, tenant, leg, &next, false)
			if err != nil {
				return err
			}
			if reason != "" {
				return nil // the attempt cannot be repeated now; the resolver tries again later
			}
			c = &call{pending: next.Pending, leg: leg, adapter: a, creds: creds}
		}
		next.Revision++
		next.UpdatedAt = v.now().UTC()
		b, err := paymentTable.encode(&next)
		if err != nil {
			return err
		}
		c.rec, c.raw, c.job = &next, b, resolverJobID(id, 0)
		return paymentTable.writeEncoded(tx, tenant, rec, &next, b)
	})
	return c, err
}

// nextAttempt writes into next the attempt at its next usable leg, skipping
// (and recording) the legs that cannot be used now, and returns the call to
// make; nil when no leg is left.
func (v *Vault) nextAttempt(tx storage.Tx, tk *keys.TenantKeys, tenant string, next *paymentRecord) (*call, error) {
	next.Attempts = slices.Clone(next.Attempts)
	for next.Next < len(next.Legs) {
		leg := next.Legs[next.Next]
		a, creds, reason, err := v.legAdapter(tx, tk, tenant, leg, next, true)
		if err != nil {
			return nil, err
		}
		now := v.now().UTC()
		if reason != "" {
			next.Attempts = append(next.Attempts, PaymentAttempt{Operation: "authorize", Target: leg.ID, Outcome: "skipped",
				Decline: reason, StartedAt: now, FinishedAt: &now})
			next.Next++
			continue
		}
		next.Pending = &pendingOp{Op: "authorize", Leg: next.Next, Key: next.ID + "/authorize/" + strconv.Itoa(next.Next), Started: now}
		next.Next++
		return &call{pending: next.Pending, leg: leg, adapter: a, creds: creds, rec: next}, nil
	}
	return nil, nil
}

// settleUnauthorized ends a payment that no leg authorized (see
// markUnauthorized) and stores it.
func (v *Vault) settleUnauthorized(ctx context.Context, tx storage.Tx, tenant string, rec, next *paymentRecord) error {
	typ := v.markUnauthorized(next)
	if err := paymentTable.replace(tx, tenant, rec, next); err != nil {
		return err
	}
	return v.emitTx(ctx, tx, tenant, typ, paymentEventData(&next.Payment))
}

// markUnauthorized ends next, which no leg authorized: declined when the
// last answer was a decline, failed otherwise. It returns the event.
func (v *Vault) markUnauthorized(next *paymentRecord) string {
	next.Status, next.IntentOutcome = PaymentAuthorizationFailed, "failed"
	typ := EventPaymentFailed
	for i := len(next.Attempts) - 1; i >= 0; i-- {
		if a := next.Attempts[i]; a.Outcome == answerDeclined {
			next.Status, next.ErrorCode, typ = PaymentAuthorizationDeclined, a.Decline, EventPaymentDeclined
			break
		}
	}
	if next.ErrorCode == "" {
		next.ErrorCode = "no_connector_available"
		if n := len(next.Attempts); n > 0 && next.Attempts[n-1].Outcome == answerError {
			next.ErrorCode = "processing_error"
		}
	}
	next.Revision++
	next.UpdatedAt = v.now().UTC()
	return typ
}

// callAdapter makes one adapter call for c, within adapterTimeout.
func (v *Vault) callAdapter(ctx context.Context, c *call, card *gateway.Card) *answer {
	actx, cancel := context.WithTimeout(ctx, adapterTimeout)
	defer cancel()
	a := &answer{started: time.Now()}
	r := c.rec
	switch c.pending.Op {
	case "authorize":
		req := &gateway.AuthorizeRequest{Credentials: c.creds, Amount: r.Amount, Currency: r.Currency, Card: *card,
			Capture: r.Intent == IntentCapture, IdempotencyKey: c.pending.Key, MerchantInitiated: r.MerchantInitiated,
			Recurring: r.PaymentSource == SourceRecurring, PreviousNetworkTransactionID: r.PreviousSchemeTransactionID,
			Reference: r.ExternalIdentifier, Country: r.Country}
		a.res, a.err = c.adapter.Authorize(actx, req)
	case PaymentOpCapture:
		a.res, a.err = c.adapter.Capture(actx, &gateway.CaptureRequest{Credentials: c.creds, Reference: r.ConnectionTransactionID,
			Amount: c.pending.Amount, Currency: r.Currency, IdempotencyKey: c.pending.Key})
	case PaymentOpVoid:
		a.res, a.err = c.adapter.Void(actx, &gateway.VoidRequest{Credentials: c.creds, Reference: r.ConnectionTransactionID,
			IdempotencyKey: c.pending.Key})
	case PaymentOpRefund:
		reason := ""
		for _, rf := range r.Refunds {
			if rf.ID == c.pending.RefundID {
				reason = rf.Reason
			}
		}
		a.res, a.err = c.adapter.Refund(actx, &gateway.RefundRequest{Credentials: c.creds, Reference: r.ConnectionTransactionID,
			Amount: c.pending.Amount, Currency: r.Currency, Reason: reason, IdempotencyKey: c.pending.Key})
	}
	clear(c.creds)
	if a.err == nil && a.res == nil {
		a.err = errors.New("the adapter returned neither a result nor an error")
	}
	if a.err != nil && ctx.Err() == nil && actx.Err() != nil {
		a.err = errors.Join(gateway.ErrUnavailable, context.DeadlineExceeded)
	}
	a.elapsed = time.Since(a.started)
	return a
}

// recordAnswer applies an adapter's answer to the payment, if its attempt
// is still the pending one. It reports whether the payment needs another
// authorization attempt (a soft decline or a retryable error with legs
// left).
func (v *Vault) recordAnswer(ctx context.Context, op, tenant string, id string, c *call, a *answer) (again bool, stored *paymentRecord, err error) {
	now := v.now().UTC()
	// The answer is applied, and the result encoded, outside the store's
	// single writer, to the version this process wrote; the transaction
	// then only compares the stored bytes with those it wrote. Anything
	// else stored meanwhile (another process's resolver, say) is decoded
	// and answered inside.
	var pre *paymentRecord
	var preType string
	var preAgain bool
	var preBytes []byte
	if c.raw != nil {
		if pre, preType, preAgain = v.answered(c.rec, c, a, now); pre != nil {
			if preBytes, err = paymentTable.encode(pre); err != nil {
				return false, nil, err
			}
		}
	}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		raw, err := paymentTable.raw(tx, tenant, id)
		if err != nil {
			return err
		}
		rec, next, typ, b := c.rec, pre, preType, preBytes
		again = preAgain
		if b == nil || !bytes.Equal(raw, c.raw) {
			if rec, err = paymentTable.decode(raw); err != nil {
				return err
			}
			next, typ, again = v.answered(rec, c, a, now)
			if next == nil {
				stored = rec
				return nil // settled by another process (the resolver, say)
			}
			if b, err = paymentTable.encode(next); err != nil {
				return err
			}
		}
		stored = next
		if err := paymentTable.writeEncoded(tx, tenant, rec, next, b); err != nil {
			return err
		}
		if next.Pending == nil && !again && c.job != "" {
			if err := dropResolver(tx, tenant, c.job); err != nil {
				return err
			}
		}
		if typ == "" {
			return nil
		}
		return v.emitTx(ctx, tx, tenant, typ, paymentEventData(&next.Payment))
	})
	return again, stored, err
}

// answered applies the answer a to rec, the payment as stored, when c's
// attempt is still its pending one. It returns the payment's next version,
// the event to raise and whether to try the next leg; nil when the attempt
// was settled elsewhere. rec is not changed.
func (v *Vault) answered(rec *paymentRecord, c *call, a *answer, now time.Time) (next *paymentRecord, typ string, again bool) {
	if rec.Pending == nil || rec.Pending.Key != c.pending.Key {
		return nil, "", false
	}
	n := *rec
	n.Attempts = append(slices.Clone(rec.Attempts), attemptOf(c, a, now))
	n.Refunds = slices.Clone(rec.Refunds)
	n.Revision++
	if a.noAnswer() {
		return &n, "", false // the attempt stays pending, to repeat
	}
	n.Pending = nil
	n.UpdatedAt = now
	switch c.pending.Op {
	case "authorize":
		typ, again = v.applyAuthorization(&n, c, a, now)
	default:
		typ = v.applyFollowUp(&n, c, a, now)
	}
	if !again && n.Status == PaymentProcessing && n.Next >= len(n.Legs) {
		typ = v.markUnauthorized(&n)
	}
	return &n, typ, again
}

func attemptOf(c *call, a *answer, now time.Time) PaymentAttempt {
	at := PaymentAttempt{Operation: c.pending.Op, Target: c.leg.ID, Outcome: a.outcome(), StartedAt: a.started.UTC(),
		FinishedAt: &now, ElapsedMS: a.elapsed.Milliseconds()}
	if a.res != nil {
		at.Decline, at.Soft, at.Retryable = a.res.Decline, a.res.Soft, a.res.Retryable
	}
	if a.err != nil && !a.noAnswer() {
		at.Decline = gatewayErrorCode(a.err)
	}
	return at
}

// gatewayErrorCode names an adapter error by its sentinel, never its text.
func gatewayErrorCode(err error) string {
	switch {
	case errors.Is(err, gateway.ErrCredentials):
		return "invalid_credentials"
	case errors.Is(err, gateway.ErrNotFound):
		return "not_found"
	case errors.Is(err, gateway.ErrInvalid):
		return "invalid_request"
	}
	return "processing_error"
}

// applyAuthorization applies an authorization's answer to next and returns
// the event to raise and whether to try the next leg.
func (v *Vault) applyAuthorization(next *paymentRecord, c *call, a *answer, now time.Time) (string, bool) {
	if a.err != nil {
		// A refusal of this leg's credentials moves on, as a soft decline
		// does; a request the service finds invalid fails the payment.
		if errors.Is(a.err, gateway.ErrCredentials) && next.Next < len(next.Legs) {
			return "", true
		}
		next.Status, next.IntentOutcome, next.ErrorCode = PaymentAuthorizationFailed, "failed", gatewayErrorCode(a.err)
		return EventPaymentFailed, false
	}
	res := a.res
	switch res.Outcome {
	case gateway.OutcomeApproved:
		next.Status = paymentNext("authorize", next.Status, answerApproved, next.Intent == IntentCapture)
		next.IntentOutcome, next.ErrorCode = "succeeded", ""
		next.AuthorizedAmount = res.Amount
		if next.AuthorizedAmount == 0 {
			next.AuthorizedAmount = next.Amount
		}
		next.AuthorizedAt = &now
		if next.Intent != IntentCapture {
			expires := now.Add(7 * 24 * time.Hour)
			next.ApprovalExpiresAt = &expires
		}
		if next.Intent == IntentCapture {
			next.CapturedAmount, next.CapturedAt = next.AuthorizedAmount, &now
		}
		next.ConnectionTransactionID, next.SchemeTransactionID = res.Reference, res.NetworkTransactionID
		next.AuthResponseCode, next.CVVResponseCode = res.AuthCode, res.CVVResult
		next.Leg = c.pending.Leg
		next.Connection = &PaymentTarget{ID: c.leg.ID, Kind: c.leg.Kind}
		if next.Intent == IntentCapture {
			return EventPaymentCaptured, false
		}
		return EventPaymentAuthorized, false
	case gateway.OutcomePending:
		next.Status, next.IntentOutcome = PaymentBuyerApprovalPending, "pending"
		next.ConnectionTransactionID = res.Reference
		next.Leg = c.pending.Leg
		return "", false
	case gateway.OutcomeDeclined:
		next.ErrorCode = res.Decline
		if res.Soft && next.Next < len(next.Legs) {
			return "", true
		}
		next.Status, next.IntentOutcome = PaymentAuthorizationDeclined, "failed"
		return EventPaymentDeclined, false
	}
	next.ErrorCode = "processing_error"
	if res.Retryable && next.Next < len(next.Legs) {
		return "", true
	}
	next.Status, next.IntentOutcome = PaymentAuthorizationFailed, "failed"
	return EventPaymentFailed, false
}

// applyFollowUp applies the answer to a capture, void or refund.
func (v *Vault) applyFollowUp(next *paymentRecord, c *call, a *answer, now time.Time) string {
	op := c.pending.Op
	approved := a.err == nil && a.res.Outcome == gateway.OutcomeApproved
	pending := a.err == nil && a.res.Outcome == gateway.OutcomePending
	if op == PaymentOpRefund {
		for i := range next.Refunds {
			rf := &next.Refunds[i]
			if rf.ID != c.pending.RefundID {
				continue
			}
			rf.UpdatedAt = now
			switch {
			case approved:
				rf.Status, rf.Reference = RefundSucceeded, a.res.Reference
				next.RefundedAmount += c.pending.Amount
			case pending:
				rf.Status, rf.Reference = RefundProcessing, a.res.Reference
			case a.err == nil && a.res.Outcome == gateway.OutcomeDeclined:
				rf.Status = RefundDeclined
			default:
				rf.Status = RefundFailed
			}
		}
		if approved {
			return EventPaymentRefunded
		}
		return ""
	}
	answerName := answerError
	switch {
	case approved:
		answerName = answerApproved
	case pending:
		answerName = answerPending
	case a.err == nil && a.res.Outcome == gateway.OutcomeDeclined:
		answerName = answerDeclined
	}
	next.Status = paymentNext(op, next.Status, answerName, false)
	if !approved {
		if a.err != nil {
			next.ErrorCode = gatewayErrorCode(a.err)
		} else if a.res.Decline != "" {
			next.ErrorCode = a.res.Decline
		}
		return ""
	}
	next.ApprovalExpiresAt = nil // settled: nothing lapses any more
	switch op {
	case PaymentOpCapture:
		next.CapturedAmount += c.pending.Amount
		next.CapturedAt = &now
		return EventPaymentCaptured
	case PaymentOpVoid:
		next.VoidedAt = &now
		return EventPaymentVoided
	}
	return ""
}

// advancePayment runs a payment's authorization attempts until it settles
// or an attempt gets no answer, and returns the payment.
func (v *Vault) advancePayment(ctx context.Context, op, tenant string, tk *keys.TenantKeys, id string, card *gateway.Card, first *call) (*Payment, error) {
	var last *paymentRecord
	for c := first; ; c = nil {
		if c == nil {
			var err error
			if c, err = v.startAuthorization(ctx, op, tenant, tk, id); err != nil {
				return nil, err
			}
		}
		if c == nil {
			break
		}
		a := v.callAdapter(ctx, c, card)
		again, stored, err := v.recordAnswer(ctx, op, tenant, id, c, a)
		if err != nil {
			return nil, err
		}
		last = stored
		if a.noAnswer() || !again {
			break
		}
	}
	v.jobs.signal()
	if last != nil {
		return last.public(), nil
	}
	return v.readPayment(ctx, op, tenant, id)
}

func (v *Vault) readPayment(ctx context.Context, op, tenant, id string) (*Payment, error) {
	var rec *paymentRecord
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		rec, err = getPayment(tx, op, tenant, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec.public(), nil
}

func getPayment(tx storage.Tx, op, tenant, id string) (*paymentRecord, error) {
	rec, err := paymentTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "payment not found")
	}
	return rec, err
}

// GetPayment returns a payment with its attempts and refunds. The caller
// needs orchestration:transactions:read. Errors: KindNotFound,
// KindForbidden.
func (v *Vault) GetPayment(ctx context.Context, id string) (*Payment, error) {
	const op = "GetPayment"
	p := v.principal(ctx)
	if err := p.require(op, PermPaymentRead); err != nil {
		return nil, err
	}
	return v.readPayment(ctx, op, p.TenantID, id)
}

// startFollowUp writes a capture, void or refund attempt of a payment.
func (v *Vault) startFollowUp(ctx context.Context, op, tenant string, tk *keys.TenantKeys, id, opName string, amount int64, reason string) (*call, string, error) {
	var c *call
	var refundID string
	err := v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getPayment(tx, op, tenant, id)
		if err != nil {
			return err
		}
		if rec.Pending != nil {
			return newError(KindConflict, op, "the payment has an operation in progress: try again")
		}
		take, err := allowPayment(opName, rec.Status, paymentAmounts{rec.AuthorizedAmount, rec.CapturedAmount, rec.RefundedAmount}, amount)
		if err != nil {
			return underPath(op, "", err)
		}
		next := *rec
		now := v.now().UTC()
		if opName == PaymentOpRefund {
			if len(rec.Refunds) >= maxPaymentRefunds {
				return newError(KindConflict, op, "the payment has %d refunds, the most it may have", maxPaymentRefunds)
			}
			refundID = uuid.NewString()
			next.Refunds = append(slices.Clone(rec.Refunds), Refund{Type: "refund", ID: refundID, TransactionID: id, Amount: take,
				Currency: rec.Currency, Status: RefundProcessing, Reason: reason, CreatedAt: now, UpdatedAt: now})
		}
		leg := rec.Legs[rec.Leg]
		a, creds, reason, err := v.legAdapter(tx, tk, tenant, leg, rec, false)
		if err != nil {
			return err
		}
		if reason != "" {
			return newError(KindConflict, op, "%s", reason)
		}
		next.Pending = &pendingOp{Op: opName, Leg: rec.Leg, Key: id + "/" + opName + "/" + strconv.Itoa(len(rec.Attempts)),
			Amount: take, RefundID: refundID, Started: now}
		next.Revision++
		next.UpdatedAt = now
		b, err := paymentTable.encode(&next)
		if err != nil {
			return err
		}
		c = &call{pending: next.Pending, leg: leg, adapter: a, creds: creds, rec: &next, raw: b, job: resolverJobID(id, next.Revision)}
		if err := paymentTable.writeEncoded(tx, tenant, rec, &next, b); err != nil {
			return err
		}
		return v.queueResolver(tx, tk, tenant, id, next.Revision)
	})
	return c, refundID, err
}

// followUp runs one capture, void or refund.
func (v *Vault) followUp(ctx context.Context, op, perm, id, opName string, amount int64, reason string) (*Payment, string, error) {
	p := v.principal(ctx)
	if err := p.require(op, perm); err != nil {
		return nil, "", err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, "", wrapErr(op, err)
	}
	c, refundID, err := v.startFollowUp(ctx, op, p.TenantID, tk, id, opName, amount, reason)
	if err != nil {
		return nil, "", err
	}
	a := v.callAdapter(ctx, c, nil)
	_, stored, err := v.recordAnswer(ctx, op, p.TenantID, id, c, a)
	if err != nil {
		return nil, "", err
	}
	v.jobs.signal()
	return stored.public(), refundID, nil
}

// CapturePayment captures an authorized payment: amount (0: all of it) at
// most the authorized amount, once. The caller needs
// orchestration:transactions:update or orchestration:transaction:capture. Errors: KindConflict for a payment
// whose status does not allow it or that has an operation in progress,
// KindInvalid at "amount", KindNotFound, KindForbidden. A decline leaves
// the payment authorized, with error_code set.
func (v *Vault) CapturePayment(ctx context.Context, id string, amount int64) (*Payment, error) {
	perm := PermPaymentUpdate
	if p := v.principal(ctx); p.can(PermPaymentCapture) {
		perm = PermPaymentCapture // the reference's own capture permission
	}
	pay, _, err := v.followUp(ctx, "CapturePayment", perm, id, PaymentOpCapture, amount, "")
	return pay, err
}

// VoidPayment cancels an authorized payment that was not captured. The
// caller needs orchestration:transactions:update. Errors: those of
// [Vault.CapturePayment].
func (v *Vault) VoidPayment(ctx context.Context, id string) (*Payment, error) {
	pay, _, err := v.followUp(ctx, "VoidPayment", PermPaymentUpdate, id, PaymentOpVoid, 0, "")
	return pay, err
}

// RefundPaymentRequest refunds Amount (0: all that is left) of a captured
// payment.
type RefundPaymentRequest struct {
	Amount int64  `json:"amount,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// RefundPayment refunds a captured payment, partly or in full, several
// times up to the captured amount, and returns the refund. The caller
// needs orchestration:transactions:update. Errors: those of
// [Vault.CapturePayment].
func (v *Vault) RefundPayment(ctx context.Context, id string, req RefundPaymentRequest) (*Refund, error) {
	if len(req.Reason) > 200 || strings.ContainsFunc(req.Reason, func(r rune) bool { return r < ' ' }) {
		return nil, invalidField("RefundPayment", "reason", "must be at most 200 characters without control characters")
	}
	pay, refundID, err := v.followUp(ctx, "RefundPayment", PermPaymentUpdate, id, PaymentOpRefund, req.Amount, req.Reason)
	if err != nil {
		return nil, err
	}
	for _, rf := range pay.Refunds {
		if rf.ID == refundID {
			return &rf, nil
		}
	}
	return nil, newError(KindInternal, "RefundPayment", "the refund was not recorded")
}

// GetRefund returns a refund by its id alone. The caller needs
// orchestration:transactions:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetRefund(ctx context.Context, id string) (*Refund, error) {
	const op = "GetRefund"
	p := v.principal(ctx)
	if err := p.require(op, PermPaymentRead); err != nil {
		return nil, err
	}
	if id == "" || len(id) > maxIDBytes {
		return nil, newError(KindNotFound, op, "refund not found") // no refund has such an id
	}
	var out *Refund
	err := v.view(ctx, op, func(tx storage.Tx) error {
		paymentID, err := paymentByRefund.lookup(tx, p.TenantID, keyenc.AppendString(nil, id))
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "refund not found")
		}
		if err != nil {
			return err
		}
		rec, err := getPayment(tx, op, p.TenantID, paymentID)
		if err != nil {
			return err
		}
		for _, rf := range rec.Refunds {
			if rf.ID == id {
				out = &rf
				return nil
			}
		}
		return newError(KindNotFound, op, "refund not found")
	})
	return out, err
}

// paymentJobs is the job queue's kind that settles payments whose attempt
// this process did not: repeated with the attempt's key.
func (v *Vault) paymentJobs() *jobKind {
	return &jobKind{name: paymentQueueKind, workers: 4, attempts: paymentAttempts, run: v.resolvePayment}
}

// errNotSettled fails a resolver attempt whose payment is still in flight
// (an attempt too recent to repeat, or one that got no answer again): the
// job is retried with backoff.
var errNotSettled = errors.New("the payment is not settled yet")

// resolvePayment settles the payment a resolver job names: it repeats the
// pending attempt (authorization, capture, void or refund) with its key, or
// goes on with the next authorization leg, as the host.
func (v *Vault) resolvePayment(ctx context.Context, j *runningJob) (func(tx storage.Tx) error, error) {
	const op = "ResolvePayment"
	id, _, _ := strings.Cut(j.id, "/")
	var rec *paymentRecord
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		rec, err = paymentTable.get(tx, j.tenant, id)
		return err
	})
	if errors.Is(err, errRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.Pending == nil && rec.Status != PaymentProcessing {
		return nil, nil // settled
	}
	if rec.Pending != nil && v.now().Sub(rec.Pending.Started) < resolveAfter {
		return nil, errNotSettled // its process may still be waiting for the answer
	}
	tk, err := v.keys.Tenant(ctx, j.tenant)
	if err != nil {
		return nil, err
	}
	if rec.Pending == nil || rec.Pending.Op == "authorize" {
		card, _, err := v.paymentCard(ctx, op, nil, j.tenant, tk, rec.Token)
		if err != nil {
			return nil, err
		}
		pay, err := v.advancePayment(ctx, op, j.tenant, tk, id, &card, nil)
		clearCard(&card)
		if err != nil {
			return nil, err
		}
		if pay.Status == PaymentProcessing {
			return nil, errNotSettled
		}
		return nil, nil
	}
	var c *call
	err = v.view(ctx, op, func(tx storage.Tx) error {
		leg := rec.Legs[rec.Pending.Leg]
		a, creds, reason, err := v.legAdapter(tx, tk, j.tenant, leg, rec, false)
		if err != nil || reason != "" {
			return err
		}
		c = &call{pending: rec.Pending, leg: leg, adapter: a, creds: creds, rec: rec}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errNotSettled
	}
	a := v.callAdapter(ctx, c, nil)
	if _, _, err := v.recordAnswer(ctx, op, j.tenant, id, c, a); err != nil {
		return nil, err
	}
	if a.noAnswer() {
		return nil, errNotSettled
	}
	return nil, nil
}

// ListPaymentsRequest lists payments by offset page (1-based), newest
// first, optionally only those of one status or external identifier.
type ListPaymentsRequest struct {
	Status             string `json:"status,omitempty"`
	ExternalIdentifier string `json:"external_identifier,omitempty"`
	Page               int    `json:"page,omitempty"`
	Size               int    `json:"size,omitempty"`
}

// ListPayments returns one offset page of the tenant's payments, newest
// first. The caller needs orchestration:transactions:read. Errors:
// KindInvalid for a bad page or size.
func (v *Vault) ListPayments(ctx context.Context, req ListPaymentsRequest) (*Page[*Payment], error) {
	const op = "ListPayments"
	p := v.principal(ctx)
	if err := p.require(op, PermPaymentRead); err != nil {
		return nil, err
	}
	if err := checkOffsetPage(op, req.Page, req.Size); err != nil {
		return nil, err
	}
	var all []*Payment
	err := v.view(ctx, op, func(tx storage.Tx) error {
		all = nil
		return paymentTable.scan(tx, p.TenantID, "", false, func(r *paymentRecord) error {
			if (req.Status == "" || r.Status == req.Status) && (req.ExternalIdentifier == "" || r.ExternalIdentifier == req.ExternalIdentifier) {
				all = append(all, r.public())
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *Payment) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return offsetPage(all, req.Page, req.Size), nil
}

// AllPayments walks every page of ListPayments.
func (v *Vault) AllPayments(ctx context.Context, req ListPaymentsRequest) iter.Seq2[*Payment, error] {
	return allPages(req.Page, func(page int) (*Page[*Payment], error) {
		r := req
		r.Page = page
		return v.ListPayments(ctx, r)
	})
}
