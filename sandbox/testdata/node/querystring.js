//# parse basics
const qs = require('querystring');
print(qs.parse('a=1&b=2&a=3&c'), qs.parse(''), qs.parse('a=%20b+c&d=%E2%82%AC'));
print(qs.parse('&&a=&=x&=&b'), qs.parse('foo'), qs.parse('__proto__=1&constructor=2'));
//# parse sep eq maxKeys
const qs = require('node:querystring');
print(qs.parse('a:1;b:2;c:3', ';', ':'), qs.parse('a==1&&b==2', '&&', '=='));
print(qs.parse('a=1&b=2&c=3', null, null, { maxKeys: 2 }), qs.parse('a=1&b=2&c=3', null, null, { maxKeys: 0 }));
print(Object.keys(qs.parse(Array.from({ length: 1200 }, (_, i) => 'k' + i + '=1').join('&'))).length);
//# parse decode option and malformed
const qs = require('querystring');
print(qs.parse('a=%zz&b=%E2%82&c=%41%', null, null), qs.parse('a=b%20c+d', null, null, { decodeURIComponent: (s) => s.toUpperCase() }));
print(qs.parse('a=x', null, null, { decodeURIComponent: () => { throw new Error('x'); } }));
print(qs.parse(123), qs.parse(null), qs.parse('a+b=c+d'));
//# stringify
const qs = require('querystring');
print(qs.stringify({ a: 1, b: [1, 2], c: '', d: null, e: undefined, f: true, g: 1n, h: NaN, i: 'é €', j: [], k: {} }));
print(qs.stringify({ a: 'b c' }, ';', ':'), qs.stringify('x'), qs.stringify(null), qs.stringify({ n: 1e21, m: -0 }));
print(qs.stringify({ a: 'b c' }, null, null, { encodeURIComponent: (s) => '<' + s + '>' }), qs.stringify({ "!'()*~-._": "a&b=c" }));
//# escape unescape
const qs = require('querystring');
print(qs.escape('a b&c/d?é😀'), qs.escape(12), qs.escape({ toString() { return 'x y'; } }), qs.escape([1, 2]));
try { qs.escape('\ud800'); } catch (e) { print(e, e.message); }
print(qs.escape('\udc00x'), qs.unescape('a%20b+c'), qs.unescape('%E2%82%AC%zz', true), qs.unescape('a+b%', true));
print(qs.unescapeBuffer('%41%42+%'), qs.unescapeBuffer('a+b', true).toString(), qs.decode === qs.parse, qs.encode === qs.stringify);
//# overridden escape and unescape are used
const qs = require('querystring');
const { escape, unescape } = qs;
qs.escape = (s) => 'E(' + s + ')';
qs.unescape = (s) => 'U(' + s + ')';
print(qs.stringify({ a: 'b' }), qs.parse('a=b%41'));
qs.escape = escape; // node shares the module between snippets
qs.unescape = unescape;
//# parse edge cases
const qs = require('querystring');
for (const s of ['a+b=c+d&+=+', '%zz=%41&%%41=1', 'a=%E2%82%AC%2', 'k=1&&&&k=2&', '&=&==&a==b', 'é=ü&é=%C3%BC', 'a=%2B%20+', '=', '&', '+', '%', 'a%3Db=c%26d', 'x=1&x=2&x=3', 'a=1&b', 'a=%4+1é', 'a%4+1é=x', 'v=%+41é']) {
  print(JSON.stringify(s), qs.parse(s));
}
print(qs.parse('a&&b&c&d', null, null, { maxKeys: 2 }), qs.parse('&&&a=1&b=2', null, null, { maxKeys: 3 }), qs.parse('a=1&b=2', '&', '=', { maxKeys: -1 }));
print(qs.parse('a=1;b=2', ';'), qs.parse('a:1&b:2', '&', ':'), qs.parse('a=%41', '&', '=', { decodeURIComponent: decodeURIComponent }));
