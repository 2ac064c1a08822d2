package vault

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
	"github.com/tokenvault/vault/storage/postgres"
)

// withJobKinds adds job kinds to a vault, for tests.
func withJobKinds(kinds ...*jobKind) Option {
	return func(c *config) { c.jobKinds = append(c.jobKinds, kinds...) }
}

// openKindVault is a memory vault running no worker of its own (the test
// claims and runs jobs by hand) on clock, knowing the job kinds.
func openKindVault(t *testing.T, clock *testClock, kinds ...*jobKind) *Vault {
	t.Helper()
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithClock(clock.now), withJobKinds(kinds...))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v
}

// enqueueTestJob stores a job of kind in the default tenant and wakes the
// queue.
func enqueueTestJob(t testing.TB, v *Vault, kind, id string, payload []byte) {
	t.Helper()
	ctx := context.Background()
	tk, err := v.keys.Tenant(ctx, v.defaultTenant)
	require.NoError(t, err)
	j, err := v.newJob(tk, v.defaultTenant, kind, id, payload)
	require.NoError(t, err)
	require.NoError(t, v.update(ctx, "Enqueue", func(tx storage.Tx) error { return insertJob(tx, v.defaultTenant, j) }))
	v.jobs.signal()
}

// effectKind is a job kind whose effect, applied in the job's commit,
// records the job id in the bucket "test.effects", or in "test.dups" if it
// was there already.
func effectKind(name string, workers int, runs *atomic.Int64, hold time.Duration) *jobKind {
	return &jobKind{name: name, workers: workers, attempts: 3,
		run: func(ctx context.Context, j *runningJob) (func(tx storage.Tx) error, error) {
			runs.Add(1)
			if hold > 0 {
				select {
				case <-time.After(hold):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return func(tx storage.Tx) error {
				_, err := tx.Get("test.effects", []byte(j.id))
				if err == nil {
					return tx.Put("test.dups", []byte(j.id), nil)
				}
				if !errors.Is(err, storage.ErrNotFound) {
					return err
				}
				return tx.Put("test.effects", []byte(j.id), j.payload)
			}, nil
		}}
}

func countBucket(t testing.TB, v *Vault, bucket string) int {
	t.Helper()
	n := 0
	require.NoError(t, v.store.View(context.Background(), func(tx storage.Tx) error {
		n = 0
		return tx.Scan(bucket, storage.ScanOptions{}, func(_, _ []byte) error { n++; return nil })
	}))
	return n
}

// claimKind claims up to n due jobs of kind as instance.
func claimKind(t *testing.T, v *Vault, instance, kind string, n int) []*runningJob {
	t.Helper()
	live := v.instance
	v.instance = instance
	defer func() { v.instance = live }()
	c, err := v.claimJobs(t.Context(), v.jobs.kind(kind), n)
	require.NoError(t, err)
	return c
}

func jobOf(t *testing.T, v *Vault, id string) *jobRecord {
	t.Helper()
	var j *jobRecord
	require.NoError(t, v.store.View(t.Context(), func(tx storage.Tx) error {
		var err error
		j, err = jobTable.get(tx, v.defaultTenant, id)
		return err
	}))
	return j
}

// TestJobRetriesWithBackoffThenDeadLetters fails a job on every attempt:
// each retry waits a jittered, growing backoff; once the attempts are
// spent the job is dead-lettered (the kind's hook runs once, with the
// cause), never claimed again, and swept after the retention.
func TestJobRetriesWithBackoffThenDeadLetters(t *testing.T) {
	clock := &testClock{t: time.Now()}
	var deadCauses []error
	failing := &jobKind{name: "test.failing", attempts: 3,
		run: func(context.Context, *runningJob) (func(storage.Tx) error, error) {
			return nil, newError(KindUnavailable, "Test", "the peer is down")
		},
		dead: func(_ storage.Tx, _ *runningJob, cause error) error {
			deadCauses = append(deadCauses, cause)
			return nil
		}}
	v := openKindVault(t, clock, failing)
	enqueueTestJob(t, v, failing.name, "job-1", []byte("payload"))

	for attempt := 1; attempt <= 3; attempt++ {
		c := claimKind(t, v, v.instance, failing.name, 4)
		require.Len(t, c, 1, "attempt %d", attempt)
		assert.Equal(t, attempt, c[0].attempt)
		assert.Equal(t, []byte("payload"), mustPayload(t, v, c[0]))
		v.runClaimed(t.Context(), failing, c[0])
		j := jobOf(t, v, "job-1")
		if attempt == 3 {
			assert.Equal(t, jobDead, j.State)
			break
		}
		assert.Equal(t, jobPending, j.State)
		assert.Equal(t, string(KindUnavailable), j.LastError)
		wait := j.NextRun.Sub(clock.now())
		full := jobBackoffBase << (attempt - 1)
		assert.GreaterOrEqual(t, wait, full/2, "attempt %d", attempt)
		assert.LessOrEqual(t, wait, full, "attempt %d", attempt)
		assert.Empty(t, claimKind(t, v, v.instance, failing.name, 4), "not before its backoff")
		clock.add(wait)
	}
	require.Len(t, deadCauses, 1)
	assert.ErrorIs(t, deadCauses[0], ErrUnavailable)
	clock.add(24 * time.Hour)
	assert.Empty(t, claimKind(t, v, v.instance, failing.name, 4), "a dead job is never run again")
	require.NoError(t, v.Check(t.Context()))

	clock.add(deadJobRetention)
	n, err := v.sweepDeadJobs(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Zero(t, countBucket(t, v, jobTable.bucket))
	assert.Zero(t, countBucket(t, v, jobPayloadTable.bucket), "the dead job's payload went with it")
	require.NoError(t, v.Check(t.Context()))
}

func mustPayload(t *testing.T, v *Vault, rj *runningJob) []byte {
	t.Helper()
	tk, err := v.keys.Tenant(t.Context(), rj.tenant)
	require.NoError(t, err)
	sealed := jobOf(t, v, rj.id).Payload
	if sealed == nil {
		require.NoError(t, v.store.View(t.Context(), func(tx storage.Tx) error {
			pl, err := jobPayloadTable.get(tx, rj.tenant, rj.id)
			if err == nil {
				sealed = pl.Payload
			}
			return err
		}))
	}
	plain, err := v.openSealed(t.Context(), tk, sealed, keysAD(rj.tenant, jobKindAD, rj.id, sealFieldPayload))
	require.NoError(t, err)
	return plain
}

func TestJobBackoffIsCappedAndJittered(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		full    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {5, 16 * time.Second}, {9, 256 * time.Second}, {10, jobBackoffCap}, {64, jobBackoffCap}, {1 << 30, jobBackoffCap}} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := jobBackoff(tc.attempt)
			assert.GreaterOrEqual(t, d, tc.full/2, "attempt %d", tc.attempt)
			assert.LessOrEqual(t, d, tc.full, "attempt %d", tc.attempt)
			seen[d] = true
		}
		assert.Greater(t, len(seen), 1, "attempt %d is jittered", tc.attempt)
	}
}

// TestJobEffectOnceWhenLeaseLost: a process whose lease ended (it stalled)
// and another that claimed the job after it both finish; only the holder's
// effect is applied.
func TestJobEffectOnceWhenLeaseLost(t *testing.T) {
	clock := &testClock{t: time.Now()}
	var runs atomic.Int64
	k := effectKind("test.effect", 0, &runs, 0)
	v := openKindVault(t, clock, k)
	enqueueTestJob(t, v, k.name, "once", []byte("p"))

	stalled := claimKind(t, v, "stalled", k.name, 1)
	require.Len(t, stalled, 1)
	assert.Empty(t, claimKind(t, v, v.instance, k.name, 1), "the lease is held")
	clock.add(DefaultJobLease + time.Millisecond)
	fresh := claimKind(t, v, v.instance, k.name, 1)
	require.Len(t, fresh, 1, "an ended lease frees the job")
	assert.Equal(t, 2, fresh[0].attempt)

	staleCommit, err := k.run(t.Context(), stalled[0])
	require.NoError(t, err)
	v.runClaimed(t.Context(), k, fresh[0])
	live := v.instance
	v.instance = "stalled"
	assert.ErrorIs(t, v.settleJob(stalled[0], k, staleCommit, nil), errLeaseLost)
	v.instance = live
	assert.Equal(t, 1, countBucket(t, v, "test.effects"))
	assert.Zero(t, countBucket(t, v, "test.dups"))
	assert.Zero(t, countBucket(t, v, jobTable.bucket), "the finished job is gone")
	require.NoError(t, v.Check(t.Context()))
}

// TestJobLeaseIsKeptWhileRunning runs a job for several lease lengths on one
// of two vaults sharing a store: the lease is renewed, so the other never
// takes it over, and the job runs once.
func TestJobLeaseIsKeptWhileRunning(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	var runs atomic.Int64
	const lease = 150 * time.Millisecond
	var vaults []*Vault
	for range 2 {
		v, err := Open("", WithStore(sharedStoreOf{store}), WithKeyProvider(fixedProvider(t)), WithSweepInterval(0),
			WithReactorWorkers(0), WithJobLease(lease), withJobKinds(effectKind("test.long", 1, &runs, 2*jobPollEvery+lease)))
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		vaults = append(vaults, v)
	}
	enqueueTestJob(t, vaults[0], "test.long", "long", nil)
	require.Eventually(t, func() bool { return countBucket(t, vaults[0], "test.effects") == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, int64(1), runs.Load(), "the job ran once")
	assert.Zero(t, countBucket(t, vaults[0], "test.dups"))
}

// TestJobLeaseLostCancelsTheRun: when another process has taken a job over
// (this one's lease was not renewed in time), the lease keeper cancels the
// run, and its outcome is dropped.
func TestJobLeaseLostCancelsTheRun(t *testing.T) {
	var cause atomic.Value
	started := make(chan struct{})
	k := &jobKind{name: "test.blocked", workers: 1, attempts: 3,
		run: func(ctx context.Context, _ *runningJob) (func(storage.Tx) error, error) {
			close(started)
			<-ctx.Done()
			cause.Store(context.Cause(ctx))
			return nil, ctx.Err()
		}}
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithJobLease(150*time.Millisecond), withJobKinds(k))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	enqueueTestJob(t, v, k.name, "taken", nil)
	<-started
	require.NoError(t, v.store.Update(t.Context(), func(tx storage.Tx) error {
		j, err := jobTable.get(tx, v.defaultTenant, "taken")
		if err != nil {
			return err
		}
		next := *j
		next.Lease = &lease{Owner: "another-process", Until: time.Now().Add(time.Hour)}
		return jobTable.replace(tx, v.defaultTenant, j, &next)
	}))
	require.Eventually(t, func() bool { return cause.Load() != nil }, 5*time.Second, 5*time.Millisecond)
	assert.ErrorIs(t, cause.Load().(error), errLeaseLost)
	j := jobOf(t, v, "taken")
	assert.Equal(t, "another-process", j.Lease.Owner, "the run that lost its lease wrote nothing")
	assert.Equal(t, jobRunning, j.State)
}

// TestJobKindsHaveTheirOwnWorkers: with every reactor worker of the process
// stuck in a loop, a job of another kind still runs at once.
func TestJobKindsHaveTheirOwnWorkers(t *testing.T) {
	var runs atomic.Int64
	k := effectKind("test.quick", 1, &runs, 0)
	iso := sandbox.Isolation{InProcess: true}
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(2), WithReactorAsyncTimeout(time.Minute),
		WithReactorIsolation(iso), withJobKinds(k))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	ctx := t.Context()
	r, err := v.CreateReactor(ctx, CreateReactorRequest{Name: "spin", Code: `module.exports = async () => { while (true) {} }`})
	require.NoError(t, err)
	var stuck []string
	for range 4 {
		id, err := v.ReactAsync(ctx, r.ID, ReactRequest{})
		require.NoError(t, err)
		stuck = append(stuck, id)
	}
	require.Eventually(t, func() bool {
		running := 0
		for _, id := range stuck {
			if res, err := v.GetReactResult(ctx, r.ID, id); err == nil && res.Status == ReactRunning {
				running++
			}
		}
		return running == 2
	}, 10*time.Second, 5*time.Millisecond, "both reactor workers are stuck")
	start := time.Now()
	enqueueTestJob(t, v, k.name, "trivial", nil)
	require.Eventually(t, func() bool { return countBucket(t, v, "test.effects") == 1 }, 5*time.Second, 2*time.Millisecond)
	assert.Less(t, time.Since(start), 2*time.Second, "the trivial job waited for the reactors")
}

// TestJobsRunOnceAcrossVaults runs 1,000 jobs on three vaults sharing one
// store (memory, and PostgreSQL when VAULT_TEST_POSTGRES_DSN is set): every
// job's effect is applied exactly once, and the vaults share the work.
func TestJobsRunOnceAcrossVaults(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		store := memory.New()
		t.Cleanup(func() { _ = store.Close() })
		testJobsRunOnce(t, func(t *testing.T) storage.Store { return sharedStoreOf{store} })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("VAULT_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("VAULT_TEST_POSTGRES_DSN not set")
		}
		schema := fmt.Sprintf("vault_jobs_test_%d", rand.Uint64()%1e12)
		t.Cleanup(func() {
			conn, err := pgx.Connect(context.Background(), dsn)
			if err == nil {
				_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
				_ = conn.Close(context.Background())
			}
		})
		testJobsRunOnce(t, func(t *testing.T) storage.Store {
			s, err := postgres.Open(t.Context(), postgres.Config{DSN: dsn, Schema: schema})
			require.NoError(t, err)
			return s
		})
	})
}

func testJobsRunOnce(t *testing.T, open func(t *testing.T) storage.Store) {
	const jobs = 1000
	var runs [3]atomic.Int64
	var vaults [3]*Vault
	for i := range vaults {
		v, err := Open("", WithStore(open(t)), WithKeyProvider(fixedProvider(t)), WithSweepInterval(0), WithReactorWorkers(0),
			withJobKinds(effectKind("test.once", 4, &runs[i], 0)))
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		vaults[i] = v
	}
	v := vaults[0]
	tk, err := v.keys.Tenant(t.Context(), v.defaultTenant)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for n := w; n < jobs; n += 4 {
				id := fmt.Sprintf("job-%04d", n)
				j, err := v.newJob(tk, v.defaultTenant, "test.once", id, []byte(id))
				if err == nil {
					err = v.update(t.Context(), "Enqueue", func(tx storage.Tx) error { return jobTable.insert(tx, v.defaultTenant, j) })
				}
				if !assert.NoError(t, err) {
					return
				}
				vaults[n%3].jobs.signal()
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool { return countBucket(t, v, "test.effects") == jobs }, 2*time.Minute, 20*time.Millisecond)
	assert.Zero(t, countBucket(t, v, "test.dups"), "an effect was applied twice")
	assert.Zero(t, countBucket(t, v, jobTable.bucket), "every job is finished")
	total, busy := int64(0), 0
	for i := range runs {
		total += runs[i].Load()
		if runs[i].Load() > 0 {
			busy++
		}
	}
	assert.Equal(t, int64(jobs), total, "no job ran twice")
	assert.GreaterOrEqual(t, busy, 2, "the vaults shared the work: %d, %d, %d", runs[0].Load(), runs[1].Load(), runs[2].Load())
	require.NoError(t, v.Check(t.Context()))
}

// sharedStoreOf lets several vaults use one store: Close leaves it open.
type sharedStoreOf struct{ storage.Store }

func (sharedStoreOf) Close() error { return nil }

func fixedProvider(t testing.TB) keys.Provider {
	t.Helper()
	kek := make([]byte, 32)
	for i := range kek {
		kek[i] = 7
	}
	p, err := keys.NewLocal(kek)
	require.NoError(t, err)
	return p
}

// TestJobPayloadDetached checks that a job's payload is stored apart from
// its record, reaches the run, and goes with the job; and that a job of an
// earlier version, its payload inline, still runs with it.
func TestJobPayloadDetached(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	k := &jobKind{name: "test.detached", workers: 0, attempts: 3, // no worker: the test claims the jobs
		run: func(_ context.Context, j *runningJob) (func(tx storage.Tx) error, error) {
			mu.Lock()
			got[j.id] = string(j.payload) // a copy: the payload is wiped after the run
			mu.Unlock()
			return nil, nil
		}}
	v := openKindVault(t, &testClock{t: time.Now()}, k)
	enqueueTestJob(t, v, "test.detached", "new", []byte("payload-new"))
	j := jobOf(t, v, "new")
	assert.True(t, j.Detached)
	assert.Nil(t, j.Payload, "the record holds no payload")
	assert.Equal(t, 1, countBucket(t, v, "jobs.payload"))

	tk, err := v.keys.Tenant(t.Context(), v.defaultTenant)
	require.NoError(t, err)
	legacy, err := v.newJob(tk, v.defaultTenant, "test.detached", "old", []byte("payload-old"))
	require.NoError(t, err)
	require.NoError(t, v.update(t.Context(), "Enqueue", func(tx storage.Tx) error { return jobTable.insert(tx, v.defaultTenant, legacy) }))

	for _, rj := range claimKind(t, v, v.instance, "test.detached", 2) {
		v.runClaimed(t.Context(), k, rj)
	}
	assert.Equal(t, map[string]string{"new": "payload-new", "old": "payload-old"}, got, "each run had its payload")
	assert.Equal(t, 0, countBucket(t, v, "jobs.payload"), "the payload went with its job")
	assert.Equal(t, 0, countBucket(t, v, "jobs"))
}
