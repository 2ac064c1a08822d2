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
