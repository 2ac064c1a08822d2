package vault

import (
	"context"
	"os"

	"github.com/tokenvault/vault/sandbox"
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
