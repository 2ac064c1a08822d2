package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// The outbox dispatcher (see events.go for the outbox itself). Every vault
// runs one dispatcher goroutine (events go to Go handlers and to webhooks).
// In rounds, it looks whether any entry waits (a read: an idle vault
// writes nothing), takes the
// "outbox" lease (so that, of several processes sharing a store, one
// delivers), reads in one snapshot the tenants whose delivered cursor is
// behind their sequence and up to outboxBatch entries of each after the
// cursor, hands them to the handler goroutine in order, and advances the
// cursors of what the handlers finished in one transaction. It starts a
// round at once when this process committed an entry, right after a round
// that filled a batch, and otherwise every poll interval, for the entries
// of other processes and for a lease that another process let go.
//
// Handlers run on a goroutine of their own, fed by the dispatcher, so that
// Close can stop waiting for one: Close cancels the handlers' context and
// waits up to eventHandlerGrace for the running handler; past that the
// dispatcher commits what was delivered before it, lets the lease go and
// returns, and the handler goroutine ends by itself when the handler returns
// (it delivers nothing more). The event being handled is delivered again at
// the next start, or by the process that takes the lease over.

const (
	// outboxBatch is how many entries of one tenant a round delivers.
	outboxBatch = 256
	// outboxLease is the name of the dispatcher's lease.
	outboxLease = "outbox"

	defaultOutboxPoll     = 250 * time.Millisecond
	defaultOutboxLeaseTTL = 10 * time.Second
	eventHandlerGrace     = 5 * time.Second
	// outboxCoalesce is how long after a round a commit's wake-up waits
	// (events are delivered at most this much later; under load, a round
	// carries every event committed meanwhile).
	outboxCoalesce = 2 * time.Millisecond
	// outboxRepoll is how soon the dispatcher looks again after an early
	// wake-up, given before the transaction that wrote the entry committed.
	outboxRepoll = 5 * time.Millisecond
)

// outboxTiming are the dispatcher's intervals (tests shorten them).
type outboxTiming struct {
	poll, leaseTTL, grace time.Duration
}

// outbox is the dispatcher's state shared with the rest of the vault. Its
// methods are no-ops on a nil outbox.
type outbox struct {
	timing outboxTiming
	wake   chan struct{} // capacity 1: a round is wanted
	early  atomic.Bool   // a wake-up came before its commit: look again soon

	mu       sync.Mutex
	progress chan struct{} // closed (and replaced) when cursors advanced
}

func newOutbox(t outboxTiming) *outbox {
	return &outbox{timing: t, wake: make(chan struct{}, 1), progress: make(chan struct{})}
}

// wakeUp asks for a round; it never blocks.
func (o *outbox) wakeUp() {
	if o == nil {
		return
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) wakeEarly() {
	if o == nil {
		return
	}
	o.early.Store(true)
	o.wakeUp()
}

// progressed returns a channel closed at the next cursor advance.
func (o *outbox) progressed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.progress
}

func (o *outbox) advanced() {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.progress)
	o.progress = make(chan struct{})
}

// pendingEvent is one outbox entry of a round; e is nil for an entry that
// does not decode (it is skipped, and logged).
type pendingEvent struct {
	tenant string
	seq    uint64
	e      *Event
	// For a tenant with webhooks: the entry as stored, its id and type.
	raw      []byte
	id, kind string
}

// delivery is a round's events handed to the handler goroutine.
type delivery struct {
	events []pendingEvent
	n      atomic.Int64 // events every handler finished with
	done   chan struct{}
}

// dispatcher is the state of the dispatcher goroutine.
type dispatcher struct {
	v     *Vault
	owner string // v.instance when the vault opened
	in    chan *delivery

	held       bool
	until      atomic.Int64 // the lease's end, in v.now() Unix nanoseconds
	renewAfter time.Time
	abandoned  bool // a handler outlived Close's grace
}

// startOutbox starts the dispatcher and its handler goroutine.
func (v *Vault) startOutbox() {
	d := &dispatcher{v: v, owner: v.instance, in: make(chan *delivery)}
	// The handler goroutine is not tracked by v.wg: Close does not wait
	// for a handler past its grace. It ends once d.in is closed.
	go d.handle(v.bg)
	v.goBackground(d.run)
}

func (d *dispatcher) run(ctx context.Context) {
	v, o := d.v, d.v.outbox
	defer close(d.in)
	defer d.letGo()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last time.Time // when the last round ended
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
			// A commit woke the dispatcher: right after a round, wait for
			// the rest of outboxCoalesce, so that a steady stream of writes
			// is delivered in rounds (and webhook delivery jobs) of many
			// events, not one each.
			if wait := outboxCoalesce - time.Since(last); wait > 0 {
				timer.Reset(wait)
				continue
			}
		case <-timer.C:
		}
		more, err := d.round(ctx)
		last = time.Now()
		if d.abandoned || ctx.Err() != nil {
			return
		}
		if err != nil {
			v.log.Warn("event delivery failed", "err", err)
		}
		next := o.timing.poll
		switch {
		case more && err == nil:
			next = 0
		case o.early.Swap(false):
			next = outboxRepoll
		}
		timer.Reset(next)
	}
}

// round delivers one batch per tenant, if this process holds the lease, and
// reports whether entries are left.
func (d *dispatcher) round(ctx context.Context) (bool, error) {
	v := d.v
	if !d.held || !v.now().Before(d.renewAfter) {
		// Before taking or renewing the lease, a read: an idle vault
		// writes nothing.
		idle, err := d.idle(ctx)
		if err != nil || idle {
			return false, err
		}
	}
	if err := d.keepLease(ctx); err != nil || !d.held {
		return false, err
	}
	var batch []pendingEvent
	drained := map[string]uint64{} // tenants behind with no entry to deliver: their seq
	more := false
	err := v.view(ctx, "DeliverEvents", func(tx storage.Tx) error {
		batch, more = batch[:0], false
		clear(drained)
		type tenantState struct {
			tenant string
			st     outboxState
		}
		var behind []tenantState
		err := tx.Scan(outboxStateBucket, storage.ScanOptions{}, func(k, val []byte) error {
			tenant, _, err := keyenc.String(k)
			if err != nil {
				return nil // not ours: Check reports it
			}
			st, err := decodeOutboxState(val)
			if err != nil || st.Delivered >= st.Seq {
				return nil
			}
			behind = append(behind, tenantState{tenant, st})
			return nil
		})
		if err != nil {
			return err
		}
		for _, b := range behind {
			tenant, st := b.tenant, b.st
			hooks, err := hasWebhooks(tx, tenant)
			if err != nil {
				return err
			}
			n := 0
			err = tx.Scan(outboxBucket, storage.ScanOptions{Prefix: tenantPrefix(tenant), Start: outboxKey(tenant, st.Delivered+1), Limit: outboxBatch},
				func(k, val []byte) error {
					_, seq, err := outboxKeySeq(k)
					if err != nil {
						return nil
					}
					p := pendingEvent{tenant: tenant, seq: seq}
					if len(v.events) > 0 {
						if p.e, err = decodeEvent(val); err != nil {
							v.log.Warn("an outbox entry does not decode: skipped", "tenant", tenant, "seq", seq)
						}
					}
					if hooks {
						if p.id, p.kind, err = eventHead(p.e, val); err == nil {
							p.raw = bytes.Clone(val)
						} else if len(v.events) == 0 {
							v.log.Warn("an outbox entry does not decode: skipped", "tenant", tenant, "seq", seq)
						}
					}
					batch = append(batch, p)
					n++
					return nil
				})
			if err != nil {
				return err
			}
			if n == 0 {
				drained[tenant] = st.Seq // entries gone (a deleted tenant's, past retention)
			}
			if n == outboxBatch {
				more = true
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if len(batch) == 0 && len(drained) == 0 {
		return false, nil
	}
	done := len(batch)
	if len(v.events) > 0 {
		done = d.deliver(ctx, batch)
	}
	cursors := maps.Clone(drained)
	for _, p := range batch[:done] {
		cursors[p.tenant] = max(cursors[p.tenant], p.seq)
	}
	if done < len(batch) {
		more = true
	}
	fan, err := v.prepareFanOut(ctx, batch[:done])
	if err != nil {
		return more, err
	}
	return more, d.advance(cursors, fan)
}

// idle reports whether no tenant's outbox has an entry to deliver.
func (d *dispatcher) idle(ctx context.Context) (bool, error) {
	idle := true
	err := d.v.view(ctx, "DeliverEvents", func(tx storage.Tx) error {
		idle = true
		return tx.Scan(outboxStateBucket, storage.ScanOptions{}, func(_, val []byte) error {
			if st, err := decodeOutboxState(val); err == nil && st.Delivered < st.Seq {
				idle = false
				return storage.StopScan
			}
			return nil
		})
	})
	return idle, err
}

// deliver hands batch to the handler goroutine and waits until it is done,
// the lease runs out, or the vault closes (then at most the grace). It
// returns how many events of batch every handler finished with.
func (d *dispatcher) deliver(ctx context.Context, batch []pendingEvent) int {
	if len(batch) == 0 {
		return 0
	}
	del := &delivery{events: batch, done: make(chan struct{})}
	select {
	case d.in <- del:
	case <-ctx.Done():
		return 0
	}
	select {
	case <-del.done:
	case <-ctx.Done():
		t := time.NewTimer(d.v.outbox.timing.grace)
		defer t.Stop()
		select {
		case <-del.done:
		case <-t.C:
			d.abandoned = true
			d.v.log.Warn("an event handler did not return within the grace after Close; its event will be delivered again")
		}
	}
	return int(del.n.Load())
}

// handle is the handler goroutine: it runs every handler on each event of a
// delivery, in order, while the vault is open and the lease is held.
func (d *dispatcher) handle(ctx context.Context) {
	for del := range d.in {
		for i := range del.events {
			if ctx.Err() != nil || !d.leaseValid() {
				break
			}
			if e := del.events[i].e; e != nil {
				d.call(ctx, e)
			}
			del.n.Add(1)
		}
		close(del.done)
	}
}

// call runs every handler on e, recovering a panic.
func (d *dispatcher) call(ctx context.Context, e *Event) {
	hctx := WithTraceID(ctx, e.TraceID)
	for _, fn := range d.v.events {
		func() {
			defer func() {
				if r := recover(); r != nil {
					// Only the event's identity: the panic value could hold anything.
					d.v.log.Error("an event handler panicked", "event_id", e.ID, "type", e.Type)
				}
			}()
			ev := *e
			if len(d.v.events) > 1 {
				ev.Data = cloneEventData(e.Data) // one handler's changes are not the next one's input
			}
			fn(hctx, ev)
		}()
	}
}

// cloneEventData gives each handler its own copy of the data.
func cloneEventData(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, val := range m {
		out[k] = cloneEventValue(val)
	}
	return out
}

func cloneEventValue(val any) any {
	switch x := val.(type) {
	case map[string]any:
		return cloneEventData(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneEventValue(e)
		}
		return out
	}
	return val
}

// advance moves the delivered cursors forward (never back) in one
// transaction, and tells FlushEvents. In the same transaction it fans the
// events it moves past out to the tenants' webhooks (fan), so that an event
// gets its delivery jobs exactly when the cursor passes it: never twice,
// and never lost to a crash. It runs after Close began too, so that what
// was delivered is not delivered again.
func (d *dispatcher) advance(cursors map[string]uint64, fan *fanOut) error {
	if len(cursors) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), emitTimeout)
	defer cancel()
	jobs := false
	err := d.v.store.Update(ctx, func(tx storage.Tx) error {
		jobs = false
		for _, tenant := range slices.Sorted(maps.Keys(cursors)) { // one lock order
			st, found, err := getOutboxState(tx, tenant)
			if err != nil {
				return err
			}
			if !found || st.Delivered >= cursors[tenant] {
				continue
			}
			to := min(cursors[tenant], st.Seq)
			n, err := d.v.fanOutTx(tx, fan, tenant, st.Delivered, to)
			if err != nil {
				return err
			}
			jobs = jobs || n > 0
			st.Delivered = to
			if err := tx.Put(outboxStateBucket, tenantPrefix(tenant), st.encode()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return d.v.storeErr("DeliverEvents", err)
	}
	if jobs {
		d.v.jobs.signal()
	}
	d.v.outbox.advanced()
	return nil
}

// keepLease takes or renews the dispatcher's lease when due.
func (d *dispatcher) keepLease(ctx context.Context) error {
	now := d.v.now()
	if d.held && now.Before(d.renewAfter) {
		return nil
	}
	ttl := d.v.outbox.timing.leaseTTL
	held, err := d.v.acquireLease(ctx, outboxLease, d.owner, ttl)
	if err != nil {
		d.held = false
		d.until.Store(0)
		return err
	}
	d.held = held
	if held {
		d.until.Store(now.Add(ttl).UnixNano())
		d.renewAfter = now.Add(ttl / 4)
	} else {
		d.until.Store(0)
	}
	return nil
}

// leaseValid reports whether the lease still covers a delivery.
func (d *dispatcher) leaseValid() bool {
	return d.v.now().UnixNano() < d.until.Load()
}

// letGo hands the lease back as the dispatcher stops, so that another
// process takes over at its next poll instead of when the lease expires.
func (d *dispatcher) letGo() {
	if !d.held {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), emitTimeout)
	defer cancel()
	err := d.v.releaseLease(ctx, outboxLease, d.owner)
	if err != nil {
		d.v.log.Debug("the outbox lease could not be handed back", "err", err)
	}
}

// FlushEvents waits until every event committed before the call has been
// delivered to the handlers (and handed to the delivery jobs of the
// tenants' webhooks, which POST them after), by this process or by
// whichever process sharing the store holds the outbox lease. It returns
// an error matching the context's when ctx ends first (KindTimeout or
// KindUnavailable), and [ErrClosed] after Close. Safe for concurrent use;
// an event handler must not call it (it would wait for itself).
func (v *Vault) FlushEvents(ctx context.Context) error {
	const op = "FlushEvents"
	targets := map[string]uint64{}
	err := v.view(ctx, op, func(tx storage.Tx) error {
		clear(targets)
		return tx.Scan(outboxStateBucket, storage.ScanOptions{}, func(k, val []byte) error {
			tenant, _, err := keyenc.String(k)
			if err != nil {
				return nil
			}
			if st, err := decodeOutboxState(val); err == nil && st.Delivered < st.Seq {
				targets[tenant] = st.Seq
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	poll := min(v.outbox.timing.poll, 20*time.Millisecond)
	for len(targets) > 0 {
		progressed := v.outbox.progressed()
		v.outbox.wakeUp()
		err := v.view(ctx, op, func(tx storage.Tx) error {
			for tenant, seq := range targets {
				st, found, err := getOutboxState(tx, tenant)
				if err != nil {
					return err
				}
				if !found || st.Delivered >= seq || st.Seq < seq { // purged with its tenant
					delete(targets, tenant)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(targets) == 0 {
			return nil
		}
		t := time.NewTimer(poll)
		select {
		case <-progressed:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return wrapErr(op, ctx.Err())
		}
		t.Stop()
	}
	return nil
}

// sweepOutbox purges delivered entries older than the event retention, a
// batch per tenant per store transaction, and returns how many it removed.
// Entries go from the oldest on and the purge of a tenant stops at the first
// entry within the retention (timestamps of several processes' clocks may
// be a little out of order: a later sweep gets the rest).
func (v *Vault) sweepOutbox(ctx context.Context) (int, error) {
	type candidate struct {
		tenant string
		keys   [][]byte
	}
	cutoff := v.now().Add(-v.eventRetention)
	total := 0
	for {
		var todo []candidate
		full := false
		err := v.view(ctx, "Sweep", func(tx storage.Tx) error {
			todo, full = todo[:0], false
			return tx.Scan(outboxStateBucket, storage.ScanOptions{}, func(k, val []byte) error {
				tenant, _, err := keyenc.String(k)
				if err != nil {
					return nil
				}
				st, err := decodeOutboxState(val)
				if err != nil || st.Delivered == 0 {
					return nil
				}
				c := candidate{tenant: tenant}
				err = tx.Scan(outboxBucket, storage.ScanOptions{Prefix: tenantPrefix(tenant), End: outboxKey(tenant, st.Delivered+1), Limit: sweepBatch},
					func(k, val []byte) error {
						if !entryBefore(val, cutoff) {
							return storage.StopScan
						}
						c.keys = append(c.keys, bytes.Clone(k))
						return nil
					})
				if len(c.keys) > 0 {
					todo = append(todo, c)
					full = full || len(c.keys) == sweepBatch
				}
				return err
			})
		})
		if err != nil {
			return total, err
		}
		for _, c := range todo {
			n := 0
			err := v.update(ctx, "Sweep", func(tx storage.Tx) error {
				n = 0
				st, found, err := getOutboxState(tx, c.tenant) // first, as writers lock it first
				if err != nil || !found {
					return err
				}
				for _, k := range c.keys {
					_, seq, err := outboxKeySeq(k)
					if err != nil || seq > st.Delivered {
						continue
					}
					val, err := tx.Get(outboxBucket, k)
					if errors.Is(err, storage.ErrNotFound) {
						continue
					}
					if err != nil {
						return err
					}
					if !entryBefore(val, cutoff) {
						continue
					}
					if err := tx.Delete(outboxBucket, k); err != nil {
						return err
					}
					n++
				}
				return nil
			})
			if err != nil {
				return total, err
			}
			total += n
		}
		if !full {
			return total, nil
		}
	}
}

// entryBefore reports whether an outbox entry was raised before t; an entry
// that does not decode counts as old.
func entryBefore(val []byte, t time.Time) bool {
	var e struct {
		Timestamp time.Time `json:"timestamp"`
	}
	if json.Unmarshal(val, &e) != nil {
		return true
	}
	return e.Timestamp.Before(t)
}

// purgeTenantOutbox removes, inside the purge of a deleted tenant, up to
// limit of its outbox entries that are delivered or older than the
// retention, and its state key once no entry is left. It reports how many
// keys it removed and whether the tenant's outbox is gone.
func (v *Vault) purgeTenantOutbox(tx storage.Tx, tenant string, limit int) (int, bool, error) {
	st, found, err := getOutboxState(tx, tenant) // first, as writers lock it first
	if err != nil {
		if _, err := tx.Get(outboxStateBucket, tenantPrefix(tenant)); err == nil {
			st, found = outboxState{}, true // undecodable: purge it all
		} else {
			return 0, false, err
		}
	}
	cutoff := v.now().Add(-v.eventRetention)
	var drop [][]byte
	left := false
	err = tx.Scan(outboxBucket, storage.ScanOptions{Prefix: tenantPrefix(tenant)}, func(k, val []byte) error {
		if len(drop) >= limit {
			left = true
			return storage.StopScan
		}
		_, seq, err := outboxKeySeq(k)
		if err == nil && seq > st.Delivered && !entryBefore(val, cutoff) {
			left = true // undelivered and within the retention: kept for delivery
			return storage.StopScan
		}
		drop = append(drop, bytes.Clone(k))
		if err == nil && seq > st.Delivered {
			st.Delivered = seq
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	for _, k := range drop {
		if err := tx.Delete(outboxBucket, k); err != nil {
			return 0, false, err
		}
	}
	n := len(drop)
	switch {
	case !found:
		return n, !left, nil
	case !left:
		return n + 1, true, tx.Delete(outboxStateBucket, tenantPrefix(tenant))
	default:
		return n, false, tx.Put(outboxStateBucket, tenantPrefix(tenant), st.encode())
	}
}

// checkOutbox verifies the outbox for Check: every state decodes, and every
// entry decodes and is numbered within its tenant's sequence.
func checkOutbox(tx storage.Tx) error {
	seqs := map[string]uint64{}
	bad := 0
	err := tx.Scan(outboxStateBucket, storage.ScanOptions{}, func(k, val []byte) error {
		tenant, rest, err := keyenc.String(k)
		st, derr := decodeOutboxState(val)
		if err != nil || len(rest) != 0 || derr != nil {
			bad++
			return nil
		}
		seqs[tenant] = st.Seq
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Scan(outboxBucket, storage.ScanOptions{}, func(k, val []byte) error {
		tenant, seq, err := outboxKeySeq(k)
		if err != nil || seq == 0 || seq > seqs[tenant] {
			bad++
			return nil
		}
		if _, err := decodeEvent(val); err != nil {
			bad++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%s: %d entries or states do not decode or are numbered past their sequence", outboxBucket, bad)
	}
	return nil
}
