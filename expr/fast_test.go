package expr

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastCases are expressions (not templates) the fast path accepts; each is
// checked against the Liquid engine.
var fastCases = []string{
	"data", "data.number", "data.number | reveal_last: 4", "data.number | reveal_last: 4, '#'",
	"data | json: '$.number'", "data | json: '$.list[*]'", "data | json: '$.list[4].k'", "s | replace: '-'",
	"s | remove: '-'", "s | last4", "s | replace: '-', '.' | upcase", "data.list[0]", "data.list[-1]",
	"data.list[9]", "data.list.first", "data.list.last", "data.list.size", "data.size", "data['number']",
	"data['size']", "data.missing.x", "s.size", "s[0]", "s.first", "n | plus: 1", "n | abs", "'lit' | upcase",
	"5 | plus: 2", "-5 | minus: 2.5", "1.5", "nil | default: 'x'", "true", "false | default: true",
	"data.list | join: ','", "data.list | join", "data | stringify", "data.list | json_stringify",
	"data.number | hmac: 'k' | to_base64", "data.number | hmac: 'sha-512', 'k'", "data.list[4].k",
	"data.list[4]['k']", "data[0]", "data[65]", "data.list['x']", "data.f | round", "data.f | ceil",
	"data.number | slice: 0, 6", "data.number | card_bin", "data | card_exp: 'MM/YY'", "data.list | size",
	"data.list | first", "data.list | last", "data.list | reverse", "data.list | compact", "data | size",
	"data.expiration_month | plus: 1", "s | split: '-' | last", "s | split: '-' | first | to_number",
	"s | to_number", "data.number | reveal_last: 'x'", "data.number | to_number | times: 2",
	"data.number | card_mask: 'true', 'true', '#'", "data.number | reveal: 6, 4", "s | pad_left: 14, '*'",
	"data | to_string", "data.list | to_string", "data.expiration_year | to_string", "data.f | to_number",
	"s | to_boolean", "data.list[3] | to_boolean", "data.number | last4 | prepend: 'x-'",
	"data.number | append: s", "s | append: data.number | size", "data.list | map: 'k'", "data.list | uniq",
	"data.list | sort", "data.list | sort_natural", "data | default: 'x'", "data.list[2] | default: data.number",
	"data.number | alias_card: 'true', 'true'", "data.number | alias_preserve_format: 0, 4",
	"data.number | alias_preserve_length", "metadata.k | upcase", "metadata | json: '$.k'",
	"data.list | concat: data.list | size", "data | where: 'k'", "data.list | where: 'k', 'v' | size",
	"n | divided_by: 0", "n | divided_by: 2", "n | modulo: 0", "data.f | times: 1000", "s | truncate: 5",
	"s | url_encode | url_decode", "s | base64_encode | base64_decode", "s | escape | size",
	"data.number | at_least: 5", "data.list | type", "data | date: '%Y'", "'2030-01-02' | date: '%d'",
	"data.list | inspect", "s | split: '' | join: '-'", "data.number | hmac: s | to_base16 | size",
	"data.number-x", "data.number? | upcase", "empty", "blank | default: 1",
}

// agreementVars are the scopes the fast path is compared in.
func agreementVars() []map[string]any {
	vs := []map[string]any{fuzzVars(), {"data": "3622-7206-2716-5567", "s": "", "n": 0}, {"data": nil}, {}}
	vs = append(vs, map[string]any{"data": []any{"x", "y"}, "s": []byte{1, 2, 255}, "n": "12"})
	for i, v := range vs {
		n, err := normalizeVars(v)
		if err != nil {
			panic(err)
		}
		vs[i] = n
	}
	return vs
}

// checkFastAgrees evaluates src with and without the fast path: values,
// errors and steps must be the same.
func checkFastAgrees(t *testing.T, src string) {
	t.Helper()
	x, err := compileExpr(src, func(o int) int { return o })
	if err != nil || x.fast == nil {
		return
	}
	slow := *x
	slow.fast = nil
	random := strings.Contains(src, "alias_")
	for _, vars := range agreementVars() {
		opts := buildOptions([]Option{WithLimits(Limits{MaxSteps: 10_000, MaxItems: 100, MaxOutput: 1 << 12})})
		e1, e2 := getEngine(opts), getEngine(opts)
		e1.scope, e2.scope = vars, vars
		v1, err1 := x.eval(e1)
		v2, err2 := slow.eval(e2)
		steps1, steps2 := e1.st.steps, e2.st.steps
		putEngine(e1)
		putEngine(e2)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q with %v: fast error %v, engine error %v", src, vars, err1, err2)
		}
		if err1 != nil {
			if err1.Kind != err2.Kind || err1.Msg != err2.Msg || err1.Filter != err2.Filter || err1.Offset != err2.Offset {
				t.Fatalf("%q with %v: fast error %#v, engine error %#v", src, vars, err1, err2)
			}
			continue
		}
		if steps1 != steps2 {
			t.Fatalf("%q with %v: fast path took %d steps, the engine %d", src, vars, steps1, steps2)
		}
		if random {
			assert.IsType(t, v2, v1)
			continue
		}
		if a, b := fmt.Sprintf("%#v", v1), fmt.Sprintf("%#v", v2); a != b {
			t.Fatalf("%q with %v: fast path %s, engine %s", src, vars, a, b)
		}
	}
}

func TestFastPathAgrees(t *testing.T) {
	for _, src := range fastCases {
		t.Run(src, func(t *testing.T) {
			x, err := compileExpr(src, func(o int) int { return o })
			require.Nil(t, err)
			require.NotNil(t, x.fast, "the fast path should accept %q", src)
			checkFastAgrees(t, src)
		})
	}
}

func TestFastPathDeclines(t *testing.T) {
	for _, src := range []string{
		"a == b", "a and b", "(1..3)", "a[b]", "'x'.size", "a | f: b == c", "a contains 'x'",
		"data | json: '$.a' | upcase | size > 1",
	} {
		x, err := compileExpr(src, func(o int) int { return o })
		if err != nil {
			continue
		}
		assert.Nil(t, x.fast, src)
	}
}

func TestFastPathUsedByTemplates(t *testing.T) {
	for _, src := range []string{"{{ data.number | reveal_last: 4 }}", "{{ data | replace: '-' }}", "{{ data | stringify }}"} {
		tm, err := Parse(src)
		require.NoError(t, err)
		require.NotNil(t, tm.single)
		assert.NotNil(t, tm.single.fast, src)
	}
}
