//# utf8 split across writes
const { StringDecoder } = require('string_decoder');
const d = new StringDecoder('utf8');
const euro = Buffer.from('€😀é');
print(d.encoding, d.write(euro.subarray(0, 1)), d.write(euro.subarray(1, 2)), d.write(euro.subarray(2, 4)), d.write(euro.subarray(4, 8)), d.end(euro.subarray(8)));
print(d.write(Buffer.from([0xe2, 0x82])), d.end(), d.end(), new StringDecoder().write(Buffer.from([0xf0, 0x9f])), new StringDecoder().end(Buffer.from([0xf0, 0x9f])));
//# utf8 invalid sequences
const { StringDecoder } = require('node:string_decoder');
const d = new StringDecoder('utf-8');
print(JSON.stringify(d.write(Buffer.from([0x61, 0xff, 0x62, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xe2, 0x28, 0xa1]))), JSON.stringify(d.end(Buffer.from([0xe2]))));
print(JSON.stringify(new StringDecoder().write(Buffer.from([0xe2, 0x82, 0x41]))), d.write('str'), d.write(new Uint8Array([104, 105])));
//# utf16le and ucs2
const { StringDecoder } = require('string_decoder');
const d = new StringDecoder('utf16le');
const b = Buffer.from('a😀b', 'utf16le');
print(d.encoding, d.write(b.subarray(0, 1)), d.write(b.subarray(1, 3)), JSON.stringify(d.write(b.subarray(3, 5))), d.write(b.subarray(5)), JSON.stringify(d.end()));
const u = new StringDecoder('UCS-2');
print(u.encoding, JSON.stringify(u.write(Buffer.from([0x3d, 0xd8]))), JSON.stringify(u.end()), JSON.stringify(u.end(Buffer.from([0x41, 0x00, 0x42]))));
//# base64 base64url hex latin1 ascii
const { StringDecoder } = require('string_decoder');
const d = new StringDecoder('base64');
print(d.write(Buffer.from('ab')), d.write(Buffer.from('cde')), d.end(), d.end(Buffer.from('x')));
const u = new StringDecoder('base64url');
print(u.write(Buffer.from([0xfb, 0xff])), u.end(), new StringDecoder('hex').write(Buffer.from([1, 0xab])), new StringDecoder('HEX').end(Buffer.from([255])));
print(new StringDecoder('latin1').write(Buffer.from([0xe9, 0x41])), new StringDecoder('binary').encoding, new StringDecoder('ascii').write(Buffer.from([0xe9, 0x41])));
//# misuse
const { StringDecoder } = require('string_decoder');
try { new StringDecoder('nope'); } catch (e) { print(e, e.message); }
try { new StringDecoder().write(123); } catch (e) { print(e, e.message); }
try { new StringDecoder().write({}); } catch (e) { print(e, e.message); }
print(new StringDecoder(null).encoding, new StringDecoder('').encoding, typeof StringDecoder, new StringDecoder().end());
