//# primitives objects arrays
const o = { a: 1, s: 'x', n: null, u: undefined, b: true, big: 10n, nested: { arr: [1, [2, { c: 3 }]] }, get g() { return 5; } };
Object.defineProperty(o, 'hidden', { value: 1, enumerable: false });
o[Symbol('s')] = 1;
const c = structuredClone(o);
print(c, c === o, c.nested === o.nested, Object.keys(c), typeof Object.getOwnPropertyDescriptor(c, 'g').get);
print(structuredClone(1), structuredClone('s'), structuredClone(null), structuredClone(undefined), structuredClone(-0), structuredClone(NaN), structuredClone([1, , 3]), structuredClone(Object.assign([1], { prop: 2 })).prop);
class K { constructor() { this.a = 1; } m() {} }
const k = structuredClone(new K());
print(k, k instanceof K, Object.getPrototypeOf(k) === Object.prototype, structuredClone(Object.create(null, { x: { value: 1, enumerable: true } })));
//# dates regexps maps sets boxed
const re = /a+/gi; re.lastIndex = 2;
const r = structuredClone(re);
print(structuredClone(new Date(5)), r, r.lastIndex, r === re, structuredClone(new Map([[{ k: 1 }, new Set([1, 2])]])), structuredClone(new Set(['a', { b: 2 }])));
print(structuredClone(new Number(3)) instanceof Number, Number(structuredClone(new Number(3))), String(structuredClone(new String('s'))), typeof structuredClone(new Boolean(false)), structuredClone(Object(2n)).valueOf());
//# buffers and views
const ab = new ArrayBuffer(8);
const v1 = new Uint8Array(ab, 1, 3); const v2 = new Uint16Array(ab, 2, 2); v1[0] = 9;
const r = structuredClone({ v1, v2, ab, dv: new DataView(ab, 4, 2) });
print(r.v1, r.v2, r.v1.buffer === r.v2.buffer, r.ab === r.v1.buffer, r.ab === ab, r.v1.byteOffset, r.v2.byteOffset, r.dv.byteOffset, r.dv.byteLength, r.dv.buffer === r.ab);
const b = structuredClone(Buffer.from('hi'));
print(b, Buffer.isBuffer(b), b.constructor.name, structuredClone(new Float64Array([1.5])), structuredClone(new BigInt64Array([3n])));
//# errors
const e = new RangeError('r', { cause: { c: 1 } }); e.extra = 1;
const c = structuredClone(e);
print(c, c instanceof RangeError, c.name, c.message, c.cause, c.extra, Object.getOwnPropertyNames(c).sort(), typeof c.stack, c === e);
class MyE extends TypeError { constructor(m) { super(m); this.name = 'MyE'; } }
const d = structuredClone(new MyE('x'));
const f = new Error('f'); f.name = 'SyntaxError';
print(d.constructor.name, d.name, d.message, structuredClone(f).constructor.name, structuredClone(new EvalError('ev')) instanceof EvalError, structuredClone(new Error()).message);
//# cycles
const a = { name: 'a' }; a.self = a; a.list = [a]; const m = new Map(); m.set('a', a); a.m = m;
const c = structuredClone(a);
print(c.self === c, c.list[0] === c, c.m.get('a') === c, c === a, c.name);
const shared = { s: 1 };
const two = structuredClone([shared, shared]);
print(two[0] === two[1], two[0] === shared);
//# uncloneable values
for (const v of [Symbol('s'), () => 1, function named() {}, { f() {} }, Promise.resolve(), new WeakMap(), new WeakSet(), { a: Symbol('x') }, [1, () => 2], new Proxy({}, {}), Object(Symbol('b'))]) {
  try { structuredClone(v); print('cloned'); } catch (e) { print(e, e.name, e.message, e instanceof Error); }
}
try { structuredClone(); } catch (e) { print(e, e.message); }
print(structuredClone(1, {}), structuredClone(2, { transfer: [] }), structuredClone(3, undefined));
