package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/tokenvault/vault/expr"
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

var tokenTable = register(&table[tokenRecord]{
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
})

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
	if err != nil {
		return nil, wrapErr(op, err)
	}
	v.auditRead(ctx, rec, AuditRead, msgTokenRetrieved)
	return tok, nil
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
