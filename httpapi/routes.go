package httpapi

import "github.com/tokenvault/vault/storage"

// routes registers every route. A resource is added with one line per
// route: the ServeMux pattern, the endpoint, and enlisted if
// BT-TRANSACTION-ID applies to it. The table in doc.go lists them.
func (h *handler) routes(cfg config) {
	// Health probes, without an API key (ours).
	h.handle("GET /healthz", h.healthz, anonymous)
	h.handle("GET /readyz", h.readyz, anonymous)

	// Tokens (reference §1.3, §1.6–1.8).
	h.handle("POST /tokens", h.createToken, enlisted)
	h.handle("GET /tokens/{id}", h.getToken, enlisted)
	h.handle("PATCH /tokens/{id}", h.updateToken, enlisted)
	h.handle("DELETE /tokens/{id}", h.deleteToken, enlisted)
	h.handle("GET /v2/tokens", h.listTokens, enlisted)
	h.handle("POST /v2/tokens/search", h.searchTokens, enlisted)
	h.handle("GET /tokens", h.listTokensV1, enlisted)
	h.handle("POST /tokens/search", h.searchTokensV1, enlisted)
	h.handle("POST /tokenize", h.tokenize, enlisted)
	h.handle("POST /detokenize", h.detokenize, enlisted)

	// Applications, keys and permissions (reference §3.1, §3.2).
	h.handle("POST /applications", h.createApplication)
	h.handle("GET /applications", h.listApplications)
	h.handle("GET /applications/key", h.getApplicationByKey)
	h.handle("GET /applications/{id}", h.getApplication)
	h.handle("PUT /applications/{id}", h.updateApplication)
	h.handle("DELETE /applications/{id}", h.deleteApplication)
	h.handle("POST /applications/{id}/keys", h.createApplicationKey)
	h.handle("GET /applications/{id}/keys", h.listApplicationKeys)
	h.handle("GET /applications/{id}/keys/{keyId}", h.getApplicationKey)
	h.handle("DELETE /applications/{id}/keys/{keyId}", h.deleteApplicationKey)
	h.handle("GET /permissions", h.listPermissions)

	// Sessions (reference §3.6).
	h.handle("POST /sessions", h.createSession)
	h.handle("POST /sessions/authorize", h.authorizeSession)

	// Token transactions (reference §5): BT-TRANSACTION-ID enlists the
	// routes marked enlisted above.
	h.handle("POST /transactions", h.createTransaction)
	h.handle("POST /transactions/{id}/commit", h.commitTransaction)
	h.handle("POST /transactions/{id}/rollback", h.rollbackTransaction)

	// Reactors and legacy reactor formulas (reference §6).
	h.handle("POST /reactors", h.createReactor)
	h.handle("GET /reactors", h.listReactors)
	h.handle("GET /reactors/{id}", h.getReactor)
	h.handle("PUT /reactors/{id}", h.updateReactor)
	h.handle("PATCH /reactors/{id}", h.patchReactor)
	h.handle("DELETE /reactors/{id}", h.deleteReactor)
	h.handle("POST /reactors/{id}/react", h.react)
	h.handle("POST /reactors/{id}/react-async", h.reactAsync)
	h.handle("GET /reactors/{id}/results/{requestId}", h.getReactResult)
	h.handle("POST /reactor-formulas", h.createReactorFormula)
	h.handle("GET /reactor-formulas", h.listReactorFormulas)
	h.handle("GET /reactor-formulas/{id}", h.getReactorFormula)
	h.handle("PUT /reactor-formulas/{id}", h.updateReactorFormula)
	h.handle("DELETE /reactor-formulas/{id}", h.deleteReactorFormula)

	// Proxies (reference §7): pre-configured ones, and the endpoint that
	// invokes them and the ephemeral proxy (any method, its own pipeline).
	h.handle("POST /proxies", h.createProxy)
	h.handle("GET /proxies", h.listProxies)
	h.handle("GET /proxies/{id}", h.getProxy)
	h.handle("PUT /proxies/{id}", h.updateProxy)
	h.handle("PATCH /proxies/{id}", h.patchProxy)
	h.handle("DELETE /proxies/{id}", h.deleteProxy)
	h.handleProxy(proxyPrefix)
	h.handleProxy(proxyPrefix + "/{path...}")

	// Exchanges and exchange templates (seed 003, reference §9).
	h.handle("POST /exchange-templates", h.createExchangeTemplate)
	h.handle("GET /exchange-templates", h.listExchangeTemplates)
	h.handle("GET /exchange-templates/{id}", h.getExchangeTemplate)
	h.handle("PUT /exchange-templates/{id}", h.updateExchangeTemplate)
	h.handle("DELETE /exchange-templates/{id}", h.deleteExchangeTemplate)
	h.handle("POST /exchanges", h.createExchange)
	h.handle("GET /exchanges", h.listExchanges)
	h.handle("GET /exchanges/{id}", h.getExchange)
	h.handle("PUT /exchanges/{id}", h.updateExchange)
	h.handle("DELETE /exchanges/{id}", h.deleteExchange)
	h.handle("POST /exchanges/{id}/exchange", h.exchangeToken, enlisted)

	// Orchestration connections and their formulas (seed 000, reference
	// §10).
	h.handle("GET /orchestration/connection_formulas", h.listConnectionFormulas)
	h.handle("POST /orchestration/connections", h.createConnection)
	h.handle("GET /orchestration/connections", h.listConnections)
	h.handle("GET /orchestration/connections/{id}", h.getConnection)
	h.handle("PUT /orchestration/connections/{id}", h.updateConnection)
	h.handle("DELETE /orchestration/connections/{id}", h.deleteConnection)

	// Payment transactions (reference §10, issue 18). BT-IDEMPOTENCY-KEY
	// applies to the POSTs as to every POST.
	h.handle("POST /orchestration/transactions", h.createPayment)
	h.handle("GET /orchestration/transactions", h.listPayments)
	h.handle("GET /orchestration/refunds/{id}", h.getRefund)
	h.handle("GET /orchestration/transactions/{id}", h.getPayment)
	h.handle("POST /orchestration/transactions/{id}/capture", h.capturePayment)
	h.handle("POST /orchestration/transactions/{id}/void", h.voidPayment)
	h.handle("POST /orchestration/transactions/{id}/refunds", h.refundPayment)
	h.handle("GET /orchestration/transactions/{id}/refunds", h.listRefunds)

	// Connector provisioning, the IXOPAY-style API (seed 004): its own
	// Basic authentication and envelope, at the root and under
	// /api/provisioning/ (ixopay.go).
	h.ixopayRoutes()

	// Webhooks (reference §8.1).
	h.handle("POST /webhooks", h.createWebhook)
	h.handle("GET /webhooks", h.listWebhooks)
	h.handle("GET /webhooks/event-types", h.webhookEventTypes)
	h.handle("GET /webhooks/{id}", h.getWebhook)
	h.handle("PUT /webhooks/{id}", h.updateWebhook)
	h.handle("DELETE /webhooks/{id}", h.deleteWebhook)
	h.handle("GET /ping", h.ping)

	// Audit log (reference §8.3).
	h.handle("GET /logs", h.listAuditLog)
	h.handle("GET /logs/entity-types", h.listAuditEntityTypes)

	// Tenant (reference §3.7).
	h.handle("GET /tenants/self", h.getTenant)
	h.handle("PUT /tenants/self", h.updateTenant)
	h.handle("DELETE /tenants/self", h.deleteTenant)

	// Operations.
	if b, ok := h.v.Store().(storage.Backuper); ok && cfg.backups {
		h.handleStream("GET /admin/backup", h.backup(b))
	}
}
