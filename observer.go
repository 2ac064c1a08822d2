package vault

import (
	"context"
	"errors"
	"time"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
)

// Observer receives measurements of the vault's work, for metrics. Its
// arguments are bounded sets of names and durations, never ids, tenants,
// keys or data. Its methods are called on the vault's hot paths, from many
// goroutines at once: they must be safe for concurrent use and return
// quickly. Package vaultmetrics adapts it to Prometheus.
type Observer interface {
	// StoreTx reports a store transaction of the vault's: write false for a
	// read-only one, the time it took (a write's includes its commit) and
	// whether it returned an error (the store's, or one of the vault's own
	// such as a record not found).
	StoreTx(write bool, d time.Duration, failed bool)
	// ReactorRun reports one run of reactor code in the sandbox and its
	// outcome: one of the Reactor* outcome constants.
	ReactorRun(outcome string, d time.Duration)
}

// Outcomes of a reactor run, as [Observer.ReactorRun] reports them.
const (
	ReactorOK       = "ok"        // the reactor returned
	ReactorError    = "error"     // the reactor threw or rejected
	ReactorTimeout  = "timeout"   // past its time limit
	ReactorMemory   = "memory"    // past its memory budget
	ReactorTooLarge = "too_large" // args or result past the payload limit
	ReactorFailed   = "failed"    // anything else: the sandbox or a worker failed
)

// WithObserver sets the observer of store transactions and reactor runs
// (default: none).
func WithObserver(o Observer) Option { return func(c *config) { c.observer = o } }

// noObserver is the observer of a vault without one.
type noObserver struct{}

func (noObserver) StoreTx(bool, time.Duration, bool) {}
func (noObserver) ReactorRun(string, time.Duration)  {}

// reactorOutcome classifies an error of sandbox.Run.
func reactorOutcome(err error) string {
	if err == nil {
		return ReactorOK
	}
	if _, ok := errors.AsType[*sandbox.ReactorError](err); ok {
		return ReactorError
	}
	if le, ok := errors.AsType[*sandbox.LimitError](err); ok {
		switch le.Limit {
		case sandbox.LimitTimeout:
			return ReactorTimeout
		case sandbox.LimitMemory:
			return ReactorMemory
		case sandbox.LimitPayload:
			return ReactorTooLarge
		}
	}
	return ReactorFailed
}

// Stats is a snapshot of the vault's queues, for gauges.
type Stats struct {
	// Jobs has one entry per kind of job the vault knows, in a fixed order.
	Jobs []JobStats
	// EventsPending is how many events the outbox holds that have not been
	// dispatched yet, over every tenant.
	EventsPending uint64
}

// JobStats is the queue of one kind of job.
type JobStats struct {
	Kind string // "webhook.deliver", "reactor.invoke", ...: a name fixed by the vault
	// Queued is how many jobs of the kind are not dead: waiting, due,
	// backing off or running.
	Queued int
	// OldestDue is how long the job that has been due longest has waited
	// (0 when none is due).
	OldestDue time.Duration
}

// Stats reads the queue depths in one read-only transaction. It reads
// index keys only (no record is opened) and may be called by a metrics
// scrape; its cost grows with the number of queued jobs. Safe for
// concurrent use.
func (v *Vault) Stats(ctx context.Context) (*Stats, error) {
	const op = "Stats"
	now := v.now()
	var st Stats
	err := v.view(ctx, op, func(tx storage.Tx) error {
		st = Stats{Jobs: make([]JobStats, 0, len(v.jobs.kinds))}
		for _, k := range v.jobs.kinds {
			js := JobStats{Kind: k.name}
			prefix := keyenc.AppendString(nil, k.name)
			err := tx.Scan(jobByDue.bucket, storage.ScanOptions{Prefix: prefix}, func(key, _ []byte) error {
				if js.Queued == 0 {
					if due, _, err := keyenc.Time(key[len(prefix):]); err == nil && !due.After(now) {
						js.OldestDue = now.Sub(due)
					}
				}
				js.Queued++
				return nil
			})
			if err != nil {
				return err
			}
			st.Jobs = append(st.Jobs, js)
		}
		return tx.Scan(outboxStateBucket, storage.ScanOptions{}, func(_, val []byte) error {
			if os, err := decodeOutboxState(val); err == nil && os.Delivered < os.Seq {
				st.EventsPending += os.Seq - os.Delivered
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}
