//# TextEncoder
const te = new TextEncoder();
print(te.encoding, te.encode('hé€😀'), te.encode(), te.encode(''), te.encode(12), te.encode('\ud800'), Object.prototype.toString.call(te));
const dest = new Uint8Array(5);
print(te.encodeInto('a€😀', dest), dest, te.encodeInto('', dest), te.encodeInto('xyz', new Uint8Array(2)));
try { te.encodeInto('a', []); } catch (e) { print(e); }
//# TextDecoder utf-8
const td = new TextDecoder();
print(td.encoding, td.fatal, td.ignoreBOM, td.decode(new Uint8Array([0xef, 0xbb, 0xbf, 104, 195, 169])), td.decode(), td.decode(new Uint8Array([104, 105]).buffer));
print(JSON.stringify(td.decode(new Uint8Array([0xff, 0x61, 0xe2, 0x82]))), new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length, td.decode(new DataView(new Uint8Array([65, 66]).buffer)));
try { new TextDecoder('utf8', { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { print(e, e.message); }
try { td.decode('str'); } catch (e) { print(e, e.message); }
try { new TextDecoder('klingon'); } catch (e) { print(e, e.message); }
//# TextDecoder stream
const td = new TextDecoder();
const b = new TextEncoder().encode('€😀');
print(td.decode(b.subarray(0, 2), { stream: true }), td.decode(b.subarray(2, 5), { stream: true }), td.decode(b.subarray(5)), JSON.stringify(td.decode(b.subarray(0, 1), { stream: true })), JSON.stringify(td.decode()));
const bom = new TextDecoder();
print(JSON.stringify(bom.decode(new Uint8Array([0xef, 0xbb]), { stream: true })), JSON.stringify(bom.decode(new Uint8Array([0xbf, 0x41]), { stream: true })), JSON.stringify(bom.decode(new Uint8Array([0xef, 0xbb, 0xbf]))));
//# TextDecoder utf-16le and latin1
const u = new TextDecoder('utf-16le');
print(u.encoding, u.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x3d, 0xd8, 0x00, 0xde])), JSON.stringify(u.decode(new Uint8Array([0x00, 0xd8, 0x41, 0x00]))), JSON.stringify(u.decode(new Uint8Array([0x41]))));
print(new TextDecoder('UTF-16').encoding, new TextDecoder(' latin1 ').encoding, new TextDecoder('ascii').decode(new Uint8Array([0x80, 0xe9, 0x41, 0x9f])), new TextDecoder('unicode-1-1-utf-8').encoding);
try { new TextDecoder('utf-16le', { fatal: true }).decode(new Uint8Array([0x00, 0xdc])); } catch (e) { print(e); }
