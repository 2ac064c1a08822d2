package sandbox

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type nopHost struct{}

func (nopHost) Call(context.Context, string, []json.RawMessage) (json.RawMessage, error) {
	return json.RawMessage(`{"id":"t"}`), nil
}

// TestNoGoValueReachable walks everything a reactor can reach by reflection
// (globals, every module, req, and the objects they hand out) without calling
// getters, and checks that each object is a plain JavaScript object: none is
// a reflection wrapper of a Go value (goja's ToValue of a struct, map or
// pointer), whose methods and fields would be host objects.
func TestNoGoValueReachable(t *testing.T) {
	s, err := New()
	require.NoError(t, err)
	code := `module.exports = async function (req) {
		const roots = [globalThis, req, require];
		for (const name of ` + mustJSON(t, ModuleNames()) + `) roots.push(require(name));
		const crypto = require('crypto');
		roots.push(Buffer.from('x'), crypto.createHash('sha256'), crypto.createHmac('sha1', 'k'), setTimeout(() => {}, 1e6),
			new Headers({ a: 'b' }), new Response('x'), new Uint8Array(2), new ArrayBuffer(2), req.bt.tokens.retrieve('t'),
			require('axios').create(), console, atob, Promise.resolve(1), new Error('e'));
		try { require('nope') } catch (e) { roots.push(e) }
		const seen = new Set();
		const stack = [...roots];
		while (stack.length) {
			const o = stack.pop();
			if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) continue;
			seen.add(o);
			stack.push(Object.getPrototypeOf(o));
			for (const k of Reflect.ownKeys(o)) {
				const d = Object.getOwnPropertyDescriptor(o, k);
				if (!d) continue;
				stack.push(d.value, d.get, d.set);
			}
		}
		globalThis.__reached = [...seen];
		return { raw: seen.size };
	}`
	prog, err := s.Compile(code)
	require.NoError(t, err)
	inv := s.newInvocation(context.Background(), s.limits.Timeout, Request{Host: nopHost{}})
	defer inv.close()
	res, err := inv.run(prog)
	require.NoError(t, err)
	t.Logf("reached %s objects", res.Raw)

	reached := inv.rt.GlobalObject().Get("__reached").ToObject(inv.rt)
	types := map[string]bool{}
	for i := range lengthOf(reached) {
		o := reached.Get(itoa(i)).(*goja.Object)
		typ := o.ExportType()
		types[typ.String()] = true
		if _, isGlobals := o.Export().(*globals); isGlobals {
			continue // the DynamicObject in globalThis's prototype chain: its handler answers names, it is not exposed
		}
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		assert.Contains(t, []string{"", "github.com/dop251/goja"}, typ.PkgPath(),
			"object %d (class %s) exports as %s", i, o.ClassName(), o.ExportType())
	}
	t.Logf("export types: %v", types)
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
