package vault

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
)

type probeLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *probeLog) add(e Event) { l.mu.Lock(); l.events = append(l.events, e); l.mu.Unlock() }

func (l *probeLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

// TestProbeEventOfAFailedTransactionIsNotDelivered: an event emitted in a
// transaction that then fails is never delivered.
func TestProbeEventOfAFailedTransactionIsNotDelivered(t *testing.T) {
	log := &probeLog{}
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithEventHandler(func(_ context.Context, e Event) { log.add(e) }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	ctx := t.Context()
	require.NoError(t, v.FlushEvents(ctx))
	before := len(log.all())
	fail := errors.New("rolled back")
	err = v.update(ctx, "Probe", func(tx storage.Tx) error {
		if err := v.emitTx(ctx, tx, v.defaultTenant, "probe.failed", map[string]any{"x": 1}); err != nil {
			return err
		}
		return fail
	})
	require.ErrorIs(t, err, fail)
	require.NoError(t, v.update(ctx, "Probe", func(tx storage.Tx) error {
		return v.emitTx(ctx, tx, v.defaultTenant, "probe.ok", nil)
	}))
	require.NoError(t, v.FlushEvents(ctx))
	var types []string
	for _, e := range log.all()[before:] {
		types = append(types, e.Type)
	}
	assert.Equal(t, []string{"probe.ok"}, types)
	require.NoError(t, v.Check(ctx))
}

// TestProbeHandlerCallsBackIntoTheVault: a handler that writes through the
// vault (raising more events) and reads an async invocation's result from
// reactor.completed does not deadlock.
func TestProbeHandlerCallsBackIntoTheVault(t *testing.T) {
	log := &probeLog{}
	var v *Vault
	var mu sync.Mutex
	var results []string
	handler := func(ctx context.Context, e Event) {
		log.add(e)
		switch e.Type {
		case EventReactorCompleted:
			req, _ := e.Data["request"].(map[string]any)
			rea, _ := e.Data["reactor"].(map[string]any)
			id, _ := req["id"].(string)
			rid, _ := rea["id"].(string)
			res, err := v.GetReactResult(AsHost(ctx, e.TenantID), rid, id)
			mu.Lock()
			if err == nil {
				results = append(results, res.Status)
			} else {
				results = append(results, err.Error())
			}
			mu.Unlock()
			_, err = v.CreateToken(AsHost(ctx, e.TenantID), CreateTokenRequest{Type: TypeToken, Data: "from-handler"})
			assert.NoError(t, err)
		}
	}
	var err error
	v, err = OpenMemory(WithSweepInterval(0), WithReactorWorkers(1), WithReactorIsolation(sandbox.Isolation{InProcess: true}),
		WithEventHandler(handler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	ctx := t.Context()
	r, err := v.CreateReactor(ctx, CreateReactorRequest{Name: "echo", Code: `module.exports = async () => ({ ok: true })`})
	require.NoError(t, err)
	_, err = v.ReactAsync(ctx, r.ID, ReactRequest{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(results) == 1
	}, 20*time.Second, 10*time.Millisecond)
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, v.FlushEvents(fctx))
	mu.Lock()
	assert.Equal(t, []string{ReactCompleted}, results)
	mu.Unlock()
	// per tenant, the events arrive in seq order: invoked before completed.
	var types []string
	for _, e := range log.all() {
		if e.Type == EventReactorInvoked || e.Type == EventReactorCompleted {
			types = append(types, e.Type)
		}
	}
	assert.Equal(t, []string{EventReactorInvoked, EventReactorCompleted}, types)
	require.NoError(t, v.Check(ctx))
}

// TestProbeFlushEventsRacingClose: FlushEvents calls racing Close return
// (nil or ErrClosed) and never hang.
func TestProbeFlushEventsRacingClose(t *testing.T) {
	v, err := OpenMemory(WithSweepInterval(0), WithReactorWorkers(0), WithEventHandler(func(context.Context, Event) {
		time.Sleep(time.Millisecond)
	}))
	require.NoError(t, err)
	ctx := t.Context()
	for range 20 {
		_, err := v.CreateToken(AsHost(ctx, v.defaultTenant), CreateTokenRequest{Type: TypeToken, Data: "x"})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			errs <- v.FlushEvents(fctx)
		})
	}
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, v.Close())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("FlushEvents hung across Close")
	}
	close(errs)
	for err := range errs {
		if err != nil {
			assert.ErrorIs(t, err, ErrClosed)
		}
	}
}
