package vault

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// Sessions give a browser or mobile client short-lived access chosen by a
// backend: a public application creates a session and gets a session key
// and a one-time nonce; the client sends the nonce to its backend, which
// authorizes the session with a private key, granting permissions or rules
// (rules may use conditions, such as one token id) within its own. Until then
// the session key grants nothing.

const (
	// DefaultSessionTTL is how long a session lives unless its
	// authorization says otherwise.
	DefaultSessionTTL = 3 * time.Minute
	// MaxSessionTTL is the longest a session may live after its creation.
	MaxSessionTTL = 24 * time.Hour
	macNonce      = "session-nonce"
)

// Session is a new session: its key (shown once) and the nonce a private
// application needs to authorize it. Both print and encode redacted;
// Reveal hands them out.
type Session struct {
	SessionKey Secret    `json:"session_key"`
	Nonce      Secret    `json:"nonce"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// AuthorizeSessionRequest grants a session its rights. Either Permissions or
// Rules must be given, and they must lie within the authorizing
// application's own rights (see [Vault.AuthorizeSession]).
type AuthorizeSessionRequest struct {
	// Nonce is the session's nonce ([Session].Nonce); decoded from a JSON
	// string.
	Nonce       Secret       `json:"nonce"`
	Permissions []string     `json:"permissions,omitempty"`
	Rules       []AccessRule `json:"rules,omitempty"`
	// ExpiresAt ends the session; default and upper bound are counted from
	// the session's creation (DefaultSessionTTL, MaxSessionTTL).
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

type sessionRecord struct {
	ID           string       `json:"id"`
	CreatedBy    string       `json:"created_by,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	ExpiresAt    time.Time    `json:"expires_at"`
	NonceHash    []byte       `json:"nonce_hash,omitempty"`
	Authorized   bool         `json:"authorized"`
	AuthorizedBy string       `json:"authorized_by,omitempty"`
	Permissions  []string     `json:"permissions,omitempty"`
	Rules        []AccessRule `json:"rules,omitempty"`
}

var (
	sessionTable = register(&table[sessionRecord]{
		bucket:  "sessions",
		schema:  1,
		id:      func(r *sessionRecord) string { return r.ID },
		indexes: []*index[sessionRecord]{sessionByNonce, sessionByExpiry},
	})
	sessionByNonce = &index[sessionRecord]{bucket: "sessions.nonce", unique: true, terms: func(r *sessionRecord) [][]byte {
		if r.NonceHash == nil {
			return nil
		}
		return [][]byte{keyenc.AppendBytes(nil, r.NonceHash)}
	}}
	sessionByExpiry = &index[sessionRecord]{bucket: "sessions.expiry", global: true, terms: func(r *sessionRecord) [][]byte {
		return [][]byte{keyenc.AppendTime(nil, r.ExpiresAt)}
	}}
)

// CreateSession creates a session for the calling public application (the
// host may create one too). The session key grants nothing until a private
// application authorizes it with the nonce.
func (v *Vault) CreateSession(ctx context.Context) (*Session, error) {
	const op = "CreateSession"
	p := v.principal(ctx)
	if !p.host && p.ApplicationType != AppPublic {
		return nil, newError(KindForbidden, op, "sessions are created with a public application's key")
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	nb := make([]byte, 16)
	_, _ = rand.Read(nb)
	nonce := base58(nb)
	now := v.now().UTC()
	rec := &sessionRecord{
		ID: uuid.NewString(), CreatedBy: p.ApplicationID, CreatedAt: now, ExpiresAt: now.Add(DefaultSessionTTL),
		NonceHash: tk.MAC(macNonce, []byte(nonce)),
	}
	key, keyRec := v.newKeyRecord(p, p.TenantID, "", rec.ID, AppSession)
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if err := sessionTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		if err := apiKeyTable.insert(tx, "", keyRec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventSessionCreated, map[string]any{"session": map[string]any{"id": rec.ID}})
	})
	if err != nil {
		return nil, err
	}
	return &Session{SessionKey: NewSecret(key), Nonce: NewSecret(nonce), ExpiresAt: rec.ExpiresAt}, nil
}

// AuthorizeSession grants the session holding the nonce its rights. The
// caller must be a private application (or the host, which may grant
// anything); the nonce works once.
//
// A session is granted only rules within the caller's own: each permission
// of each requested rule must be held by the caller, for every token the rule
// matches, with a transform at least as revealing (reveal > mask > redact),
// judging the caller's rules in priority order as they are evaluated. A
// requested container must be the same as or deeper than a container the
// caller holds the permission on; requested conditions must pin tokens into
// such a container (an id condition alone may match a token in any
// container). Permissions granted without rules reach every container with
// their implicit transforms, and are judged so. The package documentation
// ("Access control: sessions") has the details.
//
// Errors: KindInvalid with field paths for a malformed request; KindForbidden
// for a caller that is not private, and for a grant wider than the caller's
// rights, with field paths (rules[0].container, rules[0].conditions,
// rules[0].transform, rules[0].permissions[1], permissions[0]) naming the
// request's own indexes; KindNotFound for an unknown, used or expired nonce
// (checked last: a refused grant leaves the nonce usable).
func (v *Vault) AuthorizeSession(ctx context.Context, req AuthorizeSessionRequest) error {
	const op = "AuthorizeSession"
	p := v.principal(ctx)
	if !p.host && p.ApplicationType != AppPrivate {
		return newError(KindForbidden, op, "sessions are authorized with a private application's key")
	}
	fe := fieldErrors{}
	if req.Nonce.IsZero() {
		fe.add("nonce", "is required")
	}
	checkPermissions(fe, "permissions", req.Permissions, "")
	for i, perm := range req.Permissions {
		if !isTokenPermission(perm) {
			fe.add("permissions", "item %d: sessions may hold token permissions only", i)
		}
	}
	rules := checkRules(fe, "rules", req.Rules, AppSession)
	if len(req.Permissions) == 0 && len(req.Rules) == 0 {
		fe.add("permissions", "give permissions or rules")
	}
	if err := fe.err(op); err != nil {
		return err
	}
	if err := p.checkGrant(op, req); err != nil {
		return err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return wrapErr(op, err)
	}
	nonceHash := tk.MAC(macNonce, []byte(req.Nonce.Reveal()))
	now := v.now().UTC()
	var sessionID string
	err = v.update(ctx, op, func(tx storage.Tx) error {
		id, err := sessionByNonce.lookup(tx, p.TenantID, keyenc.AppendBytes(nil, nonceHash))
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "no session awaits this nonce")
		}
		if err != nil {
			return err
		}
		old, err := sessionTable.get(tx, p.TenantID, id)
		if err != nil {
			return err
		}
		if !now.Before(old.ExpiresAt) {
			return newError(KindNotFound, op, "no session awaits this nonce")
		}
		s := *old
		s.NonceHash, s.Authorized, s.AuthorizedBy = nil, true, p.ApplicationID
		s.Permissions, s.Rules = slices.Clone(req.Permissions), rules
		if req.ExpiresAt != nil {
			at := req.ExpiresAt.UTC()
			if !at.After(now) || at.After(old.CreatedAt.Add(MaxSessionTTL)) {
				return invalidField(op, "expires_at", "must be in the future and within %s of the session's creation", MaxSessionTTL)
			}
			s.ExpiresAt = at
		}
		sessionID = s.ID
		if err := sessionTable.replace(tx, p.TenantID, old, &s); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventSessionAuthorized, map[string]any{"session": map[string]any{"id": s.ID}})
	})
	if sessionID != "" {
		v.auth.dropOwner(p.TenantID, sessionID)
	}
	return err
}

// sessionPrincipal builds the principal of a session key.
func (v *Vault) sessionPrincipal(tx storage.Tx, key *apiKeyRecord, now time.Time) (authEntry, error) {
	s, err := sessionTable.get(tx, key.TenantID, key.SessionID)
	if errors.Is(err, errRecordNotFound) || err == nil && !now.Before(s.ExpiresAt) {
		return authEntry{}, newError(KindUnauthenticated, "Authenticate", "the session has expired")
	}
	if err != nil {
		return authEntry{}, err
	}
	p := Principal{TenantID: key.TenantID, ApplicationID: s.CreatedBy, ApplicationType: AppSession, SessionID: s.ID}
	if s.Authorized {
		p.Permissions, p.Rules = s.Permissions, s.Rules
	}
	return authEntry{p: p, tenant: key.TenantID, owner: s.ID, expires: s.ExpiresAt}, nil
}

// checkGrant refuses, with KindForbidden, a session grant wider than the
// caller's own rights; see [Vault.AuthorizeSession]. Field paths name the
// request's own indexes (rules are kept sorted by priority later).
func (p *Principal) checkGrant(op string, req AuthorizeSessionRequest) error {
	if p.host {
		return nil
	}
	fe := fieldErrors{}
	for i, perm := range req.Permissions {
		path := fmt.Sprintf("permissions[%d]", i)
		if !p.holdsAnywhere(perm) {
			fe.add(path, "the caller does not hold this permission")
			continue
		}
		if len(req.Rules) > 0 {
			continue // beside rules, permissions reach no token (tokenAccess)
		}
		// Without rules, a permission reaches every token with its
		// implicit transform.
		for _, g := range tokenGrants(perm) {
			if wideScope, wideTransform := p.within(g, everyToken, implicitTransform(g)); wideScope || wideTransform {
				fe.add(path, "granted without rules it reaches every container, with its implicit transform: more than the caller holds")
				break
			}
		}
	}
	for i := range req.Rules {
		r := &req.Rules[i]
		rp := fmt.Sprintf("rules[%d]", i)
		scope, _ := r.scope()
		tf, _ := parseTransform(r.Transform)
		var wideScope, wideTransform bool
		for j, perm := range r.Permissions {
			if !p.holdsAnywhere(perm) {
				fe.add(fmt.Sprintf("%s.permissions[%d]", rp, j), "the caller does not hold this permission")
				continue
			}
			for _, g := range tokenGrants(perm) {
				s, t := p.within(g, scope, tf)
				wideScope, wideTransform = wideScope || s, wideTransform || t
			}
		}
		if wideScope {
			if r.Container != "" {
				fe.add(rp+".container", "reaches tokens the caller's rules do not: it must lie within a container the caller holds these permissions on")
			} else {
				fe.add(rp+".conditions", "may match tokens the caller's rules do not: add a container condition within a container the caller holds these permissions on")
			}
		}
		if wideTransform {
			fe.add(rp+".transform", "shows some of its tokens more revealed than the caller's own rules do (reveal > mask > redact)")
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return &Error{Kind: KindForbidden, Op: op, Detail: "a session can be granted only rules within the caller's own", Fields: fe}
}
