package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tokenvault/vault/expr"
	"github.com/tokenvault/vault/internal/jsonv"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Tokenize turns every sensitive part of a JSON document into tokens and
// returns the document with the same shape:
//
//   - an object with "type" and "data" is a token create request (the fields
//     of [CreateTokenRequest]) and is replaced by the token, as the caller may
//     see it;
//   - any other string, number or boolean becomes a token of type "token"
//     and is replaced by its id;
//   - other objects and arrays are walked; null stays null.
//
// All tokens are created in one transaction: either every one is created or
// none is. A document may create at most the tenant's tokenize_limit tokens
// (default 5). doc is any JSON value: a decoded document, a
// json.RawMessage, or a Go value that encodes to JSON.
func (v *Vault) Tokenize(ctx context.Context, doc any) (any, error) {
	const op = "Tokenize"
	p := v.principal(ctx)
	tk, settings, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	root, err := normalizeJSON(doc)
	if err != nil {
		return nil, jsonDocError(op, err)
	}
	var drafts []*tokenDraft
	var paths []string
	fe := fieldErrors{}
	var forbidden *Error
	count := 0
	var collect func(path string, node any) any
	collect = func(path string, node any) any {
		switch n := node.(type) {
		case map[string]any:
			if _, hasType := n["type"]; hasType {
				if _, hasData := n["data"]; hasData {
					count++
					if count > settings.tokenizeLimit {
						return nil
					}
					var req CreateTokenRequest
					if err := remarshal(n, &req); err != nil {
						fe.add(path, "is not a valid token request")
						return nil
					}
					d, err := v.prepareToken(op, p, tk, settings, &req)
					if err != nil {
						if e, ok := errors.AsType[*Error](err); ok && e.Fields != nil {
							fe.merge(path, e.Fields)
						} else {
							fe.add(path, "is not a valid token request")
						}
						return nil
					}
					if _, err := v.authorizeToken(op, p, PermTokenCreate, "", d.rec.Containers); err != nil {
						forbidden = forbiddenAt(op, path)
						return nil
					}
					drafts, paths = append(drafts, d), append(paths, path)
					return tokenizeSlot{index: len(drafts) - 1, full: true}
				}
			}
			out := make(map[string]any, len(n))
			for k, e := range n {
				out[k] = collect(joinPath(path, k), e)
			}
			return out
		case []any:
			out := make([]any, len(n))
			for i, e := range n {
				out[i] = collect(fmt.Sprintf("%s[%d]", path, i), e)
			}
			return out
		case nil:
			return nil
		default:
			count++
			if count > settings.tokenizeLimit {
				return nil
			}
			d, err := v.prepareToken(op, p, tk, settings, &CreateTokenRequest{Type: TypeToken, Data: n})
			if err != nil {
				fe.add(path, "could not be tokenized")
				return nil
			}
			if _, err := v.authorizeToken(op, p, PermTokenCreate, "", d.rec.Containers); err != nil {
				forbidden = forbiddenAt(op, path)
				return nil
			}
			drafts, paths = append(drafts, d), append(paths, path)
			return tokenizeSlot{index: len(drafts) - 1}
		}
	}
	shape := collect("", root)
	if count > settings.tokenizeLimit {
		return nil, newError(KindInvalid, op, "the document holds %d values to tokenize; the limit is %d", count, settings.tokenizeLimit)
	}
	if forbidden != nil {
		return nil, forbidden
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	var results []*createResult
	err = v.update(ctx, op, func(tx storage.Tx) error {
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		results = make([]*createResult, len(drafts))
		for i, d := range drafts {
			res, err := v.insertToken(w, p, tk, d)
			if err != nil {
				if e, ok := errors.AsType[*Error](err); ok && e.Kind == KindConflict {
					return &Error{Kind: KindConflict, Detail: e.Detail, Fields: map[string][]string{paths[i]: {e.Detail}}}
				} else if ok && e.Kind == KindInvalid && len(e.Fields) > 0 {
					fe := fieldErrors{} // a duplicate's mask that fails on the merged data
					fe.merge(paths[i], e.Fields)
					return fe.err(op)
				}
				return err
			}
			if err := v.emitCreated(ctx, tx, p.TenantID, res); err != nil {
				return err
			}
			results[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	toks := make([]*Token, len(results))
	for i, res := range results {
		if toks[i], err = v.finishCreate(ctx, op, p, tk, res); err != nil {
			return nil, err
		}
	}
	var fill func(node any) any
	fill = func(node any) any {
		switch n := node.(type) {
		case tokenizeSlot:
			if n.full {
				return toks[n.index]
			}
			return toks[n.index].ID
		case map[string]any:
			for k, e := range n {
				n[k] = fill(e)
			}
		case []any:
			for i, e := range n {
				n[i] = fill(e)
			}
		}
		return node
	}
	return fill(shape), nil
}

// forbiddenAt is the error for a value the caller may not tokenize; the
// field path says which.
func forbiddenAt(op, path string) *Error {
	return &Error{Kind: KindForbidden, Op: op, Detail: "the caller lacks token:create on the containers of a value",
		Fields: map[string][]string{path: {"the caller lacks token:create on these containers"}}}
}

// tokenizeSlot marks where a created token goes in a tokenized document.
type tokenizeSlot struct {
	index int
	full  bool // the whole token, else its id
}

func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Detokenize returns doc with every token reference replaced (see the
// package documentation, "Expressions"): `{{ <id> }}` by the token's data,
// `{{ token: <id> }}` by the whole token, each optionally followed by
// filters. A string that is exactly one reference takes the JSON type of the
// value; references inside longer text are concatenated as text.
//
// The caller needs token:read on each referenced token, and sees its data
// under that rule's transform. An unknown or expired token is KindInvalid,
// a token the caller may not read is KindForbidden. A document may hold at
// most the tenant's detokenize_limit expressions (default 5).
func (v *Vault) Detokenize(ctx context.Context, doc any) (any, error) {
	const op = "Detokenize"
	p := v.principal(ctx)
	_, settings, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	out, err := v.detokenize(ctx, op, p, doc, PermTokenRead, settings.detokenizeLimit)
	return out, wrapErr(op, err)
}

// detokenize resolves the references of doc for p, reading every referenced
// token in one transaction. perm is the permission each token needs (read for
// Detokenize, use for reactors); limit caps the expressions.
func (v *Vault) detokenize(ctx context.Context, op string, p Principal, doc any, perm string, limit int) (any, error) {
	root, err := normalizeJSON(doc)
	if err != nil {
		return nil, jsonDocError(op, err)
	}
	d, err := expr.ParseDocument(root)
	if err != nil {
		if e, ok := errors.AsType[*expr.Error](err); ok {
			return nil, invalidField(op, e.Path, "%s", e.Error())
		}
		return nil, invalidField(op, "", "the document is not valid")
	}
	if n := d.Expressions(); n > limit {
		return nil, newError(KindInvalid, op, "the document holds %d expressions; the limit is %d", n, limit)
	}
	refs := d.Refs()
	if len(refs) == 0 {
		return d.Render(func(expr.Ref) (any, bool) { return nil, false })
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	values, err := v.resolveRefs(ctx, op, p, tk, refs, perm)
	if err != nil {
		return nil, err
	}
	out, err := d.Render(func(r expr.Ref) (any, bool) {
		val, ok := values[r]
		return val, ok
	})
	if err != nil {
		if e, ok := errors.AsType[*expr.Error](err); ok {
			return nil, invalidField(op, e.Path, "%s", e.Error())
		}
		return nil, err
	}
	return out, nil
}

// resolveRefs reads every token the references name, in one transaction, and
// returns the value each reference stands for.
func (v *Vault) resolveRefs(ctx context.Context, op string, p Principal, tk *keys.TenantKeys, refs []expr.Ref, perm string) (map[expr.Ref]any, error) {
	recs := map[string]*tokenRecord{}
	err := v.view(ctx, op, func(tx storage.Tx) error {
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		for _, r := range refs {
			if r.Kind != expr.RefData && r.Kind != expr.RefToken {
				continue
			}
			if _, done := recs[r.ID]; done {
				continue
			}
			rec, err := w.get(r.ID)
			if errors.Is(err, errRecordNotFound) || err == nil && rec.expired(v.now()) {
				recs[r.ID] = nil
				continue
			}
			if err != nil {
				return err
			}
			recs[r.ID] = rec
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	values := make(map[expr.Ref]any, len(refs))
	limits := pageMaskLimits(len(recs))
	for _, r := range refs {
		if r.Kind != expr.RefData && r.Kind != expr.RefToken {
			return nil, invalidField(op, "", "only token references can be detokenized here")
		}
		rec := recs[r.ID]
		if rec == nil {
			return nil, newError(KindInvalid, op, "the document references a token that does not exist")
		}
		tf, err := v.authorizeToken(op, p, perm, rec.ID, rec.Containers)
		if err != nil {
			return nil, err
		}
		tok, err := v.shapeToken(ctx, p.TenantID, tk, rec, tf, nil, "", limits)
		if err != nil {
			return nil, err
		}
		if r.Kind == expr.RefData {
			var data any
			if len(tok.Data) > 0 {
				if data, err = jsonv.Decode(tok.Data); err != nil {
					return nil, err
				}
				clear(tok.Data)
			}
			values[r] = data
			continue
		}
		m, err := normalizeJSON(tok)
		if err != nil {
			return nil, err
		}
		values[r] = m
	}
	aop, msg := AuditRead, msgTokenDetoken
	switch perm {
	case PermTokenUse:
		aop, msg = AuditUse, msgTokenReactor
		if op == "Proxy" {
			msg = msgTokenProxy
		}
	case PermProxyInvoke:
		aop, msg = AuditUse, msgTokenProxy
	}
	for _, rec := range recs {
		v.auditRead(ctx, rec, aop, msg)
	}
	return values, nil
}
