package vault

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracerName is the instrumentation scope of the vault's spans.
const tracerName = "github.com/tokenvault/vault"

// Attributes of the vault's spans. They hold values from small fixed sets
// only: never a tenant, an id, a key, a URL, a configuration value or data.
const (
	attrTxWrite   = attribute.Key("vault.tx.write")   // true for a read-write store transaction
	attrErrorKind = attribute.Key("vault.error.kind") // the Kind of the error, e.g. "not_found"
)

// WithTracerProvider makes the vault trace its store transactions with tp
// (default: none, and tracing costs nothing). Each transaction an operation
// runs is one span named "vault." and the operation ("vault.CreateToken"),
// a child of the span the context carries, if any (httpapi's request span).
// An operation that runs several transactions has several spans; one that
// fails before its first transaction (a request refused by validation) has
// none. A span carries whether the transaction wrote and, when it failed,
// the error's [Kind] as its status and the vault.error.kind attribute: never
// the error's text, the tenant, an id, token data, keys or configuration.
// Background work (the outbox, jobs, sweepers) makes no spans.
//
// Only the OpenTelemetry API is imported here; the SDK and the exporter are
// the embedding program's choice.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tracerProvider = tp }
}

// backgroundKey marks the context of the vault's background work, which is
// not traced.
type backgroundKey struct{}

// startSpan starts the span of one store transaction of op, or returns a
// nil span when the vault has no tracer or ctx is background work's.
func (v *Vault) startSpan(ctx context.Context, op string, write bool) trace.Span {
	if v.tracer == nil || ctx.Value(backgroundKey{}) != nil {
		return nil
	}
	_, span := v.tracer.Start(ctx, "vault."+op, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attrTxWrite.Bool(write)))
	return span
}

// endSpan ends span (nil: none) with the outcome of its transaction: err is
// the vault's error for the caller, whose text is never recorded.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		kind := KindOf(err).String()
		span.SetAttributes(attrErrorKind.String(kind))
		span.SetStatus(codes.Error, kind)
	}
	span.End()
}
