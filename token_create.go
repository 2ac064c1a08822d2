package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/tokenvault/vault/expr"
	"github.com/tokenvault/vault/internal/jsonv"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Creating tokens: a request checked and rendered into a draft, then
// inserted, or merged into its duplicate.

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
		if res, err = v.insertToken(w, p, tk, d); err != nil {
			return err
		}
		return v.emitCreated(ctx, tx, p.TenantID, res)
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

// emitCreated raises, in the create's transaction, the event of what
// insertToken did: token.created, token.updated for a duplicate it updated,
// nothing for a staged change (its commit raises the event).
func (v *Vault) emitCreated(ctx context.Context, tx storage.Tx, tenant string, res *createResult) error {
	switch {
	case res.staged:
		return nil
	case !res.deduplicated:
		return v.emitTokenTx(ctx, tx, tenant, EventTokenCreated, res.rec)
	case res.updated:
		return v.emitTokenTx(ctx, tx, tenant, EventTokenUpdated, res.rec)
	}
	return nil
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
	return newTokenID(), nil
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

// finishCreate shapes the result of a create for the caller (emitCreated
// raised its event).
func (v *Vault) finishCreate(ctx context.Context, op string, p Principal, tk *keys.TenantKeys, res *createResult) (*Token, error) {
	rec := res.rec
	if !res.deduplicated {
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
		d.ids = []string{newTokenID()}
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

// newTokenID returns the id of a new token that names none: a version 7
// UUID, time-ordered, so that a new token's record lands at the end of its
// tenant's key range instead of on a random page of the tree (see the
// package documentation, "Token ids").
func newTokenID() string { return uuid.Must(uuid.NewV7()).String() }
