package vault

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/storage"
)

// Reactor formulas are the legacy (2021–2024) templates of reactors: code
// with a configuration contract and a request-parameter contract. A reactor
// made from a formula ({"formula": {"id": ...}}) runs the formula's code
// (changing the formula changes what its reactors run), its configuration
// must satisfy the formula's configuration[] when it is created or updated,
// and the args of every invocation must satisfy request_parameters[] after
// detokenization. A formula cannot be deleted while reactors use it. The
// permissions are those of reactors.

// Reactor formula types, statuses and field types.
const (
	FormulaOfficial   = "official"
	FormulaPrivate    = "private"
	FormulaVerified   = "verified"
	FormulaComingSoon = "coming_soon"

	FieldTypeString  = "string"
	FieldTypeBoolean = "boolean"
	FieldTypeNumber  = "number"
)

const (
	maxFormulaIcon   = 1 << 20 // characters of the icon's data URL
	maxFormulaFields = 100     // configuration or request parameters
)

// ReactorFormula is a legacy reactor formula.
type ReactorFormula struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Type is official or private.
	Type string `json:"type"`
	// Status is verified or coming_soon, or empty.
	Status string `json:"status,omitempty"`
	// Icon is a base64 data URL of a png or jpeg image.
	Icon              string                    `json:"icon,omitempty"`
	Code              string                    `json:"code"`
	Configuration     []ReactorFormulaConfig    `json:"configuration"`
	RequestParameters []ReactorFormulaParameter `json:"request_parameters"`
	CreatedBy         string                    `json:"created_by,omitempty"`
	CreatedAt         time.Time                 `json:"created_at"`
	ModifiedBy        string                    `json:"modified_by,omitempty"`
	ModifiedAt        *time.Time                `json:"modified_at,omitempty"`
}

// String describes the formula without its code.
func (f ReactorFormula) String() string {
	return "ReactorFormula{ID:" + f.ID + " Name:" + strconv.Quote(f.Name) + "}"
}

// Format prints the formula without its code, whatever the verb.
func (f ReactorFormula) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, f.String()) }

// LogValue logs the formula's id and name only.
func (f ReactorFormula) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", f.ID), slog.String("name", f.Name))
}

// ReactorFormulaConfig declares a configuration entry a reactor made from
// the formula must have. Name has no dots; Type is string, boolean or
// number, and the configuration value (a string) must parse as that type.
type ReactorFormulaConfig struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
}

// ReactorFormulaParameter declares an argument of the invocations of the
// formula's reactors. Name is a dot path into args ("card.number"); Type is
// string, boolean or number, matched against the JSON type of the
// detokenized value; an Optional parameter may be absent or null.
type ReactorFormulaParameter struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	Optional    bool   `json:"optional"`
}

// CreateReactorFormulaRequest creates a reactor formula. Name and Code are
// required; Type defaults to private.
type CreateReactorFormulaRequest struct {
	Name              string                    `json:"name"`
	Description       string                    `json:"description,omitempty"`
	Type              string                    `json:"type,omitempty"`
	Status            string                    `json:"status,omitempty"`
	Icon              string                    `json:"icon,omitempty"`
	Code              string                    `json:"code"`
	Configuration     []ReactorFormulaConfig    `json:"configuration,omitempty"`
	RequestParameters []ReactorFormulaParameter `json:"request_parameters,omitempty"`
}

// UpdateReactorFormulaRequest replaces a reactor formula (PUT), with the
// rules of [CreateReactorFormulaRequest].
type UpdateReactorFormulaRequest CreateReactorFormulaRequest

// ListReactorFormulasRequest lists formulas by offset page (1-based),
// optionally only those whose name matches Name (as in
// [ListReactorsRequest]).
type ListReactorFormulasRequest struct {
	Name string `json:"name,omitempty"`
	Page int    `json:"page,omitempty"`
	Size int    `json:"size,omitempty"`
}

// formulaRecord is a formula as stored: nothing in it is sealed.
type formulaRecord struct {
	ReactorFormula
}

var reactorFormulaTable = register(&table[formulaRecord]{
	bucket: "reactor_formulas",
	schema: 1,
	id:     func(r *formulaRecord) string { return r.ID },
})

// checkFormula validates a create or update request (field errors, then the
// code).
func (v *Vault) checkFormula(op string, req CreateReactorFormulaRequest) (*formulaRecord, error) {
	fe := fieldErrors{}
	checkName(fe, req.Name)
	if req.Type == "" {
		req.Type = FormulaPrivate
	}
	if req.Type != FormulaOfficial && req.Type != FormulaPrivate {
		fe.add("type", "must be official or private")
	}
	if req.Status != "" && req.Status != FormulaVerified && req.Status != FormulaComingSoon {
		fe.add("status", "must be verified or coming_soon")
	}
	if req.Icon != "" {
		checkIcon(fe, req.Icon)
	}
	if req.Code == "" {
		fe.add("code", "is required")
	}
	checkConfigSchema(fe, req.Configuration)
	if len(req.RequestParameters) > maxFormulaFields {
		fe.add("request_parameters", "must hold at most %d entries", maxFormulaFields)
	}
	seen := map[string]bool{}
	for i, rp := range req.RequestParameters {
		path := fmt.Sprintf("request_parameters[%d]", i)
		switch {
		case rp.Name == "":
			fe.add(path+".name", "is required")
		case slices.Contains(strings.Split(rp.Name, "."), ""):
			fe.add(path+".name", "must be a dot path such as card.number")
		case seen[rp.Name]:
			fe.add(path+".name", "is listed twice")
		}
		seen[rp.Name] = true
		checkFieldType(fe, path+".type", rp.Type)
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	if _, err := v.compileReactor(op, req.Code); err != nil {
		return nil, err
	}
	return &formulaRecord{ReactorFormula{
		Name: req.Name, Description: req.Description, Type: req.Type, Status: req.Status, Icon: req.Icon, Code: req.Code,
		Configuration:     append([]ReactorFormulaConfig{}, req.Configuration...),
		RequestParameters: append([]ReactorFormulaParameter{}, req.RequestParameters...),
	}}, nil
}

// checkConfigSchema checks the configuration[] of a formula or an exchange
// template: at most 100 entries, each with a name (no dots, not listed
// twice) and a field type.
func checkConfigSchema(fe fieldErrors, entries []ReactorFormulaConfig) {
	if len(entries) > maxFormulaFields {
		fe.add("configuration", "must hold at most %d entries", maxFormulaFields)
	}
	seen := map[string]bool{}
	for i, c := range entries {
		path := fmt.Sprintf("configuration[%d]", i)
		switch {
		case c.Name == "":
			fe.add(path+".name", "is required")
		case strings.Contains(c.Name, "."):
			fe.add(path+".name", "must not contain dots")
		case seen[c.Name]:
			fe.add(path+".name", "is listed twice")
		}
		seen[c.Name] = true
		checkFieldType(fe, path+".type", c.Type)
	}
}

func checkFieldType(fe fieldErrors, path, typ string) {
	switch typ {
	case FieldTypeString, FieldTypeBoolean, FieldTypeNumber:
	case "":
		fe.add(path, "is required")
	default:
		fe.add(path, "must be string, boolean or number")
	}
}

// checkIcon accepts a base64 data URL of a png or jpeg image.
func checkIcon(fe fieldErrors, icon string) {
	if len(icon) > maxFormulaIcon {
		fe.add("icon", "must be at most %d characters", maxFormulaIcon)
		return
	}
	for _, prefix := range []string{"data:image/png;base64,", "data:image/jpg;base64,", "data:image/jpeg;base64,"} {
		if rest, ok := strings.CutPrefix(icon, prefix); ok {
			if _, err := base64.StdEncoding.DecodeString(rest); err != nil {
				fe.add("icon", "must be valid base64")
			}
			return
		}
	}
	fe.add("icon", "must be a base64 data URL of a png, jpg or jpeg image")
}

// checkFormulaConfiguration checks a reactor's configuration against a
// formula's contract: every declared name present, its value parsing as the
// declared type. Other names are allowed.
func checkFormulaConfiguration(fe fieldErrors, contract []ReactorFormulaConfig, config map[string]string) {
	for _, c := range contract {
		path := "configuration." + c.Name
		val, ok := config[c.Name]
		if !ok {
			fe.add(path, "is required by the reactor formula")
			continue
		}
		switch c.Type {
		case FieldTypeBoolean:
			if _, err := strconv.ParseBool(val); err != nil {
				fe.add(path, "must be a boolean")
			}
		case FieldTypeNumber:
			if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				fe.add(path, "must be a number")
			}
		}
	}
}

// checkRequestParameters checks detokenized args against a formula's
// request_parameters, with paths "args.<name>". Undeclared args are allowed.
func checkRequestParameters(fe fieldErrors, params []ReactorFormulaParameter, args any) {
	for _, rp := range params {
		path := "args." + rp.Name
		val, ok := lookupPath(args, strings.Split(rp.Name, "."))
		if !ok || val == nil {
			if !rp.Optional {
				fe.add(path, "is required")
			}
			continue
		}
		var good bool
		switch rp.Type {
		case FieldTypeString:
			_, good = val.(string)
		case FieldTypeBoolean:
			_, good = val.(bool)
		case FieldTypeNumber:
			good = isJSONNumber(val)
		default:
			good = true
		}
		if !good {
			fe.add(path, "must be a %s", rp.Type)
		}
	}
}

func lookupPath(doc any, path []string) (any, bool) {
	for _, part := range path {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, false
		}
		if doc, ok = m[part]; !ok {
			return nil, false
		}
	}
	return doc, true
}

func isJSONNumber(v any) bool {
	switch v.(type) {
	case float64, float32, int, int64, int32, uint, uint64, uint32:
		return true
	}
	_, ok := v.(interface{ Float64() (float64, error) })
	return ok
}

// CreateReactorFormula creates a legacy reactor formula and returns it. The
// caller needs reactor:create. Errors: KindInvalid with field paths
// ("name", "type", "status", "icon", "configuration[0].name",
// "request_parameters[1].type", ...), KindUnprocessable with the path "code",
// KindForbidden.
func (v *Vault) CreateReactorFormula(ctx context.Context, req CreateReactorFormulaRequest) (*ReactorFormula, error) {
	const op = "CreateReactorFormula"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorCreate); err != nil {
		return nil, err
	}
	rec, err := v.checkFormula(op, req)
	if err != nil {
		return nil, err
	}
	rec.ID, rec.CreatedBy, rec.CreatedAt = uuid.NewString(), p.ApplicationID, v.now().UTC()
	if err := v.update(ctx, op, func(tx storage.Tx) error {
		if _, err := liveTenant(tx, op, p.TenantID); err != nil {
			return err
		}
		if err := reactorFormulaTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.auditTx(ctx, tx, p.TenantID, auditReactorFormula, rec.ID, AuditCreate, "Reactor formula created")
	}); err != nil {
		return nil, err
	}
	return rec.public(), nil
}

func (r *formulaRecord) public() *ReactorFormula {
	out := r.ReactorFormula
	out.Configuration = append([]ReactorFormulaConfig{}, r.Configuration...)
	out.RequestParameters = append([]ReactorFormulaParameter{}, r.RequestParameters...)
	return &out
}

func getFormula(tx storage.Tx, op, tenant, id string) (*formulaRecord, error) {
	rec, err := reactorFormulaTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "reactor formula not found")
	}
	return rec, err
}

// GetReactorFormula returns a reactor formula. The caller needs
// reactor:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetReactorFormula(ctx context.Context, id string) (*ReactorFormula, error) {
	const op = "GetReactorFormula"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorRead); err != nil {
		return nil, err
	}
	var rec *formulaRecord
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		rec, err = getFormula(tx, op, p.TenantID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec.public(), nil
}

// ListReactorFormulas returns one offset page of the tenant's reactor
// formulas, ordered by name. The caller needs reactor:read.
func (v *Vault) ListReactorFormulas(ctx context.Context, req ListReactorFormulasRequest) (*Page[*ReactorFormula], error) {
	const op = "ListReactorFormulas"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorRead); err != nil {
		return nil, err
	}
	if err := checkOffsetPage(op, req.Page, req.Size); err != nil {
		return nil, err
	}
	var all []*ReactorFormula
	err := v.view(ctx, op, func(tx storage.Tx) error {
		all = nil
		return reactorFormulaTable.scan(tx, p.TenantID, "", false, func(r *formulaRecord) error {
			if req.Name == "" || matchName(req.Name, r.Name) {
				all = append(all, r.public())
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *ReactorFormula) int { return byNameThenID(a.Name, a.ID, b.Name, b.ID) })
	return offsetPage(all, req.Page, req.Size), nil
}

// UpdateReactorFormula replaces a reactor formula and returns it. The
// reactors made from it run the new code at once; their configurations are
// not checked again. The caller needs reactor:update. Errors: those of
// [Vault.CreateReactorFormula], and KindNotFound.
func (v *Vault) UpdateReactorFormula(ctx context.Context, id string, req UpdateReactorFormulaRequest) (*ReactorFormula, error) {
	const op = "UpdateReactorFormula"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorUpdate); err != nil {
		return nil, err
	}
	rec, err := v.checkFormula(op, CreateReactorFormulaRequest(req))
	if err != nil {
		return nil, err
	}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getFormula(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		now := v.now().UTC()
		rec.ID, rec.CreatedBy, rec.CreatedAt, rec.ModifiedBy, rec.ModifiedAt = old.ID, old.CreatedBy, old.CreatedAt, p.ApplicationID, &now
		if err := reactorFormulaTable.replace(tx, p.TenantID, old, rec); err != nil {
			return err
		}
		return v.auditTx(ctx, tx, p.TenantID, auditReactorFormula, rec.ID, AuditUpdate, "Reactor formula updated")
	})
	if err != nil {
		return nil, err
	}
	return rec.public(), nil
}

// DeleteReactorFormula deletes a reactor formula. The caller needs
// reactor:delete. Errors: KindConflict while reactors use it, KindNotFound,
// KindForbidden.
func (v *Vault) DeleteReactorFormula(ctx context.Context, id string) error {
	const op = "DeleteReactorFormula"
	p := v.principal(ctx)
	if err := p.require(op, PermReactorDelete); err != nil {
		return err
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getFormula(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		used, err := reactorByFormula.any(tx, p.TenantID, &reactorRecord{FormulaID: id})
		if err != nil {
			return err
		}
		if used {
			return newError(KindConflict, op, "the reactor formula is used by reactors")
		}
		if err := reactorFormulaTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.auditTx(ctx, tx, p.TenantID, auditReactorFormula, rec.ID, AuditDelete, "Reactor formula deleted")
	})
}
