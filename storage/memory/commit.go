package memory

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/tokenvault/vault/storage"
)

// maxBatch is the most functions one publication carries.
const maxBatch = 256

// maxReusedUndo is the largest undo log whose array is kept for the next
// function.
const maxReusedUndo = 64

// States of a request. The caller and the committer race to move a request
// out of pending; whoever wins decides whether fn runs.
const (
	pending  int32 = iota // queued; fn has not started
	running               // the committer claimed it: fn runs and the caller waits for the publication
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

// batch is the work of one publication: requests run in order on base.
type batch struct {
	reqs  []*request
	next  int  // index of the next request to start
	dirty bool // some successful fn wrote: the batch must be published
	ran   int  // functions that returned nil
}

// commitLoop is the committer. It takes whatever is queued, runs it, takes
// and runs what was queued meanwhile (up to maxBatch in all), publishes once,
// answers the callers and starts over. It returns, giving up base, as soon
// as the queue is empty: an idle store has no goroutine.
func (s *Store) commitLoop() {
	var buf []*request
	for first := true; ; first = false {
		if !first {
			// Let the callers just answered run and queue again before
			// the next batch is taken. Without it, on few CPUs, the
			// committer finds one request at a time, and every function
			// pays a publication and the copy of its path in the tree.
			runtime.Gosched()
		}
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.busy = false
			s.mu.Unlock()
			return
		}
		buf = s.moveLocked(buf[:0])
		s.mu.Unlock()
		b := &batch{reqs: buf}
		s.runBatch(b)
		buf = b.reqs[:0]
	}
}

// takeMore appends to buf what is queued right now, up to maxBatch requests
// in all, without waiting.
func (s *Store) takeMore(buf []*request) []*request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.moveLocked(buf)
}

func (s *Store) moveLocked(buf []*request) []*request {
	n := min(len(s.queue), maxBatch-len(buf))
	buf = append(buf, s.queue[:n]...)
	rest := copy(s.queue, s.queue[n:])
	clear(s.queue[rest:])
	s.queue = s.queue[:rest]
	return buf
}

// runBatch runs the requests of b from b.next on, and those queued while
// they ran, then publishes and answers them. It also resumes a batch whose
// previous committer goroutine was ended by runtime.Goexit in a function.
func (s *Store) runBatch(b *batch) {
	for {
		s.runQueued(b)
		if len(b.reqs) >= maxBatch {
			break
		}
		more := s.takeMore(b.reqs)
		if len(more) == len(b.reqs) {
			break
		}
		b.reqs = more
	}
	if b.dirty {
		s.publish(b.ran)
	}
	for _, r := range b.reqs {
		if r.state.Load() == running {
			close(r.done)
		}
	}
	clear(b.reqs)
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
		s.runOne(b, r)
	}
}

// runOne runs r.fn on base. On an error, a panic or runtime.Goexit it undoes
// what fn wrote, so that the batch can go on.
func (s *Store) runOne(b *batch, r *request) {
	t := &tx{tree: s.base, writable: true, undo: s.undo[:0]}
	s.undo = nil
	returned := false
	defer func() {
		t.done.Store(true)
		if returned {
			return
		}
		v := recover() // nil only for runtime.Goexit: panic(nil) recovers a *runtime.PanicNilError
		t.rollback()
		s.keepUndo(t)
		if v != nil {
			r.panicked, r.panicVal = true, v
			return
		}
		// This goroutine is exiting and nothing can stop it: hand the rest
		// of the batch, and the committer's job, to a new goroutine. The
		// caller's goroutine will exit too.
		r.goexit = true
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
		t.rollback()
	} else {
		b.dirty = b.dirty || t.wrote
		b.ran++
	}
	s.keepUndo(t)
}

// keepUndo keeps t's undo array for the next function if it is small.
func (s *Store) keepUndo(t *tx) {
	if cap(t.undo) <= maxReusedUndo {
		clear(t.undo)
		s.undo = t.undo[:0]
	}
	t.undo = nil
}
