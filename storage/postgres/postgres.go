package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tokenvault/vault/storage"
)

var _ storage.Store = (*Store)(nil)

// ErrSchemaVersion is returned by Open when the database schema was migrated
// by a newer version of this package than the running one. Upgrade the code;
// never downgrade a schema by hand.
var ErrSchemaVersion = errors.New("postgres: database schema is newer than this code")

// Defaults for the zero values of Config.
const (
	// DefaultSchema is the schema of Config.Schema.
	DefaultSchema = "vault"
	// DefaultMaxAttempts is the retry budget of Config.MaxAttempts.
	DefaultMaxAttempts = 10
	// DefaultRetryDelay is the backoff base of Config.RetryDelay.
	DefaultRetryDelay = 10 * time.Millisecond
	// DefaultMaxKeyLocks is the key lock budget of Config.MaxKeyLocks.
	DefaultMaxKeyLocks = 256
	// DefaultMaxBatch is the group size of a zero Config.MaxBatch:
	// GroupMaxBatch, group commit (see # Group commit). 1 runs each Update
	// in a transaction of its own.
	DefaultMaxBatch = GroupMaxBatch
	// GroupMaxBatch is the group size that was measured: it stays below the
	// 64 subtransactions a PostgreSQL backend caches, past which every
	// snapshot of the server gets slower.
	GroupMaxBatch = 32
	// DefaultCommitters is the most committers of Config.Committers.
	DefaultCommitters = 2
)

const (
	maxRetryDelay = time.Second      // cap of the backoff between attempts
	cleanupTime   = 15 * time.Second // budget of a rollback, which runs even when the caller's ctx is done
)

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Config configures Open. The zero value of every field but DSN and Pool
// selects a default.
type Config struct {
	// DSN is a PostgreSQL connection string, as a URL
	// (postgres://user@host:5432/db?sslmode=disable) or in key=value form.
	// Open creates a pool from it and Close closes that pool. Used only
	// when Pool is nil; one of the two is required.
	DSN string

	// Pool is an existing connection pool to use instead of DSN, for
	// programs that share one pool between several users. The Store never
	// closes it.
	Pool *pgxpool.Pool

	// Schema is the PostgreSQL schema that holds the store's tables,
	// created by Open if needed; DefaultSchema ("vault") when empty.
	// Stores with different schemas share a database without seeing or
	// locking each other's data. It must match [a-z_][a-z0-9_]*, at most
	// 63 bytes.
	Schema string

	// MaxConns bounds the connections of the pool Open creates from DSN;
	// zero keeps pgxpool's default (the larger of 4 and the number of
	// CPUs). Each transaction under way holds one connection. Ignored
	// with Pool.
	MaxConns int32

	// MaxAttempts is the retry budget of Update: the most times it runs its
	// function when the transaction loses a deadlock or a serialization
	// check; DefaultMaxAttempts when zero, 1 disables retries.
	MaxAttempts int

	// RetryDelay is the base of the randomized exponential backoff between
	// attempts: before attempt n+1 Update sleeps a random duration below
	// RetryDelay·2ⁿ⁻¹, capped at one second. DefaultRetryDelay when zero.
	RetryDelay time.Duration

	// MaxKeyLocks is how many keys a read-write transaction locks one by
	// one; past it, every further bucket the transaction touches is locked
	// whole. It bounds the entries a transaction takes in PostgreSQL's
	// shared lock table (see # Serializability). DefaultMaxKeyLocks when
	// zero.
	MaxKeyLocks int

	// MaxBatch is the most Update functions one PostgreSQL transaction
	// carries (see # Group commit); DefaultMaxBatch (GroupMaxBatch, 32, what
	// was measured) when zero; 1 runs every Update in a transaction of its
	// own. At most 64.
	MaxBatch int

	// Committers is how many group transactions run at once, each on a
	// connection of its own; zero selects half the pool's MaxConns, at least
	// 1 and at most DefaultCommitters. Ignored when MaxBatch is 1.
	Committers int

	// Logger receives schema migrations (info) and transaction retries
	// (debug); never keys, values or the DSN. Nil discards.
	Logger *slog.Logger
}

// Store is a storage.Store kept in a PostgreSQL database. It is safe for
// concurrent use by multiple goroutines, and any number of processes may open
// the same schema at once.
type Store struct {
	pool        *pgxpool.Pool
	ownPool     bool
	schema      string
	log         *slog.Logger
	maxAttempts int
	retryDelay  time.Duration
	maxKeyLocks int
	maxBatch    int
	committers  int
	sql         statements

	qmu     sync.Mutex // guards queue and running
	queue   []*request // Update attempts waiting for a committer
	running int        // committers at work
	wg      sync.WaitGroup

	commits, txs atomic.Uint64 // group commits, and the functions they carried

	mu     sync.RWMutex // held shared by every transaction, exclusively by Close
	closed bool
}

// Open connects to the database, creates or migrates the store's schema and
// returns the store. Several processes may open the same schema at once: the
// migrations run under a lock, once. Open fails with an error matching
// ErrSchemaVersion when the schema is newer than this code, and with one
// matching storage.ErrInvalid when cfg is unusable. ctx bounds Open only.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Schema == "" {
		cfg.Schema = DefaultSchema
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.MaxKeyLocks == 0 {
		cfg.MaxKeyLocks = DefaultMaxKeyLocks
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case cfg.DSN == "" && cfg.Pool == nil:
		return nil, fmt.Errorf("postgres: open: %w: Config needs a DSN or a Pool", storage.ErrInvalid)
	case !schemaName.MatchString(cfg.Schema):
		return nil, fmt.Errorf("postgres: open: %w: schema name must match [a-z_][a-z0-9_]* and be at most 63 bytes", storage.ErrInvalid)
	case cfg.MaxConns < 0 || cfg.MaxAttempts < 0 || cfg.RetryDelay < 0 || cfg.MaxKeyLocks < 0 || cfg.MaxBatch < 0 || cfg.Committers < 0:
		return nil, fmt.Errorf("postgres: open: %w: MaxConns, MaxAttempts, RetryDelay, MaxKeyLocks, MaxBatch and Committers must not be negative", storage.ErrInvalid)
	case cfg.MaxBatch > 64:
		return nil, fmt.Errorf("postgres: open: %w: MaxBatch must be at most 64", storage.ErrInvalid)
	}

	s := &Store{
		pool:        cfg.Pool,
		schema:      cfg.Schema,
		log:         cfg.Logger.With("schema", cfg.Schema),
		maxAttempts: cfg.MaxAttempts,
		retryDelay:  cfg.RetryDelay,
		maxKeyLocks: cfg.MaxKeyLocks,
		maxBatch:    cfg.MaxBatch,
		committers:  cfg.Committers,
		sql:         newStatements(cfg.Schema),
	}
	if s.pool == nil {
		pc, err := pgxpool.ParseConfig(cfg.DSN)
		if err != nil {
			// pgx's error carries the whole DSN, password included: keep none of it.
			return nil, fmt.Errorf("postgres: open: %w: the DSN does not parse", storage.ErrInvalid)
		}
		if cfg.MaxConns > 0 {
			pc.MaxConns = cfg.MaxConns
		}
		pool, err := pgxpool.NewWithConfig(ctx, pc)
		if err != nil {
			return nil, fmt.Errorf("postgres: open: %w", clean(err))
		}
		s.pool, s.ownPool = pool, true
	}
	if s.committers == 0 {
		s.committers = min(max(int(s.pool.Config().MaxConns)/2, 1), DefaultCommitters)
	}
	if err := s.migrate(ctx); err != nil {
		if s.ownPool {
			s.pool.Close()
		}
		return nil, err
	}
	return s, nil
}

// enter registers a transaction; Close waits for it. The caller must call
// s.mu.RUnlock when enter returned nil.
func (s *Store) enter() error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return storage.ErrClosed
	}
	return nil
}

// View runs fn in a read-only transaction over one consistent snapshot
// (REPEATABLE READ, READ ONLY): every statement of fn sees the database as
// of its first one. It never waits for a lock held by a writer. Put and
// Delete in fn fail with storage.ErrReadOnly.
func (s *Store) View(ctx context.Context, fn func(tx storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return fmt.Errorf("postgres: view: %w", err)
	}
	defer s.mu.RUnlock()
	err, _ := s.run(ctx, fn, nil)
	return err
}

// Update runs fn in a read-write transaction and commits it when fn returns
// nil. Read-write transactions are serializable with each other across
// every process using the schema (see # Serializability). When the
// transaction loses a deadlock, Update runs fn again in a new transaction,
// after a short random delay, up to the MaxAttempts of the Config; fn must
// therefore be repeatable. An error of a write may be reported by a later
// call of the same transaction or by Update itself, since writes that
// cannot wait for a lock are sent in batches. When ctx ends, the statement
// under way stops and Update returns an error matching ctx.Err(), unless fn
// had returned nil already: then Update waits for the commit.
func (s *Store) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return fmt.Errorf("postgres: update: %w", err)
	}
	defer s.mu.RUnlock()
	hot := map[string]bool{} // buckets an attempt locked whole: the next locks them at first touch
	attempt := s.run
	if s.maxBatch > 1 {
		attempt = s.submit
	}
	for n := 1; ; n++ {
		err, cause := attempt(ctx, fn, hot)
		if err == nil || ctx.Err() != nil {
			return err
		}
		code := retryable(err)
		if code == "" {
			code = retryable(cause)
		}
		if code == "" || n >= s.maxAttempts {
			return err
		}
		s.log.Debug("postgres: retrying transaction", "attempt", n, "sqlstate", code)
		d := min(s.retryDelay<<(n-1), maxRetryDelay)
		t := time.NewTimer(rand.N(d) + 1)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// run runs fn once in a transaction: read-write when hot is not nil. It
// returns fn's error or the commit's, and the first database error the
// transaction met (which fn may have wrapped, replaced or swallowed).
func (s *Store) run(ctx context.Context, fn func(tx storage.Tx) error, hot map[string]bool) (err, cause error) {
	op := "view"
	if hot != nil {
		op = "update"
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, s.failure(ctx, err)), nil
	}
	t := newTx(ctx, s, conn, hot)
	ended := false
	defer func() { // also when fn panics: roll back, then the panic goes on
		t.done.Store(true)
		if !ended {
			t.rollback()
		}
		conn.Release()
	}()
	if err := ctx.Err(); err != nil { // ctx ended while waiting for a connection
		return err, nil
	}
	err = fn(t)
	t.done.Store(true)
	switch {
	case err != nil:
		return err, t.err
	case t.err != nil: // fn ignored a failed call: the transaction is aborted
		return fmt.Errorf("postgres: %s: %w", op, t.err), t.err
	}
	if err := t.commit(); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", op, err), err
	}
	ended = true
	return nil, nil
}

// Close waits for the transactions under way, then closes the pool if Open
// created it. It is idempotent; every later call of another method returns
// an error matching storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.wg.Wait() // every Update has returned: the committers are on their way out
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

// retryable returns the SQLSTATE of err when the transaction that failed
// with it may succeed if run again, and "" otherwise.
func retryable(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	switch pe.Code {
	case "40P01", // deadlock_detected
		"40001", // serialization_failure
		"23505": // unique_violation
		return pe.Code
	}
	return ""
}

// failure turns an error from pgx into the one a caller sees: ctx.Err()
// when ctx has ended (the statement was canceled), otherwise the error
// without the data pgx attaches to it.
func (s *Store) failure(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return clean(err)
}

// clean drops what an error from pgx may carry besides its message: the
// server's DETAIL, HINT and WHERE (which can quote a key or value) and the
// connection config of a failed connect (which holds the password).
func clean(err error) error {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return &pgconn.PgError{
			Severity:            pe.Severity,
			SeverityUnlocalized: pe.SeverityUnlocalized,
			Code:                pe.Code,
			Message:             pe.Message,
			SchemaName:          pe.SchemaName,
			TableName:           pe.TableName,
			ColumnName:          pe.ColumnName,
			DataTypeName:        pe.DataTypeName,
			ConstraintName:      pe.ConstraintName,
		}
	}
	if ce, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return &connectError{msg: ce.Error()}
	}
	return err
}

// connectError is a failed connection attempt, reduced to its message.
type connectError struct{ msg string }

func (e *connectError) Error() string { return e.msg }
