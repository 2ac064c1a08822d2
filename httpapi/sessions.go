package httpapi

import (
	"net/http"
	"time"

	"github.com/tokenvault/vault"
)

// createSession serves POST /sessions, called with a public key and no
// body. The response is the one place the session key and nonce appear.
func (h *handler) createSession(c *call) (int, any, error) {
	s, err := h.v.CreateSession(c.ctx)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, sessionBody{SessionKey: s.SessionKey.Reveal(), Nonce: s.Nonce.Reveal(), ExpiresAt: s.ExpiresAt}, nil
}

// sessionBody is a new session with its key and nonce in plaintext (a
// vault.Session encodes them redacted).
type sessionBody struct {
	SessionKey string    `json:"session_key"`
	Nonce      string    `json:"nonce"`
	ExpiresAt  time.Time `json:"expires_at"`
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
