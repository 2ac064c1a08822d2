package keys_test

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newKEK returns a random 32-byte master key.
func newKEK(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, keys.KEKSize)
	_, _ = rand.Read(k)
	return k
}

func newLocal(t testing.TB, current []byte, previous ...[]byte) *keys.Local {
	t.Helper()
	p, err := keys.NewLocal(current, previous...)
	require.NoError(t, err)
	return p
}

func newStore(t testing.TB) *memory.Store {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openKeyring opens a keyring that is closed when the test ends.
func openKeyring(t testing.TB, s storage.Store, p keys.Provider, opts ...keys.Option) *keys.Keyring {
	t.Helper()
	k, err := keys.Open(t.Context(), s, p, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = k.Close() })
	return k
}

// newTenant returns a fresh keyring on a fresh store and one tenant's keys.
func newTenant(t testing.TB, tenant string) (*keys.Keyring, *keys.TenantKeys) {
	t.Helper()
	k := openKeyring(t, newStore(t), newLocal(t, newKEK(t)))
	tk, err := k.Tenant(t.Context(), tenant)
	require.NoError(t, err)
	return k, tk
}

// clock is a settable clock for WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// getRaw returns a copy of a value in the keyring's bucket.
func getRaw(t testing.TB, s storage.Store, key []byte) []byte {
	t.Helper()
	var out []byte
	require.NoError(t, s.View(context.Background(), func(tx storage.Tx) error {
		v, err := tx.Get(keys.Bucket, key)
		out = append([]byte(nil), v...)
		return err
	}))
	return out
}

func putRaw(t testing.TB, s storage.Store, key, value []byte) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Put(keys.Bucket, key, value)
	}))
}
