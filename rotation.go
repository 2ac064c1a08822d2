package vault

import (
	"context"
	"errors"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Key rotation. RotateKeys gives every tenant a new data-key version,
// re-seals every sealed value of every tenant under it, then rewraps every
// stored key under the key provider's current master key. New writes use the
// newest version as soon as it exists, and older versions stay readable, so
// the vault serves throughout; a rotation that stops half way is finished by
// running it again.

// sealedField is one sealed value of a record, with the AD field it is
// bound to.
type sealedField struct {
	field string
	value *[]byte
	id    string // the record id the value is bound to
}

// resealer is a table with sealed fields.
type resealer interface {
	reseal(ctx context.Context, v *Vault, tenant string, tk *keys.TenantKeys, progress func(n int)) error
	count(ctx context.Context, v *Vault, tenant string) (int, error)
}

// resealTables are the registered tables holding sealed values.
func resealTables() []resealer {
	var out []resealer
	for _, t := range registry {
		if t.hasSealed() {
			out = append(out, t)
		}
	}
	return out
}

const resealBatch = 500

// count returns how many records of the tenant the table holds.
func (t *table[R]) count(ctx context.Context, v *Vault, tenant string) (int, error) {
	n := 0
	err := v.store.View(ctx, func(tx storage.Tx) error {
		n = 0
		return tx.Scan(t.bucket, storage.ScanOptions{Prefix: tenantPrefix(tenant)}, func(_, _ []byte) error {
			n++
			return nil
		})
	})
	return n, err
}

// reseal re-seals, batch by batch, every sealed field of the tenant's records
// that an older data-key version sealed, calling progress with the records
// visited.
func (t *table[R]) reseal(ctx context.Context, v *Vault, tenant string, tk *keys.TenantKeys, progress func(n int)) error {
	current := tk.Current()
	after := ""
	for {
		visited, last := 0, ""
		err := v.store.Update(ctx, func(tx storage.Tx) error {
			visited, last = 0, ""
			var recs []*R
			if err := t.scan(tx, tenant, after, false, func(r *R) error {
				recs = append(recs, r)
				if len(recs) == resealBatch {
					return storage.StopScan
				}
				return nil
			}); err != nil && err != storage.StopScan {
				return err
			}
			for _, r := range recs {
				visited++
				last = t.id(r)
				changed := *r
				stale := false
				for _, f := range t.sealed(&changed) {
					if *f.value == nil {
						continue
					}
					version, err := keys.SealedVersion(*f.value)
					if err != nil {
						return err
					}
					if version == current {
						continue
					}
					ad := keys.AD{Tenant: tenant, Kind: t.kind, ID: f.id, Field: f.field}
					plain, err := tk.Open(*f.value, ad)
					if err != nil {
						return err
					}
					sealed, err := tk.Seal(plain, ad)
					clear(plain)
					if err != nil {
						return err
					}
					*f.value = sealed
					stale = true
				}
				if stale {
					if err := t.replace(tx, tenant, r, &changed); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		progress(visited)
		if visited < resealBatch {
			return nil
		}
		after = last
	}
}

// RotateKeys rotates every tenant's data key, re-seals all sealed data under
// the new versions and rewraps every key under the key provider's current
// master key. progress, if not nil, is called with the records done and the
// total. Only the host may rotate keys. It is safe to run while the vault
// serves, and idempotent: after a failure, run it again.
func (v *Vault) RotateKeys(ctx context.Context, progress func(done, total int)) error {
	const op = "RotateKeys"
	p := v.principal(ctx)
	if !p.host {
		return newError(KindForbidden, op, "only the host rotates keys")
	}
	if v.closed.Load() {
		return ErrClosed
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	var tenants []string
	err := v.view(ctx, op, func(tx storage.Tx) error {
		tenants = nil
		return tenantTable.scan(tx, "", "", false, func(t *tenantRecord) error {
			if t.DeletedAt == nil {
				tenants = append(tenants, t.ID)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	total := 0
	for _, tenant := range tenants {
		for _, t := range resealTables() {
			n, err := t.count(ctx, v, tenant)
			if err != nil {
				return wrapErr(op, err)
			}
			total += n
		}
	}
	done := 0
	progress(done, total)
	for _, tenant := range tenants {
		if _, err := v.keys.Rotate(ctx, tenant); err != nil {
			if errors.Is(err, keys.ErrTenantDeleted) {
				continue
			}
			return wrapErr(op, err)
		}
		tk, err := v.keys.Tenant(ctx, tenant)
		if err != nil {
			return wrapErr(op, err)
		}
		for _, t := range resealTables() {
			if err := t.reseal(ctx, v, tenant, tk, func(n int) {
				done += n
				progress(min(done, total), max(total, done))
			}); err != nil {
				return wrapErr(op, err)
			}
		}
	}
	if err := v.keys.Rewrap(ctx, nil); err != nil {
		return wrapErr(op, err)
	}
	progress(max(done, total), max(total, done))
	return nil
}
