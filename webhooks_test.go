package vault_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/memory"
)

// delivery is one request a test receiver got.
type delivery struct {
	header http.Header
	body   []byte
}

// receiver records the webhook requests it gets; fail, when set, decides
// the status of each (by its number, from 0).
type receiver struct {
	mu       sync.Mutex
	got      []delivery
	requests int
	fail     func(n int) int
	srv      *httptest.Server
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := r.requests
	r.requests++
	status := http.StatusOK
	if r.fail != nil {
		status = r.fail(n)
	}
	if status/100 == 2 {
		r.got = append(r.got, delivery{header: req.Header.Clone(), body: body})
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// newReceiver starts a TLS receiver on 127.0.0.1 and returns it with the
// vault options that reach it: the allow-list (a loopback address) and the
// client trusting its certificate.
func newReceiver(t testing.TB, fail func(n int) int) (*receiver, []vault.Option) {
	r := &receiver{fail: fail}
	r.srv = httptest.NewTLSServer(r)
	t.Cleanup(r.srv.Close)
	return r, []vault.Option{vault.WithWebhookHosts("127.0.0.1"), vault.WithWebhookClient(r.srv.Client())}
}

// received decodes the bodies: event ids and the events.
func decodeDeliveries(t *testing.T, ds []delivery) (ids []string, events []map[string]any) {
	t.Helper()
	for _, d := range ds {
		var body struct {
			Event       map[string]any `json:"event"`
			DeliveredAt string         `json:"delivered_at"`
		}
		require.NoError(t, json.Unmarshal(d.body, &body), "%s", d.body)
		_, err := time.Parse(time.RFC3339Nano, body.DeliveredAt)
		require.NoError(t, err, "delivered_at")
		ids = append(ids, d.header.Get("BT-EVENT-ID"))
		events = append(events, body.Event)
	}
	return ids, events
}

func verifySignature(t *testing.T, key string, d delivery) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(d.body)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	got := d.header.Get("BT-SIGNATURE")
	assert.True(t, hmac.Equal([]byte(want), []byte(got)), "signature %q, want %q", got, want)
	assert.Equal(t, "v1", d.header.Get("BT-SIGNATURE-VERSION"))
	assert.Equal(t, "application/json", d.header.Get("Content-Type"))
	assert.Equal(t, "vault-webhooks", d.header.Get("User-Agent"))
}

func createHook(t *testing.T, v *vault.Vault, ctx context.Context, url string, events ...string) *vault.Webhook {
	t.Helper()
	if len(events) == 0 {
		events = []string{"*"}
	}
	w, err := v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "hook", URL: url, Events: events, NotifyEmail: "ops@example.com"})
	require.NoError(t, err)
	return w
}

// TestWebhookSignedDelivery delivers token events to a TLS receiver: every
// request is signed with the webhook's key, carries the event id and the
// event as the outbox holds it, and no body, event or log line holds token
// data or the signing key.
func TestWebhookSignedDelivery(t *testing.T) {
	const marker = "wh-canary-5150-data"
	r, opts := newReceiver(t, nil)
	var logs syncBuffer
	events := &eventLog{}
	v := openTestVault(t, append(opts, vault.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		vault.WithEventHandler(events.handle))...)
	events.t, events.v = t, v
	ctx := t.Context()
	w := createHook(t, v, ctx, r.srv.URL+"/hooks", vault.EventTokenCreated, vault.EventTokenDeleted)
	key := w.SigningKey.Reveal()
	require.Len(t, key, 43, "32 bytes, base64url")

	var tokens []string
	for range 20 {
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: marker})
		require.NoError(t, err)
		tokens = append(tokens, tok.ID)
	}
	require.NoError(t, v.DeleteToken(ctx, tokens[0]))
	_, err := v.CreateReactorFormula(ctx, vault.CreateReactorFormulaRequest{Name: "f", Type: "private", Code: `module.exports = async () => ({ raw: 1 })`})
	require.NoError(t, err) // reactor.* is not subscribed: not delivered
	require.Eventually(t, func() bool { return len(r.deliveries()) >= 21 }, 20*time.Second, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	ds := r.deliveries()
	require.Len(t, ds, 21, "each subscribed event once")
	ids, evs := decodeDeliveries(t, ds)
	var created []string
	for i, d := range ds {
		verifySignature(t, key, d)
		assert.Equal(t, evs[i]["id"], ids[i], "BT-EVENT-ID is the event's id")
		assert.Equal(t, v.DefaultTenantID(), evs[i]["tenant_id"])
		data := evs[i]["data"].(map[string]any)
		assert.Contains(t, data, "actor")
		if evs[i]["type"] == vault.EventTokenCreated {
			created = append(created, data["token"].(map[string]any)["id"].(string))
		} else {
			assert.Equal(t, vault.EventTokenDeleted, evs[i]["type"])
		}
		assert.NotContains(t, string(d.body), marker)
		assert.NotContains(t, string(d.body), key)
	}
	assert.ElementsMatch(t, tokens, created)
	events.flush()
	assert.NotContains(t, events.json(t), key, "no event holds the signing key")
	assert.NotContains(t, logs.String(), key)
	assert.NotContains(t, logs.String(), marker)
	assert.Contains(t, logs.String(), "webhook delivered")
	got, err := v.GetWebhook(ctx, w.ID)
	require.NoError(t, err)
	assert.Equal(t, key, got.SigningKey.Reveal(), "a reader gets the key")
	for _, s := range []string{got.String(), fmtAll(got)} {
		assert.NotContains(t, s, key)
	}
	b, _ := json.Marshal(got)
	assert.NotContains(t, string(b), key)
}

func fmtAll(w *vault.Webhook) string {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("w", "w", w, "v", *w)
	return b.String() + strings.Join([]string{w.String()}, "") + sprintAll(w)
}

// TestWebhookRetriesUntilRecovered has the receiver fail its first
// requests: every event arrives at least once, each request for an event
// carrying the same BT-EVENT-ID, and the webhook's failing state clears.
func TestWebhookRetriesUntilRecovered(t *testing.T) {
	for name, fail := range map[string]func(n int) int{
		"500 for the first ten":      func(n int) int { return map[bool]int{true: 500, false: 200}[n < 10] },
		"every other one":            func(n int) int { return map[bool]int{true: 503, false: 204}[n%2 == 0] },
		"a redirect is not followed": func(n int) int { return map[bool]int{true: 302, false: 200}[n < 3] },
	} {
		t.Run(name, func(t *testing.T) {
			r, opts := newReceiver(t, fail)
			v := openTestVault(t, append(opts, vault.WithWebhookBackoffForTest(time.Millisecond, 10*time.Millisecond))...)
			ctx := t.Context()
			w := createHook(t, v, ctx, r.srv.URL, vault.EventTokenCreated)
			var tokens []string
			for range 15 {
				tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
				require.NoError(t, err)
				tokens = append(tokens, tok.ID)
			}
			var created []string
			require.Eventually(t, func() bool {
				_, evs := decodeDeliveries(t, r.deliveries())
				created = created[:0]
				for _, e := range evs {
					created = append(created, e["data"].(map[string]any)["token"].(map[string]any)["id"].(string))
				}
				slices.Sort(created)
				return len(slices.Compact(created)) == len(tokens)
			}, 20*time.Second, 5*time.Millisecond)
			assert.ElementsMatch(t, tokens, slices.Compact(created))
			ids, evs := decodeDeliveries(t, r.deliveries())
			for i := range ids {
				assert.Equal(t, evs[i]["id"], ids[i])
				verifySignature(t, w.SigningKey.Reveal(), r.deliveries()[i])
			}
			require.Eventually(t, func() bool {
				got, err := v.GetWebhook(ctx, w.ID)
				return err == nil && got.FailingSince == nil && got.Status == vault.WebhookEnabled
			}, 5*time.Second, 5*time.Millisecond, "a success clears failing_since")
		})
	}
}

// TestWebhookAutoDisable has a webhook fail past its disable span: it is
// disabled, webhook.disabled is raised, the host's hook gets it, and no
// more requests are made.
func TestWebhookAutoDisable(t *testing.T) {
	r, opts := newReceiver(t, func(int) int { return 500 })
	events := &eventLog{}
	hooked := make(chan vault.Webhook, 1)
	v := openTestVault(t, append(opts, vault.WithWebhookBackoffForTest(time.Millisecond, 5*time.Millisecond),
		vault.WithWebhookDisableAfter(20*time.Millisecond), vault.WithEventHandler(events.handle),
		vault.WithWebhookDisabledHook(func(_ context.Context, w vault.Webhook) { hooked <- w }))...)
	events.t, events.v = t, v
	ctx := t.Context()
	w := createHook(t, v, ctx, r.srv.URL, vault.EventTokenCreated)
	_, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	var got vault.Webhook
	select {
	case got = <-hooked:
	case <-time.After(20 * time.Second):
		t.Fatal("the webhook was not disabled")
	}
	assert.Equal(t, w.ID, got.ID)
	assert.Equal(t, vault.WebhookDisabled, got.Status)
	assert.True(t, got.SigningKey.IsZero(), "the hook gets no key")
	assert.Equal(t, "ops@example.com", got.NotifyEmail)
	disabled := events.waitOfType(vault.EventWebhookDisabled, 1)
	assert.Equal(t, w.ID, disabled[0].Data["webhook"].(map[string]any)["id"])
	assert.Equal(t, vault.WebhookDisabled, disabled[0].Data["webhook"].(map[string]any)["status"])
	stored, err := v.GetWebhook(ctx, w.ID)
	require.NoError(t, err)
	assert.Equal(t, vault.WebhookDisabled, stored.Status)
	assert.NotNil(t, stored.FailingSince)

	r.mu.Lock()
	n := r.requests
	r.mu.Unlock()
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "y"})
	require.NoError(t, err)
	require.NoError(t, v.FlushEvents(ctx))
	time.Sleep(100 * time.Millisecond)
	r.mu.Lock()
	assert.Equal(t, n, r.requests, "a disabled webhook gets nothing")
	r.mu.Unlock()

	// Enabling it again clears the failing state.
	up, err := v.UpdateWebhook(ctx, w.ID, vault.UpdateWebhookRequest{Name: "hook", URL: w.URL, Events: w.Events, Status: vault.WebhookEnabled})
	require.NoError(t, err)
	assert.Nil(t, up.FailingSince)
}

// TestWebhookDestinations holds the destination rules: at create and update
// without an allow-list, and with one; and at dial time, a name that
// resolves to a loopback address is refused unless allow-listed.
func TestWebhookDestinations(t *testing.T) {
	ctx := t.Context()
	open := openTestVault(t)
	listed := openTestVault(t, vault.WithWebhookHosts("hooks.internal", "127.0.0.1"))
	for name, c := range map[string]struct {
		v   *vault.Vault
		url string
		ok  bool
	}{
		"public https":          {open, "https://hooks.example.com/path?q=1", true},
		"https with a port":     {open, "https://hooks.example.com:8443/", true},
		"http":                  {open, "http://hooks.example.com/", false},
		"ftp":                   {open, "ftp://hooks.example.com/", false},
		"relative":              {open, "/hooks", false},
		"no host":               {open, "https:///x", false},
		"userinfo":              {open, "https://user:pass@hooks.example.com/", false},
		"loopback":              {open, "https://127.0.0.1/", false},
		"loopback v6":           {open, "https://[::1]/", false},
		"mapped loopback":       {open, "https://[::ffff:127.0.0.1]/", false},
		"private 10/8":          {open, "https://10.1.2.3/", false},
		"private 192.168":       {open, "https://192.168.0.1/", false},
		"link-local":            {open, "https://169.254.169.254/latest", false},
		"unspecified":           {open, "https://0.0.0.0/", false},
		"public IP":             {open, "https://93.184.216.34/", true},
		"allow-listed http":     {listed, "http://hooks.internal:8080/x", true},
		"allow-listed loopback": {listed, "http://127.0.0.1:9/", true},
		"not allow-listed":      {listed, "https://hooks.example.com/", false},
		"allow-listed userinfo": {listed, "https://u@hooks.internal/", false},
	} {
		t.Run(name, func(t *testing.T) {
			w, err := c.v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "n", URL: c.url, Events: []string{"*"}})
			if c.ok {
				require.NoError(t, err)
				require.NoError(t, c.v.DeleteWebhook(ctx, w.ID))
				return
			}
			e := requireKind(t, err, vault.KindInvalid)
			assert.Contains(t, e.Fields, "url")
			assert.NotContains(t, e.Error(), c.url)
		})
	}

	t.Run("dial time", func(t *testing.T) {
		for name, allow := range map[string]bool{"refused": false, "allow-listed": true} {
			t.Run(name, func(t *testing.T) {
				// The test certificate does not name localhost: the
				// allow-listed case uses http, which the allow-list permits.
				r := &receiver{}
				scheme := "https"
				if allow {
					r.srv, scheme = httptest.NewServer(r), "http"
				} else {
					r.srv = httptest.NewTLSServer(r)
				}
				t.Cleanup(r.srv.Close)
				u, _ := url.Parse(r.srv.URL)
				hookURL := scheme + "://localhost:" + u.Port() + "/"
				var logs syncBuffer
				opts := []vault.Option{vault.WithWebhookClient(r.srv.Client()), vault.WithWebhookBackoffForTest(time.Hour, time.Hour),
					vault.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil)))}
				if allow {
					opts = append(opts, vault.WithWebhookHosts("localhost"))
				}
				v := openTestVault(t, opts...)
				createHook(t, v, ctx, hookURL, vault.EventTokenCreated)
				_, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
				require.NoError(t, err)
				if allow {
					require.Eventually(t, func() bool { return len(r.deliveries()) == 1 }, 10*time.Second, 5*time.Millisecond)
					return
				}
				require.Eventually(t, func() bool { return strings.Contains(logs.String(), "destination refused") }, 10*time.Second, 5*time.Millisecond)
				r.mu.Lock()
				assert.Zero(t, r.requests, "no connection reached the loopback receiver")
				r.mu.Unlock()
			})
		}
	})
}

// TestWebhookLimitAndValidation holds the limit of five webhooks per tenant
// and the field paths of invalid requests.
func TestWebhookLimitAndValidation(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	for range vault.MaxWebhooks {
		createHook(t, v, ctx, "https://hooks.invalid/x")
	}
	_, err := v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "sixth", URL: "https://hooks.invalid/x", Events: []string{"*"}})
	requireKind(t, err, vault.KindConflict)
	tenant, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "other"})
	require.NoError(t, err)
	createHook(t, v, vault.AsHost(ctx, tenant.ID), "https://hooks.invalid/x") // the limit is per tenant

	for name, c := range map[string]struct {
		req   vault.CreateWebhookRequest
		paths []string
	}{
		"empty":          {vault.CreateWebhookRequest{}, []string{"name", "url", "events"}},
		"unknown event":  {vault.CreateWebhookRequest{Name: "n", URL: "https://h.invalid", Events: []string{"token.created", "token.exploded"}}, []string{"events[1]"}},
		"listed twice":   {vault.CreateWebhookRequest{Name: "n", URL: "https://h.invalid", Events: []string{"*", "*"}}, []string{"events[1]"}},
		"bad email":      {vault.CreateWebhookRequest{Name: "n", URL: "https://h.invalid", Events: []string{"*"}, NotifyEmail: "nope"}, []string{"notify_email"}},
		"bad status":     {vault.CreateWebhookRequest{Name: "n", URL: "https://h.invalid", Events: []string{"*"}, Status: "paused"}, []string{"status"}},
		"name too long":  {vault.CreateWebhookRequest{Name: strings.Repeat("n", 201), URL: "https://h.invalid", Events: []string{"*"}}, []string{"name"}},
		"not a URL":      {vault.CreateWebhookRequest{Name: "n", URL: "https://%zz", Events: []string{"*"}}, []string{"url"}},
		"webhook.events": {vault.CreateWebhookRequest{Name: "n", URL: "https://h.invalid", Events: []string{vault.EventWebhookDisabled}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateWebhook(vault.AsHost(ctx, tenant.ID), c.req)
			if c.paths == nil {
				require.NoError(t, err)
				return
			}
			e := requireKind(t, err, vault.KindInvalid)
			for _, p := range c.paths {
				assert.Contains(t, e.Fields, p)
			}
		})
	}

	// Pagination by cursor walks all five.
	page, err := v.ListWebhooks(ctx, vault.ListWebhooksRequest{Size: 2})
	require.NoError(t, err)
	require.Len(t, page.Data, 2)
	require.NotEmpty(t, page.Pagination.Next)
	var all []string
	for w, err := range v.Webhooks(ctx, vault.ListWebhooksRequest{Size: 2}) {
		require.NoError(t, err)
		all = append(all, w.ID)
	}
	assert.Len(t, all, vault.MaxWebhooks)
	assert.True(t, slices.IsSorted(all), "oldest first")
	_, err = v.ListWebhooks(ctx, vault.ListWebhooksRequest{Start: "not a cursor!"})
	assert.Contains(t, requireKind(t, err, vault.KindInvalid).Fields, "start")
}

// TestWebhookPermissions holds who may manage webhooks, in both spellings,
// and that only readers get the signing key.
func TestWebhookPermissions(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	w := createHook(t, v, ctx, "https://hooks.invalid/x")
	as := func(perms ...string) context.Context {
		a, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "m", Type: vault.AppManagement, Permissions: perms})
		require.NoError(t, err)
		return authenticate(t, v, a.Key)
	}
	req := vault.CreateWebhookRequest{Name: "n", URL: "https://hooks.invalid/y", Events: []string{"*"}}
	for name, c := range map[string]struct {
		ctx     context.Context
		call    func(ctx context.Context) error
		allowed bool
	}{
		"read": {as(vault.PermWebhookRead), func(ctx context.Context) error { _, err := v.GetWebhook(ctx, w.ID); return err }, true},
		"read, reference": {as(vault.PermWebhooksRead), func(ctx context.Context) error {
			_, err := v.ListWebhooks(ctx, vault.ListWebhooksRequest{})
			return err
		}, true},
		"read without":      {as(vault.PermWebhookCreate), func(ctx context.Context) error { _, err := v.GetWebhook(ctx, w.ID); return err }, false},
		"create":            {as(vault.PermWebhookCreate), func(ctx context.Context) error { _, err := v.CreateWebhook(ctx, req); return err }, true},
		"create, reference": {as(vault.PermWebhooksCreate), func(ctx context.Context) error { _, err := v.CreateWebhook(ctx, req); return err }, true},
		"create without":    {as(vault.PermWebhookRead), func(ctx context.Context) error { _, err := v.CreateWebhook(ctx, req); return err }, false},
		"update": {as(vault.PermWebhookUpdate), func(ctx context.Context) error {
			_, err := v.UpdateWebhook(ctx, w.ID, vault.UpdateWebhookRequest(req))
			return err
		}, true},
		"update without": {as(vault.PermWebhookDelete), func(ctx context.Context) error {
			_, err := v.UpdateWebhook(ctx, w.ID, vault.UpdateWebhookRequest(req))
			return err
		}, false},
		"delete without":         {as(vault.PermWebhookUpdate), func(ctx context.Context) error { return v.DeleteWebhook(ctx, w.ID) }, false},
		"delete, reference kept": {as(vault.PermWebhooksDelete, vault.PermWebhookRead), func(ctx context.Context) error { _, err := v.GetWebhook(ctx, w.ID); return err }, true},
	} {
		t.Run(name, func(t *testing.T) {
			err := c.call(c.ctx)
			if c.allowed {
				require.NoError(t, err)
				return
			}
			requireKind(t, err, vault.KindForbidden)
		})
	}
	updater := as(vault.PermWebhookUpdate)
	up, err := v.UpdateWebhook(updater, w.ID, vault.UpdateWebhookRequest{Name: "n", URL: "https://hooks.invalid/z", Events: []string{"*"}})
	require.NoError(t, err)
	assert.True(t, up.SigningKey.IsZero(), "an updater without webhook:read gets no key")
	assert.Equal(t, w.CreatedAt, up.CreatedAt)
	require.NoError(t, v.DeleteWebhook(as(vault.PermWebhookDelete), w.ID))
	_, err = v.GetWebhook(ctx, w.ID)
	requireKind(t, err, vault.KindNotFound)
}

// TestWebhookEvents raises webhook.created, updated and deleted with the
// webhook's id, name, url, status and events, never its key.
func TestWebhookEvents(t *testing.T) {
	events := &eventLog{}
	v := openTestVault(t, vault.WithEventHandler(events.handle))
	events.t, events.v = t, v
	ctx := t.Context()
	w := createHook(t, v, ctx, "https://hooks.invalid/x", vault.EventTokenCreated)
	_, err := v.UpdateWebhook(ctx, w.ID, vault.UpdateWebhookRequest{Name: "renamed", URL: w.URL, Events: []string{"*"}, Status: vault.WebhookDisabled})
	require.NoError(t, err)
	require.NoError(t, v.DeleteWebhook(ctx, w.ID))
	events.flush()
	for typ, want := range map[string]map[string]any{
		vault.EventWebhookCreated: {"id": w.ID, "name": "hook", "url": w.URL, "status": "enabled", "events": []any{"token.created"}},
		vault.EventWebhookUpdated: {"id": w.ID, "name": "renamed", "url": w.URL, "status": "disabled", "events": []any{"*"}},
		vault.EventWebhookDeleted: {"id": w.ID, "name": "renamed", "url": w.URL, "status": "disabled", "events": []any{"*"}},
	} {
		got := events.ofType(typ)
		require.Len(t, got, 1, typ)
		assert.Equal(t, want, got[0].Data["webhook"], typ)
	}
	assert.NotContains(t, events.json(t), w.SigningKey.Reveal())
}

// TestWebhookWithoutWebhooksNothingIsWritten: with no handler, events go to
// the outbox only while the tenant has a webhook.
func TestWebhookWithoutWebhooksNothingIsWritten(t *testing.T) {
	store, v := openMemoryStoreVault(t)
	ctx := t.Context()
	_, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	assert.Zero(t, countBucket(t, store, "outbox"), "no handler and no webhook: no outbox entry")
	w := createHook(t, v, ctx, "https://hooks.invalid/x")
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	assert.Equal(t, 2, countBucket(t, store, "outbox"), "webhook.created and token.created")
	require.NoError(t, v.DeleteWebhook(ctx, w.ID))
	n := countBucket(t, store, "outbox")
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	assert.Equal(t, n, countBucket(t, store, "outbox"), "deleted: nothing more")
}

// TestWebhookEventTypesAreKnown holds the event types a webhook accepts to
// every event type the package raises: its Event constants and the types
// emitted by name.
func TestWebhookEventTypesAreKnown(t *testing.T) {
	known := vault.EventTypes()
	files, err := os.ReadDir(".")
	require.NoError(t, err)
	constant := regexp.MustCompile(`Event[A-Z][A-Za-z]* *= "([a-z][a-z0-9_.-]*)"`)
	literal := regexp.MustCompile(`emit(?:Tx)?\([^"\n]*"([a-z][a-z0-9_-]*\.[a-z0-9_.-]+)"`)
	found := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		src, err := os.ReadFile(f.Name())
		require.NoError(t, err)
		for _, re := range []*regexp.Regexp{constant, literal} {
			for _, m := range re.FindAllSubmatch(src, -1) {
				found++
				assert.Contains(t, known, string(m[1]), "%s raises %s: add it to eventCatalogue (event_types.go)", f.Name(), m[1])
			}
		}
	}
	assert.Greater(t, found, 40)
}

func sprintAll(w *vault.Webhook) string {
	return fmt.Sprintf("%v %+v %#v %s %v", w, w, w, w, *w)
}

func openMemoryStoreVault(t *testing.T, opts ...vault.Option) (*memory.Store, *vault.Vault) {
	t.Helper()
	store := memory.New()
	v, err := vault.Open("", append([]vault.Option{vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return store, v
}

func countBucket(t *testing.T, store *memory.Store, bucket string) int {
	t.Helper()
	n := 0
	require.NoError(t, store.ForEach(func(b string, _, _ []byte) error {
		if b == bucket {
			n++
		}
		return nil
	}))
	return n
}

// TestWebhookOncePerWebhookOnPostgres runs two vaults on one PostgreSQL
// schema, each raising events: the outbox lease and the job leases give
// every event one delivery (the receiver always succeeds, so nothing is
// retried), whichever process raised it.
func TestWebhookOncePerWebhookOnPostgres(t *testing.T) {
	schema := newPostgresSchema(t)
	r, opts := newReceiver(t, nil)
	a := openPostgresVaultWith(t, schema, opts...)
	b := openPostgresVaultWith(t, schema, opts...)
	ctx := t.Context()
	createHook(t, a, ctx, r.srv.URL, vault.EventTokenCreated)
	const n = 40
	var wg sync.WaitGroup
	for _, v := range []*vault.Vault{a, b} {
		wg.Go(func() {
			for range n / 2 {
				_, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool { return len(r.deliveries()) >= n }, 30*time.Second, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	ids, _ := decodeDeliveries(t, r.deliveries())
	assert.Len(t, ids, n, "each event once")
	slices.Sort(ids)
	assert.Len(t, slices.Compact(ids), n)
}
