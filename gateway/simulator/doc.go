// Package simulator is a deterministic, in-memory payment gateway: a
// [gateway.Adapter] whose answers are chosen by documented test cards and
// amounts, so the vault's orchestration, routing and retries can be tested
// without a network. It backs the "mock-card" connection formula. A
// [Simulator] is safe for concurrent use.
//
// # Credentials
//
// The connection has two fields: "merchant_id" (optional, any value) and
// "api_key" (required, secret). An api_key works when it is "sim_" followed
// by at least 8 characters, such as [TestAPIKey]; anything else is refused
// with an error wrapping [gateway.ErrCredentials], by VerifyCredentials and
// by every other call.
//
// # Test cards
//
// Any other Luhn-valid number of 12 to 19 digits is approved, unless its
// expiry or the amount says otherwise.
//
//	Number            Constant                Authorize answers
//	4111111111111111  CardApproved            approved
//	5555555555554444  CardApprovedMastercard  approved
//	4000000000000002  CardDeclined            declined, hard, card_declined
//	4000000000009995  CardInsufficientFunds   declined, soft, insufficient_funds
//	4000000000000101  CardDoNotHonor          declined, soft, do_not_honor
//	4000000000000127  CardIncorrectCVC        declined, hard, incorrect_cvc (CVV no_match)
//	4000000000000069  CardExpired             declined, hard, expired_card
//	4000000000009987  CardLostOrStolen        declined, hard, lost_or_stolen
//	4100000000000019  CardFraudulent          declined, hard, fraudulent
//	4000000000000119  CardProcessingError     error, Retryable, processing_error
//	4000000000000077  CardPending             pending (cannot be captured or voided)
//	4000000000000044  CardTimeout             no answer: see Timeouts
//
// A card whose expiry (by the clock, [WithClock]) has passed is declined
// with expired_card whatever its number.
//
// # Test amounts
//
// An authorization's amount, in minor units, triggers an answer on any card
// that would otherwise be approved, by its last two digits:
//
//	Amount ends in  Constant                  Authorize answers
//	51              AmountInsufficientFunds   declined, soft, insufficient_funds
//	05              AmountDoNotHonor          declined, soft, do_not_honor
//	02              AmountDeclined            declined, hard, card_declined
//	19              AmountProcessingError     error, Retryable, processing_error
//
// so 1051 and 51 answer insufficient funds, and 1000 is approved.
//
// # Approvals
//
// An approval has an AuthCode of 6 digits derived from the idempotency key
// (the same key gives the same code), a Reference "sim_" followed by a
// unique id, a NetworkTransactionID (the previous one, for a
// merchant-initiated payment that names it), AVSResult unavailable, and
// CVVResult match when a CVC was given, not_provided otherwise.
//
// # Payments
//
// An authorization can be captured once, in full or in part (an amount up
// to the authorized one), or voided while not captured; a captured payment
// can be refunded in parts up to the captured amount. Authorize with
// Capture set captures at once. Anything else (a capture after a void or a
// second capture, a void after a capture, a refund over what remains, a
// capture over the authorized amount, a capture of a declined or pending
// payment, a currency other than the payment's) is an error wrapping
// [gateway.ErrInvalid]; a reference the simulator did not issue is
// [gateway.ErrNotFound]. Capture and Refund take an amount more than 0: the
// caller resolves "the whole amount".
//
// Requests are validated first: an amount of 0 or less, a currency that is
// not three upper-case letters or is not supported, a card number that is
// not 12 to 19 digits or fails the Luhn check, an expiry month outside 1 to
// 12, or a CVC that is not 3 or 4 digits is an error wrapping
// [gateway.ErrInvalid]. No error or Result holds a card number, CVC or
// credential.
//
// # Idempotency
//
// Every answer is recorded in a ledger under its request's idempotency key.
// The same key with the same request returns the recorded Result and moves
// nothing; the same key with a different request (or another operation) is
// an error wrapping [gateway.ErrInvalid]. Errors are not recorded: a request
// refused as invalid may be retried with its key once the cause is gone. A
// request without a key is never deduplicated. [Simulator.Calls] counts the
// answers that took effect, per operation, and [Simulator.Replays] those
// served from the ledger, so a test can assert "captured once".
//
// # Timeouts
//
// [CardTimeout] is authorized (and recorded under the key) but the answer
// is lost: Authorize waits for the context or for the delay of [WithTimeout]
// (5s by default), whichever ends first, and returns an error wrapping
// [gateway.ErrUnavailable] (and the context's error, if it ended first).
// Retrying with the same idempotency key returns the recorded approval, as
// a real gateway resolves an unknown outcome. [WithLatency] delays every
// call, honouring the context.
package simulator
