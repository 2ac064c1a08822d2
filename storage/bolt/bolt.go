package bolt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tokenvault/vault/storage"
)

var (
	_ storage.Store    = (*Store)(nil)
	_ storage.Backuper = (*Store)(nil)
	_ storage.Checker  = (*Store)(nil)
)

// ErrLocked is returned by [Open] when another process (or another open
// [Store] in this one) holds the file lock for longer than Config.Timeout.
var ErrLocked = errors.New("bolt: database file is locked by another process")

// Defaults for the zero fields of a [Config].
const (
	// DefaultTimeout is how long Open waits for the file lock.
	DefaultTimeout = time.Second

	// DefaultMaxBatch is the largest number of Update transactions that one
	// commit takes.
	DefaultMaxBatch = 1000

	// DefaultInitialMmapSize is the initial size of the memory map. bbolt
	// must re-map the file when it outgrows the map, and a re-map waits for
	// every open read transaction; a generous map keeps a long View (or a
	// Backup) from stalling writers until the file is that large. It reserves
	// address space only: the file grows with the data.
	DefaultInitialMmapSize = 256 << 20

	// DefaultGrowSize is how much the file grows by when it is full.
	// bbolt's own default (16 MiB), with a memory map larger than that,
	// made a new vault's file 16.8 MB; 1 MiB keeps it near its data, at
	// the cost of one more file extension (a truncate and an fsync) per
	// MiB written, which no benchmark shows.
	DefaultGrowSize = 1 << 20
)

// Config tunes a [Store]. The zero value, like a nil *Config, means the
// defaults above.
type Config struct {
	// Timeout is how long Open waits for the exclusive file lock before it
	// fails with ErrLocked. Zero means DefaultTimeout; it cannot be
	// disabled, so that a second process never hangs on a locked file.
	Timeout time.Duration

	// InitialMmapSize is the initial size of the memory map, in bytes. Zero
	// means DefaultInitialMmapSize.
	InitialMmapSize int

	// NoSync skips the fsync of each commit. It is for tests only: an
	// Update that returned nil may be lost if the machine (not just the
	// process) crashes, and the file may be left corrupt.
	NoSync bool

	// MaxBatch is the largest number of Update transactions that one
	// commit takes. Zero means DefaultMaxBatch; 1 disables group commit.
	MaxBatch int

	// GrowSize is how many bytes the file grows by when it is full. Zero
	// means DefaultGrowSize.
	GrowSize int

	// Logger receives commit failures and other events worth an operator's
	// attention; it never sees keys or values. Nil discards.
	Logger *slog.Logger

	// OnCommit, when set, is called after each commit that wrote to disk
	// with the number of Update transactions it carried (the batch size of
	// group commit), for metrics. It runs on the committer, which waits
	// for it: it must return at once.
	OnCommit func(batch int)

	// boltOptions, when set, adjusts the bbolt options last; tests use it.
	boltOptions func(*bbolt.Options)
}

func (c *Config) withDefaults() (Config, error) {
	var out Config
	if c != nil {
		out = *c
	}
	switch {
	case out.Timeout < 0:
		return out, fmt.Errorf("bolt: open: %w: negative Timeout", storage.ErrInvalid)
	case out.InitialMmapSize < 0:
		return out, fmt.Errorf("bolt: open: %w: negative InitialMmapSize", storage.ErrInvalid)
	case out.MaxBatch < 0:
		return out, fmt.Errorf("bolt: open: %w: negative MaxBatch", storage.ErrInvalid)
	case out.GrowSize < 0:
		return out, fmt.Errorf("bolt: open: %w: negative GrowSize", storage.ErrInvalid)
	}
	if out.GrowSize == 0 {
		out.GrowSize = DefaultGrowSize
	}
	if out.Timeout == 0 {
		out.Timeout = DefaultTimeout
	}
	if out.InitialMmapSize == 0 {
		out.InitialMmapSize = DefaultInitialMmapSize
	}
	if out.MaxBatch == 0 {
		out.MaxBatch = DefaultMaxBatch
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	return out, nil
}

// Store is a storage.Store in one bbolt file. It is safe for concurrent use
// by multiple goroutines. Read-only transactions run in parallel; read-write
// transactions are run one after another by a single committer goroutine
// that commits many of them at once (see the package documentation).
type Store struct {
	db       *bbolt.DB
	path     string
	log      *slog.Logger
	maxBatch int
	onCommit func(batch int) // nil: none

	mu     sync.Mutex
	queue  []*request // waiting for the committer; guarded by mu
	closed bool       // no more requests are accepted; guarded by mu
	wake   chan struct{}

	closing   atomic.Bool // set first thing in Close; read without mu
	closeOnce sync.Once
	wg        sync.WaitGroup // the committer

	commits atomic.Uint64 // commits that wrote to disk
	txs     atomic.Uint64 // transaction functions those commits carried
}

// Open opens the bbolt file at path, creating it with mode 0600 if it does
// not exist, and starts the store's committer goroutine. A nil cfg means the
// defaults. Only one Store may have a file open at a time: Open fails with an
// error matching ErrLocked when another holds it for longer than
// cfg.Timeout, and with storage.ErrInvalid for a negative setting.
func Open(path string, cfg *Config) (*Store, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts := &bbolt.Options{
		Timeout:         c.Timeout,
		InitialMmapSize: c.InitialMmapSize,
		NoSync:          c.NoSync,
		// The hashmap freelist allocates and frees in constant time; the
		// default array freelist degrades sharply once a large file is
		// fragmented, which a long-lived vault with deletes and expiry is.
		FreelistType: bbolt.FreelistMapType,
		// The freelist stays synced (NoFreelistSync false): a commit writes
		// one more page, but opening after a crash does not have to scan
		// the whole file to rebuild it.
		NoFreelistSync: false,
	}
	if c.boltOptions != nil {
		c.boltOptions(opts)
	}
	db, err := bbolt.Open(path, 0o600, opts)
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w (gave up after %s)", ErrLocked, c.Timeout)
		}
		return nil, fmt.Errorf("bolt: open: %w", err)
	}
	db.AllocSize = c.GrowSize // read by the writer only, and none has run yet
	s := &Store{
		db:       db,
		path:     path,
		log:      c.Logger,
		onCommit: c.OnCommit,
		maxBatch: c.MaxBatch,
		wake:     make(chan struct{}, 1),
	}
	s.wg.Go(s.commitLoop)
	return s, nil
}

// Path returns the path the store was opened with. It is safe to call at
// any time.
func (s *Store) Path() string { return s.path }

// View runs fn in a read-only bbolt transaction over a consistent snapshot.
// Many View calls run at once, and alongside the committer. Put and Delete
// in fn return errors matching storage.ErrReadOnly. View returns ctx.Err()
// without running fn if ctx is done, an error matching storage.ErrClosed
// after Close, and otherwise what fn returned. A panic in fn propagates
// after the transaction has been released.
func (s *Store) View(ctx context.Context, fn func(tx storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closing.Load() {
		return fmt.Errorf("bolt: view: %w", storage.ErrClosed)
	}
	btx, err := s.db.Begin(false)
	if err != nil {
		return beginError("view", err)
	}
	defer func() { _ = btx.Rollback() }() // a read-only rollback only releases the snapshot
	t := &tx{btx: btx}
	defer t.done.Store(true)
	return fn(t)
}

// Update runs fn in a read-write transaction and returns once it is durable.
// It is safe for concurrent use: concurrent calls are queued, and the
// committer runs the queued functions one after another in one bbolt
// transaction and commits them with a single fsync. Their serial order is the
// order in which they were queued, so read-write transactions are
// serializable.
//
// fn runs exactly once, on the committer goroutine; it must not start
// another transaction on this store (that deadlocks). If fn returns an
// error, its writes are undone, the others in the batch still commit, and
// Update returns that error as is. If fn panics, its writes are undone and
// Update panics with the same value in the caller's goroutine once the batch
// has committed; if fn calls runtime.Goexit (t.FailNow, for instance), the
// caller's goroutine exits likewise.
//
// Update returns ctx.Err() if ctx is done before fn starts (fn never runs);
// once fn has started, Update waits for the commit whatever ctx does. It
// returns an error matching storage.ErrClosed after Close, one matching
// storage.ErrInvalid for a nil fn, and a wrapped bbolt error if the commit
// fails, in which case nothing of the batch was written.
func (s *Store) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if fn == nil {
		return fmt.Errorf("bolt: update: %w: nil function", storage.ErrInvalid)
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("bolt: update: %w", storage.ErrClosed)
	}
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // the committer already has a wake-up pending
	}

	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(pending, canceled) {
			return ctx.Err() // the committer will skip r
		}
		<-r.done // fn has started: wait for the commit
	}
	switch {
	case r.goexit:
		runtime.Goexit()
	case r.panicked:
		panic(r.panicVal)
	}
	return r.err
}

// Close stops accepting transactions (later calls of any method return an
// error matching storage.ErrClosed), lets the committer finish every Update
// already queued, waits for it and for open View transactions, and closes
// the file. It is idempotent: later calls return nil. It must not be called
// from inside a transaction function.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.closing.Store(true) // after closed: once View fails, so does Update
		select {
		case s.wake <- struct{}{}:
		default:
		}
		s.wg.Wait()
		if cerr := s.db.Close(); cerr != nil {
			err = fmt.Errorf("bolt: close: %w", cerr)
		}
	})
	return err
}

// beginError maps a failure to start a bbolt transaction.
func beginError(op string, err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("bolt: %s: %w", op, storage.ErrClosed)
	}
	return fmt.Errorf("bolt: %s: %w", op, err)
}
