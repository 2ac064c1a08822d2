package httpapi

import (
	"net/http"

	"github.com/tokenvault/vault"
)

// getTenant serves GET /tenants/self.
func (h *handler) getTenant(c *call) (int, any, error) {
	t, err := h.v.GetTenant(c.ctx)
	return http.StatusOK, t, err
}

// updateTenant serves PUT /tenants/self: name and settings are replaced.
func (h *handler) updateTenant(c *call) (int, any, error) {
	var req vault.UpdateTenantRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	t, err := h.v.UpdateTenant(c.ctx, req)
	return http.StatusOK, t, err
}

// deleteTenant serves DELETE /tenants/self: the caller's tenant is
// crypto-shredded. The default tenant cannot be deleted (409).
func (h *handler) deleteTenant(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteTenant(c.ctx, c.caller.TenantID)
}
