package memory_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
	"github.com/tokenvault/vault/storage/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memory.New() })
}

// holdWriter runs an Update that keeps the store's writer until release is
// closed, so that the Updates started meanwhile queue for the committer and
// run as one batch. It returns once the writer is held.
func holdWriter(t *testing.T, s *memory.Store) (release func()) {
	held, done := make(chan struct{}), make(chan error, 1)
	unblock := make(chan struct{})
	go func() {
		done <- s.Update(context.Background(), func(tx storage.Tx) error {
			close(held)
			<-unblock
			return tx.Put("b", []byte("holder"), []byte("1"))
		})
	}()
	<-held
	return func() {
		close(unblock)
		require.NoError(t, <-done)
	}
}

func waitQueued(t *testing.T, s *memory.Store, n int) {
	require.Eventually(t, func() bool { return s.QueueLen() == n }, 10*time.Second, time.Millisecond)
}

// TestBatchKeepsEachCallersOutcome queues succeeding, failing, panicking and
// Goexit-calling functions behind one writer, so that they run in one batch:
// only the successful ones are kept, each caller gets its own outcome, and
// the batch is published once.
func TestBatchKeepsEachCallersOutcome(t *testing.T) {
	s := memory.New()
	defer s.Close()
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		return tx.Put("b", []byte("shared"), []byte("before"))
	}))
	release := holdWriter(t, s)
	c0, t0 := s.CommitStats()

	const n = 16
	outcome := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			exited := true
			defer func() {
				switch r := recover(); {
				case r != nil:
					outcome[i] = fmt.Sprint("panic: ", r)
				case exited:
					outcome[i] = "goexit"
				}
			}()
			err := s.Update(context.Background(), func(tx storage.Tx) error {
				if err := tx.Put("b", fmt.Appendf(nil, "k%02d", i), []byte("v")); err != nil {
					return err
				}
				if err := tx.Put("b", []byte("shared"), fmt.Appendf(nil, "%d", i)); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return fmt.Errorf("fail %d", i)
				case 2:
					panic(fmt.Sprintf("boom %d", i))
				case 3:
					if i == 3 {
						runtime.Goexit() // as t.FailNow does
					}
					return tx.Delete("b", []byte("shared"))
				}
				return nil
			})
			exited = false
			outcome[i] = fmt.Sprint(err)
		})
		waitQueued(t, s, i+1) // queue order is i
	}
	release()
	wg.Wait()

	c1, t1 := s.CommitStats()
	assert.Equal(t, uint64(2), c1-c0, "the holder, then the batch, each published once")
	// The holder, k00 k04 k08 k12 and k07 k11 k15 succeeded.
	assert.Equal(t, uint64(1+7), t1-t0)
	var want []string
	for i := range n {
		switch {
		case i%4 == 0 || i%4 == 3 && i != 3:
			assert.Equal(t, "<nil>", outcome[i], "caller %d", i)
			want = append(want, fmt.Sprintf("k%02d", i))
		case i%4 == 1:
			assert.Equal(t, fmt.Sprintf("fail %d", i), outcome[i])
		case i%4 == 2:
			assert.Equal(t, fmt.Sprintf("panic: boom %d", i), outcome[i])
		default:
			assert.Equal(t, "goexit", outcome[i])
		}
	}
	require.NoError(t, s.View(t.Context(), func(tx storage.Tx) error {
		var got []string
		err := tx.Scan("b", storage.ScanOptions{Prefix: []byte("k")}, func(k, v []byte) error {
			got = append(got, string(k))
			return nil
		})
		assert.Equal(t, want, got)
		// k15 deleted the shared key last; k12's write came before it.
		_, gerr := tx.Get("b", []byte("shared"))
		assert.ErrorIs(t, gerr, storage.ErrNotFound)
		return err
	}))
	// The store goes on after a Goexit took the committer's goroutine.
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error { return tx.Put("b", []byte("after"), nil) }))
}

// TestQueuedCallerGivesUp checks that a caller whose ctx ends while it waits
// in the queue returns at once and its function never runs, while the rest
// of the batch commits.
func TestQueuedCallerGivesUp(t *testing.T) {
	s := memory.New()
	defer s.Close()
	release := holdWriter(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	gaveUp := make(chan error, 1)
	go func() {
		gaveUp <- s.Update(ctx, func(tx storage.Tx) error {
			return errors.New("must not run")
		})
	}()
	waitQueued(t, s, 1)
	after := make(chan error, 1)
	go func() {
		after <- s.Update(context.Background(), func(tx storage.Tx) error { return tx.Put("b", []byte("after"), nil) })
	}()
	waitQueued(t, s, 2)
	cancel()
	assert.ErrorIs(t, <-gaveUp, context.Canceled)
	release()
	require.NoError(t, <-after)
}

// TestReadersDoNotWaitForWriters runs Views while an Update is held open.
func TestReadersDoNotWaitForWriters(t *testing.T) {
	s := memory.New()
	defer s.Close()
	release := holdWriter(t, s)
	defer release()
	for range 100 {
		require.NoError(t, s.View(t.Context(), func(tx storage.Tx) error {
			_, err := tx.Get("b", []byte("holder"))
			assert.ErrorIs(t, err, storage.ErrNotFound, "the held write is not visible yet")
			return nil
		}))
	}
}
