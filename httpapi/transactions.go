package httpapi

import (
	"net/http"
)

// createTransaction serves POST /transactions (no permission needed; no
// body). It answers 201 with {id, created_at, created_by, expires_at}.
func (h *handler) createTransaction(c *call) (int, any, error) {
	t, err := h.v.BeginTransaction(c.ctx)
	return http.StatusCreated, t, err
}

// commitTransaction serves POST /transactions/{id}/commit: 200, no body.
func (h *handler) commitTransaction(c *call) (int, any, error) {
	return http.StatusOK, nil, h.v.CommitTransaction(c.ctx, c.id("id"))
}

// rollbackTransaction serves POST /transactions/{id}/rollback: 200, no body.
func (h *handler) rollbackTransaction(c *call) (int, any, error) {
	return http.StatusOK, nil, h.v.RollbackTransaction(c.ctx, c.id("id"))
}
