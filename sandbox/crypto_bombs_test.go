package sandbox_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// zeros returns n zero bytes compressed by newWriter.
func zeros(t *testing.T, n int, gz bool) string {
	t.Helper()
	var b bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	if gz {
		w = gzip.NewWriter(&b)
	} else {
		fw, err := flate.NewWriter(&b, flate.BestCompression)
		require.NoError(t, err)
		w = fw
	}
	chunk := make([]byte, 1<<20)
	for range n >> 20 {
		_, err := w.Write(chunk)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// TestZlibBombs: decompressed output is bounded by MaxBufferSize (or a
// smaller maxOutputLength) while it is inflated, whatever the ratio.
func TestZlibBombs(t *testing.T) {
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: 5 * time.Second, MaxBufferSize: 4 << 20}))
	raw := zeros(t, 32<<20, false) // 32 MiB of zeros in about 32 KiB
	gz := zeros(t, 16<<20, true)
	args, err := json.Marshal(map[string]string{"raw": raw, "gz": gz})
	require.NoError(t, err)
	code := `module.exports = async (req) => {
		const zlib = require('zlib');
		const out = [];
		const raw = Buffer.from(req.args.raw, 'base64'), gz = Buffer.from(req.args.gz, 'base64');
		const members = Buffer.concat(Array(8).fill(zlib.gzipSync(Buffer.alloc(1 << 20))));
		for (const f of [() => zlib.inflateRawSync(raw), () => zlib.gunzipSync(gz), () => zlib.unzipSync(gz),
			() => zlib.inflateRawSync(raw, { maxOutputLength: 1000 }), () => zlib.gunzipSync(members),
			() => zlib.inflateRawSync(raw, { maxOutputLength: 2 ** 32 })]) {
			try { f(); out.push('inflated') } catch (e) { out.push(e.code + ' ' + e.message) }
		}
		out.push(await new Promise((res) => zlib.inflateRaw(raw, (e) => res(e.code))));
		return { raw: out };
	}`
	start := time.Now()
	got := runRaw(t, s, code, sandbox.Request{Args: args})
	assert.Less(t, time.Since(start), 4*time.Second)
	limit := fmt.Sprintf("ERR_BUFFER_TOO_LARGE Cannot create a Buffer larger than %d bytes", 4<<20)
	assert.Equal(t, []any{limit, limit, limit, "ERR_BUFFER_TOO_LARGE Cannot create a Buffer larger than 1000 bytes", limit, limit,
		"ERR_BUFFER_TOO_LARGE"}, got)
}

// TestZlibIsInterruptible: a reactor compressing in a loop ends on its timeout.
func TestZlibIsInterruptible(t *testing.T) {
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: 200 * time.Millisecond}))
	start := time.Now()
	_, err := run(t, s, `module.exports = () => { const zlib = require('zlib'); const b = Buffer.alloc(1 << 20, 'x');
		for (;;) zlib.gunzipSync(zlib.gzipSync(b)) }`, sandbox.Request{})
	// The garbage of a loaded race build may meet the memory budget first.
	assert.True(t, errors.Is(err, sandbox.ErrTimeout) || errors.Is(err, sandbox.ErrMemory), "error %v", err)
	assert.Less(t, time.Since(start), 3*time.Second)
}

// TestCryptoHostile: misuse of the cipher and key objects throws, and
// nothing a reactor does to prototypes reaches the Go half.
func TestCryptoHostile(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async () => {
		const crypto = require('crypto');
		const out = [];
		const attempt = (f) => { try { out.push(String(f())) } catch (e) { out.push(e.name + ' ' + (e.code || e.message)) } };
		const key = Buffer.alloc(16, 1), iv = Buffer.alloc(16, 2), iv12 = Buffer.alloc(12, 2);
		attempt(() => crypto.Cipheriv.prototype.update.call({}, 'x'));
		attempt(() => crypto.Decipheriv.prototype.final.call(crypto.createCipheriv('aes-128-cbc', key, iv)));
		attempt(() => Object.getOwnPropertyDescriptor(crypto.KeyObject.prototype, 'type').get.call({}));
		attempt(() => crypto.createSecretKey(key).export.call(Object.create(crypto.createSecretKey(key))));
		const c = crypto.createCipheriv('aes-128-gcm', key, iv.subarray(0, 12));
		c.final();
		attempt(() => c.update('again'));
		attempt(() => c.final());
		attempt(() => c.setAAD(Buffer.alloc(1)));
		// Tampering with Buffer and the prototypes does not change the bytes.
		const ref = crypto.createCipheriv('aes-128-cbc', key, iv).final('hex');
		Buffer.from = () => { throw new Error('tampered') };
		Object.prototype.authTagLength = 4;
		Uint8Array.prototype.subarray = () => { throw new Error('tampered') };
		attempt(() => crypto.createCipheriv('aes-128-cbc', key, iv).final('hex') === ref);
		attempt(() => crypto.createCipheriv('aes-128-gcm', key, iv12, {}).final().length);
		// The key bytes are copied: changing the buffer after does not change the cipher.
		const k2 = Buffer.alloc(16, 1);
		const c2 = crypto.createCipheriv('aes-128-cbc', k2, iv);
		k2.fill(9);
		attempt(() => c2.final('hex') === ref);
		attempt(() => crypto.pbkdf2Sync('p', 's', 2 ** 31 - 1, 64, 'sha512'));
		attempt(() => crypto.createCipheriv('aes-128-gcm', key, Buffer.alloc(1 << 20)).final().length);
		return { raw: out };
	}`, sandbox.Request{})
	assert.Equal(t, []any{
		"TypeError ERR_INVALID_THIS", "TypeError ERR_INVALID_THIS", "TypeError ERR_INVALID_THIS", "TypeError ERR_INVALID_THIS",
		"Error Trying to add data in unsupported state", "Error ERR_CRYPTO_INVALID_STATE", "Error ERR_CRYPTO_INVALID_STATE",
		"true", "0", "true", "RangeError ERR_OUT_OF_RANGE", "0",
	}, got)
}

// TestPbkdf2EndsWithTheInvocation: a long synchronous derivation runs off
// the loop, so the timeout still ends the invocation on time.
func TestPbkdf2EndsWithTheInvocation(t *testing.T) {
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: 20 * time.Millisecond}))
	start := time.Now()
	// Small enough for its goroutine to end before goleak looks, even in a race build.
	_, err := run(t, s, `module.exports = () => { require('crypto').pbkdf2Sync('p', 's', 100000, 64, 'sha512'); return { raw: 1 } }`, sandbox.Request{})
	if err != nil { // a fast machine may finish first
		assert.ErrorIs(t, err, sandbox.ErrTimeout)
		assert.Less(t, time.Since(start), 2*time.Second)
	}
}

// TestKeyGenerationIsBounded: RSA key sizes are bounded, and a reactor
// asking for key pair after key pair still ends on its timeout, with one
// generation at a time running off the loop.
func TestKeyGenerationIsBounded(t *testing.T) {
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: 300 * time.Millisecond}))
	got := runRaw(t, s, `module.exports = () => {
		const crypto = require('crypto');
		const out = [];
		for (const n of [8192, 2 ** 31, 512, 0]) {
			try { crypto.generateKeyPairSync('rsa', { modulusLength: n }); out.push('generated') } catch (e) { out.push(e.code) }
		}
		return { raw: out };
	}`, sandbox.Request{})
	assert.Equal(t, []any{"ERR_OUT_OF_RANGE", "ERR_OUT_OF_RANGE", "ERR_OUT_OF_RANGE", "ERR_OUT_OF_RANGE"}, got)
	for _, code := range []string{
		`module.exports = () => { const crypto = require('crypto'); for (;;) crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }) }`,
		`module.exports = () => new Promise(() => { const crypto = require('crypto');
			for (let i = 0; i < 1000; i++) crypto.generateKeyPair('rsa', { modulusLength: 1024 }, () => {}) })`,
	} {
		start := time.Now()
		_, err := run(t, s, code, sandbox.Request{})
		assert.ErrorIs(t, err, sandbox.ErrTimeout)
		assert.Less(t, time.Since(start), 2*time.Second)
	}
}

// TestKeyMaterialStaysOutOfErrors: a key that fails to parse is never
// echoed in the error a reactor sees, nor in Run's error.
func TestKeyMaterialStaysOutOfErrors(t *testing.T) {
	s := newSandbox(t)
	const secret = "c2VjcmV0LWtleS1tYXRlcmlhbA"
	_, err := run(t, s, `module.exports = () => {
		const crypto = require('crypto');
		const out = [];
		const secret = '`+secret+`';
		for (const f of [() => crypto.createPrivateKey('-----BEGIN PRIVATE KEY-----\n' + secret + '\n-----END PRIVATE KEY-----'),
			() => crypto.createPrivateKey({ key: { kty: 'RSA', n: secret, e: 'AQAB', d: secret, p: secret, q: secret }, format: 'jwk' }),
			() => crypto.createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: secret, y: secret, d: secret }, format: 'jwk' }),
			() => crypto.createPublicKey({ key: Buffer.from(secret), format: 'der', type: 'spki' })]) {
			try { f() } catch (e) { out.push(e.message + ' ' + e.stack) }
		}
		throw new Error(out.join('|').includes(secret) ? 'leaked' : 'clean');
	}`, sandbox.Request{})
	require.Error(t, err)
	var re *sandbox.ReactorError
	require.ErrorAs(t, err, &re)
	assert.NotContains(t, err.Error(), secret)
	assert.Contains(t, fmt.Sprint(re.Errors), "clean")
}

// TestWebCryptoHostile: CryptoKey's getters refuse other receivers, a
// forged key is refused, and the limits hold through subtle.
func TestWebCryptoHostile(t *testing.T) {
	s := newSandbox(t)
	got := runRaw(t, s, `module.exports = async () => {
		const { subtle, getRandomValues } = globalThis.crypto;
		const out = [];
		const attempt = async (f) => { try { out.push(String(await f())) } catch (e) { out.push(e.name + ' ' + (e.code || e.message)) } };
		const key = await subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
		const CryptoKey = Object.getPrototypeOf(key).constructor;
		await attempt(() => Object.getOwnPropertyDescriptor(CryptoKey.prototype, 'algorithm').get.call({}));
		await attempt(() => new CryptoKey());
		await attempt(() => subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, Object.create(CryptoKey.prototype), new Uint8Array(1)));
		await attempt(() => subtle.exportKey('raw', key));
		await attempt(() => getRandomValues(new Uint8Array(4)));
		await attempt(() => globalThis.crypto.getRandomValues(new Uint8Array(1 << 20)));
		// The key's algorithm object is the reactor's to change, not the key's behaviour.
		key.algorithm.length = 256;
		await attempt(async () => (await subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, new Uint8Array(1))).byteLength);
		return { raw: out };
	}`, sandbox.Request{})
	assert.Equal(t, []any{"TypeError ERR_INVALID_THIS", "TypeError ERR_ILLEGAL_CONSTRUCTOR", "TypeError ERR_INVALID_ARG_TYPE",
		"InvalidAccessException key is not extractable", "TypeError ERR_INVALID_THIS", "QuotaExceededError 22", "17"}, got)
	// What the reactor does to require('crypto') does not reach the Web Crypto.
	got = runRaw(t, s, `module.exports = async () => {
		const c = require('crypto');
		c.randomBytes = (n) => Buffer.alloc(n);
		c.createHash = () => { throw new Error('tampered') };
		const a = globalThis.crypto.getRandomValues(new Uint8Array(16));
		const d = Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.from('abc'))).toString('hex');
		return { raw: [a.some((x) => x !== 0), d.slice(0, 8)] };
	}`, sandbox.Request{})
	assert.Equal(t, []any{true, "ba7816bf"}, got)
}

// TestHugeRSAKeysAreRefused: an RSA key past 16384 bits (OpenSSL's bound)
// is refused when parsed, before any operation could run for minutes in
// one call that the timeout cannot cut short.
func TestHugeRSAKeysAreRefused(t *testing.T) {
	n := new(big.Int).Lsh(big.NewInt(1), 1<<17) // a 131073-bit modulus
	n.Or(n, big.NewInt(1))
	spki, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
	require.NoError(t, err)
	args, err := json.Marshal(map[string]string{"spki": base64.StdEncoding.EncodeToString(spki)})
	require.NoError(t, err)
	s := newSandbox(t)
	start := time.Now()
	got := runRaw(t, s, `module.exports = async (req) => {
		const crypto = require('crypto');
		const out = [];
		const big = Buffer.alloc(1 << 16, 0xff).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
		for (const f of [() => crypto.createPublicKey({ key: Buffer.from(req.args.spki, 'base64'), format: 'der', type: 'spki' }),
			() => crypto.createPublicKey({ key: { kty: 'RSA', n: big, e: 'AQAB' }, format: 'jwk' }),
			() => crypto.createPrivateKey({ key: { kty: 'RSA', n: 'AQAB', e: 'AQAB', d: big, p: 'Aw', q: 'Bw' }, format: 'jwk' }),
			() => crypto.createPrivateKey({ key: Buffer.alloc(20000, 0x30), format: 'der', type: 'pkcs1' })]) {
			try { f(); out.push('parsed') } catch (e) { out.push(e.code) }
		}
		return { raw: out };
	}`, sandbox.Request{Args: args})
	assert.Equal(t, []any{"ERR_OSSL_UNSUPPORTED", "ERR_CRYPTO_INVALID_JWK", "ERR_CRYPTO_INVALID_JWK", "ERR_OSSL_UNSUPPORTED"}, got)
	assert.Less(t, time.Since(start), 2*time.Second)
}
