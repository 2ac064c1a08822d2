package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenvault/vault"
)

// Headers the handler reads or writes.
const (
	// HeaderAPIKey carries the API key or session key of every request.
	HeaderAPIKey = "BT-API-KEY"
	// HeaderLegacyAPIKey is the 2021 API's name for the key, still accepted.
	HeaderLegacyAPIKey = "X-API-KEY"
	// HeaderTraceID correlates a request with its logs and events; the
	// handler makes one up when the request has none, and always echoes it.
	HeaderTraceID = "BT-TRACE-ID"
	// HeaderIdempotencyKey makes a POST, PUT or PATCH safe to retry.
	HeaderIdempotencyKey = "BT-IDEMPOTENCY-KEY"
	// HeaderTransactionID enlists a token create, update, delete or tokenize
	// in a token transaction.
	HeaderTransactionID = "BT-TRANSACTION-ID"
)

// DefaultMaxBodySize is the largest request body accepted unless
// WithMaxBodySize says otherwise: 1 MiB, the hosted platform's payload limit.
const DefaultMaxBodySize = 1 << 20

const (
	contentJSON       = "application/json; charset=utf-8"
	contentProblem    = "application/problem+json; charset=utf-8"
	contentMergePatch = "application/merge-patch+json"
	maxTraceID        = 128
)

// Option configures the handler New returns.
type Option func(*config)

type config struct {
	log       *slog.Logger
	observer  RequestObserver
	maxBody   int64
	backups   bool
	backupDir string

	tracerProvider trace.TracerProvider
}

// WithLogger sets the logger of the access log (one line per request:
// method, route pattern, status, duration, trace id, tenant and
// application) and of internal errors. It never receives bodies, keys or
// token data. By default the handler logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithMaxBodySize sets the largest request body, in bytes, that the handler
// reads; a larger one is refused with 413. Zero or less keeps
// DefaultMaxBodySize.
func WithMaxBodySize(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithBackups serves GET /admin/backup: a consistent copy of the vault's
// store, for a management application of the default tenant holding
// tenant:read. The copy is written to a temporary file under dir (the system
// temporary directory when empty), streamed, and removed. The route exists
// only when the store can copy itself while serving (storage.Backuper, as
// storage/bolt does).
func WithBackups(dir string) Option {
	return func(c *config) { c.backups, c.backupDir = true, dir }
}

// RequestObserver receives one call per request the handler served, for
// metrics: its route is the ServeMux pattern that matched ("GET
// /tokens/{id}"), never the request's path (ids and data can be in paths),
// or "" when none matched (404, 405). It is called from many goroutines at
// once and must return quickly.
type RequestObserver interface {
	ObserveRequest(route string, status int, d time.Duration)
}

// WithRequestObserver sets the observer of requests (default: none).
func WithRequestObserver(o RequestObserver) Option { return func(c *config) { c.observer = o } }

// handler is the http.Handler New returns.
type handler struct {
	v         *vault.Vault
	log       *slog.Logger
	maxBody   int64
	backupDir string
	observer  RequestObserver // nil: none
	tracer    trace.Tracer    // nil: no tracing
	mux       *http.ServeMux
	patterns  []string            // as registered, for tests
	known     map[string]struct{} // the patterns, for span names
}

// New returns the REST API of v (see the package documentation for routes,
// headers and errors). Every request authenticates with an API key; the
// handler decodes it, calls the vault as that key's principal, and encodes
// the result. The handler is safe for concurrent use and starts no
// goroutines.
func New(v *vault.Vault, opts ...Option) http.Handler {
	cfg := config{maxBody: DefaultMaxBodySize}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	if cfg.maxBody <= 0 {
		cfg.maxBody = DefaultMaxBodySize
	}
	h := &handler{v: v, log: cfg.log, maxBody: cfg.maxBody, backupDir: cfg.backupDir, observer: cfg.observer, mux: http.NewServeMux(),
		known: map[string]struct{}{}}
	if cfg.tracerProvider != nil {
		h.tracer = cfg.tracerProvider.Tracer(tracerName)
	}
	h.routes(cfg)
	return h
}

// An endpoint decodes its request from c, calls the vault with c.ctx and
// returns the status and the value to encode as JSON (nil for no body), or
// an error, which becomes a ProblemDetails response.
type endpoint func(c *call) (status int, body any, err error)

// A streamEndpoint writes its own successful response (a file); an error
// returned before it wrote anything becomes a ProblemDetails response.
type streamEndpoint func(c *call, w http.ResponseWriter) error

// route is one registered pattern.
type route struct {
	fn     endpoint
	stream streamEndpoint
	// enlists marks the operations that BT-TRANSACTION-ID enlists in a
	// token transaction: token create, update, delete and tokenize.
	enlists bool
	// anonymous marks a route served without an API key (the health
	// probes): its call has no caller.
	anonymous bool
}

// routeOption adjusts a route at registration.
type routeOption func(*route)

// enlisted marks a route whose operation joins the token transaction named
// by BT-TRANSACTION-ID.
func enlisted(r *route) { r.enlists = true }

// anonymous marks a route that needs no API key.
func anonymous(r *route) { r.anonymous = true }

// handle registers an endpoint under a ServeMux pattern ("POST /tokens").
func (h *handler) handle(pattern string, fn endpoint, opts ...routeOption) {
	rt := &route{fn: fn}
	for _, o := range opts {
		o(rt)
	}
	h.mux.Handle(pattern, h.serve(rt))
	h.patterns = append(h.patterns, pattern)
	h.known[pattern] = struct{}{}
}

// handleStream registers an endpoint that streams its response.
func (h *handler) handleStream(pattern string, fn streamEndpoint) {
	h.mux.Handle(pattern, h.serve(&route{stream: fn}))
	h.patterns = append(h.patterns, pattern)
	h.known[pattern] = struct{}{}
}

// call is one authenticated request on its way to the vault.
type call struct {
	r *http.Request
	// ctx carries the caller's principal and trace id (and, for enlisted
	// routes, the transaction) into every vault call.
	ctx    context.Context
	caller vault.Principal
	body   []byte
}

// id returns the URL-decoded path wildcard name.
func (c *call) id(name string) string { return c.r.PathValue(name) }

// decode decodes the JSON body into dst (see decodeBody).
func (c *call) decode(dst any) error { return decodeBody(c.body, dst) }

// ServeHTTP tags the request with its trace id, starts its span when
// tracing, routes it, turns the mux's own 404 and 405 into ProblemDetails,
// and writes the access log line.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &record{ResponseWriter: w, trace: traceID(r.Header.Get(HeaderTraceID))}
	w.Header().Set(HeaderTraceID, rec.trace)
	_, pattern := h.mux.Handler(r)
	var span trace.Span
	if h.tracer != nil {
		r, span = h.startSpan(r, pattern, rec.trace)
	}
	if pattern == "" {
		h.mux.ServeHTTP(&problemWriter{record: rec}, r)
	} else {
		h.mux.ServeHTTP(rec, r)
	}
	d := time.Since(start)
	status := cmp.Or(rec.status, http.StatusOK)
	if span != nil {
		endSpan(span, status)
	}
	h.logRequest(r, rec, d)
	if h.observer != nil {
		h.observer.ObserveRequest(r.Pattern, status, d)
	}
}

// traceID returns the request's trace id when it is a plausible one (1 to
// 128 visible ASCII characters), and a new UUID otherwise.
func traceID(in string) string {
	if in == "" || len(in) > maxTraceID {
		return uuid.NewString()
	}
	for i := range len(in) {
		if in[i] <= ' ' || in[i] > '~' {
			return uuid.NewString()
		}
	}
	return in
}

// serve is the pipeline of every route: authenticate, check the content
// type, read the body, enlist, then run the endpoint, through the
// idempotency record when the request carries a key.
func (h *handler) serve(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*record)
		if !ok { // not reached through ServeHTTP: still a working handler
			rec = &record{ResponseWriter: w, trace: traceID(r.Header.Get(HeaderTraceID))}
			w.Header().Set(HeaderTraceID, rec.trace)
		}
		defer h.recoverPanic(rec, r)
		c, err := h.begin(rt, rec, r)
		if err != nil {
			h.errorResponse(rec, err).write(rec)
			return
		}
		if rt.stream != nil {
			if err := rt.stream(c, rec); err != nil && rec.status == 0 {
				h.errorResponse(rec, err).write(rec)
			}
			return
		}
		if key := r.Header.Get(HeaderIdempotencyKey); key != "" && bodyMethod(r.Method) {
			h.idempotent(rec, rt, c, key).write(rec)
			return
		}
		h.run(rec, rt, c).write(rec)
	})
}

// bodyMethod reports whether requests of the method carry a body, and so an
// idempotency key.
func bodyMethod(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
}

// begin checks the request's text, authenticates it and prepares its call.
func (h *handler) begin(rt *route, rec *record, r *http.Request) (*call, error) {
	if err := checkText(rt, r); err != nil {
		return nil, err
	}
	if rt.anonymous {
		return &call{r: r, ctx: vault.WithTraceID(r.Context(), rec.trace)}, nil
	}
	key := r.Header.Get(HeaderAPIKey)
	if key == "" {
		key = r.Header.Get(HeaderLegacyAPIKey)
	}
	if key == "" {
		return nil, &vault.Error{Kind: vault.KindUnauthenticated, Op: "Authenticate", Detail: "the BT-API-KEY header is required"}
	}
	p, err := h.v.Authenticate(r.Context(), key)
	if err != nil {
		return nil, err
	}
	rec.tenant, rec.app, rec.session = p.TenantID, p.ApplicationID, p.SessionID
	c := &call{r: r, caller: p, ctx: vault.WithTraceID(vault.WithPrincipal(r.Context(), p), rec.trace)}
	if r.Method == http.MethodPatch {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != contentMergePatch {
			return nil, &vault.Error{Kind: vault.KindUnsupportedMediaType, Op: "DecodeRequest",
				Detail: "PATCH requests must have Content-Type application/merge-patch+json"}
		}
	}
	if bodyMethod(r.Method) {
		if c.body, err = h.readBody(rec, r); err != nil {
			return nil, err
		}
		if err := checkBody(c.body); err != nil {
			return nil, err
		}
	}
	if rt.enlists {
		if c.ctx, err = h.enlist(c.ctx, r); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// enlist is the one place where BT-TRANSACTION-ID is read: for the routes
// marked enlisted (token create, update, delete and tokenize) it returns the
// context that makes their vault call part of the named token transaction.
// The vault has no token transactions yet, so no id can name an open one: a
// request carrying the header is refused as not found, never applied outside
// the transaction it asked for.
func (h *handler) enlist(ctx context.Context, r *http.Request) (context.Context, error) {
	id := r.Header.Get(HeaderTransactionID)
	if id == "" {
		return ctx, nil
	}
	return vault.WithTransaction(ctx, id), nil
}

// readBody reads the whole body, up to the size limit.
func (h *handler) readBody(rec *record, r *http.Request) ([]byte, error) {
	tooLarge := &vault.Error{Kind: vault.KindPayloadTooLarge, Op: "DecodeRequest",
		Detail: "the request body is larger than " + strconv.FormatInt(h.maxBody, 10) + " bytes"}
	if r.ContentLength > h.maxBody {
		return nil, tooLarge
	}
	// The writer underneath the record, so that net/http learns the body
	// was too large and closes the connection rather than drain it.
	b, err := io.ReadAll(http.MaxBytesReader(rec.ResponseWriter, r.Body, h.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge
		}
		return nil, &vault.Error{Kind: vault.KindInvalid, Op: "DecodeRequest", Detail: "the request body could not be read"}
	}
	return b, nil
}

// run calls the endpoint and encodes its outcome.
func (h *handler) run(rec *record, rt *route, c *call) response {
	status, body, err := rt.fn(c)
	if err != nil {
		return h.errorResponse(rec, err)
	}
	if body == nil {
		return response{status: status}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return h.errorResponse(rec, &vault.Error{Kind: vault.KindInternal, Op: "EncodeResponse", Err: err})
	}
	return response{status: status, contentType: contentJSON, body: buf.Bytes()}
}

// idempotent runs the call under the caller's idempotency key: a completed
// key replays its stored response, a key in flight is a conflict, and only a
// successful response is stored.
func (h *handler) idempotent(rec *record, rt *route, c *call, key string) response {
	sum := sha256.New()
	sum.Write([]byte(c.r.Method))
	sum.Write([]byte{0})
	sum.Write([]byte(c.r.URL.RequestURI()))
	sum.Write([]byte{0})
	sum.Write(c.body)
	stored, err := h.v.BeginIdempotent(c.ctx, key, sum.Sum(nil))
	if err != nil {
		return h.errorResponse(rec, err)
	}
	if stored != nil {
		rec.replayed = true
		return response{status: stored.Status, contentType: stored.ContentType, body: stored.Body}
	}
	res := h.run(rec, rt, c)
	// The outcome is recorded even if the client has gone: a retry must see it.
	ctx := context.WithoutCancel(c.ctx)
	if res.status >= 200 && res.status < 300 && !res.failed {
		err = h.v.CompleteIdempotent(ctx, key, vault.IdempotentResponse{Status: res.status, ContentType: res.contentType, Body: res.body})
	} else {
		err = h.v.AbortIdempotent(ctx, key)
	}
	h.logIdempotency(c.r.Context(), rec, err)
	return res
}

// logIdempotency logs the failure, if any, to complete or abort an
// idempotency record: the response goes out all the same.
func (h *handler) logIdempotency(ctx context.Context, rec *record, err error) {
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "idempotency record not updated",
			slog.String("trace_id", rec.trace), slog.String("kind", vault.KindOf(err).String()))
	}
}

// errorResponse is the ProblemDetails response of err. An internal error's
// cause is kept on the record for the access log, the one place it is
// logged. A reactor's own failure (a *vault.Error with Reactor) is rendered as the
// reactor chose (see reactorErrorResponse); it is the reactor's outcome, not
// a fault of the server, so only its class is logged, whatever its status.
func (h *handler) errorResponse(rec *record, err error) response {
	if e, ok := errors.AsType[*vault.Error](err); ok && e.Reactor != nil {
		rec.reactorError = e.Reactor.Name
		return reactorErrorResponse(e.Reactor)
	}
	p := problemFor(err)
	if p.Status >= http.StatusInternalServerError {
		rec.cause = err
	}
	return problemResponse(p)
}

func problemResponse(p ProblemDetails) response {
	b, err := json.Marshal(p)
	if err != nil { // a ProblemDetails always encodes
		b = []byte(`{"title":"Internal Server Error","status":500}`)
	}
	return response{status: p.Status, contentType: contentProblem, body: append(b, '\n')}
}

// recoverPanic answers 500 for a panicking endpoint and logs where it
// happened; the panic value itself is not logged, as it may hold data.
func (h *handler) recoverPanic(rec *record, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	rec.cause = errors.New("panic in handler")
	h.log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
		slog.String("trace_id", rec.trace), slog.String("route", r.Pattern), slog.String("stack", string(debug.Stack())))
	if rec.status == 0 {
		problemResponse(problemFor(&vault.Error{Kind: vault.KindInternal})).write(rec)
	}
}

// logRequest writes the access log line.
func (h *handler) logRequest(r *http.Request, rec *record, d time.Duration) {
	level := slog.LevelInfo
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.Int("status", rec.status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("trace_id", rec.trace),
	)
	if rec.tenant != "" {
		attrs = append(attrs, slog.String("tenant_id", rec.tenant))
	}
	if rec.app != "" {
		attrs = append(attrs, slog.String("application_id", rec.app))
	}
	if rec.session != "" {
		attrs = append(attrs, slog.String("session_id", rec.session))
	}
	if rec.replayed {
		attrs = append(attrs, slog.Bool("idempotent_replay", true))
	}
	if rec.reactorError != "" {
		attrs = append(attrs, slog.String("reactor_error", rec.reactorError))
	}
	if rec.cause != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", rec.cause.Error()))
	}
	h.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// response is an encoded response, kept whole so that it can be stored for
// idempotent replay before it is written.
type response struct {
	status      int
	contentType string
	body        []byte
	// header holds further headers, set before contentType: those of a
	// reactor's CustomHttpResponseError.
	header http.Header
	// failed marks a response that reports a failure whatever its status (a
	// reactor's CustomHttpResponseError may choose a 2xx): it is never stored
	// for idempotent replay.
	failed bool
}

func (res response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range res.header {
		h[k] = vs
	}
	if res.contentType != "" {
		h.Set("Content-Type", res.contentType)
	}
	bodyless := res.status == http.StatusNoContent || res.status == http.StatusNotModified
	if !bodyless {
		h.Set("Content-Length", strconv.Itoa(len(res.body)))
	}
	w.WriteHeader(res.status)
	if len(res.body) > 0 && !bodyless {
		_, _ = w.Write(res.body)
	}
}

// record is the ResponseWriter every route sees: it remembers the status and
// who called, for the access log.
type record struct {
	http.ResponseWriter
	trace    string
	status   int
	tenant   string
	app      string
	session  string
	replayed bool
	cause    error
	// reactorError is the class of the reactor error the response reports
	// ("BadRequestError"), for the access log.
	reactorError string
}

func (rec *record) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *record) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rec *record) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// problemWriter serves the mux's own error responses (no route, wrong
// method) as ProblemDetails; redirects pass through.
type problemWriter struct {
	*record
	replaced bool
}

func (p *problemWriter) WriteHeader(code int) {
	if code < http.StatusBadRequest || p.replaced {
		p.record.WriteHeader(code)
		return
	}
	p.replaced = true
	detail := "No route matches the request path."
	if code == http.StatusMethodNotAllowed {
		detail = "The route does not accept this method; the Allow header lists those it does."
	}
	p.Header().Del("X-Content-Type-Options")
	problemResponse(statusProblem(code, detail)).write(p.record)
}

func (p *problemWriter) Write(b []byte) (int, error) {
	if p.replaced {
		return len(b), nil
	}
	return p.record.Write(b)
}
