package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/tokenvault/vault/expr"
	"github.com/tokenvault/vault/internal/jsonv"
	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Token is a token as a caller sees it. What Data holds depends on the
// transform of the access rule that let the caller see the token: the
// plaintext (reveal), the evaluated mask (mask) or nothing (redact).
//
// Data and Mask are JSON, as the REST API returns them: decode Data into
// your own type with [Token.UnmarshalData] (a struct for a card, a string
// for an SSN), and clear it when done if you want the plaintext gone from
// memory sooner. Reads hand the decrypted bytes over as they are, with no
// decoding into maps and no re-encoding for HTTP: a get with data costs
// little more than a store read and one AES-GCM open.
//
// Token never prints its data: fmt's verbs and slog show only the id, type
// and containers. Use the fields, or JSON encoding, to get at the data.
type Token struct {
	ID                    string            `json:"id"`
	TenantID              string            `json:"tenant_id"`
	Type                  string            `json:"type"`
	Data                  json.RawMessage   `json:"data,omitempty"`
	Mask                  json.RawMessage   `json:"mask,omitempty"`
	Metadata              map[string]string `json:"metadata,omitempty"`
	Fingerprint           string            `json:"fingerprint,omitempty"`
	FingerprintExpression string            `json:"fingerprint_expression,omitempty"`
	SearchIndexes         []string          `json:"search_indexes,omitempty"`
	Containers            []string          `json:"containers,omitempty"`
	DeduplicateToken      *bool             `json:"deduplicate_token,omitempty"`
	ExpiresAt             *time.Time        `json:"expires_at,omitempty"`
	CreatedBy             string            `json:"created_by,omitempty"`
	CreatedAt             time.Time         `json:"created_at,omitzero"`
	ModifiedBy            string            `json:"modified_by,omitempty"`
	ModifiedAt            *time.Time        `json:"modified_at,omitempty"`
	Card                  *CardDetails      `json:"card,omitempty"`
	Bank                  *BankDetails      `json:"bank,omitempty"`
	Extras                *TokenExtras      `json:"_extras,omitempty"`
}

// TokenExtras are response-only facts about a token operation.
type TokenExtras struct {
	Deduplicated          bool   `json:"deduplicated"`
	DeduplicationBehavior string `json:"deduplication_behavior,omitempty"`
}

// Deduplication behaviours, for the tenant setting
// token_deduplication_behavior.
const (
	DedupReadExisting   = "read_existing"
	DedupUpdateExisting = "update_existing"
)

// String describes the token without its data.
func (t Token) String() string {
	return fmt.Sprintf("Token{ID:%s Type:%s Containers:%v}", t.ID, t.Type, t.Containers)
}

// Format prints the token without its data, whatever the verb.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// LogValue logs the token without its data.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID), slog.String("type", t.Type))
}

// UnmarshalData decodes the token's Data into dst with encoding/json.
func (t *Token) UnmarshalData(dst any) error { return json.Unmarshal(t.Data, dst) }

// CreateTokenRequest creates a token. Type and Data are required; everything
// else falls back to the type's defaults (see [TokenTypes]).
type CreateTokenRequest struct {
	// ID is a custom id (3 to 400 characters, none of # / \ + ? [ ] | & = %
	// < > { } ^ and no whitespace), or an alias template such as
	// "{{ data | alias_preserve_format }}"; a random UUID when empty.
	ID   string `json:"id,omitempty"`
	Type string `json:"type"`
	// Data is the sensitive value: any JSON value for "token", an object
	// for card and bank, a string for the other types.
	Data                  any               `json:"data"`
	Metadata              map[string]string `json:"metadata,omitempty"`
	SearchIndexes         []string          `json:"search_indexes,omitempty"`
	FingerprintExpression string            `json:"fingerprint_expression,omitempty"`
	// Mask is a template, or an object or array of templates, evaluated
	// against data for callers whose transform is mask.
	Mask any `json:"mask,omitempty"`
	// DeduplicateToken overrides the tenant's deduplicate_tokens setting.
	DeduplicateToken *bool `json:"deduplicate_token,omitempty"`
	// ExpiresAt makes the token disappear at that instant.
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	Containers []string   `json:"containers,omitempty"`
}

// String describes the request without its data.
func (r CreateTokenRequest) String() string {
	return fmt.Sprintf("CreateTokenRequest{Type:%s Containers:%v}", r.Type, r.Containers)
}

// Format prints the request without its data, whatever the verb.
func (r CreateTokenRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the request without its data.
func (r CreateTokenRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// UpdateTokenRequest changes a token. Data, Mask and Metadata are RFC 7386
// JSON merge patches (object keys merge, null removes a key, anything else
// replaces); nil leaves them as they are. The other fields replace the
// current value when set. The type cannot change.
type UpdateTokenRequest struct {
	Data                  json.RawMessage `json:"data,omitempty"`
	Mask                  json.RawMessage `json:"mask,omitempty"`
	Metadata              json.RawMessage `json:"metadata,omitempty"`
	SearchIndexes         *[]string       `json:"search_indexes,omitempty"`
	FingerprintExpression *string         `json:"fingerprint_expression,omitempty"`
	DeduplicateToken      *bool           `json:"deduplicate_token,omitempty"`
	// ExpiresAt replaces the expiry; the zero time removes it.
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	Containers []string   `json:"containers,omitempty"`
}

// String describes the request without its data.
func (r UpdateTokenRequest) String() string {
	return fmt.Sprintf("UpdateTokenRequest{Containers:%v}", r.Containers)
}

// Format prints the request without its data, whatever the verb.
func (r UpdateTokenRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the request without its data.
func (r UpdateTokenRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// tokenRecord is a token as stored. Data and CVC are sealed with the tenant's
// data key, bound to (tenant, "token", id, field); search terms are keyed
// hashes of the evaluated search indexes. Nothing else is sensitive.
type tokenRecord struct {
	ID                    string            `json:"id"`
	Type                  string            `json:"t"`
	Data                  []byte            `json:"d"`
	CVC                   []byte            `json:"c,omitempty"`
	CVCUntil              *time.Time        `json:"cu,omitempty"`
	Mask                  json.RawMessage   `json:"m,omitempty"`
	Metadata              map[string]string `json:"md,omitempty"`
	Fingerprint           string            `json:"f,omitempty"`
	FingerprintExpression string            `json:"fe,omitempty"`
	SearchIndexes         []string          `json:"si,omitempty"`
	SearchTerms           [][]byte          `json:"st,omitempty"`
	Containers            []string          `json:"co"`
	Deduplicate           *bool             `json:"dd,omitempty"`
	ExpiresAt             *time.Time        `json:"x,omitempty"`
	CreatedBy             string            `json:"cb,omitempty"`
	CreatedAt             time.Time         `json:"ca"`
	ModifiedBy            string            `json:"mb,omitempty"`
	ModifiedAt            *time.Time        `json:"ma,omitempty"`
}

const (
	tokenKind         = "token"
	sealFieldData     = "data"
	sealFieldCVC      = "cvc"
	macSearch         = "search-index"
	macFingerprint    = "fingerprint"
	searchTermLen     = 16
	maxTokenDataBytes = 1 << 20
	maxMetadataPairs  = 100
	maxMetadataBytes  = 8 << 10
	// maxMetadataEntry bounds one metadata key and value together: each
	// pair is an index key (tenant, key, value, token id), which must fit
	// the store's key limit with a value escaped byte for byte.
	maxMetadataEntry = 1 << 10
	maxContainers    = 10
	maxSearchIndexes = 10
	aliasAttempts    = 5
)

var tokenTable = &table[tokenRecord]{
	bucket:    "tokens",
	kind:      tokenKind,
	schema:    tokenSchema,
	marshal:   marshalToken,
	unmarshal: unmarshalToken,
	sealed: func(r *tokenRecord) []sealedField {
		return []sealedField{{sealFieldData, &r.Data, r.ID}, {sealFieldCVC, &r.CVC, r.ID}}
	},
	id: func(r *tokenRecord) string { return r.ID },
	indexes: []*index[tokenRecord]{
		tokenByFingerprint, tokenBySearchTerm, tokenByMetadata, tokenByContainer, tokenByType,
		tokenByExpiry, tokenByCVCExpiry,
	},
}

var (
	tokenByFingerprint = &index[tokenRecord]{bucket: "tokens.fingerprint", terms: func(r *tokenRecord) [][]byte {
		if r.Fingerprint == "" {
			return nil
		}
		return [][]byte{keyenc.AppendString(nil, r.Fingerprint)}
	}}
	tokenBySearchTerm = &index[tokenRecord]{bucket: "tokens.search", terms: func(r *tokenRecord) [][]byte {
		return r.SearchTerms
	}}
	tokenByMetadata = &index[tokenRecord]{bucket: "tokens.metadata", terms: func(r *tokenRecord) [][]byte {
		terms := make([][]byte, 0, len(r.Metadata))
		for k, v := range r.Metadata {
			terms = append(terms, keyenc.AppendString(keyenc.AppendString(nil, k), v))
		}
		return terms
	}}
	// tokenByContainer orders tokens by container, then newest first.
	tokenByContainer = &index[tokenRecord]{bucket: "tokens.container", terms: func(r *tokenRecord) [][]byte {
		terms := make([][]byte, 0, len(r.Containers))
		for _, c := range r.Containers {
			terms = append(terms, keyenc.AppendTimeDesc(keyenc.AppendString(nil, c), r.CreatedAt))
		}
		return terms
	}}
	// tokenByType orders tokens by type, then newest first: inserts land
	// at the front of the type's range instead of at random pages.
	tokenByType = &index[tokenRecord]{bucket: "tokens.type", terms: func(r *tokenRecord) [][]byte {
		return [][]byte{keyenc.AppendTimeDesc(keyenc.AppendString(nil, r.Type), r.CreatedAt)}
	}}
	// tokenByExpiry and tokenByCVCExpiry are global: the sweeper walks them
	// across tenants in time order.
	tokenByExpiry = &index[tokenRecord]{bucket: "tokens.expiry", global: true, terms: func(r *tokenRecord) [][]byte {
		if r.ExpiresAt == nil {
			return nil
		}
		return [][]byte{keyenc.AppendTime(nil, *r.ExpiresAt)}
	}}
	tokenByCVCExpiry = &index[tokenRecord]{bucket: "tokens.cvc", global: true, terms: func(r *tokenRecord) [][]byte {
		if r.CVCUntil == nil || r.CVC == nil {
			return nil
		}
		return [][]byte{keyenc.AppendTime(nil, *r.CVCUntil)}
	}}
)

// expired reports whether the token is past its expiry at now.
func (r *tokenRecord) expired(now time.Time) bool {
	return r.ExpiresAt != nil && !now.Before(*r.ExpiresAt)
}

func tokenAD(tenant, id, field string) keys.AD {
	return keysAD(tenant, tokenKind, id, field)
}

// keysAD binds a sealed value to its record.
func keysAD(tenant, kind, id, field string) keys.AD {
	return keys.AD{Tenant: tenant, Kind: kind, ID: id, Field: field}
}

// tokenDraft is a validated create request, with everything computed that
// does not need the store: normalised data, rendered fingerprint and search
// terms, alias candidates.
type tokenDraft struct {
	rec        *tokenRecord
	dataJSON   []byte // the normalised plaintext data as JSON, without cvc
	cvc        string
	ids        []string // candidates for the id, tried in order; UUID fallback if all are taken
	fixedID    bool     // the caller chose the id: a collision is a conflict
	alias      bool     // the ids are renderings of an alias template
	dedup      bool
	dedupBy    string
	settings   *tenantSettings
	maskSource any
}

// CreateToken creates a token and returns it as the caller may see it.
//
// The caller needs token:create on the token's containers. With
// deduplication on (the request's DeduplicateToken, else the tenant's
// deduplicate_tokens setting) and a live token of the same type, fingerprint
// and containers, no token is created: the existing one is returned with
// Extras.Deduplicated set, updated first if the tenant's
// token_deduplication_behavior is update_existing.
//
// Every template of the token (mask, fingerprint_expression, search_indexes,
// an alias id) is evaluated here on the token's data under the expression
// limits, all of them within one evaluation's steps. One that fails makes
// the create KindInvalid with the template's field path ("mask",
// "mask.number", "search_indexes[2]") and nothing is written, so that no
// stored mask breaks later reads (see the package documentation, Masks).
// With update_existing, the duplicate's mask is evaluated on the merged
// data. Safe for concurrent use.
//
// Errors: KindInvalid with field paths for a bad request, KindConflict for a
// custom id that is taken, KindForbidden without permission.
func (v *Vault) CreateToken(ctx context.Context, req CreateTokenRequest) (*Token, error) {
	const op = "CreateToken"
	p := v.principal(ctx)
	tk, settings, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	d, err := v.prepareToken(op, p, tk, settings, &req)
	if err != nil {
		return nil, err
	}
	if _, err := v.authorizeToken(op, p, PermTokenCreate, d.rec.ID, d.rec.Containers); err != nil {
		return nil, err
	}
	var res *createResult
	err = v.update(ctx, op, func(tx storage.Tx) error {
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		res, err = v.insertToken(w, p, tk, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v.finishCreate(ctx, op, p, tk, res)
}

// createResult is what insertToken did: created rec, or found (and maybe
// updated) the duplicate rec.
type createResult struct {
	rec          *tokenRecord
	dataJSON     []byte // the created data as JSON, without cvc (nil: not created here)
	cvc          string
	deduplicated bool
	behavior     string
	updated      bool
	staged       bool // in a transaction: events wait for the commit
}

// insertToken stores a draft through w, or resolves it to a duplicate.
func (v *Vault) insertToken(w *tokenView, p Principal, tk *keys.TenantKeys, d *tokenDraft) (*createResult, error) {
	now := v.now()
	if d.dedup && d.rec.Fingerprint != "" {
		dup, err := w.findDuplicate(d.rec, now)
		if err != nil {
			return nil, err
		}
		if dup != nil {
			res := &createResult{rec: dup, deduplicated: true, behavior: d.dedupBy, staged: w.txn != nil}
			if d.dedupBy == DedupUpdateExisting {
				if err := v.mergeIntoDuplicate(w, p, tk, dup, d, now); err != nil {
					return nil, err
				}
				res.updated = true
			}
			return res, nil
		}
	}
	rec := *d.rec // a copy: tx functions may run more than once
	rec.CreatedAt = now.UTC()
	if d.cvc != "" && d.settings.cvcRetention > 0 {
		until := rec.CreatedAt.Add(d.settings.cvcRetention)
		rec.CVCUntil = &until
	}
	var err error
	if rec.ID, err = chooseTokenID(w, d); err != nil {
		return nil, err
	}
	if err := sealTokenData(tk, p.TenantID, &rec, d.dataJSON, d.cvc); err != nil {
		return nil, err
	}
	if err := w.insert(&rec); err != nil {
		return nil, err
	}
	return &createResult{rec: &rec, dataJSON: d.dataJSON, cvc: d.cvc, staged: w.txn != nil}, nil
}

func sealTokenData(tk *keys.TenantKeys, tenant string, rec *tokenRecord, dataJSON []byte, cvc string) error {
	sealed, err := tk.Seal(dataJSON, tokenAD(tenant, rec.ID, sealFieldData))
	if err != nil {
		return err
	}
	rec.Data = sealed
	rec.CVC = nil
	if cvc != "" {
		if rec.CVC, err = tk.Seal([]byte(cvc), tokenAD(tenant, rec.ID, sealFieldCVC)); err != nil {
			return err
		}
	}
	return nil
}

// chooseTokenID returns the first free candidate id. A taken fixed id is a
// conflict; taken alias candidates fall back to a random UUID, as the hosted
// platform does.
func chooseTokenID(w *tokenView, d *tokenDraft) (string, error) {
	if !d.fixedID && len(d.ids) == 1 && !d.alias {
		return d.ids[0], nil // a fresh random UUID; the insert still checks
	}
	for _, id := range d.ids {
		taken, err := w.taken(id)
		if err != nil {
			return "", err
		}
		if !taken {
			return id, nil
		}
		if d.fixedID {
			return "", newError(KindConflict, "", "a token with this id already exists")
		}
	}
	return uuid.NewString(), nil
}

// mergeIntoDuplicate applies the draft's data and metadata to dup as a merge
// patch (deduplication behaviour update_existing).
func (v *Vault) mergeIntoDuplicate(w *tokenView, p Principal, tk *keys.TenantKeys, dup *tokenRecord, d *tokenDraft, now time.Time) error {
	plain, err := tk.Open(dup.Data, tokenAD(p.TenantID, dup.ID, sealFieldData))
	if err != nil {
		return err
	}
	merged, err := jsonpatch.MergePatch(plain, d.dataJSON)
	if err != nil {
		return err
	}
	cvc := d.cvc
	if len(dup.Mask) > 0 && !tokenTypes[dup.Type].isDefaultMask(dup.Mask) {
		// The duplicate's mask must evaluate on the merged data too.
		kept := cvc
		if kept == "" {
			if kept, err = v.retainedCVC(tk, p.TenantID, dup); err != nil {
				return err
			}
		}
		fe := fieldErrors{}
		if err := checkMask(fe, dup.Mask, merged, kept, nil); err != nil {
			return err
		}
		if err := fe.err(""); err != nil {
			return err
		}
	}
	updated := *dup
	if len(d.rec.Metadata) > 0 {
		md := make(map[string]string, len(dup.Metadata)+len(d.rec.Metadata))
		for k, val := range dup.Metadata {
			md[k] = val
		}
		for k, val := range d.rec.Metadata {
			md[k] = val
		}
		updated.Metadata = md
	}
	if err := sealTokenData(tk, p.TenantID, &updated, merged, cvc); err != nil {
		return err
	}
	if cvc == "" && dup.CVC != nil {
		updated.CVC, updated.CVCUntil = dup.CVC, dup.CVCUntil
	} else if cvc != "" && d.settings.cvcRetention > 0 {
		until := now.UTC().Add(d.settings.cvcRetention)
		updated.CVCUntil = &until
	}
	updated.ModifiedBy = p.ApplicationID
	t := now.UTC()
	updated.ModifiedAt = &t
	if err := w.replace(dup, &updated); err != nil {
		return err
	}
	*dup = updated
	return nil
}

// finishCreate shapes the result of a create for the caller and raises events.
func (v *Vault) finishCreate(ctx context.Context, op string, p Principal, tk *keys.TenantKeys, res *createResult) (*Token, error) {
	rec := res.rec
	if !res.deduplicated {
		if !res.staged {
			v.emit(ctx, p.TenantID, EventTokenCreated, tokenEventData(rec))
		}
		tf, err := v.authorizeToken(op, p, PermTokenCreate, rec.ID, rec.Containers)
		if err != nil {
			return nil, err
		}
		tok, err := v.shapeToken(ctx, p.TenantID, tk, rec, tf, res.dataJSON, res.cvc)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		tok.Extras = &TokenExtras{}
		return tok, nil
	}
	if res.updated && !res.staged {
		v.emit(ctx, p.TenantID, EventTokenUpdated, tokenEventData(rec))
	}
	extras := &TokenExtras{Deduplicated: true, DeduplicationBehavior: res.behavior}
	tf, err := v.authorizeToken(op, p, PermTokenRead, rec.ID, rec.Containers)
	if err != nil {
		// The caller may not read the token it collided with: only its
		// identity is returned.
		return &Token{ID: rec.ID, TenantID: p.TenantID, Type: rec.Type, Fingerprint: rec.Fingerprint,
			Containers: slices.Clone(rec.Containers), Extras: extras}, nil
	}
	tok, err := v.shapeToken(ctx, p.TenantID, tk, rec, tf, nil, "")
	if err != nil {
		return nil, wrapErr(op, err)
	}
	tok.Extras = extras
	return tok, nil
}

func tokenEventData(rec *tokenRecord) map[string]any {
	t := map[string]any{
		"id": rec.ID, "type": rec.Type, "containers": slices.Clone(rec.Containers),
		"created_by": rec.CreatedBy, "created_at": rec.CreatedAt,
	}
	if len(rec.Metadata) > 0 {
		t["metadata"] = rec.Metadata
	}
	if rec.Fingerprint != "" {
		t["fingerprint"] = rec.Fingerprint
		t["fingerprint_expression"] = rec.FingerprintExpression
	}
	if len(rec.SearchIndexes) > 0 {
		t["search_indexes"] = slices.Clone(rec.SearchIndexes)
	}
	if rec.ExpiresAt != nil {
		t["expires_at"] = *rec.ExpiresAt
	}
	if rec.ModifiedAt != nil {
		t["modified_by"], t["modified_at"] = rec.ModifiedBy, *rec.ModifiedAt
	}
	return map[string]any{"token": t}
}

// prepareToken validates a create request and computes everything that does
// not need the store. Field paths in errors are those of the request.
func (v *Vault) prepareToken(op string, p Principal, tk *keys.TenantKeys, settings *tenantSettings, req *CreateTokenRequest) (*tokenDraft, error) {
	fe := fieldErrors{}
	tt, ok := tokenTypes[req.Type]
	if !ok {
		if req.Type == "" {
			fe.add("type", "is required")
		} else {
			fe.add("type", "is not a known token type")
		}
		return nil, fe.err(op)
	}
	data, err := normalizeJSON(req.Data)
	if err != nil {
		addJSONError(fe, "data", err)
		return nil, fe.err(op)
	}
	data, dataErrs := tt.validate(data)
	fe.merge("data", dataErrs)

	rec := &tokenRecord{Type: tt.Name, CreatedBy: p.ApplicationID, Deduplicate: req.DeduplicateToken}
	d := &tokenDraft{rec: rec, settings: settings}
	if len(dataErrs) == 0 {
		if m, ok := data.(map[string]any); ok && tt.Name == TypeCard {
			if cvc, ok := m["cvc"].(string); ok {
				d.cvc = cvc
				data = withoutKey(m, "cvc")
			}
		}
		if d.dataJSON, err = json.Marshal(data); err != nil {
			return nil, wrapErr(op, err)
		}
		if len(d.dataJSON) > maxTokenDataBytes {
			fe.add("data", "must be at most %d bytes of JSON", maxTokenDataBytes)
		}
	}

	rec.Containers = checkContainers(fe, "containers", req.Containers, tt.DefaultContainer)
	rec.Metadata = checkMetadata(fe, "metadata", req.Metadata)
	if req.ExpiresAt != nil {
		if !req.ExpiresAt.After(v.now()) {
			fe.add("expires_at", "must be in the future")
		}
		t := req.ExpiresAt.UTC()
		rec.ExpiresAt = &t
	}

	// Templates: check they compile before rendering anything.
	mask := req.Mask
	if mask == nil {
		mask = tt.Mask
	} else if mask, err = normalizeJSON(mask); err != nil {
		addJSONError(fe, "mask", err)
	}
	if mask != nil {
		checkTemplates(fe, "mask", mask)
		if rec.Mask, err = json.Marshal(mask); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	d.maskSource = mask
	rec.SearchIndexes = req.SearchIndexes
	if rec.SearchIndexes == nil {
		rec.SearchIndexes = slices.Clone(tt.SearchIndexes)
	}
	if len(rec.SearchIndexes) > maxSearchIndexes {
		fe.add("search_indexes", "must hold at most %d expressions", maxSearchIndexes)
	}
	for i, s := range rec.SearchIndexes {
		checkTemplates(fe, fmt.Sprintf("search_indexes[%d]", i), s)
	}
	rec.FingerprintExpression = req.FingerprintExpression
	if rec.FingerprintExpression == "" && settings.fingerprint {
		rec.FingerprintExpression = tt.FingerprintExpression
	}
	if rec.FingerprintExpression != "" {
		checkTemplates(fe, "fingerprint_expression", rec.FingerprintExpression)
	}
	switch {
	case req.ID == "":
		d.ids = []string{uuid.NewString()}
	case strings.Contains(req.ID, "{{"):
		checkTemplates(fe, "id", req.ID)
	default:
		if msg := checkTokenID(req.ID); msg != "" {
			fe.add("id", msg)
		}
		d.ids, d.fixedID = []string{req.ID}, true
	}
	if len(fe) > 0 {
		return nil, fe.err(op)
	}

	// Render what depends on data: the token's templates share one budget.
	budget := expr.NewBudget(0)
	vars := map[string]any{"data": data}
	if err := renderSearchTerms(tk, rec, vars, fe, budget); err != nil {
		return nil, wrapErr(op, err)
	}
	if rec.FingerprintExpression != "" {
		fp, msg := fingerprintOf(tk, rec.Type, rec.FingerprintExpression, data, rec.Metadata, budget)
		if msg != "" {
			fe.add("fingerprint_expression", msg)
		}
		rec.Fingerprint = fp
	}
	if strings.Contains(req.ID, "{{") {
		d.ids, d.alias = aliasCandidates(fe, req.ID, vars, budget), true
	}
	if !tt.isDefaultMask(rec.Mask) {
		if err := checkMask(fe, rec.Mask, d.dataJSON, d.cvc, budget); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	if len(fe) > 0 {
		return nil, fe.err(op)
	}
	d.dedup = settings.dedup
	if req.DeduplicateToken != nil {
		d.dedup = *req.DeduplicateToken
	}
	d.dedupBy = settings.dedupBehavior
	return d, nil
}

// withoutKey returns a copy of m without key.
func withoutKey(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// normalizeJSON turns any Go value into the generic JSON form the vault works
// with (maps, slices, strings, bools, nil and json.Number), so that data given
// as a struct or a number keeps every digit.
func normalizeJSON(v any) (any, error) {
	if err := checkText(v); err != nil {
		return nil, err
	}
	switch v.(type) {
	case nil, string, bool, json.Number:
		return v, nil
	}
	var b []byte
	switch raw := v.(type) {
	case json.RawMessage:
		b = raw
	case []byte:
		return nil, errors.New("data must be JSON, not bytes")
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return jsonv.Decode(b)
}

// checkTokenID validates a custom token id and returns a message, or "".
func checkTokenID(id string) string {
	if !utf8.ValidString(id) {
		return msgTextUTF8
	}
	n := len([]rune(id))
	if n < 3 || n > 400 {
		return "must be 3 to 400 characters"
	}
	for _, r := range id {
		if strings.ContainsRune(`#/\+?[]|&=%<>{}^`, r) {
			return `must not contain any of # / \ + ? [ ] | & = % < > { } ^`
		}
		if r <= ' ' || r == 0x7f {
			return "must not contain whitespace or control characters"
		}
	}
	return ""
}

// checkContainers validates and normalises containers (lower case, leading
// and trailing slash, segments of letters, digits, '-' and '_'); none given
// means the type's default; with no default (an update), none given is an
// error: every token lies in at least one container.
func checkContainers(fe fieldErrors, path string, in []string, def string) []string {
	if len(in) == 0 {
		if def == "" {
			fe.add(path, "must hold at least one container")
			return nil
		}
		return []string{def}
	}
	if len(in) > maxContainers {
		fe.add(path, "must hold at most %d containers", maxContainers)
		return nil
	}
	out := make([]string, 0, len(in))
	for i, c := range in {
		n, ok := normalizeContainer(c)
		if !ok {
			fe.add(fmt.Sprintf("%s[%d]", path, i), "must be a path like /pci/high/: segments of letters, digits, '-' and '_' between slashes")
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// normalizeContainer lower-cases a container path and checks its form.
func normalizeContainer(c string) (string, bool) {
	c = strings.ToLower(c)
	if len(c) == 0 || len(c) > 256 || c[0] != '/' || c[len(c)-1] != '/' {
		return "", false
	}
	if c == "/" {
		return c, true
	}
	for _, seg := range strings.Split(c[1:len(c)-1], "/") {
		if seg == "" {
			return "", false
		}
		for i := 0; i < len(seg); i++ {
			ch := seg[i]
			if !('a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_') {
				return "", false
			}
		}
	}
	return c, true
}

func checkMetadata(fe fieldErrors, path string, md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	if len(md) > maxMetadataPairs {
		fe.add(path, "must hold at most %d entries", maxMetadataPairs)
	}
	addTextError(fe, path, md)
	size, longEntry := 0, false
	for k, val := range md {
		size += len(k) + len(val)
		if k == "" {
			fe.add(path, "keys must not be empty")
		}
		if len(k)+len(val) > maxMetadataEntry && !longEntry {
			longEntry = true
			fe.add(path, "each key and its value must be at most %d bytes together", maxMetadataEntry)
		}
	}
	if size > maxMetadataBytes {
		fe.add(path, "must be at most %d bytes", maxMetadataBytes)
	}
	return md
}

// checkTemplates compiles every template in v (a string, or an object or
// array of them) and records syntax errors under path.
func checkTemplates(fe fieldErrors, path string, v any) {
	switch v := v.(type) {
	case string:
		if _, err := expr.Compile(v); err != nil {
			fe.add(path, "%s", exprMessage(err))
		}
	case map[string]any:
		for k, e := range v {
			checkTemplates(fe, joinPath(path, k), e)
		}
	case []any:
		for i, e := range v {
			checkTemplates(fe, fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}

// exprMessage is the client-safe message of an expression error.
func exprMessage(err error) string {
	if e, ok := errors.AsType[*expr.Error](err); ok {
		return e.Error()
	}
	return "is not a valid expression"
}

// renderSearchTerms evaluates the search index expressions within budget
// and stores their keyed hashes. Each must evaluate to one non-empty value.
func renderSearchTerms(tk *keys.TenantKeys, rec *tokenRecord, vars map[string]any, fe fieldErrors, budget *expr.Budget) error {
	rec.SearchTerms = nil
	for i, src := range rec.SearchIndexes {
		t, err := expr.Compile(src)
		if err != nil {
			fe.add(fmt.Sprintf("search_indexes[%d]", i), "%s", exprMessage(err))
			continue
		}
		val, err := t.EvalString(vars, expr.WithBudget(budget))
		if err != nil {
			fe.add(fmt.Sprintf("search_indexes[%d]", i), "%s", exprMessage(err))
			continue
		}
		if val == "" {
			fe.add(fmt.Sprintf("search_indexes[%d]", i), "must evaluate to a non-empty value")
			continue
		}
		term := searchTerm(tk, val)
		if !containsTerm(rec.SearchTerms, term) {
			rec.SearchTerms = append(rec.SearchTerms, term)
		}
	}
	return nil
}

// searchTerm is the blind index term of a search value.
func searchTerm(tk *keys.TenantKeys, value string) []byte {
	return tk.MAC(macSearch, []byte(value))[:searchTermLen]
}

// fingerprintOf renders the fingerprint expression within budget and returns
// the keyed hash (base58, like the hosted platform's), or a message for the
// caller.
func fingerprintOf(tk *keys.TenantKeys, typ, src string, data any, md map[string]string, budget *expr.Budget) (string, string) {
	t, err := expr.Compile(src)
	if err != nil {
		return "", exprMessage(err)
	}
	mdv := make(map[string]any, len(md))
	for k, v := range md {
		mdv[k] = v
	}
	val, err := t.EvalString(map[string]any{"data": data, "metadata": mdv}, expr.WithBudget(budget))
	if err != nil {
		return "", exprMessage(err)
	}
	if val == "" {
		return "", "must evaluate to a non-empty value"
	}
	return base58(tk.MAC(macFingerprint, []byte(typ), []byte(val))), ""
}

// aliasCandidates renders an alias template a few times (alias filters are
// random), within budget, and keeps the valid, distinct results.
func aliasCandidates(fe fieldErrors, src string, vars map[string]any, budget *expr.Budget) []string {
	t, err := expr.Compile(src)
	if err != nil {
		fe.add("id", "%s", exprMessage(err))
		return nil
	}
	var ids []string
	for range aliasAttempts {
		id, err := t.EvalString(vars, expr.WithBudget(budget))
		if err != nil {
			fe.add("id", "%s", exprMessage(err))
			return nil
		}
		if checkTokenID(id) == "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// GetToken returns a token as the caller may see it. Errors: KindNotFound
// if there is no such live token, KindForbidden if the caller may not read it.
func (v *Vault) GetToken(ctx context.Context, id string) (*Token, error) {
	const op = "GetToken"
	p := v.principal(ctx)
	tk, err := v.tenantKeys(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var rec *tokenRecord
	err = v.view(ctx, op, func(tx storage.Tx) error {
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		rec, err = w.live(id)
		return err
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	tf, err := v.authorizeToken(op, p, PermTokenRead, rec.ID, rec.Containers)
	if err != nil {
		return nil, err
	}
	tok, err := v.shapeToken(ctx, p.TenantID, tk, rec, tf, nil, "")
	return tok, wrapErr(op, err)
}

// openTokenData decrypts a token's data, as JSON, with its cvc while
// retained. It is called outside store transactions: a data-key version it
// does not know (another process rotated) makes it reload the tenant's keys
// and try once more.
func (v *Vault) openTokenData(ctx context.Context, tenant string, tk *keys.TenantKeys, rec *tokenRecord) ([]byte, error) {
	open := func(sealed []byte, field string) ([]byte, error) {
		plain, err := tk.Open(sealed, tokenAD(tenant, rec.ID, field))
		if errors.Is(err, keys.ErrKeyNotFound) && !errors.Is(err, keys.ErrTenantDeleted) {
			if _, rerr := v.keys.Tenant(ctx, tenant); rerr == nil {
				plain, err = tk.Open(sealed, tokenAD(tenant, rec.ID, field))
			}
		}
		return plain, err
	}
	plain, err := open(rec.Data, sealFieldData)
	if err != nil {
		return nil, err
	}
	if rec.CVC != nil && v.cvcRetained(rec) {
		cvc, err := open(rec.CVC, sealFieldCVC)
		if err != nil {
			return nil, err
		}
		plain = withCVC(plain, string(cvc))
		clear(cvc)
	}
	return plain, nil
}

// cvcRetained reports whether a token's cvc is still kept.
func (v *Vault) cvcRetained(rec *tokenRecord) bool {
	return rec.CVCUntil == nil || v.now().Before(*rec.CVCUntil)
}

// withCVC adds "cvc" to a JSON object (a card's data); any other value is
// returned as it is.
func withCVC(obj []byte, cvc string) []byte {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return obj
	}
	quoted, _ := json.Marshal(cvc)
	out := make([]byte, 0, len(obj)+len(quoted)+8)
	out = append(out, obj[:len(obj)-1]...)
	if len(bytes.TrimSpace(obj[1:len(obj)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"cvc":`...)
	out = append(out, quoted...)
	out = append(out, '}')
	clear(obj)
	return out
}

// shapeToken builds the caller's view of a token under transform tf.
// dataJSON is the plaintext as JSON, without cvc, if the caller already has
// it (nil: decrypt when needed); it is not kept. The mask is evaluated
// with opts (a page's share of the steps, see pageMaskLimits).
func (v *Vault) shapeToken(ctx context.Context, tenant string, tk *keys.TenantKeys, rec *tokenRecord, tf transform,
	dataJSON []byte, cvc string, opts ...expr.Option) (*Token, error) {
	// rec is the caller's own copy (decoded from the store, or built for
	// this call), so its slices and maps are handed out without copying.
	tok := &Token{
		ID: rec.ID, TenantID: tenant, Type: rec.Type,
		Mask:                  json.RawMessage(rec.Mask),
		Metadata:              rec.Metadata,
		Fingerprint:           rec.Fingerprint,
		FingerprintExpression: rec.FingerprintExpression,
		SearchIndexes:         rec.SearchIndexes,
		Containers:            rec.Containers,
		DeduplicateToken:      rec.Deduplicate,
		ExpiresAt:             rec.ExpiresAt,
		CreatedBy:             rec.CreatedBy,
		CreatedAt:             rec.CreatedAt,
		ModifiedBy:            rec.ModifiedBy,
		ModifiedAt:            rec.ModifiedAt,
	}
	if tf == transformRedact {
		return tok, nil
	}
	var plain []byte
	if dataJSON == nil {
		var err error
		if plain, err = v.openTokenData(ctx, tenant, tk, rec); err != nil {
			return nil, err
		}
	} else {
		plain = bytes.Clone(dataJSON)
		if cvc != "" && v.cvcRetained(rec) {
			plain = withCVC(plain, cvc)
		}
	}
	switch rec.Type {
	case TypeCard, TypeNetworkToken:
		tok.Card = cardDetails(plain)
	case TypeBank:
		tok.Bank = bankDetails(plain)
	}
	switch tf {
	case transformReveal:
		tok.Data = plain
	case transformMask:
		defer clear(plain)
		if len(rec.Mask) == 0 {
			return tok, nil // no mask: the data is redacted
		}
		masked, err := evalMask(rec.Mask, plain, opts...)
		if err != nil {
			// A mask stored before masks were evaluated at write, one that
			// no longer evaluates under the current limits, or one past its
			// share of a page's steps: the token is shown as the redact
			// transform shows it, and the get, list or search goes on. Only
			// a mask that fails with a whole evaluation is worth a warning
			// (a page of costly masks would log a line per token per read).
			level := slog.LevelWarn
			if len(opts) > 0 {
				level = slog.LevelDebug
			}
			v.log.LogAttrs(ctx, level, "a token's mask does not evaluate: its data is redacted",
				slog.String("tenant_id", tenant), slog.String("kind", exprKind(err)))
			tok.Card, tok.Bank = nil, nil
			return tok, nil
		}
		tok.Data = masked
	}
	return tok, nil
}

// pageMaskLimits are the limits of each mask of a page of n tokens (a list
// or search page, the tokens one Detokenize reads): a share of one
// evaluation's steps, so that the page costs at most one evaluation
// whatever its masks, and a mask that takes more than its share (which
// legitimate masks, a few steps each, never do) redacts its own token and
// no other.
func pageMaskLimits(n int) expr.Option {
	l := expr.DefaultLimits()
	l.MaxSteps = max(l.MaxSteps/max(n, 1), 1)
	return expr.WithLimits(l)
}

// exprKind names the kind of an expression error for logs ("limit",
// "eval"...), "internal" for anything else. Never the message: it is meant
// for the client who wrote the template.
func exprKind(err error) string {
	if e, ok := errors.AsType[*expr.Error](err); ok {
		return e.Kind.String()
	}
	return "internal"
}

// maskCache holds parsed mask templates: a few distinct masks (the types'
// defaults, mostly) are parsed on every masked read otherwise. The parsed
// templates are only read (evaluation builds new values).
var maskCache sync.Map // string → any

// parseMask returns the parsed mask template, shared: never modify it.
func parseMask(raw []byte) (any, error) {
	if v, ok := maskCache.Load(string(raw)); ok {
		return v, nil
	}
	v, err := jsonv.Decode(raw)
	if err != nil {
		return nil, err
	}
	if len(raw) <= 4096 {
		if n := maskCacheSize.Add(1); n <= 10_000 {
			maskCache.Store(string(raw), v)
		}
	}
	return v, nil
}

var maskCacheSize atomic.Int64

// evalMask evaluates a mask template (a string, or an object or array of
// them, as JSON) against data (JSON) and returns the masked data as JSON.
func evalMask(mask, data []byte, opts ...expr.Option) (json.RawMessage, error) {
	tmpl, err := parseMask(mask)
	if err != nil {
		return nil, err
	}
	return evalMaskTemplate(tmpl, data, opts...)
}

// evalMaskTemplate evaluates a parsed mask against data (JSON).
func evalMaskTemplate(tmpl any, data []byte, opts ...expr.Option) (json.RawMessage, error) {
	d, err := jsonv.Decode(data)
	if err != nil {
		return nil, err
	}
	out, err := expr.EvalJSON(tmpl, map[string]any{"data": d}, opts...)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// checkMask evaluates a token's mask (JSON) against its data (JSON, without
// the cvc) as a masked read does, and records a failure under "mask", with
// the path of the failing leaf ("mask.number"). A token with a cvc is
// checked with it and without it, as it is read before and after the cvc
// retention. A mask that passes evaluates at every get of the same data
// under the same limits, evaluation depending on nothing else (a list page
// gives each mask a share of the steps: pageMaskLimits).
//
// The mask is parsed apart from the read cache, so that masks refused here
// do not fill it. Errors other than the expression's are internal.
func checkMask(fe fieldErrors, mask, dataJSON []byte, cvc string, budget *expr.Budget) error {
	if len(mask) == 0 || dataJSON == nil {
		return nil
	}
	tmpl, err := jsonv.Decode(mask)
	if err != nil {
		return err
	}
	forms := [][]byte{dataJSON}
	if cvc != "" {
		withIt := withCVC(bytes.Clone(dataJSON), cvc)
		defer clear(withIt)
		forms = append(forms, withIt)
	}
	for _, data := range forms {
		d, err := jsonv.Decode(data)
		if err != nil {
			return err
		}
		// The result is not encoded: EvalJSON bounds its size, and its
		// JSON encodes (the read path encodes the same values).
		_, err = expr.EvalJSON(tmpl, map[string]any{"data": d}, expr.WithBudget(budget))
		if e, ok := errors.AsType[*expr.Error](err); ok {
			fe.add(joinPath("mask", e.Path), "%s", exprMessage(e))
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// retainedCVC opens the cvc a stored token still keeps, or returns "".
func (v *Vault) retainedCVC(tk *keys.TenantKeys, tenant string, rec *tokenRecord) (string, error) {
	if rec.CVC == nil || !v.cvcRetained(rec) {
		return "", nil
	}
	b, err := tk.Open(rec.CVC, tokenAD(tenant, rec.ID, sealFieldCVC))
	if err != nil {
		return "", err
	}
	defer clear(b)
	return string(b), nil
}

// UpdateToken changes a token (see [UpdateTokenRequest]) and returns it as
// the caller may see it. The caller needs token:update on the token's
// containers, and on the new ones when they change.
//
// With deduplication on, an update that would make the token a duplicate of
// another live token (same type, fingerprint and containers) is not applied:
// the other token is returned with Extras.Deduplicated set (updated first
// under update_existing), redacted to its identity if the caller may not
// read it.
//
// The templates are evaluated on the updated token as at create, within
// one evaluation's steps together: the search indexes and the fingerprint
// expression always, the mask when it or the data changes (with the cvc the
// token keeps). One that fails makes the update KindInvalid with its field
// path ("mask", "mask.number", "search_indexes[1]") and the token is left as
// it was. Safe for concurrent use.
//
// Errors: KindInvalid with field paths for a bad request, KindNotFound if
// there is no such live token, KindForbidden without permission,
// KindConflict if a transaction holds the token.
func (v *Vault) UpdateToken(ctx context.Context, id string, req UpdateTokenRequest) (*Token, error) {
	const op = "UpdateToken"
	p := v.principal(ctx)
	tk, settings, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	fe := fieldErrors{}
	var newContainers []string
	if req.Containers != nil {
		newContainers = checkContainers(fe, "containers", req.Containers, "")
	}
	var newExpiry *time.Time
	if req.ExpiresAt != nil && !req.ExpiresAt.IsZero() {
		if !req.ExpiresAt.After(v.now()) {
			fe.add("expires_at", "must be in the future")
		}
		t := req.ExpiresAt.UTC()
		newExpiry = &t
	}
	if req.SearchIndexes != nil {
		if len(*req.SearchIndexes) > maxSearchIndexes {
			fe.add("search_indexes", "must hold at most %d expressions", maxSearchIndexes)
		}
		for i, s := range *req.SearchIndexes {
			checkTemplates(fe, fmt.Sprintf("search_indexes[%d]", i), s)
		}
	}
	if req.FingerprintExpression != nil && *req.FingerprintExpression != "" {
		checkTemplates(fe, "fingerprint_expression", *req.FingerprintExpression)
	}
	for path, raw := range map[string]json.RawMessage{"data": req.Data, "mask": req.Mask, "metadata": req.Metadata} {
		if raw != nil && !json.Valid(raw) {
			fe.add(path, "must be a JSON merge patch")
		}
		addTextError(fe, path, raw)
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}

	var res *updateResult
	err = v.update(ctx, op, func(tx storage.Tx) error {
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		res, err = v.applyTokenUpdate(w, op, p, tk, settings, id, &req, newContainers, newExpiry)
		return err
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	if res.dup != nil {
		return v.finishCreate(ctx, op, p, tk, res.dup)
	}
	if TransactionFrom(ctx) == "" {
		v.emit(ctx, p.TenantID, EventTokenUpdated, tokenEventData(res.rec))
	}
	tf, err := v.authorizeToken(op, p, PermTokenUpdate, res.rec.ID, res.rec.Containers)
	if err != nil {
		return nil, err
	}
	tok, err := v.shapeToken(ctx, p.TenantID, tk, res.rec, tf, nil, "")
	return tok, wrapErr(op, err)
}

type updateResult struct {
	rec *tokenRecord
	dup *createResult
}

// applyTokenUpdate reads, patches, validates and writes a token inside tx.
func (v *Vault) applyTokenUpdate(w *tokenView, op string, p Principal, tk *keys.TenantKeys, settings *tenantSettings,
	id string, req *UpdateTokenRequest, newContainers []string, newExpiry *time.Time) (*updateResult, error) {
	old, err := w.live(id)
	if err != nil {
		return nil, err
	}
	if _, err := v.authorizeToken(op, p, PermTokenUpdate, old.ID, old.Containers); err != nil {
		return nil, err
	}
	if newContainers != nil && !slices.Equal(newContainers, old.Containers) {
		if _, err := v.authorizeToken(op, p, PermTokenUpdate, old.ID, newContainers); err != nil {
			return nil, err
		}
	}
	tt := tokenTypes[old.Type]
	rec := *old
	now := v.now().UTC()
	rec.ModifiedBy, rec.ModifiedAt = p.ApplicationID, &now
	fe := fieldErrors{}

	plain, err := tk.Open(old.Data, tokenAD(p.TenantID, old.ID, sealFieldData))
	if err != nil {
		return nil, err
	}
	dataJSON := plain
	cvc := ""
	if req.Data != nil {
		patched, err := jsonpatch.MergePatch(plain, req.Data)
		if err != nil {
			fe.add("data", "must be a JSON merge patch")
			return nil, fe.err(op)
		}
		dataJSON = patched
	}
	data, err := normalizeJSON(json.RawMessage(dataJSON))
	if err != nil {
		fe.add("data", "must be JSON")
		return nil, fe.err(op)
	}
	if req.Data != nil {
		var dataErrs fieldErrors
		data, dataErrs = tt.validate(data)
		fe.merge("data", dataErrs)
		if len(dataErrs) == 0 {
			if m, ok := data.(map[string]any); ok && tt.Name == TypeCard {
				if c, ok := m["cvc"].(string); ok {
					cvc = c
					data = withoutKey(m, "cvc")
				}
			}
			if dataJSON, err = json.Marshal(data); err != nil {
				return nil, err
			}
			if len(dataJSON) > maxTokenDataBytes {
				fe.add("data", "must be at most %d bytes of JSON", maxTokenDataBytes)
			}
		}
	}
	if req.Mask != nil {
		base := old.Mask
		if base == nil {
			base = json.RawMessage("null")
		}
		patched, err := jsonpatch.MergePatch(base, req.Mask)
		if err != nil {
			fe.add("mask", "must be a JSON merge patch")
		} else if string(patched) == "null" {
			rec.Mask = nil
		} else {
			var m any
			if err := json.Unmarshal(patched, &m); err != nil {
				fe.add("mask", "must be a JSON merge patch")
			} else {
				checkTemplates(fe, "mask", m)
				rec.Mask = patched
			}
		}
	}
	if req.Metadata != nil {
		base, _ := json.Marshal(old.Metadata)
		if old.Metadata == nil {
			base = []byte("{}")
		}
		patched, err := jsonpatch.MergePatch(base, req.Metadata)
		var md map[string]string
		if err != nil || json.Unmarshal(patched, &md) != nil {
			fe.add("metadata", "must be a merge patch resulting in an object of strings")
		} else {
			rec.Metadata = checkMetadata(fe, "metadata", md)
		}
	}
	if newContainers != nil {
		rec.Containers = newContainers
	}
	if req.ExpiresAt != nil {
		rec.ExpiresAt = newExpiry
	}
	if req.SearchIndexes != nil {
		rec.SearchIndexes = slices.Clone(*req.SearchIndexes)
	}
	if req.FingerprintExpression != nil {
		rec.FingerprintExpression = *req.FingerprintExpression
	}
	if req.DeduplicateToken != nil {
		rec.Deduplicate = req.DeduplicateToken
	}
	if len(fe) > 0 {
		return nil, fe.err(op)
	}
	budget := expr.NewBudget(0) // shared by the token's templates
	vars := map[string]any{"data": data}
	if err := renderSearchTerms(tk, &rec, vars, fe, budget); err != nil {
		return nil, err
	}
	rec.Fingerprint = ""
	if rec.FingerprintExpression != "" {
		fp, msg := fingerprintOf(tk, rec.Type, rec.FingerprintExpression, data, rec.Metadata, budget)
		if msg != "" {
			fe.add("fingerprint_expression", msg)
		}
		rec.Fingerprint = fp
	}
	if len(rec.Mask) > 0 && (req.Mask != nil || req.Data != nil) && !tt.isDefaultMask(rec.Mask) {
		// The mask is evaluated on the data as it will be read: with the
		// cvc the token keeps after this update, if any.
		kept := cvc
		if kept == "" && !cvcRemovedByPatch(req.Data) {
			if kept, err = v.retainedCVC(tk, p.TenantID, old); err != nil {
				return nil, err
			}
		}
		if err := checkMask(fe, rec.Mask, dataJSON, kept, budget); err != nil {
			return nil, err
		}
	}
	if len(fe) > 0 {
		return nil, fe.err(op)
	}

	dedup := settings.dedup
	if rec.Deduplicate != nil {
		dedup = *rec.Deduplicate
	}
	if dedup && rec.Fingerprint != "" && rec.Fingerprint != old.Fingerprint {
		dup, err := w.findDuplicate(&rec, now)
		if err != nil {
			return nil, err
		}
		if dup != nil && dup.ID != rec.ID {
			res := &createResult{rec: dup, deduplicated: true, behavior: settings.dedupBehavior, staged: w.txn != nil}
			if settings.dedupBehavior == DedupUpdateExisting {
				d := &tokenDraft{rec: &rec, dataJSON: dataJSON, cvc: cvc, settings: settings}
				if err := v.mergeIntoDuplicate(w, p, tk, dup, d, now); err != nil {
					return nil, err
				}
				res.updated = true
			}
			return &updateResult{dup: res}, nil
		}
	}
	if req.Data != nil || rec.ID != old.ID {
		if err := sealTokenData(tk, p.TenantID, &rec, dataJSON, cvc); err != nil {
			return nil, err
		}
		if cvc != "" {
			if settings.cvcRetention > 0 {
				until := now.Add(settings.cvcRetention)
				rec.CVCUntil = &until
			}
		} else if !cvcRemovedByPatch(req.Data) {
			rec.CVC, rec.CVCUntil = old.CVC, old.CVCUntil
		} else {
			rec.CVCUntil = nil
		}
	}
	if err := w.replace(old, &rec); err != nil {
		return nil, err
	}
	return &updateResult{rec: &rec}, nil
}

// cvcRemovedByPatch reports whether a data merge patch sets cvc to null.
func cvcRemovedByPatch(patch json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(patch, &m) != nil {
		return false
	}
	v, ok := m["cvc"]
	return ok && string(bytes.TrimSpace(v)) == "null"
}

// DeleteToken deletes a token and its data forever. The caller needs
// token:delete on its containers. Errors: KindNotFound, KindForbidden.
func (v *Vault) DeleteToken(ctx context.Context, id string) error {
	const op = "DeleteToken"
	p := v.principal(ctx)
	var rec *tokenRecord
	err := v.update(ctx, op, func(tx storage.Tx) error {
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		if rec, err = w.live(id); err != nil {
			return err
		}
		if _, err := v.authorizeToken(op, p, PermTokenDelete, rec.ID, rec.Containers); err != nil {
			return err
		}
		return w.remove(rec)
	})
	if err != nil {
		return wrapErr(op, err)
	}
	if TransactionFrom(ctx) == "" {
		v.emit(ctx, p.TenantID, EventTokenDeleted, map[string]any{"token": map[string]any{"id": rec.ID}})
	}
	return nil
}

// base58 encodes b with the Bitcoin alphabet, as the hosted platform's
// fingerprints are.
func base58(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	digits := make([]byte, 0, len(b)*138/100+1)
	for _, c := range b {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, 0, len(digits)+len(b))
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i := len(digits) - 1; i >= 0; i-- {
		out = append(out, alphabet[digits[i]])
	}
	return string(out)
}
