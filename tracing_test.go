package vault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tokenvault/vault"
)

// TestTracing: each store transaction of an operation is a span named by
// the operation, a child of the caller's span; a failure records its kind
// only; background work makes no spans; no span carries the card number,
// the token's id or a reactor's configuration value.
func TestTracing(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	v, err := vault.OpenMemory(vault.WithTracerProvider(tp), vault.WithSweepInterval(0))
	require.NoError(t, err)

	const card, cfg = "4000056655665556", "cfg-canary-2b9d41"
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": card, "expiration_month": 12, "expiration_year": 2030}})
	require.NoError(t, err)
	_, err = v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	_, err = v.GetToken(ctx, tok.ID+"-"+card)
	require.ErrorIs(t, err, vault.ErrNotFound)
	r, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r", Configuration: map[string]string{"API_KEY": cfg},
		Code: `module.exports = async function (req) { throw new Error(req.configuration.API_KEY + req.args.n); };`})
	require.NoError(t, err)
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"n": card}})
	require.Error(t, err)
	parent.End()
	require.NoError(t, v.Close()) // the background work is over: its spans, if any, are recorded

	spans := rec.Ended()
	count := map[string]int{}
	for _, s := range spans {
		count[s.Name()]++
		if s.Name() == "caller" {
			continue
		}
		assert.True(t, strings.HasPrefix(s.Name(), "vault."), s.Name())
		assert.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID(), "%s is a child of the caller's span", s.Name())
		var text strings.Builder
		text.WriteString(s.Name() + " " + s.Status().Description)
		for _, kv := range s.Attributes() {
			text.WriteString(" " + string(kv.Key) + "=" + kv.Value.String())
		}
		for _, e := range s.Events() {
			text.WriteString(" " + e.Name)
		}
		for _, canary := range []string{card, tok.ID, cfg, r.ID} {
			assert.NotContains(t, text.String(), canary, "span %s", s.Name())
		}
		if s.Status().Code == codes.Error {
			assert.Contains(t, []string{"not_found", "invalid", "internal", "unprocessable"}, s.Status().Description, s.Name())
		}
	}
	assert.Positive(t, count["vault.CreateToken"], "spans: %v", count)
	assert.Positive(t, count["vault.GetToken"], "spans: %v", count)
	assert.Positive(t, count["vault.React"], "spans: %v", count)
	for _, bg := range []string{"vault.DeliverEvents", "vault.Sweep", "vault.RunJob", "vault.AcquireLease", "vault.SweepAudit"} {
		assert.Zero(t, count[bg], "background work is not traced: %v", count)
	}
	var notFound int
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			if kv.Key == "vault.error.kind" && kv.Value.AsString() == "not_found" {
				notFound++
				assert.Equal(t, codes.Error, s.Status().Code)
			}
		}
	}
	assert.Positive(t, notFound, "the missing token's read failed as not_found")
}

// TestTracingOff: without a tracer provider no span reaches the caller's
// provider, and the operations work as before.
func TestTracingOff(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	v, err := vault.OpenMemory(vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	parent.End()
	require.Len(t, rec.Ended(), 1, "the caller's span only")
}
