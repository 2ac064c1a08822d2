//# STATUS_CODES and METHODS
const http = require('http');
print(http.METHODS.length, http.METHODS.join(','));
print(Object.keys(http.STATUS_CODES).length, http.STATUS_CODES[200], http.STATUS_CODES[404], http.STATUS_CODES[418], http.STATUS_CODES[999]);
print(Object.keys(http.STATUS_CODES).join(','));
print(require('https').STATUS_CODES, require('https').METHODS);
//# module shape
const http = require('http');
const https = require('https');
print(['request', 'get', 'Agent', 'ClientRequest', 'IncomingMessage', 'OutgoingMessage', 'validateHeaderName', 'validateHeaderValue'].map((k) => typeof http[k]));
print(['request', 'get', 'Agent'].map((k) => typeof https[k]), require('node:http') === http, require('node:https') === https, http.maxHeaderSize);
print(http.globalAgent instanceof http.Agent, https.globalAgent instanceof https.Agent, https.globalAgent instanceof http.Agent, new https.Agent() instanceof http.Agent);
print(http.globalAgent.defaultPort, http.globalAgent.protocol, https.globalAgent.defaultPort, https.globalAgent.protocol, http.globalAgent.keepAlive);
//# Agent
const http = require('http');
const EventEmitter = require('events');
const a = new http.Agent({ keepAlive: true, maxSockets: 5 });
print(a instanceof EventEmitter, a.keepAlive, a.maxSockets, a.maxFreeSockets, a.keepAliveMsecs, a.scheduling, a.maxTotalSockets, a.totalSocketCount, http.Agent.defaultMaxSockets);
print(Object.keys(a).sort());
print(a.getName({ host: 'h', port: 8 }), a.getName({}), typeof a.addRequest, typeof a.destroy);
//# request argument validation
const http = require('http');
const https = require('https');
const tries = [
  () => http.request({ hostname: 5 }), () => http.request({ host: {} }), () => http.request({ method: 5 }), () => http.request({ method: 'G T' }),
  () => http.request('nope'), () => http.request(''), () => https.request('http://x/'), () => http.request('https://x/'),
  () => http.request({ agent: 5 }), () => http.request({ path: '/a b' }), () => http.request({ timeout: 'x' }), () => http.request({ timeout: -1 }),
  () => http.request({ headers: { 'a b': 1 } }), () => http.request({ headers: { a: undefined } }), () => http.request({ headers: { a: 'x\n' } }),
  () => http.request('ftp://x/'), () => http.request({ protocol: 'ftp:' }), () => https.request({ protocol: 'http:' }), () => http.get({ protocol: 'https:' }),
];
for (const f of tries) {
  try { const r = f(); print('ok', r.method, r.path); } catch (e) { print(e, e.message); }
}
//# client request shape
const http = require('http');
const req = http.request({ hostname: '127.0.0.1', port: 9, path: '/p?q=1', method: 'post', headers: { 'X-One': '1', 'x-list': ['a', 'b'] } });
req.on('error', () => {});
print(req.method, req.path, req.host, req.protocol, req.headersSent, req.writableEnded, req.aborted, req.destroyed, req.reusedSocket, req.res);
print(req.getHeader('host'), req.getHeader('X-ONE'), req.getHeader('x-list'), req.getHeader('missing'), req.hasHeader('x-one'), req.hasHeader('nope'));
print(req.getHeaderNames(), req.getRawHeaderNames(), req.getHeaders());
req.setHeader('Content-Type', 'text/plain');
req.removeHeader('x-one');
print(req.getHeaderNames(), req.setHeader('a', 'b') === req);
try { req.getHeader(5); } catch (e) { print(e, e.message); }
req.destroy();
print(req.destroyed);
//# request from URL string
const http = require('http');
const req = http.request('http://user:p%40ss@127.0.0.1:8080/a/b?x=1#frag', { method: 'PUT' });
req.on('error', () => {});
print(req.method, req.path, req.host, req.getHeader('host'), req.getHeader('authorization'), Buffer.from(req.getHeader('authorization').slice(6), 'base64').toString());
req.destroy();
const r2 = http.request('http://127.0.0.1/', { path: '/over' });
r2.on('error', () => {});
print(r2.path, r2.getHeader('host'));
r2.destroy();
const r3 = http.request('http://LOCALHOST:80/x');
r3.on('error', () => {});
print(r3.host, r3.getHeader('host'), r3.path);
r3.destroy();
//# request options with callback and defaults
const http = require('http');
const cb = () => {};
const r = http.request({ host: '127.0.0.1', port: 9 }, cb);
r.on('error', () => {});
print(r.method, r.path, r.listenerCount('response'), r.getHeader('host'));
r.destroy();
const r2 = http.request({ port: 9 });
r2.on('error', () => {});
print(r2.host, r2.getHeader('host'));
r2.destroy();
const r3 = http.request({ host: '127.0.0.1', port: 9, setHost: false, auth: 'a:b' });
r3.on('error', () => {});
print(r3.getHeader('host'), r3.getHeader('authorization'));
r3.destroy();
//# destroy and abort before sending
const http = require('http');
const log = [];
const r = http.request({ host: '127.0.0.1', port: 9 });
for (const ev of ['error', 'close', 'abort', 'finish']) r.on(ev, (e) => log.push('r ' + ev + (e ? ' ' + e.code + ' ' + e.message : '')));
r.destroy();
const a = http.request({ host: '127.0.0.1', port: 9 });
for (const ev of ['error', 'close', 'abort']) a.on(ev, (e) => log.push('a ' + ev + (e ? ' ' + e.code : '')));
a.abort();
print(a.aborted, a.destroyed);
const d = http.request({ host: '127.0.0.1', port: 9 });
for (const ev of ['error', 'close']) d.on(ev, (e) => log.push('d ' + ev + (e ? ' ' + e.message : '')));
d.destroy(new Error('mine'));
await new Promise((res) => setTimeout(res, 10));
print(log);
//# headers validation on the request
const http = require('http');
const r = http.request({ host: '127.0.0.1', port: 9 });
r.on('error', () => {});
for (const f of [() => r.setHeader('a b', 'x'), () => r.setHeader('a', undefined), () => r.setHeader('a', 'x\r\n'), () => r.setHeader('', 'x'), () => r.removeHeader(1), () => r.hasHeader(null)]) {
  try { f(); } catch (e) { print(e, e.message); }
}
r.setHeader('ok', 1);
print(r.getHeader('ok'), r.getHeaders());
r.destroy();
//# setTimeout validation
const http = require('http');
const r = http.request({ host: '127.0.0.1', port: 9 });
r.on('error', () => {});
print(r.setTimeout(1000) === r, r.setTimeout(0, () => {}) === r, r.listenerCount('timeout'));
for (const f of [() => r.setTimeout('1'), () => r.setTimeout(-5), () => r.setTimeout(1, 'cb')]) {
  try { f(); } catch (e) { print(e, e.message); }
}
r.destroy();
//# write validation
const http = require('http');
const r = http.request({ host: '127.0.0.1', port: 9, method: 'POST' });
r.on('error', () => {});
for (const f of [() => r.write(null), () => r.write(5), () => r.write({})]) {
  try { f(); } catch (e) { print(e, e.message); }
}
print(r.headersSent, r.write(''), r.headersSent, r.write('abc'), r.write(Buffer.from('d')), r.writableEnded);
r.destroy();
//# validateHeaderName and validateHeaderValue
const http = require('http');
for (const f of [() => http.validateHeaderName('ok-name'), () => http.validateHeaderName('bad name'), () => http.validateHeaderName(''), () => http.validateHeaderValue('x', 'fine'), () => http.validateHeaderValue('x', undefined), () => http.validateHeaderValue('x', 'a\u0000')]) {
  try { print('ok', f()); } catch (e) { print(e, e.message); }
}
//# IncomingMessage shape
const http = require('http');
const { Readable } = require('stream');
const m = new http.IncomingMessage(null);
print(m instanceof Readable, m.statusCode, m.statusMessage, m.complete, m.rawHeaders, m.headers, m.trailers, m.httpVersion, m.url, m.method, m.aborted);
//# request is a legacy Stream, not a Writable
const http = require('http');
const stream = require('stream');
const EventEmitter = require('events');
const r = http.request({ host: '127.0.0.1', port: 9 });
r.on('error', () => {});
print(r instanceof stream.Stream, r instanceof stream.Writable, r instanceof EventEmitter, r instanceof http.ClientRequest, r instanceof http.OutgoingMessage, r.writable);
r.destroy();
//# headers after the request started
const http = require('http');
const r = http.request({ host: '127.0.0.1', port: 9, method: 'POST' });
r.on('error', () => {});
r.setHeader('Content-Type', 'text/plain');
r.write('x');
for (const f of [() => r.setHeader('a', 'b'), () => r.removeHeader('content-type'), () => r.appendHeader('a', 'b')]) {
  try { f(); } catch (e) { print(e, e.message); }
}
print(r.headersSent, r.getHeader('content-type'));
r.destroy();
//# get ends the request
const http = require('http');
const r = http.get('http://127.0.0.1:9/x?y=1', () => {});
r.on('error', () => {});
print(r.writableEnded, r.method, r.path, r.listenerCount('response'), r.headersSent);
r.destroy();
//# appendHeader and array headers option
const http = require('http');
const r = http.request({ host: '127.0.0.1', port: 9, headers: ['X-A', '1', 'x-a', '2', 'X-B', '3'] });
r.on('error', () => {});
print(r.headersSent, r.getHeaders(), r.getRawHeaderNames(), r.getHeader('x-a'));
try { r.appendHeader('x-b', ['4', '5']); } catch (e) { print(e); }
r.destroy();
const o = http.request({ host: '127.0.0.1', port: 9, headers: { 'X-B': '3' } });
o.on('error', () => {});
o.appendHeader('x-b', ['4', '5']); o.appendHeader('X-C', '6');
print(o.getHeaders(), o.getRawHeaderNames());
o.destroy();
