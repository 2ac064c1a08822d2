package vault_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage/memory"
)

// sealedVersions returns the data-key version of every token's sealed data.
func sealedVersions(t *testing.T, store *memory.Store) []uint32 {
	t.Helper()
	var out []uint32
	require.NoError(t, store.ForEach(func(bucket string, _, val []byte) error {
		if bucket != "tokens" {
			return nil
		}
		sealed, err := vault.TokenSealedData(val)
		require.NoError(t, err)
		ver, err := keys.SealedVersion(sealed)
		require.NoError(t, err)
		out = append(out, ver)
		return nil
	}))
	return out
}

func TestRotateKeysReseals(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	var ids []string
	for i := range 1200 {
		tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: i})
		require.NoError(t, err)
		ids = append(ids, tok.ID)
	}
	for _, ver := range sealedVersions(t, store) {
		require.Equal(t, uint32(1), ver)
	}
	var calls [][2]int
	require.NoError(t, v.RotateKeys(t.Context(), func(done, total int) { calls = append(calls, [2]int{done, total}) }))
	require.NotEmpty(t, calls)
	last := calls[len(calls)-1]
	assert.Equal(t, last[0], last[1], "progress ends at the total")
	assert.GreaterOrEqual(t, last[1], 1200)
	for i := 1; i < len(calls); i++ {
		assert.GreaterOrEqual(t, calls[i][0], calls[i-1][0], "progress never goes back")
	}
	for _, ver := range sealedVersions(t, store) {
		assert.Equal(t, uint32(2), ver, "every value re-sealed under the new version")
	}
	for i, id := range ids[:50] {
		tok, err := v.GetToken(t.Context(), id)
		require.NoError(t, err)
		assert.Equal(t, json.Number(itoa(i)), dataOf(t, tok.Data))
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestMasterKeyRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	oldKEK, newKEK := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	open := func(current []byte, previous ...[]byte) (*vault.Vault, error) {
		p, err := keys.NewLocal(current, previous...)
		require.NoError(t, err)
		return vault.Open(path, vault.WithKeyProvider(p), vault.WithSweepInterval(0))
	}
	v, err := open(oldKEK)
	require.NoError(t, err)
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	require.NoError(t, err)
	require.NoError(t, v.Close())

	v, err = open(newKEK, oldKEK)
	require.NoError(t, err)
	require.NoError(t, v.RotateKeys(t.Context(), nil))
	require.NoError(t, v.Close())

	v, err = open(newKEK)
	require.NoError(t, err, "after rotation the old master key is not needed")
	got, err := v.GetToken(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "123-45-6789", dataOf(t, got.Data))
	require.NoError(t, v.Close())
	_, err = open(oldKEK)
	requireKind(t, err, vault.KindUnauthenticated)
}

func TestRotateKeysHostOnly(t *testing.T) {
	v := openTestVault(t)
	err := v.RotateKeys(vault.WithPrincipal(t.Context(), vault.Principal{TenantID: v.DefaultTenantID(), Permissions: []string{vault.PermTenantUpdate}}), nil)
	requireKind(t, err, vault.KindForbidden)
}
