package httpapi

import "net/http"

// healthStatus is the body of the health probes.
type healthStatus struct {
	Status string `json:"status"`
}

// healthz serves GET /healthz, without an API key: 200 {"status":"ok"}
// while the process serves requests at all (a liveness probe).
func (h *handler) healthz(*call) (int, any, error) {
	return http.StatusOK, healthStatus{"ok"}, nil
}

// readyz serves GET /readyz, without an API key: 200 {"status":"ready"}
// when the vault can serve (vault.Vault.Ready: open, workers running,
// store answering, keys opening), else the ProblemDetails of the failed
// check, 503 (a readiness probe).
func (h *handler) readyz(c *call) (int, any, error) {
	if err := h.v.Ready(c.ctx); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, healthStatus{"ready"}, nil
}
