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
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

const (
	reactorKind        = "reactor"
	sealFieldConfig    = "configuration"
	maxReactorName     = 200
	maxReactorConfig   = 100 // configuration entries
	maxReactorAttempts = 3
)

// ReactorApplication names the application whose rights a reactor's req.bt
// client has.
type ReactorApplication struct {
	ID string `json:"id"`
}

// ReactorFormulaRef names the legacy reactor formula a reactor was made
// from.
type ReactorFormulaRef struct {
	ID string `json:"id"`
}

// Reactor is a reactor as callers with reactor:read see it.
//
// Configuration holds the configuration (at most 100 entries); it is nil in
// the responses of create, update and patch to callers without reactor:read.
// Its values are [Secrets]: they print, encode and log redacted, and
// Configuration.Reveal (or indexing the map) gets at them. A Reactor never
// prints its configuration nor its code: fmt's verbs and slog show only the
// id and name.
type Reactor struct {
	ID            string  `json:"id"`
	TenantID      string  `json:"tenant_id"`
	Name          string  `json:"name"`
	Code          string  `json:"code"`
	Configuration Secrets `json:"configuration"`
	// Application is the application whose rights req.bt has, as GET
	// /applications/{id} shows it but without its keys.
	Application *Application `json:"application,omitempty"`
	// Formula is set for reactors made from a legacy reactor formula; Code
	// is then the formula's.
	Formula    *ReactorFormulaRef `json:"formula,omitempty"`
	CreatedBy  string             `json:"created_by,omitempty"`
	CreatedAt  time.Time          `json:"created_at"`
	ModifiedBy string             `json:"modified_by,omitempty"`
	ModifiedAt *time.Time         `json:"modified_at,omitempty"`
}

// String describes the reactor without its code or configuration.
func (r Reactor) String() string {
	return "Reactor{ID:" + r.ID + " Name:" + strconv.Quote(r.Name) + "}"
}

// Format prints the reactor without its code or configuration, whatever the
// verb.
func (r Reactor) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the reactor's id and name only.
func (r Reactor) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", r.ID), slog.String("name", r.Name))
}

// CreateReactorRequest creates a reactor. Name is required, and Code unless
// Formula is given (then Code must be empty: the reactor runs the formula's
// code, and Configuration must satisfy the formula's configuration
// contract). Application, if set, must name a private or public application
// of the tenant.
type CreateReactorRequest struct {
	Name          string              `json:"name"`
	Code          string              `json:"code,omitempty"`
	Configuration Secrets             `json:"configuration,omitempty"`
	Application   *ReactorApplication `json:"application,omitempty"`
	Formula       *ReactorFormulaRef  `json:"formula,omitempty"`
}

// String describes the request without its code or configuration.
func (r CreateReactorRequest) String() string {
	return "CreateReactorRequest{Name:" + strconv.Quote(r.Name) + " Configuration:[REDACTED]}"
}

// Format prints the request without its code or configuration, whatever the
// verb.
func (r CreateReactorRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the request without its code or configuration.
func (r CreateReactorRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// UpdateReactorRequest replaces a reactor (PUT): the same fields and rules
// as [CreateReactorRequest]. Fields left empty are cleared, not kept.
type UpdateReactorRequest CreateReactorRequest

// String describes the request without its code or configuration.
func (r UpdateReactorRequest) String() string {
	return "UpdateReactorRequest{Name:" + strconv.Quote(r.Name) + " Configuration:[REDACTED]}"
}

// Format prints the request without its code or configuration, whatever the
// verb.
func (r UpdateReactorRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the request without its code or configuration.
func (r UpdateReactorRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ListReactorsRequest lists reactors by offset page (1-based), optionally
// only those with the given ids, or whose name matches Name: a pattern with
// the wildcards * (any run of characters) and ? (one character) matches the
// whole name; a pattern without wildcards matches names that contain it.
// Matching ignores case.
type ListReactorsRequest struct {
	IDs  []string `json:"id,omitempty"`
	Name string   `json:"name,omitempty"`
	Page int      `json:"page,omitempty"`
	Size int      `json:"size,omitempty"`
}

// reactorRecord is a reactor as stored. Config is the sealed JSON of the
// configuration (nil when empty); Code is empty for formula reactors.
type reactorRecord struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Code       string     `json:"code,omitempty"`
	Config     []byte     `json:"config,omitempty"`
	AppID      string     `json:"app,omitempty"`
	FormulaID  string     `json:"formula,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ModifiedBy string     `json:"modified_by,omitempty"`
	ModifiedAt *time.Time `json:"modified_at,omitempty"`
}

var (
	reactorTable = register(&table[reactorRecord]{
		bucket:    "reactors",
		kind:      reactorKind,
		schema:    reactorSchema,
		id:        func(r *reactorRecord) string { return r.ID },
		indexes:   []*index[reactorRecord]{reactorByFormula},
		marshal:   marshalReactor,
		unmarshal: unmarshalReactor,
		upgrade:   upgradeReactor,
		sealed: func(r *reactorRecord) []sealedField {
			return []sealedField{{sealFieldConfig, &r.Config, r.ID}}
		},
	})
	// reactorByFormula finds the reactors made from a formula, which may not
	// be deleted while they exist.
	reactorByFormula = &index[reactorRecord]{bucket: "reactors.formula", terms: func(r *reactorRecord) [][]byte {
		if r.FormulaID == "" {
			return nil
		}
		return [][]byte{keyenc.AppendString(nil, r.FormulaID)}
	}}
)

// checkName checks the name of a reactor, formula, exchange or exchange
// template: required, at most 200 characters.
func checkName(fe fieldErrors, name string) {
	switch {
	case name == "":
		fe.add("name", "is required")
	case len([]rune(name)) > maxReactorName:
		fe.add("name", "must be at most %d characters", maxReactorName)
	}
}

// reactorSpec is a validated create or update request.
type reactorSpec struct {
	name, code string
	config     map[string]string
	appID      string
	formulaID  string
}

// checkReactor validates the fields of a create or update request: field
// errors first (KindInvalid), then the code (KindUnprocessable).
func (v *Vault) checkReactor(op, name, code string, config map[string]string, app *ReactorApplication, formula *ReactorFormulaRef) (*reactorSpec, error) {
	fe := fieldErrors{}
	checkName(fe, name)
	spec := &reactorSpec{name: name, code: code, config: maps.Clone(config)}
	if spec.config == nil {
		spec.config = map[string]string{}
	}
	if formula != nil {
		spec.formulaID = formula.ID
		if formula.ID == "" {
			fe.add("formula.id", "is required")
		}
		if code != "" {
			fe.add("code", "give code or a formula, not both")
		}
	} else if code == "" {
		fe.add("code", "is required")
	}
	if len(spec.config) > maxReactorConfig {
		fe.add("configuration", "must hold at most %d entries", maxReactorConfig)
	}
	for k := range spec.config {
		if k == "" {
			fe.add("configuration", "names must not be empty")
		}
	}
	if app != nil {
		spec.appID = app.ID
		if app.ID == "" {
			fe.add("application.id", "is required")
		}
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	if code != "" {
		if _, err := v.compileReactor(op, code); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// checkReactorRefs checks, inside the write transaction, that the
// application and formula of spec exist and fit, and returns the formula's
// code for a formula reactor.
func checkReactorRefs(tx storage.Tx, op, tenant string, spec *reactorSpec) error {
	fe := fieldErrors{}
	if spec.appID != "" {
		app, err := applicationTable.get(tx, tenant, spec.appID)
		switch {
		case errors.Is(err, errRecordNotFound):
			fe.add("application.id", "must name a private or public application of the tenant")
		case err != nil:
			return err
		case app.Type != AppPrivate && app.Type != AppPublic:
			fe.add("application.id", "must name a private or public application of the tenant")
		}
	}
	if spec.formulaID != "" {
		f, err := reactorFormulaTable.get(tx, tenant, spec.formulaID)
		switch {
		case errors.Is(err, errRecordNotFound):
			fe.add("formula.id", "must name a reactor formula of the tenant")
		case err != nil:
			return err
		default:
			checkFormulaConfiguration(fe, f.Configuration, spec.config)
		}
	}
	return fe.err(op)
}

// reactor:read.
func visibleConfig(p *Principal, config map[string]string) map[string]string {
	if !p.can(PermReactorRead) {
		return nil
	}
	return config
}

func (r *reactorRecord) public(tenant string, links reactorLinks, config map[string]string) *Reactor {
	out := &Reactor{
		ID: r.ID, TenantID: tenant, Name: r.Name, Code: links.code, Configuration: config, Application: links.app,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ModifiedBy: r.ModifiedBy, ModifiedAt: r.ModifiedAt,
	}
	if r.FormulaID != "" {
		out.Formula = &ReactorFormulaRef{ID: r.FormulaID}
	}
	return out
}

// reactorLinks is what a reactor shows of the records it links to: the
// code it runs, and its application.
type reactorLinks struct {
	code string
	app  *Application
}

// linksOf reads the code and the application of a reactor. An application
// deleted since is shown by its id and tenant only, its other fields empty.
func linksOf(tx storage.Tx, tenant string, r *reactorRecord) (reactorLinks, error) {
	code, err := reactorCode(tx, tenant, r)
	if err != nil || r.AppID == "" {
		return reactorLinks{code: code}, err
	}
	app, err := applicationTable.get(tx, tenant, r.AppID)
	if errors.Is(err, errRecordNotFound) {
		return reactorLinks{code: code, app: &Application{ID: r.AppID, TenantID: tenant}}, nil
	}
	if err != nil {
		return reactorLinks{}, err
	}
	return reactorLinks{code: code, app: app.public(tenant)}, nil
}

// reactorCode returns the code a reactor runs: its own, or its formula's.
func reactorCode(tx storage.Tx, tenant string, r *reactorRecord) (string, error) {
	if r.FormulaID == "" {
		return r.Code, nil
	}
	f, err := reactorFormulaTable.get(tx, tenant, r.FormulaID)
	if errors.Is(err, errRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return f.Code, nil
}

func reactorEventData(r *reactorRecord) map[string]any {
	m := map[string]any{"id": r.ID, "name": r.Name, "created_at": r.CreatedAt}
	if r.CreatedBy != "" {
		m["created_by"] = r.CreatedBy
	}
	if r.ModifiedAt != nil {
		m["modified_at"] = *r.ModifiedAt
		if r.ModifiedBy != "" {
			m["modified_by"] = r.ModifiedBy
		}
	}
	return map[string]any{"reactor": m}
}

// CreateReactor creates a reactor and returns it. The caller needs
// reactor:create.
//
// Errors: KindInvalid with field paths ("name", "code", "configuration",
// "application.id", "formula.id", "configuration.<name>" for a formula's
// contract), KindUnprocessable with the path "code" for code that does not
// compile or is too long, KindForbidden without permission.
func (v *Vault) CreateReactor(ctx context.Context, req CreateReactorRequest) (*Reactor, error) {
	const op = "CreateReactor"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorCreate); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	spec, err := v.checkReactor(op, req.Name, req.Code, req.Configuration, req.Application, req.Formula)
	if err != nil {
		return nil, err
	}
	rec := &reactorRecord{
		ID: uuid.NewString(), Name: spec.name, Code: spec.code, AppID: spec.appID, FormulaID: spec.formulaID,
		CreatedBy: p.ApplicationID, CreatedAt: v.now().UTC(),
	}
	if rec.Config, err = sealConfig(tk, p.TenantID, reactorKind, rec.ID, spec.config); err != nil {
		return nil, wrapErr(op, err)
	}
	var links reactorLinks
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if err := checkReactorRefs(tx, op, p.TenantID, spec); err != nil {
			return err
		}
		var err error
		if links, err = linksOf(tx, p.TenantID, rec); err != nil {
			return err
		}
		if err := reactorTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventReactorCreated, reactorEventData(rec))
	})
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, links, visibleConfig(&p, spec.config)), nil
}

// GetReactor returns a reactor with its configuration. The caller needs
// reactor:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetReactor(ctx context.Context, id string) (*Reactor, error) {
	const op = "GetReactor"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorRead); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *reactorRecord
	var links reactorLinks
	err = v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		if rec, err = getReactor(tx, op, p.TenantID, id); err != nil {
			return err
		}
		links, err = linksOf(tx, p.TenantID, rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	config, err := v.openConfig(ctx, p.TenantID, tk, rec.sealedConfig())
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return rec.public(p.TenantID, links, config), nil
}

func getReactor(tx storage.Tx, op, tenant, id string) (*reactorRecord, error) {
	rec, err := reactorTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "reactor not found")
	}
	return rec, err
}

// ListReactors returns one offset page of the tenant's reactors, with their
// configurations, ordered by name. The caller needs reactor:read. Errors:
// KindInvalid for a bad page or size.
func (v *Vault) ListReactors(ctx context.Context, req ListReactorsRequest) (*Page[*Reactor], error) {
	const op = "ListReactors"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorRead); err != nil {
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
		rec   *reactorRecord
		links reactorLinks
	}
	var all []item
	err = v.view(ctx, op, func(tx storage.Tx) error {
		all = nil
		return reactorTable.scan(tx, p.TenantID, "", false, func(r *reactorRecord) error {
			if len(req.IDs) > 0 && !slices.Contains(req.IDs, r.ID) || req.Name != "" && !matchName(req.Name, r.Name) {
				return nil
			}
			links, err := linksOf(tx, p.TenantID, r)
			all = append(all, item{r, links})
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b item) int { return byNameThenID(a.rec.Name, a.rec.ID, b.rec.Name, b.rec.ID) })
	return mapPage(offsetPage(all, req.Page, req.Size), func(it item) (*Reactor, error) {
		config, err := v.openConfig(ctx, p.TenantID, tk, it.rec.sealedConfig())
		if err != nil {
			return nil, wrapErr(op, err)
		}
		return it.rec.public(p.TenantID, it.links, config), nil
	})
}

// AllReactors walks every page of ListReactors.
func (v *Vault) AllReactors(ctx context.Context, req ListReactorsRequest) iter.Seq2[*Reactor, error] {
	return allPages(req.Page, func(page int) (*Page[*Reactor], error) {
		r := req
		r.Page = page
		return v.ListReactors(ctx, r)
	})
}

// UpdateReactor replaces a reactor's name, code, configuration, application
// and formula (PUT: name and code, or a formula, are required) and returns
// it. The caller needs reactor:update. Errors: those of
// [Vault.CreateReactor], and KindNotFound.
func (v *Vault) UpdateReactor(ctx context.Context, id string, req UpdateReactorRequest) (*Reactor, error) {
	const op = "UpdateReactor"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorUpdate); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	spec, err := v.checkReactor(op, req.Name, req.Code, req.Configuration, req.Application, req.Formula)
	if err != nil {
		return nil, err
	}
	sealed, err := sealConfig(tk, p.TenantID, reactorKind, id, spec.config)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *reactorRecord
	var links reactorLinks
	err = v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getReactor(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		if err := checkReactorRefs(tx, op, p.TenantID, spec); err != nil {
			return err
		}
		rec = v.changedReactor(p, old, spec, sealed)
		if links, err = linksOf(tx, p.TenantID, rec); err != nil {
			return err
		}
		if err := reactorTable.replace(tx, p.TenantID, old, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventReactorUpdated, reactorEventData(rec))
	})
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, links, visibleConfig(&p, spec.config)), nil
}

// changedReactor is old with the fields of spec.
func (v *Vault) changedReactor(p Principal, old *reactorRecord, spec *reactorSpec, sealedConfig []byte) *reactorRecord {
	now := v.now().UTC()
	return &reactorRecord{
		ID: old.ID, Name: spec.name, Code: spec.code, Config: sealedConfig, AppID: spec.appID, FormulaID: spec.formulaID,
		CreatedBy: old.CreatedBy, CreatedAt: old.CreatedAt, ModifiedBy: p.ApplicationID, ModifiedAt: &now,
	}
}

// PatchReactor applies an RFC 7386 JSON merge patch to a reactor's name,
// code, configuration and application, and returns the reactor (the REST
// API answers 204). A configuration key set to null is removed, and
// "application": null unlinks the application; other members of the patch
// are ignored. The result must be valid as an [UpdateReactorRequest]; a
// formula reactor keeps its formula. The caller needs reactor:update.
//
// Errors: KindInvalid for a patch that is not a JSON object and with field
// paths for an invalid result, KindUnprocessable for code that does not
// compile, KindNotFound, KindForbidden.
func (v *Vault) PatchReactor(ctx context.Context, id string, patch json.RawMessage) (*Reactor, error) {
	const op = "PatchReactor"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorUpdate); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(patch, &members); err != nil || members == nil {
		return nil, invalidField(op, "", "the patch must be a JSON object")
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *reactorRecord
	var spec *reactorSpec
	var links reactorLinks
	err = v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getReactor(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		config, err := openConfigTx(p.TenantID, tk, old.sealedConfig())
		if err != nil {
			return err
		}
		current := map[string]any{"name": old.Name, "configuration": config}
		if old.FormulaID == "" {
			current["code"] = old.Code
		}
		if old.AppID != "" {
			current["application"] = map[string]any{"id": old.AppID}
		}
		doc, err := json.Marshal(current)
		if err != nil {
			return err
		}
		merged, err := jsonpatch.MergePatch(doc, patch)
		clear(doc)
		if err != nil {
			return invalidField(op, "", "the patch cannot be applied")
		}
		req, err := decodePatchedReactor(op, merged)
		clear(merged)
		if err != nil {
			return err
		}
		if old.FormulaID != "" {
			req.Formula = &ReactorFormulaRef{ID: old.FormulaID}
			if req.Code != "" {
				return invalidField(op, "code", "a formula reactor runs its formula's code")
			}
		}
		if spec, err = v.checkReactor(op, req.Name, req.Code, req.Configuration, req.Application, req.Formula); err != nil {
			return err
		}
		if err := checkReactorRefs(tx, op, p.TenantID, spec); err != nil {
			return err
		}
		sealed, err := sealConfig(tk, p.TenantID, reactorKind, id, spec.config)
		if err != nil {
			return err
		}
		rec = v.changedReactor(p, old, spec, sealed)
		if links, err = linksOf(tx, p.TenantID, rec); err != nil {
			return err
		}
		if err := reactorTable.replace(tx, p.TenantID, old, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventReactorUpdated, reactorEventData(rec))
	})
	if err != nil {
		return nil, err
	}
	return rec.public(p.TenantID, links, visibleConfig(&p, spec.config)), nil
}

// decodePatchedReactor reads the merged document of a patch, with a field
// path for each member of the wrong type.
func decodePatchedReactor(op string, merged []byte) (*UpdateReactorRequest, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(merged, &doc); err != nil {
		return nil, invalidField(op, "", "the patch cannot be applied")
	}
	req := &UpdateReactorRequest{}
	fe := fieldErrors{}
	decode := func(name string, dst any, msg string) {
		if raw, ok := doc[name]; ok && json.Unmarshal(raw, dst) != nil {
			fe.add(name, "%s", msg)
		}
	}
	decode("name", &req.Name, "must be a string")
	decode("code", &req.Code, "must be a string")
	decode("configuration", &req.Configuration, "must be an object of strings")
	decode("application", &req.Application, "must be an object with an id")
	return req, fe.err(op)
}

// DeleteReactor deletes a reactor. Its asynchronous jobs not yet run fail;
// results already kept stay readable until they expire. The caller needs
// reactor:delete. Errors: KindNotFound, KindForbidden.
func (v *Vault) DeleteReactor(ctx context.Context, id string) error {
	const op = "DeleteReactor"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorDelete); err != nil {
		return err
	}
	var rec *reactorRecord
	err := v.update(ctx, op, func(tx storage.Tx) error {
		var err error
		if rec, err = getReactor(tx, op, p.TenantID, id); err != nil {
			return err
		}
		if err := reactorTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventReactorDeleted, map[string]any{"reactor": map[string]any{"id": rec.ID, "name": rec.Name}})
	})
	if err != nil {
		return err
	}
	return nil
}
