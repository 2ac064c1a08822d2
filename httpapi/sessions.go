package httpapi

import (
	"net/http"

	"github.com/tokenvault/vault"
)

// createSession serves POST /sessions, called with a public key and no
// body.
func (h *handler) createSession(c *call) (int, any, error) {
	s, err := h.v.CreateSession(c.ctx)
	return http.StatusCreated, s, err
}

// authorizeSession serves POST /sessions/authorize, called with a private
// key; it answers 200 with no body, as the hosted platform does.
func (h *handler) authorizeSession(c *call) (int, any, error) {
	var req vault.AuthorizeSessionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, h.v.AuthorizeSession(c.ctx, req)
}
