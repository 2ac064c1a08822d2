package vault

import "context"

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
