package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/storage"
)

// Exchange templates are the 2021 model of reactor formulas (seed 003,
// reference section 9): code that turns a token of one type (the source
// token type) into a new token, with a configuration schema. An exchange
// binds a template to a configuration that satisfies that schema. Official
// templates ship with the vault, are the same in every tenant and cannot be
// changed or deleted; private templates belong to one tenant. The
// permissions are exchange:create, exchange:read, exchange:update and
// exchange:delete, for templates and exchanges alike.
//
// A template's code exports one function, called with a context of two
// members and returning the token to create:
//
//	module.exports = async function (context) {
//	  const { sourceToken, configuration } = context;
//	  return { type: 'card_number', data: sourceToken.data.number, metadata: sourceToken.metadata };
//	};
//
// sourceToken is the token being exchanged as GET /tokens/{id} returns it
// with its data revealed; configuration holds the exchange's configuration
// with each value of its declared type (booleans and numbers as such, not
// strings). The code runs in the reactor sandbox, with its limits, modules
// and error classes; see [Vault.Exchange].

// Exchange template types.
const (
	ExchangeTemplateOfficial = "official"
	ExchangeTemplatePrivate  = "private"
)

const exchangeKind = "exchange"

// ExchangeTemplate is an exchange template.
type ExchangeTemplate struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Type is official (shipped with the vault, read-only) or private.
	Type string `json:"type"`
	// SourceTokenType is the type of the tokens the template exchanges.
	SourceTokenType string `json:"source_token_type"`
	// Icon is a base64 data URL of a png or jpeg image.
	Icon          string                   `json:"icon,omitempty"`
	Code          string                   `json:"code"`
	Configuration []ExchangeTemplateConfig `json:"configuration"`
	CreatedBy     string                   `json:"created_by,omitempty"`
	CreatedAt     time.Time                `json:"created_at"`
	ModifiedBy    string                   `json:"modified_by,omitempty"`
	ModifiedAt    *time.Time               `json:"modified_at,omitempty"`
}

// String describes the template without its code.
func (t ExchangeTemplate) String() string {
	return "ExchangeTemplate{ID:" + t.ID + " Name:" + strconv.Quote(t.Name) + "}"
}

// Format prints the template without its code, whatever the verb.
func (t ExchangeTemplate) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, t.String()) }

// LogValue logs the template's id and name only.
func (t ExchangeTemplate) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID), slog.String("name", t.Name))
}

// ExchangeTemplateConfig declares a configuration entry every exchange made
// from the template must have, and no exchange may have an entry the
// template does not declare. Name has no dots; Type is string, boolean or
// number.
type ExchangeTemplateConfig struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
}

// CreateExchangeTemplateRequest creates a private exchange template. Name
// (at most 200 characters), SourceTokenType (a token type) and Code are
// required; Type may be empty or private (official templates ship with the
// vault).
type CreateExchangeTemplateRequest struct {
	Name            string                   `json:"name"`
	Description     string                   `json:"description,omitempty"`
	Type            string                   `json:"type,omitempty"`
	SourceTokenType string                   `json:"source_token_type"`
	Icon            string                   `json:"icon,omitempty"`
	Code            string                   `json:"code"`
	Configuration   []ExchangeTemplateConfig `json:"configuration,omitempty"`
}

// UpdateExchangeTemplateRequest replaces a private exchange template (PUT),
// with the rules of [CreateExchangeTemplateRequest].
type UpdateExchangeTemplateRequest CreateExchangeTemplateRequest

// ListExchangeTemplatesRequest lists official and private templates by
// offset page (1-based), optionally only those whose name matches Name (a
// wildcard pattern, as in [ListReactorsRequest]) or whose source token type
// is SourceTokenType.
type ListExchangeTemplatesRequest struct {
	Name            string `json:"name,omitempty"`
	SourceTokenType string `json:"source_token_type,omitempty"`
	Page            int    `json:"page,omitempty"`
	Size            int    `json:"size,omitempty"`
}

// exchangeTemplateRecord is a private template as stored: nothing in it is
// sealed.
type exchangeTemplateRecord struct {
	ExchangeTemplate
}

var exchangeTemplateTable = register(&table[exchangeTemplateRecord]{
	bucket: "exchange_templates",
	schema: 1,
	id:     func(r *exchangeTemplateRecord) string { return r.ID },
})

// checkExchangeTemplate validates a create or update request: field errors
// first (KindInvalid), then the code (KindUnprocessable).
func (v *Vault) checkExchangeTemplate(op string, req CreateExchangeTemplateRequest) (*exchangeTemplateRecord, error) {
	fe := fieldErrors{}
	checkName(fe, req.Name)
	switch req.Type {
	case "", ExchangeTemplatePrivate:
	case ExchangeTemplateOfficial:
		fe.add("type", "must be private: official templates ship with the vault")
	default:
		fe.add("type", "must be private")
	}
	switch {
	case req.SourceTokenType == "":
		fe.add("source_token_type", "is required")
	case tokenTypes[req.SourceTokenType] == nil:
		fe.add("source_token_type", "must be a token type")
	}
	if req.Icon != "" {
		checkIcon(fe, req.Icon)
	}
	if req.Code == "" {
		fe.add("code", "is required")
	}
	checkConfigSchema(fe, formulaConfigs(req.Configuration))
	if err := fe.err(op); err != nil {
		return nil, err
	}
	if _, err := v.compileReactor(op, req.Code); err != nil { // the sandbox runs it with ConventionFunction
		return nil, err
	}
	return &exchangeTemplateRecord{ExchangeTemplate{
		Name: req.Name, Description: req.Description, Type: ExchangeTemplatePrivate, SourceTokenType: req.SourceTokenType,
		Icon: req.Icon, Code: req.Code, Configuration: slices.Clone(req.Configuration),
	}}, nil
}

// formulaConfigs converts template configuration entries to formula ones,
// which have the same fields and checks.
func formulaConfigs(entries []ExchangeTemplateConfig) []ReactorFormulaConfig {
	out := make([]ReactorFormulaConfig, len(entries))
	for i, c := range entries {
		out[i] = ReactorFormulaConfig(c)
	}
	return out
}

func cloneTemplate(t *ExchangeTemplate) *ExchangeTemplate {
	out := *t
	out.Configuration = slices.Clone(t.Configuration)
	if out.Configuration == nil {
		out.Configuration = []ExchangeTemplateConfig{}
	}
	return &out
}

// getExchangeTemplate returns an official template or a private one of the
// tenant, as the caller's own copy.
func getExchangeTemplate(tx storage.Tx, op, tenant, id string) (*ExchangeTemplate, error) {
	if t := officialTemplate(id); t != nil {
		return cloneTemplate(t), nil
	}
	rec, err := exchangeTemplateTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "exchange template not found")
	}
	if err != nil {
		return nil, err
	}
	return cloneTemplate(&rec.ExchangeTemplate), nil
}

// getPrivateTemplate returns a private template of the tenant for a change:
// KindForbidden for an official one.
func getPrivateTemplate(tx storage.Tx, op, tenant, id string) (*exchangeTemplateRecord, error) {
	if officialTemplate(id) != nil {
		return nil, newError(KindForbidden, op, "official exchange templates ship with the vault and cannot be changed or deleted")
	}
	rec, err := exchangeTemplateTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "exchange template not found")
	}
	return rec, err
}

// CreateExchangeTemplate creates a private exchange template and returns
// it. The caller needs exchange:create. Errors: KindInvalid with field
// paths ("name", "type", "source_token_type", "icon", "code",
// "configuration[0].name", "configuration[1].type", ...),
// KindUnprocessable with the path "code" for code that does not compile,
// KindForbidden.
func (v *Vault) CreateExchangeTemplate(ctx context.Context, req CreateExchangeTemplateRequest) (*ExchangeTemplate, error) {
	const op = "CreateExchangeTemplate"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeCreate); err != nil {
		return nil, err
	}
	rec, err := v.checkExchangeTemplate(op, req)
	if err != nil {
		return nil, err
	}
	rec.ID, rec.CreatedBy, rec.CreatedAt = uuid.NewString(), p.ApplicationID, v.now().UTC()
	if err := v.update(ctx, op, func(tx storage.Tx) error {
		if _, err := liveTenant(tx, op, p.TenantID); err != nil {
			return err
		}
		if err := exchangeTemplateTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.auditTx(ctx, tx, p.TenantID, auditExchangeTemplate, rec.ID, AuditCreate, "Exchange template created")
	}); err != nil {
		return nil, err
	}
	return cloneTemplate(&rec.ExchangeTemplate), nil
}

// GetExchangeTemplate returns an official or private exchange template. The
// caller needs exchange:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetExchangeTemplate(ctx context.Context, id string) (*ExchangeTemplate, error) {
	const op = "GetExchangeTemplate"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeRead); err != nil {
		return nil, err
	}
	var t *ExchangeTemplate
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		t, err = getExchangeTemplate(tx, op, p.TenantID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ListExchangeTemplates returns one offset page of the official templates
// and the tenant's private ones, ordered by name. The caller needs
// exchange:read. Errors: KindInvalid for a bad page or size.
func (v *Vault) ListExchangeTemplates(ctx context.Context, req ListExchangeTemplatesRequest) (*Page[*ExchangeTemplate], error) {
	const op = "ListExchangeTemplates"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeRead); err != nil {
		return nil, err
	}
	if err := checkOffsetPage(op, req.Page, req.Size); err != nil {
		return nil, err
	}
	keep := func(t *ExchangeTemplate) bool {
		return (req.Name == "" || matchName(req.Name, t.Name)) && (req.SourceTokenType == "" || t.SourceTokenType == req.SourceTokenType)
	}
	var all []*ExchangeTemplate
	err := v.view(ctx, op, func(tx storage.Tx) error {
		all = nil
		for _, t := range officialTemplates {
			if keep(t) {
				all = append(all, cloneTemplate(t))
			}
		}
		return exchangeTemplateTable.scan(tx, p.TenantID, "", false, func(r *exchangeTemplateRecord) error {
			if keep(&r.ExchangeTemplate) {
				all = append(all, cloneTemplate(&r.ExchangeTemplate))
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *ExchangeTemplate) int { return byNameThenID(a.Name, a.ID, b.Name, b.ID) })
	return offsetPage(all, req.Page, req.Size), nil
}

// AllExchangeTemplates walks every page of ListExchangeTemplates.
func (v *Vault) AllExchangeTemplates(ctx context.Context, req ListExchangeTemplatesRequest) iter.Seq2[*ExchangeTemplate, error] {
	return allPages(req.Page, func(page int) (*Page[*ExchangeTemplate], error) {
		r := req
		r.Page = page
		return v.ListExchangeTemplates(ctx, r)
	})
}

// UpdateExchangeTemplate replaces a private exchange template and returns
// it. The exchanges made from it run the new code at once, and an exchange
// whose configuration no longer fits the new schema fails to exchange
// (KindConflict) until it is updated. The caller needs exchange:update.
// Errors: those of [Vault.CreateExchangeTemplate], KindForbidden for an
// official template, KindNotFound.
func (v *Vault) UpdateExchangeTemplate(ctx context.Context, id string, req UpdateExchangeTemplateRequest) (*ExchangeTemplate, error) {
	const op = "UpdateExchangeTemplate"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeUpdate); err != nil {
		return nil, err
	}
	rec, err := v.checkExchangeTemplate(op, CreateExchangeTemplateRequest(req))
	if err != nil {
		return nil, err
	}
	err = v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getPrivateTemplate(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		now := v.now().UTC()
		rec.ID, rec.CreatedBy, rec.CreatedAt, rec.ModifiedBy, rec.ModifiedAt = old.ID, old.CreatedBy, old.CreatedAt, p.ApplicationID, &now
		if err := exchangeTemplateTable.replace(tx, p.TenantID, old, rec); err != nil {
			return err
		}
		return v.auditTx(ctx, tx, p.TenantID, auditExchangeTemplate, rec.ID, AuditUpdate, "Exchange template updated")
	})
	if err != nil {
		return nil, err
	}
	return cloneTemplate(&rec.ExchangeTemplate), nil
}

// DeleteExchangeTemplate deletes a private exchange template. The caller
// needs exchange:delete. Errors: KindConflict while exchanges use it,
// KindForbidden for an official template, KindNotFound.
func (v *Vault) DeleteExchangeTemplate(ctx context.Context, id string) error {
	const op = "DeleteExchangeTemplate"
	p := v.principal(ctx)
	if err := p.require(op, PermExchangeDelete); err != nil {
		return err
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getPrivateTemplate(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		used, err := exchangeByTemplate.any(tx, p.TenantID, &exchangeRecord{TemplateID: id})
		if err != nil {
			return err
		}
		if used {
			return newError(KindConflict, op, "the exchange template is used by exchanges")
		}
		if err := exchangeTemplateTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.auditTx(ctx, tx, p.TenantID, auditExchangeTemplate, rec.ID, AuditDelete, "Exchange template deleted")
	})
}
