package vaulttest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/vaulttest"
)

// TestFixtures uses every helper: the contexts act as their applications
// (a permission left out is refused), the card is a card, and the server
// serves the vault's own data to the management key.
func TestFixtures(t *testing.T) {
	v := vaulttest.New(t)
	writer := vaulttest.PrivateApp(t, v, vault.PermTokenCreate)
	reader := vaulttest.PrivateApp(t, v, vault.PermTokenRead)
	tok, err := v.CreateToken(writer, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	_, err = v.GetToken(writer, tok.ID)
	require.Error(t, err, "the writer may not read")
	_, err = v.GetToken(reader, tok.ID)
	require.NoError(t, err)

	card := vaulttest.Card(t, v, vaulttest.CardVisa)
	assert.Equal(t, vault.TypeCard, card.Type)

	srv := vaulttest.Server(t, v)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/applications", nil)
	require.NoError(t, err)
	req.Header.Set("BT-API-KEY", vaulttest.ManagementKey(t, v).Reveal())
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var page struct {
		Data []struct{ Name string } `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	var names []string
	for _, a := range page.Data {
		names = append(names, a.Name)
	}
	assert.Contains(t, strings.Join(names, ","), "vaulttest private")
}

// TestNewClosesTheVault: the vault of a finished test is closed.
func TestNewClosesTheVault(t *testing.T) {
	var v *vault.Vault
	t.Run("inner", func(t *testing.T) { v = vaulttest.New(t) })
	_, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.ErrorIs(t, err, vault.ErrClosed)
}
