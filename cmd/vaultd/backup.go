package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tokenvault/vault/httpapi"
)

// backup fetches a consistent copy of a running server's vault file from
// GET /admin/backup and writes it, with mode 0600, to --out.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	fl := newFlags("backup", stderr, getenv)
	addr := fl.string("addr", "VAULT_ADDR", "127.0.0.1:8080", "the address (or http:// URL) of the running vaultd")
	key := fl.secret("key", "VAULT_API_KEY", "a management key of the vault's default tenant, with tenant:read")
	out := fl.String("out", "", "the file to write the copy to (required); the master key file is not copied")
	timeout, err := fl.duration("timeout", "VAULT_BACKUP_TIMEOUT", 30*time.Minute, "how long the whole copy may take")
	if err != nil {
		fmt.Fprintln(stderr, "vaultd backup:", err)
		return exitUsage
	}
	if code, ok := fl.parse(args); !ok {
		return code
	}
	switch {
	case *out == "":
		fmt.Fprintln(stderr, "vaultd backup: --out is required")
		return exitUsage
	case *key == "":
		fmt.Fprintln(stderr, "vaultd backup: a management key is required (--key or $VAULT_API_KEY)")
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	n, err := fetchBackup(ctx, baseURL(*addr)+"/admin/backup", *key, *out)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd backup:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "Backup written to %s (%d bytes). Keep the master key (the vault's .key file or VAULT_MASTER_KEY) with it: the copy does not open without it.\n", *out, n)
	return exitOK
}

// baseURL turns --addr into a URL without a trailing slash.
func baseURL(addr string) string {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	return strings.TrimRight(addr, "/")
}

// fetchBackup downloads the copy into a temporary file beside out, checks
// its length, syncs it and renames it over out.
func fetchBackup(ctx context.Context, url, key, out string) (n int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set(httpapi.HeaderAPIKey, key)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, responseError(res)
	}
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*") // mode 0600
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if n, err = io.Copy(f, res.Body); err != nil {
		return 0, fmt.Errorf("the copy was cut after %d bytes: %w", n, err)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return 0, fmt.Errorf("the copy was cut: %d of %d bytes", n, res.ContentLength)
	}
	if err = f.Sync(); err != nil {
		return 0, err
	}
	if err = f.Close(); err != nil {
		return 0, err
	}
	return n, os.Rename(f.Name(), out)
}

// responseError describes a failed backup request from its ProblemDetails.
func responseError(res *http.Response) error {
	var p httpapi.ProblemDetails
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	detail := res.Status
	if json.Unmarshal(body, &p) == nil && p.Detail != "" {
		detail += ": " + p.Detail
	}
	switch res.StatusCode {
	case http.StatusNotFound:
		return errors.New(detail + " (the server has no backup endpoint: is it a vaultd keeping its vault in a file? A vault in PostgreSQL is backed up with pg_dump)")
	case http.StatusUnauthorized, http.StatusForbidden:
		return errors.New(detail + " (use a management key of the default tenant holding tenant:read, such as the bootstrap key)")
	}
	return errors.New(detail)
}
