package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage/memory"
)

const echoReactor = `module.exports = async function (req) {
  return { raw: { args: req.args, configuration: req.configuration, bt: req.bt === null ? null : typeof req.bt } };
};`

// eventLog records the events a vault raises. Delivery is asynchronous: with
// its vault set, every read first waits until the events committed so far
// have been delivered (FlushEvents).
type eventLog struct {
	mu     sync.Mutex
	events []vault.Event

	t testing.TB
	v *vault.Vault
}

func (l *eventLog) handle(_ context.Context, e vault.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// flush waits for the delivery of every event committed so far.
func (l *eventLog) flush() {
	if l.v != nil {
		l.t.Helper()
		require.NoError(l.t, l.v.FlushEvents(l.t.Context()))
	}
}

func (l *eventLog) ofType(typ string) []vault.Event {
	l.flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []vault.Event
	for _, e := range l.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// waitOfType returns the events of typ once n of them have been delivered,
// or what there is after ten seconds: a worker raises the outcome of an
// asynchronous invocation just after it stored the result.
func (l *eventLog) waitOfType(typ string, n int) []vault.Event {
	l.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events := l.ofType(typ)
		if len(events) >= n || time.Now().After(deadline) {
			return events
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (l *eventLog) json(t *testing.T) string {
	t.Helper()
	l.flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := json.Marshal(l.events)
	require.NoError(t, err)
	return string(b)
}

// openReactorVault is a memory vault with an event log.
func openReactorVault(t testing.TB, opts ...vault.Option) (*vault.Vault, *eventLog) {
	t.Helper()
	events := &eventLog{t: t}
	events.v = openTestVault(t, append([]vault.Option{vault.WithEventHandler(events.handle)}, opts...)...)
	return events.v, events
}

func mustCreateReactor(t testing.TB, ctx context.Context, v *vault.Vault, req vault.CreateReactorRequest) *vault.Reactor {
	t.Helper()
	r, err := v.CreateReactor(ctx, req)
	require.NoError(t, err)
	return r
}

// rawOf decodes a response's raw value.
func rawOf(t testing.TB, resp *vault.ReactResponse) any {
	t.Helper()
	require.NotNil(t, resp)
	var out any
	require.NoError(t, json.Unmarshal(resp.Raw, &out))
	return out
}

func privateApp(t *testing.T, v *vault.Vault, req vault.CreateApplicationRequest) (*vault.Application, context.Context) {
	t.Helper()
	req.Type = vault.AppPrivate
	app, err := v.CreateApplication(t.Context(), req)
	require.NoError(t, err)
	return app, authenticate(t, v, app.Key)
}

func TestReactorCRUD(t *testing.T) {
	v, events := openReactorVault(t)
	ctx := t.Context()
	app, _ := privateApp(t, v, vault.CreateApplicationRequest{Name: "bt", Permissions: []string{vault.PermTokenRead}})

	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{
		Name: "Charge Card", Code: echoReactor, Configuration: map[string]string{"API_KEY": "key_abcd1234", "MODE": "test"},
		Application: &vault.ReactorApplication{ID: app.ID},
	})
	assert.NotEmpty(t, r.ID)
	assert.Equal(t, v.DefaultTenantID(), r.TenantID)
	assert.Equal(t, map[string]string{"API_KEY": "key_abcd1234", "MODE": "test"}, r.Configuration.Reveal())
	assert.Equal(t, app.ID, r.Application.ID)
	assert.Nil(t, r.ModifiedAt)

	got, err := v.GetReactor(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r, got)
	body, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, fmt.Sprintf(`{"id":%q,"tenant_id":%q,"name":"Charge Card","code":%q,"configuration":{"API_KEY":"[REDACTED]","MODE":"[REDACTED]"},
		"application":{"id":%q,"tenant_id":%q,"name":"bt","type":"private","permissions":["token:read"],"created_at":%q},"created_at":%q}`,
		r.ID, r.TenantID, echoReactor, app.ID, r.TenantID, app.CreatedAt.Format(time.RFC3339Nano), r.CreatedAt.Format(time.RFC3339Nano)), string(body))

	for _, name := range []string{"Alpha", "alphabet soup", "Beta"} {
		mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: name, Code: echoReactor})
	}
	names := func(req vault.ListReactorsRequest) []string {
		t.Helper()
		page, err := v.ListReactors(ctx, req)
		require.NoError(t, err)
		var out []string
		for _, x := range page.Data {
			out = append(out, x.Name)
		}
		return out
	}
	assert.Equal(t, []string{"Alpha", "Beta", "Charge Card", "alphabet soup"}, names(vault.ListReactorsRequest{}))
	assert.Equal(t, []string{"Alpha", "alphabet soup"}, names(vault.ListReactorsRequest{Name: "ALPHA*"}), "wildcards ignore case")
	assert.Equal(t, []string{"Alpha", "alphabet soup"}, names(vault.ListReactorsRequest{Name: "alpha"}), "no wildcard: contains")
	assert.Equal(t, []string{"Beta"}, names(vault.ListReactorsRequest{Name: "?eta"}))
	assert.Equal(t, []string{"Charge Card"}, names(vault.ListReactorsRequest{Name: "*card"}))
	assert.Equal(t, []string{"Charge Card"}, names(vault.ListReactorsRequest{IDs: []string{r.ID}}))
	page, err := v.ListReactors(ctx, vault.ListReactorsRequest{Page: 2, Size: 3})
	require.NoError(t, err)
	assert.Len(t, page.Data, 1)
	assert.Equal(t, vault.Pagination{PageSize: 3, PageNumber: 2, TotalItems: 4, TotalPages: 2}, page.Pagination)
	all := 0
	for x, err := range v.AllReactors(ctx, vault.ListReactorsRequest{Size: 1}) {
		require.NoError(t, err)
		require.NotNil(t, x)
		all++
	}
	assert.Equal(t, 4, all)

	up, err := v.UpdateReactor(ctx, r.ID, vault.UpdateReactorRequest{Name: "Charge", Code: echoReactor, Configuration: map[string]string{"API_KEY": "key_2"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"API_KEY": "key_2"}, up.Configuration.Reveal())
	assert.Nil(t, up.Application, "PUT clears what it does not give")
	require.NotNil(t, up.ModifiedAt)
	assert.Equal(t, r.CreatedAt, up.CreatedAt)

	patched, err := v.PatchReactor(ctx, r.ID, json.RawMessage(fmt.Sprintf(
		`{"name":"Patched","configuration":{"API_KEY":null,"NEW":"n"},"application":{"id":%q},"unknown":1}`, app.ID)))
	require.NoError(t, err)
	assert.Equal(t, "Patched", patched.Name)
	assert.Equal(t, map[string]string{"NEW": "n"}, patched.Configuration.Reveal(), "null removes a key, others merge")
	assert.Equal(t, app.ID, patched.Application.ID)
	assert.Equal(t, echoReactor, patched.Code, "what the patch leaves out is kept")
	patched, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`{"application":null}`))
	require.NoError(t, err)
	assert.Nil(t, patched.Application)
	_, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`{"name":null}`))
	assert.Contains(t, requireKind(t, err, vault.KindInvalid).Fields, "name")
	_, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`{"configuration":{"A":1}}`))
	assert.Contains(t, requireKind(t, err, vault.KindInvalid).Fields, "configuration")
	_, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`[1]`))
	requireKind(t, err, vault.KindInvalid)
	_, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`{"code":"module.exports = ("}`))
	assert.Contains(t, requireKind(t, err, vault.KindUnprocessable).Fields, "code")

	require.NoError(t, v.DeleteReactor(ctx, r.ID))
	_, err = v.GetReactor(ctx, r.ID)
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteReactor(ctx, r.ID), vault.KindNotFound)
	_, err = v.UpdateReactor(ctx, r.ID, vault.UpdateReactorRequest{Name: "x", Code: echoReactor})
	requireKind(t, err, vault.KindNotFound)
	_, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`{}`))
	requireKind(t, err, vault.KindNotFound)

	require.Len(t, events.ofType(vault.EventReactorCreated), 4)
	require.Len(t, events.ofType(vault.EventReactorUpdated), 3)
	deleted := events.ofType(vault.EventReactorDeleted)
	require.Len(t, deleted, 1)
	assert.Equal(t, map[string]any{"reactor": map[string]any{"id": r.ID, "name": "Patched"},
		"actor": map[string]any{"id": "", "type": vault.ActorSystem, "name": "vault"}}, deleted[0].Data, "the host acts as the system")
	updated := events.ofType(vault.EventReactorUpdated)[0].Data["reactor"].(map[string]any)
	assert.ElementsMatch(t, []string{"id", "name", "created_at", "modified_at"}, keysOf(updated))
	assert.NotContains(t, events.json(t), "key_abcd1234", "events never carry the configuration")
	require.NoError(t, v.Check(ctx))
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReactorValidation(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	mgmt, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "admin", Type: vault.AppManagement, Permissions: []string{vault.PermReactorRead}})
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		req  vault.CreateReactorRequest
		kind vault.Kind
		path string
	}{
		"no name":                {vault.CreateReactorRequest{Code: echoReactor}, vault.KindInvalid, "name"},
		"long name":              {vault.CreateReactorRequest{Name: strings.Repeat("n", 201), Code: echoReactor}, vault.KindInvalid, "name"},
		"no code":                {vault.CreateReactorRequest{Name: "r"}, vault.KindInvalid, "code"},
		"code and formula":       {vault.CreateReactorRequest{Name: "r", Code: echoReactor, Formula: &vault.ReactorFormulaRef{ID: "f"}}, vault.KindInvalid, "code"},
		"formula without id":     {vault.CreateReactorRequest{Name: "r", Formula: &vault.ReactorFormulaRef{}}, vault.KindInvalid, "formula.id"},
		"unknown formula":        {vault.CreateReactorRequest{Name: "r", Formula: &vault.ReactorFormulaRef{ID: "nope"}}, vault.KindInvalid, "formula.id"},
		"empty config name":      {vault.CreateReactorRequest{Name: "r", Code: echoReactor, Configuration: map[string]string{"": "x"}}, vault.KindInvalid, "configuration"},
		"application without id": {vault.CreateReactorRequest{Name: "r", Code: echoReactor, Application: &vault.ReactorApplication{}}, vault.KindInvalid, "application.id"},
		"unknown application":    {vault.CreateReactorRequest{Name: "r", Code: echoReactor, Application: &vault.ReactorApplication{ID: "nope"}}, vault.KindInvalid, "application.id"},
		"management application": {vault.CreateReactorRequest{Name: "r", Code: echoReactor, Application: &vault.ReactorApplication{ID: mgmt.ID}}, vault.KindInvalid, "application.id"},
		"syntax error":           {vault.CreateReactorRequest{Name: "r", Code: "module.exports = async function (req) { return {"}, vault.KindUnprocessable, "code"},
		"duplicate declaration":  {vault.CreateReactorRequest{Name: "r", Code: "let a = 1; let a = 2;"}, vault.KindUnprocessable, "code"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateReactor(ctx, tc.req)
			e := requireKind(t, err, tc.kind)
			assert.Contains(t, e.Fields, tc.path)
		})
	}
	page, err := v.ListReactors(ctx, vault.ListReactorsRequest{})
	require.NoError(t, err)
	assert.Empty(t, page.Data, "nothing invalid was stored")
	_, err = v.ListReactors(ctx, vault.ListReactorsRequest{Size: 101})
	requireKind(t, err, vault.KindInvalid)

	small := openTestVault(t, vault.WithReactorLimits(sandboxLimits(100)))
	_, err = small.CreateReactor(ctx, vault.CreateReactorRequest{Name: "big", Code: "module.exports = () => ({ raw: '" + strings.Repeat("x", 100) + "' })"})
	e := requireKind(t, err, vault.KindUnprocessable)
	assert.Equal(t, []string{"must be at most 100 characters"}, e.Fields["code"])
	assert.Equal(t, 422, e.Status())
}

func TestReactorConfigurationSealed(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	const secret = "sk_live_C0nfigCanary"
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "r", Code: echoReactor, Configuration: map[string]string{"KEY": secret}})
	dump := dumpAll(t, store)
	assert.False(t, bytes.Contains(dump, []byte(secret)), "the store holds the configuration in plaintext")
	assert.True(t, bytes.Contains(dump, []byte("module.exports")), "the code is stored as is")

	require.NoError(t, v.RotateKeys(ctx, nil))
	got, err := v.GetReactor(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, secret, got.Configuration["KEY"], "rotation re-sealed the configuration")
	resp, err := v.React(ctx, r.ID, vault.ReactRequest{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"KEY": secret}, rawOf(t, resp).(map[string]any)["configuration"])
	require.NoError(t, v.Check(ctx))
}

func TestReactorPermissions(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	boot, ok := v.TakeBootstrapKey()
	require.True(t, ok)
	mgmt := authenticate(t, v, boot)
	readOnly, err := v.CreateApplication(mgmt, vault.CreateApplicationRequest{Name: "ro", Type: vault.AppManagement, Permissions: []string{vault.PermReactorRead}})
	require.NoError(t, err)
	ro := authenticate(t, v, readOnly.Key)
	_, invoker := privateApp(t, v, vault.CreateApplicationRequest{Name: "invoker", Permissions: []string{vault.PermReactorInvoke}})
	_, legacy := privateApp(t, v, vault.CreateApplicationRequest{Name: "legacy", Permissions: []string{vault.PermTokenUse}})
	_, byRule := privateApp(t, v, vault.CreateApplicationRequest{Name: "rules", Rules: []vault.AccessRule{
		{Priority: 1, Container: "/general/", Transform: vault.TransformReveal, Permissions: []string{vault.PermReactorInvoke}}}})
	_, reader := privateApp(t, v, vault.CreateApplicationRequest{Name: "reader", Permissions: []string{vault.PermTokenRead, vault.PermProxyInvoke}})

	r := mustCreateReactor(t, mgmt, v, vault.CreateReactorRequest{Name: "r", Code: echoReactor, Configuration: map[string]string{"K": "v"}})
	assert.Equal(t, map[string]string{"K": "v"}, r.Configuration.Reveal())
	writer, err := v.CreateApplication(mgmt, vault.CreateApplicationRequest{Name: "wo", Type: vault.AppManagement,
		Permissions: []string{vault.PermReactorCreate, vault.PermReactorUpdate}})
	require.NoError(t, err)
	wo := authenticate(t, v, writer.Key)
	created := mustCreateReactor(t, wo, v, vault.CreateReactorRequest{Name: "w", Code: echoReactor, Configuration: map[string]string{"K": "v", "L": "w"}})
	assert.Nil(t, created.Configuration, "no reactor:read, no configuration")
	patched, err := v.PatchReactor(wo, created.ID, json.RawMessage(`{"configuration":{"K":"changed"}}`))
	require.NoError(t, err)
	assert.Nil(t, patched.Configuration, "a patch does not reveal the keys it did not send")
	got, err := v.GetReactor(ro, created.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"K": "changed", "L": "w"}, got.Configuration.Reveal())
	_, err = v.GetReactor(ro, r.ID)
	require.NoError(t, err)
	_, err = v.ListReactors(ro, vault.ListReactorsRequest{})
	require.NoError(t, err)
	for name, call := range map[string]func(ctx context.Context) error{
		"create": func(ctx context.Context) error {
			_, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "x", Code: echoReactor})
			return err
		},
		"update": func(ctx context.Context) error {
			_, err := v.UpdateReactor(ctx, r.ID, vault.UpdateReactorRequest{Name: "x", Code: echoReactor})
			return err
		},
		"patch": func(ctx context.Context) error {
			_, err := v.PatchReactor(ctx, r.ID, json.RawMessage(`{}`))
			return err
		},
		"delete": func(ctx context.Context) error { return v.DeleteReactor(ctx, r.ID) },
		"formula": func(ctx context.Context) error {
			_, err := v.CreateReactorFormula(ctx, vault.CreateReactorFormulaRequest{Name: "f", Code: echoReactor})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			requireKind(t, call(ro), vault.KindForbidden)
			requireKind(t, call(invoker), vault.KindForbidden)
		})
	}
	_, err = v.GetReactor(invoker, r.ID)
	requireKind(t, err, vault.KindForbidden)

	for name, ctx := range map[string]context.Context{"reactor:invoke": invoker, "token:use": legacy, "reactor:invoke in a rule": byRule, "host": ctx} {
		_, err := v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"x": 1}})
		assert.NoError(t, err, name)
	}
	for name, ctx := range map[string]context.Context{"token:read and proxy:invoke": reader, "management": mgmt} {
		_, err := v.React(ctx, r.ID, vault.ReactRequest{})
		requireKind(t, err, vault.KindForbidden)
		_, err = v.ReactAsync(ctx, r.ID, vault.ReactRequest{})
		requireKind(t, err, vault.KindForbidden)
		_, err = v.GetReactResult(ctx, r.ID, "x")
		requireKind(t, err, vault.KindForbidden)
		_ = name
	}
	_, err = v.React(invoker, "no-such-reactor", vault.ReactRequest{})
	requireKind(t, err, vault.KindNotFound)
}

func TestReactorOptions(t *testing.T) {
	for name, opt := range map[string]vault.Option{
		"negative workers":  vault.WithReactorWorkers(-1),
		"negative limit":    vault.WithReactorLimits(sandbox.Limits{Timeout: -1}),
		"bad host pattern":  vault.WithReactorHTTP([]string{"https://api.example.com"}, nil),
		"negative ttl":      vault.WithReactorResultTTL(-time.Second),
		"negative timeout":  vault.WithReactorAsyncTimeout(-time.Second),
		"negative max args": vault.WithReactorMaxTokens(-1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := vault.OpenMemory(opt)
			requireKind(t, err, vault.KindInvalid)
		})
	}
}

// roundTripper is a fake transport.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestReactorHTTP(t *testing.T) {
	var mu sync.Mutex
	var hosts []string
	transport := roundTripper(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		hosts = append(hosts, r.URL.Host)
		mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Request: r}, nil
	})
	v, _ := openReactorVault(t, vault.WithReactorHTTP([]string{"api.example.com"}, transport))
	ctx := t.Context()
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "http", Code: `module.exports = async () => {
  const res = await fetch('https://api.example.com/charge', { method: 'POST', body: JSON.stringify({ a: 1 }) });
  let blocked = false;
  try { await fetch('https://evil.example.org/') } catch (e) { blocked = true }
  return { raw: { status: res.status, body: await res.json(), blocked } };
};`})
	resp, err := v.React(ctx, r.ID, vault.ReactRequest{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"status":200,"body":{"ok":true},"blocked":true}`, string(resp.Raw))
	assert.Equal(t, []string{"api.example.com"}, hosts, "only the allowed host was reached, through the vault's transport")
}

func TestDeleteTenantPurgesReactors(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0), vault.WithReactorWorkers(0))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	tenant, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	asB := vault.AsHost(ctx, tenant.ID)
	f, err := v.CreateReactorFormula(asB, vault.CreateReactorFormulaRequest{Name: "f", Code: echoReactor})
	require.NoError(t, err)
	r := mustCreateReactor(t, asB, v, vault.CreateReactorRequest{Name: "r", Formula: &vault.ReactorFormulaRef{ID: f.ID}, Configuration: map[string]string{"K": "v"}})
	_, err = v.ReactAsync(asB, r.ID, vault.ReactRequest{})
	require.NoError(t, err)

	require.NoError(t, v.DeleteTenant(ctx, tenant.ID))
	_, err = v.GetReactor(asB, r.ID)
	require.Error(t, err)
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	require.NoError(t, store.ForEach(func(bucket string, k, _ []byte) error {
		switch bucket {
		case "reactors", "reactors.formula", "reactor_formulas", "reactor_jobs":
			t.Errorf("bucket %s still holds a record of the deleted tenant", bucket)
		}
		return nil
	}))
}

// TestReactCompileCache runs reactors whose programs come from the compile
// cache, leave it (a cache of one program, two reactors in turn) and change
// (an update compiles the new code): each call runs its reactor's current
// code.
func TestReactCompileCache(t *testing.T) {
	v := openTestVault(t, vault.WithReactorCacheSizeForTest(1))
	ctx := t.Context()
	code := func(s string) string { return `module.exports = async () => ({ raw: "` + s + `" })` }
	a := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "a", Code: code("a1")})
	b := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "b", Code: code("b1")})
	react := func(id string) string {
		t.Helper()
		resp, err := v.React(ctx, id, vault.ReactRequest{})
		require.NoError(t, err)
		var s string
		require.NoError(t, json.Unmarshal(resp.Raw, &s))
		return s
	}
	for range 3 {
		assert.Equal(t, "a1", react(a.ID))
		assert.Equal(t, "a1", react(a.ID), "from the cache")
		assert.Equal(t, "b1", react(b.ID), "evicts a")
	}
	_, err := v.UpdateReactor(ctx, a.ID, vault.UpdateReactorRequest{Name: "a", Code: code("a2")})
	require.NoError(t, err)
	assert.Equal(t, "a2", react(a.ID))
	_, err = v.PatchReactor(ctx, b.ID, json.RawMessage(`{"code":`+strconv.Quote(code("b2"))+`}`))
	require.NoError(t, err)
	assert.Equal(t, "b2", react(b.ID))
	assert.Equal(t, "a2", react(a.ID))
}
