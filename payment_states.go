package vault

// The state machine of a payment transaction (reference section 10,
// "Payment transactions"), as pure functions the payments engine applies:
// which operation each status allows, with which amounts, and the status
// an adapter's answer leads to. It reads nothing but its arguments.

// Payment transaction statuses (reference section 10).
const (
	PaymentProcessing            = "processing"
	PaymentBuyerApprovalPending  = "buyer_approval_pending"
	PaymentAuthorizationSucceed  = "authorization_succeeded"
	PaymentAuthorizationFailed   = "authorization_failed"
	PaymentAuthorizationDeclined = "authorization_declined"
	PaymentCapturePending        = "capture_pending"
	PaymentCaptureSucceeded      = "capture_succeeded"
	PaymentVoidPending           = "authorization_void_pending"
	PaymentVoided                = "authorization_voided"
)

// PaymentStatuses lists every payment status.
var PaymentStatuses = []string{PaymentProcessing, PaymentBuyerApprovalPending, PaymentAuthorizationSucceed, PaymentAuthorizationFailed,
	PaymentAuthorizationDeclined, PaymentCapturePending, PaymentCaptureSucceeded, PaymentVoidPending, PaymentVoided}

// Payment operations on an existing payment.
const (
	PaymentOpCapture = "capture"
	PaymentOpVoid    = "void"
	PaymentOpRefund  = "refund"
)

// PaymentOps lists the operations on an existing payment.
var PaymentOps = []string{PaymentOpCapture, PaymentOpVoid, PaymentOpRefund}

// paymentAmounts are a payment's amounts, in minor units.
type paymentAmounts struct {
	authorized, captured, refunded int64
}

// paymentFinal reports whether a status is final: nothing moves it again
// but a refund of a captured payment, which keeps its status.
func paymentFinal(status string) bool {
	switch status {
	case PaymentAuthorizationFailed, PaymentAuthorizationDeclined, PaymentVoided, PaymentCaptureSucceeded:
		return true
	}
	return false
}

// allowPayment decides whether op with amount (0: all that is left) may run
// on a payment in status with amounts a, and returns the amount it takes.
// A refused operation is KindConflict (the payment's state forbids it) or
// KindInvalid at "amount" (more than the state allows); the detail names
// the status, never an amount.
func allowPayment(op, status string, a paymentAmounts, amount int64) (int64, error) {
	if amount < 0 {
		return 0, invalidField(op, "amount", "must be more than 0")
	}
	conflict := func(why string) (int64, error) {
		return 0, newError(KindConflict, op, "a payment that is %s cannot be %s: %s", status, pastTense(op), why)
	}
	switch op {
	case PaymentOpCapture:
		switch status {
		case PaymentAuthorizationSucceed:
		case PaymentCapturePending:
			return conflict("its capture is in progress")
		case PaymentCaptureSucceeded:
			return conflict("it is captured already")
		default:
			return conflict("only an authorized payment can be")
		}
		left := a.authorized - a.captured
		if amount == 0 {
			amount = left
		}
		if amount > left {
			return 0, invalidField(op, "amount", "must be at most the authorized amount")
		}
		return amount, nil
	case PaymentOpVoid:
		switch status {
		case PaymentAuthorizationSucceed:
			return 0, nil
		case PaymentVoidPending:
			return conflict("its void is in progress")
		case PaymentVoided:
			return conflict("it is voided already")
		case PaymentCapturePending, PaymentCaptureSucceeded:
			return conflict("it is captured: refund it instead")
		}
		return conflict("only an authorized payment can be")
	case PaymentOpRefund:
		if status != PaymentCaptureSucceeded {
			return conflict("only a captured payment can be")
		}
		left := a.captured - a.refunded
		if left == 0 {
			return conflict("it is refunded in full already")
		}
		if amount == 0 {
			amount = left
		}
		if amount > left {
			return 0, invalidField(op, "amount", "must be at most the captured amount not yet refunded")
		}
		return amount, nil
	}
	return 0, newError(KindInvalid, op, "unknown payment operation")
}

func pastTense(op string) string {
	switch op {
	case PaymentOpCapture:
		return "captured"
	case PaymentOpVoid:
		return "voided"
	case PaymentOpRefund:
		return "refunded"
	}
	return op
}

// Outcomes of an adapter's answer, for paymentNext.
const (
	answerApproved = "approved"
	answerDeclined = "declined"
	answerPending  = "pending"
	answerError    = "error"
)

// paymentNext is the status a payment moves to when the adapter answers an
// operation (authorize, with capture when intentCapture; capture; void):
// approved moves it on, pending to the operation's pending status, and a
// decline or an error of an authorization ends it (authorization_declined,
// authorization_failed) while one of a capture or void leaves it as it was
// (the operation may be tried again). Refunds keep the payment's status.
func paymentNext(op, status, answer string, intentCapture bool) string {
	switch op {
	case "authorize":
		switch answer {
		case answerApproved:
			if intentCapture {
				return PaymentCaptureSucceeded
			}
			return PaymentAuthorizationSucceed
		case answerPending:
			return PaymentBuyerApprovalPending
		case answerDeclined:
			return PaymentAuthorizationDeclined
		}
		return PaymentAuthorizationFailed
	case PaymentOpCapture:
		switch answer {
		case answerApproved:
			return PaymentCaptureSucceeded
		case answerPending:
			return PaymentCapturePending
		}
	case PaymentOpVoid:
		switch answer {
		case answerApproved:
			return PaymentVoided
		case answerPending:
			return PaymentVoidPending
		}
	}
	return status
}
