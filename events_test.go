package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
	"github.com/tokenvault/vault/storage/postgres"
)

// all returns a copy of the events delivered so far.
func (l *eventLog) all() []vault.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]vault.Event(nil), l.events...)
}

// tokenIDOf returns the token id an event names, or "".
func tokenIDOf(e vault.Event) string {
	tok, _ := e.Data["token"].(map[string]any)
	id, _ := tok["id"].(string)
	return id
}

// fastOutbox makes the dispatcher poll every 20 ms, hold its lease for half
// a second and give a handler a second to return at Close.
var fastOutbox = vault.WithOutboxTimingForTest(20*time.Millisecond, 500*time.Millisecond, time.Second)

// TestEventsInCommitOrderPerTenant updates one token per tenant from many
// goroutines at once: every update's event is delivered once, each tenant's
// in the order the updates committed (modified_at is taken inside the
// update's store transaction from a clock that never repeats a value), and
// each writer's in the order it made them (postgres skips without
// VAULT_TEST_POSTGRES_DSN).
func TestEventsInCommitOrderPerTenant(t *testing.T) {
	opens := map[string]func(t *testing.T, opts ...vault.Option) *vault.Vault{
		"memory": func(t *testing.T, opts ...vault.Option) *vault.Vault { return openTestVault(t, opts...) },
		"bolt": func(t *testing.T, opts ...vault.Option) *vault.Vault {
			v, err := vault.Open(filepath.Join(t.TempDir(), "vault.db"), append([]vault.Option{vault.WithSweepInterval(0)}, opts...)...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = v.Close() })
			return v
		},
		"postgres": func(t *testing.T, opts ...vault.Option) *vault.Vault { // the state key's lock orders the writers
			s, err := postgres.Open(t.Context(), postgres.Config{DSN: os.Getenv("VAULT_TEST_POSTGRES_DSN"), Schema: newPostgresSchema(t)})
			require.NoError(t, err)
			v, err := vault.Open("", append([]vault.Option{vault.WithStore(s), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0)}, opts...)...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = v.Close() })
			return v
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			var tick atomic.Int64
			base := time.Now()
			clock := func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Microsecond) }
			log := &eventLog{}
			v := open(t, vault.WithClock(clock), vault.WithEventHandler(log.handle))
			ctx := t.Context()
			other, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "other"})
			require.NoError(t, err)
			tenants := []string{v.DefaultTenantID(), other.ID}
			tokens := make([]string, len(tenants))
			for i, tenant := range tenants {
				tok, err := v.CreateToken(vault.AsHost(ctx, tenant), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
				require.NoError(t, err)
				tokens[i] = tok.ID
			}
			const writers, updates = 4, 40
			var wg sync.WaitGroup
			for i, tenant := range tenants {
				for g := range writers {
					wg.Go(func() {
						for n := range updates {
							md := fmt.Sprintf(`{"g":"%d","n":"%d"}`, g, n)
							if _, err := v.UpdateToken(vault.AsHost(ctx, tenant), tokens[i], vault.UpdateTokenRequest{Metadata: json.RawMessage(md)}); err != nil {
								t.Error(err)
								return
							}
						}
					})
				}
			}
			wg.Wait()
			require.NoError(t, v.FlushEvents(ctx))
			for i, tenant := range tenants {
				var last time.Time
				next := map[string]int{}
				count := 0
				for _, e := range log.all() {
					if e.TenantID != tenant || e.Type != vault.EventTokenUpdated {
						continue
					}
					var data struct {
						Token struct {
							ID         string            `json:"id"`
							ModifiedAt time.Time         `json:"modified_at"`
							Metadata   map[string]string `json:"metadata"`
						} `json:"token"`
					}
					b, err := json.Marshal(e.Data)
					require.NoError(t, err)
					require.NoError(t, json.Unmarshal(b, &data))
					tok := data.Token
					require.Equal(t, tokens[i], tok.ID)
					assert.True(t, tok.ModifiedAt.After(last), "tenant %d: update %d delivered after a later commit", i, count)
					last = tok.ModifiedAt
					g := tok.Metadata["g"]
					n, err := strconv.Atoi(tok.Metadata["n"])
					require.NoError(t, err)
					assert.Equal(t, next[g], n, "tenant %d: writer %s's updates in the order it made them", i, g)
					next[g] = n + 1
					count++
				}
				assert.Equal(t, writers*updates, count, "tenant %d: every update delivered once", i)
			}
		})
	}
}

// TestEventsSharedByTwoProcesses runs two vaults on one memory store, as two
// processes on one database.
func TestEventsSharedByTwoProcesses(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	testEventsShared(t, func(t *testing.T) storage.Store { return sharedStore{store} })
}

func TestEventsSharedOnPostgres(t *testing.T) {
	testEventsShared(t, postgresStores(t))
}

// testEventsShared checks that of two vaults sharing a store only the one
// holding the outbox lease delivers, every event either raised, and that
// when it closes with events pending the other takes over and delivers the
// rest: every committed event is delivered (by one or the other).
func testEventsShared(t *testing.T, open func(t *testing.T) storage.Store) {
	var logs [2]*eventLog
	var vaults [2]*vault.Vault
	var slow atomic.Bool // the first vault's handler takes its time
	for i := range vaults {
		logs[i] = &eventLog{}
		handle := logs[i].handle
		if i == 0 {
			handle = func(ctx context.Context, e vault.Event) {
				if slow.Load() {
					time.Sleep(2 * time.Millisecond)
				}
				logs[0].handle(ctx, e)
			}
		}
		v, err := vault.Open("", vault.WithStore(open(t)), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
			vault.WithReactorWorkers(0), fastOutbox, vault.WithEventHandler(handle))
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		vaults[i] = v
		if i == 0 { // the first takes the lease before the second opens
			_, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "first"})
			require.NoError(t, err)
			require.NoError(t, v.FlushEvents(t.Context()))
			require.NotEmpty(t, logs[0].all())
		}
	}
	ctx := t.Context()
	createAll := func(per int) []string {
		var mu sync.Mutex
		var ids []string
		var wg sync.WaitGroup
		for _, v := range vaults {
			wg.Go(func() {
				for range per {
					tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					ids = append(ids, tok.ID)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return ids
	}
	delivered := func() map[string]bool { // token ids of token.created, deduplicated by event id
		seen, out := map[string]bool{}, map[string]bool{}
		for _, l := range logs {
			for _, e := range l.all() {
				if e.Type == vault.EventTokenCreated && !seen[e.ID] {
					seen[e.ID] = true
					out[tokenIDOf(e)] = true
				}
			}
		}
		return out
	}

	ids := createAll(30)
	require.NoError(t, vaults[1].FlushEvents(ctx), "the second waits for the first's delivery")
	require.NoError(t, vaults[0].FlushEvents(ctx))
	got := delivered()
	for _, id := range ids {
		assert.True(t, got[id], "token.created of %s delivered", id)
	}
	assert.Empty(t, logs[1].all(), "only the lease holder delivers")

	slow.Store(true)
	ids = createAll(50)
	require.NoError(t, vaults[0].Close()) // with events pending: 100 at 2 ms each
	before := len(logs[0].all())
	require.NoError(t, vaults[1].FlushEvents(ctx))
	got = delivered()
	for _, id := range ids {
		assert.True(t, got[id], "token.created of %s delivered after the hand-over", id)
	}
	assert.NotEmpty(t, logs[1].all(), "the second took the lease over")
	assert.Equal(t, before, len(logs[0].all()), "nothing is delivered by a closed vault")
}

// TestNoOutboxWithoutHandler makes changes of every kind in a vault without
// an event handler: the outbox buckets stay empty. With one, they fill.
func TestNoOutboxWithoutHandler(t *testing.T) {
	for _, withHandler := range []bool{false, true} {
		t.Run(fmt.Sprintf("handler=%v", withHandler), func(t *testing.T) {
			store := memory.New()
			opts := []vault.Option{vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0)}
			if withHandler {
				opts = append(opts, vault.WithEventHandler(func(context.Context, vault.Event) {}))
			}
			v, err := vault.Open("", opts...)
			require.NoError(t, err)
			defer v.Close()
			ctx := t.Context()
			tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
			require.NoError(t, err)
			_, err = v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{Metadata: json.RawMessage(`{"a":"b"}`)})
			require.NoError(t, err)
			_, err = v.Tokenize(ctx, map[string]any{"a": "b"})
			require.NoError(t, err)
			require.NoError(t, v.DeleteToken(ctx, tok.ID))
			for _, commit := range []bool{true, false} {
				txn, err := v.BeginTransaction(ctx)
				require.NoError(t, err)
				_, err = v.CreateToken(vault.WithTransaction(ctx, txn.ID), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "staged"})
				require.NoError(t, err)
				if commit {
					require.NoError(t, v.CommitTransaction(ctx, txn.ID))
				} else {
					require.NoError(t, v.RollbackTransaction(ctx, txn.ID))
				}
			}
			_, err = v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "a", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
			require.NoError(t, err)
			r, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r", Code: `module.exports = async () => ({ raw: 1 })`})
			require.NoError(t, err)
			_, err = v.React(ctx, r.ID, vault.ReactRequest{})
			require.NoError(t, err)
			tenant, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "t"})
			require.NoError(t, err)
			require.NoError(t, v.DeleteTenant(ctx, tenant.ID))
			require.NoError(t, v.FlushEvents(ctx))

			rows := 0
			require.NoError(t, store.ForEach(func(bucket string, _, _ []byte) error {
				if bucket == "outbox" || bucket == "outbox.state" {
					rows++
				}
				return nil
			}))
			if withHandler {
				assert.Positive(t, rows, "the changes' events are in the outbox")
			} else {
				assert.Zero(t, rows, "no outbox row without a handler")
			}
		})
	}
}

// TestPanickingHandler: a handler that panics is logged with the event's
// type and id only, and neither the other handlers nor later events miss
// anything.
func TestPanickingHandler(t *testing.T) {
	const marker = "4111111111111111-panic"
	var logs syncBuffer
	log := &eventLog{}
	v := openTestVault(t, vault.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		vault.WithEventHandler(func(_ context.Context, e vault.Event) {
			if e.Type == vault.EventTokenCreated {
				panic(marker)
			}
		}), vault.WithEventHandler(log.handle))
	ctx := t.Context()
	var ids []string
	for range 2 {
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
		require.NoError(t, err, "a handler's panic does not reach the change")
		ids = append(ids, tok.ID)
	}
	require.NoError(t, v.FlushEvents(ctx))
	var created []string
	for _, e := range log.all() {
		if e.Type == vault.EventTokenCreated {
			created = append(created, tokenIDOf(e))
			assert.Contains(t, logs.String(), e.ID, "the panic is logged with the event id")
		}
	}
	assert.Equal(t, ids, created)
	assert.Contains(t, logs.String(), "an event handler panicked")
	assert.NotContains(t, logs.String(), marker, "the panic value could hold anything")
}

// syncBuffer is a log sink for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCloseLeavesABlockedHandler: Close returns within the handler grace
// even though a handler never returns, and the event it held is delivered
// again after a restart.
func TestCloseLeavesABlockedHandler(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	v, err := vault.Open(path, vault.WithSweepInterval(0), vault.WithOutboxTimingForTest(20*time.Millisecond, time.Second, 100*time.Millisecond),
		vault.WithEventHandler(func(_ context.Context, e vault.Event) {
			if e.Type == vault.EventTokenCreated {
				once.Do(func() { close(entered) })
				<-release // ignores its context
			}
		}))
	require.NoError(t, err)
	defer close(release) // the abandoned handler returns, and its goroutine ends
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the event was not delivered")
	}
	start := time.Now()
	require.NoError(t, v.Close())
	assert.Less(t, time.Since(start), 2*time.Second, "Close waits for a blocked handler only for the grace")

	log := &eventLog{}
	v, err = vault.Open(path, vault.WithSweepInterval(0), vault.WithEventHandler(log.handle))
	require.NoError(t, err)
	defer v.Close()
	require.NoError(t, v.FlushEvents(t.Context()))
	var again []string
	for _, e := range log.all() {
		if e.Type == vault.EventTokenCreated {
			again = append(again, tokenIDOf(e))
		}
	}
	assert.Equal(t, []string{tok.ID}, again, "the event whose handler did not return is delivered again")
}

// TestFlushEvents returns at once without handlers, and with the context's
// error when delivery does not finish in time.
func TestFlushEvents(t *testing.T) {
	v := openTestVault(t)
	_, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	require.NoError(t, v.FlushEvents(t.Context()), "nothing to wait for without a handler")

	release := make(chan struct{})
	v = openTestVault(t, vault.WithEventHandler(func(ctx context.Context, e vault.Event) {
		select {
		case <-release:
		case <-ctx.Done():
		}
	}))
	defer close(release)
	_, err = v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err = v.FlushEvents(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	requireKind(t, err, vault.KindTimeout)
}

// TestEventRetention: delivered events stay in the outbox for the retention
// and the sweeper purges them after it; the sequence goes on.
func TestEventRetention(t *testing.T) {
	for name, tc := range map[string]struct {
		opts      []vault.Option
		retention time.Duration
	}{
		"default": {retention: vault.DefaultEventRetention},
		"an hour": {opts: []vault.Option{vault.WithEventRetention(time.Hour)}, retention: time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			now := time.Now()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			store := memory.New()
			log := &eventLog{}
			v, err := vault.Open("", append([]vault.Option{vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
				vault.WithClock(clock), vault.WithEventHandler(log.handle)}, tc.opts...)...)
			require.NoError(t, err)
			defer v.Close()
			ctx := t.Context()
			entries := func() (n int) {
				require.NoError(t, store.ForEach(func(bucket string, _, _ []byte) error {
					if bucket == "outbox" {
						n++
					}
					return nil
				}))
				return n
			}
			for range 3 {
				_, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
				require.NoError(t, err)
			}
			require.NoError(t, v.FlushEvents(ctx))
			kept := entries()
			require.Equal(t, 3, kept)

			advance(tc.retention - time.Minute)
			_, err = vault.SweepForTest(ctx, v)
			require.NoError(t, err)
			assert.Equal(t, kept, entries(), "within the retention")
			advance(2 * time.Minute)
			_, err = vault.SweepForTest(ctx, v)
			require.NoError(t, err)
			assert.Zero(t, entries(), "past the retention")

			tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "y"})
			require.NoError(t, err)
			require.NoError(t, v.FlushEvents(ctx))
			all := log.all()
			require.Len(t, all, 4)
			assert.Equal(t, tok.ID, tokenIDOf(all[3]), "delivery goes on after a purge")
			require.NoError(t, v.Check(ctx))
		})
	}
	_, err := vault.OpenMemory(vault.WithEventRetention(-time.Second))
	requireKind(t, err, vault.KindInvalid)
}

// TestDeletedTenantEventsAreDeliveredFirst deletes a tenant while its events
// cannot be delivered: the purge keeps them (and the tenant record) until
// they are, drops those older than the retention, and then leaves no key of
// the tenant in the outbox.
func TestDeletedTenantEventsAreDeliveredFirst(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	store := memory.New()
	release := make(chan struct{})
	var doomed atomic.Value
	doomed.Store("")
	log := &eventLog{}
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0), vault.WithClock(clock),
		vault.WithEventHandler(func(ctx context.Context, e vault.Event) {
			if e.TenantID == doomed.Load() {
				<-release // held until the test lets it go
			}
			log.handle(ctx, e)
		}))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	tenant, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	require.NoError(t, v.FlushEvents(ctx))
	doomed.Store(tenant.ID)
	host := vault.AsHost(ctx, tenant.ID)
	for range 3 {
		_, err := v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
		require.NoError(t, err)
	}
	keysOf := func() (n int) { // outbox keys of the tenant
		require.NoError(t, store.ForEach(func(bucket string, k, _ []byte) error {
			if (bucket == "outbox" || bucket == "outbox.state") && bytes.Contains(k, []byte(tenant.ID)) {
				n++
			}
			return nil
		}))
		return n
	}

	mu.Lock()
	now = now.Add(vault.DefaultEventRetention + time.Hour) // the three token.created are old now
	mu.Unlock()
	require.NoError(t, v.DeleteTenant(ctx, tenant.ID))
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Equal(t, 2, keysOf(), "tenant.deleted, undelivered and recent, is kept with the state; the old ones went")

	close(release)
	require.NoError(t, v.FlushEvents(ctx))
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Zero(t, keysOf(), "no key of the tenant once its events are delivered")
	var types []string
	for _, e := range log.all() {
		if e.TenantID == tenant.ID {
			types = append(types, e.Type)
		}
	}
	assert.Contains(t, types, "tenant.deleted", "tenant.deleted is delivered")
	require.NoError(t, v.Check(ctx))
	require.NoError(t, store.ForEach(func(bucket string, k, val []byte) error {
		if bucket != "keys" {
			assert.False(t, bytes.Contains(k, []byte(tenant.ID)) || bytes.Contains(val, []byte(tenant.ID)), "bucket %s names the deleted tenant", bucket)
		}
		return nil
	}))
}

// TestTransactionEvents: a rollback raises transaction.rolled_back and none
// of its staged changes' events; a commit raises the changes' events, then
// transaction.committed.
func TestTransactionEvents(t *testing.T) {
	log := &eventLog{}
	v := openTestVault(t, vault.WithEventHandler(log.handle))
	ctx := t.Context()
	var txns []string
	for _, commit := range []bool{false, true} {
		txn, err := v.BeginTransaction(ctx)
		require.NoError(t, err)
		txns = append(txns, txn.ID)
		_, err = v.CreateToken(vault.WithTransaction(ctx, txn.ID), vault.CreateTokenRequest{ID: fmt.Sprintf("staged-%v", commit), Type: vault.TypeToken, Data: "x"})
		require.NoError(t, err)
		if commit {
			require.NoError(t, v.CommitTransaction(ctx, txn.ID))
		} else {
			require.NoError(t, v.RollbackTransaction(ctx, txn.ID))
		}
	}
	require.NoError(t, v.FlushEvents(ctx))
	var got []string
	for _, e := range log.all() {
		switch e.Type {
		case vault.EventTransactionCommitted, vault.EventTransactionRolledBack:
			got = append(got, e.Type+" "+e.Data["transaction"].(map[string]any)["id"].(string))
		default:
			got = append(got, e.Type+" "+tokenIDOf(e))
		}
	}
	assert.Equal(t, []string{
		vault.EventTransactionRolledBack + " " + txns[0],
		vault.EventTokenCreated + " staged-true",
		vault.EventTransactionCommitted + " " + txns[1],
	}, got)
}
