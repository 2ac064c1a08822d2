package vault

import (
	"errors"
	"testing"
)

// TestPaymentStateMachine enumerates every (status, operation) pair with
// its expected outcome, on a payment authorized for 1000, and checks that
// the table covers every pair.
func TestPaymentStateMachine(t *testing.T) {
	const ok, conflict, invalid = "ok", "conflict", "invalid"
	a := paymentAmounts{authorized: 1000}
	captured := paymentAmounts{authorized: 1000, captured: 600, refunded: 100}
	full := paymentAmounts{authorized: 1000, captured: 600, refunded: 600}
	type want struct {
		result string
		amount int64 // taken, when ok
	}
	cases := []struct {
		status, op string
		a          paymentAmounts
		amount     int64
		want       want
	}{
		{PaymentProcessing, PaymentOpCapture, a, 0, want{conflict, 0}},
		{PaymentProcessing, PaymentOpVoid, a, 0, want{conflict, 0}},
		{PaymentProcessing, PaymentOpRefund, a, 0, want{conflict, 0}},
		{PaymentBuyerApprovalPending, PaymentOpCapture, a, 0, want{conflict, 0}},
		{PaymentBuyerApprovalPending, PaymentOpVoid, a, 0, want{conflict, 0}},
		{PaymentBuyerApprovalPending, PaymentOpRefund, a, 0, want{conflict, 0}},
		{PaymentAuthorizationSucceed, PaymentOpCapture, a, 0, want{ok, 1000}},
		{PaymentAuthorizationSucceed, PaymentOpVoid, a, 0, want{ok, 0}},
		{PaymentAuthorizationSucceed, PaymentOpRefund, a, 0, want{conflict, 0}},
		{PaymentAuthorizationFailed, PaymentOpCapture, a, 0, want{conflict, 0}},
		{PaymentAuthorizationFailed, PaymentOpVoid, a, 0, want{conflict, 0}},
		{PaymentAuthorizationFailed, PaymentOpRefund, a, 0, want{conflict, 0}},
		{PaymentAuthorizationDeclined, PaymentOpCapture, a, 0, want{conflict, 0}},
		{PaymentAuthorizationDeclined, PaymentOpVoid, a, 0, want{conflict, 0}},
		{PaymentAuthorizationDeclined, PaymentOpRefund, a, 0, want{conflict, 0}},
		{PaymentCapturePending, PaymentOpCapture, a, 0, want{conflict, 0}},
		{PaymentCapturePending, PaymentOpVoid, a, 0, want{conflict, 0}},
		{PaymentCapturePending, PaymentOpRefund, a, 0, want{conflict, 0}},
		{PaymentCaptureSucceeded, PaymentOpCapture, captured, 0, want{conflict, 0}},
		{PaymentCaptureSucceeded, PaymentOpVoid, captured, 0, want{conflict, 0}},
		{PaymentCaptureSucceeded, PaymentOpRefund, captured, 0, want{ok, 500}},
		{PaymentVoidPending, PaymentOpCapture, a, 0, want{conflict, 0}},
		{PaymentVoidPending, PaymentOpVoid, a, 0, want{conflict, 0}},
		{PaymentVoidPending, PaymentOpRefund, a, 0, want{conflict, 0}},
		{PaymentVoided, PaymentOpCapture, a, 0, want{conflict, 0}},
		{PaymentVoided, PaymentOpVoid, a, 0, want{conflict, 0}},
		{PaymentVoided, PaymentOpRefund, a, 0, want{conflict, 0}},
		// Amounts.
		{PaymentAuthorizationSucceed, PaymentOpCapture, a, 400, want{ok, 400}},
		{PaymentAuthorizationSucceed, PaymentOpCapture, a, 1000, want{ok, 1000}},
		{PaymentAuthorizationSucceed, PaymentOpCapture, a, 1001, want{invalid, 0}},
		{PaymentAuthorizationSucceed, PaymentOpCapture, a, -1, want{invalid, 0}},
		{PaymentCaptureSucceeded, PaymentOpRefund, captured, 500, want{ok, 500}},
		{PaymentCaptureSucceeded, PaymentOpRefund, captured, 501, want{invalid, 0}},
		{PaymentCaptureSucceeded, PaymentOpRefund, captured, 1, want{ok, 1}},
		{PaymentCaptureSucceeded, PaymentOpRefund, full, 0, want{conflict, 0}},
		{PaymentCaptureSucceeded, PaymentOpRefund, full, 1, want{conflict, 0}},
		{PaymentAuthorizationSucceed, "settle", a, 0, want{invalid, 0}},
	}
	covered := map[[2]string]bool{}
	for _, tc := range cases {
		covered[[2]string{tc.status, tc.op}] = true
		got, err := allowPayment(tc.op, tc.status, tc.a, tc.amount)
		result := ok
		if e, isErr := errors.AsType[*Error](err); isErr {
			switch e.Kind {
			case KindConflict:
				result = conflict
			case KindInvalid:
				result = invalid
			default:
				t.Errorf("%s %s: error of kind %s", tc.status, tc.op, e.Kind)
			}
		} else if err != nil {
			t.Errorf("%s %s: %v is not a *vault.Error", tc.status, tc.op, err)
		}
		if result != tc.want.result || result == ok && got != tc.want.amount {
			t.Errorf("%s %s %d: got %s %d, want %s %d (%v)", tc.status, tc.op, tc.amount, result, got, tc.want.result, tc.want.amount, err)
		}
	}
	for _, s := range PaymentStatuses {
		for _, op := range PaymentOps {
			if !covered[[2]string{s, op}] {
				t.Errorf("the table lacks (%s, %s)", s, op)
			}
		}
	}
}

// TestPaymentNext checks the status every answer to every operation leads
// to, and that the final statuses are the ones nothing moves.
func TestPaymentNext(t *testing.T) {
	cases := []struct {
		op, status, answer string
		capture            bool
		want               string
	}{
		{"authorize", PaymentProcessing, answerApproved, false, PaymentAuthorizationSucceed},
		{"authorize", PaymentProcessing, answerApproved, true, PaymentCaptureSucceeded},
		{"authorize", PaymentProcessing, answerPending, false, PaymentBuyerApprovalPending},
		{"authorize", PaymentProcessing, answerDeclined, false, PaymentAuthorizationDeclined},
		{"authorize", PaymentProcessing, answerError, false, PaymentAuthorizationFailed},
		{PaymentOpCapture, PaymentAuthorizationSucceed, answerApproved, false, PaymentCaptureSucceeded},
		{PaymentOpCapture, PaymentAuthorizationSucceed, answerPending, false, PaymentCapturePending},
		{PaymentOpCapture, PaymentAuthorizationSucceed, answerDeclined, false, PaymentAuthorizationSucceed},
		{PaymentOpCapture, PaymentAuthorizationSucceed, answerError, false, PaymentAuthorizationSucceed},
		{PaymentOpVoid, PaymentAuthorizationSucceed, answerApproved, false, PaymentVoided},
		{PaymentOpVoid, PaymentAuthorizationSucceed, answerPending, false, PaymentVoidPending},
		{PaymentOpVoid, PaymentAuthorizationSucceed, answerError, false, PaymentAuthorizationSucceed},
		{PaymentOpRefund, PaymentCaptureSucceeded, answerApproved, false, PaymentCaptureSucceeded},
		{PaymentOpRefund, PaymentCaptureSucceeded, answerDeclined, false, PaymentCaptureSucceeded},
	}
	for _, tc := range cases {
		if got := paymentNext(tc.op, tc.status, tc.answer, tc.capture); got != tc.want {
			t.Errorf("%s from %s answered %s: %s, want %s", tc.op, tc.status, tc.answer, got, tc.want)
		}
	}
	for _, s := range PaymentStatuses {
		final := paymentFinal(s)
		for _, op := range []string{PaymentOpCapture, PaymentOpVoid} {
			if _, err := allowPayment(op, s, paymentAmounts{authorized: 10}, 0); final && err == nil {
				t.Errorf("%s is final but allows %s", s, op)
			}
		}
	}
}
