package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/jsonv"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
)

// Invocation types of the reactor.* events.
const (
	invocationSync  = "sync"
	invocationAsync = "async"
)

// ReactRequest invokes a reactor. Args is any JSON value (usually an
// object) whose strings may hold token references such as
// "{{ <token id> }}" or "{{ token: <id> | json: '$.data.number' }}"; the
// reactor gets it detokenized as req.args (nil: {}). CallbackURL is for
// [Vault.ReactAsyncWithCallback] only: the outcome is POSTed there, signed
// (see react_callback.go); the other invocations refuse it.
//
// A ReactRequest never prints its args.
type ReactRequest struct {
	Args        any    `json:"args,omitempty"`
	CallbackURL string `json:"callback_url,omitempty"`
}

// String describes the request without its args.
func (r ReactRequest) String() string { return "ReactRequest{Args:[REDACTED]}" }

// Format prints the request without its args, whatever the verb.
func (r ReactRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the request without its args.
func (r ReactRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ReactResponse is what a reactor returned: Raw, its raw value as JSON,
// returned as is (nil when it returned none), and Tokens, its tokenize value
// with every sensitive value replaced by a token, as [Vault.Tokenize]
// returns it, in generic JSON form (maps, slices, strings, bools,
// json.Number and nil; nil when it returned no tokenize).
//
// A ReactResponse never prints its content.
type ReactResponse struct {
	Tokens any             `json:"tokens,omitempty"`
	Raw    json.RawMessage `json:"raw,omitempty"`
}

// String describes the response without its content.
func (r ReactResponse) String() string {
	return "ReactResponse{Tokens:" + strconv.FormatBool(r.Tokens != nil) + " Raw:" + strconv.Itoa(len(r.Raw)) + " bytes}"
}

// Format prints the response without its content, whatever the verb.
func (r ReactResponse) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the response without its content.
func (r ReactResponse) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ReactorFailure is the failure of a reactor itself, carried by an *[Error]
// (its Reactor field) and by a failed [ReactResult], with the status the
// hosted platform gives it (reference section 6.5): the status of the error
// class the reactor threw (400, 401, 402, 403, 429, 500, 503), 500 for
// anything else it threw or rejected with, for output too large and for its
// memory budget, or any status from 100 to 599 with CustomHttpResponseError.
// The *Error's Kind is the kind of that status (KindPaymentRequired for
// 402), so errors.Is(err, vault.ErrForbidden) holds for a reactor's
// AuthorizationError as for any other 403.
//
// The HTTP layer renders it as is: with Custom set, Custom.Status, its
// headers and its body verbatim; otherwise a problem-details body with
// Status, Detail and Errors. Detail and Errors come from what the reactor
// threw, which is the documented contract; the Error text and fmt and slog
// output name only the class and status.
type ReactorFailure struct {
	Status int `json:"status"`
	// Name is the error class: "BadRequestError", "ReactorRuntimeError",
	// "CustomHttpResponseError", ... Empty for the failure of an
	// asynchronous invocation that was not the reactor's (see ReactResult).
	Name   string              `json:"name,omitempty"`
	Detail string              `json:"detail,omitempty"`
	Errors map[string][]string `json:"errors,omitempty"`
	// Custom is set for CustomHttpResponseError only.
	Custom *CustomResponse `json:"custom,omitempty"`
}

// CustomResponse is the HTTP response a reactor chose with
// CustomHttpResponseError, to be returned verbatim.
type CustomResponse struct {
	Status  int             `json:"status"`
	Headers http.Header     `json:"headers,omitempty"`
	Body    json.RawMessage `json:"body,omitempty"`
}

// String names the class and status only.
func (f *ReactorFailure) String() string {
	name := f.Name
	if name == "" {
		name = http.StatusText(f.Status)
	}
	return name + " (status " + strconv.Itoa(f.Status) + ")"
}

// Format prints what String returns, whatever the verb.
func (f *ReactorFailure) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, f.String()) }

// LogValue logs the class and status only.
func (f *ReactorFailure) LogValue() slog.Value {
	return slog.GroupValue(slog.String("class", f.Name), slog.Int("status", f.Status))
}

// Err returns f as the *Error a synchronous invocation returns for it: the
// kind of its status, f in Reactor.
func (f *ReactorFailure) Err() *Error { return reactorError("", f) }

// reactorError is the *Error of a reactor's failure for op.
func reactorError(op string, f *ReactorFailure) *Error {
	return &Error{Kind: kindOfStatus(f.Status), Op: op, Reactor: f}
}

// runtimeFailure is a ReactorRuntimeError raised by the vault for the
// reactor (output too large, memory, async timeout): detail is the vault's
// own text, never data.
// reactorRuntimeError is the class of a reactor's unexpected failure.
const reactorRuntimeError = "ReactorRuntimeError"

func runtimeFailure(op, detail string) *Error {
	return reactorError(op, &ReactorFailure{Status: http.StatusInternalServerError, Name: reactorRuntimeError, Detail: detail,
		Errors: map[string][]string{"error": {detail}}})
}

// reactFailure maps an error of sandbox.Run (or Compile) to what the vault
// returns; see the package documentation, section "Reactors: errors".
func (v *Vault) reactFailure(op string, err error, async bool, timeout time.Duration) error {
	if re, ok := errors.AsType[*sandbox.ReactorError](err); ok {
		out := &ReactorFailure{Status: re.Status, Name: re.Name, Detail: re.Detail, Errors: re.Errors}
		if re.Custom != nil {
			out.Custom = &CustomResponse{Status: re.Custom.Status, Headers: re.Custom.Headers.Clone(), Body: re.Custom.Body}
		}
		return reactorError(op, out)
	}
	if le, ok := errors.AsType[*sandbox.LimitError](err); ok {
		switch le.Limit {
		case sandbox.LimitTimeout:
			detail := "the reactor ran past its time limit of " + timeout.String()
			if async {
				return runtimeFailure(op, detail)
			}
			return &Error{Kind: KindTimeout, Op: op, Detail: detail, Err: err}
		case sandbox.LimitPayload:
			if le.What == "args" {
				return &Error{Kind: KindPayloadTooLarge, Op: op, Detail: fmt.Sprintf("the args are larger than %d bytes", le.Max), Err: err}
			}
			return runtimeFailure(op, fmt.Sprintf("the reactor's %s is larger than %d bytes", le.What, le.Max))
		case sandbox.LimitMemory:
			return runtimeFailure(op, "the reactor exceeded its memory budget")
		case sandbox.LimitCodeSize:
			return compileFailure(op, err)
		}
	}
	if _, ok := errors.AsType[*sandbox.CompileError](err); ok {
		return compileFailure(op, err)
	}
	return wrapErr(op, err)
}

// requireInvoke checks that p may invoke reactors: reactor:invoke, or the
// legacy token:use (which reactor:invoke grants), in its permissions or any
// of its rules.
func requireInvoke(op string, p *Principal) error {
	if p.holdsAnywhere(PermTokenUse) {
		return nil
	}
	return newError(KindForbidden, op, "the caller lacks %s", PermReactorInvoke)
}

// invocation is everything needed to run a reactor, read at once.
type invocation struct {
	tenant string
	id     string
	name   string
	code   string
	config map[string]string
	params []ReactorFormulaParameter
	app    *Principal // nil without an application
	// prog is the compiled code when the compile cache had it at load time
	// (code is then empty); otherwise execute compiles code.
	prog *sandbox.Program
}

// loadInvocation reads a reactor, its formula and its application in one
// transaction, and opens its configuration.
func (v *Vault) loadInvocation(ctx context.Context, op, tenant, id string, tk *keys.TenantKeys) (*invocation, error) {
	inv := &invocation{tenant: tenant, id: id}
	var rec *reactorRecord
	err := v.view(ctx, op, func(tx storage.Tx) error {
		inv.params, inv.app = nil, nil
		var err error
		if rec, inv.prog, err = v.getReactorProgram(tx, op, tenant, id); err != nil {
			return err
		}
		inv.name, inv.code = rec.Name, rec.Code
		if rec.FormulaID != "" {
			inv.prog = nil
			f, err := reactorFormulaTable.get(tx, tenant, rec.FormulaID)
			if errors.Is(err, errRecordNotFound) {
				return newError(KindConflict, op, "the reactor's formula no longer exists")
			}
			if err != nil {
				return err
			}
			inv.code, inv.params = f.Code, f.RequestParameters
		}
		if rec.AppID != "" {
			app, err := applicationTable.get(tx, tenant, rec.AppID)
			if errors.Is(err, errRecordNotFound) {
				return newError(KindConflict, op, "the reactor's application no longer exists")
			}
			if err != nil {
				return err
			}
			inv.app = &Principal{TenantID: tenant, ApplicationID: app.ID, ApplicationType: app.Type, ApplicationName: app.Name,
				Permissions: app.Permissions, Rules: app.Rules}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if inv.config, err = v.openConfig(ctx, tenant, tk, rec.sealedConfig()); err != nil {
		return nil, wrapErr(op, err)
	}
	return inv, nil
}

// reactorArgs detokenizes args for p with token:use, checks them against the
// formula's request parameters and the payload limit, and returns their
// JSON.
func (v *Vault) reactorArgs(ctx context.Context, op string, p Principal, inv *invocation, args any) ([]byte, error) {
	if args == nil {
		args = map[string]any{}
	}
	if _, isBytes := args.([]byte); !isBytes {
		// Encoded once: args without a template (most) have nothing to
		// detokenize and go to the reactor as they are; the others are
		// detokenized from that JSON. Bytes stay for detokenize to refuse.
		if b, err := encodeArgs(args); err == nil {
			if len(inv.params) == 0 && !bytes.Contains(b, []byte("{{")) && !bytes.Contains(b, []byte("{%")) {
				return v.argsWithinLimit(op, b)
			}
			args = json.RawMessage(b)
		}
	}
	out, err := v.detokenize(ctx, op, p, args, PermTokenUse, v.reactors.maxTokens)
	if err != nil {
		return nil, underPath(op, "args", err)
	}
	if len(inv.params) > 0 {
		fe := fieldErrors{}
		checkRequestParameters(fe, inv.params, out)
		if err := fe.err(op); err != nil {
			return nil, err
		}
	}
	b, err := encodeArgs(out)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return v.argsWithinLimit(op, b)
}

// encodeArgs encodes a reactor's args as JSON, without HTML escapes.
func encodeArgs(args any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(args); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// argsWithinLimit refuses args over the sandbox's payload limit.
func (v *Vault) argsWithinLimit(op string, b []byte) ([]byte, error) {
	if limit := v.reactors.limits.MaxPayload; len(b) > limit {
		clear(b)
		return nil, newError(KindPayloadTooLarge, op, "the args are larger than %d bytes", limit)
	}
	return b, nil
}

// underPath puts the field paths of err, an error of the vault call made
// for op, under prefix ("args", "tokenize").
func underPath(op, prefix string, err error) error {
	e, ok := errors.AsType[*Error](err)
	if !ok {
		return wrapErr(op, err)
	}
	c := *e
	c.Op = op
	if len(e.Fields) > 0 {
		c.Fields = map[string][]string{}
		for path, msgs := range e.Fields {
			c.Fields[joinPath(prefix, path)] = msgs
		}
	}
	return &c
}

// execute runs a reactor on args (JSON, already detokenized) and tokenizes
// what it returned in tokenize, as the reactor's application or else as
// caller.
func (v *Vault) execute(ctx context.Context, op string, inv *invocation, args []byte, caller Principal, timeout time.Duration, async bool) (*ReactResponse, error) {
	prog := inv.prog
	if prog == nil {
		var err error
		if prog, err = v.reactors.sandbox.Compile(inv.code); err != nil {
			return nil, v.reactFailure(op, err, async, timeout)
		}
	}
	req := sandbox.Request{Args: args, Configuration: inv.config, Timeout: timeout}
	if v.reactors.sandbox.Isolated() {
		req.Pool = inv.tenant + "/" + inv.id // a worker serves one reactor of one tenant
	}
	if inv.app != nil {
		req.Host = &reactorHost{v: v, p: *inv.app}
	}
	start := time.Now()
	res, err := v.reactors.sandbox.Run(ctx, prog, req)
	v.obs.ReactorRun(reactorOutcome(err), time.Since(start))
	if err != nil {
		return nil, v.reactFailure(op, err, async, timeout)
	}
	resp := &ReactResponse{Raw: res.Raw}
	if res.Tokenize != nil {
		as := caller
		if inv.app != nil {
			as = *inv.app
		}
		out, err := v.Tokenize(WithTransaction(WithPrincipal(ctx, as), ""), res.Tokenize)
		if err != nil {
			return nil, underPath(op, "tokenize", err)
		}
		if resp.Tokens, err = normalizeJSON(out); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	return resp, nil
}

// React invokes a reactor synchronously and returns what it returned. The
// caller needs reactor:invoke or token:use, and token:use (which
// reactor:invoke stands in for) on the containers of every token its args
// reference. The args are detokenized (at most 100 expressions by default,
// [WithReactorMaxTokens]), checked against the formula's request_parameters,
// and handed to the reactor as req.args with its configuration as
// req.configuration and, when it has an application, req.bt: a client whose
// calls run as that application, outside the caller's token transaction.
// What the reactor returns in tokenize is tokenized as its application, or
// as the caller when it has none. It runs within the sandbox's time limit
// (30 s by default, [WithReactorLimits]). Safe for concurrent use.
//
// Errors: KindNotFound for an unknown reactor; KindForbidden without
// permission or access to a referenced token; KindInvalid for an unknown
// token, a bad expression, too many expressions, args that break the
// formula's request_parameters (paths "args.<name>") or a tokenize output
// that cannot be tokenized (paths "tokenize..."); KindPayloadTooLarge for
// args over the payload limit; KindTimeout when the reactor runs past the
// time limit; KindConflict when the reactor's application or formula was
// deleted; and an *[Error] with Reactor set for a failure of the reactor
// itself (its Kind is the kind of the reactor's status).
// Raises reactor.invoked, then reactor.completed or reactor.failed.
func (v *Vault) React(ctx context.Context, id string, req ReactRequest) (*ReactResponse, error) {
	const op = "React"
	p := v.principal(ctx)
	if err := requireInvoke(op, &p); err != nil {
		return nil, err
	}
	if req.CallbackURL != "" {
		fe := fieldErrors{}
		fe.add(callbackURLField, "%s", callbackSyncRefusal)
		return nil, fe.err(op)
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	inv, err := v.loadInvocation(ctx, op, p.TenantID, id, tk)
	if err != nil {
		return nil, err
	}
	args, err := v.reactorArgs(ctx, op, p, inv, req.Args)
	if err != nil {
		return nil, err
	}
	requestID := uuid.NewString()
	v.emitInvocation(ctx, EventReactorInvoked, inv.tenant, inv.id, inv.name, requestID, invocationSync, -1, nil)
	start := time.Now()
	resp, err := v.execute(ctx, op, inv, args, p, v.reactors.limits.Timeout, false)
	clear(args)
	if err != nil {
		v.emitInvocation(ctx, EventReactorFailed, inv.tenant, inv.id, inv.name, requestID, invocationSync, time.Since(start), err)
		return nil, err
	}
	v.emitInvocation(ctx, EventReactorCompleted, inv.tenant, inv.id, inv.name, requestID, invocationSync, time.Since(start), nil)
	return resp, nil
}

// emitInvocation raises reactor.invoked, reactor.completed or
// reactor.failed in a store transaction of its own, for an invocation that
// has no change to commit the event with (a synchronous one). elapsed < 0
// leaves elapsed_ms out.
func (v *Vault) emitInvocation(ctx context.Context, typ, tenant, reactorID, name, requestID, invocationType string, elapsed time.Duration, err error) {
	v.emit(ctx, tenant, typ, invocationEventData(reactorID, name, requestID, invocationType, elapsed, err))
}

// emitInvocationTx raises the event emitInvocation does inside tx, the
// transaction that records the invocation's change (an asynchronous job's).
func (v *Vault) emitInvocationTx(ctx context.Context, tx storage.Tx, typ, tenant, reactorID, name, requestID, invocationType string, elapsed time.Duration, err error) error {
	return v.emitTx(ctx, tx, tenant, typ, invocationEventData(reactorID, name, requestID, invocationType, elapsed, err))
}

func invocationEventData(reactorID, name, requestID, invocationType string, elapsed time.Duration, err error) map[string]any {
	data := map[string]any{
		"reactor": map[string]any{"id": reactorID, "name": name},
		"request": map[string]any{"id": requestID, "invocation_type": invocationType},
	}
	if elapsed >= 0 {
		data["elapsed_ms"] = elapsed.Milliseconds()
	}
	if err != nil {
		data["error"] = failureSummary(err)
	}
	return data
}

// failureSummary names a failure without its data: the reactor error's
// class and status, or the vault error's kind and detail (which never holds
// data).
func failureSummary(err error) string {
	if e, ok := errors.AsType[*Error](err); ok && e.Reactor != nil {
		return e.Reactor.String()
	}
	e := wrapErr("", err).(*Error)
	if e.Kind == KindInternal || e.Detail == "" {
		return e.Kind.String()
	}
	return e.Kind.String() + ": " + e.Detail
}

// reactorHost backs req.bt with the vault's own methods, acting as the
// reactor's application.
type reactorHost struct {
	v *Vault
	p Principal
}

// Call runs one basis-theory-js method (see sandbox.Host). Results are the
// REST bodies; failures are hostErrors with the REST status and a
// problem-details body.
func (h *reactorHost) Call(ctx context.Context, method string, args []json.RawMessage) (json.RawMessage, error) {
	ctx = WithTransaction(WithPrincipal(ctx, h.p), "")
	v := h.v
	arg := func(i int) json.RawMessage {
		if i < len(args) && len(args[i]) > 0 {
			return args[i]
		}
		return json.RawMessage("null")
	}
	var out any
	var err error
	switch method {
	case sandbox.MethodTokensCreate:
		var req CreateTokenRequest
		if err = decodeArg(arg(0), &req); err == nil {
			out, err = v.CreateToken(ctx, req)
		}
	case sandbox.MethodTokensRetrieve:
		var id string
		if err = decodeArg(arg(0), &id); err == nil {
			out, err = v.GetToken(ctx, id)
		}
	case sandbox.MethodTokensUpdate:
		var id string
		var req UpdateTokenRequest
		if err = decodeArg(arg(0), &id); err == nil {
			if err = decodeArg(arg(1), &req); err == nil {
				out, err = v.UpdateToken(ctx, id, req)
			}
		}
	case sandbox.MethodTokensDelete:
		var id string
		if err = decodeArg(arg(0), &id); err == nil {
			err = v.DeleteToken(ctx, id)
		}
		if err == nil {
			return nil, nil
		}
	case sandbox.MethodTokensList:
		var q btListQuery
		if err = decodeArg(arg(0), &q); err == nil {
			var req ListTokensRequest
			if req, err = q.request(); err == nil {
				out, err = v.ListTokens(ctx, req)
			}
		}
	case sandbox.MethodTokensSearch:
		var q btSearchQuery
		if err = decodeArg(arg(0), &q); err == nil {
			out, err = v.SearchTokens(ctx, SearchTokensRequest{Query: q.Query, Start: q.Start, Size: max(q.Size, q.PageSize)})
		}
	case sandbox.MethodTokenize:
		out, err = v.Tokenize(ctx, arg(0))
	case sandbox.MethodDetokenize:
		out, err = v.Detokenize(ctx, arg(0))
	default:
		err = newError(KindNotFound, method, "the method is not available")
	}
	if err != nil {
		return nil, hostFailure(err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, hostFailure(wrapErr(method, err))
	}
	return b, nil
}

// decodeArg decodes one bt argument, keeping numbers exact; a null argument
// leaves dst as is.
func decodeArg(raw json.RawMessage, dst any) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return invalidField("bt", "", "the request body is not valid")
	}
	return nil
}

// btListQuery is the query of bt.tokens.list, snake-cased by the sandbox.
type btListQuery struct {
	Type        any               `json:"type"`
	Container   string            `json:"container"`
	Fingerprint string            `json:"fingerprint"`
	Metadata    map[string]string `json:"metadata"`
	Start       string            `json:"start"`
	Size        int               `json:"size"`
	PageSize    int               `json:"page_size"`
}

func (q btListQuery) request() (ListTokensRequest, error) {
	req := ListTokensRequest{Container: q.Container, Fingerprint: q.Fingerprint, Metadata: q.Metadata, Start: q.Start, Size: max(q.Size, q.PageSize)}
	switch t := q.Type.(type) {
	case nil:
	case string:
		req.Type = t
	case []any:
		if len(t) > 1 {
			return req, invalidField("bt", "type", "filter by one type at most")
		}
		if len(t) == 1 {
			s, ok := t[0].(string)
			if !ok {
				return req, invalidField("bt", "type", "must be a string")
			}
			req.Type = s
		}
	default:
		return req, invalidField("bt", "type", "must be a string")
	}
	return req, nil
}

// btSearchQuery is the query of bt.tokens.search.
type btSearchQuery struct {
	Query    string `json:"query"`
	Start    string `json:"start"`
	Size     int    `json:"size"`
	PageSize int    `json:"page_size"`
}

// hostError is a failed bt call as the REST API would answer it: reactor
// code sees Status as e.status and the problem-details Body as e.data.
type hostError struct {
	status int
	body   json.RawMessage
	err    error
}

// Error names the status only.
func (e *hostError) Error() string {
	return "vault: bt call failed with status " + strconv.Itoa(e.status)
}

// Unwrap returns the vault error.
func (e *hostError) Unwrap() error { return e.err }

// Status is the HTTP status, for sandbox.HTTPError.
func (e *hostError) Status() int { return e.status }

// Body is the problem-details body, for sandbox.HTTPError.
func (e *hostError) Body() json.RawMessage { return e.body }

// hostFailure renders a vault error as the REST API's problem details.
func hostFailure(err error) error {
	e := wrapErr("", err).(*Error)
	status := e.Kind.Status()
	problem := map[string]any{"title": http.StatusText(status), "status": status}
	if e.Kind == KindInternal {
		problem["detail"] = "internal error"
	} else {
		if e.Detail != "" {
			problem["detail"] = e.Detail
		}
		if len(e.Fields) > 0 {
			problem["errors"] = maps.Clone(e.Fields)
			if status == http.StatusBadRequest {
				problem["title"] = "One or more validation errors occurred."
			}
		}
	}
	body, _ := json.Marshal(problem)
	return &hostError{status: status, body: body, err: err}
}

// decodeResponse reads a stored ReactResponse: raw as is, tokens in generic
// JSON form.
func decodeResponse(b []byte) (*ReactResponse, error) {
	var stored struct {
		Tokens json.RawMessage `json:"tokens"`
		Raw    json.RawMessage `json:"raw"`
	}
	if err := json.Unmarshal(b, &stored); err != nil {
		return nil, err
	}
	resp := &ReactResponse{Raw: stored.Raw}
	if len(stored.Tokens) > 0 {
		t, err := jsonv.Decode(stored.Tokens)
		if err != nil {
			return nil, err
		}
		resp.Tokens = t
	}
	return resp, nil
}
