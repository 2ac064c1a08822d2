package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/tokenvault/vault/expr"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Updating and deleting tokens.

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
		if res, err = v.applyTokenUpdate(w, op, p, tk, settings, id, &req, newContainers, newExpiry); err != nil {
			return err
		}
		switch {
		case res.dup != nil:
			return v.emitCreated(ctx, tx, p.TenantID, res.dup)
		case w.txn == nil: // a staged change raises its event at commit
			return v.emitTokenTx(ctx, tx, p.TenantID, EventTokenUpdated, res.rec)
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	if res.dup != nil {
		return v.finishCreate(ctx, op, p, tk, res.dup)
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

// applyTokenUpdate reads, patches, validates and writes a token inside tx,
// in steps: authorize, patch the data, patch the other attributes, derive
// what depends on the data (search terms, fingerprint, mask check), fold
// into a duplicate if deduplication finds one, seal and write.
func (v *Vault) applyTokenUpdate(w *tokenView, op string, p Principal, tk *keys.TenantKeys, settings *tenantSettings,
	id string, req *UpdateTokenRequest, newContainers []string, newExpiry *time.Time) (*updateResult, error) {
	old, err := w.live(id)
	if err != nil {
		return nil, err
	}
	if err := v.authorizeUpdate(op, p, old, newContainers); err != nil {
		return nil, err
	}
	rec := *old
	now := v.now().UTC()
	rec.ModifiedBy, rec.ModifiedAt = p.ApplicationID, &now
	u := &tokenUpdate{req: req, old: old, rec: &rec, fe: fieldErrors{}}
	if err := u.patchData(tk, p.TenantID); err != nil {
		return nil, err
	}
	if u.unpatchable {
		return nil, u.fe.err(op)
	}
	u.patchAttributes(newContainers, newExpiry)
	if len(u.fe) > 0 {
		return nil, u.fe.err(op)
	}
	if err := v.deriveFromData(u, tk, p.TenantID); err != nil {
		return nil, err
	}
	if len(u.fe) > 0 {
		return nil, u.fe.err(op)
	}
	if res, err := v.updateIntoDuplicate(w, p, tk, settings, u, now); res != nil || err != nil {
		return res, err
	}
	if err := u.seal(tk, p.TenantID, settings, now); err != nil {
		return nil, err
	}
	if err := w.replace(old, &rec); err != nil {
		return nil, err
	}
	return &updateResult{rec: &rec}, nil
}

// tokenUpdate is an update under way: the request, the token before it,
// the record being built, the patched data and the field errors found.
type tokenUpdate struct {
	req      *UpdateTokenRequest
	old, rec *tokenRecord
	data     any    // the patched data, normalized (and validated when patched)
	dataJSON []byte // its JSON as it will be sealed, without a card's cvc
	cvc      string // a card's cvc given by the patch
	fe       fieldErrors
	// unpatchable: the data patch could not be applied at all, so nothing
	// else is checked.
	unpatchable bool
}

// authorizeUpdate checks token:update on the token's containers and, when
// the update moves it, on the new ones.
func (v *Vault) authorizeUpdate(op string, p Principal, old *tokenRecord, newContainers []string) error {
	if _, err := v.authorizeToken(op, p, PermTokenUpdate, old.ID, old.Containers); err != nil {
		return err
	}
	if newContainers != nil && !slices.Equal(newContainers, old.Containers) {
		if _, err := v.authorizeToken(op, p, PermTokenUpdate, old.ID, newContainers); err != nil {
			return err
		}
	}
	return nil
}

// patchData opens the token's data and applies the data merge patch, if
// any, validating the result as the token's type requires. A data that
// cannot be patched at all sets u.unpatchable, with its field error.
func (u *tokenUpdate) patchData(tk *keys.TenantKeys, tenant string) error {
	plain, err := tk.Open(u.old.Data, tokenAD(tenant, u.old.ID, sealFieldData))
	if err != nil {
		return err
	}
	u.dataJSON = plain
	if u.req.Data != nil {
		patched, err := jsonpatch.MergePatch(plain, u.req.Data)
		if err != nil {
			u.fe.add("data", "must be a JSON merge patch")
			u.unpatchable = true
			return nil
		}
		u.dataJSON = patched
	}
	data, err := normalizeJSON(json.RawMessage(u.dataJSON))
	if err != nil {
		u.fe.add("data", "must be JSON")
		u.unpatchable = true
		return nil
	}
	u.data = data
	if u.req.Data == nil {
		return nil
	}
	tt := tokenTypes[u.old.Type]
	var dataErrs fieldErrors
	u.data, dataErrs = tt.validate(data)
	u.fe.merge("data", dataErrs)
	if len(dataErrs) > 0 {
		return nil
	}
	if m, ok := u.data.(map[string]any); ok && tt.Name == TypeCard {
		if c, ok := m["cvc"].(string); ok {
			u.cvc = c
			u.data = withoutKey(m, "cvc")
		}
	}
	if u.dataJSON, err = json.Marshal(u.data); err != nil {
		return err
	}
	if len(u.dataJSON) > maxTokenDataBytes {
		u.fe.add("data", "must be at most %d bytes of JSON", maxTokenDataBytes)
	}
	return nil
}

// patchAttributes applies the mask and metadata merge patches and the
// replaced attributes (containers, expiry, search indexes, fingerprint
// expression, deduplication) to the record.
func (u *tokenUpdate) patchAttributes(newContainers []string, newExpiry *time.Time) {
	req, rec, fe := u.req, u.rec, u.fe
	if req.Mask != nil {
		base := u.old.Mask
		if base == nil {
			base = json.RawMessage("null")
		}
		patched, err := jsonpatch.MergePatch(base, req.Mask)
		var m any
		switch {
		case err != nil:
			fe.add("mask", "must be a JSON merge patch")
		case string(patched) == "null":
			rec.Mask = nil
		case json.Unmarshal(patched, &m) != nil:
			fe.add("mask", "must be a JSON merge patch")
		default:
			checkTemplates(fe, "mask", m)
			rec.Mask = patched
		}
	}
	if req.Metadata != nil {
		base, _ := json.Marshal(u.old.Metadata)
		if u.old.Metadata == nil {
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
}

// deriveFromData renders the search terms and the fingerprint of the
// updated token and, when the data or mask changed, checks that the mask
// still renders on the data as it will be read.
func (v *Vault) deriveFromData(u *tokenUpdate, tk *keys.TenantKeys, tenant string) error {
	rec, fe := u.rec, u.fe
	budget := expr.NewBudget(0) // shared by the token's templates
	if err := renderSearchTerms(tk, rec, map[string]any{"data": u.data}, fe, budget); err != nil {
		return err
	}
	rec.Fingerprint = ""
	if rec.FingerprintExpression != "" {
		fp, msg := fingerprintOf(tk, rec.Type, rec.FingerprintExpression, u.data, rec.Metadata, budget)
		if msg != "" {
			fe.add("fingerprint_expression", msg)
		}
		rec.Fingerprint = fp
	}
	if len(rec.Mask) == 0 || (u.req.Mask == nil && u.req.Data == nil) || tokenTypes[rec.Type].isDefaultMask(rec.Mask) {
		return nil
	}
	// The mask is evaluated with the cvc the token keeps after this update,
	// if any.
	kept := u.cvc
	if kept == "" && !cvcRemovedByPatch(u.req.Data) {
		var err error
		if kept, err = v.retainedCVC(tk, tenant, u.old); err != nil {
			return err
		}
	}
	return checkMask(fe, rec.Mask, u.dataJSON, kept, budget)
}

// updateIntoDuplicate applies deduplication to an update that changed the
// fingerprint: if another token has it, the result is that token (updated
// with this one's data under DedupUpdateExisting) and this one is left
// as it was. It returns nil when there is no duplicate.
func (v *Vault) updateIntoDuplicate(w *tokenView, p Principal, tk *keys.TenantKeys, settings *tenantSettings, u *tokenUpdate, now time.Time) (*updateResult, error) {
	rec := u.rec
	dedup := settings.dedup
	if rec.Deduplicate != nil {
		dedup = *rec.Deduplicate
	}
	if !dedup || rec.Fingerprint == "" || rec.Fingerprint == u.old.Fingerprint {
		return nil, nil
	}
	dup, err := w.findDuplicate(rec, now)
	if err != nil || dup == nil || dup.ID == rec.ID {
		return nil, err
	}
	res := &createResult{rec: dup, deduplicated: true, behavior: settings.dedupBehavior, staged: w.txn != nil}
	if settings.dedupBehavior == DedupUpdateExisting {
		d := &tokenDraft{rec: rec, dataJSON: u.dataJSON, cvc: u.cvc, settings: settings}
		if err := v.mergeIntoDuplicate(w, p, tk, dup, d, now); err != nil {
			return nil, err
		}
		res.updated = true
	}
	return &updateResult{dup: res}, nil
}

// seal seals the patched data (and a new cvc, with its retention) when the
// data changed; otherwise the sealed data and the retained cvc stay.
func (u *tokenUpdate) seal(tk *keys.TenantKeys, tenant string, settings *tenantSettings, now time.Time) error {
	rec, old := u.rec, u.old
	if u.req.Data == nil && rec.ID == old.ID {
		return nil
	}
	if err := sealTokenData(tk, tenant, rec, u.dataJSON, u.cvc); err != nil {
		return err
	}
	switch {
	case u.cvc != "":
		if settings.cvcRetention > 0 {
			until := now.Add(settings.cvcRetention)
			rec.CVCUntil = &until
		}
	case !cvcRemovedByPatch(u.req.Data):
		rec.CVC, rec.CVCUntil = old.CVC, old.CVCUntil
	default:
		rec.CVCUntil = nil
	}
	return nil
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
		if err := w.remove(rec); err != nil {
			return err
		}
		if w.txn != nil { // a staged change raises its event at commit
			return nil
		}
		return v.emitTokenGoneTx(ctx, tx, p.TenantID, EventTokenDeleted, rec.ID, rec.Type)
	})
	if err != nil {
		return wrapErr(op, err)
	}
	return nil
}
