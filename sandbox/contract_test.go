package sandbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

func TestContract(t *testing.T) {
	s := newSandbox(t)
	req := sandbox.Request{
		Args:          json.RawMessage(`{"card": {"number": "4242424242424242"}, "n": 3}`),
		Configuration: map[string]string{"API_KEY": "key_123", "MODE": "test"},
	}
	for name, tc := range map[string]struct {
		code     string
		raw      string
		tokenize string
	}{
		"async function": {
			code: `module.exports = async function (req) {
				const { args, configuration } = req;
				return { raw: { last4: args.card.number.slice(-4), key: configuration.API_KEY, n: args.n * 2 } };
			};`,
			raw: `{"last4":"4242","key":"key_123","n":6}`,
		},
		"sync function": {
			code: `module.exports = function (req) { return { raw: Object.keys(req.configuration) } };`,
			raw:  `["API_KEY","MODE"]`,
		},
		"tokenize and raw": {
			code: `module.exports = async (req) => ({ raw: { ok: true }, tokenize: { card: { type: 'card', data: req.args.card } } });`,
			raw:  `{"ok":true}`, tokenize: `{"card":{"type":"card","data":{"number":"4242424242424242"}}}`,
		},
		"awaits timers": {
			code: `module.exports = async function () {
				const order = [];
				await new Promise((r) => setTimeout(() => { order.push('timeout'); r(); }, 5));
				await new Promise((r) => setImmediate(() => { order.push('immediate'); r(); }));
				queueMicrotask(() => order.push('microtask'));
				await null;
				return { raw: order };
			};`,
			raw: `["timeout","immediate","microtask"]`,
		},
		"thenable": {
			code: `module.exports = function () { return { then(resolve) { resolve({ raw: 'thenable' }) } } };`,
			raw:  `"thenable"`,
		},
		"exports object replaced by function on exports": {
			code: `exports.x = 1; module.exports = async () => ({ raw: typeof exports })`,
			raw:  `"object"`,
		},
		"raw null is kept": {
			code: `module.exports = async () => ({ raw: null })`,
			raw:  `null`,
		},
		"nothing returned": {
			code: `module.exports = async () => {}`,
		},
		"JSON.stringify semantics": {
			code: `module.exports = async () => ({ raw: { u: undefined, f() {}, d: new Date(0), n: NaN, a: [undefined, () => 1], s: new String('x'), nested: { toJSON() { return 'j' } } } })`,
			raw:  `{"d":"1970-01-01T00:00:00.000Z","n":null,"a":[null,null],"s":"x","nested":"j"}`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := run(t, s, tc.code, req)
			require.NoError(t, err)
			if tc.raw == "" {
				assert.Nil(t, res.Raw)
			} else {
				assert.JSONEq(t, tc.raw, string(res.Raw))
			}
			if tc.tokenize == "" {
				assert.Nil(t, res.Tokenize)
			} else {
				assert.JSONEq(t, tc.tokenize, string(res.Tokenize))
			}
		})
	}
}

func TestArgsDefaultsToEmptyObject(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async (req) => ({ raw: [typeof req.args, Object.keys(req.args).length, req.bt] })`, sandbox.Request{})
	assert.Equal(t, []any{"object", 0.0, nil}, got)
}

// TestArgsDecoding checks that args read as JSON.parse would read them.
func TestArgsDecoding(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async ({ args }) => ({ raw: [
		Object.getPrototypeOf(args.o) === Object.prototype, Object.keys(args.o), args.o.__proto__, args.dup, args.big, Object.is(args.negZero, -0),
		args.inf === Infinity, args.u, Array.isArray(args.list), args.list.length, args.nested.a.b, typeof args['1048576'],
	] })`, sandbox.Request{Args: json.RawMessage(`{"o":{"__proto__":{"x":1},"k":2},"dup":1,"dup":2,"big":12345678901234567890,"negZero":-0,
		"inf":1e999,"u":"\u00e9\ud83d\ude00","list":[1,"a",null,true,{}],"nested":{"a":{"b":[0.5]}},"1048576":1}`)})
	assert.Equal(t, []any{true, []any{"__proto__", "k"}, map[string]any{"x": 1.0}, 2.0, 12345678901234567890.0, true, true,
		"\u00e9\U0001F600", true, 5.0, []any{0.5}, "number"}, got)

	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	got = runRaw(t, s, `module.exports = async ({ args }) => { let d = 0; for (let a = args; Array.isArray(a); a = a[0]) d++; return { raw: d } }`,
		sandbox.Request{Args: json.RawMessage(deep)})
	assert.Equal(t, 10000.0, got, "deep nesting is read to the JSON limit")
}

// TestArgsMatchJSONParse holds the args decoder to the runtime's own
// JSON.parse: same values, same member order.
func TestArgsMatchJSONParse(t *testing.T) {
	s := newSandbox(t)
	for _, doc := range []string{
		`{"b":1,"a":2,"b":3}`, `[{"z":{"y":[1,2,{"x":null}]}},"s",-0.0,1e-7,true,false]`, `"just a string"`,
		`{"\u0000":"nul","esc":"\"\\\/\b\f\n\r\t","bad":"\ud800x"}`, `{"__proto__":[],"constructor":{"name":1}}`,
		`12345678901234567890123`, `{"n":[9007199254740993,-9007199254740993,0.1,1E3]}`, "{\"utf8\":\"caf\xc3\xa9 \xff\"}",
	} {
		got := runRaw(t, s, `module.exports = async (req) => ({ raw: [JSON.stringify(req.args), JSON.stringify(JSON.parse(req.configuration.DOC))] })`,
			sandbox.Request{Args: json.RawMessage(doc), Configuration: map[string]string{"DOC": doc}})
		pair := got.([]any)
		assert.Equal(t, pair[1], pair[0], doc)
	}
}

func TestArgsNotJSON(t *testing.T) {
	s := newSandbox(t)
	for _, args := range []string{`{"a":`, `{"a":1} {"b":2}`, `nope`} {
		_, err := run(t, s, `module.exports = async () => ({})`, sandbox.Request{Args: json.RawMessage(args)})
		var re *sandbox.ReactorError
		require.ErrorAs(t, err, &re, args)
		assert.Equal(t, 400, re.Status)
		assert.Contains(t, re.Errors, "args")
	}
}

func TestExportsNotAFunction(t *testing.T) {
	s := newSandbox(t)
	re := reactorError(t, s, `module.exports = { raw: 1 }`)
	assert.Equal(t, 500, re.Status)
	assert.Equal(t, "ReactorRuntimeError", re.Name)
}

func TestCompileCache(t *testing.T) {
	s := newSandbox(t, sandbox.WithCacheSize(2))
	a1, err := s.Compile(`module.exports = () => 1`)
	require.NoError(t, err)
	a2, err := s.Compile(`module.exports = () => 1`)
	require.NoError(t, err)
	assert.Same(t, a1, a2, "the same code is compiled once")
	_, _ = s.Compile(`module.exports = () => 2`)
	_, _ = s.Compile(`module.exports = () => 3`)
	a3, err := s.Compile(`module.exports = () => 1`)
	require.NoError(t, err)
	assert.NotSame(t, a1, a3, "evicted beyond the cache size")
	assert.Equal(t, a1.Hash(), a3.Hash())
}

func TestNewValidates(t *testing.T) {
	for name, opt := range map[string]sandbox.Option{
		"negative limit": sandbox.WithLimits(sandbox.Limits{Timeout: -1}),
		"bad host":       sandbox.WithAllowedHosts("https://api.stripe.com"),
		"bare wildcard":  sandbox.WithAllowedHosts("*"),
		"cache size":     sandbox.WithCacheSize(-1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sandbox.New(opt)
			assert.ErrorIs(t, err, sandbox.ErrInvalidOption)
		})
	}
	s, err := sandbox.New()
	require.NoError(t, err)
	assert.Equal(t, sandbox.DefaultTimeout, s.Limits().Timeout)
	assert.Equal(t, sandbox.DefaultMaxCodeSize, s.Limits().MaxCodeSize)
	assert.Equal(t, int64(sandbox.DefaultMemoryBudget), s.Limits().MemoryBudget)
}

func TestBTIsNullWithoutHost(t *testing.T) {
	s := newSandbox(t)
	assert.Equal(t, true, runRaw(t, s, `module.exports = async (req) => ({ raw: req.bt === null })`, sandbox.Request{}))
}

// req.bt is built on first read: it must still behave as a data property.
func TestBTIsAPropertyOfReq(t *testing.T) {
	host := fakeHost{call: func(context.Context, string, []json.RawMessage) (json.RawMessage, error) { return nil, nil }}
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async (req) => {
		const first = req.bt, { bt } = req;
		const same = first === bt && bt === req.bt;
		const keys = Object.keys(req).join(',');
		const shape = typeof bt.tokens.create + ',' + typeof bt.tokenize + ',' + typeof bt.detokenize;
		const spread = { ...req }.bt === bt;
		req.bt = 5;
		const assigned = req.bt;
		const d = Object.getOwnPropertyDescriptor(req, 'bt');
		return { raw: { same, keys, shape, spread, assigned, plain: d.value === 5 && d.writable && d.enumerable && d.configurable } };
	}`, sandbox.Request{Host: host})
	assert.Equal(t, map[string]any{"same": true, "keys": "args,configuration,bt", "shape": "function,function,function",
		"spread": true, "assigned": float64(5), "plain": true}, got)
}

func TestBTCallsHost(t *testing.T) {
	var mu sync.Mutex
	type call struct {
		method string
		args   []string
	}
	var calls []call
	host := fakeHost{call: func(_ context.Context, method string, args []json.RawMessage) (json.RawMessage, error) {
		mu.Lock()
		c := call{method: method}
		for _, a := range args {
			c.args = append(c.args, string(a))
		}
		calls = append(calls, c)
		mu.Unlock()
		switch method {
		case "tokens.create", "tokens.retrieve", "tokens.update":
			return json.RawMessage(`{"id":"tok_1","type":"card","data":{"number":"4242","expiration_month":12},"metadata":{"some_key":"v"},"search_indexes":["{{ data.number }}"],"created_at":"2024-01-01T00:00:00Z"}`), nil
		case "tokens.search", "tokens.list":
			return json.RawMessage(`{"pagination":{"total_items":1,"page_number":1},"data":[{"id":"tok_1","created_at":"x","data":{"snake_key":1}}]}`), nil
		case "tokenize", "detokenize":
			return json.RawMessage(`{"card_token":{"id":"tok_2","some_field":true}}`), nil
		case "tokens.delete":
			return nil, nil
		}
		return nil, errHostDown
	}}
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async function ({ bt }) {
		const created = await bt.tokens.create({ type: 'card', data: { number: '4242', expirationMonth: 12 }, searchIndexes: ['x'], deduplicateToken: true }, { idempotencyKey: 'k' });
		const retrieved = await bt.tokens.retrieve('tok_1');
		const updated = await bt.tokens.update('tok_1', { metadata: { someKey: 'v' }, expiresAt: null });
		const deleted = await bt.tokens.delete('tok_1');
		const found = await bt.tokens.search({ query: 'id:tok_1', pageSize: 5 });
		const listed = await bt.tokens.list({ pageSize: 2 });
		const tokenized = await bt.tokenize({ card_token: { type: 'card', data: { number: '4242' } } });
		const detokenized = await bt.detokenize({ some_key: '{{ tok_1 }}' });
		return { raw: { created, retrieved: retrieved.id, updated: updated.searchIndexes, deleted: deleted === undefined,
			found: found.pagination.totalItems, listed: listed.data[0].createdAt, listedData: listed.data[0].data, tokenized, detokenized } };
	}`, sandbox.Request{Host: host})

	assert.Equal(t, map[string]any{
		"created": map[string]any{"id": "tok_1", "type": "card", "data": map[string]any{"number": "4242", "expiration_month": 12.0},
			"metadata": map[string]any{"some_key": "v"}, "searchIndexes": []any{"{{ data.number }}"}, "createdAt": "2024-01-01T00:00:00Z"},
		"retrieved": "tok_1", "updated": []any{"{{ data.number }}"}, "deleted": true, "found": 1.0, "listed": "x",
		"listedData":  map[string]any{"snake_key": 1.0},
		"tokenized":   map[string]any{"card_token": map[string]any{"id": "tok_2", "some_field": true}},
		"detokenized": map[string]any{"card_token": map[string]any{"id": "tok_2", "some_field": true}},
	}, got)

	require.Len(t, calls, 8)
	assert.Equal(t, "tokens.create", calls[0].method)
	require.Len(t, calls[0].args, 2)
	assert.JSONEq(t, `{"type":"card","data":{"number":"4242","expirationMonth":12},"search_indexes":["x"],"deduplicate_token":true}`, calls[0].args[0],
		"token models are snake-cased as basis-theory-js does, data kept as is")
	assert.JSONEq(t, `{"idempotencyKey":"k"}`, calls[0].args[1])
	assert.Equal(t, []string{`"tok_1"`}, calls[1].args)
	assert.Equal(t, "tokens.update", calls[2].method)
	assert.JSONEq(t, `{"metadata":{"someKey":"v"},"expires_at":null}`, calls[2].args[1])
	assert.Equal(t, "tokens.delete", calls[3].method)
	assert.JSONEq(t, `{"query":"id:tok_1","page_size":5}`, calls[4].args[0])
	assert.JSONEq(t, `{"page_size":2}`, calls[5].args[0])
	assert.JSONEq(t, `{"card_token":{"type":"card","data":{"number":"4242"}}}`, calls[6].args[0], "tokenize is passed through")
	assert.Equal(t, "detokenize", calls[7].method)
}

func TestBTErrors(t *testing.T) {
	host := fakeHost{call: func(_ context.Context, method string, _ []json.RawMessage) (json.RawMessage, error) {
		if method == "tokens.retrieve" {
			return nil, &problem{status: 404, body: `{"title":"Not Found","status":404,"detail":"token not found","errors":{"token_id":["unknown"]}}`}
		}
		return nil, errHostDown
	}}
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async function ({ bt }) {
		const out = {};
		try { await bt.tokens.retrieve('nope') } catch (e) {
			out.notFound = { name: e.name, status: e.status, data: e.data, message: e.message, isError: e instanceof Error };
		}
		try { await bt.tokenize({}) } catch (e) { out.down = { status: e.status, message: e.message, data: e.data === undefined } }
		return { raw: out };
	}`, sandbox.Request{Host: host})
	assert.Equal(t, map[string]any{
		"notFound": map[string]any{"name": "BasisTheoryApiError", "status": 404.0, "isError": true,
			"message": "Request failed with status code 404",
			"data":    map[string]any{"title": "Not Found", "status": 404.0, "detail": "token not found", "errors": map[string]any{"tokenId": []any{"unknown"}}}},
		"down": map[string]any{"status": -1.0, "message": "Network Error", "data": true},
	}, got)
}

func TestHostPanicFailsTheInvocationOnly(t *testing.T) {
	host := fakeHost{call: func(context.Context, string, []json.RawMessage) (json.RawMessage, error) {
		panic("host bug")
	}}
	s := newSandbox(t)
	_, err := run(t, s, `module.exports = async ({ bt }) => { await bt.tokens.retrieve('x'); return { raw: 1 } }`, sandbox.Request{Host: host})
	var re *sandbox.ReactorError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 500, re.Status)
}

func TestBTArgumentsTooLarge(t *testing.T) {
	called := false
	host := fakeHost{call: func(context.Context, string, []json.RawMessage) (json.RawMessage, error) {
		called = true
		return nil, nil
	}}
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{MaxPayload: 100}))
	got := runRaw(t, s, `module.exports = async ({ bt }) => {
		try { await bt.tokenize({ data: 'x'.repeat(200) }) } catch (e) { return { raw: e.name } }
	}`, sandbox.Request{Host: host})
	assert.Equal(t, "RangeError", got)
	assert.False(t, called)
}

// TestBTMethodsAreTheHostsMethods: req.bt has one function per name of
// sandbox.Methods (nested by its dots), and each reaches Host.Call under
// that name.
func TestBTMethodsAreTheHostsMethods(t *testing.T) {
	s := newSandbox(t)
	var mu sync.Mutex
	var called []string
	host := fakeHost{call: func(_ context.Context, method string, _ []json.RawMessage) (json.RawMessage, error) {
		mu.Lock()
		defer mu.Unlock()
		called = append(called, method)
		return json.RawMessage(`{}`), nil
	}}
	raw := runRaw(t, s, `module.exports = async (req) => {
		const names = [];
		const walk = (o, prefix) => { for (const k of Object.keys(o)) {
			if (typeof o[k] === 'function') names.push(prefix + k); else walk(o[k], prefix + k + '.');
		} };
		walk(req.bt, '');
		for (const name of names) {
			const parts = name.split('.');
			let o = req.bt;
			for (const p of parts.slice(0, -1)) o = o[p];
			await o[parts[parts.length - 1]]({});
		}
		return { raw: names };
	}`, sandbox.Request{Host: host})
	var names []string
	for _, n := range raw.([]any) {
		names = append(names, n.(string))
	}
	assert.ElementsMatch(t, sandbox.Methods, names)
	assert.ElementsMatch(t, sandbox.Methods, called)
}

// TestConventionFunction runs code the way exchange templates are run: the
// args alone as the argument, the whole value returned as Raw.
func TestConventionFunction(t *testing.T) {
	s := newSandbox(t)
	req := sandbox.Request{Args: json.RawMessage(`{"sourceToken": {"data": "4242"}, "configuration": {"ON": true}}`),
		Configuration: map[string]string{"HIDDEN": "x"}, Convention: sandbox.ConventionFunction}
	for name, tc := range map[string]struct{ code, raw string }{
		"the args are the argument": {`module.exports = async (c) => ({ data: c.sourceToken.data, on: c.configuration.ON, keys: Object.keys(c) });`,
			`{"data":"4242","on":true,"keys":["sourceToken","configuration"]}`},
		"sync":                  {`module.exports = (c) => [1, 2]`, `[1,2]`},
		"a primitive":           {`module.exports = async () => 'token'`, `"token"`},
		"raw is not special":    {`module.exports = async () => ({ raw: 1, tokenize: 2 })`, `{"raw":1,"tokenize":2}`},
		"no bt, no req":         {`module.exports = async (c) => ({ bt: typeof c.bt, args: typeof c.args, conf: typeof c.configuration.HIDDEN })`, `{"bt":"undefined","args":"undefined","conf":"undefined"}`},
		"nothing returned":      {`module.exports = async () => {}`, ``},
		"modules are available": {`const crypto = require('crypto'); module.exports = () => crypto.createHash('sha256').update('a').digest('hex').length`, `64`},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := run(t, s, tc.code, req)
			require.NoError(t, err)
			assert.Equal(t, tc.raw, string(res.Raw))
			assert.Nil(t, res.Tokenize)
		})
	}

	res, err := run(t, s, `module.exports = async () => { throw new Error('no') }`, req)
	require.Error(t, err)
	var re *sandbox.ReactorError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 500, re.Status)
	assert.NotNil(t, res)

	big := sandbox.Request{Args: req.Args, Convention: sandbox.ConventionFunction}
	small := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: 5 * time.Second, MaxPayload: 100}))
	_, err = run(t, small, `module.exports = async () => 'x'.repeat(200)`, big)
	var le *sandbox.LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, sandbox.LimitPayload, le.Limit)
	assert.Equal(t, "result", le.What)
}

// TestConventionWhole runs code the way proxy transforms are run: req as a
// reactor's, the whole value returned as Raw.
func TestConventionWhole(t *testing.T) {
	s := newSandbox(t)
	req := sandbox.Request{Args: json.RawMessage(`{"body": "{\"a\":1}", "headers": {"X-A": "1"}}`),
		Configuration: map[string]string{"KEY": "k"}, Convention: sandbox.ConventionWhole}
	for name, tc := range map[string]struct{ code, raw string }{
		"req is a reactor's": {`module.exports = async (req) => ({ body: req.args.body, headers: req.args.headers, conf: req.configuration.KEY, bt: req.bt })`,
			`{"body":"{\"a\":1}","headers":{"X-A":"1"},"conf":"k","bt":null}`},
		"raw is not special": {`module.exports = async () => ({ raw: 1, tokenize: 2 })`, `{"raw":1,"tokenize":2}`},
		"nothing returned":   {`module.exports = async () => {}`, ``},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := run(t, s, tc.code, req)
			require.NoError(t, err)
			assert.Equal(t, tc.raw, string(res.Raw))
			assert.Nil(t, res.Tokenize)
		})
	}
}
