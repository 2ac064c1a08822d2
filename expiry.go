package vault

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

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
				ok, err := v.acquireLease(ctx, sweepLease, 2*every)
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
// changes it made.
func (v *Vault) sweep(ctx context.Context) (int, error) {
	total := 0
	for _, ix := range []*index[tokenRecord]{tokenByExpiry, tokenByCVCExpiry} {
		for {
			n, scanned, err := v.sweepBatch(ctx, ix)
			total += n
			if err != nil {
				return total, err
			}
			if scanned < sweepBatch {
				break
			}
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
	var todo []dueEntry
	end := keyenc.AppendTime(nil, now.Add(time.Nanosecond))
	err := tx.Scan(bucket, storage.ScanOptions{End: end, Limit: sweepBatch}, func(k, _ []byte) error {
		tenant, _, err := keyenc.String(k[8:])
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

type dueEntry struct {
	tenant, id string
	key        []byte
}

// sweepSessions removes expired sessions and their keys.
func (v *Vault) sweepSessions(ctx context.Context) (int, error) {
	total := 0
	for {
		n, scanned := 0, 0
		err := v.update(ctx, "Sweep", func(tx storage.Tx) error {
			n = 0
			todo, err := dueEntries(tx, sessionByExpiry.bucket, v.now())
			scanned = len(todo)
			if err != nil {
				return err
			}
			for _, d := range todo {
				s, err := sessionTable.get(tx, d.tenant, d.id)
				if errors.Is(err, errRecordNotFound) {
					if err := tx.Delete(sessionByExpiry.bucket, d.key); err != nil {
						return err
					}
					continue
				}
				if err != nil {
					return err
				}
				if err := deleteOwnerKeys(tx, d.tenant, "", s.ID); err != nil {
					return err
				}
				if err := sessionTable.remove(tx, d.tenant, s); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		total += n
		if err != nil || scanned < sweepBatch {
			return total, err
		}
	}
}

type sweptToken struct {
	tenant string
	rec    *tokenRecord
}

// sweepBatch handles up to sweepBatch due entries of one token expiry index
// in one transaction, then raises the events. It returns the changes made and
// the entries visited.
func (v *Vault) sweepBatch(ctx context.Context, ix *index[tokenRecord]) (int, int, error) {
	now := v.now()
	var done []sweptToken
	scanned := 0
	err := v.update(ctx, "Sweep", func(tx storage.Tx) error {
		done = done[:0]
		todo, err := dueEntries(tx, ix.bucket, now)
		scanned = len(todo)
		if err != nil {
			return err
		}
		for _, d := range todo {
			rec, err := tokenTable.get(tx, d.tenant, d.id)
			if errors.Is(err, errRecordNotFound) {
				// The token went with its tenant: drop the orphan entry.
				if err := tx.Delete(ix.bucket, d.key); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			if ix == tokenByExpiry {
				if !rec.expired(now) {
					continue
				}
				if err := tokenTable.remove(tx, d.tenant, rec); err != nil {
					return err
				}
			} else {
				if rec.CVCUntil == nil || now.Before(*rec.CVCUntil) {
					continue
				}
				updated := *rec
				updated.CVC, updated.CVCUntil = nil, nil
				if err := tokenTable.replace(tx, d.tenant, rec, &updated); err != nil {
					return err
				}
			}
			done = append(done, sweptToken{d.tenant, rec})
		}
		return nil
	})
	if err != nil {
		return 0, scanned, err
	}
	for _, s := range done {
		if ix == tokenByExpiry {
			v.emit(ctx, s.tenant, EventTokenExpired, map[string]any{"token": map[string]any{"id": s.rec.ID}})
		} else {
			v.emit(ctx, s.tenant, EventTokenPropertyExpired, map[string]any{"token": map[string]any{"id": s.rec.ID, "property_name": "cvc"}})
		}
	}
	return len(done), scanned, nil
}

// lease is a claim on background work, stored so that processes sharing a
// store can see it.
type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

const leaseBucket = "leases"

// acquireLease claims the named lease for ttl if it is free, expired or
// already ours, and reports whether this process holds it.
func (v *Vault) acquireLease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	held := false
	err := v.update(ctx, "AcquireLease", func(tx storage.Tx) error {
		held = false
		now := v.now()
		b, err := tx.Get(leaseBucket, []byte(name))
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err == nil {
			var l lease
			if json.Unmarshal(b, &l) == nil && l.Owner != v.instance && now.Before(l.Until) {
				return nil
			}
		}
		nb, err := json.Marshal(lease{Owner: v.instance, Until: now.Add(ttl)})
		if err != nil {
			return err
		}
		held = true
		return tx.Put(leaseBucket, []byte(name), nb)
	})
	return held, err
}

func newInstanceID() string { return uuid.NewString() }
