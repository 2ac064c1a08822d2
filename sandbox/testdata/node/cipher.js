//# aes-128-cbc round trip
const crypto = require('crypto');
const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const iv = Buffer.from('101112131415161718191a1b1c1d1e1f', 'hex');
const c = crypto.createCipheriv('aes-128-cbc', key, iv);
const ct = Buffer.concat([c.update('attack at dawn, attack at dusk'), c.final()]);
print(ct);
const d = crypto.createDecipheriv('aes-128-cbc', key, iv);
print(d.update(ct, undefined, 'utf8') + d.final('utf8'));
//# aes-192-cbc and aes-256-cbc
const crypto = require('crypto');
const iv = Buffer.alloc(16, 7);
for (const [alg, n] of [['aes-192-cbc', 24], ['aes-256-cbc', 32], ['AES-256-CBC', 32], ['aes256', 32], ['aes128', 16], ['aes192', 24]]) {
  const key = Buffer.alloc(n, 0x42);
  const c = crypto.createCipheriv(alg, key, iv);
  const ct = c.update('sixteen byte msg', 'utf8', 'hex') + c.final('hex');
  const d = crypto.createDecipheriv(alg, key, iv);
  print(alg, ct, d.update(ct, 'hex', 'utf8') + d.final('utf8'));
}
//# cbc update output lengths
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(16, 2);
const c = crypto.createCipheriv('aes-128-cbc', key, iv);
const parts = [c.update(Buffer.alloc(5)), c.update(Buffer.alloc(20)), c.update(Buffer.alloc(7)), c.update(Buffer.alloc(0)), c.final()];
print(parts.map((p) => p.length));
const ct = Buffer.concat(parts);
const d = crypto.createDecipheriv('aes-128-cbc', key, iv);
const dp = [d.update(ct.subarray(0, 16)), d.update(ct.subarray(16, 32)), d.update(ct.subarray(32)), d.final()];
print(dp.map((p) => p.length), Buffer.concat(dp).equals(Buffer.alloc(32)));
//# cbc empty plaintext
const crypto = require('crypto');
const key = Buffer.alloc(16, 9), iv = Buffer.alloc(16, 8);
const c = crypto.createCipheriv('aes-128-cbc', key, iv);
const ct = c.final();
print(ct);
const d = crypto.createDecipheriv('aes-128-cbc', key, iv);
print(d.update(ct), d.final());
//# cbc setAutoPadding false
const crypto = require('crypto');
const key = Buffer.alloc(16, 3), iv = Buffer.alloc(16, 4);
const c = crypto.createCipheriv('aes-128-cbc', key, iv);
print(c.setAutoPadding(false) === c);
const ct = Buffer.concat([c.update(Buffer.from('0123456789abcdef0123456789abcdef')), c.final()]);
print(ct);
const d = crypto.createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
print(Buffer.concat([d.update(ct), d.final()]).toString());
const d2 = crypto.createDecipheriv('aes-128-cbc', key, iv);
d2.setAutoPadding(false);
print(d2.update(ct.subarray(0, 16)).length);
//# cbc wrong final block length
const crypto = require('crypto');
const key = Buffer.alloc(16, 3), iv = Buffer.alloc(16, 4);
const c = crypto.createCipheriv('aes-128-cbc', key, iv);
c.setAutoPadding(false);
c.update('short');
try { c.final(); } catch (e) { print(e, e.message, e.reason, e.library); }
const d = crypto.createDecipheriv('aes-128-cbc', key, iv);
d.update(Buffer.alloc(15));
try { d.final(); } catch (e) { print(e, e.message); }
const d2 = crypto.createDecipheriv('aes-128-cbc', key, iv);
try { d2.final(); } catch (e) { print(e, e.message); }
//# cbc bad decrypt
const crypto = require('crypto');
const key = Buffer.alloc(16, 3), iv = Buffer.alloc(16, 4);
const d = crypto.createDecipheriv('aes-128-cbc', key, iv);
d.update(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
try { d.final(); } catch (e) { print(e, e.message, e.reason); }
const c = crypto.createCipheriv('aes-128-cbc', key, iv);
const ct = Buffer.concat([c.update('hello'), c.final()]);
const wrong = crypto.createDecipheriv('aes-128-cbc', Buffer.alloc(16, 5), iv);
wrong.update(ct);
try { wrong.final(); print('no error'); } catch (e) { print(e.code); }
//# cbc known answer NIST SP 800-38A
const crypto = require('crypto');
const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
const iv = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const pt = Buffer.from('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51', 'hex');
const c = crypto.createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
print(c.update(pt, null, 'hex') + c.final('hex'));
//# ctr
const crypto = require('crypto');
const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
const iv = Buffer.from('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'hex');
const pt = Buffer.from('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51', 'hex');
const c = crypto.createCipheriv('aes-128-ctr', key, iv);
const a = c.update(pt.subarray(0, 5)), b = c.update(pt.subarray(5)), f = c.final();
print(a, b, f);
const d = crypto.createDecipheriv('aes-128-ctr', key, iv);
print(d.update(Buffer.concat([a, b])).equals(pt), d.final().length);
//# ctr counter carry
const crypto = require('crypto');
const key = Buffer.alloc(32, 0x11);
const iv = Buffer.from('00000000000000ffffffffffffffffff', 'hex');
const c = crypto.createCipheriv('aes-256-ctr', key, iv);
print(c.update(Buffer.alloc(48), null, 'base64'), c.final('base64'));
const c2 = crypto.createCipheriv('aes-192-ctr', Buffer.alloc(24, 0x22), Buffer.alloc(16, 0xff));
print(c2.update(Buffer.alloc(40)).toString('hex'));
//# ecb
const crypto = require('crypto');
const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
const c = crypto.createCipheriv('aes-128-ecb', key, null);
const ct = c.update('6bc1bee22e409f96e93d7e117393172a', 'hex', 'hex') + c.final('hex');
print(ct);
const d = crypto.createDecipheriv('aes-128-ecb', key, Buffer.alloc(0));
print(d.update(ct, 'hex', 'hex') + d.final('hex'));
for (const n of [24, 32]) {
  const e = crypto.createCipheriv('aes-' + n * 8 + '-ecb', Buffer.alloc(n, 1), null);
  print(Buffer.concat([e.update('abc'), e.final()]));
}
//# gcm round trip
const crypto = require('crypto');
const key = Buffer.alloc(32, 0x5a), iv = Buffer.from('cafebabefacedbaddecaf888', 'hex');
const c = crypto.createCipheriv('aes-256-gcm', key, iv);
c.setAAD(Buffer.from('header'));
const ct = Buffer.concat([c.update('secret card number 4242', 'utf8'), c.final()]);
const tag = c.getAuthTag();
print(ct, tag);
const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
d.setAAD(Buffer.from('header'));
d.setAuthTag(tag);
print(d.update(ct, null, 'utf8') + d.final('utf8'));
//# gcm known answer
const crypto = require('crypto');
const key = Buffer.from('feffe9928665731c6d6a8f9467308308', 'hex');
const iv = Buffer.from('cafebabefacedbaddecaf888', 'hex');
const pt = Buffer.from('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39', 'hex');
const aad = Buffer.from('feedfacedeadbeeffeedfacedeadbeefabaddad2', 'hex');
const c = crypto.createCipheriv('aes-128-gcm', key, iv).setAAD(aad);
print(c.update(pt, null, 'hex') + c.final('hex'), c.getAuthTag().toString('hex'));
//# gcm 192 and empty
const crypto = require('crypto');
const c = crypto.createCipheriv('aes-192-gcm', Buffer.alloc(24), Buffer.alloc(12));
print(c.update(''), c.final(), c.getAuthTag());
const c2 = crypto.createCipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(12));
c2.final();
print(c2.getAuthTag().toString('hex'));
//# gcm long iv
const crypto = require('crypto');
const key = Buffer.from('feffe9928665731c6d6a8f9467308308', 'hex');
for (const ivHex of ['cafebabefacedbad', '9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b', 'aabbccddeeff00112233445566778899aa']) {
  const iv = Buffer.from(ivHex, 'hex');
  const c = crypto.createCipheriv('aes-128-gcm', key, iv);
  const ct = Buffer.concat([c.update(Buffer.alloc(70, 1)), c.final()]);
  const tag = c.getAuthTag();
  print(ct.toString('hex'), tag.toString('hex'));
  const d = crypto.createDecipheriv('aes-128-gcm', key, iv);
  d.setAuthTag(tag);
  print(Buffer.concat([d.update(ct), d.final()]).equals(Buffer.alloc(70, 1)));
}
//# gcm auth failure
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(12, 2);
const c = crypto.createCipheriv('aes-128-gcm', key, iv);
const ct = Buffer.concat([c.update('data'), c.final()]);
const tag = c.getAuthTag();
const bad = Buffer.from(tag); bad[0] ^= 1;
const d = crypto.createDecipheriv('aes-128-gcm', key, iv);
d.setAuthTag(bad);
print(d.update(ct, null, 'utf8'));
try { d.final(); } catch (e) { print(e, e.message); }
const d2 = crypto.createDecipheriv('aes-128-gcm', key, iv);
d2.setAuthTag(tag);
d2.setAAD(Buffer.from('x'));
d2.update(ct);
try { d2.final(); } catch (e) { print(e.message); }
const d3 = crypto.createDecipheriv('aes-128-gcm', key, iv);
d3.update(ct);
try { d3.final(); } catch (e) { print(e.message); }
//# gcm authTagLength
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(12, 2);
for (const n of [4, 8, 12, 13, 16]) {
  const c = crypto.createCipheriv('aes-128-gcm', key, iv, { authTagLength: n });
  c.update('abc');
  c.final();
  const tag = c.getAuthTag();
  const d = crypto.createDecipheriv('aes-128-gcm', key, iv, { authTagLength: n });
  d.setAuthTag(tag);
  print(n, tag.toString('hex'), d.update(Buffer.from('00', 'hex')).length);
}
for (const n of [7, 17, 0]) {
  try { crypto.createCipheriv('aes-128-gcm', key, iv, { authTagLength: n }); } catch (e) { print(e, e.message); }
}
const d = crypto.createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 8 });
try { d.setAuthTag(Buffer.alloc(16)); } catch (e) { print(e, e.message); }
const d2 = crypto.createDecipheriv('aes-128-gcm', key, iv);
try { d2.setAuthTag(Buffer.alloc(5)); } catch (e) { print(e, e.message); }
d2.setAuthTag(Buffer.alloc(12));
try { d2.setAuthTag(Buffer.alloc(12)); } catch (e) { print(e, e.message); }
//# gcm truncated tag decrypt
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(12, 2);
const c = crypto.createCipheriv('aes-128-gcm', key, iv);
const ct = Buffer.concat([c.update('truncate me'), c.final()]);
const tag = c.getAuthTag();
const d = crypto.createDecipheriv('aes-128-gcm', key, iv);
d.setAuthTag(tag.subarray(0, 12));
print(d.update(ct).toString() + d.final().toString());
//# gcm state errors
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(12, 2);
const c = crypto.createCipheriv('aes-128-gcm', key, iv);
try { c.getAuthTag(); } catch (e) { print(e, e.message); }
c.update('a');
try { c.setAAD(Buffer.from('late')); } catch (e) { print(e, e.message); }
print(typeof c.setAuthTag, typeof crypto.createDecipheriv('aes-128-gcm', key, iv).getAuthTag);
const cbc = crypto.createCipheriv('aes-128-cbc', key, Buffer.alloc(16));
try { cbc.setAAD(Buffer.from('x')); } catch (e) { print(e, e.message); }
try { cbc.final(); cbc.getAuthTag(); } catch (e) { print(e, e.message); }
//# update and final encodings
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(16, 2);
const c = crypto.createCipheriv('aes-128-cbc', key, iv);
const a = c.update('héllo wörld, this is long text', 'utf8', 'base64');
print(a, c.final('base64'));
const c2 = crypto.createCipheriv('aes-128-cbc', key, iv);
print(c2.update('68656c6c6f', 'hex', 'latin1').length, c2.final('base64url'));
const c3 = crypto.createCipheriv('aes-128-cbc', key, iv);
print(c3.update('aGVsbG8=', 'base64', 'buffer'), c3.final('hex'));
const c4 = crypto.createCipheriv('aes-128-ctr', key, iv);
print(c4.update(Buffer.from('hi'), 'utf8', 'ucs2').length, c4.update(Buffer.from('x'), null, 'ucs2').length, c4.final('ucs2').length);
//# utf8 output split across updates
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(16, 2);
const text = 'ééééééééé€€€€€€😀😀😀';
const c = crypto.createCipheriv('aes-128-ctr', key, iv);
const ct = c.update(text);
const d = crypto.createDecipheriv('aes-128-ctr', key, iv);
let out = '';
for (let i = 0; i < ct.length; i += 3) out += d.update(ct.subarray(i, i + 3), null, 'utf8');
out += d.final('utf8');
print(out === text, out);
const d2 = crypto.createDecipheriv('aes-128-ctr', key, iv);
print(d2.update(ct.subarray(0, 3), null, 'utf8'), d2.final('utf8'));
//# input types
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(16, 2);
const c = crypto.createCipheriv('aes-128-ctr', new Uint8Array(key).buffer, new DataView(iv.buffer.slice(iv.byteOffset, iv.byteOffset + 16)));
print(c.update(new Uint8Array([1, 2, 3])), c.update(new Uint16Array([0x0102])), c.update(new DataView(new ArrayBuffer(2))));
const s = crypto.createCipheriv('aes-128-cbc', 'abcdefghijklmnop', 'abcdefghijklmnop');
print(s.final('hex'));
print(crypto.createCipheriv('aes-128-cbc', crypto.createSecretKey(key), iv).final('hex'));
//# invalid key and iv
const crypto = require('crypto');
const k16 = Buffer.alloc(16), iv16 = Buffer.alloc(16);
const cases = [
  () => crypto.createCipheriv('aes-128-cbc', Buffer.alloc(15), iv16),
  () => crypto.createCipheriv('aes-256-gcm', k16, Buffer.alloc(12)),
  () => crypto.createDecipheriv('aes-192-ctr', Buffer.alloc(32), iv16),
  () => crypto.createCipheriv('aes-128-cbc', k16, Buffer.alloc(15)),
  () => crypto.createCipheriv('aes-128-cbc', k16, null),
  () => crypto.createCipheriv('aes-128-ctr', k16, Buffer.alloc(12)),
  () => crypto.createCipheriv('aes-128-ecb', k16, iv16),
  () => crypto.createCipheriv('aes-128-gcm', k16, Buffer.alloc(0)),
  () => crypto.createCipheriv('aes-128-xyz', k16, iv16),
  () => crypto.createCipheriv(1, k16, iv16),
  () => crypto.createCipheriv('aes-128-cbc', 1, iv16),
  () => crypto.createCipheriv('aes-128-cbc', k16, 1),
  () => crypto.createCipheriv('aes-128-cbc', k16, {}),
];
for (const f of cases) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# update argument errors
const crypto = require('crypto');
const c = crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16));
for (const f of [() => c.update(1), () => c.update({}), () => c.update('abc', 'hex'), () => c.update('a', 'utf8', 'bogus'), () => c.final('bogus')]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# final twice and update after final
const crypto = require('crypto');
const c = crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16));
print(c.final().length);
try { c.final(); } catch (e) { print(e, e.message); }
try { c.update('x'); } catch (e) { print(e, e.message); }
try { c.setAutoPadding(false); } catch (e) { print(e, e.message); }
const g = crypto.createCipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(12));
g.final();
try { g.final(); } catch (e) { print(e, e.message); }
print(g.getAuthTag().length);
//# cipher objects
const crypto = require('crypto');
const c = crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16));
const d = crypto.createDecipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16));
print(c.constructor.name, d.constructor.name, c instanceof crypto.Cipheriv, d instanceof crypto.Decipheriv);
print(typeof c.update, typeof c.final, typeof c.setAutoPadding, typeof c.getAuthTag, typeof d.setAuthTag, typeof c.setAAD);
print(crypto.createCipheriv.length, crypto.createDecipheriv.length);
//# getCiphers
const crypto = require('crypto');
const names = crypto.getCiphers();
print(Array.isArray(names));
for (const n of ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'aes-128-gcm', 'aes-256-gcm', 'aes-128-ctr', 'aes-256-ecb', 'aes128', 'aes256']) print(n, names.includes(n));
//# pbkdf2Sync
const crypto = require('crypto');
print(crypto.pbkdf2Sync('password', 'salt', 1, 20, 'sha1').toString('hex'));
print(crypto.pbkdf2Sync('password', 'salt', 4096, 32, 'sha256').toString('hex'));
print(crypto.pbkdf2Sync(Buffer.from('pass\0word'), Buffer.from('sa\0lt'), 10, 64, 'sha512').toString('base64'));
print(crypto.pbkdf2Sync('p', 's', 1, 0, 'sha256'), crypto.pbkdf2Sync('p', 's', 2, 100, 'SHA384').length, crypto.pbkdf2Sync('', '', 1, 16, 'md5').toString('hex'));
//# pbkdf2Sync errors
const crypto = require('crypto');
for (const f of [() => crypto.pbkdf2Sync('p', 's', 1, 16, 'sha257'), () => crypto.pbkdf2Sync('p', 's', 0, 16, 'sha256'),
  () => crypto.pbkdf2Sync('p', 's', 1, -1, 'sha256'), () => crypto.pbkdf2Sync('p', 's', 1, 16), () => crypto.pbkdf2Sync('p', 's', 1.5, 16, 'sha1'),
  () => crypto.pbkdf2Sync(1, 's', 1, 16, 'sha1'), () => crypto.pbkdf2Sync('p', 's', '1', 16, 'sha1'), () => crypto.pbkdf2('p', 's', 1, 16, 'sha1')]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# pbkdf2 callback
const crypto = require('crypto');
await new Promise((resolve) => {
  crypto.pbkdf2('secret', 'salt', 1000, 24, 'sha256', (err, key) => {
    print(err, key.toString('hex'));
    resolve();
  });
});
const util = { promisify: (f) => (...a) => new Promise((res, rej) => f(...a, (e, v) => (e ? rej(e) : res(v)))) };
print((await util.promisify(crypto.pbkdf2)('a', 'b', 3, 8, 'sha1')).toString('hex'));
//# hkdfSync
const crypto = require('crypto');
const ab = crypto.hkdfSync('sha256', 'key', 'salt', 'info', 16);
print(ab instanceof ArrayBuffer, Buffer.from(ab).toString('hex'));
print(Buffer.from(crypto.hkdfSync('sha256', Buffer.from('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b', 'hex'), Buffer.from('000102030405060708090a0b0c', 'hex'), Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'), 42)).toString('hex'));
print(Buffer.from(crypto.hkdfSync('sha512', '', '', '', 64)).length, Buffer.from(crypto.hkdfSync('sha1', crypto.createSecretKey(Buffer.from('k')), 's', 'i', 8)).toString('hex'));
//# hkdf errors and callback
const crypto = require('crypto');
for (const f of [() => crypto.hkdfSync('sha256', 'key', 'salt', 'info', 255 * 32 + 1), () => crypto.hkdfSync('sha257', 'k', 's', 'i', 1),
  () => crypto.hkdfSync('sha256', 'k', 's', 'i'.repeat(1025), 16), () => crypto.hkdfSync('sha256', 'k', 's', 'i', -1), () => crypto.hkdf('sha256', 'k', 's', 'i', 1)]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
await new Promise((resolve) => crypto.hkdf('sha384', 'k', 's', 'i', 10, (err, key) => { print(err, Buffer.from(key).toString('hex')); resolve(); }));
//# createSecretKey
const crypto = require('crypto');
const k = crypto.createSecretKey(Buffer.from('abc'));
print(k.type, k.symmetricKeySize, k.asymmetricKeyType, k.constructor.name, k instanceof crypto.KeyObject, Object.keys(k));
print(k.export(), k.export({ format: 'jwk' }), k.equals(crypto.createSecretKey('abc', 'utf8')), k.equals(crypto.createSecretKey('abd', 'utf8')), crypto.createSecretKey('616263', 'hex').export().toString());
print(crypto.createSecretKey(Buffer.alloc(0)).symmetricKeySize);
for (const f of [() => crypto.createSecretKey(1), () => k.export({ format: 'pem' }), () => k.equals(1), () => new crypto.KeyObject('secret', {})]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# new Cipheriv
const crypto = require('crypto');
const key = Buffer.alloc(16, 1), iv = Buffer.alloc(16, 2);
const c = new crypto.Cipheriv('aes-128-cbc', key, iv);
const d = crypto.Decipheriv('aes-128-cbc', key, iv);
print(c instanceof crypto.Cipheriv, d instanceof crypto.Decipheriv, crypto.Cipheriv.name, crypto.Cipheriv.length);
print(d.update(Buffer.concat([c.update('constructed'), c.final()]), null, 'utf8') + d.final('utf8'));
const s = new crypto.Sign('sha256');
print(s instanceof crypto.Sign, crypto.Verify('sha1') instanceof crypto.Verify, crypto.Sign.name);
//# triple des
const crypto = require('crypto');
const k3 = Buffer.from('0123456789abcdeffedcba987654321089abcdef01234567', 'hex');
const k2 = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
const iv = Buffer.from('1234567890abcdef', 'hex');
for (const [alg, key, v] of [['des-ede3-cbc', k3, iv], ['des3', k3, iv], ['des-ede3', k3, null], ['des-ede3-ecb', k3, null], ['des-ede-cbc', k2, iv], ['des-ede', k2, null], ['DES-EDE-ECB', k2, null]]) {
  const c = crypto.createCipheriv(alg, key, v);
  const ct = c.update('card 4242424242424242', 'utf8', 'hex') + c.final('hex');
  const d = crypto.createDecipheriv(alg, key, v);
  print(alg, ct, d.update(ct, 'hex', 'utf8') + d.final('utf8'));
}
const nopad = crypto.createCipheriv('des-ede3-cbc', k3, iv).setAutoPadding(false);
print(nopad.update(Buffer.alloc(16)).toString('hex'), nopad.final().length);
const p = crypto.createCipheriv('des-ede3-cbc', k3, iv);
print([p.update(Buffer.alloc(3)).length, p.update(Buffer.alloc(9)).length, p.final().length]);
const bad = crypto.createDecipheriv('des-ede3-cbc', k3, iv);
bad.update(Buffer.alloc(8));
try { bad.final(); } catch (e) { print(e, e.message); }
for (const f of [() => crypto.createCipheriv('des-ede3-cbc', k3, Buffer.alloc(16)), () => crypto.createCipheriv('des-ede3-cbc', Buffer.alloc(16), iv),
  () => crypto.createCipheriv('des-ede-cbc', k3, iv), () => crypto.createCipheriv('des-ede3', k3, iv), () => crypto.createCipheriv('des-cbc', Buffer.alloc(8), iv),
  () => crypto.createCipheriv('des-ecb', Buffer.alloc(8), null), () => crypto.createCipheriv('des-cbc', Buffer.alloc(9), iv)]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
print(['des-ede3-cbc', 'des-ede3', 'des-ede-cbc', 'des3'].map((n) => crypto.getCiphers().includes(n)));
