package vault

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/mail"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Webhooks (reference section 8.1): a tenant's webhook is a destination URL
// and the event types it wants; the dispatcher of the outbox fans each event
// out to the tenant's enabled webhooks that subscribed to its type, and a
// delivery job POSTs it, signed with the webhook's signing key
// (webhook_delivery.go). The permissions are webhook:create, :read, :update
// and :delete (webhooks:..., the reference's spelling, are synonyms).

// Webhook statuses.
const (
	WebhookEnabled  = "enabled"
	WebhookDisabled = "disabled"
)

// Webhook event types. Each carries {webhook: {id, name, url, status,
// events}}, never the signing key. webhook.disabled is raised when a
// webhook that kept failing for the disable span ([WithWebhookDisableAfter])
// is disabled by the vault (not when a caller disables it: that is
// webhook.updated).
const (
	EventWebhookCreated  = "webhook.created"
	EventWebhookUpdated  = "webhook.updated"
	EventWebhookDeleted  = "webhook.deleted"
	EventWebhookDisabled = "webhook.disabled"
)

// WebhookAllEvents subscribes a webhook to every event type.
const WebhookAllEvents = "*"

// Limits of webhooks.
const (
	// MaxWebhooks is how many webhooks a tenant may have.
	MaxWebhooks        = 5
	maxWebhookName     = 200
	maxWebhookURL      = 2048
	maxWebhookEvents   = 100
	maxWebhookEmail    = 320
	webhookKind        = "webhook"
	sealFieldSigning   = "signing_key"
	webhookSigningSize = 32 // random bytes of a signing key

	// DefaultWebhookTimeout bounds one delivery request.
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultWebhookDisableAfter is how long a webhook may fail
	// continuously before the vault disables it.
	DefaultWebhookDisableAfter = 24 * time.Hour
)

// Webhook permissions. The reference spells them webhooks:read and so on
// ([PermWebhooksRead]); either spelling grants the same.
const (
	PermWebhookCreate = "webhook:create"
	PermWebhookRead   = "webhook:read"
	PermWebhookUpdate = "webhook:update"
	PermWebhookDelete = "webhook:delete"
)

// webhookPermSynonym is the reference's spelling of each webhook permission.
var webhookPermSynonym = map[string]string{
	PermWebhookCreate: PermWebhooksCreate,
	PermWebhookRead:   PermWebhooksRead,
	PermWebhookUpdate: PermWebhooksUpdate,
	PermWebhookDelete: PermWebhooksDelete,
}

// canWebhook reports whether p holds a webhook permission in either spelling.
func (p *Principal) canWebhook(perm string) bool {
	return p.can(perm) || p.can(webhookPermSynonym[perm])
}

func (p *Principal) requireWebhook(op, perm string) error {
	if p.canWebhook(perm) {
		return nil
	}
	return newError(KindForbidden, op, "the caller lacks %s", perm)
}

// Webhook is a tenant's webhook. SigningKey is the key of its signatures
// (BT-SIGNATURE is base64 of HMAC-SHA256 under the key's string bytes): a
// [Secret], set on the webhook CreateWebhook returns and on those read by a
// caller holding webhook:read. FailingSince, our extension, is when the
// deliveries began failing without a success since; nil while they succeed.
type Webhook struct {
	ID           string     `json:"id"`
	TenantID     string     `json:"tenant_id"`
	Status       string     `json:"status"`
	Name         string     `json:"name"`
	URL          string     `json:"url"`
	NotifyEmail  string     `json:"notify_email,omitempty"`
	Events       []string   `json:"events"`
	SigningKey   Secret     `json:"signing_key,omitzero"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
	CreatedBy    string     `json:"created_by,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	ModifiedBy   string     `json:"modified_by,omitempty"`
	ModifiedAt   *time.Time `json:"modified_at,omitempty"`
}

// String describes the webhook by id and status only.
func (w Webhook) String() string { return "Webhook{ID:" + w.ID + " Status:" + w.Status + "}" }

// Format prints what String returns, whatever the verb.
func (w Webhook) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, w.String()) }

// LogValue logs the webhook's id and status only.
func (w Webhook) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", w.ID), slog.String("status", w.Status))
}

// CreateWebhookRequest creates a webhook: Name (at most 200 characters),
// URL (see the package documentation, "Webhooks", for the destinations
// allowed) and Events (event types, or "*" for all) are required;
// NotifyEmail is optional, and Status is enabled (the default) or disabled.
type CreateWebhookRequest struct {
	Name        string   `json:"name"`
	URL         string   `json:"url"`
	NotifyEmail string   `json:"notify_email,omitempty"`
	Events      []string `json:"events"`
	Status      string   `json:"status,omitempty"`
}

// UpdateWebhookRequest replaces a webhook (PUT), with the rules of
// [CreateWebhookRequest]; an empty Status keeps the webhook's. The signing
// key stays.
type UpdateWebhookRequest CreateWebhookRequest

// ListWebhooksRequest lists webhooks by cursor, oldest first.
type ListWebhooksRequest struct {
	// Start is the cursor of the page to return (Pagination.Next of the
	// previous page); empty for the first page.
	Start string `json:"start,omitempty"`
	// Size is the page size: 1 to 100, default 20.
	Size int `json:"size,omitempty"`
}

// webhookRecord is a webhook as stored; Key is its sealed signing key.
type webhookRecord struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	URL          string     `json:"url"`
	NotifyEmail  string     `json:"notify_email,omitempty"`
	Events       []string   `json:"events"`
	Status       string     `json:"status"`
	Key          []byte     `json:"key"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
	CreatedBy    string     `json:"created_by,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	ModifiedBy   string     `json:"modified_by,omitempty"`
	ModifiedAt   *time.Time `json:"modified_at,omitempty"`
}

var webhookTable = register(&table[webhookRecord]{
	bucket: "webhooks",
	kind:   webhookKind,
	schema: 1,
	id:     func(r *webhookRecord) string { return r.ID },
	sealed: func(r *webhookRecord) []sealedField {
		return []sealedField{{sealFieldSigning, &r.Key, r.ID}}
	},
})

// subscribes reports whether the webhook wants events of type typ.
func (r *webhookRecord) subscribes(typ string) bool {
	return slices.Contains(r.Events, WebhookAllEvents) || slices.Contains(r.Events, typ)
}

func (r *webhookRecord) public(tenant string, key string) *Webhook {
	return &Webhook{ID: r.ID, TenantID: tenant, Status: r.Status, Name: r.Name, URL: r.URL, NotifyEmail: r.NotifyEmail,
		Events: slices.Clone(r.Events), SigningKey: NewSecret(key), FailingSince: r.FailingSince,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ModifiedBy: r.ModifiedBy, ModifiedAt: r.ModifiedAt}
}

func webhookEventData(r *webhookRecord) map[string]any {
	events := make([]any, len(r.Events))
	for i, e := range r.Events {
		events[i] = e
	}
	return map[string]any{"webhook": map[string]any{"id": r.ID, "name": r.Name, "url": r.URL, "status": r.Status, "events": events}}
}

func webhookAD(tenant, id string) keys.AD { return keysAD(tenant, webhookKind, id, sealFieldSigning) }

// newSigningKey returns a new signing key: 32 random bytes, base64url.
func newSigningKey() string {
	b := make([]byte, webhookSigningSize)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// webhookOptions are the vault's webhook settings.
type webhookOptions struct {
	hosts        map[string]bool // the allow-list; nil when not set
	client       *http.Client    // the host's, if any (its transport is cloned)
	timeout      time.Duration
	disableAfter time.Duration
	disabled     func(ctx context.Context, w Webhook)
	backoffBase  time.Duration
	backoffCap   time.Duration
}

// WithWebhookHosts sets an allow-list of webhook destination hosts (names
// or IP literals, compared without case; "host:port" admits that port
// only). When set, a webhook's URL must
// name one of them, and may then use http as well as https and resolve to
// loopback or private addresses (a service of the host's own network). Not
// set (the default), destinations are public HTTPS endpoints only (see the
// package documentation, "Webhooks").
func WithWebhookHosts(hosts ...string) Option {
	return func(c *config) { addHosts(&c.webhooks.hosts, hosts) }
}

// WithWebhookClient sets the HTTP client whose transport (TLS settings,
// say) webhook deliveries use. Its Transport must be nil or an
// *http.Transport: the vault uses a clone with its own dialer, which refuses
// private addresses for hosts not allow-listed, no proxy, and no redirects
// followed.
func WithWebhookClient(client *http.Client) Option {
	return func(c *config) { c.webhooks.client = client }
}

// WithWebhookTimeout bounds each delivery request (default
// [DefaultWebhookTimeout]); a request that takes longer failed.
func WithWebhookTimeout(d time.Duration) Option { return func(c *config) { c.webhooks.timeout = d } }

// WithWebhookDisableAfter sets how long a webhook may fail continuously
// (no delivery succeeding) before the vault disables it (default
// [DefaultWebhookDisableAfter]).
func WithWebhookDisableAfter(d time.Duration) Option {
	return func(c *config) { c.webhooks.disableAfter = d }
}

// WithWebhookDisabledHook registers fn, called after the vault disabled a
// webhook that kept failing (once the change committed), with the webhook
// as it is then, without its signing key: mailing its notify_email is the
// host's job. fn runs on a delivery goroutine and should return quickly.
func WithWebhookDisabledHook(fn func(ctx context.Context, w Webhook)) Option {
	return func(c *config) { c.webhooks.disabled = fn }
}

// checkWebhookOptions applies the defaults and validates the options.
func checkWebhookOptions(op string, o *webhookOptions) error {
	if o.timeout == 0 {
		o.timeout = DefaultWebhookTimeout
	}
	if o.disableAfter == 0 {
		o.disableAfter = DefaultWebhookDisableAfter
	}
	if o.backoffBase == 0 {
		o.backoffBase, o.backoffCap = webhookBackoffBase, webhookBackoffCap
	}
	if o.timeout < 0 || o.disableAfter < 0 {
		return newError(KindInvalid, op, "the webhook timeout and disable span must not be negative")
	}
	return checkOutbound(op, "webhook", o.client, o.hosts)
}

// checkWebhook validates a create or update request.
func (v *Vault) checkWebhook(op string, req CreateWebhookRequest) error {
	fe := fieldErrors{}
	switch {
	case strings.TrimSpace(req.Name) == "":
		fe.add("name", "is required")
	case len([]rune(req.Name)) > maxWebhookName:
		fe.add("name", "must be at most %d characters", maxWebhookName)
	}
	if msg := v.checkWebhookURL(req.URL); msg != "" {
		fe.add("url", "%s", msg)
	}
	if req.NotifyEmail != "" {
		if a, err := mail.ParseAddress(req.NotifyEmail); err != nil || a.Address != req.NotifyEmail || len(req.NotifyEmail) > maxWebhookEmail {
			fe.add("notify_email", "must be an email address")
		}
	}
	switch {
	case len(req.Events) == 0:
		fe.add("events", "must hold at least one event type")
	case len(req.Events) > maxWebhookEvents:
		fe.add("events", "must hold at most %d event types", maxWebhookEvents)
	default:
		for i, e := range req.Events {
			path := "events[" + strconv.Itoa(i) + "]"
			switch {
			case e != WebhookAllEvents && !isEventType(e):
				fe.add(path, "must be an event type or *")
			case slices.Contains(req.Events[:i], e):
				fe.add(path, "is listed twice")
			}
		}
	}
	switch req.Status {
	case "", WebhookEnabled, WebhookDisabled:
	default:
		fe.add("status", "must be enabled or disabled")
	}
	return fe.err(op)
}

// checkWebhookURL returns why a destination is refused, or "".
func (v *Vault) checkWebhookURL(raw string) string {
	return checkOutboundURL(raw, v.webhooks.hosts, false)
}

// nonGlobal are the special-purpose ranges of the IANA registries that
// are not globally reachable, or that embed another address (NAT64, 6to4,
// Teredo, IPv4-compatible), beyond those net/netip classifies: a
// destination in one of them could reach a network that is not the
// Internet (a fake-IP resolver's 198.18/15, a NAT64 gateway to a private
// IPv4 address).
var nonGlobal = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // shared address space (RFC 6598), private in practice
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation (TEST-NET-1)
		"198.18.0.0/15",   // benchmarking; fake-IP DNS resolvers
		"198.51.100.0/24", // documentation (TEST-NET-2)
		"203.0.113.0/24",  // documentation (TEST-NET-3)
		"240.0.0.0/4",     // reserved, and the broadcast address
		"::/96",           // IPv4-compatible (deprecated) and the unspecified address
		"64:ff9b::/96",    // NAT64
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments, Teredo among them
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4, which embeds an IPv4 address
		"fec0::/10",       // site-local (deprecated)
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// PublicAddress reports whether the destination rules of webhooks,
// proxies and vaultd's other outbound requests admit ip without an
// allow-list entry: it is globally reachable, none of loopback, private,
// link-local, multicast or unspecified, nor in a special-purpose range that
// is not global or that embeds another address (shared address space,
// benchmarking, documentation, reserved, NAT64, 6to4, Teredo,
// IPv4-compatible, site-local, discard).
func PublicAddress(ip netip.Addr) bool { return publicAddr(ip) }

func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonGlobal {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CreateWebhook creates a webhook, with a new signing key, and returns it
// with the key. The caller needs webhook:create. Errors: KindInvalid with
// field paths ("name", "url", "notify_email", "events", "events[1]",
// "status"), KindConflict when the tenant has [MaxWebhooks] already,
// KindForbidden. Raises webhook.created.
func (v *Vault) CreateWebhook(ctx context.Context, req CreateWebhookRequest) (*Webhook, error) {
	const op = "CreateWebhook"
	p := v.principal(ctx)
	if err := p.requireWebhook(op, PermWebhookCreate); err != nil {
		return nil, err
	}
	if err := v.checkWebhook(op, req); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	key := newSigningKey()
	rec := &webhookRecord{ID: uuid.Must(uuid.NewV7()).String(), Name: req.Name, URL: req.URL, NotifyEmail: req.NotifyEmail,
		Events: slices.Clone(req.Events), Status: cmp.Or(req.Status, WebhookEnabled), CreatedBy: p.ApplicationID, CreatedAt: v.now().UTC()}
	if rec.Key, err = tk.Seal([]byte(key), webhookAD(p.TenantID, rec.ID)); err != nil {
		return nil, wrapErr(op, err)
	}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		// Reading the tenant locks it (postgres): creates of a tenant
		// count one after the other.
		if _, err := liveTenant(tx, op, p.TenantID); err != nil {
			return err
		}
		n := 0
		err := tx.Scan(webhookTable.bucket, storage.ScanOptions{Prefix: tenantPrefix(p.TenantID)}, func(_, _ []byte) error {
			n++
			return nil
		})
		if err != nil {
			return err
		}
		if n >= MaxWebhooks {
			return newError(KindConflict, op, "a tenant may have at most %d webhooks", MaxWebhooks)
		}
		if err := webhookTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventWebhookCreated, webhookEventData(rec))
	})
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, key), nil
}

func getWebhook(tx storage.Tx, op, tenant, id string) (*webhookRecord, error) {
	rec, err := webhookTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "webhook not found")
	}
	return rec, err
}

// openSigningKey opens a webhook's signing key outside a transaction.
func (v *Vault) openSigningKey(ctx context.Context, tenant string, tk *keys.TenantKeys, rec *webhookRecord) (string, error) {
	plain, err := v.openSealed(ctx, tk, rec.Key, webhookAD(tenant, rec.ID))
	if err != nil {
		return "", err
	}
	key := string(plain)
	clear(plain)
	return key, nil
}

// publicWebhook returns rec with its signing key when the caller may read
// webhooks.
func (v *Vault) publicWebhook(ctx context.Context, op string, p *Principal, tk *keys.TenantKeys, rec *webhookRecord) (*Webhook, error) {
	if !p.canWebhook(PermWebhookRead) {
		return rec.public(p.TenantID, ""), nil
	}
	key, err := v.openSigningKey(ctx, p.TenantID, tk, rec)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return rec.public(p.TenantID, key), nil
}

// GetWebhook returns a webhook with its signing key. The caller needs
// webhook:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetWebhook(ctx context.Context, id string) (*Webhook, error) {
	const op = "GetWebhook"
	p := v.principal(ctx)
	if err := p.requireWebhook(op, PermWebhookRead); err != nil {
		return nil, err
	}
	tk, err := v.tenantKeys(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *webhookRecord
	err = v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		rec, err = getWebhook(tx, op, p.TenantID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v.publicWebhook(ctx, op, &p, tk, rec)
}

// ListWebhooks returns one cursor page of the tenant's webhooks, oldest
// first, with their signing keys. The caller needs webhook:read. Errors:
// KindInvalid for a bad size or cursor ("size", "start").
func (v *Vault) ListWebhooks(ctx context.Context, req ListWebhooksRequest) (*Page[*Webhook], error) {
	const op = "ListWebhooks"
	p := v.principal(ctx)
	if err := p.requireWebhook(op, PermWebhookRead); err != nil {
		return nil, err
	}
	fe := fieldErrors{}
	checkPageSize(fe, req.Size)
	kind, after, ok := decodeCursor(req.Start)
	if !ok || req.Start != "" && (kind != cursorID || !storableID(string(after))) {
		fe.add("start", "is not a cursor of this list")
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	size := pageSize(req.Size)
	tk, err := v.tenantKeys(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var recs []*webhookRecord
	more := false
	err = v.view(ctx, op, func(tx storage.Tx) error {
		recs, more = recs[:0], false
		err := webhookTable.scan(tx, p.TenantID, string(after), false, func(r *webhookRecord) error {
			if len(recs) == size {
				more = true
				return storage.StopScan
			}
			recs = append(recs, r)
			return nil
		})
		if errors.Is(err, storage.StopScan) {
			err = nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	page := &Page[*Webhook]{Data: make([]*Webhook, 0, len(recs)), Pagination: Pagination{PageSize: size}}
	for _, r := range recs {
		w, err := v.publicWebhook(ctx, op, &p, tk, r)
		if err != nil {
			return nil, err
		}
		page.Data = append(page.Data, w)
	}
	if more {
		page.Pagination.Next = encodeCursor(cursorID, []byte(recs[len(recs)-1].ID))
	}
	return page, nil
}

// Webhooks walks every page of ListWebhooks, from req.Start.
func (v *Vault) Webhooks(ctx context.Context, req ListWebhooksRequest) iter.Seq2[*Webhook, error] {
	return walk(ctx, req.Start, func(ctx context.Context, cursor string) (*Page[*Webhook], error) {
		r := req
		r.Start = cursor
		return v.ListWebhooks(ctx, r)
	})
}

// UpdateWebhook replaces a webhook's name, URL, notify email, events and
// (unless empty) status (PUT) and returns it; the signing key stays, and is
// returned when the caller also holds webhook:read. Enabling a webhook
// clears its failing state. The caller needs webhook:update. Errors: those
// of [Vault.CreateWebhook] but the limit, and KindNotFound. Raises
// webhook.updated.
func (v *Vault) UpdateWebhook(ctx context.Context, id string, req UpdateWebhookRequest) (*Webhook, error) {
	const op = "UpdateWebhook"
	p := v.principal(ctx)
	if err := p.requireWebhook(op, PermWebhookUpdate); err != nil {
		return nil, err
	}
	if err := v.checkWebhook(op, CreateWebhookRequest(req)); err != nil {
		return nil, err
	}
	tk, err := v.tenantKeys(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec webhookRecord
	err = v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getWebhook(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		now := v.now().UTC()
		rec = *old
		rec.Name, rec.URL, rec.NotifyEmail, rec.Events = req.Name, req.URL, req.NotifyEmail, slices.Clone(req.Events)
		if req.Status != "" {
			if req.Status == WebhookEnabled && old.Status != WebhookEnabled {
				rec.FailingSince = nil // a fresh start
			}
			rec.Status = req.Status
		}
		rec.ModifiedBy, rec.ModifiedAt = p.ApplicationID, &now
		if err := webhookTable.replace(tx, p.TenantID, old, &rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventWebhookUpdated, webhookEventData(&rec))
	})
	if err != nil {
		return nil, err
	}
	return v.publicWebhook(ctx, op, &p, tk, &rec)
}

// DeleteWebhook deletes a webhook; deliveries still queued for it are
// dropped. The caller needs webhook:delete. Errors: KindNotFound,
// KindForbidden. Raises webhook.deleted.
func (v *Vault) DeleteWebhook(ctx context.Context, id string) error {
	const op = "DeleteWebhook"
	p := v.principal(ctx)
	if err := p.requireWebhook(op, PermWebhookDelete); err != nil {
		return err
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getWebhook(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		if err := webhookTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventWebhookDeleted, webhookEventData(rec))
	})
}

// hasWebhooks reports, inside a writing transaction, whether the tenant has
// a webhook: then its events go to the outbox even with no Go handler.
func hasWebhooks(tx storage.Tx, tenant string) (bool, error) {
	found := false
	err := tx.Scan(webhookTable.bucket, storage.ScanOptions{Prefix: tenantPrefix(tenant), Limit: 1}, func(_, _ []byte) error {
		found = true
		return nil
	})
	return found, err
}
