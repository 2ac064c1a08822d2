(function (exports, require, module, natives) {
  'use strict';
  // structuredClone, the HTML structured clone algorithm as V8 serializes
  // for Node 20: primitives, plain objects and arrays (own enumerable string
  // keys, getters read), Date, RegExp, Map, Set, ArrayBuffer, typed arrays
  // and DataView (views of one buffer stay views of one clone), the native
  // error types, boxed primitives, and cycles. Anything else (functions,
  // symbols, promises, weak collections, proxies) throws a DataCloneError.
  // Not a module: the global of that name. natives (util.go) gives the
  // DOMException and the brand checks.
  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const tryCall = (fn, v) => {
    try {
      fn.call(v);
      return true;
    } catch {
      return false;
    }
  };
  const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag).get;
  const abByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
  const dvByteLength = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength').get;
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
  const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
  const DateGetTime = Date.prototype.getTime;
  const ArrayBufferSlice = ArrayBuffer.prototype.slice;
  const ctors = {
    Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array,
    Float64Array, BigInt64Array, BigUint64Array,
  };
  const errorCtors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  const MapSet = Map.prototype.set;
  const SetAdd = Set.prototype.add;

  function cloneError(what) {
    let desc;
    if (typeof what === 'symbol') desc = what.toString();
    else if (typeof what === 'function') desc = Function.prototype.toString.call(what);
    else desc = '#<' + (natives.isProxy(what) ? 'Object' : ctorName(what)) + '>';
    return natives.dataCloneError(desc + ' could not be cloned.');
  }
  function ctorName(o) {
    try {
      for (let p = o; p !== null; p = Object.getPrototypeOf(p)) {
        const d = Object.getOwnPropertyDescriptor(p, 'constructor');
        if (d && typeof d.value === 'function' && d.value.name) return d.value.name;
      }
    } catch {
      // fall through
    }
    return 'Object';
  }

  function structuredClone(value, options) {
    if (arguments.length === 0) {
      const e = new TypeError('The value argument must be specified');
      e.code = 'ERR_MISSING_ARGS';
      throw e;
    }
    if (options !== undefined && options !== null && typeof options === 'object' && options.transfer !== undefined) {
      const list = Array.from(options.transfer);
      if (list.length !== 0) throw natives.notSupported('Transferring objects is not supported in the reactor sandbox');
    }
    return clone(value, new Map());
  }

  function clone(v, memory) {
    if (typeof v === 'symbol' || typeof v === 'function') throw cloneError(v);
    if (typeof v !== 'object' || v === null) return v;
    if (memory.has(v)) return memory.get(v);
    let out;
    switch (natives.kind(v)) {
      case 'array':
        out = new Array(v.length);
        memory.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k], memory);
        return out;
      case 'date':
        out = new Date(DateGetTime.call(v));
        break;
      case 'regexp':
        out = new RegExp(v.source, v.flags);
        break;
      case 'arraybuffer':
        out = ArrayBufferSlice.call(v, 0);
        break;
      case 'typedarray': {
        const buf = clone(v.buffer, memory);
        out = new ctors[typedArrayTag.call(v)](buf, v.byteOffset, v.length);
        break;
      }
      case 'map':
        out = new Map();
        memory.set(v, out);
        for (const [k, x] of Map.prototype.entries.call(v)) MapSet.call(out, clone(k, memory), clone(x, memory));
        return out;
      case 'set':
        out = new Set();
        memory.set(v, out);
        for (const x of Set.prototype.values.call(v)) SetAdd.call(out, clone(x, memory));
        return out;
      case 'error': {
        const name = String(v.name);
        const Ctor = hasOwn(errorCtors, name) ? errorCtors[name] : Error;
        out = Object.create(Ctor.prototype);
        memory.set(v, out);
        const stack = v.stack;
        if (stack !== undefined) Object.defineProperty(out, 'stack', { value: String(stack), writable: true, configurable: true });
        const message = Object.getOwnPropertyDescriptor(v, 'message');
        if (message && 'value' in message) Object.defineProperty(out, 'message', { value: String(message.value), writable: true, configurable: true });
        if (hasOwn(v, 'cause')) Object.defineProperty(out, 'cause', { value: clone(v.cause, memory), writable: true, configurable: true });
        return out;
      }
      case 'number':
        out = Object(Number.prototype.valueOf.call(v));
        break;
      case 'string':
        out = Object(String.prototype.valueOf.call(v));
        break;
      case 'boolean':
        out = Object(Boolean.prototype.valueOf.call(v));
        break;
      case 'bigint':
        out = Object(BigInt.prototype.valueOf.call(v));
        break;
      case 'symbol':
        throw natives.dataCloneError('[object Symbol] could not be cloned.');
      case 'proxy':
      case 'promise':
      case 'function':
        throw cloneError(v);
      default:
        if (Object.getPrototypeOf(v) !== Object.prototype) {
          if (tryCall(dvByteLength, v)) {
            out = new DataView(clone(v.buffer, memory), v.byteOffset, v.byteLength);
            break;
          }
          if (tryCall(WeakMap.prototype.has, v) || tryCall(WeakSet.prototype.has, v)) throw cloneError(v);
        }
        out = {};
        memory.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k], memory);
        return out;
    }
    memory.set(v, out);
    return out;
  }

  module.exports = { structuredClone };
});
