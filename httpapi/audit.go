package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"github.com/tokenvault/vault"
)

// listAuditLog serves GET /logs: one cursor page of the audit log, newest
// first (reference §8.3).
func (h *handler) listAuditLog(c *call) (int, any, error) {
	q, err := auditQuery(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	page, err := h.v.ListAuditLog(c.ctx, q)
	return http.StatusOK, page, err
}

// listAuditEntityTypes serves GET /logs/entity-types.
func (h *handler) listAuditEntityTypes(c *call) (int, any, error) {
	types, err := h.v.ListAuditEntityTypes(c.ctx)
	return http.StatusOK, types, err
}

// auditQuery reads the parameters of GET /logs: entity_type, entity_id,
// start_date and end_date (RFC 3339, or a date, which stands for its
// midnight UTC), start (a cursor) and size.
func auditQuery(q url.Values) (vault.AuditQuery, error) {
	var out vault.AuditQuery
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"entity_type", &out.EntityType}, {"entity_id", &out.EntityID}, {"start", &out.Start}} {
		if *f.dst, err = single(q, f.name); err != nil {
			return out, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"start_date", &out.StartDate}, {"end_date", &out.EndDate}} {
		s, err := single(q, f.name)
		if err != nil {
			return out, err
		}
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, s); err != nil {
				return out, fieldError(f.name, "must be an RFC 3339 date-time or a date (YYYY-MM-DD)")
			}
		}
		*f.dst = t
	}
	if out.Size, err = intParam(q, "size", 0); err != nil {
		return out, err
	}
	return out, nil
}
