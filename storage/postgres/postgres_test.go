package postgres_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/postgres"
	"github.com/tokenvault/vault/storage/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testDSN returns the database the tests may use, or skips the test.
func testDSN(t testing.TB) string {
	dsn := os.Getenv("VAULT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("VAULT_TEST_POSTGRES_DSN not set")
	}
	return dsn
}

// newSchema returns the name of a schema no one uses, dropped with
// everything in it when the test ends (after the stores on it are closed,
// since cleanups run last registered first).
func newSchema(t testing.TB) string {
	dsn := testDSN(t)
	name := fmt.Sprintf("vault_test_%016x", rand.Uint64())
	t.Cleanup(func() { admin(t, dsn, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE") })
	return name
}

// admin runs one statement on a connection of its own.
func admin(t testing.TB, dsn, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	require.NoError(t, err)
}

// mustOpen opens a store on schema; the caller closes it.
func mustOpen(t testing.TB, schema string, options ...func(*postgres.Config)) *postgres.Store {
	t.Helper()
	cfg := postgres.Config{DSN: testDSN(t), Schema: schema, MaxConns: 16}
	for _, o := range options {
		o(&cfg)
	}
	s, err := postgres.Open(context.Background(), cfg)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	testDSN(t)
	var schemas sync.Map // *postgres.Store → its schema, for reopen
	open := func(t *testing.T) storage.Store {
		schema := newSchema(t)
		s := mustOpen(t, schema)
		schemas.Store(s, schema)
		return s
	}
	reopen := func(t *testing.T, s storage.Store) storage.Store {
		schema, ok := schemas.Load(s)
		require.True(t, ok)
		require.NoError(t, s.Close())
		s2 := mustOpen(t, schema.(string))
		schemas.Store(s2, schema)
		return s2
	}
	storagetest.Run(t, open, storagetest.WithReopen(reopen))
}

// TestConformanceBucketLocks runs the suite with every read-write
// transaction locking whole buckets after its first key, the path large
// transactions take.
func TestConformanceBucketLocks(t *testing.T) {
	testDSN(t)
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return mustOpen(t, newSchema(t), func(c *postgres.Config) { c.MaxKeyLocks = 1 })
	}, storagetest.WithScale(0.25)) // a second pass: its lock upgrades deadlock often, a second each
}

// TestLargeTransaction writes more keys in one transaction than
// PostgreSQL's lock table holds with the default settings (6,400 entries,
// shared by the whole server): the transaction locks whole buckets past
// MaxKeyLocks keys instead.
func TestLargeTransaction(t *testing.T) {
	s := mustOpen(t, newSchema(t))
	defer s.Close()
	const n = 20_000
	var held int
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		for i := range n {
			for _, b := range []string{"a", "b"} {
				if err := tx.Put(b, binary.BigEndian.AppendUint32(nil, uint32(i)), nil); err != nil {
					return err
				}
			}
		}
		conn, err := pgx.Connect(t.Context(), testDSN(t))
		if err != nil {
			return err
		}
		defer conn.Close(t.Context())
		return conn.QueryRow(t.Context(), `SELECT coalesce(max(n), 0) FROM (
			SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted GROUP BY pid) AS per_process`).Scan(&held)
	}))
	assert.LessOrEqual(t, held, postgres.DefaultMaxKeyLocks+4, "advisory locks held by one transaction")
	require.NoError(t, s.View(t.Context(), func(tx storage.Tx) error {
		count := 0
		err := tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error { count++; return nil })
		assert.Equal(t, n, count)
		return err
	}))
}

func TestOpenValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]postgres.Config{
		"no DSN nor pool":    {},
		"schema upper case":  {DSN: "postgres://localhost/x", Schema: "Vault"},
		"schema with dot":    {DSN: "postgres://localhost/x", Schema: "a.b"},
		"schema too long":    {DSN: "postgres://localhost/x", Schema: strings.Repeat("s", 64)},
		"negative attempts":  {DSN: "postgres://localhost/x", MaxAttempts: -1},
		"negative key locks": {DSN: "postgres://localhost/x", MaxKeyLocks: -1},
		"DSN does not parse": {DSN: "postgres://vault:sekrit-pw@localhost:port/x"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := postgres.Open(t.Context(), cfg)
			require.ErrorIs(t, err, storage.ErrInvalid)
			assert.NotContains(t, err.Error(), "sekrit")
		})
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	// Nothing listens on port 1: the connection fails after the DSN parsed.
	_, err := postgres.Open(t.Context(), postgres.Config{DSN: "postgres://vault:sekrit-pw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"})
	require.Error(t, err)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", err, err, err), "sekrit")
}

func TestErrorsHideKeys(t *testing.T) {
	s := mustOpen(t, newSchema(t))
	defer s.Close()
	canary := []byte("CANARY-KEY-0123")
	var errs []error
	errs = append(errs, s.View(t.Context(), func(tx storage.Tx) error {
		_, err := tx.Get("b", canary)
		return err
	}))
	ctx, cancel := context.WithCancel(t.Context())
	errs = append(errs, s.Update(ctx, func(tx storage.Tx) error {
		cancel()
		return tx.Put("b", canary, canary)
	}))
	for _, err := range errs {
		require.Error(t, err)
		assert.NotContains(t, err.Error(), string(canary))
	}
	assert.ErrorIs(t, errs[0], storage.ErrNotFound)
	assert.ErrorIs(t, errs[1], context.Canceled)
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	schema := newSchema(t)
	require.NoError(t, mustOpen(t, schema).Close())
	admin(t, testDSN(t), "INSERT INTO "+pgx.Identifier{schema, "schema_version"}.Sanitize()+" (version) VALUES (999)")
	_, err := postgres.Open(t.Context(), postgres.Config{DSN: testDSN(t), Schema: schema})
	require.ErrorIs(t, err, postgres.ErrSchemaVersion)
}

// TestConcurrentOpen has many stores open one new schema at once: the
// migrations run once, under their lock, and every Open succeeds.
func TestConcurrentOpen(t *testing.T) {
	schema := newSchema(t)
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, 8)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() {
			stores[i], errs[i] = postgres.Open(context.Background(), postgres.Config{DSN: testDSN(t), Schema: schema, MaxConns: 2})
		})
	}
	wg.Wait()
	for i, s := range stores {
		require.NoError(t, errs[i])
		require.NoError(t, storagetest.Increment(t.Context(), s, "c", []byte("n"), 1))
		require.NoError(t, s.Close())
	}
}

// TestSchemasAreSeparate opens two stores on one database.
func TestSchemasAreSeparate(t *testing.T) {
	a, b := mustOpen(t, newSchema(t)), mustOpen(t, newSchema(t))
	defer a.Close()
	defer b.Close()
	require.NoError(t, a.Update(t.Context(), func(tx storage.Tx) error { return tx.Put("b", []byte("k"), []byte("a")) }))
	err := b.View(t.Context(), func(tx storage.Tx) error { _, err := tx.Get("b", []byte("k")); return err })
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

// TestSharedPoolStaysOpen passes a pool in: Close leaves it usable.
func TestSharedPoolStaysOpen(t *testing.T) {
	pool, err := pgxpool.New(t.Context(), testDSN(t))
	require.NoError(t, err)
	defer pool.Close()
	s, err := postgres.Open(t.Context(), postgres.Config{Pool: pool, Schema: newSchema(t)})
	require.NoError(t, err)
	require.NoError(t, storagetest.Increment(t.Context(), s, "c", []byte("n"), 1))
	require.NoError(t, s.Close())
	require.NoError(t, pool.Ping(t.Context()))
}

// TestDeadlockIsRetried runs two transactions that lock a then b and b
// then a: PostgreSQL aborts one of them, and Update runs it again.
func TestDeadlockIsRetried(t *testing.T) {
	s := mustOpen(t, newSchema(t))
	defer s.Close()
	aHeld, bHeld := make(chan struct{}), make(chan struct{})
	var attempts atomic.Int32
	transfer := func(first, second string, held, other chan struct{}) error {
		waited := false
		return s.Update(context.Background(), func(tx storage.Tx) error {
			attempts.Add(1)
			n1, err := counter(tx, first)
			if err != nil {
				return err
			}
			if !waited { // the first attempt waits until both hold their first key
				waited = true
				close(held)
				<-other
			}
			n2, err := counter(tx, second)
			if err != nil {
				return err
			}
			if err := tx.Put("acct", []byte(first), binary.BigEndian.AppendUint64(nil, n1+1)); err != nil {
				return err
			}
			return tx.Put("acct", []byte(second), binary.BigEndian.AppendUint64(nil, n2+1))
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = transfer("a", "b", aHeld, bHeld) })
	wg.Go(func() { errs[1] = transfer("b", "a", bHeld, aHeld) })
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.Equal(t, int32(3), attempts.Load(), "one of the two ran twice")
	for _, k := range []string{"a", "b"} {
		n, err := storagetest.ReadCounter(t.Context(), s, "acct", []byte(k))
		require.NoError(t, err)
		assert.Equal(t, uint64(2), n, k)
	}
}

func counter(tx storage.Tx, key string) (uint64, error) {
	v, err := tx.Get("acct", []byte(key))
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(v), nil
}

// TestRetryBudget has a deadlock victim with no attempt left return the
// deadlock error.
func TestRetryBudget(t *testing.T) {
	s := mustOpen(t, newSchema(t), func(c *postgres.Config) { c.MaxAttempts = 1 })
	defer s.Close()
	aHeld, bHeld := make(chan struct{}), make(chan struct{})
	lock := func(first, second string, held, other chan struct{}) error {
		return s.Update(context.Background(), func(tx storage.Tx) error {
			if _, err := counter(tx, first); err != nil {
				return err
			}
			close(held)
			<-other
			_, err := counter(tx, second)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = lock("a", "b", aHeld, bHeld) })
	wg.Go(func() { errs[1] = lock("b", "a", bHeld, aHeld) })
	wg.Wait()
	failed := errs[0]
	if failed == nil {
		failed = errs[1]
	} else {
		assert.NoError(t, errs[1], "only one is a victim")
	}
	require.Error(t, failed)
	assert.Contains(t, failed.Error(), "40P01")
}

// TestIgnoredFailureDoesNotCommit checks that a transaction whose
// function ignores a failed call does not commit.
func TestIgnoredFailureDoesNotCommit(t *testing.T) {
	s := mustOpen(t, newSchema(t))
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	err := s.Update(ctx, func(tx storage.Tx) error {
		_ = tx.Put("b", []byte("first"), nil)
		cancel()
		_ = tx.Put("b", []byte("second"), nil) // fails: ctx is done
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	err = s.View(t.Context(), func(tx storage.Tx) error {
		_, err := tx.Get("b", []byte("first"))
		return err
	})
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

// TestCanceledWaitReleasesLocks cancels a transaction that waits for a key
// while holding another: its server process must stop waiting and release
// what it holds at once, not when the key it wanted becomes free.
func TestCanceledWaitReleasesLocks(t *testing.T) {
	s := mustOpen(t, newSchema(t))
	defer s.Close()
	holding, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- s.Update(context.Background(), func(tx storage.Tx) error {
			if err := tx.Put("b", []byte("busy"), nil); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	defer func() {
		close(release)
		require.NoError(t, <-holder)
	}()

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err := s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.Put("b", []byte("mine"), nil); err != nil {
			return err
		}
		return tx.Put("b", []byte("busy"), nil) // waits until ctx ends
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// "mine" is free again although "busy" is still held.
	ctx, cancel = context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Put("b", []byte("mine"), nil) }))
}
