package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/postgres"
	"github.com/tokenvault/vault/storage/storagetest"
)

// holdCommitter starts an Update whose function, the first of its group,
// waits until release is called, so that the Updates started meanwhile
// queue and then run in the same transaction.
func holdCommitter(t *testing.T, s *postgres.Store) (release func()) {
	held, unblock, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx storage.Tx) error {
			if err := tx.Put("b", []byte("holder"), []byte("1")); err != nil {
				return err
			}
			select {
			case <-held:
			default:
				close(held)
			}
			<-unblock
			return nil
		})
	}()
	<-held
	return func() {
		close(unblock)
		require.NoError(t, <-done)
	}
}

func waitQueued(t *testing.T, s *postgres.Store, n int) {
	require.Eventually(t, func() bool { return s.QueueLen() == n }, 10*time.Second, time.Millisecond)
}

func oneCommitter(c *postgres.Config) { c.MaxBatch, c.Committers = postgres.GroupMaxBatch, 1 }

func groupCommit(c *postgres.Config) { c.MaxBatch = postgres.GroupMaxBatch }

// TestConformanceGroupCommit runs the suite with group commit on, with the
// default committers and with one (the biggest groups).
func TestConformanceGroupCommit(t *testing.T) {
	testDSN(t)
	for name, o := range map[string]func(*postgres.Config){"committers=default": groupCommit, "committers=1": oneCommitter} {
		t.Run(name, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Store { return mustOpen(t, newSchema(t), o) })
		})
	}
}

// TestGroupKeepsEachCallersOutcome queues succeeding, failing, panicking and
// Goexit-calling functions behind one, so that they share its transaction:
// only the successful ones are kept, each caller gets its own outcome, and
// one commit carries them.
func TestGroupKeepsEachCallersOutcome(t *testing.T) {
	s := mustOpen(t, newSchema(t), oneCommitter)
	defer s.Close()
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		return tx.Put("b", []byte("shared"), []byte("0"))
	}))
	release := holdCommitter(t, s)
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
				// Each function sees the writes of those before it.
				v, err := tx.Get("b", []byte("shared"))
				if err != nil {
					return err
				}
				if err := tx.Put("b", []byte("shared"), fmt.Appendf(v, ",%d", i)); err != nil {
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
				}
				return nil
			})
			exited = false
			outcome[i] = fmt.Sprint(err)
		})
		waitQueued(t, s, i+1)
	}
	release()
	wg.Wait()

	c1, t1 := s.CommitStats()
	assert.Equal(t, uint64(1), c1-c0, "one transaction carried the holder and the queued functions")
	want, shared := []string{}, "0"
	for i := range n {
		switch {
		case i%4 == 0 || i%4 == 3 && i != 3:
			assert.Equal(t, "<nil>", outcome[i], "caller %d", i)
			want = append(want, fmt.Sprintf("k%02d", i))
			shared += fmt.Sprintf(",%d", i)
		case i%4 == 1:
			assert.Equal(t, fmt.Sprintf("fail %d", i), outcome[i])
		case i%4 == 2:
			assert.Equal(t, fmt.Sprintf("panic: boom %d", i), outcome[i])
		default:
			assert.Equal(t, "goexit", outcome[i])
		}
	}
	assert.Equal(t, uint64(1+len(want)), t1-t0)
	require.NoError(t, s.View(t.Context(), func(tx storage.Tx) error {
		var got []string
		err := tx.Scan("b", storage.ScanOptions{Prefix: []byte("k")}, func(k, v []byte) error {
			got = append(got, string(k))
			return nil
		})
		assert.Equal(t, want, got)
		v, gerr := tx.Get("b", []byte("shared"))
		assert.Equal(t, shared, string(v), "the successful functions, in queue order")
		return errorsJoin(err, gerr)
	}))
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error { return tx.Put("b", []byte("after"), nil) }))
}

// TestGroupMemberWaitsInANewTransaction has a function of a group need a key
// that another transaction holds: it does not wait inside the group (which
// would hold the others' locks meanwhile), but runs again first in a new
// transaction, and waits there; the functions around it commit without it.
func TestGroupMemberWaitsInANewTransaction(t *testing.T) {
	schema := newSchema(t)
	s := mustOpen(t, schema, oneCommitter)
	defer s.Close()
	other := mustOpen(t, schema, func(c *postgres.Config) { c.MaxBatch = 1 })
	defer other.Close()

	// Another store (a process, say) holds the key "busy".
	otherHolds, otherRelease, otherDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		otherDone <- other.Update(context.Background(), func(tx storage.Tx) error {
			if err := tx.Put("b", []byte("busy"), []byte("other")); err != nil {
				return err
			}
			close(otherHolds)
			<-otherRelease
			return nil
		})
	}()
	<-otherHolds

	release := holdCommitter(t, s)
	var runs atomic.Int32
	busyDone, freeDone := make(chan error, 1), make(chan error, 1)
	go func() {
		busyDone <- s.Update(context.Background(), func(tx storage.Tx) error {
			runs.Add(1)
			return tx.Put("b", []byte("busy"), []byte("mine"))
		})
	}()
	waitQueued(t, s, 1)
	go func() {
		freeDone <- s.Update(context.Background(), func(tx storage.Tx) error {
			return tx.Put("b", []byte("free"), []byte("1"))
		})
	}()
	waitQueued(t, s, 2)
	release()
	// The holder's transaction committed with "free" but without "busy".
	require.NoError(t, <-freeDone)
	require.Eventually(t, func() bool { return runs.Load() >= 2 }, 10*time.Second, time.Millisecond,
		"the function runs again, first in a new transaction")
	select {
	case err := <-busyDone:
		t.Fatalf("Update returned %v while another transaction holds its key", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(otherRelease)
	require.NoError(t, <-otherDone)
	require.NoError(t, <-busyDone)
	require.NoError(t, s.View(t.Context(), func(tx storage.Tx) error {
		v, err := tx.Get("b", []byte("busy"))
		assert.Equal(t, "mine", string(v), "it waited for the other transaction, then wrote")
		return err
	}))
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
