package expr

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	cardID = "815029c2-29ec-4fc2-8cd4-99feb3ee582c"
	nameID = "f4d86311-1254-4155-b532-b651279a8cc0"
	lastID = "42af9170-e6ca-4ea7-a43b-730a0b47b6d0"
)

// store is what the lookup given to Render resolves.
var store = map[Ref]any{
	{RefData, cardID}: mustJSON(`{"number": "4242424242424242", "expiration_month": 11, "expiration_year": 2025, "cvc": "123"}`),
	{RefToken, cardID}: mustJSON(`{"id": "` + cardID + `", "type": "card", "data": {"number": "4242424242424242",
		"expiration_month": 11, "expiration_year": 2025, "cvc": "123"}, "metadata": {"k": "v"}}`),
	{RefData, nameID}:              "John",
	{RefData, lastID}:              "Brown",
	{RefData, "my_alias"}:          "aliased",
	{RefTokenIntent, "ti_abc"}:     mustJSON(`{"id": "ti_abc", "card": {"bin": "42424242"}}`),
	{RefConfig, "api_key"}:         "my-api-key",
	{RefConfig, "K"}:               "v",
	{RefData, "12345678901234567"}: json.Number("12345678901234567"),
}

func lookup(r Ref) (any, bool) {
	v, ok := store[r]
	return v, ok
}

type documentCase struct {
	name  string
	doc   any
	refs  []Ref
	exprs int
	want  any
}

var documentCases = []documentCase{
	{
		name: "data", doc: map[string]any{"ssn": "{{" + nameID + "}}"},
		refs: []Ref{{RefData, nameID}}, exprs: 1, want: map[string]any{"ssn": "John"},
	},
	{
		name: "complex data embedded", doc: map[string]any{"card": "{{" + cardID + "}}"},
		refs: []Ref{{RefData, cardID}}, exprs: 1,
		want: map[string]any{"card": map[string]any{"number": "4242424242424242", "expiration_month": int64(11), "expiration_year": int64(2025), "cvc": "123"}},
	},
	{
		name: "json filter keeps types", doc: mustJSON(`{"args": {"card": {
			"number": "{{ ` + cardID + ` | json: '$.number' }}",
			"expiration_month": "{{ ` + cardID + ` | json: '$.expiration_month' }}",
			"cvc": "987"}, "card_owner_full_name": "John Doe"}}`),
		refs: []Ref{{RefData, cardID}}, exprs: 2,
		want: map[string]any{"args": map[string]any{"card": map[string]any{
			"number": "4242424242424242", "expiration_month": int64(11), "cvc": "987"}, "card_owner_full_name": "John Doe"}},
	},
	{
		name: "whole token", doc: map[string]any{"n": "{{ token: " + cardID + " | json: '$.data.number' }}", "t": "{{ token: " + cardID + " | json: '$.metadata' }}"},
		refs: []Ref{{RefToken, cardID}}, exprs: 2,
		want: map[string]any{"n": "4242424242424242", "t": map[string]any{"k": "v"}},
	},
	{
		name: "mixed text concatenates", doc: []any{"{{" + nameID + "}} {{" + lastID + "}}", "{{ " + lastID + " | upcase }}"},
		refs: []Ref{{RefData, nameID}, {RefData, lastID}}, exprs: 3,
		want: []any{"John Brown", "BROWN"},
	},
	{
		name: "refs unique in first-seen order", doc: map[string]any{
			"a": "{{ " + lastID + " }}", "b": []any{"{{ " + nameID + " }}", "{{ " + lastID + " }}{{ token: " + cardID + " | json: '$.id' }}"},
			"c": "{{ " + nameID + " | size }}",
		},
		refs:  []Ref{{RefData, lastID}, {RefData, nameID}, {RefToken, cardID}},
		exprs: 5,
		want:  map[string]any{"a": "Brown", "b": []any{"John", "Brown" + cardID}, "c": int64(4)},
	},
	{
		name: "token intent and config", doc: map[string]any{
			"bin": "{{ token_intent: ti_abc | json: '$.card.bin' }}", "h": "Bearer {{ config: api_key }}", "k": "{{config:K|upcase}}",
		},
		refs:  []Ref{{RefTokenIntent, "ti_abc"}, {RefConfig, "api_key"}, {RefConfig, "K"}},
		exprs: 3,
		want:  map[string]any{"bin": "42424242", "h": "Bearer my-api-key", "k": "V"},
	},
	{
		name: "custom id and big integer", doc: []any{"{{ my_alias }}", "{{ 12345678901234567 }}", "#{{ 12345678901234567 }}"},
		refs: []Ref{{RefData, "my_alias"}, {RefData, "12345678901234567"}}, exprs: 3,
		want: []any{"aliased", int64(12345678901234567), "#12345678901234567"},
	},
	{
		name: "plain strings untouched", doc: mustJSON(`{"a": "plain", "b": [1, true, null, "x {% if %}"], "n": 1.5}`),
		refs: []Ref{}, exprs: 0, want: mustJSON(`{"a": "plain", "b": [1, true, null, "x {% if %}"], "n": 1.5}`),
	},
	{
		name: "string maps", doc: map[string]string{"X-Card": "{{ " + cardID + " | json: '$.number' | last4 }}", "X-Other": "y"},
		refs: []Ref{{RefData, cardID}}, exprs: 1, want: map[string]any{"X-Card": "4242", "X-Other": "y"},
	},
	{
		name: "tags around references", doc: "{% if true %}{{ " + nameID + " }}{% endif %}{% for i in (1..2) %}.{% endfor %}",
		refs: []Ref{{RefData, nameID}}, exprs: 1, want: "John..",
	},
	{
		name: "top-level string", doc: "{{ " + nameID + " | prepend: 'Mr ' }}",
		refs: []Ref{{RefData, nameID}}, exprs: 1, want: "Mr John",
	},
}

func TestDocuments(t *testing.T) {
	for _, c := range documentCases {
		t.Run(c.name, func(t *testing.T) {
			d, err := ParseDocument(c.doc)
			require.NoError(t, err)
			if len(c.refs) == 0 {
				assert.Empty(t, d.Refs())
			} else {
				assert.Equal(t, c.refs, d.Refs())
			}
			assert.Equal(t, c.exprs, d.Expressions())
			got, err := d.Render(lookup)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestDocumentSharesUntouchedParts(t *testing.T) {
	inner := map[string]any{"x": "plain"}
	list := []any{"y"}
	doc := map[string]any{"keep": inner, "list": list, "t": "{{ " + nameID + " }}"}
	d, err := ParseDocument(doc)
	require.NoError(t, err)
	got, err := d.Render(lookup)
	require.NoError(t, err)
	m := got.(map[string]any)
	m["keep"].(map[string]any)["probe"] = 1
	assert.Equal(t, 1, inner["probe"], "untouched objects are shared, not copied")
	assert.Equal(t, "{{ "+nameID+" }}", doc["t"], "the input is not modified")
	assert.Equal(t, "John", m["t"])
}

func TestDocumentWithoutTemplates(t *testing.T) {
	doc := map[string]any{"a": "b"}
	d, err := ParseDocument(doc)
	require.NoError(t, err)
	called := false
	got, err := d.Render(func(Ref) (any, bool) { called = true; return nil, false })
	require.NoError(t, err)
	assert.False(t, called)
	assert.Equal(t, doc, got)
}

func TestDocumentErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  any
		kind Kind
		path string
		col  int
	}{
		{name: "short id", doc: map[string]any{"args": map[string]any{"card": []any{"{{ ab }}"}}}, kind: KindSyntax, path: "args.card[0]", col: 4},
		{name: "forbidden character", doc: map[string]any{"a": "x {{ a/b/c }}"}, kind: KindSyntax, path: "a", col: 6},
		{name: "space in id", doc: []any{"ok", "{{ token: a b c }}"}, kind: KindSyntax, path: "[1]", col: 4},
		{name: "unknown filter", doc: map[string]any{"mask": map[string]any{"number": "{{ " + cardID + " | nope }}"}}, kind: KindSyntax, path: "mask.number", col: 43},
		{name: "odd key", doc: map[string]any{"a b": "{{ x }}"}, kind: KindSyntax, path: `["a b"]`, col: 4},
		{name: "unresolved", doc: map[string]any{"x": []any{"{{ unknown-id }}"}}, kind: KindRef, path: "x[0]"},
		{name: "json matched several", doc: map[string]any{"n": "{{ token: " + cardID + " | json: '$.data.*' }}"}, kind: KindEval, path: "n", col: 50},
		{name: "literal head is a reference", doc: map[string]any{"n": "{{ 'quoted' }}"}, kind: KindRef, path: "n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := ParseDocument(c.doc)
			if err == nil {
				_, err = d.Render(lookup)
			}
			e, ok := errors.AsType[*Error](err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, c.kind, e.Kind, e.Error())
			assert.Equal(t, c.path, e.Path)
			if c.col > 0 {
				assert.Equal(t, c.col, e.Col, e.Error())
			}
		})
	}
}

func TestDocumentConcurrentRender(t *testing.T) {
	d, err := ParseDocument(map[string]any{"a": "{{ " + cardID + " | json: '$.number' | reveal_last: 4 }}"})
	require.NoError(t, err)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				got, err := d.Render(lookup)
				if assert.NoError(t, err) {
					assert.Equal(t, map[string]any{"a": "XXXXXXXXXXXX4242"}, got)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}

func TestParseRef(t *testing.T) {
	for head, want := range map[string]Ref{
		cardID:                         {RefData, cardID},
		"token: " + cardID:             {RefToken, cardID},
		"token:" + cardID:              {RefToken, cardID},
		"token :abc":                   {RefToken, "abc"},
		"token_intent: ti_1":           {RefTokenIntent, "ti_1"},
		"config: K":                    {RefConfig, "K"},
		"transform_identifier: 'acct'": {RefTransform, "acct"},
		"transform_identifier:\"a\"":   {RefTransform, "a"},
		"transform_identifier: b":      {RefTransform, "b"},
		"tokenabc":                     {RefData, "tokenabc"},
		"data.number":                  {RefData, "data.number"},
		"caf\u00e9-id":                 {RefData, "caf\u00e9-id"},
	} {
		got, ok := parseRef(head)
		assert.True(t, ok, head)
		assert.Equal(t, want, got, head)
	}
	for _, head := range []string{"ab", "token: ab", "config: ", "transform_identifier: ''", "transform_identifier: 'a b'", "a b c", "a#bc", "a?bc", "a%bc", "a^bc", "a\\bc", "a+bc", "a=bc", "a&bc", "a<bc", "a[bc", string(make([]byte, 401))} {
		_, ok := parseRef(head)
		assert.False(t, ok, head)
	}
	assert.Equal(t, "token: abc", Ref{RefToken, "abc"}.String())
	assert.Equal(t, "abc", Ref{RefData, "abc"}.String())
	assert.Equal(t, "config", RefConfig.String())
	assert.Equal(t, "transform_identifier: acct", Ref{RefTransform, "acct"}.String())
}
