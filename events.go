package vault

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// Events and the outbox. Every change raises its event inside the store
// transaction that makes the change (emitTx): the event is an entry of the
// outbox, a bucket of the same store, and it commits or rolls back with the
// change, so an event is never lost after a crash and never raised for a
// change that did not commit. A dispatcher (outbox.go) delivers the entries
// to the handlers of [WithEventHandler] after commit: at least once, in
// commit order per tenant, each with its Event.ID for de-duplication. With
// no handler registered nothing is written: emitTx returns at once.
//
// Layout, for tenant T:
//
//	outbox         key: str(T) seq    value: the Event as JSON
//	outbox.state   key: str(T)        value: N M
//
// str is keyenc's string encoding (the tenant prefix of records.go); seq, N
// and M are 8-byte big-endian integers. seq numbers a tenant's events from
// 1; N is the last sequence number written and M the last delivered
// (M <= N); the entries after M wait for delivery. Event data holds only
// ids, types and non-sensitive attributes by design (never token data, keys,
// credentials or configuration), so entries are not sealed.
//
// emitTx reads and increments N in the writing transaction, so the sequence
// order is the commit order per tenant on every adapter: bolt and memory
// have a single writer, and postgres locks the state key on Get and holds
// the lock until commit, so a second writer of the tenant reads N only after
// the first committed (or rolled back, and then the number is reused: there
// are no gaps). M only moves forward: the dispatcher advances it in one
// transaction per round, and the purge of a deleted tenant past the entries
// it drops.
//
// Delivered entries are purged once older than the event retention
// ([WithEventRetention], default 24 h) by the sweeper. A deleted tenant's
// delivered entries, and its undelivered ones older than the retention, go
// with its records (purgeDeletedTenants), and its state key once no entry is
// left; the tenant record is kept until then, so that tenant.deleted itself
// is delivered.

// Event types raised by the vault. Event data never holds token data, keys or
// credentials: only ids, types and non-sensitive attributes.
const (
	EventTokenCreated         = "token.created"
	EventTokenUpdated         = "token.updated"
	EventTokenDeleted         = "token.deleted"
	EventTokenExpired         = "token.expired"
	EventTokenPropertyExpired = "token.property.expired"
)

// Token transaction event types: transaction.committed, raised by the commit
// after the events of the changes it applied, and transaction.rolled_back,
// raised by a rollback. Both carry {transaction: {id}}. A transaction that
// expires is discarded without an event.
const (
	EventTransactionCommitted  = "transaction.committed"
	EventTransactionRolledBack = "transaction.rolled_back"
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

// Proxy event types. proxy.created and proxy.updated carry {proxy: {id,
// name, require_auth, created_by, created_at, modified_by, modified_at}},
// proxy.deleted {proxy: {id, name}}. proxy.invoked carries {proxy: {id,
// name, ephemeral}, request: {method, host}, destination: {status},
// response: {status}, elapsed_ms}, and error (the error's class or kind)
// when the vault failed the call. Their data never holds a body, a header,
// a path, a query, configuration, code or a key.
const (
	EventProxyCreated = "proxy.created"
	EventProxyUpdated = "proxy.updated"
	EventProxyDeleted = "proxy.deleted"
	EventProxyInvoked = "proxy.invoked"
)

// Exchange event types. exchange.created and exchange.updated carry
// {exchange: {id, name, template: {id}, created_by, created_at, modified_by,
// modified_at}}, exchange.deleted {exchange: {id, name}}.
// exchange.completed carries {exchange: {id, name}, source_token: {id},
// token: {id}, elapsed_ms}; exchange.failed has error (the error's class or
// kind) in place of token. Their data never holds configuration, code or
// token data.
const (
	EventExchangeCreated   = "exchange.created"
	EventExchangeUpdated   = "exchange.updated"
	EventExchangeDeleted   = "exchange.deleted"
	EventExchangeCompleted = "exchange.completed"
	EventExchangeFailed    = "exchange.failed"
)

// DefaultEventRetention is how long delivered events stay in the outbox.
const DefaultEventRetention = 24 * time.Hour

// Event is something that happened in a tenant, as webhooks will deliver it.
//
// A handler receives Data as decoded from the stored JSON: objects are
// map[string]any, arrays []any, integers int64, other numbers float64, and
// times RFC 3339 strings.
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

// WithEventHandler registers fn to receive every event of every tenant after
// the change it describes has committed. Handlers run on the vault's event
// dispatcher goroutine, one event at a time, each event passed to every
// handler in the order they were registered, in commit order per tenant;
// ctx carries the event's trace id ([TraceID]) and is canceled when the
// vault closes. A handler that panics is logged (event type and id only) and
// the event counts as delivered.
//
// Events are written to a durable outbox in the transaction of their change
// and delivered at least once: an event whose delivery was under way when
// the process crashed or closed is delivered again after the next start, so
// de-duplicate by Event.ID. A handler holds up every later event, so it
// should return quickly; it may call the vault, but not [Vault.FlushEvents]
// (which would wait for the handler itself). With several processes on
// one store, each event is delivered by the process that holds the outbox
// lease, whichever process raised it, so register the same handlers in
// every process. [Vault.FlushEvents] waits for delivery; Close waits up to
// five seconds for a running handler (see [Vault.Close]).
func WithEventHandler(fn func(ctx context.Context, e Event)) Option {
	return func(c *config) { c.events = append(c.events, fn) }
}

// WithEventRetention sets how long delivered events stay in the outbox
// before the sweeper purges them (default [DefaultEventRetention]; zero
// purges them at the next sweep). A deleted tenant's undelivered events are
// dropped once older than the retention too.
func WithEventRetention(d time.Duration) Option { return func(c *config) { c.eventRetention = d } }

const (
	outboxBucket      = "outbox"
	outboxStateBucket = "outbox.state"
)

// outboxState is the value of a tenant's outbox.state key: the last
// sequence number written and the last delivered.
type outboxState struct {
	Seq       uint64
	Delivered uint64
}

func (s outboxState) encode() []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(make([]byte, 0, 16), s.Seq), s.Delivered)
}

var errOutboxState = errors.New("outbox: malformed state")

func decodeOutboxState(b []byte) (outboxState, error) {
	if len(b) != 16 {
		return outboxState{}, errOutboxState
	}
	s := outboxState{Seq: binary.BigEndian.Uint64(b), Delivered: binary.BigEndian.Uint64(b[8:])}
	if s.Delivered > s.Seq {
		return outboxState{}, errOutboxState
	}
	return s, nil
}

// getOutboxState reads a tenant's state; found is false when it has none.
func getOutboxState(tx storage.Tx, tenant string) (st outboxState, found bool, err error) {
	b, err := tx.Get(outboxStateBucket, tenantPrefix(tenant))
	if errors.Is(err, storage.ErrNotFound) {
		return outboxState{}, false, nil
	}
	if err != nil {
		return outboxState{}, false, err
	}
	st, err = decodeOutboxState(b)
	return st, err == nil, err
}

func outboxKey(tenant string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(keyenc.AppendString(make([]byte, 0, len(tenant)+10), tenant), seq)
}

// outboxKeySeq splits an outbox key into its tenant and sequence number.
func outboxKeySeq(k []byte) (string, uint64, error) {
	tenant, rest, err := keyenc.String(k)
	if err != nil || len(rest) != 8 {
		return "", 0, keyenc.ErrMalformed
	}
	return tenant, binary.BigEndian.Uint64(rest), nil
}

// outboxTx is the transaction update hands its function when handlers are
// registered: emitTx marks it, and update wakes the dispatcher once the
// transaction committed.
type outboxTx struct {
	storage.Tx
	wrote bool
}

// emitTx raises an event in tx: it writes the tenant's next outbox entry, to
// be delivered once tx commits. It writes nothing when no handler is
// registered and the tenant has no webhook. data must hold only ids, types
// and non-sensitive attributes. It writes the change's audit entry
// (audit.go) first, handlers and webhooks or not.
// Call it inside the update that makes the change.
func (v *Vault) emitTx(ctx context.Context, tx storage.Tx, tenant, typ string, data map[string]any) error {
	if err := v.auditEventTx(ctx, tx, tenant, typ, data, nil, ""); err != nil {
		return err
	}
	if write, err := v.outboxWanted(tx, tenant); !write || err != nil {
		return err
	}
	return v.writeEvent(ctx, tx, tenant, typ, data, nil)
}

// outboxWanted reports whether an event of the tenant is written to the
// outbox: with a Go handler registered, or when the tenant has a webhook,
// which tx reads (so that the answer is exact whichever process created
// the webhook).
func (v *Vault) outboxWanted(tx storage.Tx, tenant string) (bool, error) {
	if len(v.events) > 0 {
		return true, nil
	}
	return hasWebhooks(tx, tenant)
}

// emitTokenTx is emitTx with tokenEventData(rec), encoded without building
// it: the hot path of token writes.
func (v *Vault) emitTokenTx(ctx context.Context, tx storage.Tx, tenant, typ string, rec *tokenRecord) error {
	if err := v.auditEventTx(ctx, tx, tenant, typ, nil, rec, ""); err != nil {
		return err
	}
	if write, err := v.outboxWanted(tx, tenant); !write || err != nil {
		return err
	}
	return v.writeEvent(ctx, tx, tenant, typ, nil, rec)
}

// emitTokenGoneTx raises token.deleted or token.expired, {token: {id}},
// for a token of type tokenType (for its audit entry).
func (v *Vault) emitTokenGoneTx(ctx context.Context, tx storage.Tx, tenant, typ, id, tokenType string) error {
	data := map[string]any{"token": map[string]any{"id": id}}
	if err := v.auditEventTx(ctx, tx, tenant, typ, data, nil, tokenType); err != nil {
		return err
	}
	if write, err := v.outboxWanted(tx, tenant); !write || err != nil {
		return err
	}
	return v.writeEvent(ctx, tx, tenant, typ, data, nil)
}

// eventBuffers hold encoded entries while they are written: a store keeps
// its own copy of what Put is given. A buffer that grew past maxPooledEvent
// is left to the garbage collector.
var eventBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledEvent = 64 << 10

// writeEvent writes the tenant's next outbox entry, whose data is
// tokenEventData(rec) when rec is set, else data.
func (v *Vault) writeEvent(ctx context.Context, tx storage.Tx, tenant, typ string, data map[string]any, rec *tokenRecord) error {
	buf := eventBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledEvent {
			eventBuffers.Put(buf)
		}
	}()
	// One buffer for every key and value: the state's key, the entry's key
	// and value, the state's new value.
	enc := keyenc.AppendString((*buf)[:0], tenant)
	state := len(enc)
	b, err := tx.Get(outboxStateBucket, enc[:state])
	var st outboxState
	switch {
	case err == nil:
		if st, err = decodeOutboxState(b); err != nil {
			return err
		}
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	st.Seq++
	e := Event{ID: uuid.NewString(), Type: typ, TenantID: tenant, TraceID: TraceID(ctx), Timestamp: v.now().UTC()}
	if !jsonTime(e.Timestamp) {
		return fmt.Errorf("outbox: encode %s: %w", typ, errJSONTime)
	}
	enc = binary.BigEndian.AppendUint64(append(enc, enc[:state]...), st.Seq)
	key := len(enc)
	enc = appendEventHead(enc, &e)
	switch err = nil; {
	case rec != nil:
		enc, err = appendTokenEventData(enc, rec)
	case data == nil:
		enc = append(enc, "{}"...)
	default:
		enc, err = appendJSONValue(enc, data)
	}
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", typ, err)
	}
	enc = append(appendEventActor(enc, v.principal(ctx).Actor()), '}')
	value := len(enc)
	enc = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(enc, st.Seq), st.Delivered)
	*buf = enc
	if err := tx.Put(outboxBucket, enc[state:key], enc[key:value]); err != nil {
		return err
	}
	if err := tx.Put(outboxStateBucket, enc[:state], enc[value:]); err != nil {
		return err
	}
	if ot, ok := tx.(*outboxTx); ok {
		ot.wrote = true // update wakes the dispatcher after the commit
	} else {
		// A transaction update did not start (a caller of store.Update):
		// it has not committed yet, so this wake-up comes early, and the
		// dispatcher looks again shortly after.
		v.outbox.wakeEarly()
	}
	return nil
}

// emitTimeout bounds the transaction of an event raised on its own.
const emitTimeout = 30 * time.Second

// emit raises an event that has no change to commit with (a synchronous
// reactor invocation), in a small transaction of its own. It does not heed
// ctx's cancellation, only its values: the event describes what happened.
// A failure is logged, never returned.
func (v *Vault) emit(ctx context.Context, tenant, typ string, data map[string]any) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), emitTimeout)
	defer cancel()
	if len(v.events) == 0 {
		// Without handlers, only a tenant with webhooks wants it: a read
		// spares the write transaction otherwise (emitTx decides again).
		write := false
		err := v.view(wctx, "Emit", func(tx storage.Tx) error {
			var err error
			write, err = hasWebhooks(tx, tenant)
			return err
		})
		if err == nil && !write {
			// No transaction to write the audit entry in: batched, as
			// reads are.
			v.auditEventLater(ctx, tenant, typ, data)
			return
		}
		if err != nil {
			return
		}
	}
	err := v.update(wctx, "Emit", func(tx storage.Tx) error { return v.emitTx(ctx, tx, tenant, typ, data) })
	switch {
	case errors.Is(err, ErrClosed):
		v.log.Debug("event not raised: the vault is closed", "type", typ)
	case err != nil:
		v.log.Warn("event not raised", "type", typ, "err", err)
	}
}
