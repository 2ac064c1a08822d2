package expr

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenType is a token type of reference §1.2 with its default expressions
// and what they render on sample data.
type tokenType struct {
	typ         string
	data        any
	fingerprint string
	wantPrint   string
	mask        any // a template, or an object of templates
	wantMask    any
	indexes     []string
	wantIndexes []string
}

var defaultCardMask = map[string]any{
	"number":           "{{ data.number | reveal_last: 4 }}",
	"expiration_month": "{{ data.expiration_month }}",
	"expiration_year":  "{{ data.expiration_year }}",
}

var tokenTypes = []tokenType{
	{
		typ: "token", data: mustJSON(`{"b": [1, 2.5, "x"], "a": "<v>"}`),
		fingerprint: "{{ data | stringify }}", wantPrint: `{"a":"<v>","b":[1,2.5,"x"]}`,
	},
	{
		typ: "token", data: "Sensitive Value",
		fingerprint: "{{ data | stringify }}", wantPrint: "Sensitive Value",
		mask: "{{ data | reveal_last: 4 }}", wantMask: "XXXXXXXXXXXalue",
		indexes: []string{"{{ data }}", "{{ data | last4 }}"}, wantIndexes: []string{"Sensitive Value", "alue"},
	},
	{
		typ:         "card",
		data:        mustJSON(`{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030, "cvc": "123"}`),
		fingerprint: "{{ data.number }}", wantPrint: "4242424242424242",
		mask:     defaultCardMask,
		wantMask: map[string]any{"number": "XXXXXXXXXXXX4242", "expiration_month": int64(12), "expiration_year": int64(2030)},
	},
	{
		typ:         "bank",
		data:        mustJSON(`{"routing_number": "110000000", "account_number": "000123456789"}`),
		fingerprint: "{{ data.account_number }}|{{ data.routing_number }}", wantPrint: "000123456789|110000000",
		mask: map[string]any{
			"routing_number": "{{ data.routing_number }}",
			"account_number": "{{ data.account_number | reveal_last: 4 }}",
		},
		wantMask: map[string]any{"routing_number": "110000000", "account_number": "XXXXXXXX6789"},
	},
	{
		typ:         "bank (account number as a JSON integer)",
		data:        mustJSON(`{"routing_number": 110000000, "account_number": 12345678901234567}`),
		fingerprint: "{{ data.account_number }}|{{ data.routing_number }}", wantPrint: "12345678901234567|110000000",
		mask: map[string]any{
			"routing_number": "{{ data.routing_number }}",
			"account_number": "{{ data.account_number | reveal_last: 4 }}",
		},
		wantMask: map[string]any{"routing_number": int64(110000000), "account_number": "XXXXXXXXXXXXX4567"},
	},
	{
		typ: "card_number", data: "4242424242424242",
		fingerprint: "{{ data }}", wantPrint: "4242424242424242",
		mask: "{{ data | reveal_last: 4 }}", wantMask: "XXXXXXXXXXXX4242",
	},
	{
		typ: "us_bank_account_number", data: "000123456789",
		fingerprint: "{{ data }}", wantPrint: "000123456789",
		mask: "{{ data | reveal_last: 4 }}", wantMask: "XXXXXXXX6789",
	},
	{
		typ: "us_bank_routing_number", data: "110000000",
		fingerprint: "{{ data }}", wantPrint: "110000000",
		mask: "{{ data | reveal_last: 4 }}", wantMask: "XXXXX0000",
	},
	{
		typ: "social_security_number", data: "123-45-6789",
		fingerprint: "{{ data | remove: '-' }}", wantPrint: "123456789",
		mask: "{{ data | reveal_last: 4 }}", wantMask: "XXX-XX-6789",
		indexes:     []string{"{{ data }}", "{{ data | replace: '-' }}", "{{ data | last4 }}"},
		wantIndexes: []string{"123-45-6789", "123456789", "6789"},
	},
	{
		typ: "employer_id_number", data: "12-3456789",
		fingerprint: "{{ data | remove: '-' }}", wantPrint: "123456789",
		mask: "{{ data | reveal_last: 4 }}", wantMask: "XX-XXX6789",
		indexes:     []string{"{{ data }}", "{{ data | replace: '-' }}", "{{ data | last4 }}"},
		wantIndexes: []string{"12-3456789", "123456789", "6789"},
	},
	{
		typ:         "network_token",
		data:        mustJSON(`{"number": "4111111111111111", "expiration_month": 1, "expiration_year": 2029}`),
		fingerprint: "{{ data.number }}", wantPrint: "4111111111111111",
		mask:     defaultCardMask,
		wantMask: map[string]any{"number": "XXXXXXXXXXXX1111", "expiration_month": int64(1), "expiration_year": int64(2029)},
	},
}

func TestTokenTypeDefaults(t *testing.T) {
	for _, tt := range tokenTypes {
		t.Run(tt.typ, func(t *testing.T) {
			vars := map[string]any{"data": tt.data, "metadata": map[string]any{}}
			fp, err := Compile(tt.fingerprint)
			require.NoError(t, err)
			got, err := fp.EvalString(vars)
			require.NoError(t, err)
			assert.Equal(t, tt.wantPrint, got, "fingerprint")
			if tt.mask != nil {
				masked, err := EvalJSON(tt.mask, vars)
				require.NoError(t, err)
				assert.Equal(t, tt.wantMask, masked, "mask")
			}
			for i, src := range tt.indexes {
				ix, err := Compile(src)
				require.NoError(t, err)
				got, err := ix.EvalString(vars)
				require.NoError(t, err)
				assert.Equal(t, tt.wantIndexes[i], got, "search index %s", src)
			}
		})
	}
}

// templateCase evaluates src with vars (Eval).
type templateCase struct {
	name string
	src  string
	vars map[string]any
	want any
	kind Kind
}

var sample = map[string]any{
	"data": mustJSON(`{"n": 12, "big": 12345678901234567, "f": 1.5, "s": "text", "t": true, "z": null,
		"o": {"a": 1, "b": [1, "x"]}, "a": ["x", "y"], "e": ""}`),
}

var templateCases = []templateCase{
	// the typing rule: one {{ }} keeps the JSON type
	{name: "typed/integer", src: "{{ data.n }}", vars: sample, want: int64(12)},
	{name: "typed/big integer keeps its digits", src: "{{ data.big }}", vars: sample, want: int64(12345678901234567)},
	{name: "typed/float", src: "{{ data.f }}", vars: sample, want: 1.5},
	{name: "typed/string", src: "{{ data.s }}", vars: sample, want: "text"},
	{name: "typed/bool", src: "{{ data.t }}", vars: sample, want: true},
	{name: "typed/null", src: "{{ data.z }}", vars: sample, want: nil},
	{name: "typed/missing", src: "{{ data.missing }}", vars: sample, want: nil},
	{name: "typed/object", src: "{{ data.o }}", vars: sample, want: map[string]any{"a": int64(1), "b": []any{int64(1), "x"}}},
	{name: "typed/array", src: "{{ data.a }}", vars: sample, want: []any{"x", "y"}},
	{name: "typed/whitespace around", src: " \n {{ data.n }}\t ", vars: sample, want: int64(12)},
	{name: "typed/whitespace control", src: "{{- data.n -}}", vars: sample, want: int64(12)},
	{name: "typed/range", src: "{{ (1..3) }}", vars: sample, want: []any{int64(1), int64(2), int64(3)}},
	{name: "typed/filter result", src: "{{ data.n | plus: 1 }}", vars: sample, want: int64(13)},
	{name: "typed/empty expression", src: "{{ }}", vars: sample, want: nil},
	{name: "typed/comparison", src: "{{ data.n > 10 }}", vars: sample, want: true},
	{name: "typed/json.Number input", src: "{{ x }}", vars: map[string]any{"x": json.Number("1e3")}, want: int64(1000)},
	{name: "typed/Go ints", src: "{{ x }}", vars: map[string]any{"x": int32(7)}, want: int64(7)},
	{name: "typed/bytes", src: "{{ x }}", vars: map[string]any{"x": []byte("hi")}, want: "aGk="},

	// text: anything else renders to a string
	{name: "text/mixed", src: "n={{ data.n }}", vars: sample, want: "n=12"},
	{name: "text/two expressions", src: "{{ data.n }}{{ data.n }}", vars: sample, want: "1212"},
	{name: "text/object as JSON", src: "o: {{ data.o }}", vars: sample, want: `o: {"a":1,"b":[1,"x"]}`},
	{name: "text/array as JSON", src: "a: {{ data.a }}", vars: sample, want: `a: ["x","y"]`},
	{name: "text/null as nothing", src: "[{{ data.z }}]", vars: sample, want: "[]"},
	{name: "text/float", src: "{{ data.f }} {{ data.f | times: 2 }}", vars: sample, want: "1.5 3"},
	{name: "text/big integer", src: "#{{ data.big }}", vars: sample, want: "#12345678901234567"},
	{name: "text/plain", src: "no markup }} here", vars: sample, want: "no markup }} here"},
	{name: "text/multi-line object", src: "a{{ data.n\n | plus: 1 }}b", vars: sample, want: "a13b"},
	{name: "text/whitespace control", src: "a  {{- data.s -}}  b", vars: sample, want: "atextb"},

	// tags
	{name: "tags/if", src: "{% if data.t %}yes{% else %}no{% endif %}", vars: sample, want: "yes"},
	{name: "tags/elsif", src: "{% if data.n > 20 %}a{% elsif data.n > 10 %}b{% else %}c{% endif %}", vars: sample, want: "b"},
	{name: "tags/unless", src: "{% unless data.z %}none{% endunless %}", vars: sample, want: "none"},
	{name: "tags/case", src: "{% case data.s %}{% when 'x', 'text' %}T{% else %}E{% endcase %}", vars: sample, want: "T"},
	{name: "tags/case else", src: "{% case data.n %}{% when 1 %}one{% else %}other{% endcase %}", vars: sample, want: "other"},
	{name: "tags/for", src: "{% for x in data.a %}{{ forloop.index }}{{ x }}{% endfor %}", vars: sample, want: "1x2y"},
	{name: "tags/for range reversed limit", src: "{% for i in (1..5) limit: 2 reversed %}{{ i }}{% endfor %}", vars: sample, want: "21"},
	{name: "tags/for offset", src: "{% for i in (1..5) offset: 3 %}{{ i }}{% endfor %}", vars: sample, want: "45"},
	{name: "tags/for else", src: "{% for x in data.missing %}x{% else %}empty{% endfor %}", vars: sample, want: "empty"},
	{name: "tags/for object", src: "{% for p in data.o %}{{ p[0] }};{% endfor %}", vars: sample, want: "a;b;"},
	{name: "tags/for break continue", src: "{% for i in (1..9) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}", vars: sample, want: "13"},
	{name: "tags/nested loops parentloop", src: "{% for a in (1..2) %}{% for b in (1..2) %}{{ forloop.parentloop.index }}{{ b }} {% endfor %}{% endfor %}", vars: sample, want: "11 12 21 22 "},
	{name: "tags/loop variable restored", src: "{% assign x = 'o' %}{% for x in (1..2) %}{% endfor %}{{ x }}", vars: sample, want: "o"},
	{name: "tags/assign", src: "{% assign x = data.s | upcase %}{{ x }}!", vars: sample, want: "TEXT!"},
	{name: "tags/assign does not leak", src: "{% assign data = 1 %}{{ data }}", vars: sample, want: "1"},
	{name: "tags/capture", src: "{% capture c %}<{{ data.n }}>{% endcapture %}{{ c | size }}", vars: sample, want: "4"},
	{name: "tags/cycle", src: "{% for i in (1..4) %}{% cycle 'a', 'b' %}{% endfor %}", vars: sample, want: "abab"},
	{name: "tags/increment", src: "{% increment c %}{% increment c %}{% decrement d %}", vars: sample, want: "01-1"},
	{name: "tags/echo", src: "{% echo data.s | upcase %}", vars: sample, want: "TEXT"},
	{name: "tags/comment", src: "a{% comment %}{{ unterminated {% if %}{% endcomment %}b", vars: sample, want: "ab"},
	{name: "tags/nested comment", src: "a{% comment %}{% comment %}x{% endcomment %}y{% endcomment %}b", vars: sample, want: "ab"},
	{name: "tags/inline comment", src: "a{% # note %}b", vars: sample, want: "ab"},
	{name: "tags/raw", src: "{% raw %}{{ data.n }}{% if %}{% endraw %}", vars: sample, want: "{{ data.n }}{% if %}"},
	{name: "tags/tablerow", src: "{% tablerow i in (1..3) cols: 2 %}{{ i }}{% endtablerow %}", vars: sample,
		want: "<tr class=\"row1\">\n<td class=\"col1\">1</td><td class=\"col2\">2</td></tr>\n<tr class=\"row2\"><td class=\"col1\">3</td></tr>\n"},
	{name: "tags/contains", src: "{% if data.s contains 'ex' %}y{% endif %}", vars: sample, want: "y"},

	// syntax errors
	{name: "syntax/unterminated object", src: "a {{ data.n", kind: KindSyntax},
	{name: "syntax/unterminated tag", src: "a {% if data.n", kind: KindSyntax},
	{name: "syntax/unterminated block", src: "{% if data.n %}x", kind: KindSyntax},
	{name: "syntax/unexpected end", src: "x{% endif %}", kind: KindSyntax},
	{name: "syntax/else outside", src: "{% else %}", kind: KindSyntax},
	{name: "syntax/mismatched end", src: "{% if a %}{% endfor %}", kind: KindSyntax},
	{name: "syntax/unknown tag", src: "{% frob %}", kind: KindSyntax},
	{name: "syntax/include", src: "{% include 'secrets.txt' %}", kind: KindSyntax},
	{name: "syntax/render", src: "{% render 'x' %}", kind: KindSyntax},
	{name: "syntax/bad expression", src: "{{ data. }}", kind: KindSyntax},
	{name: "syntax/statement selector", src: "{{ %assign x = 1 }}", kind: KindSyntax},
	{name: "syntax/unterminated string", src: "{{ data | append: 'x }}", kind: KindSyntax},
	{name: "syntax/integer overflow", src: "{{ 99999999999999999999 }}", kind: KindSyntax},
	{name: "syntax/space before colon", src: "{{ data | reveal_last : 4 }}", kind: KindSyntax},
	{name: "syntax/bad for", src: "{% for x data %}{% endfor %}", kind: KindSyntax},
	{name: "syntax/missing tag name", src: "{% %}", kind: KindSyntax},
	{name: "syntax/bad capture", src: "{% capture %}{% endcapture %}", kind: KindSyntax},
	{name: "syntax/unterminated raw", src: "{% raw %}x", kind: KindSyntax},
	{name: "syntax/unterminated comment", src: "{% comment %}x", kind: KindSyntax},
	{name: "syntax/range method", src: "{{ (1..1000000000).AsArray }}", kind: KindSyntax},
	{name: "syntax/range index", src: "{{ ((1..3))[0] }}", kind: KindSyntax},
	{name: "syntax/range property in for", src: "{% for i in (1..3).Len %}{% endfor %}", kind: KindSyntax},
	{name: "tags/assigned range is an array", src: "{% assign r = (1..3) %}{{ r.Len }}{{ r.size }}{{ r[1] }}", want: "32"},
	{name: "tags/assigned huge range", src: "{% assign r = (1..1000000000) %}{{ r.AsArray }}", kind: KindLimit},

	// evaluation errors
	{name: "eval/filter", src: "{{ data.s | to_number }}", vars: sample, kind: KindEval},
	{name: "eval/range of floats", src: "{% for i in (1..data.f) %}{% endfor %}", vars: sample, kind: KindEval},
	{name: "eval/loop limit", src: "{% for i in (1..3) limit: 'x' %}{% endfor %}", vars: sample, kind: KindEval},
}

func TestTemplates(t *testing.T) {
	for _, c := range templateCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := evalSrc(c.src, c.vars)
			if c.kind != 0 {
				e, ok := errors.AsType[*Error](err)
				require.True(t, ok, "want a %s error, got %v (%#v)", c.kind, err, got)
				assert.Equal(t, c.kind, e.Kind, e.Error())
				assert.True(t, errors.Is(err, &Error{Kind: c.kind}))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestEvalString(t *testing.T) {
	for src, want := range map[string]string{
		"{{ data.n }}":              "12",
		"{{ data.o }}":              `{"a":1,"b":[1,"x"]}`,
		"{{ data.z }}":              "",
		"{{ data.t }}":              "true",
		"{{ data.f }}":              "1.5",
		"{{ data.big }}":            "12345678901234567",
		"{{ data.s | hmac: 'k' }}":  "wam/RUsQ3+FlFYKSdc6P1uXHpd+FEkUDdzA1KmBG8aU=",
		"plain":                     "plain",
		"{% if true %}x{% endif %}": "x",
	} {
		tm, err := Compile(src)
		require.NoError(t, err)
		got, err := tm.EvalString(sample)
		require.NoError(t, err, src)
		assert.Equal(t, want, got, src)
	}
}

func TestErrorLocation(t *testing.T) {
	for _, c := range []struct {
		src       string
		line, col int
		filter    string
		kind      Kind
	}{
		{src: "ab {{ data | nope }}", line: 1, col: 14, kind: KindSyntax},
		{src: "a\nb\n  {{ data.x", line: 3, col: 3, kind: KindSyntax},
		{src: "é{% frob %}", line: 1, col: 2, kind: KindSyntax},
		{src: "x\n{{ data | upcase | to_number }}", line: 2, col: 20, filter: "to_number", kind: KindEval},
		// an error is located at the first use of the filter's name
		{src: "{{ data | json: '$.a' | json: '$..b' }}", line: 1, col: 11, filter: "json", kind: KindEval},
		{src: "{% for i in (1..100000000) %}{% endfor %}", line: 1, col: 1, kind: KindLimit},
		// an error inside a when clause is that error, not an unterminated case
		{src: "{% case data %}{% when 1 %}{{ data | nosuchfilter }}{% endcase %}", line: 1, col: 38, kind: KindSyntax},
		{src: "{% case data %}{% when 1 %}x{% when 2 %}{{ data | nosuchfilter }}{% endcase %}", line: 1, col: 51, kind: KindSyntax},
	} {
		_, err := evalSrc(c.src, map[string]any{"data": map[string]any{"a": map[string]any{"b": 1, "c": map[string]any{"b": 2}}}})
		if c.filter == "to_number" {
			_, err = evalSrc(c.src, map[string]any{"data": "abc"})
		}
		e, ok := errors.AsType[*Error](err)
		require.True(t, ok, "%q: %v", c.src, err)
		assert.Equal(t, c.kind, e.Kind, c.src)
		assert.Equal(t, c.line, e.Line, "%q: %v", c.src, e)
		assert.Equal(t, c.col, e.Col, "%q: %v", c.src, e)
		assert.Equal(t, c.filter, e.Filter, c.src)
		assert.Contains(t, e.Error(), "line")
	}
}

// TestErrorsNeverHoldData pushes a canary through failing templates: no
// message may contain it.
func TestErrorsNeverHoldData(t *testing.T) {
	const canary = "CANARY4242"
	vars := map[string]any{"data": map[string]any{"s": canary, "n": canary + "9", "o": map[string]any{canary: canary}}}
	for _, src := range []string{
		"{{ data.s | to_number }}", "{{ data.s | to_boolean }}", "{{ data.s | card_bin }}", "{{ data.s | alias_card }}",
		"{{ data.o | to_string }}", "{{ data.s | reveal_last: data.s }}", "{{ data.s | pad_left: data.n, 'x' }}",
		"{{ data | json: '$..*' }}", "{{ data.s | hmac: data.s, data.s }}", "{{ data.o | card_exp: data.s }}",
		"{{ data.s | divided_by: data.s }}", "{{ data.s | plus: data.o }}", "{{ data.s | url_decode | append: '%zz' | url_decode }}",
		"{% for i in (1..data.s) %}{% endfor %}", "{{ data.s | date: 5 }}", "{% for i in data.s limit: data.s %}{% endfor %}",
		"{{ data.s | base64_decode }}", "{{ data.s | card_mask: data.s }}", "{{ data.s | reveal: data.s }}",
		canary + " {{ data | " + canary + " }}", canary + " {% " + strings.ToLower(canary) + " %}",
		canary + " {{ data | upcase " + canary, "{% " + canary + " %}", "{{ data | upcase: '" + canary + "' }}",
		"{{ '" + canary + "' | reveal_last }}", "{{ data.s | " + strings.ToLower(canary) + " }}",
		"{{ 99999999999999999999" + canary + " }}", "{{ data." + canary + "( }}",
	} {
		_, err := evalSrc(src, vars)
		require.Error(t, err, src)
		msg := strings.ToLower(err.Error())
		assert.NotContains(t, msg, strings.ToLower(canary), src)
		assert.NotContains(t, msg, "4242", src)
	}
}

func TestConcurrentEval(t *testing.T) {
	tm, err := Compile("{{ data.number | reveal_last: 4 }}-{% for i in (1..3) %}{{ i }}{% endfor %}-{{ data | json: '$.number' | alias_preserve_format: 0, 4 }}")
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				got, err := tm.EvalString(map[string]any{"data": map[string]any{"number": "4242424242424242"}})
				if assert.NoError(t, err) {
					assert.True(t, strings.HasPrefix(got, "XXXXXXXXXXXX4242-123-"), got)
					assert.True(t, strings.HasSuffix(got, "4242"), got)
				}
			}
		})
	}
	wg.Wait()
}

func TestVariablesAreNotModified(t *testing.T) {
	data := map[string]any{"n": json.Number("1"), "l": []any{json.Number("2")}}
	vars := map[string]any{"data": data}
	got, err := evalSrc("{% assign data = 5 %}{{ data }}", vars)
	require.NoError(t, err)
	assert.Equal(t, "5", got)
	assert.Equal(t, json.Number("1"), data["n"])
	assert.Equal(t, json.Number("2"), data["l"].([]any)[0])
	assert.Equal(t, data, vars["data"])
	out, err := evalSrc("{{ data }}", vars)
	require.NoError(t, err)
	out.(map[string]any)["n"] = "changed"
	assert.Equal(t, json.Number("1"), data["n"])
}

func TestBadVariables(t *testing.T) {
	tm, err := Compile("{{ x }}")
	require.NoError(t, err)
	for _, v := range []any{struct{}{}, json.Number("abc"), map[int]any{1: 2}, make(chan int)} {
		_, err := tm.Eval(map[string]any{"x": v})
		e, ok := errors.AsType[*Error](err)
		require.True(t, ok, "%T: %v", v, err)
		assert.Equal(t, KindEval, e.Kind)
	}
	got, err := tm.Eval(map[string]any{"x": map[string]string{"a": "b"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": "b"}, got)
	got, err = tm.Eval(map[string]any{"x": time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)})
	require.Error(t, err, "%v", got)
}
