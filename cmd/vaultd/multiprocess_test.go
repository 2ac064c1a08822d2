package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/internal/lincheck"
)

// TestMultiProcessPostgres runs three vaultd processes on one PostgreSQL
// schema, 9 clients spread over them running token operations on 8 ids,
// while one process after another is SIGKILLed and restarted every 700 ms.
// A write whose answer the kill lost is recorded as unknown; the history
// must be linearizable, and every token a final read finds must be one the
// history explains (the checker sees the final reads too).
func TestMultiProcessPostgres(t *testing.T) {
	dsn := os.Getenv("VAULT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("VAULT_TEST_POSTGRES_DSN not set")
	}
	env := []string{"VAULT_POSTGRES_DSN=" + dsn, "VAULT_POSTGRES_SCHEMA=" + newSchema(t, dsn), "VAULT_MASTER_KEY=" + randomKey(t)}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	allow := []string{"--allow-host", "127.0.0.1", "--sweep-interval", "200ms"}
	first := startServe(t, dir, env, append(allow, "--bootstrap-key-file", keyFile)...)
	mgmt := readKey(t, keyFile)
	hooks := newHookLog(t)
	status, body := first.do(t, "POST", "/webhooks", mgmt,
		`{"name":"drill","url":"`+hooks.srv.URL+`/hook","events":["token.created","token.updated","token.expired"]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	status, body = first.do(t, "POST", "/applications", mgmt,
		`{"name":"clients","type":"private","permissions":["token:create","token:read","token:update","token:delete","reactor:invoke"]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	key := jsonField(t, body, "key")
	status, body = first.do(t, "POST", "/reactors", mgmt, `{"name":"echo","code":"module.exports = async (req) => ({ raw: { n: req.args.n } })"}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	reactor := jsonField(t, body, "id")

	// servers[i] is the running process of slot i; a client reads its
	// slot's address at each call.
	var mu sync.RWMutex
	servers := []*proc{first, startServe(t, dir, env, allow...), startServe(t, dir, env, allow...)}
	addr := func(i int) string { mu.RLock(); defer mu.RUnlock(); return servers[i].addr }

	rec := lincheck.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	var writes, unknown, calls atomic.Int64
	var sentMu sync.Mutex
	acked := map[string]string{} // the meta of each acknowledged create or update -> the event type it raises
	sent := map[string]bool{}    // the meta of every create or update sent, answered or not
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for c := range 9 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(rand.Uint64(), uint64(c)))
			for ctx.Err() == nil {
				in := lincheck.Op{Kind: []string{"create", "get", "get", "update", "delete"}[rng.IntN(5)], ID: "mp-" + strconv.Itoa(rng.IntN(8))}
				if in.Kind == "create" || in.Kind == "update" {
					in.Meta = strconv.FormatInt(writes.Add(1), 10)
				}
				h := lincheck.HTTP{URL: "http://" + addr(c%3), Key: key, Client: client}
				call := rec.Now()
				out, err := h.Apply(context.Background(), in)
				ret := rec.Now()
				if in.Meta != "" && !errors.Is(err, syscall.ECONNREFUSED) {
					sentMu.Lock()
					sent[in.Meta] = true
					if err == nil && out.OK {
						acked[in.Meta] = "token." + map[string]string{"create": "created", "update": "updated"}[in.Kind]
					}
					sentMu.Unlock()
				}
				if errors.Is(err, syscall.ECONNREFUSED) {
					time.Sleep(20 * time.Millisecond) // a dead port: the call never reached a vault
					continue
				}
				calls.Add(1)
				if err != nil {
					if _, answered := errors.AsType[*lincheck.StatusError](err); answered {
						t.Errorf("%s %s: %v", in.Kind, in.ID, err)
						return
					}
					out = lincheck.Result{Unknown: true} // the process was killed under the call
					unknown.Add(1)
				}
				rec.Record(c, in, call, out, ret)
			}
		})
	}
	// One client invokes the reactor asynchronously: each acknowledged
	// invocation must end with exactly its result, whichever process ran
	// it and however many were killed meanwhile.
	var asyncMu sync.Mutex
	async := map[string]int{} // request id -> its n
	wg.Go(func() {
		for n := 0; ctx.Err() == nil; n++ {
			status, body, err := drillRequest(context.Background(), &proc{addr: addr(n % 3), client: client}, "POST",
				"/reactors/"+reactor+"/react-async", key, "", fmt.Sprintf(`{"args":{"n":%d}}`, n))
			if err != nil || status != http.StatusAccepted {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			var res struct {
				ID string `json:"asyncReactorRequestId"`
			}
			if json.Unmarshal(body, &res) == nil && res.ID != "" {
				asyncMu.Lock()
				async[res.ID] = n
				asyncMu.Unlock()
			}
			time.Sleep(25 * time.Millisecond)
		}
	})
	// One client creates tokens that expire a second later: whichever of the
	// three processes sweeps one first purges it, and each raises
	// token.expired once however many sweep and die meanwhile.
	var expiring sync.Map // acknowledged expiring token ids
	wg.Go(func() {
		for n := 0; ctx.Err() == nil; n++ {
			id := "exp-" + strconv.Itoa(n)
			at := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
			sentMu.Lock()
			sent[id] = true // its token.created event is one the checks below expect
			sentMu.Unlock()
			status, _, err := drillRequest(context.Background(), &proc{addr: addr(n % 3), client: client}, "POST", "/tokens", key, "",
				fmt.Sprintf(`{"id":%q,"type":"token","data":"d","metadata":{"v":%q},"expires_at":%q}`, id, id, at))
			if err == nil && status == http.StatusCreated {
				expiring.Store(id, true)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	kills := 0
	for slot := 0; ctx.Err() == nil; slot = (slot + 1) % 3 {
		time.Sleep(700 * time.Millisecond)
		mu.RLock()
		p := servers[slot]
		mu.RUnlock()
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		p.wait(t)
		kills++
		next := startServe(t, dir, env, allow...)
		mu.Lock()
		servers[slot] = next
		mu.Unlock()
	}
	wg.Wait()

	// Final reads, after every call returned or was abandoned.
	h := lincheck.HTTP{URL: "http://" + addr(0), Key: key, Client: client}
	for i := range 8 {
		in := lincheck.Op{Kind: "get", ID: "mp-" + strconv.Itoa(i)}
		call := rec.Now()
		out, err := h.Apply(context.Background(), in)
		require.NoError(t, err)
		rec.Record(100, in, call, out, rec.Now())
	}
	// Every acknowledged asynchronous invocation completes with its own
	// result: a job of a killed process is taken over once its lease ends.
	live := &proc{addr: addr(1), client: client}
	deadline := time.Now().Add(90 * time.Second)
	for id, n := range async {
		for {
			status, body, err := drillRequest(context.Background(), live, "GET", "/reactors/"+reactor+"/results/"+id, key, "", "")
			require.NoError(t, err)
			if status == http.StatusOK {
				var res struct{ Raw struct{ N int } }
				require.NoError(t, json.Unmarshal(body, &res), "%s", body)
				require.Equal(t, n, res.Raw.N, "invocation %s has its own result", id)
				break
			}
			require.Equal(t, http.StatusAccepted, status, "invocation %s: %s", id, body)
			require.True(t, time.Now().Before(deadline), "invocation %s never completed", id)
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Every acknowledged create and update reaches the webhook, whichever
	// process wrote it and whichever was killed before delivering it (its
	// jobs are taken over once their lease ends): delivery is at least
	// once, and de-duplicated by event id each write is one event.
	deadline = time.Now().Add(90 * time.Second)
	for {
		missing := hooks.missing(acked)
		if missing == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d acknowledged writes never delivered", missing)
		time.Sleep(100 * time.Millisecond)
	}
	expired := 0
	expiring.Range(func(k, _ any) bool {
		expired++
		return true
	})
	deadline = time.Now().Add(90 * time.Second)
	for {
		missing := 0
		got := hooks.ofType("token.expired")
		expiring.Range(func(k, _ any) bool {
			if got[k.(string)] == 0 {
				missing++
			}
			return true
		})
		if missing == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d of %d expiring tokens raised no token.expired", missing, expired)
		time.Sleep(100 * time.Millisecond)
	}
	for id, n := range hooks.ofType("token.expired") {
		require.Equal(t, 1, n, "token %s expired in %d events", id, n)
	}
	deliveries, events, twice := hooks.counts()
	for meta, typ := range hooks.events() {
		require.True(t, sent[meta], "event %s for meta %s: no such write was sent", typ, meta)
	}
	require.Zero(t, hooks.doubled(), "a write raised two events")
	history := rec.History()
	res := lincheck.Check(history, 2*time.Minute)
	assert.Equal(t, porcupine.Ok, res, "the history of %d calls is linearizable", len(history))
	t.Logf("multi-process drill: 3 vaultd on one database, %d kills, %d calls (%d without an answer), linearizable: %s; "+
		"%d asynchronous invocations acknowledged, each completed with its own result; %d acknowledged writes, every one "+
		"delivered to the webhook: %d deliveries of %d events (%d delivered more than once, de-duplicated by BT-EVENT-ID); "+
		"%d tokens expired while processes were killed, each in exactly one token.expired",
		kills, calls.Load(), unknown.Load(), res, len(async), len(acked), deliveries, events, twice, expired)
	for _, p := range servers {
		require.Equal(t, 0, p.stop(t), fmt.Sprint(p.stderr))
	}
}

// hookLog is a webhook receiver that records the deliveries of token
// events: per event id, its type, its token's metadata "v" and how often it
// came.
type hookLog struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen map[string]*hookEvent // event id ->
}

type hookEvent struct {
	typ, meta, token string
	times            int
}

func newHookLog(t *testing.T) *hookLog {
	h := &hookLog{seen: map[string]*hookEvent{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Event struct {
				ID   string `json:"id"`
				Type string `json:"type"`
				Data struct {
					Token struct {
						ID       string            `json:"id"`
						Metadata map[string]string `json:"metadata"`
					} `json:"token"`
				} `json:"data"`
			} `json:"event"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Event.ID != r.Header.Get("BT-EVENT-ID") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		e := h.seen[body.Event.ID]
		if e == nil {
			e = &hookEvent{typ: body.Event.Type, meta: body.Event.Data.Token.Metadata["v"], token: body.Event.Data.Token.ID}
			h.seen[body.Event.ID] = e
		}
		e.times++
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// missing counts the acknowledged writes (meta -> event type) no delivery
// has shown yet.
func (h *hookLog) missing(acked map[string]string) int {
	got := h.events()
	n := 0
	for meta, typ := range acked {
		if got[meta] != typ {
			n++
		}
	}
	return n
}

// events maps each meta delivered in a created or updated event to its
// type.
func (h *hookLog) events() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	for _, e := range h.seen {
		if e.typ != "token.expired" {
			out[e.meta] = e.typ
		}
	}
	return out
}

// ofType counts, for each token id, the distinct events of type typ.
func (h *hookLog) ofType(typ string) map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for _, e := range h.seen {
		if e.typ == typ {
			out[e.token]++
		}
	}
	return out
}

// doubled counts the writes (a type, a meta, a token) that came under more
// than one event id.
func (h *hookLog) doubled() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := map[[3]string]int{}
	n := 0
	for _, e := range h.seen {
		k := [3]string{e.typ, e.meta, e.token}
		if ids[k]++; ids[k] == 2 {
			n++
		}
	}
	return n
}

// counts returns the deliveries, the distinct events, and the events
// delivered more than once.
func (h *hookLog) counts() (deliveries, events, twice int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.seen {
		deliveries += e.times
		if e.times > 1 {
			twice++
		}
	}
	return deliveries, len(h.seen), twice
}
