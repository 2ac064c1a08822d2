package vault_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// world is a vault with one token per container, and a context for each kind
// of caller of the permission matrix.
type world struct {
	v                    *vault.Vault
	pci, general, pii    string // token ids
	callers              map[string]context.Context
	revokedKey, tenantB  string
	otherTenantTokenID   string
	privateRulesAppID    string
	sessionNonceForLater vault.Secret
}

const (
	asManagement    = "management"
	asPrivateRules  = "private with rules"
	asPrivatePerms  = "private with permissions"
	asPublic        = "public"
	asSession       = "session"
	asSessionNoAuth = "unauthorized session"
	asOtherTenant   = "other tenant"
)

func authenticate(t *testing.T, v *vault.Vault, key vault.Secret) context.Context {
	t.Helper()
	p, err := v.Authenticate(t.Context(), key.Reveal())
	require.NoError(t, err)
	return vault.WithPrincipal(t.Context(), p)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	v := openTestVault(t)
	ctx := t.Context()
	w := &world{v: v, callers: map[string]context.Context{}}
	mk := func(req vault.CreateTokenRequest) string {
		tok, err := v.CreateToken(ctx, req)
		require.NoError(t, err)
		return tok.ID
	}
	w.pci = mk(vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	w.general = mk(vault.CreateTokenRequest{Type: vault.TypeToken, Data: "general secret", Mask: "{{ data | reveal_last: 2 }}"})
	w.pii = mk(vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})

	bootKey, ok := v.TakeBootstrapKey()
	require.True(t, ok, "a new vault has a bootstrap key")
	_, again := v.TakeBootstrapKey()
	assert.False(t, again, "the bootstrap key is handed out once")
	w.callers[asManagement] = authenticate(t, v, bootKey)
	mgmt := w.callers[asManagement]

	app := func(req vault.CreateApplicationRequest) *vault.Application {
		a, err := v.CreateApplication(mgmt, req)
		require.NoError(t, err)
		require.NotEmpty(t, a.Key)
		return a
	}
	allToken := []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUpdate, vault.PermTokenDelete, vault.PermTokenSearch, vault.PermTokenUse}
	rules := app(vault.CreateApplicationRequest{Name: "backend", Type: vault.AppPrivate, Rules: []vault.AccessRule{
		{Priority: 2, Container: "/general/", Transform: vault.TransformMask, Permissions: []string{vault.PermTokenRead, vault.PermTokenSearch}},
		{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal, Permissions: allToken},
	}})
	w.privateRulesAppID = rules.ID
	w.callers[asPrivateRules] = authenticate(t, v, rules.Key)
	perms := app(vault.CreateApplicationRequest{Name: "reader", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead, vault.PermTokenCreate}})
	w.callers[asPrivatePerms] = authenticate(t, v, perms.Key)
	pub := app(vault.CreateApplicationRequest{Name: "browser", Type: vault.AppPublic, Permissions: []string{vault.PermTokenCreate}})
	w.callers[asPublic] = authenticate(t, v, pub.Key)

	s, err := v.CreateSession(w.callers[asPublic])
	require.NoError(t, err)
	require.NoError(t, v.AuthorizeSession(w.callers[asPrivateRules], vault.AuthorizeSessionRequest{Nonce: s.Nonce, Rules: []vault.AccessRule{{
		Priority: 1, Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenRead},
		// An id alone may be any container: the container condition keeps
		// the rule within the authorizer's /pci/ rule.
		Conditions: []vault.RuleCondition{{Attribute: "id", Operator: "equals", Value: w.pci}, {Attribute: "container", Operator: "starts_with", Value: "/pci/"}},
	}}}))
	w.callers[asSession] = authenticate(t, v, s.SessionKey)
	s2, err := v.CreateSession(w.callers[asPublic])
	require.NoError(t, err)
	w.callers[asSessionNoAuth] = authenticate(t, v, s2.SessionKey)
	w.sessionNonceForLater = s2.Nonce

	revoked, err := v.CreateApplicationKey(mgmt, perms.ID)
	require.NoError(t, err)
	_, err = v.Authenticate(ctx, revoked.Key.Reveal())
	require.NoError(t, err, "a new key works")
	require.NoError(t, v.DeleteApplicationKey(mgmt, perms.ID, revoked.ID))
	w.revokedKey = revoked.Key.Reveal()

	tenant, tenantApp, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "B"})
	require.NoError(t, err)
	w.tenantB = tenant.ID
	bMgmt := authenticate(t, v, tenantApp.Key)
	bApp, err := v.CreateApplication(bMgmt, vault.CreateApplicationRequest{Name: "b backend", Type: vault.AppPrivate, Rules: []vault.AccessRule{
		{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: allToken},
	}})
	require.NoError(t, err)
	w.callers[asOtherTenant] = authenticate(t, v, bApp.Key)
	other, err := v.CreateToken(w.callers[asOtherTenant], vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "5555555555554444"})
	require.NoError(t, err)
	w.otherTenantTokenID = other.ID
	return w
}

// outcome of one cell of the matrix.
type outcome struct {
	kind  vault.Kind // 0 with ok: allowed
	ok    bool
	check func(t *testing.T, result any)
}

var allow = outcome{ok: true}

func deny(k vault.Kind) outcome { return outcome{kind: k} }

func revealed(want string) outcome {
	return outcome{ok: true, check: func(t *testing.T, r any) {
		assert.Equal(t, want, dataOf(t, r.(*vault.Token).Data))
	}}
}

func masked(want any) outcome {
	return outcome{ok: true, check: func(t *testing.T, r any) {
		assert.Equal(t, want, dataOf(t, r.(*vault.Token).Data))
	}}
}

func count(n int) outcome {
	return outcome{ok: true, check: func(t *testing.T, r any) {
		assert.Len(t, r.(*vault.Page[*vault.Token]).Data, n)
	}}
}

func TestPermissionMatrix(t *testing.T) {
	w := newWorld(t)
	v := w.v
	forbidden, notFound, invalid := deny(vault.KindForbidden), deny(vault.KindNotFound), deny(vault.KindInvalid)
	ops := []struct {
		name string
		do   func(ctx context.Context) (any, error)
		want map[string]outcome
	}{
		{"get pci token", func(ctx context.Context) (any, error) { return v.GetToken(ctx, w.pci) }, map[string]outcome{
			asManagement: forbidden, asPrivateRules: revealed("4242424242424242"), asPrivatePerms: masked("XXXXXXXXXXXX4242"),
			asPublic: forbidden, asSession: revealed("4242424242424242"), asSessionNoAuth: forbidden, asOtherTenant: notFound,
		}},
		{"get general token", func(ctx context.Context) (any, error) { return v.GetToken(ctx, w.general) }, map[string]outcome{
			asManagement: forbidden, asPrivateRules: masked("XXXXXXXXXXXXet"), asPrivatePerms: masked("XXXXXXXXXXXXet"),
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: notFound,
		}},
		{"get pii token", func(ctx context.Context) (any, error) { return v.GetToken(ctx, w.pii) }, map[string]outcome{
			asManagement: forbidden, asPrivateRules: forbidden, asPrivatePerms: masked("XXX-XX-6789"),
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: notFound,
		}},
		{"list tokens", func(ctx context.Context) (any, error) { return v.ListTokens(ctx, vault.ListTokensRequest{}) }, map[string]outcome{
			asManagement: count(0), asPrivateRules: count(2), asPrivatePerms: count(3),
			asPublic: count(0), asSession: count(1), asSessionNoAuth: count(0), asOtherTenant: count(1),
		}},
		{"search tokens", func(ctx context.Context) (any, error) {
			return v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "type:card_number OR type:token OR type:social_security_number"})
		}, map[string]outcome{
			asManagement: count(0), asPrivateRules: count(2), asPrivatePerms: count(0),
			asPublic: count(0), asSession: count(0), asSessionNoAuth: count(0), asOtherTenant: count(1),
		}},
		{"detokenize pci token", func(ctx context.Context) (any, error) {
			return v.Detokenize(ctx, map[string]any{"n": "{{ " + w.pci + " }}"})
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: allow, asPrivatePerms: allow,
			asPublic: forbidden, asSession: allow, asSessionNoAuth: forbidden, asOtherTenant: invalid,
		}},
		{"create pci token", func(ctx context.Context) (any, error) {
			return v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4000056655665556"})
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: revealed("4000056655665556"), asPrivatePerms: masked("XXXXXXXXXXXX5556"),
			asPublic: masked("XXXXXXXXXXXX5556"), asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: allow,
		}},
		{"create pii token", func(ctx context.Context) (any, error) {
			return v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "987-65-4321"})
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: forbidden, asPrivatePerms: allow,
			asPublic: allow, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: allow,
		}},
		{"update pci token", func(ctx context.Context) (any, error) {
			return v.UpdateToken(ctx, w.pci, vault.UpdateTokenRequest{Metadata: json.RawMessage(`{"touched":"yes"}`)})
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: allow, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: notFound,
		}},
		{"move pci token to general", func(ctx context.Context) (any, error) {
			return v.UpdateToken(ctx, w.pci, vault.UpdateTokenRequest{Containers: []string{"/general/moved/"}})
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: notFound,
		}},
		{"tokenize", func(ctx context.Context) (any, error) { return v.Tokenize(ctx, map[string]any{"a": "b"}) }, map[string]outcome{
			asManagement: forbidden, asPrivateRules: forbidden, asPrivatePerms: allow,
			asPublic: allow, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: allow,
		}},
		{"create application", func(ctx context.Context) (any, error) {
			return v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
		}, map[string]outcome{
			asManagement: allow, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: forbidden,
		}},
		{"list applications", func(ctx context.Context) (any, error) {
			return v.ListApplications(ctx, vault.ListApplicationsRequest{})
		}, map[string]outcome{
			asManagement: allow, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: forbidden,
		}},
		{"get private application", func(ctx context.Context) (any, error) { return v.GetApplication(ctx, w.privateRulesAppID) }, map[string]outcome{
			asManagement: allow, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: forbidden,
		}},
		{"get own application", func(ctx context.Context) (any, error) { return v.GetApplicationByKey(ctx) }, map[string]outcome{
			asManagement: allow, asPrivateRules: allow, asPrivatePerms: allow,
			asPublic: allow, asSession: notFound, asSessionNoAuth: notFound, asOtherTenant: allow,
		}},
		{"get tenant", func(ctx context.Context) (any, error) { return v.GetTenant(ctx) }, map[string]outcome{
			asManagement: allow, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: forbidden,
		}},
		{"update tenant settings", func(ctx context.Context) (any, error) {
			return v.UpdateTenantSettings(ctx, map[string]string{vault.SettingTokenizeLimit: "7"})
		}, map[string]outcome{
			asManagement: allow, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: forbidden,
		}},
		{"create tenant", func(ctx context.Context) (any, error) {
			_, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "C"})
			return nil, err
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: forbidden,
		}},
		{"create session", func(ctx context.Context) (any, error) { return v.CreateSession(ctx) }, map[string]outcome{
			asManagement: forbidden, asPrivateRules: forbidden, asPrivatePerms: forbidden,
			asPublic: allow, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: forbidden,
		}},
		{"authorize session", func(ctx context.Context) (any, error) {
			return nil, v.AuthorizeSession(ctx, vault.AuthorizeSessionRequest{Nonce: vault.NewSecret("not-a-nonce"), Rules: []vault.AccessRule{
				{Priority: 1, Container: "/pci/", Transform: vault.TransformMask, Permissions: []string{vault.PermTokenRead}}}})
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: notFound, asPrivatePerms: notFound,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: notFound,
		}},
		{"delete pci token", func(ctx context.Context) (any, error) {
			tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
			require.NoError(t, err)
			return nil, v.DeleteToken(ctx, tok.ID)
		}, map[string]outcome{
			asManagement: forbidden, asPrivateRules: allow, asPrivatePerms: forbidden,
			asPublic: forbidden, asSession: forbidden, asSessionNoAuth: forbidden, asOtherTenant: notFound,
		}},
	}
	callers := []string{asManagement, asPrivateRules, asPrivatePerms, asPublic, asSession, asSessionNoAuth, asOtherTenant}
	for _, op := range ops {
		for _, caller := range callers {
			want, ok := op.want[caller]
			require.True(t, ok, "matrix cell %q × %q is missing", op.name, caller)
			t.Run(op.name+"/"+caller, func(t *testing.T) {
				result, err := op.do(w.callers[caller])
				if !want.ok {
					requireKind(t, err, want.kind)
					return
				}
				require.NoError(t, err)
				if want.check != nil {
					want.check(t, result)
				}
			})
		}
	}

	t.Run("revoked key", func(t *testing.T) {
		_, err := v.Authenticate(t.Context(), w.revokedKey)
		requireKind(t, err, vault.KindUnauthenticated)
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := v.Authenticate(t.Context(), "key_pvt_nope")
		e := requireKind(t, err, vault.KindUnauthenticated)
		assert.NotContains(t, e.Error(), "key_pvt_nope")
	})
}

func TestPermissionCatalog(t *testing.T) {
	all := vault.PermissionCatalog("")
	public := vault.PermissionCatalog(vault.AppPublic)
	assert.Greater(t, len(all), len(public))
	var names []string
	for _, p := range public {
		names = append(names, p.Type)
	}
	assert.ElementsMatch(t, []string{vault.PermTokenCreate, vault.PermTokenUpdate}, names)
}

func TestApplicationValidation(t *testing.T) {
	v := openTestVault(t)
	cases := map[string]struct {
		req   vault.CreateApplicationRequest
		field string
	}{
		"no name":           {vault.CreateApplicationRequest{Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}}, "name"},
		"bad type":          {vault.CreateApplicationRequest{Name: "x", Type: "expiring", Permissions: []string{vault.PermTokenRead}}, "type"},
		"nothing granted":   {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate}, "permissions"},
		"unknown perm":      {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Permissions: []string{"token:fly"}}, "permissions[0]"},
		"public reads":      {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPublic, Permissions: []string{vault.PermTokenRead}}, "permissions[0]"},
		"management tokens": {vault.CreateApplicationRequest{Name: "x", Type: vault.AppManagement, Permissions: []string{vault.PermTokenRead}}, "permissions[0]"},
		"private manages":   {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Permissions: []string{vault.PermApplicationCreate}}, "permissions[0]"},
		"management rules": {vault.CreateApplicationRequest{Name: "x", Type: vault.AppManagement, Permissions: []string{vault.PermTenantRead},
			Rules: []vault.AccessRule{{Priority: 1, Container: "/", Transform: "reveal", Permissions: []string{vault.PermTokenRead}}}}, "rules"},
		"duplicate priority": {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Rules: []vault.AccessRule{
			{Priority: 1, Container: "/a/", Transform: "reveal", Permissions: []string{vault.PermTokenRead}},
			{Priority: 1, Container: "/b/", Transform: "reveal", Permissions: []string{vault.PermTokenRead}}}}, "rules[1].priority"},
		"bad transform": {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Rules: []vault.AccessRule{
			{Priority: 1, Container: "/a/", Transform: "show", Permissions: []string{vault.PermTokenRead}}}}, "rules[0].transform"},
		"conditions on app": {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Rules: []vault.AccessRule{
			{Priority: 1, Transform: "reveal", Permissions: []string{vault.PermTokenRead}, Conditions: []vault.RuleCondition{{Attribute: "id", Operator: "equals", Value: "x"}}}}}, "rules[0].conditions"},
		"no container": {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Rules: []vault.AccessRule{
			{Priority: 1, Transform: "reveal", Permissions: []string{vault.PermTokenRead}}}}, "rules[0].container"},
		"management perm in rule": {vault.CreateApplicationRequest{Name: "x", Type: vault.AppPrivate, Rules: []vault.AccessRule{
			{Priority: 1, Container: "/", Transform: "reveal", Permissions: []string{vault.PermTenantRead}}}}, "rules[0].permissions[0]"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.CreateApplication(t.Context(), c.req)
			e := requireKind(t, err, vault.KindInvalid)
			assert.Contains(t, e.Fields, c.field, "fields: %v", e.Fields)
		})
	}
}

func TestApplicationChangesApplyAtOnce(t *testing.T) {
	v := openTestVault(t)
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	app, err := v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "a", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)
	ctx := authenticate(t, v, app.Key)
	_, err = v.GetToken(ctx, tok.ID)
	require.NoError(t, err)

	_, err = v.UpdateApplication(t.Context(), app.ID, vault.UpdateApplicationRequest{Name: "a", Permissions: []string{vault.PermTokenCreate}})
	require.NoError(t, err)
	ctx = authenticate(t, v, app.Key)
	_, err = v.GetToken(ctx, tok.ID)
	requireKind(t, err, vault.KindForbidden)

	require.NoError(t, v.DeleteApplication(t.Context(), app.ID))
	_, err = v.Authenticate(t.Context(), app.Key.Reveal())
	requireKind(t, err, vault.KindUnauthenticated)
}

func TestSessionLifecycle(t *testing.T) {
	w := newWorld(t)
	v := w.v
	// A nonce works once.
	err := v.AuthorizeSession(w.callers[asPrivatePerms], vault.AuthorizeSessionRequest{Nonce: w.sessionNonceForLater, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)
	err = v.AuthorizeSession(w.callers[asPrivatePerms], vault.AuthorizeSessionRequest{Nonce: w.sessionNonceForLater, Permissions: []string{vault.PermTokenRead}})
	requireKind(t, err, vault.KindNotFound)

	// A private app cannot grant what it lacks.
	s, err := v.CreateSession(w.callers[asPublic])
	require.NoError(t, err)
	err = v.AuthorizeSession(w.callers[asPrivatePerms], vault.AuthorizeSessionRequest{Nonce: s.Nonce, Permissions: []string{vault.PermTokenDelete}})
	requireKind(t, err, vault.KindForbidden)
}

func TestDeleteTenantShredsData(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	tenant, mgmt, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	asB := vault.AsHost(ctx, tenant.ID)
	tok, err := v.CreateToken(asB, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	_, err = v.GetToken(asB, tok.ID)
	require.NoError(t, err)

	requireKind(t, v.DeleteTenant(ctx, v.DefaultTenantID()), vault.KindConflict)
	require.NoError(t, v.DeleteTenant(ctx, tenant.ID))
	_, err = v.GetToken(asB, tok.ID)
	require.Error(t, err, "nothing of a deleted tenant reads")
	_, err = v.Authenticate(ctx, mgmt.Key.Reveal())
	requireKind(t, err, vault.KindUnauthenticated)
	n, err := vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Positive(t, n, "the sweeper purges the tenant's records")
	tenants, err := v.ListTenants(ctx)
	require.NoError(t, err)
	for _, tn := range tenants {
		assert.NotEqual(t, tenant.ID, tn.ID)
	}
}

// TestEveryTokenHasAContainer: access control relies on every token having
// at least one container under / (permissions held without rules, and
// session grants, are judged by it). An update to no containers is refused;
// it used to store the container "".
func TestEveryTokenHasAContainer(t *testing.T) {
	v := openTestVault(t)
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	_, err = v.UpdateToken(t.Context(), tok.ID, vault.UpdateTokenRequest{Containers: []string{}})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "containers")
	got, err := v.GetToken(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.Equal(t, tok.Containers, got.Containers)
}
