package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

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
	// onCommit, when set, receives the batch sizes of a bolt store's
	// group commits (metrics).
	onCommit func(batch int)
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
	v, err := vault.Open(*s.path, append(opts, vault.WithBoltConfig(bolt.Config{Logger: log, OnCommit: s.onCommit}))...)
	if errors.Is(err, bolt.ErrLocked) {
		return nil, fmt.Errorf("%s: %w", *s.path, errLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the vault %s: %w", *s.path, err)
	}
	return v, nil
}

// openStopped parses the flags of a command that works on a vault no
// server holds (keys rotate, check), opens it, and returns it with its
// logger and a context ended by SIGINT or SIGTERM; ok false means the
// command must return code (a usage error, a vault a server holds, no
// vault). A bbolt file is open in one process at a time; live says what
// to do with one a server holds.
func openStopped(ctx context.Context, name string, args []string, stderr io.Writer, getenv env, live string) (
	v *vault.Vault, log *slog.Logger, store storeFlags, sigCtx context.Context, stop func(), code int, ok bool) {
	fl := newFlags(name, stderr, getenv)
	store = fl.store()
	level := fl.string("log-level", "VAULT_LOG_LEVEL", "warn", "debug, info, warn or error")
	if code, ok := fl.parse(args); !ok {
		return nil, nil, store, nil, nil, code, false
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd "+name+":", err)
		return nil, nil, store, nil, nil, exitUsage, false
	}
	sigCtx, stop = signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	v, err = store.open(sigCtx, log, true)
	if errors.Is(err, errLocked) {
		fmt.Fprintf(stderr, "vaultd %s: %v.\n%s\n", name, err, live)
		stop()
		return nil, nil, store, nil, nil, exitError, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "vaultd %s: %v\n", name, err)
		stop()
		return nil, nil, store, nil, nil, exitError, false
	}
	return v, log, store, sigCtx, stop, 0, true
}

// closeVault closes v, logging a failure.
func closeVault(v *vault.Vault, log *slog.Logger) {
	if err := v.Close(); err != nil {
		log.Error("vault not closed cleanly", slog.String("error", err.Error()))
	}
}
