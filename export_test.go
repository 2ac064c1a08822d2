package vault

import (
	"context"

	"github.com/tokenvault/vault/storage"
)

// SweepForTest runs one expiry sweep now.
func SweepForTest(ctx context.Context, v *Vault) (int, error) { return v.sweep(ctx) }

// TokenSealedData returns the sealed data of a stored token record.
func TokenSealedData(stored []byte) ([]byte, error) {
	r, err := tokenTable.decode(stored)
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// TokenWithSealedData returns a stored token record with its sealed data
// replaced.
func TokenWithSealedData(stored, data []byte) ([]byte, error) {
	r, err := tokenTable.decode(stored)
	if err != nil {
		return nil, err
	}
	r.Data = data
	return tokenTable.encode(r)
}

// SetTokenMaskForTest replaces a stored token's mask as it is, with none of
// the checks of CreateToken and UpdateToken: the token is then as a version
// that did not evaluate masks at write would have left it.
func SetTokenMaskForTest(ctx context.Context, v *Vault, id string, mask []byte) error {
	p := v.principal(ctx)
	return v.update(ctx, "SetTokenMaskForTest", func(tx storage.Tx) error {
		old, err := tokenTable.get(tx, p.TenantID, id)
		if err != nil {
			return err
		}
		rec := *old
		rec.Mask = mask
		return tokenTable.replace(tx, p.TenantID, old, &rec)
	})
}
