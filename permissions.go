package vault

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Principal is who a call acts as: a tenant, and within it an application or
// session with its permissions and access rules, or the trusted host. It
// rides in the context; see [WithPrincipal] and [Vault.Authenticate].
//
// Code that builds a Principal by hand is trusted code granting rights; the
// vault checks the rights of a Principal, not where it came from.
type Principal struct {
	// TenantID is the tenant every resource of the call belongs to.
	TenantID string `json:"tenant_id"`
	// ApplicationID is the calling application (for a session: the public
	// application that created it); empty for the host.
	ApplicationID string `json:"application_id,omitempty"`
	// ApplicationType is private, public, management or session.
	ApplicationType string `json:"application_type,omitempty"`
	// ApplicationName is the calling application's name, as events and
	// audit entries name their actor; empty for a session and the host.
	ApplicationName string `json:"application_name,omitempty"`
	// SessionID is set when the caller is a session.
	SessionID string `json:"session_id,omitempty"`
	// Permissions are the caller's permissions. Token permissions here apply
	// to every container, with the implicit transforms of [Vault]'s
	// package documentation ("Access control"), only when Rules is empty.
	Permissions []string `json:"permissions,omitempty"`
	// Rules are the caller's access rules, in priority order.
	Rules []AccessRule `json:"rules,omitempty"`

	host bool
}

type principalKey struct{}

// WithPrincipal returns a context in which vault calls act as p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	if !slices.IsSortedFunc(p.Rules, byPriority) {
		p.Rules = slices.Clone(p.Rules)
		slices.SortStableFunc(p.Rules, byPriority)
	}
	return context.WithValue(ctx, principalKey{}, p)
}

func byPriority(a, b AccessRule) int { return a.Priority - b.Priority }

// AsHost returns a context in which vault calls act as the trusted host, with
// full access, on the tenant tenantID. Code that passes no principal at all
// acts as the host on the default tenant.
func AsHost(ctx context.Context, tenantID string) context.Context {
	return WithPrincipal(ctx, Principal{TenantID: tenantID, host: true})
}

// Actor is who made a change, as events (data.actor) and audit entries
// name it: an application by its id and name, or the system (the host
// program, and the vault's own background work) with no id.
type Actor struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
}

// Actor types. A session acts as the public application that created it.
const (
	ActorApplication = "application"
	ActorSystem      = "system"
)

// Actor returns p as an actor.
func (p Principal) Actor() Actor {
	if p.host || p.ApplicationID == "" {
		return Actor{Type: ActorSystem, Name: "vault"}
	}
	return Actor{ID: p.ApplicationID, Type: ActorApplication, Name: p.ApplicationName}
}

// IsHost reports whether p is the trusted host.
func (p Principal) IsHost() bool { return p.host }

// PrincipalFrom returns the principal calls with ctx act as, and whether one
// was set; without one the vault acts as the host on the default tenant.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// principal returns the caller of ctx: the principal put there, or the host on
// the default tenant.
func (v *Vault) principal(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Principal{TenantID: v.defaultTenant, host: true}
}

// Application types.
const (
	AppPrivate    = "private"
	AppPublic     = "public"
	AppManagement = "management"
	// AppSession is the ApplicationType of a session's principal.
	AppSession = "session"
)

// Permissions. [PermissionCatalog] lists them with the application types
// that may hold each.
const (
	PermTokenCreate       = "token:create"
	PermTokenRead         = "token:read"
	PermTokenUpdate       = "token:update"
	PermTokenDelete       = "token:delete"
	PermTokenSearch       = "token:search"
	PermTokenUse          = "token:use"
	PermTenantRead        = "tenant:read"
	PermTenantUpdate      = "tenant:update"
	PermTenantDelete      = "tenant:delete"
	PermApplicationRead   = "application:read"
	PermApplicationCreate = "application:create"
	PermApplicationUpdate = "application:update"
	PermApplicationDelete = "application:delete"
	PermLogRead           = "log:read"
	PermReactorRead       = "reactor:read"
	PermReactorCreate     = "reactor:create"
	PermReactorUpdate     = "reactor:update"
	PermReactorDelete     = "reactor:delete"
	PermReactorInvoke     = "reactor:invoke"
	PermProxyInvoke       = "proxy:invoke"
	PermProxyRead         = "proxy:read"
	PermProxyCreate       = "proxy:create"
	PermProxyUpdate       = "proxy:update"
	PermProxyDelete       = "proxy:delete"
	PermExchangeRead      = "exchange:read"
	PermExchangeCreate    = "exchange:create"
	PermExchangeUpdate    = "exchange:update"
	PermExchangeDelete    = "exchange:delete"
	PermExchangeInvoke    = "exchange:invoke"
	PermWebhooksRead      = "webhooks:read"
	PermWebhooksCreate    = "webhooks:create"
	PermWebhooksUpdate    = "webhooks:update"
	PermWebhooksDelete    = "webhooks:delete"
	PermConnectionFormula = "orchestration:connection_formulas"
	// PermConnectionFormulaRead is what the platform's later docs call
	// PermConnectionFormula; either lets a caller list the formulas.
	PermConnectionFormulaRead = "orchestration:connection_formulas:read"
	PermConnectionRead        = "orchestration:connections:read"
	PermMerchantCreate        = "merchant:create"
	PermMerchantRead          = "merchant:read"
	PermMerchantDelete        = "merchant:delete"
	PermConnectorCreate       = "connector:create"
	PermConnectorRead         = "connector:read"
	PermConnectorUpdate       = "connector:update"
	PermConnectorDelete       = "connector:delete"
	PermConnectionCreate      = "orchestration:connections:create"
	PermConnectionUpdate      = "orchestration:connections:update"
	PermConnectionDelete      = "orchestration:connections:delete"
	PermPaymentCapture        = "orchestration:transaction:capture"
	PermPaymentCreate         = "orchestration:transactions:create"
	PermPaymentRead           = "orchestration:transactions:read"
	PermPaymentUpdate         = "orchestration:transactions:update"
)

// PermissionInfo describes a permission of the catalogue.
type PermissionInfo struct {
	Type             string   `json:"type"`
	Description      string   `json:"description"`
	ApplicationTypes []string `json:"application_types"`
}

var (
	onlyPrivate    = []string{AppPrivate}
	publicPrivate  = []string{AppPrivate, AppPublic}
	onlyManagement = []string{AppManagement}
)

var permissionCatalog = []PermissionInfo{
	{PermTokenCreate, "Create tokens", publicPrivate},
	{PermTokenRead, "Read tokens", onlyPrivate},
	{PermTokenUpdate, "Update tokens", publicPrivate},
	{PermTokenDelete, "Delete tokens", onlyPrivate},
	{PermTokenSearch, "Search tokens", onlyPrivate},
	{PermTokenUse, "Use tokens in reactors and proxies (legacy; see reactor:invoke)", onlyPrivate},
	{PermReactorInvoke, "Invoke reactors and use tokens in them", onlyPrivate},
	{PermProxyInvoke, "Invoke proxies and use tokens in them", onlyPrivate},
	{PermExchangeInvoke, "Exchange tokens with exchanges (an extension of the 2021 API)", onlyPrivate},
	{PermTenantRead, "Read the tenant", onlyManagement},
	{PermTenantUpdate, "Update the tenant and its settings", onlyManagement},
	{PermTenantDelete, "Delete the tenant", onlyManagement},
	{PermApplicationRead, "Read applications and their keys", onlyManagement},
	{PermApplicationCreate, "Create applications and keys", onlyManagement},
	{PermApplicationUpdate, "Update applications", onlyManagement},
	{PermApplicationDelete, "Delete applications and revoke keys", onlyManagement},
	{PermLogRead, "Read audit logs", onlyManagement},
	{PermReactorRead, "Read reactors and reactor formulas", onlyManagement},
	{PermReactorCreate, "Create reactors and reactor formulas", onlyManagement},
	{PermReactorUpdate, "Update reactors and reactor formulas", onlyManagement},
	{PermReactorDelete, "Delete reactors and reactor formulas", onlyManagement},
	{PermProxyRead, "Read proxies", onlyManagement},
	{PermProxyCreate, "Create proxies", onlyManagement},
	{PermProxyUpdate, "Update proxies", onlyManagement},
	{PermProxyDelete, "Delete proxies", onlyManagement},
	{PermExchangeRead, "Read exchanges and exchange templates", onlyManagement},
	{PermExchangeCreate, "Create exchanges and exchange templates", onlyManagement},
	{PermExchangeUpdate, "Update exchanges and exchange templates", onlyManagement},
	{PermExchangeDelete, "Delete exchanges and exchange templates", onlyManagement},
	{PermWebhookRead, "Read webhooks and their signing keys", onlyManagement},
	{PermWebhookCreate, "Create webhooks", onlyManagement},
	{PermWebhookUpdate, "Update webhooks", onlyManagement},
	{PermWebhookDelete, "Delete webhooks", onlyManagement},
	{PermWebhooksRead, "Read webhooks (the reference's spelling of webhook:read)", onlyManagement},
	{PermWebhooksCreate, "Create webhooks", onlyManagement},
	{PermWebhooksUpdate, "Update webhooks", onlyManagement},
	{PermWebhooksDelete, "Delete webhooks", onlyManagement},
	{PermConnectionFormula, "Read connection formulas", onlyManagement},
	{PermConnectionFormulaRead, "Read connection formulas", onlyManagement},
	{PermConnectionRead, "Read orchestration connections", onlyManagement},
	{PermMerchantCreate, "Create merchants (connector API)", onlyManagement},
	{PermMerchantRead, "Read merchants", onlyManagement},
	{PermMerchantDelete, "Archive merchants", onlyManagement},
	{PermConnectorCreate, "Create connectors", onlyManagement},
	{PermConnectorRead, "Read connectors and adapter settings", onlyManagement},
	{PermConnectorUpdate, "Update connectors", onlyManagement},
	{PermConnectorDelete, "Archive connectors", onlyManagement},
	{PermConnectionCreate, "Create orchestration connections", onlyManagement},
	{PermConnectionUpdate, "Update orchestration connections", onlyManagement},
	{PermConnectionDelete, "Delete orchestration connections", onlyManagement},
	{PermPaymentCapture, "Capture payment transactions", onlyPrivate},
	{PermPaymentCreate, "Create payment transactions with card tokens", onlyPrivate},
	{PermPaymentRead, "Read payment transactions", onlyPrivate},
	{PermPaymentUpdate, "Capture, void and refund payment transactions", onlyPrivate},
}

// PermissionCatalog returns the permissions an application may hold. With
// an application type, only those that type may hold.
func PermissionCatalog(applicationType string) []PermissionInfo {
	var out []PermissionInfo
	for _, p := range permissionCatalog {
		if applicationType == "" || slices.Contains(p.ApplicationTypes, applicationType) {
			p.ApplicationTypes = slices.Clone(p.ApplicationTypes)
			out = append(out, p)
		}
	}
	return out
}

func permissionInfo(perm string) (PermissionInfo, bool) {
	for _, p := range permissionCatalog {
		if p.Type == perm {
			return p, true
		}
	}
	return PermissionInfo{}, false
}

// isTokenPermission reports whether perm is governed by access rules: the
// token permissions and the invoke permissions that use tokens.
func isTokenPermission(perm string) bool {
	return strings.HasPrefix(perm, "token:") || perm == PermReactorInvoke || perm == PermProxyInvoke || perm == PermExchangeInvoke
}

// Transforms of access rules.
const (
	TransformReveal = "reveal"
	TransformMask   = "mask"
	TransformRedact = "redact"
)

// AccessRule grants token permissions on the tokens it matches, and says how
// their data is shown. Rules are evaluated in ascending priority; the first
// that matches the token and grants the permission decides.
type AccessRule struct {
	Description string `json:"description,omitempty"`
	// Priority orders rules: 1 is evaluated first. Unique within a set.
	Priority int `json:"priority"`
	// Container matches tokens all of whose containers lie under it (a
	// prefix: /pci/ covers /pci/high/). Exclusive with Conditions.
	Container string `json:"container,omitempty"`
	// Conditions, all of which must hold, match tokens by id or container;
	// only sessions may use them.
	Conditions []RuleCondition `json:"conditions,omitempty"`
	// Transform is reveal, mask or redact.
	Transform string `json:"transform"`
	// Permissions are the token permissions the rule grants.
	Permissions []string `json:"permissions"`
}

// RuleCondition is one condition of an access rule.
type RuleCondition struct {
	// Attribute is id or container.
	Attribute string `json:"attribute"`
	// Operator is equals or starts_with.
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// transform is how token data is shown to a caller.
type transform uint8

const (
	transformRedact transform = iota
	transformMask
	transformReveal
)

func parseTransform(s string) (transform, bool) {
	switch s {
	case TransformReveal:
		return transformReveal, true
	case TransformMask:
		return transformMask, true
	case TransformRedact:
		return transformRedact, true
	}
	return 0, false
}

// implicitTransform is the transform of a token permission held without
// rules: use reveals, the others mask.
func implicitTransform(perm string) transform {
	switch perm {
	case PermTokenUse, PermReactorInvoke, PermProxyInvoke, PermExchangeInvoke:
		return transformReveal
	}
	return transformMask
}

// grants reports whether a permission set grants perm. Using a token
// (token:use) is also granted by reactor:invoke, the permission that replaced
// it for reactors; proxy:invoke does not reach tokens used by reactors.
func grants(perms []string, perm string) bool {
	if slices.Contains(perms, perm) {
		return true
	}
	switch perm {
	case PermTokenUse:
		return slices.Contains(perms, PermReactorInvoke)
	}
	return false
}

// matches reports whether rule r covers the token with this id and these
// containers.
func (r *AccessRule) matches(id string, containers []string) bool {
	if r.Container != "" {
		prefix := strings.ToLower(r.Container)
		for _, c := range containers {
			if !strings.HasPrefix(c, prefix) {
				return false
			}
		}
		return len(containers) > 0
	}
	if len(r.Conditions) == 0 {
		return false
	}
	for _, c := range r.Conditions {
		if !c.matches(id, containers) {
			return false
		}
	}
	return true
}

func (c *RuleCondition) matches(id string, containers []string) bool {
	test := func(s string) bool {
		switch c.Operator {
		case "equals":
			return s == c.Value
		case "starts_with":
			return strings.HasPrefix(s, c.Value)
		}
		return false
	}
	switch c.Attribute {
	case "id":
		return id != "" && test(id)
	case "container":
		for _, ct := range containers {
			if !test(ct) {
				return false
			}
		}
		return len(containers) > 0
	}
	return false
}

// tokenAccess decides whether p may perform perm on a token, and with which
// transform. An empty id matches only container rules (a token not created
// yet).
func (p *Principal) tokenAccess(perm, id string, containers []string) (transform, bool) {
	if p.host {
		return transformReveal, true
	}
	if len(p.Rules) > 0 {
		for i := range p.Rules {
			r := &p.Rules[i]
			if grants(r.Permissions, perm) && r.matches(id, containers) {
				tf, _ := parseTransform(r.Transform)
				return tf, true
			}
		}
		return transformRedact, false
	}
	if grants(p.Permissions, perm) {
		return implicitTransform(perm), true
	}
	return transformRedact, false
}

// can reports whether p holds a permission that is not about tokens
// (management and invoke permissions).
func (p *Principal) can(perm string) bool {
	return p.host || slices.Contains(p.Permissions, perm)
}

// holdsAnywhere reports whether p holds perm in its permissions or any rule;
// a session may be granted only what its authorizer holds.
func (p *Principal) holdsAnywhere(perm string) bool {
	if p.host || grants(p.Permissions, perm) {
		return true
	}
	for i := range p.Rules {
		if grants(p.Rules[i].Permissions, perm) {
			return true
		}
	}
	return false
}

// authorizeToken decides whether p may perform perm on a token with the given
// id and containers, and returns the transform that shapes what p sees.
func (v *Vault) authorizeToken(op string, p Principal, perm, id string, containers []string) (transform, error) {
	tf, ok := p.tokenAccess(perm, id, containers)
	if !ok {
		return transformRedact, newError(KindForbidden, op, "the caller lacks %s on the token", perm)
	}
	return tf, nil
}

// require returns a KindForbidden error unless p holds perm.
func (p *Principal) require(op, perm string) error {
	if p.can(perm) {
		return nil
	}
	return newError(KindForbidden, op, "the caller lacks %s", perm)
}

// checkPermissions validates a permission list for an application type.
func checkPermissions(fe fieldErrors, path string, perms []string, appType string) {
	seen := map[string]bool{}
	for i, perm := range perms {
		info, ok := permissionInfo(perm)
		switch {
		case !ok:
			fe.add(fmt.Sprintf("%s[%d]", path, i), "is not a known permission")
		case appType != "" && !slices.Contains(info.ApplicationTypes, appType):
			fe.add(fmt.Sprintf("%s[%d]", path, i), "is not allowed for %s applications", appType)
		case seen[perm]:
			fe.add(fmt.Sprintf("%s[%d]", path, i), "is listed twice")
		}
		seen[perm] = true
	}
}

// checkRules validates access rules for an application type ("session" for
// session grants, which may use conditions) and returns them sorted by
// priority with normalised containers.
func checkRules(fe fieldErrors, path string, rules []AccessRule, appType string) []AccessRule {
	if len(rules) == 0 {
		return nil
	}
	if appType == AppManagement {
		fe.add(path, "management applications cannot have access rules")
		return nil
	}
	out := make([]AccessRule, len(rules))
	priorities := map[int]bool{}
	for i, r := range rules {
		rp := fmt.Sprintf("%s[%d]", path, i)
		if r.Priority < 1 {
			fe.add(rp+".priority", "must be 1 or more")
		} else if priorities[r.Priority] {
			fe.add(rp+".priority", "must be unique")
		}
		priorities[r.Priority] = true
		if _, ok := parseTransform(r.Transform); !ok {
			fe.add(rp+".transform", "must be reveal, mask or redact")
		}
		if len(r.Permissions) == 0 {
			fe.add(rp+".permissions", "must not be empty")
		}
		for j, perm := range r.Permissions {
			info, known := permissionInfo(perm)
			switch {
			case !known || !isTokenPermission(perm):
				fe.add(fmt.Sprintf("%s.permissions[%d]", rp, j), "must be a token permission")
			case appType != AppSession && !slices.Contains(info.ApplicationTypes, appType):
				fe.add(fmt.Sprintf("%s.permissions[%d]", rp, j), "is not allowed for %s applications", appType)
			}
		}
		switch {
		case r.Container != "" && len(r.Conditions) > 0:
			fe.add(rp, "give a container or conditions, not both")
		case r.Container != "":
			c, ok := normalizeContainer(r.Container)
			if !ok {
				fe.add(rp+".container", "must be a path like /pci/high/")
			}
			r.Container = c
		case len(r.Conditions) > 0:
			if appType != AppSession {
				fe.add(rp+".conditions", "only sessions may use conditions")
			}
			for j, c := range r.Conditions {
				cp := fmt.Sprintf("%s.conditions[%d]", rp, j)
				if c.Attribute != "id" && c.Attribute != "container" {
					fe.add(cp+".attribute", "must be id or container")
				}
				if c.Operator != "equals" && c.Operator != "starts_with" {
					fe.add(cp+".operator", "must be equals or starts_with")
				}
				if c.Value == "" {
					fe.add(cp+".value", "is required")
				}
			}
			r.Conditions = slices.Clone(r.Conditions)
		default:
			fe.add(rp+".container", "is required")
		}
		r.Permissions = slices.Clone(r.Permissions)
		out[i] = r
	}
	slices.SortStableFunc(out, byPriority)
	return out
}

// Scopes. A session may be granted only what its authorizer holds: for
// every token a requested rule matches, the authorizer must hold the
// permission on that token with a transform at least as revealing. Rules
// are compared by the tokens they match, written as conditions that all
// hold (a container rule is "container starts_with" its container), and
// by the authorizer's first matching rule, as tokenAccess evaluates them.

// everyToken is the scope of permissions held without rules: every token
// has at least one container, and all containers lie under /.
var everyToken = []RuleCondition{{Attribute: "container", Operator: "starts_with", Value: "/"}}

// scope returns the conditions a token meets exactly when r matches it, and
// false when r matches no token (no container and no valid condition).
func (r *AccessRule) scope() ([]RuleCondition, bool) {
	if r.Container != "" {
		return []RuleCondition{{Attribute: "container", Operator: "starts_with", Value: strings.ToLower(r.Container)}}, true
	}
	if len(r.Conditions) == 0 {
		return nil, false
	}
	for _, c := range r.Conditions {
		if c.Attribute != "id" && c.Attribute != "container" || c.Operator != "equals" && c.Operator != "starts_with" {
			return nil, false
		}
	}
	return r.Conditions, true
}

// reach is what one rule (or the permissions held without rules) grants
// for one permission: the tokens of a scope, with a transform.
type reach struct {
	scope []RuleCondition
	tf    transform
}

// reaches returns what p is granted for perm, in the order tokenAccess
// evaluates it; rules that match no token are left out.
func (p *Principal) reaches(perm string) []reach {
	if len(p.Rules) == 0 {
		if grants(p.Permissions, perm) {
			return []reach{{everyToken, implicitTransform(perm)}}
		}
		return nil
	}
	var out []reach
	for i := range p.Rules {
		r := &p.Rules[i]
		scope, ok := r.scope()
		if !ok || !grants(r.Permissions, perm) {
			continue
		}
		tf, _ := parseTransform(r.Transform)
		out = append(out, reach{scope, tf})
	}
	return out
}

// within compares the tokens of scope, shown with transform tf, with what p
// may do with perm on them: wideScope when p may not reach some of them,
// wideTransform when p's own first matching rule shows some of them less
// revealed than tf. It reasons from what conditions imply, so it may refuse
// a grant that is in fact within p's rights, never the reverse.
func (p *Principal) within(perm string, scope []RuleCondition, tf transform) (wideScope, wideTransform bool) {
	rs := p.reaches(perm)
	for i, r := range rs {
		if disjoint(r.scope, scope) {
			continue // it decides none of these tokens
		}
		if slices.ContainsFunc(rs[:i], func(e reach) bool { return implies(r.scope, e.scope) }) {
			continue // an earlier rule matches all its tokens: it decides none
		}
		if r.tf < tf {
			wideTransform = true
		}
		if implies(scope, r.scope) {
			return false, wideTransform // it decides every token left
		}
	}
	return true, wideTransform
}

// implies reports whether every token meeting all conditions of s meets all
// conditions of c.
func implies(s, c []RuleCondition) bool {
	for _, want := range c {
		if want.Attribute == "container" && want.Operator == "starts_with" && strings.HasPrefix("/", want.Value) {
			continue // every token meets it (everyToken)
		}
		if !slices.ContainsFunc(s, func(have RuleCondition) bool { return have.implies(want) }) {
			return false
		}
	}
	return true
}

// implies reports whether every token meeting c meets want: for a
// container, every one of the token's containers.
func (c RuleCondition) implies(want RuleCondition) bool {
	if c.Attribute != want.Attribute {
		return false
	}
	switch want.Operator {
	case "equals":
		return c.Operator == "equals" && c.Value == want.Value
	case "starts_with":
		return (c.Operator == "equals" || c.Operator == "starts_with") && strings.HasPrefix(c.Value, want.Value)
	}
	return false
}

// disjoint reports whether no token can meet both a and b: some condition
// of one and some of the other, on the same attribute, admit no common
// string (a token has at least one container, which would need both).
func disjoint(a, b []RuleCondition) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Attribute == y.Attribute && !x.overlaps(y) {
				return true
			}
		}
	}
	return false
}

// overlaps reports whether some string meets both c and d.
func (c RuleCondition) overlaps(d RuleCondition) bool {
	switch {
	case c.Operator == "equals" && d.Operator == "equals":
		return c.Value == d.Value
	case c.Operator == "equals":
		return strings.HasPrefix(c.Value, d.Value)
	case d.Operator == "equals":
		return strings.HasPrefix(d.Value, c.Value)
	}
	return strings.HasPrefix(c.Value, d.Value) || strings.HasPrefix(d.Value, c.Value)
}

// tokenGrants returns the token permissions that holding perm grants
// ([grants]): perm itself, and token:use for reactor:invoke.
func tokenGrants(perm string) []string {
	var out []string
	for _, info := range permissionCatalog {
		if isTokenPermission(info.Type) && grants([]string{perm}, info.Type) {
			out = append(out, info.Type)
		}
	}
	return out
}
