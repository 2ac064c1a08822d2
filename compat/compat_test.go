// Package compat_test drives a real vaultd with the official Basis Theory
// Node SDK (@basis-theory/node-sdk, pinned in package-lock.json): the
// JavaScript suite in test/ runs under Node's test runner and changes
// nothing in the SDK but its base URL.
package compat_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestNodeSDK builds vaultd, serves a fresh vault on a free loopback port,
// and runs node --test on test/ with the base URL and the bootstrap
// management key in VAULT_COMPAT_BASE_URL and VAULT_COMPAT_MANAGEMENT_KEY.
// It installs the pinned SDK with npm ci when node_modules is missing.
func TestNodeSDK(t *testing.T) {
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		t.Skip("node and npm are not on PATH: the Node SDK compat suite needs Node 20 or later and npm")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()

	if _, err := os.Stat("node_modules/@basis-theory/node-sdk"); err != nil {
		run(t, ctx, ".", nil, npm, "ci", "--no-audit", "--no-fund")
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "vaultd")
	run(t, ctx, ".", nil, "go", "build", "-o", bin, "../cmd/vaultd")
	keyFile := filepath.Join(dir, "bootstrap.key")
	// --allow-host admits the loopback destinations of the proxy tests.
	srv := startVaultd(t, bin, "serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(dir, "vault.db"), "--bootstrap-key-file", keyFile,
		"--allow-host", "127.0.0.1")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	out, err := command(ctx, ".", []string{
		"VAULT_COMPAT_BASE_URL=http://" + srv.addr,
		"VAULT_COMPAT_MANAGEMENT_KEY=" + strings.TrimSpace(string(key)),
	}, node, "--test", "--test-concurrency=1", "--test-reporter=spec", "test/")
	if err != nil {
		t.Fatalf("node --test failed (%v):\n%s\nvaultd log:\n%s", err, out, tail(srv.stderr.String(), 40))
	}
	t.Logf("node --test:\n%s", summary(out))

	if code := srv.stop(t); code != 0 {
		t.Errorf("vaultd exited with %d:\n%s", code, tail(srv.stderr.String(), 20))
	}
	if logs := srv.stderr.String(); strings.Contains(logs, strings.TrimSpace(string(key))) || strings.Contains(logs, "4242424242424242") {
		t.Error("vaultd logged a key or token data")
	}
	if n := strings.Count(srv.stderr.String(), `"level":"ERROR"`); n > 0 {
		t.Errorf("vaultd logged %d errors:\n%s", n, tail(srv.stderr.String(), 40))
	}
}

// run runs a command and fails the test with its output if it fails.
func run(t *testing.T, ctx context.Context, dir string, env []string, name string, args ...string) {
	t.Helper()
	if out, err := command(ctx, dir, env, name, args...); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func command(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// summary is the totals at the end of node's spec report.
func summary(out string) string {
	if i := strings.LastIndex(out, "ℹ tests"); i >= 0 {
		return out[i:]
	}
	return tail(out, 10)
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// vaultd is a running server.
type vaultd struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	addr   string
	done   chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingLine = regexp.MustCompile(`"msg":"serving","addr":"([^"]+)"`)

func startVaultd(t *testing.T, bin string, args ...string) *vaultd {
	t.Helper()
	v := &vaultd{cmd: exec.Command(bin, args...), stderr: &syncBuffer{}, done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			v.cmd.Env = append(v.cmd.Env, kv)
		}
	}
	v.cmd.Stdout, v.cmd.Stderr = &bytes.Buffer{}, v.stderr
	if err := v.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = v.cmd.Wait()
		close(v.done)
	}()
	t.Cleanup(func() {
		select {
		case <-v.done:
		default:
			_ = v.cmd.Process.Kill()
			<-v.done
		}
	})
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := servingLine.FindStringSubmatch(v.stderr.String()); m != nil {
			v.addr = m[1]
			return v
		}
		select {
		case <-v.done:
			t.Fatalf("vaultd exited before serving:\n%s", v.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("vaultd did not serve within a minute:\n%s", v.stderr)
	return nil
}

func (v *vaultd) stop(t *testing.T) int {
	t.Helper()
	if err := v.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-v.done:
	case <-time.After(time.Minute):
		t.Fatal(fmt.Errorf("vaultd did not stop:\n%s", v.stderr))
	}
	return v.cmd.ProcessState.ExitCode()
}
