package httpapi

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/tokenvault/vault"
)

// Payment transactions (reference §10): authorize, capture, void and
// refund over connections and connectors. The card is read from its token
// by the vault, with the caller's rights; no route takes or returns card
// data beyond the payment method's brand, BIN and last four digits.

// Refund pages: the reference's second pagination shape.
const (
	defaultRefundPage = 20
	maxRefundPage     = 100
)

// createPayment serves POST /orchestration/transactions: 201 with the
// payment, whatever its outcome (a decline is a payment, not an error).
func (h *handler) createPayment(c *call) (int, any, error) {
	var req vault.CreatePaymentRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	p, err := h.v.CreatePayment(c.ctx, req)
	return http.StatusCreated, p, err
}

// getPayment serves GET /orchestration/transactions/{id}.
func (h *handler) getPayment(c *call) (int, any, error) {
	p, err := h.v.GetPayment(c.ctx, c.id("id"))
	return http.StatusOK, p, err
}

// amountBody is the optional body of a capture: {"amount": n}.
type amountBody struct {
	Amount *int64 `json:"amount"`
}

// optionalBody decodes a body that may be absent (or empty) into dst.
func (c *call) optionalBody(dst any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	return c.decode(dst)
}

// amountOf returns an optional amount: absent or null is 0 (all that is
// left, for the vault), a given one must be more than 0.
func amountOf(a *int64) (int64, error) {
	if a == nil {
		return 0, nil
	}
	if *a <= 0 {
		return 0, fieldError("amount", "must be more than 0 (minor units); leave it out for the whole amount")
	}
	return *a, nil
}

// capturePayment serves POST /orchestration/transactions/{id}/capture
// {"amount"?}: 200 with the payment.
func (h *handler) capturePayment(c *call) (int, any, error) {
	var body amountBody
	if err := c.optionalBody(&body); err != nil {
		return 0, nil, err
	}
	amount, err := amountOf(body.Amount)
	if err != nil {
		return 0, nil, err
	}
	p, err := h.v.CapturePayment(c.ctx, c.id("id"), amount)
	return http.StatusOK, p, err
}

// voidPayment serves POST /orchestration/transactions/{id}/void: no body
// needed (one given is ignored), 200 with the payment.
func (h *handler) voidPayment(c *call) (int, any, error) {
	p, err := h.v.VoidPayment(c.ctx, c.id("id"))
	return http.StatusOK, p, err
}

// refundBody is the optional body of a refund.
type refundBody struct {
	Amount *int64 `json:"amount"`
	Reason string `json:"reason"`
}

// refundPayment serves POST /orchestration/transactions/{id}/refunds
// {"amount"?, "reason"?}: 201 with the refund.
func (h *handler) refundPayment(c *call) (int, any, error) {
	var body refundBody
	if err := c.optionalBody(&body); err != nil {
		return 0, nil, err
	}
	amount, err := amountOf(body.Amount)
	if err != nil {
		return 0, nil, err
	}
	r, err := h.v.RefundPayment(c.ctx, c.id("id"), vault.RefundPaymentRequest{Amount: amount, Reason: body.Reason})
	return http.StatusCreated, r, err
}

// refundPage is the reference's other pagination shape:
// {"pagination": {"limit", "next_cursor", "previous_cursor"}, "data"}.
type refundPage struct {
	Pagination refundPagination `json:"pagination"`
	Data       []vault.Refund   `json:"data"`
}

type refundPagination struct {
	Limit          int     `json:"limit"`
	NextCursor     *string `json:"next_cursor"`
	PreviousCursor *string `json:"previous_cursor"`
}

// listRefunds serves GET /orchestration/transactions/{id}/refunds: the
// payment's refunds in the order they were made, limit (1 to 100, default
// 20) at a time from cursor.
func (h *handler) listRefunds(c *call) (int, any, error) {
	q := c.r.URL.Query()
	limit, err := intParam(q, "limit", defaultRefundPage)
	if err != nil {
		return 0, nil, err
	}
	if limit < 1 || limit > maxRefundPage {
		return 0, nil, fieldError("limit", "must be between 1 and "+strconv.Itoa(maxRefundPage))
	}
	cursor, err := single(q, "cursor")
	if err != nil {
		return 0, nil, err
	}
	p, err := h.v.GetPayment(c.ctx, c.id("id"))
	if err != nil {
		return 0, nil, err
	}
	start := 0
	if cursor != "" {
		if start, err = decodeRefundCursor(cursor, len(p.Refunds)); err != nil {
			return 0, nil, err
		}
	}
	end := min(start+limit, len(p.Refunds))
	page := refundPage{Pagination: refundPagination{Limit: limit}, Data: append([]vault.Refund{}, p.Refunds[start:end]...)}
	if end < len(p.Refunds) {
		page.Pagination.NextCursor = refundCursor(end)
	}
	if start > 0 {
		page.Pagination.PreviousCursor = refundCursor(max(start-limit, 0))
	}
	return http.StatusOK, page, nil
}

// refundCursor is the opaque cursor of the refund at index i of a payment:
// the decimal index, base64url-encoded without padding.
func refundCursor(i int) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(i)))
	return &s
}

// decodeRefundCursor returns the index a cursor names, at most n (the
// number of refunds; a payment's refunds are never removed, so a cursor
// stays valid).
func decodeRefundCursor(cursor string, n int) (int, error) {
	bad := fieldError("cursor", "is not a cursor of this list")
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) == 0 || len(b) > 4 {
		return 0, bad
	}
	i, err := strconv.Atoi(string(b))
	if err != nil || i < 0 || i > n || strconv.Itoa(i) != string(b) {
		return 0, bad
	}
	return i, nil
}

// listPayments serves GET /orchestration/transactions: an offset page,
// newest first, optionally of one ?status= and ?external_identifier=.
func (h *handler) listPayments(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, err := offsetParams(q)
	if err != nil {
		return 0, nil, err
	}
	status, err := single(q, "status")
	if err != nil {
		return 0, nil, err
	}
	ext, err := single(q, "external_identifier")
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.ListPayments(c.ctx, vault.ListPaymentsRequest{Status: status, ExternalIdentifier: ext, Page: page, Size: size})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, offsetOf(res), nil
}

// getRefund serves GET /orchestration/refunds/{id}.
func (h *handler) getRefund(c *call) (int, any, error) {
	r, err := h.v.GetRefund(c.ctx, c.id("id"))
	return http.StatusOK, r, err
}
