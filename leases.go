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

// newInstanceID names this vault process as the owner of the leases it takes.
func newInstanceID() string { return uuid.NewString() }
