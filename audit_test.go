package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// entriesOf returns every audit entry of an entity, oldest first, after
// the batched writer wrote what was queued.
func entriesOf(t *testing.T, v *vault.Vault, entityType, id string) []*vault.AuditEntry {
	t.Helper()
	require.NoError(t, v.FlushAuditLog(t.Context()))
	var out []*vault.AuditEntry
	for e, err := range v.AuditLog(t.Context(), vault.AuditQuery{EntityType: entityType, EntityID: id}) {
		require.NoError(t, err)
		out = append(out, e)
	}
	slices.Reverse(out)
	return out
}

// ops returns "operation message actor" of each entry.
func ops(entries []*vault.AuditEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Operation+" "+e.Message+" "+e.ActorType+":"+e.ActorID)
	}
	return out
}

// appOf returns the application id of an authenticated context.
func appOf(ctx context.Context) string {
	p, _ := vault.PrincipalFrom(ctx)
	return p.ApplicationID
}

func TestAuditTokenOperations(t *testing.T) {
	w := newPayWorld(t)
	v := w.v
	host := t.Context()
	app := appContext(t, v, vault.AppPrivate, []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUpdate,
		vault.PermTokenDelete, vault.PermTokenSearch, vault.PermTokenUse, vault.PermExchangeInvoke, vault.PermReactorInvoke}, nil)
	me := "application:" + appOf(app)
	sys := "system:"
	reactor := mustCreateReactor(t, host, v, vault.CreateReactorRequest{Name: "r", Code: `module.exports = async function (req) { return { raw: { ok: true } }; };`})
	exchange := createExchange(t, v, vault.ExchangeTemplateCardPseudonym, vault.Secrets{"HMAC_KEY": "k"})
	newCard := func(t *testing.T) *vault.Token {
		tok, err := v.CreateToken(app, vault.CreateTokenRequest{Type: vault.TypeCard,
			Data: map[string]any{"number": simulator.CardApproved, "expiration_month": 12, "expiration_year": 2034}})
		require.NoError(t, err)
		return tok
	}
	created := "create Token created " + me
	for name, tc := range map[string]struct {
		do   func(t *testing.T, tok *vault.Token)
		want []string
	}{
		"create": {func(*testing.T, *vault.Token) {}, []string{created}},
		"get": {func(t *testing.T, tok *vault.Token) {
			_, err := v.GetToken(app, tok.ID)
			require.NoError(t, err)
		}, []string{created, "read Token retrieved " + me}},
		"get by the host": {func(t *testing.T, tok *vault.Token) {
			_, err := v.GetToken(host, tok.ID)
			require.NoError(t, err)
		}, []string{created, "read Token retrieved " + sys}},
		"forbidden get": {func(t *testing.T, tok *vault.Token) {
			none := appContext(t, v, vault.AppPrivate, []string{vault.PermTokenCreate}, nil)
			_, err := v.GetToken(none, tok.ID)
			require.Error(t, err)
		}, []string{created}},
		"update": {func(t *testing.T, tok *vault.Token) {
			_, err := v.UpdateToken(app, tok.ID, vault.UpdateTokenRequest{Metadata: json.RawMessage(`{"k":"v"}`)})
			require.NoError(t, err)
		}, []string{created, "update Token updated " + me}},
		"delete": {func(t *testing.T, tok *vault.Token) {
			require.NoError(t, v.DeleteToken(app, tok.ID))
		}, []string{created, "delete Token deleted " + me}},
		"search": {func(t *testing.T, tok *vault.Token) {
			page, err := v.SearchTokens(app, vault.SearchTokensRequest{Query: "id:" + tok.ID})
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
		}, []string{created, "read Token returned by a search " + me}},
		"list": {func(t *testing.T, tok *vault.Token) {
			page, err := v.ListTokens(app, vault.ListTokensRequest{Type: vault.TypeCard, Size: 100})
			require.NoError(t, err)
			require.NotEmpty(t, page.Data)
		}, []string{created, "read Token returned by a search " + me}},
		"detokenize": {func(t *testing.T, tok *vault.Token) {
			_, err := v.Detokenize(app, map[string]any{"n": "{{ " + tok.ID + " | json: '$.number' }}"})
			require.NoError(t, err)
		}, []string{created, "read Token detokenized " + me}},
		"reactor argument": {func(t *testing.T, tok *vault.Token) {
			_, err := v.React(app, reactor.ID, vault.ReactRequest{Args: map[string]any{"card": "{{ " + tok.ID + " }}"}})
			require.NoError(t, err)
		}, []string{created, "use Token used by a reactor " + me}},
		"exchange source": {func(t *testing.T, tok *vault.Token) {
			_, err := v.Exchange(app, exchange.ID, tok.ID)
			require.NoError(t, err)
		}, []string{created, "use Token used by an exchange " + me}},
		"payment card": {func(t *testing.T, tok *vault.Token) {
			_, err := v.CreatePayment(w.caller, vault.CreatePaymentRequest{Amount: 100, Currency: "USD", Token: tok.ID, Intent: "authorize", ConnectionID: w.connection})
			require.NoError(t, err)
		}, []string{created, "use Token used by a payment application:" + appOf(w.caller)}},
	} {
		t.Run(name, func(t *testing.T) {
			tok := newCard(t)
			tc.do(t, tok)
			got := entriesOf(t, v, vault.TypeCard, tok.ID)
			assert.Equal(t, tc.want, ops(got))
			for _, e := range got {
				assert.Equal(t, tok.ID, e.EntityID)
				assert.Equal(t, vault.TypeCard, e.EntityType)
				assert.Equal(t, v.DefaultTenantID(), e.TenantID)
				assert.NotEmpty(t, e.ID)
				assert.False(t, e.CreatedAt.IsZero())
			}
		})
	}
}

func TestAuditManagementChanges(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	mgmt := appContext(t, v, vault.AppManagement, []string{vault.PermApplicationCreate, vault.PermApplicationUpdate, vault.PermApplicationDelete,
		vault.PermReactorCreate, vault.PermReactorUpdate, vault.PermReactorDelete, vault.PermExchangeCreate, vault.PermExchangeUpdate,
		vault.PermExchangeDelete, vault.PermLogRead, vault.PermTenantUpdate, vault.PermWebhookCreate, vault.PermWebhookUpdate,
		vault.PermWebhookDelete}, nil)
	me := "application:" + appOf(mgmt)
	for name, tc := range map[string]struct {
		do     func(t *testing.T) (entityType, id string)
		want   []string
		wantBy string
	}{
		"application": {func(t *testing.T) (string, string) {
			a, err := v.CreateApplication(mgmt, vault.CreateApplicationRequest{Name: "secret-name-x", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
			require.NoError(t, err)
			_, err = v.UpdateApplication(mgmt, a.ID, vault.UpdateApplicationRequest{Name: "n2", Permissions: []string{vault.PermTokenRead}})
			require.NoError(t, err)
			k, err := v.CreateApplicationKey(mgmt, a.ID)
			require.NoError(t, err)
			require.NoError(t, v.DeleteApplicationKey(mgmt, a.ID, k.ID))
			require.NoError(t, v.DeleteApplication(mgmt, a.ID))
			return "application", a.ID
		}, []string{"create Application created", "update Application updated", "update Application key created",
			"update Application key deleted", "delete Application deleted"}, me},
		"reactor": {func(t *testing.T) (string, string) {
			r := mustCreateReactor(t, mgmt, v, vault.CreateReactorRequest{Name: "r", Code: `module.exports = async () => ({ raw: {} });`})
			_, err := v.UpdateReactor(mgmt, r.ID, vault.UpdateReactorRequest{Name: "r2", Code: `module.exports = async () => ({ raw: {} });`})
			require.NoError(t, err)
			require.NoError(t, v.DeleteReactor(mgmt, r.ID))
			return "reactor", r.ID
		}, []string{"create Reactor created", "update Reactor updated", "delete Reactor deleted"}, me},
		"reactor invoked": {func(t *testing.T) (string, string) {
			r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "r", Code: `module.exports = async () => ({ raw: {} });`})
			_, err := v.React(ctx, r.ID, vault.ReactRequest{})
			require.NoError(t, err)
			return "reactor", r.ID
		}, []string{"create Reactor created", "invoke Reactor invoked"}, "system:"},
		"reactor formula": {func(t *testing.T) (string, string) {
			f, err := v.CreateReactorFormula(mgmt, vault.CreateReactorFormulaRequest{Name: "f", Type: "private", Code: `module.exports = async () => ({ raw: {} });`})
			require.NoError(t, err)
			require.NoError(t, v.DeleteReactorFormula(mgmt, f.ID))
			return "reactor_formula", f.ID
		}, []string{"create Reactor formula created", "delete Reactor formula deleted"}, me},
		"exchange": {func(t *testing.T) (string, string) {
			ex, err := v.CreateExchange(mgmt, vault.CreateExchangeRequest{Name: "e", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardPseudonym},
				Configuration: vault.Secrets{"HMAC_KEY": "k"}})
			require.NoError(t, err)
			require.NoError(t, v.DeleteExchange(mgmt, ex.ID))
			return "exchange", ex.ID
		}, []string{"create Exchange created", "delete Exchange deleted"}, me},
		"webhook": {func(t *testing.T) (string, string) {
			w, err := v.CreateWebhook(mgmt, vault.CreateWebhookRequest{Name: "w", URL: "https://hooks.example.com/x", Events: []string{vault.EventTokenCreated}})
			require.NoError(t, err)
			_, err = v.UpdateWebhook(mgmt, w.ID, vault.UpdateWebhookRequest{Name: "w2", URL: "https://hooks.example.com/x", Events: []string{"*"}})
			require.NoError(t, err)
			require.NoError(t, v.DeleteWebhook(mgmt, w.ID))
			return "webhook", w.ID
		}, []string{"create Webhook created", "update Webhook updated", "delete Webhook deleted"}, me},
		"tenant": {func(t *testing.T) (string, string) {
			_, err := v.UpdateTenantSettings(mgmt, map[string]string{})
			require.NoError(t, err)
			return "tenant", v.DefaultTenantID()
		}, []string{"update Tenant updated"}, me},
	} {
		t.Run(name, func(t *testing.T) {
			typ, id := tc.do(t)
			got := entriesOf(t, v, typ, id)
			var want []string
			for _, w := range tc.want {
				want = append(want, w+" "+tc.wantBy)
			}
			assert.Equal(t, want, ops(got))
		})
	}
}

func TestAuditRollbackWritesNothing(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	// A failing change: a duplicate token id.
	_, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: "dup", Type: vault.TypeToken, Data: "a"})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{ID: "dup", Type: vault.TypeToken, Data: "b"})
	require.Error(t, err)
	assert.Equal(t, []string{"create Token created system:"}, ops(entriesOf(t, v, vault.TypeToken, "dup")))

	// A token transaction rolled back: its staged create never happened.
	txn, err := v.BeginTransaction(ctx)
	require.NoError(t, err)
	tok, err := v.CreateToken(vault.WithTransaction(ctx, txn.ID), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "staged"})
	require.NoError(t, err)
	require.NoError(t, v.RollbackTransaction(ctx, txn.ID))
	assert.Empty(t, entriesOf(t, v, vault.TypeToken, tok.ID))
	assert.Equal(t, []string{"update Transaction rolled back system:"}, ops(entriesOf(t, v, "transaction", txn.ID)))

	// Committed, the staged create is logged with the commit.
	txn, err = v.BeginTransaction(ctx)
	require.NoError(t, err)
	tok, err = v.CreateToken(vault.WithTransaction(ctx, txn.ID), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "staged"})
	require.NoError(t, err)
	require.NoError(t, v.CommitTransaction(ctx, txn.ID))
	assert.Equal(t, []string{"create Token created system:"}, ops(entriesOf(t, v, vault.TypeToken, tok.ID)))
}

func TestAuditQuery(t *testing.T) {
	clock := newTestClock()
	v := openTestVault(t, vault.WithClock(clock.now))
	ctx := t.Context()
	start := clock.now()
	var ids []string
	for i := range 7 {
		typ := vault.TypeToken
		if i%2 == 1 {
			typ = vault.TypeSocialSecurityNumber
		}
		data := any("x")
		if typ == vault.TypeSocialSecurityNumber {
			data = "123-45-678" + string(rune('0'+i))
		}
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: typ, Data: data})
		require.NoError(t, err)
		ids = append(ids, tok.ID)
		clock.advance(time.Minute)
	}
	all := func(q vault.AuditQuery) []string {
		var out []string
		for e, err := range v.AuditLog(ctx, q) {
			require.NoError(t, err)
			out = append(out, e.EntityID)
		}
		return out
	}
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)
	for name, tc := range map[string]struct {
		q    vault.AuditQuery
		want []string
	}{
		"every entry":     {vault.AuditQuery{Size: 2}, newestFirst},
		"one type":        {vault.AuditQuery{EntityType: vault.TypeSocialSecurityNumber, Size: 1}, []string{ids[5], ids[3], ids[1]}},
		"one entity":      {vault.AuditQuery{EntityType: vault.TypeToken, EntityID: ids[2]}, []string{ids[2]}},
		"wrong type":      {vault.AuditQuery{EntityType: vault.TypeCard, EntityID: ids[2]}, nil},
		"from":            {vault.AuditQuery{StartDate: start.Add(4 * time.Minute), Size: 1}, []string{ids[6], ids[5], ids[4]}},
		"until":           {vault.AuditQuery{EndDate: start.Add(time.Minute), Size: 1}, []string{ids[1], ids[0]}},
		"range and type":  {vault.AuditQuery{EntityType: vault.TypeToken, StartDate: start.Add(time.Minute), EndDate: start.Add(5 * time.Minute)}, []string{ids[4], ids[2]}},
		"range of entity": {vault.AuditQuery{EntityType: vault.TypeToken, EntityID: ids[0], StartDate: start.Add(time.Minute)}, nil},
	} {
		t.Run(name, func(t *testing.T) { assert.Equal(t, tc.want, all(tc.q)) })
	}

	page, err := v.ListAuditLog(ctx, vault.AuditQuery{Size: 3})
	require.NoError(t, err)
	require.Len(t, page.Data, 3)
	assert.Equal(t, 3, page.Pagination.PageSize)
	next, err := v.ListAuditLog(ctx, vault.AuditQuery{Size: 3, Start: page.Pagination.Next})
	require.NoError(t, err)
	assert.Equal(t, ids[3], next.Data[0].EntityID)

	for name, q := range map[string]vault.AuditQuery{
		"start":      {Start: "not-a-cursor"},
		"size":       {Size: 101},
		"entity_id":  {EntityID: "x"},
		"end_date":   {StartDate: start, EndDate: start.Add(-time.Second)},
		"start uuid": {Start: "YWJj"},
	} {
		t.Run("invalid "+name, func(t *testing.T) {
			_, err := v.ListAuditLog(ctx, q)
			e := requireKind(t, err, vault.KindInvalid)
			assert.Contains(t, e.Fields, strings.Fields(name)[0])
		})
	}
}

func TestAuditPermission(t *testing.T) {
	v := openTestVault(t)
	for name, tc := range map[string]struct {
		typ   string
		perms []string
		ok    bool
	}{
		"management with log:read":    {vault.AppManagement, []string{vault.PermLogRead}, true},
		"management without log:read": {vault.AppManagement, []string{vault.PermApplicationRead}, false},
		"private":                     {vault.AppPrivate, []string{vault.PermTokenRead}, false},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := appContext(t, v, tc.typ, tc.perms, nil)
			_, err := v.ListAuditLog(ctx, vault.AuditQuery{})
			if tc.ok {
				require.NoError(t, err)
				return
			}
			requireKind(t, err, vault.KindForbidden)
		})
	}
}

func TestAuditRetention(t *testing.T) {
	clock := newTestClock()
	v := openTestVault(t, vault.WithClock(clock.now), vault.WithAuditRetention(time.Hour))
	ctx := t.Context()
	old, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "old"})
	require.NoError(t, err)
	clock.advance(50 * time.Minute)
	young, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "young"})
	require.NoError(t, err)
	clock.advance(20 * time.Minute)
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Empty(t, entriesOf(t, v, vault.TypeToken, old.ID), "older than the retention")
	assert.Len(t, entriesOf(t, v, vault.TypeToken, young.ID), 1)
	clock.advance(time.Hour)
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Empty(t, entriesOf(t, v, vault.TypeToken, young.ID))

	_, err = vault.Open("", vault.WithStore(memory.New()), vault.WithKeyProvider(testProvider(t)), vault.WithAuditRetention(-time.Second))
	requireKind(t, err, vault.KindInvalid)
}

func TestAuditRetentionSweepsInBatches(t *testing.T) {
	clock := newTestClock()
	v := openTestVault(t, vault.WithClock(clock.now), vault.WithAuditRetention(time.Minute))
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	for range 600 { // more than one sweep batch
		_, err := v.GetToken(ctx, tok.ID)
		require.NoError(t, err)
	}
	require.NoError(t, v.FlushAuditLog(ctx))
	clock.advance(2 * time.Minute)
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Empty(t, entriesOf(t, v, "", ""))
}

func TestAuditOff(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0), vault.WithAuditLog(false))
	require.NoError(t, err)
	defer v.Close()
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	_, err = v.GetToken(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.Empty(t, entriesOf(t, v, "", ""))
	assert.Zero(t, countBucket(t, store, "audit")+countBucket(t, store, "audit.entity"))
}

func TestAuditTenantPurge(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	tenant, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	host := vault.AsHost(ctx, tenant.ID)
	tok, err := v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	_, err = v.GetToken(host, tok.ID)
	require.NoError(t, err)
	require.NoError(t, v.FlushAuditLog(ctx))
	before := countBucket(t, store, "audit")
	require.GreaterOrEqual(t, before, 3) // tenant.created, the create and the read
	require.NoError(t, v.DeleteTenant(host, tenant.ID))
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	n := 0
	require.NoError(t, store.ForEach(func(b string, k, _ []byte) error {
		if strings.HasPrefix(b, "audit") && strings.Contains(string(k), tenant.ID) {
			n++
		}
		return nil
	}))
	assert.Zero(t, n, "audit keys of the purged tenant")
}

// TestAuditCloseFlushesReads closes the vault right after reads: their
// entries are in the store when it reopens.
func TestAuditCloseFlushesReads(t *testing.T) {
	store := &keepOpen{Store: memory.New()}
	open := func() *vault.Vault {
		v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
		require.NoError(t, err)
		return v
	}
	v := open()
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	for range 50 {
		_, err := v.GetToken(t.Context(), tok.ID)
		require.NoError(t, err)
	}
	require.NoError(t, v.Close())
	v = open()
	defer v.Close()
	got := entriesOf(t, v, vault.TypeToken, tok.ID)
	assert.Len(t, got, 51)
	assert.Zero(t, v.AuditDropped())
}

// keepOpen is a memory store that survives the vault's Close.
type keepOpen struct{ *memory.Store }

func (keepOpen) Close() error { return nil }

// TestAuditTokenReadEvents: every token a read returns raises token.read,
// {token: {id, type}}, with the reader as actor.
func TestAuditTokenReadEvents(t *testing.T) {
	for _, audit := range []bool{true, false} {
		t.Run(map[bool]string{true: "audit on", false: "audit off"}[audit], func(t *testing.T) {
			log := &eventLog{}
			v := openTestVault(t, vault.WithEventHandler(log.handle), vault.WithAuditLog(audit))
			app := appContext(t, v, vault.AppPrivate, []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenSearch}, nil)
			tok, err := v.CreateToken(app, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
			require.NoError(t, err)
			_, err = v.GetToken(app, tok.ID)
			require.NoError(t, err)
			_, err = v.SearchTokens(app, vault.SearchTokensRequest{Query: "id:" + tok.ID})
			require.NoError(t, err)
			require.NoError(t, v.FlushAuditLog(t.Context()))
			require.NoError(t, v.FlushEvents(t.Context()))
			var reads []vault.Event
			for _, e := range log.all() {
				if e.Type == vault.EventTokenRead {
					reads = append(reads, e)
				}
			}
			require.Len(t, reads, 2)
			for _, e := range reads {
				assert.Equal(t, map[string]any{"id": tok.ID, "type": vault.TypeToken}, e.Data["token"])
				actor, _ := e.Data["actor"].(map[string]any)
				assert.Equal(t, appOf(app), actor["id"])
			}
		})
	}
}

// TestAuditCanary pushes markers through token data, metadata, search
// indexes, configuration, names and keys, in calls that pass and calls
// that fail: no audit entry and no key or value of the audit buckets holds
// one.
func TestAuditCanary(t *testing.T) {
	const marker = "CANARY-audit-7781"
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	createSecrets(t, v)
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"v": marker},
		Metadata: map[string]string{"m": marker}, SearchIndexes: []string{"{{ data.v }}"}})
	require.NoError(t, err)
	_, err = v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{Data: []byte(`{"v":"` + marker + `2"}`), Metadata: json.RawMessage(`{"` + marker + `":"` + marker + `"}`)})
	require.NoError(t, err)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard, Data: map[string]any{"number": marker}})
	require.Error(t, err)
	_, err = v.GetToken(ctx, marker)
	require.Error(t, err)
	_, err = v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "data:" + marker})
	require.NoError(t, err)
	_, err = v.Detokenize(ctx, map[string]any{"x": "{{ " + tok.ID + " }}", "y": marker})
	require.NoError(t, err)
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: marker, Code: `module.exports = async (req) => ({ raw: req.args });`,
		Configuration: map[string]string{"K": marker}})
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"t": "{{ " + tok.ID + " }}", "p": marker}})
	require.NoError(t, err)
	a, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: marker, Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)
	_, err = v.Authenticate(ctx, a.Key.Reveal())
	require.NoError(t, err)
	_, err = v.Authenticate(ctx, marker)
	require.Error(t, err)
	require.NoError(t, v.DeleteToken(ctx, tok.ID))

	require.NoError(t, v.FlushAuditLog(ctx))
	var entries []*vault.AuditEntry
	for e, err := range v.AuditLog(ctx, vault.AuditQuery{}) {
		require.NoError(t, err)
		entries = append(entries, e)
	}
	require.Greater(t, len(entries), 10)
	b, err := json.Marshal(entries)
	require.NoError(t, err)
	canaries := append([]string{marker, a.Key.Reveal()}, secrets...)
	for _, c := range canaries {
		assert.NotContains(t, string(b), c, "an audit entry holds a canary")
	}
	require.NoError(t, store.ForEach(func(bucket string, k, val []byte) error {
		if !strings.HasPrefix(bucket, "audit") {
			return nil
		}
		for _, c := range canaries {
			if strings.Contains(string(k), c) || strings.Contains(string(val), c) {
				return errors.New("bucket " + bucket + " holds a canary")
			}
		}
		return nil
	}))
}

// TestAuditReadsUnderLoad reads from many goroutines while the writer
// writes: no entry is lost (the queue keeps up) and -race finds nothing.
func TestAuditReadsUnderLoad(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := v.GetToken(ctx, tok.ID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Len(t, entriesOf(t, v, vault.TypeToken, tok.ID), 801)
}

// gatedStore holds every read-write transaction while its gate is shut.
type gatedStore struct {
	*memory.Store
	mu   sync.Mutex
	gate chan struct{} // nil: open
}

func (s *gatedStore) shut() { s.mu.Lock(); s.gate = make(chan struct{}); s.mu.Unlock() }

func (s *gatedStore) open() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

func (s *gatedStore) Update(ctx context.Context, fn func(storage.Tx) error) error {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return s.Store.Update(ctx, fn)
}

// TestAuditQueueFullDrops: with the store stuck, reads go on (each waits
// at most briefly once the queue is full) and the entries they could not
// queue are counted; the others are written once the store moves again.
func TestAuditQueueFullDrops(t *testing.T) {
	store := &gatedStore{Store: memory.New()}
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	defer store.open()
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	store.shut()
	reads := 0
	for v.AuditDropped() < 3 {
		require.Less(t, reads, 40000, "the queue never filled")
		_, err := v.GetToken(ctx, tok.ID)
		require.NoError(t, err)
		reads++
	}
	dropped := int(v.AuditDropped())
	store.open()
	assert.Len(t, entriesOf(t, v, vault.TypeToken, tok.ID), 1+reads-dropped)
}
