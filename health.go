package vault

import (
	"context"
	"time"

	"github.com/tokenvault/vault/storage"
)

// readyTimeout bounds Ready's store read and key load when ctx has no
// earlier deadline.
const readyTimeout = 5 * time.Second

// Ready reports whether the vault can serve: it is open, its background
// workers (sweeper, job queue, event dispatcher) have not stopped, its
// store answers a read, and the default tenant's keys open. It is what a
// readiness probe asks (vaultd's GET /readyz); it reads no sensitive data
// and changes nothing. Errors: ErrClosed, KindUnavailable (naming which
// check failed, never a secret), KindTimeout.
func (v *Vault) Ready(ctx context.Context) error {
	const op = "Ready"
	if v.closed.Load() {
		return ErrClosed
	}
	if v.bg.Err() != nil {
		return newError(KindUnavailable, op, "the background workers have stopped")
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	err := v.view(ctx, op, func(tx storage.Tx) error {
		_, err := tx.Get(metaBucket, []byte(metaDefaultKey))
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return newError(KindTimeout, op, "the store did not answer in time")
		}
		return newError(KindUnavailable, op, "the store does not answer")
	}
	if _, err := v.keys.Tenant(ctx, v.defaultTenant); err != nil {
		return newError(KindUnavailable, op, "the keys do not open")
	}
	return nil
}
