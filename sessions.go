package vault

import (
	"context"
	"crypto/rand"
	"errors"
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
// (rules may use conditions, such as one token id). Until then the session
// key grants nothing.

const (
	// DefaultSessionTTL is how long a session lives unless its
	// authorization says otherwise.
	DefaultSessionTTL = 3 * time.Minute
	// MaxSessionTTL is the longest a session may live after its creation.
	MaxSessionTTL = 24 * time.Hour
	macNonce      = "session-nonce"
)

// Session is a new session: its key (shown once) and the nonce a private
// application needs to authorize it.
type Session struct {
	SessionKey string    `json:"session_key"`
	Nonce      string    `json:"nonce"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// String describes the session without its key.
func (s Session) String() string {
	return "Session{ExpiresAt:" + s.ExpiresAt.Format(time.RFC3339) + "}"
}

// GoString describes the session without its key.
func (s Session) GoString() string { return s.String() }

// AuthorizeSessionRequest grants a session its rights. Either Permissions or
// Rules must be given; each granted permission must be one the authorizing
// application holds.
type AuthorizeSessionRequest struct {
	Nonce       string       `json:"nonce"`
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
	sessionTable = &table[sessionRecord]{
		bucket:  "sessions",
		schema:  1,
		id:      func(r *sessionRecord) string { return r.ID },
		indexes: []*index[sessionRecord]{sessionByNonce, sessionByExpiry},
	}
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
		return apiKeyTable.insert(tx, "", keyRec)
	})
	if err != nil {
		return nil, err
	}
	v.emit(ctx, p.TenantID, "session.created", map[string]any{"session": map[string]any{"id": rec.ID}})
	return &Session{SessionKey: key, Nonce: nonce, ExpiresAt: rec.ExpiresAt}, nil
}

// AuthorizeSession grants the session holding the nonce its rights. The
// caller must be a private application (or the host); the nonce works once.
// Errors: KindNotFound for an unknown, used or expired nonce; KindForbidden
// for a permission the caller does not hold; KindInvalid with field paths.
func (v *Vault) AuthorizeSession(ctx context.Context, req AuthorizeSessionRequest) error {
	const op = "AuthorizeSession"
	p := v.principal(ctx)
	if !p.host && p.ApplicationType != AppPrivate {
		return newError(KindForbidden, op, "sessions are authorized with a private application's key")
	}
	fe := fieldErrors{}
	if req.Nonce == "" {
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
	for _, perm := range req.Permissions {
		if !p.holdsAnywhere(perm) {
			return newError(KindForbidden, op, "the caller cannot grant %s, which it does not hold", perm)
		}
	}
	for _, r := range rules {
		for _, perm := range r.Permissions {
			if !p.holdsAnywhere(perm) {
				return newError(KindForbidden, op, "the caller cannot grant %s, which it does not hold", perm)
			}
		}
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return wrapErr(op, err)
	}
	nonceHash := tk.MAC(macNonce, []byte(req.Nonce))
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
		return sessionTable.replace(tx, p.TenantID, old, &s)
	})
	if sessionID != "" {
		v.auth.dropOwner(p.TenantID, sessionID)
	}
	if err != nil {
		return err
	}
	v.emit(ctx, p.TenantID, "session.authorized", map[string]any{"session": map[string]any{"id": sessionID}})
	return nil
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
