package vault_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

func TestTransactionCommitAndIsolation(t *testing.T) {
	var events []string
	var mu sync.Mutex
	v := openTestVault(t, vault.WithEventHandler(func(_ context.Context, e vault.Event) {
		mu.Lock()
		events = append(events, e.Type)
		mu.Unlock()
	}))
	ctx := t.Context()
	existing, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "before", Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	require.NoError(t, v.FlushEvents(ctx))
	mu.Lock()
	events = nil
	mu.Unlock()

	txn, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	assert.WithinDuration(t, txn.CreatedAt.Add(vault.DefaultTransactionTTL), txn.ExpiresAt, time.Second)
	in := vault.WithTransaction(ctx, txn.ID)

	created, err := v.CreateToken(in, vault.CreateTokenRequest{ID: "in-txn-1", Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789", Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	_, err = v.UpdateToken(in, existing.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`"after"`)})
	require.NoError(t, err)
	out, err := v.Tokenize(in, map[string]any{"a": "tokenized in txn"})
	require.NoError(t, err)
	tokenizedID := out.(map[string]any)["a"].(string)

	// Inside: own writes are visible.
	got, err := v.GetToken(in, created.ID)
	require.NoError(t, err)
	assert.Equal(t, "123-45-6789", dataOf(t, got.Data))
	got, err = v.GetToken(in, existing.ID)
	require.NoError(t, err)
	assert.Equal(t, "after", dataOf(t, got.Data))
	page, err := v.ListTokens(in, vault.ListTokensRequest{Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{created.ID, existing.ID}, tokenIDs(page.Data))
	page, err = v.SearchTokens(in, vault.SearchTokensRequest{Query: "data:6789"})
	require.NoError(t, err)
	assert.Equal(t, []string{created.ID}, tokenIDs(page.Data))
	detok, err := v.Detokenize(in, map[string]any{"x": "{{ " + existing.ID + " }}"})
	require.NoError(t, err)
	assert.Equal(t, "after", detok.(map[string]any)["x"])

	// Outside: nothing yet.
	_, err = v.GetToken(ctx, created.ID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.GetToken(ctx, tokenizedID)
	requireKind(t, err, vault.KindNotFound)
	got, err = v.GetToken(ctx, existing.ID)
	require.NoError(t, err)
	assert.Equal(t, "before", dataOf(t, got.Data))
	page, err = v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "data:6789"})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	require.NoError(t, v.FlushEvents(ctx))
	mu.Lock()
	assert.Empty(t, events, "no events before commit")
	mu.Unlock()

	require.NoError(t, v.CommitTransaction(ctx, txn.ID))
	got, err = v.GetToken(ctx, created.ID)
	require.NoError(t, err)
	assert.Equal(t, "123-45-6789", dataOf(t, got.Data))
	got, err = v.GetToken(ctx, existing.ID)
	require.NoError(t, err)
	assert.Equal(t, "after", dataOf(t, got.Data))
	page, err = v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "data:6789"})
	require.NoError(t, err)
	assert.Equal(t, []string{created.ID}, tokenIDs(page.Data), "indexes are applied at commit")
	require.NoError(t, v.FlushEvents(ctx))
	mu.Lock()
	assert.Equal(t, []string{vault.EventTokenCreated, vault.EventTokenUpdated, vault.EventTokenCreated, vault.EventTransactionCommitted}, events,
		"the changes' events in the order they were staged, then the commit's")
	mu.Unlock()
	require.NoError(t, v.Check(ctx))

	requireKind(t, v.CommitTransaction(ctx, txn.ID), vault.KindConflict)
	requireKind(t, v.RollbackTransaction(ctx, txn.ID), vault.KindConflict)
	requireKind(t, v.CommitTransaction(ctx, "no-such-transaction"), vault.KindNotFound)
	_, err = v.CreateToken(in, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "late"})
	requireKind(t, err, vault.KindConflict)
}

func TestTransactionRollbackAndLocks(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "v0"})
	require.NoError(t, err)
	a, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	b, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	inA, inB := vault.WithTransaction(ctx, a.ID), vault.WithTransaction(ctx, b.ID)

	_, err = v.UpdateToken(inA, tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`"v1"`)})
	require.NoError(t, err)
	_, err = v.UpdateToken(inB, tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`"v2"`)})
	requireKind(t, err, vault.KindConflict)
	_, err = v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`"v3"`)})
	requireKind(t, err, vault.KindConflict)
	requireKind(t, v.DeleteToken(ctx, tok.ID), vault.KindConflict)
	got, err := v.GetToken(ctx, tok.ID)
	require.NoError(t, err, "reads are not blocked")
	assert.Equal(t, "v0", dataOf(t, got.Data))

	// A custom id being created in A is taken for everyone else.
	_, err = v.CreateToken(inA, vault.CreateTokenRequest{ID: "reserved-id", Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{ID: "reserved-id", Type: vault.TypeToken, Data: "y"})
	requireKind(t, err, vault.KindConflict)

	require.NoError(t, v.RollbackTransaction(ctx, a.ID))
	got, err = v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "v0", dataOf(t, got.Data), "a rollback leaves nothing")
	_, err = v.GetToken(ctx, "reserved-id")
	requireKind(t, err, vault.KindNotFound)
	_, err = v.UpdateToken(inB, tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`"v2"`)})
	require.NoError(t, err, "the lock went with the rollback")
	require.NoError(t, v.CommitTransaction(ctx, b.ID))
	got, err = v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "v2", dataOf(t, got.Data))
	require.NoError(t, v.Check(ctx))
}

func TestTransactionDeletesAndDedup(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	setSettings(t, v, map[string]string{vault.SettingDeduplicateTokens: "true", vault.SettingFingerprintTokens: "true"})
	committed, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)

	t1, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	in1 := vault.WithTransaction(ctx, t1.ID)
	dup, err := v.CreateToken(in1, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	assert.Equal(t, committed.ID, dup.ID, "deduplicated against a committed token")
	first, err := v.CreateToken(in1, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "5555555555554444"})
	require.NoError(t, err)
	second, err := v.CreateToken(in1, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "5555555555554444"})
	require.NoError(t, err)
	assert.Equal(t, first.ID, second.ID, "deduplicated within the transaction")
	gone, err := v.CreateToken(in1, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "short-lived"})
	require.NoError(t, err)
	require.NoError(t, v.DeleteToken(in1, gone.ID))
	require.NoError(t, v.DeleteToken(in1, committed.ID))
	_, err = v.GetToken(in1, committed.ID)
	requireKind(t, err, vault.KindNotFound)

	// Another open transaction does not see t1's token: both commit.
	t2, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	other, err := v.CreateToken(vault.WithTransaction(ctx, t2.ID), vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "5555555555554444"})
	require.NoError(t, err)
	assert.NotEqual(t, first.ID, other.ID)

	require.NoError(t, v.CommitTransaction(ctx, t1.ID))
	require.NoError(t, v.CommitTransaction(ctx, t2.ID))
	_, err = v.GetToken(ctx, committed.ID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.GetToken(ctx, gone.ID)
	requireKind(t, err, vault.KindNotFound)
	for _, id := range []string{first.ID, other.ID} {
		_, err = v.GetToken(ctx, id)
		require.NoError(t, err)
	}
	require.NoError(t, v.Check(ctx))
}

func TestTransactionExpiryAndOwnership(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := openTestVault(t, vault.WithClock(clock), vault.WithTransactionTTL(10*time.Minute))
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "v0"})
	require.NoError(t, err)

	app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "a", Type: vault.AppPrivate, Rules: []vault.AccessRule{
		{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenUpdate, vault.PermTokenRead}}}})
	require.NoError(t, err)
	asApp := authenticate(t, v, app.Key)
	txn, err := v.BeginTransaction(asApp)
	require.NoError(t, err)
	assert.Equal(t, app.ID, txn.CreatedBy)
	_, err = v.UpdateToken(vault.WithTransaction(asApp, txn.ID), tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`"v1"`)})
	require.NoError(t, err)

	other, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "b", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)
	requireKind(t, v.CommitTransaction(authenticate(t, v, other.Key), txn.ID), vault.KindForbidden)

	mu.Lock()
	now = now.Add(11 * time.Minute)
	mu.Unlock()
	requireKind(t, v.CommitTransaction(asApp, txn.ID), vault.KindConflict)
	_, err = v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`"v3"`)})
	require.NoError(t, err, "an expired transaction's lock is released on access")
	n, err := vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 0)
	requireKind(t, v.RollbackTransaction(asApp, txn.ID), vault.KindConflict)
	require.NoError(t, v.Check(ctx))
}

func TestTransactionSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	v, err := vault.Open(path, vault.WithSweepInterval(0))
	require.NoError(t, err)
	txn, err := v.BeginTransaction(t.Context())
	require.NoError(t, err)
	tok, err := v.CreateToken(vault.WithTransaction(t.Context(), txn.ID), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "durable"})
	require.NoError(t, err)
	require.NoError(t, v.Close())

	v, err = vault.Open(path, vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	_, err = v.GetToken(t.Context(), tok.ID)
	requireKind(t, err, vault.KindNotFound)
	require.NoError(t, v.CommitTransaction(t.Context(), txn.ID))
	got, err := v.GetToken(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "durable", dataOf(t, got.Data))
}

// TestConcurrentTransactions runs random transactions from 32 goroutines over
// a shared set of tokens. Each update appends the transaction's tag to the
// token's history, under the token's lock, so the histories show the order
// in which committed transactions touched each token. Afterwards: every
// committed update appears exactly once, no rolled-back one appears, the
// orders of all tokens agree with one serial order (the precedence graph has
// no cycle), created tokens exist exactly when their transaction committed,
// and every index agrees with the data.
func TestConcurrentTransactions(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	const shared, workers, perWorker = 12, 32, 12
	for i := range shared {
		_, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: fmt.Sprintf("shared-%02d", i), Type: vault.TypeToken, Data: i,
			Metadata: map[string]string{"h": ""}})
		require.NoError(t, err)
	}
	type result struct {
		tag       string
		updated   []string // shared tokens updated
		created   []string
		committed bool
	}
	results := make(chan result, workers*perWorker)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := range perWorker {
				tag := fmt.Sprintf("%d.%d", w, i)
				res := result{tag: tag}
				txn, err := v.BeginTransaction(ctx)
				if !assert.NoError(t, err) {
					return
				}
				in := vault.WithTransaction(ctx, txn.ID)
				ok := true
				for j := range 1 + rng.IntN(3) {
					if rng.IntN(4) == 0 {
						id := fmt.Sprintf("new-%s-%d", tag, j)
						if _, err := v.CreateToken(in, vault.CreateTokenRequest{ID: id, Type: vault.TypeToken, Data: tag}); !assert.NoError(t, err) {
							return
						}
						res.created = append(res.created, id)
						continue
					}
					id := fmt.Sprintf("shared-%02d", rng.IntN(shared))
					if containsString(res.updated, id) {
						continue
					}
					// Take the lock first, then read and append under it.
					_, err := v.UpdateToken(in, id, vault.UpdateTokenRequest{Metadata: json.RawMessage(`{"lock":"` + tag + `"}`)})
					if err != nil {
						if e, isVault := errorsAsVault(err); !isVault || e.Kind != vault.KindConflict {
							t.Errorf("update %s: %v", id, err)
						}
						ok = false
						break
					}
					cur, err := v.GetToken(in, id)
					if !assert.NoError(t, err) {
						return
					}
					h := cur.Metadata["h"] + "," + tag
					if _, err := v.UpdateToken(in, id, vault.UpdateTokenRequest{Metadata: json.RawMessage(`{"h":"` + h + `"}`)}); !assert.NoError(t, err) {
						return
					}
					res.updated = append(res.updated, id)
				}
				if ok && rng.IntN(10) < 6 {
					err := v.CommitTransaction(ctx, txn.ID)
					if !assert.NoError(t, err) {
						return
					}
					res.committed = true
				} else if !assert.NoError(t, v.RollbackTransaction(ctx, txn.ID)) {
					return
				}
				results <- res
			}
		})
	}
	wg.Wait()
	close(results)

	want := map[string]map[string]int{} // token → tag → appends expected
	committedTags := map[string]bool{}
	var allCreated []result
	for r := range results {
		allCreated = append(allCreated, r)
		if !r.committed {
			continue
		}
		committedTags[r.tag] = true
		for _, id := range r.updated {
			if want[id] == nil {
				want[id] = map[string]int{}
			}
			want[id][r.tag]++
		}
	}
	edges := map[string][]string{}
	for i := range shared {
		id := fmt.Sprintf("shared-%02d", i)
		tok, err := v.GetToken(ctx, id)
		require.NoError(t, err)
		var tags []string
		if h := tok.Metadata["h"]; h != "" {
			tags = strings.Split(strings.TrimPrefix(h, ","), ",")
		}
		got := map[string]int{}
		for k, tag := range tags {
			got[tag]++
			require.True(t, committedTags[tag], "token %s holds the update of a transaction that did not commit", id)
			if k > 0 {
				edges[tags[k-1]] = append(edges[tags[k-1]], tag)
			}
		}
		if want[id] == nil {
			want[id] = map[string]int{}
		}
		assert.Equal(t, want[id], got, "token %s: every committed update exactly once", id)
	}
	assert.False(t, hasCycle(edges), "the committed transactions are serializable")
	for _, r := range allCreated {
		for _, id := range r.created {
			_, err := v.GetToken(ctx, id)
			if r.committed {
				assert.NoError(t, err, "%s created by a committed transaction", id)
			} else {
				requireKind(t, err, vault.KindNotFound)
			}
		}
	}
	require.NoError(t, v.Check(ctx))
}

func containsString(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

func hasCycle(edges map[string][]string) bool {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var visit func(n string) bool
	visit = func(n string) bool {
		color[n] = grey
		for _, m := range edges[n] {
			if color[m] == grey || color[m] == white && visit(m) {
				return true
			}
		}
		color[n] = black
		return false
	}
	for n := range edges {
		if color[n] == white && visit(n) {
			return true
		}
	}
	return false
}
