package sandbox_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tokenvault/vault/sandbox"
)

func TestCrypto(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `const crypto = require('crypto');
	module.exports = async () => {
		const h = crypto.createHash('sha256').update('ab');
		const copy = h.copy().update('c');
		let again; try { h.digest('hex'); h.digest('hex') } catch (e) { again = e.message }
		const random = await new Promise((r) => crypto.randomBytes(8, (err, buf) => r([err, buf.length])));
		return { raw: {
			md5: crypto.createHash('md5').update('abc').digest('hex'),
			sha1: crypto.createHash('SHA1').update(Buffer.from('abc')).digest('base64'),
			sha512: crypto.createHash('sha512').update('').digest('hex').slice(0, 16),
			copy: copy.digest('hex').slice(0, 16),
			hmac: crypto.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex'),
			hmacBuffer: crypto.createHmac('sha1', Buffer.from('6b6579', 'hex')).update('x', 'utf8').digest().length,
			hexInput: crypto.createHash('sha256').update('616263', 'hex').digest('hex').slice(0, 16),
			again, random,
			bytes: crypto.randomBytes(16).length,
			uuid: crypto.randomUUID(),
			int: (() => { const n = crypto.randomInt(5, 10); return n >= 5 && n < 10 })(),
			equal: [crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('a')), crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('b'))],
			hashes: crypto.getHashes().includes('sha256'),
			nodePrefix: require('node:crypto') === crypto,
		} };
	}`, sandbox.Request{}).(map[string]any)
	assert.Equal(t, "900150983cd24fb0d6963f7d28e17f72", got["md5"])
	assert.Equal(t, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", got["sha1"])
	assert.Equal(t, "cf83e1357eefb8bd", got["sha512"])
	assert.Equal(t, "ba7816bf8f01cfea", got["copy"])
	assert.Equal(t, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", got["hmac"])
	assert.Equal(t, 20.0, got["hmacBuffer"])
	assert.Equal(t, "ba7816bf8f01cfea", got["hexInput"])
	assert.Equal(t, "Digest already called", got["again"])
	assert.Equal(t, []any{nil, 8.0}, got["random"])
	assert.Equal(t, 16.0, got["bytes"])
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), got["uuid"])
	assert.Equal(t, true, got["int"])
	assert.Equal(t, []any{true, false}, got["equal"])
	assert.Equal(t, true, got["hashes"])
	assert.Equal(t, true, got["nodePrefix"])
}

func TestBuffer(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `const { Buffer: B } = require('buffer');
	module.exports = async () => {
		const b = Buffer.from('héllo');
		const sub = b.subarray(1, 3);
		return { raw: [
			B === Buffer, b.toString('hex'), b.toString('base64'), Buffer.from('aGk=', 'base64').toString(), b.length,
			Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(1)), b instanceof Buffer, b instanceof Uint8Array,
			b.constructor === Buffer, sub instanceof Buffer, Buffer.isBuffer(sub), Buffer.byteLength('é'),
			Buffer.concat([Buffer.from('a'), Buffer.from('b')]).toString(), Buffer.alloc(3, 1).readUInt8(2), Buffer.allocUnsafe(2).length,
			Object.getPrototypeOf(Buffer) === Uint8Array, Buffer.name,
		] };
	}`, sandbox.Request{})
	assert.Equal(t, []any{true, "68c3a96c6c6f", "aMOpbGxv", "hi", 6.0, true, false, true, true, true, true, true, 2.0, "ab", 1.0, 2.0, true, "Buffer"}, got)
}

func TestTypedArraysStillWork(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async () => {
		class Bytes extends Uint8Array { sum() { return this.reduce((a, b) => a + b, 0) } }
		const b = new Bytes([1, 2, 3]);
		const view = new Uint8Array(new ArrayBuffer(8), 2, 4);
		return { raw: [
			b.sum(), b instanceof Bytes, b instanceof Uint8Array, Uint8Array.from([4, 5]).length, Float64Array.BYTES_PER_ELEMENT,
			view.length, view.byteOffset, new Uint8Array(1).constructor === Uint8Array, ArrayBuffer.isView(view),
			new Int16Array([1, -1]).slice(1)[0], Uint8Array.name, Uint8Array.length,
		] };
	}`, sandbox.Request{})
	assert.Equal(t, []any{6.0, true, true, 2.0, 8.0, 4.0, 2.0, true, true, -1.0, "Uint8Array", 3.0}, got)
}

func TestUUIDAndGlobals(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `const uuid = require('uuid');
	module.exports = async () => {
		const id = uuid.v4();
		return { raw: [uuid.validate(id), uuid.version(id), uuid.validate('nope'), uuid.NIL, btoa('hi'), atob('aGk='), typeof global, global === globalThis] };
	}`, sandbox.Request{})
	assert.Equal(t, []any{true, 4.0, false, "00000000-0000-0000-0000-000000000000", "aGk=", "hi", "object", true}, got)
}

func TestArrayConstructorStaysArray(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async () => {
		const first = [].constructor === Array;
		const a = [1]; a.constructor = 'own';
		class MyArray extends Array {}
		const m = MyArray.from([1, 2]).map((x) => x);
		const d = Object.getOwnPropertyDescriptor(Array.prototype, 'constructor');
		return { raw: [first, a.constructor, Object.keys(a), [].constructor === Array, m instanceof MyArray, typeof d.value, d.enumerable] };
	}`, sandbox.Request{})
	assert.Equal(t, []any{true, "own", []any{"0", "constructor"}, true, true, "function", false}, got)
}

func TestArraysBelowTheLimitsWork(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async () => {
		const a = new Array(1000).fill(1).map((x, i) => x + i);
		const big = []; for (let i = 0; i < 100000; i++) big.push(i);
		return { raw: [a.length, a[999], [3, 1, 2].sort().join('-'), [...a.keys()].length, 'ab'.repeat(3), 'x'.padStart(3, '-'),
			Math.max.apply(null, [1, 5, 2]), Array.from({ length: 3 }, (_, i) => i), big.length, big.indexOf(99999),
			JSON.stringify([1, [2]]), typeof [].toSorted] };
	}`, sandbox.Request{})
	assert.Equal(t, []any{1000.0, 1000.0, "1-2-3", 1000.0, "ababab", "--x", 5.0, []any{0.0, 1.0, 2.0}, 100000.0, 99999.0, "[1,[2]]", "undefined"}, got)
}
