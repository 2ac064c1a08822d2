package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// newSandbox returns a Sandbox with test limits: a short timeout keeps a
// failing test from hanging. With VAULT_TEST_SANDBOX=process every test runs
// its code in worker processes (.ci/run runs the suite so once more).
func newSandbox(t testing.TB, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	opts = append([]sandbox.Option{sandbox.WithLimits(sandbox.Limits{Timeout: 5 * time.Second})}, opts...)
	if os.Getenv("VAULT_TEST_SANDBOX") == "process" {
		opts = append(opts, sandbox.WithIsolation(sandbox.Isolation{}))
	}
	s, err := sandbox.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// run compiles code and runs it with req.
func run(t testing.TB, s *sandbox.Sandbox, code string, req sandbox.Request) (*sandbox.Result, error) {
	t.Helper()
	p, err := s.Compile(code)
	require.NoError(t, err)
	return s.Run(context.Background(), p, req)
}

// runRaw runs code that must succeed and returns its raw output decoded.
func runRaw(t testing.TB, s *sandbox.Sandbox, code string, req sandbox.Request) any {
	t.Helper()
	res, err := run(t, s, code, req)
	var re *sandbox.ReactorError
	if errors.As(err, &re) {
		t.Fatalf("reactor failed: %d %s %v", re.Status, re.Name, re.Errors)
	}
	require.NoError(t, err)
	var v any
	if res.Raw != nil {
		require.NoError(t, json.Unmarshal(res.Raw, &v))
	}
	return v
}

// reactorError runs code that must fail with a *ReactorError.
func reactorError(t testing.TB, s *sandbox.Sandbox, code string) *sandbox.ReactorError {
	t.Helper()
	_, err := run(t, s, code, sandbox.Request{})
	var re *sandbox.ReactorError
	require.ErrorAs(t, err, &re, "error: %v", err)
	return re
}

// fakeHost is a Host whose behaviour is a function field.
type fakeHost struct {
	call func(ctx context.Context, method string, args []json.RawMessage) (json.RawMessage, error)
}

func (h fakeHost) Call(ctx context.Context, method string, args []json.RawMessage) (json.RawMessage, error) {
	return h.call(ctx, method, args)
}

// problem is a Host error carrying an HTTP status and a problem-details body.
type problem struct {
	status int
	body   string
}

func (p *problem) Error() string         { return "vault: request failed" }
func (p *problem) Status() int           { return p.status }
func (p *problem) Body() json.RawMessage { return json.RawMessage(p.body) }

var _ sandbox.HTTPError = (*problem)(nil)

var errHostDown = errors.New("vault: closed")
