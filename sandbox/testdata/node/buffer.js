//# from string and encodings
const b = Buffer.from('héllo');
print(b, b.length, b.toString('hex'), b.toString('base64'));
print(Buffer.from('aGVsbG8=', 'base64').toString(), Buffer.from('68656c6c6f', 'hex').toString('utf8'));
//# byteLength and isBuffer
print(Buffer.byteLength('héllo'), Buffer.byteLength('abc', 'hex'), Buffer.isBuffer(Buffer.alloc(1)), Buffer.isBuffer(new Uint8Array(1)));
//# concat and equals
const a = Buffer.concat([Buffer.from('ab'), Buffer.from('cd')]);
print(a.toString(), a.equals(Buffer.from('abcd')));
//# subarray shares memory
const b = Buffer.from('hello');
const s = b.subarray(1, 3);
s[0] = 0x45;
print(b.toString(), s.toString());
//# require buffer
const { Buffer: B } = require('buffer');
print(B === Buffer, typeof require('node:buffer').Buffer);
//# encodings from and toString
const b = Buffer.from('héllo €😀', 'utf16le');
print(b, b.toString('ucs2'), b.toString('UTF-16LE'), Buffer.from('é\u00ff', 'latin1'), Buffer.from('é', 'binary').toString('latin1'), Buffer.from('a\u0100b', 'ascii'));
print(Buffer.from([0xe9, 0x41, 0xff]).toString('ascii'), Buffer.from([0xe9, 0x41]).toString('latin1'), Buffer.from('-_8', 'base64url'), Buffer.from([0xfb, 0xff]).toString('base64url'), Buffer.from('AbC', 'HEX'));
print(JSON.stringify(Buffer.from([0x61, 0xe2, 0x82, 0x62, 0xff, 0xed, 0xa0, 0x80]).toString()), Buffer.from('hello').toString('utf8', 1, 3), Buffer.from('hello').toString(undefined, -1, 100), Buffer.from('hello').toString('hex', 3, 1));
try { Buffer.from('x', 'nope'); } catch (e) { print(e, e.message); }
try { Buffer.from('x').toString('nope'); } catch (e) { print(e, e.message); }
try { Buffer.from('x').toString(null); } catch (e) { print(e, e.message); }
//# isEncoding and byteLength
print(Buffer.isEncoding('utf8'), Buffer.isEncoding('UCS-2'), Buffer.isEncoding('base64url'), Buffer.isEncoding('nope'), Buffer.isEncoding(''), Buffer.isEncoding(1), Buffer.isEncoding('latin1'));
print(Buffer.byteLength('héllo', 'latin1'), Buffer.byteLength('héllo', 'utf16le'), Buffer.byteLength('aGk=', 'base64'), Buffer.byteLength(new ArrayBuffer(7)));
//# compare
const a = Buffer.from('abc'), b = Buffer.from('abd'), c = Buffer.from('ab');
print(Buffer.compare(a, b), Buffer.compare(b, a), Buffer.compare(a, a), Buffer.compare(c, a), Buffer.compare(a, new Uint8Array([97, 98, 99])));
print(a.compare(b), a.compare(b, 0, 2, 0, 2), a.compare(b, 2), a.compare(b, 0, 0), a.compare(b, 1, 1, 2, 2), a.compare(b, 0, 3, 2));
print([b, c, a].sort(Buffer.compare).map(String));
try { Buffer.compare(a, 'abc'); } catch (e) { print(e, e.message); }
try { a.compare(b, -1); } catch (e) { print(e, e.message); }
try { a.compare(b, 0, 9); } catch (e) { print(e, e.message); }
try { a.compare(b, 'x'); } catch (e) { print(e, e.message); }
//# indexOf lastIndexOf includes
const b = Buffer.from('this is a buffer is');
print(b.indexOf('is'), b.indexOf('is', 3), b.indexOf(Buffer.from('buf')), b.indexOf(97), b.indexOf(0x69 + 256), b.indexOf('zz'), b.indexOf('is', -3), b.indexOf(''), b.indexOf('', 100));
print(b.lastIndexOf('is'), b.lastIndexOf('is', 10), b.lastIndexOf('is', -3), b.lastIndexOf(105), b.lastIndexOf('t', -100), b.lastIndexOf(''), b.lastIndexOf('is', 100));
print(b.includes('buffer'), b.includes('buffer', 11), b.includes(116), b.indexOf('6973', 'hex'), b.indexOf('aXM=', 'base64'), b.indexOf('is', 'latin1'), b.indexOf('is', undefined), b.indexOf('is', {}), b.indexOf('is', null));
try { b.indexOf({}); } catch (e) { print(e, e.message); }
try { b.indexOf('x', 0, 'nope'); } catch (e) { print(e, e.message); }
//# fill
print(Buffer.alloc(5).fill('ab'), Buffer.alloc(5).fill(257), Buffer.alloc(5).fill('é'), Buffer.alloc(4).fill('a', 1, 3), Buffer.alloc(4).fill('6162', 'hex'), Buffer.alloc(4).fill('ab', 1, 'latin1'));
print(Buffer.alloc(5, 'xy'), Buffer.alloc(4, 'YWI=', 'base64'), Buffer.alloc(3, 7), Buffer.alloc(4).fill(Buffer.from([1, 2, 3])), Buffer.alloc(3).fill(''), Buffer.alloc(2).fill(true));
try { Buffer.alloc(3).fill('a', 0, 5); } catch (e) { print(e, e.message); }
try { Buffer.alloc(3).fill('a', 'nope'); } catch (e) { print(e, e.message); }
try { Buffer.alloc(3).fill(Buffer.alloc(0)); } catch (e) { print(e); }
try { Buffer.alloc(-1); } catch (e) { print(e, e.message); }
try { Buffer.alloc('5'); } catch (e) { print(e, e.message); }
//# copy
const src = Buffer.from('abcdef');
const dst = Buffer.alloc(4, '.');
print(src.copy(dst), dst.toString(), src.copy(dst, 1, 4), dst.toString(), src.copy(dst, 0, 2, 3), dst.toString(), src.copy(dst, 10), src.copy(dst, 0, 3, 3));
const u = new Uint8Array(3);
print(src.copy(u, 1), u, src.copy(dst, 1.5, '2'), dst.toString());
try { src.copy('x'); } catch (e) { print(e, e.message); }
try { src.copy(dst, -1); } catch (e) { print(e, e.message); }
try { src.copy(dst, 0, 7); } catch (e) { print(e, e.message); }
//# slice shares memory and toJSON
const b = Buffer.from('hello');
const s = b.slice(1, -1);
s[0] = 0x45;
print(b.toString(), s.toString(), Buffer.isBuffer(s), b.slice(-2).toString(), b.slice(3, 1).length, b.slice(NaN, 2).toString(), b.slice(1.7).toString(), b.slice(0, 100).length);
print(JSON.stringify(Buffer.from([1, 2, 3])), Buffer.alloc(0).toJSON(), JSON.stringify({ b: Buffer.from('hi') }));
//# swap
print(Buffer.from([1, 2, 3, 4]).swap16(), Buffer.from([1, 2, 3, 4]).swap32(), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).swap64());
try { Buffer.from([1, 2, 3]).swap16(); } catch (e) { print(e, e.message); }
try { Buffer.from([1, 2]).swap32(); } catch (e) { print(e, e.message); }
try { Buffer.from([1, 2]).swap64(); } catch (e) { print(e, e.message); }
//# write
const b = Buffer.alloc(8);
print(b.write('hé'), b, b.write('zz', 6), b, b.write('abc', 1, 1), b.write('6162', 0, 'hex'), b, b.write('€', 7), b);
const c = Buffer.alloc(6);
print(c.write('ab', 'utf16le'), c, c.write('xyz', 2, 3, 'latin1'), c, c.write('€', 5, 'ucs2'), c.write('aGVsbG8=', 'base64'), c);
try { b.write(1); } catch (e) { print(e, e.message); }
try { b.write('a', 9); } catch (e) { print(e, e.message); }
try { b.write('a', 0, 1, 'nope'); } catch (e) { print(e, e.message); }
//# read write numbers and aliases
const b = Buffer.alloc(8);
b.writeUint16LE(0x1234, 0); b.writeUInt32BE(0xdeadbeef, 2); b.writeInt8(-2, 6);
print(b, b.readUint16LE(0), b.readUInt32BE(2), b.readInt8(6), b.readUint8(7), typeof b.readUintLE, typeof b.writeBigUint64LE);
b.writeDoubleLE(1.5, 0);
print(b.readDoubleLE(0), b.readBigUInt64LE(0), b.readInt16BE(6), b.readUIntBE(0, 3), b.readIntLE(5, 3));
//# copyBytesFrom constants keys
const u16 = new Uint16Array([1, 2, 0xffff]);
print(Buffer.copyBytesFrom(u16), Buffer.copyBytesFrom(u16, 1), Buffer.copyBytesFrom(u16, 1, 1), Buffer.copyBytesFrom(u16, 5));
const buffer = require('buffer');
print(buffer.constants.MAX_LENGTH, buffer.kMaxLength, buffer.INSPECT_MAX_BYTES, buffer.isUtf8(Buffer.from('é')), buffer.isUtf8(Buffer.from([0xff])), buffer.isAscii(Buffer.from('a')), buffer.isAscii(Buffer.from('é')));
const b = Buffer.from('ab');
print([...b.keys()], [...b.values()], [...b.entries()], [...b]);
//# typed array methods and from variants
const b = Buffer.of(1, 2, 3);
print(b, Buffer.isBuffer(b), Buffer.isBuffer(b.map((x) => x * 2)), b.map((x) => x * 2), Buffer.isBuffer(b.subarray(1)), b.reverse(), b.at(-1));
const ab = new Uint8Array([9, 8, 7, 6]).buffer;
const v = Buffer.from(ab, 1, 2); new Uint8Array(ab)[1] = 0;
print(v, Buffer.from(Buffer.from('xy')), Buffer.from([257, -1, 1.9]), Buffer.from({ length: 2, 0: 5 }), Buffer.from(new Uint16Array([1, 256])));
//# read and write out of range
const b = Buffer.alloc(4);
for (const f of [() => b.readUInt8(4), () => b.readUInt16LE(3), () => b.writeUInt8(256, 0), () => b.writeInt8(-129), () => b.readUInt32BE(-1), () => b.readUInt8(1.5), () => b.writeUInt16BE(1, 3)]) {
  try { print(f()); } catch (e) { print(e, e.message); }
}
//# read and write range errors in detail
const b = Buffer.alloc(8);
for (const f of [() => b.writeUInt32LE(2 ** 32), () => b.writeInt32BE(-(2 ** 31) - 1), () => b.writeBigInt64LE(2n ** 63n), () => b.writeBigUInt64BE(-1n),
  () => b.writeUIntLE(2 ** 48, 0, 6), () => b.writeIntBE(-(2 ** 39) - 1, 0, 5), () => b.readUIntLE(0, 7), () => b.readIntBE(0), () => b.readUIntBE(), () => b.writeUIntLE(1, 0, 0.5),
  () => b.readDoubleLE(1), () => b.writeFloatBE(1.5, 5), () => b.readUInt16LE('1'), () => b.writeUInt8(1, -0.5), () => b.readBigUInt64LE(1), () => Buffer.alloc(1).readUInt16LE(0),
  () => b.writeUInt16LE(65535, 6), () => b.writeInt16LE('12', 0), () => b.writeUIntBE(0x123456, 1, 3), () => b.readUIntBE(1, 3), () => b.readIntLE(1, 3), () => b.writeDoubleBE(-0, 0)]) {
  try { print(f()); } catch (e) { print(e, e.message); }
}
print(b, typeof b.readBigUint64LE, typeof b.writeUint32BE);
//# new Buffer
const b = new Buffer(3);
print(b, Buffer.isBuffer(b), new Buffer('ab'), new Buffer([1, 2]), Buffer.of(7, 8), Buffer.isBuffer(Buffer.of()), Buffer.from([1, 2, 3]).filter((x) => x > 1));
try { new Buffer(-1); } catch (e) { print(e, e.message); }
