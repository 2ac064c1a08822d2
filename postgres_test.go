package vault_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/postgres"
)

// openPostgresVault opens a vault on a fresh schema of the test database and
// drops the schema afterwards. Two calls with the same schema share it, as
// two processes would.
func openPostgresVault(t *testing.T, schema string) *vault.Vault {
	t.Helper()
	return openPostgresVaultBatch(t, schema, 0)
}

// openPostgresVaultBatch is openPostgresVault with the store's
// Config.MaxBatch (0: its default, group commit; 1: a transaction per
// Update).
func openPostgresVaultBatch(t *testing.T, schema string, maxBatch int) *vault.Vault {
	t.Helper()
	dsn := os.Getenv("VAULT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("VAULT_TEST_POSTGRES_DSN not set")
	}
	store, err := postgres.Open(t.Context(), postgres.Config{DSN: dsn, Schema: schema, MaxBatch: maxBatch})
	require.NoError(t, err)
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v
}

// openPostgresStore opens a store on schema (made by newPostgresSchema).
func openPostgresStore(t *testing.T, schema string) storage.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), postgres.Config{DSN: os.Getenv("VAULT_TEST_POSTGRES_DSN"), Schema: schema})
	require.NoError(t, err)
	return s
}

// postgresStores returns a function that opens a store on one new schema
// each time it is called: several vaults sharing one database.
func postgresStores(t *testing.T) func(t *testing.T) storage.Store {
	schema := newPostgresSchema(t)
	return func(t *testing.T) storage.Store { return openPostgresStore(t, schema) }
}

func newPostgresSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("VAULT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("VAULT_TEST_POSTGRES_DSN not set")
	}
	schema := fmt.Sprintf("vault_root_test_%d", rand.Uint64()%1e12)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			_ = conn.Close(context.Background())
		}
	})
	return schema
}

// TestNoPlaintextInPostgres writes known secrets through a vault on
// PostgreSQL and reads the raw table: no secret appears.
func TestNoPlaintextInPostgres(t *testing.T) {
	schema := newPostgresSchema(t)
	v := openPostgresVault(t, schema)
	secrets := createSecrets(t, v)
	app, err := v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "a", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)

	conn, err := pgx.Connect(t.Context(), os.Getenv("VAULT_TEST_POSTGRES_DSN"))
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), "SELECT bucket, key, value FROM "+schema+".kv")
	require.NoError(t, err)
	var dump bytes.Buffer
	n := 0
	for rows.Next() {
		var bucket string
		var key, value []byte
		require.NoError(t, rows.Scan(&bucket, &key, &value))
		dump.WriteString(bucket)
		dump.Write(key)
		dump.Write(value)
		n++
	}
	require.NoError(t, rows.Err())
	require.Greater(t, n, 20)
	for _, s := range append(secrets, app.Key.Reveal()) {
		assert.False(t, bytes.Contains(dump.Bytes(), []byte(s)), "the table holds %q in plaintext", s)
	}
}

// TestVaultsShareAPostgresDatabase runs two vaults (as two processes would)
// on one schema: a token created through one reads through the other,
// concurrent deduplicated creates of one value yield one token, and a
// transaction begun in one commits in the other.
func TestVaultsShareAPostgresDatabase(t *testing.T) {
	schema := newPostgresSchema(t)
	a := openPostgresVault(t, schema)
	b := openPostgresVault(t, schema)
	ctx := t.Context()
	require.Equal(t, a.DefaultTenantID(), b.DefaultTenantID())

	tok, err := a.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	require.NoError(t, err)
	got, err := b.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "123-45-6789", dataOf(t, got.Data))

	// Explicit flags: tenant settings may be cached for up to a second in
	// the other process.
	yes := true
	var wg sync.WaitGroup
	ids := make([]string, 16)
	for i := range ids {
		wg.Go(func() {
			v := a
			if i%2 == 1 {
				v = b
			}
			tok, err := v.CreateToken(context.Background(), vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242", DeduplicateToken: &yes, FingerprintExpression: "{{ data }}"})
			if assert.NoError(t, err) {
				ids[i] = tok.ID
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id, "one token for one value across processes")
	}

	txn, err := a.BeginTransaction(ctx)
	require.NoError(t, err)
	staged, err := a.CreateToken(vault.WithTransaction(ctx, txn.ID), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	require.NoError(t, b.CommitTransaction(ctx, txn.ID))
	_, err = a.GetToken(ctx, staged.ID)
	require.NoError(t, err)
	require.NoError(t, a.Check(ctx))
}
