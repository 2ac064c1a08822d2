package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenvault/vault/internal/binrec"
)

// Isolation configures where reactor code runs; see the package
// documentation, section Isolation. The zero value runs it in worker
// processes with the defaults below.
type Isolation struct {
	// InProcess runs reactor code in this process, in goja, with no OS
	// limits. goja cannot bound the memory or the native work of hostile
	// code: use it only for trusted code and in tests.
	InProcess bool
	// Command is the worker program and its arguments (default: this
	// executable, /proc/self/exe on Linux, which turns into a worker in this
	// package's init).
	Command []string
	// MaxWorkers bounds the worker processes alive at once, busy or idle
	// (default 4 per CPU, at least 8). A Run that finds none free waits,
	// and the wait counts against its timeout.
	MaxWorkers int
	// MaxIdlePerPool is how many idle warm workers one pool (one reactor of
	// one tenant) keeps for IdleTimeout (default 2); those beyond it, started
	// for a burst of concurrent calls, stop after 10 s idle, or at once when
	// another pool needs room under MaxWorkers.
	MaxIdlePerPool int
	// Spares is how many workers are started ahead, bound to no pool until a
	// Run takes one (default 1; negative for none).
	Spares int
	// IdleTimeout stops a worker idle that long (default 2 minutes).
	IdleTimeout time.Duration
	// MaxUses retires a worker after that many invocations (default 10,000).
	MaxUses int
}

// Isolation defaults.
const (
	DefaultMaxIdlePerPool = 2
	DefaultWorkerIdle     = 2 * time.Minute
	DefaultWorkerMaxUses  = 10_000
	// killGrace is how long past its timeout a worker may take to report
	// before it is killed.
	killGrace = 500 * time.Millisecond
	// rssInterval is how often busy workers' resident memory is read.
	rssInterval = 25 * time.Millisecond
	// burstIdle is how long the workers of a pool beyond MaxIdlePerPool,
	// started for a burst of concurrent calls, stay idle before they stop.
	burstIdle = 10 * time.Second
)

func (iso *Isolation) setDefaults() error {
	if iso.MaxWorkers < 0 || iso.MaxIdlePerPool < 0 || iso.IdleTimeout < 0 || iso.MaxUses < 0 {
		return fmt.Errorf("%w: negative isolation setting", ErrInvalidOption)
	}
	if iso.MaxWorkers == 0 {
		iso.MaxWorkers = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if iso.MaxIdlePerPool == 0 {
		iso.MaxIdlePerPool = DefaultMaxIdlePerPool
	}
	switch {
	case iso.Spares == 0:
		iso.Spares = 1
	case iso.Spares < 0:
		iso.Spares = 0
	}
	if iso.IdleTimeout == 0 {
		iso.IdleTimeout = DefaultWorkerIdle
	}
	if iso.MaxUses == 0 {
		iso.MaxUses = DefaultWorkerMaxUses
	}
	if len(iso.Command) == 0 {
		exe, err := selfExecutable()
		if err != nil {
			return fmt.Errorf("%w: no worker command: %v", ErrInvalidOption, err)
		}
		iso.Command = []string{exe}
	}
	return nil
}

// selfExecutable names the running executable. On Linux that is
// /proc/self/exe, which the forked child resolves to the very binary the
// host runs, even once a deploy has replaced or removed its file (a worker
// of another version would not speak the same frames).
func selfExecutable() (string, error) {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat("/proc/self/exe"); err == nil {
			return "/proc/self/exe", nil
		}
	}
	return os.Executable()
}

// workerStartTimeout bounds how long a new worker may take to be ready: a
// Command that is not a worker (it never answers) fails instead of hanging.
const workerStartTimeout = 10 * time.Second

// maxCallsInFlight bounds the req.bt calls and HTTP requests one
// invocation has in flight at once, in process and in a worker: each is a
// goroutine and a request held in the host, and the Host is the vault's own
// storage. Calls beyond it wait for a slot (they are not refused). A worker's
// invocation keeps within it; the host stops reading a worker that does not
// until a slot is free, so a compromised worker cannot make it hold more.
const maxCallsInFlight = 32

// ErrClosed is returned by Run after [Sandbox.Close].
var ErrClosed = errors.New("sandbox: closed")

// pool is the host side of process isolation: worker processes, each bound
// to one pool key (a reactor of a tenant) once it has run code for it, never
// to two.
type pool struct {
	s    *Sandbox
	iso  Isolation
	init *binrec.Writer // the init frame every worker gets
	// maxFrame bounds what the host reads from a worker.
	maxFrame int
	netns    atomic.Bool // workers get a network namespace (until that fails)

	mu      sync.Mutex
	idle    map[string][]*worker // by pool key, most recently used last
	spares  []*worker
	busy    map[*worker]struct{}
	busyFor map[string]int // busy workers by pool key
	live    int            // started and not yet reaped: busy, idle, spare or starting
	changed chan struct{}  // closed and replaced when a worker is released
	closed  bool
	monitor bool // the monitor goroutine runs

	wg   sync.WaitGroup
	stop chan struct{}
}

func newPool(s *Sandbox, iso Isolation) *pool {
	p := &pool{
		s: s, iso: iso,
		init:     encodeInit(s.limits, s.hostPatterns, s.cache.max),
		maxFrame: 4*s.limits.MaxPayload + 2*int(s.limits.MaxHTTPBody) + s.limits.MaxLogBytes + 1<<20,
		idle:     map[string][]*worker{}, busy: map[*worker]struct{}{}, busyFor: map[string]int{},
		changed: make(chan struct{}), stop: make(chan struct{}),
	}
	p.netns.Store(canUnshareNet())
	return p
}

// worker is one worker process.
type worker struct {
	cmd    *exec.Cmd
	conn   *frameConn
	stdin  *os.File
	stderr *headWriter
	exited chan struct{} // closed once the process is reaped

	key      string
	programs map[[32]byte]struct{} // compiled in the worker
	uses     int
	cpu      time.Duration
	lastUsed time.Time
	baseRSS  int64

	killOnce sync.Once
	reason   atomic.Pointer[error] // why the host killed it
}

// kill ends the process (once) and records why.
func (w *worker) kill(reason error) {
	w.killOnce.Do(func() {
		w.reason.Store(&reason)
		_ = w.cmd.Process.Kill()
		_ = w.stdin.Close()
	})
}

// gone reports a worker whose process has ended.
func (w *worker) gone() bool {
	select {
	case <-w.exited:
		return true
	default:
		return false
	}
}

// knownMethods are the req.bt methods a worker may ask the host to run.
var knownMethods = func() map[string]bool {
	m := make(map[string]bool, len(Methods))
	for _, name := range Methods {
		m[name] = true
	}
	return m
}()

// start spawns a worker, sends it the init frame and waits for it to be ready.
func (p *pool) start(ctx context.Context) (*worker, error) {
	w, err := p.spawn(p.netns.Load())
	if err != nil && p.netns.Load() {
		// No namespace for us here (a container without CAP_SYS_ADMIN):
		// the descriptor limit still keeps workers off the network.
		p.netns.Store(false)
		w, err = p.spawn(false)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: starting a worker: %w", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, workerStartTimeout, errors.New("the worker did not start in time"))
	defer cancel()
	ready := make(chan error, 1)
	go func() {
		typ, _, err := w.conn.read()
		if err == nil && typ != frameReady {
			err = errProtocol
		}
		ready <- err
	}()
	select {
	case err = <-ready:
		ready = nil
	case <-ctx.Done():
		err = context.Cause(ctx)
	case <-p.stop:
		err = ErrClosed
	}
	if err != nil {
		w.kill(err)
		if ready != nil {
			<-ready // the read ends with the process
		}
		return nil, fmt.Errorf("sandbox: starting a worker: %w", err)
	}
	w.baseRSS = processRSS(w.cmd.Process.Pid)
	return w, nil
}

func (p *pool) spawn(netns bool) (*worker, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(p.iso.Command[0], p.iso.Command[1:]...)
	cmd.Env = workerEnvironment()
	cmd.Dir = "/"
	cmd.Stdin, cmd.Stdout = inR, outW
	stderr := &headWriter{max: 1 << 10}
	cmd.Stderr = stderr
	cmd.SysProcAttr = workerSysProcAttr(netns)
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	w := &worker{cmd: cmd, stdin: inW, stderr: stderr, exited: make(chan struct{}), programs: map[[32]byte]struct{}{},
		conn: newFrameConn(outR, inW, p.maxFrame)}
	p.wg.Go(func() {
		_ = cmd.Wait()
		outR.Close()
		inW.Close()
		close(w.exited)
	})
	if err := w.conn.write(frameInit, p.init); err != nil {
		w.kill(err)
		<-w.exited
		return nil, err
	}
	return w, nil
}

// workerEnvironment is all a worker gets of an environment: nothing of the
// host's (no master key, no DSN), only the mark that makes it a worker.
func workerEnvironment() []string {
	return []string{workerEnv + "=" + workerEnvValue, "GOTRACEBACK=none"}
}

// acquire returns a worker for key: an idle one of that key, a spare, a new
// one, or one freed by stopping the least recently used idle worker of
// another key. It waits while MaxWorkers are busy.
func (p *pool) acquire(ctx context.Context, key string) (*worker, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		if ws := p.idle[key]; len(ws) > 0 {
			w := ws[len(ws)-1]
			p.setIdle(key, ws[:len(ws)-1])
			if w.gone() {
				p.retireLocked(w)
				p.mu.Unlock()
				continue
			}
			p.markBusyLocked(w)
			p.mu.Unlock()
			return w, nil
		}
		if n := len(p.spares); n > 0 {
			w := p.spares[n-1]
			p.spares = p.spares[:n-1]
			w.key = key
			p.markBusyLocked(w)
			p.topUpLocked()
			p.mu.Unlock()
			return w, nil
		}
		if p.live >= p.iso.MaxWorkers && p.busyFor[key] == 0 {
			// Full: a pool with none of the workers gets one in place of the
			// least recently used idle worker of another. A pool that has
			// some waits for one of its own: taking another pool's would
			// only trade processes back and forth under load.
			p.evictLocked()
		}
		if p.live < p.iso.MaxWorkers {
			p.live++
			p.startMonitorLocked()
			p.mu.Unlock()
			w, err := p.start(ctx)
			p.mu.Lock()
			if err != nil {
				p.live--
				p.signalLocked()
				p.mu.Unlock()
				return nil, err
			}
			w.key = key
			p.markBusyLocked(w)
			p.topUpLocked()
			p.mu.Unlock()
			return w, nil
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("sandbox: waiting for a worker: %w", context.Cause(ctx))
		}
	}
}

func (p *pool) markBusyLocked(w *worker) {
	p.busy[w] = struct{}{}
	p.busyFor[w.key]++
}

func (p *pool) setIdle(key string, ws []*worker) {
	if len(ws) == 0 {
		delete(p.idle, key)
		return
	}
	p.idle[key] = ws
}

// evictLocked stops the least recently used idle worker, if any.
func (p *pool) evictLocked() {
	var victim *worker
	for _, ws := range p.idle {
		if w := ws[0]; victim == nil || w.lastUsed.Before(victim.lastUsed) {
			victim = w
		}
	}
	if victim == nil {
		if n := len(p.spares); n > 0 {
			victim = p.spares[n-1]
			p.spares = p.spares[:n-1]
			p.retireLocked(victim)
		}
		return
	}
	p.setIdle(victim.key, p.idle[victim.key][1:])
	p.retireLocked(victim)
}

// retireLocked kills w, which is in no list any more.
func (p *pool) retireLocked(w *worker) {
	w.kill(errRetired)
	p.live--
	p.signalLocked()
}

var errRetired = errors.New("sandbox: worker retired")

func (p *pool) signalLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// topUpLocked starts spares in the background up to Isolation.Spares.
func (p *pool) topUpLocked() {
	for n := len(p.spares); n < p.iso.Spares && p.live < p.iso.MaxWorkers && !p.closed; n++ {
		p.live++
		p.wg.Go(func() {
			w, err := p.start(context.Background())
			p.mu.Lock()
			defer p.mu.Unlock()
			switch {
			case err != nil:
				p.live--
				p.s.log.Warn("starting a spare reactor worker failed", slog.String("error", err.Error()))
			case p.closed:
				p.retireLocked(w)
				return
			default:
				w.lastUsed = time.Now()
				p.spares = append(p.spares, w)
			}
			p.signalLocked()
		})
	}
}

// release hands w back after a run: kept warm for its key, or retired.
func (p *pool) release(w *worker, healthy bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, w)
	if p.busyFor[w.key]--; p.busyFor[w.key] == 0 {
		delete(p.busyFor, w.key)
	}
	w.uses++
	w.lastUsed = time.Now()
	// A worker killed during the run (its deadline passed while the host
	// waited on it, say after a frameDone) is not healthy, whatever it said.
	killed := w.reason.Load() != nil
	if !healthy || killed || p.closed || w.uses >= p.iso.MaxUses || w.cpu >= workerCPULimit/2 {
		p.retireLocked(w)
		return
	}
	p.idle[w.key] = append(p.idle[w.key], w)
	p.signalLocked()
}

// startMonitorLocked starts the goroutine that watches busy workers' memory
// and stops idle ones past IdleTimeout.
func (p *pool) startMonitorLocked() {
	if p.monitor {
		return
	}
	p.monitor = true
	p.wg.Go(p.watch)
}

func (p *pool) watch() {
	t := time.NewTicker(rssInterval)
	defer t.Stop()
	limit := 2*p.s.limits.MemoryBudget + 256<<20
	if raceEnabled {
		limit *= 4
	}
	lastReap := time.Now()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			p.mu.Lock()
			busy := make([]*worker, 0, len(p.busy))
			for w := range p.busy {
				busy = append(busy, w)
			}
			if now.Sub(lastReap) > time.Second {
				lastReap = now
				p.reapLocked(now)
			}
			p.mu.Unlock()
			for _, w := range busy {
				if rss := processRSS(w.cmd.Process.Pid); rss > w.baseRSS+limit {
					w.kill(&LimitError{Limit: LimitMemory, Max: p.s.limits.MemoryBudget})
				}
			}
		}
	}
}

// reapLocked stops idle workers unused for IdleTimeout, and those beyond
// MaxIdlePerPool of a pool (started for a burst) unused for burstIdle.
func (p *pool) reapLocked(now time.Time) {
	for key, ws := range p.idle {
		keep := ws[:0]
		extra := len(ws) - p.iso.MaxIdlePerPool // the least recently used come first
		for _, w := range ws {
			idle := now.Sub(w.lastUsed)
			if idle > p.iso.IdleTimeout || extra > 0 && idle > burstIdle {
				extra--
				p.retireLocked(w)
				continue
			}
			extra--
			keep = append(keep, w)
		}
		p.setIdle(key, keep)
	}
}

// close kills every worker and waits for all of them and the monitor.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.stop)
	for _, ws := range p.idle {
		for _, w := range ws {
			p.retireLocked(w)
		}
	}
	p.idle = map[string][]*worker{}
	for _, w := range p.spares {
		p.retireLocked(w)
	}
	p.spares = nil
	for w := range p.busy {
		w.kill(ErrClosed)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// run invokes prog in a worker of req.Pool.
//
// The wait for a worker (all MaxWorkers busy, perhaps with another tenant's
// long invocations) and its start count against the timeout, so that a Run
// ends within its timeout plus the kill grace in every state; the worker
// gets what is left of it.
func (p *pool) run(ctx context.Context, prog *Program, req Request, timeout time.Duration) (*Result, error) {
	deadline := time.Now().Add(timeout)
	limit := &LimitError{Limit: LimitTimeout, Max: int64(timeout)}
	actx, cancel := context.WithDeadlineCause(ctx, deadline, limit)
	w, err := p.acquire(actx, req.Pool)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(context.Cause(actx), limit) {
			return nil, limit
		}
		return nil, err
	}
	left := time.Until(deadline)
	if left <= 0 {
		p.release(w, true)
		return nil, limit
	}
	res, err, healthy := p.invoke(ctx, w, prog, req, left)
	p.release(w, healthy)
	var le *LimitError
	if errors.As(err, &le) && le.Limit == LimitTimeout && le.Max == int64(left) {
		le.Max = int64(timeout) // the caller's timeout, not what was left of it
	}
	return res, err
}

// invoke runs one invocation on w and serves its calls. healthy reports
// whether w may run another.
func (p *pool) invoke(ctx context.Context, w *worker, prog *Program, req Request, timeout time.Duration) (*Result, error, bool) {
	_, known := w.programs[prog.hash]
	callCtx, cancelCalls := context.WithTimeout(ctx, timeout)
	var calls sync.WaitGroup
	var panicked atomic.Bool // a Host or transport panicked: the invocation fails
	var cmu sync.Mutex
	cancels := map[int64]context.CancelFunc{} // of the calls in flight, by id
	slots := make(chan struct{}, maxCallsInFlight)
	serve := func(body []byte, fn func(ctx context.Context, id int64, body []byte)) {
		id, ok := frameID(body)
		if !ok {
			w.kill(errProtocol)
			return
		}
		// Wait for a slot, reading nothing more meanwhile. Calls end at the
		// latest with callCtx, and the kill paths end the process.
		select {
		case slots <- struct{}{}:
		case <-w.exited:
			return
		}
		ctx, cancel := context.WithCancel(callCtx)
		cmu.Lock()
		cancels[id] = cancel
		cmu.Unlock()
		calls.Go(func() {
			defer func() {
				cmu.Lock()
				delete(cancels, id)
				cmu.Unlock()
				cancel()
				<-slots
			}()
			p.protect(&panicked, func() { fn(ctx, id, body) })
		})
	}
	defer func() {
		cancelCalls()
		calls.Wait()
	}()
	deadline := time.AfterFunc(timeout+killGrace, func() {
		w.kill(&LimitError{Limit: LimitTimeout, Max: int64(timeout)})
	})
	defer deadline.Stop()
	stopCancel := context.AfterFunc(ctx, func() {
		w.kill(fmt.Errorf("sandbox: run canceled: %w", context.Cause(ctx)))
	})
	defer stopCancel()

	if err := w.conn.write(frameRun, encodeRun(prog, !known, req, timeout)); err != nil {
		return p.died(w)
	}
	if !known && len(w.programs) >= p.s.cache.max {
		// The worker keeps as many compiled programs as the host, least
		// recently used out. Forgetting them all when the set is full keeps
		// every program counted as known among the last that many distinct
		// ones the worker ran, so it still has each (otherwise it would get
		// a run with neither a program nor code, and fail).
		clear(w.programs)
	}
	w.programs[prog.hash] = struct{}{}
	for {
		typ, body, err := w.conn.read()
		if err != nil {
			return p.died(w)
		}
		switch typ {
		case frameDone:
			res, runErr, cpu, err := decodeDone(body, &p.s.limits)
			if err != nil {
				w.kill(errProtocol)
				return p.died(w)
			}
			w.cpu = cpu
			cancelCalls()
			calls.Wait()
			if panicked.Load() {
				return res, runtimeError(fallbackErrorMessage), true
			}
			// A run stopped for memory leaves a heap the worker may not
			// give back soon: start afresh.
			return res, runErr, !errors.Is(runErr, ErrMemory)
		case frameCall:
			if req.Host == nil {
				w.kill(errProtocol)
				return p.died(w)
			}
			serve(body, func(ctx context.Context, id int64, body []byte) { p.serveCall(ctx, w, req.Host, id, body) })
		case frameHTTP:
			serve(body, func(ctx context.Context, id int64, body []byte) { p.serveHTTP(ctx, w, id, body) })
		case frameCancel:
			if id, ok := frameID(body); ok {
				cmu.Lock()
				if cancel := cancels[id]; cancel != nil {
					cancel()
				}
				cmu.Unlock()
			}
		default:
			w.kill(errProtocol)
			return p.died(w)
		}
	}
}

// frameID reads the call id of a frame.
func frameID(body []byte) (int64, bool) {
	var id int64
	var err error
	found := false
	ferr := binrec.Fields(body, func(tag byte, p []byte) error {
		if tag == callID && !found {
			found = true
			id, err = getInt(p)
		}
		return err
	})
	return id, found && ferr == nil && id > 0
}

// protect runs serve, turning a panic (a bug in a Host or a transport) into
// a failed invocation instead of a crashed process; the worker's call then
// fails as a network error would. The panic value may hold data: only its
// type is logged.
func (p *pool) protect(panicked *atomic.Bool, serve func()) {
	defer func() {
		if r := recover(); r != nil {
			p.s.log.Error("recovered panic in a reactor's host call", slog.String("type", reflect.TypeOf(r).String()))
			panicked.Store(true)
		}
	}()
	serve()
}

// died waits for a worker that stopped answering and says why it stopped.
func (p *pool) died(w *worker) (*Result, error, bool) {
	w.kill(errWorkerDied)
	<-w.exited
	reason := *w.reason.Load()
	if reason == errWorkerDied {
		// It died on its own: out of memory (Go's fatal error under the
		// address-space limit) or CPU time (SIGXCPU), or a crash.
		switch {
		case bytes.Contains(w.stderr.bytes(), []byte("out of memory")):
			reason = &LimitError{Limit: LimitMemory, Max: p.s.limits.MemoryBudget}
		case w.cmd.ProcessState != nil && strings.Contains(w.cmd.ProcessState.String(), "CPU time limit"):
			reason = &LimitError{Limit: LimitTimeout, Max: int64(workerCPULimit)}
		default:
			p.s.log.Warn("reactor worker died", slog.String("state", w.cmd.ProcessState.String()))
			reason = runtimeError(fallbackErrorMessage)
		}
	}
	if errors.Is(reason, errProtocol) {
		p.s.log.Warn("reactor worker broke the protocol and was killed")
		reason = runtimeError(fallbackErrorMessage)
	}
	return &Result{}, reason, false
}

var errWorkerDied = errors.New("sandbox: worker died")

// serveCall runs one req.bt call of the worker on the host.
func (p *pool) serveCall(ctx context.Context, w *worker, host Host, id int64, body []byte) {
	var d fieldDecoder
	var method string
	var args [][]byte
	err := binrec.Fields(body, func(tag byte, v []byte) error {
		var err error
		switch tag {
		case callMethod:
			method = string(v)
		case callArgs:
			args, err = binrec.List(v)
		}
		d.fail(err)
		return d.err
	})
	if err != nil || !knownMethods[method] || len(args) > 8 {
		w.kill(errProtocol)
		return
	}
	raw := make([]json.RawMessage, len(args))
	for i, a := range args {
		raw[i] = a
	}
	out, err := host.Call(ctx, method, raw)
	fw := &binrec.Writer{}
	putInt(fw, callID, id)
	var he HTTPError
	switch {
	case err == nil:
		fw.Bytes(callBody, out)
	case errors.As(err, &he):
		putInt(fw, callStatus, int64(he.Status()))
		fw.Bytes(callBody, he.Body())
	default:
		putInt(fw, callStatus, -1)
	}
	_ = w.conn.write(frameCallReply, fw)
}

// serveHTTP sends one outbound request of the worker, after checking its
// destination again: a worker is not trusted to have done so.
func (p *pool) serveHTTP(ctx context.Context, w *worker, id int64, body []byte) {
	var d fieldDecoder
	var method, rawURL string
	var headers []string
	var reqBody []byte
	err := binrec.Fields(body, func(tag byte, v []byte) error {
		var err error
		switch tag {
		case callMethod:
			method = string(v)
		case callURL:
			rawURL = string(v)
		case callHeaders:
			headers, err = binrec.Strings(v, nil)
		case callBody:
			reqBody = v
		}
		d.fail(err)
		return d.err
	})
	fw := &binrec.Writer{}
	putInt(fw, callID, id)
	reply := func(reason string) {
		fw.String(callReason, reason)
		_ = w.conn.write(frameHTTPReply, fw)
	}
	// The worker code refuses a body over MaxHTTPBody before it asks.
	if err != nil || int64(len(reqBody)) > p.s.limits.MaxHTTPBody {
		w.kill(errProtocol)
		return
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !p.s.hosts.allows(u.Hostname()) {
		reply("destination not allowed")
		return
	}
	h, err := headerFrom(headers)
	if err != nil {
		w.kill(errProtocol)
		return
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(reqBody))
	if err != nil {
		reply("invalid request")
		return
	}
	req.Header = h
	resp, err := p.s.client.RoundTrip(req)
	if err != nil {
		reply(errorReason(err))
		return
	}
	defer resp.Body.Close()
	max := p.s.limits.MaxHTTPBody
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		reply("reading the response failed: " + errorReason(err))
		return
	}
	if int64(len(b)) > max {
		// The worker's own check reports the size: hand it one byte over.
		b = b[:max+1]
	}
	putInt(fw, callStatus, int64(resp.StatusCode))
	fw.String(callStatusText, strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))))
	fw.Strings(callHeaders, headerList(resp.Header))
	fw.Bytes(callBody, b)
	_ = w.conn.write(frameHTTPReply, fw)
}

// headWriter keeps the first bytes written to it (a worker's stderr, read
// only to tell an out-of-memory death, whose message comes first; never
// logged).
type headWriter struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (h *headWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headWriter) bytes() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return bytes.Clone(h.b)
}
