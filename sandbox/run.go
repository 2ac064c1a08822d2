package sandbox

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// errNilProgram is returned by Run for a nil *Program.
var errNilProgram = errors.New("sandbox: Run needs a compiled *Program")

// Run invokes a compiled reactor with req and returns what it returned.
//
// Each Run gets a fresh goja runtime, used by this goroutine only and dropped
// afterwards: nothing one invocation does (globals, prototypes, timers) is
// seen by another. Run returns when the reactor's promise settles, when it
// throws, or when a limit is reached; pending timers are then dropped and
// in-flight bt and HTTP calls are cancelled and waited for, so no goroutine
// outlives Run.
//
// Errors: *[ReactorError] for a reactor failure, *[LimitError] for a limit
// (timeout, memory, payload), and an error wrapping context.Canceled (or the
// caller's cause) when ctx ends first. On a ReactorError or LimitError raised
// while the code ran, the *Result is not nil and carries the captured Logs
// only. Safe for concurrent use.
func (s *Sandbox) Run(ctx context.Context, prog *Program, req Request) (*Result, error) {
	if prog == nil {
		return nil, errNilProgram
	}
	if len(req.Args) > s.limits.MaxPayload {
		return nil, &LimitError{Limit: LimitPayload, Max: int64(s.limits.MaxPayload), What: "args"}
	}
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("sandbox: run canceled: %w", err)
	}
	timeout := s.limits.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	start := time.Now()
	var res *Result
	var err error
	if s.pool != nil {
		res, err = s.pool.run(ctx, prog, req, timeout)
	} else {
		inv := s.newInvocation(ctx, timeout, req)
		res, err = inv.run(prog)
		inv.close()
	}
	s.logOutcome(ctx, prog, start, err)
	return res, err
}

// logOutcome writes one debug record: what happened, never what was seen.
func (s *Sandbox) logOutcome(ctx context.Context, prog *Program, start time.Time, err error) {
	if !s.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{slog.String("program", hex.EncodeToString(prog.hash[:6])), slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000)}
	var re *ReactorError
	var le *LimitError
	switch {
	case err == nil:
		attrs = append(attrs, slog.String("outcome", "ok"))
	case errors.As(err, &re):
		attrs = append(attrs, slog.String("outcome", "reactor_error"), slog.Int("status", re.Status))
	case errors.As(err, &le):
		attrs = append(attrs, slog.String("outcome", "limit"), slog.String("limit", le.Limit.String()))
	default:
		attrs = append(attrs, slog.String("outcome", "canceled"))
	}
	s.log.DebugContext(ctx, "reactor invocation", attrs...)
}

// invocation is the state of one Run. Everything except the fields noted is
// owned by the goroutine running Run.
type invocation struct {
	s      *Sandbox
	limits *Limits
	req    Request

	ctx         context.Context         // ends on timeout, memory, the caller's ctx, or close
	cancel      context.CancelCauseFunc // safe from any goroutine
	stopCancel  context.CancelFunc
	stopWatch   func() bool // stops the interrupt hook
	interrupted chan struct{}
	watch       *heapWatcher

	rt      *goja.Runtime
	globals *globals

	// Asynchronous work started by bt and fetch: goroutines send closures
	// that settle promises on the loop.
	wg          sync.WaitGroup
	slots       chan struct{} // one per operation running, up to maxCallsInFlight
	completions chan func()
	pending     int // in-flight operations whose completion the loop awaits

	timers timerQueue
	main   *goja.Promise
	// rejected lists promises rejected with no handler (PromiseRejectionTracker).
	rejected []*goja.Promise
	// fatal is set by an uncaught exception in a callback of the loop.
	fatal error

	logs      []LogEntry
	logBytes  int
	logsTrunc bool

	modules    map[string]goja.Value // require cache
	require    goja.Value            // the require of the reactor and of lib modules
	sdk        *sdkRefs
	httpMod    *goja.Object  // fetch, Headers, Response, node-fetch and axios
	bufferFrom goja.Callable // goja_nodejs's Buffer.from, unguarded
	guards     guardState
}

func (s *Sandbox) newInvocation(parent context.Context, timeout time.Duration, req Request) *invocation {
	inv := &invocation{s: s, limits: &s.limits, req: req, completions: make(chan func()),
		slots: make(chan struct{}, maxCallsInFlight)}
	ctx, cancel := context.WithCancelCause(parent)
	ctx, stop := context.WithTimeoutCause(ctx, timeout, &LimitError{Limit: LimitTimeout, Max: int64(timeout)})
	inv.ctx, inv.cancel, inv.stopCancel = ctx, cancel, stop
	return inv
}

// close stops the hooks, cancels outstanding work and waits for it.
func (inv *invocation) close() {
	if inv.stopWatch != nil && !inv.stopWatch() {
		<-inv.interrupted // the interrupt hook started: wait for it to finish
	}
	if inv.watch != nil {
		inv.s.heap.remove(inv.watch)
	}
	inv.cancel(context.Canceled)
	inv.stopCancel()
	inv.wg.Wait()
	inv.timers.stop()
}

// run sets the runtime up, calls the reactor, runs the event loop until its
// promise settles, and converts the outcome.
func (inv *invocation) run(prog *Program) (res *Result, err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		switch e := r.(type) {
		case *goja.Exception:
			// Thrown by a getter or proxy trap that Go code read outside
			// rt.Try (module.exports, raw, tokenize, ...).
			res, err = inv.result(), inv.thrown(e.Value())
			return
		case *goja.InterruptedError, *goja.StackOverflowError:
			// Uncatchable, rethrown through rt.Try while mapping a failure.
			res, err = inv.result(), inv.jsError(e.(error))
			return
		}
		// A Go panic inside goja or a module: the runtime is in an unknown
		// state and is dropped. The panic value may hold data: log its type only.
		inv.s.log.Warn("recovered panic in reactor runtime", slog.String("type", reflect.TypeOf(r).String()))
		res, err = inv.result(), inv.limitOr(runtimeError(fallbackErrorMessage))
	}()
	inv.rt = goja.New()
	inv.rt.SetMaxCallStackSize(inv.limits.MaxCallStackSize)
	inv.rt.SetPromiseRejectionTracker(inv.trackRejection)
	inv.interrupted = make(chan struct{})
	inv.stopWatch = context.AfterFunc(inv.ctx, func() {
		defer close(inv.interrupted)
		inv.rt.Interrupt(context.Cause(inv.ctx))
	})
	inv.watch = inv.s.heap.add(uint64(inv.limits.MemoryBudget), func() {
		inv.cancel(&LimitError{Limit: LimitMemory, Max: inv.limits.MemoryBudget})
	})
	inv.setupGlobals()

	value, err := inv.callReactor(prog)
	if err != nil {
		return inv.result(), err
	}
	p, isPromise := asPromise(value)
	inv.main = p
	if err := inv.afterMacrotask(); err != nil {
		return inv.result(), err
	}
	if isPromise {
		if err := inv.loop(); err != nil {
			return inv.result(), err
		}
		if p.State() == goja.PromiseStateRejected {
			return inv.result(), inv.thrown(p.Result())
		}
		value = p.Result()
	}
	out := inv.result()
	if err := inv.collect(value, out); err != nil {
		return out, err
	}
	return out, nil
}

// callReactor evaluates the module and calls module.exports(req). A thenable
// that is not a native promise is adopted through Promise.resolve.
func (inv *invocation) callReactor(prog *Program) (goja.Value, error) {
	rt := inv.rt
	wrapper, err := rt.RunProgram(prog.prog)
	if err != nil {
		return nil, inv.jsError(err)
	}
	fn, ok := goja.AssertFunction(wrapper)
	if !ok {
		return nil, runtimeError("module wrapper is not a function")
	}
	module := rt.NewObject()
	exports := rt.NewObject()
	if err := module.Set("exports", exports); err != nil {
		return nil, inv.jsError(err)
	}
	if _, err := fn(exports, exports, inv.requireFunc(), module, rt.ToValue("/reactor/"+programName), rt.ToValue("/reactor")); err != nil {
		return nil, inv.jsError(err)
	}
	handler, ok := goja.AssertFunction(module.Get("exports"))
	if !ok {
		return nil, runtimeError("module.exports is not a function")
	}
	var reqObj goja.Value
	if inv.req.Convention == ConventionFunction {
		reqObj, err = inv.parseArgs(inv.argsOrEmpty())
	} else {
		reqObj, err = inv.buildRequest()
	}
	if err != nil {
		return nil, err
	}
	value, err := handler(goja.Undefined(), reqObj)
	if err != nil {
		return nil, inv.jsError(err)
	}
	if obj, ok := value.(*goja.Object); ok {
		if _, isPromise := asPromise(value); !isPromise {
			if _, ok := goja.AssertFunction(obj.Get("then")); ok {
				return inv.adoptThenable(value)
			}
		}
	}
	return value, nil
}

func (inv *invocation) adoptThenable(v goja.Value) (goja.Value, error) {
	promise := inv.intrinsic("Promise").ToObject(inv.rt)
	resolve, ok := goja.AssertFunction(promise.Get("resolve"))
	if !ok {
		return nil, runtimeError("Promise.resolve is not a function")
	}
	p, err := resolve(promise, v)
	if err != nil {
		return nil, inv.jsError(err)
	}
	return p, nil
}

// buildRequest makes req = {args, configuration, bt} from plain JavaScript
// values only: args decoded as JSON.parse would, configuration as an object
// of strings.
func (inv *invocation) buildRequest() (goja.Value, error) {
	rt := inv.rt
	obj := rt.NewObject()
	parsed, err := inv.parseArgs(inv.argsOrEmpty())
	if err != nil {
		return nil, err
	}
	conf := rt.NewObject()
	for _, k := range sortedKeys(inv.req.Configuration) {
		if err := conf.DefineDataProperty(k, rt.ToValue(inv.req.Configuration[k]), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
			return nil, inv.jsError(err)
		}
	}
	for _, kv := range [...]struct {
		k string
		v goja.Value
	}{{"args", parsed}, {"configuration", conf}} {
		if err := obj.DefineDataProperty(kv.k, kv.v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
			return nil, inv.jsError(err)
		}
	}
	if inv.req.Host == nil {
		err = obj.DefineDataProperty("bt", goja.Null(), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	} else {
		err = inv.defineLazyBT(obj)
	}
	if err != nil {
		return nil, inv.jsError(err)
	}
	return obj, nil
}

// argsOrEmpty is the args' JSON; empty means {}.
func (inv *invocation) argsOrEmpty() []byte {
	if len(inv.req.Args) == 0 {
		return []byte("{}")
	}
	return inv.req.Args
}

// defineLazyBT defines req.bt as an accessor that builds the client on
// first read (most reactors never use it, and it is a class and a dozen
// functions) and returns that same client after. Assigning to req.bt
// replaces the accessor with a plain property, as for any data property.
func (inv *invocation) defineLazyBT(req *goja.Object) error {
	var client goja.Value
	get := inv.function("get bt", 0, func(goja.FunctionCall) goja.Value {
		if client == nil {
			v, err := inv.newBTClient()
			if err != nil {
				panic(err)
			}
			client = v
		}
		return client
	})
	set := inv.function("set bt", 1, func(call goja.FunctionCall) goja.Value {
		if err := call.This.ToObject(inv.rt).DefineDataProperty("bt", call.Argument(0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
			panic(err)
		}
		return goja.Undefined()
	})
	return req.DefineAccessorProperty("bt", get, set, goja.FLAG_TRUE, goja.FLAG_TRUE)
}

// parseArgs builds req.args; a malformed document is the caller's fault,
// reported as a 400 the reactor never saw.
func (inv *invocation) parseArgs(doc []byte) (goja.Value, error) {
	v, err := inv.decodeJSON(doc)
	if errors.Is(err, errBadJSON) {
		return nil, &ReactorError{Status: 400, Name: "BadRequestError", Detail: "Bad Request",
			Errors: map[string][]string{"args": {"must be valid JSON"}}}
	}
	if err != nil {
		return nil, inv.jsError(err)
	}
	return v, nil
}

// loop runs timers, immediates and completions until the main promise
// settles, the invocation fails, or nothing is left that could settle it.
func (inv *invocation) loop() error {
	for inv.main.State() == goja.PromiseStatePending {
		// An invocation past its deadline (or whose caller went away) ends
		// so, whatever else is ready: a request that failed because of the
		// deadline, or a timer due meanwhile, must not turn a timeout into
		// the reactor's own failure. select picks at random among ready
		// cases, so the context is checked before any callback runs.
		if inv.ctx.Err() != nil {
			return inv.stopped()
		}
		if t := inv.timers.nextImmediate(); t != nil {
			if err := inv.fire(t); err != nil {
				return err
			}
			continue
		}
		if t := inv.timers.due(time.Now()); t != nil {
			if err := inv.fire(t); err != nil {
				return err
			}
			continue
		}
		if inv.pending == 0 && !inv.timers.alive() {
			return runtimeError("the reactor's promise never settled")
		}
		select {
		case f := <-inv.completions:
			inv.pending--
			if inv.ctx.Err() != nil {
				return inv.stopped()
			}
			if err := inv.macrotask(f); err != nil {
				return err
			}
		case <-inv.timers.wait():
		case <-inv.ctx.Done():
			return inv.stopped()
		}
	}
	return nil
}

// fire runs one timer or immediate callback as a macrotask.
func (inv *invocation) fire(t *timer) error {
	return inv.macrotask(func() {
		if _, err := t.fn(goja.Undefined(), t.args...); err != nil {
			inv.fail(err)
		}
	})
}

// macrotask runs f (which calls into JavaScript; goja drains the microtask
// queue when it returns) and then checks for failures.
func (inv *invocation) macrotask(f func()) error {
	f()
	if inv.fatal != nil {
		return inv.fatal
	}
	return inv.afterMacrotask()
}

// fail records the first uncaught failure of a callback.
func (inv *invocation) fail(err error) {
	if inv.fatal == nil {
		var re *ReactorError
		if errors.As(err, &re) {
			inv.fatal = inv.limitOr(re)
			return
		}
		inv.fatal = inv.jsError(err)
	}
}

// afterMacrotask fails the invocation on a promise rejected with no handler
// (other than the reactor's own promise, which run inspects).
func (inv *invocation) afterMacrotask() error {
	if err := context.Cause(inv.ctx); err != nil {
		return inv.stopped()
	}
	for _, p := range inv.rejected {
		if p != inv.main && p.State() == goja.PromiseStateRejected {
			return inv.thrown(p.Result())
		}
	}
	inv.rejected = inv.rejected[:0]
	return nil
}

func (inv *invocation) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		inv.rejected = append(inv.rejected, p)
	case goja.PromiseRejectionHandle:
		for i, q := range inv.rejected {
			if q == p {
				inv.rejected = append(inv.rejected[:i], inv.rejected[i+1:]...)
				break
			}
		}
	}
}

// jsError converts an error returned by goja: an interrupt or a cancelled
// context becomes the stop reason, a stack overflow and a JavaScript
// exception become a ReactorError.
func (inv *invocation) jsError(err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) || context.Cause(inv.ctx) != nil {
		return inv.stopped()
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return inv.thrownValue(inv.rt.ToValue("RangeError: Maximum call stack size exceeded"))
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return inv.thrown(ex.Value())
	}
	inv.s.log.Warn("unexpected error from the reactor runtime", slog.String("type", reflect.TypeOf(err).String()))
	return inv.limitOr(runtimeError(fallbackErrorMessage))
}

// thrown maps a thrown or rejected value to a ReactorError. A stop reason
// (timeout, memory) takes precedence: the reactor may have been interrupted
// while handling it.
func (inv *invocation) thrown(v goja.Value) error {
	if context.Cause(inv.ctx) != nil {
		return inv.stopped()
	}
	return inv.thrownValue(v)
}

// stopped returns why the invocation's context ended.
func (inv *invocation) stopped() error {
	cause := context.Cause(inv.ctx)
	var le *LimitError
	if errors.As(cause, &le) {
		return le
	}
	if cause == nil {
		cause = context.Canceled
	}
	return fmt.Errorf("sandbox: run canceled: %w", cause)
}

// limitOr prefers the stop reason, if any, over err.
func (inv *invocation) limitOr(err error) error {
	if context.Cause(inv.ctx) != nil {
		return inv.stopped()
	}
	return err
}

// result returns the Result that carries the captured logs.
func (inv *invocation) result() *Result {
	return &Result{Logs: inv.logs, LogsTruncated: inv.logsTrunc}
}

// collect encodes raw and tokenize of the returned value into out, or
// the whole value into Raw under ConventionFunction and ConventionWhole.
func (inv *invocation) collect(v goja.Value, out *Result) error {
	if inv.req.Convention == ConventionFunction || inv.req.Convention == ConventionWhole {
		if v == nil || goja.IsUndefined(v) {
			return nil
		}
		b, err := inv.encode(v, inv.limits.MaxPayload)
		if err != nil {
			return inv.encodeError(err, "result")
		}
		out.Raw = b
		return nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil // undefined, null or a primitive: nothing returned
	}
	for _, f := range [...]struct {
		name string
		dst  *json.RawMessage
	}{{"raw", &out.Raw}, {"tokenize", &out.Tokenize}} {
		val := obj.Get(f.name)
		if val == nil || goja.IsUndefined(val) {
			continue
		}
		b, err := inv.encode(val, inv.limits.MaxPayload)
		if err != nil {
			return inv.encodeError(err, f.name)
		}
		if b != nil {
			*f.dst = b
		}
	}
	return nil
}

// encodeError maps an encoder failure of a result part.
func (inv *invocation) encodeError(err error, what string) error {
	var tl *tooLargeError
	var ef *encodeFailure
	switch {
	case errors.As(err, &tl):
		return inv.limitOr(&LimitError{Limit: LimitPayload, Max: int64(inv.limits.MaxPayload), What: what})
	case errors.As(err, &ef):
		return inv.thrown(inv.newError(ef.ctor, ef.msg))
	}
	return inv.jsError(err)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// asPromise reports whether v is a native promise, without exporting
// anything else (Export of a plain object copies it whole).
func asPromise(v goja.Value) (*goja.Promise, bool) {
	obj, ok := v.(*goja.Object)
	if !ok || obj.ExportType() != promiseType {
		return nil, false
	}
	p, ok := obj.Export().(*goja.Promise)
	return p, ok
}

// runtimeError is a ReactorRuntimeError whose errors are {"error": [msg]},
// what the SDK makes of a thrown string.
func runtimeError(msg string) *ReactorError {
	return &ReactorError{Status: 500, Name: "ReactorRuntimeError", Detail: "Reactor Runtime Error",
		Errors: map[string][]string{"error": {msg}}}
}
