package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/storage/bolt"
)

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.db")
	v, err := vault.Open(path, vault.WithBoltConfig(bolt.Config{NoSync: true}), vault.WithSweepInterval(0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	mgmt, _ := v.TakeBootstrapKey()
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	priv, err := v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "p", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)
	_, other, err := v.CreateTenant(t.Context(), vault.CreateTenantRequest{Name: "other"})
	require.NoError(t, err)
	tmp := t.TempDir()
	h := httpapi.New(v, httpapi.WithBackups(tmp))

	get := func(key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/admin/backup", nil)
		req.Header.Set("BT-API-KEY", key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	w := get(mgmt.Reveal())
	require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
	assert.Equal(t, "application/octet-stream", w.Header().Get("Content-Type"))
	assert.Equal(t, w.Header().Get("Content-Length"), strconv.Itoa(w.Body.Len()))
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "the temporary copy is removed")

	restored := filepath.Join(t.TempDir(), "restored.db")
	require.NoError(t, os.WriteFile(restored, w.Body.Bytes(), 0o600))
	key, err := os.ReadFile(path + ".key")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(restored+".key", key, 0o600))
	r, err := vault.Open(restored, vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer r.Close()
	got, err := r.GetToken(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.Equal(t, `"4242424242424242"`, string(got.Data))

	for name, k := range map[string]string{"private key": priv.Key.Reveal(), "another tenant's management key": other.Key.Reveal()} {
		t.Run(name, func(t *testing.T) {
			w := get(k)
			assert.Equal(t, http.StatusForbidden, w.Code)
		})
	}
	t.Run("not served without the option", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/admin/backup", nil)
		req.Header.Set("BT-API-KEY", mgmt.Reveal())
		w := httptest.NewRecorder()
		httpapi.New(v).ServeHTTP(w, req)
		assert.Equal(t, http.StatusNotFound, w.Code)
	})
}
