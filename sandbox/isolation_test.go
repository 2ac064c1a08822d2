package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

func TestEscapes(t *testing.T) {
	s := newSandbox(t)
	for name, tc := range map[string]struct {
		code string
		want any
	}{
		"this.constructor.constructor": {
			`try { return { raw: String(this.constructor.constructor('return process')()) } } catch (e) { return { raw: e.name } }`,
			"ReferenceError",
		},
		"Function('return this')": {
			`const g = Function('return this')(); return { raw: [g === globalThis, typeof g.process, typeof g.require, typeof g.os, typeof g.__goja] }`,
			[]any{true, "undefined", "undefined", "undefined", "undefined"},
		},
		"indirect eval": {
			`const g = (0, eval)('this'); return { raw: [g === globalThis, (0, eval)('typeof process')] }`,
			[]any{true, "undefined"},
		},
		"process global":          {`return { raw: typeof process }`, "undefined"},
		"require is module-local": {`return { raw: typeof globalThis.require }`, "undefined"},
		"global prototype chain": {
			`const out = []; for (let o = globalThis; o; o = Object.getPrototypeOf(o)) out.push(Object.getOwnPropertyNames(o).filter((k) => /process|env|os|fs/.test(k)).length); return { raw: out.every((n) => n === 0) }`,
			true,
		},
		"native function constructor": {
			`return { raw: [setTimeout.constructor === Function, require.constructor === Function, Object.getPrototypeOf(require) === Function.prototype] }`,
			[]any{true, true, true},
		},
		"native function names": {
			`return { raw: [require.name, setTimeout.name, Array.prototype.map.name, Function.prototype.apply.name, String.prototype.repeat.name] }`,
			[]any{"require", "setTimeout", "map", "apply", "repeat"},
		},
		"Buffer's Go value is hidden": {
			`return { raw: [Object.getOwnPropertySymbols(Buffer).length, Reflect.ownKeys(Buffer).filter((k) => typeof k === 'symbol').length,
				Object.getOwnPropertySymbols(Object.getOwnPropertyDescriptors(Buffer)).length] }`,
			[]any{0.0, 0.0, 0.0},
		},
		"stack traces hold no host paths": {
			`try { null.x } catch (e) { return { raw: /\/work\/|\.go:/.test(String(e.stack)) } }`,
			false,
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := runRaw(t, s, `module.exports = async function () { `+tc.code+` }`, sandbox.Request{})
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRequire(t *testing.T) {
	s := newSandbox(t)
	for _, name := range []string{"fs", "node:fs", "process", "node:process", "child_process", "net", "os",
		"vm", "worker_threads", "./local", "/etc/passwd", "../../go.mod", "stripe"} {
		t.Run(name, func(t *testing.T) {
			got := runRaw(t, s, `module.exports = async () => { try { require(`+fmt.Sprintf("%q", name)+`); return { raw: 'loaded' } } catch (e) { return { raw: [e.message, e.code] } } }`, sandbox.Request{})
			assert.Equal(t, []any{"module " + name + " is not available in the reactor sandbox", "MODULE_NOT_FOUND"}, got)
		})
	}
	for _, name := range sandbox.ModuleNames() {
		t.Run("allowed "+name, func(t *testing.T) {
			got := runRaw(t, s, `module.exports = async () => ({ raw: require(`+fmt.Sprintf("%q", name)+`) === require(`+fmt.Sprintf("%q", name)+`) })`, sandbox.Request{})
			assert.Equal(t, true, got, "a module is instantiated once per invocation")
		})
	}
}

func TestNothingLeaksBetweenRuns(t *testing.T) {
	s := newSandbox(t)
	code := `module.exports = async function (req) {
		const seen = {
			global: typeof leaked, prop: typeof globalThis.leakedProp, proto: ({}).polluted, array: [].polluted,
			json: JSON.parse.polluted, fn: typeof Function.prototype.polluted, setTimeout: setTimeout.polluted,
			module: typeof require('crypto').polluted, buffer: Buffer.polluted,
		};
		leaked = 1; globalThis.leakedProp = 2; Object.prototype.polluted = 'yes'; Array.prototype.polluted = 'yes';
		JSON.parse.polluted = 'yes'; Function.prototype.polluted = () => 1; setTimeout.polluted = 'yes';
		require('crypto').polluted = 'yes'; Buffer.polluted = 'yes';
		setTimeout(() => {}, 100000);
		return { raw: seen };
	}`
	for range 3 {
		got := runRaw(t, s, code, sandbox.Request{})
		assert.Equal(t, map[string]any{"global": "undefined", "prop": "undefined", "fn": "undefined", "module": "undefined"}, got)
	}
}

// TestTenantsConcurrently runs two reactors ("tenants") with different
// configuration 10,000 times in all from many goroutines: each sees only
// its own configuration, and a global set by one call is absent from the next.
func TestTenantsConcurrently(t *testing.T) {
	s := newSandbox(t)
	code := `module.exports = async function (req) {
		const before = typeof globalThis.mark;
		globalThis.mark = req.configuration.TENANT;
		Object.prototype.owner = req.configuration.TENANT;
		await new Promise((r) => setImmediate(r));
		return { raw: { tenant: req.configuration.TENANT, secret: req.configuration.SECRET, before, owner: ({}).owner, n: req.args.n } };
	}`
	progA, err := s.Compile(code)
	require.NoError(t, err)
	progB, err := s.Compile(code + "\n// tenant b")
	require.NoError(t, err)
	tenants := []struct {
		prog *sandbox.Program
		conf map[string]string
	}{
		{progA, map[string]string{"TENANT": "a", "SECRET": "secret-a"}},
		{progB, map[string]string{"TENANT": "b", "SECRET": "secret-b"}},
	}
	const total, workers = 10_000, 32
	var next, failures atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				tn := tenants[i%2]
				res, err := s.Run(context.Background(), tn.prog, sandbox.Request{Args: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), Configuration: tn.conf})
				if err != nil {
					failures.Add(1)
					t.Errorf("run %d: %v", i, err)
					return
				}
				var out struct {
					Tenant, Secret, Before, Owner string
					N                             int64
				}
				if err := json.Unmarshal(res.Raw, &out); err != nil || out.Tenant != tn.conf["TENANT"] || out.Secret != tn.conf["SECRET"] ||
					out.Before != "undefined" || out.Owner != tn.conf["TENANT"] || out.N != i {
					failures.Add(1)
					t.Errorf("run %d saw %s", i, res.Raw)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
}
