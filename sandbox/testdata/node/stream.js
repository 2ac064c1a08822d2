//# readable flowing data and end order
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.on('data', (c) => log.push(['data', c.toString()]));
r.on('end', () => log.push('end'));
r.on('close', () => log.push('close'));
r.push('a'); r.push('b'); r.push(null);
log.push('sync done');
await new Promise((res) => setTimeout(res, 5));
print(log, r.readableEnded, r.destroyed, r.readable);
//# readable paused mode with readable event
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.push('hello'); r.push(' world');
r.on('readable', () => {
  let c;
  while ((c = r.read()) !== null) log.push(['read', c.toString()]);
  log.push('readable done');
});
r.on('end', () => log.push('end'));
setTimeout(() => r.push(null), 1);
await new Promise((res) => setTimeout(res, 10));
print(log);
//# read with sizes
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.push('abcdef'); r.push('ghij');
print(r.readableLength, r.read(3).toString(), r.read(4).toString(), r.readableLength, r.read(10), r.read().toString());
r.push(null);
print(r.read(), r.readableLength);
//# push return value and highWaterMark
const { Readable } = require('stream');
const r = new Readable({ read() {}, highWaterMark: 4 });
print(r.readableHighWaterMark, r.push('ab'), r.push('cd'), r.push('e'), r.readableLength);
const o = new Readable({ objectMode: true, read() {} });
print(o.readableHighWaterMark, o.readableObjectMode, o.push({ a: 1 }), o.push(0), o.push(''), o.readableLength, o.read(), o.read());
//# _read called on demand
const { Readable } = require('stream');
const log = [];
let i = 0;
const r = new Readable({
  highWaterMark: 2,
  objectMode: true,
  read(n) { log.push('read ' + n); if (i < 5) this.push(i++); else this.push(null); },
});
r.on('data', (d) => log.push('data ' + d));
await new Promise((res) => r.on('end', res));
print(log);
//# async _read
const { Readable } = require('stream');
const log = [];
let i = 0;
const r = new Readable({
  read() { setTimeout(() => { this.push(i < 3 ? 'c' + i++ : null); }, 1); },
});
r.setEncoding('utf8');
r.on('data', (d) => log.push(d));
await new Promise((res) => r.on('end', res));
print(log);
//# pause and resume
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.on('pause', () => log.push('pause event'));
r.on('resume', () => log.push('resume event'));
r.on('data', (d) => { log.push('data ' + d); r.pause(); });
r.push('1'); r.push('2'); r.push('3');
await new Promise((res) => setTimeout(res, 2));
log.push(['paused', r.isPaused(), r.readableFlowing, r.readableLength]);
r.resume();
await new Promise((res) => setTimeout(res, 2));
log.push(['paused', r.isPaused(), r.readableFlowing, r.readableLength]);
print(log);
//# readableFlowing states
const { Readable } = require('stream');
const r = new Readable({ read() {} });
const s = [r.readableFlowing, r.isPaused()];
r.pause(); s.push(r.readableFlowing, r.isPaused());
r.resume(); s.push(r.readableFlowing, r.isPaused());
const q = new Readable({ read() {} });
q.on('data', () => {}); s.push(q.readableFlowing);
q.on('readable', () => {}); s.push(q.readableFlowing);
print(s);
//# setEncoding and multibyte split
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.setEncoding('utf8');
r.push(Buffer.from([0xe2])); r.push(Buffer.from([0x82])); r.push(Buffer.from([0xac, 0x78]));
r.push(null);
const out = [];
r.on('data', (d) => out.push(d));
await new Promise((res) => r.on('end', res));
print(out, r.readableEncoding);
const h = new Readable({ read() {}, encoding: 'hex' });
h.push(Buffer.from([1, 2, 255])); h.push(null);
print(h.read(), h.readableEncoding);
try { new Readable().setEncoding('nope'); } catch (e) { print(e, e.message); }
//# setEncoding base64 across chunks
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.setEncoding('base64');
r.push(Buffer.from('ab')); r.push(Buffer.from('cde')); r.push(null);
const out = [];
r.on('data', (d) => out.push(d));
await new Promise((res) => r.on('end', res));
print(out, out.join(''), Buffer.from('abcde').toString('base64'));
//# push strings with encoding and Uint8Array
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.push('68656c6c6f', 'hex'); r.push(new Uint8Array([33])); r.push('', 'utf8');
print(r.read(), r.readableLength);
//# invalid chunk
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.on('error', (e) => log.push(['error', e.code, e.message]));
r.on('close', () => log.push('close'));
print(r.push(42));
await new Promise((res) => setTimeout(res, 1));
print(log, r.destroyed, r.errored && r.errored.code);
//# push after EOF
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.on('error', (e) => log.push(['error', e.code, e.message]));
r.push(null);
r.push('x');
await new Promise((res) => setTimeout(res, 1));
print(log);
//# unshift
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.push('world');
r.unshift('hello ');
print(r.read().toString());
r.setEncoding('utf8');
r.push('b'); r.unshift('a');
print(r.read());
//# read not implemented
const { Readable } = require('stream');
const r = new Readable();
const log = [];
r.on('error', (e) => log.push([e.code, e.message]));
r.read();
await new Promise((res) => setTimeout(res, 1));
print(log);
//# destroy with error
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.on('error', (e) => log.push('error ' + e.message));
r.on('close', () => log.push('close'));
r.on('end', () => log.push('end'));
r.destroy(new Error('bye'));
log.push(['sync', r.destroyed, r.readable, r.closed, r.errored.message]);
r.destroy(new Error('again'));
await new Promise((res) => setTimeout(res, 1));
print(log, r.closed, r.readableAborted);
//# destroy without error and custom _destroy
const { Readable } = require('stream');
const log = [];
const r = new Readable({
  read() {},
  destroy(err, cb) { log.push(['_destroy', err]); setTimeout(() => cb(new Error('from destroy')), 1); },
});
r.on('error', (e) => log.push('error ' + e.message));
r.on('close', () => log.push('close'));
r.destroy(null, (err) => log.push('cb ' + (err && err.message)));
await new Promise((res) => setTimeout(res, 5));
print(log);
//# emitClose false and autoDestroy false
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {}, emitClose: false });
r.on('close', () => log.push('close'));
r.destroy();
const q = new Readable({ read() {}, autoDestroy: false });
q.on('end', () => log.push('q end'));
q.on('close', () => log.push('q close'));
q.resume();
q.push(null);
await new Promise((res) => setTimeout(res, 1));
print(log, r.destroyed, q.destroyed);
//# Readable.from array string buffer
const { Readable } = require('stream');
const collect = (r) => new Promise((res) => { const out = []; r.on('data', (d) => out.push(d)); r.on('end', () => res(out)); });
print(await collect(Readable.from([1, 2, 3])));
print(await collect(Readable.from('hello')));
print(await collect(Readable.from(Buffer.from('hi'))));
print(await collect(Readable.from(['a', 'b'], { objectMode: false })));
const r = Readable.from([1]);
print(r.readableObjectMode, r.readableHighWaterMark);
try { Readable.from(5); } catch (e) { print(e, e.message); }
//# Readable.from iterator, promises and null
const { Readable } = require('stream');
function* gen() { yield 'x'; yield Promise.resolve('y'); }
const out = [];
const r = Readable.from(gen());
r.on('data', (d) => out.push(d));
await new Promise((res) => r.on('end', res));
print(out);
const bad = Readable.from([1, null, 2]);
const got = [];
bad.on('data', (d) => got.push(d));
await new Promise((res) => bad.on('error', (e) => { got.push(e.code); res(); }));
print(got);
//# Readable.from async iterable
const { Readable } = require('stream');
let i = 0;
const src = { [Symbol.asyncIterator]() { return { next: () => Promise.resolve(i < 3 ? { value: i++, done: false } : { value: undefined, done: true }) }; } };
const out = [];
const r = Readable.from(src);
r.on('data', (d) => out.push(d));
await new Promise((res) => r.on('end', res));
print(out);
//# async iterator manual
const { Readable } = require('stream');
const r = Readable.from(['a', 'b', 'c']);
const it = r[Symbol.asyncIterator]();
const out = [];
for (;;) { const { value, done } = await it.next(); if (done) break; out.push(value); }
print(out, r.destroyed, await it.next());
//# async iterator return destroys
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.push('a'); r.push('b');
const it = r[Symbol.asyncIterator]();
const first = await it.next();
print(first.value.toString(), await it.return('v'), r.destroyed);
await new Promise((res) => setTimeout(res, 1));
print(r.destroyed, r.closed, await it.next());
//# async iterator error
const { Readable } = require('stream');
const r = new Readable({ read() {} });
const it = r[Symbol.asyncIterator]();
const p = it.next();
r.destroy(new Error('broken'));
try { await p; } catch (e) { print('rejected', e.message); }
print(await it.next());
//# async iterator with paused reads
const { Readable } = require('stream');
const r = new Readable({ objectMode: true, read() {} });
const it = r.iterator({ destroyOnReturn: false });
setTimeout(() => { r.push(1); r.push(2); }, 1);
setTimeout(() => r.push(null), 3);
print(await it.next(), await it.next(), await it.next(), r.destroyed);
//# writable basic write and finish
const { Writable } = require('stream');
const log = [];
const w = new Writable({
  write(chunk, enc, cb) { log.push(['write', chunk.toString(), enc, Buffer.isBuffer(chunk)]); cb(); },
});
w.on('finish', () => log.push('finish'));
w.on('close', () => log.push('close'));
print(w.write('a', () => log.push('cb a')), w.write(Buffer.from('b')));
w.end('c', () => log.push('end cb'));
log.push(['sync', w.writableEnded, w.writableFinished, w.writable]);
await new Promise((res) => setTimeout(res, 1));
print(log, w.writableFinished, w.destroyed);
//# writable async and backpressure drain
const { Writable } = require('stream');
const log = [];
const w = new Writable({
  highWaterMark: 3,
  write(chunk, enc, cb) { log.push('write ' + chunk); setTimeout(cb, 1); },
});
w.on('drain', () => log.push('drain'));
print(w.write('ab'), w.writableLength, w.write('cd'), w.writableLength, w.writableNeedDrain);
await new Promise((res) => w.once('drain', res));
print(w.writableLength, w.writableNeedDrain);
w.end();
await new Promise((res) => w.on('finish', res));
print(log);
//# writable decodeStrings false and objectMode
const { Writable } = require('stream');
const log = [];
const w = new Writable({ decodeStrings: false, write(c, e, cb) { log.push([typeof c, c, e]); cb(); } });
w.write('x'); w.write('y', 'latin1'); w.write(Buffer.from('z'));
const o = new Writable({ objectMode: true, write(c, e, cb) { log.push([c, e]); cb(); } });
o.write({ k: 1 }); o.write(7);
print(log, o.writableObjectMode, o.writableHighWaterMark, w.writableHighWaterMark);
//# write errors
const { Writable } = require('stream');
const w = new Writable({ write(c, e, cb) { cb(); } });
for (const f of [() => w.write(null), () => w.write(1), () => w.write({}), () => w.write('a', 'bogus')]) {
  try { f(); } catch (e) { print(e, e.message); }
}
const log = [];
w.on('error', (e) => log.push(['error', e.code]));
w.end();
w.write('late', (err) => log.push(['cb', err.code, err.message]));
await new Promise((res) => setTimeout(res, 1));
print(log);
//# write callback error
const { Writable } = require('stream');
const log = [];
const w = new Writable({ write(c, e, cb) { cb(new Error('disk full')); } });
w.on('error', (e) => log.push('error ' + e.message));
w.on('close', () => log.push('close'));
w.write('a', (err) => log.push('cb ' + err.message));
log.push('after write');
await new Promise((res) => setTimeout(res, 1));
print(log, w.errored.message, w.destroyed, w.writable);
//# write after destroy
const { Writable } = require('stream');
const log = [];
const w = new Writable({ write(c, e, cb) { cb(); } });
w.on('error', (e) => log.push(['error', e.code]));
w.destroy();
print(w.write('x', (e) => log.push(['cb', e.code])));
await new Promise((res) => setTimeout(res, 1));
print(log);
//# end twice
const { Writable } = require('stream');
const log = [];
const w = new Writable({ write(c, e, cb) { cb(); } });
w.end();
await new Promise((res) => setTimeout(res, 1));
w.end((e) => log.push(['cb', e && e.code]));
await new Promise((res) => setTimeout(res, 1));
print(log);
//# final
const { Writable } = require('stream');
const log = [];
const w = new Writable({
  write(c, e, cb) { log.push('write'); cb(); },
  final(cb) { log.push('final'); setTimeout(() => { log.push('final done'); cb(); }, 1); },
});
w.on('prefinish', () => log.push('prefinish'));
w.on('finish', () => log.push('finish'));
w.end('x');
await new Promise((res) => w.on('close', res));
print(log);
//# final error
const { Writable } = require('stream');
const log = [];
const w = new Writable({ write(c, e, cb) { cb(); }, final(cb) { cb(new Error('nope')); } });
w.on('error', (e) => log.push('error ' + e.message));
w.on('finish', () => log.push('finish'));
w.end((e) => log.push('end cb ' + (e && e.message)));
await new Promise((res) => setTimeout(res, 1));
print(log);
//# cork and writev
const { Writable } = require('stream');
const log = [];
const w = new Writable({
  write(c, e, cb) { log.push('write ' + c); cb(); },
  writev(chunks, cb) { log.push('writev ' + chunks.map((x) => x.chunk.toString()).join(',')); cb(); },
});
w.cork();
w.write('a'); w.write('b'); w.write('c');
print(w.writableCorked, w.writableLength, w.writableBuffer.length);
w.uncork();
w.write('d');
await new Promise((res) => setTimeout(res, 1));
print(log, w.writableCorked);
//# write not implemented
const { Writable } = require('stream');
const w = new Writable();
try { w.write('x'); } catch (e) { print(e, e.message); }
//# setDefaultEncoding
const { Writable } = require('stream');
const log = [];
const w = new Writable({ decodeStrings: false, write(c, e, cb) { log.push(e); cb(); } });
print(w.setDefaultEncoding('HEX') === w);
w.write('00');
try { w.setDefaultEncoding('zz'); } catch (e) { print(e, e.message); }
print(log);
//# pipe readable to writable
const { Readable, Writable } = require('stream');
const log = [];
const r = Readable.from(['a', 'b', 'c'], { objectMode: false });
const w = new Writable({ write(c, e, cb) { log.push(c.toString()); cb(); } });
w.on('pipe', (src) => log.push(['pipe', src === r]));
w.on('finish', () => log.push('finish'));
print(r.pipe(w) === w);
await new Promise((res) => w.on('close', res));
print(log);
//# pipe with backpressure
const { Readable, Writable } = require('stream');
const log = [];
let n = 0;
const r = new Readable({ highWaterMark: 2, read() { if (n < 6) this.push('x' + n++); else this.push(null); } });
const w = new Writable({ highWaterMark: 2, write(c, e, cb) { log.push('w ' + c); setTimeout(cb, 1); } });
w.on('drain', () => log.push('drain'));
r.pipe(w);
await new Promise((res) => w.on('finish', res));
print(log);
//# pipe end false and unpipe
const { PassThrough, Writable } = require('stream');
const log = [];
const src = new PassThrough();
const w = new Writable({ write(c, e, cb) { log.push(c.toString()); cb(); } });
w.on('unpipe', (s) => log.push(['unpipe', s === src]));
src.pipe(w, { end: false });
src.write('1');
await new Promise((res) => setTimeout(res, 1));
src.unpipe(w);
src.write('2');
await new Promise((res) => setTimeout(res, 1));
print(log, w.writableEnded, src.readableFlowing, src.readableLength);
//# pipe to two destinations
const { Readable, PassThrough } = require('stream');
const a = new PassThrough(), b = new PassThrough();
const out = { a: [], b: [] };
a.on('data', (d) => out.a.push(d.toString()));
b.on('data', (d) => out.b.push(d.toString()));
const r = Readable.from(['1', '2'], { objectMode: false });
r.pipe(a); r.pipe(b);
await new Promise((res) => b.on('end', res));
print(out);
//# transform
const { Transform } = require('stream');
const t = new Transform({
  transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()); },
  flush(cb) { this.push('!'); cb(); },
});
const out = [];
t.on('data', (d) => out.push(d.toString()));
t.write('ab'); t.write('cd'); t.end();
await new Promise((res) => t.on('end', res));
print(out, t instanceof require('stream').Duplex, t.readableEnded, t.writableFinished);
//# transform push multiple and skip
const { Transform } = require('stream');
const t = new Transform({
  objectMode: true,
  transform(n, enc, cb) { if (n % 2) { this.push(n); this.push(n * 10); } cb(); },
  flush(cb) { cb(null, 'end'); },
});
const out = [];
t.on('data', (d) => out.push(d));
[1, 2, 3].forEach((n) => t.write(n));
t.end();
await new Promise((res) => t.on('end', res));
print(out);
//# transform error
const { Transform } = require('stream');
const log = [];
const t = new Transform({ transform(c, e, cb) { cb(new Error('bad chunk')); } });
t.on('error', (e) => log.push('error ' + e.message));
t.on('close', () => log.push('close'));
t.write('x', (e) => log.push('cb ' + (e && e.message)));
await new Promise((res) => setTimeout(res, 1));
print(log, t.destroyed);
//# transform not implemented
const { Transform } = require('stream');
const t = new Transform();
const log = [];
t.on('error', (e) => log.push([e.code, e.message]));
try { t.write('x'); } catch (e) { log.push(['threw', e.code]); }
await new Promise((res) => setTimeout(res, 1));
print(log);
//# passthrough
const { PassThrough } = require('stream');
const p = new PassThrough();
p.end('data');
const out = [];
p.on('data', (d) => out.push(d.toString()));
await new Promise((res) => p.on('end', res));
print(out, p instanceof require('stream').Transform);
//# duplex
const { Duplex } = require('stream');
const log = [];
const d = new Duplex({
  read() { this.push('from read'); this.push(null); },
  write(c, e, cb) { log.push('wrote ' + c); cb(); },
});
d.on('data', (c) => log.push('data ' + c));
d.on('finish', () => log.push('finish'));
d.on('end', () => log.push('end'));
d.on('close', () => log.push('close'));
d.end('w');
await new Promise((res) => d.on('close', res));
print(log, d.allowHalfOpen);
//# duplex allowHalfOpen false and options
const { Duplex, Writable, Readable } = require('stream');
const log = [];
const d = new Duplex({ allowHalfOpen: false, read() {}, write(c, e, cb) { cb(); } });
d.on('finish', () => log.push('finish'));
d.on('end', () => log.push('end'));
d.resume();
d.push(null);
await new Promise((res) => setTimeout(res, 2));
print(log, d.writableEnded);
const m = new Duplex({ readableObjectMode: true, writableHighWaterMark: 5 });
print(m.readableObjectMode, m.writableObjectMode, m.writableHighWaterMark, m.readableHighWaterMark);
print(d instanceof Writable, d instanceof Readable, new Readable() instanceof Writable);
//# highWaterMark validation
const { Readable, Writable, Duplex } = require('stream');
for (const f of [() => new Readable({ highWaterMark: -1 }), () => new Writable({ highWaterMark: 1.5 }), () => new Duplex({ readableHighWaterMark: 'x' }), () => new Readable({ highWaterMark: NaN })]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
print(new Readable({ highWaterMark: 0 }).readableHighWaterMark);
//# construct
const { Writable } = require('stream');
const log = [];
const w = new Writable({
  construct(cb) { log.push('construct'); setTimeout(() => { log.push('constructed'); cb(); }, 1); },
  write(c, e, cb) { log.push('write ' + c); cb(); },
});
w.write('a');
log.push('after write');
w.end();
await new Promise((res) => w.on('finish', res));
print(log);
//# finished
const { finished, Readable, Writable } = require('stream');
const log = [];
const r = Readable.from(['x']);
finished(r, (err) => log.push(['readable finished', err]));
r.resume();
const w = new Writable({ write(c, e, cb) { cb(); } });
finished(w, (err) => log.push(['writable finished', err]));
w.end('y');
const bad = new Readable({ read() {} });
finished(bad, (err) => log.push(['bad', err.message]));
bad.destroy(new Error('oops'));
const early = new Readable({ read() {} });
finished(early, (err) => log.push(['early', err.code]));
early.destroy();
await new Promise((res) => setTimeout(res, 5));
print(log);
//# finished cleanup and validation
const { finished, PassThrough } = require('stream');
const p = new PassThrough();
const before = p.listenerCount('end');
const cleanup = finished(p, () => {});
print(p.listenerCount('end') - before, typeof cleanup);
cleanup();
print(p.listenerCount('end') - before);
for (const f of [() => finished(p), () => finished({}, () => {}), () => finished(p, 5, () => {})]) {
  try { f(); } catch (e) { print(e, e.message); }
}
//# pipeline
const { pipeline, Readable, Transform, Writable } = require('stream');
const out = [];
const up = new Transform({ transform(c, e, cb) { cb(null, c.toString().toUpperCase()); } });
const w = new Writable({ write(c, e, cb) { out.push(c.toString()); cb(); } });
const ret = pipeline(Readable.from(['a', 'b'], { objectMode: false }), up, w, (err) => out.push(['done', err]));
print(ret === w);
await new Promise((res) => setTimeout(res, 5));
print(out);
//# pipeline error destroys all
const { pipeline, Readable, PassThrough, Writable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
const p = new PassThrough();
const w = new Writable({ write(c, e, cb) { cb(); } });
pipeline(r, p, w, (err) => log.push(['done', err && err.message, r.destroyed, p.destroyed, w.destroyed]));
r.push('x');
setTimeout(() => p.destroy(new Error('mid')), 1);
await new Promise((res) => setTimeout(res, 5));
print(log);
//# pipeline premature close
const { pipeline, Readable, Writable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
const w = new Writable({ write(c, e, cb) { cb(); } });
pipeline(r, w, (err) => log.push(['done', err && err.code]));
setTimeout(() => w.destroy(), 1);
await new Promise((res) => setTimeout(res, 5));
print(log, r.destroyed);
//# pipeline from iterable and validation
const { pipeline, Writable } = require('stream');
const out = [];
const w = new Writable({ objectMode: true, write(c, e, cb) { out.push(c); cb(); } });
pipeline([1, 2, 3], w, (err) => out.push(['done', err]));
await new Promise((res) => setTimeout(res, 5));
print(out);
for (const f of [() => pipeline(w), () => pipeline(w, w), () => pipeline([1], w, 'x')]) {
  try { f(); } catch (e) { print(e, e.message); }
}
//# stream promises
const sp = require('stream/promises');
const { Readable, Writable, promises } = require('stream');
print(sp === promises, require('node:stream/promises') === sp, typeof sp.pipeline, typeof sp.finished);
const out = [];
const w = new Writable({ write(c, e, cb) { out.push(c.toString()); cb(); } });
print(await sp.pipeline(Readable.from(['p', 'q'], { objectMode: false }), w), out);
const r = new Readable({ read() {} });
const f = sp.finished(r);
r.destroy(new Error('fin'));
try { await f; } catch (e) { print('rejected', e.message); }
const bad = new Readable({ read() { this.destroy(new Error('src')); } });
try { await sp.pipeline(bad, new Writable({ write(c, e, cb) { cb(); } })); } catch (e) { print('pipeline rejected', e.message); }
//# module shape
const stream = require('stream');
print(typeof stream, stream.Stream === stream, require('node:stream') === stream);
print(['Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough', 'pipeline', 'finished'].map((k) => typeof stream[k]));
const r = new stream.Readable();
print(r instanceof stream, r instanceof require('events'), typeof r.on, stream.Readable.name, stream.getDefaultHighWaterMark(false), stream.getDefaultHighWaterMark(true));
print(stream.isReadable(r), stream.isErrored(r), stream.isDisturbed(r));
//# constructor without new and old-style inheritance
const { Readable, Writable } = require('stream');
const r = Readable({ read() {} });
const w = Writable({ write(c, e, cb) { cb(); } });
function Mine(opts) { Readable.call(this, opts); }
Object.setPrototypeOf(Mine.prototype, Readable.prototype);
Mine.prototype._read = function () { this.push('m'); this.push(null); };
const m = new Mine();
const out = [];
m.on('data', (d) => out.push(d.toString()));
await new Promise((res) => m.on('end', res));
print(r instanceof Readable, w instanceof Writable, out);
//# class extends
const { Readable, Writable } = require('stream');
class Counter extends Readable {
  constructor() { super({ objectMode: true }); this.n = 0; }
  _read() { this.push(this.n < 3 ? this.n++ : null); }
}
class Sink extends Writable {
  constructor() { super({ objectMode: true }); this.got = []; }
  _write(c, e, cb) { this.got.push(c); cb(); }
}
const s = new Sink();
new Counter().pipe(s);
await new Promise((res) => s.on('finish', res));
print(s.got);
//# event order of a full readable lifecycle
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
for (const ev of ['pause', 'resume', 'end', 'close', 'readable']) r.on(ev, () => log.push(ev));
r.push('x');
r.push(null);
await new Promise((res) => setTimeout(res, 1));
log.push('reading');
log.push(String(r.read()));
await new Promise((res) => setTimeout(res, 1));
print(log);
//# readable error while flowing has no end
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.on('data', (d) => { log.push('data'); r.destroy(new Error('x')); });
r.on('end', () => log.push('end'));
r.on('error', (e) => log.push('error'));
r.on('close', () => log.push('close'));
r.push('a'); r.push('b'); r.push(null);
await new Promise((res) => setTimeout(res, 1));
print(log, r.readableAborted);
//# toArray and reduce
const { Readable } = require('stream');
print(await Readable.from([1, 2, 3]).toArray(), await Readable.from([1, 2, 3]).reduce((a, b) => a + b));
print(await Readable.from([1, 2, 3]).reduce(async (a, b) => a + b, 10));
for (const f of [() => Readable.from([]).reduce((a, b) => a + b), () => Readable.from([]).reduce(5), () => Readable.from([]).toArray(5)]) {
  try { await f(); } catch (e) { print(e, e.message); }
}
const r = Readable.from([1, 2, 3]);
try { await r.reduce(() => { throw new Error('inner'); }, 0); } catch (e) { print(e.message, r.destroyed); }
//# wrap an old-style stream
const { Readable } = require('stream');
const EventEmitter = require('events');
const old = new EventEmitter();
old.pause = () => {}; old.resume = () => {};
const r = new Readable({ objectMode: true }).wrap(old);
const out = [];
r.on('data', (d) => out.push(d));
r.on('end', () => out.push('end'));
old.emit('data', 'a'); old.emit('data', 'b'); old.emit('end');
await new Promise((res) => setTimeout(res, 1));
print(out);
const w = Readable.wrap(new EventEmitter());
print(w.readableObjectMode);
//# push typed arrays and DataView
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.push(new Uint16Array([0x4142])); r.push(new DataView(new Uint8Array([67]).buffer));
print(r.readableLength, r.read());
//# readable with highWaterMark 0
const { Readable } = require('stream');
const log = [];
let n = 0;
const r = new Readable({ highWaterMark: 0, read() { log.push('_read'); this.push(n < 2 ? 'x' + n++ : null); } });
r.on('readable', () => { let c; while ((c = r.read()) !== null) log.push(String(c)); });
await new Promise((res) => r.on('end', res));
print(log);
//# once readable and then data
const { Readable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.push('a');
r.once('readable', () => { log.push('readable ' + r.read()); r.on('data', (d) => log.push('data ' + d)); });
setTimeout(() => { r.push('b'); r.push(null); }, 1);
await new Promise((res) => r.on('end', res));
print(log, r.readableFlowing);
//# writable highWaterMark 0 and sync callbacks
const { Writable } = require('stream');
const log = [];
const w = new Writable({ highWaterMark: 0, write(c, e, cb) { log.push('write ' + c); cb(); } });
w.on('drain', () => log.push('drain'));
log.push(w.write('a'));
log.push(w.write('b', () => log.push('cb b')));
w.end(() => log.push('end cb'));
await new Promise((res) => w.on('close', res));
print(log);
//# writable errors during buffered writes
const { Writable } = require('stream');
const log = [];
const w = new Writable({ write(c, e, cb) { setTimeout(() => cb(c.toString() === 'b' ? new Error('bad b') : null), 1); } });
w.on('error', (e) => log.push('error ' + e.message));
for (const c of ['a', 'b', 'c', 'd']) w.write(c, (err) => log.push(c + ' ' + (err ? err.message : 'ok')));
w.end((err) => log.push('end ' + (err && err.message)));
// The writes' callbacks are a chain of timers: wait for the stream to
// close, not for a time that a loaded machine may outlast.
await new Promise((res) => w.on('close', () => setTimeout(res, 1)));
print(log);
//# destroy a writable with pending writes
const { Writable } = require('stream');
const log = [];
const w = new Writable({ write(c, e, cb) { setTimeout(cb, 5); } });
w.on('error', (e) => log.push('error ' + e.message));
w.on('close', () => log.push('close'));
w.write('a', (err) => log.push('a ' + (err && err.code)));
w.write('b', (err) => log.push('b ' + (err && err.code)));
w.destroy();
await new Promise((res) => setTimeout(res, 10));
print(log, w.writableAborted, w.destroyed);
//# stream.destroy and finished on a destroyed stream
const stream = require('stream');
const log = [];
const r = new stream.Readable({ read() {} });
stream.destroy(r, new Error('via helper'));
r.on('error', (e) => log.push('error ' + e.message));
await new Promise((res) => setTimeout(res, 1));
stream.finished(r, (err) => log.push('finished ' + (err && err.message)));
await new Promise((res) => setTimeout(res, 1));
print(log, stream.isErrored(r), r.readableAborted);
//# pipeline with transform generator refused
const { pipeline, PassThrough } = require('stream');
const log = [];
try {
  pipeline(new PassThrough(), 42, (err) => log.push(err));
} catch (e) { print(e, e.message); }
//# objectMode falsy values and readableBuffer
const { Readable } = require('stream');
const r = new Readable({ objectMode: true, read() {} });
r.push(0); r.push(false); r.push(''); r.push(undefined);
print(r.readableLength, [r.read(), r.read(), r.read(), r.read()], r.readableLength);
//# setEncoding latin1 and utf16le
const { Readable } = require('stream');
const r = new Readable({ read() {} });
r.setEncoding('latin1');
r.push(Buffer.from([0xe9, 0x41]));
const u = new Readable({ read() {} });
u.setEncoding('utf16le');
u.push(Buffer.from([0x41])); u.push(Buffer.from([0x00, 0x42, 0x00]));
print(r.read(), u.read(), r.readableEncoding, u.readableEncoding);
const w = new (require('stream').Writable)({ write(c, e, cb) { print(c); cb(); } });
w.write('é', 'latin1');
w.write('hi', 'utf16le');
//# pipeline and Duplex.from refuse non-streams
const { pipeline, PassThrough, Duplex } = require('stream');
for (const f of [() => pipeline(42, new PassThrough(), () => {}), () => pipeline(new PassThrough(), {}, () => {}), () => Duplex.from(5)]) {
  try { f(); } catch (e) { print(e, e.message); }
}
const d = Duplex.from(['x']);
print(d instanceof Duplex, d.readable, d.writable, await d.toArray());
//# Readable.from destroy closes the iterator
const { Readable } = require('stream');
const log = [];
function* gen() { try { yield 1; yield 2; yield 3; } finally { log.push('finally'); } }
const r = Readable.from(gen());
r.on('data', (d) => { log.push(d); if (d === 2) r.destroy(); });
r.on('close', () => log.push('close'));
await new Promise((res) => setTimeout(res, 5));
print(log);
//# async iterator return on Readable.from
const { Readable } = require('stream');
const log = [];
function* gen() { try { yield 'a'; yield 'b'; } finally { log.push('finally'); } }
const r = Readable.from(gen());
const it = r[Symbol.asyncIterator]();
log.push((await it.next()).value);
log.push(await it.return());
await new Promise((res) => setTimeout(res, 5));
print(log, r.destroyed);
//# duplex readable false and writable false
const { Duplex } = require('stream');
const a = new Duplex({ readable: false, write(c, e, cb) { cb(); } });
const b = new Duplex({ writable: false, read() {} });
print(a.readable, a.writable, b.readable, b.writable, a.readableEnded, b.writableEnded, b.writableFinished);
const log = [];
a.on('finish', () => log.push('a finish'));
a.on('close', () => log.push('a close'));
a.end('x');
b.on('end', () => log.push('b end'));
b.on('close', () => log.push('b close'));
b.resume(); b.push(null);
await new Promise((res) => setTimeout(res, 5));
print(log);
//# transform object modes
const { Transform } = require('stream');
const t = new Transform({ writableObjectMode: true, transform(o, e, cb) { cb(null, JSON.stringify(o) + '\n'); } });
print(t.writableObjectMode, t.readableObjectMode);
const out = [];
t.on('data', (d) => out.push(d.toString()));
t.write({ a: 1 }); t.end([2]);
await new Promise((res) => t.on('end', res));
print(out);
const u = new Transform({ readableObjectMode: true, transform(c, e, cb) { for (const ch of c.toString()) this.push(ch); cb(); } });
const got = [];
u.on('data', (d) => got.push(d));
u.end('xyz');
await new Promise((res) => u.on('end', res));
print(got);
//# finished with options and promises.finished on a writable
const { finished, Duplex, Writable, promises } = require('stream');
const log = [];
const d = new Duplex({ read() {}, write(c, e, cb) { cb(); } });
finished(d, { readable: false }, (err) => log.push(['writable side', err]));
d.end('x');
const w = new Writable({ write(c, e, cb) { cb(); } });
const p = promises.finished(w);
w.end('y');
log.push(['promise', await p]);
await new Promise((res) => setTimeout(res, 5));
print(log);
//# pipe after end and pipe into ended writable
const { Readable, Writable } = require('stream');
const log = [];
const r = new Readable({ read() {} });
r.on('end', () => log.push('end'));
r.resume(); r.push(null);
await new Promise((res) => setTimeout(res, 2));
const w = new Writable({ write(c, e, cb) { cb(); } });
w.on('finish', () => log.push('w finish'));
r.pipe(w);
await new Promise((res) => setTimeout(res, 2));
const w2 = new Writable({ write(c, e, cb) { cb(); } });
w2.end();
w2.on('error', (e) => log.push('w2 error ' + e.code));
Readable.from(['late'], { objectMode: false }).pipe(w2);
await new Promise((res) => setTimeout(res, 5));
print(log);
//# readable listeners removal resets flowing
const { Readable } = require('stream');
const r = new Readable({ read() {} });
const f = () => {};
r.on('readable', f);
const s = [r.readableFlowing];
r.removeListener('readable', f);
await new Promise((res) => setTimeout(res, 1));
s.push(r.readableFlowing);
r.on('data', () => {});
r.removeAllListeners('data');
await new Promise((res) => setTimeout(res, 1));
s.push(r.readableFlowing, r.isPaused());
print(s);
//# map filter drop take
const { Readable } = require('stream');
print(await Readable.from([1, 2, 3, 4]).map((x) => x * 2).toArray());
print(await Readable.from([1, 2, 3, 4]).map(async (x) => x + 1).filter((x) => x % 2).toArray());
print(await Readable.from([1, 2, 3, 4]).drop(1).take(2).toArray(), await Readable.from([1, 2]).take(0).toArray(), await Readable.from([1, 2]).drop(5).toArray());
const src = Readable.from([1, 2, 3, 4, 5]);
print(await src.take(2).toArray());
await new Promise((r) => setTimeout(r, 1));
print(src.destroyed);
const m = Readable.from([1]).map((x) => x);
print(m instanceof Readable, m.readableObjectMode);
//# forEach some every find
const { Readable } = require('stream');
const seen = [];
print(await Readable.from([1, 2, 3]).forEach((x) => { seen.push(x); }), seen);
print(await Readable.from([1, 2, 3]).some((x) => x > 1), await Readable.from([1, 2, 3]).some((x) => x > 5));
print(await Readable.from([1, 2, 3]).every((x) => x > 0), await Readable.from([1, 2, 3]).every(async (x) => x < 3));
print(await Readable.from([1, 2, 3]).find((x) => x > 1), await Readable.from([1, 2, 3]).find((x) => x > 5));
const s = Readable.from([1, 2, 3]);
print(await s.some((x) => x === 1));
await new Promise((r) => setTimeout(r, 1));
print(s.destroyed);
//# operator errors
const { Readable } = require('stream');
for (const f of [() => Readable.from([1]).map(5), () => Readable.from([1]).map((x) => x, 5), () => Readable.from([1]).map((x) => x, { concurrency: 0 }), () => Readable.from([1]).drop(-1), () => Readable.from([1]).filter(null), () => Readable.from([1]).take(1, 'x')]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
for (const f of [() => Readable.from([1]).forEach(5), () => Readable.from([1]).some(), () => Readable.from([1]).every('x'), () => Readable.from([1]).find(1), () => Readable.from([1]).forEach(() => {}, { concurrency: 'x' })]) {
  const p = f();
  try { await p; print('ok'); } catch (e) { print(p instanceof Promise, e, e.message); }
}
try { await Readable.from([1, 2]).map(() => { throw new Error('in map'); }).toArray(); } catch (e) { print(e.message); }
try { await Readable.from([1, 2]).forEach(async () => { throw new Error('in forEach'); }); } catch (e) { print(e.message); }
//# operators with concurrency
const { Readable } = require('stream');
const log = [];
const delay = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
const out = await Readable.from([30, 10, 20]).map(async (ms) => { log.push('start ' + ms); await delay(ms); log.push('end ' + ms); return ms; }, { concurrency: 3 }).toArray();
print(out, log);
const seen = [];
await Readable.from([3, 1, 2]).forEach(async (x) => { await delay(x * 5); seen.push(x); }, { concurrency: 2 });
print(seen);
print(await Readable.from([5, 1, 4]).filter(async (x) => { await delay(x); return x > 2; }, { concurrency: 3 }).toArray());
print(await Readable.from([1, 2, 3]).some(async (x) => { await delay(1); return x === 2; }, { concurrency: 2 }));
//# map highWaterMark and errors with concurrency
const { Readable } = require('stream');
const started = [];
const r = Readable.from([1, 2, 3, 4, 5, 6]).map((x) => { started.push(x); return x; }, { concurrency: 2, highWaterMark: 1 });
const it = r[Symbol.asyncIterator]();
print((await it.next()).value);
await new Promise((res) => setTimeout(res, 5));
print(started);
try { await Readable.from([1, 2, 3]).map(async (x) => { if (x === 2) throw new Error('two'); return x; }, { concurrency: 2 }).toArray(); } catch (e) { print(e.message); }
for (const o of [{ concurrency: 1.5 }, { highWaterMark: -1 }, { concurrency: 'x' }]) {
  try { Readable.from([1]).map((x) => x, o); print('ok'); } catch (e) { print(e, e.message); }
}
print(Object.keys(Readable.prototype).includes('map'), Readable.prototype.map.name, Readable.prototype.map.length, Readable.prototype.reduce.length);
try { new (Readable.prototype.map)(); } catch (e) { print(e, e.message); }
//# flatMap and asIndexedPairs
const { Readable } = require('stream');
print(await Readable.from([1, 2]).flatMap((x) => [x, x * 10]).toArray());
print(await Readable.from([1, 2]).flatMap(async (x) => Readable.from([x, 'y'])).toArray());
print(await Readable.from(['ab', 'c']).flatMap((s) => s).toArray());
try { await Readable.from([1]).flatMap((x) => x).toArray(); } catch (e) { print(e); }
print(await Readable.from(['a', 'b']).asIndexedPairs().toArray());
try { Readable.from([1]).flatMap(3); } catch (e) { print(e, e.message); }
