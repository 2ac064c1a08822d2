package httpapi

import (
	"net/http"

	"github.com/tokenvault/vault"
)

// listConnectionFormulas serves GET /orchestration/connection_formulas: the
// catalogue, a plain array as the connection list is.
func (h *handler) listConnectionFormulas(c *call) (int, any, error) {
	formulas, err := h.v.ListConnectionFormulas(c.ctx)
	return http.StatusOK, formulas, err
}

// createConnection serves POST /orchestration/connections.
func (h *handler) createConnection(c *call) (int, any, error) {
	var req vault.CreateConnectionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	conn, err := h.v.CreateConnection(c.ctx, req)
	return http.StatusCreated, conn, err
}

// listConnections serves GET /orchestration/connections: a plain array, as
// the seed shows (no pagination).
func (h *handler) listConnections(c *call) (int, any, error) {
	conns, err := h.v.ListConnections(c.ctx)
	return http.StatusOK, conns, err
}

// getConnection serves GET /orchestration/connections/{id}.
func (h *handler) getConnection(c *call) (int, any, error) {
	conn, err := h.v.GetConnection(c.ctx, c.id("id"))
	return http.StatusOK, conn, err
}

// updateConnection serves PUT /orchestration/connections/{id}: the
// connection is replaced, secret fields included.
func (h *handler) updateConnection(c *call) (int, any, error) {
	var req vault.UpdateConnectionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	conn, err := h.v.UpdateConnection(c.ctx, c.id("id"), req)
	return http.StatusOK, conn, err
}

// deleteConnection serves DELETE /orchestration/connections/{id}.
func (h *handler) deleteConnection(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteConnection(c.ctx, c.id("id"))
}
