package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// hookStore is a store whose read-write transactions call hooks, so that a
// test can fail or hold a request at a chosen point inside the vault: put
// before each Put of a transaction function, committed after each Update
// that committed, with the buckets the transaction wrote. ctx is Update's,
// which carries the request's trace id.
type hookStore struct {
	storage.Store
	put       func(ctx context.Context, bucket string)
	committed func(ctx context.Context, wrote map[string]bool)
}

func (s *hookStore) Update(ctx context.Context, fn func(storage.Tx) error) error {
	var wrote map[string]bool
	err := s.Store.Update(ctx, func(tx storage.Tx) error {
		wrote = map[string]bool{} // fn may run more than once: the last attempt's
		return fn(&hookTx{Tx: tx, ctx: ctx, s: s, wrote: wrote})
	})
	if err == nil && s.committed != nil {
		s.committed(ctx, wrote)
	}
	return err
}

type hookTx struct {
	storage.Tx
	ctx   context.Context
	s     *hookStore
	wrote map[string]bool
}

func (t *hookTx) Put(bucket string, key, value []byte) error {
	if t.s.put != nil {
		t.s.put(t.ctx, bucket)
	}
	t.wrote[bucket] = true
	return t.Tx.Put(bucket, key, value)
}

// fixture is a vault in memory behind the handler, with applications of
// every kind and a few tokens. Scenarios name its keys and ids in braces:
// "{private}", "{card}".
type fixture struct {
	v    *vault.Vault
	h    http.Handler
	vars map[string]string
	logs *syncBuffer
}

// syncBuffer collects log output from concurrent requests.
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

// allTokenPerms are the token permissions a private application may hold.
var allTokenPerms = []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUpdate, vault.PermTokenDelete, vault.PermTokenSearch}

// newFixture opens a vault with vopts and a handler with hopts over it.
func newFixture(t testing.TB, vopts []vault.Option, hopts ...httpapi.Option) *fixture {
	t.Helper()
	return newFixtureOn(t, memory.New(), vopts, hopts...)
}

// newFixtureOn is newFixture with the vault kept in store (a wrapper of a
// memory store, say) under a random master key.
func newFixtureOn(t testing.TB, store storage.Store, vopts []vault.Option, hopts ...httpapi.Option) *fixture {
	t.Helper()
	kek := make([]byte, 32)
	_, _ = rand.Read(kek)
	provider, err := keys.NewLocal(kek)
	require.NoError(t, err)
	v, err := vault.Open("", append([]vault.Option{vault.WithSweepInterval(0), vault.WithKeyProvider(provider)}, append(vopts, vault.WithStore(store))...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := &fixture{v: v, h: httpapi.New(v, append([]httpapi.Option{httpapi.WithLogger(log)}, hopts...)...), vars: map[string]string{}, logs: logs}
	boot, ok := v.TakeBootstrapKey()
	require.True(t, ok)
	f.vars["mgmt"] = boot.Reveal()
	ctx := context.Background()
	app := func(name, typ string, perms []string, rules []vault.AccessRule) *vault.Application {
		a, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: name, Type: typ, Permissions: perms, Rules: rules})
		require.NoError(t, err)
		f.vars[name] = a.Key.Reveal()
		f.vars[name+"_app"] = a.ID
		f.vars[name+"_key"] = a.Keys[0].ID
		return a
	}
	app("private", vault.AppPrivate, nil, []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: allTokenPerms}})
	app("masked", vault.AppPrivate, allTokenPerms, nil)
	app("pci", vault.AppPrivate, nil, []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenRead}}})
	app("creator", vault.AppPrivate, []string{vault.PermTokenCreate}, nil)
	app("public", vault.AppPublic, []string{vault.PermTokenCreate}, nil)
	tok := func(name string, req vault.CreateTokenRequest) {
		tk, err := v.CreateToken(ctx, req)
		require.NoError(t, err)
		f.vars[name] = tk.ID
	}
	tok("card", vault.CreateTokenRequest{Type: vault.TypeCard, Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030},
		Metadata: map[string]string{"customer": "c-1"}})
	tok("ssn", vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789", Metadata: map[string]string{"customer": "c-1"}})
	tok("token", vault.CreateTokenRequest{Type: vault.TypeToken, Data: "plain value", SearchIndexes: []string{"{{ data }}"}})
	tok("custom", vault.CreateTokenRequest{ID: "my_custom:id@example.com", Type: vault.TypeToken, Data: "x"})
	return f
}

// expand replaces every {name} of s with the fixture's value.
func (f *fixture) expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for name, val := range f.vars {
		s = strings.ReplaceAll(s, "{"+name+"}", val)
	}
	return s
}

// do sends one request through the handler (no network) and returns the
// response with its body read.
func (f *fixture) do(t testing.TB, method, url string, headers map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(f.expand(body))
	}
	req := httptest.NewRequest(method, f.expand(url), rd)
	for k, v := range headers {
		req.Header.Set(k, f.expand(v))
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	res := w.Result()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

// key is the header map of a request authenticated with the named key.
func key(name string) map[string]string { return map[string]string{"BT-API-KEY": "{" + name + "}"} }

// with adds headers to a header map.
func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// decodeJSON decodes a response body, keeping numbers as json.Number.
func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "body: %s", b)
	return v
}

// field walks a decoded JSON value by a dotted path ("pagination.next",
// "data.0.id").
func field(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch n := v.(type) {
		case map[string]any:
			v = n[part]
		case []any:
			i := 0
			for _, c := range part {
				i = i*10 + int(c-'0')
			}
			if i >= len(n) {
				return nil
			}
			v = n[i]
		default:
			return nil
		}
	}
	return v
}

// problem checks that a response is a ProblemDetails of its status and
// returns it.
func problem(t testing.TB, res *http.Response, body []byte) httpapi.ProblemDetails {
	t.Helper()
	assert.Equal(t, "application/problem+json; charset=utf-8", res.Header.Get("Content-Type"))
	var p httpapi.ProblemDetails
	require.NoError(t, json.Unmarshal(body, &p), "body: %s", body)
	assert.Equal(t, res.StatusCode, p.Status)
	assert.NotEmpty(t, p.Title)
	return p
}
