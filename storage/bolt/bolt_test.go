package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"go.uber.org/goleak"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/bolt"
	"github.com/tokenvault/vault/storage/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mustOpen opens a store in a fresh file and, when the test ends, closes it
// and checks the file's consistency.
func mustOpen(t testing.TB) *bolt.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "vault.db"), nil)
}

func openAt(t testing.TB, path string, cfg *bolt.Config) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		checkFile(t, path)
	})
	return s
}

// checkFile opens the file at path and runs bbolt's consistency check.
func checkFile(t testing.TB, path string) {
	t.Helper()
	s, err := bolt.Open(path, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	require.NoError(t, s.Check(context.Background()), "consistency of %s", path)
}

func reopen(t *testing.T, st storage.Store) storage.Store {
	s := st.(*bolt.Store)
	require.NoError(t, s.Close())
	return openAt(t, s.Path(), nil)
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return mustOpen(t) }, storagetest.WithReopen(reopen))
}

func TestFileMode(t *testing.T) {
	s := mustOpen(t)
	fi, err := os.Stat(s.Path())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestLockedFile(t *testing.T) {
	s := mustOpen(t)
	start := time.Now()
	other, err := bolt.Open(s.Path(), &bolt.Config{Timeout: 100 * time.Millisecond})
	if other != nil {
		_ = other.Close()
	}
	require.ErrorIs(t, err, bolt.ErrLocked)
	assert.Less(t, time.Since(start), 5*time.Second, "Open gives up after the timeout")

	require.NoError(t, s.Close())
	other, err = bolt.Open(s.Path(), nil)
	require.NoError(t, err, "the lock goes with Close")
	require.NoError(t, other.Close())
}

func TestInvalidConfig(t *testing.T) {
	for name, cfg := range map[string]bolt.Config{
		"timeout":   {Timeout: -1},
		"mmap size": {InitialMmapSize: -1},
		"max batch": {MaxBatch: -1},
		"grow size": {GrowSize: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := bolt.Open(filepath.Join(t.TempDir(), "vault.db"), &cfg)
			assert.ErrorIs(t, err, storage.ErrInvalid)
		})
	}
}

// TestNewFileIsSmall: a new store's file stays near its data (it was
// 16.8 MB: bbolt grows by 16 MiB once its memory map is larger), and grows
// as data is written.
func TestNewFileIsSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	s := openAt(t, path, nil)
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error { return tx.Put("b", []byte("k"), []byte("v")) }))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.LessOrEqual(t, st.Size(), int64(2*bolt.DefaultGrowSize), "a new file is about one grow step")
	value := make([]byte, 64<<10)
	for i := range 64 {
		require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error { return tx.Put("b", []byte{byte(i)}, value) }))
	}
	st2, err := os.Stat(path)
	require.NoError(t, err)
	assert.Greater(t, st2.Size(), st.Size(), "4 MiB written grow it")
	assert.Less(t, st2.Size(), int64(16<<20))
}

func TestOpenNotABoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk")
	require.NoError(t, os.WriteFile(path, make([]byte, 1<<14), 0o600))
	_, err := bolt.Open(path, nil)
	assert.ErrorIs(t, err, berrors.ErrInvalid)
}

// hold keeps the committer busy inside a transaction function until the
// returned release is called, so that tests can queue Updates meanwhile: the
// committer takes them into the holder's batch (up to MaxBatch) before it
// commits. release returns the holder's Update error.
func hold(t *testing.T, s *bolt.Store) (release func() error) {
	t.Helper()
	holding, unblock, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx storage.Tx) error {
			close(holding)
			<-unblock
			return tx.Put("hold", []byte("k"), nil)
		})
	}()
	<-holding
	return func() error {
		close(unblock)
		return <-done
	}
}

// waitQueued waits until n Update calls wait for the committer.
func waitQueued(t *testing.T, s *bolt.Store, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.QueueLen() >= n }, 10*time.Second, time.Millisecond)
}

// TestGroupCommitTakesEveryWaitingUpdate queues Updates while the committer
// runs a function: they all join that function's commit.
func TestGroupCommitTakesEveryWaitingUpdate(t *testing.T) {
	s := mustOpen(t)
	c0, t0 := s.CommitStats()
	release := hold(t, s)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			assert.NoError(t, s.Update(context.Background(), func(tx storage.Tx) error {
				return tx.Put("b", fmt.Appendf(nil, "k%02d", i), []byte("v"))
			}))
		})
	}
	waitQueued(t, s, n)
	require.NoError(t, release())
	wg.Wait()
	c1, t1 := s.CommitStats()
	assert.Equal(t, uint64(1), c1-c0, "one commit for the holder and everything queued meanwhile")
	assert.Equal(t, uint64(n+1), t1-t0)
}

func TestBatchLimit(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "vault.db"), &bolt.Config{MaxBatch: 4})
	c0, t0 := s.CommitStats()
	release := hold(t, s)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			assert.NoError(t, s.Update(context.Background(), func(tx storage.Tx) error {
				return tx.Put("b", fmt.Appendf(nil, "k%02d", i), nil)
			}))
		})
	}
	waitQueued(t, s, 10)
	require.NoError(t, release())
	wg.Wait()
	c1, t1 := s.CommitStats()
	assert.Equal(t, uint64(3), c1-c0, "the holder and 10 queued Updates in batches of at most 4")
	assert.Equal(t, uint64(11), t1-t0)
}

// TestFailedFunctionsRunOnce checks that failing and panicking functions in a
// batch are undone, not re-run, and that they do not disturb the others.
func TestFailedFunctionsRunOnce(t *testing.T) {
	s := mustOpen(t)
	const n = 60
	var calls [n]atomic.Int32
	errs := make([]error, n)
	panics := make([]any, n)
	release := hold(t, s)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			errs[i] = s.Update(context.Background(), func(tx storage.Tx) error {
				calls[i].Add(1)
				if err := tx.Put("b", fmt.Appendf(nil, "k%02d", i), []byte("v")); err != nil {
					return err
				}
				if err := tx.Put("counter", []byte("last"), fmt.Appendf(nil, "%02d", i)); err != nil {
					return err
				}
				switch i % 3 {
				case 1:
					return fmt.Errorf("fail %d", i)
				case 2:
					panic(fmt.Sprintf("panic %d", i))
				}
				return nil
			})
		})
	}
	waitQueued(t, s, n)
	require.NoError(t, release())
	wg.Wait()

	var want []string
	for i := range n {
		assert.Equal(t, int32(1), calls[i].Load(), "function %d ran once", i)
		switch i % 3 {
		case 0:
			assert.NoError(t, errs[i])
			assert.Nil(t, panics[i])
			want = append(want, fmt.Sprintf("k%02d", i))
		case 1:
			assert.EqualError(t, errs[i], fmt.Sprintf("fail %d", i))
		case 2:
			assert.Equal(t, fmt.Sprintf("panic %d", i), panics[i], "the panic reaches the caller")
		}
	}
	var got []string
	require.NoError(t, s.View(context.Background(), func(tx storage.Tx) error {
		return tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error {
			got = append(got, string(k))
			return nil
		})
	}))
	assert.Equal(t, want, got)
	last, err := get(s, "counter", "last")
	require.NoError(t, err)
	var i int
	_, err = fmt.Sscanf(last, "%d", &i)
	require.NoError(t, err)
	assert.Zero(t, i%3, "the shared key holds a committed write, not %d's", i)
}

// TestUndoRestoresEarlierWritesOfTheBatch has a function fail after
// overwriting and deleting keys that an earlier function of the same batch
// wrote, and after creating a bucket.
func TestUndoRestoresEarlierWritesOfTheBatch(t *testing.T) {
	s := mustOpen(t)
	put(t, s, "b", "gone", "old")
	release := hold(t, s)
	first, second := make(chan error, 1), make(chan error, 1)
	go func() {
		first <- s.Update(context.Background(), func(tx storage.Tx) error {
			return errors.Join(tx.Put("b", []byte("k"), []byte("first")), tx.Put("b", []byte("gone"), []byte("first")))
		})
	}()
	waitQueued(t, s, 1)
	boom := errors.New("boom")
	go func() {
		second <- s.Update(context.Background(), func(tx storage.Tx) error {
			for range 3 { // repeated writes: only the first is logged
				if err := errors.Join(
					tx.Put("b", []byte("k"), []byte("second")),
					tx.Delete("b", []byte("gone")),
					tx.Put("b", []byte("new"), []byte("second")),
					tx.Put("fresh", []byte("k"), []byte("second")),
				); err != nil {
					return err
				}
			}
			for i := range 20 { // more keys than the linear undo search covers
				if err := tx.Put("b", fmt.Appendf(nil, "many%02d", i), nil); err != nil {
					return err
				}
			}
			v, err := tx.Get("b", []byte("k"))
			if err != nil || string(v) != "second" {
				return fmt.Errorf("read own write: %q, %w", v, err)
			}
			return boom
		})
	}()
	waitQueued(t, s, 2)
	require.NoError(t, release())
	require.NoError(t, <-first)
	require.ErrorIs(t, <-second, boom)

	for key, want := range map[string]string{"k": "first", "gone": "first"} {
		v, err := get(s, "b", key)
		require.NoError(t, err)
		assert.Equal(t, want, v, key)
	}
	_, err := get(s, "b", "new")
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = get(s, "b", "many00")
	assert.ErrorIs(t, err, storage.ErrNotFound)

	path := s.Path()
	require.NoError(t, s.Close())
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		assert.Nil(t, tx.Bucket([]byte("fresh")), "a bucket created by a failed function is removed")
		assert.NotNil(t, tx.Bucket([]byte("b")))
		return nil
	}))
}

// TestFunctionEndingItsGoroutine has a function call runtime.Goexit, as
// t.FailNow does: the caller's goroutine ends too, and the batch commits.
func TestFunctionEndingItsGoroutine(t *testing.T) {
	s := mustOpen(t)
	release := hold(t, s)
	exited, returned := make(chan struct{}), atomic.Bool{}
	go func() {
		defer close(exited)
		_ = s.Update(context.Background(), func(tx storage.Tx) error {
			if err := tx.Put("b", []byte("goexit"), nil); err != nil {
				return err
			}
			runtime.Goexit() // what t.FailNow does
			return nil
		})
		returned.Store(true)
	}()
	waitQueued(t, s, 1)
	other := make(chan error, 1)
	go func() {
		other <- s.Update(context.Background(), func(tx storage.Tx) error {
			return tx.Put("b", []byte("after"), nil)
		})
	}()
	waitQueued(t, s, 2)
	require.NoError(t, release())
	<-exited
	assert.False(t, returned.Load(), "Update does not return to a caller whose function called Goexit")
	require.NoError(t, <-other, "the rest of the batch commits")
	_, err := get(s, "b", "after")
	require.NoError(t, err)
	_, err = get(s, "b", "goexit")
	assert.ErrorIs(t, err, storage.ErrNotFound)
	put(t, s, "b", "still", "works")
}

func TestCommitFailureReachesEveryCaller(t *testing.T) {
	cfg := &bolt.Config{}
	bolt.SetMaxSize(cfg, 1<<20)
	s := openAt(t, filepath.Join(t.TempDir(), "vault.db"), cfg)
	put(t, s, "b", "before", "v")
	release := hold(t, s)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Update(context.Background(), func(tx storage.Tx) error {
				size := 10
				if i == n-1 {
					size = 2 << 20 // more than the file may hold: the commit fails
				}
				return tx.Put("b", fmt.Appendf(nil, "k%d", i), make([]byte, size))
			})
		}()
		waitQueued(t, s, i+1)
	}
	assert.ErrorIs(t, release(), berrors.ErrMaxSizeReached, "the holder shares the failed commit")
	for range n {
		err := <-errs
		assert.ErrorIs(t, err, berrors.ErrMaxSizeReached)
	}
	require.NoError(t, s.View(context.Background(), func(tx storage.Tx) error {
		n := 0
		err := tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error { n++; return nil })
		assert.Equal(t, 1, n, "nothing of the failed batch is visible")
		return err
	}))
	put(t, s, "b", "after", "v")
}

func TestWriteDuringScanIsRefused(t *testing.T) {
	s := mustOpen(t)
	put(t, s, "b", "a", "1", "b", "2")
	require.NoError(t, s.Update(context.Background(), func(tx storage.Tx) error {
		err := tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error {
			return tx.Put("b", []byte("c"), nil)
		})
		assert.ErrorIs(t, err, storage.ErrReadOnly)
		return tx.Put("b", []byte("d"), nil) // allowed again once the scan ended
	}))
	v, err := get(s, "b", "d")
	require.NoError(t, err)
	assert.Empty(t, v)
}

func TestCloseFinishesQueuedUpdates(t *testing.T) {
	s := mustOpen(t)
	release := hold(t, s)
	const n = 10
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Update(context.Background(), func(tx storage.Tx) error {
				return tx.Put("b", fmt.Appendf(nil, "k%d", i), nil)
			})
		}()
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	require.Eventually(t, func() bool {
		return errors.Is(s.View(context.Background(), func(storage.Tx) error { return nil }), storage.ErrClosed)
	}, 10*time.Second, time.Millisecond, "Close stops accepting at once")
	assert.ErrorIs(t, s.Update(context.Background(), func(storage.Tx) error { return nil }), storage.ErrClosed)
	require.NoError(t, release())
	require.NoError(t, <-closed)
	for range n {
		assert.NoError(t, <-errs)
	}
	assert.ErrorIs(t, s.View(context.Background(), func(storage.Tx) error { return nil }), storage.ErrClosed)
	assert.ErrorIs(t, s.Check(context.Background()), storage.ErrClosed)
	assert.ErrorIs(t, s.Backup(context.Background(), filepath.Join(t.TempDir(), "b.db")), storage.ErrClosed)

	s2 := openAt(t, s.Path(), nil)
	for i := range n {
		_, err := get(s2, "b", fmt.Sprintf("k%d", i))
		assert.NoError(t, err)
	}
}

func TestNilFunction(t *testing.T) {
	s := mustOpen(t)
	assert.ErrorIs(t, s.Update(context.Background(), nil), storage.ErrInvalid)
}

func TestErrorsDoNotLeakData(t *testing.T) {
	s := mustOpen(t)
	secret := []byte("4242424242424242")
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		_, err := tx.Get("b", secret)
		return errors.Join(err, tx.Put("b", secret, make([]byte, storage.MaxValueLen+1)))
	})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), string(secret))
}

func put(t testing.TB, s storage.Store, bucket string, kv ...string) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx storage.Tx) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if err := tx.Put(bucket, []byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	}))
}

func get(s storage.Store, bucket, key string) (string, error) {
	var out string
	err := s.View(context.Background(), func(tx storage.Tx) error {
		v, err := tx.Get(bucket, []byte(key))
		out = string(v)
		return err
	})
	return out, err
}

// TestOnCommit: the hook sees the batch size of every commit that wrote, as
// CommitStats counts them; a read-only or empty Update commits nothing.
func TestOnCommit(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	s := openAt(t, filepath.Join(t.TempDir(), "vault.db"), &bolt.Config{MaxBatch: 4, OnCommit: func(n int) {
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
	}})
	release := hold(t, s)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			assert.NoError(t, s.Update(context.Background(), func(tx storage.Tx) error {
				return tx.Put("b", fmt.Appendf(nil, "k%02d", i), nil)
			}))
		})
	}
	waitQueued(t, s, 10)
	require.NoError(t, release())
	wg.Wait()
	require.NoError(t, s.Update(context.Background(), func(tx storage.Tx) error { return nil }))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int{4, 4, 3}, sizes, "the holder and 10 queued Updates in batches of at most 4")
}
