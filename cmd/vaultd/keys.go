package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// rotate runs Vault.RotateKeys with a progress bar on stderr.
func rotate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	v, log, store, ctx, stop, code, ok := openStopped(ctx, "keys rotate", args, stderr, getenv,
		"A vault file is open in one process at a time, and a running vaultd serve holds it:\n"+
			"stop the server, run vaultd keys rotate, then start the server again.\n"+
			"(A vault kept in PostgreSQL rotates while its servers serve.)")
	if !ok {
		return code
	}
	defer stop()
	defer closeVault(v, log)

	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("re-sealing records"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
	)
	records, sized := 0, false
	start := time.Now()
	err := v.RotateKeys(ctx, func(done, total int) {
		if !sized {
			bar.ChangeMax(total)
			sized = true
		}
		records = done
		_ = bar.Set(done)
	})
	if err != nil {
		_ = bar.Exit()
		fmt.Fprintf(stderr, "\nvaultd keys rotate: %v\nNothing is lost: the keys in use before stay readable. Run the command again to finish.\n", err)
		return exitError
	}
	_ = bar.Finish()
	fmt.Fprintf(stdout, "Keys rotated in %s: %d records re-sealed under the new data keys of %s.\n",
		time.Since(start).Round(time.Millisecond), records, store.describe())
	return exitOK
}
