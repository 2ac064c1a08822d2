package keys_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

func TestOpenOptions(t *testing.T) {
	s, p := newStore(t), newLocal(t, newKEK(t))
	for name, tc := range map[string]struct {
		store storage.Store
		p     keys.Provider
		opts  []keys.Option
	}{
		"nil store":        {nil, p, nil},
		"nil provider":     {s, nil, nil},
		"nil clock":        {s, p, []keys.Option{keys.WithClock(nil)}},
		"nil logger":       {s, p, []keys.Option{keys.WithLogger(nil)}},
		"zero refresh":     {s, p, []keys.Option{keys.WithRefreshInterval(0)}},
		"negative refresh": {s, p, []keys.Option{keys.WithRefreshInterval(-time.Second)}},
	} {
		t.Run(name, func(t *testing.T) {
			k, err := keys.Open(t.Context(), tc.store, tc.p, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, k)
		})
	}
}

func TestOpenCheckRecord(t *testing.T) {
	ctx := t.Context()
	s, kek := newStore(t), newKEK(t)
	k := openKeyring(t, s, newLocal(t, kek))
	check := getRaw(t, s, keys.CheckRecordKey)
	require.NotEmpty(t, check, "the first open writes the check record")
	require.NoError(t, k.Close())

	openKeyring(t, s, newLocal(t, kek)) // the same master key opens it
	assert.Equal(t, check, getRaw(t, s, keys.CheckRecordKey), "a later open keeps it")

	t.Run("wrong master key", func(t *testing.T) {
		k, err := keys.Open(ctx, s, newLocal(t, newKEK(t)))
		require.ErrorIs(t, err, keys.ErrWrongMasterKey)
		assert.Nil(t, k)
	})
	t.Run("previous key loaded", func(t *testing.T) {
		openKeyring(t, s, newLocal(t, newKEK(t), kek))
	})
	for name, tamper := range map[string]func([]byte) []byte{
		"flipped ciphertext": func(b []byte) []byte { b[len(b)-20] ^= 1; return b },
		"flipped KEK id":     func(b []byte) []byte { b[3] ^= 1; return b },
		"truncated":          func(b []byte) []byte { return b[:10] },
		"empty":              func([]byte) []byte { return []byte{} },
		"format":             func(b []byte) []byte { b[0] = 9; return b },
	} {
		t.Run(name, func(t *testing.T) {
			putRaw(t, s, keys.CheckRecordKey, tamper(bytes.Clone(check)))
			t.Cleanup(func() { putRaw(t, s, keys.CheckRecordKey, check) })
			_, err := keys.Open(ctx, s, newLocal(t, kek))
			require.ErrorIs(t, err, keys.ErrWrongMasterKey)
		})
	}
	t.Run("provider failure is not a wrong key", func(t *testing.T) {
		boom := errors.New("kms unreachable")
		_, err := keys.Open(ctx, s, &funcProvider{
			unwrap: func(context.Context, []byte, []byte) ([]byte, error) { return nil, boom },
		})
		require.ErrorIs(t, err, boom)
		assert.NotErrorIs(t, err, keys.ErrWrongMasterKey)
	})
}

// funcProvider is a Provider made of functions (nil ones fail).
type funcProvider struct {
	wrap   func(ctx context.Context, dek, aad []byte) ([]byte, error)
	unwrap func(ctx context.Context, wrapped, aad []byte) ([]byte, error)
}

func (f *funcProvider) Wrap(ctx context.Context, dek, aad []byte) ([]byte, error) {
	if f.wrap == nil {
		return nil, errors.New("no wrap")
	}
	return f.wrap(ctx, dek, aad)
}

func (f *funcProvider) Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	if f.unwrap == nil {
		return nil, errors.New("no unwrap")
	}
	return f.unwrap(ctx, wrapped, aad)
}

func TestTenantLazyCreation(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	k := openKeyring(t, s, newLocal(t, newKEK(t)))

	var stored []byte
	err := s.View(ctx, func(tx storage.Tx) error {
		_, err := tx.Get(keys.Bucket, keys.TenantRecordKey("t1"))
		return err
	})
	require.ErrorIs(t, err, storage.ErrNotFound, "no keys before first use")

	tk, err := k.Tenant(ctx, "t1")
	require.NoError(t, err)
	assert.Equal(t, "t1", tk.Tenant())
	assert.Equal(t, uint32(1), tk.Current())
	stored = getRaw(t, s, keys.TenantRecordKey("t1"))
	require.NotEmpty(t, stored)

	again, err := k.Tenant(ctx, "t1")
	require.NoError(t, err)
	assert.Same(t, tk, again)
	assert.Equal(t, stored, getRaw(t, s, keys.TenantRecordKey("t1")), "created once")

	empty, err := k.Tenant(ctx, "")
	require.NoError(t, err, "the empty tenant id is a tenant like any other")
	assert.NotEqual(t, tk.MAC("p"), empty.MAC("p"))

	_, err = k.Tenant(ctx, string(make([]byte, 5000)))
	assert.ErrorIs(t, err, storage.ErrInvalid)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = k.Tenant(canceled, "t-new")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestTamperedStoredKeys(t *testing.T) {
	ctx := t.Context()
	s, p := newStore(t), newLocal(t, newKEK(t))
	k := openKeyring(t, s, p)
	for _, id := range []string{"t1", "t2"} {
		_, err := k.Tenant(ctx, id)
		require.NoError(t, err)
	}
	rec1 := getRaw(t, s, keys.TenantRecordKey("t1"))
	rec2 := getRaw(t, s, keys.TenantRecordKey("t2"))

	flipAt := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 0x40; return b }
	}
	for name, tc := range map[string]struct {
		tamper func([]byte) []byte
		want   error
	}{
		"index key ciphertext": {flipAt(3 + 1 + 4 + 12), keys.ErrDecrypt},
		"DEK tag":              {flipAt(len(rec1) - 1), keys.ErrDecrypt},
		"DEK KEK id":           {flipAt(len(rec1) - 64 + 1), keys.ErrWrongMasterKey},
		"truncated":            {func(b []byte) []byte { return b[:len(b)-1] }, keys.ErrDecrypt},
		"extended":             {func(b []byte) []byte { return append(b, 0) }, keys.ErrDecrypt},
		"garbage":              {func([]byte) []byte { return []byte("garbage") }, keys.ErrDecrypt},
		"empty":                {func([]byte) []byte { return []byte{} }, keys.ErrDecrypt},
		"state":                {func(b []byte) []byte { b[1] = 7; return b }, keys.ErrDecrypt},
		"another tenant's":     {func([]byte) []byte { return bytes.Clone(rec2) }, keys.ErrDecrypt},
		"version renumbered": {func(b []byte) []byte {
			b[len(b)-67] = 2 // the DEK's version byte: its aad says version 1
			return b
		}, keys.ErrDecrypt},
	} {
		t.Run(name, func(t *testing.T) {
			putRaw(t, s, keys.TenantRecordKey("t1"), tc.tamper(bytes.Clone(rec1)))
			t.Cleanup(func() { putRaw(t, s, keys.TenantRecordKey("t1"), rec1) })
			fresh := openKeyring(t, s, p) // nothing cached
			var tk *keys.TenantKeys
			var err error
			require.NotPanics(t, func() { tk, err = fresh.Tenant(ctx, "t1") })
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, tk)
			_, err = fresh.Tenant(ctx, "t2")
			assert.NoError(t, err, "other tenants are unaffected")
		})
	}
}

func TestRotate(t *testing.T) {
	ctx := t.Context()
	k, tk := newTenant(t, "t1")
	plain := []byte("secret")
	v1, err := tk.Seal(plain, testAD)
	require.NoError(t, err)
	mac := tk.MAC("fingerprint", plain)

	next, err := k.Rotate(ctx, "t1")
	require.NoError(t, err)
	assert.Equal(t, uint32(2), next)
	assert.Equal(t, uint32(2), tk.Current(), "the cached keys see the rotation at once")

	v2, err := tk.Seal(plain, testAD)
	require.NoError(t, err)
	ver, err := keys.SealedVersion(v2)
	require.NoError(t, err)
	assert.Equal(t, uint32(2), ver)

	for _, sealed := range [][]byte{v1, v2} {
		got, err := tk.Open(sealed, testAD)
		require.NoError(t, err)
		assert.Equal(t, plain, got)
	}
	assert.Equal(t, mac, tk.MAC("fingerprint", plain))

	next, err = k.Rotate(ctx, "never-used")
	require.NoError(t, err, "Rotate creates missing keys first")
	assert.Equal(t, uint32(2), next)

	// A fresh keyring on the same store reads both versions.
	s := newStore(t)
	p := newLocal(t, newKEK(t))
	a := openKeyring(t, s, p)
	ta, err := a.Tenant(ctx, "t1")
	require.NoError(t, err)
	old, err := ta.Seal(plain, testAD)
	require.NoError(t, err)
	_, err = a.Rotate(ctx, "t1")
	require.NoError(t, err)
	tb, err := openKeyring(t, s, p).Tenant(ctx, "t1")
	require.NoError(t, err)
	assert.Equal(t, uint32(2), tb.Current())
	got, err := tb.Open(old, testAD)
	require.NoError(t, err)
	assert.Equal(t, plain, got)
}

func TestRotateConcurrent(t *testing.T) {
	ctx := t.Context()
	s, p := newStore(t), newLocal(t, newKEK(t))
	a, b := openKeyring(t, s, p), openKeyring(t, s, p)
	_, err := a.Tenant(ctx, "t1")
	require.NoError(t, err)
	var mu sync.Mutex
	seen := map[uint32]bool{}
	var wg sync.WaitGroup
	for i := range 10 {
		k := a
		if i%2 == 1 {
			k = b
		}
		wg.Go(func() {
			v, err := k.Rotate(ctx, "t1")
			if assert.NoError(t, err) {
				mu.Lock()
				assert.False(t, seen[v], "version %d given twice", v)
				seen[v] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, 10)
	tk, err := openKeyring(t, s, p).Tenant(ctx, "t1")
	require.NoError(t, err)
	assert.Equal(t, uint32(11), tk.Current())
}

func TestMasterKeyRotation(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	oldKEK, newKEKBytes := newKEK(t), newKEK(t)

	// Data sealed under the old master key.
	k := openKeyring(t, s, newLocal(t, oldKEK))
	const tenants = 7
	sealed := map[string][]byte{}
	macs := map[string][]byte{}
	for i := range tenants {
		id := fmt.Sprintf("t%d", i)
		tk, err := k.Tenant(ctx, id)
		require.NoError(t, err)
		if i%2 == 0 {
			_, err = k.Rotate(ctx, id)
			require.NoError(t, err)
		}
		ad := keys.AD{Tenant: id, Kind: "token", ID: "x", Field: "data"}
		sealed[id], err = tk.Seal([]byte("data of "+id), ad)
		require.NoError(t, err)
		macs[id] = tk.MAC("fingerprint", []byte(id))
	}
	require.NoError(t, k.DeleteTenant(ctx, "t6"))
	require.NoError(t, k.Close())

	// The new key with the old as previous opens everything; Rewrap.
	rot := openKeyring(t, s, newLocal(t, newKEKBytes, oldKEK))
	keys.SetRewrapBatch(rot, 3)
	var calls [][2]int
	require.NoError(t, rot.Rewrap(ctx, func(done, total int) { calls = append(calls, [2]int{done, total}) }))
	require.NotEmpty(t, calls)
	total := calls[0][1]
	assert.Equal(t, tenants+1, total, "every tenant record and the check record")
	for i, c := range calls {
		assert.Equal(t, total, c[1])
		if i > 0 {
			assert.Greater(t, c[0], calls[i-1][0], "done increases")
		}
	}
	assert.Equal(t, total, calls[len(calls)-1][0], "done reaches total")
	assert.Len(t, calls, 3, "batches of 3")

	// Only the new key is needed now.
	_, err := keys.Open(ctx, s, newLocal(t, oldKEK))
	require.ErrorIs(t, err, keys.ErrWrongMasterKey, "the old key no longer opens the keyring")
	only := openKeyring(t, s, newLocal(t, newKEKBytes))
	for i := range tenants - 1 {
		id := fmt.Sprintf("t%d", i)
		tk, err := only.Tenant(ctx, id)
		require.NoError(t, err)
		got, err := tk.Open(sealed[id], keys.AD{Tenant: id, Kind: "token", ID: "x", Field: "data"})
		require.NoError(t, err)
		assert.Equal(t, []byte("data of "+id), got)
		assert.Equal(t, macs[id], tk.MAC("fingerprint", []byte(id)), "MACs survive a master key rotation")
	}
	_, err = only.Tenant(ctx, "t6")
	assert.ErrorIs(t, err, keys.ErrTenantDeleted, "the tombstone survives Rewrap")

	// The keyring that rewrapped picks the new wrapped forms up on refresh.
	tk, err := rot.Tenant(ctx, "t0")
	require.NoError(t, err)
	got, err := tk.Open(sealed["t0"], keys.AD{Tenant: "t0", Kind: "token", ID: "x", Field: "data"})
	require.NoError(t, err)
	assert.Equal(t, []byte("data of t0"), got)

	require.NoError(t, only.Rewrap(ctx, nil), "Rewrap is idempotent; progress may be nil")
}

func TestRewrapErrors(t *testing.T) {
	ctx := t.Context()
	s, kek := newStore(t), newKEK(t)
	k := openKeyring(t, s, newLocal(t, kek))
	_, err := k.Tenant(ctx, "t1")
	require.NoError(t, err)

	t.Run("a key no KEK opens", func(t *testing.T) {
		other := newKEK(t)
		p := newLocal(t, other, kek)
		k2 := openKeyring(t, s, p)
		// Wrap one record under a KEK nobody holds any more.
		stranger := openKeyring(t, s, newLocal(t, newKEK(t), kek))
		_, err := stranger.Rotate(ctx, "t1")
		require.NoError(t, err)
		err = k2.Rewrap(ctx, nil)
		require.ErrorIs(t, err, keys.ErrWrongMasterKey)
	})
	t.Run("canceled", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		assert.ErrorIs(t, k.Rewrap(c, nil), context.Canceled)
	})
	t.Run("tampered record", func(t *testing.T) {
		s, p := newStore(t), newLocal(t, newKEK(t))
		k := openKeyring(t, s, p)
		putRaw(t, s, keys.TenantRecordKey("zz"), []byte("garbage"))
		assert.ErrorIs(t, k.Rewrap(ctx, nil), keys.ErrDecrypt)
	})
}

func TestDeleteTenant(t *testing.T) {
	ctx := t.Context()
	s, p := newStore(t), newLocal(t, newKEK(t))
	k := openKeyring(t, s, p)
	tk, err := k.Tenant(ctx, "t1")
	require.NoError(t, err)
	other, err := k.Tenant(ctx, "t2")
	require.NoError(t, err)
	sealed, err := tk.Seal([]byte("doomed"), testAD)
	require.NoError(t, err)
	_, err = k.Rotate(ctx, "t1")
	require.NoError(t, err)
	sealed2, err := tk.Seal([]byte("doomed too"), testAD)
	require.NoError(t, err)
	ad2 := keys.AD{Tenant: "t2", Kind: "token", ID: "y", Field: "data"}
	kept, err := other.Seal([]byte("kept"), ad2)
	require.NoError(t, err)
	held := keys.KeyBytes(tk)
	before := getRaw(t, s, keys.TenantRecordKey("t1"))

	require.NoError(t, k.DeleteTenant(ctx, "t1"))

	for _, b := range held {
		assert.Equal(t, make([]byte, len(b)), b, "key bytes are wiped")
	}
	after := getRaw(t, s, keys.TenantRecordKey("t1"))
	assert.Less(t, len(after), 16, "only a tombstone is left")
	assert.False(t, bytes.Contains(after, before[3:20]), "no wrapped key is left")

	for _, b := range [][]byte{sealed, sealed2} {
		_, err = tk.Open(b, testAD)
		assert.ErrorIs(t, err, keys.ErrKeyNotFound)
		assert.ErrorIs(t, err, keys.ErrTenantDeleted)
	}
	_, err = tk.Seal([]byte("x"), testAD)
	assert.ErrorIs(t, err, keys.ErrTenantDeleted)
	assert.Zero(t, tk.Current())
	assert.NotEqual(t, tk.MAC("p", []byte("x")), tk.MAC("p", []byte("x")), "MAC of wiped keys matches nothing")
	_, err = k.Tenant(ctx, "t1")
	assert.ErrorIs(t, err, keys.ErrTenantDeleted)
	_, err = k.Rotate(ctx, "t1")
	assert.ErrorIs(t, err, keys.ErrTenantDeleted)

	got, err := other.Open(kept, ad2)
	require.NoError(t, err, "other tenants are unaffected")
	assert.Equal(t, []byte("kept"), got)

	// Another keyring (process) sees the tombstone and never re-creates keys.
	k2 := openKeyring(t, s, p)
	_, err = k2.Tenant(ctx, "t1")
	assert.ErrorIs(t, err, keys.ErrTenantDeleted)
	assert.Equal(t, after, getRaw(t, s, keys.TenantRecordKey("t1")))

	require.NoError(t, k.DeleteTenant(ctx, "t1"), "idempotent")
	assert.Equal(t, after, getRaw(t, s, keys.TenantRecordKey("t1")), "the first tombstone is kept")
	require.NoError(t, k.DeleteTenant(ctx, "never-used"))
	_, err = k.Tenant(ctx, "never-used")
	assert.ErrorIs(t, err, keys.ErrTenantDeleted, "deleting an unknown tenant forbids it")
}

func TestTwoProcesses(t *testing.T) {
	ctx := t.Context()
	s, p := newStore(t), newLocal(t, newKEK(t))
	clk := newClock()
	a := openKeyring(t, s, p, keys.WithClock(clk.Now))
	b := openKeyring(t, s, p, keys.WithClock(clk.Now))

	t.Run("concurrent creation agrees on one key", func(t *testing.T) {
		const n = 16
		got := make([]*keys.TenantKeys, n)
		var wg sync.WaitGroup
		for i := range n {
			k := a
			if i%2 == 1 {
				k = b
			}
			wg.Go(func() {
				tk, err := k.Tenant(ctx, "shared")
				assert.NoError(t, err)
				got[i] = tk
			})
		}
		wg.Wait()
		sealed, err := got[0].Seal([]byte("x"), keys.AD{Kind: "k"})
		require.NoError(t, err)
		for i, tk := range got {
			require.NotNil(t, tk)
			plain, err := tk.Open(sealed, keys.AD{Kind: "k"})
			require.NoError(t, err, "keyring %d", i%2)
			assert.Equal(t, []byte("x"), plain)
			assert.Equal(t, got[0].MAC("m"), tk.MAC("m"))
			assert.Equal(t, uint32(1), tk.Current())
		}
	})

	t.Run("rotation seen after the refresh interval", func(t *testing.T) {
		ta, err := a.Tenant(ctx, "r")
		require.NoError(t, err)
		tb, err := b.Tenant(ctx, "r")
		require.NoError(t, err)
		_, err = a.Rotate(ctx, "r")
		require.NoError(t, err)
		assert.Equal(t, uint32(2), ta.Current())

		clk.Add(keys.DefaultRefreshInterval - time.Second)
		tb2, err := b.Tenant(ctx, "r")
		require.NoError(t, err)
		assert.Equal(t, uint32(1), tb2.Current(), "still cached")
		clk.Add(time.Second)
		tb2, err = b.Tenant(ctx, "r")
		require.NoError(t, err)
		assert.Same(t, tb, tb2)
		assert.Equal(t, uint32(2), tb.Current(), "re-read after the interval")
	})

	t.Run("open of a newer version re-reads at once", func(t *testing.T) {
		ta, err := a.Tenant(ctx, "n")
		require.NoError(t, err)
		tb, err := b.Tenant(ctx, "n")
		require.NoError(t, err)
		_, err = a.Rotate(ctx, "n")
		require.NoError(t, err)
		sealed, err := ta.Seal([]byte("v2"), keys.AD{Kind: "k"})
		require.NoError(t, err)

		_, err = tb.Open(sealed, keys.AD{Kind: "k"})
		require.ErrorIs(t, err, keys.ErrKeyNotFound)
		tb, err = b.Tenant(ctx, "n") // no clock change: the miss marked it stale
		require.NoError(t, err)
		got, err := tb.Open(sealed, keys.AD{Kind: "k"})
		require.NoError(t, err)
		assert.Equal(t, []byte("v2"), got)
	})

	t.Run("deletion seen after the refresh interval", func(t *testing.T) {
		tb, err := b.Tenant(ctx, "d")
		require.NoError(t, err)
		sealed, err := tb.Seal([]byte("x"), keys.AD{Kind: "k"})
		require.NoError(t, err)
		require.NoError(t, a.DeleteTenant(ctx, "d"))

		_, err = b.Tenant(ctx, "d")
		require.NoError(t, err, "cached until the interval passes")
		clk.Add(keys.DefaultRefreshInterval)
		_, err = b.Tenant(ctx, "d")
		require.ErrorIs(t, err, keys.ErrTenantDeleted)
		_, err = tb.Open(sealed, keys.AD{Kind: "k"})
		assert.ErrorIs(t, err, keys.ErrKeyNotFound)
	})

	t.Run("custom refresh interval", func(t *testing.T) {
		c := openKeyring(t, s, p, keys.WithClock(clk.Now), keys.WithRefreshInterval(time.Second))
		tc, err := c.Tenant(ctx, "i")
		require.NoError(t, err)
		_, err = a.Rotate(ctx, "i")
		require.NoError(t, err)
		clk.Add(time.Second)
		_, err = c.Tenant(ctx, "i")
		require.NoError(t, err)
		assert.Equal(t, uint32(2), tc.Current())
	})
}

func TestStoreLostKeys(t *testing.T) {
	ctx := t.Context()
	s, p := newStore(t), newLocal(t, newKEK(t))
	clk := newClock()
	k := openKeyring(t, s, p, keys.WithClock(clk.Now))
	tk, err := k.Tenant(ctx, "t1")
	require.NoError(t, err)
	sealed, err := tk.Seal([]byte("x"), testAD)
	require.NoError(t, err)
	mac := tk.MAC("m")
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.Delete(keys.Bucket, keys.TenantRecordKey("t1"))
	}))
	clk.Add(keys.DefaultRefreshInterval)
	tk2, err := k.Tenant(ctx, "t1")
	require.NoError(t, err, "the store is the source of truth: new keys")
	assert.Same(t, tk, tk2)
	assert.NotEqual(t, mac, tk.MAC("m"), "the new index key replaced the old")
	_, err = tk.Open(sealed, testAD)
	assert.ErrorIs(t, err, keys.ErrDecrypt, "data under the lost keys does not open")
}

func TestClose(t *testing.T) {
	ctx := t.Context()
	k, tk := newTenant(t, "t1")
	sealed, err := tk.Seal([]byte("x"), testAD)
	require.NoError(t, err)
	_ = tk.MAC("fingerprint", []byte("x"))
	held := keys.KeyBytes(tk)
	require.Len(t, held, 2)

	require.NoError(t, k.Close())
	require.NoError(t, k.Close(), "idempotent")

	for _, b := range held {
		assert.Equal(t, make([]byte, len(b)), b, "key bytes are wiped")
	}
	_, err = tk.Seal([]byte("x"), testAD)
	assert.ErrorIs(t, err, keys.ErrClosed)
	_, err = tk.Open(sealed, testAD)
	assert.ErrorIs(t, err, keys.ErrClosed)
	assert.Len(t, tk.MAC("fingerprint", []byte("x")), keys.MACSize)
	assert.Zero(t, tk.Current())

	_, err = k.Tenant(ctx, "t1")
	assert.ErrorIs(t, err, keys.ErrClosed)
	_, err = k.Tenant(ctx, "t2")
	assert.ErrorIs(t, err, keys.ErrClosed)
	_, err = k.Rotate(ctx, "t1")
	assert.ErrorIs(t, err, keys.ErrClosed)
	assert.ErrorIs(t, k.DeleteTenant(ctx, "t1"), keys.ErrClosed)
	assert.ErrorIs(t, k.Rewrap(ctx, nil), keys.ErrClosed)
}

func TestCloseConcurrent(t *testing.T) {
	ctx := t.Context()
	k, _ := newTenant(t, "t1")
	const workers = 4
	started := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			sent := false
			defer func() {
				if !sent { // failed early: do not leave the test waiting
					started <- struct{}{}
				}
			}()
			for i := 0; ; i++ {
				if i == 1 {
					sent = true
					started <- struct{}{}
				}
				tk, err := k.Tenant(ctx, fmt.Sprintf("t%d", (g+i)%5))
				if errors.Is(err, keys.ErrClosed) {
					return
				}
				if !assert.NoError(t, err) {
					return
				}
				sealed, err := tk.Seal([]byte("x"), keys.AD{})
				if errors.Is(err, keys.ErrClosed) {
					return
				}
				if !assert.NoError(t, err) {
					return
				}
				_, err = tk.Open(sealed, keys.AD{})
				if err != nil && !errors.Is(err, keys.ErrClosed) {
					t.Errorf("Open: %v", err)
					return
				}
				_ = tk.MAC("m", sealed)
			}
		})
	}
	for range workers {
		<-started // every worker is under way: Close must not race them
	}
	require.NoError(t, k.Close())
	wg.Wait()
}

func TestLogsNoSecrets(t *testing.T) {
	ctx := t.Context()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	kek := newKEK(t)
	s := newStore(t)
	k := openKeyring(t, s, newLocal(t, kek), keys.WithLogger(log))
	tk, err := k.Tenant(ctx, "t1")
	require.NoError(t, err)
	_, err = k.Rotate(ctx, "t1")
	require.NoError(t, err)
	require.NoError(t, k.Rewrap(ctx, nil))
	require.NoError(t, k.DeleteTenant(ctx, "t1"))
	assert.Contains(t, buf.String(), `"tenant":"t1"`)
	assertNoKey(t, buf.String(), kek)
	_ = tk
}

// hookProvider calls onWrap (if set) before each Wrap of the Local it wraps.
type hookProvider struct {
	*keys.Local
	onWrap func()
}

func (h *hookProvider) Wrap(ctx context.Context, dek, aad []byte) ([]byte, error) {
	if h.onWrap != nil {
		h.onWrap()
	}
	return h.Local.Wrap(ctx, dek, aad)
}

func TestRewrapConcurrentChanges(t *testing.T) {
	ctx := t.Context()
	s, oldKEK, newKEKBytes := newStore(t), newKEK(t), newKEK(t)
	k := openKeyring(t, s, newLocal(t, oldKEK))
	for _, id := range []string{"t1", "t2", "t3"} {
		_, err := k.Tenant(ctx, id)
		require.NoError(t, err)
	}

	other := openKeyring(t, s, newLocal(t, newKEKBytes, oldKEK)) // another process
	var once sync.Once
	hp := &hookProvider{Local: newLocal(t, newKEKBytes, oldKEK)}
	hp.onWrap = func() {
		// Mid-batch, another process rotates t1 and deletes t2.
		once.Do(func() {
			_, err := other.Rotate(ctx, "t1")
			assert.NoError(t, err)
			assert.NoError(t, other.DeleteTenant(ctx, "t2"))
		})
	}
	rot := openKeyring(t, s, hp)
	require.NoError(t, rot.Rewrap(ctx, nil))

	only := openKeyring(t, s, newLocal(t, newKEKBytes))
	tk, err := only.Tenant(ctx, "t1")
	require.NoError(t, err, "the concurrent rotation was rewrapped too")
	assert.Equal(t, uint32(2), tk.Current())
	_, err = only.Tenant(ctx, "t2")
	assert.ErrorIs(t, err, keys.ErrTenantDeleted, "the concurrent deletion was kept")
	_, err = only.Tenant(ctx, "t3")
	require.NoError(t, err)
}

// failStore fails Update with err once armed.
type failStore struct {
	storage.Store
	mu  sync.Mutex
	err error
}

func (f *failStore) arm(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *failStore) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.Store.Update(ctx, fn)
}

func TestFailures(t *testing.T) {
	ctx := t.Context()
	boom := errors.New("boom")

	t.Run("store", func(t *testing.T) {
		fs := &failStore{Store: newStore(t)}
		k := openKeyring(t, fs, newLocal(t, newKEK(t)))
		_, err := k.Tenant(ctx, "t1")
		require.NoError(t, err)
		fs.arm(boom)
		_, err = k.Tenant(ctx, "t2")
		assert.ErrorIs(t, err, boom, "creation")
		_, err = k.Rotate(ctx, "t1")
		assert.ErrorIs(t, err, boom)
		assert.ErrorIs(t, k.DeleteTenant(ctx, "t1"), boom)
		assert.ErrorIs(t, k.Rewrap(ctx, nil), boom)
		_, err = keys.Open(ctx, &failStore{Store: newStore(t), err: boom}, newLocal(t, newKEK(t)))
		assert.ErrorIs(t, err, boom, "writing the check record")

		fs.arm(nil)
		tk, err := k.Tenant(ctx, "t1")
		require.NoError(t, err, "nothing was half-done")
		assert.Equal(t, uint32(1), tk.Current())
	})

	t.Run("provider", func(t *testing.T) {
		s := newStore(t)
		local := newLocal(t, newKEK(t))
		var wrapErr, unwrapErr error
		var shortKey bool
		p := &funcProvider{
			wrap: func(ctx context.Context, dek, aad []byte) ([]byte, error) {
				if wrapErr != nil {
					return nil, wrapErr
				}
				return local.Wrap(ctx, dek, aad)
			},
			unwrap: func(ctx context.Context, w, aad []byte) ([]byte, error) {
				if unwrapErr != nil {
					return nil, unwrapErr
				}
				key, err := local.Unwrap(ctx, w, aad)
				if shortKey && err == nil {
					key = key[:16]
				}
				return key, err
			},
		}
		k := openKeyring(t, s, p)
		_, err := k.Tenant(ctx, "t1")
		require.NoError(t, err)

		wrapErr = boom
		_, err = k.Tenant(ctx, "t2")
		assert.ErrorIs(t, err, boom)
		_, err = k.Rotate(ctx, "t1")
		assert.ErrorIs(t, err, boom)
		assert.ErrorIs(t, k.Rewrap(ctx, nil), boom)
		wrapErr = nil

		fresh := openKeyring(t, s, p)
		unwrapErr = boom
		_, err = fresh.Tenant(ctx, "t1")
		assert.ErrorIs(t, err, boom)
		unwrapErr = nil

		shortKey = true
		_, err = fresh.Tenant(ctx, "t1")
		assert.ErrorIs(t, err, keys.ErrDecrypt, "a key of the wrong size")
		shortKey = false

		_, err = fresh.Tenant(ctx, "t1")
		require.NoError(t, err)
	})
}

// TestRaces makes another process win each read-check-write race at the
// worst moment: between reading the store and writing to it.
func TestRaces(t *testing.T) {
	ctx := t.Context()
	kek := newKEK(t)

	t.Run("first open", func(t *testing.T) {
		s := newStore(t)
		var once sync.Once
		hp := &hookProvider{Local: newLocal(t, kek)}
		hp.onWrap = func() { once.Do(func() { openKeyring(t, s, newLocal(t, kek)) }) }
		openKeyring(t, s, hp) // adopts the other's check record, and checks it
		check := getRaw(t, s, keys.CheckRecordKey)
		openKeyring(t, s, newLocal(t, kek))
		assert.Equal(t, check, getRaw(t, s, keys.CheckRecordKey))

		s2 := newStore(t)
		var once2 sync.Once
		hp2 := &hookProvider{Local: newLocal(t, kek)}
		hp2.onWrap = func() { once2.Do(func() { openKeyring(t, s2, newLocal(t, newKEK(t))) }) }
		_, err := keys.Open(ctx, s2, hp2)
		assert.ErrorIs(t, err, keys.ErrWrongMasterKey, "the other process used another master key")
	})

	t.Run("tenant creation", func(t *testing.T) {
		s := newStore(t)
		other := openKeyring(t, s, newLocal(t, kek))
		var winner *keys.TenantKeys
		var once sync.Once
		hp := &hookProvider{Local: newLocal(t, kek)}
		k := openKeyring(t, s, hp)
		hp.onWrap = func() {
			once.Do(func() {
				var err error
				winner, err = other.Tenant(ctx, "t1")
				assert.NoError(t, err)
			})
		}
		tk, err := k.Tenant(ctx, "t1")
		require.NoError(t, err)
		assert.Equal(t, winner.MAC("m"), tk.MAC("m"), "the loser adopts the winner's keys")
	})

	t.Run("rotation", func(t *testing.T) {
		s := newStore(t)
		other := openKeyring(t, s, newLocal(t, kek))
		hp := &hookProvider{Local: newLocal(t, kek)}
		k := openKeyring(t, s, hp)
		_, err := k.Tenant(ctx, "t1")
		require.NoError(t, err)
		var once sync.Once
		hp.onWrap = func() {
			once.Do(func() {
				_, err := other.Rotate(ctx, "t1")
				assert.NoError(t, err)
			})
		}
		v, err := k.Rotate(ctx, "t1")
		require.NoError(t, err)
		assert.Equal(t, uint32(3), v, "the lost race is retried on top of the winner's version")
	})

	t.Run("rotation against deletion", func(t *testing.T) {
		s := newStore(t)
		other := openKeyring(t, s, newLocal(t, kek))
		hp := &hookProvider{Local: newLocal(t, kek)}
		k := openKeyring(t, s, hp)
		_, err := k.Tenant(ctx, "t1")
		require.NoError(t, err)
		var once sync.Once
		hp.onWrap = func() { once.Do(func() { assert.NoError(t, other.DeleteTenant(ctx, "t1")) }) }
		_, err = k.Rotate(ctx, "t1")
		require.ErrorIs(t, err, keys.ErrTenantDeleted)
		_, err = k.Tenant(ctx, "t1")
		assert.ErrorIs(t, err, keys.ErrTenantDeleted, "the failed rotation re-reads at once")
	})
}
