//# URL parts
const u = new URL('https://user:pa%20ss@Example.COM:8080/a/./b/../c%2Fd?x=1&y=2#frag');
print(u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash);
print(String(u), JSON.stringify({ u }), u.toJSON() === u.href, Object.prototype.toString.call(u), typeof URL, URL === require('url').URL);
//# URL parsing table
for (const t of ['http://a/^`{}|x', 'http://a/?^`{}|\'"<>', 'foo://a/^`{}|', 'http://a/#^`{}| "<>', 'http://u^`{}|:p@a/', 'http://EXAMPLE.com./',
  'http://[::1]:80/', 'http://[1:0:0:0:0:0:0:1]/', 'http://[::ffff:192.168.0.1]/', 'http://0x7f.1/', 'http://münchen.de/', 'file:///C:/x/../y',
  'http://a/b/../../c/./d', 'sc:x y', 'blob:https://a.com/x', 'http://%41.com/', 'javascript:alert(1)', 'http://999999999/',
  'HTTP://A.COM:443/', 'https://a.com:443/', 'ws://h:80', 'http://a\\b\\c', '  http://trim.me/\n', 'http://a/\tb\nc', 'http://a?b#c#d',
  'mailto:x@y.z', 'data:text/plain,hi there', 'http://1.2.3.4.5/', 'http://a b/', 'http://[::1/', 'http://a:99999/', 'http:', '//x', 'http://@a/',
  'http://a%zz/', 'non-special://[1:2::3]:4/', 'file://host/p', 'file://localhost/p', 'http://0300.0250.0.1/', 'http://１２７.0.0.1/', 'https://xn--mnchen-3ya.de/', 'http://a.b.c.256/']) {
  try { const u = new URL(t); print(JSON.stringify(t), u.href, u.host, u.pathname, u.origin); } catch (e) { print(JSON.stringify(t), e, e.message, e.input === t); }
}
//# URL with base
const base = 'http://h.com/a/b/c?q#f';
for (const r of ['d', './d', '../d', '../../../../d', '/d', '//other/x', '?y', '#g', '', 'https:x', 'http:x', 'g;x?y#s', '..', '.', 'd/', 'mailto:m']) {
  print(JSON.stringify(r), new URL(r, base).href);
}
print(new URL('x', new URL('file:///a/b')).href, new URL('../x', 'sc://h/a/b').href, new URL('C|/x', 'file:///D:/y').href);
try { new URL('x', 'not a url'); } catch (e) { print(e, e.base); }
try { new URL('x'); } catch (e) { print(e); }
try { new URL(); } catch (e) { print(e, e.message); }
print(URL.canParse('http://x'), URL.canParse('x'), URL.canParse('x', 'http://y'), URL.canParse('x', 'bad'));
//# URL setters
const u = new URL('http://a.com/p?q=1#h');
u.protocol = 'https'; u.username = 'me@x'; u.password = 'p:w'; u.hostname = 'B.org'; u.port = '8443'; u.pathname = '/x y/../z'; u.search = 'a=b c'; u.hash = 'frag ment';
print(u.href, u.searchParams.get('a'));
u.port = ''; u.host = 'c.net:81'; u.search = ''; u.hash = '';
print(u.href, u.search, u.hash);
u.protocol = 'foo'; u.port = 'abc'; u.port = 443; u.protocol = 'http:';
print(u.href, u.port);
u.href = 'ftp://f.org:21/x';
print(u.href, u.port, u.origin);
try { u.href = 'nope'; } catch (e) { print(e); }
const m = new URL('mailto:a@b'); m.pathname = 'c'; m.host = 'x'; m.hash = '#h'; m.search = '?s';
print(m.href, m.host);
const f = new URL('file:///x'); f.host = 'h'; f.username = 'u'; f.port = '1';
print(f.href);
//# URL searchParams linkage
const u = new URL('http://a/?x=1&y=2&x=3');
const sp = u.searchParams;
print(sp.get('x'), sp.getAll('x'), sp.has('y'), sp.has('x', '3'), sp.has('x', '4'), sp.size, sp === u.searchParams);
sp.append('z', 'a b&c'); sp.delete('y'); sp.set('x', '9');
print(u.href, u.search, String(sp));
sp.sort(); print(u.href);
sp.delete('x', '9'); sp.delete('z'); print(u.href, u.search);
u.search = '?k=v'; print(sp.get('k'), [...sp]);
//# URLSearchParams
const p = new URLSearchParams('?a=1&b=2+3&c=%20%zz&&d&=e&a=4');
print(String(p), [...p], [...p.keys()], [...p.values()], p.size);
print(String(new URLSearchParams({ x: 1, y: [1, 2], z: undefined })), String(new URLSearchParams([['a', 'b'], ['c', 'd']])), String(new URLSearchParams(new Map([['m', 'n']]))));
print(String(new URLSearchParams(p)), String(new URLSearchParams('é=ü&~!*()\'=x')), String(new URLSearchParams({ 'a b': 'c+d' })), String(new URLSearchParams()));
const out = []; p.forEach(function (v, k, self) { out.push(k + '=' + v + (self === p) + (this === out)); }, out); print(out);
const s = new URLSearchParams('b=2&a=1&b=1&a=0&c=3'); s.sort(); print(String(s), s.get('zz'), s.getAll('zz'));
const it = p.entries(); print(it.next(), Object.prototype.toString.call(it), typeof it[Symbol.iterator]);
try { new URLSearchParams([['a']]); } catch (e) { print(e, e.message); }
try { new URLSearchParams([1]); } catch (e) { print(e, e.message); }
try { p.get(); } catch (e) { print(e, e.message); }
try { p.append('a'); } catch (e) { print(e, e.message); }
try { p.forEach(1); } catch (e) { print(e, e.message); }
try { URLSearchParams.prototype.get.call({}, 'a'); } catch (e) { print(e); }
//# inspect URL and URLSearchParams
const util = require('util');
print(util.inspect(new URLSearchParams('a=1&b=2')), util.inspect(new URLSearchParams()), util.inspect(new URL('https://u:p@h.com:8/p?q=1#f')));
//# domainToASCII and domainToUnicode
const url = require('url');
print(url.domainToASCII('español.com'), url.domainToASCII('xn--iñvalid.com'), url.domainToASCII('EXAMPLE.org'), url.domainToASCII('faß.de'), url.domainToASCII('a..b'), url.domainToASCII('xn--zca.de'));
print(url.domainToUnicode('xn--espaol-zwa.com'), url.domainToUnicode('xn--iñvalid.com'), url.domainToUnicode('example.org'), url.domainToASCII('München.DE'), url.domainToASCII('１２７.0.0.1'), url.domainToASCII('日本語。ＪＰ'));
//# fileURLToPath pathToFileURL
const url = require('node:url');
print(url.fileURLToPath('file:///a/b%20c/%E2%82%AC'), url.fileURLToPath(new URL('file:///x/y')), url.fileURLToPath('file://localhost/etc'));
print(url.pathToFileURL('/a b/c#d?e%f').href, url.pathToFileURL('/x/').href, url.pathToFileURL('/tab\there').href);
for (const bad of ['http://x/y', 'file://host/x', 'file:///a%2Fb', 'file:///a%2fb', 5]) {
  try { url.fileURLToPath(bad); } catch (e) { print(e, e.message); }
}
print(url.urlToHttpOptions(new URL('https://a:b@[::1]:8080/p?q=1#h')));
//# legacy parse
const url = require('url');
const keys = (o) => ['protocol', 'slashes', 'auth', 'host', 'port', 'hostname', 'hash', 'search', 'query', 'pathname', 'path', 'href'].map((k) => o[k]);
for (const t of ['http://user:pass@host.com:8080/p/a/t/h?query=string#hash', '/just/a/path?x=1', 'HTTP://EXAMPLE.com', '//foo/bar', 'mailto:a@b.c',
  'javascript:alert("x y")', 'http://a.com/spaces in path', 'http://[::1]:3000/x', 'http://a\\b\\c?d\\e', 'foo', '  http://trim.com  ', 'http://a.com:/x',
  'x://y/z', 'http://ex.com/a#b?c', 'http://müller.de/', 'http://a@b@c/', 'file:///etc/passwd', '?q=1', '#h', 'http://x.com/<>"\'{}|^`']) {
  print(JSON.stringify(t), keys(url.parse(t)));
}
//# legacy parse query and slashes
const url = require('url');
const a = url.parse('http://h/p?a=1&b=2&a=3', true);
print(a.query, a.search, url.parse('http://h/p', true).query, url.parse('/p?x=y', true).query);
print(url.parse('//foo/bar', false, true).host, url.parse('//foo/bar').host, url.parse('http://h') instanceof url.Url, url.parse(url.parse('http://x')).href);
try { url.parse(5); } catch (e) { print(e, e.message); }
try { url.parse('http://a%20b.com/'); print('parsed'); } catch (e) { print(e); }
//# legacy format
const url = require('url');
print(url.format({ protocol: 'https', hostname: 'ex.com', port: 8080, pathname: '/a b#c?d', query: { x: 1, y: ['a', 'b'] }, hash: 'h' }));
print(url.format({ protocol: 'http:', host: 'h.com', auth: 'u:p@x', search: 'q=1' }), url.format({ protocol: 'mailto', pathname: 'a@b' }), url.format({ protocol: 'file', pathname: '/x' }));
print(url.format({ hostname: '::1', port: 80 }), url.format('HTTP://A.com/x'), url.format({ protocol: 'http', slashes: true, host: 'x', pathname: 'rel' }), url.format({}));
const u = new URL('https://us:pw@xn--mnchen-3ya.de/p?q=1#f');
print(url.format(u), url.format(u, { fragment: false, search: false, auth: false }), url.format(u, { unicode: true }));
try { url.format(5); } catch (e) { print(e, e.message); }
//# legacy resolve
const url = require('url');
for (const [a, b] of [['/one/two/three', 'four'], ['http://example.com/', '/one'], ['http://example.com/one', '/two'], ['http://a/b/c/d;p?q', 'g?y'],
  ['http://a/b/c/d;p?q', '../../../g'], ['http://a/b/c/d;p?q', '//g'], ['http://a/b/c/d;p?q', '#s'], ['http://a/b/c/d;p?q', ''], ['mailto:a@b', 'c@d'],
  ['http://a/b', 'https://c/d'], ['http://a/b', 'ftp:rel'], ['http://a/b/', '.'], ['http://a/b', '..'], ['a/b', '../../c'], ['http://u:p@a/b', '//x/y'], ['http://a/b', 'x:y']]) {
  print(a, '+', b, '=', url.resolve(a, b));
}
print(url.resolveObject('http://a/b', 'c').href, url.resolveObject('', 'x'));
//# astral characters and lone surrogates
const u = new URL('http://a/😀/\ud800?q=😀\udc00#😀');
print(u.href, u.pathname, u.search, u.hash, u.searchParams.get('q'));
const p = new URLSearchParams({ '😀': '\ud83d' });
print(String(p), [...p], new URL('http://😀.com/').host, require('util').toUSVString('a😀\ud800b\udc00'));
