package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// The history checker: concurrent clients run token operations on a few
// custom ids, every call recorded with its invocation and return times;
// porcupine then searches for a sequential order, consistent with those
// times, in which a model of tokens gives every recorded answer. A history
// with none is not linearizable: some client saw the vault in a state no
// order of the operations explains (a stale read, a lost update, a
// resurrected token).

// tokenOp is a recorded call: its kind, the token id, and the metadata
// value written (create, update).
type tokenOp struct {
	Kind string // create, get, update, delete
	ID   string
	Meta string
}

// tokenResult is what the call returned: ok (created, updated, deleted,
// found), and for get the metadata value seen.
type tokenResult struct {
	OK   bool
	Meta string
}

// tokenState is the model's state of one id.
type tokenState struct {
	Exists bool
	Meta   string
}

// tokenModel is the sequential specification, partitioned by id (each id's
// history is linearizable on its own iff the whole is, as the operations
// touch one id each).
var tokenModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byID := map[string][]porcupine.Operation{}
		var order []string
		for _, op := range history {
			id := op.Input.(tokenOp).ID
			if _, ok := byID[id]; !ok {
				order = append(order, id)
			}
			byID[id] = append(byID[id], op)
		}
		out := make([][]porcupine.Operation, 0, len(order))
		for _, id := range order {
			out = append(out, byID[id])
		}
		return out
	},
	Init: func() any { return tokenState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(tokenState), input.(tokenOp), output.(tokenResult)
		switch in.Kind {
		case "create":
			if s.Exists {
				return !out.OK, s // the id is taken: a conflict
			}
			return out.OK, tokenState{Exists: true, Meta: in.Meta}
		case "get":
			return out.OK == s.Exists && (!s.Exists || out.Meta == s.Meta), s
		case "update":
			if !s.Exists {
				return !out.OK, s
			}
			return out.OK, tokenState{Exists: true, Meta: in.Meta}
		case "delete":
			if !s.Exists {
				return !out.OK, s
			}
			return out.OK, tokenState{}
		}
		return false, s
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(tokenOp), output.(tokenResult)
		return fmt.Sprintf("%s(%s, %q) -> %v %q", in.Kind, in.ID, in.Meta, out.OK, out.Meta)
	},
}

// runTokenHistory runs clients goroutines of ops random operations each on
// ids custom ids of v and returns the history. An error other than the
// answers the model knows (not found, conflict) fails the test.
func runTokenHistory(t *testing.T, v tokenClient, clients, ops, ids int, seed uint64) []porcupine.Operation {
	t.Helper()
	ctx := context.Background()
	base := time.Now()
	now := func() int64 { return time.Since(base).Nanoseconds() }
	prefix := "lin-" + strconv.FormatUint(seed, 36) + "-"
	var mu sync.Mutex
	var history []porcupine.Operation
	var wg sync.WaitGroup
	var writes atomic.Int64
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			for range ops {
				in := tokenOp{Kind: []string{"create", "get", "get", "update", "delete"}[rng.IntN(5)],
					ID: prefix + strconv.Itoa(rng.IntN(ids))}
				if in.Kind == "create" || in.Kind == "update" {
					in.Meta = strconv.FormatInt(writes.Add(1), 10)
				}
				call := now()
				out, err := v.apply(ctx, in)
				ret := now()
				if err != nil {
					t.Errorf("%s %s: %v", in.Kind, in.ID, err)
					return
				}
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return history
}

// tokenClient runs one operation and maps its answer for the model.
type tokenClient interface {
	apply(ctx context.Context, in tokenOp) (tokenResult, error)
}

// inProcess calls the vault's methods.
type inProcess struct{ v *vault.Vault }

func (c inProcess) apply(ctx context.Context, in tokenOp) (tokenResult, error) {
	v := c.v
	var err error
	switch in.Kind {
	case "create":
		_, err = v.CreateToken(ctx, vault.CreateTokenRequest{ID: in.ID, Type: vault.TypeToken, Data: "d", Metadata: map[string]string{"v": in.Meta}})
	case "get":
		var tok *vault.Token
		if tok, err = v.GetToken(ctx, in.ID); err == nil {
			return tokenResult{OK: true, Meta: tok.Metadata["v"]}, nil
		}
	case "update":
		meta, _ := json.Marshal(map[string]string{"v": in.Meta})
		_, err = v.UpdateToken(ctx, in.ID, vault.UpdateTokenRequest{Metadata: meta})
	case "delete":
		err = v.DeleteToken(ctx, in.ID)
	}
	if e, ok := errors.AsType[*vault.Error](err); ok && (e.Kind == vault.KindNotFound || e.Kind == vault.KindConflict) {
		return tokenResult{}, nil
	}
	return tokenResult{OK: err == nil}, err
}

// overHTTP calls the REST API of a server with a private application's
// key.
type overHTTP struct {
	url, key string
	client   *http.Client
}

func (c overHTTP) apply(ctx context.Context, in tokenOp) (tokenResult, error) {
	var method, path, body, ctype string
	switch in.Kind {
	case "create":
		method, path, ctype = http.MethodPost, "/tokens", "application/json"
		body = fmt.Sprintf(`{"id":%q,"type":"token","data":"d","metadata":{"v":%q}}`, in.ID, in.Meta)
	case "get":
		method, path = http.MethodGet, "/tokens/"+url.PathEscape(in.ID)
	case "update":
		method, path, ctype = http.MethodPatch, "/tokens/"+url.PathEscape(in.ID), "application/merge-patch+json"
		body = fmt.Sprintf(`{"metadata":{"v":%q}}`, in.Meta)
	case "delete":
		method, path = http.MethodDelete, "/tokens/"+url.PathEscape(in.ID)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, strings.NewReader(body))
	if err != nil {
		return tokenResult{}, err
	}
	req.Header.Set("BT-API-KEY", c.key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.client.Do(req)
	if err != nil {
		return tokenResult{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return tokenResult{}, err
	}
	switch res.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusNoContent:
	case http.StatusNotFound, http.StatusConflict:
		return tokenResult{}, nil
	default:
		return tokenResult{}, fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	out := tokenResult{OK: true}
	if in.Kind == "get" {
		var tok struct {
			Metadata map[string]string `json:"metadata"`
		}
		if err := json.Unmarshal(b, &tok); err != nil {
			return tokenResult{}, err
		}
		out.Meta = tok.Metadata["v"]
	}
	return out, nil
}

// checkLinearizable checks the history (within a minute: Unknown past it).
func checkLinearizable(t *testing.T, history []porcupine.Operation) porcupine.CheckResult {
	t.Helper()
	return porcupine.CheckOperationsTimeout(tokenModel, history, time.Minute)
}

// TestTokensAreLinearizable runs the history checker on memory, bolt and
// PostgreSQL: 8 clients, 150 operations each, on 6 ids.
func TestTokensAreLinearizable(t *testing.T) {
	backends := map[string]func(t *testing.T) *vault.Vault{
		"memory": func(t *testing.T) *vault.Vault { return openTestVault(t) },
		"bolt": func(t *testing.T) *vault.Vault {
			v, err := vault.Open(filepath.Join(t.TempDir(), "vault.db"), vault.WithSweepInterval(0))
			require.NoError(t, err)
			t.Cleanup(func() { _ = v.Close() })
			return v
		},
		"postgres": func(t *testing.T) *vault.Vault { return openPostgresVault(t, newPostgresSchema(t)) },
	}
	for name, open := range backends {
		for _, via := range []string{"in process", "over HTTP"} {
			t.Run(name+" "+via, func(t *testing.T) {
				v := open(t)
				var c tokenClient = inProcess{v}
				if via == "over HTTP" {
					srv := httptest.NewServer(httpapi.New(v))
					t.Cleanup(srv.Close)
					app, err := v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "client", Type: vault.AppPrivate,
						Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUpdate, vault.PermTokenDelete}})
					require.NoError(t, err)
					c = overHTTP{url: srv.URL, key: app.Key.Reveal(), client: srv.Client()}
				}
				history := runTokenHistory(t, c, 8, 150, 6, rand.Uint64())
				require.Len(t, history, 8*150)
				assert.Equal(t, porcupine.Ok, checkLinearizable(t, history), "the history of %d operations is linearizable", len(history))
			})
		}
	}
}

// TestHistoryCheckerFindsStaleReads plants a linearizability bug, reads
// served by a replica that applies each commit 20 ms late, and checks that
// the checker rejects the history: a checker that passes everything would
// prove nothing of the real runs.
func TestHistoryCheckerFindsStaleReads(t *testing.T) {
	store := newLaggingStore(20 * time.Millisecond)
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	store.lagging.Store(true) // after Open, whose own reads must see its writes
	history := runTokenHistory(t, inProcess{v}, 8, 150, 6, rand.Uint64())
	require.Len(t, history, 8*150)
	assert.Equal(t, porcupine.Illegal, checkLinearizable(t, history), "stale reads make the history non-linearizable")
}

// laggingStore is the planted bug of TestHistoryCheckerFindsStaleReads:
// Update commits to the primary and, once lagging, a replicator applies the
// same writes to a replica lag after the commit; View reads the replica.
// Commits are replicated in commit order, so the replica is a consistent
// but stale snapshot: what an asynchronous read replica gives.
type laggingStore struct {
	storage.Store               // the primary
	replica       *memory.Store // what View reads
	lag           time.Duration // how late the replica applies a commit
	lagging       atomic.Bool   // off while the vault opens
	mu            sync.Mutex    // orders commits and their replication
	queue         chan commit   // commits waiting for the replica
	done          chan struct{} // the replicator ended
}

// commit is the writes of one Update and when it committed.
type commit struct {
	at     time.Time
	writes []write
}

// write is one Put (value non-nil) or Delete of a commit.
type write struct {
	bucket     string
	key, value []byte
}

func newLaggingStore(lag time.Duration) *laggingStore {
	s := &laggingStore{Store: memory.New(), replica: memory.New(), lag: lag, queue: make(chan commit, 1<<16), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for c := range s.queue {
			time.Sleep(time.Until(c.at.Add(s.lag)))
			s.apply(c.writes)
		}
	}()
	return s
}

// recordingTx records the writes of an Update.
type recordingTx struct {
	storage.Tx
	writes *[]write
}

func (r recordingTx) Put(bucket string, key, value []byte) error {
	*r.writes = append(*r.writes, write{bucket, append([]byte(nil), key...), append([]byte{}, value...)})
	return r.Tx.Put(bucket, key, value)
}

func (r recordingTx) Delete(bucket string, key []byte) error {
	*r.writes = append(*r.writes, write{bucket, append([]byte(nil), key...), nil})
	return r.Tx.Delete(bucket, key)
}

func (s *laggingStore) Update(ctx context.Context, fn func(storage.Tx) error) error {
	var writes []write
	s.mu.Lock() // one writer at a time, so that the queue is in commit order
	defer s.mu.Unlock()
	err := s.Store.Update(ctx, func(tx storage.Tx) error {
		writes = writes[:0] // fn may run more than once
		return fn(recordingTx{Tx: tx, writes: &writes})
	})
	if err != nil || len(writes) == 0 {
		return err
	}
	if s.lagging.Load() {
		s.queue <- commit{at: time.Now(), writes: writes}
	} else {
		s.apply(writes)
	}
	return nil
}

// apply writes a commit to the replica.
func (s *laggingStore) apply(writes []write) {
	_ = s.replica.Update(context.Background(), func(tx storage.Tx) error {
		for _, w := range writes {
			var err error
			if w.value == nil {
				err = tx.Delete(w.bucket, w.key)
			} else {
				err = tx.Put(w.bucket, w.key, w.value)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *laggingStore) View(ctx context.Context, fn func(storage.Tx) error) error {
	return s.replica.View(ctx, fn)
}

func (s *laggingStore) Close() error {
	s.mu.Lock()
	close(s.queue)
	s.mu.Unlock()
	<-s.done
	return errors.Join(s.Store.Close(), s.replica.Close())
}
