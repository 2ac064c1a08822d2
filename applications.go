package vault

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Application is a client of the vault: a backend (private), a browser or
// mobile app (public) or an administrator (management), with permissions,
// access rules and API keys.
type Application struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	// Key is the first API key, present only in the response that created
	// the application. It prints and encodes redacted: Key.Reveal() hands
	// it out.
	Key         Secret           `json:"key,omitzero"`
	Keys        []ApplicationKey `json:"keys,omitempty"`
	Permissions []string         `json:"permissions"`
	Rules       []AccessRule     `json:"rules,omitempty"`
	CreatedBy   string           `json:"created_by,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	ModifiedBy  string           `json:"modified_by,omitempty"`
	ModifiedAt  *time.Time       `json:"modified_at,omitempty"`
}

// ApplicationKey is an API key of an application. Key, the secret, is
// present only in the response that created it (the vault keeps only a keyed
// hash); it prints and encodes redacted, and Key.Reveal() hands it out.
type ApplicationKey struct {
	ID        string    `json:"id"`
	Key       Secret    `json:"key,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateApplicationRequest creates an application. Either Permissions or
// Rules must be given.
type CreateApplicationRequest struct {
	Name        string       `json:"name"`
	Type        string       `json:"type"`
	Permissions []string     `json:"permissions,omitempty"`
	Rules       []AccessRule `json:"rules,omitempty"`
	// CreateKey creates a first API key (default true).
	CreateKey *bool `json:"create_key,omitempty"`
}

// UpdateApplicationRequest replaces an application's name, permissions and
// rules; its type cannot change.
type UpdateApplicationRequest struct {
	Name        string       `json:"name"`
	Permissions []string     `json:"permissions,omitempty"`
	Rules       []AccessRule `json:"rules,omitempty"`
}

// ListApplicationsRequest lists applications, optionally only those with the
// given ids or type, by offset page (1-based).
type ListApplicationsRequest struct {
	IDs  []string `json:"id,omitempty"`
	Type string   `json:"type,omitempty"`
	Page int      `json:"page,omitempty"`
	Size int      `json:"size,omitempty"`
}

type applicationRecord struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Type        string       `json:"type"`
	Permissions []string     `json:"permissions,omitempty"`
	Rules       []AccessRule `json:"rules,omitempty"`
	CreatedBy   string       `json:"created_by,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	ModifiedBy  string       `json:"modified_by,omitempty"`
	ModifiedAt  *time.Time   `json:"modified_at,omitempty"`
}

var applicationTable = register(&table[applicationRecord]{
	bucket: "applications",
	schema: 1,
	id:     func(r *applicationRecord) string { return r.ID },
})

// apiKeyRecord is an API key as stored: its keyed hash, never the key. Keys
// live in the global namespace so that Authenticate finds the tenant from
// the key alone.
type apiKeyRecord struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"tenant_id"`
	Application string    `json:"application_id,omitempty"`
	SessionID   string    `json:"session_id,omitempty"`
	Hash        []byte    `json:"hash"`
	CreatedBy   string    `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

var (
	// API keys are stored under no tenant (a key is found by its hash
	// before its tenant is known); each names its tenant.
	apiKeyTable = register(&table[apiKeyRecord]{
		bucket:   "apikeys",
		schema:   1,
		id:       func(r *apiKeyRecord) string { return r.ID },
		tenantOf: func(r *apiKeyRecord) string { return r.TenantID },
		indexes:  []*index[apiKeyRecord]{apiKeyByHash, apiKeyByOwner},
	})
	apiKeyByHash = &index[apiKeyRecord]{bucket: "apikeys.hash", unique: true, terms: func(r *apiKeyRecord) [][]byte {
		return [][]byte{keyenc.AppendBytes(nil, r.Hash)}
	}}
	// apiKeyByOwner finds the keys of an application or session.
	apiKeyByOwner = &index[apiKeyRecord]{bucket: "apikeys.owner", terms: func(r *apiKeyRecord) [][]byte {
		return [][]byte{ownerTerm(r.TenantID, r.Application, r.SessionID)}
	}}
)

func ownerTerm(tenant, app, session string) []byte {
	return keyenc.AppendString(keyenc.AppendString(keyenc.AppendString(nil, tenant), app), session)
}

const (
	// systemKeys is the keyring identity of vault-wide secrets (the API key
	// hash key); it cannot collide with a tenant id, which is a UUID.
	systemKeys = "system"
	macAPIKey  = "api-key"
	// authCacheTTL bounds how long another process's revocation or change
	// can go unnoticed; changes made in this process apply at once.
	authCacheTTL = time.Second
)

// newAPIKey returns a fresh API key: "key_", a type tag and 192 random bits.
func newAPIKey(appType string) string {
	tag := map[string]string{AppPrivate: "pvt", AppPublic: "pub", AppManagement: "mgt", AppSession: "ses"}[appType]
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "key_" + tag + "_" + base58(b)
}

func (v *Vault) hashAPIKey(key string) []byte {
	return v.system.MAC(macAPIKey, []byte(key))
}

// CreateApplication creates an application and, unless asked not to, its
// first key (returned once, in Key and Keys). The caller needs
// application:create. Errors: KindInvalid with field paths.
func (v *Vault) CreateApplication(ctx context.Context, req CreateApplicationRequest) (*Application, error) {
	const op = "CreateApplication"
	p := v.principal(ctx)
	if err := p.require(op, PermApplicationCreate); err != nil {
		return nil, err
	}
	rec, err := v.checkApplication(op, req.Name, req.Type, req.Permissions, req.Rules)
	if err != nil {
		return nil, err
	}
	rec.ID = uuid.NewString()
	rec.CreatedBy, rec.CreatedAt = p.ApplicationID, v.now().UTC()
	createKey := req.CreateKey == nil || *req.CreateKey
	var key string
	var keyRec *apiKeyRecord
	if createKey {
		key, keyRec = v.newKeyRecord(p, p.TenantID, rec.ID, "", rec.Type)
	}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if err := applicationTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		if keyRec != nil {
			if err := apiKeyTable.insert(tx, "", keyRec); err != nil {
				return err
			}
		}
		return v.emitTx(ctx, tx, p.TenantID, EventApplicationCreated, map[string]any{"application": map[string]any{"id": rec.ID, "name": rec.Name, "type": rec.Type}})
	})
	if err != nil {
		return nil, err
	}
	app := rec.public(p.TenantID)
	if keyRec != nil {
		app.Key = NewSecret(key)
		app.Keys = []ApplicationKey{{ID: keyRec.ID, Key: app.Key, CreatedBy: keyRec.CreatedBy, CreatedAt: keyRec.CreatedAt}}
	}
	return app, nil
}

func (v *Vault) newKeyRecord(p Principal, tenant, app, session, appType string) (string, *apiKeyRecord) {
	key := newAPIKey(appType)
	return key, &apiKeyRecord{
		ID: uuid.NewString(), TenantID: tenant, Application: app, SessionID: session,
		Hash: v.hashAPIKey(key), CreatedBy: p.ApplicationID, CreatedAt: v.now().UTC(),
	}
}

// checkApplication validates the fields shared by create and update.
func (v *Vault) checkApplication(op, name, appType string, perms []string, rules []AccessRule) (*applicationRecord, error) {
	fe := fieldErrors{}
	switch {
	case name == "":
		fe.add("name", "is required")
	case len([]rune(name)) > 200:
		fe.add("name", "must be at most 200 characters")
	}
	switch appType {
	case AppPrivate, AppPublic, AppManagement:
	case "":
		fe.add("type", "is required")
	default:
		fe.add("type", "must be private, public or management")
	}
	checkPermissions(fe, "permissions", perms, appType)
	rules = checkRules(fe, "rules", rules, appType)
	if len(perms) == 0 && len(rules) == 0 {
		fe.add("permissions", "give permissions or rules")
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	return &applicationRecord{Name: name, Type: appType, Permissions: slices.Clone(perms), Rules: rules}, nil
}

func (r *applicationRecord) public(tenant string) *Application {
	return &Application{
		ID: r.ID, TenantID: tenant, Name: r.Name, Type: r.Type,
		Permissions: append([]string{}, r.Permissions...), Rules: slices.Clone(r.Rules),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ModifiedBy: r.ModifiedBy, ModifiedAt: r.ModifiedAt,
	}
}

// GetApplication returns an application with its keys (without their
// secrets). The caller needs application:read.
func (v *Vault) GetApplication(ctx context.Context, id string) (*Application, error) {
	const op = "GetApplication"
	p := v.principal(ctx)
	if err := p.require(op, PermApplicationRead); err != nil {
		return nil, err
	}
	return v.readApplication(ctx, op, p.TenantID, id)
}

func (v *Vault) readApplication(ctx context.Context, op, tenant, id string) (*Application, error) {
	var app *Application
	err := v.view(ctx, op, func(tx storage.Tx) error {
		rec, err := applicationTable.get(tx, tenant, id)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "application not found")
		}
		if err != nil {
			return err
		}
		app = rec.public(tenant)
		app.Keys, err = appKeys(tx, tenant, id)
		return err
	})
	return app, err
}

func appKeys(tx storage.Tx, tenant, app string) ([]ApplicationKey, error) {
	out := []ApplicationKey{}
	err := apiKeyByOwner.scan(tx, "", ownerTerm(tenant, app, ""), nil, false, func(id string, _ []byte) error {
		k, err := apiKeyTable.get(tx, "", id)
		if err != nil {
			return err
		}
		out = append(out, ApplicationKey{ID: k.ID, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt})
		return nil
	})
	return out, err
}

// GetApplicationByKey returns the caller's own application (GET
// /applications/key). Errors: KindNotFound for the host and for sessions.
func (v *Vault) GetApplicationByKey(ctx context.Context) (*Application, error) {
	const op = "GetApplicationByKey"
	p := v.principal(ctx)
	if p.host || p.ApplicationID == "" || p.SessionID != "" {
		return nil, newError(KindNotFound, op, "the caller is not an application")
	}
	return v.readApplication(ctx, op, p.TenantID, p.ApplicationID)
}

// ListApplications returns one offset page of the tenant's applications,
// ordered by name. The caller needs application:read.
func (v *Vault) ListApplications(ctx context.Context, req ListApplicationsRequest) (*Page[*Application], error) {
	const op = "ListApplications"
	p := v.principal(ctx)
	if err := p.require(op, PermApplicationRead); err != nil {
		return nil, err
	}
	if err := checkOffsetPage(op, req.Page, req.Size); err != nil {
		return nil, err
	}
	var all []*Application
	err := v.view(ctx, op, func(tx storage.Tx) error {
		all = nil
		return applicationTable.scan(tx, p.TenantID, "", false, func(r *applicationRecord) error {
			if len(req.IDs) > 0 && !slices.Contains(req.IDs, r.ID) || req.Type != "" && r.Type != req.Type {
				return nil
			}
			all = append(all, r.public(p.TenantID))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *Application) int { return byNameThenID(a.Name, a.ID, b.Name, b.ID) })
	return offsetPage(all, req.Page, req.Size), nil
}

// AllApplications walks every page of ListApplications.
func (v *Vault) AllApplications(ctx context.Context, req ListApplicationsRequest) iter.Seq2[*Application, error] {
	return allPages(req.Page, func(page int) (*Page[*Application], error) {
		r := req
		r.Page = page
		return v.ListApplications(ctx, r)
	})
}

// UpdateApplication replaces an application's name, permissions and rules.
// The change applies at once to every key of the application. The caller
// needs application:update.
func (v *Vault) UpdateApplication(ctx context.Context, id string, req UpdateApplicationRequest) (*Application, error) {
	const op = "UpdateApplication"
	p := v.principal(ctx)
	if err := p.require(op, PermApplicationUpdate); err != nil {
		return nil, err
	}
	var out *Application
	err := v.update(ctx, op, func(tx storage.Tx) error {
		old, err := applicationTable.get(tx, p.TenantID, id)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "application not found")
		}
		if err != nil {
			return err
		}
		rec, err := v.checkApplication(op, req.Name, old.Type, req.Permissions, req.Rules)
		if err != nil {
			return err
		}
		now := v.now().UTC()
		rec.ID, rec.CreatedBy, rec.CreatedAt = old.ID, old.CreatedBy, old.CreatedAt
		rec.ModifiedBy, rec.ModifiedAt = p.ApplicationID, &now
		if err := applicationTable.replace(tx, p.TenantID, old, rec); err != nil {
			return err
		}
		out = rec.public(p.TenantID)
		if out.Keys, err = appKeys(tx, p.TenantID, id); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventApplicationUpdated, map[string]any{"application": map[string]any{"id": id, "name": out.Name, "type": out.Type}})
	})
	v.auth.dropOwner(p.TenantID, id)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteApplication deletes an application and revokes all its keys at
// once. The caller needs application:delete.
func (v *Vault) DeleteApplication(ctx context.Context, id string) error {
	const op = "DeleteApplication"
	p := v.principal(ctx)
	if err := p.require(op, PermApplicationDelete); err != nil {
		return err
	}
	err := v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := applicationTable.get(tx, p.TenantID, id)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "application not found")
		}
		if err != nil {
			return err
		}
		if err := deleteKeys(tx, ownerTerm(p.TenantID, id, "")); err != nil {
			return err
		}
		if err := applicationTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventApplicationDeleted, map[string]any{"application": map[string]any{"id": id}})
	})
	v.auth.dropOwner(p.TenantID, id)
	return err
}

// deleteKeys removes every API key whose owner term starts with prefix: one
// application's or session's (ownerTerm), or a whole tenant's
// (tenantPrefix).
func deleteKeys(tx storage.Tx, prefix []byte) error {
	var ids []string
	if err := apiKeyByOwner.scan(tx, "", prefix, nil, false, func(id string, _ []byte) error {
		ids = append(ids, id)
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		k, err := apiKeyTable.get(tx, "", id)
		if errors.Is(err, errRecordNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := apiKeyTable.remove(tx, "", k); err != nil {
			return err
		}
	}
	return nil
}

// CreateApplicationKey adds an API key to an application and returns it,
// with its secret, once. The caller needs application:create.
func (v *Vault) CreateApplicationKey(ctx context.Context, appID string) (*ApplicationKey, error) {
	const op = "CreateApplicationKey"
	p := v.principal(ctx)
	if err := p.require(op, PermApplicationCreate); err != nil {
		return nil, err
	}
	var key string
	var rec *apiKeyRecord
	err := v.update(ctx, op, func(tx storage.Tx) error {
		app, err := applicationTable.get(tx, p.TenantID, appID)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "application not found")
		}
		if err != nil {
			return err
		}
		key, rec = v.newKeyRecord(p, p.TenantID, appID, "", app.Type)
		if err := apiKeyTable.insert(tx, "", rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventApplicationKeyCreated, map[string]any{"application": map[string]any{"id": appID}, "key": map[string]any{"id": rec.ID}})
	})
	if err != nil {
		return nil, err
	}
	return &ApplicationKey{ID: rec.ID, Key: NewSecret(key), CreatedBy: rec.CreatedBy, CreatedAt: rec.CreatedAt}, nil
}

// ListApplicationKeys returns an application's keys, without secrets. The
// caller needs application:read.
func (v *Vault) ListApplicationKeys(ctx context.Context, appID string) ([]ApplicationKey, error) {
	app, err := v.GetApplication(ctx, appID)
	if err != nil {
		return nil, wrapErr("ListApplicationKeys", err)
	}
	return app.Keys, nil
}

// GetApplicationKey returns one key of an application, without its secret.
// The caller needs application:read.
func (v *Vault) GetApplicationKey(ctx context.Context, appID, keyID string) (*ApplicationKey, error) {
	keys, err := v.ListApplicationKeys(ctx, appID)
	if err != nil {
		return nil, wrapErr("GetApplicationKey", err)
	}
	for _, k := range keys {
		if k.ID == keyID {
			return &k, nil
		}
	}
	return nil, newError(KindNotFound, "GetApplicationKey", "key not found")
}

// DeleteApplicationKey revokes a key: it stops working at once in this
// process, and within a second in other processes sharing the store. The
// caller needs application:delete.
func (v *Vault) DeleteApplicationKey(ctx context.Context, appID, keyID string) error {
	const op = "DeleteApplicationKey"
	p := v.principal(ctx)
	if err := p.require(op, PermApplicationDelete); err != nil {
		return err
	}
	err := v.update(ctx, op, func(tx storage.Tx) error {
		k, err := apiKeyTable.get(tx, "", keyID)
		if errors.Is(err, errRecordNotFound) || err == nil && (k.TenantID != p.TenantID || k.Application != appID || k.SessionID != "") {
			return newError(KindNotFound, op, "key not found")
		}
		if err != nil {
			return err
		}
		if err := apiKeyTable.remove(tx, "", k); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventApplicationKeyDeleted, map[string]any{"application": map[string]any{"id": appID}, "key": map[string]any{"id": keyID}})
	})
	v.auth.dropOwner(p.TenantID, appID)
	return err
}

// authCache maps API keys to the principals they authenticate as, so a hot
// key costs a map lookup. Entries live authCacheTTL; changes made through
// this vault drop the entries they affect at once.
type authCache struct {
	mu sync.RWMutex
	m  map[string]authEntry
}

type authEntry struct {
	p       Principal
	tenant  string
	owner   string // application or session id
	loaded  time.Time
	expires time.Time // sessions: when the session ends
}

func (c *authCache) get(key string, now time.Time) (authEntry, bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || now.Sub(e.loaded) > authCacheTTL || !e.expires.IsZero() && !now.Before(e.expires) {
		return authEntry{}, false
	}
	return e, true
}

func (c *authCache) put(key string, e authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]authEntry{}
	}
	if len(c.m) > 100_000 {
		clear(c.m)
	}
	c.m[key] = e
}

// dropOwner forgets every key of an application or session.
func (c *authCache) dropOwner(tenant, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.tenant == tenant && e.owner == owner {
			delete(c.m, k)
		}
	}
}

// dropTenant forgets every key of a tenant.
func (c *authCache) dropTenant(tenant string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.tenant == tenant {
			delete(c.m, k)
		}
	}
}

// Authenticate returns the principal an API key or session key acts as.
// Errors: KindUnauthenticated for an empty, unknown, revoked or expired key
// (the error says which only in Detail, never echoing the key).
func (v *Vault) Authenticate(ctx context.Context, key string) (Principal, error) {
	const op = "Authenticate"
	if v.closed.Load() {
		return Principal{}, ErrClosed
	}
	now := v.now()
	if e, ok := v.auth.get(key, now); ok {
		return e.p, nil
	}
	if key == "" || len(key) > 256 {
		return Principal{}, newError(KindUnauthenticated, op, "a valid API key is required")
	}
	hash := v.hashAPIKey(key)
	var entry authEntry
	err := v.view(ctx, op, func(tx storage.Tx) error {
		id, err := apiKeyByHash.lookup(tx, "", keyenc.AppendBytes(nil, hash))
		if errors.Is(err, errRecordNotFound) {
			return newError(KindUnauthenticated, op, "the API key is not valid")
		}
		if err != nil {
			return err
		}
		rec, err := apiKeyTable.get(tx, "", id)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindUnauthenticated, op, "the API key is not valid")
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(rec.Hash, hash) != 1 {
			return newError(KindUnauthenticated, op, "the API key is not valid")
		}
		if rec.SessionID != "" {
			entry, err = v.sessionPrincipal(tx, rec, now)
			return err
		}
		app, err := applicationTable.get(tx, rec.TenantID, rec.Application)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindUnauthenticated, op, "the API key is not valid")
		}
		if err != nil {
			return err
		}
		entry = authEntry{tenant: rec.TenantID, owner: app.ID, p: Principal{
			TenantID: rec.TenantID, ApplicationID: app.ID, ApplicationType: app.Type, ApplicationName: app.Name,
			Permissions: app.Permissions, Rules: app.Rules,
		}}
		return nil
	})
	if err != nil {
		return Principal{}, err
	}
	entry.loaded = now
	v.auth.put(key, entry)
	return entry.p, nil
}

// bootstrap creates the management application of a new vault's default
// tenant and keeps its key for TakeBootstrapKey.
func (v *Vault) bootstrap(tx storage.Tx, tenant string) (string, error) {
	rec := &applicationRecord{
		ID: uuid.NewString(), Name: "Bootstrap management", Type: AppManagement,
		Permissions: managementPermissions(), CreatedAt: v.now().UTC(),
	}
	if err := applicationTable.insert(tx, tenant, rec); err != nil {
		return "", err
	}
	key, keyRec := v.newKeyRecord(Principal{host: true}, tenant, rec.ID, "", AppManagement)
	if err := apiKeyTable.insert(tx, "", keyRec); err != nil {
		return "", err
	}
	return key, nil
}

func managementPermissions() []string {
	var out []string
	for _, p := range permissionCatalog {
		if slices.Contains(p.ApplicationTypes, AppManagement) {
			out = append(out, p.Type)
		}
	}
	return out
}

// TakeBootstrapKey returns, once, the key of the management application
// created with a new vault, and forgets it: it is never stored in plaintext,
// so a vault opened again has none to give (ok is false). key.Reveal() is
// the plaintext.
func (v *Vault) TakeBootstrapKey() (key Secret, ok bool) {
	v.bootMu.Lock()
	defer v.bootMu.Unlock()
	key, v.bootKey = v.bootKey, Secret{}
	return key, !key.IsZero()
}

// systemTenantKeys loads the vault-wide keys.
func loadSystemKeys(ctx context.Context, kr *keys.Keyring) (*keys.TenantKeys, error) {
	tk, err := kr.Tenant(ctx, systemKeys)
	if err != nil {
		return nil, fmt.Errorf("system keys: %w", err)
	}
	return tk, nil
}
