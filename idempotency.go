package vault

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// Idempotency keys (the BT-IDEMPOTENCY-KEY header) are kept here, below the
// HTTP layer, so that every process sharing a store agrees on them and they
// survive a restart. A key is scoped to the caller (tenant and application or
// session), so no caller can replay another's response. The stored response
// is sealed with the tenant's data key: it may hold revealed token data.

const (
	// IdempotencyTTL is how long a completed response is replayed.
	IdempotencyTTL = 24 * time.Hour
	// idempotencyClaim is how long an unfinished claim blocks the key; a
	// process that died mid-request frees its keys after it.
	idempotencyClaim = 5 * time.Minute
	macIdempotency   = "idempotency-key"
	idempotencyKind  = "idempotency"
	maxIdempotentKey = 255
)

// IdempotentResponse is a completed response kept for replay. Body, the
// response as sent, may hold a key handed out once (a created application's)
// or revealed token data: the field is its one way out; fmt, slog and JSON
// show only its length.
type IdempotentResponse struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// String describes the response without its body.
func (r IdempotentResponse) String() string {
	return fmt.Sprintf("IdempotentResponse{Status:%d ContentType:%q Body:%d bytes}", r.Status, r.ContentType, len(r.Body))
}

// Format prints what String returns, whatever the verb.
func (r IdempotentResponse) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs the status, content type and body length.
func (r IdempotentResponse) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("status", r.Status), slog.String("content_type", r.ContentType), slog.Int("body_bytes", len(r.Body)))
}

// MarshalJSON encodes the status, content type and body length, not the
// body.
func (r IdempotentResponse) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Status      int    `json:"status"`
		ContentType string `json:"content_type,omitempty"`
		BodyBytes   int    `json:"body_bytes"`
	}{r.Status, r.ContentType, len(r.Body)})
}

type idempotencyRecord struct {
	ID          string    `json:"id"` // keyed hash of caller and key
	Request     []byte    `json:"request"`
	Owner       string    `json:"owner"`
	Done        bool      `json:"done"`
	Status      int       `json:"status,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Body        []byte    `json:"body,omitempty"` // sealed
	Expires     time.Time `json:"expires"`
}

var (
	idempotencyTable = register(&table[idempotencyRecord]{
		bucket:  "idempotency",
		kind:    idempotencyKind,
		schema:  1,
		id:      func(r *idempotencyRecord) string { return r.ID },
		indexes: []*index[idempotencyRecord]{idempotencyByExpiry},
		sealed: func(r *idempotencyRecord) []sealedField {
			return []sealedField{{"body", &r.Body, r.ID}}
		},
	})
	idempotencyByExpiry = &index[idempotencyRecord]{bucket: "idempotency.expiry", global: true, terms: func(r *idempotencyRecord) [][]byte {
		return [][]byte{keyenc.AppendTime(nil, r.Expires)}
	}}
)

// idempotencyID is the record id of key for the caller: a keyed hash, so the
// store never holds the key itself.
func (v *Vault) idempotencyID(p Principal, key string) (string, error) {
	tk, err := v.keys.Tenant(context.Background(), p.TenantID)
	if err != nil {
		return "", err
	}
	mac := tk.MAC(macIdempotency, []byte(p.ApplicationID), []byte(p.SessionID), []byte(key))
	return base64.RawURLEncoding.EncodeToString(mac[:24]), nil
}

// BeginIdempotent claims an idempotency key for the caller before a request
// runs. requestHash identifies the request (method, path, body), so that a
// key reused for another request is refused. It returns:
//
//   - a stored response, when the key completed before: replay it;
//   - an error of KindConflict, when a request with the key is still running
//     or the key was used for a different request;
//   - nil and nil, when the caller should run the request and then call
//     CompleteIdempotent (success) or AbortIdempotent (failure).
func (v *Vault) BeginIdempotent(ctx context.Context, key string, requestHash []byte) (*IdempotentResponse, error) {
	const op = "BeginIdempotent"
	p := v.principal(ctx)
	if key == "" || len(key) > maxIdempotentKey {
		return nil, invalidField(op, "BT-IDEMPOTENCY-KEY", "must be 1 to %d characters", maxIdempotentKey)
	}
	id, err := v.idempotencyID(p, key)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var replay *IdempotentResponse
	err = v.update(ctx, op, func(tx storage.Tx) error {
		replay = nil
		now := v.now()
		old, err := idempotencyTable.get(tx, p.TenantID, id)
		if err != nil && !errors.Is(err, errRecordNotFound) {
			return err
		}
		if old != nil && now.Before(old.Expires) {
			if subtle.ConstantTimeCompare(old.Request, requestHash) != 1 {
				return newError(KindConflict, op, "the idempotency key was used for a different request")
			}
			if !old.Done {
				return newError(KindConflict, op, "a request with this idempotency key is in progress")
			}
			body, err := tk.Open(old.Body, keysAD(p.TenantID, idempotencyKind, id, "body"))
			if err != nil {
				return err
			}
			replay = &IdempotentResponse{Status: old.Status, ContentType: old.ContentType, Body: body}
			return nil
		}
		rec := &idempotencyRecord{ID: id, Request: requestHash, Owner: v.instance, Expires: now.Add(idempotencyClaim)}
		return idempotencyTable.replace(tx, p.TenantID, old, rec)
	})
	return replay, err
}

// CompleteIdempotent stores the successful response of a request claimed by
// BeginIdempotent, for replay during IdempotencyTTL.
func (v *Vault) CompleteIdempotent(ctx context.Context, key string, resp IdempotentResponse) error {
	const op = "CompleteIdempotent"
	p := v.principal(ctx)
	id, err := v.idempotencyID(p, key)
	if err != nil {
		return wrapErr(op, err)
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return wrapErr(op, err)
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		old, err := idempotencyTable.get(tx, p.TenantID, id)
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "the idempotency key was not claimed")
		}
		if err != nil {
			return err
		}
		rec := *old
		rec.Done, rec.Status, rec.ContentType = true, resp.Status, resp.ContentType
		if rec.Body, err = tk.Seal(resp.Body, keysAD(p.TenantID, idempotencyKind, id, "body")); err != nil {
			return err
		}
		rec.Expires = v.now().Add(IdempotencyTTL)
		return idempotencyTable.replace(tx, p.TenantID, old, &rec)
	})
}

// AbortIdempotent releases a key claimed by BeginIdempotent whose request
// failed: a retry then runs as new.
func (v *Vault) AbortIdempotent(ctx context.Context, key string) error {
	const op = "AbortIdempotent"
	p := v.principal(ctx)
	id, err := v.idempotencyID(p, key)
	if err != nil {
		return wrapErr(op, err)
	}
	return v.update(ctx, op, func(tx storage.Tx) error {
		old, err := idempotencyTable.get(tx, p.TenantID, id)
		if errors.Is(err, errRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if old.Done {
			return nil
		}
		return idempotencyTable.remove(tx, p.TenantID, old)
	})
}

// sweepIdempotency removes expired idempotency records.
func (v *Vault) sweepIdempotency(ctx context.Context) (int, error) {
	return sweepDue(ctx, v, idempotencyTable, idempotencyByExpiry, func(tx storage.Tx, tenant string, r *idempotencyRecord, now time.Time) (bool, error) {
		if now.Before(r.Expires) {
			return false, nil
		}
		return true, idempotencyTable.remove(tx, tenant, r)
	}, nil)
}
