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
// "Reactors: asynchronous invocations"). An invocation is two records of
// the tenant written together: a reactorJob, which holds its state and,
// once it ended, its sealed result, and a job of the queue (jobs.go) with
// the same id, whose sealed payload is the detokenized args. The queue
// claims, leases, retries and hands the job back; the job's commit stores
// the outcome in the reactorJob.

// Statuses of an asynchronous invocation ([ReactResult].Status).
const (
	ReactPending   = "pending"
	ReactRunning   = "running"
	ReactCompleted = "completed"
	ReactFailed    = "failed"
)

const (
	reactorJobKind    = "reactor-job"
	reactorQueueKind  = "reactor.invoke" // the job queue's kind of invocations
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

// reactorJob is an asynchronous invocation as stored. Result (a
// ReactResponse) and Failure (a ReactorFailure) are sealed JSON.
type reactorJob struct {
	ID          string     `json:"id"`
	ReactorID   string     `json:"reactor_id"`
	ReactorName string     `json:"reactor_name,omitempty"`
	Status      string     `json:"status"`
	Caller      jobCaller  `json:"caller"`
	TraceID     string     `json:"trace_id,omitempty"`
	Result      []byte     `json:"result,omitempty"`
	CallbackURL string     `json:"callback_url,omitempty"`
	CallbackKey []byte     `json:"callback_key,omitempty"` // sealed
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
		indexes: []*index[reactorJob]{reactorJobByExpiry},
		sealed: func(r *reactorJob) []sealedField {
			return []sealedField{{sealFieldResult, &r.Result, r.ID}, {sealFieldFailure, &r.Failure, r.ID}, {sealFieldCallbackKey, &r.CallbackKey, r.ID}}
		},
	})
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
// reactor.completed or reactor.failed when the job ends. A request with a
// CallbackURL is refused (KindInvalid): [Vault.ReactAsyncWithCallback]
// takes it and returns the key that signs the callback.
func (v *Vault) ReactAsync(ctx context.Context, id string, req ReactRequest) (string, error) {
	const op = "ReactAsync"
	if req.CallbackURL != "" {
		fe := fieldErrors{}
		fe.add(callbackURLField, "%s", callbackNeedsKeyError)
		return "", fe.err(op)
	}
	r, err := v.reactAsync(ctx, op, id, req)
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

// reactAsync queues an asynchronous invocation.
func (v *Vault) reactAsync(ctx context.Context, op, id string, req ReactRequest) (*AsyncReaction, error) {
	p := v.principal(ctx)
	if err := requireInvoke(op, &p); err != nil {
		return nil, err
	}
	if err := v.checkCallbackURL(op, req.CallbackURL); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	inv, err := v.loadInvocation(ctx, op, p.TenantID, id, tk)
	if err != nil {
		return nil, err
	}
	args, err := v.reactorArgs(ctx, op, p, inv, req.Args)
	if err != nil {
		return nil, err
	}
	jobID := uuid.NewString()
	queued, err := v.newJob(tk, p.TenantID, reactorQueueKind, jobID, args)
	clear(args)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	out := &AsyncReaction{ID: jobID}
	var callbackKey []byte
	if req.CallbackURL != "" {
		key := newSigningKey()
		if callbackKey, err = tk.Seal([]byte(key), keysAD(p.TenantID, reactorJobKind, jobID, sealFieldCallbackKey)); err != nil {
			return nil, wrapErr(op, err)
		}
		out.CallbackSigningKey = NewSecret(key)
	}
	now := queued.CreatedAt
	job := &reactorJob{
		ID: jobID, ReactorID: id, ReactorName: inv.name, Status: ReactPending,
		Caller: jobCaller{Principal: p, Host: p.host}, TraceID: TraceID(ctx),
		CreatedAt: now, ExpiresAt: now.Add(v.reactors.resultTTL),
		CallbackURL: req.CallbackURL, CallbackKey: callbackKey,
	}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if err := reactorJobTable.insert(tx, p.TenantID, job); err != nil {
			return err
		}
		if err := insertJob(tx, p.TenantID, queued); err != nil {
			return err
		}
		return v.emitInvocationTx(ctx, tx, EventReactorInvoked, p.TenantID, id, inv.name, jobID, invocationAsync, -1, nil)
	})
	if err != nil {
		return nil, err
	}
	v.jobs.signal()
	return out, nil
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
	return v.reactResult(ctx, tk, p.TenantID, job)
}

// reactResult opens an invocation's outcome.
func (v *Vault) reactResult(ctx context.Context, tk *keys.TenantKeys, tenant string, job *reactorJob) (*ReactResult, error) {
	const op = "GetReactResult"
	res := &ReactResult{
		ID: job.ID, ReactorID: job.ReactorID, Status: job.Status, CreatedAt: job.CreatedAt, StartedAt: job.StartedAt,
		CompletedAt: job.CompletedAt, ElapsedMS: job.ElapsedMS, ExpiresAt: job.ExpiresAt,
	}
	if job.Result != nil {
		plain, err := v.openSealed(ctx, tk, job.Result, keysAD(tenant, reactorJobKind, job.ID, sealFieldResult))
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
		plain, err := v.openSealed(ctx, tk, job.Failure, keysAD(tenant, reactorJobKind, job.ID, sealFieldFailure))
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

// reactorJobs is the job queue's kind of asynchronous invocations.
func (v *Vault) reactorJobs() *jobKind {
	return &jobKind{
		name: reactorQueueKind, workers: v.reactors.workers, attempts: maxReactorAttempts,
		started: v.reactorJobStarted, run: v.runReactorJob, requeued: v.reactorJobRequeued, dead: v.reactorJobDead,
	}
}

// reactorJobStarted marks the invocation running, in the claim
// transaction, and keeps it from expiring while it runs.
func (v *Vault) reactorJobStarted(tx storage.Tx, rj *runningJob) error {
	now := v.now().UTC()
	_, err := changeInvocation(tx, rj, func(next *reactorJob) {
		next.Status, next.StartedAt = ReactRunning, &now
		if keep := now.Add(v.reactors.asyncTimeout + v.jobs.lease + v.reactors.resultTTL); next.ExpiresAt.Before(keep) {
			next.ExpiresAt = keep
		}
	})
	return err
}

// changeInvocation applies change to a copy of the invocation of rj and
// stores it, in tx, returning the invocation as it was; an invocation that
// is gone (swept, or purged with its tenant) is left alone (nil, nil).
func changeInvocation(tx storage.Tx, rj *runningJob, change func(next *reactorJob)) (*reactorJob, error) {
	job, err := reactorJobTable.get(tx, rj.tenant, rj.id)
	if errors.Is(err, errRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	next := *job
	change(&next)
	return job, reactorJobTable.replace(tx, rj.tenant, job, &next)
}

// reactorJobRequeued marks the invocation pending again.
func (v *Vault) reactorJobRequeued(tx storage.Tx, rj *runningJob) error {
	_, err := changeInvocation(tx, rj, func(next *reactorJob) { next.Status, next.StartedAt = ReactPending, nil })
	return err
}

// runReactorJob runs a claimed invocation. The reactor's outcome, success
// or failure, is the job's effect (its commit stores it and raises
// reactor.completed or reactor.failed); only a run cut short by Close or by
// a lost lease, or a failure to store the outcome, fails the attempt.
func (v *Vault) runReactorJob(ctx context.Context, rj *runningJob) (func(tx storage.Tx) error, error) {
	const op = "ReactAsync"
	var job *reactorJob
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		job, err = reactorJobTable.get(tx, rj.tenant, rj.id)
		return err
	})
	if errors.Is(err, errRecordNotFound) {
		return nil, nil // swept, or its tenant purged
	}
	if err != nil {
		return nil, err
	}
	ctx = WithTraceID(ctx, job.TraceID)
	start := time.Now()
	resp, runErr := v.runInvocation(ctx, op, rj, job)
	elapsed := time.Since(start)
	if runErr != nil && ctx.Err() != nil {
		return nil, runErr
	}
	tk, err := v.keys.Tenant(ctx, rj.tenant)
	if err != nil {
		return nil, err
	}
	field, value, typ := sealFieldResult, any(resp), EventReactorCompleted
	if runErr != nil {
		field, value, typ = sealFieldFailure, v.jobFailure(rj, runErr), EventReactorFailed
	}
	plain, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	sealed, err := tk.Seal(plain, keysAD(rj.tenant, reactorJobKind, rj.id, field))
	clear(plain)
	if err != nil {
		return nil, err
	}
	return func(tx storage.Tx) error {
		now := v.now().UTC()
		job, err := changeInvocation(tx, rj, func(next *reactorJob) {
			next.Status, next.Result, next.Failure = ReactCompleted, sealed, nil
			if runErr != nil {
				next.Status, next.Result, next.Failure = ReactFailed, nil, sealed
			}
			next.CompletedAt, next.ElapsedMS, next.ExpiresAt = &now, elapsed.Milliseconds(), now.Add(v.reactors.resultTTL)
		})
		if job == nil || err != nil {
			return err
		}
		if err := v.callbackJob(tx, rj.tenant, job); err != nil {
			return err
		}
		return v.emitInvocationTx(ctx, tx, typ, rj.tenant, job.ReactorID, job.ReactorName, job.ID, invocationAsync, elapsed, runErr)
	}, nil
}

// runInvocation runs the reactor of job with the args of rj, as the caller
// that invoked it.
func (v *Vault) runInvocation(ctx context.Context, op string, rj *runningJob, job *reactorJob) (*ReactResponse, error) {
	tk, _, err := v.tenantContext(ctx, rj.tenant)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	inv, err := v.loadInvocation(ctx, op, rj.tenant, job.ReactorID, tk)
	if err != nil {
		return nil, err
	}
	return v.execute(ctx, op, inv, rj.payload, job.Caller.principal(), v.reactors.asyncTimeout, true)
}

// reactorJobDead fails an invocation whose job was dead-lettered: its
// processes kept dying, or its outcome could not be stored.
func (v *Vault) reactorJobDead(tx storage.Tx, rj *runningJob, _ error) error {
	now := v.now().UTC()
	job, err := changeInvocation(tx, rj, func(next *reactorJob) {
		next.Status, next.Interrupted, next.CompletedAt, next.ExpiresAt = ReactFailed, true, &now, now.Add(v.reactors.resultTTL)
	})
	if job == nil || err != nil {
		return err
	}
	if err := v.callbackJob(tx, rj.tenant, job); err != nil {
		return err
	}
	failure := runtimeFailure("", interruptedDetail)
	return v.emitInvocationTx(WithTraceID(context.Background(), job.TraceID), tx, EventReactorFailed, rj.tenant, job.ReactorID, job.ReactorName, job.ID, invocationAsync, 0, failure)
}

// jobFailure is the stored form of a job's error; internal causes are
// logged here and never stored.
func (v *Vault) jobFailure(rj *runningJob, err error) *ReactorFailure {
	e := wrapErr("", err).(*Error)
	if e.Reactor != nil {
		out := *e.Reactor
		return &out
	}
	out := &ReactorFailure{Status: e.Kind.Status(), Detail: e.Detail, Errors: e.Fields}
	if e.Kind == KindInternal {
		v.log.Warn("reactor job failed", "job", rj.id, "err", err)
		out.Detail, out.Errors = "internal error", nil
	}
	return out
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
