package keys_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
)

var testAD = keys.AD{Tenant: "t1", Kind: "token", ID: "4d1ac1e6-0d6c-4a52-8c0f-3b3f2c0b2f5a", Field: "data"}

func TestSealOpenRoundTrip(t *testing.T) {
	_, tk := newTenant(t, "t1")
	for _, n := range []int{0, 1, 15, 16, 17, 1024, 64 << 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			plain := bytes.Repeat([]byte{'x'}, n)
			sealed, err := tk.Seal(plain, testAD)
			require.NoError(t, err)
			assert.Len(t, sealed, 1+1+12+n+16)
			assert.Equal(t, byte(1), sealed[0])
			assert.Equal(t, byte(1), sealed[1], "version 1")
			if n > 8 {
				assert.False(t, bytes.Contains(sealed, plain[:8]), "the plaintext is not in the clear")
			}
			got, err := tk.Open(sealed, testAD)
			require.NoError(t, err)
			assert.Equal(t, plain, got)
			assert.Equal(t, len(got), cap(got), "no spare capacity exposes the additional data")

			other := testAD
			other.Tenant = "" // empty means the keys' tenant
			got, err = tk.Open(sealed, other)
			require.NoError(t, err)
			assert.Equal(t, plain, got)
		})
	}

	a, err := tk.Seal([]byte("same"), testAD)
	require.NoError(t, err)
	b, err := tk.Seal([]byte("same"), testAD)
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "nonces are random")
}

func TestSealErrors(t *testing.T) {
	_, tk := newTenant(t, "t1")
	ad := testAD
	ad.Tenant = "t2"
	_, err := tk.Seal([]byte("x"), ad)
	require.Error(t, err, "the AD names another tenant")
}

func TestOpenTamper(t *testing.T) {
	_, tk := newTenant(t, "t1")
	plain := []byte(`{"number":"4242424242424242"}`)
	sealed, err := tk.Seal(plain, testAD)
	require.NoError(t, err)

	check := func(t *testing.T, blob []byte, ad keys.AD, allowNotFound bool) {
		t.Helper()
		var got []byte
		require.NotPanics(t, func() { got, err = tk.Open(blob, ad) })
		require.Error(t, err)
		assert.Nil(t, got)
		if allowNotFound && errors.Is(err, keys.ErrKeyNotFound) {
			return
		}
		assert.ErrorIs(t, err, keys.ErrDecrypt)
		assert.NotContains(t, err.Error(), string(plain))
	}

	t.Run("flipped bit at every position", func(t *testing.T) {
		for i := range sealed {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(sealed)
				b[i] ^= mask
				// The version byte may turn into a version the tenant lacks.
				check(t, b, testAD, i == 1)
			}
		}
	})
	t.Run("truncated at every length", func(t *testing.T) {
		for n := range len(sealed) {
			check(t, sealed[:n], testAD, false)
		}
	})
	t.Run("extended", func(t *testing.T) {
		check(t, append(bytes.Clone(sealed), 0), testAD, false)
	})
	t.Run("moved to another record", func(t *testing.T) {
		for name, ad := range map[string]keys.AD{
			"tenant": {Tenant: "t2", Kind: testAD.Kind, ID: testAD.ID, Field: testAD.Field},
			"kind":   {Tenant: testAD.Tenant, Kind: "connection", ID: testAD.ID, Field: testAD.Field},
			"id":     {Tenant: testAD.Tenant, Kind: testAD.Kind, ID: "other", Field: testAD.Field},
			"field":  {Tenant: testAD.Tenant, Kind: testAD.Kind, ID: testAD.ID, Field: "cvc"},
			"empty":  {},
			// Length prefixes keep shifted boundaries apart.
			"shifted": {Tenant: testAD.Tenant, Kind: testAD.Kind + testAD.ID[:1], ID: testAD.ID[1:], Field: testAD.Field},
		} {
			t.Run(name, func(t *testing.T) { check(t, sealed, ad, false) })
		}
	})
	t.Run("moved to another tenant's keys", func(t *testing.T) {
		_, tk2 := newTenant(t, "t1") // the same tenant id under another keyring
		_, err := tk2.Open(sealed, testAD)
		assert.ErrorIs(t, err, keys.ErrDecrypt)
	})
	t.Run("malformed", func(t *testing.T) {
		for name, blob := range map[string][]byte{
			"nil":               nil,
			"empty":             {},
			"format only":       {1},
			"format 0":          append([]byte{0}, sealed[1:]...),
			"format 2":          append([]byte{2}, sealed[1:]...),
			"version 0":         append([]byte{1, 0}, sealed[2:]...),
			"non-minimal 1":     append([]byte{1, 0x81, 0x00}, sealed[2:]...),
			"version too large": append([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x10}, sealed[2:]...),
			"varint overflow":   append([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, sealed[2:]...),
			"no tag":            sealed[:2+12],
			"garbage":           bytes.Repeat([]byte{0xa5}, 64),
		} {
			t.Run(name, func(t *testing.T) { check(t, blob, testAD, false) })
		}
	})
	t.Run("unknown version", func(t *testing.T) {
		b := bytes.Clone(sealed)
		b[1] = 9
		_, err := tk.Open(b, testAD)
		assert.ErrorIs(t, err, keys.ErrKeyNotFound)
	})
}

func TestSealedVersion(t *testing.T) {
	k, tk := newTenant(t, "t1")
	sealed, err := tk.Seal([]byte("x"), testAD)
	require.NoError(t, err)
	v, err := keys.SealedVersion(sealed)
	require.NoError(t, err)
	assert.Equal(t, uint32(1), v)
	assert.Equal(t, uint32(1), tk.Current())

	for range 200 { // past 127: a two-byte uvarint
		_, err = k.Rotate(t.Context(), "t1")
		require.NoError(t, err)
	}
	sealed, err = tk.Seal([]byte("x"), testAD)
	require.NoError(t, err)
	v, err = keys.SealedVersion(sealed)
	require.NoError(t, err)
	assert.Equal(t, uint32(201), v)
	assert.Equal(t, uint32(201), tk.Current())
	got, err := tk.Open(sealed, testAD)
	require.NoError(t, err)
	assert.Equal(t, []byte("x"), got)

	for name, blob := range map[string][]byte{
		"nil":       nil,
		"format":    {2, 1},
		"version 0": append([]byte{1, 0}, make([]byte, 28)...),
		"short":     {1, 1, 0},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := keys.SealedVersion(blob)
			assert.ErrorIs(t, err, keys.ErrDecrypt)
		})
	}
}

func TestMAC(t *testing.T) {
	k, tk := newTenant(t, "t1")
	tk2, err := k.Tenant(t.Context(), "t2")
	require.NoError(t, err)
	ab, c := []byte("ab"), []byte("c")

	m := tk.MAC("fingerprint", ab, c)
	assert.Len(t, m, keys.MACSize)
	assert.Equal(t, m, tk.MAC("fingerprint", []byte("ab"), []byte("c")), "deterministic")
	assert.NotEqual(t, m, tk2.MAC("fingerprint", ab, c), "per tenant")
	assert.NotEqual(t, m, tk.MAC("search", ab, c), "per purpose")
	assert.NotEqual(t, m, tk.MAC("fingerprint", []byte("a"), []byte("bc")), "length-prefixed")
	assert.NotEqual(t, m, tk.MAC("fingerprint", []byte("abc")), "length-prefixed")
	assert.NotEqual(t, m, tk.MAC("fingerprint", ab, c, nil), "an empty part counts")
	assert.NotEqual(t, tk.MAC("fingerprint"), tk.MAC("fingerprint", nil))

	dst := []byte("prefix")
	got := tk.AppendMAC(dst, "fingerprint", ab, c)
	assert.Equal(t, append([]byte("prefix"), m...), got)

	_, err = k.Rotate(t.Context(), "t1")
	require.NoError(t, err)
	assert.Equal(t, m, tk.MAC("fingerprint", ab, c), "index keys are not rotated with DEKs")

	// Another keyring on the same store computes the same MACs.
	s := newStore(t)
	p := newLocal(t, newKEK(t))
	a, b := openKeyring(t, s, p), openKeyring(t, s, p)
	ta, err := a.Tenant(t.Context(), "t1")
	require.NoError(t, err)
	tb, err := b.Tenant(t.Context(), "t1")
	require.NoError(t, err)
	assert.Equal(t, ta.MAC("search", ab), tb.MAC("search", ab))
}

func TestMACConcurrent(t *testing.T) {
	_, tk := newTenant(t, "t1")
	purposes := []string{"fingerprint", "search", "alias", "other"}
	want := make(map[string][]byte)
	for _, p := range purposes {
		want[p] = tk.MAC(p, []byte("v"))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			buf := make([]byte, 0, keys.MACSize)
			for i := range 500 {
				p := purposes[(g+i)%len(purposes)]
				got := tk.AppendMAC(buf[:0], p, []byte("v"))
				if !bytes.Equal(want[p], got) {
					t.Errorf("MAC %s differs under concurrency", p)
					return
				}
				// New purposes derived concurrently.
				_ = tk.MAC(fmt.Sprintf("p%d", i%7), []byte("v"))
			}
		})
	}
	wg.Wait()
}

func TestConcurrentSealOpenRotate(t *testing.T) {
	k, tk := newTenant(t, "t1")
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for i := range 200 {
				ad := testAD
				ad.ID = fmt.Sprint(i)
				sealed, err := tk.Seal([]byte("payload"), ad)
				if !assert.NoError(t, err) {
					return
				}
				got, err := tk.Open(sealed, ad)
				if !assert.NoError(t, err) || !assert.Equal(t, []byte("payload"), got) {
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			_, err := k.Rotate(t.Context(), "t1")
			assert.NoError(t, err)
		}
	})
	wg.Wait()
	assert.Equal(t, uint32(21), tk.Current())
}

func TestHotPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	k, tk := newTenant(t, "t1")
	ctx := t.Context()
	plain := make([]byte, 1024)
	sealed, err := tk.Seal(plain, testAD)
	require.NoError(t, err)
	_ = tk.MAC("search", plain) // derive the key once
	buf := make([]byte, 0, keys.MACSize)

	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = k.Tenant(ctx, "t1") }), "Tenant")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _, _ = tk.Seal(plain, testAD) }), "Seal")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _, _ = tk.Open(sealed, testAD) }), "Open")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = tk.AppendMAC(buf[:0], "search", plain, plain) }), "AppendMAC")
}
