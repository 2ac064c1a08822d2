package vault

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openJobVault is a vault without workers (the test drives them) on a clock
// the test moves, with its events.
func openJobVault(t *testing.T) (*Vault, *testClock, *[]Event) {
	t.Helper()
	clock := &testClock{t: time.Now()}
	var mu sync.Mutex
	var events []Event
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithClock(clock.now), WithReactorAsyncTimeout(time.Minute),
		WithEventHandler(func(_ context.Context, e Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v, clock, &events
}

// claimAs claims the next due invocation as the process instance, or
// returns nil.
func claimAs(t *testing.T, v *Vault, instance string) *runningJob {
	t.Helper()
	live := v.instance
	v.instance = instance
	defer func() { v.instance = live }()
	c, err := v.claimJobs(t.Context(), v.jobs.kind(reactorQueueKind), 1)
	require.NoError(t, err)
	if len(c) == 0 {
		return nil
	}
	return c[0]
}

// runAs runs a claimed invocation to its end.
func runAs(ctx context.Context, v *Vault, c *runningJob) {
	v.runClaimed(ctx, v.jobs.kind(reactorQueueKind), c)
}

func TestReactorJobOfDeadProcessIsRunAgain(t *testing.T) {
	v, clock, _ := openJobVault(t)
	ctx := t.Context()
	r, err := v.CreateReactor(ctx, CreateReactorRequest{Name: "r", Code: `module.exports = async (req) => ({ raw: req.args.n })`})
	require.NoError(t, err)
	id, err := v.ReactAsync(ctx, r.ID, ReactRequest{Args: map[string]any{"n": 1}})
	require.NoError(t, err)

	dead := claimAs(t, v, "dead-process")
	require.NotNil(t, dead)
	assert.Equal(t, 1, dead.attempt)
	res, err := v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.Equal(t, ReactRunning, res.Status)
	assert.Nil(t, claimAs(t, v, v.instance), "the lease is held")

	clock.add(DefaultJobLease + time.Second)
	c := claimAs(t, v, v.instance)
	require.NotNil(t, c, "an expired lease frees the job")
	assert.Equal(t, 2, c.attempt)
	runAs(ctx, v, c)
	res, err = v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.Equal(t, ReactCompleted, res.Status)
	assert.JSONEq(t, `1`, string(res.Response.Raw))

	// The dead process's late outcome is dropped.
	commit, err := v.runReactorJob(ctx, dead)
	require.NoError(t, err)
	err = v.settleJob(dead, v.jobs.kind(reactorQueueKind), commit, nil)
	assert.ErrorIs(t, err, errLeaseLost)
	res, err = v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.JSONEq(t, `1`, string(res.Response.Raw))
	require.NoError(t, v.Check(ctx))
}

func TestReactorJobAttemptsRunOut(t *testing.T) {
	v, clock, events := openJobVault(t)
	ctx := t.Context()
	r, err := v.CreateReactor(ctx, CreateReactorRequest{Name: "crasher", Code: `module.exports = async () => ({ raw: 1 })`})
	require.NoError(t, err)
	id, err := v.ReactAsync(ctx, r.ID, ReactRequest{})
	require.NoError(t, err)
	for i := range maxReactorAttempts {
		c := claimAs(t, v, "dead-"+string(rune('a'+i)))
		require.NotNil(t, c)
		clock.add(DefaultJobLease + time.Second)
	}
	assert.Nil(t, claimAs(t, v, v.instance), "a job whose processes kept dying is not run again")
	res, err := v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.Equal(t, ReactFailed, res.Status)
	require.NotNil(t, res.Error)
	assert.Equal(t, 500, res.Error.Status)
	assert.Equal(t, "ReactorRuntimeError", res.Error.Name)
	require.NoError(t, v.FlushEvents(ctx))
	var failed []Event
	for _, e := range *events {
		if e.Type == EventReactorFailed {
			failed = append(failed, e)
		}
	}
	require.Len(t, failed, 1)
	assert.Equal(t, "ReactorRuntimeError (status 500)", failed[0].Data["error"])
	require.NoError(t, v.Check(ctx))
}

func TestReactorJobReleaseAndDeletedReactor(t *testing.T) {
	v, _, _ := openJobVault(t)
	ctx := t.Context()
	r, err := v.CreateReactor(ctx, CreateReactorRequest{Name: "r", Code: `module.exports = async () => ({ raw: 1 })`})
	require.NoError(t, err)
	id, err := v.ReactAsync(ctx, r.ID, ReactRequest{})
	require.NoError(t, err)
	c := claimAs(t, v, v.instance)
	require.NotNil(t, c)
	v.handBack(v.jobs.kind(reactorQueueKind), c)
	res, err := v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.Equal(t, ReactPending, res.Status)

	require.NoError(t, v.DeleteReactor(ctx, r.ID))
	c = claimAs(t, v, v.instance)
	require.NotNil(t, c)
	assert.Equal(t, 1, c.attempt, "a handed-back attempt is not counted")
	runAs(ctx, v, c)
	res, err = v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.Equal(t, ReactFailed, res.Status)
	assert.Equal(t, &ReactorFailure{Status: http.StatusNotFound, Detail: "reactor not found"}, res.Error)
}

func TestReactorResultsExpire(t *testing.T) {
	v, clock, _ := openJobVault(t)
	ctx := t.Context()
	r, err := v.CreateReactor(ctx, CreateReactorRequest{Name: "r", Code: `module.exports = async () => ({ raw: 1 })`})
	require.NoError(t, err)
	id, err := v.ReactAsync(ctx, r.ID, ReactRequest{})
	require.NoError(t, err)
	runAs(ctx, v, claimAs(t, v, v.instance))
	clock.add(DefaultReactorResultTTL - time.Minute)
	n, err := v.sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	clock.add(2 * time.Minute)
	_, err = v.GetReactResult(ctx, r.ID, id)
	assert.ErrorIs(t, err, ErrNotFound, "an expired result is invisible at once")
	n, err = v.sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, v.Check(ctx))
}

func TestReactFailureMapping(t *testing.T) {
	v, _, _ := openJobVault(t)
	custom := &sandbox.ReactorError{Status: 418, Name: "CustomHttpResponseError",
		Custom: &sandbox.CustomResponse{Status: 418, Headers: http.Header{"X-A": {"1"}}, Body: json.RawMessage(`{"a":1}`)}}
	for name, tc := range map[string]struct {
		err    error
		async  bool
		status int  // a reactor's failure with this status
		kind   Kind // else a *Error of this kind
	}{
		"memory":             {err: &sandbox.LimitError{Limit: sandbox.LimitMemory}, status: 500},
		"raw too large":      {err: &sandbox.LimitError{Limit: sandbox.LimitPayload, What: "raw", Max: 10}, status: 500},
		"tokenize too large": {err: &sandbox.LimitError{Limit: sandbox.LimitPayload, What: "tokenize", Max: 10}, status: 500},
		"args too large":     {err: &sandbox.LimitError{Limit: sandbox.LimitPayload, What: "args", Max: 10}, kind: KindPayloadTooLarge},
		"sync timeout":       {err: &sandbox.LimitError{Limit: sandbox.LimitTimeout}, kind: KindTimeout},
		"async timeout":      {err: &sandbox.LimitError{Limit: sandbox.LimitTimeout}, async: true, status: 500},
		"code size":          {err: &sandbox.LimitError{Limit: sandbox.LimitCodeSize, Max: 5}, kind: KindUnprocessable},
		"compile":            {err: &sandbox.CompileError{Line: 1, Column: 2, Message: "Unexpected token"}, kind: KindUnprocessable},
		"canceled":           {err: context.Canceled, kind: KindUnavailable},
		"custom":             {err: custom, status: 418},
	} {
		t.Run(name, func(t *testing.T) {
			got := v.reactFailure("React", tc.err, tc.async, time.Second)
			e, ok := errors.AsType[*Error](got)
			require.True(t, ok, "%T", got)
			if tc.status != 0 {
				require.NotNil(t, e.Reactor, "%v", e)
				assert.Equal(t, tc.status, e.Status())
				assert.Equal(t, kindOfStatus(tc.status), e.Kind)
				return
			}
			assert.Nil(t, e.Reactor)
			assert.Equal(t, tc.kind, e.Kind)
		})
	}
	re := v.reactFailure("React", custom, false, 0).(*Error).Reactor
	assert.Equal(t, &CustomResponse{Status: 418, Headers: http.Header{"X-A": {"1"}}, Body: json.RawMessage(`{"a":1}`)}, re.Custom)
}
