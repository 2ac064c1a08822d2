package vault

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Event types raised by the vault. Event data never holds token data, keys or
// credentials: only ids, types and non-sensitive attributes.
const (
	EventTokenCreated         = "token.created"
	EventTokenUpdated         = "token.updated"
	EventTokenDeleted         = "token.deleted"
	EventTokenExpired         = "token.expired"
	EventTokenPropertyExpired = "token.property.expired"
)

// Reactor event types. reactor.created and reactor.updated carry
// {reactor: {id, name, created_by, created_at, modified_by, modified_at}},
// reactor.deleted {reactor: {id, name}}; reactor.invoked carries
// {reactor: {id, name}, request: {id, invocation_type}} (sync or async),
// reactor.completed adds elapsed_ms and reactor.failed adds elapsed_ms and
// error, which names only the error class or kind. Their data never holds
// configuration, code, args or results.
const (
	EventReactorCreated   = "reactor.created"
	EventReactorUpdated   = "reactor.updated"
	EventReactorDeleted   = "reactor.deleted"
	EventReactorInvoked   = "reactor.invoked"
	EventReactorCompleted = "reactor.completed"
	EventReactorFailed    = "reactor.failed"
)

// Event is something that happened in a tenant, as webhooks will deliver it.
type Event struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	TenantID  string         `json:"tenant_id"`
	TraceID   string         `json:"trace_id,omitempty"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

type traceKey struct{}

// WithTraceID returns a context whose calls raise events carrying the
// correlation id (the BT-TRACE-ID header).
func WithTraceID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, traceKey{}, id)
}

// TraceID returns the correlation id of ctx, or "".
func TraceID(ctx context.Context) string {
	id, _ := ctx.Value(traceKey{}).(string)
	return id
}

// WithEventHandler registers fn to receive every event after the change it
// describes has committed. fn runs on the goroutine that made the change (or
// on the background worker, for expiry) and must not block for long; it must
// not call back into the vault synchronously in a way that waits for the
// call that raised the event.
func WithEventHandler(fn func(ctx context.Context, e Event)) Option {
	return func(c *config) { c.events = append(c.events, fn) }
}

// emit delivers an event to the registered handlers.
func (v *Vault) emit(ctx context.Context, tenant, typ string, data map[string]any) {
	if len(v.events) == 0 {
		return
	}
	e := Event{ID: uuid.NewString(), Type: typ, TenantID: tenant, TraceID: TraceID(ctx), Timestamp: v.now().UTC(), Data: data}
	for _, fn := range v.events {
		fn(ctx, e)
	}
}
