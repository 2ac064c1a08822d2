package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// waitResult polls an asynchronous invocation until it has finished.
func waitResult(t testing.TB, ctx context.Context, v *vault.Vault, reactorID, requestID string) *vault.ReactResult {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := v.GetReactResult(ctx, reactorID, requestID)
		require.NoError(t, err)
		if res.Status == vault.ReactCompleted || res.Status == vault.ReactFailed {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("the invocation is still %s", res.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestReactAsync(t *testing.T) {
	v, events := openReactorVault(t, vault.WithReactorAsyncTimeout(300*time.Millisecond))
	ctx := vault.WithTraceID(t.Context(), "trace-1")
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	invokerApp, invoker := privateApp(t, v, vault.CreateApplicationRequest{Name: "invoker", Permissions: []string{vault.PermReactorInvoke, vault.PermTokenCreate}})
	_, other := privateApp(t, v, vault.CreateApplicationRequest{Name: "other", Permissions: []string{vault.PermReactorInvoke}})
	invoker = vault.WithTraceID(invoker, "trace-1")

	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "async", Configuration: map[string]string{"K": "v"}, Code: `
module.exports = async (req) => ({ raw: { number: req.args.number, k: req.configuration.K }, tokenize: { again: req.args.number } });`})
	id, err := v.ReactAsync(invoker, r.ID, vault.ReactRequest{Args: map[string]any{"number": "{{ " + card.ID + " }}"}})
	require.NoError(t, err)
	res := waitResult(t, invoker, v, r.ID, id)
	assert.Equal(t, vault.ReactCompleted, res.Status)
	assert.Equal(t, id, res.ID)
	assert.Nil(t, res.Error)
	require.NotNil(t, res.Response)
	assert.JSONEq(t, `{"number":"4242424242424242","k":"v"}`, string(res.Response.Raw))
	again, err := v.GetToken(ctx, res.Response.Tokens.(map[string]any)["again"].(string))
	require.NoError(t, err)
	assert.Equal(t, "4242424242424242", dataOf(t, again.Data))
	require.NotNil(t, res.CompletedAt)
	assert.True(t, res.ExpiresAt.After(*res.CompletedAt))

	_, err = v.GetReactResult(other, r.ID, id)
	requireKind(t, err, vault.KindNotFound) // another application's result
	_, err = v.GetReactResult(invoker, "another-reactor", id)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.GetReactResult(invoker, r.ID, "2b4f61d4-0000-4000-8000-000000000000")
	requireKind(t, err, vault.KindNotFound)
	_, err = v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err, "the host reads every result of its tenant")

	failing := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "failing", Code: `const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
module.exports = async (req) => { if (req.args.spin) { while (true) {} } throw new BadRequestError({ field: 'is wrong' }) };`})
	failedID, err := v.ReactAsync(invoker, failing.ID, vault.ReactRequest{})
	require.NoError(t, err)
	res = waitResult(t, invoker, v, failing.ID, failedID)
	assert.Equal(t, vault.ReactFailed, res.Status)
	assert.Nil(t, res.Response)
	require.NotNil(t, res.Error)
	assert.Equal(t, &vault.ReactorFailure{Status: 400, Name: "BadRequestError", Detail: "Bad Request", Errors: map[string][]string{"field": {"is wrong"}}}, res.Error)

	spinID, err := v.ReactAsync(invoker, failing.ID, vault.ReactRequest{Args: map[string]any{"spin": true}})
	require.NoError(t, err)
	res = waitResult(t, invoker, v, failing.ID, spinID)
	assert.Equal(t, vault.ReactFailed, res.Status)
	assert.Equal(t, 500, res.Error.Status, "an asynchronous timeout is a ReactorRuntimeError")
	assert.Equal(t, "ReactorRuntimeError", res.Error.Name)

	invoked := events.ofType(vault.EventReactorInvoked)
	require.Len(t, invoked, 3)
	assert.Equal(t, map[string]any{"reactor": map[string]any{"id": r.ID, "name": "async"},
		"request": map[string]any{"id": id, "invocation_type": "async"},
		"actor":   map[string]any{"id": invokerApp.ID, "type": vault.ActorApplication, "name": "invoker"}}, invoked[0].Data)
	assert.Equal(t, "trace-1", invoked[0].TraceID)
	completed := events.waitOfType(vault.EventReactorCompleted, 1)
	require.Len(t, completed, 1)
	assert.Contains(t, completed[0].Data, "elapsed_ms")
	assert.Equal(t, "trace-1", completed[0].TraceID, "the worker raises events with the invoker's trace id")
	failed := events.waitOfType(vault.EventReactorFailed, 2)
	require.Len(t, failed, 2)
	errs := []any{failed[0].Data["error"], failed[1].Data["error"]}
	assert.ElementsMatch(t, []any{"BadRequestError (status 400)", "ReactorRuntimeError (status 500)"}, errs)
	require.NoError(t, v.Check(ctx))
}

func TestReactSyncEvents(t *testing.T) {
	v, events := openReactorVault(t)
	ctx := t.Context()
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "sync", Code: `module.exports = async (req) => { if (req.args.fail) throw 'no'; return { raw: 1 } }`})
	_, err := v.React(ctx, r.ID, vault.ReactRequest{})
	require.NoError(t, err)
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"fail": true}})
	require.Error(t, err)
	invoked := events.ofType(vault.EventReactorInvoked)
	require.Len(t, invoked, 2)
	assert.Equal(t, "sync", invoked[0].Data["request"].(map[string]any)["invocation_type"])
	completed := events.ofType(vault.EventReactorCompleted)
	require.Len(t, completed, 1)
	assert.Equal(t, invoked[0].Data["request"], completed[0].Data["request"])
	assert.IsType(t, int64(0), completed[0].Data["elapsed_ms"])
	failed := events.ofType(vault.EventReactorFailed)
	require.Len(t, failed, 1)
	assert.Equal(t, "ReactorRuntimeError (status 500)", failed[0].Data["error"])
}

func TestReactAsyncSealsArgsAndResults(t *testing.T) {
	for _, workers := range []int{0, 2} {
		store := memory.New()
		v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0), vault.WithReactorWorkers(workers))
		require.NoError(t, err)
		ctx := t.Context()
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "TokenCanary-123"})
		require.NoError(t, err)
		r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "r", Code: `module.exports = async (req) => ({ raw: req.args })`})
		id, err := v.ReactAsync(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"plain": "ArgCanary-456", "tok": "{{ " + tok.ID + " }}"}})
		require.NoError(t, err)
		if workers > 0 {
			res := waitResult(t, ctx, v, r.ID, id)
			assert.JSONEq(t, `{"plain":"ArgCanary-456","tok":"TokenCanary-123"}`, string(res.Response.Raw))
		}
		dump := dumpAll(t, store)
		for _, s := range []string{"ArgCanary-456", "TokenCanary-123"} {
			assert.False(t, bytes.Contains(dump, []byte(s)), "with %d workers, the store holds %q in plaintext", workers, s)
		}
		require.NoError(t, v.Check(ctx))
		require.NoError(t, v.Close())
	}
}

func TestReactAsyncJobSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	v, err := vault.Open(path, vault.WithSweepInterval(0), vault.WithReactorWorkers(0))
	require.NoError(t, err)
	ctx := t.Context()
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "later", Configuration: map[string]string{"who": "restarted"},
		Code: `module.exports = async (req) => ({ raw: { who: req.configuration.who, n: req.args.n } })`})
	id, err := v.ReactAsync(ctx, r.ID, vault.ReactRequest{Args: json.RawMessage(`{"n":7}`)})
	require.NoError(t, err)
	res, err := v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.Equal(t, vault.ReactPending, res.Status, "no worker runs in this process")
	require.NoError(t, v.Close())

	v, err = vault.Open(path, vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	res = waitResult(t, ctx, v, r.ID, id)
	assert.Equal(t, vault.ReactCompleted, res.Status)
	assert.JSONEq(t, `{"who":"restarted","n":7}`, string(res.Response.Raw))
	require.NoError(t, v.Check(ctx))
}

func TestReactAsyncCloseHandsJobsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	v, err := vault.Open(path, vault.WithSweepInterval(0), vault.WithReactorWorkers(1))
	require.NoError(t, err)
	ctx := t.Context()
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "slow",
		Code: `module.exports = async (req) => { if (!req.args.quick) await new Promise((r) => setTimeout(r, 60000)); return { raw: 'done' } }`})
	id, err := v.ReactAsync(ctx, r.ID, vault.ReactRequest{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		res, err := v.GetReactResult(ctx, r.ID, id)
		return err == nil && res.Status == vault.ReactRunning
	}, 10*time.Second, 5*time.Millisecond)
	start := time.Now()
	require.NoError(t, v.Close())
	assert.Less(t, time.Since(start), 5*time.Second, "Close interrupts running reactors")

	v, err = vault.Open(path, vault.WithSweepInterval(0), vault.WithReactorWorkers(0))
	require.NoError(t, err)
	defer v.Close()
	res, err := v.GetReactResult(ctx, r.ID, id)
	require.NoError(t, err)
	assert.Equal(t, vault.ReactPending, res.Status, "a job cut short by Close is handed back at once")
}

// sharedStore lets two vaults use one store, as two processes share one
// database: Close leaves the store open.
type sharedStore struct{ storage.Store }

func (sharedStore) Close() error { return nil }

// TestReactorJobsSharedByTwoProcesses runs two vaults on one store, each
// with its own workers: every job runs exactly once, and both share the work.
func TestReactorJobsSharedByTwoProcesses(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	testSharedJobs(t, func(t *testing.T) storage.Store { return sharedStore{store} })
}

func TestReactorJobsSharedOnPostgres(t *testing.T) {
	testSharedJobs(t, postgresStores(t))
}

func testSharedJobs(t *testing.T, open func(t *testing.T) storage.Store) {
	const jobs = 20
	var vaults [2]*vault.Vault
	var events [2]*eventLog
	// Events go to the process holding the outbox lease, whichever ran the
	// job: each process's transport tells which one ran it.
	var ran [2]atomic.Int64
	for i := range vaults {
		events[i] = &eventLog{t: t}
		transport := roundTripper(func(r *http.Request) (*http.Response, error) {
			ran[i].Add(1)
			return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
		})
		v, err := vault.Open("", vault.WithStore(open(t)), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
			vault.WithReactorWorkers(2), vault.WithEventHandler(events[i].handle), vault.WithReactorHTTP([]string{"ran.example.com"}, transport))
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		vaults[i] = v
		events[i].v = v
	}
	ctx := t.Context()
	r := mustCreateReactor(t, ctx, vaults[0], vault.CreateReactorRequest{Name: "shared",
		Code: `module.exports = async (req) => { await new Promise((r) => setTimeout(r, 200)); await fetch('https://ran.example.com/'); return { raw: req.args.n } }`})
	ids := make([]string, jobs)
	for n := range ids {
		id, err := vaults[0].ReactAsync(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"n": n}})
		require.NoError(t, err)
		ids[n] = id
	}
	for n, id := range ids {
		res := waitResult(t, ctx, vaults[1], r.ID, id)
		require.Equal(t, vault.ReactCompleted, res.Status)
		assert.JSONEq(t, strconv.Itoa(n), string(res.Response.Raw))
	}
	completed := map[string]bool{} // request ids; delivery is at least once
	for deadline := time.Now().Add(10 * time.Second); len(completed) < jobs && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, l := range events {
			for _, e := range l.ofType(vault.EventReactorCompleted) {
				completed[e.Data["request"].(map[string]any)["id"].(string)] = true
			}
		}
	}
	assert.Len(t, completed, jobs, "every job completed")
	ranA, ranB := ran[0].Load(), ran[1].Load()
	assert.Equal(t, int64(jobs), ranA+ranB, "every job ran exactly once")
	assert.Positive(t, ranA)
	assert.Positive(t, ranB, "the second process took jobs the first one stored")
	require.NoError(t, vaults[1].Check(ctx))
}
