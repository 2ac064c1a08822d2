package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"
	"time"
)

// check runs Vault.Check on a vault that no server holds (a bbolt file is
// open in one process at a time; a PostgreSQL vault is checked while its
// servers serve).
func check(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	fl := newFlags("check", stderr, getenv)
	store := fl.store()
	level := fl.string("log-level", "VAULT_LOG_LEVEL", "warn", "debug, info, warn or error")
	if code, ok := fl.parse(args); !ok {
		return code
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd check:", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	v, err := store.open(ctx, log, true)
	if errors.Is(err, errLocked) {
		fmt.Fprintf(stderr, "vaultd check: %v.\nStop the server that holds it, run vaultd check, then start the server again.\n", err)
		return exitError
	}
	if err != nil {
		fmt.Fprintln(stderr, "vaultd check:", err)
		return exitError
	}
	defer func() {
		if err := v.Close(); err != nil {
			log.Error("vault not closed cleanly", slog.String("error", err.Error()))
		}
	}()
	start := time.Now()
	if err := v.Check(ctx); err != nil {
		fmt.Fprintf(stderr, "vaultd check: %s is not consistent:\n%v\n", store.describe(), err)
		return exitError
	}
	fmt.Fprintf(stdout, "%s is consistent: every record decodes and every index agrees with its records (checked in %d ms).\n",
		store.describe(), time.Since(start).Milliseconds())
	return exitOK
}
