package vault

import (
	"cmp"
	"errors"
	"net/http"
	"time"

	"github.com/tokenvault/vault/sandbox"
)

// The reactor machinery of a vault: its options, the sandbox they build,
// and compiling code into a program.

// Defaults of the reactor options.
const (
	// DefaultReactorMaxTokens is how many expressions the args of one
	// invocation may hold, as on the hosted platform.
	DefaultReactorMaxTokens = 100
	// DefaultReactorWorkers is how many asynchronous invocations one process
	// runs at a time.
	DefaultReactorWorkers = 4
	// DefaultReactorResultTTL is how long the result of an asynchronous
	// invocation stays readable.
	DefaultReactorResultTTL = 24 * time.Hour
)

// reactorConfig holds the reactor options given to Open.
type reactorConfig struct {
	isolation    *sandbox.Isolation // nil: worker processes (or testIsolation)
	limits       sandbox.Limits
	allowedHosts []string
	transport    http.RoundTripper
	workers      *int
	asyncTimeout time.Duration
	resultTTL    time.Duration
	maxTokens    int
	cacheSize    int // compiled programs kept; 0 for the sandbox's default
}

// WithReactorLimits sets the limits of reactor invocations (see
// [sandbox.Limits]; zero fields keep the sandbox's defaults: 30 s, 50,000
// characters of code, 1 MiB payloads, ...). Limits.Timeout is the limit of
// synchronous invocations; [WithReactorAsyncTimeout] sets the asynchronous
// one.
func WithReactorLimits(l sandbox.Limits) Option {
	return func(c *config) { c.reactors.limits = l }
}

// WithReactorIsolation sets where reactor code runs. By default (the zero
// [sandbox.Isolation]) it runs in worker processes with OS limits, pooled
// per reactor and never shared between tenants; the fields size the pool.
// sandbox.Isolation{InProcess: true} runs it in this process instead, with
// no bound on what hostile code can do to the process's memory: only for
// trusted code and tests. See the package documentation, section Reactors.
func WithReactorIsolation(iso sandbox.Isolation) Option {
	return func(c *config) { c.reactors.isolation = &iso }
}

// testIsolation, when set (by this package's tests only), replaces the
// default of vaults opened without WithReactorIsolation.
var testIsolation *sandbox.Isolation

// WithReactorHTTP sets the destinations reactor code may reach with fetch,
// node-fetch and axios (host names, or *.domain wildcards; none by default)
// and, when transport is not nil, the transport of those requests (default
// http.DefaultTransport). See [sandbox.WithAllowedHosts].
func WithReactorHTTP(allowedHosts []string, transport http.RoundTripper) Option {
	return func(c *config) {
		c.reactors.allowedHosts = append(c.reactors.allowedHosts, allowedHosts...)
		if transport != nil {
			c.reactors.transport = transport
		}
	}
}

// WithReactorWorkers sets how many asynchronous invocations this process
// runs at a time (default [DefaultReactorWorkers]). Zero starts no worker:
// jobs wait for a process sharing the store that has workers.
func WithReactorWorkers(n int) Option {
	return func(c *config) { c.reactors.workers = &n }
}

// WithReactorAsyncTimeout sets the time limit of asynchronous invocations
// (default [sandbox.AsyncTimeout], 5 minutes).
func WithReactorAsyncTimeout(d time.Duration) Option {
	return func(c *config) { c.reactors.asyncTimeout = d }
}

// WithReactorResultTTL sets how long the result of an asynchronous
// invocation stays readable (default [DefaultReactorResultTTL]).
func WithReactorResultTTL(d time.Duration) Option {
	return func(c *config) { c.reactors.resultTTL = d }
}

// WithReactorMaxTokens sets how many expressions the args of one invocation
// may hold (default [DefaultReactorMaxTokens]).
func WithReactorMaxTokens(n int) Option {
	return func(c *config) { c.reactors.maxTokens = n }
}

// reactorRuntime is the vault's reactor machinery: the sandbox, the limits
// in force and the number of asynchronous workers.
type reactorRuntime struct {
	sandbox      *sandbox.Sandbox
	limits       sandbox.Limits
	workers      int
	asyncTimeout time.Duration
	resultTTL    time.Duration
	maxTokens    int
}

// startReactors validates the reactor options, builds the sandbox and starts
// the job workers.
func (v *Vault) startReactors(cfg reactorConfig) error {
	const op = "Open"
	rt := &reactorRuntime{
		workers: DefaultReactorWorkers, asyncTimeout: cfg.asyncTimeout, resultTTL: cfg.resultTTL,
		maxTokens: cfg.maxTokens,
	}
	if cfg.workers != nil {
		rt.workers = *cfg.workers
	}
	switch {
	case rt.workers < 0:
		return newError(KindInvalid, op, "the number of reactor workers must not be negative")
	case rt.asyncTimeout < 0, rt.resultTTL < 0, rt.maxTokens < 0:
		return newError(KindInvalid, op, "reactor timeouts, retention and token limits must not be negative")
	}
	if rt.asyncTimeout == 0 {
		rt.asyncTimeout = sandbox.AsyncTimeout
	}
	if rt.resultTTL == 0 {
		rt.resultTTL = DefaultReactorResultTTL
	}
	if rt.maxTokens == 0 {
		rt.maxTokens = DefaultReactorMaxTokens
	}
	iso := cfg.isolation
	if iso == nil {
		iso = cmp.Or(testIsolation, &sandbox.Isolation{})
	}
	opts := []sandbox.Option{sandbox.WithLimits(cfg.limits), sandbox.WithLogger(v.log), sandbox.WithIsolation(*iso)}
	if len(cfg.allowedHosts) > 0 {
		opts = append(opts, sandbox.WithAllowedHosts(cfg.allowedHosts...))
	}
	if cfg.transport != nil {
		opts = append(opts, sandbox.WithTransport(cfg.transport))
	}
	if cfg.cacheSize > 0 {
		opts = append(opts, sandbox.WithCacheSize(cfg.cacheSize))
	}
	sb, err := sandbox.New(opts...)
	if err != nil {
		return &Error{Kind: KindInvalid, Op: op, Detail: "the reactor options are not valid", Err: err}
	}
	rt.sandbox, rt.limits = sb, sb.Limits()
	v.reactors = rt
	v.jobs.addKind(v.reactorJobs())
	return nil
}

// compileReactor compiles code, turning its failures into KindUnprocessable
// errors on the field "code" that give a position, never the code.
func (v *Vault) compileReactor(op, code string) (*sandbox.Program, error) {
	prog, err := v.reactors.sandbox.Compile(code)
	if err != nil {
		return nil, compileFailure(op, err)
	}
	return prog, nil
}

func compileFailure(op string, err error) error {
	fe := fieldErrors{}
	if ce, ok := errors.AsType[*sandbox.CompileError](err); ok {
		fe.add("code", "does not compile: line %d, column %d: %s", ce.Line, ce.Column, ce.Message)
	} else if le, ok := errors.AsType[*sandbox.LimitError](err); ok && le.Limit == sandbox.LimitCodeSize {
		fe.add("code", "must be at most %d characters", le.Max)
	} else {
		return wrapErr(op, err)
	}
	return &Error{Kind: KindUnprocessable, Op: op, Detail: "the reactor code cannot be used", Fields: fe, Err: err}
}
