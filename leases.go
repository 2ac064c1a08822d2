package vault

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/storage"
)

// lease is a claim on background work, stored so that processes sharing a
// store can see it: a named lease (the expiry sweeper, the event
// dispatcher) or a job's (jobs.go). Whoever holds one renews it before it
// ends; a process that dies stops renewing, and another takes the work
// over once it has ended.
type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

// takenBy reports whether a process other than owner holds the lease at now.
func (l *lease) takenBy(owner string, now time.Time) bool {
	return l != nil && l.Owner != owner && now.Before(l.Until)
}

const leaseBucket = "leases"

// acquireLease claims the named lease for owner, for ttl, if it is free,
// expired or already owner's, and reports whether owner holds it. Owner is
// v.instance, or an owner named once at Open by work that must not read
// v.instance each time (this package's tests stand in for other processes
// by changing it).
func (v *Vault) acquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
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
			if json.Unmarshal(b, &l) == nil && l.takenBy(owner, now) {
				return nil
			}
		}
		nb, err := json.Marshal(lease{Owner: owner, Until: now.Add(ttl)})
		if err != nil {
			return err
		}
		held = true
		return tx.Put(leaseBucket, []byte(name), nb)
	})
	return held, err
}

// releaseLease hands the named lease back if owner holds it, so that
// another process takes the work over at once rather than once it ends.
// It writes even while the vault closes.
func (v *Vault) releaseLease(ctx context.Context, name, owner string) error {
	return v.store.Update(ctx, func(tx storage.Tx) error {
		b, err := tx.Get(leaseBucket, []byte(name))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var l lease
		if json.Unmarshal(b, &l) != nil || l.Owner != owner {
			return nil
		}
		return tx.Delete(leaseBucket, []byte(name))
	})
}

// newInstanceID names this vault process as the owner of the leases it takes.
func newInstanceID() string { return uuid.NewString() }
