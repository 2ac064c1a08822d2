package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Orchestration connections (seed 000, reference section 10): a connection
// is a connection formula (a payment service) with its credentials, sealed
// at rest, and the countries and currencies it accepts. A new or changed
// connection is pending until a background job has the formula's adapter
// verify the credentials: then available, or failed with a reason. The
// permissions are orchestration:connections:create, :read, :update and
// :delete.

// Connection statuses.
const (
	ConnectionPending   = "pending"
	ConnectionAvailable = "available"
	ConnectionFailed    = "failed"
)

const (
	connectionKind       = "connection"
	connectionQueueKind  = "connection.verify"
	maxConnectionName    = 200
	maxConnectionFields  = 50
	maxConnectionValue   = 8192 // bytes of one field value (a PEM key fits)
	connectionAttempts   = 6
	verificationTimeout  = 30 * time.Second
	maxAcceptedCountries = 250
)

// ConnectionField is a credential or setting of a connection request: Key
// names a field of the formula, and Value is a [Secret], so a request never
// prints it.
type ConnectionField struct {
	Key   string `json:"key"`
	Value Secret `json:"value"`
}

// ConnectionFieldValue is a field of a connection as returned: the values
// of fields the formula marks secret are never returned (Secret is set and
// Value empty).
type ConnectionFieldValue struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Secret bool   `json:"secret,omitempty"`
}

// Connection is an orchestration connection.
type Connection struct {
	ID                  string                 `json:"id"`
	ConnectionFormulaID string                 `json:"connection_formula_id"`
	Method              string                 `json:"method"`
	DisplayName         string                 `json:"display_name"`
	Fields              []ConnectionFieldValue `json:"fields"`
	AcceptedCountries   []string               `json:"accepted_countries"`
	AcceptedCurrencies  []string               `json:"accepted_currencies"`
	Active              bool                   `json:"active"`
	// Status is pending, available or failed; StatusReason says why it
	// failed (our extension).
	Status              string     `json:"status"`
	StatusReason        string     `json:"status_reason,omitempty"`
	ThreeDSecureEnabled bool       `json:"three_d_secure_enabled"`
	CreatedBy           string     `json:"created_by,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	ModifiedBy          string     `json:"modified_by,omitempty"`
	ModifiedAt          *time.Time `json:"modified_at,omitempty"`
}

// String describes the connection without its fields.
func (c Connection) String() string {
	return "Connection{ID:" + c.ID + " Formula:" + c.ConnectionFormulaID + " Status:" + c.Status + "}"
}

// Format prints what String returns, whatever the verb.
func (c Connection) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the connection's id, formula and status only.
func (c Connection) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("formula", c.ConnectionFormulaID), slog.String("status", c.Status))
}

// CreateConnectionRequest creates a connection. Every member is required
// except Active (default true): the formula, its method, a display name (at
// most 200 characters), the formula's required fields (and no field it does
// not declare), and at least one accepted country (ISO 3166-1 alpha-2) and
// currency (ISO 4217), each supported by the formula.
type CreateConnectionRequest struct {
	ConnectionFormulaID string            `json:"connection_formula_id"`
	Method              string            `json:"method"`
	DisplayName         string            `json:"display_name"`
	Fields              []ConnectionField `json:"fields"`
	AcceptedCountries   []string          `json:"accepted_countries"`
	AcceptedCurrencies  []string          `json:"accepted_currencies"`
	Active              *bool             `json:"active,omitempty"`
}

// String describes the request without its field values.
func (r CreateConnectionRequest) String() string {
	return "CreateConnectionRequest{Formula:" + r.ConnectionFormulaID + " Fields:[REDACTED]}"
}

// Format prints what String returns, whatever the verb.
func (r CreateConnectionRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs what String returns.
func (r CreateConnectionRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// UpdateConnectionRequest replaces a connection (PUT), with the rules of
// [CreateConnectionRequest]: secret fields must be sent again, since they
// are never returned.
type UpdateConnectionRequest CreateConnectionRequest

// String describes the request without its field values.
func (r UpdateConnectionRequest) String() string {
	return "UpdateConnectionRequest{Formula:" + r.ConnectionFormulaID + " Fields:[REDACTED]}"
}

// Format prints what String returns, whatever the verb.
func (r UpdateConnectionRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs what String returns.
func (r UpdateConnectionRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// connectionRecord is a connection as stored. Fields is the sealed JSON of
// every field's value by key; Keys their keys in the order given.
type connectionRecord struct {
	ID           string     `json:"id"`
	FormulaID    string     `json:"formula"`
	Method       string     `json:"method"`
	DisplayName  string     `json:"name"`
	Keys         []string   `json:"keys,omitempty"`
	Fields       []byte     `json:"fields,omitempty"`
	Countries    []string   `json:"countries"`
	Currencies   []string   `json:"currencies"`
	Active       bool       `json:"active"`
	Status       string     `json:"status"`
	StatusReason string     `json:"reason,omitempty"`
	Revision     int        `json:"rev"`
	CreatedBy    string     `json:"created_by,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	ModifiedBy   string     `json:"modified_by,omitempty"`
	ModifiedAt   *time.Time `json:"modified_at,omitempty"`
	VerifiedAt   *time.Time `json:"verified_at,omitempty"`
}

var connectionTable = register(&table[connectionRecord]{
	bucket: "connections",
	kind:   connectionKind,
	schema: 1,
	id:     func(r *connectionRecord) string { return r.ID },
	sealed: func(r *connectionRecord) []sealedField {
		return []sealedField{{sealFieldConfig, &r.Fields, r.ID}}
	},
})

// connectionSpec is a validated create or update request.
type connectionSpec struct {
	formula    *ConnectionFormula
	rec        connectionRecord // the request's members
	values     map[string]string
	hasAdapter bool
}

// checkConnection validates a request against its formula, with field
// paths.
func (v *Vault) checkConnection(op string, req CreateConnectionRequest) (*connectionSpec, error) {
	fe := fieldErrors{}
	spec := &connectionSpec{values: map[string]string{}}
	spec.rec = connectionRecord{FormulaID: req.ConnectionFormulaID, Method: req.Method, DisplayName: req.DisplayName, Active: true,
		Countries: slices.Clone(req.AcceptedCountries), Currencies: slices.Clone(req.AcceptedCurrencies)}
	if req.Active != nil {
		spec.rec.Active = *req.Active
	}
	switch {
	case req.ConnectionFormulaID == "":
		fe.add("connection_formula_id", "is required")
	default:
		spec.formula = v.gateways.formula(req.ConnectionFormulaID)
		if spec.formula == nil {
			fe.add("connection_formula_id", "must name a connection formula")
		}
	}
	switch {
	case req.Method == "":
		fe.add("method", "is required")
	case spec.formula != nil && req.Method != spec.formula.Method:
		fe.add("method", "must be %s, the connection formula's method", spec.formula.Method)
	}
	switch {
	case req.DisplayName == "":
		fe.add("display_name", "is required")
	case len([]rune(req.DisplayName)) > maxConnectionName:
		fe.add("display_name", "must be at most %d characters", maxConnectionName)
	}
	if spec.formula != nil {
		spec.hasAdapter = spec.formula.HasAdapter
		checkConnectionFields(fe, spec, req.Fields)
	} else if req.Fields == nil {
		fe.add("fields", "is required")
	}
	var supportedCountries, supportedCurrencies []string
	if spec.formula != nil {
		supportedCountries, supportedCurrencies = spec.formula.SupportedCountries, spec.formula.SupportedCurrencies
	}
	checkCodes(fe, "accepted_countries", req.AcceptedCountries, isCountry, "an ISO 3166-1 alpha-2 country code", supportedCountries, spec.formula != nil)
	checkCodes(fe, "accepted_currencies", req.AcceptedCurrencies, isCurrency, "an ISO 4217 currency code", supportedCurrencies, spec.formula != nil)
	if err := fe.err(op); err != nil {
		clear(spec.values)
		return nil, err
	}
	return spec, nil
}

// checkConnectionFields checks the fields against the formula: every key
// declared once, every required one present, each value within its format.
func checkConnectionFields(fe fieldErrors, spec *connectionSpec, fields []ConnectionField) {
	f := spec.formula
	if fields == nil && slices.ContainsFunc(f.Fields, func(x gateway.Field) bool { return x.Required }) {
		fe.add("fields", "is required")
		return
	}
	if len(fields) > maxConnectionFields {
		fe.add("fields", "must hold at most %d entries", maxConnectionFields)
		return
	}
	for i, field := range fields {
		path := "fields[" + strconv.Itoa(i) + "]"
		def, known := f.Field(field.Key)
		switch {
		case field.Key == "":
			fe.add(path+".key", "is required")
			continue
		case !known:
			fe.add(path+".key", "is not a field of the %s connection formula", f.ID)
			continue
		case slices.Contains(spec.rec.Keys, field.Key):
			fe.add(path+".key", "is listed twice")
			continue
		}
		val := field.Value.Reveal()
		switch {
		case val == "" && def.Required:
			fe.add(path+".value", "is required")
		case len(val) > maxConnectionValue:
			fe.add(path+".value", "must be at most %d bytes", maxConnectionValue)
		case def.Format != gateway.FormatMultiline && strings.ContainsAny(val, "\r\n"):
			fe.add(path+".value", "must be one line (the field's format is text)")
		}
		spec.rec.Keys = append(spec.rec.Keys, field.Key)
		spec.values[field.Key] = val
	}
	for _, def := range f.Fields {
		if def.Required && !slices.Contains(spec.rec.Keys, def.Key) {
			fe.add("fields", "%s is required by the %s connection formula", def.Key, f.ID)
		}
	}
}

// checkCodes checks a list of country or currency codes: at least one, each
// valid and, once the formula is known, supported by it.
func checkCodes(fe fieldErrors, path string, codes []string, valid func(string) bool, what string, supported []string, known bool) {
	if len(codes) == 0 {
		fe.add(path, "must hold at least one code")
		return
	}
	if len(codes) > maxAcceptedCountries {
		fe.add(path, "must hold at most %d codes", maxAcceptedCountries)
		return
	}
	for i, code := range codes {
		p := path + "[" + strconv.Itoa(i) + "]"
		switch {
		case !valid(code):
			fe.add(p, "must be %s in upper case", what)
		case slices.Contains(codes[:i], code):
			fe.add(p, "is listed twice")
		case known && !slices.Contains(supported, code):
			fe.add(p, "is not supported by the connection formula")
		}
	}
}

// isCountry reports whether s is an ISO 3166-1 alpha-2 country code, in
// upper case.
func isCountry(s string) bool {
	if len(s) != 2 || strings.ToUpper(s) != s {
		return false
	}
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry() && r.String() == s
}

// isCurrency reports whether s is an ISO 4217 currency code, in upper case.
func isCurrency(s string) bool {
	if len(s) != 3 || strings.ToUpper(s) != s {
		return false
	}
	u, err := currency.ParseISO(s)
	return err == nil && u.String() == s
}

func (r *connectionRecord) sealedFields() sealedConfig {
	return sealedConfig{connectionKind, r.ID, r.Fields}
}

// public is the connection as returned: non-secret values in plaintext,
// secret ones left out.
func (r *connectionRecord) public(f *ConnectionFormula, values map[string]string) *Connection {
	c := &Connection{
		ID: r.ID, ConnectionFormulaID: r.FormulaID, Method: r.Method, DisplayName: r.DisplayName, Fields: []ConnectionFieldValue{},
		AcceptedCountries: slices.Clone(r.Countries), AcceptedCurrencies: slices.Clone(r.Currencies), Active: r.Active,
		Status: r.Status, StatusReason: r.StatusReason, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ModifiedBy: r.ModifiedBy, ModifiedAt: r.ModifiedAt,
	}
	for _, k := range r.Keys {
		fv := ConnectionFieldValue{Key: k, Secret: true}
		if f != nil {
			if def, ok := f.Field(k); ok && !def.Secret {
				fv = ConnectionFieldValue{Key: k, Value: values[k]}
			}
		}
		c.Fields = append(c.Fields, fv)
	}
	if f != nil {
		c.ThreeDSecureEnabled = f.Features.ThreeDSecureHosted || f.Features.ThreeDSecurePassThrough
	}
	return c
}

func connectionEventData(r *connectionRecord) map[string]any {
	m := map[string]any{"id": r.ID, "connection_formula_id": r.FormulaID, "display_name": r.DisplayName, "status": r.Status, "active": r.Active}
	if r.StatusReason != "" {
		m["status_reason"] = r.StatusReason
	}
	return map[string]any{"connection": m}
}

// Connection event types. Each carries {connection: {id,
// connection_formula_id, display_name, status, active, status_reason}};
// none holds a field value.
const (
	EventConnectionCreated   = "connection.created"
	EventConnectionUpdated   = "connection.updated"
	EventConnectionDeleted   = "connection.deleted"
	EventConnectionAvailable = "connection.available"
	EventConnectionFailed    = "connection.failed"
)

// noAdapterReason is the status reason of a connection no adapter backs.
func noAdapterReason(formula string) string {
	return "no payment service adapter is registered for the " + formula + " connection formula"
}

// writeConnection stores rec (replacing old when set) with the validated
// spec, sealed, and its verification job, in tx.
func (v *Vault) writeConnection(ctx context.Context, tx storage.Tx, p Principal, tk *keys.TenantKeys, old, rec *connectionRecord,
	spec *connectionSpec, typ string) error {
	rec.Status, rec.StatusReason = ConnectionPending, ""
	if !spec.hasAdapter {
		rec.Status, rec.StatusReason = ConnectionFailed, noAdapterReason(rec.FormulaID)
	}
	var err error
	if rec.Fields, err = sealConfig(tk, p.TenantID, connectionKind, rec.ID, spec.values); err != nil {
		return err
	}
	if old == nil {
		err = connectionTable.insert(tx, p.TenantID, rec)
	} else {
		err = connectionTable.replace(tx, p.TenantID, old, rec)
	}
	if err != nil {
		return err
	}
	if spec.hasAdapter {
		job, err := v.newJob(tk, p.TenantID, connectionQueueKind, verifyJobID(rec.ID, rec.Revision), nil)
		if err != nil {
			return err
		}
		if err := insertJob(tx, p.TenantID, job); err != nil {
			return err
		}
	}
	return v.emitTx(ctx, tx, p.TenantID, typ, connectionEventData(rec))
}

// CreateConnection creates a connection and returns it, pending (or failed
// at once when no adapter backs its formula). The caller needs
// orchestration:connections:create.
//
// Errors: KindInvalid with field paths ("connection_formula_id", "method",
// "display_name", "fields", "fields[0].key", "fields[1].value",
// "accepted_countries[0]", "accepted_currencies[2]", ...), KindForbidden.
// Raises connection.created, then connection.available or
// connection.failed when the verification ends.
func (v *Vault) CreateConnection(ctx context.Context, req CreateConnectionRequest) (*Connection, error) {
	const op = "CreateConnection"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectionCreate); err != nil {
		return nil, err
	}
	spec, err := v.checkConnection(op, req)
	if err != nil {
		return nil, err
	}
	defer clear(spec.values)
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	rec := spec.rec
	rec.ID, rec.CreatedBy, rec.CreatedAt = uuid.NewString(), p.ApplicationID, v.now().UTC()
	err = v.update(ctx, op, func(tx storage.Tx) error {
		if _, err := liveTenant(tx, op, p.TenantID); err != nil {
			return err
		}
		return v.writeConnection(ctx, tx, p, tk, nil, &rec, spec, EventConnectionCreated)
	})
	if err != nil {
		return nil, err
	}
	v.jobs.signal()
	return rec.public(spec.formula, spec.values), nil
}

func getConnection(tx storage.Tx, op, tenant, id string) (*connectionRecord, error) {
	rec, err := connectionTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "connection not found")
	}
	return rec, err
}

// GetConnection returns a connection. The caller needs
// orchestration:connections:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetConnection(ctx context.Context, id string) (*Connection, error) {
	const op = "GetConnection"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectionRead); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *connectionRecord
	err = v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		rec, err = getConnection(tx, op, p.TenantID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v.publicConnection(ctx, op, p.TenantID, tk, rec)
}

// publicConnection opens a connection's fields to return it.
func (v *Vault) publicConnection(ctx context.Context, op, tenant string, tk *keys.TenantKeys, rec *connectionRecord) (*Connection, error) {
	values, err := v.openConfig(ctx, tenant, tk, rec.sealedFields())
	if err != nil {
		return nil, wrapErr(op, err)
	}
	defer clear(values)
	return rec.public(v.gateways.formula(rec.FormulaID), values), nil
}

// ListConnections returns the tenant's connections ordered by display name,
// as a plain list (the seed's shape: no pagination). The caller needs
// orchestration:connections:read.
func (v *Vault) ListConnections(ctx context.Context) ([]*Connection, error) {
	const op = "ListConnections"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectionRead); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var recs []*connectionRecord
	err = v.view(ctx, op, func(tx storage.Tx) error {
		recs = nil
		return connectionTable.scan(tx, p.TenantID, "", false, func(r *connectionRecord) error {
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(recs, func(a, b *connectionRecord) int { return byNameThenID(a.DisplayName, a.ID, b.DisplayName, b.ID) })
	out := make([]*Connection, 0, len(recs))
	for _, r := range recs {
		c, err := v.publicConnection(ctx, op, p.TenantID, tk, r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// UpdateConnection replaces a connection (PUT) and returns it, pending
// again: the credentials are verified anew. The caller needs
// orchestration:connections:update. Errors: those of
// [Vault.CreateConnection], and KindNotFound. Raises connection.updated.
func (v *Vault) UpdateConnection(ctx context.Context, id string, req UpdateConnectionRequest) (*Connection, error) {
	const op = "UpdateConnection"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectionUpdate); err != nil {
		return nil, err
	}
	spec, err := v.checkConnection(op, CreateConnectionRequest(req))
	if err != nil {
		return nil, err
	}
	defer clear(spec.values)
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec connectionRecord
	err = v.update(ctx, op, func(tx storage.Tx) error {
		old, err := getConnection(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		now := v.now().UTC()
		rec = spec.rec
		rec.ID, rec.Revision, rec.CreatedBy, rec.CreatedAt, rec.ModifiedBy, rec.ModifiedAt = old.ID, old.Revision+1, old.CreatedBy, old.CreatedAt, p.ApplicationID, &now
		return v.writeConnection(ctx, tx, p, tk, old, &rec, spec, EventConnectionUpdated)
	})
	if err != nil {
		return nil, err
	}
	v.jobs.signal()
	return rec.public(spec.formula, spec.values), nil
}

// DeleteConnection deletes a connection; a verification still queued finds
// nothing to do. The caller needs orchestration:connections:delete.
// Errors: KindNotFound, KindForbidden. Raises connection.deleted.
func (v *Vault) DeleteConnection(ctx context.Context, id string) error {
	const op = "DeleteConnection"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectionDelete); err != nil {
		return err
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getConnection(tx, op, p.TenantID, id)
		if err != nil {
			return err
		}
		if err := connectionTable.remove(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventConnectionDeleted, map[string]any{"connection": map[string]any{"id": rec.ID}})
	})
}

// ListConnectionFormulas returns the catalogue of connection formulas,
// ordered by id. The caller needs orchestration:connection_formulas:read
// (or orchestration:connection_formulas, the reference's spelling).
func (v *Vault) ListConnectionFormulas(ctx context.Context) ([]*ConnectionFormula, error) {
	const op = "ListConnectionFormulas"
	p := v.principal(ctx)
	if !p.can(PermConnectionFormulaRead) && !p.can(PermConnectionFormula) {
		return nil, newError(KindForbidden, op, "the caller lacks %s", PermConnectionFormulaRead)
	}
	out := make([]*ConnectionFormula, len(v.gateways.formulas))
	for i, f := range v.gateways.formulas {
		out[i] = cloneFormula(f)
	}
	return out, nil
}

// verifyJobID is the id of the job that verifies a revision of a
// connection: the job names what it verifies, so that its dead hook (which
// gets no payload) knows it too.
func verifyJobID(connection string, revision int) string {
	return connection + "/" + strconv.Itoa(revision)
}

// parseVerifyJobID is the inverse of verifyJobID.
func parseVerifyJobID(id string) (connection string, revision int, err error) {
	connection, rev, ok := strings.Cut(id, "/")
	if ok {
		revision, err = strconv.Atoi(rev)
	}
	if !ok || err != nil {
		return "", 0, fmt.Errorf("not a connection verification job: %q", id)
	}
	return connection, revision, nil
}

// connectionJobs is the job queue's kind of credential verifications.
func (v *Vault) connectionJobs() *jobKind {
	return &jobKind{name: connectionQueueKind, workers: 2, attempts: connectionAttempts, run: v.runVerification, dead: v.verificationDead}
}

// verification is the connection a job verifies, read and opened.
type verification struct {
	rec     *connectionRecord
	adapter gateway.Adapter
	creds   gateway.Credentials
}

// loadVerification reads the connection a job names; nil when it is gone
// or was changed since (a newer job verifies that revision).
func (v *Vault) loadVerification(ctx context.Context, j *runningJob) (*verification, error) {
	id, revision, err := parseVerifyJobID(j.id)
	if err != nil {
		return nil, err
	}
	var rec *connectionRecord
	err = v.view(ctx, "VerifyConnection", func(tx storage.Tx) error {
		var err error
		rec, err = connectionTable.get(tx, j.tenant, id)
		return err
	})
	if errors.Is(err, errRecordNotFound) || err == nil && rec.Revision != revision {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := v.gateways.adapters[rec.FormulaID]
	if a == nil {
		return &verification{rec: rec}, nil
	}
	tk, err := v.keys.Tenant(ctx, j.tenant)
	if err != nil {
		return nil, err
	}
	values, err := v.openConfig(ctx, j.tenant, tk, rec.sealedFields())
	if err != nil {
		return nil, err
	}
	return &verification{rec: rec, adapter: a, creds: gateway.Credentials(values)}, nil
}

// runVerification has the adapter verify a connection's credentials. A
// refusal or an invalid request ends it failed; no answer (ErrUnavailable,
// a timeout) fails the attempt, to be retried with backoff.
func (v *Vault) runVerification(ctx context.Context, j *runningJob) (func(tx storage.Tx) error, error) {
	ver, err := v.loadVerification(ctx, j)
	if err != nil || ver == nil {
		return nil, err
	}
	status, reason := ConnectionAvailable, ""
	if ver.adapter == nil {
		status, reason = ConnectionFailed, noAdapterReason(ver.rec.FormulaID)
	} else {
		vctx, cancel := context.WithTimeout(ctx, verificationTimeout)
		err := ver.adapter.VerifyCredentials(vctx, ver.creds)
		cancel()
		clear(ver.creds)
		switch {
		case err == nil:
		case errors.Is(err, gateway.ErrCredentials):
			status, reason = ConnectionFailed, "the payment service refused the credentials"
		case errors.Is(err, gateway.ErrInvalid), errors.Is(err, gateway.ErrNotFound):
			status, reason = ConnectionFailed, "the payment service refused the verification request"
		case ctx.Err() != nil:
			return nil, ctx.Err()
		default:
			return nil, fmt.Errorf("verify the credentials of connection %s: %w", ver.rec.ID, errors.Join(gateway.ErrUnavailable, errorKind(err)))
		}
	}
	return func(tx storage.Tx) error {
		return v.settleConnection(ctx, tx, j.tenant, ver.rec.ID, ver.rec.Revision, status, reason)
	}, nil
}

// errorKind keeps an adapter error out of logs but for its kind: adapters
// promise no card data or credential in their errors, and the vault does
// not rely on it.
func errorKind(err error) error {
	for _, s := range []error{gateway.ErrUnavailable, context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, s) {
			return s
		}
	}
	return errors.New("adapter error")
}

// verificationDead marks a connection failed when its verification could
// never reach the payment service.
func (v *Vault) verificationDead(tx storage.Tx, j *runningJob, _ error) error {
	id, revision, err := parseVerifyJobID(j.id)
	if err != nil {
		return err
	}
	return v.settleConnection(v.bg, tx, j.tenant, id, revision, ConnectionFailed,
		"the payment service could not be reached to verify the credentials")
}

// settleConnection sets the outcome of the verification of a revision, if
// the connection still has it.
func (v *Vault) settleConnection(ctx context.Context, tx storage.Tx, tenant, id string, revision int, status, reason string) error {
	rec, err := connectionTable.get(tx, tenant, id)
	if errors.Is(err, errRecordNotFound) || err == nil && rec.Revision != revision {
		return nil
	}
	if err != nil {
		return err
	}
	next := *rec
	now := v.now().UTC()
	next.Status, next.StatusReason, next.VerifiedAt = status, reason, &now
	if err := connectionTable.replace(tx, tenant, rec, &next); err != nil {
		return err
	}
	typ := EventConnectionAvailable
	if status == ConnectionFailed {
		typ = EventConnectionFailed
	}
	return v.emitTx(ctx, tx, tenant, typ, connectionEventData(&next))
}
