package vault

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

const (
	proxyKind           = "proxy"
	sealFieldClientCert = "client_certificate"
	maxProxyName        = 200
	maxProxyTransforms  = 20
	maxProxyTimeout     = 120 // seconds
	maxProxyClientCert  = 64 << 10
	proxyStateActive    = "active"
	proxyRuntimeImage   = "node-bt"
	proxyRequestsField  = "request_transforms"
	proxyResponsesField = "response_transforms"
)

// Proxy transform types (reference section 7). Request transforms may be
// code or tokenize; response transforms any of them.
const (
	ProxyTransformCode         = "code"
	ProxyTransformTokenize     = "tokenize"
	ProxyTransformMask         = "mask"
	ProxyTransformAppendJSON   = "append_json"
	ProxyTransformAppendText   = "append_text"
	ProxyTransformAppendHeader = "append_header"
)

// DefaultProxyTimeout is how long a proxy waits for its destination when
// neither the proxy nor [WithProxyTimeout] says otherwise; a destination
// slower than that is a KindTimeout error (408).
const DefaultProxyTimeout = 25 * time.Second

// ProxyTransform is one request or response transform of a pre-configured
// proxy. Type is one of the ProxyTransform* constants; empty means code
// (the platform's first transforms had no type). Which other fields apply
// depends on the type; see the package documentation, "Proxies".
type ProxyTransform struct {
	Type        string                 `json:"type,omitempty"`
	Code        string                 `json:"code,omitempty"`
	Matcher     string                 `json:"matcher,omitempty"`
	Expression  string                 `json:"expression,omitempty"`
	Replacement string                 `json:"replacement,omitempty"`
	Options     *ProxyTransformOptions `json:"options,omitempty"`
}

// ProxyTransformOptions are the options of tokenize and append transforms.
type ProxyTransformOptions struct {
	// Token is the token create request of a tokenize transform, whose
	// strings may hold expressions over the message (see the package
	// documentation).
	Token json.RawMessage `json:"token,omitempty"`
	// Identifier names the created token in a tokenize transform.
	Identifier string `json:"identifier,omitempty"`
	// Value is what an append transform appends, or the value of a
	// tokenize transform's token.
	Value string `json:"value,omitempty"`
	// Location is a JSONPath (tokenize, append_json) or a header name
	// (append_header).
	Location string `json:"location,omitempty"`
	// Runtime must be empty or {"image": "node-bt"}: the one runtime the
	// vault runs.
	Runtime *ProxyRuntime `json:"runtime,omitempty"`
}

// ProxyRuntime is the runtime of a code transform.
type ProxyRuntime struct {
	Image string `json:"image,omitempty"`
}

// ProxyApplication names the application whose rights a proxy's
// transforms have.
type ProxyApplication struct {
	ID string `json:"id"`
}

// Proxy is a pre-configured proxy as callers with proxy:read see it.
//
// Key is set only in the response of [Vault.CreateProxy]: the vault keeps
// only a keyed hash of it, so it cannot be shown again. Configuration
// values are [Secrets]. ClientCertificate shows the certificate chain of the
// client certificate the proxy presents to its destination, never its
// private key. A Proxy never prints its configuration, code or key: fmt's
// verbs and slog show only the id and name.
type Proxy struct {
	ID                    string           `json:"id"`
	Key                   Secret           `json:"key,omitzero"`
	TenantID              string           `json:"tenant_id"`
	Name                  string           `json:"name"`
	DestinationURL        string           `json:"destination_url"`
	State                 string           `json:"state"`
	RequireAuth           bool             `json:"require_auth"`
	RequestTransforms     []ProxyTransform `json:"request_transforms"`
	ResponseTransforms    []ProxyTransform `json:"response_transforms"`
	ApplicationID         string           `json:"application_id,omitempty"`
	Configuration         Secrets          `json:"configuration"`
	Timeout               int              `json:"timeout,omitempty"`
	DisableDetokenization bool             `json:"disable_detokenization"`
	ClientCertificate     string           `json:"client_certificate,omitempty"`
	CreatedBy             string           `json:"created_by,omitempty"`
	CreatedAt             time.Time        `json:"created_at"`
	ModifiedBy            string           `json:"modified_by,omitempty"`
	ModifiedAt            *time.Time       `json:"modified_at,omitempty"`
}

// String describes the proxy without its key, code or configuration.
func (p Proxy) String() string {
	return "Proxy{ID:" + p.ID + " Name:" + strconv.Quote(p.Name) + "}"
}

// Format prints the proxy as String does, whatever the verb.
func (p Proxy) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// LogValue logs the proxy's id and name only.
func (p Proxy) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", p.ID), slog.String("name", p.Name))
}

// CreateProxyRequest creates a pre-configured proxy. Name and
// DestinationURL are required. RequireAuth is true when nil. The singular
// RequestTransform and ResponseTransform are the platform's older fields:
// each stands for a list of one, and may not be given with its list.
// Timeout is in seconds (1 to 120; 0 means the vault's default).
// ClientCertificate, if set, is PEM holding a certificate chain and its
// private key.
type CreateProxyRequest struct {
	Name                  string            `json:"name"`
	DestinationURL        string            `json:"destination_url"`
	RequireAuth           *bool             `json:"require_auth,omitempty"`
	RequestTransform      *ProxyTransform   `json:"request_transform,omitempty"`
	ResponseTransform     *ProxyTransform   `json:"response_transform,omitempty"`
	RequestTransforms     []ProxyTransform  `json:"request_transforms,omitempty"`
	ResponseTransforms    []ProxyTransform  `json:"response_transforms,omitempty"`
	Application           *ProxyApplication `json:"application,omitempty"`
	Configuration         Secrets           `json:"configuration,omitempty"`
	Timeout               int               `json:"timeout,omitempty"`
	DisableDetokenization bool              `json:"disable_detokenization,omitempty"`
	ClientCertificate     Secret            `json:"client_certificate,omitzero"`
}

// String describes the request without its code, configuration or
// certificate.
func (r CreateProxyRequest) String() string {
	return "CreateProxyRequest{Name:" + strconv.Quote(r.Name) + " Configuration:[REDACTED]}"
}

// Format prints the request as String does, whatever the verb.
func (r CreateProxyRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs what String returns.
func (r CreateProxyRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// UpdateProxyRequest replaces a proxy (PUT): the fields and rules of
// [CreateProxyRequest]; fields left empty are cleared. A ClientCertificate
// without a private key that is the proxy's current certificate keeps the
// current pair, so that a proxy read and written back keeps it.
type UpdateProxyRequest CreateProxyRequest

// String describes the request without its code, configuration or
// certificate.
func (r UpdateProxyRequest) String() string {
	return "UpdateProxyRequest{Name:" + strconv.Quote(r.Name) + " Configuration:[REDACTED]}"
}

// Format prints the request as String does, whatever the verb.
func (r UpdateProxyRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs what String returns.
func (r UpdateProxyRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ListProxiesRequest lists proxies by offset page, optionally only those
// with the given ids or whose name matches Name (as [ListReactorsRequest]).
type ListProxiesRequest struct {
	IDs  []string `json:"id,omitempty"`
	Name string   `json:"name,omitempty"`
	Page int      `json:"page,omitempty"`
	Size int      `json:"size,omitempty"`
}

// proxyRecord is a proxy as stored. Config and Cert are sealed (the
// configuration's JSON and the client certificate's PEM); the key is kept
// as a keyed hash in proxyKeyTable.
type proxyRecord struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	Destination  string           `json:"destination_url"`
	RequireAuth  bool             `json:"require_auth"`
	Requests     []ProxyTransform `json:"request_transforms,omitempty"`
	Responses    []ProxyTransform `json:"response_transforms,omitempty"`
	AppID        string           `json:"app,omitempty"`
	Config       []byte           `json:"config,omitempty"`
	Timeout      int              `json:"timeout,omitempty"`
	NoDetokenize bool             `json:"disable_detokenization,omitempty"`
	Cert         []byte           `json:"cert,omitempty"`
	CertChain    string           `json:"cert_chain,omitempty"` // the public part of Cert, shown on reads
	CreatedBy    string           `json:"created_by,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	ModifiedBy   string           `json:"modified_by,omitempty"`
	ModifiedAt   *time.Time       `json:"modified_at,omitempty"`
}

// proxyKeyRecord finds a proxy from its key alone (an anonymous inbound
// call names no tenant): it is stored under no tenant, by the proxy's id,
// with the keyed hash of the key.
type proxyKeyRecord struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Hash     []byte `json:"hash"`
}

var (
	proxyTable = register(&table[proxyRecord]{
		bucket: "proxies",
		kind:   proxyKind,
		schema: 1,
		id:     func(r *proxyRecord) string { return r.ID },
		sealed: func(r *proxyRecord) []sealedField {
			return []sealedField{{sealFieldConfig, &r.Config, r.ID}, {sealFieldClientCert, &r.Cert, r.ID}}
		},
	})
	proxyKeyTable = register(&table[proxyKeyRecord]{
		bucket:   "proxykeys",
		schema:   1,
		id:       func(r *proxyKeyRecord) string { return r.ID },
		tenantOf: func(r *proxyKeyRecord) string { return r.TenantID },
		indexes:  []*index[proxyKeyRecord]{proxyKeyByHash},
	})
	proxyKeyByHash = &index[proxyKeyRecord]{bucket: "proxykeys.hash", unique: true, terms: func(r *proxyKeyRecord) [][]byte {
		return [][]byte{keyenc.AppendBytes(nil, r.Hash)}
	}}
)

func (r *proxyRecord) sealedConfig() sealedConfig { return sealedConfig{proxyKind, r.ID, r.Config} }

func proxyCertAD(tenant, id string) keys.AD {
	return keysAD(tenant, proxyKind, id, sealFieldClientCert)
}

// proxySpec is a validated create or update request.
type proxySpec struct {
	name, destination    string
	requireAuth          bool
	requests, responses  []ProxyTransform
	appID                string
	config               map[string]string
	timeout              int
	noDetokenize         bool
	certPEM, chain       string // certPEM empty: no certificate, or (keepCert) the current one
	keepCert             bool
	hasTokenize, hasCode bool
	identifiers          map[string]bool // of tokenize transforms, in order of the checks
}

// checkProxy validates the fields of a create or update request: field
// errors first (KindInvalid), then the code of code transforms
// (KindUnprocessable).
func (v *Vault) checkProxy(op string, req CreateProxyRequest) (*proxySpec, error) {
	fe := fieldErrors{}
	switch {
	case req.Name == "":
		fe.add("name", "is required")
	case len([]rune(req.Name)) > maxProxyName:
		fe.add("name", "must be at most %d characters", maxProxyName)
	}
	if msg := v.proxies.checkDestination(req.DestinationURL); msg != "" {
		fe.add("destination_url", "%s", msg)
	}
	spec := &proxySpec{name: req.Name, destination: req.DestinationURL, requireAuth: req.RequireAuth == nil || *req.RequireAuth,
		config: maps.Clone(map[string]string(req.Configuration)), timeout: req.Timeout, noDetokenize: req.DisableDetokenization,
		identifiers: map[string]bool{}}
	if spec.config == nil {
		spec.config = map[string]string{}
	}
	spec.requests = transformList(fe, "request_transform", proxyRequestsField, req.RequestTransform, req.RequestTransforms)
	spec.responses = transformList(fe, "response_transform", proxyResponsesField, req.ResponseTransform, req.ResponseTransforms)
	var codes []codeAt
	for i := range spec.requests {
		codes = v.checkTransform(fe, fmt.Sprintf("%s[%d]", proxyRequestsField, i), &spec.requests[i], true, spec, codes)
	}
	for i := range spec.responses {
		codes = v.checkTransform(fe, fmt.Sprintf("%s[%d]", proxyResponsesField, i), &spec.responses[i], false, spec, codes)
	}
	if req.Application != nil {
		spec.appID = req.Application.ID
		if req.Application.ID == "" {
			fe.add("application.id", "is required")
		}
	}
	if spec.hasTokenize && spec.appID == "" {
		fe.add("application.id", "is required by tokenize transforms, which create tokens as the application")
	}
	if len(spec.config) > maxReactorConfig {
		fe.add("configuration", "must hold at most %d entries", maxReactorConfig)
	}
	for k := range spec.config {
		if k == "" {
			fe.add("configuration", "names must not be empty")
		}
	}
	if req.Timeout < 0 || req.Timeout > maxProxyTimeout {
		fe.add("timeout", "must be between 1 and %d seconds", maxProxyTimeout)
	}
	if cert := req.ClientCertificate.Reveal(); cert != "" {
		spec.certPEM, spec.chain, spec.keepCert = checkClientCert(fe, cert)
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	for _, c := range codes {
		if _, err := v.compileReactor(op, c.code); err != nil {
			return nil, underPath(op, c.path, err)
		}
	}
	return spec, nil
}

// codeAt is the code of a code transform and the transform's field path.
type codeAt struct{ path, code string }

// transformList merges a singular legacy transform field with its list.
func transformList(fe fieldErrors, single, list string, one *ProxyTransform, many []ProxyTransform) []ProxyTransform {
	switch {
	case one != nil && len(many) > 0:
		fe.add(single, "give %s or %s, not both", single, list)
		return nil
	case one != nil:
		return []ProxyTransform{*one}
	case len(many) > maxProxyTransforms:
		fe.add(list, "must hold at most %d transforms", maxProxyTransforms)
		return nil
	}
	return slices.Clone(many)
}

// checkTransform validates one transform at path, normalising its type,
// and returns codes with its code added if it is a code transform.
func (v *Vault) checkTransform(fe fieldErrors, path string, t *ProxyTransform, request bool, spec *proxySpec, codes []codeAt) []codeAt {
	if t.Type == "" && t.Code != "" {
		t.Type = ProxyTransformCode
	}
	opts := t.Options
	if opts == nil {
		opts = &ProxyTransformOptions{}
	}
	if opts.Runtime != nil && opts.Runtime.Image != "" && opts.Runtime.Image != proxyRuntimeImage {
		fe.add(path+".options.runtime.image", "must be %s, the one runtime the vault runs", proxyRuntimeImage)
	}
	unused := func(field, value string) {
		if value != "" {
			fe.add(path+"."+field, "does not apply to %s transforms", t.Type)
		}
	}
	switch t.Type {
	case ProxyTransformCode:
		spec.hasCode = true
		if t.Code == "" {
			fe.add(path+".code", "is required")
		} else {
			codes = append(codes, codeAt{path, t.Code})
		}
		unused("matcher", t.Matcher)
		unused("expression", t.Expression)
		unused("replacement", t.Replacement)
	case ProxyTransformTokenize:
		spec.hasTokenize = true
		unused("code", t.Code)
		checkTokenizeOptions(fe, path+".options", opts, spec)
	case ProxyTransformMask, ProxyTransformAppendJSON, ProxyTransformAppendText, ProxyTransformAppendHeader:
		if request {
			fe.add(path+".type", "must be code or tokenize for a request transform")
			return codes
		}
		unused("code", t.Code)
		checkResponseTransform(fe, path, t, opts, spec)
	case "":
		fe.add(path+".type", "is required")
	default:
		fe.add(path+".type", "must be one of code, tokenize, mask, append_json, append_text or append_header")
	}
	return codes
}

// checkClientCert validates a client certificate: PEM with a certificate
// chain and its private key, or (on update) the certificate chain alone,
// which keeps the stored pair. It returns the PEM to seal, the chain to
// show, and whether the stored pair is kept.
func checkClientCert(fe fieldErrors, certPEM string) (sealed, chain string, keep bool) {
	if len(certPEM) > maxProxyClientCert {
		fe.add("client_certificate", "must be at most %d bytes", maxProxyClientCert)
		return "", "", false
	}
	chain = certChain([]byte(certPEM))
	if chain == "" {
		fe.add("client_certificate", "must be PEM holding a certificate and its private key")
		return "", "", false
	}
	if chain == certPEM || chain == certPEM+"\n" {
		return "", chain, true // a certificate without a key: the stored pair, checked in the transaction
	}
	if _, err := tls.X509KeyPair([]byte(certPEM), []byte(certPEM)); err != nil {
		fe.add("client_certificate", "must be PEM holding a certificate and its private key")
		return "", "", false
	}
	return certPEM, chain, false
}

// certChain returns the CERTIFICATE blocks of pemBytes, re-encoded, or ""
// when there are none.
func certChain(pemBytes []byte) string {
	var out []byte
	for {
		var b *pem.Block
		b, pemBytes = pem.Decode(pemBytes)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: b.Bytes})...)
		}
	}
	return string(out)
}

// checkProxyRefs checks, inside the write transaction, that the proxy's
// application exists and is private or public.
func checkProxyRefs(tx storage.Tx, op, tenant string, spec *proxySpec) error {
	if spec.appID == "" {
		return nil
	}
	app, err := applicationTable.get(tx, tenant, spec.appID)
	switch {
	case errors.Is(err, errRecordNotFound):
	case err != nil:
		return err
	case app.Type == AppPrivate || app.Type == AppPublic:
		return nil
	}
	return invalidField(op, "application.id", "must name a private or public application of the tenant")
}

func (r *proxyRecord) public(tenant string, config map[string]string) *Proxy {
	return &Proxy{
		ID: r.ID, TenantID: tenant, Name: r.Name, DestinationURL: r.Destination, State: proxyStateActive, RequireAuth: r.RequireAuth,
		RequestTransforms: transformsOut(r.Requests), ResponseTransforms: transformsOut(r.Responses),
		ApplicationID: r.AppID, Configuration: config, Timeout: r.Timeout, DisableDetokenization: r.NoDetokenize, ClientCertificate: r.CertChain,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ModifiedBy: r.ModifiedBy, ModifiedAt: r.ModifiedAt,
	}
}

// transformsOut is a copy of ts, empty rather than nil (the JSON shows []).
func transformsOut(ts []ProxyTransform) []ProxyTransform {
	return append([]ProxyTransform{}, ts...)
}

func proxyEventData(r *proxyRecord) map[string]any {
	m := map[string]any{"id": r.ID, "name": r.Name, "require_auth": r.RequireAuth, "created_at": r.CreatedAt}
	if r.CreatedBy != "" {
		m["created_by"] = r.CreatedBy
	}
	if r.ModifiedAt != nil {
		m["modified_at"] = *r.ModifiedAt
		if r.ModifiedBy != "" {
			m["modified_by"] = r.ModifiedBy
		}
	}
	return map[string]any{"proxy": m}
}

// newProxyKey returns a new proxy key: 32 random bytes, base64url, as a
// webhook's signing key.
func newProxyKey() string { return newSigningKey() }

// sealProxy seals the configuration and client certificate of spec into
// rec.
func sealProxy(tk *keys.TenantKeys, tenant string, rec *proxyRecord, spec *proxySpec) error {
	var err error
	if rec.Config, err = sealConfig(tk, tenant, proxyKind, rec.ID, spec.config); err != nil {
		return err
	}
	if spec.certPEM != "" {
		if rec.Cert, err = tk.Seal([]byte(spec.certPEM), proxyCertAD(tenant, rec.ID)); err != nil {
			return err
		}
		rec.CertChain = spec.chain
	}
	return nil
}

// CreateProxy creates a pre-configured proxy and returns it with its key,
// the one time the key is shown. The caller needs proxy:create.
//
// Errors: KindInvalid with field paths ("name", "destination_url",
// "request_transforms[0].type", "response_transforms[1].options.location",
// "application.id", "configuration", "timeout", "client_certificate"),
// KindUnprocessable for code that does not compile (path
// "request_transforms[0].code"), KindForbidden. Raises proxy.created.
func (v *Vault) CreateProxy(ctx context.Context, req CreateProxyRequest) (*Proxy, error) {
	const op = "CreateProxy"
	p := v.principal(ctx)
	if err := p.require(op, PermProxyCreate); err != nil {
		return nil, err
	}
	spec, err := v.checkProxy(op, req)
	if err != nil {
		return nil, err
	}
	if spec.keepCert {
		return nil, invalidField(op, "client_certificate", "must be PEM holding a certificate and its private key")
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	key := newProxyKey()
	rec := v.newProxyRecord(p, uuid.NewString(), spec, nil)
	if err := sealProxy(tk, p.TenantID, rec, spec); err != nil {
		return nil, wrapErr(op, err)
	}
	keyRec := &proxyKeyRecord{ID: rec.ID, TenantID: p.TenantID, Hash: v.hashAPIKey(key)}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if err := checkProxyRefs(tx, op, p.TenantID, spec); err != nil {
			return err
		}
		if err := proxyTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		if err := proxyKeyTable.insert(tx, "", keyRec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventProxyCreated, proxyEventData(rec))
	})
	if err != nil {
		return nil, err
	}
	out := rec.public(p.TenantID, visibleProxyConfig(&p, spec.config))
	out.Key = NewSecret(key)
	return out, nil
}

// newProxyRecord is the record of spec; old, when set, is the record it
// replaces.
func (v *Vault) newProxyRecord(p Principal, id string, spec *proxySpec, old *proxyRecord) *proxyRecord {
	now := v.now().UTC()
	rec := &proxyRecord{
		ID: id, Name: spec.name, Destination: spec.destination, RequireAuth: spec.requireAuth, Requests: spec.requests,
		Responses: spec.responses, AppID: spec.appID, Timeout: spec.timeout, NoDetokenize: spec.noDetokenize,
		CreatedBy: p.ApplicationID, CreatedAt: now,
	}
	if old != nil {
		rec.CreatedBy, rec.CreatedAt, rec.ModifiedBy, rec.ModifiedAt = old.CreatedBy, old.CreatedAt, p.ApplicationID, &now
	}
	return rec
}

// visibleProxyConfig is the configuration shown in a write's response:
// only to callers that may read proxies.
func visibleProxyConfig(p *Principal, config map[string]string) map[string]string {
	if !p.can(PermProxyRead) {
		return nil
	}
	return config
}

func getProxy(tx storage.Tx, op, tenant, id string) (*proxyRecord, error) {
	rec, err := proxyTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "proxy not found")
	}
	return rec, err
}

// GetProxy returns a proxy with its configuration (its key is never shown
// again). The caller needs proxy:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetProxy(ctx context.Context, id string) (*Proxy, error) {
	const op = "GetProxy"
	p := v.principal(ctx)
	if err := p.require(op, PermProxyRead); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *proxyRecord
	if err := v.view(ctx, op, func(tx storage.Tx) (err error) {
		rec, err = getProxy(tx, op, p.TenantID, id)
		return err
	}); err != nil {
		return nil, err
	}
	config, err := v.openConfig(ctx, p.TenantID, tk, rec.sealedConfig())
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return rec.public(p.TenantID, config), nil
}

// ListProxies returns one offset page of the tenant's proxies, ordered by
// name. The caller needs proxy:read. Errors: KindInvalid for a bad page or
// size, KindForbidden.
func (v *Vault) ListProxies(ctx context.Context, req ListProxiesRequest) (*Page[*Proxy], error) {
	const op = "ListProxies"
	p := v.principal(ctx)
	if err := p.require(op, PermProxyRead); err != nil {
		return nil, err
	}
	if err := checkOffsetPage(op, req.Page, req.Size); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var all []*proxyRecord
	err = v.view(ctx, op, func(tx storage.Tx) error {
		all = nil
		return proxyTable.scan(tx, p.TenantID, "", false, func(r *proxyRecord) error {
			if len(req.IDs) > 0 && !slices.Contains(req.IDs, r.ID) || req.Name != "" && !matchName(req.Name, r.Name) {
				return nil
			}
			all = append(all, r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *proxyRecord) int { return byNameThenID(a.Name, a.ID, b.Name, b.ID) })
	return mapPage(offsetPage(all, req.Page, req.Size), func(r *proxyRecord) (*Proxy, error) {
		config, err := v.openConfig(ctx, p.TenantID, tk, r.sealedConfig())
		if err != nil {
			return nil, wrapErr(op, err)
		}
		return r.public(p.TenantID, config), nil
	})
}

// AllProxies walks every page of ListProxies.
func (v *Vault) AllProxies(ctx context.Context, req ListProxiesRequest) iter.Seq2[*Proxy, error] {
	return allPages(req.Page, func(page int) (*Page[*Proxy], error) {
		r := req
		r.Page = page
		return v.ListProxies(ctx, r)
	})
}

// UpdateProxy replaces a proxy (PUT) and returns it; its key stays. The
// caller needs proxy:update. Errors: those of [Vault.CreateProxy], and
// KindNotFound. Raises proxy.updated.
func (v *Vault) UpdateProxy(ctx context.Context, id string, req UpdateProxyRequest) (*Proxy, error) {
	const op = "UpdateProxy"
	p := v.principal(ctx)
	if err := p.require(op, PermProxyUpdate); err != nil {
		return nil, err
	}
	spec, err := v.checkProxy(op, CreateProxyRequest(req))
	if err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	rec, err := v.replaceProxy(ctx, op, p, tk, id, func(storage.Tx, *proxyRecord) (*proxySpec, error) { return spec, nil })
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, visibleProxyConfig(&p, spec.config)), nil
}

// replaceProxy replaces proxy id, in one transaction, with the record of
// the spec that specOf returns for the current record.
func (v *Vault) replaceProxy(ctx context.Context, op string, p Principal, tk *keys.TenantKeys, id string,
	specOf func(tx storage.Tx, old *proxyRecord) (*proxySpec, error)) (*proxyRecord, error) {
	var rec *proxyRecord
	err := v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getProxy(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		spec, err := specOf(tx, old)
		if err != nil {
			return err
		}
		if err := checkProxyRefs(tx, op, p.TenantID, spec); err != nil {
			return err
		}
		rec = v.newProxyRecord(p, id, spec, old)
		if err := sealProxy(tk, p.TenantID, rec, spec); err != nil {
			return err
		}
		if spec.keepCert {
			if old.CertChain == "" || old.CertChain != spec.chain {
				return invalidField(op, "client_certificate", "must be PEM holding a certificate and its private key")
			}
			rec.Cert, rec.CertChain = old.Cert, old.CertChain
		}
		if err := proxyTable.replace(tx, p.TenantID, old, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventProxyUpdated, proxyEventData(rec))
	})
	return rec, err
}

// PatchProxy applies an RFC 7386 JSON merge patch to a proxy and returns
// it (the REST API answers 204). The patch may hold the members of
// [UpdateProxyRequest]; members it leaves out keep their values, a
// configuration entry set to null is removed, and "application": null
// unlinks the application. The result must be valid as an update. The
// caller needs proxy:update. Errors: KindInvalid for a patch that is not a
// JSON object and with field paths for an invalid result, KindUnprocessable,
// KindNotFound, KindForbidden. Raises proxy.updated.
func (v *Vault) PatchProxy(ctx context.Context, id string, patch json.RawMessage) (*Proxy, error) {
	const op = "PatchProxy"
	p := v.principal(ctx)
	if err := p.require(op, PermProxyUpdate); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(patch, &members); err != nil || members == nil {
		return nil, invalidField(op, "", "the patch must be a JSON object")
	}
	for _, single := range []string{"request_transform", "response_transform"} {
		if _, ok := members[single]; ok {
			return nil, invalidField(op, single, "patch %ss instead", single)
		}
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var spec *proxySpec
	rec, err := v.replaceProxy(ctx, op, p, tk, id, func(tx storage.Tx, old *proxyRecord) (*proxySpec, error) {
		config, err := openConfigTx(p.TenantID, tk, old.sealedConfig())
		if err != nil {
			return nil, err
		}
		current := map[string]any{
			"name": old.Name, "destination_url": old.Destination, "require_auth": old.RequireAuth,
			"request_transforms": old.Requests, "response_transforms": old.Responses, "configuration": config,
			"timeout": old.Timeout, "disable_detokenization": old.NoDetokenize,
		}
		if old.AppID != "" {
			current["application"] = map[string]any{"id": old.AppID}
		}
		if old.CertChain != "" {
			current["client_certificate"] = old.CertChain
		}
		doc, err := json.Marshal(current)
		clear(config)
		if err != nil {
			return nil, err
		}
		merged, err := jsonpatch.MergePatch(doc, patch)
		clear(doc)
		if err != nil {
			return nil, invalidField(op, "", "the patch cannot be applied")
		}
		var req UpdateProxyRequest
		err = json.Unmarshal(merged, &req)
		clear(merged)
		if err != nil {
			return nil, invalidField(op, "", "the patched proxy is not valid: %s", jsonTypeProblem(err))
		}
		spec, err = v.checkProxy(op, CreateProxyRequest(req))
		return spec, err
	})
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, visibleProxyConfig(&p, spec.config)), nil
}

// jsonTypeProblem names the field of a JSON type error without the value.
func jsonTypeProblem(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		return te.Field + " has the wrong type"
	}
	return "a member has the wrong type"
}

// DeleteProxy deletes a proxy; its key stops working at once. The caller
// needs proxy:delete. Errors: KindNotFound, KindForbidden. Raises
// proxy.deleted.
func (v *Vault) DeleteProxy(ctx context.Context, id string) error {
	const op = "DeleteProxy"
	p := v.principal(ctx)
	if err := p.require(op, PermProxyDelete); err != nil {
		return err
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getProxy(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		if err := proxyTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		keyRec, err := proxyKeyTable.get(tx, "", rec.ID)
		switch {
		case err == nil:
			if err := proxyKeyTable.remove(tx, "", keyRec); err != nil {
				return err
			}
		case !errors.Is(err, errRecordNotFound):
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventProxyDeleted, map[string]any{"proxy": map[string]any{"id": rec.ID, "name": rec.Name}})
	})
}
