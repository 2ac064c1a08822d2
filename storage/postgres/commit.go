package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tokenvault/vault/storage"
)

// Statements of group commit. Every function after the first of a group runs
// in the savepoint f, and waits at most a millisecond for a lock.
const (
	savepointSQL   = "SAVEPOINT f"
	releaseSQL     = "RELEASE SAVEPOINT f"
	rollbackToSQL  = "ROLLBACK TO SAVEPOINT f"
	lockTimeoutSQL = "SET LOCAL lock_timeout = '1ms'"

	lockNotAvailable = "55P03"
)

// States of a request. The caller and a committer race to move a request
// out of pending; whoever wins decides whether fn runs.
const (
	pending  int32 = iota // queued; fn has not started
	running               // a committer claimed it: fn runs and the caller waits for the commit
	canceled              // the caller's ctx ended first: fn never runs
)

// request is one attempt of an Update, waiting for or served by a committer.
type request struct {
	ctx   context.Context
	fn    func(storage.Tx) error
	hot   map[string]bool
	lead  bool // it needs a lock that was taken: it must run first in a transaction, where it may wait
	state atomic.Int32
	done  chan struct{} // closed once the fields below are final

	err, cause error // as run returns them
	panicked   bool
	panicVal   any
	goexit     bool
}

// group is one PostgreSQL transaction that carries the functions of several
// Update calls, on one connection.
type group struct {
	conn  *pgxpool.Conn
	begun bool       // a transaction is open
	out   *pgx.Batch // statements for the next round trip, in front of whatever it carries
	count int        // functions run in the transaction
	lead  *member    // the first function, until a statement confirms it (the SET LOCAL of the second)

	unconfirmed []*member  // functions that returned nil; some of their statements are in out
	ran         []*request // functions whose statements all succeeded, answered at the commit
	// refused are functions after the first that returned an error: what
	// they saw held the uncommitted writes of the functions before them, so
	// their answer waits for the commit (a caller told "not found" by a
	// delete not yet committed could read the token again at once), and
	// they run again if the transaction does not commit.
	refused []*request
	redo    []*request // functions to run again, in order, before any queued one
	failed  *member    // the function whose statement failed in the latest round trip
	failErr error
}

// member is a function that returned nil, until its last statement
// succeeded.
type member struct {
	r       *request
	first   bool // ran first: it has no savepoint, and its failure ends the transaction
	applied bool // its last statement (RELEASE, or the first's SET LOCAL) succeeded
}

// confirm sorts the unconfirmed functions after a round trip that carried
// their statements: those whose last statement succeeded join ran; the first
// one whose statements failed is kept in failed, and the ones after it, whose
// statements the server skipped, are to run again.
func (g *group) confirm(err error) {
	for i, m := range g.unconfirmed {
		if m.applied {
			g.ran = append(g.ran, m.r)
			continue
		}
		g.failed, g.failErr = m, err
		for _, later := range g.unconfirmed[i+1:] {
			g.redo = append(g.redo, later.r)
		}
		break
	}
	clear(g.unconfirmed)
	g.unconfirmed = g.unconfirmed[:0]
}

// submit queues one attempt of an Update for a committer, starting one if
// fewer than the store's committers are at work, and waits for the outcome.
func (s *Store) submit(ctx context.Context, fn func(storage.Tx) error, hot map[string]bool) (err, cause error) {
	r := &request{ctx: ctx, fn: fn, hot: hot, done: make(chan struct{})}
	s.qmu.Lock()
	s.queue = append(s.queue, r)
	if s.running < s.committers {
		s.running++
		s.wg.Go(func() { s.commitLoop(&group{}) })
	}
	s.qmu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(pending, canceled) {
			return ctx.Err(), nil // the committer will skip r
		}
		<-r.done // fn has started: wait for the commit
	}
	switch {
	case r.goexit:
		runtime.Goexit()
	case r.panicked:
		panic(r.panicVal)
	}
	return r.err, r.cause
}

// next claims the next queued request, or returns nil when the queue is
// empty; with exit, an empty queue also ends the committer, under the lock,
// so that an Update queued after that starts another.
func (s *Store) next(exit bool) *request {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	for len(s.queue) > 0 {
		r := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		if err := r.ctx.Err(); err != nil {
			if r.state.CompareAndSwap(pending, canceled) {
				r.err = err
				close(r.done)
			}
			continue
		}
		if r.state.CompareAndSwap(pending, running) {
			return r
		}
	}
	if exit {
		s.running--
	}
	return nil
}

// commitLoop is a committer: it runs queued functions one after another in
// one transaction, commits when the queue is empty, the group holds
// Config.MaxBatch functions or one of them needs a lock that is taken,
// answers their callers, and starts over. A function that needs a lock
// that is taken runs again after the others, first in a new transaction. It
// returns when the queue is empty and no transaction is open.
func (s *Store) commitLoop(g *group) {
	if g.out == nil {
		g.out = &pgx.Batch{}
	}
	for {
		var r *request
		switch {
		case len(g.redo) > 0:
			r = g.redo[0]
			g.redo = g.redo[1:]
		default:
			r = s.next(!g.begun)
		}
		if r == nil {
			if g.begun {
				s.finish(g)
				continue
			}
			if g.conn != nil {
				g.conn.Release()
			}
			return
		}
		if r.lead && g.begun {
			s.finish(g)
		}
		r.lead = false
		if g.conn == nil {
			conn, err := s.pool.Acquire(r.ctx)
			if err != nil {
				r.err = fmt.Errorf("postgres: update: %w", s.failure(r.ctx, err))
				close(r.done)
				continue
			}
			g.conn = conn
		}
		s.runOne(g, r)
		if g.failed != nil {
			s.recover(g)
		}
		if g.begun && g.count >= s.maxBatch {
			s.finish(g)
		}
	}
}

// runOne runs r.fn in g's transaction: as its first function when none is
// open, otherwise in the savepoint f, without waiting for any lock.
func (s *Store) runOne(g *group, r *request) {
	first := !g.begun
	t := newTx(r.ctx, s, g.conn, r.hot)
	if !first {
		if g.lead != nil {
			m := g.lead
			g.out.Queue(lockTimeoutSQL).Exec(func(pgconn.CommandTag) error { m.applied = true; return nil })
			g.lead = nil
		}
		// The function waits for no lock, and its statements do not heed
		// its ctx: a canceled statement would end the connection, and with
		// it the functions before this one.
		g.out.Queue(savepointSQL)
		t.ctx, t.begun, t.g = context.WithoutCancel(r.ctx), true, g
	}
	g.count++
	returned := false
	defer func() {
		t.done.Store(true)
		if returned {
			return
		}
		v := recover() // nil only for runtime.Goexit
		s.drop(g, t, first)
		if v != nil {
			r.panicked, r.panicVal = true, v
			close(r.done)
			return
		}
		// This goroutine is exiting and nothing can stop it: hand the group,
		// and the committer's job, to a new goroutine. The caller's
		// goroutine will exit too.
		r.goexit = true
		close(r.done)
		s.wg.Go(func() { s.commitLoop(g) })
	}()
	err := r.fn(t)
	returned = true
	t.done.Store(true)
	switch {
	case g.failed != nil:
		// A statement of an earlier function failed in a round trip of this
		// one: whatever fn saw, it runs again.
		g.redo = append(g.redo, r)
		return
	case err == nil && t.err != nil: // fn ignored a failed call: the transaction is aborted
		err = fmt.Errorf("postgres: update: %w", t.err)
	}
	if err != nil {
		s.drop(g, t, first)
		if !first && sqlState(t.err) == lockNotAvailable {
			r.lead = true
			g.redo = append(g.redo, r)
			return
		}
		r.err, r.cause = err, t.err
		if first {
			close(r.done) // it saw only what was committed
		} else {
			g.refused = append(g.refused, r)
		}
		return
	}
	if !t.sent && first {
		g.count = 0
		close(r.done) // it read and wrote nothing: there is nothing to commit
		return
	}
	// Its buffered writes, and then a statement that confirms them, go out
	// with the next round trip.
	m := &member{r: r, first: first}
	if t.held != nil {
		g.out.QueuedQueries = append(g.out.QueuedQueries, t.held.QueuedQueries...)
	}
	t.flush(g.out)
	if first {
		g.lead = m // confirmed by the SET LOCAL of the next function, or the COMMIT
	} else {
		g.out.Queue(releaseSQL).Exec(func(pgconn.CommandTag) error { m.applied = true; return nil })
	}
	g.begun = true
	g.unconfirmed = append(g.unconfirmed, m)
}

// drop takes back what t did: a rollback to the savepoint for a function
// that ran after others, or of the whole transaction for the first one,
// which holds nothing else.
func (s *Store) drop(g *group, t *tx, first bool) {
	switch {
	case first:
		if t.sent {
			t.rollback()
		}
		s.reset(g)
	case t.err != nil:
		s.rollbackTo(g) // the transaction is aborted: at once, before any statement is prepared
	default:
		g.out.Queue(rollbackToSQL)
		g.out.Queue(releaseSQL)
	}
}

// rollbackTo rolls back to the savepoint f of the function that failed, in
// a round trip of its own, in the simple protocol: an aborted transaction
// refuses to prepare any other statement. If that fails, the transaction is
// rolled back and the functions it carried run again.
func (s *Store) rollbackTo(g *group) {
	g.out = &pgx.Batch{}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTime)
	defer cancel()
	if _, err := g.conn.Conn().PgConn().Exec(ctx, rollbackToSQL+"; "+releaseSQL).ReadAll(); err != nil {
		s.log.Debug("postgres: rollback to savepoint failed", "err", clean(err))
		s.rollback(g)
	}
}

// recover handles a round trip in which the statements of g.failed, a
// function that had returned nil, failed: it rolls back to that function's
// savepoint (or the whole transaction when it ran first), commits the
// functions before it, and runs it again first in a new transaction when it
// needed a taken lock; otherwise its caller gets the error once those
// committed (it runs again if they did not: its error may come of their
// writes). The functions after it are in g.redo.
func (s *Store) recover(g *group) {
	m, err := g.failed, g.failErr
	g.failed, g.failErr = nil, nil
	if m.first {
		s.rollback(g) // its own statements failed, first in the transaction: its error stands
		m.r.err, m.r.cause = fmt.Errorf("postgres: update: %w", err), err
		close(m.r.done)
		return
	}
	s.rollbackTo(g)
	switch {
	case sqlState(err) == lockNotAvailable:
		// It runs again after the functions that came after it, first in
		// its transaction: they need not wait with it.
		if g.begun {
			s.finish(g)
		}
		m.r.lead = true
		g.redo = append(g.redo, m.r)
	case !g.begun:
		// The rollback to its savepoint failed and took the transaction
		// with it: it runs again with the others.
		g.redo = append(g.redo, m.r)
	default:
		// Its statements ran after the writes of the functions before it:
		// its error is answered once those commit, as a refused function's.
		m.r.err, m.r.cause = fmt.Errorf("postgres: update: %w", err), err
		g.refused = append(g.refused, m.r)
		s.finish(g)
	}
}

// finish commits g's transaction, with the statements still in g.out, and
// answers the functions it carried.
func (s *Store) finish(g *group) {
	b := g.out
	g.out = &pgx.Batch{}
	b.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
		if ct.String() != "COMMIT" {
			return errors.New("postgres: the server rolled the transaction back")
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTime)
	defer cancel()
	var err error
	if serr := g.conn.SendBatch(ctx, b).Close(); serr != nil {
		err = clean(serr)
	}
	if err != nil && sqlState(err) == "" {
		// Not an error of the server's, which would have stopped the
		// transaction before the COMMIT: the connection failed, and whether
		// the COMMIT happened is unknown. Every function gets the error;
		// none runs again.
		for _, m := range g.unconfirmed {
			g.ran = append(g.ran, m.r)
		}
		g.unconfirmed = g.unconfirmed[:0]
	} else {
		if err == nil {
			for _, m := range g.unconfirmed { // the COMMIT succeeded: so did everything before it
				m.applied = true
			}
		}
		g.confirm(err)
	}
	if g.failed != nil {
		s.recover(g) // commits the functions before the failed one
		return
	}
	var werr error
	if err != nil {
		werr = fmt.Errorf("postgres: update: commit: %w", err)
		s.log.Debug("postgres: group commit failed", "err", err, "functions", len(g.ran))
	} else {
		s.commits.Add(1)
		s.txs.Add(uint64(len(g.ran)))
	}
	for _, r := range g.ran {
		r.err, r.cause = werr, err
		close(r.done)
	}
	g.ran = g.ran[:0]
	for _, r := range g.refused {
		if err == nil {
			close(r.done) // their own errors, now that what they saw is committed
		} else {
			r.err, r.cause = nil, nil
			g.redo = append(g.redo, r)
		}
	}
	g.refused = g.refused[:0]
	s.reset(g)
}

// rollback ends g's transaction, dropping everything in it: the functions it
// carried run again.
func (s *Store) rollback(g *group) {
	g.redo = append(append(g.ran, g.refused...), g.redo...)
	g.ran, g.refused = nil, nil
	s.reset(g)
}

// reset ends whatever transaction is left on g's connection and makes g
// empty but for redo. A connection in a bad state is dropped.
func (s *Store) reset(g *group) {
	if g.conn != nil {
		pc := g.conn.Conn().PgConn()
		if !pc.IsClosed() && pc.TxStatus() != 'I' {
			ctx, cancel := context.WithTimeout(context.Background(), cleanupTime)
			if _, err := g.conn.Exec(ctx, "ROLLBACK"); err != nil {
				s.log.Debug("postgres: rollback failed", "err", clean(err))
			}
			cancel()
		}
		if pc.IsClosed() {
			g.conn.Release()
			g.conn = nil
		}
	}
	for _, m := range g.unconfirmed {
		g.redo = append(g.redo, m.r)
	}
	g.unconfirmed = g.unconfirmed[:0]
	g.redo = append(g.redo, g.ran...)
	g.ran = g.ran[:0]
	for _, r := range g.refused {
		r.err, r.cause = nil, nil
		g.redo = append(g.redo, r)
	}
	g.refused = g.refused[:0]
	g.begun, g.out, g.count, g.lead = false, &pgx.Batch{}, 0, nil
}

func sqlState(err error) string {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pe.Code
	}
	return ""
}
