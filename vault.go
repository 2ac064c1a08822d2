package vault

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"github.com/tokenvault/vault/gateway"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/bolt"
	"github.com/tokenvault/vault/storage/memory"
)

// Vault is an embedded tokenization vault. Open one with [Open] (a bbolt file),
// [Open] with [WithStore] (any storage engine) or [OpenMemory] (tests).
//
// A Vault is safe for concurrent use by multiple goroutines. Every method
// takes a context first; the caller's identity rides in it (see
// [WithPrincipal]). Close it when done: Close waits for the background work
// the vault started.
type Vault struct {
	store storage.Store
	keys  *keys.Keyring
	log   *slog.Logger
	now   func() time.Time

	defaultTenant  string
	events         []func(ctx context.Context, e Event)
	outbox         *outbox // the event dispatcher's
	eventRetention time.Duration
	auditOff       bool
	auditRetention time.Duration
	auditW         *auditWriter // the writer of read entries and token.read events; nil when neither is wanted
	settings       settingsCache
	instance       string // identifies this process in leases
	txnTTL         time.Duration
	system         *keys.TenantKeys
	auth           authCache
	reactors       *reactorRuntime
	jobs           *jobQueue
	gateways       *catalogue
	webhooks       webhookOptions
	proxies        *proxyRuntime
	hookClient     *http.Client // webhook deliveries
	obs            Observer     // never nil
	tracer         trace.Tracer // nil: no tracing

	bootMu  sync.Mutex
	bootKey Secret // the bootstrap management key of a new vault, until taken

	// Background work runs under bg and is tracked by wg, so Close can stop
	// it and wait for it.
	bg     context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

type config struct {
	store    storage.Store
	provider keys.Provider
	log      *slog.Logger
	now      func() time.Time
	bolt     bolt.Config
	events   []func(ctx context.Context, e Event)

	eventRetention time.Duration
	auditOff       bool
	auditRetention *time.Duration
	outboxTiming   outboxTiming
	sweepEvery     time.Duration
	txnTTL         time.Duration
	reactors       reactorConfig
	jobLease       time.Duration
	jobKinds       []*jobKind // kinds added by this package's tests
	gateways       []gateway.Adapter
	formulas       []gateway.Definition
	webhooks       webhookOptions
	proxies        proxyOptions
	observer       Observer
	tracerProvider trace.TracerProvider
}

// Option configures a Vault at Open.
type Option func(*config)

// WithStore makes the vault keep its data in store instead of a bbolt file.
// The vault takes ownership: Close closes the store. With a store, Open's path
// is not used and must be empty, and the master key comes from
// [WithKeyProvider] or the VAULT_MASTER_KEY environment variable.
func WithStore(store storage.Store) Option { return func(c *config) { c.store = store } }

// WithKeyProvider sets the provider of the key-encryption key that wraps the
// vault's data keys (a KMS, for instance). By default the master key comes
// from the VAULT_MASTER_KEY environment variable or from a key file beside
// the vault file (see [keys.LoadMasterKey]).
func WithKeyProvider(p keys.Provider) Option { return func(c *config) { c.provider = p } }

// WithLogger sets the logger for background work and internal errors. The
// vault never logs token data, keys, credentials or request bodies. By default
// it logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithBoltConfig sets the options of the default bbolt store (see
// [bolt.Config]). It has no effect with [WithStore].
func WithBoltConfig(cfg bolt.Config) Option { return func(c *config) { c.bolt = cfg } }

// Open opens the vault kept in the bbolt file at path, creating it (mode
// 0600) if it does not exist. The master key that protects the data keys is
// read from VAULT_MASTER_KEY (base64 of 32 bytes) or from the key file
// path+".key", which Open creates with mode 0600 beside a new vault file.
// Opening an existing vault with another master key fails at once with an
// error of kind KindUnauthenticated.
//
// With [WithStore], path must be empty and the store is used instead.
func Open(path string, opts ...Option) (*Vault, error) {
	const op = "Open"
	cfg := config{log: slog.New(slog.DiscardHandler), now: time.Now, sweepEvery: DefaultSweepInterval, txnTTL: DefaultTransactionTTL,
		eventRetention: DefaultEventRetention,
		outboxTiming:   outboxTiming{poll: defaultOutboxPoll, leaseTTL: defaultOutboxLeaseTTL, grace: eventHandlerGrace}}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.store == nil && path == "":
		return nil, newError(KindInvalid, op, "a vault path or a store is required")
	case cfg.store != nil && path != "":
		return nil, newError(KindInvalid, op, "give a vault path or a store, not both")
	case cfg.log == nil || cfg.now == nil:
		return nil, newError(KindInvalid, op, "logger and clock must not be nil")
	case cfg.eventRetention < 0:
		return nil, newError(KindInvalid, op, "the event retention must not be negative")
	case cfg.auditRetention != nil && *cfg.auditRetention < 0:
		return nil, newError(KindInvalid, op, "the audit retention must not be negative")
	case slices.ContainsFunc(cfg.events, func(fn func(context.Context, Event)) bool { return fn == nil }):
		return nil, newError(KindInvalid, op, "an event handler must not be nil")
	}
	if err := checkWebhookOptions(op, &cfg.webhooks); err != nil {
		return nil, err
	}
	if err := checkProxyOptions(op, &cfg.proxies); err != nil {
		return nil, err
	}

	store := cfg.store
	provider := cfg.provider
	if store == nil {
		_, statErr := os.Stat(path)
		isNew := errors.Is(statErr, fs.ErrNotExist)
		if provider == nil {
			p, err := keys.LoadMasterKey(path, isNew)
			if err != nil {
				return nil, &Error{Kind: KindInvalid, Op: op, Detail: "the master key could not be loaded", Err: err}
			}
			provider = p
		}
		s, err := bolt.Open(path, &cfg.bolt)
		if err != nil {
			return nil, &Error{Kind: KindUnavailable, Op: op, Detail: "the vault file could not be opened", Err: err}
		}
		store = s
	} else if provider == nil {
		p, err := keys.LoadMasterKey("", false)
		if err != nil {
			return nil, &Error{Kind: KindInvalid, Op: op, Detail: "the master key could not be loaded", Err: err}
		}
		provider = p
	}
	v, err := open(store, provider, cfg)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return v, nil
}

// OpenMemory returns a vault that keeps everything in memory under a random
// master key, for tests and examples: nothing survives Close.
func OpenMemory(opts ...Option) (*Vault, error) {
	kek := make([]byte, 32)
	_, _ = rand.Read(kek)
	p, err := keys.NewLocal(kek)
	clear(kek)
	if err != nil {
		return nil, wrapErr("OpenMemory", err)
	}
	return Open("", append([]Option{WithKeyProvider(p)}, append(opts, WithStore(memory.New()))...)...)
}

func open(store storage.Store, provider keys.Provider, cfg config) (*Vault, error) {
	const op = "Open"
	ctx := context.Background()
	kr, err := keys.Open(ctx, store, provider, keys.WithLogger(cfg.log), keys.WithClock(cfg.now))
	if err != nil {
		if errors.Is(err, keys.ErrWrongMasterKey) {
			return nil, &Error{Kind: KindUnauthenticated, Op: op, Detail: "the master key does not open this vault", Err: err}
		}
		return nil, wrapErr(op, err)
	}
	v := &Vault{store: store, keys: kr, log: cfg.log, now: cfg.now, events: cfg.events, instance: newInstanceID(), txnTTL: cfg.txnTTL,
		eventRetention: cfg.eventRetention, auditOff: cfg.auditOff, auditRetention: DefaultAuditRetention}
	if cfg.auditRetention != nil {
		v.auditRetention = *cfg.auditRetention
	}
	v.obs = cfg.observer
	if v.obs == nil {
		v.obs = noObserver{}
	}
	v.outbox = newOutbox(cfg.outboxTiming)
	v.webhooks, v.hookClient = cfg.webhooks, newWebhookClient(&cfg.webhooks)
	v.proxies = newProxyRuntime(cfg.proxies)
	v.auditW = newAuditWriter() // read entries, and token.read for handlers and webhooks
	if cfg.tracerProvider != nil {
		v.tracer = cfg.tracerProvider.Tracer(tracerName)
	}
	v.bg, v.cancel = context.WithCancel(context.WithValue(context.Background(), backgroundKey{}, true))
	if cfg.jobLease < 0 || (cfg.jobLease > 0 && cfg.jobLease < minJobLease) {
		v.cancel()
		kr.Close()
		return nil, newError(KindInvalid, op, "the job lease must be zero (the default) or at least "+minJobLease.String())
	}
	v.jobs = newJobQueue(cmp.Or(cfg.jobLease, DefaultJobLease))
	if err := v.init(ctx); err != nil {
		v.cancel()
		kr.Close()
		return nil, wrapErr(op, err)
	}
	if err := v.startReactors(cfg.reactors); err != nil {
		v.cancel()
		kr.Close()
		return nil, err
	}
	v.gateways = newCatalogue(defaultAdapters(), &cfg)
	v.jobs.addKind(v.connectionJobs())
	v.jobs.addKind(v.paymentJobs())
	v.jobs.addKind(v.webhookJobs())
	v.jobs.addKind(v.reactorCallbacks())
	for _, k := range cfg.jobKinds {
		v.jobs.addKind(k)
	}
	v.startJobs()
	v.startSweeper(cfg.sweepEvery)
	v.startAudit()
	v.startOutbox()
	return v, nil
}

// Close stops the vault's background work, waits for it, wipes the cached
// data keys and closes the store. It is idempotent; every other method
// returns an error matching [ErrClosed] afterwards.
//
// Events not yet delivered stay in the outbox for the next start (or for
// another process sharing the store, which takes the outbox lease over at
// once). Close cancels the context of a running event handler and waits up
// to five seconds for it to return; past that Close goes on without it: the
// handler's goroutine is left to end by itself, nothing is delivered after
// it, and its event is delivered again at the next start.
func (v *Vault) Close() error {
	v.closeOnce.Do(func() {
		v.closed.Store(true)
		v.cancel()
		v.wg.Wait()
		if v.reactors != nil {
			_ = v.reactors.sandbox.Close()
		}
		v.keys.Close()
		v.closeErr = v.store.Close()
	})
	return v.closeErr
}

// Store returns the storage engine under the vault, for tools such as
// backups. Writing to it directly bypasses every rule of the vault.
func (v *Vault) Store() storage.Store { return v.store }

// go runs fn in the background until Close; fn must return once ctx is done.
func (v *Vault) goBackground(fn func(ctx context.Context)) {
	v.wg.Go(func() { fn(v.bg) })
}

// view runs fn in a read-only transaction, mapping errors for op.
func (v *Vault) view(ctx context.Context, op string, fn func(tx storage.Tx) error) error {
	if v.closed.Load() {
		return ErrClosed
	}
	span := v.startSpan(ctx, op, false)
	start := time.Now()
	err := v.store.View(ctx, fn)
	v.obs.StoreTx(false, time.Since(start), err != nil)
	err = v.storeErr(op, err)
	endSpan(span, err)
	return err
}

// update runs fn in a read-write transaction, mapping errors for op. fn may run
// more than once (see storage.Store). fn gets a Tx that records whether it
// raised an event, and the dispatcher is woken once the
// transaction has committed.
func (v *Vault) update(ctx context.Context, op string, fn func(tx storage.Tx) error) error {
	if v.closed.Load() {
		return ErrClosed
	}
	span := v.startSpan(ctx, op, true)
	wrote := false
	start := time.Now()
	err := v.store.Update(ctx, func(tx storage.Tx) error {
		ot := &outboxTx{Tx: tx}
		err := fn(ot)
		wrote = ot.wrote // the last attempt's is the one that commits
		return err
	})
	v.obs.StoreTx(true, time.Since(start), err != nil)
	if err == nil && wrote {
		v.outbox.wakeUp()
	}
	err = v.storeErr(op, err)
	endSpan(span, err)
	return err
}

func (v *Vault) storeErr(op string, err error) error {
	if errors.Is(err, storage.ErrClosed) {
		return ErrClosed
	}
	return wrapErr(op, err)
}

// init makes sure the vault-wide keys and the default tenant exist. On a new
// vault it also creates the bootstrap management application, whose key
// TakeBootstrapKey hands out once.
func (v *Vault) init(ctx context.Context) error {
	sys, err := loadSystemKeys(ctx, v.keys)
	if err != nil {
		return err
	}
	v.system = sys
	var id, boot string
	err = v.store.Update(ctx, func(tx storage.Tx) error {
		id, boot = "", ""
		b, err := tx.Get(metaBucket, []byte(metaDefaultKey))
		if err == nil {
			id = string(b)
			return nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		id = uuid.NewString()
		t := &tenantRecord{Tenant: Tenant{ID: id, Name: defaultTenantTag, Settings: map[string]string{}, CreatedAt: v.now().UTC()}}
		if err := tenantTable.insert(tx, "", t); err != nil {
			return err
		}
		if boot, err = v.bootstrap(tx, id); err != nil {
			return err
		}
		return tx.Put(metaBucket, []byte(metaDefaultKey), []byte(id))
	})
	if err != nil {
		return err
	}
	if _, err := v.keys.Tenant(ctx, id); err != nil {
		return err
	}
	v.defaultTenant, v.bootKey = id, NewSecret(boot)
	return nil
}
