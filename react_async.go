package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Asynchronous invocations (see the package documentation, section
// "Reactors: asynchronous invocations").
// A job is a record of the tenant; two global time indexes order the jobs of
// every tenant: reactor_jobs.due by when a job may be claimed (a pending
// job at once, a running one when its lease ends; a finished one never), and
// reactor_jobs.expiry by when the sweeper deletes it. Claiming is a store
// transaction that re-reads the job, so two processes never both hold one.

// Statuses of an asynchronous invocation ([ReactResult].Status).
const (
	ReactPending   = "pending"
	ReactRunning   = "running"
	ReactCompleted = "completed"
	ReactFailed    = "failed"
)

const (
	reactorJobKind    = "reactor-job"
	sealFieldArgs     = "args"
	sealFieldResult   = "result"
	sealFieldFailure  = "failure"
	interruptedDetail = "the invocation was interrupted too many times"
)

// ReactResult is the state of an asynchronous invocation: its status and,
// once it has finished, the reactor's response (completed) or its error
// (failed). Error is a [ReactorFailure] whatever failed: for a
// failure that was not the reactor's own (the reactor was deleted, its
// output could not be tokenized, ...) Name is empty and Status is that of
// the vault error's kind.
//
// A ReactResult never prints its response or error details.
type ReactResult struct {
	ID          string          `json:"id"`
	ReactorID   string          `json:"reactor_id"`
	Status      string          `json:"status"`
	Response    *ReactResponse  `json:"response,omitempty"`
	Error       *ReactorFailure `json:"error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	StartedAt   *time.Time      `json:"started_at,omitempty"`
	CompletedAt *time.Time      `json:"completed_at,omitempty"`
	// ElapsedMS is how long the reactor ran, once finished.
	ElapsedMS int64 `json:"elapsed_ms,omitempty"`
	// ExpiresAt is when the result stops being readable.
	ExpiresAt time.Time `json:"expires_at"`
}

// String describes the result without its content.
func (r ReactResult) String() string {
	return "ReactResult{ID:" + r.ID + " ReactorID:" + r.ReactorID + " Status:" + r.Status + "}"
}

// Format prints the result without its content, whatever the verb.
func (r ReactResult) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the result's ids and status only.
func (r ReactResult) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", r.ID), slog.String("reactor_id", r.ReactorID), slog.String("status", r.Status))
}

// jobCaller is the principal that invoked an asynchronous reactor: the
// result is readable by it only, and it tokenizes the output of reactors
// without an application.
type jobCaller struct {
	Principal
	Host bool `json:"host,omitempty"`
}

func (c jobCaller) principal() Principal {
	p := c.Principal
	p.host = c.Host
	return p
}

// reactorJob is an asynchronous invocation as stored. Args (the detokenized
// args, dropped when the job finishes), Result (a ReactResponse) and Failure
// (a ReactorFailure) are sealed JSON.
type reactorJob struct {
	ID          string     `json:"id"`
	ReactorID   string     `json:"reactor_id"`
	ReactorName string     `json:"reactor_name,omitempty"`
	Status      string     `json:"status"`
	Args        []byte     `json:"args,omitempty"`
	Caller      jobCaller  `json:"caller"`
	TraceID     string     `json:"trace_id,omitempty"`
	Owner       string     `json:"owner,omitempty"` // the process running it
	Due         *time.Time `json:"due,omitempty"`   // claimable from; nil once finished
	Attempts    int        `json:"attempts,omitempty"`
	Result      []byte     `json:"result,omitempty"`
	Failure     []byte     `json:"failure,omitempty"`
	Interrupted bool       `json:"interrupted,omitempty"` // failed: its processes kept dying
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	ElapsedMS   int64      `json:"elapsed_ms,omitempty"`
	ExpiresAt   time.Time  `json:"expires_at"`
}

var (
	reactorJobTable = register(&table[reactorJob]{
		bucket:  "reactor_jobs",
		kind:    reactorJobKind,
		schema:  1,
		id:      func(r *reactorJob) string { return r.ID },
		indexes: []*index[reactorJob]{reactorJobByDue, reactorJobByExpiry},
		sealed: func(r *reactorJob) []sealedField {
			return []sealedField{{sealFieldArgs, &r.Args, r.ID}, {sealFieldResult, &r.Result, r.ID}, {sealFieldFailure, &r.Failure, r.ID}}
		},
	})
	reactorJobByDue = &index[reactorJob]{bucket: "reactor_jobs.due", global: true, terms: func(r *reactorJob) [][]byte {
		if r.Due == nil {
			return nil
		}
		return [][]byte{keyenc.AppendTime(nil, *r.Due)}
	}}
	reactorJobByExpiry = &index[reactorJob]{bucket: "reactor_jobs.expiry", global: true, terms: func(r *reactorJob) [][]byte {
		return [][]byte{keyenc.AppendTime(nil, r.ExpiresAt)}
	}}
)

// ReactAsync invokes a reactor asynchronously and returns the request id
// that [Vault.GetReactResult] takes. The args are detokenized and validated
// now, with the permissions and errors of [Vault.React] (a failure returns
// an error and stores nothing); the reactor runs later on a worker of any
// process sharing the store, with the asynchronous time limit, the code and
// configuration it has then. Raises reactor.invoked now, and
// reactor.completed or reactor.failed when the job ends.
func (v *Vault) ReactAsync(ctx context.Context, id string, req ReactRequest) (string, error) {
	const op = "ReactAsync"
	p := v.principal(ctx)
	if err := requireInvoke(op, &p); err != nil {
		return "", err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return "", wrapErr(op, err)
	}
	inv, err := v.loadInvocation(ctx, op, p.TenantID, id, tk)
	if err != nil {
		return "", err
	}
	args, err := v.reactorArgs(ctx, op, p, inv, req.Args)
	if err != nil {
		return "", err
	}
	jobID := uuid.NewString()
	sealed, err := tk.Seal(args, keysAD(p.TenantID, reactorJobKind, jobID, sealFieldArgs))
	clear(args)
	if err != nil {
		return "", wrapErr(op, err)
	}
	now := v.now().UTC()
	job := &reactorJob{
		ID: jobID, ReactorID: id, ReactorName: inv.name, Status: ReactPending, Args: sealed,
		Caller: jobCaller{Principal: p, Host: p.host}, TraceID: TraceID(ctx),
		Due: &now, CreatedAt: now, ExpiresAt: now.Add(v.reactors.resultTTL),
	}
	if err := v.update(ctx, op, func(tx storage.Tx) error { return reactorJobTable.insert(tx, p.TenantID, job) }); err != nil {
		return "", err
	}
	v.emitInvocation(ctx, EventReactorInvoked, p.TenantID, id, inv.name, jobID, invocationAsync, -1, nil)
	v.reactors.signal()
	return jobID, nil
}

// GetReactResult returns the state of an asynchronous invocation of the
// reactor reactorID. Only the application or session that invoked it (and
// the host) may read it, with reactor:invoke or token:use; the result is
// kept for the result retention after the job ends. Errors: KindNotFound
// for an unknown, expired or foreign request, KindForbidden.
func (v *Vault) GetReactResult(ctx context.Context, reactorID, requestID string) (*ReactResult, error) {
	const op = "GetReactResult"
	p := v.principal(ctx)
	if err := requireInvoke(op, &p); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var job *reactorJob
	err = v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		job, err = reactorJobTable.get(tx, p.TenantID, requestID)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "reactor result not found")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if job.ReactorID != reactorID || !job.Caller.sameAs(p) || !v.now().Before(job.ExpiresAt) {
		return nil, newError(KindNotFound, op, "reactor result not found")
	}
	res := &ReactResult{
		ID: job.ID, ReactorID: job.ReactorID, Status: job.Status, CreatedAt: job.CreatedAt, StartedAt: job.StartedAt,
		CompletedAt: job.CompletedAt, ElapsedMS: job.ElapsedMS, ExpiresAt: job.ExpiresAt,
	}
	if job.Result != nil {
		plain, err := v.openSealed(ctx, tk, job.Result, keysAD(p.TenantID, reactorJobKind, job.ID, sealFieldResult))
		if err != nil {
			return nil, wrapErr(op, err)
		}
		res.Response, err = decodeResponse(plain)
		clear(plain)
		if err != nil {
			return nil, wrapErr(op, err)
		}
	}
	if job.Failure != nil {
		plain, err := v.openSealed(ctx, tk, job.Failure, keysAD(p.TenantID, reactorJobKind, job.ID, sealFieldFailure))
		if err != nil {
			return nil, wrapErr(op, err)
		}
		res.Error = &ReactorFailure{}
		err = json.Unmarshal(plain, res.Error)
		clear(plain)
		if err != nil {
			return nil, wrapErr(op, err)
		}
	}
	if job.Interrupted {
		res.Error = runtimeFailure("", interruptedDetail).Reactor
	}
	return res, nil
}

// sameAs reports whether p may read the results of jobs c invoked.
func (c jobCaller) sameAs(p Principal) bool {
	if p.host {
		return true
	}
	return !c.Host && c.ApplicationID == p.ApplicationID && c.SessionID == p.SessionID
}

// claimedJob is a job this process holds the lease of.
type claimedJob struct {
	tenant string
	job    *reactorJob
}

// dispatchReactorJobs runs until ctx is done: it claims due jobs while a
// worker slot is free, runs each on its own goroutine, and otherwise waits
// for a new job of this process, a finished job or the poll interval (jobs
// of other processes, expired leases).
func (v *Vault) dispatchReactorJobs(ctx context.Context) {
	rt := v.reactors
	slots := make(chan struct{}, rt.workers)
	tick := time.NewTicker(reactorPollEvery)
	defer tick.Stop()
	for {
		v.fillReactorSlots(ctx, slots)
		select {
		case <-ctx.Done():
			return
		case <-rt.wake:
		case <-tick.C:
		}
	}
}

func (v *Vault) fillReactorSlots(ctx context.Context, slots chan struct{}) {
	for ctx.Err() == nil {
		select {
		case slots <- struct{}{}:
		default:
			return // every worker is busy; the next to finish wakes the dispatcher
		}
		c, err := v.claimReactorJob(ctx)
		if err != nil || c == nil {
			<-slots
			if err != nil && ctx.Err() == nil && !v.closed.Load() {
				v.log.Warn("claiming a reactor job failed", "err", err)
			}
			return
		}
		v.goBackground(func(ctx context.Context) {
			defer func() {
				<-slots
				v.reactors.signal()
			}()
			v.runReactorJob(ctx, c)
		})
	}
}

// claimReactorJob takes the lease of the first due job, or returns nil when
// none is due. A job whose attempts are spent fails instead.
func (v *Vault) claimReactorJob(ctx context.Context) (*claimedJob, error) {
	const op = "ClaimReactorJob"
	due := false
	err := v.view(ctx, op, func(tx storage.Tx) error {
		due = false
		end := keyenc.AppendTime(nil, v.now().Add(time.Nanosecond))
		return tx.Scan(reactorJobByDue.bucket, storage.ScanOptions{End: end, Limit: 1}, func(_, _ []byte) error {
			due = true
			return nil
		})
	})
	if err != nil || !due {
		return nil, err
	}
	rt := v.reactors
	var claimed *claimedJob
	var abandoned []claimedJob
	err = v.update(ctx, op, func(tx storage.Tx) error {
		claimed, abandoned = nil, nil
		now := v.now().UTC()
		todo, err := dueEntries(tx, reactorJobByDue.bucket, now)
		if err != nil {
			return err
		}
		for _, d := range todo {
			job, err := reactorJobTable.get(tx, d.tenant, d.id)
			if errors.Is(err, errRecordNotFound) {
				if err := tx.Delete(reactorJobByDue.bucket, d.key); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			if job.Due == nil || job.Due.After(now) {
				continue
			}
			next := *job
			if job.Attempts >= maxReactorAttempts {
				next.Status, next.Interrupted, next.Args, next.Due, next.Owner = ReactFailed, true, nil, nil, ""
				next.CompletedAt, next.ExpiresAt = &now, now.Add(rt.resultTTL)
				if err := reactorJobTable.replace(tx, d.tenant, job, &next); err != nil {
					return err
				}
				abandoned = append(abandoned, claimedJob{d.tenant, &next})
				continue
			}
			lease := now.Add(rt.asyncTimeout + reactorLeaseGrace)
			next.Status, next.Owner, next.Attempts, next.StartedAt, next.Due = ReactRunning, v.instance, job.Attempts+1, &now, &lease
			if keep := lease.Add(rt.resultTTL); next.ExpiresAt.Before(keep) {
				next.ExpiresAt = keep
			}
			if err := reactorJobTable.replace(tx, d.tenant, job, &next); err != nil {
				return err
			}
			claimed = &claimedJob{d.tenant, &next}
			return nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, a := range abandoned {
		failure := runtimeFailure("", interruptedDetail)
		v.emitInvocation(WithTraceID(ctx, a.job.TraceID), EventReactorFailed, a.tenant, a.job.ReactorID, a.job.ReactorName, a.job.ID, invocationAsync, 0, failure)
	}
	return claimed, err
}

// runReactorJob runs a claimed job and stores its outcome; if the vault is
// closing, it hands the job back instead, for the next process to run.
func (v *Vault) runReactorJob(ctx context.Context, c *claimedJob) {
	const op = "ReactAsync"
	job := c.job
	jctx := WithTraceID(ctx, job.TraceID)
	start := time.Now()
	resp, runErr := v.runJob(jctx, op, c)
	elapsed := time.Since(start)
	if runErr != nil && (ctx.Err() != nil || v.closed.Load()) {
		v.releaseReactorJob(c)
		return
	}
	if err := v.finishReactorJob(c, resp, runErr, elapsed); err != nil {
		if !errors.Is(err, keys.ErrTenantDeleted) { // a deleted tenant's jobs are purged with it
			v.log.Warn("storing a reactor result failed", "job", job.ID, "err", err)
		}
		return
	}
	if runErr != nil {
		v.emitInvocation(jctx, EventReactorFailed, c.tenant, job.ReactorID, job.ReactorName, job.ID, invocationAsync, elapsed, runErr)
		return
	}
	v.emitInvocation(jctx, EventReactorCompleted, c.tenant, job.ReactorID, job.ReactorName, job.ID, invocationAsync, elapsed, nil)
}

func (v *Vault) runJob(ctx context.Context, op string, c *claimedJob) (*ReactResponse, error) {
	tk, _, err := v.tenantContext(ctx, c.tenant)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	inv, err := v.loadInvocation(ctx, op, c.tenant, c.job.ReactorID, tk)
	if err != nil {
		return nil, err
	}
	args, err := v.openSealed(ctx, tk, c.job.Args, keysAD(c.tenant, reactorJobKind, c.job.ID, sealFieldArgs))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	defer clear(args)
	return v.execute(ctx, op, inv, args, c.job.Caller.principal(), v.reactors.asyncTimeout, true)
}

// errLeaseLost reports a job that another process took over (this one's
// lease expired): its outcome is dropped.
var errLeaseLost = errors.New("reactor job lease lost")

// ours reports whether job is still the run this process claimed.
func (v *Vault) ours(job *reactorJob, c *claimedJob) bool {
	return job.Status == ReactRunning && job.Owner == v.instance && job.Attempts == c.job.Attempts
}

// finishReactorJob seals and stores the outcome of a job. It writes even
// while the vault closes (Close waits for it before closing the store).
func (v *Vault) finishReactorJob(c *claimedJob, resp *ReactResponse, runErr error, elapsed time.Duration) error {
	ctx := context.Background()
	tk, err := v.keys.Tenant(ctx, c.tenant)
	if err != nil {
		return err
	}
	field, value := sealFieldResult, any(resp)
	if runErr != nil {
		field, value = sealFieldFailure, v.jobFailure(c, runErr)
	}
	plain, err := json.Marshal(value)
	if err != nil {
		return err
	}
	sealed, err := tk.Seal(plain, keysAD(c.tenant, reactorJobKind, c.job.ID, field))
	clear(plain)
	if err != nil {
		return err
	}
	return v.store.Update(ctx, func(tx storage.Tx) error {
		job, err := reactorJobTable.get(tx, c.tenant, c.job.ID)
		if errors.Is(err, errRecordNotFound) {
			return nil // swept, or its tenant purged
		}
		if err != nil {
			return err
		}
		if !v.ours(job, c) {
			return errLeaseLost
		}
		now := v.now().UTC()
		next := *job
		next.Status, next.Result, next.Failure = ReactCompleted, sealed, nil
		if runErr != nil {
			next.Status, next.Result, next.Failure = ReactFailed, nil, sealed
		}
		next.Args, next.Due, next.Owner = nil, nil, ""
		next.CompletedAt, next.ElapsedMS, next.ExpiresAt = &now, elapsed.Milliseconds(), now.Add(v.reactors.resultTTL)
		return reactorJobTable.replace(tx, c.tenant, job, &next)
	})
}

// jobFailure is the stored form of a job's error; internal causes are
// logged here and never stored.
func (v *Vault) jobFailure(c *claimedJob, err error) *ReactorFailure {
	e := wrapErr("", err).(*Error)
	if e.Reactor != nil {
		out := *e.Reactor
		return &out
	}
	out := &ReactorFailure{Status: e.Kind.Status(), Detail: e.Detail, Errors: e.Fields}
	if e.Kind == KindInternal {
		v.log.Warn("reactor job failed", "job", c.job.ID, "err", err)
		out.Detail, out.Errors = "internal error", nil
	}
	return out
}

// releaseReactorJob hands a job back (pending, due now, the attempt not
// counted) when its run was cut short by Close.
func (v *Vault) releaseReactorJob(c *claimedJob) {
	err := v.store.Update(context.Background(), func(tx storage.Tx) error {
		job, err := reactorJobTable.get(tx, c.tenant, c.job.ID)
		if errors.Is(err, errRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !v.ours(job, c) {
			return nil
		}
		now := v.now().UTC()
		next := *job
		next.Status, next.Owner, next.Attempts, next.StartedAt, next.Due = ReactPending, "", job.Attempts-1, nil, &now
		return reactorJobTable.replace(tx, c.tenant, job, &next)
	})
	if err != nil {
		v.log.Warn("handing back a reactor job failed", "job", c.job.ID, "err", err)
	}
}

// sweepReactorResults deletes asynchronous invocations past their
// retention.
func (v *Vault) sweepReactorResults(ctx context.Context) (int, error) {
	return sweepDue(ctx, v, reactorJobTable, reactorJobByExpiry, func(tx storage.Tx, tenant string, r *reactorJob, now time.Time) (bool, error) {
		if now.Before(r.ExpiresAt) {
			return false, nil
		}
		return true, reactorJobTable.remove(tx, tenant, r)
	}, nil)
}
