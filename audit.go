package vault

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// The audit log. Every change writes its entry in the store transaction of
// the change, from emitTx (the call that raises the change's event), so an
// entry is never lost and never written for a change that rolled back; this
// happens whether or not event handlers are registered. Reads and uses of
// tokens have no write transaction of their own: their entries go to a
// bounded in-memory queue that a background goroutine writes in one store
// transaction per batch (auditBatch entries or every auditInterval, and on
// Close), raising token.read events in that same transaction.
//
// Layout, for tenant T:
//
//	audit          key: str(T) str(I)      value: envelope (marshalAudit)
//
// I is a version 7 UUID whose timestamp is the entry's time (the vault's
// clock), so a tenant's entries are appended in time order and a date range
// is a key range. Entries hold ids, types, operations and fixed messages
// only: nothing a caller wrote, so they are not sealed.
//
// There is no entity index, by measurement: an index entry keyed by
// (entity type, entity id) is a random key per token create, a random page
// more per group commit, and BenchmarkCreateCardParallel with it kept about
// 0.65 of the throughput with the audit log off; without it, about 0.95.
// A query by entity scans the tenant's entries of its date range, newest
// first, up to auditScanBudget entries per page (the retention bounds the
// log: 24 h by default).

// Audit operations.
const (
	AuditCreate = "create"
	AuditRead   = "read"
	AuditUpdate = "update"
	AuditDelete = "delete"
	AuditUse    = "use"
	AuditInvoke = "invoke"
)

// DefaultAuditRetention is how long audit entries are kept: the platform's
// quota.
const DefaultAuditRetention = 24 * time.Hour

const (
	auditBucket = "audit"
	// auditQueue bounds the entries of reads waiting to be written;
	// auditBatch is the most written in one transaction; auditInterval is
	// how long an entry waits at most; auditBlock is how long a reader
	// waits for room in a full queue before its entry is dropped.
	auditQueue    = 16384
	auditBatch    = 1024
	auditInterval = 50 * time.Millisecond
	auditBlock    = 5 * time.Millisecond
	// auditFlushTimeout bounds the last flush at Close.
	auditFlushTimeout = 10 * time.Second
)

// AuditEntry is one entry of the audit log: who did what to which entity.
// Message is a fixed string of the operation ("Token retrieved"); no field
// holds token data, metadata, configuration or names callers chose.
type AuditEntry struct {
	ID         string    `json:"id"`
	TenantID   string    `json:"tenant_id"`
	ActorID    string    `json:"actor_id"`
	ActorType  string    `json:"actor_type"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	Operation  string    `json:"operation"`
	Message    string    `json:"message"`
	CreatedAt  time.Time `json:"created_at"`
}

// auditRecord is an entry as stored (the tenant is in the key).
type auditRecord struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actor_id,omitempty"`
	ActorType  string    `json:"actor_type"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	Operation  string    `json:"operation"`
	Message    string    `json:"message"`
	CreatedAt  time.Time `json:"created_at"`
}

var (
	auditTable = register(&table[auditRecord]{
		bucket:    auditBucket,
		schema:    1,
		id:        func(r *auditRecord) string { return r.ID },
		marshal:   marshalAudit,
		unmarshal: unmarshalAudit,
	})
)

// marshalAudit encodes an entry as the envelope head, its strings
// (uvarint length, bytes) and its time (8 bytes, Unix nanoseconds): an
// entry is written for every read, so it skips JSON.
func marshalAudit(r *auditRecord) []byte {
	fields := r.strings()
	n := 2 + 8
	for _, f := range fields {
		n += len(*f) + binary.MaxVarintLen16
	}
	b := append(make([]byte, 0, n), envelopeV1, 1)
	for _, f := range fields {
		b = append(binary.AppendUvarint(b, uint64(len(*f))), *f...)
	}
	return binary.BigEndian.AppendUint64(b, uint64(r.CreatedAt.UnixNano()))
}

var errAuditRecord = errors.New("malformed audit entry")

func unmarshalAudit(b []byte) (*auditRecord, error) {
	r := &auditRecord{}
	for _, f := range r.strings() {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errAuditRecord
		}
		*f, b = string(b[k:k+int(n)]), b[k+int(n):]
	}
	if len(b) != 8 {
		return nil, errAuditRecord
	}
	r.CreatedAt = time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
	return r, nil
}

func (r *auditRecord) strings() [7]*string {
	return [7]*string{&r.ID, &r.ActorID, &r.ActorType, &r.EntityType, &r.EntityID, &r.Operation, &r.Message}
}

// WithAuditLog turns the audit log on (the default) or off. Off, no entry
// is written, [Vault.ListAuditLog] returns empty pages, and token.read
// events are still raised for event handlers.
func WithAuditLog(on bool) Option { return func(c *config) { c.auditOff = !on } }

// WithAuditRetention sets how long audit entries are kept before the
// sweeper purges them (default [DefaultAuditRetention]; longer is allowed).
func WithAuditRetention(d time.Duration) Option { return func(c *config) { c.auditRetention = &d } }

// auditOp is what an event type means in the audit log: the entity type
// (empty: a token's type), the data member naming the entity, the key of
// its id there, the operation and the message.
type auditOp struct {
	entity, member, idKey, op, msg string
}

// auditOps maps the event types of changes to their audit entries. An
// event type missing here (reactor.completed, connection.available, ...)
// writes no entry: it is the outcome of a change already logged.
var auditOps = map[string]auditOp{
	EventTokenCreated:          {"", "token", "id", AuditCreate, "Token created"},
	EventTokenUpdated:          {"", "token", "id", AuditUpdate, "Token updated"},
	EventTokenDeleted:          {"", "token", "id", AuditDelete, "Token deleted"},
	EventTokenExpired:          {"", "token", "id", AuditDelete, "Token expired"},
	EventTokenPropertyExpired:  {"", "token", "id", AuditUpdate, "Token property expired"},
	EventTransactionCommitted:  {"transaction", "transaction", "id", AuditUpdate, "Transaction committed"},
	EventTransactionRolledBack: {"transaction", "transaction", "id", AuditUpdate, "Transaction rolled back"},
	EventApplicationCreated:    {"application", "application", "id", AuditCreate, "Application created"},
	EventApplicationUpdated:    {"application", "application", "id", AuditUpdate, "Application updated"},
	EventApplicationDeleted:    {"application", "application", "id", AuditDelete, "Application deleted"},
	EventApplicationKeyCreated: {"application", "application", "id", AuditUpdate, "Application key created"},
	EventApplicationKeyDeleted: {"application", "application", "id", AuditUpdate, "Application key deleted"},
	EventReactorCreated:        {"reactor", "reactor", "id", AuditCreate, "Reactor created"},
	EventReactorUpdated:        {"reactor", "reactor", "id", AuditUpdate, "Reactor updated"},
	EventReactorDeleted:        {"reactor", "reactor", "id", AuditDelete, "Reactor deleted"},
	EventReactorInvoked:        {"reactor", "reactor", "id", AuditInvoke, "Reactor invoked"},
	EventProxyCreated:          {"proxy", "proxy", "id", AuditCreate, "Proxy created"},
	EventProxyUpdated:          {"proxy", "proxy", "id", AuditUpdate, "Proxy updated"},
	EventProxyDeleted:          {"proxy", "proxy", "id", AuditDelete, "Proxy deleted"},
	EventProxyInvoked:          {"proxy", "proxy", "id", AuditInvoke, "Proxy invoked"},
	EventExchangeCreated:       {"exchange", "exchange", "id", AuditCreate, "Exchange created"},
	EventExchangeUpdated:       {"exchange", "exchange", "id", AuditUpdate, "Exchange updated"},
	EventExchangeDeleted:       {"exchange", "exchange", "id", AuditDelete, "Exchange deleted"},
	EventExchangeCompleted:     {"exchange", "exchange", "id", AuditInvoke, "Exchange invoked"},
	EventExchangeFailed:        {"exchange", "exchange", "id", AuditInvoke, "Exchange invoked"},
	EventConnectionCreated:     {"connection", "connection", "id", AuditCreate, "Connection created"},
	EventConnectionUpdated:     {"connection", "connection", "id", AuditUpdate, "Connection updated"},
	EventConnectionDeleted:     {"connection", "connection", "id", AuditDelete, "Connection deleted"},
	EventMerchantCreated:       {"merchant", "merchant", "guid", AuditCreate, "Merchant created"},
	EventMerchantArchived:      {"merchant", "merchant", "guid", AuditDelete, "Merchant archived"},
	EventConnectorCreated:      {"connector", "connector", "guid", AuditCreate, "Connector created"},
	EventConnectorUpdated:      {"connector", "connector", "guid", AuditUpdate, "Connector updated"},
	EventConnectorArchived:     {"connector", "connector", "guid", AuditDelete, "Connector archived"},
	EventPaymentAuthorized:     {"payment", "transaction", "id", AuditCreate, "Payment authorized"},
	EventPaymentDeclined:       {"payment", "transaction", "id", AuditCreate, "Payment declined"},
	EventPaymentFailed:         {"payment", "transaction", "id", AuditCreate, "Payment failed"},
	EventPaymentCaptured:       {"payment", "transaction", "id", AuditUpdate, "Payment captured"},
	EventPaymentVoided:         {"payment", "transaction", "id", AuditUpdate, "Payment voided"},
	EventPaymentRefunded:       {"payment", "transaction", "id", AuditUpdate, "Payment refunded"},
	EventSessionCreated:        {"session", "session", "id", AuditCreate, "Session created"},
	EventSessionAuthorized:     {"session", "session", "id", AuditUpdate, "Session authorized"},
	EventTenantCreated:         {"tenant", "tenant", "id", AuditCreate, "Tenant created"},
	EventTenantUpdated:         {"tenant", "tenant", "id", AuditUpdate, "Tenant updated"},
	EventTenantDeleted:         {"tenant", "tenant", "id", AuditDelete, "Tenant deleted"},
	EventWebhookCreated:        {"webhook", "webhook", "id", AuditCreate, "Webhook created"},
	EventWebhookUpdated:        {"webhook", "webhook", "id", AuditUpdate, "Webhook updated"},
	EventWebhookDeleted:        {"webhook", "webhook", "id", AuditDelete, "Webhook deleted"},
	EventWebhookDisabled:       {"webhook", "webhook", "id", AuditUpdate, "Webhook disabled"},
}

// Management changes that raise no event write their entries with auditTx.
const (
	auditReactorFormula   = "reactor_formula"
	auditExchangeTemplate = "exchange_template"
)

// Messages of reads and uses.
const (
	msgTokenRetrieved = "Token retrieved"
	msgTokenSearched  = "Token returned by a search"
	msgTokenDetoken   = "Token detokenized"
	msgTokenReactor   = "Token used by a reactor"
	msgTokenProxy     = "Token used by a proxy"
	msgTokenExchange  = "Token used by an exchange"
	msgTokenPayment   = "Token used by a payment"
)

// auditEventTx writes the audit entry of the change event typ raises, in
// the change's transaction tx. rec, when set, is the token the event is
// about; tokenType names the type of a token the event data does not
// carry (a deleted one).
func (v *Vault) auditEventTx(ctx context.Context, tx storage.Tx, tenant, typ string, data map[string]any, rec *tokenRecord, tokenType string) error {
	if v.auditOff {
		return nil
	}
	op, ok := auditOps[typ]
	if !ok {
		return nil
	}
	entity, id := op.entity, ""
	if rec != nil {
		entity, id = rec.Type, rec.ID
	} else if m, ok := data[op.member].(map[string]any); ok {
		id, _ = m[op.idKey].(string)
	}
	if entity == "" {
		entity = tokenType
	}
	if entity == "" {
		entity = TypeToken
	}
	if id == "" {
		return nil // no entity to log it under: the ephemeral proxy's calls
	}
	return v.auditTx(ctx, tx, tenant, entity, id, op.op, op.msg)
}

// auditTx writes an audit entry in tx, by the caller of ctx.
func (v *Vault) auditTx(ctx context.Context, tx storage.Tx, tenant, entity, id, op, msg string) error {
	if v.auditOff {
		return nil
	}
	a := v.principal(ctx).Actor()
	now := v.now().UTC()
	return auditTable.write(tx, tenant, nil, &auditRecord{ID: v.auditW.id(now).String(), ActorID: a.ID, ActorType: a.Type,
		EntityType: entity, EntityID: id, Operation: op, Message: msg, CreatedAt: now})
}

// id returns a version 7 UUID whose timestamp is t (the vault's clock,
// which tests may set), with a 12-bit sequence in rand_a (RFC 9562 method
// 1) so that ids made in one millisecond keep their order (a sequence that
// runs out moves the timestamp on), and the writer's random node in rand_b:
// ids are unique in the process by (time, sequence), and across processes
// sharing a store by the node's 62 random bits. It reads no randomness: it
// runs on every read.
func (w *auditWriter) id(t time.Time) uuid.UUID {
	want := uint64(max(t.UnixMilli(), 0)) << 12
	var ts uint64
	for {
		last := w.seq.Load()
		ts = max(want, last+1)
		if w.seq.CompareAndSwap(last, ts) {
			break
		}
	}
	u := w.node
	ms, seq := ts>>12, ts&0xfff
	for i := 5; i >= 0; i-- {
		u[i] = byte(ms)
		ms >>= 8
	}
	u[6], u[7] = 0x70|byte(seq>>8), byte(seq)
	return u
}

// auditBound returns the smallest entry id of the millisecond of t.
func auditBound(t time.Time) string {
	var u uuid.UUID
	ms := uint64(max(t.UnixMilli(), 0))
	for i := 5; i >= 0; i-- {
		u[i] = byte(ms)
		ms >>= 8
	}
	u[6] = 0x70
	return u.String()
}

// auditItem is a read or use waiting in the queue.
type auditItem struct {
	tenant  string
	entry   uuid.UUID // the entry's id, made at the read (in order); its text only when written
	actor   Actor
	trace   string
	entity  string
	id      string
	op, msg string
	at      time.Time
	event   bool // raise token.read
}

// auditWriter queues the entries of reads and uses and writes them in
// batches.
type auditWriter struct {
	queue   chan auditItem
	flushes chan chan struct{}
	dropped atomic.Uint64
	seq     atomic.Uint64 // the last (millisecond << 12 | sequence) an id took
	node    uuid.UUID     // rand_b of every id (bytes 8 to 15; the rest is overwritten)
}

func newAuditWriter() *auditWriter {
	return &auditWriter{queue: make(chan auditItem, auditQueue), flushes: make(chan chan struct{}), node: uuid.New()}
}

// auditRead queues the entry of a read or use of rec by the caller of ctx
// (a read also raises token.read).
func (v *Vault) auditRead(ctx context.Context, rec *tokenRecord, op, msg string) {
	v.auditLater(ctx, "", rec.Type, rec.ID, op, msg, op == AuditRead)
}

// auditLater queues an entry by the caller of ctx. It costs a channel send;
// with the queue full it waits up to auditBlock, then drops the entry and
// counts it ([Vault.AuditDropped]).
func (v *Vault) auditLater(ctx context.Context, tenant, entity, id, op, msg string, event bool) {
	w := v.auditW
	if w == nil {
		return
	}
	p := v.principal(ctx)
	if tenant == "" {
		tenant = p.TenantID
	}
	it := auditItem{tenant: tenant, actor: p.Actor(), trace: TraceID(ctx), entity: entity, id: id, op: op, msg: msg,
		at: v.now().UTC(), event: event}
	it.entry = w.id(it.at)
	if v.auditOff && !it.event {
		return
	}
	select {
	case w.queue <- it:
		return
	default:
	}
	t := time.NewTimer(auditBlock)
	defer t.Stop()
	select {
	case w.queue <- it:
	case <-t.C:
		if n := w.dropped.Add(1); n&(n-1) == 0 { // log at 1, 2, 4, 8, ... drops
			v.log.Warn("audit queue full: read entries dropped", "dropped", n)
		}
	}
}

// auditEventLater queues the entry of an event raised with no change to
// commit with (emit) when no handler is registered, so none is written.
func (v *Vault) auditEventLater(ctx context.Context, tenant, typ string, data map[string]any) {
	op, ok := auditOps[typ]
	if !ok || v.auditOff || op.entity == "" {
		return
	}
	id := ""
	if m, ok := data[op.member].(map[string]any); ok {
		id, _ = m[op.idKey].(string)
	}
	if id == "" {
		return // no entity to log it under: the ephemeral proxy's calls (their token uses are logged)
	}
	v.auditLater(ctx, tenant, op.entity, id, op.op, op.msg, false)
}

// AuditDropped returns how many audit entries of reads were dropped since
// Open because the queue stayed full (the store could not keep up).
func (v *Vault) AuditDropped() uint64 {
	if v.auditW == nil {
		return 0
	}
	return v.auditW.dropped.Load()
}

// FlushAuditLog waits until the entries of the reads made before the call
// are written. Errors: ErrClosed, or ctx's.
func (v *Vault) FlushAuditLog(ctx context.Context) error {
	if v.closed.Load() {
		return ErrClosed
	}
	if v.auditW == nil {
		return nil
	}
	done := make(chan struct{})
	select {
	case v.auditW.flushes <- done:
	case <-ctx.Done():
		return ctx.Err()
	case <-v.bg.Done():
		return ErrClosed
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startAudit starts the writer of read entries. It runs until Close, which
// it outlives only to write what is queued (before the store closes).
func (v *Vault) startAudit() {
	w := v.auditW
	v.goBackground(func(ctx context.Context) {
		batch := make([]auditItem, 0, auditBatch)
		tick := time.NewTicker(auditInterval)
		defer tick.Stop()
		flush := func(ctx context.Context) {
			if len(batch) > 0 {
				v.writeAuditBatch(ctx, batch)
				clear(batch)
				batch = batch[:0]
			}
		}
		drain := func() {
			for {
				select {
				case it := <-w.queue:
					batch = append(batch, it)
					if len(batch) == auditBatch {
						flush(ctx)
					}
				default:
					return
				}
			}
		}
		for {
			select {
			case it := <-w.queue:
				batch = append(batch, it)
				if len(batch) == auditBatch {
					flush(ctx)
				}
			case <-tick.C:
				flush(ctx)
			case done := <-w.flushes:
				drain()
				flush(ctx)
				close(done)
			case <-ctx.Done():
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditFlushTimeout)
				ctx = fctx
				drain()
				flush(fctx)
				cancel()
				return
			}
		}
	})
}

// writeAuditBatch writes queued entries, and their token.read events, in
// one transaction. A failure is logged and the entries are lost.
func (v *Vault) writeAuditBatch(ctx context.Context, batch []auditItem) {
	wrote := false
	err := v.store.Update(ctx, func(tx storage.Tx) error {
		ot := &outboxTx{Tx: tx}
		live := map[string]bool{}   // tenants not deleted since the read: a purged one would keep its entries
		wanted := map[string]bool{} // tenants whose events are written (handlers, or a webhook)
		for i := range batch {
			it := &batch[i]
			ok, seen := live[it.tenant]
			if !seen {
				t, err := tenantTable.get(tx, "", it.tenant)
				if err != nil && !errors.Is(err, errRecordNotFound) {
					return err
				}
				ok = err == nil && t.DeletedAt == nil
				live[it.tenant] = ok
			}
			if !ok {
				continue
			}
			if !v.auditOff {
				err := auditTable.write(tx, it.tenant, nil, &auditRecord{ID: it.entry.String(), ActorID: it.actor.ID, ActorType: it.actor.Type,
					EntityType: it.entity, EntityID: it.id, Operation: it.op, Message: it.msg, CreatedAt: it.at})
				if err != nil {
					return err
				}
			}
			want, known := wanted[it.tenant]
			if it.event && !known {
				var err error
				if want, err = v.outboxWanted(tx, it.tenant); err != nil {
					return err
				}
				wanted[it.tenant] = want
			}
			if want && it.event {
				ectx := context.WithValue(context.WithValue(ctx, traceKey{}, it.trace), principalKey{}, it.actor.principal(it.tenant))
				if err := v.writeEvent(ectx, ot, it.tenant, EventTokenRead, map[string]any{"token": map[string]any{"id": it.id, "type": it.entity}}, nil); err != nil {
					return err
				}
			}
		}
		wrote = ot.wrote
		return nil
	})
	if err != nil {
		v.log.Warn("audit entries not written", "entries", len(batch), "err", err)
		return
	}
	if wrote {
		v.outbox.wakeUp()
	}
}

// principal returns a principal whose Actor is a (an event's actor).
func (a Actor) principal(tenant string) Principal {
	if a.Type != ActorApplication {
		return Principal{TenantID: tenant, host: true}
	}
	return Principal{TenantID: tenant, ApplicationID: a.ID, ApplicationName: a.Name}
}

// EventTokenRead is raised for every token read (a get, a search or list
// result, a detokenization), from the batch that writes the reads' audit
// entries: {token: {id, type}}.
const EventTokenRead = "token.read"

// AuditQuery selects audit entries: of one entity type (and one entity),
// created in [StartDate, EndDate] (zero: unbounded), newest first. Start is
// the cursor of a page's Pagination.Next; Size defaults to 20, at most 100.
type AuditQuery struct {
	EntityType string
	EntityID   string
	StartDate  time.Time
	EndDate    time.Time
	Start      string
	Size       int
}

// maxAuditEntityType is the longest entity type a query may name: every
// type the vault logs is shorter.
const maxAuditEntityType = 100

// auditScanBudget bounds the entries a page looks at when filtering by
// entity: a page may come back short (or empty) with a cursor.
const auditScanBudget = 10000

// ListAuditLog returns one page of the tenant's audit entries, newest
// first. The caller needs log:read. Errors: KindForbidden, KindInvalid
// ("start", "entity_id" without "entity_type", "end_date" before
// "start_date").
func (v *Vault) ListAuditLog(ctx context.Context, q AuditQuery) (*Page[*AuditEntry], error) {
	const op = "ListAuditLog"
	p := v.principal(ctx)
	if err := p.require(op, PermLogRead); err != nil {
		return nil, err
	}
	fe := fieldErrors{}
	checkPageSize(fe, q.Size)
	if q.EntityID != "" && q.EntityType == "" {
		fe.add("entity_id", "needs entity_type")
	}
	if !q.StartDate.IsZero() && !q.EndDate.IsZero() && q.EndDate.Before(q.StartDate) {
		fe.add("end_date", "must not be before start_date")
	}
	var after string
	if q.Start != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Start)
		if u, perr := uuid.ParseBytes(b); err != nil || perr != nil || u.Version() != 7 {
			fe.add("start", "is not a cursor returned by this vault")
		} else {
			after = u.String()
		}
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	size := pageSize(q.Size)
	page := &Page[*AuditEntry]{Data: []*AuditEntry{}, Pagination: Pagination{PageSize: size}}
	if len(q.EntityType) > maxAuditEntityType || !storableID(q.EntityID) {
		return page, nil // names no entity: no entry
	}
	// Ids of [lo, hi) are the entries of the date range.
	lo, hi := "", ""
	if !q.StartDate.IsZero() {
		lo = auditBound(q.StartDate)
	}
	if !q.EndDate.IsZero() {
		hi = auditBound(q.EndDate.Add(time.Millisecond))
	}
	if after != "" && (hi == "" || after < hi) {
		hi = after
	}
	err := v.view(ctx, op, func(tx storage.Tx) error {
		page.Data, page.Pagination.Next = page.Data[:0], ""
		prefix := tenantPrefix(p.TenantID)
		opts := storage.ScanOptions{Prefix: prefix, Reverse: true}
		if lo != "" {
			opts.Start = keyenc.AppendString(bytesClone(prefix), lo)
		}
		if hi != "" {
			opts.End = keyenc.AppendString(bytesClone(prefix), hi)
		}
		scanned := 0
		last := ""
		err := tx.Scan(auditBucket, opts, func(_, val []byte) error {
			rec, err := auditTable.decode(val)
			if err != nil {
				return err
			}
			scanned++
			if (q.EntityType == "" || rec.EntityType == q.EntityType) && (q.EntityID == "" || rec.EntityID == q.EntityID) {
				if len(page.Data) == size {
					page.Pagination.Next = auditCursor(last)
					return storage.StopScan
				}
				page.Data = append(page.Data, rec.entry(p.TenantID))
			}
			last = rec.ID
			if scanned >= auditScanBudget && len(page.Data) < size {
				page.Pagination.Next = auditCursor(last)
				return storage.StopScan
			}
			return nil
		})
		if errors.Is(err, storage.StopScan) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return page, nil
}

func bytesClone(b []byte) []byte { return append(make([]byte, 0, len(b)+40), b...) }

func auditCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func (r *auditRecord) entry(tenant string) *AuditEntry {
	return &AuditEntry{ID: r.ID, TenantID: tenant, ActorID: r.ActorID, ActorType: r.ActorType, EntityType: r.EntityType,
		EntityID: r.EntityID, Operation: r.Operation, Message: r.Message, CreatedAt: r.CreatedAt}
}

// AuditLog iterates over every audit entry q selects, newest first, page
// by page from q.Start. The caller needs log:read.
func (v *Vault) AuditLog(ctx context.Context, q AuditQuery) iter.Seq2[*AuditEntry, error] {
	return walk(ctx, q.Start, func(ctx context.Context, cursor string) (*Page[*AuditEntry], error) {
		q.Start = cursor
		return v.ListAuditLog(ctx, q)
	})
}

// AuditEntityType is an entity type of the audit log, as GET
// /logs/entity-types lists it.
type AuditEntityType struct {
	DisplayName string `json:"display_name"`
	Value       string `json:"value"`
}

// ListAuditEntityTypes returns [AuditEntityTypes]. The caller needs
// log:read. Errors: KindForbidden.
func (v *Vault) ListAuditEntityTypes(ctx context.Context) ([]AuditEntityType, error) {
	p := v.principal(ctx)
	if err := p.require("ListAuditEntityTypes", PermLogRead); err != nil {
		return nil, err
	}
	return AuditEntityTypes(), nil
}

// AuditEntityTypes returns the entity types the vault logs: the token
// types and the management resources, ordered by value.
func AuditEntityTypes() []AuditEntityType {
	values := []string{"application", "connection", "connector", auditExchangeTemplate, "exchange", "merchant", "payment",
		"proxy", "reactor", auditReactorFormula, "session", "tenant", "transaction", "webhook"}
	for _, t := range TokenTypes() {
		values = append(values, t.Name)
	}
	out := make([]AuditEntityType, 0, len(values))
	seen := map[string]bool{}
	for _, val := range values {
		if seen[val] {
			continue
		}
		seen[val] = true
		out = append(out, AuditEntityType{DisplayName: auditDisplayName(val), Value: val})
	}
	slices.SortFunc(out, func(a, b AuditEntityType) int { return strings.Compare(a.Value, b.Value) })
	return out
}

// auditDisplayName turns a value (us_bank_account_number) into its display name
// (US Bank Account Number).
func auditDisplayName(val string) string {
	words := strings.Split(val, "_")
	for i, w := range words {
		switch w {
		case "us", "id":
			words[i] = strings.ToUpper(w)
		default:
			if w != "" {
				words[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
	}
	return strings.Join(words, " ")
}

// sweepAudit purges the entries older than the retention, tenant by
// tenant, sweepBatch entries per transaction.
func (v *Vault) sweepAudit(ctx context.Context) error {
	if v.auditOff {
		return nil
	}
	// The tenants with an entry past the retention, found in one read-only
	// transaction: a sweep writes only where there is work.
	cutoff := auditBound(v.now().Add(-v.auditRetention))
	var tenants []string
	err := v.view(ctx, "SweepAudit", func(tx storage.Tx) error {
		tenants = tenants[:0]
		return tenantTable.scan(tx, "", "", false, func(t *tenantRecord) error {
			prefix := tenantPrefix(t.ID)
			due := false
			err := tx.Scan(auditBucket, storage.ScanOptions{Prefix: prefix, End: keyenc.AppendString(bytesClone(prefix), cutoff), Limit: 1},
				func(_, _ []byte) error { due = true; return nil })
			if due {
				tenants = append(tenants, t.ID)
			}
			return err
		})
	})
	if err != nil {
		return err
	}
	for _, tenant := range tenants {
		for {
			n := 0
			err := v.update(ctx, "SweepAudit", func(tx storage.Tx) error {
				var recs []*auditRecord
				prefix := tenantPrefix(tenant)
				opts := storage.ScanOptions{Prefix: prefix, End: keyenc.AppendString(bytesClone(prefix), cutoff), Limit: sweepBatch}
				err := tx.Scan(auditBucket, opts, func(_, val []byte) error {
					r, err := auditTable.decode(val)
					if err != nil {
						return err
					}
					recs = append(recs, r)
					return nil
				})
				if err != nil {
					return err
				}
				n = len(recs)
				for _, r := range recs {
					if err := auditTable.remove(tx, tenant, r); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if n < sweepBatch {
				break
			}
		}
	}
	return nil
}
