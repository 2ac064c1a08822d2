package keys_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
)

// FuzzOpen checks that Open never panics, never returns plaintext for bytes
// it did not seal, and fails only with ErrDecrypt or ErrKeyNotFound. The seed
// corpus is real sealed values (versions 1 and 2, a two-byte version) and
// mutations of them.
func FuzzOpen(f *testing.F) {
	k, tk := newTenant(f, "t1")
	ad := keys.AD{Tenant: "t1", Kind: "token", ID: "id-1", Field: "data"}
	var valid [][]byte
	seal := func(plain string) {
		b, err := tk.Seal([]byte(plain), ad)
		require.NoError(f, err)
		valid = append(valid, b)
	}
	seal("")
	seal(`{"number":"4242424242424242"}`)
	_, err := k.Rotate(f.Context(), "t1")
	require.NoError(f, err)
	seal("under version 2")
	for range 200 {
		_, err = k.Rotate(f.Context(), "t1")
		require.NoError(f, err)
	}
	seal("under a two-byte version")

	for _, b := range valid {
		f.Add(b)
		f.Add(b[:len(b)-1])
		f.Add(b[:2])
		f.Add(append(bytes.Clone(b), 0))
		for _, i := range []int{0, 1, 2, len(b) / 2, len(b) - 1} {
			m := bytes.Clone(b)
			m[i] ^= 0x80
			f.Add(m)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0x81, 0})
	f.Add(bytes.Repeat([]byte{0xff}, 40))

	f.Fuzz(func(t *testing.T, sealed []byte) {
		plain, err := tk.Open(sealed, ad)
		if err == nil {
			for _, v := range valid {
				if bytes.Equal(v, sealed) {
					return
				}
			}
			t.Fatalf("Open accepted bytes it never sealed (%d bytes of plaintext)", len(plain))
		}
		if plain != nil {
			t.Fatal("Open returned plaintext with an error")
		}
		if !errors.Is(err, keys.ErrDecrypt) && !errors.Is(err, keys.ErrKeyNotFound) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if _, verr := keys.SealedVersion(sealed); verr != nil && !errors.Is(verr, keys.ErrDecrypt) {
			t.Fatalf("SealedVersion: untyped error %T: %v", verr, verr)
		}
	})
}
