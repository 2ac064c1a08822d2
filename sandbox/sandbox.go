package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// Defaults of [Limits]; see the package documentation, section Limits.
const (
	DefaultTimeout          = 30 * time.Second // a synchronous invocation
	AsyncTimeout            = 5 * time.Minute  // pass as Request.Timeout for an asynchronous invocation
	DefaultMaxCodeSize      = 50_000           // characters of reactor code
	DefaultMaxPayload       = 1 << 20          // bytes of args JSON in, and of raw and of tokenize JSON out
	DefaultMaxCallStackSize = 1_000            // JavaScript call frames
	DefaultMaxLogBytes      = 64 << 10         // bytes of captured console output per invocation
	DefaultMemoryBudget     = 512 << 20        // bytes of Go heap growth during one invocation
	DefaultMaxArrayLength   = 1 << 20          // elements a built-in may allocate or walk in one call
	DefaultMaxStringLength  = 1 << 24          // characters a built-in may produce in one call
	DefaultMaxBufferSize    = 1 << 27          // bytes of one ArrayBuffer, typed array or Buffer
	DefaultMaxHTTPBody      = 10 << 20         // bytes of one outbound HTTP request or response body
	DefaultCacheSize        = 1_000            // compiled programs kept by a Sandbox
)

// Limits bounds what one invocation may use. A zero field takes its default
// (the Default* constants); a negative field is an error from [New].
type Limits struct {
	// Timeout is the wall-clock limit of a Run; Request.Timeout overrides it
	// per call (use AsyncTimeout for asynchronous invocations).
	Timeout time.Duration
	// MaxCodeSize is the largest reactor code, in characters, Compile accepts.
	MaxCodeSize int
	// MaxPayload caps the args JSON handed to Run and, separately, the JSON of
	// the returned raw and tokenize values, of a CustomHttpResponseError body
	// and of each bt call's arguments (a RangeError in the reactor).
	MaxPayload int
	// MaxCallStackSize caps the JavaScript call depth (goja SetMaxCallStackSize).
	MaxCallStackSize int
	// MaxLogBytes caps the console output captured per invocation, each
	// entry counting its bytes and a newline; the rest is dropped and
	// Result.LogsTruncated is set.
	MaxLogBytes int
	// MemoryBudget is how much the process's Go heap may grow during a Run
	// before the invocation is interrupted. The measure is process-wide and
	// approximate: see the package documentation, section Limits.
	MemoryBudget int64
	// MaxArrayLength, MaxStringLength and MaxBufferSize guard the built-ins
	// that allocate or loop in Go in proportion to a number the code chooses
	// (new Array(n).fill, 'x'.repeat(n), new Uint8Array(n), ...): goja cannot
	// interrupt them, so a call beyond these sizes throws a RangeError instead.
	MaxArrayLength  int
	MaxStringLength int
	MaxBufferSize   int
	// MaxHTTPBody caps each outbound HTTP request body and each response body.
	MaxHTTPBody int64
}

func (l *Limits) setDefaults() error {
	if l.Timeout < 0 || l.MaxCodeSize < 0 || l.MaxPayload < 0 || l.MaxCallStackSize < 0 || l.MaxLogBytes < 0 ||
		l.MemoryBudget < 0 || l.MaxArrayLength < 0 || l.MaxStringLength < 0 || l.MaxBufferSize < 0 || l.MaxHTTPBody < 0 {
		return fmt.Errorf("%w: negative limit", ErrInvalidOption)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if l.Timeout == 0 {
		l.Timeout = DefaultTimeout
	}
	def(&l.MaxCodeSize, DefaultMaxCodeSize)
	def(&l.MaxPayload, DefaultMaxPayload)
	def(&l.MaxCallStackSize, DefaultMaxCallStackSize)
	def(&l.MaxLogBytes, DefaultMaxLogBytes)
	def(&l.MaxArrayLength, DefaultMaxArrayLength)
	def(&l.MaxStringLength, DefaultMaxStringLength)
	def(&l.MaxBufferSize, DefaultMaxBufferSize)
	if l.MemoryBudget == 0 {
		l.MemoryBudget = DefaultMemoryBudget
	}
	if l.MaxHTTPBody == 0 {
		l.MaxHTTPBody = DefaultMaxHTTPBody
	}
	return nil
}

// Option configures a [Sandbox].
type Option func(*config)

type config struct {
	isolation *Isolation
	limits    Limits
	hosts     []string
	transport http.RoundTripper
	logger    *slog.Logger
	cacheSize int
}

// WithLimits sets the limits; zero fields keep their defaults.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithAllowedHosts sets the destinations reactor code may reach over HTTP
// (fetch, node-fetch, axios). A pattern is a host name ("api.stripe.com") or
// a wildcard for its subdomains ("*.example.com", which does not match
// example.com itself); ports are not part of the match. Nothing is allowed by
// default. Later calls add to the list.
func WithAllowedHosts(patterns ...string) Option {
	return func(c *config) { c.hosts = append(c.hosts, patterns...) }
}

// WithTransport replaces the transport of outbound HTTP requests (default
// http.DefaultTransport). Every request carries the invocation's context, so
// a transport must honour cancellation for Run to return on time.
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// WithLogger sets the logger (default: discard). The sandbox logs only
// invocation outcomes, durations and limits: never code, args, configuration,
// console output or results.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithIsolation runs invocations in worker processes as iso says (see the
// package documentation, section Isolation); a Sandbox without it runs them
// in this process. A Sandbox with worker processes must be closed.
func WithIsolation(iso Isolation) Option { return func(c *config) { c.isolation = &iso } }

// WithCacheSize sets how many compiled programs [Sandbox.Compile] keeps
// (least recently used first out); default 1,000.
func WithCacheSize(n int) Option { return func(c *config) { c.cacheSize = n } }

// Sandbox compiles and runs reactor code. It is safe for concurrent use; each
// Run gets its own JavaScript runtime. A Sandbox that runs code in this
// process owns no goroutine; one with worker processes ([WithIsolation])
// owns them until [Sandbox.Close].
type Sandbox struct {
	limits       Limits
	hosts        hostPolicy
	hostPatterns []string
	pool         *pool // nil: in this process
	client       http.RoundTripper
	log          *slog.Logger
	cache        *programCache
	heap         *heapWatch
}

// New returns a Sandbox: defaults, then opts, then one validation, which
// fails with an error wrapping [ErrInvalidOption].
func New(opts ...Option) (*Sandbox, error) {
	c := config{cacheSize: DefaultCacheSize}
	for _, o := range opts {
		o(&c)
	}
	if err := c.limits.setDefaults(); err != nil {
		return nil, err
	}
	if c.cacheSize <= 0 {
		return nil, fmt.Errorf("%w: cache size must be positive", ErrInvalidOption)
	}
	hosts, err := newHostPolicy(c.hosts)
	if err != nil {
		return nil, err
	}
	if c.transport == nil {
		c.transport = http.DefaultTransport
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	s := &Sandbox{
		limits:       c.limits,
		hosts:        hosts,
		hostPatterns: c.hosts,
		client:       c.transport,
		log:          c.logger.WithGroup("sandbox"),
		cache:        newProgramCache(c.cacheSize),
		heap:         newHeapWatch(),
	}
	if c.isolation != nil && !c.isolation.InProcess {
		iso := *c.isolation
		if err := iso.setDefaults(); err != nil {
			return nil, err
		}
		s.pool = newPool(s, iso)
	}
	return s, nil
}

// Isolated reports whether invocations run in worker processes.
func (s *Sandbox) Isolated() bool { return s.pool != nil }

// Close stops the worker processes, if any, and waits for them; a Run in
// progress fails and later Runs return [ErrClosed]. Close is idempotent.
func (s *Sandbox) Close() error {
	if s.pool != nil {
		s.pool.close()
	}
	return nil
}

// Limits returns the limits in force, defaults filled in.
func (s *Sandbox) Limits() Limits { return s.limits }

// Host is what a reactor's req.bt client may do. Package sandbox declares it;
// the vault package satisfies it with the reactor's application as principal.
//
// Method is one of [Methods] (MethodTokensCreate, ...); args are the JSON of the JavaScript arguments in the order of
// basis-theory-js (for example tokens.update(id, model, options)), with token
// models already in snake case. The result is the REST response body (nil for
// none). An error that implements [HTTPError] reaches JavaScript as a
// BasisTheoryApiError with its status and body; any other error as one with
// status -1, as basis-theory-js reports a network failure.
//
// Call runs on its own goroutine, concurrently with other calls of the same
// invocation, and must return soon after ctx is done: Run waits for it.
type Host interface {
	Call(ctx context.Context, method string, args []json.RawMessage) (json.RawMessage, error)
}

// HTTPError is implemented by a Host error that carries an HTTP status and a
// problem-details body, which reactor code sees as e.status and e.data.
type HTTPError interface {
	error
	Status() int
	Body() json.RawMessage
}

// Request is one invocation's input.
type Request struct {
	// Args is the JSON of req.args, already detokenized; empty means {}.
	Args json.RawMessage
	// Configuration becomes req.configuration.
	Configuration map[string]string
	// Host backs req.bt; nil makes req.bt null.
	Host Host
	// Timeout overrides Limits.Timeout when positive.
	Timeout time.Duration
	// Pool names who the code runs for, with worker processes: a worker
	// that ran code for one pool never runs code for another. The vault
	// passes the tenant and the reactor.
	Pool string
	// Convention is how module.exports is called; the zero value is the
	// reactor's.
	Convention Convention
}

// Convention is how the code's exported function is called and what its
// value means.
type Convention uint8

const (
	// ConventionReactor calls module.exports(req) with req = {args,
	// configuration, bt}, and reads raw and tokenize of what it returns.
	ConventionReactor Convention = iota
	// ConventionFunction calls module.exports(args) with the args alone
	// (Configuration and Host are not used) and returns all it returns, as
	// JSON, in Result.Raw: the convention of the vault's exchange templates,
	// whose code takes {sourceToken, configuration} and returns a token.
	ConventionFunction
	// ConventionWhole calls module.exports(req) with req = {args,
	// configuration, bt}, as ConventionReactor does, and returns all it
	// returns, as JSON, in Result.Raw: the convention of proxy transforms,
	// whose code returns {body, headers}.
	ConventionWhole
)

// Format redacts args and configuration under every verb.
func (r Request) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "sandbox.Request{Args:[REDACTED %d bytes] Configuration:[REDACTED %d keys] Host:%t Timeout:%s Convention:%d}",
		len(r.Args), len(r.Configuration), r.Host != nil, r.Timeout, r.Convention)
}

// LogValue redacts args and configuration.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("args_bytes", len(r.Args)), slog.Int("configuration_keys", len(r.Configuration)),
		slog.Bool("host", r.Host != nil), slog.Int64("timeout_ms", r.Timeout.Milliseconds()))
}

// Result is one invocation's output.
type Result struct {
	// Raw is the JSON of the returned raw value; nil when it was absent or undefined.
	Raw json.RawMessage
	// Tokenize is the JSON of the returned tokenize value; nil when absent or undefined.
	Tokenize json.RawMessage
	// Logs is the console output of this invocation, in order. It is never
	// written to the Sandbox's logger.
	Logs []LogEntry
	// LogsTruncated reports that output beyond Limits.MaxLogBytes was dropped.
	LogsTruncated bool
}

// LogValue summarises the result without its content.
func (r *Result) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("raw_bytes", len(r.Raw)), slog.Int("tokenize_bytes", len(r.Tokenize)),
		slog.Int("logs", len(r.Logs)), slog.Bool("logs_truncated", r.LogsTruncated))
}

// LogEntry is one line of console output.
type LogEntry struct {
	Level   string // "debug", "info", "warn" or "error"
	Message string
}

// LogValue omits the message, which may carry reactor data.
func (e LogEntry) LogValue() slog.Value {
	return slog.GroupValue(slog.String("level", e.Level), slog.Int("bytes", len(e.Message)))
}

// ErrInvalidOption is wrapped by the errors of [New].
var ErrInvalidOption = errors.New("sandbox: invalid option")

// RegexMatchTimeout bounds one match of a regular expression that goja runs
// on regexp2 (patterns with back-references or lookaround, which backtrack)
// in this process: the match is then abandoned and reported as no match, and
// the invocation's own timeout stops the code at its next instruction. It is
// set in this package's init on regexp2.DefaultMatchTimeout, a process-wide
// setting. A worker process uses its Limits.Timeout instead, so a runaway
// match there ends as the invocation's timeout (the host kills the worker).
// While matches with a timeout run, regexp2 keeps one process-wide clock
// goroutine, which ends by itself shortly after the last one.
const RegexMatchTimeout = time.Second

func init() { regexp2.DefaultMatchTimeout = RegexMatchTimeout }
