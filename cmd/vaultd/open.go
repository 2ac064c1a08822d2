package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/bolt"
	"github.com/tokenvault/vault/storage/postgres"
)

// storeFlags select where the vault lives: a bbolt file (the default) or
// PostgreSQL.
type storeFlags struct {
	path   *string
	dsn    *string
	schema *string
}

func (f *flags) store() storeFlags {
	return storeFlags{
		path:   f.string("path", "VAULT_PATH", "./vault.db", "the vault file; its master key file is PATH.key unless VAULT_MASTER_KEY is set"),
		dsn:    f.secret("postgres-dsn", "VAULT_POSTGRES_DSN", "keep the vault in PostgreSQL instead of a file (the master key then comes from VAULT_MASTER_KEY)"),
		schema: f.string("postgres-schema", "VAULT_POSTGRES_SCHEMA", postgres.DefaultSchema, "the PostgreSQL schema of the vault's tables"),
	}
}

// onPostgres reports whether the vault is kept in PostgreSQL.
func (s storeFlags) onPostgres() bool { return *s.dsn != "" }

// describe names the store for messages and logs, without the DSN, which
// may hold a password.
func (s storeFlags) describe() string {
	if s.onPostgres() {
		return "postgres schema " + *s.schema
	}
	return *s.path
}

// errLocked is returned by open when the bbolt file is held by another
// process.
var errLocked = errors.New("the vault file is locked by another process")

// open opens the vault. mustExist refuses to create a new bbolt file (keys
// rotate works on an existing vault only).
func (s storeFlags) open(ctx context.Context, log *slog.Logger, mustExist bool, extra ...vault.Option) (*vault.Vault, error) {
	opts := append([]vault.Option{vault.WithLogger(log)}, extra...)
	if s.onPostgres() {
		store, err := postgres.Open(ctx, postgres.Config{DSN: *s.dsn, Schema: *s.schema, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL (%s): %w", s.describe(), err)
		}
		v, err := vault.Open("", append(opts, vault.WithStore(store))...)
		if err != nil {
			return nil, fmt.Errorf("opening the vault in %s: %w", s.describe(), err)
		}
		return v, nil
	}
	if mustExist {
		if _, err := os.Stat(*s.path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no vault at %s", *s.path)
		}
	}
	v, err := vault.Open(*s.path, append(opts, vault.WithBoltConfig(bolt.Config{Logger: log}))...)
	if errors.Is(err, bolt.ErrLocked) {
		return nil, fmt.Errorf("%s: %w", *s.path, errLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the vault %s: %w", *s.path, err)
	}
	return v, nil
}
