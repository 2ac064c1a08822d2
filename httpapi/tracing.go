package httpapi

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracerName is the instrumentation scope of the handler's spans.
const tracerName = "github.com/tokenvault/vault/httpapi"

// unmatchedSpan names the span of a request no route matched (404, 405).
const unmatchedSpan = "unmatched"

// Attributes of a request span.
const (
	attrStatus  = attribute.Key("http.response.status_code")
	attrTraceID = attribute.Key("bt.trace_id") // the BT-TRACE-ID the response echoes
)

// WithTracerProvider makes the handler trace each request with tp
// (default: none, and tracing costs nothing). A request's span is a server
// span named by the ServeMux pattern that matched ("POST /tokens", never
// the request's path; "unmatched" for a 404 or 405 of the mux), a child of
// the W3C traceparent the request carries, if any. Its attributes are the
// status code (http.response.status_code) and the request's BT-TRACE-ID
// (bt.trace_id); a 5xx sets its status to Error. It never carries the path,
// the query, headers, the body, the caller's tenant or key. The vault's own
// spans (see vault.WithTracerProvider) are its children.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tracerProvider = tp }
}

// traceContext reads the traceparent and tracestate headers.
var traceContext propagation.TraceContext

// startSpan starts the span of request r, whose matched pattern is pattern,
// and returns r with the span in its context.
func (h *handler) startSpan(r *http.Request, pattern, traceID string) (*http.Request, trace.Span) {
	name := pattern
	if _, ok := h.known[pattern]; !ok {
		name = unmatchedSpan
	}
	ctx := traceContext.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := h.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attrTraceID.String(traceID)))
	return r.WithContext(ctx), span
}

// endSpan ends a request's span with its status.
func endSpan(span trace.Span, status int) {
	span.SetAttributes(attrStatus.Int(status))
	if status >= http.StatusInternalServerError {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}
