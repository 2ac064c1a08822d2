package vault

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// enqueueTenantJob stores a job of kind in tenant.
func enqueueTenantJob(t testing.TB, v *Vault, tenant, kind, id string, payload []byte) {
	t.Helper()
	ctx := context.Background()
	tk, err := v.keys.Tenant(ctx, tenant)
	require.NoError(t, err)
	j, err := v.newJob(tk, tenant, kind, id, payload)
	require.NoError(t, err)
	require.NoError(t, v.update(ctx, "Enqueue", func(tx storage.Tx) error { return jobTable.insert(tx, tenant, j) }))
}

// TestProbeJobCommitPanicFailsTheAttempt: a kind's commit that panics (in
// the settle transaction) must not take the process down: it is a failed
// attempt, as a panic of run is.
func TestProbeJobCommitPanicFailsTheAttempt(t *testing.T) {
	clock := &testClock{t: time.Now()}
	k := &jobKind{name: "test.commitpanic", attempts: 3,
		run: func(context.Context, *runningJob) (func(storage.Tx) error, error) {
			return func(storage.Tx) error { panic("boom") }, nil
		}}
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, k.name, "p", nil)
	c := claimKind(t, v, v.instance, k.name, 1)
	require.Len(t, c, 1)
	require.NotPanics(t, func() { v.runClaimed(t.Context(), k, c[0]) })
	j := jobOf(t, v, "p")
	assert.Equal(t, jobPending, j.State, "the attempt failed and is retried")
	assert.Equal(t, 1, j.Attempts)
	require.NoError(t, v.Check(t.Context()))
}

// TestProbeJobNilCommitRemovesTheJob: a run returning no commit and no
// error finishes the job.
func TestProbeJobNilCommitRemovesTheJob(t *testing.T) {
	clock := &testClock{t: time.Now()}
	k := &jobKind{name: "test.nilcommit", attempts: 3,
		run: func(context.Context, *runningJob) (func(storage.Tx) error, error) { return nil, nil }}
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, k.name, "n", nil)
	c := claimKind(t, v, v.instance, k.name, 1)
	require.Len(t, c, 1)
	v.runClaimed(t.Context(), k, c[0])
	assert.Zero(t, countBucket(t, v, jobTable.bucket))
	assert.Zero(t, countBucket(t, v, jobByDue.bucket))
	require.NoError(t, v.Check(t.Context()))
}

// TestProbeUnknownKindStays: a job of a kind no process knows is neither
// lost nor claimed by another kind, and Check accepts it.
func TestProbeUnknownKindStays(t *testing.T) {
	clock := &testClock{t: time.Now()}
	var runs atomic.Int64
	k := effectKind("test.known", 0, &runs, 0)
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, "test.nobody", "u", nil)
	clock.add(time.Hour)
	assert.Empty(t, claimKind(t, v, v.instance, k.name, 4))
	_, err := v.sweep(t.Context())
	require.NoError(t, err)
	assert.Equal(t, jobPending, jobOf(t, v, "u").State)
	require.NoError(t, v.Check(t.Context()))
}

// TestProbeStartedHookErrorDoesNotBlockTheKind: one job whose started hook
// fails must not keep every other job of its kind from being claimed.
func TestProbeStartedHookErrorDoesNotBlockTheKind(t *testing.T) {
	clock := &testClock{t: time.Now()}
	var runs atomic.Int64
	k := effectKind("test.poison", 0, &runs, 0)
	k.started = func(_ storage.Tx, j *runningJob) error {
		if j.id == "bad" {
			return errors.New("cannot start")
		}
		return nil
	}
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, k.name, "bad", nil)
	clock.add(time.Millisecond)
	enqueueTestJob(t, v, k.name, "good", nil)
	clock.add(time.Millisecond)
	c, err := v.claimJobs(t.Context(), k, 4)
	assert.NoError(t, err)
	var ids []string
	for _, rj := range c {
		ids = append(ids, rj.id)
	}
	require.Equal(t, []string{"good"}, ids, "the good job is claimed despite the bad one")
	v.runClaimed(t.Context(), k, c[0])
	assert.Equal(t, 1, countBucket(t, v, "test.effects"))
	bad := jobOf(t, v, "bad")
	assert.Equal(t, jobPending, bad.State)
	assert.Equal(t, 1, bad.Attempts, "the failed start is a failed attempt")
	for range k.attempts {
		clock.add(jobBackoffCap)
		assert.Empty(t, claimKind(t, v, v.instance, k.name, 4))
	}
	assert.Equal(t, jobDead, jobOf(t, v, "bad").State, "it is dead-lettered once its attempts are spent, not retried forever")
	require.NoError(t, v.Check(t.Context()))
}

// TestProbeTenantDeletedWhileJobWaits: a tenant deleted and purged while
// its job waits leaves no job and no jobs.due entry; Check passes.
func TestProbeTenantDeletedWhileJobWaits(t *testing.T) {
	clock := &testClock{t: time.Now()}
	var runs atomic.Int64
	k := effectKind("test.tenantjob", 0, &runs, 0)
	v := openKindVault(t, clock, k)
	ctx := t.Context()
	tn, _, err := v.CreateTenant(ctx, CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	enqueueTenantJob(t, v, tn.ID, k.name, "w", nil)
	enqueueTenantJob(t, v, tn.ID, k.name, "r", nil)
	c := claimKind(t, v, v.instance, k.name, 1)
	require.Len(t, c, 1)
	require.NoError(t, v.DeleteTenant(ctx, tn.ID))
	// The running one finishes after the delete (keys gone, records not yet purged).
	v.runClaimed(ctx, k, c[0])
	require.NoError(t, v.Check(ctx))
	_, err = v.sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, countBucket(t, v, jobTable.bucket))
	assert.Zero(t, countBucket(t, v, jobByDue.bucket))
	assert.Zero(t, countBucket(t, v, "test.effects"), "no effect for a deleted tenant")
	clock.add(time.Hour)
	assert.Empty(t, claimKind(t, v, v.instance, k.name, 4))
	require.NoError(t, v.Check(ctx))
}

// flakyStore fails every Update while fail is set.
type flakyStore struct {
	storage.Store
	fail atomic.Bool
}

func (s *flakyStore) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	if s.fail.Load() {
		return errors.New("transient")
	}
	return s.Store.Update(ctx, fn)
}

func (*flakyStore) Close() error { return nil }

// TestProbeKeepLeasesSurvivesTransientFailures: the lease keeper keeps
// going after failed updates, and the job is run once.
func TestProbeKeepLeasesSurvivesTransientFailures(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	fs := &flakyStore{Store: store}
	var runs atomic.Int64
	const lease = 150 * time.Millisecond
	k := effectKind("test.flaky", 1, &runs, 4*lease)
	v, err := Open("", WithStore(fs), WithKeyProvider(fixedProvider(t)), WithSweepInterval(0),
		WithReactorWorkers(0), WithJobLease(lease), withJobKinds(k))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	enqueueTestJob(t, v, k.name, "f", nil)
	require.Eventually(t, func() bool { return runs.Load() == 1 }, 5*time.Second, time.Millisecond)
	fs.fail.Store(true)
	time.Sleep(lease / 2)
	fs.fail.Store(false)
	require.Eventually(t, func() bool { return countBucket(t, v, "test.effects") == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.Zero(t, countBucket(t, v, "test.dups"))
	require.Eventually(t, func() bool { return countBucket(t, v, jobTable.bucket) == 0 }, 5*time.Second, 10*time.Millisecond)
}

// TestProbeCloseDuringRunHandsBack: Close while a job runs hands it back,
// pending with the attempt not counted; another vault then runs it.
func TestProbeCloseDuringRunHandsBack(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	started := make(chan struct{}, 1)
	k := &jobKind{name: "test.close", workers: 1, attempts: 3,
		run: func(ctx context.Context, _ *runningJob) (func(storage.Tx) error, error) {
			started <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		}}
	v, err := Open("", WithStore(sharedStoreOf{store}), WithKeyProvider(fixedProvider(t)), WithSweepInterval(0),
		WithReactorWorkers(0), withJobKinds(k))
	require.NoError(t, err)
	enqueueTestJob(t, v, k.name, "c", nil)
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not start")
	}
	require.NoError(t, v.Close())
	var j *jobRecord
	require.NoError(t, store.View(t.Context(), func(tx storage.Tx) error {
		var err error
		j, err = jobTable.get(tx, v.defaultTenant, "c")
		return err
	}))
	assert.Equal(t, jobPending, j.State)
	assert.Zero(t, j.Attempts)
	assert.Nil(t, j.Lease)
}

// TestProbeReactorJobOfADeletedTenant: an async invocation whose tenant is
// deleted while it waits, then claimed and run, then purged: nothing is
// left (jobs, jobs.due, results, outbox), and Check passes throughout.
func TestProbeReactorJobOfADeletedTenant(t *testing.T) {
	clock := &testClock{t: time.Now()}
	log := &probeLog{}
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithClock(clock.now),
		WithReactorIsolation(sandbox.Isolation{InProcess: true}), WithEventHandler(func(_ context.Context, e Event) { log.add(e) }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	ctx := t.Context()
	tn, _, err := v.CreateTenant(ctx, CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	host := AsHost(ctx, tn.ID)
	r, err := v.CreateReactor(host, CreateReactorRequest{Name: "echo", Code: `module.exports = async () => ({ ok: true })`})
	require.NoError(t, err)
	_, err = v.ReactAsync(host, r.ID, ReactRequest{})
	require.NoError(t, err)
	_, err = v.ReactAsync(host, r.ID, ReactRequest{})
	require.NoError(t, err)
	c := claimKind(t, v, v.instance, reactorQueueKind, 1)
	require.Len(t, c, 1)
	require.NoError(t, v.DeleteTenant(ctx, tn.ID))
	k := v.jobs.kind(reactorQueueKind)
	v.runClaimed(ctx, k, c[0])
	require.NoError(t, v.Check(ctx))
	clock.add(time.Hour)
	for _, rj := range claimKind(t, v, v.instance, reactorQueueKind, 4) {
		v.runClaimed(ctx, k, rj)
	}
	require.NoError(t, v.Check(ctx))
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, v.FlushEvents(fctx))
	for range 3 {
		_, err = v.sweep(ctx)
		require.NoError(t, err)
		require.NoError(t, v.FlushEvents(fctx))
	}
	assert.Zero(t, countBucket(t, v, jobTable.bucket))
	assert.Zero(t, countBucket(t, v, jobByDue.bucket))
	assert.Zero(t, countBucket(t, v, reactorJobTable.bucket))
	require.NoError(t, v.Check(ctx))
	clock.add(time.Hour)
	assert.Empty(t, claimKind(t, v, v.instance, reactorQueueKind, 4))
}

// TestProbeInterruptedAcrossTwoVaults: two vaults on one store claim a job
// in turn as each one's lease runs out; once the attempts are spent the job
// is dead-lettered (the dead hook runs once), and every stale run's
// outcome is dropped.
func TestProbeInterruptedAcrossTwoVaults(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	clock := &testClock{t: time.Now()}
	var dead atomic.Int64
	var runs atomic.Int64
	var vaults [2]*Vault
	var kinds [2]*jobKind
	for i := range vaults {
		k := effectKind("test.interrupted", 0, &runs, 0)
		k.dead = func(storage.Tx, *runningJob, error) error { dead.Add(1); return nil }
		v, err := Open("", WithStore(sharedStoreOf{store}), WithKeyProvider(fixedProvider(t)), WithSweepInterval(0),
			WithReactorWorkers(0), WithClock(clock.now), withJobKinds(k))
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		vaults[i], kinds[i] = v, k
	}
	enqueueTestJob(t, vaults[0], "test.interrupted", "i", nil)
	var stale []*runningJob
	for attempt := range 3 {
		v := vaults[attempt%2]
		c, err := v.claimJobs(t.Context(), kinds[attempt%2], 1)
		require.NoError(t, err)
		require.Len(t, c, 1, "attempt %d", attempt+1)
		stale = append(stale, c[0])
		clock.add(DefaultJobLease + time.Millisecond)
	}
	c, err := vaults[1].claimJobs(t.Context(), kinds[1], 1)
	require.NoError(t, err)
	assert.Empty(t, c)
	assert.Equal(t, int64(1), dead.Load())
	assert.Equal(t, jobDead, jobOf(t, vaults[0], "i").State)
	for i, rj := range stale {
		vaults[i%2].runClaimed(t.Context(), kinds[i%2], rj)
	}
	assert.Zero(t, countBucket(t, vaults[0], "test.effects"), "no stale run's effect")
	assert.Equal(t, jobDead, jobOf(t, vaults[0], "i").State)
	assert.Equal(t, int64(1), dead.Load())
	require.NoError(t, vaults[0].Check(t.Context()))
}

// TestProbeReactorDeletedMidRun: an async invocation whose reactor is
// deleted while it runs still ends (failed, by its time limit) and its
// result stays readable; the job is gone and Check passes.
func TestProbeReactorDeletedMidRun(t *testing.T) {
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(1), WithReactorAsyncTimeout(300*time.Millisecond),
		WithReactorIsolation(sandbox.Isolation{InProcess: true}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	ctx := t.Context()
	r, err := v.CreateReactor(ctx, CreateReactorRequest{Name: "spin", Code: `module.exports = async () => { while (true) {} }`})
	require.NoError(t, err)
	id, err := v.ReactAsync(ctx, r.ID, ReactRequest{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		res, err := v.GetReactResult(ctx, r.ID, id)
		return err == nil && res.Status == ReactRunning
	}, 10*time.Second, 2*time.Millisecond)
	require.NoError(t, v.DeleteReactor(ctx, r.ID))
	var res *ReactResult
	require.Eventually(t, func() bool {
		res, err = v.GetReactResult(ctx, r.ID, id)
		return err == nil && res.Status == ReactFailed
	}, 10*time.Second, 10*time.Millisecond)
	require.NotNil(t, res.Error)
	require.Eventually(t, func() bool { return countBucket(t, v, jobTable.bucket) == 0 }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, v.Check(ctx))
}

// TestProbeTinyJobLeaseDoesNotPanic: a positive lease shorter than 3 ns
// (WithJobLease(2), an untyped constant taken for seconds) used to panic
// the lease keeper (time.NewTicker of a zero period); Open refuses a lease
// under 10 ms, and the keeper takes the shortest it accepts.
func TestProbeTinyJobLeaseDoesNotPanic(t *testing.T) {
	_, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithJobLease(2))
	assert.ErrorIs(t, err, ErrInvalid)
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithJobLease(minJobLease))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.NotPanics(t, func() { v.keepLeases(ctx) })
}

// TestProbeHookPanicsDoNotCrash: requeued and dead hooks that panic fail
// their transaction instead of taking the process down.
func TestProbeHookPanicsDoNotCrash(t *testing.T) {
	clock := &testClock{t: time.Now()}
	k := &jobKind{name: "test.hookpanic", attempts: 1,
		run: func(context.Context, *runningJob) (func(storage.Tx) error, error) {
			return nil, newError(KindUnavailable, "Test", "down")
		},
		requeued: func(storage.Tx, *runningJob) error { panic("requeued boom") },
		dead:     func(storage.Tx, *runningJob, error) error { panic("dead boom") },
	}
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, k.name, "j", nil)
	c := claimKind(t, v, v.instance, k.name, 1)
	require.Len(t, c, 1)
	require.NotPanics(t, func() { v.handBack(k, c[0]) }, "a requeued hook that panics")
	require.NotPanics(t, func() { v.runClaimed(t.Context(), k, c[0]) }, "a dead hook that panics, settling")
	clock.add(DefaultJobLease + time.Second)
	require.NotPanics(t, func() {
		c, err := v.claimJobs(t.Context(), k, 1)
		assert.NoError(t, err)
		assert.Empty(t, c)
	})
	assert.Equal(t, jobDead, jobOf(t, v, "j").State, "dead-lettered without the hook that panicked")
	require.NoError(t, v.Check(t.Context()))
}

// TestProbeFailingDeadHookDoesNotBlockTheKind: a job whose attempts ran out
// while its kind's dead hook keeps failing is dead-lettered without the
// hook, and the jobs due after it are still claimed.
func TestProbeFailingDeadHookDoesNotBlockTheKind(t *testing.T) {
	clock := &testClock{t: time.Now()}
	var runs atomic.Int64
	k := effectKind("test.deadfails", 0, &runs, 0)
	k.attempts = 1
	deadCalls := 0
	k.dead = func(storage.Tx, *runningJob, error) error { deadCalls++; return errors.New("the dead hook is broken") }
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, k.name, "bad", nil)
	require.Len(t, claimKind(t, v, "dead-process", k.name, 1), 1) // its one attempt, and the process dies
	clock.add(DefaultJobLease + time.Second)
	enqueueTestJob(t, v, k.name, "good", nil)
	c := claimKind(t, v, v.instance, k.name, 4)
	require.Len(t, c, 1, "the good job is claimed")
	assert.Equal(t, "good", c[0].id)
	assert.Equal(t, jobDead, jobOf(t, v, "bad").State)
	assert.Equal(t, 1, deadCalls, "the hook was tried once")
	require.NoError(t, v.Check(t.Context()))
}

// TestProbeStartedHookPanicDoesNotCrash: a started hook that panics (in the
// claim transaction, on the dispatcher's goroutine) fails that job's
// attempt instead of taking the process down.
func TestProbeStartedHookPanicDoesNotCrash(t *testing.T) {
	clock := &testClock{t: time.Now()}
	var runs atomic.Int64
	k := effectKind("test.startpanic", 0, &runs, 0)
	k.started = func(_ storage.Tx, j *runningJob) error {
		if j.id == "bad" {
			panic("boom")
		}
		return nil
	}
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, k.name, "bad", nil)
	clock.add(time.Millisecond)
	enqueueTestJob(t, v, k.name, "good", nil)
	clock.add(time.Millisecond)
	var c []*runningJob
	var err error
	require.NotPanics(t, func() { c, err = v.claimJobs(t.Context(), k, 4) })
	require.NoError(t, err)
	require.Len(t, c, 1)
	assert.Equal(t, "good", c[0].id)
	assert.Equal(t, 1, jobOf(t, v, "bad").Attempts)
	assert.Equal(t, jobPending, jobOf(t, v, "bad").State)
}
