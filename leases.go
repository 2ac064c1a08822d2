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
			if json.Unmarshal(b, &l) == nil && l.takenBy(v.instance, now) {
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

// newInstanceID names this vault process as the owner of the leases it takes.
func newInstanceID() string { return uuid.NewString() }
