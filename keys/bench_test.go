package keys_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
)

// BenchmarkSealOpen compares a Seal and an Open of a 1 KiB record through
// TenantKeys with bare AES-256-GCM under a fixed key and a random nonce.
func BenchmarkSealOpen(b *testing.B) {
	plain := make([]byte, 1024)
	_, _ = rand.Read(plain)

	b.Run("keys", func(b *testing.B) {
		_, tk := newTenant(b, "t1")
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			sealed, err := tk.Seal(plain, testAD)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tk.Open(sealed, testAD); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("bare", func(b *testing.B) {
		block, err := aes.NewCipher(newKEK(b))
		require.NoError(b, err)
		aead, err := cipher.NewGCM(block)
		require.NoError(b, err)
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			out := make([]byte, 12, 12+len(plain)+16)
			_, _ = rand.Read(out)
			out = aead.Seal(out, out[:12], plain, nil)
			if _, err := aead.Open(nil, out[:12], out[12:], nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMAC compares the pooled MAC with a new HMAC per call.
func BenchmarkMAC(b *testing.B) {
	value := []byte("4242424242424242")
	typ := []byte("card")

	b.Run("pooled", func(b *testing.B) {
		_, tk := newTenant(b, "t1")
		buf := make([]byte, 0, keys.MACSize)
		b.ReportAllocs()
		for b.Loop() {
			buf = tk.AppendMAC(buf[:0], "fingerprint", typ, value)
		}
	})

	b.Run("pooled-MAC", func(b *testing.B) {
		_, tk := newTenant(b, "t1")
		b.ReportAllocs()
		for b.Loop() {
			_ = tk.MAC("fingerprint", typ, value)
		}
	})

	b.Run("new-per-call", func(b *testing.B) {
		key := newKEK(b)
		buf := make([]byte, 0, sha256.Size)
		var lp [1]byte
		b.ReportAllocs()
		for b.Loop() {
			h := hmac.New(sha256.New, key)
			lp[0] = byte(len(typ))
			h.Write(lp[:])
			h.Write(typ)
			lp[0] = byte(len(value))
			h.Write(lp[:])
			h.Write(value)
			buf = h.Sum(buf[:0])
		}
	})

	b.Run("pooled-parallel", func(b *testing.B) {
		_, tk := newTenant(b, "t1")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, 0, keys.MACSize)
			for pb.Next() {
				buf = tk.AppendMAC(buf[:0], "fingerprint", typ, value)
			}
		})
	})
}

// BenchmarkTenant measures Keyring.Tenant on a hot (cached, fresh) tenant.
func BenchmarkTenant(b *testing.B) {
	k, _ := newTenant(b, "t1")
	ctx := b.Context()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.Tenant(ctx, "t1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := k.Tenant(ctx, "t1"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
