// The golden harness: show renders a value the same way under Node and in
// the reactor sandbox, so that a snippet's printed lines can be compared
// with the lines the same snippet printed under node. It is plain
// ECMAScript and uses nothing from either runtime.
function show(v, depth) {
  depth = depth || 0;
  if (depth > 6) return '...';
  const t = typeof v;
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (t === 'string') return JSON.stringify(v);
  if (t === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (t === 'bigint') return String(v) + 'n';
  if (t === 'boolean') return String(v);
  if (t === 'symbol') return v.toString();
  if (t === 'function') return '[Function ' + (v.name || '(anonymous)') + ']';
  const tag = Object.prototype.toString.call(v);
  if (v instanceof Error) {
    return '<' + v.name + (v.code !== undefined ? ' ' + v.code : '') + '>';
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const name = v.constructor && v.constructor.name;
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    let hex = '';
    for (let i = 0; i < bytes.length && i < 256; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return '<' + name + ' ' + v.length + ' ' + hex + '>';
  }
  if (v instanceof ArrayBuffer) return '<ArrayBuffer ' + v.byteLength + '>';
  if (Array.isArray(v)) return '[' + v.map((x) => show(x, depth + 1)).join(', ') + ']';
  if (v instanceof Date) return '<Date ' + (isNaN(v) ? 'Invalid' : v.toISOString()) + '>';
  if (v instanceof RegExp) return String(v);
  if (v instanceof Map) return '<Map ' + Array.from(v, ([k, x]) => show(k, depth + 1) + ' => ' + show(x, depth + 1)).join(', ') + '>';
  if (v instanceof Set) return '<Set ' + Array.from(v, (x) => show(x, depth + 1)).join(', ') + '>';
  if (typeof v.then === 'function') return '<Promise>';
  const ctor = Object.getPrototypeOf(v) === null ? 'null' : (v.constructor && v.constructor.name) || '?';
  const keys = Object.keys(v);
  const body = keys.map((k) => JSON.stringify(k) + ': ' + show(v[k], depth + 1)).join(', ');
  return (ctor === 'Object' ? '' : ctor + ' ') + '{' + body + '}';
}
