//go:build !race

// Sized for a normal build: a race build runs this JavaScript ten times
// slower than the timeouts allow (.ci/run runs it without -race, as it
// does bombs_test.go).

package sandbox_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// TestUtilModulesHostile feeds util, url, querystring, string_decoder,
// Buffer, TextDecoder and structuredClone what a hostile reactor would:
// deep and self-referencing structures, huge inputs, tampered prototypes,
// re-entrant callbacks. Each must end, within its timeout, in a result or a
// clean error, and leave the host alive.
func TestUtilModulesHostile(t *testing.T) {
	const timeout = 4 * time.Second
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: timeout}))
	type outcome int
	const (
		returns outcome = iota // raw is "ok"
		fails                  // a ReactorError or a timeout
		ends                   // either, in time
	)
	for name, tc := range map[string]struct {
		code string
		want outcome
	}{
		"inspect of a self-referencing Map": {`const m = new Map(); m.set(m, m); const s = new Set([m]); m.set('s', s);
			const out = util.inspect([m, s], { depth: Infinity });
			if (!out.includes('[Circular *1]')) throw new Error(out);
			if (util.types.isPromise(m) || util.types.isProxy(m) || util.isDeepStrictEqual(m, new Map())) throw new Error('types');
			structuredClone(m);`, returns},
		"a self-referencing Map everywhere": {`const m = new Map(); m.set(m, m); m.set('k', [m]);
			for (const f of [() => Buffer.from(m), () => Buffer.concat([m]), () => Buffer.alloc(2).fill(m), () => Buffer.alloc(2).equals(m),
				() => Buffer.compare(Buffer.alloc(1), m), () => Buffer.alloc(1).write(m), () => Buffer.alloc(4).indexOf(m), () => new TextDecoder().decode(m),
				() => new TextEncoder().encodeInto(m, m), () => qs.stringify({ m }), () => new URLSearchParams(m), () => new URL(m),
				() => util.format('%s %j %o %d', m, m, m, m), () => util.isDeepStrictEqual(m, m), () => new (require('string_decoder').StringDecoder)().write(m)]) {
				try { f(); } catch (e) {}
			}`, returns},
		"inspect of a huge array": {`const a = new Array(1e6).fill('x'); const out = util.inspect({ a, b: Buffer.alloc(1e6) });
			if (out.length > 2000) throw new Error(out.length);`, returns},
		"inspect of deep nesting":                      {`let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; util.inspect(o, { depth: Infinity });`, fails},
		"inspect of deep nesting at the default depth": {`let o = {}; for (let i = 0; i < 1e5; i++) o = [o]; util.inspect(o); util.format('%o %j', o, 1);`, returns},
		"inspect.custom re-entering inspect":           {`const o = { [util.inspect.custom]() { return util.inspect(this); } }; util.inspect(o);`, fails},
		"inspect of throwing getters and proxies": {`const p = new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('keys'); } });
			try { util.inspect(p, { getters: true, showHidden: true }); } catch (e) {}
			util.inspect({ get a() { throw new Error('g'); } }, { getters: true });
			util.format('%s %d %i %f', p, { valueOf() { throw 1; } }, 1, 2);`, fails},
		"format with many placeholders": {`const args = new Array(1e5).fill('a'); if (util.format('%s'.repeat(1e5), ...args).length !== 1e5) throw 1;`, returns},
		"format, inspect and isDeepStrictEqual of long strings": {`const s = 'x'.repeat(1 << 23); util.format('%s', s); util.inspect(s);
			if (!util.isDeepStrictEqual({ s }, { s: s.slice(0) })) throw 1;`, returns},
		"structuredClone of deep nesting": {`let o = []; for (let i = 0; i < 1e5; i++) o = [o]; structuredClone(o);`, fails},
		"structuredClone of a wide graph": {`const a = []; for (let i = 0; i < 2e4; i++) a.push({ i, d: new Date(i), m: new Map([[i, i]]) }); structuredClone(a);`, returns},
		"Buffer allocations past the limit": {`for (const f of [() => Buffer.alloc(2 ** 31, 'ab'), () => Buffer.alloc(2 ** 40), () => Buffer.from('x'.repeat(1 << 24), 'utf16le').fill('ab'),
				() => Buffer.allocUnsafe(1e12), () => Buffer.copyBytesFrom(new Float64Array(1 << 25))]) {
				try { f(); } catch (e) { if (!(e instanceof RangeError)) throw e; }
			}`, returns},
		"Buffer methods on a large buffer": {`const b = Buffer.alloc(64 << 20, 'abc'); b.indexOf('zz'); b.lastIndexOf(Buffer.from('cab')); b.includes(0);
			b.toString('hex', 0, 1 << 20); b.toString('base64url', 0, 1 << 20); Buffer.compare(b, b.subarray(1)); b.copy(Buffer.alloc(10));
			b.swap16(); b.fill(Buffer.from([1, 2, 3])); b.write('é'.repeat(1000), 7, 'utf16le');`, returns},
		"Buffer methods on foreign receivers": {`for (const f of ['toString', 'write', 'fill', 'compare', 'copy', 'slice', 'indexOf', 'toJSON', 'swap16']) {
				for (const self of [{}, [], new Map(), 'str', new Uint16Array(4), null]) {
					try { Buffer.prototype[f].call(self, 'a', 0); } catch (e) {}
				}
			}`, returns},
		"string_decoder of a large input in small writes": {`const { StringDecoder } = require('string_decoder'); const b = Buffer.from('é€😀'.repeat(1e3));
			for (const enc of ['utf8', 'utf16le', 'base64', 'hex']) { const d = new StringDecoder(enc); for (let i = 0; i < b.length; i += 3) d.write(b.subarray(i, i + 3)); d.end(); }`, returns},
		"TextDecoder of a large input": {`const td = new TextDecoder(); const b = new Uint8Array(32 << 20).fill(0xe2);
			if (td.decode(b).length !== 32 << 20) throw 1; new TextDecoder('utf-16le').decode(b.subarray(0, 1 << 20));
			try { new TextDecoder('utf-8', { fatal: true }).decode(b); } catch (e) { if (e.code !== 'ERR_ENCODING_INVALID_ENCODED_DATA') throw e; }
			new TextEncoder().encode('x'.repeat(1 << 24));`, returns},
		"URL of a long input": {`const u = new URL('http://h/' + 'é'.repeat(1 << 14) + '?' + 'q=1&'.repeat(1 << 12) + '#' + 'f'.repeat(1 << 14));
			u.searchParams.sort(); u.searchParams.append('a', 'b'); String(u); new URLSearchParams('a=%zz&'.repeat(1 << 13)).toString();
			try { new URL('http://' + 'a'.repeat(1 << 14) + '.com/'); } catch (e) {}
			url.parse('http://' + 'x'.repeat(1 << 14) + '/p?' + 'a=b&'.repeat(1 << 12), true); url.resolve('http://a/b/c', '../'.repeat(1 << 12));
			qs.parse('a=1&'.repeat(1 << 13), null, null, { maxKeys: 0 }); qs.stringify({ a: new Array(1 << 14).fill('é') });`, returns},
		"URL parsing in a loop is interrupted":     {`for (;;) new URL('http://user:pw@[::1]:8080/a/../b?c#d');`, fails},
		"a megabyte URL is bounded by the timeout": {`new URL('http://' + 'a'.repeat(1 << 20) + '.com/'); url.parse('http://' + 'x'.repeat(1 << 20) + '/');`, ends},
		"url with hostile hosts": {`for (const h of ['xn--', 'xn--a', 'xn--zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 'xn--' + '9'.repeat(1000), '\u0000', '[' + ':'.repeat(1000) + ']', '0x' + 'f'.repeat(1000), '1.'.repeat(1000)]) {
				try { new URL('http://' + h + '/'); } catch (e) {} url.domainToASCII(h); url.domainToUnicode(h); try { url.parse('http://' + h + '/'); } catch (e) {}
			}`, returns},
		"tampered prototypes": {`Array.prototype.push = () => { throw new Error('push'); }; Object.keys = () => { throw new Error('keys'); };
			String.prototype.replace = () => 'r'; Map.prototype.get = () => 1; JSON.stringify = () => { throw new Error('json'); };
			Symbol.for = () => Symbol('x'); Object.prototype.then = () => {};
			for (const f of [() => util.inspect({ a: [1] }), () => util.format('%j', {}), () => new URL('http://a/?b=c').searchParams.get('b'),
				() => qs.stringify({ a: 1 }), () => structuredClone({ a: [new Map()] }), () => new TextDecoder().decode(new Uint8Array(3)),
				() => new (require('string_decoder').StringDecoder)().write(Buffer.from('x')), () => Buffer.from('ab').toString('hex')]) {
				try { f(); } catch (e) {}
			}
			delete Object.prototype.then;`, returns},
		"re-entrant callbacks": {`const p = new URLSearchParams('a=1&b=2'); p.forEach(() => { p.append('c', '3'); if (p.size > 1e4) throw new Error('stop'); });`, fails},
		"promisify and callbackify of hostile functions": {`const f = util.promisify(function (cb) { cb(null, 1); cb(new Error('twice')); throw new Error('after'); });
			try { await f(); } catch (e) {}
			const g = util.callbackify(() => ({ then() { throw new Error('then'); } }));
			try { g(() => {}); } catch (e) {}
			Object.defineProperty(function () {}, 'name', { get() { throw 1; } });`, returns},
	} {
		t.Run(name, func(t *testing.T) {
			code := `const util = require('util'); const url = require('url'); const qs = require('querystring');
				module.exports = async function () { ` + tc.code + `; return { raw: 'ok' }; }`
			start := time.Now()
			res, err := run(t, s, code, sandbox.Request{})
			elapsed := time.Since(start)
			assert.Less(t, elapsed, timeout+time.Second, "it ends within its timeout")
			switch tc.want {
			case returns:
				var re *sandbox.ReactorError
				if errors.As(err, &re) {
					t.Fatalf("reactor failed: %d %s %v", re.Status, re.Name, re.Errors)
				}
				require.NoError(t, err)
				assert.JSONEq(t, `"ok"`, string(res.Raw))
			case ends:
				var re *sandbox.ReactorError
				if err != nil && !errors.As(err, &re) {
					assert.ErrorIs(t, err, sandbox.ErrTimeout)
				}
			case fails:
				require.Error(t, err)
				var re *sandbox.ReactorError
				if !errors.As(err, &re) {
					assert.ErrorIs(t, err, sandbox.ErrTimeout)
				}
			}
			t.Logf("%s: %v after %s", name, err, elapsed.Round(time.Millisecond))
		})
	}
	// and the next invocation sees none of it
	got := runRaw(t, s, `module.exports = async () => ({ raw: [typeof Array.prototype.push, require('util').inspect({ a: 1 }), String(new URL('http://x/'))] })`, sandbox.Request{})
	assert.Equal(t, []any{"function", "{ a: 1 }", "http://x/"}, got)
}
