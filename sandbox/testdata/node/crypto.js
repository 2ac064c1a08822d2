//# createHash
const crypto = require('crypto');
print(crypto.createHash('sha256').update('abc').digest('hex'));
print(crypto.createHash('md5').update('abc').digest('base64'));
print(crypto.createHash('sha512').update(Buffer.from('')).digest().length);
//# createHmac
const crypto = require('crypto');
print(crypto.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex'));
//# timingSafeEqual
const crypto = require('crypto');
print(crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('a')), crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('b')));
//# digest twice
const crypto = require('crypto');
const h = crypto.createHash('sha1');
h.digest();
try { h.digest(); } catch (e) { print(e, e.message); }
