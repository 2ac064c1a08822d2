package bolt

import (
	"context"
	"fmt"
	"sync/atomic"

	"go.etcd.io/bbolt"

	"github.com/tokenvault/vault/storage"
)

// States of a request. The caller and the committer race to move a request
// out of pending; whoever wins decides whether fn runs.
const (
	pending  int32 = iota // queued; fn has not started
	running               // the committer claimed it: fn runs and the caller waits for the commit
	canceled              // the caller's ctx ended first: fn never runs
)

// request is one Update call waiting for, or being served by, the committer.
type request struct {
	ctx   context.Context // the caller's, checked once more just before fn starts
	fn    func(storage.Tx) error
	state atomic.Int32
	done  chan struct{} // closed by the committer once the fields below are final

	err      error
	panicked bool
	panicVal any
	goexit   bool
}

// batch is the work of one commit: requests run in order in one bbolt
// read-write transaction.
type batch struct {
	reqs  []*request
	tx    *bbolt.Tx   // nil if Begin failed
	next  int         // index of the next request to start
	dirty bool        // some successful fn wrote: the batch must commit
	err   error       // set when the batch cannot commit; answers every request left
	fill  fillState   // which buckets the batch only appended to
	undo  []undoEntry // an undo log's array, for the next function to reuse
}

// maxReusedUndo is the largest undo log whose array a batch keeps for the
// next function.
const maxReusedUndo = 64

// commitLoop is the committer: it takes the first waiting request and
// whatever else is queued at that moment, runs them, takes and runs what was
// queued meanwhile (up to maxBatch in all), commits once, answers them, and
// starts over. It never waits for more work to arrive once it has some. It
// returns when the store is closed and the queue is empty.
func (s *Store) commitLoop() {
	var buf []*request
	for {
		buf = s.take(buf)
		if len(buf) == 0 {
			return
		}
		b := &batch{reqs: buf}
		s.runBatch(b)
		buf = b.reqs[:0]
	}
}

// take waits until requests are queued and moves up to maxBatch of them into
// buf. It returns an empty slice once the store is closed and drained.
func (s *Store) take(buf []*request) []*request {
	s.mu.Lock()
	for len(s.queue) == 0 {
		if s.closed {
			s.mu.Unlock()
			return buf[:0]
		}
		s.mu.Unlock()
		<-s.wake
		s.mu.Lock()
	}
	buf = s.moveLocked(buf[:0])
	s.mu.Unlock()
	return buf
}

// takeMore appends to buf what is queued right now, up to maxBatch requests
// in all, without waiting.
func (s *Store) takeMore(buf []*request) []*request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.moveLocked(buf)
}

func (s *Store) moveLocked(buf []*request) []*request {
	n := min(len(s.queue), s.maxBatch-len(buf))
	buf = append(buf, s.queue[:n]...)
	rest := copy(s.queue, s.queue[n:])
	clear(s.queue[rest:])
	s.queue = s.queue[:rest]
	return buf
}

// runBatch runs the requests of b from b.next on, and those queued while
// they ran, then finishes b. It also resumes a batch whose previous
// committer goroutine was ended by runtime.Goexit in a transaction function.
func (s *Store) runBatch(b *batch) {
	if b.tx == nil && b.err == nil {
		tx, err := s.db.Begin(true)
		if err != nil {
			b.err = beginError("update", err)
		}
		b.tx = tx
	}
	for {
		s.runQueued(b)
		// Requests that arrived while the functions ran join this commit:
		// typically the callers of the previous batch, queuing again.
		if b.err != nil || len(b.reqs) >= s.maxBatch {
			break
		}
		more := s.takeMore(b.reqs)
		if len(more) == len(b.reqs) {
			break
		}
		b.reqs = more
	}
	s.finish(b)
}

// runQueued runs the requests of b from b.next on.
func (s *Store) runQueued(b *batch) {
	for b.next < len(b.reqs) {
		r := b.reqs[b.next]
		b.next++
		if err := r.ctx.Err(); err != nil {
			if r.state.CompareAndSwap(pending, canceled) {
				r.err = err
				close(r.done)
			}
			continue
		}
		if !r.state.CompareAndSwap(pending, running) {
			continue // the caller gave up and returned
		}
		if b.err != nil {
			r.err = b.err
			continue
		}
		s.runOne(b, r)
	}
}

// runOne runs r.fn in b's transaction. On an error, a panic or
// runtime.Goexit it undoes what fn wrote, so that the batch can go on.
func (s *Store) runOne(b *batch, r *request) {
	if b.fill == nil {
		b.fill = fillState{}
	}
	t := &tx{btx: b.tx, writable: true, fill: b.fill, undo: b.undo[:0]}
	b.undo = nil
	returned := false
	defer func() {
		t.done.Store(true)
		if returned {
			return
		}
		v := recover() // nil only for runtime.Goexit: panic(nil) recovers a *runtime.PanicNilError
		s.undo(b, t)
		if v != nil {
			r.panicked, r.panicVal = true, v
			s.log.Debug("bolt: transaction function panicked; its writes were undone")
			return
		}
		// This goroutine is exiting and nothing can stop it: hand the rest
		// of the batch, and the committer's job, to a new goroutine. The
		// caller's goroutine will exit too.
		r.goexit = true
		s.log.Debug("bolt: transaction function called runtime.Goexit; its writes were undone")
		s.wg.Go(func() {
			s.runBatch(b)
			s.commitLoop()
		})
	}()
	err := r.fn(t)
	returned = true
	t.done.Store(true)
	if err != nil {
		r.err = err
		s.undo(b, t)
		return
	}
	b.dirty = b.dirty || t.wrote
	if cap(t.undo) <= maxReusedUndo {
		// The log is done with (the copies it holds stay with bbolt as
		// needed): the next function of the batch writes its own over it.
		clear(t.undo)
		b.undo, t.undo = t.undo[:0], nil
	}
}

// undo reverts t's writes. If that fails the shared transaction can no longer
// be trusted, and the whole batch is abandoned.
func (s *Store) undo(b *batch, t *tx) {
	if err := t.rollback(); err != nil && b.err == nil {
		b.err = fmt.Errorf("bolt: update: batch abandoned: undoing a failed transaction function: %w", err)
		s.log.Error("bolt: undo failed; abandoning the batch", "err", err, "batch", len(b.reqs))
	}
}

// finish commits b (or rolls it back when nothing needs writing or it cannot
// commit) and answers every request the committer ran.
func (s *Store) finish(b *batch) {
	err := b.err
	switch {
	case b.tx == nil:
	case err != nil || !b.dirty:
		_ = b.tx.Rollback() // nothing to keep; a rollback only releases the writer lock here
	default:
		n := 0
		for _, r := range b.reqs {
			if r.state.Load() == running && r.err == nil && !r.panicked && !r.goexit {
				n++
			}
		}
		if cerr := b.tx.Commit(); cerr != nil {
			err = fmt.Errorf("bolt: update: commit: %w", cerr)
			s.log.Error("bolt: commit failed", "err", cerr, "batch", n)
		} else {
			s.commits.Add(1)
			s.txs.Add(uint64(n))
			if s.onCommit != nil {
				s.onCommit(n)
			}
		}
	}
	for _, r := range b.reqs {
		if r.state.Load() != running {
			continue
		}
		if r.err == nil && !r.panicked && !r.goexit {
			r.err = err
		}
		close(r.done)
	}
	clear(b.reqs)
}
