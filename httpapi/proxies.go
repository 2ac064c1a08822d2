package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/tokenvault/vault"
)

// proxyPrefix is the path of the proxy endpoint; what follows it is
// appended to the destination URL.
const proxyPrefix = "/proxy"

// proxyJSON is a proxy as the REST API returns it: its configuration and
// (on create) key in plaintext, where vault.Proxy's JSON redacts them, and
// proxy_host, the base URL that invokes it.
type proxyJSON struct {
	*vault.Proxy
	Key           string            `json:"key,omitempty"`
	Configuration map[string]string `json:"configuration"`
	ProxyHost     string            `json:"proxy_host"`
}

func proxyBody(r *http.Request, p *vault.Proxy) any {
	if p == nil {
		return nil
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return proxyJSON{Proxy: p, Key: p.Key.Reveal(), Configuration: p.Configuration.Reveal(), ProxyHost: scheme + "://" + r.Host + proxyPrefix}
}

// createProxy serves POST /proxies.
func (h *handler) createProxy(c *call) (int, any, error) {
	var req vault.CreateProxyRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	p, err := h.v.CreateProxy(c.ctx, req)
	return http.StatusCreated, proxyBody(c.r, p), err
}

// listProxies serves GET /proxies?id=&name=&page=&size=.
func (h *handler) listProxies(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, err := offsetParams(q)
	if err != nil {
		return 0, nil, err
	}
	name, err := single(q, "name")
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.ListProxies(c.ctx, vault.ListProxiesRequest{IDs: q["id"], Name: name, Page: page, Size: size})
	if err != nil {
		return 0, nil, err
	}
	out := &vault.Page[any]{Data: make([]any, len(res.Data)), Pagination: res.Pagination}
	for i, p := range res.Data {
		out.Data[i] = proxyBody(c.r, p)
	}
	return http.StatusOK, offsetOf(out), nil
}

// getProxy serves GET /proxies/{id}.
func (h *handler) getProxy(c *call) (int, any, error) {
	p, err := h.v.GetProxy(c.ctx, c.id("id"))
	return http.StatusOK, proxyBody(c.r, p), err
}

// updateProxy serves PUT /proxies/{id}.
func (h *handler) updateProxy(c *call) (int, any, error) {
	var req vault.UpdateProxyRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	p, err := h.v.UpdateProxy(c.ctx, c.id("id"), req)
	return http.StatusOK, proxyBody(c.r, p), err
}

// patchProxy serves PATCH /proxies/{id}, a JSON merge patch; 204 as for
// reactors (the SDK's patch returns void).
func (h *handler) patchProxy(c *call) (int, any, error) {
	if err := checkMergePatch(c.body); err != nil {
		return 0, nil, err
	}
	_, err := h.v.PatchProxy(c.ctx, c.id("id"), json.RawMessage(c.body))
	return http.StatusNoContent, nil, err
}

// deleteProxy serves DELETE /proxies/{id}.
func (h *handler) deleteProxy(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteProxy(c.ctx, c.id("id"))
}

// handleProxy registers the proxy endpoint under pattern (any method). It
// has its own pipeline: any content type, an optional API key (a
// pre-configured proxy may serve anonymous calls), and the vault's own
// errors wrapped in {"proxy_error": ...} so that they cannot be taken for
// the destination's.
func (h *handler) handleProxy(pattern string) {
	h.mux.Handle(pattern, http.HandlerFunc(h.proxy))
	h.patterns = append(h.patterns, "ANY "+pattern)
	h.known[pattern] = struct{}{}
}

// proxy serves ANY /proxy and /proxy/**.
func (h *handler) proxy(w http.ResponseWriter, r *http.Request) {
	rec, ok := w.(*record)
	if !ok {
		rec = &record{ResponseWriter: w, trace: traceID(r.Header.Get(HeaderTraceID))}
		w.Header().Set(HeaderTraceID, rec.trace)
	}
	defer h.recoverPanic(rec, r)
	ctx := vault.WithTraceID(r.Context(), rec.trace)
	authed := false
	if key := cmp.Or(r.Header.Get(HeaderAPIKey), r.Header.Get(HeaderLegacyAPIKey)); key != "" {
		p, err := h.v.Authenticate(r.Context(), key)
		if err != nil {
			h.proxyError(rec, err)
			return
		}
		rec.tenant, rec.app, rec.session = p.TenantID, p.ApplicationID, p.SessionID
		ctx, authed = vault.WithPrincipal(ctx, p), true
	} else {
		ctx = vault.WithAnonymous(ctx)
	}
	req, err := vault.ProxyRequestFromHTTP(r, proxyPrefix, h.maxBody)
	if err != nil {
		h.proxyError(rec, err)
		return
	}
	if key := r.Header.Get(HeaderIdempotencyKey); key != "" && authed && bodyMethod(r.Method) {
		h.idempotentProxy(rec, r, ctx, key, req)
		return
	}
	resp, err := h.v.Proxy(ctx, req)
	if err != nil {
		h.proxyError(rec, err)
		return
	}
	resp.Write(rec)
}

// idempotentProxy serves a proxy request under an idempotency key: a key
// already completed replays the stored response without calling the
// destination again (an improvement on the platform, whose proxy does not
// honour the key); only 2xx responses are stored.
func (h *handler) idempotentProxy(rec *record, r *http.Request, ctx context.Context, key string, req vault.ProxyRequest) {
	sum := sha256.New()
	for _, part := range []string{r.Method, r.URL.RequestURI(), req.Destination, req.Key.Reveal()} {
		sum.Write([]byte(part))
		sum.Write([]byte{0})
	}
	sum.Write(req.Body)
	stored, err := h.v.BeginIdempotent(ctx, key, sum.Sum(nil))
	if err != nil {
		h.proxyError(rec, err)
		return
	}
	if stored != nil {
		rec.replayed = true
		rec.Header().Set(vault.HeaderProxyDestinationStatus, strconv.Itoa(stored.Status))
		if stored.ContentType != "" {
			rec.Header().Set("Content-Type", stored.ContentType)
		}
		rec.WriteHeader(stored.Status)
		_, _ = rec.Write(stored.Body)
		return
	}
	resp, err := h.v.Proxy(ctx, req)
	done := context.WithoutCancel(ctx) // recorded even if the client has gone: a retry must see it
	var ierr error
	if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		ierr = h.v.CompleteIdempotent(done, key, vault.IdempotentResponse{Status: resp.StatusCode,
			ContentType: resp.Header.Get("Content-Type"), Body: resp.Body})
	} else {
		ierr = h.v.AbortIdempotent(done, key)
	}
	h.logIdempotency(r.Context(), rec, ierr)
	if err != nil {
		h.proxyError(rec, err)
		return
	}
	resp.Write(rec)
}

// proxyError writes the vault's own failure of a proxy call: the
// ProblemDetails (or a code transform's error) under "proxy_error".
func (h *handler) proxyError(rec *record, err error) {
	res := h.errorResponse(rec, err)
	var body bytes.Buffer
	body.WriteString(`{"proxy_error":`)
	inner := bytes.TrimSpace(res.body)
	if !json.Valid(inner) {
		b, _ := json.Marshal(string(inner))
		inner = b
	}
	body.Write(inner)
	body.WriteString("}\n")
	for k, vs := range res.header {
		rec.Header()[k] = vs
	}
	rec.Header().Set("Content-Type", contentJSON)
	rec.WriteHeader(res.status)
	_, _ = rec.Write(body.Bytes())
}
