package vault

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// The job queue. Background work that must survive the process that asked
// for it (asynchronous reactor runs today; connection checks, payment
// retries and webhook deliveries build on it) is a durable job: a record of
// the tenant with a kind, a sealed payload, a number of attempts, when it
// may run next and, while it runs, a lease (owner and expiry).
//
// Life of a job:
//
//   - enqueue writes it, pending and due at once, in the transaction of the
//     change that asks for it (so a job exists exactly when its change
//     committed);
//   - a process claims it in a store transaction that re-reads it: the
//     attempt is counted, and the lease (DefaultJobLease) is taken;
//   - while it runs, the process extends the lease every third of its
//     length; a process that dies stops extending, and once the lease ends
//     another process claims the job again (within the lease plus one poll,
//     about 11 s by default);
//   - it finishes in one transaction that checks the lease is still held and
//     applies the job's effect with it, so an effect is applied once even
//     when a slow process lost its lease to another;
//   - a failed attempt is retried after a capped exponential backoff with
//     jitter; once the kind's attempts are spent (a failure, or a process
//     dying with it each time) the job is dead-lettered: kept, never run
//     again, until the dead-job retention passes;
//   - Close hands the jobs it is running back (pending, due now, the attempt
//     not counted).
//
// Each kind has its own share of workers in a process, so jobs of one kind
// that run long (reactors stuck in a loop until their time limit) never
// hold up jobs of another.
//
// Layout: the table "jobs" (tenant, id), and two global indexes:
// "jobs.due" (str(kind) time tenant id) orders the claimable jobs of each
// kind by when they may be claimed (a pending job from its next run, a
// running one once its lease ends), and "jobs.expiry" the dead jobs by when
// the sweeper deletes them.

const (
	// DefaultJobLease is how long a claim on a job lasts unless the process
	// running it extends it.
	DefaultJobLease = 10 * time.Second
	// minJobLease is the shortest job lease WithJobLease accepts: a lease
	// is renewed every third of it, in a store transaction.
	minJobLease = 10 * time.Millisecond
	// jobPollEvery is how often a process looks for jobs it was not told of
	// (jobs of other processes, expired leases, retries coming due).
	jobPollEvery = time.Second
	// The backoff of a failed attempt: base·2^(attempt-1), at most the cap,
	// jittered down to half of it.
	jobBackoffBase = time.Second
	jobBackoffCap  = 5 * time.Minute
	// deadJobRetention is how long a dead-lettered job is kept.
	deadJobRetention = 7 * 24 * time.Hour
	jobClaimBatch    = 16

	jobKindAD        = "job"
	sealFieldPayload = "payload"

	jobPending = "pending"
	jobRunning = "running"
	jobDead    = "dead"
)

// WithJobLease sets the length of a claim on a background job (default
// [DefaultJobLease]; Open refuses one under 10 ms). A job of a process that dies is picked up by another
// within about this long; the process running a job renews its lease every
// third of it, so a longer lease only costs fewer writes.
func WithJobLease(d time.Duration) Option { return func(c *config) { c.jobLease = d } }

// jobRecord is a job as stored.
type jobRecord struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Payload []byte `json:"payload,omitempty"` // sealed; only in records of earlier versions, see Detached
	// Detached: the payload is the record of the same id in jobs.payload
	// (see insertJob).
	Detached  bool       `json:"detached,omitempty"`
	Attempts  int        `json:"attempts,omitempty"`
	NextRun   time.Time  `json:"next_run"`
	Lease     *lease     `json:"lease,omitempty"`      // while running
	LastError string     `json:"last_error,omitempty"` // the Kind of the last failure, never its text
	CreatedAt time.Time  `json:"created_at"`
	DeadAt    *time.Time `json:"dead_at,omitempty"`
}

// due is when the job may be claimed, or nil for a dead job.
func (j *jobRecord) due() *time.Time {
	switch {
	case j.State == jobDead:
		return nil
	case j.Lease != nil:
		return &j.Lease.Until
	}
	return &j.NextRun
}

var (
	jobTable = register(&table[jobRecord]{
		bucket:    "jobs",
		kind:      jobKindAD,
		schema:    jobSchema,
		id:        func(j *jobRecord) string { return j.ID },
		indexes:   []*index[jobRecord]{jobByDue, jobByExpiry},
		marshal:   marshalJob,
		unmarshal: unmarshalJob,
		upgrade:   upgradeJob,
		sealed: func(j *jobRecord) []sealedField {
			return []sealedField{{sealFieldPayload, &j.Payload, j.ID}}
		},
	})
	jobByDue = &index[jobRecord]{bucket: "jobs.due", global: true, terms: func(j *jobRecord) [][]byte {
		due := j.due()
		if due == nil {
			return nil
		}
		return [][]byte{keyenc.AppendTime(keyenc.AppendString(nil, j.Kind), *due)}
	}}
	jobByExpiry = &index[jobRecord]{bucket: "jobs.expiry", global: true, terms: func(j *jobRecord) [][]byte {
		if j.DeadAt == nil {
			return nil
		}
		return [][]byte{keyenc.AppendTime(nil, j.DeadAt.Add(deadJobRetention))}
	}}
)

// jobKind is a kind of job and what runs it.
type jobKind struct {
	name string
	// workers is how many jobs of the kind this process runs at once (its
	// share); zero runs none here, leaving them to other processes.
	workers int
	// attempts is how many times a job is tried before it is dead-lettered.
	attempts int
	// started, if set, runs in the transaction that claims a job.
	started func(tx storage.Tx, j *runningJob) error
	// run does the work of a claimed job. When it returns a nil error, its
	// commit (if not nil) runs in the transaction that finishes the job, and
	// only if this process still holds the job's lease: the job's effect.
	// An error fails the attempt (retried, or dead-lettered once the
	// attempts are spent); an error after ctx was cancelled because the
	// vault is closing hands the job back instead.
	run func(ctx context.Context, j *runningJob) (commit func(tx storage.Tx) error, err error)
	// requeued, if set, runs in the transaction that puts a claimed job back
	// to wait (handed back on Close, or an attempt failed and will be
	// retried).
	requeued func(tx storage.Tx, j *runningJob) error
	// dead, if set, runs in the transaction that dead-letters a job; cause
	// is the last attempt's error, or errJobInterrupted when the processes
	// running it kept dying.
	dead func(tx storage.Tx, j *runningJob, cause error) error
}

// runningJob is a job this process has claimed.
type runningJob struct {
	tenant  string
	id      string
	attempt int       // the claim's attempt number
	payload []byte    // the opened payload, valid while the job runs
	created time.Time // when it was enqueued
	cancel  context.CancelCauseFunc
	// afterCommit, if the run sets it, runs once the job finished with its
	// commit applied.
	afterCommit func()
}

var (
	// errJobInterrupted is the cause of a job whose processes kept dying
	// (or losing its lease) while running it.
	errJobInterrupted = errors.New("the job was interrupted too many times")
	// errLeaseLost reports a job that another process took over (this one's
	// lease ended): this run's outcome is dropped.
	errLeaseLost = errors.New("job lease lost")
)

// jobQueue is the vault's side of the job queue.
type jobQueue struct {
	lease time.Duration
	kinds []*jobKind
	slots map[string]chan struct{}
	wake  chan struct{}

	mu   sync.Mutex
	held map[*runningJob]struct{} // the jobs whose leases this process extends
}

func newJobQueue(lease time.Duration) *jobQueue {
	return &jobQueue{lease: lease, slots: map[string]chan struct{}{}, wake: make(chan struct{}, 1), held: map[*runningJob]struct{}{}}
}

// addKind registers a kind; it must be called before the queue starts.
func (q *jobQueue) addKind(k *jobKind) {
	q.kinds = append(q.kinds, k)
	if k.workers > 0 {
		q.slots[k.name] = make(chan struct{}, k.workers)
	}
}

func (q *jobQueue) kind(name string) *jobKind {
	for _, k := range q.kinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// signal wakes the dispatcher without blocking.
func (q *jobQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// startJobs starts the dispatcher and the lease keeper, if this process
// runs any kind of job.
func (v *Vault) startJobs() {
	if len(v.jobs.slots) == 0 {
		return
	}
	v.goBackground(v.dispatchJobs)
	v.goBackground(v.keepLeases)
}

// newJob seals payload into a new pending job of the tenant, due now, for
// the caller to insert (insertJob) in the transaction of the change
// that asks for it, and to signal the queue once it committed.
func (v *Vault) newJob(tk *keys.TenantKeys, tenant, kind, id string, payload []byte) (*jobRecord, error) {
	sealed, err := tk.Seal(payload, keysAD(tenant, jobKindAD, id, sealFieldPayload))
	if err != nil {
		return nil, err
	}
	now := v.now().UTC()
	return &jobRecord{ID: id, Kind: kind, State: jobPending, Payload: sealed, NextRun: now, CreatedAt: now}, nil
}

// dispatchJobs runs until ctx is done: it claims due jobs of each kind
// while that kind has a free worker, runs each on its own goroutine, and
// otherwise waits for a new job of this process, a finished job or the poll
// interval.
func (v *Vault) dispatchJobs(ctx context.Context) {
	tick := time.NewTicker(jobPollEvery)
	defer tick.Stop()
	for {
		for _, k := range v.jobs.kinds {
			if v.jobs.slots[k.name] != nil {
				v.fillJobSlots(ctx, k)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-v.jobs.wake:
		case <-tick.C:
		}
	}
}

// fillJobSlots claims due jobs of kind k, at most as many as it has free
// workers, and starts them.
func (v *Vault) fillJobSlots(ctx context.Context, k *jobKind) {
	slots := v.jobs.slots[k.name]
	for ctx.Err() == nil {
		free := 0
	reserve:
		for free < jobClaimBatch {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break reserve
			}
		}
		if free == 0 {
			return // every worker is busy; the next to finish wakes the dispatcher
		}
		claimed, err := v.claimJobs(ctx, k, free)
		for range free - len(claimed) {
			<-slots
		}
		if err != nil && ctx.Err() == nil && !v.closed.Load() {
			v.log.Warn("claiming jobs failed", "kind", k.name, "err", err)
		}
		for _, j := range claimed {
			v.goBackground(func(ctx context.Context) {
				defer func() {
					<-slots
					v.jobs.signal()
				}()
				v.runClaimed(ctx, k, j)
			})
		}
		if len(claimed) < free {
			return
		}
	}
}

// dueJobs returns up to limit entries of jobs.due of kind whose time is at
// or before now.
func dueJobs(tx storage.Tx, kind string, now time.Time, limit int) ([]dueEntry, error) {
	return scanDue(tx, jobByDue.bucket, keyenc.AppendString(nil, kind), now, limit)
}

// claimJobs claims up to n due jobs of kind k. A job whose lease ended with
// its attempts spent (its processes kept dying) is dead-lettered instead.
func (v *Vault) claimJobs(ctx context.Context, k *jobKind, n int) ([]*runningJob, error) {
	const op = "ClaimJobs"
	any := false
	err := v.view(ctx, op, func(tx storage.Tx) error {
		due, err := dueJobs(tx, k.name, v.now(), 1)
		any = len(due) > 0
		return err
	})
	if err != nil || !any {
		return nil, err
	}
	var claimed []*runningJob
	// Jobs whose hook failed in the claim: a started hook's failure fails
	// the attempt; a dead hook's has the job dead-lettered without it.
	failed := map[[2]string]*jobStartError{}
	for {
		err = v.claimDue(ctx, k, n, failed, &claimed)
		se, ok := errors.AsType[*jobStartError](err)
		if !ok {
			break
		}
		if _, seen := failed[se.job]; seen {
			break
		}
		failed[se.job] = se
		if se.dead {
			v.log.Warn("a job was dead-lettered without its kind's dead hook, which failed", "kind", k.name, "job", se.job[1], "err", se.err)
		}
	}
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// jobStartError is a hook's failure in the claim transaction, naming its
// job: the started hook's, or (dead) the dead hook's.
type jobStartError struct {
	job  [2]string // tenant, id
	err  error
	dead bool
}

func (e *jobStartError) Error() string { return e.err.Error() }
func (e *jobStartError) Unwrap() error { return e.err }

// claimDue is the claiming transaction of claimJobs. A job in failed is not
// claimed: its attempt is counted as failed (its started hook failed), or it
// is dead-lettered without the dead hook (which failed).
func (v *Vault) claimDue(ctx context.Context, k *jobKind, n int, failed map[[2]string]*jobStartError, out *[]*runningJob) error {
	const op = "ClaimJobs"
	return v.update(ctx, op, func(tx storage.Tx) error {
		claimed := (*out)[:0]
		defer func() { *out = claimed }()
		now := v.now().UTC()
		due, err := dueJobs(tx, k.name, now, n+jobClaimBatch)
		if err != nil {
			return err
		}
		for _, d := range due {
			if len(claimed) == n {
				break
			}
			j, err := dueRecord(tx, jobTable, jobByDue.bucket, d)
			if err != nil {
				return err
			}
			if j == nil {
				continue
			}
			if at := j.due(); at == nil || at.After(now) {
				continue
			}
			rj := &runningJob{tenant: d.tenant, id: j.ID, attempt: j.Attempts, created: j.CreatedAt}
			key := [2]string{d.tenant, j.ID}
			if j.Attempts >= k.attempts {
				if f := failed[key]; f != nil && f.dead {
					if err := markDead(tx, rj, j, errJobInterrupted, now); err != nil {
						return err
					}
					continue
				}
				if err := v.deadLetter(tx, k, j, rj, errJobInterrupted, now); err != nil {
					return &jobStartError{job: key, err: err, dead: true}
				}
				continue
			}
			if f := failed[key]; f != nil {
				if err := v.failStart(tx, k, j, rj, f.err, now); err != nil {
					return err
				}
				continue
			}
			next := *j
			next.State, next.Attempts = jobRunning, j.Attempts+1
			next.Lease = &lease{Owner: v.instance, Until: now.Add(v.jobs.lease)}
			if err := jobTable.replace(tx, d.tenant, j, &next); err != nil {
				return err
			}
			rj.attempt = next.Attempts
			if k.started != nil {
				if err := runStarted(tx, k, rj); err != nil {
					return &jobStartError{job: key, err: err}
				}
			}
			claimed = append(claimed, rj)
		}
		return nil
	})
}

// runStarted runs the kind's started hook, turning a panic into an error.
func runStarted(tx storage.Tx, k *jobKind, rj *runningJob) error {
	return hook(k, "started", func() error { return k.started(tx, rj) })
}

// hook runs one of k's hooks, turning a panic into an error (which fails
// the transaction it runs in) instead of a crash of the process.
func hook(k *jobKind, name string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the %s hook of job kind %s panicked", name, k.name)
		}
	}()
	return fn()
}

// failStart counts a failed attempt of a job whose started hook failed: it
// is retried after its backoff, or dead-lettered once its attempts are
// spent.
func (v *Vault) failStart(tx storage.Tx, k *jobKind, j *jobRecord, rj *runningJob, cause error, now time.Time) error {
	counted := *j
	counted.Attempts++
	rj.attempt = counted.Attempts
	if counted.Attempts >= k.attempts {
		return v.deadLetter(tx, k, &counted, rj, cause, now)
	}
	next := counted
	next.State, next.Lease, next.LastError = jobPending, nil, errorKindOf(cause)
	next.NextRun = now.Add(jobBackoff(counted.Attempts))
	return jobTable.replace(tx, rj.tenant, j, &next)
}

// deadLetter marks j dead in tx and runs its kind's dead hook.
func (v *Vault) deadLetter(tx storage.Tx, k *jobKind, j *jobRecord, rj *runningJob, cause error, now time.Time) error {
	if err := markDead(tx, rj, j, cause, now); err != nil {
		return err
	}
	if k.dead != nil {
		return hook(k, "dead", func() error { return k.dead(tx, rj, cause) })
	}
	return nil
}

// markDead marks j dead in tx, with the kind of cause.
func markDead(tx storage.Tx, rj *runningJob, j *jobRecord, cause error, now time.Time) error {
	next := *j
	next.State, next.Lease, next.DeadAt = jobDead, nil, &now
	next.LastError = errorKindOf(cause)
	return jobTable.replace(tx, rj.tenant, j, &next)
}

// errorKindOf names the kind of a job failure for the record: a vault
// error's Kind, "interrupted", or "internal".
func errorKindOf(err error) string {
	if errors.Is(err, errJobInterrupted) {
		return "interrupted"
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return string(e.Kind)
	}
	return string(KindInternal)
}

// runClaimed runs a claimed job and records its outcome.
func (v *Vault) runClaimed(ctx context.Context, k *jobKind, rj *runningJob) {
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rj.cancel = cancel
	v.jobs.mu.Lock()
	v.jobs.held[rj] = struct{}{}
	v.jobs.mu.Unlock()
	defer func() {
		v.jobs.mu.Lock()
		delete(v.jobs.held, rj)
		v.jobs.mu.Unlock()
	}()

	commit, runErr := v.runJobAttempt(jctx, rj, k)
	clear(rj.payload)
	switch {
	case errors.Is(context.Cause(jctx), errLeaseLost):
		return // another process runs it now
	case runErr != nil && (ctx.Err() != nil || v.closed.Load()):
		v.handBack(k, rj)
		return
	}
	err := v.settleJob(rj, k, commit, runErr)
	if err != nil && !errors.Is(err, errLeaseLost) && !errors.Is(err, keys.ErrTenantDeleted) {
		v.log.Warn("finishing a job failed", "kind", k.name, "job", rj.id, "err", err)
	}
	if err == nil && runErr == nil && rj.afterCommit != nil {
		rj.afterCommit()
	}
}

// runJobAttempt opens the payload and runs the kind's work, turning a
// panic into a failed attempt.
func (v *Vault) runJobAttempt(ctx context.Context, rj *runningJob, k *jobKind) (commit func(tx storage.Tx) error, err error) {
	defer func() {
		if r := recover(); r != nil {
			v.log.Error("a job panicked", "kind", k.name, "job", rj.id)
			commit, err = nil, fmt.Errorf("job %s panicked", k.name)
		}
	}()
	tk, err := v.keys.Tenant(ctx, rj.tenant)
	if err != nil {
		return nil, err
	}
	var sealed []byte
	err = v.view(ctx, "RunJob", func(tx storage.Tx) error {
		j, err := jobTable.get(tx, rj.tenant, rj.id)
		if err != nil {
			return err
		}
		sealed = j.Payload
		if j.Detached {
			pl, err := jobPayloadTable.get(tx, rj.tenant, rj.id)
			if err != nil {
				return err
			}
			sealed = pl.Payload
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sealed != nil {
		if rj.payload, err = v.openSealed(ctx, tk, sealed, keysAD(rj.tenant, jobKindAD, rj.id, sealFieldPayload)); err != nil {
			return nil, err
		}
	}
	return k.run(ctx, rj)
}

// settleJob ends an attempt: on success the job goes and its commit runs,
// in one transaction that checks the lease; on failure the job is
// rescheduled with backoff, or dead-lettered once its attempts are spent.
// It writes even while the vault closes (Close waits for it).
// A commit that panics rolls back and fails the attempt, as a panicking run
// does.
func (v *Vault) settleJob(rj *runningJob, k *jobKind, commit func(tx storage.Tx) error, runErr error) error {
	err := v.settleAttempt(rj, k, commit, runErr)
	if runErr == nil && errors.Is(err, errCommitPanicked) {
		v.log.Error("a job's commit panicked", "kind", k.name, "job", rj.id)
		return v.settleAttempt(rj, k, nil, err)
	}
	return err
}

// errCommitPanicked fails an attempt whose commit panicked.
var errCommitPanicked = errors.New("job commit panicked")

// runCommit runs commit in tx, turning a panic into errCommitPanicked.
func runCommit(tx storage.Tx, commit func(tx storage.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errCommitPanicked
		}
	}()
	return commit(tx)
}

// settleAttempt is one settling transaction of settleJob.
func (v *Vault) settleAttempt(rj *runningJob, k *jobKind, commit func(tx storage.Tx) error, runErr error) error {
	return v.store.Update(context.Background(), func(tx storage.Tx) error {
		j, err := v.heldJob(tx, rj)
		if err != nil {
			return err
		}
		now := v.now().UTC()
		if runErr == nil {
			if commit != nil {
				if err := runCommit(tx, commit); err != nil {
					return err
				}
			}
			return removeJob(tx, rj.tenant, j)
		}
		if j.Attempts >= k.attempts {
			return v.deadLetter(tx, k, j, rj, runErr, now)
		}
		next := *j
		next.State, next.Lease, next.LastError = jobPending, nil, errorKindOf(runErr)
		next.NextRun = now.Add(jobBackoff(j.Attempts))
		return requeue(tx, k, rj, j, &next)
	})
}

// requeue replaces a claimed job with next, pending, and runs the kind's
// requeued hook.
func requeue(tx storage.Tx, k *jobKind, rj *runningJob, j, next *jobRecord) error {
	if err := jobTable.replace(tx, rj.tenant, j, next); err != nil {
		return err
	}
	if k.requeued != nil {
		return hook(k, "requeued", func() error { return k.requeued(tx, rj) })
	}
	return nil
}

// heldJob reads the job rj in tx, or errLeaseLost if this process no longer
// holds it (or it is gone: swept with its tenant).
func (v *Vault) heldJob(tx storage.Tx, rj *runningJob) (*jobRecord, error) {
	j, err := jobTable.get(tx, rj.tenant, rj.id)
	if errors.Is(err, errRecordNotFound) {
		return nil, errLeaseLost
	}
	if err != nil {
		return nil, err
	}
	// The lease may have ended by the clock and still be ours: no other
	// process claimed the job meanwhile, so this run's outcome stands.
	if j.State != jobRunning || j.Lease == nil || j.Lease.Owner != v.instance || j.Attempts != rj.attempt {
		return nil, errLeaseLost
	}
	return j, nil
}

// jobBackoff is the delay before the attempt after attempt (1-based):
// capped exponential, with jitter over its upper half.
func jobBackoff(attempt int) time.Duration {
	d := jobBackoffCap
	if attempt < 20 {
		d = min(jobBackoffBase<<max(attempt-1, 0), jobBackoffCap)
	}
	return d/2 + rand.N(d/2+1)
}

// handBack returns a job cut short by Close to the queue: pending, due now,
// the attempt not counted.
func (v *Vault) handBack(k *jobKind, rj *runningJob) {
	err := v.store.Update(context.Background(), func(tx storage.Tx) error {
		j, err := v.heldJob(tx, rj)
		if errors.Is(err, errLeaseLost) {
			return nil
		}
		if err != nil {
			return err
		}
		next := *j
		next.State, next.Lease, next.Attempts, next.NextRun = jobPending, nil, j.Attempts-1, v.now().UTC()
		return requeue(tx, k, rj, j, &next)
	})
	if err != nil {
		v.log.Warn("handing back a job failed", "job", rj.id, "err", err)
	}
}

// keepLeases extends the leases of the jobs this process runs, every third
// of a lease, in one transaction; a job whose lease another process took is
// cancelled.
func (v *Vault) keepLeases(ctx context.Context) {
	t := time.NewTicker(max(v.jobs.lease/3, time.Nanosecond)) // a lease under 3 ns would make a zero period
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v.jobs.mu.Lock()
		held := make([]*runningJob, 0, len(v.jobs.held))
		for rj := range v.jobs.held {
			held = append(held, rj)
		}
		v.jobs.mu.Unlock()
		if len(held) == 0 {
			continue
		}
		var lost []*runningJob
		err := v.update(ctx, "ExtendLeases", func(tx storage.Tx) error {
			lost = lost[:0]
			until := v.now().UTC().Add(v.jobs.lease)
			for _, rj := range held {
				j, err := v.heldJob(tx, rj)
				if errors.Is(err, errLeaseLost) {
					lost = append(lost, rj)
					continue
				}
				if err != nil {
					return err
				}
				next := *j
				next.Lease = &lease{Owner: v.instance, Until: until}
				if err := jobTable.replace(tx, rj.tenant, j, &next); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			if ctx.Err() == nil && !v.closed.Load() {
				v.log.Warn("extending job leases failed", "err", err)
			}
			continue
		}
		for _, rj := range lost {
			rj.cancel(errLeaseLost)
		}
	}
}

// sweepDeadJobs deletes dead-lettered jobs past their retention.
func (v *Vault) sweepDeadJobs(ctx context.Context) (int, error) {
	return sweepDue(ctx, v, jobTable, jobByExpiry, func(tx storage.Tx, tenant string, j *jobRecord, now time.Time) (bool, error) {
		if j.DeadAt == nil || now.Before(j.DeadAt.Add(deadJobRetention)) {
			return false, nil
		}
		return true, removeJob(tx, tenant, j)
	}, nil)
}

// jobPayload is the sealed payload of a job, stored apart from the job
// record: a job's record is rewritten by its claim, every lease renewal and
// its settle, its payload (a delivery job's events, tens of kilobytes) is
// written once and read once.
type jobPayload struct {
	ID      string
	Payload []byte // sealed
}

var jobPayloadTable = register(&table[jobPayload]{
	bucket: "jobs.payload",
	kind:   jobKindAD,
	schema: 1,
	id:     func(p *jobPayload) string { return p.ID },
	sealed: func(p *jobPayload) []sealedField {
		return []sealedField{{sealFieldPayload, &p.Payload, p.ID}}
	},
	marshal: func(p *jobPayload) []byte {
		b := append(make([]byte, 0, 2+binary.MaxVarintLen16+len(p.ID)+len(p.Payload)), envelopeV1, 1)
		b = append(binary.AppendUvarint(b, uint64(len(p.ID))), p.ID...)
		return append(b, p.Payload...)
	},
	unmarshal: func(b []byte) (*jobPayload, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errJobRecord
		}
		return &jobPayload{ID: string(b[k : k+int(n)]), Payload: bytes.Clone(b[k+int(n):])}, nil
	},
})

// insertJob inserts a new job (from newJob) in tx, its payload detached.
func insertJob(tx storage.Tx, tenant string, j *jobRecord) error {
	if j.Payload == nil {
		return jobTable.insert(tx, tenant, j)
	}
	if err := jobPayloadTable.insert(tx, tenant, &jobPayload{ID: j.ID, Payload: j.Payload}); err != nil {
		return err
	}
	rec := *j
	rec.Payload, rec.Detached = nil, true
	return jobTable.insert(tx, tenant, &rec)
}

// removeJob deletes a job with its payload.
func removeJob(tx storage.Tx, tenant string, j *jobRecord) error {
	if j.Detached {
		if err := tx.Delete(jobPayloadTable.bucket, jobPayloadTable.key(tenant, j.ID)); err != nil {
			return err
		}
	}
	return jobTable.remove(tx, tenant, j)
}
