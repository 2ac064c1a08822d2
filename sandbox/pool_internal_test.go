package sandbox

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/internal/binrec"
)

// The probes below run in a child process started from this test binary.
// A package-level variable is initialised before any init function runs, so
// a child given a probe argument runs the probe, not worker.go's init.
var _ = runProbe()

func runProbe() bool {
	if os.Getenv(workerEnv) != workerEnvValue || len(os.Args) < 2 {
		return false
	}
	switch os.Args[1] {
	case "probe-limits":
		os.Exit(probeLimits())
	case "rogue-huge-frame":
		// A worker that answers init with a frame claiming 1 GiB.
		var hdr [5]byte
		binary.BigEndian.PutUint32(hdr[:4], 1<<30)
		hdr[4] = frameReady
		os.Stdout.Write(hdr[:])
		hang()
	case "rogue-call-flood":
		// A compromised worker that sends far more req.bt calls than an
		// invocation may have in flight, without waiting for replies.
		conn := rogueHandshake()
		for id := int64(1); id <= 500; id++ {
			fw := &binrec.Writer{}
			putInt(fw, callID, id)
			fw.String(callMethod, "tokenize")
			fw.List(callArgs, [][]byte{[]byte("{}")})
			conn.write(frameCall, fw)
		}
		hang()
	case "rogue-done":
		// A compromised worker that answers a run with a frameDone the
		// worker code could never have built (os.Args[2] says which).
		conn := rogueHandshake()
		conn.write(frameDone, rogueDone(os.Args[2]))
		hang()
	case "rogue-deaf":
		// A compromised worker that makes a call, stops reading its stdin
		// (the host's reply fills the pipe) and reports done.
		conn := rogueHandshake()
		fw := &binrec.Writer{}
		putInt(fw, callID, 1)
		fw.String(callMethod, "tokenize")
		fw.List(callArgs, [][]byte{[]byte("{}")})
		conn.write(frameCall, fw)
		time.Sleep(100 * time.Millisecond)
		conn.write(frameDone, encodeDone(&Result{Raw: json.RawMessage(`1`)}, nil, 0))
		hang()
	case "rogue-http-body":
		// A compromised worker that sends an outbound request whose body is
		// over MaxHTTPBody (the worker code refuses such a body).
		conn := rogueHandshake()
		fw := &binrec.Writer{}
		putInt(fw, callID, 1)
		fw.String(callMethod, "POST")
		fw.String(callURL, "https://api.example.com/")
		fw.Bytes(callBody, make([]byte, DefaultMaxHTTPBody+1))
		conn.write(frameHTTP, fw)
		hang()
	case "rogue-silent":
		// A program that is not a worker: it never answers.
		hang()
	case "rogue-unknown-frame":
		// A worker that is ready, then answers a run with a frame type the
		// host does not know.
		conn := rogueHandshake()
		conn.write(99, new(binrec.Writer))
		hang()
	}
	return false
}

// rogueHandshake is a rogue worker's start: read the init frame, say it is
// ready, and read the run it is then sent.
func rogueHandshake() *frameConn {
	conn := newFrameConn(os.Stdin, os.Stdout, 1<<30)
	conn.read()
	conn.write(frameReady, new(binrec.Writer))
	conn.read()
	return conn
}

// hang keeps a rogue worker alive (the host must kill it), then exits.
func hang() {
	time.Sleep(time.Minute)
	os.Exit(0)
}

// probeLimits applies the worker limits and reports what the process can
// still do, as JSON on stdout.
func probeLimits() int {
	out := map[string]any{"env": os.Environ()}
	if err := applyWorkerLimits(Limits{MemoryBudget: 64 << 20, Timeout: time.Second}); err != nil {
		out["limits_error"] = err.Error()
	}
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		out["listen"] = true
		l.Close()
	}
	if c, err := net.DialTimeout("tcp", os.Args[2], time.Second); err == nil {
		out["dial"] = true
		c.Close()
	}
	if f, err := os.Open("/etc/passwd"); err == nil {
		out["open"] = true
		f.Close()
	}
	// The channel still works: write the report where the host reads.
	b, _ := json.Marshal(out)
	os.Stdout.Write(b)
	return 0
}

func TestWorkerOSLimits(t *testing.T) {
	if !canUnshareNet() && os.Getenv("CI") == "" {
		t.Log("not root: workers get no network namespace here; the descriptor limit still applies")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv("VAULT_MASTER_KEY", "host-secret-must-not-reach-workers")
	cmd := exec.Command(exe, "probe-limits", l.Addr().String())
	cmd.Env = workerEnvironment()
	cmd.SysProcAttr = workerSysProcAttr(false) // the descriptor limit alone must hold
	b, err := cmd.Output()
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got), string(b))
	assert.Nil(t, got["limits_error"])
	assert.Nil(t, got["listen"], "a worker must not open sockets")
	assert.Nil(t, got["dial"], "a worker must not reach the network")
	assert.Nil(t, got["open"], "a worker must not open files")
	for _, kv := range got["env"].([]any) {
		assert.NotContains(t, kv, "host-secret")
	}
}

func newIsolated(t *testing.T, iso Isolation, opts ...Option) *Sandbox {
	t.Helper()
	s, err := New(append([]Option{WithLimits(Limits{Timeout: 5 * time.Second}), WithIsolation(iso)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestWorkerNeverServesTwoPools(t *testing.T) {
	s := newIsolated(t, Isolation{Spares: -1})
	prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
	require.NoError(t, err)
	ctx := context.Background()
	pidOf := func(pool string) int {
		s.pool.mu.Lock()
		defer s.pool.mu.Unlock()
		ws := s.pool.idle[pool]
		require.Len(t, ws, 1)
		return ws[0].cmd.Process.Pid
	}
	_, err = s.Run(ctx, prog, Request{Pool: "tenant-a/r1"})
	require.NoError(t, err)
	a := pidOf("tenant-a/r1")
	_, err = s.Run(ctx, prog, Request{Pool: "tenant-b/r1"})
	require.NoError(t, err)
	b := pidOf("tenant-b/r1")
	assert.NotEqual(t, a, b)
	_, err = s.Run(ctx, prog, Request{Pool: "tenant-a/r1"})
	require.NoError(t, err)
	assert.Equal(t, a, pidOf("tenant-a/r1"), "a warm worker is reused for its own pool")
}

func TestWorkerPoolIsBounded(t *testing.T) {
	s := newIsolated(t, Isolation{MaxWorkers: 2, Spares: -1})
	prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
	require.NoError(t, err)
	for i := range 5 {
		_, err := s.Run(context.Background(), prog, Request{Pool: "p" + string(rune('a'+i))})
		require.NoError(t, err)
	}
	s.pool.mu.Lock()
	defer s.pool.mu.Unlock()
	assert.LessOrEqual(t, s.pool.live, 2)
}

func TestRogueWorkerIsKilled(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, mode := range []string{"rogue-huge-frame", "rogue-unknown-frame"} {
		t.Run(mode, func(t *testing.T) {
			s := newIsolated(t, Isolation{Command: []string{exe, mode}, Spares: -1})
			prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
			require.NoError(t, err)
			start := time.Now()
			_, err = s.Run(context.Background(), prog, Request{Pool: "p"})
			require.Error(t, err)
			assert.Less(t, time.Since(start), 3*time.Second)
			if re, ok := err.(*ReactorError); ok {
				assert.Equal(t, 500, re.Status)
			} else {
				assert.True(t, strings.HasPrefix(err.Error(), "sandbox: starting a worker"), err.Error())
			}
		})
	}
}

func TestWorkerThatNeverStartsFails(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	s := newIsolated(t, Isolation{Command: []string{exe, "rogue-silent"}, Spares: -1})
	prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Run(ctx, prog, Request{Pool: "p"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// peakHost is a Host that records how many calls it serves at once; each
// call takes hold, or until its ctx ends.
type peakHost struct {
	hold      time.Duration
	now, peak atomic.Int64
	total     atomic.Int64
}

func (h *peakHost) Call(ctx context.Context, method string, args []json.RawMessage) (json.RawMessage, error) {
	n := h.now.Add(1)
	defer h.now.Add(-1)
	h.total.Add(1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-time.After(h.hold):
	case <-ctx.Done():
	}
	return json.RawMessage(`{}`), nil
}

// A reactor that starts thousands of req.bt calls at once gets them all
// answered, but the Host never serves more than maxCallsInFlight of them at
// once (each is a goroutine and a request held in the host), in process and
// in a worker.
func TestCallsInFlightAreBounded(t *testing.T) {
	for name, iso := range map[string]*Isolation{"in process": nil, "worker": {Spares: -1}} {
		t.Run(name, func(t *testing.T) {
			opts := []Option{WithLimits(Limits{Timeout: 20 * time.Second})}
			if iso != nil {
				opts = append(opts, WithIsolation(*iso))
			}
			s, err := New(opts...)
			require.NoError(t, err)
			defer s.Close()
			prog, err := s.Compile(`module.exports = async (req) => {
				const all = [];
				for (let i = 0; i < 2000; i++) all.push(req.bt.tokenize({ i }));
				return { raw: (await Promise.all(all)).length };
			}`)
			require.NoError(t, err)
			h := &peakHost{hold: 2 * time.Millisecond}
			res, err := s.Run(context.Background(), prog, Request{Pool: "p", Host: h})
			require.NoError(t, err)
			assert.JSONEq(t, `2000`, string(res.Raw))
			assert.EqualValues(t, 2000, h.total.Load())
			assert.LessOrEqual(t, h.peak.Load(), int64(maxCallsInFlight))
		})
	}
}

// A compromised worker that floods the host with calls is served no more
// than maxCallsInFlight at once, and its Run still ends on time.
func TestRogueCallFloodIsBounded(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	s := newIsolated(t, Isolation{Command: []string{exe, "rogue-call-flood"}, Spares: -1})
	prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
	require.NoError(t, err)
	h := &peakHost{hold: time.Minute}
	start := time.Now()
	_, err = s.Run(context.Background(), prog, Request{Pool: "p", Host: h, Timeout: time.Second})
	require.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), time.Second+killGrace+time.Second)
	assert.LessOrEqual(t, h.peak.Load(), int64(maxCallsInFlight))
}

// A Run that waits for a worker (all MaxWorkers busy with another pool's
// long invocation) still ends within its own timeout plus the kill grace:
// the wait counts against the timeout, as the caller's deadline does.
func TestWaitForWorkerIsBoundedByTimeout(t *testing.T) {
	s := newIsolated(t, Isolation{MaxWorkers: 1, Spares: -1})
	long, err := s.Compile(`module.exports = async () => { for (;;) {} }`)
	require.NoError(t, err)
	quick, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := s.Run(context.Background(), long, Request{Pool: "a", Timeout: 2 * time.Second})
		done <- err
	}()
	require.Eventually(t, func() bool {
		s.pool.mu.Lock()
		defer s.pool.mu.Unlock()
		return len(s.pool.busy) == 1
	}, 5*time.Second, 5*time.Millisecond)
	start := time.Now()
	_, err = s.Run(context.Background(), quick, Request{Pool: "b", Timeout: 300 * time.Millisecond})
	elapsed := time.Since(start)
	require.ErrorIs(t, err, ErrTimeout)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, int64(300*time.Millisecond), le.Max)
	assert.Less(t, elapsed, 300*time.Millisecond+killGrace+500*time.Millisecond)
	require.ErrorIs(t, <-done, ErrTimeout)
}

// A worker's program cache holds as many programs as the host's: a pool
// that runs more distinct programs than that still gets each one run (the
// host resends code the worker may have dropped).
func TestWorkerProgramCacheEviction(t *testing.T) {
	s := newIsolated(t, Isolation{Spares: -1}, WithCacheSize(2))
	var progs []*Program
	for i := range 3 {
		p, err := s.Compile(fmt.Sprintf(`module.exports = () => ({ raw: %d })`, i))
		require.NoError(t, err)
		progs = append(progs, p)
	}
	for round := range 3 {
		for i, p := range progs {
			res, err := s.Run(context.Background(), p, Request{Pool: "p"})
			require.NoError(t, err, "round %d program %d", round, i)
			assert.JSONEq(t, fmt.Sprint(i), string(res.Raw))
		}
	}
	s.pool.mu.Lock()
	defer s.pool.mu.Unlock()
	assert.Len(t, s.pool.idle["p"], 1, "one worker served every run")
}

// rogueDone builds the frameDone of a compromised worker.
func rogueDone(variant string) *binrec.Writer {
	res := &Result{}
	var err error
	switch variant {
	case "raw not JSON":
		res.Raw = json.RawMessage(`{"a":`)
	case "tokenize not JSON":
		res.Tokenize = json.RawMessage(`]`)
	case "raw over MaxPayload":
		res.Raw = json.RawMessage(`"` + strings.Repeat("x", DefaultMaxPayload) + `"`)
	case "logs over MaxLogBytes":
		for range DefaultMaxLogBytes / 8 {
			res.Logs = append(res.Logs, LogEntry{Level: "info", Message: "0123456789"})
		}
	case "unknown log level":
		res.Logs = []LogEntry{{Level: "\x1b[31mfatal", Message: "x"}}
	case "custom status differs":
		err = &ReactorError{Status: 418, Name: "CustomHttpResponseError",
			Custom: &CustomResponse{Status: 99999, Body: json.RawMessage(`{}`)}}
	case "custom body over MaxPayload":
		err = &ReactorError{Status: 418, Name: "CustomHttpResponseError",
			Custom: &CustomResponse{Status: 418, Body: json.RawMessage(`"` + strings.Repeat("x", DefaultMaxPayload) + `"`)}}
	default:
		panic(variant)
	}
	return encodeDone(res, err, 0)
}

// The host checks a worker's outcome as the worker code would have made
// it: raw and tokenize are JSON within MaxPayload, logs within MaxLogBytes
// and of a known level, a custom response's status is the error's and its
// body JSON. Anything else is a protocol violation: the worker is killed
// and the Run fails with a 500.
func TestRogueDoneIsChecked(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, variant := range []string{"raw not JSON", "tokenize not JSON", "raw over MaxPayload", "logs over MaxLogBytes",
		"unknown log level", "custom status differs", "custom body over MaxPayload"} {
		t.Run(variant, func(t *testing.T) {
			s := newIsolated(t, Isolation{Command: []string{exe, "rogue-done", variant}, Spares: -1})
			prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
			require.NoError(t, err)
			start := time.Now()
			_, err = s.Run(context.Background(), prog, Request{Pool: "p"})
			var re *ReactorError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 500, re.Status)
			assert.Equal(t, "ReactorRuntimeError", re.Name)
			assert.Less(t, time.Since(start), 3*time.Second)
		})
	}
}

// bigHost answers every call with a body larger than a pipe holds.
type bigHost struct{}

func (bigHost) Call(context.Context, string, []json.RawMessage) (json.RawMessage, error) {
	return json.RawMessage(`"` + strings.Repeat("x", 1<<20) + `"`), nil
}

// A worker that stops reading its stdin blocks the host's reply writes;
// the Run still ends by the kill at its timeout plus the grace, and the
// killed worker is not kept warm for the pool (its next Run would fail with
// this one's timeout).
func TestDeafWorkerIsNotReused(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	s := newIsolated(t, Isolation{Command: []string{exe, "rogue-deaf"}, Spares: -1})
	prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
	require.NoError(t, err)
	start := time.Now()
	_, _ = s.Run(context.Background(), prog, Request{Pool: "p", Host: bigHost{}, Timeout: 500 * time.Millisecond})
	assert.Less(t, time.Since(start), 500*time.Millisecond+killGrace+time.Second)
	s.pool.mu.Lock()
	defer s.pool.mu.Unlock()
	assert.Empty(t, s.pool.idle["p"], "a killed worker is not kept")
}

// Close while Runs are in flight, one of them waiting for a worker: every
// Run returns soon, Close returns, and (TestMain's goleak) no goroutine is
// left behind.
func TestCloseWithRunsInFlight(t *testing.T) {
	s, err := New(WithLimits(Limits{Timeout: time.Minute}), WithIsolation(Isolation{MaxWorkers: 2}))
	require.NoError(t, err)
	prog, err := s.Compile(`module.exports = async (req) => { req.bt.tokenize({}); for (;;) {} }`)
	require.NoError(t, err)
	h := &peakHost{hold: time.Minute}
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			_, err := s.Run(context.Background(), prog, Request{Pool: fmt.Sprint("p", i), Host: h})
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return h.now.Load() == 2 }, 10*time.Second, 5*time.Millisecond)
	start := time.Now()
	require.NoError(t, s.Close())
	for range 3 {
		require.Error(t, <-errs)
	}
	assert.Less(t, time.Since(start), 2*time.Second)
	_, err = s.Run(context.Background(), prog, Request{Pool: "p0"})
	require.ErrorIs(t, err, ErrClosed)
}

// roundTripFunc is an http.RoundTripper of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The host holds a worker's outbound request to MaxHTTPBody, as the worker
// code does: a larger body is a protocol violation and is never sent.
func TestRogueHTTPBodyIsRefused(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	var sent atomic.Bool
	s := newIsolated(t, Isolation{Command: []string{exe, "rogue-http-body"}, Spares: -1},
		WithAllowedHosts("api.example.com"), WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			sent.Store(true)
			return nil, errors.New("no network in tests")
		})))
	prog, err := s.Compile(`module.exports = () => ({ raw: 1 })`)
	require.NoError(t, err)
	_, err = s.Run(context.Background(), prog, Request{Pool: "p", Timeout: time.Second})
	var re *ReactorError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 500, re.Status)
	assert.False(t, sent.Load(), "the request is not sent")
}
