//# globals
const crypto = require('crypto');
print(typeof globalThis.crypto, globalThis.crypto === crypto.webcrypto, crypto.subtle === crypto.webcrypto.subtle, Object.prototype.toString.call(crypto.webcrypto), Object.prototype.toString.call(crypto.subtle));
print(crypto.webcrypto.constructor.name, crypto.subtle.constructor.name, typeof crypto.subtle.digest, typeof crypto.subtle.importKey, typeof crypto.getRandomValues);
for (const f of [() => new crypto.webcrypto.constructor(), () => new crypto.subtle.constructor()]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# getRandomValues and randomUUID
const c = globalThis.crypto;
const a = new Uint8Array(16);
print(c.getRandomValues(a) === a, a.length, c.getRandomValues(new Uint32Array(4)).length, c.getRandomValues(new BigInt64Array(2)).length, require('crypto').getRandomValues(new Uint16Array(3)).length);
print(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(c.randomUUID()));
for (const f of [() => c.getRandomValues(new Uint8Array(65537)), () => c.getRandomValues(new Float32Array(4)), () => c.getRandomValues(), () => c.getRandomValues([1, 2])]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message, e instanceof Error); }
}
print(c.getRandomValues(new Uint8Array(65536)).length);
//# digest
const { subtle } = globalThis.crypto;
for (const alg of ['SHA-1', 'SHA-256', 'sha-384', { name: 'SHA-512' }]) {
  const d = await subtle.digest(alg, Buffer.from('abc'));
  print(d instanceof ArrayBuffer, Buffer.from(d).toString('hex'));
}
print(Buffer.from(await subtle.digest('SHA-256', new Uint8Array([97, 98, 99]).buffer)).toString('base64'), Buffer.from(await subtle.digest('SHA-1', new DataView(new ArrayBuffer(2)))).toString('hex'));
const p = subtle.digest('SHA-256', 'abc');
print(p instanceof Promise);
for (const f of [() => p, () => subtle.digest('MD5', Buffer.from('x')), () => subtle.digest('HMAC', Buffer.from('x')), () => subtle.digest('SHA-256'), () => subtle.digest({}, Buffer.from('x'))]) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# hmac
const { subtle } = globalThis.crypto;
const key = await subtle.importKey('raw', Buffer.from('secret key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
print(key.type, key.extractable, key.algorithm, key.usages, Object.prototype.toString.call(key), key.constructor.name);
const sig = await subtle.sign('HMAC', key, Buffer.from('message'));
print(sig instanceof ArrayBuffer, Buffer.from(sig).toString('hex'));
print(await subtle.verify('HMAC', key, sig, Buffer.from('message')), await subtle.verify({ name: 'hmac' }, key, new Uint8Array(32), Buffer.from('message')), await subtle.verify('HMAC', key, new Uint8Array(3), Buffer.from('message')));
print(Buffer.from(await subtle.exportKey('raw', key)).toString(), await subtle.exportKey('jwk', key));
const k512 = await subtle.importKey('jwk', { kty: 'oct', k: 'c2VjcmV0', alg: 'HS512' }, { name: 'HMAC', hash: { name: 'SHA-512' } }, false, ['verify', 'sign']);
print(k512.algorithm, k512.usages, k512.extractable, Buffer.from(await subtle.sign('HMAC', k512, Buffer.from('x'))).toString('base64'));
const k1 = await subtle.importKey('raw', Buffer.from('ab'), { name: 'HMAC', hash: 'SHA-1', length: 16 }, true, ['sign', 'sign']);
print(k1.algorithm, k1.usages);
try { await subtle.importKey('raw', Buffer.from('ab'), { name: 'HMAC', hash: 'SHA-1', length: 12 }, true, ['sign']); } catch (e) { print(e); }
//# hmac errors
const { subtle } = globalThis.crypto;
const ro = await subtle.importKey('raw', Buffer.from('key'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const aes = await subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['encrypt']);
const cases = [
  () => subtle.importKey('raw', Buffer.from('key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['encrypt']),
  () => subtle.importKey('raw', Buffer.from('key'), { name: 'HMAC', hash: 'SHA-256' }, true, []),
  () => subtle.importKey('raw', Buffer.from('key'), { name: 'FOO' }, true, ['sign']),
  () => subtle.importKey('xxx', Buffer.from('key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']),
  () => subtle.importKey('raw', 'str', { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']),
  () => subtle.importKey('raw', Buffer.from('key'), { name: 'HMAC', hash: 'SHA-256' }, true),
  () => subtle.importKey('jwk', { kty: 'RSA', k: 'a2V5' }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']),
  () => subtle.importKey('jwk', { kty: 'oct', k: 'a2V5', alg: 'HS1' }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']),
  () => subtle.sign('HMAC', ro, Buffer.from('data')),
  () => subtle.exportKey('raw', ro),
  () => subtle.sign('HMAC', aes, Buffer.from('data')),
  () => subtle.sign('HMAC', {}, Buffer.from('data')),
  () => subtle.exportKey('pkcs8', aes),
];
for (const f of cases) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# aes-gcm
const { subtle } = globalThis.crypto;
const key = await subtle.importKey('raw', Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'), 'AES-GCM', true, ['encrypt', 'decrypt']);
print(key.algorithm, key.usages, key.type);
const iv = Buffer.from('cafebabefacedbaddecaf888', 'hex');
const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, key, Buffer.from('hello webcrypto'));
print(ct instanceof ArrayBuffer, Buffer.from(ct).toString('hex'));
print(Buffer.from(await subtle.decrypt({ name: 'AES-GCM', iv }, key, ct)).toString());
const ct2 = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: Buffer.from('aad'), tagLength: 96 }, key, Buffer.from('with aad'));
print(Buffer.from(ct2).toString('hex'), Buffer.from(await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: Buffer.from('aad'), tagLength: 96 }, key, ct2)).toString());
const k256 = await subtle.importKey('raw', new Uint8Array(32).fill(7), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
print(k256.algorithm, Buffer.from(await subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(16) }, k256, new Uint8Array(0))).toString('hex'));
const bad = new Uint8Array(ct); bad[0] ^= 1;
const cases = [
  () => subtle.decrypt({ name: 'AES-GCM', iv }, key, bad),
  () => subtle.decrypt({ name: 'AES-GCM', iv, additionalData: Buffer.from('x') }, key, ct),
  () => subtle.decrypt({ name: 'AES-GCM', iv }, key, new Uint8Array(5)),
  () => subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 100 }, key, Buffer.from('x')),
  () => subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, key, Buffer.from('x')),
  () => subtle.importKey('raw', new Uint8Array(15), 'AES-GCM', true, ['encrypt']),
  () => subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['sign']),
];
for (const f of cases) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# aes-cbc
const { subtle } = globalThis.crypto;
const key = await subtle.importKey('raw', Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex'), 'AES-CBC', true, ['encrypt', 'decrypt']);
const iv = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const ct = await subtle.encrypt({ name: 'AES-CBC', iv }, key, Buffer.from('sixteen byte msg and more'));
print(Buffer.from(ct).toString('hex'));
print(Buffer.from(await subtle.decrypt({ name: 'AES-CBC', iv }, key, ct)).toString());
print(await subtle.exportKey('jwk', key));
const k2 = await subtle.importKey('jwk', { kty: 'oct', k: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYX', alg: 'A192CBC' }, 'AES-CBC', true, ['decrypt']);
print(k2.algorithm, k2.usages);
for (const f of [() => subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(15) }, key, Buffer.from('x')), () => subtle.decrypt({ name: 'AES-CBC', iv }, key, new Uint8Array(16)),
  () => subtle.decrypt({ name: 'AES-CBC', iv }, key, new Uint8Array(15)), () => subtle.encrypt({ name: 'AES-CBC', iv }, k2, Buffer.from('x'))]) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# ecdsa
const crypto = require('crypto');
const { subtle } = crypto.webcrypto;
const pkcs8 = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRZwPrvC7KEAWFLgM\ndV5a/OvYHF/BR2bHjo3DE/hC31ChRANCAAQnCGUNcOBcUv7t3ZEzePo3YOdZyDyz\n3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLOKJ4ZE8AJ/4g56CHB\n-----END PRIVATE KEY-----\n").export({ type: 'pkcs8', format: 'der' });
const spki = crypto.createPublicKey("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJwhlDXDgXFL+7d2RM3j6N2DnWcg8\ns91RAJQU1Wi9v2hlh8ZWBSSPUmenPAL0x2KD+YTyziieGRPACf+IOeghwQ==\n-----END PUBLIC KEY-----\n").export({ type: 'spki', format: 'der' });
const priv = await subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
const pub = await subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
print(priv.type, priv.algorithm, priv.usages, pub.type, pub.algorithm, pub.usages);
const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, Buffer.from('ec data'));
print(sig.byteLength, await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, sig, Buffer.from('ec data')), await subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, pub, sig, Buffer.from('ec data')));
const nodeSig = Buffer.from('7aef54b46b3bd9ccdd55f130eaf1cc3f525d85a727debb049b1f73be535a4e33960dbf61b0d1da090dd9cee9d7fc38c7f603df5fcfc62700a1090a86b5504774', 'hex');
print(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, nodeSig, Buffer.from('hello')));
const raw = await subtle.exportKey('raw', pub);
print(Buffer.from(raw).toString('hex'));
const pub2 = await subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
print(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub2, nodeSig, Buffer.from('hello')), await subtle.exportKey('jwk', pub));
print(Buffer.from(await subtle.exportKey('spki', pub)).equals(spki), Buffer.from(await subtle.exportKey('pkcs8', priv)).equals(pkcs8), Object.keys(await subtle.exportKey('jwk', priv)));
for (const f of [() => subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-384' }, true, ['verify']), () => subtle.importKey('raw', new Uint8Array(65), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']),
  () => subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']), () => subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, true, []),
  () => subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pub, Buffer.from('x')), () => subtle.exportKey('raw', priv), () => subtle.importKey('spki', Buffer.from('bad'), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])]) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# rsassa-pkcs1-v1_5 and rsa-pss
const crypto = require('crypto');
const { subtle } = crypto.webcrypto;
const pkcs8 = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n").export({ type: 'pkcs8', format: 'der' });
const priv = await subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
print(priv.algorithm, priv.usages);
const sig = await subtle.sign('RSASSA-PKCS1-v1_5', priv, Buffer.from('rsa data'));
print(Buffer.from(sig).toString('base64'));
const pub = await subtle.importKey('jwk', crypto.createPublicKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n").export({ format: 'jwk' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
print(await subtle.verify('RSASSA-PKCS1-v1_5', pub, sig, Buffer.from('rsa data')), await subtle.verify('RSASSA-PKCS1-v1_5', pub, sig, Buffer.from('rsa datA')));
const jwk = await subtle.exportKey('jwk', pub);
print(jwk.alg, jwk.kty, jwk.e, jwk.key_ops, jwk.ext);
const pss = await subtle.importKey('pkcs8', pkcs8, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
const pssPub = await subtle.importKey('spki', crypto.createPublicKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n").export({ type: 'spki', format: 'der' }), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
const ps = await subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pss, Buffer.from('pss'));
print(ps.byteLength, await subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, ps, Buffer.from('pss')), await subtle.verify({ name: 'RSA-PSS', saltLength: 20 }, pssPub, ps, Buffer.from('pss')));
const nodeSig = Buffer.from('R6eMwdJLjHGHP8FGFyCl7JZHNz+XapqFEPPB9aRM+lh4SfDmjJ1+fUwPrRdBTWV3ANvvHZruU8boURbtTUR0dqHyx6P/fhgLHGeJK9wPMdPfsUvoH3l2ZdpcG19ojf5XDFpEiaeHuSMe9KSKvybLn0UxIEJPUqHk+JpRn3+DYo4=', 'base64');
print(await subtle.verify({ name: 'RSA-PSS', saltLength: 94 }, pssPub, nodeSig, Buffer.from('hello')));
for (const f of [() => subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5' }, true, ['sign']), () => subtle.sign('RSA-PSS', pss, Buffer.from('x')),
  () => subtle.sign('RSASSA-PKCS1-v1_5', pss, Buffer.from('x')), () => subtle.importKey('raw', pkcs8, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign'])]) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# rsa-oaep
const crypto = require('crypto');
const { subtle } = crypto.webcrypto;
const pkcs8 = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n").export({ type: 'pkcs8', format: 'der' });
const priv = await subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
const ct = Buffer.from('kuaBGlgDY27bi2VLu/x9qBVIjoyQRxXO/ZzJ0Jm3I1BJwvfUDDGZoTv6YZ8vwraZB38twnhlMGPkf9aQ5Y+YxrQ5dfRYP/RS1iyCPOcqM9TbIbxWCqwK1wCegZ3PITAB0F16g6jmOfqN/55/QG0aajXbqavok/fF/iwbDRoqVus=', 'base64');
print(Buffer.from(await subtle.decrypt({ name: 'RSA-OAEP', label: Buffer.from('label') }, priv, ct)).toString());
const pub = await subtle.importKey('spki', crypto.createPublicKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n").export({ type: 'spki', format: 'der' }), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
const c2 = await subtle.encrypt('RSA-OAEP', pub, Buffer.from('round trip'));
print(c2.byteLength, Buffer.from(await subtle.decrypt('RSA-OAEP', priv, c2)).toString(), (await subtle.exportKey('jwk', pub)).alg);
try { await subtle.decrypt('RSA-OAEP', priv, new Uint8Array(128)); } catch (e) { print(e, e.message); }
//# ed25519
const crypto = require('crypto');
const { subtle } = crypto.webcrypto;
const pkcs8 = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEII0AoEMRjWLXmEZyolVxhagk/arqVEFdKS9/GfTBw/Bp\n-----END PRIVATE KEY-----\n").export({ type: 'pkcs8', format: 'der' });
const priv = await subtle.importKey('pkcs8', pkcs8, 'Ed25519', true, ['sign']);
print(priv.algorithm, priv.usages, priv.type);
const sig = await subtle.sign('Ed25519', priv, Buffer.from('ed25519 message'));
print(Buffer.from(sig).toString('hex'));
const raw = crypto.createPublicKey("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAK3ANnN/PP7YySSUDJFOF3fRi+zBsOxMShhGGqpmFYpI=\n-----END PUBLIC KEY-----\n").export({ type: 'spki', format: 'der' }).subarray(12);
const pub = await subtle.importKey('raw', raw, { name: 'Ed25519' }, true, ['verify']);
print(await subtle.verify('Ed25519', pub, sig, Buffer.from('ed25519 message')), Buffer.from(await subtle.exportKey('raw', pub)).equals(raw), await subtle.exportKey('jwk', pub));
//# generateKey
const { subtle } = globalThis.crypto;
const h = await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
print(h.type, h.algorithm, h.usages, (await subtle.exportKey('raw', h)).byteLength);
const a = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
print(a.algorithm, a.extractable);
const iv = new Uint8Array(12);
print(Buffer.from(await subtle.decrypt({ name: 'AES-GCM', iv }, a, await subtle.encrypt({ name: 'AES-GCM', iv }, a, Buffer.from('gen')))).toString());
const ec = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify']);
print(ec.publicKey.type, ec.publicKey.algorithm, ec.publicKey.usages, ec.publicKey.extractable, ec.privateKey.usages, ec.privateKey.extractable);
const s = await subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, ec.privateKey, Buffer.from('m'));
print(s.byteLength, await subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, ec.publicKey, s, Buffer.from('m')));
const ed = await subtle.generateKey('Ed25519', true, ['sign', 'verify']);
print(ed.privateKey.algorithm, await subtle.verify('Ed25519', ed.publicKey, await subtle.sign('Ed25519', ed.privateKey, Buffer.from('e')), Buffer.from('e')));
for (const f of [() => subtle.generateKey({ name: 'AES-GCM', length: 100 }, true, ['encrypt']), () => subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['encrypt']),
  () => subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])]) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# pbkdf2 and hkdf
const { subtle } = globalThis.crypto;
const pk = await subtle.importKey('raw', Buffer.from('password'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
const hk = await subtle.importKey('raw', Buffer.from('ikm'), { name: 'HKDF' }, false, ['deriveBits', 'deriveKey']);
print(pk.algorithm, pk.usages, pk.type, pk.extractable, hk.algorithm);
print(Buffer.from(await subtle.deriveBits({ name: 'PBKDF2', salt: Buffer.from('salt'), iterations: 1000, hash: 'SHA-256' }, pk, 256)).toString('hex'));
print(Buffer.from(await subtle.deriveBits({ name: 'HKDF', salt: Buffer.from('salt'), info: Buffer.from('info'), hash: 'SHA-256' }, hk, 128)).toString('hex'));
print((await subtle.deriveBits({ name: 'HKDF', salt: Buffer.alloc(0), info: Buffer.alloc(0), hash: 'SHA-1' }, hk, 0)).byteLength);
const aes = await subtle.deriveKey({ name: 'PBKDF2', salt: Buffer.from('salt'), iterations: 10, hash: 'SHA-256' }, pk, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
print(aes.algorithm, aes.usages, Buffer.from(await subtle.exportKey('raw', aes)).toString('hex'));
const mac = await subtle.deriveKey({ name: 'HKDF', salt: Buffer.alloc(0), info: Buffer.alloc(0), hash: 'SHA-256' }, hk, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
print(mac.algorithm, Buffer.from(await subtle.exportKey('raw', mac)).toString('hex'));
//# pbkdf2 and hkdf errors
const { subtle } = globalThis.crypto;
const pk = await subtle.importKey('raw', Buffer.from('password'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
const hk = await subtle.importKey('raw', Buffer.from('ikm'), 'HKDF', false, ['deriveBits', 'deriveKey']);
const onlyBits = await subtle.importKey('raw', Buffer.from('p'), 'PBKDF2', false, ['deriveBits']);
const onlyKey = await subtle.importKey('raw', Buffer.from('p'), 'PBKDF2', false, ['deriveKey']);
const p2 = { name: 'PBKDF2', salt: Buffer.from('salt'), iterations: 10, hash: 'SHA-256' };
const cases = [
  () => subtle.importKey('raw', Buffer.from('password'), 'PBKDF2', true, ['deriveBits']),
  () => subtle.importKey('raw', Buffer.from('password'), 'HKDF', true, ['deriveBits']),
  () => subtle.importKey('raw', Buffer.from('password'), 'PBKDF2', false, ['sign']),
  () => subtle.importKey('jwk', { kty: 'oct', k: 'AA' }, 'PBKDF2', false, ['deriveBits']),
  () => subtle.deriveBits(p2, pk, 7),
  () => subtle.deriveBits(Object.assign({}, p2, { iterations: 0 }), pk, 8),
  () => subtle.deriveBits(p2, pk, null),
  () => subtle.deriveBits(p2, pk),
  () => subtle.deriveBits({ name: 'PBKDF2', iterations: 1, hash: 'SHA-256' }, pk, 8),
  () => subtle.deriveBits({ name: 'HKDF', salt: Buffer.from('salt'), info: Buffer.from('info'), hash: 'SHA-256' }, hk, 255 * 256 + 8),
  () => subtle.deriveKey(p2, onlyBits, { name: 'AES-GCM', length: 256 }, true, ['encrypt']),
  () => subtle.deriveBits(p2, onlyKey, 8),
  () => subtle.deriveBits({ name: 'HKDF', salt: Buffer.from('salt'), info: Buffer.alloc(0), hash: 'SHA-256' }, pk, 8),
  () => subtle.deriveKey({ name: 'HKDF', salt: Buffer.alloc(0), info: Buffer.alloc(0), hash: 'SHA-256' }, hk, { name: 'HMAC', hash: 'SHA-512', length: 100 }, true, ['sign']),
  () => subtle.exportKey('raw', pk),
];
for (const f of cases) {
  try { await f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# aes-ctr
const { subtle } = globalThis.crypto;
const k = await subtle.importKey('raw', new Uint8Array(16).fill(3), 'AES-CTR', true, ['encrypt', 'decrypt']);
print(k.algorithm, await subtle.exportKey('jwk', k));
const ctr = Buffer.from('000102030405060708090a0b0cfffffe', 'hex');
for (const length of [128, 64, 8, 2]) {
  const ct = await subtle.encrypt({ name: 'AES-CTR', counter: ctr, length }, k, new Uint8Array(64).fill(length));
  print(length, Buffer.from(ct).toString('hex'), Buffer.from(await subtle.decrypt({ name: 'AES-CTR', counter: ctr, length }, k, ct)).every((b) => b === length));
}
const k256 = await subtle.generateKey({ name: 'AES-CTR', length: 256 }, false, ['encrypt']);
print(k256.algorithm, (await subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 32 }, k256, new Uint8Array(5))).byteLength);
for (const [counter, length, n] of [[ctr, 1, 40], [ctr, 0, 4], [ctr, 129, 4], [new Uint8Array(15), 64, 4], [ctr, undefined, 4]]) {
  try { await subtle.encrypt({ name: 'AES-CTR', counter, length }, k, new Uint8Array(n)); print('ok'); } catch (e) { print(e, e.message); }
}
