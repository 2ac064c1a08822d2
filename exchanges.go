package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/jsonv"
	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
)

// Exchange is an exchange: an exchange template bound to a configuration.
//
// Configuration holds the configuration, which must declare every entry of
// the template's configuration[] and nothing else, each value parsing as
// its declared type ("true" or "false" for a boolean, a JSON number for a
// number). It is sealed at rest, and nil in the responses of create and
// update to callers without exchange:read. Its values are [Secrets]: they
// print, encode and log redacted, and Configuration.Reveal (or indexing the
// map) gets at them. An Exchange never prints its configuration: fmt's
// verbs and slog show only the id and name.
type Exchange struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Name     string `json:"name"`
	// Template is the exchange template the exchange is configured for.
	Template      *ExchangeTemplate `json:"template"`
	Configuration Secrets           `json:"configuration"`
	CreatedBy     string            `json:"created_by,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	ModifiedBy    string            `json:"modified_by,omitempty"`
	ModifiedAt    *time.Time        `json:"modified_at,omitempty"`
}

// String describes the exchange without its configuration.
func (e Exchange) String() string {
	return "Exchange{ID:" + e.ID + " Name:" + strconv.Quote(e.Name) + "}"
}

// Format prints the exchange without its configuration, whatever the verb.
func (e Exchange) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.String()) }

// LogValue logs the exchange's id and name only.
func (e Exchange) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", e.ID), slog.String("name", e.Name))
}

// ExchangeTemplateRef names the exchange template an exchange is made from.
type ExchangeTemplateRef struct {
	ID string `json:"id"`
}

// CreateExchangeRequest creates an exchange. Name (at most 200 characters),
// Template and a Configuration that fits the template's configuration[] are
// required.
type CreateExchangeRequest struct {
	Name          string               `json:"name"`
	Configuration Secrets              `json:"configuration"`
	Template      *ExchangeTemplateRef `json:"template"`
}

// String describes the request without its configuration.
func (r CreateExchangeRequest) String() string {
	return "CreateExchangeRequest{Name:" + strconv.Quote(r.Name) + " Configuration:[REDACTED]}"
}

// Format prints the request without its configuration, whatever the verb.
func (r CreateExchangeRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the request without its configuration.
func (r CreateExchangeRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// UpdateExchangeRequest replaces an exchange's name and configuration
// (PUT); the template stays.
type UpdateExchangeRequest struct {
	Name          string  `json:"name"`
	Configuration Secrets `json:"configuration"`
}

// String describes the request without its configuration.
func (r UpdateExchangeRequest) String() string {
	return "UpdateExchangeRequest{Name:" + strconv.Quote(r.Name) + " Configuration:[REDACTED]}"
}

// Format prints the request without its configuration, whatever the verb.
func (r UpdateExchangeRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the request without its configuration.
func (r UpdateExchangeRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ListExchangesRequest lists exchanges by offset page (1-based), optionally
// only those with the given ids, whose name matches Name (a wildcard
// pattern, as in [ListReactorsRequest]), or whose template's source token
// type is SourceTokenType.
type ListExchangesRequest struct {
	IDs             []string `json:"id,omitempty"`
	Name            string   `json:"name,omitempty"`
	SourceTokenType string   `json:"source_token_type,omitempty"`
	Page            int      `json:"page,omitempty"`
	Size            int      `json:"size,omitempty"`
}

// exchangeRecord is an exchange as stored; Config is the sealed JSON of the
// configuration (nil when empty).
type exchangeRecord struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	TemplateID string     `json:"template"`
	Config     []byte     `json:"config,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ModifiedBy string     `json:"modified_by,omitempty"`
	ModifiedAt *time.Time `json:"modified_at,omitempty"`
}

func (r *exchangeRecord) sealedConfig() sealedConfig {
	return sealedConfig{exchangeKind, r.ID, r.Config}
}

var (
	exchangeTable = register(&table[exchangeRecord]{
		bucket:  "exchanges",
		kind:    exchangeKind,
		schema:  1,
		id:      func(r *exchangeRecord) string { return r.ID },
		indexes: []*index[exchangeRecord]{exchangeByTemplate},
		sealed: func(r *exchangeRecord) []sealedField {
			return []sealedField{{sealFieldConfig, &r.Config, r.ID}}
		},
	})
	// exchangeByTemplate finds the exchanges made from a template, which
	// may not be deleted while they exist.
	exchangeByTemplate = &index[exchangeRecord]{bucket: "exchanges.template", terms: func(r *exchangeRecord) [][]byte {
		return [][]byte{keyenc.AppendString(nil, r.TemplateID)}
	}}
)

// typedConfig checks an exchange's configuration against its template's
// schema and returns it with each value of its declared type, as the code
// sees it. The field errors name "configuration.<name>".
func typedConfig(fe fieldErrors, schema []ExchangeTemplateConfig, config map[string]string) map[string]any {
	out := make(map[string]any, len(schema))
	declared := make(map[string]bool, len(schema))
	for _, c := range schema {
		declared[c.Name] = true
		path := "configuration." + c.Name
		val, ok := config[c.Name]
		if !ok {
			fe.add(path, "is required by the exchange template")
			continue
		}
		switch c.Type {
		case FieldTypeBoolean:
			if val != "true" && val != "false" {
				fe.add(path, "must be a boolean")
			}
			out[c.Name] = val == "true"
		case FieldTypeNumber:
			if !isNumberLiteral(val) {
				fe.add(path, "must be a number")
			}
			out[c.Name] = json.Number(val)
		default:
			out[c.Name] = val
		}
	}
	for _, name := range slices.Sorted(maps.Keys(config)) {
		if !declared[name] {
			fe.add("configuration."+name, "is not in the exchange template's configuration")
		}
	}
	return out
}

// isNumberLiteral reports whether s is a JSON number, and nothing else.
func isNumberLiteral(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && strings.TrimSpace(s) == s && json.Valid([]byte(s))
}

func getExchange(tx storage.Tx, op, tenant, id string) (*exchangeRecord, error) {
	rec, err := exchangeTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "exchange not found")
	}
	return rec, err
}

// exchangeTemplate returns the template of an exchange; a missing one
// (which deletion prevents) is nil.
func exchangeTemplate(tx storage.Tx, op, tenant string, r *exchangeRecord) (*ExchangeTemplate, error) {
	t, err := getExchangeTemplate(tx, op, tenant, r.TemplateID)
	if e, ok := errors.AsType[*Error](err); ok && e.Kind == KindNotFound {
		return nil, nil
	}
	return t, err
}

func (r *exchangeRecord) public(tenant string, t *ExchangeTemplate, config map[string]string) *Exchange {
	return &Exchange{
		ID: r.ID, TenantID: tenant, Name: r.Name, Template: t, Configuration: config,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ModifiedBy: r.ModifiedBy, ModifiedAt: r.ModifiedAt,
	}
}

func exchangeEventData(r *exchangeRecord) map[string]any {
	m := map[string]any{"id": r.ID, "name": r.Name, "template": map[string]any{"id": r.TemplateID}, "created_at": r.CreatedAt}
	if r.CreatedBy != "" {
		m["created_by"] = r.CreatedBy
	}
	if r.ModifiedAt != nil {
		m["modified_at"] = *r.ModifiedAt
		if r.ModifiedBy != "" {
			m["modified_by"] = r.ModifiedBy
		}
	}
	return map[string]any{"exchange": m}
}

// visibleExchangeConfig is the configuration as the caller may see it.
func visibleExchangeConfig(p *Principal, config map[string]string) map[string]string {
	if !p.can(PermExchangeRead) {
		return nil
	}
	return config
}

// writeExchange validates and seals an exchange's name and configuration
// against its template inside tx, then stores rec (replacing old, when
// set), with the event typ. It returns the template.
func (v *Vault) writeExchange(ctx context.Context, tx storage.Tx, op string, p Principal, tk *keys.TenantKeys,
	old, rec *exchangeRecord, config map[string]string, typ string) (*ExchangeTemplate, error) {
	fe := fieldErrors{}
	checkName(fe, rec.Name)
	t, err := getExchangeTemplate(tx, op, p.TenantID, rec.TemplateID)
	if e, ok := errors.AsType[*Error](err); ok && e.Kind == KindNotFound {
		fe.add("template.id", "must name an exchange template")
	} else if err != nil {
		return nil, err
	} else {
		typedConfig(fe, t.Configuration, config)
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	if rec.Config, err = sealConfig(tk, p.TenantID, exchangeKind, rec.ID, config); err != nil {
		return nil, err
	}
	if old == nil {
		err = exchangeTable.insert(tx, p.TenantID, rec)
	} else {
		err = exchangeTable.replace(tx, p.TenantID, old, rec)
	}
	if err != nil {
		return nil, err
	}
	return t, v.emitTx(ctx, tx, p.TenantID, typ, exchangeEventData(rec))
}

// CreateExchange creates an exchange from an official or private template
// and returns it. The caller needs exchange:create.
//
// Errors: KindInvalid with field paths ("name", "template.id",
// "configuration.<name>" for an entry the template requires, does not
// declare, or types otherwise), KindForbidden without permission. Raises
// exchange.created.
func (v *Vault) CreateExchange(ctx context.Context, req CreateExchangeRequest) (*Exchange, error) {
	const op = "CreateExchange"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeCreate); err != nil {
		return nil, err
	}
	if req.Template == nil || req.Template.ID == "" {
		fe := fieldErrors{}
		checkName(fe, req.Name)
		fe.add("template.id", "is required")
		return nil, fe.err(op)
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	rec := &exchangeRecord{ID: uuid.NewString(), Name: req.Name, TemplateID: req.Template.ID, CreatedBy: p.ApplicationID, CreatedAt: v.now().UTC()}
	config := maps.Clone(map[string]string(req.Configuration))
	var t *ExchangeTemplate
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if _, err := liveTenant(tx, op, p.TenantID); err != nil {
			return err
		}
		var err error
		t, err = v.writeExchange(ctx, tx, op, p, tk, nil, rec, config, EventExchangeCreated)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, t, visibleExchangeConfig(&p, config)), nil
}

// GetExchange returns an exchange with its template and configuration. The
// caller needs exchange:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetExchange(ctx context.Context, id string) (*Exchange, error) {
	const op = "GetExchange"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeRead); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *exchangeRecord
	var t *ExchangeTemplate
	err = v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		if rec, err = getExchange(tx, op, p.TenantID, id); err != nil {
			return err
		}
		t, err = exchangeTemplate(tx, op, p.TenantID, rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	config, err := v.openConfig(ctx, p.TenantID, tk, rec.sealedConfig())
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return rec.public(p.TenantID, t, config), nil
}

// ListExchanges returns one offset page of the tenant's exchanges, with
// their templates and configurations, ordered by name. The caller needs
// exchange:read. Errors: KindInvalid for a bad page or size.
func (v *Vault) ListExchanges(ctx context.Context, req ListExchangesRequest) (*Page[*Exchange], error) {
	const op = "ListExchanges"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeRead); err != nil {
		return nil, err
	}
	if err := checkOffsetPage(op, req.Page, req.Size); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	type item struct {
		rec *exchangeRecord
		t   *ExchangeTemplate
	}
	var all []item
	err = v.view(ctx, op, func(tx storage.Tx) error {
		all = nil
		templates := map[string]*ExchangeTemplate{}
		return exchangeTable.scan(tx, p.TenantID, "", false, func(r *exchangeRecord) error {
			if len(req.IDs) > 0 && !slices.Contains(req.IDs, r.ID) || req.Name != "" && !matchName(req.Name, r.Name) {
				return nil
			}
			t, seen := templates[r.TemplateID]
			if !seen {
				var err error
				if t, err = exchangeTemplate(tx, op, p.TenantID, r); err != nil {
					return err
				}
				templates[r.TemplateID] = t
			}
			if req.SourceTokenType != "" && (t == nil || t.SourceTokenType != req.SourceTokenType) {
				return nil
			}
			all = append(all, item{r, t})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b item) int { return byNameThenID(a.rec.Name, a.rec.ID, b.rec.Name, b.rec.ID) })
	return mapPage(offsetPage(all, req.Page, req.Size), func(it item) (*Exchange, error) {
		config, err := v.openConfig(ctx, p.TenantID, tk, it.rec.sealedConfig())
		if err != nil {
			return nil, wrapErr(op, err)
		}
		t := it.t
		if t != nil {
			t = cloneTemplate(t) // exchanges sharing a template get their own copy
		}
		return it.rec.public(p.TenantID, t, config), nil
	})
}

// AllExchanges walks every page of ListExchanges.
func (v *Vault) AllExchanges(ctx context.Context, req ListExchangesRequest) iter.Seq2[*Exchange, error] {
	return allPages(req.Page, func(page int) (*Page[*Exchange], error) {
		r := req
		r.Page = page
		return v.ListExchanges(ctx, r)
	})
}

// UpdateExchange replaces an exchange's name and configuration (PUT: both
// are required; the configuration must fit the template as for
// [Vault.CreateExchange]) and returns it. The caller needs exchange:update.
// Errors: those of CreateExchange, and KindNotFound. Raises
// exchange.updated.
func (v *Vault) UpdateExchange(ctx context.Context, id string, req UpdateExchangeRequest) (*Exchange, error) {
	const op = "UpdateExchange"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeUpdate); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	config := maps.Clone(map[string]string(req.Configuration))
	var rec *exchangeRecord
	var t *ExchangeTemplate
	err = v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getExchange(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		now := v.now().UTC()
		rec = &exchangeRecord{ID: old.ID, Name: req.Name, TemplateID: old.TemplateID,
			CreatedBy: old.CreatedBy, CreatedAt: old.CreatedAt, ModifiedBy: p.ApplicationID, ModifiedAt: &now}
		t, err = v.writeExchange(ctx, tx, op, p, tk, old, rec, config, EventExchangeUpdated)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, t, visibleExchangeConfig(&p, config)), nil
}

// DeleteExchange deletes an exchange. The caller needs exchange:delete.
// Errors: KindNotFound, KindForbidden. Raises exchange.deleted.
func (v *Vault) DeleteExchange(ctx context.Context, id string) error {
	const op = "DeleteExchange"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeDelete); err != nil {
		return err
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getExchange(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		if err := exchangeTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventExchangeDeleted, map[string]any{"exchange": map[string]any{"id": rec.ID, "name": rec.Name}})
	})
}

// decodeExchangeOutput reads the token the code returned: data and
// metadata, and optionally type (default "token"), containers,
// search_indexes, fingerprint_expression, mask, expires_at and
// deduplicate_token. Field paths are under "token"; messages never repeat a
// value or the name of an unknown member.
func decodeExchangeOutput(op string, raw []byte) (*CreateTokenRequest, error) {
	doc, err := jsonv.Decode(raw)
	members, ok := doc.(map[string]any)
	if err != nil || !ok {
		return nil, runtimeFailure(op, "the exchange template's code must return a token object")
	}
	out := &CreateTokenRequest{Type: TypeToken}
	fe := fieldErrors{}
	for name, val := range members {
		if val == nil {
			continue // as JSON decoding leaves a null member
		}
		var good bool
		switch name {
		case "data":
			out.Data, good = val, true
		case "mask":
			out.Mask, good = val, true
		case "type":
			out.Type, good = val.(string)
		case "fingerprint_expression":
			out.FingerprintExpression, good = val.(string)
		case "deduplicate_token":
			var b bool
			if b, good = val.(bool); good {
				out.DeduplicateToken = &b
			}
		case "metadata":
			out.Metadata, good = stringMap(val)
		case "containers":
			out.Containers, good = stringList(val)
		case "search_indexes":
			out.SearchIndexes, good = stringList(val)
		case "expires_at":
			var at time.Time
			if s, isString := val.(string); isString && at.UnmarshalText([]byte(s)) == nil {
				out.ExpiresAt, good = &at, true
			}
		default:
			fe.add("token", "may hold only data, metadata, type, containers, search_indexes, fingerprint_expression, mask, expires_at and deduplicate_token")
			continue
		}
		if !good {
			fe.add("token."+name, "must be %s", exchangeOutputTypes[name])
		}
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	return out, nil
}

// exchangeOutputTypes says what each typed member of a returned token must be.
var exchangeOutputTypes = map[string]string{
	"type": "a string", "fingerprint_expression": "a string", "deduplicate_token": "a boolean",
	"metadata": "an object of strings", "containers": "an array of strings", "search_indexes": "an array of strings",
	"expires_at": "an RFC 3339 time",
}

func stringMap(v any) (map[string]string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		if out[k], ok = x.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, x := range l {
		if out[i], ok = x.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// exchangeRun is everything an exchange reads before its code runs.
type exchangeRun struct {
	ex     *exchangeRecord
	t      *ExchangeTemplate
	source *tokenRecord
}

// loadExchange reads the exchange, its template and the source token in
// one transaction, and checks the caller may exchange that token.
func (v *Vault) loadExchange(ctx context.Context, op string, p Principal, exchangeID, tokenID string) (*exchangeRun, error) {
	run := &exchangeRun{}
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		if run.ex, err = getExchange(tx, op, p.TenantID, exchangeID); err != nil {
			return err
		}
		if run.t, err = exchangeTemplate(tx, op, p.TenantID, run.ex); err != nil {
			return err
		}
		if run.t == nil {
			return newError(KindConflict, op, "the exchange's template no longer exists")
		}
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		run.source, err = w.live(tokenID)
		if e, ok := errors.AsType[*Error](err); ok && e.Kind == KindNotFound {
			return invalidField(op, "token_id", "does not name a token")
		}
		return err
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	tf, ok := p.tokenAccess(PermExchangeInvoke, run.source.ID, run.source.Containers)
	if !ok {
		return nil, newError(KindForbidden, op, "the caller lacks %s on the token", PermExchangeInvoke)
	}
	if tf != transformReveal {
		return nil, newError(KindForbidden, op, "the caller's access rules do not reveal the token, and an exchange needs its data")
	}
	if run.source.Type != run.t.SourceTokenType {
		return nil, invalidField(op, "token_id", "is a %s token; the exchange takes %s tokens", run.source.Type, run.t.SourceTokenType)
	}
	v.auditRead(ctx, run.source, AuditUse, msgTokenExchange)
	return run, nil
}

// exchangeContext builds the code's argument, {sourceToken, configuration},
// as JSON. The caller clears it after the run.
func (v *Vault) exchangeContext(ctx context.Context, op string, p Principal, tk *keys.TenantKeys, run *exchangeRun) ([]byte, error) {
	config, err := v.openConfig(ctx, p.TenantID, tk, run.ex.sealedConfig())
	if err != nil {
		return nil, wrapErr(op, err)
	}
	fe := fieldErrors{}
	typed := typedConfig(fe, run.t.Configuration, config)
	if err := fe.err(op); err != nil {
		e := err.(*Error)
		e.Kind, e.Detail = KindConflict, "the exchange's configuration no longer fits its template: update the exchange"
		return nil, e
	}
	tok, err := v.shapeToken(ctx, p.TenantID, tk, run.source, transformReveal, nil, "")
	if err != nil {
		return nil, wrapErr(op, err)
	}
	args, err := encodeArgs(map[string]any{"sourceToken": tok, "configuration": typed})
	clear(tok.Data)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return v.argsWithinLimit(op, args)
}

// Exchange exchanges a token: it runs the code of the exchange's template
// on the token and creates the token the code returns, and returns that new
// token as [Vault.CreateToken] does. The REST API serves it as
// POST /exchanges/{id}/exchange {"token_id": ...}, our extension of the
// 2021 API, which never published one.
//
// The caller needs exchange:invoke on the source token, governed by access
// rules as token permissions are, with a transform that reveals it (the
// code needs the data; a rule that masks or redacts is KindForbidden), and
// token:create for the new token. The source token is read as the caller
// sees it within its token transaction (see [WithTransaction]), and the
// new token is created in that transaction too. Its type must be the
// template's source_token_type. The code runs in the reactor sandbox
// within its limits ([WithReactorLimits]) with context {sourceToken,
// configuration} and must return {data, metadata} and optionally type
// (default "token"), containers, search_indexes, fingerprint_expression,
// mask, expires_at and deduplicate_token; nothing else.
//
// Errors: KindNotFound for an unknown exchange; KindInvalid with the path
// "token_id" for an unknown token or one of another type, and with paths
// "token..." for a returned token the tokens engine refuses; KindForbidden
// without permission; KindConflict when the exchange's configuration no
// longer fits its template (the template changed); KindUnprocessable when
// the template's code no longer compiles; KindTimeout past the time limit;
// KindPayloadTooLarge when the source token is over the payload limit; and
// an *[Error] with Reactor set for a failure of the code itself (a thrown
// error class maps to its status as for [Vault.React]; returning no token
// object is a 500 ReactorRuntimeError). Raises exchange.completed or
// exchange.failed, which carry the exchange's id and name, the source and
// new token ids, elapsed_ms and, on failure, the error's class or kind.
func (v *Vault) Exchange(ctx context.Context, exchangeID, tokenID string) (*Token, error) {
	const op = "Exchange"
	p := v.principal(ctx)
	if !p.holdsAnywhere(PermExchangeInvoke) {
		return nil, newError(KindForbidden, op, "the caller lacks %s", PermExchangeInvoke)
	}
	if tokenID == "" {
		return nil, invalidField(op, "token_id", "is required")
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	run, err := v.loadExchange(ctx, op, p, exchangeID, tokenID)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	tok, err := v.exchange(ctx, op, p, tk, run)
	v.emitExchange(ctx, p.TenantID, run, tok, time.Since(start), err)
	return tok, err
}

// exchange runs the template's code and creates the token it returned.
func (v *Vault) exchange(ctx context.Context, op string, p Principal, tk *keys.TenantKeys, run *exchangeRun) (*Token, error) {
	args, err := v.exchangeContext(ctx, op, p, tk, run)
	if err != nil {
		return nil, err
	}
	prog, err := v.compileReactor(op, run.t.Code) // cached after the first compile
	if err != nil {
		clear(args)
		return nil, err
	}
	timeout := v.reactors.limits.Timeout
	req := sandbox.Request{Args: args, Timeout: timeout, Convention: sandbox.ConventionFunction}
	if v.reactors.sandbox.Isolated() {
		req.Pool = p.TenantID + "/exchange/" + run.ex.ID // a worker serves one exchange of one tenant
	}
	res, err := v.reactors.sandbox.Run(ctx, prog, req)
	clear(args)
	if err != nil {
		return nil, v.reactFailure(op, err, false, timeout)
	}
	if res.Raw == nil {
		return nil, runtimeFailure(op, "the exchange template's code must return a token object")
	}
	create, err := decodeExchangeOutput(op, res.Raw)
	clear(res.Raw)
	if err != nil {
		return nil, err
	}
	tok, err := v.CreateToken(ctx, *create)
	if err != nil {
		return nil, exchangeTokenError(op, err)
	}
	return tok, nil
}

// exchangeTokenError is the error of a token the tokens engine refused,
// with its field paths under "token" and cut to the token's member
// ("token.data", "token.mask"): the engine names the members of data and
// mask objects, and the code chose those names, from the source token or
// the configuration if it likes. Expression errors ("expr: ...") become
// "is not a valid expression" for the same reason: they quote a filter or
// tag name that looks like a keyword.
func exchangeTokenError(op string, err error) error {
	e, ok := errors.AsType[*Error](err)
	if !ok || len(e.Fields) == 0 {
		return underPath(op, "token", err)
	}
	c := *e
	c.Op, c.Fields = op, fieldErrors{}
	for path, msgs := range e.Fields {
		member := path
		if i := strings.IndexAny(member, ".["); i >= 0 {
			member = member[:i]
		}
		for _, m := range msgs {
			if strings.HasPrefix(m, "expr:") {
				m = "is not a valid expression"
			}
			if p := joinPath("token", member); !slices.Contains(c.Fields[p], m) {
				c.Fields[p] = append(c.Fields[p], m)
			}
		}
	}
	return &c
}

// emitExchange raises exchange.completed or exchange.failed.
func (v *Vault) emitExchange(ctx context.Context, tenant string, run *exchangeRun, tok *Token, elapsed time.Duration, err error) {
	data := map[string]any{
		"exchange":     map[string]any{"id": run.ex.ID, "name": run.ex.Name},
		"source_token": map[string]any{"id": run.source.ID},
		"elapsed_ms":   elapsed.Milliseconds(),
	}
	typ := EventExchangeCompleted
	if err != nil {
		typ, data["error"] = EventExchangeFailed, failureSummary(err)
	} else {
		data["token"] = map[string]any{"id": tok.ID}
	}
	v.emit(ctx, tenant, typ, data)
}
