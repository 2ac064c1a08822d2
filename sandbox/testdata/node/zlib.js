//# gunzip node output
const zlib = require('zlib');
const gz = Buffer.from('H4sIAAAAAAAAAwvJSFUoLM1MzlZIKsovz1NIy69QyCrNLShWyC9LLVIoyUhVyEmsqlRIyU/XUwgZgooBKYIZouEAAAA=', 'base64');
print(zlib.gunzipSync(gz).toString());
print(zlib.unzipSync(gz).length);
//# inflate node output
const zlib = require('zlib');
print(zlib.inflateSync(Buffer.from('eNoLyUhVKCzNTM5WSCrKL89TSMuvUMgqzS0oVsgvSy1SKMlIVchJrKpUSMlP11MIGYKKAdKMUMQ=', 'base64')).toString());
print(zlib.unzipSync(Buffer.from('eNoLyUhVKCzNTM5WSCrKL89TSMuvUMgqzS0oVsgvSy1SKMlIVchJrKpUSMlP11MIGYKKAdKMUMQ=', 'base64')).length);
print(zlib.inflateSync(Buffer.from('GJUrycyrBAAEZAHF', 'base64')).toString());
//# inflateRaw node output
const zlib = require('zlib');
print(zlib.inflateRawSync(Buffer.from('C8lIVSgszUzOVkgqyi/PU0jLr1DIKs0tKFbIL0stUijJSFXISayqVEjJT9dTCBmCigE=', 'base64')).toString());
print(zlib.inflateRawSync(Buffer.from('yzi8MicnX6H88LainBSFR01rAA==', 'base64')).toString());
//# large node outputs
const zlib = require('zlib');
const zeros = 'eJztwTEBAAAAwqD1T20IX6A' + 'A'.repeat(1365) + 'D4DAPAAAQ==';
const a = zlib.inflateSync(Buffer.from(zeros, 'base64'));
print(a.length, a.every((b) => b === 0));
const b = zlib.gunzipSync(Buffer.from('H4sIAAAAAAAAA+3CMQ0AAAACoKzaP4Q1PBikAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE4NI/DJJqCGAQA=', 'base64'));
print(b.length, b.toString('latin1', 0, 10), b.toString('latin1', 99990));
//# dictionary node output
const zlib = require('zlib');
const data = Buffer.from('eLs3agaGS0HjK2SkFqUCAFzACEo=', 'base64');
print(zlib.inflateSync(data, { dictionary: Buffer.from('dictionary words') }).toString());
for (const opts of [{}, { dictionary: Buffer.from('dictionary wordz') }]) {
  try { zlib.inflateSync(data, opts); } catch (e) { print(e, e.errno, e.message); }
}
//# round trips
const zlib = require('zlib');
const text = 'Tokenization vault reactor data: ' + 'abc123'.repeat(200);
for (const [c, d] of [['gzipSync', 'gunzipSync'], ['deflateSync', 'inflateSync'], ['deflateRawSync', 'inflateRawSync'], ['gzipSync', 'unzipSync'], ['deflateSync', 'unzipSync']]) {
  const z = zlib[c](text);
  print(c, d, Buffer.isBuffer(z), z.length < text.length, zlib[d](z).toString() === text);
}
//# levels and strategies
const zlib = require('zlib');
const text = 'level test '.repeat(100);
for (const level of [-1, 0, 1, 5, 9]) print(level, zlib.inflateSync(zlib.deflateSync(text, { level })).toString() === text);
for (const strategy of [0, 1, 2, 3, 4]) print(strategy, zlib.gunzipSync(zlib.gzipSync(text, { strategy })).toString() === text);
print(zlib.deflateSync(text, { level: 0 }).length > text.length, zlib.inflateRawSync(zlib.deflateRawSync(text, { memLevel: 9, chunkSize: 1024 })).length);
//# input types
const zlib = require('zlib');
for (const input of ['str', Buffer.from('buf'), new Uint8Array([65, 66]), new Uint16Array([0x4141]), new ArrayBuffer(3), new DataView(new ArrayBuffer(2))]) {
  print(zlib.inflateSync(zlib.deflateSync(input)));
}
print(zlib.gunzipSync(zlib.gzipSync('x', null)).toString(), zlib.gunzipSync(zlib.gzipSync('y', 1)).toString());
//# empty input
const zlib = require('zlib');
print(zlib.gunzipSync(zlib.gzipSync('')).length, zlib.inflateSync(zlib.deflateSync(Buffer.alloc(0))).length, zlib.inflateRawSync(zlib.deflateRawSync('')).length);
for (const f of ['gunzipSync', 'inflateSync', 'inflateRawSync', 'unzipSync']) {
  try { zlib[f](Buffer.alloc(0)); print('ok'); } catch (e) { print(f, e, e.errno, e.message); }
}
//# corrupt input
const zlib = require('zlib');
for (const f of ['gunzipSync', 'inflateSync', 'unzipSync']) {
  try { zlib[f](Buffer.from('garbage')); } catch (e) { print(f, e, e.errno, e.message, Object.keys(e)); }
}
try { zlib.inflateRawSync(Buffer.from('garbage')); } catch (e) { print(e, e.errno, e.message); }
try { zlib.inflateSync(Buffer.from([0x78, 0x9c, 0xff, 0xff])); } catch (e) { print(e, e.errno); }
try { zlib.inflateSync(Buffer.from([0x79, 0x9c])); } catch (e) { print(e, e.errno, e.message); }
try { zlib.inflateSync(Buffer.from([0x88, 0x98])); } catch (e) { print(e, e.errno, e.message); }
try { zlib.gunzipSync(Buffer.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3])); } catch (e) { print(e, e.errno, e.message); }
//# truncated input
const zlib = require('zlib');
const gz = zlib.gzipSync('hello hello hello hello');
const df = zlib.deflateSync('hello hello hello hello');
for (const [f, b] of [['gunzipSync', gz.subarray(0, gz.length - 3)], ['gunzipSync', gz.subarray(0, 5)], ['inflateSync', df.subarray(0, df.length - 2)], ['inflateSync', df.subarray(0, 1)], ['inflateRawSync', zlib.deflateRawSync('abcdef').subarray(0, 3)]]) {
  try { zlib[f](b); print('ok'); } catch (e) { print(f, e, e.errno, e.message); }
}
//# checksums
const zlib = require('zlib');
const gz = zlib.gzipSync('hello hello hello hello');
const bad = Buffer.from(gz); bad[bad.length - 5] ^= 1;
const bad2 = Buffer.from(gz); bad2[bad2.length - 1] ^= 1;
const df = zlib.deflateSync('hello'); const bad3 = Buffer.from(df); bad3[bad3.length - 1] ^= 1;
for (const [f, b] of [['gunzipSync', bad], ['gunzipSync', bad2], ['inflateSync', bad3]]) {
  try { zlib[f](b); print('ok'); } catch (e) { print(f, e, e.errno, e.message); }
}
//# gzip members and trailing data
const zlib = require('zlib');
const gz = zlib.gzipSync('one ');
const gz2 = zlib.gzipSync('two');
print(zlib.gunzipSync(Buffer.concat([gz, gz2])).toString());
print(zlib.gunzipSync(Buffer.concat([gz, Buffer.alloc(4)])).toString());
for (const tail of [Buffer.from('trailing'), Buffer.from([0x1f, 0x8b, 8])]) {
  try { zlib.gunzipSync(Buffer.concat([gz, tail])); print('ok'); } catch (e) { print(e, e.errno, e.message); }
}
//# maxOutputLength
const zlib = require('zlib');
const big = zlib.deflateSync(Buffer.alloc(100000, 'a'));
try { zlib.inflateSync(big, { maxOutputLength: 1000 }); } catch (e) { print(e, e.message); }
print(zlib.inflateSync(big, { maxOutputLength: 100000 }).length);
try { zlib.gunzipSync(zlib.gzipSync('0123456789a'), { maxOutputLength: 10 }); } catch (e) { print(e, e.message); }
try { zlib.deflateSync('abc', { maxOutputLength: 0 }); } catch (e) { print(e, e.message); }
try { zlib.deflateSync('abc', { maxOutputLength: 2 ** 32 + 1 }); } catch (e) { print(e, e.message); }
//# finishFlush
const zlib = require('zlib');
const df = zlib.deflateSync('hello world');
print(zlib.inflateSync(df, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString());
print(zlib.inflateSync(df.subarray(0, df.length - 4), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString());
print(zlib.gunzipSync(zlib.gzipSync('partial gzip').subarray(0, 20), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString());
//# windowBits
const zlib = require('zlib');
print(zlib.inflateSync(zlib.deflateSync('w', { windowBits: 15 }), { windowBits: 15 }).toString(), zlib.gunzipSync(zlib.gzipSync('x'), { windowBits: 0 }).toString());
print(zlib.inflateSync(Buffer.from('GJUrycyrBAAEZAHF', 'base64'), { windowBits: 9 }).toString());
try { zlib.inflateSync(zlib.deflateSync('hello world'), { windowBits: 9 }); } catch (e) { print(e, e.errno, e.message); }
for (const [f, wb] of [['gzipSync', 8], ['gzipSync', 16], ['deflateSync', 7], ['inflateRawSync', 0], ['deflateSync', 'x']]) {
  try { zlib[f]('a', { windowBits: wb }); print('ok'); } catch (e) { print(f, wb, e, e.message); }
}
//# option errors
const zlib = require('zlib');
for (const opts of [{ level: 10 }, { level: 'x' }, { level: null }, { level: Infinity }, { memLevel: 10 }, { strategy: 5 }, { chunkSize: 1 }, { dictionary: 'x' }, { finishFlush: 6 }, { flush: -1 }]) {
  try { zlib.deflateSync('abc', opts); print('ok'); } catch (e) { print(e, e.message); }
}
print(zlib.inflateSync(zlib.deflateSync('nan', { level: NaN })).toString());
//# argument errors
const zlib = require('zlib');
for (const f of [() => zlib.gzipSync(1), () => zlib.gzipSync({}), () => zlib.gunzipSync(null), () => zlib.gzip('abc'), () => zlib.gzip('abc', {}), () => zlib.inflate(5, () => {})]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# callbacks
const zlib = require('zlib');
const gz = await new Promise((resolve, reject) => zlib.gzip('callback data', (err, out) => (err ? reject(err) : resolve(out))));
print(Buffer.isBuffer(gz));
await new Promise((resolve) => zlib.gunzip(gz, { maxOutputLength: 100 }, (err, out) => { print(err, out.toString()); resolve(); }));
await new Promise((resolve) => zlib.inflate(Buffer.from('garbage'), (err, out) => { print(err, err.errno, err.message, out); resolve(); }));
await new Promise((resolve) => zlib.unzip(Buffer.from('eLs3agaGS0HjK2SkFqUCAFzACEo=', 'base64'), { dictionary: Buffer.from('dictionary words') }, (err, out) => { print(err, out.toString()); resolve(); }));
let sync = true;
const done = new Promise((r) => zlib.deflateRaw('x', () => { print('called back', sync); r(); }));
sync = false;
await done;
//# promisify
const zlib = require('zlib');
const promisify = (f) => (...a) => new Promise((res, rej) => f(...a, (e, v) => (e ? rej(e) : res(v))));
const z = await promisify(zlib.deflate)('promisified', { level: 9 });
print((await promisify(zlib.inflate)(z)).toString());
try { await promisify(zlib.gunzip)(Buffer.from('nope')); } catch (e) { print(e, e.message); }
//# constants and codes
const zlib = require('zlib');
const c = zlib.constants;
print(c.Z_OK, c.Z_STREAM_END, c.Z_NEED_DICT, c.Z_DATA_ERROR, c.Z_BUF_ERROR, c.Z_SYNC_FLUSH, c.Z_FINISH, c.Z_BEST_COMPRESSION, c.Z_DEFAULT_COMPRESSION, c.Z_HUFFMAN_ONLY, c.Z_DEFAULT_WINDOWBITS, c.Z_MAX_CHUNK, c.Z_DEFAULT_CHUNK, c.GZIP, c.UNZIP);
print(zlib.codes.Z_DATA_ERROR, zlib.codes['-3'], zlib.codes[2], Object.isFrozen(zlib.codes));
print(zlib.Z_OK, zlib.Z_BEST_SPEED, zlib.Z_DEFAULT_STRATEGY, Object.keys(zlib).includes('Z_OK'), zlib.BROTLI_DECODE);
print(require('node:zlib') === zlib, typeof zlib.gzipSync, zlib.gzipSync.name, zlib.gzip.name);
//# crc32
const zlib = require('zlib');
print(zlib.crc32('hello'), zlib.crc32(Buffer.from('hello')), zlib.crc32('world', zlib.crc32('hello ')), zlib.crc32('hello world'), zlib.crc32(''), zlib.crc32(new Uint8Array([1, 2, 3])));
for (const f of [() => zlib.crc32(1), () => zlib.crc32('a', 'b'), () => zlib.crc32('a', -1)]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
