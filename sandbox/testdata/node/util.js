//# format specifiers
const util = require('util');
print(util.format('%s %d %i %f %j %%', 'a', 42.5, 42.9, '3.5x', { a: [1] }), util.format('%s', 1n, 'extra', 2));
print(util.format('%d %i %f', '0x10', '12px', 'x'), util.format('%d %i', 5n, 7n), util.format('%d', Symbol('s')), util.format('%s', -0));
print(util.format('%c%s', 'color: red', 'x'), util.format('%o', [1, { a: 2 }]), util.format('%O', { a: { b: { c: { d: 1 } } } }));
print(util.format('%s %s', 'only'), util.format('a', 'b', 3, { c: 1 }), util.format(1, 2), util.format(), util.format('%'), util.format('%x', 1));
//# format %s objects and %j circular
const util = require('util');
const o = { a: 1 }; o.self = o;
print(util.format('%j', o), util.format('%s', { toString() { return 'custom'; } }), util.format('%s', { a: { b: 1 } }));
print(util.format('%s', [1, [2, [3]]]), util.format('%s', null, undefined), util.format('%s', new Error('e').message), util.format('%s %s', Symbol('x'), () => 1));
class A { toString() { return 'A!'; } }
print(util.format('%s', new A()), util.format('%s', new Date(0)), util.format('%j', undefined), util.format('%j', 1n === 1n));
//# formatWithOptions
const util = require('util');
print(util.formatWithOptions({ compact: false }, '%O', { a: 1 }), util.formatWithOptions({ depth: 0 }, { a: { b: 1 } }));
try { util.formatWithOptions(1, 'x'); } catch (e) { print(e, e.message); }
//# inspect primitives
const util = require('util');
print(util.inspect('a'), util.inspect("it's"), util.inspect('it\'s "q"'), util.inspect('it\'s "q" `b`'), util.inspect('a\nb\t\u0001\u007f\\'));
print(util.inspect(1), util.inspect(-0), util.inspect(NaN), util.inspect(10n), util.inspect(true), util.inspect(undefined), util.inspect(null));
print(util.inspect(Symbol('s')), util.inspect(Symbol()), util.inspect(Symbol.iterator), util.inspect('\ud800x'), util.inspect(1234567.891, { numericSeparator: true }), util.inspect(123456789n, { numericSeparator: true }));
//# inspect objects and arrays
const util = require('util');
print(util.inspect({}), util.inspect([]), util.inspect({ a: 1, 'b-c': 2, [Symbol('s')]: 3, 1: 4 }), util.inspect([1, 'a', [2, [3, [4, [5]]]]]));
print(util.inspect({ a: { b: { c: { d: { e: 1 } } } } }), util.inspect({ a: { b: { c: {} } } }, { depth: 0 }), util.inspect([[[[1]]]], { depth: 1 }));
print(util.inspect(Object.create(null)), util.inspect(Object.assign(Object.create(null), { a: 1 })), util.inspect({ __proto__: { x: 1 } }));
print(util.inspect([1, , 3, , , 6]), util.inspect(new Array(5)), util.inspect(Object.assign([1, 2], { extra: true })));
//# inspect long and nested output breaks lines
const util = require('util');
const o = { alpha: 'aaaaaaaaaaaaaaaaaaaa', beta: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', gamma: 'cccccccccccccccccccccccccccccc', delta: [1, 2, 3], epsilon: { z: 1 } };
print(util.inspect(o));
print(util.inspect(o, { compact: false }));
print(util.inspect(o, { breakLength: 40 }));
print(util.inspect(o, { compact: true }));
print(util.inspect({ a: [{ b: { c: [1, 2, { d: 3 }] } }] }, { compact: 1 }));
//# inspect array grouping
const util = require('util');
print(util.inspect(Array.from({ length: 30 }, (_, i) => i * 7)));
print(util.inspect(Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(i % 5 + 1))));
print(util.inspect(Array.from({ length: 120 }, (_, i) => i)));
print(util.inspect(Array.from({ length: 10 }, (_, i) => i), { maxArrayLength: 3 }), util.inspect([1, 2, 3], { maxArrayLength: 0 }));
//# inspect long strings
const util = require('util');
print(util.inspect('x'.repeat(200)).length, util.inspect({ s: 'line one\nline two\nline three is a longer line of text to pass the break length of the output here' }));
print(util.inspect('abcdef', { maxStringLength: 3 }), util.inspect(['abcdef'], { maxStringLength: 1 }));
//# inspect maps sets
const util = require('util');
print(util.inspect(new Map([['a', 1], [{ b: 2 }, [3]]])), util.inspect(new Set([1, 'two', [3]])), util.inspect(new Map()), util.inspect(new Set()));
print(util.inspect(new Map([[1, new Map([[2, new Map([[3, new Map()]])]])]])), util.inspect(new Set([1, 2, 3, 4]), { maxArrayLength: 2 }));
class MyMap extends Map {}
print(util.inspect(new MyMap([[1, 2]])), util.inspect(Object.assign(new Set([1]), { x: 1 })));
//# inspect dates regexps errors
const util = require('util');
print(util.inspect(new Date(0)), util.inspect(new Date(NaN)), util.inspect(/a+b/gi), util.inspect(Object.assign(/x/, { y: 1 })));
const e = new Error('boom'); e.stack = 'Error: boom\n    at f (file.js:1:1)';
print(util.inspect(e));
const e2 = new TypeError('bad'); e2.stack = ''; e2.code = 'ERR_X';
print(util.inspect(e2), util.inspect({ err: e2 }));
const e3 = new RangeError('r'); e3.stack = 'RangeError: r'; e3.name = 'Custom';
print(util.inspect(e3));
class MyError extends Error {}
const e4 = new MyError('m'); e4.stack = 'Error: m';
print(util.inspect(e4));
const e5 = new Error('outer', { cause: 'inner' }); e5.stack = 'Error: outer';
print(util.inspect(e5));
//# inspect class instances functions
const util = require('util');
class Point { constructor() { this.x = 1; this.y = 2; } }
class Empty {}
print(util.inspect(new Point()), util.inspect(new Empty()), util.inspect([new Point()]));
function named() {}
print(util.inspect(named), util.inspect(() => {}), util.inspect(async function af() {}), util.inspect(function* gen() {}), util.inspect(Object.assign(function f() {}, { a: 1 })));
print(util.inspect(Point), util.inspect(class extends Point {}), util.inspect(class B extends Point {}), util.inspect(Math.max));
//# inspect getters symbols toStringTag
const util = require('util');
const o = { get a() { return 1; }, set b(v) {}, get c() { return { x: 1 }; }, set c(v) {} };
print(util.inspect(o), util.inspect(o, { getters: true }));
print(util.inspect({ get t() { throw new Error('no'); } }, { getters: true }));
print(util.inspect({ [Symbol.toStringTag]: 'Tagged', a: 1 }), util.inspect(new (class Foo { get [Symbol.toStringTag]() { return 'Bar'; } })()));
const h = {}; Object.defineProperty(h, 'hidden', { value: 1, enumerable: false });
print(util.inspect(h), util.inspect(h, { showHidden: true }), util.inspect(h, true));
//# inspect circular
const util = require('util');
const a = { name: 'a' }; a.self = a; a.list = [a, { a }];
print(util.inspect(a));
const m = new Map(); m.set('m', m);
print(util.inspect(m), util.inspect([[a]]));
//# inspect buffers typed arrays arraybuffers
const util = require('util');
print(util.inspect(Buffer.from('hello')), util.inspect(Buffer.alloc(60)), util.inspect(new Uint8Array([1, 2, 3])), util.inspect(new Float64Array(2)));
print(util.inspect(new ArrayBuffer(3)), util.inspect(new BigInt64Array(2)), util.inspect(new Uint8Array(0)), util.inspect(new DataView(new ArrayBuffer(2))));
print(util.inspect({ buf: Buffer.from([1, 2]) }), util.inspect(new Uint16Array(3), { showHidden: true }));
//# inspect boxed promises weak
const util = require('util');
print(util.inspect(new Number(3)), util.inspect(new String('ab')), util.inspect(Object(Symbol('q'))), util.inspect(new Boolean(false)), util.inspect(Object(1n)));
print(util.inspect(Promise.resolve(4)), util.inspect(Promise.reject(new Error('x')).catch(() => {}) && new Promise(() => {})), util.inspect(new WeakMap()), util.inspect(new WeakSet()));
const rej = Promise.reject(3); rej.catch(() => {});
print(util.inspect(rej), util.inspect({ p: Promise.resolve({ a: 1 }) }));
//# inspect custom
const util = require('util');
const o = { [util.inspect.custom](depth, options, insp) { return 'custom(' + depth + ',' + typeof options.stylize + ',' + (insp === util.inspect) + ')'; } };
print(util.inspect(o), util.inspect({ nested: o }), util.inspect([o], { depth: 5 }));
const p = { [Symbol.for('nodejs.util.inspect.custom')]() { return { replaced: true }; } };
print(util.inspect(p), util.inspect(p, { customInspect: false }), util.inspect({ inner: { [util.inspect.custom]() { return 'a\nb'; } } }));
//# inspect sorted and options
const util = require('util');
print(util.inspect({ b: 1, a: 2, c: { z: 1, y: 2 } }, { sorted: true }), util.inspect({ b: 1, a: 2 }, { sorted: (x, y) => (x < y ? 1 : -1) }));
print(util.inspect({ a: { b: { c: { d: {} } } } }, { depth: Infinity }), util.inspect({ a: { b: { c: { d: {} } } } }, { depth: null }));
print(util.inspect({ a: 1 }, { colors: true }), util.inspect('s', { colors: true }), util.inspect([null, undefined, 1n, Symbol('c')], { colors: true }));
print(typeof util.inspect.defaultOptions, util.inspect.defaultOptions.depth, util.inspect.custom === Symbol.for('nodejs.util.inspect.custom'));
//# inspect arguments and misc
const util = require('util');
(function () { print(util.inspect(arguments)); })(1, 'a');
(function () { print(util.inspect(arguments)); })();
print(util.inspect({ 'key with space': 1, __proto__: null, 'quote\'s': 2 }), util.inspect({ ['__proto__']: 1 }), util.inspect(globalThis.Math === Math));
print(util.inspect(new (class extends Array {})(3).fill(0)), util.inspect(Object.setPrototypeOf([1], null)));
//# isDeepStrictEqual
const util = require('util');
const eq = util.isDeepStrictEqual;
print(eq({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), eq({ a: 1 }, { a: '1' }), eq([1, 2], [1, 2, 3]), eq(NaN, NaN), eq(0, -0), eq({}, []));
print(eq(new Date(1), new Date(1)), eq(new Date(1), new Date(2)), eq(/a/g, /a/g), eq(/a/g, /a/i), eq(new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]])), eq(new Set([{ a: 1 }, 2]), new Set([2, { a: 1 }])));
print(eq(new Set([1]), new Set([2])), eq(Buffer.from('ab'), Buffer.from('ab')), eq(new Uint8Array([1]), new Int8Array([1])), eq(Object.create(null), {}), eq(new Number(1), new Number(1)), eq(new String('a'), 'a'));
const c1 = { a: 1 }; c1.self = c1; const c2 = { a: 1 }; c2.self = c2;
print(eq(c1, c2), eq(new Error('x'), new Error('x')), eq(new Error('x'), new TypeError('x')), eq([1, , 3], [1, undefined, 3]), eq({ [Symbol.for('s')]: 1 }, { [Symbol.for('s')]: 1 }), eq({ a: undefined }, {}));
//# promisify
const util = require('util');
function cb(a, b, done) { setTimeout(() => (a < 0 ? done(new Error('neg')) : done(null, a + b, 'ignored')), 1); }
const p = util.promisify(cb);
print(p.name, p.length, typeof p(1, 2).then);
print(await p(1, 2));
try { await p(-1, 0); } catch (e) { print(e, e.message); }
function custom() {}
custom[util.promisify.custom] = () => Promise.resolve('custom!');
print(util.promisify(custom) === custom[util.promisify.custom], await util.promisify(custom)(), util.promisify.custom === Symbol.for('nodejs.util.promisify.custom'));
print(util.promisify(p) === p);
try { util.promisify(1); } catch (e) { print(e, e.message); }
const obj = { v: 5, m(done) { done(null, this.v); } };
obj.pm = util.promisify(obj.m);
print(await obj.pm());
//# callbackify
const util = require('util');
async function ok(x) { return x * 2; }
const cbOk = util.callbackify(ok);
print(cbOk.name, cbOk.length);
const r1 = await new Promise((res) => cbOk(21, (err, v) => res([err, v])));
print(r1);
const cbBad = util.callbackify(async () => { throw new TypeError('t'); });
const r2 = await new Promise((res) => cbBad((err) => res(err)));
print(r2, r2.message);
const cbNull = util.callbackify(() => Promise.reject(null));
const r3 = await new Promise((res) => cbNull((err) => res(err)));
print(r3, r3.message, r3.reason);
try { cbOk(1); } catch (e) { print(e, e.message); }
try { util.callbackify('x'); } catch (e) { print(e); }
//# inherits and deprecate
const util = require('util');
function Base() { this.base = true; }
Base.prototype.hello = function () { return 'hi'; };
function Child() { Base.call(this); }
util.inherits(Child, Base);
const c = new Child();
print(c.hello(), c instanceof Base, Child.super_ === Base, c.base);
try { util.inherits(Child, null); } catch (e) { print(e, e.message); }
try { util.inherits(Child, {}); } catch (e) { print(e, e.message); }
const dep = util.deprecate(function (a, b) { return a + b; }, 'old', 'DEP0001');
print(dep(1, 2), typeof dep);
class K { constructor(v) { this.v = v; } }
const DK = util.deprecate(K, 'msg');
print(new DK(3).v, new DK(3) instanceof K);
try { util.deprecate('x'); } catch (e) { print(e); }
try { util.deprecate(() => 1, 'm', 5); } catch (e) { print(e); }
//# types
const t = require('util').types;
print(t.isDate(new Date()), t.isDate({}), t.isRegExp(/a/), t.isRegExp({ source: 'a' }), t.isPromise(Promise.resolve()), t.isPromise({ then() {} }));
print(t.isMap(new Map()), t.isSet(new Set()), t.isMap(new Set()), t.isWeakMap(new WeakMap()), t.isWeakSet(new WeakSet()), t.isTypedArray(new Uint8Array()), t.isTypedArray(Buffer.alloc(1)), t.isTypedArray([]));
print(t.isUint8Array(Buffer.alloc(1)), t.isUint8Array(new Int8Array()), t.isArrayBuffer(new ArrayBuffer(1)), t.isAnyArrayBuffer(new ArrayBuffer(1)), t.isArrayBuffer(new Uint8Array(1)), t.isArrayBufferView(new DataView(new ArrayBuffer(1))), t.isDataView(new DataView(new ArrayBuffer(1))));
print(t.isNativeError(new TypeError()), t.isNativeError({ name: 'Error', message: '' }), t.isNativeError(Object.create(Error.prototype)), t.isAsyncFunction(async () => {}), t.isAsyncFunction(() => {}), t.isGeneratorFunction(function* () {}), t.isGeneratorObject((function* () {})()));
print(t.isBoxedPrimitive(new Number(1)), t.isBoxedPrimitive(1), t.isNumberObject(new Number(1)), t.isStringObject(new String('')), t.isBooleanObject(new Boolean()), t.isSymbolObject(Object(Symbol())), t.isBigIntObject(Object(1n)));
print(t.isMapIterator(new Map().keys()), t.isSetIterator(new Set().values()), t.isArgumentsObject((function () { return arguments; })()), t.isArgumentsObject([]), t.isProxy(new Proxy({}, {})), t.isProxy({}), t.isFloat64Array(new Float64Array()), t.isBigInt64Array(new BigInt64Array()));
//# legacy is functions
const util = require('util');
print(util.isArray([]), util.isArray({}), util.isBoolean(false), util.isBuffer(Buffer.alloc(0)), util.isBuffer(new Uint8Array()), util.isNull(null), util.isNullOrUndefined(undefined), util.isNumber(1), util.isString(''));
print(util.isSymbol(Symbol()), util.isUndefined(undefined), util.isRegExp(/a/), util.isObject({}), util.isObject(null), util.isObject(() => {}), util.isDate(new Date()), util.isError(new Error()), util.isFunction(() => {}), util.isPrimitive('a'), util.isPrimitive({}));
//# TextEncoder TextDecoder from util and require
const util = require('node:util');
print(util.TextEncoder === TextEncoder, util.TextDecoder === TextDecoder, new util.TextEncoder().encode('hé'), require('util') === util);
print(util.toUSVString('a\ud800b'), util.stripVTControlCharacters('\u001b[31mred\u001b[39m'));
//# inspect errors nested and aggregated
const util = require('util');
const e = new Error('inner'); e.stack = 'Error: inner\n    at a (x.js:1:1)\n    at b (y.js:2:2)';
print(util.inspect({ deep: { e } }));
print(util.inspect([e, 1]));
const agg = new AggregateError([Object.assign(new Error('one'), { stack: 'Error: one' })], 'many'); agg.stack = 'AggregateError: many';
print(util.inspect(agg));
const plain = Object.assign(new TypeError('t'), { stack: 'TypeError: t', extra: { x: 1 } });
print(util.inspect(plain), util.inspect(plain, { compact: false }));
const noName = new Error('n'); noName.stack = 'Error: n'; noName.name = undefined;
const nullProto = Object.setPrototypeOf(new Error('np'), null); 
print(util.inspect(noName), util.inspect(Object.assign(new RangeError('x'), { stack: 'oops custom stack' })));
//# inspect wide objects and grouping of mixed arrays
const util = require('util');
const wide = {}; for (let i = 0; i < 30; i++) wide['key' + i] = i;
print(util.inspect(wide));
print(util.inspect([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }, { e: 5 }, { f: 6 }, { g: 7 }]));
print(util.inspect(['a', 1, 'bb', 22, 'ccc', 333, 'dddd', 4444, true, null, undefined]));
print(util.inspect(Array.from({ length: 8 }, (_, i) => 'x'.repeat(i * 4))));
print(util.inspect([1.5, -2, 300, 4e21, -0, NaN, 7, 8, 9]), util.inspect([1n, 22n, 333n, 4n, 5n, 6n, 7n]));
print(util.inspect({ arr: Array.from({ length: 10 }, (_, i) => ({ i })) }, { breakLength: 60 }));
//# inspect classes statics and tags
const util = require('util');
class A { static s = 1; #p = 2; get g() { return 3; } }
class B extends A { constructor() { super(); this.own = true; } get [Symbol.toStringTag]() { return 'BTag'; } }
print(util.inspect(A), util.inspect(B), util.inspect(new B()), util.inspect(Object.create(B.prototype)));
function Legacy() { this.x = 1; }
Legacy.prototype.m = function () {};
print(util.inspect(new Legacy()), util.inspect(Object.create(Legacy.prototype)), util.inspect(Object.create(Object.create(null))));
const anon = new (class {})(); print(util.inspect(anon), util.inspect(new (function () {})()));
print(util.inspect(Object.assign(() => {}, { prop: 1 })), util.inspect(Object.defineProperty(function named() {}, 'name', { value: '' })));
//# inspect depth and nested collections
const util = require('util');
const nested = { m: new Map([['k', { deep: { deeper: { deepest: 1 } } }]]), s: new Set([[1, [2, [3, [4]]]]]) };
print(util.inspect(nested), util.inspect(nested, { depth: 0 }), util.inspect(nested, { depth: 1 }));
print(util.inspect([new Map([[1, 2]])], { depth: 0 }), util.inspect({ a: [] , b: {}, c: new Map(), d: new Set(), e: [[]] }, { depth: 0 }));
print(util.inspect({ a: { b: 1 } }, { depth: -1 }), util.inspect([1, [2]], { depth: -1 }), util.inspect(new Map([[1, 1]]), { depth: -1 }));
//# debuglog extend and inspect of encoders
const util = require('util');
const d = util.debuglog('foo');
let called = false;
const d2 = util.debuglog('bar', () => { called = true; });
print(typeof d, d.enabled, d('x %s', 1), d2.enabled, called, util.debug === util.debuglog);
print(util._extend({ a: 1 }, { b: 2, a: 3 }), util._extend({ a: 1 }, null), util._extend({ a: 1 }, 'str'));
print(util.inspect(new TextDecoder()), util.inspect(new TextEncoder()), util.inspect(new TextDecoder('latin1', { fatal: true })), util.inspect({ td: new TextDecoder('utf-16le') }));
//# inspect proxies
const util = require('util');
let trapped = 0;
const handler = { get(t, k) { trapped++; return Reflect.get(t, k); }, ownKeys(t) { trapped++; return Reflect.ownKeys(t); } };
const p = new Proxy({ a: 1, nested: [1, 2] }, handler);
print(util.inspect(p), util.inspect([p]), util.inspect(p, { showProxy: true }), trapped);
const { proxy, revoke } = Proxy.revocable({}, {}); revoke();
print(util.inspect(proxy), util.inspect(new Proxy([1, 2], {})), util.inspect(new Proxy(function f() {}, {})), util.format('%o', new Proxy({ b: 2 }, {})), util.types.isProxy(proxy));
//# inspect widths of wide characters
const util = require('util');
print(util.inspect(['日本語', '中文字符', '한국어', 'abc', 'é', 'e\u0301', '😀😀', 'ｆｕｌｌ', '文', '字']));
print(util.inspect(Array.from({ length: 12 }, (_, i) => '字'.repeat(i % 4 + 1))), util.inspect({ 'キー': '値'.repeat(30), b: ['あ', 'い', 'う', 'え', 'お', 'か', 'き'] }, { compact: true, breakLength: 40 }));
