package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// check runs Vault.Check on a vault that no server holds (a bbolt file is
// open in one process at a time; a PostgreSQL vault is checked while its
// servers serve).
func check(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	v, log, store, ctx, stop, code, ok := openStopped(ctx, "check", args, stderr, getenv,
		"Stop the server that holds it, run vaultd check, then start the server again.")
	if !ok {
		return code
	}
	defer stop()
	defer closeVault(v, log)
	start := time.Now()
	if err := v.Check(ctx); err != nil {
		fmt.Fprintf(stderr, "vaultd check: %s is not consistent:\n%v\n", store.describe(), err)
		return exitError
	}
	fmt.Fprintf(stdout, "%s is consistent: every record decodes and every index agrees with its records (checked in %d ms).\n",
		store.describe(), time.Since(start).Milliseconds())
	return exitOK
}
