package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// recorder is a slog handler that keeps every record, attributes rendered.
type recorder struct {
	mu    *sync.Mutex
	lines *[]string
	attrs []slog.Attr
}

func newRecorder() *recorder { return &recorder{mu: new(sync.Mutex), lines: new([]string)} }

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	for _, a := range r.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value.Resolve())
	}
	rec.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value.Resolve()); return true })
	r.mu.Lock()
	*r.lines = append(*r.lines, b.String())
	r.mu.Unlock()
	return nil
}
func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &recorder{mu: r.mu, lines: r.lines, attrs: append(append([]slog.Attr(nil), r.attrs...), as...)}
}
func (r *recorder) WithGroup(string) slog.Handler { return r }
func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(*r.lines, "\n")
}

// The canary: it goes through args, configuration, console, results and
// thrown errors, and must appear in no log line and no Go error text.
const canary = "4242424242424242"

func TestConsoleCapture(t *testing.T) {
	rec := newRecorder()
	s := newSandbox(t, sandbox.WithLogger(slog.New(rec)), sandbox.WithLimits(sandbox.Limits{MaxLogBytes: 1000}))
	req := sandbox.Request{Args: json.RawMessage(`{"pan":"` + canary + `"}`), Configuration: map[string]string{"KEY": canary}}
	res, err := run(t, s, `module.exports = async function (req) {
		console.log('pan %s and %d', req.args.pan, 42, { k: req.configuration.KEY });
		console.info([1, 'two']);
		console.warn(new Error('careful'));
		console.error('%j %%', { a: undefined, b: 1n === 1n });
		console.debug(undefined, null, 1n, Symbol('s'), function named() {});
		console.assert(false, 'assertion', 7);
		const cyclic = {}; cyclic.self = cyclic; console.log(cyclic);
		return { raw: 'ok' };
	}`, req)
	require.NoError(t, err)
	require.Len(t, res.Logs, 7)
	assert.Equal(t, sandbox.LogEntry{Level: "info", Message: `pan ` + canary + ` and 42 {"k":"` + canary + `"}`}, res.Logs[0])
	assert.Equal(t, sandbox.LogEntry{Level: "info", Message: `[1,"two"]`}, res.Logs[1])
	assert.Equal(t, "warn", res.Logs[2].Level)
	assert.True(t, strings.HasPrefix(res.Logs[2].Message, "Error: careful"), res.Logs[2].Message)
	assert.Equal(t, sandbox.LogEntry{Level: "error", Message: `{"b":true} %`}, res.Logs[3])
	assert.Equal(t, sandbox.LogEntry{Level: "debug", Message: `undefined null 1n Symbol(s) [Function: named]`}, res.Logs[4])
	assert.Equal(t, sandbox.LogEntry{Level: "error", Message: `Assertion failed: assertion 7`}, res.Logs[5])
	assert.Equal(t, sandbox.LogEntry{Level: "info", Message: `{"self":"[Circular]"}`}, res.Logs[6])
	assert.False(t, res.LogsTruncated)

	t.Run("per invocation", func(t *testing.T) {
		p, err := s.Compile(`module.exports = async (req) => { console.log('call ' + req.args.n); return {} }`)
		require.NoError(t, err)
		for i := range 3 {
			res, err := s.Run(context.Background(), p, sandbox.Request{Args: json.RawMessage(fmt.Sprint(`{"n":`, i, `}`))})
			require.NoError(t, err)
			assert.Equal(t, []sandbox.LogEntry{{Level: "info", Message: fmt.Sprint("call ", i)}}, res.Logs)
		}
	})

	t.Run("capped", func(t *testing.T) {
		s := newSandbox(t, sandbox.WithLogger(slog.New(rec)), sandbox.WithLimits(sandbox.Limits{MaxLogBytes: 200}))
		res, err := run(t, s, `module.exports = async () => { for (let i = 0; i < 100; i++) console.log('line ' + i + ' ' + 'é'.repeat(10)); return {} }`, sandbox.Request{})
		require.NoError(t, err)
		assert.True(t, res.LogsTruncated)
		total := 0
		for _, l := range res.Logs {
			total += len(l.Message)
		}
		assert.LessOrEqual(t, total, 200)
		assert.Less(t, len(res.Logs), 100)
	})

	t.Run("empty lines count", func(t *testing.T) {
		// Each entry costs its newline: otherwise console.log('') in a
		// loop piles up entries (tens of bytes each in the host) for free.
		s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{MaxLogBytes: 200}))
		res, err := run(t, s, `module.exports = async () => { for (let i = 0; i < 100000; i++) console.log(''); return {} }`, sandbox.Request{})
		require.NoError(t, err)
		assert.True(t, res.LogsTruncated)
		assert.Equal(t, 200, len(res.Logs))
	})

	t.Run("logs come back with a failure", func(t *testing.T) {
		res, err := run(t, s, `module.exports = async (req) => { console.log('before ' + req.args.pan); throw new Error(req.args.pan) }`, req)
		var re *sandbox.ReactorError
		require.ErrorAs(t, err, &re)
		require.NotNil(t, res)
		assert.Equal(t, []sandbox.LogEntry{{Level: "info", Message: "before " + canary}}, res.Logs)
		assert.NotContains(t, err.Error(), canary)
		assert.NotContains(t, fmt.Sprintf("%v %+v %#v", req, req, req), canary, "a Request never prints its args or configuration")
	})

	lines := rec.all()
	assert.NotContains(t, lines, canary, "nothing of args, configuration, output or errors reaches the logger")
	assert.NotContains(t, lines, "careful")
	assert.NotContains(t, lines, "line ")
	assert.Contains(t, lines, "reactor invocation", "the logger does see outcomes")
}
