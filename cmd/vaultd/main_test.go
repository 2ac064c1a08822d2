package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The tests run the real binary, built once by TestMain (with -race when
// the tests run with it).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vaultd-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "vaultd")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

// env is the environment of the processes under test: this one's, without
// any VAULT_ variable, plus extra.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// syncBuffer collects the first outputLimit bytes of a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// outputLimit bounds what a test keeps of a server's log (a long run logs a
// line per request).
const outputLimit = 8 << 20

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if room := outputLimit - s.b.Len(); room > 0 {
		s.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running vaultd serve.
type proc struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	addr   string
	done   chan struct{}
	code   int
	client *http.Client
}

var servingLine = regexp.MustCompile(`"msg":"serving","addr":"([^"]+)"`)

// startServe runs vaultd serve on dir/vault.db, on a free loopback port,
// and waits until it listens.
func startServe(t *testing.T, dir string, extraEnv []string, args ...string) *proc {
	t.Helper()
	return startCmd(t, extraEnv, append([]string{"serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(dir, "vault.db")}, args...)...)
}

// startCmd runs vaultd with args, which must serve, and waits until it
// listens.
func startCmd(t *testing.T, extraEnv []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = env(extraEnv...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	p.client = &http.Client{Transport: tr, Timeout: time.Minute}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.After(time.Minute)
	for {
		if m := servingLine.FindStringSubmatch(p.stderr.String()); m != nil {
			p.addr = m[1]
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("vaultd exited with %d before serving:\n%s", p.code, p.stderr)
		case <-deadline:
			t.Fatalf("vaultd did not serve within a minute:\n%s", p.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits for the exit code.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	return p.wait(t)
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("vaultd did not exit:\n%s", p.stderr)
	}
	p.client.Transport.(*http.Transport).CloseIdleConnections()
	return p.code
}

// do sends a request with key and returns the status and body.
func (p *proc) do(t *testing.T, method, path, key, body string) (int, []byte) {
	t.Helper()
	status, b, err := p.try(context.Background(), method, path, key, body)
	require.NoError(t, err)
	return status, b
}

// try is do without failing the test.
func (p *proc) try(ctx context.Context, method, path, key, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+p.addr+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("BT-API-KEY", key)
	if method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	res, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// readKey reads a key file written by --bootstrap-key-file.
func readKey(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

// privateApp creates a private application that reveals every token and
// returns its key.
func (p *proc) privateApp(t *testing.T, mgmt string) string {
	t.Helper()
	status, body := p.do(t, "POST", "/applications", mgmt,
		`{"name":"backend","type":"private","rules":[{"priority":1,"container":"/","transform":"reveal","permissions":["token:create","token:read","token:search"]}]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var app struct{ Key string }
	require.NoError(t, json.Unmarshal(body, &app))
	return app.Key
}

// runCmd runs a vaultd command to completion.
func runCmd(t *testing.T, extraEnv []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env(extraEnv...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); !ok {
		require.NoError(t, err)
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}
