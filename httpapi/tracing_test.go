package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
)

// newTracedFixture is newFixture with one SDK tracer provider, recording
// every span, given to both the vault and the handler.
func newTracedFixture(t *testing.T) (*fixture, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	f := newFixture(t, []vault.Option{vault.WithTracerProvider(tp)}, httpapi.WithTracerProvider(tp))
	return f, rec
}

// spanAttr returns the value of the span's attribute key.
func spanAttr(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// TestTracingRequestSpans: a request's span is named by its route pattern,
// carries the BT-TRACE-ID and the status, continues the traceparent the
// request carries, and is the parent of the vault's spans.
func TestTracingRequestSpans(t *testing.T) {
	f, rec := newTracedFixture(t)
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	res, body := f.do(t, "POST", "/tokens", with(key("private"), "BT-TRACE-ID", "trace-abc-123", "traceparent", parent),
		`{"type":"card","data":{"number":"4242424242424242","expiration_month":12,"expiration_year":2030}}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	id := field(decodeJSON(t, body), "id").(string)
	res, _ = f.do(t, "GET", "/tokens/"+id, key("private"), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = f.do(t, "GET", "/no/such/route", nil, "")
	require.Equal(t, http.StatusNotFound, res.StatusCode)

	spans := rec.Ended()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	require.Len(t, byName["POST /tokens"], 1, "spans: %v", names(spans))
	req := byName["POST /tokens"][0]
	assert.Equal(t, trace.SpanKindServer, req.SpanKind())
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", req.SpanContext().TraceID().String(), "the traceparent is honoured")
	assert.Equal(t, "00f067aa0ba902b7", req.Parent().SpanID().String())
	tid, ok := spanAttr(req, "bt.trace_id")
	require.True(t, ok)
	assert.Equal(t, "trace-abc-123", tid.AsString())
	status, ok := spanAttr(req, "http.response.status_code")
	require.True(t, ok)
	assert.Equal(t, int64(http.StatusCreated), status.AsInt64())
	assert.Equal(t, codes.Unset, req.Status().Code)

	// The request's trace holds the request's span and, as its children,
	// the spans of the vault's transactions (the fixture's own tokens,
	// created before, have root spans of their own).
	inTrace := map[string]int{}
	for _, s := range spans {
		if s.SpanContext().TraceID() != req.SpanContext().TraceID() || s.Name() == "POST /tokens" {
			continue
		}
		inTrace[s.Name()]++
		assert.Equal(t, req.SpanContext().SpanID(), s.Parent().SpanID(), "%s is a child of the request's span", s.Name())
		assert.Equal(t, trace.SpanKindInternal, s.SpanKind())
	}
	assert.Positive(t, inTrace["vault.CreateToken"], "spans in the trace: %v", inTrace)
	assert.Positive(t, inTrace["vault.Authenticate"], "spans in the trace: %v", inTrace)
	for name := range inTrace {
		assert.True(t, strings.HasPrefix(name, "vault."), name)
	}

	require.Len(t, byName["GET /tokens/{id}"], 1, "the pattern, never the path: %v", names(spans))
	get := byName["GET /tokens/{id}"][0]
	assert.False(t, get.Parent().IsValid(), "no traceparent: a root span")
	require.Len(t, byName["unmatched"], 1, "spans: %v", names(spans))
	status, _ = spanAttr(byName["unmatched"][0], "http.response.status_code")
	assert.Equal(t, int64(http.StatusNotFound), status.AsInt64())
}

// TestTracingErrorKind: a failed vault operation's span has the error's
// kind as its status and attribute, not its text.
func TestTracingErrorKind(t *testing.T) {
	f, rec := newTracedFixture(t)
	res, _ := f.do(t, "GET", "/tokens/no-such-token-77", key("private"), "")
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	var failed []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if kind, ok := spanAttr(s, "vault.error.kind"); ok {
			assert.Equal(t, "not_found", kind.AsString(), s.Name())
			assert.Equal(t, codes.Error, s.Status().Code)
			assert.Equal(t, "not_found", s.Status().Description)
			failed = append(failed, s)
		}
	}
	require.NotEmpty(t, failed, "spans: %v", names(rec.Ended()))
}

// TestTracingCanary: a card number, a token id and a reactor's
// configuration value sent through traced requests, failing ones too,
// appear in no span's name, attributes, events, links or status.
func TestTracingCanary(t *testing.T) {
	f, rec := newTracedFixture(t)
	const card = "4000056655665556"
	const cfg = "cfg-canary-7c1e5d"
	ctx := context.Background()
	inv, err := f.v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "invoker", Type: vault.AppPrivate,
		Permissions: []string{vault.PermReactorInvoke, vault.PermTokenCreate}})
	require.NoError(t, err)
	f.vars["invoker"] = inv.Key.Reveal()

	res, body := f.do(t, "POST", "/tokens", key("private"),
		`{"type":"card","data":{"number":"`+card+`","expiration_month":12,"expiration_year":2030}}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	id := field(decodeJSON(t, body), "id").(string)
	f.do(t, "GET", "/tokens/"+id, key("private"), "")
	f.do(t, "PATCH", "/tokens/"+id, mergePatch("private"), `{"data":{"number":"`+card+`x"}}`) // refused: not a card number
	f.do(t, "POST", "/tokens", key("private"), `{"type":"card","id":"`+id+`","data":{"number":"`+card+`"}}`)
	f.do(t, "DELETE", "/tokens/"+id+"-"+card, key("private"), "")

	code := `module.exports = async function (req) { throw new Error('boom ' + req.configuration.API_KEY + ' ' + req.args.n); };`
	b, err := json.Marshal(map[string]any{"name": "canary", "code": code, "configuration": map[string]string{"API_KEY": cfg}})
	require.NoError(t, err)
	res, body = f.do(t, "POST", "/reactors", key("mgmt"), string(b))
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	rid := field(decodeJSON(t, body), "id").(string)
	res, _ = f.do(t, "POST", "/reactors/"+rid+"/react", key("invoker"), `{"args":{"n":"`+card+`"}}`)
	require.GreaterOrEqual(t, res.StatusCode, 400, "the reactor throws")
	f.do(t, "GET", "/reactors/"+rid, key("mgmt"), "")

	spans := rec.Ended()
	got := names(spans)
	for _, want := range []string{"POST /tokens", "PATCH /tokens/{id}", "POST /reactors", "POST /reactors/{id}/react", "vault.CreateToken", "vault.React"} {
		assert.Contains(t, got, want, "the canaries went through traced paths")
	}
	for _, s := range spans {
		text := spanText(s)
		for _, canary := range []string{card, id, cfg, rid} {
			assert.NotContains(t, text, canary, "span %s", s.Name())
		}
	}
}

// spanText is everything a span carries, as text.
func spanText(s sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	b.WriteString(s.Name() + "\n" + s.Status().Description + "\n")
	for _, kv := range s.Attributes() {
		b.WriteString(string(kv.Key) + "=" + kv.Value.String() + "\n")
	}
	for _, e := range s.Events() {
		b.WriteString(e.Name + "\n")
		for _, kv := range e.Attributes {
			b.WriteString(string(kv.Key) + "=" + kv.Value.String() + "\n")
		}
	}
	for _, l := range s.Links() {
		for _, kv := range l.Attributes {
			b.WriteString(string(kv.Key) + "=" + kv.Value.String() + "\n")
		}
	}
	for _, kv := range s.Resource().Attributes() {
		b.WriteString(string(kv.Key) + "=" + kv.Value.String() + "\n")
	}
	return b.String()
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name()
	}
	return out
}
