package vault

import "context"

// SweepForTest runs one expiry sweep now.
func SweepForTest(ctx context.Context, v *Vault) (int, error) { return v.sweep(ctx) }
