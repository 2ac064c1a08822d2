package vault

import (
	"context"
	"os"
	"time"

	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
)

// This package's tests run reactors in this process unless they ask for
// worker processes (isolated_test.go does): a race build's worker costs
// 50 ms to start, and most tests open a vault of their own.
// VAULT_TEST_SANDBOX=process, a step of .ci/run, runs them all in workers,
// the default of Open.
func init() {
	if os.Getenv("VAULT_TEST_SANDBOX") != "process" {
		testIsolation = &sandbox.Isolation{InProcess: true}
	}
}

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

// WorkerProcessesForTest makes the vaults the test opens without
// WithReactorIsolation run reactors in worker processes, as Open does
// outside tests. No test of this package runs in parallel.
func WorkerProcessesForTest(t interface{ Cleanup(func()) }) {
	saved := testIsolation
	testIsolation = nil
	t.Cleanup(func() { testIsolation = saved })
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

// SetMaxScanForTest lowers the index entries one page request visits.
func SetMaxScanForTest(t interface{ Cleanup(func()) }, n int) {
	saved := maxScanPerPage
	maxScanPerPage = n
	t.Cleanup(func() { maxScanPerPage = saved })
}

// SealedVersionsForTest returns the data-key versions of the sealed fields
// of a stored record of bucket, and whether bucket is a registered table's.
func SealedVersionsForTest(bucket string, stored []byte) ([]uint32, bool, error) {
	for _, t := range registry {
		if vt, ok := t.(interface {
			sealedVersions(bucket string, stored []byte) ([]uint32, bool, error)
		}); ok {
			if vers, mine, err := vt.sealedVersions(bucket, stored); mine {
				return vers, true, err
			}
		}
	}
	return nil, false, nil
}

// WithOutboxTimingForTest shortens the event dispatcher's poll interval, its
// lease and the grace Close gives a running handler.
func WithOutboxTimingForTest(poll, lease, grace time.Duration) Option {
	return func(c *config) { c.outboxTiming = outboxTiming{poll: poll, leaseTTL: lease, grace: grace} }
}

// WithWebhookBackoffForTest shortens the backoff of webhook follow-ups.
func WithWebhookBackoffForTest(base, ceiling time.Duration) Option {
	return func(c *config) { c.webhooks.backoffBase, c.webhooks.backoffCap = base, ceiling }
}

// WebhookEventTypesForTest are the event types a webhook may subscribe to.
