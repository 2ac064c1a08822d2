package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// checker is a table whose indexes Check verifies.
type checker interface {
	check(tx storage.Tx) error
}

// Check verifies, in one read transaction, that every record decodes and that
// every secondary index holds exactly the entries its records call for: no
// entry missing, none left over; and that every event outbox entry decodes
// within its tenant's sequence. It reads everything, so it is for tests,
// audits and after a crash, not for a hot path. Only the host may call it.
// The error lists what disagrees, by bucket, never by value.
func (v *Vault) Check(ctx context.Context) error {
	const op = "Check"
	if p := v.principal(ctx); !p.host {
		return newError(KindForbidden, op, "only the host checks the vault")
	}
	return v.view(ctx, op, func(tx storage.Tx) error {
		var errs []error
		for _, t := range registry {
			if err := t.check(tx); err != nil {
				errs = append(errs, err)
			}
		}
		if err := checkOutbox(tx); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// check verifies the table's index buckets against its records.
func (t *table[R]) check(tx storage.Tx) error {
	want := map[string]map[string]string{} // index bucket → entry key → value
	for _, ix := range t.indexes {
		want[ix.bucket] = map[string]string{}
	}
	bad := 0
	err := tx.Scan(t.bucket, storage.ScanOptions{}, func(k, val []byte) error {
		tenant, rest, err := keyenc.String(k)
		if err != nil {
			bad++
			return nil
		}
		r, err := t.decode(val)
		if err != nil {
			bad++
			return nil
		}
		if id, _, err := keyenc.String(rest); err != nil || id != t.id(r) {
			bad++
			return nil
		}
		for _, ix := range t.indexes {
			for _, term := range ix.terms(r) {
				value := ""
				if ix.unique {
					value = t.id(r)
				}
				want[ix.bucket][string(ix.entryKey(tenant, term, t.id(r)))] = value
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var errs []error
	if bad > 0 {
		errs = append(errs, fmt.Errorf("%s: %d records do not decode or sit under the wrong key", t.bucket, bad))
	}
	for _, ix := range t.indexes {
		expected := want[ix.bucket]
		extra, wrong := 0, 0
		err := tx.Scan(ix.bucket, storage.ScanOptions{}, func(k, val []byte) error {
			v, ok := expected[string(k)]
			switch {
			case !ok:
				extra++
			case !bytes.Equal([]byte(v), val):
				wrong++
				delete(expected, string(k))
			default:
				delete(expected, string(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if extra+wrong+len(expected) > 0 {
			errs = append(errs, fmt.Errorf("%s: %d entries missing, %d left over, %d pointing elsewhere", ix.bucket, len(expected), extra, wrong))
		}
	}
	return errors.Join(errs...)
}
