package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

const sdk = `const sdk = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
`

const fallback = "Something went wrong. Please try again. If the problem persists, please contact support@basistheory.com."

func TestErrorClasses(t *testing.T) {
	s := newSandbox(t)
	for _, tc := range []struct {
		class, detail string
		status        int
	}{
		{"AuthenticationError", "Authentication Failed", 401},
		{"AuthorizationError", "Forbidden", 403},
		{"BadRequestError", "Bad Request", 400},
		{"InvalidPaymentMethodError", "Invalid Payment Method", 402},
		{"InvalidReactorConfigurationError", "Invalid Reactor Configuration", 400},
		{"RateLimitError", "Rate Limit Exceeded", 429},
		{"ReactorRuntimeError", "Reactor Runtime Error", 500},
		{"ServiceUnavailableError", "Service Unavailable", 503},
	} {
		t.Run(tc.class, func(t *testing.T) {
			re := reactorError(t, s, sdk+`module.exports = async () => { throw new sdk.`+tc.class+`('why') }`)
			assert.Equal(t, tc.status, re.Status)
			assert.Equal(t, tc.class, re.Name)
			assert.Equal(t, tc.detail, re.Detail)
			assert.Equal(t, map[string][]string{"error": {"why"}}, re.Errors)
			assert.Nil(t, re.Custom)
			assert.NotContains(t, re.Error(), "why", "the Go error text carries no reactor data")

			// The class itself behaves as the SDK's.
			got := runRaw(t, s, sdk+`module.exports = async () => { const e = new sdk.`+tc.class+`({ field: ['bad'] });
				return { raw: [e.name, e.status, e.message, e instanceof sdk.BasisTheoryReactorError, e instanceof Error, e.toRFC7807()] } }`, sandbox.Request{})
			assert.Equal(t, []any{tc.class, float64(tc.status), tc.detail, true, true,
				map[string]any{"detail": tc.detail, "status": float64(tc.status), "errors": map[string]any{"field": []any{"bad"}}}}, got)
		})
	}
	t.Run("exports", func(t *testing.T) {
		got := runRaw(t, s, sdk+`module.exports = async () => ({ raw: Object.keys(sdk).sort() })`, sandbox.Request{})
		assert.Equal(t, []any{"AuthenticationError", "AuthorizationError", "BadRequestError", "BasisTheoryReactorError",
			"CustomHttpResponseError", "InvalidPaymentMethodError", "InvalidReactorConfigurationError", "RateLimitError",
			"ReactorRuntimeError", "ServiceUnavailableError"}, got, "InvalidReactorFormulaError is not exported, as in the SDK")
	})
	t.Run("base class with its own status", func(t *testing.T) {
		re := reactorError(t, s, sdk+`module.exports = async () => { throw new sdk.BasisTheoryReactorError({ message: 'teapot', status: 418, errors: 'x' }) }`)
		assert.Equal(t, 418, re.Status)
		assert.Equal(t, "BasisTheoryReactorError", re.Name)
		assert.Equal(t, "teapot", re.Detail)
	})
	t.Run("subclass keeps its ancestor's status", func(t *testing.T) {
		re := reactorError(t, s, sdk+`class Mine extends sdk.RateLimitError {}; module.exports = async () => { throw new Mine() }`)
		assert.Equal(t, 429, re.Status)
		assert.Equal(t, "RateLimitError", re.Name)
	})
	t.Run("status broken after construction", func(t *testing.T) {
		re := reactorError(t, s, sdk+`module.exports = async () => { const e = new sdk.BadRequestError(); e.status = 'x'; throw e }`)
		assert.Equal(t, 500, re.Status)
	})
}

// TestSanitizeErrors is the errors normalisation of reference 6.5, checked
// against the SDK's own tests and source (src/errors/BasisTheoryReactorError.js).
func TestSanitizeErrors(t *testing.T) {
	s := newSandbox(t)
	for name, tc := range map[string]struct {
		input string
		want  map[string][]string
	}{
		"string":                      {`'generic error'`, map[string][]string{"error": {"generic error"}}},
		"number":                      {`5`, map[string][]string{"error": {"5"}}},
		"array":                       {`[{ foo: 'bar' }, 'error1', undefined]`, map[string][]string{"error": {`{"foo":"bar"}`, "error1", fallback}}},
		"Error":                       {`new Error('bad card')`, map[string][]string{"error": {"bad card"}}},
		"named Error without message": {`new TypeError()`, map[string][]string{"error": {"TypeError"}}},
		"plain Error without message": {`new Error()`, map[string][]string{"error": {fallback}}},
		"object": {`{ property1: ['error 1', 'error 2'], property3: 'error 4', complexProperty: { innerProperty: 'innerValue' }, falsy: 0 }`,
			map[string][]string{"property1": {"error 1", "error 2"}, "property3": {"error 4"},
				"complexProperty": {`{"innerProperty":"innerValue"}`}, "falsy": {fallback}}},
		"circular": {`(() => { const c = { innerProperty: 'innerValue', innerCircularProperty: undefined }; c.innerCircularProperty = c; return { circularProperty: c } })()`,
			map[string][]string{"circularProperty": {`{"innerProperty":"innerValue","innerCircularProperty":"[Circular]"}`}}},
		"nested undefined": {`{ error1: undefined, error2: [undefined], error3: { nested: undefined, nestedArr: [undefined] } }`,
			map[string][]string{"error1": {fallback}, "error2": {fallback}, "error3": {`{"nestedArr":[null]}`}}},
		"undefined": {`undefined`, map[string][]string{"error": {fallback}}},
		// typeof null is 'object': the SDK walks no property and returns {}.
		"null": {`null`, map[string][]string{}},
		// A nested null reaches WeakSet.add, which throws: everything falls back.
		"nested null": {`{ a: 'first', b: { c: null } }`, map[string][]string{"a": {"first"}, "error": {fallback}}},
	} {
		t.Run(name, func(t *testing.T) {
			re := reactorError(t, s, sdk+`module.exports = async () => { throw new sdk.BadRequestError(`+tc.input+`) }`)
			assert.Equal(t, 400, re.Status)
			assert.Equal(t, tc.want, re.Errors)
		})
	}
}

func TestCustomHttpResponseError(t *testing.T) {
	s := newSandbox(t)
	re := reactorError(t, s, sdk+`module.exports = async () => {
		throw new sdk.CustomHttpResponseError({ status: 302, headers: { Location: 'https://example.com/', 'X-Multi': ['a', 'b'] }, body: { moved: true } });
	}`)
	assert.Equal(t, 302, re.Status)
	assert.Equal(t, "CustomHttpResponseError", re.Name)
	require.NotNil(t, re.Custom)
	assert.Equal(t, 302, re.Custom.Status)
	assert.Equal(t, http.Header{"Location": {"https://example.com/"}, "X-Multi": {"a", "b"}}, re.Custom.Headers)
	assert.JSONEq(t, `{"moved":true}`, string(re.Custom.Body))

	re = reactorError(t, s, sdk+`module.exports = async () => { throw new sdk.CustomHttpResponseError({ status: 200 }) }`)
	assert.JSONEq(t, `{}`, string(re.Custom.Body), "body defaults to {}")

	t.Run("invalid status throws synchronously", func(t *testing.T) {
		got := runRaw(t, s, sdk+`module.exports = async () => {
			const out = [];
			for (const status of ['invalid', 0, -1, 600, 1.23, 123456, '200', '', undefined, 99]) {
				try { new sdk.CustomHttpResponseError({ status }); out.push('constructed') } catch (e) { out.push(e.message) }
			}
			return { raw: out };
		}`, sandbox.Request{})
		want := make([]any, 10)
		for i := range want {
			want[i] = "status is not a valid integer"
		}
		assert.Equal(t, want, got)
	})
}

func TestThrownValues(t *testing.T) {
	s := newSandbox(t)
	for name, tc := range map[string]struct {
		code string
		want map[string][]string
	}{
		"string":                     {`throw 'card declined'`, map[string][]string{"error": {"card declined"}}},
		"plain object":               {`throw { code: 'E1', detail: { a: 1 } }`, map[string][]string{"code": {"E1"}, "detail": {`{"a":1}`}}},
		"Error":                      {`throw new Error('boom')`, map[string][]string{"error": {"boom"}}},
		"TypeError from the runtime": {`null.x`, nil},
		"undefined":                  {`throw undefined`, map[string][]string{"error": {fallback}}},
		"rejection":                  {`await Promise.reject(new Error('rejected'))`, map[string][]string{"error": {"rejected"}}},
		"sync throw":                 {`throw new RangeError('sync')`, map[string][]string{"error": {"sync"}}},
	} {
		t.Run(name, func(t *testing.T) {
			code := `module.exports = async () => { ` + tc.code + ` }`
			if name == "sync throw" {
				code = `module.exports = function () { ` + tc.code + ` }`
			}
			re := reactorError(t, s, code)
			assert.Equal(t, 500, re.Status)
			assert.Equal(t, "ReactorRuntimeError", re.Name)
			assert.Equal(t, "Reactor Runtime Error", re.Detail)
			if tc.want != nil {
				assert.Equal(t, tc.want, re.Errors)
			} else {
				assert.Len(t, re.Errors["error"], 1)
			}
		})
	}
}

func TestUnhandledRejection(t *testing.T) {
	s := newSandbox(t)
	for name, code := range map[string]string{
		"floating rejection":          `module.exports = async () => { Promise.reject(new Error('lost')); await new Promise((r) => setTimeout(r, 5)); return { raw: 1 } }`,
		"rejection in a timer":        `module.exports = () => new Promise((resolve) => { setTimeout(() => { Promise.reject(new Error('lost')) }, 1); setTimeout(resolve, 20) })`,
		"after the result, same tick": `module.exports = async () => { Promise.reject(new Error('lost')); return { raw: 1 } }`,
		"throw in a timer":            `module.exports = () => new Promise((resolve) => { setTimeout(() => { throw new Error('lost') }, 1); setTimeout(resolve, 20) })`,
	} {
		t.Run(name, func(t *testing.T) {
			re := reactorError(t, s, code)
			assert.Equal(t, 500, re.Status)
			assert.Equal(t, map[string][]string{"error": {"lost"}}, re.Errors)
		})
	}
	t.Run("handled later in the same tick", func(t *testing.T) {
		got := runRaw(t, s, `module.exports = async () => { const p = Promise.reject(new Error('x')); p.catch(() => {}); return { raw: 'ok' } }`, sandbox.Request{})
		assert.Equal(t, "ok", got)
	})
}

func TestNeverSettles(t *testing.T) {
	s := newSandbox(t)
	re := reactorError(t, s, `module.exports = () => new Promise(() => {})`)
	assert.Equal(t, 500, re.Status)

	// An unref'd timer does not keep the invocation waiting, as in Node.
	re = reactorError(t, s, `module.exports = () => new Promise((r) => { setTimeout(r, 10000).unref() })`)
	assert.Equal(t, 500, re.Status)
}

func TestPendingTimersAreDropped(t *testing.T) {
	s := newSandbox(t)
	res, err := run(t, s, `module.exports = async () => {
		setTimeout(() => console.log('late'), 50);
		setInterval(() => console.log('tick'), 1);
		return { raw: 'done' };
	}`, sandbox.Request{})
	require.NoError(t, err)
	assert.Empty(t, res.Logs)
}

func TestTimers(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = () => new Promise((resolve) => {
		const out = [];
		const a = setTimeout(() => out.push('cleared'), 1);
		clearTimeout(a);
		const b = setTimeout(() => out.push('by id'), 1);
		clearTimeout(+b);
		setTimeout((x, y) => out.push(x + y), 2, 'ar', 'gs');
		let n = 0;
		const i = setInterval(() => { if (++n === 3) { clearInterval(i); out.push('interval ' + n); resolve({ raw: out }) } }, 1);
		out.push(typeof a.ref, typeof a.unref, a.hasRef());
	})`, sandbox.Request{})
	assert.Equal(t, []any{"function", "function", true, "args", "interval 3"}, got)
}

func TestCompileErrors(t *testing.T) {
	s := newSandbox(t)
	for name, tc := range map[string]struct {
		code      string
		line, col int
	}{
		"unexpected token":    {"module.exports = async function (req) {\n  return { raw: 1 ;\n};", 2, 19},
		"first line":          {"module.exports = ) secret_value", 1, 18},
		"unterminated":        {"module.exports = function () { return 'secret_value", 1, 39},
		"redeclared":          {"let secret_value = 1;\nlet secret_value = 2;", 2, 5},
		"escapes the wrapper": {"}); globalThis.x = 1; (function () {", 1, 1},
		"unclosed":            {"module.exports = function () {\n  if (x) {\n", 3, 1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Compile(tc.code)
			var ce *sandbox.CompileError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.line, ce.Line, "line (message %q)", ce.Message)
			if tc.col > 0 {
				assert.Equal(t, tc.col, ce.Column, "column (message %q)", ce.Message)
			}
			assert.NotEmpty(t, ce.Message)
			assert.NotContains(t, ce.Message, "secret_value")
			assert.NotContains(t, ce.Error(), "secret_value")
		})
	}
	t.Run("code size", func(t *testing.T) {
		small := newSandbox(t, sandbox.WithLimits(sandbox.Limits{MaxCodeSize: 100}))
		_, err := small.Compile("module.exports = () => 1; //" + strings.Repeat("é", 60))
		assert.NoError(t, err, "the limit counts characters, not bytes")
		_, err = small.Compile(strings.Repeat(" ", 101))
		assert.ErrorIs(t, err, sandbox.ErrCodeSize)
		_, err = sandbox.Compile(strings.Repeat(" ", sandbox.DefaultMaxCodeSize+1))
		assert.ErrorIs(t, err, sandbox.ErrCodeSize)
	})
}

func TestRunRejectsNilProgram(t *testing.T) {
	s := newSandbox(t)
	_, err := s.Run(context.Background(), nil, sandbox.Request{})
	require.Error(t, err)
	var re *sandbox.ReactorError
	assert.False(t, errors.As(err, &re))
}
