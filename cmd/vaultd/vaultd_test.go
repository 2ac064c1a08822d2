package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage"
)

func TestBootstrapKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	key := readKey(t, keyFile)
	st, err := os.Stat(keyFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	assert.Equal(t, 1, strings.Count(p.stdout.String(), key), "printed once")
	assert.NotContains(t, p.stderr.String(), key, "never logged")

	status, body := p.do(t, "GET", "/tenants/self", key, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	require.Equal(t, 0, p.stop(t), "%s", p.stderr)
	assert.Contains(t, p.stderr.String(), `"msg":"stopped"`)

	require.NoError(t, os.Remove(keyFile))
	p = startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	assert.Empty(t, p.stdout.String(), "a restart prints no key")
	assert.NoFileExists(t, keyFile, "and writes none")
	status, _ = p.do(t, "GET", "/tenants/self", key, "")
	assert.Equal(t, http.StatusOK, status, "the key still works")
	require.Equal(t, 0, p.stop(t))
}

// TestGracefulShutdown is the acceptance test of graceful shutdown: SIGTERM
// while 32 clients create tokens. Every request answered 2xx is in the vault
// after a restart; a request that failed must not have been accepted (its
// token does not exist), and none fails before the signal.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile, "--drain-timeout", "30s")
	mgmt := readKey(t, keyFile)
	key := p.privateApp(t, mgmt)
	status, body := p.do(t, "POST", "/reactors", mgmt, `{"name":"slow","code":"module.exports = async () => { await new Promise((r) => setTimeout(r, 500)); return { raw: { ok: true } }; };"}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var created1 struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &created1))
	reactor := created1.ID
	status, body = p.do(t, "POST", "/applications", mgmt, `{"name":"invoker","type":"private","permissions":["reactor:invoke"]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var inv struct{ Key string }
	require.NoError(t, json.Unmarshal(body, &inv))
	invoker := inv.Key

	type result struct {
		id     string
		status int
		err    error
		end    time.Time
	}
	const clients = 32
	results := make([][]result, clients)
	var created atomic.Int64
	var signaled atomic.Bool
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for n := 0; ; n++ {
				id := fmt.Sprintf("c%02d-%06d", c, n)
				status, body, err := p.try(context.Background(), "POST", "/tokens", key, `{"id":"`+id+`","type":"token","data":"value of `+id+`"}`)
				results[c] = append(results[c], result{id: id, status: status, err: err, end: time.Now()})
				if err != nil {
					return // refused: the server is going away
				}
				if status != http.StatusCreated {
					t.Errorf("%s: status %d: %s", id, status, body)
					return
				}
				created.Add(1)
				if n > 100_000 {
					t.Error("the server never went away")
					return
				}
			}
		})
	}
	for created.Load() < 300 {
		time.Sleep(5 * time.Millisecond)
	}
	// One request is surely in flight at the signal: a reactor that takes
	// 500 ms. (The 32 clients' own requests may all sit between two
	// requests on a busy machine: their connections are idle then, and
	// closed; a request still sending its body is closed too, by design.)
	slow := make(chan result, 1)
	go func() {
		status, body, err := p.try(context.Background(), "POST", "/reactors/"+reactor+"/react", invoker, `{"args":{}}`)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("status %d: %s", status, body)
		}
		slow <- result{err: err, end: time.Now()}
	}()
	time.Sleep(200 * time.Millisecond) // the reactor is running
	signalAt := time.Now()
	signaled.Store(true)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	sr := <-slow
	require.NoError(t, sr.err, "the request in flight at the signal was answered")
	assert.True(t, sr.end.After(signalAt))
	code := p.wait(t)
	wg.Wait()

	require.Equal(t, 0, code, "%s", p.stderr)

	var ok, failed []string
	drained := 0
	for _, rs := range results {
		for _, r := range rs {
			switch {
			case r.err != nil:
				assert.True(t, r.end.After(signalAt), "%s failed before the signal: %v", r.id, r.err)
				failed = append(failed, r.id)
			case r.status == http.StatusCreated:
				ok = append(ok, r.id)
				if r.end.After(signalAt) {
					drained++
				}
			}
		}
	}
	t.Logf("%d created (%d answered after the signal), %d refused", len(ok), drained, len(failed))
	t.Logf("and the reactor call in flight at the signal was answered")

	p = startServe(t, dir, nil)
	for _, id := range ok {
		status, body := p.do(t, "GET", "/tokens/"+id, key, "")
		if assert.Equal(t, http.StatusOK, status, "%s answered 201 but is missing after restart", id) {
			assert.Contains(t, string(body), `"data":"value of `+id+`"`)
		}
	}
	for _, id := range failed {
		status, _ := p.do(t, "GET", "/tokens/"+id, key, "")
		assert.Equal(t, http.StatusNotFound, status, "%s failed on the client but was applied: an accepted request was cut", id)
	}
	require.Equal(t, 0, p.stop(t))
}

func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	mgmt := readKey(t, keyFile)
	key := p.privateApp(t, mgmt)
	ids := map[string]string{}
	for i := range 50 {
		data := fmt.Sprintf("secret-%d", i)
		status, body := p.do(t, "POST", "/tokens", key, `{"type":"token","data":"`+data+`"}`)
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var tok struct{ ID string }
		require.NoError(t, json.Unmarshal(body, &tok))
		ids[tok.ID] = data
	}

	// Writers keep going during the backup.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, _, _ = p.try(ctx, "POST", "/tokens", key, `{"type":"token","data":"during"}`)
			}
		})
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	code, stdout, stderr := runCmd(t, []string{"VAULT_API_KEY=" + mgmt}, "backup", "--addr", p.addr, "--out", out)
	cancel()
	wg.Wait()
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "Backup written to "+out)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	t.Run("is a valid vault holding the tokens", func(t *testing.T) {
		masterKey, err := os.ReadFile(filepath.Join(dir, "vault.db.key"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(out+".key", masterKey, 0o600))
		v, err := vault.Open(out, vault.WithSweepInterval(0))
		require.NoError(t, err)
		defer v.Close()
		require.NoError(t, v.Store().(storage.Checker).Check(t.Context()))
		for id, data := range ids {
			tok, err := v.GetToken(t.Context(), id)
			require.NoError(t, err)
			assert.Equal(t, `"`+data+`"`, string(tok.Data))
		}
	})
	t.Run("needs a management key", func(t *testing.T) {
		code, _, stderr := runCmd(t, nil, "backup", "--addr", "http://"+p.addr, "--key", key, "--out", out+".2")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "403")
		assert.NoFileExists(t, out+".2")
	})
	t.Run("needs --out", func(t *testing.T) {
		code, _, _ := runCmd(t, nil, "backup", "--addr", p.addr, "--key", mgmt)
		assert.Equal(t, 2, code)
	})
	require.Equal(t, 0, p.stop(t))
}

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	key := p.privateApp(t, readKey(t, keyFile))
	ids := map[string]string{}
	for i := range 20 {
		data := fmt.Sprintf("old-%d", i)
		status, body := p.do(t, "POST", "/tokens", key, `{"type":"token","data":"`+data+`","search_indexes":["{{ data }}"]}`)
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var tok struct{ ID string }
		require.NoError(t, json.Unmarshal(body, &tok))
		ids[tok.ID] = data
	}
	path := filepath.Join(dir, "vault.db")

	code, _, stderr := runCmd(t, nil, "keys", "rotate", "--path", path)
	assert.Equal(t, 1, code, "a served file is locked")
	assert.Contains(t, stderr, "locked")
	assert.Contains(t, stderr, "stop the server")
	require.Equal(t, 0, p.stop(t))

	code, stdout, stderr := runCmd(t, nil, "keys", "rotate", "--path", path)
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "Keys rotated")
	assert.Contains(t, stderr, "re-sealing records")

	p = startServe(t, dir, nil)
	for id, data := range ids {
		status, body := p.do(t, "GET", "/tokens/"+id, key, "")
		require.Equal(t, http.StatusOK, status, "%s", body)
		assert.Contains(t, string(body), `"data":"`+data+`"`)
	}
	status, body := p.do(t, "POST", "/v2/tokens/search", key, `{"query":"data:old-7"}`)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"data":"old-7"`, "search indexes survive a rotation")
	require.Equal(t, 0, p.stop(t))

	t.Run("on a missing vault", func(t *testing.T) {
		code, _, stderr := runCmd(t, nil, "keys", "rotate", "--path", filepath.Join(dir, "nope.db"))
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "no vault at")
		assert.NoFileExists(t, filepath.Join(dir, "nope.db"))
	})
}

// TestPostgres serves a vault kept in PostgreSQL and rotates its keys while
// it serves.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("VAULT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("VAULT_TEST_POSTGRES_DSN not set")
	}
	schema := newSchema(t, dsn)
	pgEnv := []string{"VAULT_POSTGRES_DSN=" + dsn, "VAULT_POSTGRES_SCHEMA=" + schema, "VAULT_MASTER_KEY=" + randomKey(t)}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, pgEnv, "--bootstrap-key-file", keyFile)
	assert.NoFileExists(t, filepath.Join(dir, "vault.db"), "no file with a DSN")
	assert.NotContains(t, p.stderr.String(), dsn, "the DSN is never logged")
	key := p.privateApp(t, readKey(t, keyFile))
	status, body := p.do(t, "POST", "/tokens", key, `{"type":"token","data":"in postgres"}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var tok struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &tok))

	code, stdout, stderr := runCmd(t, pgEnv, "keys", "rotate")
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout, stderr)
	status, body = p.do(t, "GET", "/tokens/"+tok.ID, key, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	assert.Contains(t, string(body), "in postgres")

	code, _, stderr = runCmd(t, nil, "backup", "--addr", p.addr, "--key", readKey(t, keyFile), "--out", filepath.Join(dir, "b.db"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "pg_dump")
	require.Equal(t, 0, p.stop(t))
}

func TestCommandLine(t *testing.T) {
	code, stdout, _ := runCmd(t, nil, "version")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(stdout, "vaultd "), stdout)

	for _, help := range []string{"help", "-h", "-help", "--help"} {
		code, stdout, _ = runCmd(t, nil, help)
		assert.Equal(t, 0, code, help)
		assert.Contains(t, stdout, "keys rotate", "vaultd %s lists the commands", help)
	}
	code, _, stderr := runCmd(t, nil, "serve", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "-addr", "vaultd serve --help has serve's flags")

	code, _, stderr = runCmd(t, nil, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown command")

	code, _, _ = runCmd(t, nil, "keys", "spin")
	assert.Equal(t, 2, code)

	code, _, _ = runCmd(t, nil, "serve", "--no-such-flag")
	assert.Equal(t, 2, code)

	code, _, stderr = runCmd(t, []string{"VAULT_POSTGRES_DSN=postgres://u:hunter2@127.0.0.1:1/x", "VAULT_API_KEY=key_hunter3"}, "serve", "-h")
	assert.Equal(t, 0, code)
	assert.NotContains(t, stderr, "hunter2", "secrets from the environment never show as defaults")

	t.Run("a busy address", func(t *testing.T) {
		dir := t.TempDir()
		p := startServe(t, dir, nil)
		code, _, stderr := runCmd(t, nil, "serve", "--addr", p.addr, "--path", filepath.Join(t.TempDir(), "v.db"))
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "cannot listen")
		require.Equal(t, 0, p.stop(t))
	})
	t.Run("environment fallbacks", func(t *testing.T) {
		dir := t.TempDir()
		p := startServe(t, dir, []string{"VAULT_PATH=" + filepath.Join(dir, "env.db"), "VAULT_ADDR=127.0.0.1:1"}, "--addr", "127.0.0.1:0")
		assert.FileExists(t, filepath.Join(dir, "vault.db"), "--path wins over VAULT_PATH")
		require.Equal(t, 0, p.stop(t))
	})
}

// TestBusyPortCreatesNoVault starts serve on a port already taken: it
// fails before it creates the vault, so no bootstrap key is spent on a
// server that never served, and the next start on a free port prints it.
func TestBusyPortCreatesNoVault(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.db")
	code, stdout, stderr := runCmd(t, nil, "serve", "--addr", ln.Addr().String(), "--path", path)
	assert.Equal(t, 1, code, "%s", stderr)
	assert.Contains(t, stderr, "cannot listen")
	assert.Empty(t, stdout, "no key printed")
	assert.NoFileExists(t, path, "no vault created")
	assert.NoFileExists(t, path+".key")

	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	key := readKey(t, keyFile)
	assert.Contains(t, p.stdout.String(), key, "the first start that serves prints the key")
	require.Equal(t, 0, p.stop(t))
}

// TestCheckCommand checks a stopped vault (consistent), refuses a vault a
// server holds and a path with no vault, and reports a corrupted index.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.db")
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	key := p.privateApp(t, readKey(t, keyFile))
	status, body := p.do(t, "POST", "/tokens", key, `{"type":"token","data":"x","search_indexes":["{{ data }}"]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)

	code, _, stderr := runCmd(t, nil, "check", "--path", path)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "locked", "a served vault file is held")
	require.Equal(t, 0, p.stop(t))

	code, stdout, stderr := runCmd(t, nil, "check", "--path", path)
	assert.Equal(t, 0, code, "%s", stderr)
	assert.Contains(t, stdout, "is consistent")

	code, _, stderr = runCmd(t, nil, "check", "--path", filepath.Join(dir, "none.db"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no vault at")
	assert.NoFileExists(t, filepath.Join(dir, "none.db"), "check creates no vault")

	// An index entry of no record: the check names the bucket.
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("tokens.type")).Put([]byte("stray entry"), nil)
	}))
	require.NoError(t, db.Close())
	code, _, stderr = runCmd(t, nil, "check", "--path", path)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not consistent")
}

// TestBenchCommand runs a short vaultd bench on memory: every operation,
// in process and over HTTP, ran without an error and measured something.
func TestBenchCommand(t *testing.T) {
	code, stdout, stderr := runCmd(t, nil, "bench", "--store", "memory", "--duration", "150ms", "--clients", "4", "--tokens", "40", "--json")
	require.Equal(t, 0, code, "%s", stderr)
	var results []struct {
		Mode, Op    string
		Ops, Errors int
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &results), "%s", stdout)
	require.Len(t, results, 14, "7 operations, 2 modes")
	seen := map[string]bool{}
	for _, r := range results {
		seen[r.Mode+" "+r.Op] = true
		assert.Positive(t, r.Ops, "%s %s ran", r.Mode, r.Op)
		assert.Zero(t, r.Errors, "%s %s", r.Mode, r.Op)
	}
	assert.True(t, seen["http authorize"] && seen["in-process create"])

	code, stdout, _ = runCmd(t, nil, "bench", "--store", "memory", "--duration", "50ms", "--clients", "2", "--tokens", "5", "--ops", "create,get")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "create over HTTP:", "the table ends with the HTTP to in-process ratios")
	code, _, stderr = runCmd(t, nil, "bench", "--ops", "fly")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown")
}
