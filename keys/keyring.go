package keys

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/tokenvault/vault/storage"
)

// DefaultRefreshInterval is how long a [Keyring] trusts the tenant keys it
// cached before it re-reads them from the store.
const DefaultRefreshInterval = 30 * time.Second

const (
	rewrapBatch  = 100 // records rewrapped per store transaction
	maxConflicts = 100 // optimistic retries before Rotate or Rewrap give up
)

// Option configures [Open].
type Option func(*config)

type config struct {
	now     func() time.Time
	refresh time.Duration
	log     *slog.Logger
}

// WithClock sets the clock that times cache refreshes and tombstones
// (default time.Now). Tests inject one.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithRefreshInterval sets how long cached tenant keys are trusted before
// [Keyring.Tenant] re-reads them from the store (default
// [DefaultRefreshInterval]); it must be positive. It bounds how long a
// rotation or deletion made by another process sharing the store takes to
// reach this one.
func WithRefreshInterval(d time.Duration) Option { return func(c *config) { c.refresh = d } }

// WithLogger sets the logger (default: discard). The keyring logs tenant ids,
// versions and counts, never keys or data.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// Keyring holds every tenant's keys, wrapped by a [Provider] in a
// storage.Store and unwrapped into an in-memory cache on first use. Get one
// with [Open]; [Keyring.Close] wipes the cache.
//
// All methods are safe for concurrent use, and any number of keyrings (in
// one process or many) may share a store. Methods that take a context do
// store I/O and provider calls: call them outside any store transaction.
// Its String, Format, GoString, LogValue and MarshalJSON print "[REDACTED]".
type Keyring struct {
	store    storage.Store
	provider Provider
	now      func() time.Time
	refresh  int64 // nanoseconds
	log      *slog.Logger
	batch    int

	mu      sync.RWMutex
	closed  bool
	tenants map[string]*TenantKeys
}

// Open returns the keyring kept in store under provider. On the first open of
// a store it writes a check record (a random value wrapped by the provider);
// on every later open it unwraps that record and fails at once, with an error
// matching [ErrWrongMasterKey], if the provider cannot. Other errors come
// from the store or the provider. Open must not be called inside a store
// transaction.
func Open(ctx context.Context, store storage.Store, p Provider, opts ...Option) (*Keyring, error) {
	cfg := config{now: time.Now, refresh: DefaultRefreshInterval, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case store == nil:
		return nil, errors.New("keys: a store is required")
	case p == nil:
		return nil, errors.New("keys: a provider is required")
	case cfg.now == nil:
		return nil, errors.New("keys: the clock must not be nil")
	case cfg.log == nil:
		return nil, errors.New("keys: the logger must not be nil")
	case cfg.refresh <= 0:
		return nil, errors.New("keys: the refresh interval must be positive")
	}
	k := &Keyring{
		store:    store,
		provider: p,
		now:      cfg.now,
		refresh:  int64(cfg.refresh),
		log:      cfg.log,
		batch:    rewrapBatch,
		tenants:  make(map[string]*TenantKeys),
	}
	if err := k.check(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// check verifies the provider against the check record, creating the record
// on the first open.
func (k *Keyring) check(ctx context.Context) error {
	raw, err := k.get(ctx, checkKey)
	if err != nil {
		return err
	}
	if raw == nil {
		secret := randomKey()
		w, err := k.provider.Wrap(ctx, secret, checkAAD)
		clear(secret)
		if err != nil {
			return fmt.Errorf("keys: wrap the check record: %w", err)
		}
		mine := append([]byte{recordFormat}, w...)
		var stored []byte
		err = k.store.Update(ctx, func(tx storage.Tx) error {
			cur, err := tx.Get(bucket, checkKey)
			switch {
			case err == nil:
				stored = bytes.Clone(cur) // another process was first
				return nil
			case !errors.Is(err, storage.ErrNotFound):
				return err
			}
			if err := tx.Put(bucket, checkKey, mine); err != nil {
				return err
			}
			stored = mine
			return nil
		})
		if err != nil {
			return fmt.Errorf("keys: write the check record: %w", err)
		}
		if bytes.Equal(stored, mine) {
			k.log.Info("keys: created the keyring check record")
			return nil
		}
		raw = stored
	}
	if len(raw) == 0 || raw[0] != recordFormat {
		return fmt.Errorf("%w: the check record is malformed: %w", ErrWrongMasterKey, ErrDecrypt)
	}
	secret, err := k.provider.Unwrap(ctx, raw[1:], checkAAD)
	clear(secret)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrWrongMasterKey):
		return fmt.Errorf("keys: the master key does not open this keyring: %w", err)
	case errors.Is(err, ErrDecrypt):
		return fmt.Errorf("%w: the master key does not open this keyring: %w", ErrWrongMasterKey, err)
	default:
		return fmt.Errorf("keys: unwrap the check record: %w", err) // a provider failure, not a wrong key
	}
}

// Tenant returns the keys of tenantID, creating them on first use: a DEK of
// version 1 and the index root key, 32 random bytes each, wrapped by the
// provider and written in one store transaction that re-checks for keys made
// meanwhile, so keyrings creating at once agree on one set. Keys are cached:
// a tenant read less than the refresh interval ago costs a map lookup and no
// allocation; an older one is re-read from the store first.
//
// Errors: [ErrTenantDeleted] for a deleted tenant (its keys are never
// re-created), [ErrClosed] after Close, a provider error matching
// [ErrWrongMasterKey] or [ErrDecrypt] for keys that do not unwrap, and store
// errors. Tenant must be called outside any store transaction: it may open
// its own.
func (k *Keyring) Tenant(ctx context.Context, tenantID string) (*TenantKeys, error) {
	k.mu.RLock()
	tk, closed := k.tenants[tenantID], k.closed
	k.mu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	if tk != nil && !tk.stale.Load() && k.fresh(tk) {
		switch tk.status.Load() {
		case statusLive:
			return tk, nil
		case statusDeleted:
			return nil, ErrTenantDeleted
		}
	}
	if tk == nil {
		var err error
		if tk, err = k.handle(tenantID); err != nil {
			return nil, err
		}
	}
	return k.load(ctx, tk, false)
}

func (k *Keyring) fresh(tk *TenantKeys) bool {
	return k.now().UnixNano()-tk.loaded.Load() < k.refresh
}

// handle returns the cache entry of tenant, adding an empty one.
func (k *Keyring) handle(tenant string) (*TenantKeys, error) {
	if len(tenant) > maxTenantID {
		return nil, fmt.Errorf("keys: a tenant id is at most %d bytes: %w", maxTenantID, storage.ErrInvalid)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil, ErrClosed
	}
	tk := k.tenants[tenant]
	if tk == nil {
		tk = newTenantKeys(k, tenant)
		k.tenants[tenant] = tk
	}
	return tk, nil
}

func (k *Keyring) isClosed() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.closed
}

// acquire takes tk's loading semaphore.
func acquire(ctx context.Context, tk *TenantKeys) error {
	select {
	case tk.loading <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// load reads tk's record from the store (creating it if missing) and
// installs its keys. Unless force, it returns at once if another caller
// loaded tk while this one waited.
func (k *Keyring) load(ctx context.Context, tk *TenantKeys, force bool) (*TenantKeys, error) {
	if err := acquire(ctx, tk); err != nil {
		return nil, err
	}
	defer func() { <-tk.loading }()
	if !force && !tk.stale.Load() && k.fresh(tk) {
		switch tk.status.Load() {
		case statusLive:
			return tk, nil
		case statusDeleted:
			return nil, ErrTenantDeleted
		}
	}
	if k.isClosed() {
		return nil, ErrClosed
	}
	start := k.now().UnixNano()
	tk.stale.Store(false)
	raw, err := k.get(ctx, tenantKey(tk.tenant))
	if err != nil {
		return nil, err
	}
	if raw == nil {
		if tk.rec != nil {
			k.log.Warn("keys: the store lost a tenant's keys; creating new ones", "tenant", tk.tenant)
		}
		if raw, err = k.create(ctx, tk.tenant); err != nil {
			return nil, err
		}
	}
	rec, err := decodeTenantRecord(raw)
	if err != nil {
		return nil, fmt.Errorf("keys: tenant %q: %w", tk.tenant, err)
	}
	if rec.deleted {
		tk.wipe(ErrTenantDeleted, statusDeleted)
		tk.raw, tk.rec = raw, rec
		tk.loaded.Store(start)
		return nil, ErrTenantDeleted
	}
	if err := k.install(ctx, tk, raw, rec); err != nil {
		return nil, err
	}
	tk.loaded.Store(start)
	return tk, nil
}

// get returns a copy of the value of key in the keys bucket, nil if missing.
func (k *Keyring) get(ctx context.Context, key []byte) ([]byte, error) {
	var out []byte
	err := k.store.View(ctx, func(tx storage.Tx) error {
		v, err := tx.Get(bucket, key)
		if err != nil {
			return err
		}
		out = bytes.Clone(v)
		if out == nil {
			out = []byte{}
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keys: read: %w", err)
	}
	return out, nil
}

// create makes and wraps a tenant's first keys and stores them unless
// another keyring stored some first. It returns the record now in the store.
func (k *Keyring) create(ctx context.Context, tenant string) ([]byte, error) {
	dek, index := randomKey(), randomKey()
	wd, err := k.provider.Wrap(ctx, dek, keyAAD(purposeDEK, tenant, 1))
	clear(dek)
	if err != nil {
		clear(index)
		return nil, fmt.Errorf("keys: wrap a data key: %w", err)
	}
	wi, err := k.provider.Wrap(ctx, index, keyAAD(purposeIndex, tenant, indexVersion))
	clear(index)
	if err != nil {
		return nil, fmt.Errorf("keys: wrap an index key: %w", err)
	}
	mine := (&tenantRecord{index: wi, deks: []wrappedDEK{{version: 1, wrapped: wd}}}).encode()
	key := tenantKey(tenant)
	var stored []byte
	err = k.store.Update(ctx, func(tx storage.Tx) error {
		cur, err := tx.Get(bucket, key)
		switch {
		case err == nil:
			stored = bytes.Clone(cur) // another keyring was first: use its keys
			return nil
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		if err := tx.Put(bucket, key, mine); err != nil {
			return err
		}
		stored = mine
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keys: create tenant keys: %w", err)
	}
	if bytes.Equal(stored, mine) {
		k.log.Info("keys: created tenant keys", "tenant", tenant)
	}
	return stored, nil
}

// install unwraps what tk lacks of rec and swaps it in. Keys whose wrapped
// form did not change since the last load are kept; a changed wrapped form
// (a Rewrap, or keys replaced behind the keyring's back) is unwrapped again.
// The caller holds tk.loading.
func (k *Keyring) install(ctx context.Context, tk *TenantKeys, raw []byte, rec *tenantRecord) error {
	live := tk.status.Load() == statusLive
	if live && bytes.Equal(tk.raw, raw) {
		return nil
	}
	tk.mu.RLock()
	old := tk.deks
	tk.mu.RUnlock()

	deks := make([]cipher.AEAD, rec.current())
	for _, d := range rec.deks {
		v := d.version
		if live && tk.rec != nil && int(v) <= len(old) && old[v-1] != nil && bytes.Equal(tk.rec.wrappedDEK(v), d.wrapped) {
			deks[v-1] = old[v-1]
			continue
		}
		dek, err := k.unwrap(ctx, d.wrapped, keyAAD(purposeDEK, tk.tenant, v))
		if err != nil {
			return fmt.Errorf("keys: data key v%d of tenant %q: %w", v, tk.tenant, err)
		}
		aead, err := newGCM(dek)
		clear(dek)
		if err != nil {
			return err
		}
		deks[v-1] = aead
	}

	var index []byte // nil: keep the current one
	if !live || tk.rec == nil || !bytes.Equal(tk.rec.index, rec.index) {
		var err error
		index, err = k.unwrap(ctx, rec.index, keyAAD(purposeIndex, tk.tenant, indexVersion))
		if err != nil {
			return fmt.Errorf("keys: index key of tenant %q: %w", tk.tenant, err)
		}
	}

	tk.mu.Lock()
	defer tk.mu.Unlock()
	if tk.status.Load() == statusClosed {
		clear(index)
		return ErrClosed
	}
	if index != nil {
		if tk.index != nil && subtle.ConstantTimeCompare(tk.index, index) == 1 {
			clear(index) // rewrapped, not replaced: keep the derived MAC keys
		} else {
			clear(tk.index)
			tk.wipeMACsLocked()
			tk.index = index
		}
	}
	tk.deks = deks
	tk.current = rec.current()
	tk.gone = nil
	tk.status.Store(statusLive)
	tk.raw, tk.rec = raw, rec
	return nil
}

// unwrap calls the provider and checks the size of the key it returns.
func (k *Keyring) unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	key, err := k.provider.Unwrap(ctx, wrapped, aad)
	if err != nil {
		return nil, err
	}
	if len(key) != keySize {
		clear(key)
		return nil, fmt.Errorf("%w: the provider returned a key of the wrong size", ErrDecrypt)
	}
	return key, nil
}

// Rotate adds a data-key version to tenantID (creating the tenant's keys
// first if it has none) and returns it: Seal uses it from now on in this
// process, and in other processes sharing the store within their refresh
// interval; older versions stay readable. The index root key is not rotated.
// Errors: [ErrTenantDeleted], [ErrClosed], provider and store errors. Rotate
// must be called outside any store transaction.
func (k *Keyring) Rotate(ctx context.Context, tenantID string) (uint32, error) {
	tk, err := k.Tenant(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	key := tenantKey(tenantID)
	for range maxConflicts {
		raw, err := k.get(ctx, key)
		if err != nil {
			return 0, err
		}
		if raw == nil {
			return 0, fmt.Errorf("keys: rotate tenant %q: the store has no keys for it: %w", tenantID, ErrKeyNotFound)
		}
		rec, err := decodeTenantRecord(raw)
		if err != nil {
			return 0, fmt.Errorf("keys: tenant %q: %w", tenantID, err)
		}
		if rec.deleted {
			tk.stale.Store(true)
			return 0, ErrTenantDeleted
		}
		if rec.current() == math.MaxUint32 {
			return 0, fmt.Errorf("keys: tenant %q has used every data-key version", tenantID)
		}
		next := rec.current() + 1
		dek := randomKey()
		w, err := k.provider.Wrap(ctx, dek, keyAAD(purposeDEK, tenantID, next))
		clear(dek)
		if err != nil {
			return 0, fmt.Errorf("keys: wrap a data key: %w", err)
		}
		rec.deks = append(rec.deks, wrappedDEK{version: next, wrapped: w})
		updated := rec.encode()
		var changed bool
		err = k.store.Update(ctx, func(tx storage.Tx) error {
			cur, err := tx.Get(bucket, key)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			if changed = err != nil || !bytes.Equal(cur, raw); changed {
				return nil // changed since we read it: start over
			}
			return tx.Put(bucket, key, updated)
		})
		if err != nil {
			return 0, fmt.Errorf("keys: rotate: %w", err)
		}
		if changed {
			continue
		}
		k.log.Info("keys: rotated a data key", "tenant", tenantID, "version", next)
		if _, err := k.load(ctx, tk, true); err != nil {
			return next, fmt.Errorf("keys: rotated tenant %q to v%d, but reloading its keys failed: %w", tenantID, next, err)
		}
		return next, nil
	}
	return 0, fmt.Errorf("keys: rotate tenant %q: the keys kept changing under %d attempts", tenantID, maxConflicts)
}

// DeleteTenant crypto-shreds tenantID: it replaces the tenant's wrapped keys
// in the store with a tombstone and wipes them from this keyring's cache, so
// every value sealed for the tenant becomes unreadable ([TenantKeys.Open]
// fails with [ErrKeyNotFound] and [ErrTenantDeleted]) and [Keyring.Tenant]
// returns [ErrTenantDeleted] instead of making fresh keys. Other processes
// sharing the store drop the keys within their refresh interval. Deleting a
// deleted or unknown tenant writes (or keeps) the tombstone and returns nil.
// DeleteTenant must be called outside any store transaction.
func (k *Keyring) DeleteTenant(ctx context.Context, tenantID string) error {
	tk, err := k.handle(tenantID)
	if err != nil {
		return err
	}
	if err := acquire(ctx, tk); err != nil {
		return err
	}
	defer func() { <-tk.loading }()
	now := k.now().UnixNano()
	tomb := (&tenantRecord{deleted: true, deletedAt: now}).encode()
	key := tenantKey(tenantID)
	var stored []byte
	err = k.store.Update(ctx, func(tx storage.Tx) error {
		cur, err := tx.Get(bucket, key)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err == nil {
			if r, derr := decodeTenantRecord(cur); derr == nil && r.deleted {
				stored = bytes.Clone(cur) // already a tombstone: keep its time
				return nil
			}
		}
		if err := tx.Put(bucket, key, tomb); err != nil {
			return err
		}
		stored = tomb
		return nil
	})
	if err != nil {
		return fmt.Errorf("keys: delete tenant: %w", err)
	}
	rec, err := decodeTenantRecord(stored)
	if err != nil {
		return fmt.Errorf("keys: tenant %q: %w", tenantID, err)
	}
	tk.wipe(ErrTenantDeleted, statusDeleted)
	tk.raw, tk.rec = stored, rec
	tk.stale.Store(false)
	tk.loaded.Store(now)
	k.log.Info("keys: deleted tenant keys", "tenant", tenantID)
	return nil
}

// Rewrap rewraps every wrapped key in the store (every tenant's DEKs and
// index root key, and the check record) under the provider's current KEK, in
// batches of one store transaction each, after a master key rotation: once
// it returns nil, the previous KEKs are no longer needed. It calls progress
// (if not nil) after each batch with the records done so far and the total,
// which is the count when Rewrap started, raised if records were added
// meanwhile. The cached, unwrapped keys are unchanged, and so is every sealed
// value. Rewrap is idempotent: after a failure, run it again. Errors:
// [ErrClosed], provider errors (a key no KEK of the provider opens fails
// with [ErrWrongMasterKey]), store errors and ctx.Err().
func (k *Keyring) Rewrap(ctx context.Context, progress func(done, total int)) error {
	if k.isClosed() {
		return ErrClosed
	}
	total := 0
	err := k.store.View(ctx, func(tx storage.Tx) error {
		return tx.Scan(bucket, storage.ScanOptions{}, func(_, _ []byte) error {
			total++
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("keys: rewrap: %w", err)
	}
	k.log.Info("keys: rewrap started", "records", total)
	done := 0
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if k.isClosed() {
			return ErrClosed
		}
		batch, err := k.scanBatch(ctx, after)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		if err := k.rewrapBatch(ctx, batch); err != nil {
			return err
		}
		done += len(batch)
		total = max(total, done)
		after = batch[len(batch)-1].key
		k.log.Info("keys: rewrap progress", "done", done, "total", total)
		if progress != nil {
			progress(done, total)
		}
	}
	k.log.Info("keys: rewrap finished", "records", done)
	return nil
}

type kv struct{ key, value []byte }

// scanBatch copies up to k.batch records that sort after after.
func (k *Keyring) scanBatch(ctx context.Context, after []byte) ([]kv, error) {
	var batch []kv
	opts := storage.ScanOptions{Limit: k.batch}
	if after != nil {
		opts.Start = append(bytes.Clone(after), 0) // the first key above after
	}
	err := k.store.View(ctx, func(tx storage.Tx) error {
		batch = batch[:0]
		return tx.Scan(bucket, opts, func(key, value []byte) error {
			batch = append(batch, kv{bytes.Clone(key), bytes.Clone(value)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("keys: rewrap: %w", err)
	}
	return batch, nil
}

// rewrapBatch rewraps the records of batch outside any transaction, then
// writes those that did not change meanwhile in one transaction; changed
// ones are rewrapped again from their new value.
func (k *Keyring) rewrapBatch(ctx context.Context, batch []kv) error {
	pending := batch
	for range maxConflicts {
		if len(pending) == 0 {
			return nil
		}
		updated := make([][]byte, len(pending))
		for i, r := range pending {
			v, err := k.rewrapValue(ctx, r.key, r.value)
			if err != nil {
				return err
			}
			updated[i] = v
		}
		var conflicts []kv
		err := k.store.Update(ctx, func(tx storage.Tx) error {
			conflicts = conflicts[:0]
			for i, r := range pending {
				cur, err := tx.Get(bucket, r.key)
				switch {
				case errors.Is(err, storage.ErrNotFound):
					continue // gone meanwhile
				case err != nil:
					return err
				case !bytes.Equal(cur, r.value):
					conflicts = append(conflicts, kv{r.key, bytes.Clone(cur)})
					continue
				case updated[i] == nil:
					continue // nothing wrapped in it
				}
				if err := tx.Put(bucket, r.key, updated[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("keys: rewrap: %w", err)
		}
		pending = conflicts
	}
	if len(pending) == 0 {
		return nil
	}
	return fmt.Errorf("keys: rewrap: records kept changing under %d attempts", maxConflicts)
}

// rewrapValue returns value with every wrapped key rewrapped under the
// provider's current KEK, or nil if value holds none (a tombstone, or a
// record of a kind this version does not know, which it leaves alone).
func (k *Keyring) rewrapValue(ctx context.Context, key, value []byte) ([]byte, error) {
	switch {
	case bytes.Equal(key, checkKey):
		if len(value) == 0 || value[0] != recordFormat {
			return nil, fmt.Errorf("keys: rewrap the check record: %w", errMalformedRecord)
		}
		w, err := k.rewrapKey(ctx, value[1:], checkAAD)
		if err != nil {
			return nil, fmt.Errorf("keys: rewrap the check record: %w", err)
		}
		return append([]byte{recordFormat}, w...), nil
	case len(key) > 0 && key[0] == tenantPrefix:
		tenant := string(key[1:])
		rec, err := decodeTenantRecord(value)
		if err != nil {
			return nil, fmt.Errorf("keys: rewrap tenant %q: %w", tenant, err)
		}
		if rec.deleted {
			return nil, nil
		}
		if rec.index, err = k.rewrapKey(ctx, rec.index, keyAAD(purposeIndex, tenant, indexVersion)); err != nil {
			return nil, fmt.Errorf("keys: rewrap the index key of tenant %q: %w", tenant, err)
		}
		for i := range rec.deks {
			d := &rec.deks[i]
			if d.wrapped, err = k.rewrapKey(ctx, d.wrapped, keyAAD(purposeDEK, tenant, d.version)); err != nil {
				return nil, fmt.Errorf("keys: rewrap data key v%d of tenant %q: %w", d.version, tenant, err)
			}
		}
		return rec.encode(), nil
	}
	return nil, nil
}

func (k *Keyring) rewrapKey(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	key, err := k.unwrap(ctx, wrapped, aad)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return k.provider.Wrap(ctx, key, aad)
}

// Close wipes every cached key byte (the index root keys and derived MAC
// keys are cleared; the AES key schedules and HMAC states inside
// crypto/cipher and crypto/hmac cannot be, and are dropped for the garbage
// collector), waiting for Seal, Open and MAC calls under way. Afterwards
// every method of the keyring and of its TenantKeys fails with [ErrClosed]
// (MAC returns random bytes). Close is idempotent and always returns nil; it
// does not close the store.
func (k *Keyring) Close() error {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return nil
	}
	k.closed = true
	tenants := k.tenants
	k.tenants = nil
	k.mu.Unlock()
	for _, tk := range tenants {
		tk.wipe(ErrClosed, statusClosed)
	}
	return nil
}

// randomKey returns 32 bytes from crypto/rand.
func randomKey() []byte {
	b := make([]byte, keySize)
	_, _ = rand.Read(b) // never fails (Go 1.24+): the runtime crashes instead
	return b
}
