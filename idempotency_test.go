package vault_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

func TestIdempotency(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := openTestVault(t, vault.WithClock(clock))
	ctx := t.Context()
	hash := []byte("POST /tokens body-hash")

	replay, err := v.BeginIdempotent(ctx, "idem-1", hash)
	require.NoError(t, err)
	assert.Nil(t, replay, "a new key runs the request")
	_, err = v.BeginIdempotent(ctx, "idem-1", hash)
	requireKind(t, err, vault.KindConflict) // in flight

	require.NoError(t, v.CompleteIdempotent(ctx, "idem-1", vault.IdempotentResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"id":"x"}`)}))
	replay, err = v.BeginIdempotent(ctx, "idem-1", hash)
	require.NoError(t, err)
	require.NotNil(t, replay)
	assert.Equal(t, 201, replay.Status)
	assert.Equal(t, `{"id":"x"}`, string(replay.Body))

	_, err = v.BeginIdempotent(ctx, "idem-1", []byte("another request"))
	requireKind(t, err, vault.KindConflict)

	// Another caller does not see this caller's key.
	app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "a", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenCreate}})
	require.NoError(t, err)
	replay, err = v.BeginIdempotent(authenticate(t, v, app.Key), "idem-1", hash)
	require.NoError(t, err)
	assert.Nil(t, replay)

	// A failed request frees its key.
	_, err = v.BeginIdempotent(ctx, "idem-2", hash)
	require.NoError(t, err)
	require.NoError(t, v.AbortIdempotent(ctx, "idem-2"))
	replay, err = v.BeginIdempotent(ctx, "idem-2", hash)
	require.NoError(t, err)
	assert.Nil(t, replay)

	// After 24 hours the response is forgotten and swept.
	mu.Lock()
	now = now.Add(vault.IdempotencyTTL + time.Minute)
	mu.Unlock()
	n, err := vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 1)
	replay, err = v.BeginIdempotent(ctx, "idem-1", hash)
	require.NoError(t, err)
	assert.Nil(t, replay)

	_, err = v.BeginIdempotent(ctx, "", hash)
	requireKind(t, err, vault.KindInvalid)
}
