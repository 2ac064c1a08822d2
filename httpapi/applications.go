package httpapi

import (
	"net/http"

	"github.com/tokenvault/vault"
)

// createApplication serves POST /applications.
func (h *handler) createApplication(c *call) (int, any, error) {
	var req vault.CreateApplicationRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	app, err := h.v.CreateApplication(c.ctx, req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, revealApplication(app), nil
}

// applicationBody is the application of a create response, with its first
// key in plaintext: the one response that shows it. A vault.Application
// encodes its keys redacted (vault.Secret), so the plaintext is revealed
// here, explicitly, and nowhere else.
type applicationBody struct {
	*vault.Application
	Key  string               `json:"key,omitempty"`
	Keys []applicationKeyBody `json:"keys,omitempty"`
}

// applicationKeyBody is a key of a create response, with its plaintext.
type applicationKeyBody struct {
	vault.ApplicationKey
	Key string `json:"key,omitempty"`
}

func revealApplication(app *vault.Application) applicationBody {
	b := applicationBody{Application: app, Key: app.Key.Reveal()}
	for _, k := range app.Keys {
		b.Keys = append(b.Keys, revealKey(k))
	}
	return b
}

func revealKey(k vault.ApplicationKey) applicationKeyBody {
	return applicationKeyBody{ApplicationKey: k, Key: k.Key.Reveal()}
}

// listApplications serves GET /applications: an offset page, optionally of
// the given ids (?id=, repeatable) and type.
func (h *handler) listApplications(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, err := offsetParams(q)
	if err != nil {
		return 0, nil, err
	}
	typ, err := single(q, "type")
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.ListApplications(c.ctx, vault.ListApplicationsRequest{IDs: q["id"], Type: typ, Page: page, Size: size})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, offsetOf(res), nil
}

// getApplication serves GET /applications/{id}.
func (h *handler) getApplication(c *call) (int, any, error) {
	app, err := h.v.GetApplication(c.ctx, c.id("id"))
	return http.StatusOK, app, err
}

// getApplicationByKey serves GET /applications/key: the caller's own
// application.
func (h *handler) getApplicationByKey(c *call) (int, any, error) {
	app, err := h.v.GetApplicationByKey(c.ctx)
	return http.StatusOK, app, err
}

// updateApplication serves PUT /applications/{id}.
func (h *handler) updateApplication(c *call) (int, any, error) {
	var req vault.UpdateApplicationRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	app, err := h.v.UpdateApplication(c.ctx, c.id("id"), req)
	return http.StatusOK, app, err
}

// deleteApplication serves DELETE /applications/{id}.
func (h *handler) deleteApplication(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteApplication(c.ctx, c.id("id"))
}

// createApplicationKey serves POST /applications/{id}/keys; the response is
// the only place the key's secret appears.
func (h *handler) createApplicationKey(c *call) (int, any, error) {
	key, err := h.v.CreateApplicationKey(c.ctx, c.id("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, revealKey(*key), nil
}

// listApplicationKeys serves GET /applications/{id}/keys: a plain array, as
// the SDK expects.
func (h *handler) listApplicationKeys(c *call) (int, any, error) {
	keys, err := h.v.ListApplicationKeys(c.ctx, c.id("id"))
	if keys == nil {
		keys = []vault.ApplicationKey{}
	}
	return http.StatusOK, keys, err
}

// getApplicationKey serves GET /applications/{id}/keys/{keyId}.
func (h *handler) getApplicationKey(c *call) (int, any, error) {
	key, err := h.v.GetApplicationKey(c.ctx, c.id("id"), c.id("keyId"))
	return http.StatusOK, key, err
}

// deleteApplicationKey serves DELETE /applications/{id}/keys/{keyId}.
func (h *handler) deleteApplicationKey(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteApplicationKey(c.ctx, c.id("id"), c.id("keyId"))
}

// listPermissions serves GET /permissions?application_type=: the
// permissions an application of that type may hold (all without it).
func (h *handler) listPermissions(c *call) (int, any, error) {
	typ, err := single(c.r.URL.Query(), "application_type")
	if err != nil {
		return 0, nil, err
	}
	perms := vault.PermissionCatalog(typ)
	if perms == nil {
		perms = []vault.PermissionInfo{}
	}
	return http.StatusOK, perms, nil
}
