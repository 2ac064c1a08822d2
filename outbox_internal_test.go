package vault

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
)

// TestEmitInvocationTx: the event raised inside a transaction is the one
// emitInvocation raises on its own, and it is written only if the
// transaction commits.
func TestEmitInvocationTx(t *testing.T) {
	var mu sync.Mutex
	var events []Event
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithEventHandler(func(_ context.Context, e Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}))
	require.NoError(t, err)
	defer v.Close()
	ctx := WithTraceID(t.Context(), "trace-tx")
	tenant := v.DefaultTenantID()
	failure := runtimeFailure("", interruptedDetail)
	v.emitInvocation(ctx, EventReactorFailed, tenant, "r-1", "name", "req-1", invocationAsync, 1500*time.Millisecond, failure)
	require.NoError(t, v.update(ctx, "Test", func(tx storage.Tx) error {
		return v.emitInvocationTx(ctx, tx, EventReactorFailed, tenant, "r-1", "name", "req-1", invocationAsync, 1500*time.Millisecond, failure)
	}))
	rollback := errors.New("rolled back")
	err = v.update(ctx, "Test", func(tx storage.Tx) error {
		if err := v.emitInvocationTx(ctx, tx, EventReactorCompleted, tenant, "r-1", "name", "req-2", invocationAsync, 0, nil); err != nil {
			return err
		}
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	require.NoError(t, v.FlushEvents(ctx))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, events, 2, "the rolled-back transaction raised nothing")
	assert.Equal(t, events[0].Type, events[1].Type)
	assert.Equal(t, events[0].Data, events[1].Data)
	assert.Equal(t, "trace-tx", events[1].TraceID)
	assert.Equal(t, int64(1500), events[1].Data["elapsed_ms"])
	assert.NotEqual(t, events[0].ID, events[1].ID)
}
