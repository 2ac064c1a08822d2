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
		if err := w.remove(rec); err != nil {
			return err
		}
		if w.txn != nil { // a staged change raises its event at commit
			return nil
		}
		return v.emitTx(ctx, tx, p.TenantID, EventTokenDeleted, map[string]any{"token": map[string]any{"id": rec.ID}})
	})
	if err != nil {
		return wrapErr(op, err)
	}
	return nil
}
