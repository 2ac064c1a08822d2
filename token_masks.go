package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/tokenvault/vault/expr"
	"github.com/tokenvault/vault/internal/jsonv"
)

// Masks: parsed once, evaluated at write (checkMask) and on every masked read.

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
