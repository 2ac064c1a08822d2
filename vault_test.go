package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/internal/jsonv"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// TestMain checks that no test leaks a goroutine. regexp2's clock (the
// deadline of timed matches: reactor regexes, proxy masks) is a library
// global that winds down on its own.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/dlclark/regexp2/v2.runClock"))
}

// secrets are values the tests store and then look for in raw storage.
var secrets = []string{"4242424242424242", "123-45-6789", "123456789", "Sensitive Value", "s3cr3t-c0nfig",
	"xchg-hmac-k3y-77", "sk_live_c0nnSecret", "c0nn-merchant-91", "co-api-k3y-91", "co-passw0rd-91", "sim_v4ultKey99"}

// createSecrets stores every kind of secret and returns what to look for:
// secrets and the random ones it was handed (a webhook's signing key).
func createSecrets(t *testing.T, v *vault.Vault) []string {
	t.Helper()
	ctx := t.Context()
	// A webhook first, so that every change after writes its event to the
	// outbox (hooks.invalid never resolves: its deliveries fail).
	hook, err := v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "h", URL: "https://hooks.invalid/x", Events: []string{"*"}})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data:          map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030, "cvc": "987"},
		SearchIndexes: []string{"{{ data.number }}", "{{ data.number | last4 }}"}, FingerprintExpression: "{{ data.number }}"})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789", FingerprintExpression: "{{ data }}"})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"note": "Sensitive Value", "key": "s3cr3t-c0nfig"},
		SearchIndexes: []string{"{{ data.note }}"}})
	require.NoError(t, err)
	// The sealed configuration of an exchange, a connection and a connector.
	_, err = v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "e", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardPseudonym},
		Configuration: vault.Secrets{"HMAC_KEY": "xchg-hmac-k3y-77"}})
	require.NoError(t, err)
	_, err = v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "stripe-card", Method: "card", DisplayName: "s",
		Fields: []vault.ConnectionField{{Key: "secret_key", Value: vault.NewSecret("sk_live_c0nnSecret")},
			{Key: "stripe_account", Value: vault.NewSecret("c0nn-merchant-91")}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	require.NoError(t, err)
	m, err := v.CreateMerchant(ctx, vault.CreateMerchantRequest{Name: "m"})
	require.NoError(t, err)
	_, err = v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("sim"), Adapter: ptr("Simulator"), Method: ptr("Credit Card"),
		APIKey: ptr(vault.NewSecret("co-api-k3y-91")),
		Config: &vault.ConnectorConfigRequest{Password: ptr(vault.NewSecret("co-passw0rd-91")),
			Vault: map[string]vault.Secret{"api_key": vault.NewSecret("sim_v4ultKey99")}}})
	require.NoError(t, err)
	return append(slices.Clone(secrets), hook.SigningKey.Reveal())
}

func TestNoPlaintextInBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	v, err := vault.Open(path, vault.WithSweepInterval(0))
	require.NoError(t, err)
	secrets := createSecrets(t, v)
	require.NoError(t, v.Close())

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Greater(t, len(raw), 1000)
	for _, s := range secrets {
		assert.False(t, bytes.Contains(raw, []byte(s)), "the vault file holds %q in plaintext", s)
	}
	assert.False(t, bytes.Contains(raw, []byte("987")) && bytes.Contains(raw, []byte(`"cvc"`)), "the cvc is sealed")

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "vault file mode")
	info, err = os.Stat(path + ".key")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "key file mode")
}

func TestNoPlaintextInStore(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	secrets := createSecrets(t, v)
	dump := dumpAll(t, store)
	for _, s := range secrets {
		assert.False(t, bytes.Contains(dump, []byte(s)), "the store holds %q in plaintext", s)
	}
	require.NoError(t, v.Close())
}

// dumpAll concatenates every bucket name, key and value of a memory store.
func dumpAll(t *testing.T, store *memory.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, store.ForEach(func(bucket string, k, val []byte) error {
		buf.WriteString(bucket)
		buf.Write(k)
		buf.Write(val)
		return nil
	}))
	return buf.Bytes()
}

func testProvider(t *testing.T) keys.Provider {
	t.Helper()
	p, err := keys.NewLocal(bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	return p
}

func TestWrongMasterKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	v, err := vault.Open(path, vault.WithSweepInterval(0))
	require.NoError(t, err)
	require.NoError(t, v.Close())

	t.Setenv(keys.EnvMasterKey, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	_, err = vault.Open(path, vault.WithSweepInterval(0))
	e := requireKind(t, err, vault.KindUnauthenticated)
	assert.ErrorIs(t, e, keys.ErrWrongMasterKey)
	assert.NotContains(t, err.Error(), "AAAAAAAA")
}

func TestTamperedRecordIsTypedError(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	a, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: "token_a", Type: vault.TypeToken, Data: "alpha"})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{ID: "token_b", Type: vault.TypeToken, Data: "bravo"})
	require.NoError(t, err)

	// Swap the sealed data of a onto b: the ciphertext is bound to its record.
	var recA, recB, keyA, keyB []byte
	require.NoError(t, store.View(ctx, func(tx storage.Tx) error {
		return tx.Scan("tokens", storage.ScanOptions{}, func(k, val []byte) error {
			switch {
			case bytes.Contains(k, []byte("token_a")):
				keyA, recA = bytes.Clone(k), bytes.Clone(val)
			case bytes.Contains(k, []byte("token_b")):
				keyB, recB = bytes.Clone(k), bytes.Clone(val)
			}
			return nil
		})
	}))
	require.NotNil(t, recA)
	require.NotNil(t, recB)
	dataA, err := vault.TokenSealedData(recA)
	require.NoError(t, err)
	moved, err := vault.TokenWithSealedData(recB, dataA)
	require.NoError(t, err)
	require.NoError(t, store.Update(ctx, func(tx storage.Tx) error { return tx.Put("tokens", keyB, moved) }))
	_, err = v.GetToken(ctx, "token_b")
	e := requireKind(t, err, vault.KindInternal)
	assert.ErrorIs(t, e, keys.ErrDecrypt)
	assert.NotContains(t, err.Error(), "alpha")

	// Flip each byte of a's ciphertext in turn: every flip is a typed error.
	for i := range dataA {
		flipped := bytes.Clone(dataA)
		flipped[i] ^= 0x5a
		rec, err := vault.TokenWithSealedData(recA, flipped)
		require.NoError(t, err)
		require.NoError(t, store.Update(ctx, func(tx storage.Tx) error { return tx.Put("tokens", keyA, rec) }))
		_, err = v.GetToken(ctx, a.ID)
		e = requireKind(t, err, vault.KindInternal)
		assert.True(t, errors.Is(e, keys.ErrDecrypt) || errors.Is(e, keys.ErrKeyNotFound), "byte %d: %v", i, err)
	}
	// Garbage in place of a whole record is a typed error too.
	require.NoError(t, store.Update(ctx, func(tx storage.Tx) error { return tx.Put("tokens", keyA, []byte{1, 1, 0xff, 0xff}) }))
	_, err = v.GetToken(ctx, a.ID)
	requireKind(t, err, vault.KindInternal)
}

func TestOpenArguments(t *testing.T) {
	_, err := vault.Open("")
	requireKind(t, err, vault.KindInvalid)
	_, err = vault.Open("x.db", vault.WithStore(memory.New()))
	requireKind(t, err, vault.KindInvalid)
	t.Setenv(keys.EnvMasterKey, "")
	_, err = vault.Open("", vault.WithStore(memory.New()))
	requireKind(t, err, vault.KindInvalid)
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	v, err := vault.OpenMemory()
	require.NoError(t, err)
	require.NoError(t, v.Close())
	require.NoError(t, v.Close())
	_, err = v.CreateToken(context.Background(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	assert.ErrorIs(t, err, vault.ErrClosed)
	requireKind(t, err, vault.KindUnavailable)
	_, err = v.GetToken(context.Background(), "abc")
	assert.ErrorIs(t, err, vault.ErrClosed)
}

func TestReopenKeepsTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	v, err := vault.Open(path, vault.WithSweepInterval(0))
	require.NoError(t, err)
	tenant := v.DefaultTenantID()
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	require.NoError(t, err)
	require.NoError(t, v.Close())

	v, err = vault.Open(path, vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	assert.Equal(t, tenant, v.DefaultTenantID())
	got, err := v.GetToken(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "123-45-6789", dataOf(t, got.Data))
	page, err := v.SearchTokens(t.Context(), vault.SearchTokensRequest{Query: "data:6789"})
	require.NoError(t, err)
	assert.Len(t, page.Data, 1)
}

func TestCheckFindsIndexDamage(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	createSecrets(t, v)
	require.NoError(t, v.Check(t.Context()))

	// Drop one search index entry: Check must notice.
	var victim []byte
	require.NoError(t, store.View(t.Context(), func(tx storage.Tx) error {
		return tx.Scan("tokens.search", storage.ScanOptions{Limit: 1}, func(k, _ []byte) error {
			victim = bytes.Clone(k)
			return nil
		})
	}))
	require.NotNil(t, victim)
	require.NoError(t, store.Update(t.Context(), func(tx storage.Tx) error { return tx.Delete("tokens.search", victim) }))
	err = v.Check(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tokens.search: 1 entries missing")
}

// dataOf decodes a token's Data or Mask (JSON) as the tests compare it:
// numbers as json.Number; nil for none.
func dataOf(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	if raw == nil {
		return nil
	}
	v, err := jsonv.Decode(raw)
	require.NoError(t, err)
	return v
}
