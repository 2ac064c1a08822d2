package vault_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// sessionFor creates a session with a public application's key and returns
// its nonce and a function that authenticates its key (after authorizing).
func sessionFor(t *testing.T, v *vault.Vault, public context.Context) (vault.Secret, func() context.Context) {
	t.Helper()
	s, err := v.CreateSession(public)
	require.NoError(t, err)
	return s.Nonce, func() context.Context { return authenticate(t, v, s.SessionKey) }
}

func readRule(priority int, container, transform string, perms ...string) vault.AccessRule {
	if len(perms) == 0 {
		perms = []string{vault.PermTokenRead}
	}
	return vault.AccessRule{Priority: priority, Container: container, Transform: transform, Permissions: perms}
}

func condRule(priority int, transform string, conds ...vault.RuleCondition) vault.AccessRule {
	return vault.AccessRule{Priority: priority, Transform: transform, Permissions: []string{vault.PermTokenRead}, Conditions: conds}
}

// TestAuthorizeSessionScope: a session is granted only rules within its
// authorizer's own, and a wider request is KindForbidden naming the rule and
// the part of it that is wider.
func TestAuthorizeSessionScope(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	pub, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "web", Type: vault.AppPublic, Permissions: []string{vault.PermTokenCreate}})
	require.NoError(t, err)
	public := authenticate(t, v, pub.Key)
	app := func(perms []string, rules ...vault.AccessRule) context.Context {
		a, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "backend", Type: vault.AppPrivate, Permissions: perms, Rules: rules})
		require.NoError(t, err)
		return authenticate(t, v, a.Key)
	}
	// L is the finding's application: one rule, /a/, mask, token:read.
	l := app(nil, readRule(1, "/a/", vault.TransformMask))
	plain := app([]string{vault.PermTokenRead})
	shadowed := app(nil, readRule(1, "/a/b/", vault.TransformMask), readRule(2, "/a/", vault.TransformReveal))
	invoker := app(nil, readRule(1, "/a/", vault.TransformReveal, vault.PermReactorInvoke))
	user := app(nil, readRule(1, "/a/", vault.TransformReveal, vault.PermTokenUse))
	root := app(nil, readRule(1, "/", vault.TransformReveal, vault.PermTokenRead))

	id := func(op, v string) vault.RuleCondition {
		return vault.RuleCondition{Attribute: "id", Operator: op, Value: v}
	}
	container := func(op, v string) vault.RuleCondition {
		return vault.RuleCondition{Attribute: "container", Operator: op, Value: v}
	}
	cases := []struct {
		name   string
		as     context.Context
		req    vault.AuthorizeSessionRequest
		fields []string // nil: allowed
	}{
		{"the finding: root reveal from /a/ mask", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/", vault.TransformReveal)}},
			[]string{"rules[0].container", "rules[0].transform"}},
		{"another container", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/b/", vault.TransformMask)}},
			[]string{"rules[0].container"}},
		{"a sibling whose name extends it", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/ab/", vault.TransformMask)}},
			[]string{"rules[0].container"}},
		{"deeper but revealed", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/a/b/", vault.TransformReveal)}},
			[]string{"rules[0].transform"}},
		{"a permission it lacks", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/a/", vault.TransformMask, vault.PermTokenRead, vault.PermTokenDelete)}},
			[]string{"rules[0].permissions[1]"}},
		{"the same rule", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/a/", vault.TransformMask)}}, nil},
		{"deeper and redacted", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/a/b/c/", vault.TransformRedact)}}, nil},
		{"upper case is normalised", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/A/B/", vault.TransformMask)}}, nil},
		{"the field path is the request's index, not the priority order", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			readRule(2, "/a/", vault.TransformMask), readRule(1, "/b/", vault.TransformMask)}}, []string{"rules[1].container"}},
		{"conditions inside the container", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			condRule(1, vault.TransformMask, id("equals", "tok_1"), container("starts_with", "/a/b/"))}}, nil},
		{"a container equal to one inside", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			condRule(1, vault.TransformMask, container("equals", "/a/x/"))}}, nil},
		{"an id alone may be any container", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			condRule(1, vault.TransformMask, id("equals", "tok_1"))}}, []string{"rules[0].conditions"}},
		{"a container prefix that is not a path", l, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			condRule(1, vault.TransformMask, container("starts_with", "/a"))}}, []string{"rules[0].conditions"}},
		{"an id alone under a root rule", root, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			condRule(1, vault.TransformReveal, id("equals", "tok_1"))}}, nil},
		{"permissions without rules reach every container", l, vault.AuthorizeSessionRequest{Permissions: []string{vault.PermTokenRead}},
			[]string{"permissions[0]"}},
		{"permissions from permissions", plain, vault.AuthorizeSessionRequest{Permissions: []string{vault.PermTokenRead}}, nil},
		{"permissions mask: a masked rule", plain, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/b/", vault.TransformMask)}}, nil},
		{"permissions mask: no reveal", plain, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/b/", vault.TransformReveal)}},
			[]string{"rules[0].transform"}},
		{"permissions mask: not another permission", plain, vault.AuthorizeSessionRequest{Permissions: []string{vault.PermTokenRead, vault.PermTokenSearch}},
			[]string{"permissions[1]"}},
		{"a masking rule of higher priority", shadowed, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/a/", vault.TransformReveal)}},
			[]string{"rules[0].transform"}},
		{"beside the masking rule", shadowed, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{readRule(1, "/a/c/", vault.TransformReveal)}}, nil},
		{"reactor:invoke grants token:use", invoker, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			readRule(1, "/a/", vault.TransformReveal, vault.PermTokenUse)}}, nil},
		{"token:use does not grant reactor:invoke", user, vault.AuthorizeSessionRequest{Rules: []vault.AccessRule{
			readRule(1, "/a/", vault.TransformReveal, vault.PermReactorInvoke)}}, []string{"rules[0].permissions[0]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nonce, session := sessionFor(t, v, public)
			req := c.req
			req.Nonce = nonce
			err := v.AuthorizeSession(c.as, req)
			if c.fields == nil {
				require.NoError(t, err)
				return
			}
			e := requireKind(t, err, vault.KindForbidden)
			for _, f := range c.fields {
				assert.Contains(t, e.Fields, f, "fields: %v", e.Fields)
			}
			assert.Len(t, e.Fields, len(c.fields), "fields: %v", e.Fields)
			// A refused authorization leaves the session without rights,
			// and its nonce unused.
			_, err = v.ListTokens(session(), vault.ListTokensRequest{})
			require.NoError(t, err)
			req.Rules, req.Permissions = []vault.AccessRule{readRule(1, "/a/", vault.TransformRedact, vault.PermTokenRead)}, nil
			assert.NoError(t, v.AuthorizeSession(l, req), "the nonce still works")
		})
	}
}

// Property: whatever rules an authorizer holds and a session asks for,
// when the authorization succeeds the session reads (get, list, search) no
// token its authorizer cannot read, and sees no token's data more revealed
// than the authorizer would.
func TestSessionGrantWithinAuthorizer(t *testing.T) {
	const cases = 300
	v := openTestVault(t)
	ctx := t.Context()
	tenant := v.DefaultTenantID()
	rng := rand.New(rand.NewPCG(20240611, 7))
	public := vault.WithPrincipal(ctx, vault.Principal{TenantID: tenant, ApplicationID: "web", ApplicationType: vault.AppPublic})

	containers := []string{"/", "/a/", "/a/b/", "/a/c/", "/ab/", "/b/", "/b/d/"}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	type tokenInfo struct{ id, data string }
	var tokens []tokenInfo
	for i := range 14 {
		cs := []string{pick(containers)}
		if rng.IntN(4) == 0 {
			cs = append(cs, pick(containers))
		}
		id := fmt.Sprintf("t%d%c-%02d", i%3, 'x'+rune(i%2), i)
		data := fmt.Sprintf("secret-%02d-tail", i)
		_, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: id, Type: vault.TypeToken, Data: data, Containers: cs,
			Mask: "{{ data | reveal_last: 4 }}"})
		require.NoError(t, err)
		tokens = append(tokens, tokenInfo{id, data})
	}
	plaintext := map[string]string{}
	for _, tk := range tokens {
		plaintext[tk.id] = tk.data
	}
	// level is how revealed a token's data is: 0 redact, 1 mask, 2 reveal.
	level := func(tok *vault.Token) int {
		if tok.Data == nil {
			return 0
		}
		var s string
		require.NoError(t, tok.UnmarshalData(&s))
		if s == plaintext[tok.ID] {
			return 2
		}
		return 1
	}
	perms := []string{vault.PermTokenRead, vault.PermTokenSearch}
	transforms := []string{vault.TransformRedact, vault.TransformMask, vault.TransformReveal}
	somePerms := func(from []string) []string {
		for {
			var out []string
			for _, p := range from {
				if rng.IntN(2) == 0 {
					out = append(out, p)
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	condition := func() vault.RuleCondition {
		switch rng.IntN(4) {
		case 0:
			return vault.RuleCondition{Attribute: "id", Operator: "equals", Value: tokens[rng.IntN(len(tokens))].id}
		case 1:
			return vault.RuleCondition{Attribute: "id", Operator: "starts_with", Value: tokens[rng.IntN(len(tokens))].id[:1+rng.IntN(3)]}
		case 2:
			return vault.RuleCondition{Attribute: "container", Operator: "equals", Value: pick(containers)}
		}
		c := pick(containers)
		return vault.RuleCondition{Attribute: "container", Operator: "starts_with", Value: c[:1+rng.IntN(len(c))]}
	}
	randomRules := func(n int, conditions bool) []vault.AccessRule {
		priorities := rng.Perm(n)
		rules := make([]vault.AccessRule, n)
		for i := range rules {
			r := vault.AccessRule{Priority: priorities[i] + 1, Transform: pick(transforms), Permissions: somePerms(perms)}
			if conditions && rng.IntN(3) == 0 {
				for range 1 + rng.IntN(2) {
					r.Conditions = append(r.Conditions, condition())
				}
			} else {
				r.Container = pick(containers)
			}
			rules[i] = r
		}
		return rules
	}
	// narrower derives a request from an authorizer rule: the same or a
	// deeper container, the same or a weaker transform, some of its
	// permissions; it may or may not be within the authorizer's rights
	// (rules of higher priority may mask part of it).
	narrower := func(a vault.AccessRule, priority int) vault.AccessRule {
		r := vault.AccessRule{Priority: priority, Permissions: somePerms(a.Permissions)}
		tf := slices.Index(transforms, a.Transform)
		r.Transform = transforms[rng.IntN(tf+1)]
		if a.Container == "" {
			r.Conditions = append(slices.Clone(a.Conditions), condition())
			return r
		}
		var deeper []string
		for _, c := range containers {
			if strings.HasPrefix(c, a.Container) {
				deeper = append(deeper, c)
			}
		}
		r.Container = pick(deeper)
		return r
	}

	var granted, reads int
	for n := range cases {
		authz := vault.Principal{TenantID: tenant, ApplicationID: fmt.Sprintf("backend-%d", n), ApplicationType: vault.AppPrivate}
		if rng.IntN(5) == 0 {
			authz.Permissions = somePerms(perms)
		} else {
			authz.Rules = randomRules(1+rng.IntN(3), true)
		}
		req := vault.AuthorizeSessionRequest{}
		if rng.IntN(5) == 0 {
			req.Permissions = somePerms(perms)
		} else {
			for i := range 1 + rng.IntN(3) {
				switch {
				case rng.IntN(2) == 0 && len(authz.Rules) > 0:
					req.Rules = append(req.Rules, narrower(authz.Rules[rng.IntN(len(authz.Rules))], i+1))
				case rng.IntN(2) == 0 && len(authz.Rules) == 0:
					req.Rules = append(req.Rules, narrower(vault.AccessRule{Container: "/", Transform: vault.TransformMask, Permissions: authz.Permissions}, i+1))
				default:
					r := randomRules(1, true)[0]
					r.Priority = i + 1
					req.Rules = append(req.Rules, r)
				}
			}
		}
		describe := func() string { return fmt.Sprintf("case %d:\nauthorizer %+v\nrequest %+v", n, authz, req) }

		s, err := v.CreateSession(public)
		require.NoError(t, err)
		req.Nonce = s.Nonce
		asAuthz := vault.WithPrincipal(ctx, authz)
		if err := v.AuthorizeSession(asAuthz, req); err != nil {
			e := requireKind(t, err, vault.KindForbidden)
			require.NotEmpty(t, e.Fields, describe())
			continue
		}
		granted++
		asSession := authenticate(t, v, s.SessionKey)

		for _, tk := range tokens {
			got, err := v.GetToken(asSession, tk.id)
			if err != nil {
				requireKind(t, err, vault.KindForbidden)
				continue
			}
			reads++
			want, err := v.GetToken(asAuthz, tk.id)
			require.NoError(t, err, "the session reads %s, its authorizer cannot\n%s", tk.id, describe())
			require.LessOrEqual(t, level(got), level(want), "the session sees %s more revealed than its authorizer\n%s", tk.id, describe())
		}
		compare := func(what string, list func(context.Context) (*vault.Page[*vault.Token], error)) {
			sessionPage, err := list(asSession)
			require.NoError(t, err)
			authzPage, err := list(asAuthz)
			require.NoError(t, err)
			levels := map[string]int{}
			for _, tok := range authzPage.Data {
				levels[tok.ID] = level(tok)
			}
			for _, tok := range sessionPage.Data {
				l, ok := levels[tok.ID]
				require.True(t, ok, "the session's %s holds %s, its authorizer's does not\n%s", what, tok.ID, describe())
				require.LessOrEqual(t, level(tok), l, "the session's %s shows %s more revealed than its authorizer's\n%s", what, tok.ID, describe())
			}
		}
		compare("list", func(ctx context.Context) (*vault.Page[*vault.Token], error) {
			return v.ListTokens(ctx, vault.ListTokensRequest{Size: 100})
		})
		compare("search", func(ctx context.Context) (*vault.Page[*vault.Token], error) {
			return v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "type:token", Size: 100})
		})
	}
	// The property is not vacuous: many authorizations succeed, and the
	// sessions they make read tokens.
	assert.Greater(t, granted, cases/5, "authorizations granted")
	assert.Greater(t, reads, cases/2, "tokens read by sessions")
	t.Logf("%d of %d authorizations granted; sessions read %d tokens", granted, cases, reads)
}
