package expr

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// limitCases must each fail with KindLimit under the default limits, fast.
var limitCases = []string{
	"{% for i in (1..1000000000) %}{% endfor %}",
	"{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}",
	"{% for i in (1..2000000) %}xxxxxxxxxxxxxxxx{% endfor %}",
	"{% assign s = 'x' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}",
	"{% capture s %}{% for i in (1..200000) %}0123456789{% endfor %}{% endcapture %}",
	"{{ (1..1000000000) | join }}",
	"{{ (1..1000000000) | sort | first }}",
	"{{ (-1000000000..1000000000) | size }}",
	"{% assign s = 'abcdefgh' %}{% for i in (1..20) %}{% assign s = s | replace: '', s %}{% endfor %}",
	"{{ 'x' | pad_left: 2000000, 'y' }}",
	"{% assign a = 'ab' | split: '' %}{% for i in (1..30) %}{% assign a = a | concat: a %}{% endfor %}",
	strings.Repeat("{% if true %}", 100) + strings.Repeat("{% endif %}", 100),
	"{{ " + strings.Repeat("(", 40) + "1" + strings.Repeat(")", 40) + " }}",
	"{{ a" + strings.Repeat(" | upcase", 1100) + " }}",
}

func TestLimits(t *testing.T) {
	for _, src := range limitCases {
		name := src
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := evalSrc(src, map[string]any{"a": "x"})
			e, ok := errors.AsType[*Error](err)
			require.True(t, ok, "want a limit error, got %v", err)
			assert.Equal(t, KindLimit, e.Kind, e.Error())
			assert.Less(t, time.Since(start), 3*time.Second)
		})
	}
}

// bigVars hold what an API client can store in a token (about a megabyte
// of data) for dataLimitCases: two equal strings of a MiB in distinct
// memory, an object of 50,000 keys, an array of 100,000 numbers.
func bigVars() map[string]any {
	s := strings.Repeat("y", 1<<20-16)
	o := make(map[string]any, 50_000)
	for i := range 50_000 {
		o[fmt.Sprintf("k%06d", i)] = i
	}
	list := make([]any, 100_000)
	for i := range list {
		list[i] = i
	}
	return map[string]any{"data": map[string]any{"s": s, "t": strings.Clone(s), "o": o, "list": list}}
}

// dataLimitCases each read large variables in a loop: few steps of their
// own, but each iteration compares, hashes or sorts a megabyte. Steps are
// charged for the size of what filters and operators read, so each stops
// with KindLimit within a fraction of a second (they ran for seconds to
// minutes when only iterations were counted).
var dataLimitCases = []string{
	"{% for i in (1..49000) %}{% if data.s contains 'zzz' %}{% endif %}{% endfor %}",
	"{% for i in (1..49000) %}{% if data.s == data.t %}{% endif %}{% endfor %}",
	"{% for i in (1..49000) %}{% if data.list contains -1 %}{% endif %}{% endfor %}",
	"{% for i in (1..40000) %}{% for k in data.o limit: 1 %}{% endfor %}{% endfor %}",
	"{% for i in (1..33000) %}{{ 'x' | hmac: data.s }}{% endfor %}",
	"{% assign a = data.list | join: ',' | split: ',' %}{% for i in (1..1000) %}{% assign b = a | sort %}{% endfor %}",
	"{% assign a = data.list | join: ',' | split: ',' %}{% for i in (1..1000) %}{% assign b = a | sort_natural %}{% endfor %}",
	"{% assign big = 'x' | pad_left: 1000000, 'x' %}{% assign arr = big | split: ',' %}" +
		"{% for i in (1..16) %}{% assign arr = arr | concat: arr %}{% endfor %}{{ arr | size }}",
}

func TestLimitsChargeWhatIsRead(t *testing.T) {
	vars := bigVars()
	for _, src := range dataLimitCases {
		t.Run(src[:min(len(src), 60)], func(t *testing.T) {
			start := time.Now()
			_, err := evalSrc(src, vars)
			e, ok := errors.AsType[*Error](err)
			require.True(t, ok, "want a limit error, got %v", err)
			assert.Equal(t, KindLimit, e.Kind, e.Error())
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestWithLimits(t *testing.T) {
	tm, err := Compile("{% for i in (1..100) %}0123456789{% endfor %}")
	require.NoError(t, err)
	got, err := tm.EvalString(nil)
	require.NoError(t, err)
	assert.Len(t, got, 1000)

	_, err = tm.EvalString(nil, WithLimits(Limits{MaxOutput: 999}))
	assert.ErrorIs(t, err, ErrLimit)
	_, err = tm.EvalString(nil, WithLimits(Limits{MaxSteps: 50}))
	assert.ErrorIs(t, err, ErrLimit)

	_, err = evalSrcOpts("{{ (1..11) | join }}", WithLimits(Limits{MaxItems: 10}))
	assert.ErrorIs(t, err, ErrLimit)
	got2, err := evalSrcOpts("{{ (1..10) | join: ',' }}", WithLimits(Limits{MaxItems: 10}))
	require.NoError(t, err)
	assert.Equal(t, "1,2,3,4,5,6,7,8,9,10", got2)
}

func evalSrcOpts(src string, opts ...Option) (any, error) {
	tm, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return tm.Eval(nil, opts...)
}

func TestSetDefaultLimits(t *testing.T) {
	prev := SetDefaultLimits(Limits{MaxOutput: 10})
	defer SetDefaultLimits(prev)
	assert.Equal(t, DefaultMaxOutput, prev.MaxOutput)
	assert.Equal(t, Limits{MaxOutput: 10, MaxItems: DefaultMaxItems, MaxSteps: DefaultMaxSteps}, DefaultLimits())
	_, err := evalSrcOpts("{{ 'abcdefghijk' }}x")
	assert.ErrorIs(t, err, ErrLimit)
	_, err = evalSrcOpts("{{ 'abcdefghijk' }}x", WithLimits(Limits{}))
	assert.NoError(t, err)
}

func TestLimitsBoundTheWholeDocument(t *testing.T) {
	doc := map[string]any{}
	for _, k := range []string{"a", "b", "c", "d"} {
		doc[k] = "{% for i in (1..40) %}x{% endfor %}"
	}
	_, err := EvalJSON(doc, nil, WithLimits(Limits{MaxSteps: 100}))
	e, ok := errors.AsType[*Error](err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, KindLimit, e.Kind)
	assert.Equal(t, "c", e.Path)
}

// sharedCases build, within the steps, arrays that hold one large string
// many times (concat shares its items), then ask for their text: sixteen
// megabytes of JSON from a megabyte of strings. Each must fail with
// KindLimit before the text is built.
var sharedCases = []string{
	sharedArray + "{{ arr }}x",
	sharedArray + "{{ arr | inspect }}",
	sharedArray + "{{ arr | json_stringify }}",
	sharedArray + "{{ arr | upcase }}",
	sharedArray + "{{ arr | append: 'x' }}",
	sharedArray + "{% for a in (1..2) %}{{ arr }}{% endfor %}",
}

const sharedArray = "{% assign big = 'x' | pad_left: 1000000, 'x' %}{% assign arr = big | split: ',' %}" +
	"{% for i in (1..4) %}{% assign arr = arr | concat: arr %}{% endfor %}"

func TestLimitsBoundTextBeforeItIsBuilt(t *testing.T) {
	for _, src := range sharedCases {
		t.Run(src[len(sharedArray):], func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := evalSrc(src, nil)
			runtime.ReadMemStats(&after)
			e, ok := errors.AsType[*Error](err)
			require.True(t, ok, "want a limit error, got %v", err)
			assert.Equal(t, KindLimit, e.Kind, e.Error())
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "allocated")
		})
	}
}

// A typed result counts as output: a value repeated in a mask is its JSON
// as many times, which the caller encodes.
func TestLimitsBoundTypedResults(t *testing.T) {
	s := strings.Repeat("y", 100_000)
	doc := map[string]any{}
	for i := range 20 {
		doc[fmt.Sprintf("k%02d", i)] = "{{ data }}"
	}
	_, err := EvalJSON(doc, map[string]any{"data": s})
	e, ok := errors.AsType[*Error](err)
	require.True(t, ok, "want a limit error, got %v", err)
	assert.Equal(t, KindLimit, e.Kind)
	assert.Equal(t, "k10", e.Path, "the leaf past 1 MiB of results")

	for i := 10; i < 20; i++ {
		delete(doc, fmt.Sprintf("k%02d", i))
	}
	out, err := EvalJSON(doc, map[string]any{"data": s})
	require.NoError(t, err, "ten leaves of 100 KB fit")
	assert.Len(t, out, 10)

	four := "{{ a | concat: a | concat: a | concat: a }}"
	_, err = evalSrc(four, map[string]any{"a": []any{strings.Repeat("z", 300_000)}})
	assert.ErrorIs(t, err, ErrLimit, "a single typed result is bounded too")

	// Documents embed their references whole: the caller bounds them.
	d, err := ParseDocument(map[string]any{"a": "{{ abc }}", "b": "{{ abc }}", "c": "{{ abc }}"})
	require.NoError(t, err)
	big := strings.Repeat("x", 600_000)
	rendered, err := d.Render(func(Ref) (any, bool) { return big, true })
	require.NoError(t, err)
	assert.Len(t, rendered, 3)
}

func TestBudget(t *testing.T) {
	loop := func(n int) *Template {
		tm, err := Parse(fmt.Sprintf("{%% for i in (1..%d) %%}{%% endfor %%}", n)) // n+1 steps
		require.NoError(t, err)
		return tm
	}
	b := NewBudget(1000)
	_, err := loop(599).Eval(nil, WithBudget(b))
	require.NoError(t, err)
	assert.Equal(t, 400, b.Steps, "the steps used are taken")
	_, err = loop(599).Eval(nil, WithBudget(b))
	assert.ErrorIs(t, err, ErrLimit, "the budget runs out before MaxSteps")
	assert.Equal(t, 0, b.Steps)
	_, err = loop(0).Eval(nil, WithBudget(b))
	assert.ErrorIs(t, err, ErrLimit, "a spent budget fails at the first step")
	_, err = loop(599).Eval(nil)
	assert.NoError(t, err, "evaluations without the budget are not affected")

	_, err = loop(DefaultMaxSteps).Eval(nil, WithBudget(NewBudget(10*DefaultMaxSteps)))
	assert.ErrorIs(t, err, ErrLimit, "a budget does not raise MaxSteps")
	assert.Equal(t, DefaultMaxSteps, NewBudget(0).Steps)

	b = NewBudget(1000)
	doc := map[string]any{"a": "{% for i in (1..299) %}{% endfor %}", "b": "{{ data }}"}
	_, err = EvalJSON(doc, map[string]any{"data": "x"}, WithBudget(b))
	require.NoError(t, err)
	assert.Less(t, b.Steps, 700, "EvalJSON draws from it")
	d, err := ParseDocument(map[string]any{"a": "{% for i in (1..299) %}{% endfor %}{{ abc }}"})
	require.NoError(t, err)
	left := b.Steps
	_, err = d.Render(func(Ref) (any, bool) { return "x", true }, WithBudget(b))
	require.NoError(t, err)
	assert.Less(t, b.Steps, left-299, "Document.Render draws from it")
}
