package vault_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// countingObserver counts what a vault.Observer was told.
type countingObserver struct {
	mu       sync.Mutex
	reads    int
	writes   int
	outcomes map[string]int
}

func (o *countingObserver) StoreTx(write bool, _ time.Duration, _ bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if write {
		o.writes++
	} else {
		o.reads++
	}
}

func (o *countingObserver) ReactorRun(outcome string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.outcomes[outcome]++
}

// TestObserver: store transactions and reactor runs reach the observer,
// each run with its outcome.
func TestObserver(t *testing.T) {
	o := &countingObserver{outcomes: map[string]int{}}
	v, err := vault.OpenMemory(vault.WithObserver(o), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	ctx := context.Background()
	r, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r",
		Code: `module.exports = async function ({ args }) { if (args.fail) throw new Error('no'); return { raw: 1 }; };`})
	require.NoError(t, err)
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{}})
	require.NoError(t, err)
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"fail": true}})
	require.Error(t, err)
	o.mu.Lock()
	defer o.mu.Unlock()
	assert.Positive(t, o.reads)
	assert.Positive(t, o.writes)
	assert.Equal(t, map[string]int{vault.ReactorOK: 1, vault.ReactorError: 1}, o.outcomes)
}

// TestStats: a job no worker takes is queued, and once due its age grows;
// every kind is listed, with nothing queued.
func TestStats(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v, err := vault.OpenMemory(vault.WithReactorWorkers(0), vault.WithClock(clock), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	ctx := context.Background()
	st, err := v.Stats(ctx)
	require.NoError(t, err)
	kinds := map[string]vault.JobStats{}
	for _, j := range st.Jobs {
		kinds[j.Kind] = j
		assert.Zero(t, j.Queued, j.Kind)
	}
	assert.Contains(t, kinds, "webhook.deliver")

	r, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r", Code: `module.exports = async function () { return { raw: 1 }; };`})
	require.NoError(t, err)
	_, err = v.ReactAsync(ctx, r.ID, vault.ReactRequest{Args: map[string]any{}})
	require.NoError(t, err)
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	st, err = v.Stats(ctx)
	require.NoError(t, err)
	var queued int
	for _, j := range st.Jobs {
		queued += j.Queued
		if j.Queued > 0 {
			assert.Equal(t, time.Minute, j.OldestDue, j.Kind)
		}
	}
	assert.Equal(t, 1, queued)
	assert.Equal(t, 1, st.Jobs[slices.IndexFunc(st.Jobs, func(j vault.JobStats) bool { return j.Kind == "reactor.invoke" })].Queued)
}
