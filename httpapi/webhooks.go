package httpapi

import (
	"net/http"

	"github.com/tokenvault/vault"
)

// webhookJSON is a webhook as the API returns it: the signing key in
// plaintext, where the vault returned one (on create, and to callers
// holding webhook:read).
type webhookJSON struct {
	*vault.Webhook
	SigningKey string `json:"signing_key,omitempty"`
}

func webhookBody(w *vault.Webhook) any {
	if w == nil {
		return nil
	}
	return webhookJSON{Webhook: w, SigningKey: w.SigningKey.Reveal()}
}

// createWebhook serves POST /webhooks.
func (h *handler) createWebhook(c *call) (int, any, error) {
	var req vault.CreateWebhookRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	w, err := h.v.CreateWebhook(c.ctx, req)
	return http.StatusCreated, webhookBody(w), err
}

// listWebhooks serves GET /webhooks: one cursor page (start, size).
func (h *handler) listWebhooks(c *call) (int, any, error) {
	q := c.r.URL.Query()
	start, err := single(q, "start")
	if err != nil {
		return 0, nil, err
	}
	size, err := intParam(q, "size", 0)
	if err != nil {
		return 0, nil, err
	}
	page, err := h.v.ListWebhooks(c.ctx, vault.ListWebhooksRequest{Start: start, Size: size})
	if err != nil {
		return 0, nil, err
	}
	out := vault.Page[any]{Data: make([]any, len(page.Data)), Pagination: page.Pagination}
	for i, w := range page.Data {
		out.Data[i] = webhookBody(w)
	}
	return http.StatusOK, out, nil
}

// getWebhook serves GET /webhooks/{id}.
func (h *handler) getWebhook(c *call) (int, any, error) {
	w, err := h.v.GetWebhook(c.ctx, c.id("id"))
	return http.StatusOK, webhookBody(w), err
}

// updateWebhook serves PUT /webhooks/{id}: the webhook is replaced, its
// signing key kept.
func (h *handler) updateWebhook(c *call) (int, any, error) {
	var req vault.UpdateWebhookRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	w, err := h.v.UpdateWebhook(c.ctx, c.id("id"), req)
	return http.StatusOK, webhookBody(w), err
}

// deleteWebhook serves DELETE /webhooks/{id}.
func (h *handler) deleteWebhook(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteWebhook(c.ctx, c.id("id"))
}

// ping serves GET /ping: 200 for any authenticated key.
func (h *handler) ping(*call) (int, any, error) {
	return http.StatusOK, map[string]any{}, nil
}

// webhookEventTypes serves GET /webhooks/event-types: the array of event
// types a webhook may subscribe to (vault.EventTypes), for any
// authenticated caller: the list describes the API, not a tenant's data.
func (h *handler) webhookEventTypes(*call) (int, any, error) {
	return http.StatusOK, vault.EventTypes(), nil
}
