package vault

import (
	"context"
	"errors"
	"time"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// Expiry. A token past its expires_at is invisible at once (every read checks
// it); the sweeper deletes it within one sweep interval (default 30 s, so
// well within a minute) and raises token.expired. A card's cvc is likewise
// hidden once its retention passes and removed by the sweeper, which raises
// token.property.expired. With several processes on one store, a lease makes
// one of them sweep at a time.

const (
	// DefaultSweepInterval is how often expired tokens are purged.
	DefaultSweepInterval = 30 * time.Second
	sweepBatch           = 256
	sweepLease           = "sweeper"
)

// WithSweepInterval sets how often the background sweeper purges expired
// tokens and retained card codes. Zero or less disables it (tests drive
// sweeps themselves).
func WithSweepInterval(d time.Duration) Option { return func(c *config) { c.sweepEvery = d } }

func (v *Vault) startSweeper(every time.Duration) {
	if every <= 0 {
		return
	}
	v.goBackground(func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := v.acquireLease(ctx, sweepLease, v.instance, 2*every)
				if err == nil && ok {
					_, err = v.sweep(ctx)
				}
				if err != nil && ctx.Err() == nil {
					v.log.Warn("expiry sweep failed", "err", err)
				}
			}
		}
	})
}

// sweep purges tokens whose expiry has passed, card codes past retention,
// expired sessions and the records of deleted tenants, returning how many
// changes it made, and delivered events past their retention (which it does
// not count: they are the outbox's housekeeping, not changes).
func (v *Vault) sweep(ctx context.Context) (int, error) {
	if _, err := v.sweepOutbox(ctx); err != nil {
		return 0, err
	}
	if err := v.sweepAudit(ctx); err != nil {
		return 0, err
	}
	total := 0
	for _, sweep := range []func(context.Context) (int, error){v.sweepTokens, v.sweepCVCs, v.sweepReactorResults, v.sweepDeadJobs} {
		n, err := sweep(ctx)
		total += n
		if err != nil {
			return total, err
		}
	}
	n, err := v.sweepSessions(ctx)
	total += n
	if err != nil {
		return total, err
	}
	n, err = v.sweepTransactions(ctx)
	total += n
	if err != nil {
		return total, err
	}
	n, err = v.sweepIdempotency(ctx)
	total += n
	if err != nil {
		return total, err
	}
	n, err = v.purgeDeletedTenants(ctx)
	return total + n, err
}

// dueEntries returns up to sweepBatch entries of a global time index whose
// time is at or before now, as (tenant, id, entry key).
func dueEntries(tx storage.Tx, bucket string, now time.Time) ([]dueEntry, error) {
	return scanDue(tx, bucket, nil, now, sweepBatch)
}

// scanDue returns up to limit entries of a global index whose terms are
// prefix (nil for none) then a time at or before now, as (tenant, id, entry
// key).
func scanDue(tx storage.Tx, bucket string, prefix []byte, now time.Time, limit int) ([]dueEntry, error) {
	var todo []dueEntry
	end := keyenc.AppendTime(prefix[:len(prefix):len(prefix)], now.Add(time.Nanosecond))
	err := tx.Scan(bucket, storage.ScanOptions{Start: prefix, End: end, Limit: limit}, func(k, _ []byte) error {
		if len(k) < len(prefix)+8 {
			return keyenc.ErrMalformed
		}
		tenant, _, err := keyenc.String(k[len(prefix)+8:])
		if err != nil {
			return err
		}
		id, err := lastStringPart(k)
		if err != nil {
			return err
		}
		todo = append(todo, dueEntry{tenant, id, append([]byte{}, k...)})
		return nil
	})
	return todo, err
}

// dueRecord reads the record a due entry of bucket names; an entry whose
// record is gone (its tenant was purged) is deleted, and (nil, nil)
// returned.
func dueRecord[R any](tx storage.Tx, t *table[R], bucket string, d dueEntry) (*R, error) {
	r, err := t.get(tx, d.tenant, d.id)
	if errors.Is(err, errRecordNotFound) {
		return nil, tx.Delete(bucket, d.key)
	}
	return r, err
}

type dueEntry struct {
	tenant, id string
	key        []byte
}

// sweepDue walks the due entries of a global time index of table t, one
// batch per store transaction. act handles each due record inside the
// transaction, raising its events there (emitTx), and reports whether it
// changed it; after, if not nil, runs once the batch committed, for each
// changed record (no caller needs it now: events belong in act). Entries
// whose record is gone (its tenant was purged) are removed.
func sweepDue[R any](ctx context.Context, v *Vault, t *table[R], ix *index[R],
	act func(tx storage.Tx, tenant string, r *R, now time.Time) (bool, error), after func(tenant string, r *R)) (int, error) {
	type changed struct {
		tenant string
		rec    *R
	}
	total := 0
	for {
		var done []changed
		scanned := 0
		err := v.update(ctx, "Sweep", func(tx storage.Tx) error {
			done = done[:0] // fn may run more than once: only the last attempt's count
			now := v.now()
			todo, err := dueEntries(tx, ix.bucket, now)
			scanned = len(todo)
			if err != nil {
				return err
			}
			for _, d := range todo {
				r, err := dueRecord(tx, t, ix.bucket, d)
				if err != nil {
					return err
				}
				if r == nil {
					continue
				}
				ok, err := act(tx, d.tenant, r, now)
				if err != nil {
					return err
				}
				if ok {
					done = append(done, changed{d.tenant, r})
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(done)
		if after != nil {
			for _, c := range done {
				after(c.tenant, c.rec)
			}
		}
		if scanned < sweepBatch {
			return total, nil
		}
	}
}

// sweepSessions removes expired sessions and their keys.
func (v *Vault) sweepSessions(ctx context.Context) (int, error) {
	return sweepDue(ctx, v, sessionTable, sessionByExpiry, func(tx storage.Tx, tenant string, s *sessionRecord, now time.Time) (bool, error) {
		if now.Before(s.ExpiresAt) {
			return false, nil
		}
		if err := deleteKeys(tx, ownerTerm(tenant, "", s.ID)); err != nil {
			return false, err
		}
		return true, sessionTable.remove(tx, tenant, s)
	}, nil)
}

// sweepTokens purges expired tokens, raising token.expired.
func (v *Vault) sweepTokens(ctx context.Context) (int, error) {
	return sweepDue(ctx, v, tokenTable, tokenByExpiry, func(tx storage.Tx, tenant string, r *tokenRecord, now time.Time) (bool, error) {
		if !r.expired(now) {
			return false, nil
		}
		if err := tokenTable.remove(tx, tenant, r); err != nil {
			return false, err
		}
		return true, v.emitTokenGoneTx(ctx, tx, tenant, EventTokenExpired, r.ID, r.Type)
	}, nil)
}

// sweepCVCs removes card codes past retention, raising
// token.property.expired.
func (v *Vault) sweepCVCs(ctx context.Context) (int, error) {
	return sweepDue(ctx, v, tokenTable, tokenByCVCExpiry, func(tx storage.Tx, tenant string, r *tokenRecord, now time.Time) (bool, error) {
		if r.CVCUntil == nil || now.Before(*r.CVCUntil) {
			return false, nil
		}
		updated := *r
		updated.CVC, updated.CVCUntil = nil, nil
		if err := tokenTable.replace(tx, tenant, r, &updated); err != nil {
			return false, err
		}
		return true, v.emitTx(ctx, tx, tenant, EventTokenPropertyExpired, map[string]any{"token": map[string]any{"id": r.ID, "property_name": "cvc"}})
	}, nil)
}
