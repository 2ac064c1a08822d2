package httpapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tokenvault/vault"
)

// createReactor serves POST /reactors.
func (h *handler) createReactor(c *call) (int, any, error) {
	var req vault.CreateReactorRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkRuntime(c.body); err != nil {
		return 0, nil, err
	}
	r, err := h.v.CreateReactor(c.ctx, req)
	return http.StatusCreated, reactorBody(r), err
}

// reactorJSON is a reactor as the REST API returns it: with its
// configuration in plaintext, where vault.Reactor's JSON redacts it
// (vault.Secrets). The vault has left it out already for callers without
// reactor:read. Runtime is always {"image": "node-bt"}: the one runtime the
// vault runs (see checkRuntime).
type reactorJSON struct {
	*vault.Reactor
	Configuration map[string]string `json:"configuration"`
	Runtime       reactorRuntime    `json:"runtime"`
}

// reactorRuntime is the runtime object of reference 6.1, as far as the
// vault has one.
type reactorRuntime struct {
	Image string `json:"image"`
}

// runtimeNodeBT is the image of the runtime the vault runs.
const runtimeNodeBT = "node-bt"

func reactorBody(r *vault.Reactor) any {
	if r == nil {
		return nil
	}
	return reactorJSON{Reactor: r, Configuration: r.Configuration.Reveal(), Runtime: reactorRuntime{Image: runtimeNodeBT}}
}

// checkRuntime checks the runtime object of a reactor body (reference 6.1).
// The vault runs the node-bt contract in process, whose limits are the
// vault's (vault.WithReactorLimits), so the only runtime it accepts is
// absent, null, or {"image": "node-bt"}; node22 and every node22 option
// (dependencies, resolutions, timeout, resources, warm_concurrency,
// permissions, async) are refused with a 400 naming the field, rather than
// dropped.
func checkRuntime(body []byte) error {
	var doc struct {
		Runtime json.RawMessage `json:"runtime"`
	}
	if json.Unmarshal(body, &doc) != nil || len(doc.Runtime) == 0 || string(doc.Runtime) == "null" {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(doc.Runtime, &fields); err != nil {
		return fieldError("runtime", "must be an object")
	}
	names := slices.Sorted(maps.Keys(fields))
	for _, name := range names {
		if name == "image" {
			var image string
			if json.Unmarshal(fields[name], &image) != nil || image != runtimeNodeBT {
				return fieldError("runtime.image", "must be node-bt: the vault runs reactors in process with the node-bt contract; node22 is not available")
			}
			continue
		}
		return fieldError("runtime."+name, "is a node22 option: the vault runs node-bt only, whose limits the vault sets (WithReactorLimits)")
	}
	return nil
}

// listReactors serves GET /reactors: an offset page, optionally of the
// given ids (?id=, repeatable) and of the names matching ?name= (a wildcard
// pattern; see vault.ListReactorsRequest).
func (h *handler) listReactors(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, err := offsetParams(q)
	if err != nil {
		return 0, nil, err
	}
	name, err := single(q, "name")
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.ListReactors(c.ctx, vault.ListReactorsRequest{IDs: q["id"], Name: name, Page: page, Size: size})
	if err != nil {
		return 0, nil, err
	}
	out := &vault.Page[any]{Data: make([]any, len(res.Data)), Pagination: res.Pagination}
	for i, r := range res.Data {
		out.Data[i] = reactorBody(r)
	}
	return http.StatusOK, offsetOf(out), nil
}

// getReactor serves GET /reactors/{id}.
func (h *handler) getReactor(c *call) (int, any, error) {
	r, err := h.v.GetReactor(c.ctx, c.id("id"))
	return http.StatusOK, reactorBody(r), err
}

// updateReactor serves PUT /reactors/{id}: the reactor is replaced.
func (h *handler) updateReactor(c *call) (int, any, error) {
	var req vault.UpdateReactorRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkRuntime(c.body); err != nil {
		return 0, nil, err
	}
	r, err := h.v.UpdateReactor(c.ctx, c.id("id"), req)
	return http.StatusOK, reactorBody(r), err
}

// patchReactor serves PATCH /reactors/{id}, a JSON merge patch of the
// name, code, configuration and application. It answers 204 with no body,
// as the reference documents and the SDK expects (its patch returns void).
func (h *handler) patchReactor(c *call) (int, any, error) {
	if err := checkMergePatch(c.body); err != nil {
		return 0, nil, err
	}
	if err := checkRuntime(c.body); err != nil {
		return 0, nil, err
	}
	_, err := h.v.PatchReactor(c.ctx, c.id("id"), json.RawMessage(c.body))
	return http.StatusNoContent, nil, err
}

// checkMergePatch checks that a PATCH body is one JSON object, the only
// merge patch a resource's fields can take.
func checkMergePatch(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return bodyError("a JSON merge patch request body is required")
	}
	doc, err := decodeJSON(body)
	if err != nil {
		return err
	}
	if _, ok := doc.(map[string]any); !ok {
		return bodyError("the request body must be a JSON object (a merge patch)")
	}
	return nil
}

// deleteReactor serves DELETE /reactors/{id}.
func (h *handler) deleteReactor(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteReactor(c.ctx, c.id("id"))
}

// reactBody is the body of POST /reactors/{id}/react and react-async. Args
// stays raw JSON, so that every digit of a number reaches the reactor.
type reactBody struct {
	Args        json.RawMessage `json:"args"`
	CallbackURL string          `json:"callback_url"`
}

// reactRequest decodes the body of a react call. The body is optional (the
// SDK sends none when called without one): no body, null and {} all invoke
// the reactor with empty args.
func (c *call) reactRequest() (vault.ReactRequest, error) {
	var req vault.ReactRequest
	if len(bytes.TrimSpace(c.body)) == 0 {
		return req, nil
	}
	var b reactBody
	if err := c.decode(&b); err != nil {
		return req, err
	}
	if len(b.Args) > 0 && string(b.Args) != "null" {
		req.Args = b.Args
	}
	req.CallbackURL = b.CallbackURL
	return req, nil
}

// react serves POST /reactors/{id}/react: 200 with {"tokens", "raw"}, or
// the reactor's error (see reactorErrorResponse).
func (h *handler) react(c *call) (int, any, error) {
	req, err := c.reactRequest()
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.React(c.ctx, c.id("id"), req)
	return http.StatusOK, res, err
}

// asyncReactResponse is the body of POST /reactors/{id}/react-async; its
// one member is camel-cased on the hosted platform, in the reference and in
// the SDK.
type asyncReactResponse struct {
	ID string `json:"asyncReactorRequestId"`
	// CallbackSigningKey signs the POST to the request's callback_url.
	CallbackSigningKey string `json:"callbackSigningKey,omitempty"`
}

// reactAsync serves POST /reactors/{id}/react-async: 202 with the request
// id that GET /reactors/{id}/results/{requestId} takes.
func (h *handler) reactAsync(c *call) (int, any, error) {
	req, err := c.reactRequest()
	if err != nil {
		return 0, nil, err
	}
	r, err := h.v.ReactAsyncWithCallback(c.ctx, c.id("id"), req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, asyncReactResponse{ID: r.ID, CallbackSigningKey: r.CallbackSigningKey.Reveal()}, nil
}

// pendingResult is the body of the result of an asynchronous invocation
// that has not finished.
type pendingResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// getReactResult serves GET /reactors/{id}/results/{requestId}: a
// completed invocation is 200 with the body a synchronous one returns, a
// failed one is its error rendered as a synchronous failure is, and one
// still pending or running is 202 with {"id", "status"}.
func (h *handler) getReactResult(c *call) (int, any, error) {
	res, err := h.v.GetReactResult(c.ctx, c.id("id"), c.id("requestId"))
	if err != nil {
		return 0, nil, err
	}
	switch res.Status {
	case vault.ReactCompleted:
		if res.Response == nil {
			return http.StatusOK, &vault.ReactResponse{}, nil
		}
		return http.StatusOK, res.Response, nil
	case vault.ReactFailed:
		if res.Error == nil {
			return 0, nil, &vault.Error{Kind: vault.KindInternal, Op: "GetReactResult", Detail: "a failed invocation without its error"}
		}
		return 0, nil, res.Error.Err()
	}
	return http.StatusAccepted, pendingResult{ID: res.ID, Status: res.Status}, nil
}

// reactorErrorResponse renders a reactor's own failure. A
// CustomHttpResponseError is returned as the reactor chose it: its status,
// headers and body (JSON) verbatim. Every other reactor error is a
// ProblemDetails with the status, detail and errors of the class thrown
// (reference §6.5), which are the reactor's to choose.
func reactorErrorResponse(re *vault.ReactorFailure) response {
	if re.Custom != nil {
		return customResponse(re.Custom)
	}
	status := re.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	p := ProblemDetails{Status: status, Title: problemTitle(status, len(re.Errors) > 0), Detail: re.Detail}
	if len(re.Errors) > 0 {
		p.Errors = re.Errors
	}
	res := problemResponse(p)
	res.failed = true
	return res
}

// customResponse is the response a reactor chose with
// CustomHttpResponseError. Headers are copied as they are, except those
// that frame the HTTP message itself (Content-Length, Transfer-Encoding,
// hop-by-hop headers), which the server writes, and BT-TRACE-ID, which
// stays the request's. The body is the JSON encoding of the body the
// reactor gave, served as application/json unless the reactor set a
// Content-Type. An informational status (1xx) cannot end an HTTP response:
// it is a 500 ReactorRuntimeError instead.
func customResponse(c *vault.CustomResponse) response {
	if c.Status < 200 || c.Status > 599 {
		p := ProblemDetails{Status: http.StatusInternalServerError, Title: http.StatusText(http.StatusInternalServerError),
			Detail: "The reactor's CustomHttpResponseError has a status that cannot end an HTTP response."}
		res := problemResponse(p)
		res.failed = true
		return res
	}
	res := response{status: c.Status, contentType: contentJSON, body: c.Body, header: http.Header{}, failed: true}
	if len(res.body) == 0 {
		res.body = []byte("{}")
	}
	for k, vs := range c.Headers {
		k = http.CanonicalHeaderKey(k)
		if !validHeaderName(k) || framingHeaders[k] || strings.EqualFold(k, HeaderTraceID) {
			continue
		}
		if k == "Content-Type" {
			if len(vs) > 0 {
				res.contentType = vs[0]
			}
			continue
		}
		res.header[k] = append(res.header[k], vs...)
	}
	return res
}

// framingHeaders are the headers a reactor's custom response cannot set.
var framingHeaders = map[string]bool{
	"Content-Length": true, "Transfer-Encoding": true, "Connection": true, "Keep-Alive": true,
	"Proxy-Connection": true, "Te": true, "Trailer": true, "Upgrade": true,
}

// validHeaderName reports whether s is an HTTP field name (RFC 9110 token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// createReactorFormula serves POST /reactor-formulas.
func (h *handler) createReactorFormula(c *call) (int, any, error) {
	var req vault.CreateReactorFormulaRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	f, err := h.v.CreateReactorFormula(c.ctx, req)
	return http.StatusCreated, f, err
}

// listReactorFormulas serves GET /reactor-formulas: an offset page,
// optionally of the names matching ?name=.
func (h *handler) listReactorFormulas(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, err := offsetParams(q)
	if err != nil {
		return 0, nil, err
	}
	name, err := single(q, "name")
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.ListReactorFormulas(c.ctx, vault.ListReactorFormulasRequest{Name: name, Page: page, Size: size})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, offsetOf(res), nil
}

// getReactorFormula serves GET /reactor-formulas/{id}.
func (h *handler) getReactorFormula(c *call) (int, any, error) {
	f, err := h.v.GetReactorFormula(c.ctx, c.id("id"))
	return http.StatusOK, f, err
}

// updateReactorFormula serves PUT /reactor-formulas/{id}.
func (h *handler) updateReactorFormula(c *call) (int, any, error) {
	var req vault.UpdateReactorFormulaRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	f, err := h.v.UpdateReactorFormula(c.ctx, c.id("id"), req)
	return http.StatusOK, f, err
}

// deleteReactorFormula serves DELETE /reactor-formulas/{id}.
func (h *handler) deleteReactorFormula(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteReactorFormula(c.ctx, c.id("id"))
}
