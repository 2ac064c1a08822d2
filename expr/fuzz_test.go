package expr

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// slowInput fails a fuzz input that takes this long: evaluation is bounded.
const slowInput = 2 * time.Second

// fuzzVars are the variables templates are evaluated with in the fuzz
// tests: every JSON type.
func fuzzVars() map[string]any {
	return map[string]any{
		"data": map[string]any{
			"number": "4242424242424242", "expiration_month": json.Number("12"), "expiration_year": json.Number("2030"),
			"list": []any{"a", json.Number("1"), nil, true, map[string]any{"k": "v"}}, "f": json.Number("1.5"),
		},
		"metadata": map[string]any{"k": "v"},
		"s":        "123-45-6789",
		"n":        json.Number("-7"),
	}
}

// seedTemplates are the sources of every table of the package's tests.
func seedTemplates() []string {
	var seeds []string
	for _, c := range filterCases {
		seeds = append(seeds, c.src)
	}
	for _, c := range templateCases {
		seeds = append(seeds, c.src)
	}
	for _, tt := range tokenTypes {
		seeds = append(seeds, tt.fingerprint)
		seeds = append(seeds, stringLeaves(tt.mask)...)
		seeds = append(seeds, tt.indexes...)
	}
	for _, c := range fastCases {
		seeds = append(seeds, "{{ "+c+" }}")
	}
	seeds = append(seeds, limitCases...)
	seeds = append(seeds, dataLimitCases...)
	seeds = append(seeds, sharedCases...)
	return seeds
}

// stringLeaves returns the strings of a JSON value.
func stringLeaves(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case map[string]any:
		var out []string
		for _, e := range t {
			out = append(out, stringLeaves(e)...)
		}
		return out
	}
	return nil
}

func mustTyped(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if _, ok := errors.AsType[*Error](err); !ok {
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

// FuzzParse: Parse, Eval and EvalString never panic and fail only with
// *Error; plain text and raw blocks round-trip.
func FuzzParse(f *testing.F) {
	for _, s := range seedTemplates() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > slowInput {
				t.Fatalf("took %v", d)
			}
		}()
		lim := WithLimits(Limits{MaxOutput: 1 << 16, MaxSteps: 20_000, MaxItems: 1000})
		tm, err := Parse(src)
		mustTyped(t, err)
		if err == nil {
			_, err = tm.Eval(fuzzVars(), lim)
			mustTyped(t, err)
			_, err = tm.EvalString(fuzzVars(), lim)
			mustTyped(t, err)
		}
		if d, err := ParseDocument(src); err == nil { // the same text as a document leaf
			_, err = d.Render(fuzzResolve, lim)
			mustTyped(t, err)
		} else {
			mustTyped(t, err)
		}
		if !hasMarkup(src) {
			s, err := tm.EvalString(nil)
			if err != nil || s != src {
				t.Fatalf("plain text does not round-trip: %q, %v", s, err)
			}
		}
		if !strings.Contains(src, "endraw") {
			raw := "{% raw %}" + src + "{% endraw %}"
			tm, err := Parse(raw)
			if err != nil {
				t.Fatalf("raw block does not parse: %v", err)
			}
			s, err := tm.EvalString(nil)
			if err != nil || s != src {
				t.Fatalf("raw block does not round-trip: %q, %v", s, err)
			}
		}
	})
}

// seedDocuments are the documents of the document tests.
func seedDocuments() []string {
	seeds := []string{
		`{"a":"{{ 7993dbd8-0e4a-4a7c-9f1f-2d0e9a0b8c1d }}"}`,
		`["{{ token: abc | json: '$.data.number' }}", "x {{ abc }} y {{ config: KEY | upcase }}", 1, null, true]`,
		`{"args":{"card":["{{ token_intent: ti_1 | json: '$.card' }}"]}}`,
		`"{{ abc | reveal_last: 4 }}"`,
		`{"plain":"no templates here","n":12345678901234567}`,
	}
	for _, c := range documentCases {
		b, _ := json.Marshal(c.doc)
		seeds = append(seeds, string(b))
	}
	return seeds
}

// fuzzResolve gives every reference a value of its own.
func fuzzResolve(r Ref) (any, bool) {
	if strings.HasPrefix(r.ID, "unknown") {
		return nil, false
	}
	switch r.Kind {
	case RefToken, RefTokenIntent:
		return map[string]any{"id": r.ID, "type": "card", "data": fuzzVars()["data"]}, true
	case RefConfig:
		return "config-" + r.ID, true
	}
	return fuzzVars()["data"], true
}

// decodeFuzzJSON decodes a fuzzed JSON document with numbers kept as
// written; ok is false for text that is not JSON.
func decodeFuzzJSON(text string) (doc any, ok bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, false
	}
	return doc, true
}

// FuzzDocument: ParseDocument and Render never panic on any JSON, fail only
// with *Error, and a document without "{{" renders to itself.
func FuzzDocument(f *testing.F) {
	for _, s := range seedDocuments() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		doc, ok := decodeFuzzJSON(text)
		if !ok {
			return
		}
		d, err := ParseDocument(doc)
		mustTyped(t, err)
		if err != nil {
			return
		}
		refs := d.Refs()
		seen := map[Ref]bool{}
		for _, r := range refs {
			if seen[r] {
				t.Fatalf("reference %v listed twice", r)
			}
			seen[r] = true
		}
		out, err := d.Render(fuzzResolve, WithLimits(Limits{MaxOutput: 1 << 16, MaxSteps: 20_000, MaxItems: 1000}))
		mustTyped(t, err)
		if !strings.Contains(text, "{{") && !reflect.DeepEqual(out, doc) {
			t.Fatalf("a document without templates changed: %#v", out)
		}
	})
}

// seedMasks are mask documents: the token types' own, and masks that
// loop, repeat their data or nest.
func seedMasks() []string {
	var seeds []string
	for _, tt := range tokenTypes {
		if tt.mask != nil {
			b, _ := json.Marshal(tt.mask)
			seeds = append(seeds, string(b))
		}
	}
	leaves := append([]string{"{% for i in (1..1000000000) %}x{% endfor %}", "{{ data }}", "{{ data | json_stringify }}"},
		append(limitCases[:3:3], sharedCases...)...)
	for _, l := range leaves {
		b, _ := json.Marshal(map[string]any{"number": "{{ data.number | reveal_last: 4 }}", "x": l, "y": []any{l, l}})
		seeds = append(seeds, string(b))
	}
	return seeds
}

// FuzzEvalJSON: EvalJSON (masks) never panics on any JSON document, fails
// only with *Error, within the time bound, and its result is within the
// output bound: the templates' results are at most MaxOutput together
// (their JSON at most six times that, with escaping), plus the document's
// own text.
func FuzzEvalJSON(f *testing.F) {
	for _, s := range seedMasks() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		doc, ok := decodeFuzzJSON(text)
		if !ok {
			return
		}
		start := time.Now()
		const maxOut = 1 << 16
		out, err := EvalJSON(doc, fuzzVars(), WithLimits(Limits{MaxOutput: maxOut, MaxSteps: 20_000, MaxItems: 1000}))
		if d := time.Since(start); d > slowInput {
			t.Fatalf("took %v", d)
		}
		mustTyped(t, err)
		if err != nil {
			return
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatalf("the result does not encode: %v", err)
		}
		if len(b) > len(text)+6*maxOut {
			t.Fatalf("the result is %d bytes of JSON", len(b))
		}
	})
}

// FuzzFastPath: the fast path and the Liquid engine agree on every
// expression the fast path accepts.
func FuzzFastPath(f *testing.F) {
	for _, s := range fastCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkFastAgrees(t, src)
	})
}
