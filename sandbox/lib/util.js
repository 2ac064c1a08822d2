(function (exports, require, module, natives) {
  'use strict';
  // Node's util (lib/util.js and lib/internal/util/inspect.js), for
  // reactors. natives (util.go) gives the brand checks JavaScript cannot
  // make: a value's internal class, a promise's state, whether a value is a
  // proxy.
  // Buffer is loaded when a Uint8Array is first inspected.
  let BufferCtor;
  const getBuffer = () => BufferCtor || (BufferCtor = require('buffer').Buffer);
  const ObjectProto = Object.prototype;
  const hasOwn = (o, k) => ObjectProto.hasOwnProperty.call(o, k);
  const isEnumerable = (o, k) => ObjectProto.propertyIsEnumerable.call(o, k);
  const toStr = (v) => ObjectProto.toString.call(v);
  const FunctionToString = Function.prototype.toString;
  const DateGetTime = Date.prototype.getTime;
  const DateToISO = Date.prototype.toISOString;
  const DateToString = Date.prototype.toString;
  const RegExpToString = RegExp.prototype.toString;
  const ErrorToString = Error.prototype.toString;
  const SymbolToString = Symbol.prototype.toString;
  const TypedArrayProto = Object.getPrototypeOf(Int8Array.prototype);
  const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get;
  const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
  const dataViewByteLength = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength').get;
  const AsyncFunctionProto = Object.getPrototypeOf(async function () {});
  const GeneratorFunctionProto = Object.getPrototypeOf(function* () {});
  const queueTask = queueMicrotask;

  function className(v) {
    return natives.className(v);
  }
  function tryCall(fn, v) {
    try {
      fn.call(v);
      return true;
    } catch {
      return false;
    }
  }

  // util.types
  const isObj = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';
  function isTypedArray(v) {
    return isObj(v) && typedArrayTag.call(v) !== undefined;
  }
  function typedIs(name) {
    return (v) => isObj(v) && typedArrayTag.call(v) === name;
  }
  const kind = (v) => natives.kind(v);
  function isArrayBuffer(v) {
    return isObj(v) && kind(v) === 'arraybuffer';
  }
  function isDataView(v) {
    return isObj(v) && tryCall(dataViewByteLength, v);
  }
  const kindIs = (name) => (v) => isObj(v) && kind(v) === name;
  const isDate = kindIs('date');
  const isRegExp = kindIs('regexp');
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
  const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
  const WeakMapHas = WeakMap.prototype.has;
  const WeakSetHas = WeakSet.prototype.has;
  const isMap = kindIs('map');
  const isSet = kindIs('set');
  const isWeakMap = (v) => isObj(v) && tryCall(WeakMapHas, v);
  const isWeakSet = (v) => isObj(v) && tryCall(WeakSetHas, v);
  const isNativeError = kindIs('error');
  const isArgumentsObject = kindIs('arguments');
  const isNumberObject = kindIs('number');
  const isStringObject = kindIs('string');
  const isBooleanObject = kindIs('boolean');
  const isSymbolObject = kindIs('symbol');
  const isBigIntObject = kindIs('bigint');
  const boxed = { __proto__: null, number: true, string: true, boolean: true, symbol: true, bigint: true };
  const isBoxedPrimitive = (v) => isObj(v) && boxed[kind(v)] === true;
  const isPromise = kindIs('promise');
  const isProxy = kindIs('proxy');
  const isAsyncFunction = (v) => typeof v === 'function' && Object.getPrototypeOf(v) === AsyncFunctionProto;
  const isGeneratorFunction = (v) => typeof v === 'function' && Object.getPrototypeOf(v) === GeneratorFunctionProto;
  const tagIs = (tag) => (v) => isObj(v) && !hasOwn(v, Symbol.toStringTag) && toStr(v) === '[object ' + tag + ']';
  const isMapIterator = tagIs('Map Iterator');
  const isSetIterator = tagIs('Set Iterator');
  const isGeneratorObject = tagIs('Generator');
  const isError = (v) => isNativeError(v) || (isObj(v) && v instanceof Error);

  const types = {
    isAnyArrayBuffer: isArrayBuffer,
    isArrayBuffer,
    isArrayBufferView: (v) => ArrayBuffer.isView(v),
    isArgumentsObject,
    isAsyncFunction,
    isBigInt64Array: typedIs('BigInt64Array'),
    isBigIntObject,
    isBigUint64Array: typedIs('BigUint64Array'),
    isBooleanObject,
    isBoxedPrimitive,
    isDataView,
    isDate,
    isExternal: () => false,
    isFloat32Array: typedIs('Float32Array'),
    isFloat64Array: typedIs('Float64Array'),
    isGeneratorFunction,
    isGeneratorObject,
    isInt8Array: typedIs('Int8Array'),
    isInt16Array: typedIs('Int16Array'),
    isInt32Array: typedIs('Int32Array'),
    isMap,
    isMapIterator,
    isModuleNamespaceObject: () => false,
    isNativeError,
    isNumberObject,
    isPromise,
    isProxy,
    isRegExp,
    isSet,
    isSetIterator,
    isSharedArrayBuffer: () => false,
    isStringObject,
    isSymbolObject,
    isTypedArray,
    isUint8Array: typedIs('Uint8Array'),
    isUint8ClampedArray: typedIs('Uint8ClampedArray'),
    isUint16Array: typedIs('Uint16Array'),
    isUint32Array: typedIs('Uint32Array'),
    isWeakMap,
    isWeakSet,
    isKeyObject: () => false,
    isCryptoKey: () => false,
  };

  // Errors as Node's internal errors make them.
  function describe(v) {
    if (v == null) return ' Received ' + v;
    if (typeof v === 'function') return ' Received function ' + (v.name || '<anonymous>');
    if (typeof v === 'object') {
      if (v.constructor && v.constructor.name) return ' Received an instance of ' + v.constructor.name;
      return ' Received ' + inspect(v, { depth: -1 });
    }
    let s = inspect(v, { colors: false });
    if (s.length > 28) s = s.slice(0, 25) + '...';
    return ' Received type ' + typeof v + ' (' + s + ')';
  }
  function invalidArgType(name, what, v) {
    const subject = name.endsWith(' argument') ? name : '"' + name + '" ' + (name.includes('.') ? 'property' : 'argument');
    const e = new TypeError('The ' + subject + ' must be ' + what + '.' + describe(v));
    e.code = 'ERR_INVALID_ARG_TYPE';
    return e;
  }
  function validateFunction(v, name) {
    if (typeof v !== 'function') throw invalidArgType(name, 'of type function', v);
  }

  // inspect

  const inspectDefaultOptions = {
    showHidden: false,
    depth: 2,
    colors: false,
    customInspect: true,
    showProxy: false,
    maxArrayLength: 100,
    maxStringLength: 10000,
    breakLength: 80,
    compact: 3,
    sorted: false,
    getters: false,
    numericSeparator: false,
  };
  const customInspectSymbol = Symbol.for('nodejs.util.inspect.custom');
  const kObjectType = 0;
  const kArrayType = 1;
  const kArrayExtrasType = 2;
  const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const numberRegExp = /^(0|[1-9][0-9]*)$/;
  // plain objects, not Sets: a Set would make goja build its intrinsic
  const builtInObjects = toSet(['Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'Date', 'Promise',
    'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
    'ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array',
    'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array', 'DataView', 'Map', 'BigInt', 'Set', 'WeakMap',
    'WeakSet', 'Proxy', 'Reflect', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer']);
  function toSet(names) {
    const o = { __proto__: null };
    for (const n of names) o[n] = true;
    return o;
  }

  const meta = [];
  for (let i = 0; i < 160; i++) {
    if (i < 32 || i >= 127) meta.push('\\x' + (i < 16 ? '0' : '') + i.toString(16).toUpperCase());
    else meta.push('');
  }
  meta[8] = '\\b';
  meta[9] = '\\t';
  meta[10] = '\\n';
  meta[12] = '\\f';
  meta[13] = '\\r';
  meta[39] = "\\'";
  meta[92] = '\\\\';

  // Builder joins parts at the end: a string grown by += is copied each
  // time in goja.
  class Builder {
    constructor() {
      this.parts = [];
    }
    add(s) {
      const parts = this.parts;
      parts[parts.length] = '' + s;
      if (parts.length >= 8192) this.parts = [parts.join('')];
    }
    done() {
      return this.parts.join('');
    }
  }

  function addQuotes(str, quotes) {
    if (quotes === -1) return '"' + str + '"';
    if (quotes === -2) return '`' + str + '`';
    return "'" + str + "'";
  }
  function strEscape(str) {
    let singleQuote = 39;
    if (str.includes("'")) {
      if (!str.includes('"')) singleQuote = -1;
      else if (!str.includes('`') && !str.includes('${')) singleQuote = -2;
    }
    const result = new Builder();
    let last = 0;
    for (let i = 0; i < str.length; i++) {
      const point = str.charCodeAt(i);
      if (point === singleQuote || point === 92 || point < 32 || (point > 126 && point < 160)) {
        result.add(str.slice(last, i) + meta[point]);
        last = i + 1;
      } else if (point >= 0xd800 && point <= 0xdfff) {
        if (point <= 0xdbff && i + 1 < str.length) {
          const next = str.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            i++;
            continue;
          }
        }
        result.add(str.slice(last, i) + '\\u' + point.toString(16));
        last = i + 1;
      }
    }
    if (last === 0) return addQuotes(str, singleQuote);
    if (last !== str.length) result.add(str.slice(last));
    return addQuotes(result.done(), singleQuote);
  }
  function escapeKey(key) {
    let out = '';
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      out += (c < 32 || c === 39 || c === 92 || (c > 126 && c < 160)) ? meta[c] : key[i];
    }
    return out;
  }

  function stylizeNoColor(str) {
    return str;
  }
  function stylizeWithColor(str, styleType) {
    const style = inspect.styles[styleType];
    if (style !== undefined) {
      const color = inspect.colors[style];
      if (color !== undefined) return '\u001b[' + color[0] + 'm' + str + '\u001b[' + color[1] + 'm';
    }
    return str;
  }
  const colorRegExp = /\u001b\[\d\d?m/g;
  function removeColors(str) {
    return String(str).replace(colorRegExp, '');
  }
  // getStringWidth counts columns: East Asian wide characters two, marks
  // and controls none (Node's table without ICU).
  function getStringWidth(str, removeControlChars) {
    if (removeControlChars) str = removeColors(str);
    if (/^[\x20-\x7e]*$/.test(str)) return str.length;
    str = str.normalize('NFC');
    let width = 0;
    for (const char of str) {
      const code = char.codePointAt(0);
      if (isFullWidthCodePoint(code)) width += 2;
      else if (!isZeroWidthCodePoint(code)) width++;
    }
    return width;
  }
  function isFullWidthCodePoint(code) {
    return code >= 0x1100 && (code <= 0x115f || code === 0x2329 || code === 0x232a ||
      (code >= 0x2e80 && code <= 0x3247 && code !== 0x303f) || (code >= 0x3250 && code <= 0x4dbf) ||
      (code >= 0x4e00 && code <= 0xa4c6) || (code >= 0xa960 && code <= 0xa97c) || (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe10 && code <= 0xfe19) || (code >= 0xfe30 && code <= 0xfe6b) ||
      (code >= 0xff01 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1b000 && code <= 0x1b001) ||
      (code >= 0x1f200 && code <= 0x1f251) || (code >= 0x1f300 && code <= 0x1f64f) || (code >= 0x20000 && code <= 0x3fffd));
  }
  function isZeroWidthCodePoint(code) {
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0x300 && code <= 0x36f) ||
      (code >= 0x200b && code <= 0x200f) || (code >= 0x20d0 && code <= 0x20ff) || (code >= 0xfe00 && code <= 0xfe0f) ||
      (code >= 0xfe20 && code <= 0xfe2f) || (code >= 0xe0100 && code <= 0xe01ef);
  }

  function inspect(value, opts) {
    const ctx = {
      budget: {},
      indentationLvl: 0,
      seen: [],
      currentDepth: 0,
      stylize: stylizeNoColor,
      showHidden: inspectDefaultOptions.showHidden,
      depth: inspectDefaultOptions.depth,
      colors: inspectDefaultOptions.colors,
      customInspect: inspectDefaultOptions.customInspect,
      showProxy: inspectDefaultOptions.showProxy,
      maxArrayLength: inspectDefaultOptions.maxArrayLength,
      maxStringLength: inspectDefaultOptions.maxStringLength,
      breakLength: inspectDefaultOptions.breakLength,
      compact: inspectDefaultOptions.compact,
      sorted: inspectDefaultOptions.sorted,
      getters: inspectDefaultOptions.getters,
      numericSeparator: inspectDefaultOptions.numericSeparator,
    };
    if (arguments.length > 1) {
      if (arguments.length > 2) {
        if (arguments[2] !== undefined) ctx.depth = arguments[2];
        if (arguments.length > 3 && arguments[3] !== undefined) ctx.colors = arguments[3];
      }
      if (typeof opts === 'boolean') {
        ctx.showHidden = opts;
      } else if (opts) {
        const optKeys = Object.keys(opts);
        for (let i = 0; i < optKeys.length; ++i) {
          const key = optKeys[i];
          if (hasOwn(inspectDefaultOptions, key) || key === 'stylize') ctx[key] = opts[key];
          else if (ctx.userOptions === undefined) ctx.userOptions = opts;
        }
      }
    }
    if (ctx.colors) ctx.stylize = stylizeWithColor;
    if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
    if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
    return formatValue(ctx, value, 0);
  }
  inspect.custom = customInspectSymbol;
  Object.defineProperty(inspect, 'defaultOptions', {
    get() {
      return inspectDefaultOptions;
    },
    set(options) {
      if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
      Object.assign(inspectDefaultOptions, options);
    },
  });
  inspect.colors = Object.assign({ __proto__: null }, {
    reset: [0, 0], bold: [1, 22], dim: [2, 22], italic: [3, 23], underline: [4, 24], blink: [5, 25], inverse: [7, 27],
    hidden: [8, 28], strikethrough: [9, 29], doubleunderline: [21, 24], black: [30, 39], red: [31, 39], green: [32, 39],
    yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39], white: [37, 39], bgBlack: [40, 49], bgRed: [41, 49],
    bgGreen: [42, 49], bgYellow: [43, 49], bgBlue: [44, 49], bgMagenta: [45, 49], bgCyan: [46, 49], bgWhite: [47, 49],
    framed: [51, 54], overlined: [53, 55], gray: [90, 39], redBright: [91, 39], greenBright: [92, 39], yellowBright: [93, 39],
    blueBright: [94, 39], magentaBright: [95, 39], cyanBright: [96, 39], whiteBright: [97, 39], bgGray: [100, 49],
    bgRedBright: [101, 49], bgGreenBright: [102, 49], bgYellowBright: [103, 49], bgBlueBright: [104, 49],
    bgMagentaBright: [105, 49], bgCyanBright: [106, 49], bgWhiteBright: [107, 49],
  });
  inspect.colors.grey = inspect.colors.gray;
  inspect.styles = Object.assign({ __proto__: null }, {
    special: 'cyan', number: 'yellow', bigint: 'yellow', boolean: 'yellow', undefined: 'grey', null: 'bold',
    string: 'green', symbol: 'green', date: 'magenta', regexp: 'red', module: 'underline',
  });

  function getUserOptions(ctx) {
    const ret = {
      stylize: ctx.stylize,
      showHidden: ctx.showHidden,
      depth: ctx.depth,
      colors: ctx.colors,
      customInspect: ctx.customInspect,
      showProxy: ctx.showProxy,
      maxArrayLength: ctx.maxArrayLength,
      maxStringLength: ctx.maxStringLength,
      breakLength: ctx.breakLength,
      compact: ctx.compact,
      sorted: ctx.sorted,
      getters: ctx.getters,
      numericSeparator: ctx.numericSeparator,
      ...ctx.userOptions,
    };
    return ret;
  }

  function formatValue(ctx, value, recurseTimes, typedArray) {
    if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(ctx.stylize, value, ctx);
    if (value === null) return ctx.stylize('null', 'null');
    const context = value;
    // a proxy is shown as its target, without running its traps
    const proxy = natives.proxyDetails(value);
    if (proxy !== undefined) {
      if (proxy === null) return ctx.stylize('<Revoked Proxy>', 'special');
      if (ctx.showProxy) return formatProxy(ctx, proxy, recurseTimes);
      value = proxy[0];
    }
    if (ctx.customInspect) {
      let maybeCustom = value[customInspectSymbol];
      if (maybeCustom === undefined && typedArrayTag.call(value) === 'Uint8Array' && getBuffer().isBuffer(value)) maybeCustom = inspectBuffer;
      if (typeof maybeCustom === 'function' && maybeCustom !== inspect &&
          !(value.constructor && value.constructor.prototype === value)) {
        const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
        const ret = maybeCustom.call(context, depth, getUserOptions(ctx), inspect);
        if (ret !== context) {
          if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes);
          return ret.replaceAll('\n', '\n' + ' '.repeat(ctx.indentationLvl));
        }
      }
    }
    if (ctx.seen.includes(value)) {
      let index = 1;
      if (ctx.circular === undefined) {
        ctx.circular = new Map();
        ctx.circular.set(value, index);
      } else {
        index = ctx.circular.get(value);
        if (index === undefined) {
          index = ctx.circular.size + 1;
          ctx.circular.set(value, index);
        }
      }
      return ctx.stylize('[Circular *' + index + ']', 'special');
    }
    return formatRaw(ctx, value, recurseTimes, typedArray);
  }

  function formatProxy(ctx, proxy, recurseTimes) {
    if (recurseTimes > ctx.depth && ctx.depth !== null) return ctx.stylize('Proxy [Array]', 'special');
    recurseTimes += 1;
    ctx.indentationLvl += 2;
    const res = [formatValue(ctx, proxy[0], recurseTimes), formatValue(ctx, proxy[1], recurseTimes)];
    ctx.indentationLvl -= 2;
    return reduceToSingleString(ctx, res, '', ['Proxy [', ']'], kArrayExtrasType, recurseTimes);
  }

  function inspectBuffer(recurseTimes, ctx) {
    const max = 50;
    const actualMax = Math.min(max, this.length);
    const remaining = this.length - max;
    let str = this.toString('hex', 0, actualMax).replace(/(.{2})/g, '$1 ').trim();
    if (remaining > 0) str += ' ... ' + remaining + ' more byte' + (remaining > 1 ? 's' : '');
    if (ctx) {
      let extras = false;
      const obj = { __proto__: null };
      for (const key of getOwnNonIndexProperties(this, ctx.showHidden)) {
        extras = true;
        obj[key] = this[key];
      }
      if (extras) {
        if (this.length !== 0) str += ', ';
        str += inspect(obj, { ...ctx, breakLength: Infinity, compact: true }).slice(27, -2);
      }
    }
    return '<' + this.constructor.name + ' ' + str + '>';
  }

  // getOwnNonIndexProperties filters the keys in Go: an array's may be a
  // million indices.
  function getOwnNonIndexProperties(value, showHidden) {
    const out = natives.nonIndexKeys(value, showHidden);
    for (const s of Object.getOwnPropertySymbols(value)) {
      if (showHidden || isEnumerable(value, s)) out.push(s);
    }
    return out;
  }

  function getKeys(value, showHidden) {
    let keys;
    const symbols = Object.getOwnPropertySymbols(value);
    if (showHidden) {
      keys = Object.getOwnPropertyNames(value);
      if (symbols.length !== 0) keys.push(...symbols);
    } else {
      keys = Object.keys(value);
      if (symbols.length !== 0) keys.push(...symbols.filter((key) => isEnumerable(value, key)));
    }
    return keys;
  }

  function isInstanceof(object, proto) {
    try {
      return object instanceof proto;
    } catch {
      return false;
    }
  }

  function getConstructorName(obj, ctx, recurseTimes) {
    let firstProto;
    const tmp = obj;
    while (obj) {
      const descriptor = Object.getOwnPropertyDescriptor(obj, 'constructor');
      if (descriptor !== undefined && typeof descriptor.value === 'function' && descriptor.value.name !== '' &&
          isInstanceof(tmp, descriptor.value)) {
        return String(descriptor.value.name);
      }
      obj = Object.getPrototypeOf(obj);
      if (firstProto === undefined) firstProto = obj;
    }
    if (firstProto === null) return null;
    const res = 'Object';
    if (recurseTimes > ctx.depth && ctx.depth !== null) return res + ' <Complex prototype>';
    const protoConstr = getConstructorName(firstProto, ctx, recurseTimes + 1);
    if (protoConstr === null) {
      return res + ' <' + inspect(firstProto, { ...ctx, customInspect: false, depth: -1 }) + '>';
    }
    return res + ' <' + protoConstr + '>';
  }

  function getPrefix(constructor, tag, fallback, size) {
    size = size || '';
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) return '[' + fallback + size + ': null prototype] [' + tag + '] ';
      return '[' + fallback + size + ': null prototype] ';
    }
    if (tag !== '' && constructor !== tag) return constructor + size + ' [' + tag + '] ';
    return constructor + size + ' ';
  }

  function formatRaw(ctx, value, recurseTimes, typedArray) {
    let keys;
    const constructor = getConstructorName(value, ctx, recurseTimes);
    let tag = value[Symbol.toStringTag];
    if (typeof tag !== 'string' || (tag !== '' && (ctx.showHidden ? hasOwn : isEnumerable)(value, Symbol.toStringTag))) tag = '';
    let base = '';
    let formatter = () => [];
    let braces;
    let noIterator = true;
    let extrasType = kObjectType;
    if (Symbol.iterator in value || constructor === null) {
      noIterator = false;
      if (Array.isArray(value)) {
        const prefix = (constructor !== 'Array' || tag !== '') ? getPrefix(constructor, tag, 'Array', '(' + value.length + ')') : '';
        keys = getOwnNonIndexProperties(value, ctx.showHidden);
        braces = [prefix + '[', ']'];
        if (value.length === 0 && keys.length === 0) return braces[0] + ']';
        extrasType = kArrayExtrasType;
        formatter = formatArray;
      } else if (isSet(value)) {
        const size = value.size;
        const prefix = getPrefix(constructor, tag, 'Set', '(' + size + ')');
        keys = getKeys(value, ctx.showHidden);
        formatter = (c, v, r) => formatSet(value, c, r);
        if (size === 0 && keys.length === 0) return prefix + '{}';
        braces = [prefix + '{', '}'];
      } else if (isMap(value)) {
        const size = value.size;
        const prefix = getPrefix(constructor, tag, 'Map', '(' + size + ')');
        keys = getKeys(value, ctx.showHidden);
        formatter = (c, v, r) => formatMap(value, c, r);
        if (size === 0 && keys.length === 0) return prefix + '{}';
        braces = [prefix + '{', '}'];
      } else if (isTypedArray(value)) {
        keys = getOwnNonIndexProperties(value, ctx.showHidden);
        let fallback = '';
        if (constructor === null) fallback = typedArrayTag.call(value);
        const size = value.length;
        const prefix = getPrefix(constructor, tag, fallback, '(' + size + ')');
        braces = [prefix + '[', ']'];
        if (value.length === 0 && keys.length === 0 && !ctx.showHidden) return braces[0] + ']';
        formatter = (c, v, r) => formatTypedArray(value, size, c, r);
        extrasType = kArrayExtrasType;
      } else {
        noIterator = true;
      }
    }
    if (noIterator) {
      keys = getKeys(value, ctx.showHidden);
      braces = ['{', '}'];
      if (constructor === 'Object') {
        if (isArgumentsObject(value)) {
          braces[0] = '[Arguments] {';
        } else if (tag !== '') {
          braces[0] = getPrefix(constructor, tag, 'Object') + '{';
        }
        if (keys.length === 0) return braces[0] + '}';
      } else if (typeof value === 'function') {
        base = getFunctionBase(value, constructor, tag);
        if (keys.length === 0) return ctx.stylize(base, 'special');
      } else if (isRegExp(value)) {
        base = RegExpToString.call(constructor !== null ? value : new RegExp(value));
        const prefix = getPrefix(constructor, tag, 'RegExp');
        if (prefix !== 'RegExp ') base = prefix + base;
        if (keys.length === 0 || (recurseTimes > ctx.depth && ctx.depth !== null)) return ctx.stylize(base, 'regexp');
      } else if (isDate(value)) {
        if (Number.isNaN(DateGetTime.call(value))) base = DateToString.call(value);
        else base = DateToISO.call(value);
        const prefix = getPrefix(constructor, tag, 'Date');
        if (prefix !== 'Date ') base = prefix + base;
        if (keys.length === 0) return ctx.stylize(base, 'date');
      } else if (isError(value)) {
        base = formatError(value, constructor, tag, ctx, keys);
        if (keys.length === 0) return base;
      } else if (isArrayBuffer(value)) {
        const prefix = getPrefix(constructor, tag, 'ArrayBuffer');
        if (typedArray === undefined) formatter = formatArrayBuffer;
        else if (keys.length === 0) return prefix + '{ byteLength: ' + formatNumber(ctx.stylize, value.byteLength, false) + ' }';
        braces[0] = prefix + '{';
        keys.unshift('byteLength');
      } else if (isDataView(value)) {
        braces[0] = getPrefix(constructor, tag, 'DataView') + '{';
        keys.unshift('byteLength', 'byteOffset', 'buffer');
      } else if (isPromise(value)) {
        braces[0] = getPrefix(constructor, tag, 'Promise') + '{';
        formatter = formatPromise;
      } else if (isWeakSet(value)) {
        braces[0] = getPrefix(constructor, tag, 'WeakSet') + '{';
        formatter = formatWeakCollection;
      } else if (isWeakMap(value)) {
        braces[0] = getPrefix(constructor, tag, 'WeakMap') + '{';
        formatter = formatWeakCollection;
      } else if (isBoxedPrimitive(value)) {
        base = getBoxedBase(value, ctx, keys, constructor, tag);
        if (keys.length === 0) return base;
      } else {
        if (keys.length === 0) return getPrefix(constructor, tag, 'Object') + '{}';
        braces[0] = getPrefix(constructor, tag, 'Object') + '{';
      }
    }
    if (recurseTimes > ctx.depth && ctx.depth !== null) {
      let constructorName = getPrefix(constructor, tag, 'Object').slice(0, -1);
      if (constructor !== null) constructorName = '[' + constructorName + ']';
      return ctx.stylize(constructorName, 'special');
    }
    recurseTimes += 1;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    let output;
    try {
      output = formatter(ctx, value, recurseTimes);
      for (let i = 0; i < keys.length; i++) {
        output.push(formatProperty(ctx, value, recurseTimes, keys[i], extrasType));
      }
    } catch (err) {
      if (err instanceof RangeError && /call stack/i.test(String(err.message))) {
        ctx.seen.pop();
        return ctx.stylize('[' + getPrefix(constructor, tag, 'Object').slice(0, -1) + ': Inspection interrupted prematurely. Maximum call stack size exceeded.]', 'special');
      }
      throw err;
    }
    if (ctx.circular !== undefined) {
      const index = ctx.circular.get(value);
      if (index !== undefined) {
        const reference = ctx.stylize('<ref *' + index + '>', 'special');
        if (ctx.compact !== true) base = base === '' ? reference : reference + ' ' + base;
        else braces[0] = reference + ' ' + braces[0];
      }
    }
    ctx.seen.pop();
    if (ctx.sorted) {
      const comparator = ctx.sorted === true ? undefined : ctx.sorted;
      if (extrasType === kObjectType) {
        output = output.sort(comparator);
      } else if (keys.length > 1) {
        const sorted = output.slice(output.length - keys.length).sort(comparator);
        output.splice(output.length - keys.length, keys.length, ...sorted);
      }
    }
    const res = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
    const budget = ctx.budget[ctx.indentationLvl] || 0;
    const newLength = budget + res.length;
    ctx.budget[ctx.indentationLvl] = newLength;
    if (newLength > 2 ** 27) ctx.depth = -1;
    return res;
  }

  function getFunctionBase(value, constructor, tag) {
    let stringified = '';
    try {
      stringified = FunctionToString.call(value);
    } catch {
      // a proxy
    }
    if (stringified.startsWith('class') && stringified.endsWith('}')) {
      const slice = stringified.slice(5, -1);
      const bracketIndex = slice.indexOf('{');
      if (bracketIndex !== -1 && (!slice.slice(0, bracketIndex).includes('(') ||
          /^\s*(?:extends\s+[^{]+)?\{/.test(slice.replace(/(\/\/.*?\n)|(\/\*(.|\n)*?\*\/)/g, '')))) {
        return getClassBase(value, constructor, tag);
      }
    }
    let type = 'Function';
    if (isGeneratorFunction(value)) type = 'Generator' + type;
    if (isAsyncFunction(value)) type = 'Async' + type;
    let base = '[' + type;
    if (constructor === null) base += ' (null prototype)';
    if (value.name === '') base += ' (anonymous)';
    else base += ': ' + value.name;
    base += ']';
    if (constructor !== type && constructor !== null) base += ' ' + constructor;
    if (tag !== '' && constructor !== tag) base += ' [' + tag + ']';
    return base;
  }

  function getClassBase(value, constructor, tag) {
    const hasName = hasOwn(value, 'name');
    const name = (hasName && value.name) || '(anonymous)';
    let base = 'class ' + name;
    if (constructor !== 'Function' && constructor !== null) base += ' [' + constructor + ']';
    if (tag !== '' && constructor !== tag) base += ' [' + tag + ']';
    if (constructor !== null) {
      const superName = Object.getPrototypeOf(value).name;
      if (superName) base += ' extends ' + superName;
    } else {
      base += ' extends [null prototype]';
    }
    return '[' + base + ']';
  }

  function getBoxedBase(value, ctx, keys, constructor, tag) {
    let fn;
    let type;
    if (isNumberObject(value)) {
      fn = Number.prototype.valueOf;
      type = 'Number';
    } else if (isStringObject(value)) {
      fn = String.prototype.valueOf;
      type = 'String';
      keys.splice(0, value.length);
    } else if (isBooleanObject(value)) {
      fn = Boolean.prototype.valueOf;
      type = 'Boolean';
    } else if (isBigIntObject(value)) {
      fn = BigInt.prototype.valueOf;
      type = 'BigInt';
    } else {
      fn = Symbol.prototype.valueOf;
      type = 'Symbol';
    }
    let base = '[' + type;
    if (type !== constructor) {
      if (constructor === null) base += ' (null prototype)';
      else base += ' (' + constructor + ')';
    }
    base += ': ' + formatPrimitive(stylizeNoColor, fn.call(value), ctx) + ']';
    if (tag !== '' && tag !== constructor) base += ' [' + tag + ']';
    if (keys.length !== 0 || ctx.stylize === stylizeNoColor) return base;
    return ctx.stylize(base, type.toLowerCase());
  }

  // The stack of an error made in goja is goja's ("\tat"), which Node's
  // V8 format is not: such a stack is left out, as for an error without one.
  function getStackString(err) {
    const stack = err.stack;
    if (stack && !(typeof stack === 'string' && stack.includes('\n\tat '))) return String(stack);
    return ErrorToString.call(err);
  }

  function removeDuplicateErrorKeys(ctx, keys, err, stack) {
    if (!ctx.showHidden && keys.length !== 0) {
      for (const name of ['name', 'message', 'stack']) {
        const index = keys.indexOf(name);
        if (index !== -1 && stack.includes(err[name])) keys.splice(index, 1);
      }
    }
  }

  function improveStack(stack, constructor, name, tag) {
    let len = name.length;
    if (constructor === null ||
        (name.endsWith('Error') && stack.startsWith(name) &&
         (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
      let fallback = 'Error';
      if (constructor === null) {
        const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/.exec(stack) || /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
        fallback = (start && start[1]) || '';
        len = fallback.length;
        fallback = fallback || 'Error';
      }
      const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
      if (name !== prefix) {
        if (prefix.includes(name)) {
          if (len === 0) stack = prefix + ': ' + stack;
          else stack = prefix + stack.slice(len);
        } else {
          stack = prefix + ' [' + name + ']' + stack.slice(len);
        }
      }
    }
    return stack;
  }

  function formatError(err, constructor, tag, ctx, keys) {
    const name = err.name != null ? String(err.name) : 'Error';
    let stack = getStackString(err);
    removeDuplicateErrorKeys(ctx, keys, err, stack);
    if ('cause' in err && (keys.length === 0 || !keys.includes('cause'))) keys.push('cause');
    if (Array.isArray(err.errors) && (keys.length === 0 || !keys.includes('errors'))) keys.push('errors');
    stack = improveStack(stack, constructor, name, tag);
    let pos = (err.message && stack.indexOf(err.message)) || -1;
    if (pos !== -1) pos += err.message.length;
    const stackStart = stack.indexOf('\n    at', pos);
    if (stackStart === -1) stack = '[' + stack + ']';
    if (ctx.indentationLvl !== 0) stack = stack.replaceAll('\n', '\n' + ' '.repeat(ctx.indentationLvl));
    return stack;
  }

  function formatNumber(fn, number, numericSeparator) {
    if (!numericSeparator) {
      if (Object.is(number, -0)) return fn('-0', 'number');
      return fn('' + number, 'number');
    }
    const integer = Math.trunc(number);
    const string = String(integer);
    if (integer === number) {
      if (!Number.isFinite(number) || string.includes('e')) return fn(string, 'number');
      return fn(addNumericSeparator(string), 'number');
    }
    if (Number.isNaN(number)) return fn(string, 'number');
    return fn(addNumericSeparator(string) + '.' + addNumericSeparatorEnd(String(number).slice(string.length + 1)), 'number');
  }
  function addNumericSeparator(integerString) {
    let result = '';
    let i = integerString.length;
    const start = integerString.startsWith('-') ? 1 : 0;
    for (; i >= start + 4; i -= 3) result = '_' + integerString.slice(i - 3, i) + result;
    return i === integerString.length ? integerString : integerString.slice(0, i) + result;
  }
  function addNumericSeparatorEnd(integerString) {
    let result = '';
    let i = 0;
    for (; i < integerString.length - 3; i += 3) result += integerString.slice(i, i + 3) + '_';
    return i === 0 ? integerString : result + integerString.slice(i);
  }
  function formatBigInt(fn, bigint, numericSeparator) {
    const string = String(bigint);
    if (!numericSeparator) return fn(string + 'n', 'bigint');
    return fn(addNumericSeparator(string) + 'n', 'bigint');
  }

  function formatPrimitive(fn, value, ctx) {
    if (typeof value === 'string') {
      let trailer = '';
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength;
        value = value.slice(0, ctx.maxStringLength);
        trailer = '... ' + remaining + ' more character' + (remaining > 1 ? 's' : '');
      }
      if (ctx.compact !== true && value.length > 16 && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
        return value.split(/(?<=\n)/).map((line) => fn(strEscape(line), 'string')).join(' +\n' + ' '.repeat(ctx.indentationLvl + 2)) + trailer;
      }
      return fn(strEscape(value), 'string') + trailer;
    }
    if (typeof value === 'number') return formatNumber(fn, value, ctx.numericSeparator);
    if (typeof value === 'bigint') return formatBigInt(fn, value, ctx.numericSeparator);
    if (typeof value === 'boolean') return fn('' + value, 'boolean');
    if (typeof value === 'undefined') return fn('undefined', 'undefined');
    return fn(SymbolToString.call(value), 'symbol');
  }

  function formatArrayBuffer(ctx, value) {
    const buffer = new Uint8Array(value);
    let str = getBuffer().from(buffer.buffer, 0, Math.min(ctx.maxArrayLength, buffer.length)).toString('hex').replace(/(.{2})/g, '$1 ').trim();
    const remaining = buffer.length - ctx.maxArrayLength;
    if (remaining > 0) str += ' ... ' + remaining + ' more byte' + (remaining > 1 ? 's' : '');
    return [ctx.stylize('[Uint8Contents]', 'special') + ': <' + str + '>'];
  }

  function formatArray(ctx, value, recurseTimes) {
    const valLen = value.length;
    const len = Math.min(Math.max(0, ctx.maxArrayLength), valLen);
    const remaining = valLen - len;
    const output = [];
    for (let i = 0; i < len; i++) {
      if (!hasOwn(value, i)) return formatSpecialArray(ctx, value, recurseTimes, len, output, i);
      output.push(formatProperty(ctx, value, recurseTimes, i, kArrayType));
    }
    if (remaining > 0) output.push('... ' + remaining + ' more item' + (remaining > 1 ? 's' : ''));
    return output;
  }

  function formatSpecialArray(ctx, value, recurseTimes, maxLength, output, i) {
    const keys = Object.keys(value);
    let index = i;
    for (; i < keys.length && output.length < maxLength; i++) {
      const key = keys[i];
      const tmp = +key;
      if (tmp > 2 ** 32 - 2) break;
      if ('' + index !== key) {
        if (!numberRegExp.test(key)) break;
        const emptyItems = tmp - index;
        const ending = emptyItems > 1 ? 's' : '';
        output.push(ctx.stylize('<' + emptyItems + ' empty item' + ending + '>', 'undefined'));
        index = tmp;
        if (output.length === maxLength) break;
      }
      output.push(formatProperty(ctx, value, recurseTimes, key, kArrayType));
      index++;
    }
    const remaining = value.length - index;
    if (output.length !== maxLength) {
      if (remaining > 0) {
        const ending = remaining > 1 ? 's' : '';
        output.push(ctx.stylize('<' + remaining + ' empty item' + ending + '>', 'undefined'));
      }
    } else if (remaining > 0) {
      output.push('... ' + remaining + ' more item' + (remaining > 1 ? 's' : ''));
    }
    return output;
  }

  function formatTypedArray(value, length, ctx, recurseTimes) {
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = value.length - maxLength;
    const output = new Array(maxLength);
    const elementFormatter = value.length > 0 && typeof value[0] === 'number' ? formatNumber : formatBigInt;
    for (let i = 0; i < maxLength; ++i) output[i] = elementFormatter(ctx.stylize, value[i], ctx.numericSeparator);
    if (remaining > 0) output[maxLength] = '... ' + remaining + ' more item' + (remaining > 1 ? 's' : '');
    if (ctx.showHidden) {
      ctx.indentationLvl += 2;
      for (const key of ['BYTES_PER_ELEMENT', 'length', 'byteLength', 'byteOffset', 'buffer']) {
        const str = formatValue(ctx, value[key], recurseTimes, true);
        output.push('[' + key + ']: ' + str);
      }
      ctx.indentationLvl -= 2;
    }
    return output;
  }

  function formatSet(value, ctx, recurseTimes) {
    const length = value.size;
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = [];
    ctx.indentationLvl += 2;
    let i = 0;
    for (const v of value) {
      if (i >= maxLength) break;
      output.push(formatValue(ctx, v, recurseTimes));
      i++;
    }
    if (remaining > 0) output.push('... ' + remaining + ' more item' + (remaining > 1 ? 's' : ''));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMap(value, ctx, recurseTimes) {
    const length = value.size;
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = [];
    ctx.indentationLvl += 2;
    let i = 0;
    for (const [k, v] of value) {
      if (i >= maxLength) break;
      output.push(formatValue(ctx, k, recurseTimes) + ' => ' + formatValue(ctx, v, recurseTimes));
      i++;
    }
    if (remaining > 0) output.push('... ' + remaining + ' more item' + (remaining > 1 ? 's' : ''));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatWeakCollection(ctx) {
    return [ctx.stylize('<items unknown>', 'special')];
  }

  function formatPromise(ctx, value, recurseTimes) {
    const [state, result] = natives.promiseState(value);
    if (state === 'pending') return [ctx.stylize('<pending>', 'special')];
    ctx.indentationLvl += 2;
    const str = formatValue(ctx, result, recurseTimes);
    ctx.indentationLvl -= 2;
    return [state === 'rejected' ? ctx.stylize('<rejected>', 'special') + ' ' + str : str];
  }

  function formatProperty(ctx, value, recurseTimes, key, type, desc, original) {
    if (original === undefined) original = value;
    let name;
    let str;
    let extra = ' ';
    desc = desc || Object.getOwnPropertyDescriptor(value, key) || { value: value[key], enumerable: true };
    if (desc.value !== undefined) {
      const diff = (ctx.compact !== true || type !== kObjectType) ? 2 : 3;
      ctx.indentationLvl += diff;
      str = formatValue(ctx, desc.value, recurseTimes);
      if (diff === 3 && ctx.breakLength < getStringWidth(str, ctx.colors)) extra = '\n' + ' '.repeat(ctx.indentationLvl);
      ctx.indentationLvl -= diff;
    } else if (desc.get !== undefined) {
      const label = desc.set !== undefined ? 'Getter/Setter' : 'Getter';
      const s = ctx.stylize;
      const sp = 'special';
      if (ctx.getters && (ctx.getters === true || (ctx.getters === 'get' && desc.set === undefined) ||
          (ctx.getters === 'set' && desc.set !== undefined))) {
        try {
          const tmp = desc.get.call(original);
          ctx.indentationLvl += 2;
          if (tmp === null) str = s('[' + label + ':', sp) + ' ' + s('null', 'null') + s(']', sp);
          else if (typeof tmp === 'object') str = s('[' + label + ']', sp) + ' ' + formatValue(ctx, tmp, recurseTimes);
          else str = s('[' + label + ':', sp) + ' ' + formatPrimitive(s, tmp, ctx) + s(']', sp);
          ctx.indentationLvl -= 2;
        } catch (err) {
          str = s('[' + label + ':', sp) + ' <Inspection threw (' + (err && err.message) + ')>' + s(']', sp);
        }
      } else {
        str = ctx.stylize('[' + label + ']', sp);
      }
    } else if (desc.set !== undefined) {
      str = ctx.stylize('[Setter]', 'special');
    } else {
      str = ctx.stylize('undefined', 'undefined');
    }
    if (type === kArrayType) return str;
    if (typeof key === 'symbol') {
      name = '[' + ctx.stylize(escapeKey(SymbolToString.call(key)), 'symbol') + ']';
    } else if (key === '__proto__') {
      name = "['__proto__']";
    } else if (desc.enumerable === false) {
      name = '[' + escapeKey(key) + ']';
    } else if (keyStrRegExp.test(key)) {
      name = ctx.stylize(key, 'name');
    } else {
      name = ctx.stylize(strEscape(key), 'string');
    }
    return name + ':' + extra + str;
  }

  function groupArrayElements(ctx, output, value) {
    let totalLength = 0;
    let maxLength = 0;
    let i = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const dataLen = new Array(outputLength);
    for (; i < outputLength; i++) {
      const len = getStringWidth(output[i], ctx.colors);
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
        (totalLength / actualMax > 5 || maxLength <= 6)) {
      const approxCharHeights = 2.5;
      const averageBias = Math.sqrt(actualMax - totalLength / output.length);
      const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
      const columns = Math.min(
        Math.round(Math.sqrt(approxCharHeights * biasedMax * outputLength) / biasedMax),
        Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15,
      );
      if (columns <= 1) return output;
      const tmp = [];
      const maxLineLength = [];
      for (let i = 0; i < columns; i++) {
        let lineLength = 0;
        for (let j = i; j < output.length; j += columns) {
          if (dataLen[j] > lineLength) lineLength = dataLen[j];
        }
        maxLineLength.push(lineLength + separatorSpace);
      }
      let padStart = true;
      if (value !== undefined) {
        for (let i = 0; i < output.length; i++) {
          if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
            padStart = false;
            break;
          }
        }
      }
      for (let i = 0; i < outputLength; i += columns) {
        const max = Math.min(i + columns, outputLength);
        let str = '';
        let j = i;
        for (; j < max - 1; j++) {
          const padding = maxLineLength[j - i] + output[j].length - dataLen[j];
          str += padStart ? (output[j] + ', ').padStart(padding, ' ') : (output[j] + ', ').padEnd(padding, ' ');
        }
        if (padStart) {
          const padding = maxLineLength[j - i] + output[j].length - dataLen[j] - separatorSpace;
          str += output[j].padStart(padding, ' ');
        } else {
          str += output[j];
        }
        tmp.push(str);
      }
      if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength]);
      output = tmp;
    }
    return output;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength) return false;
    for (let i = 0; i < output.length; i++) {
      totalLength += ctx.colors ? removeColors(output[i]).length : output[i].length;
      if (totalLength > ctx.breakLength) return false;
    }
    return base === '' || !base.includes('\n');
  }

  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    if (ctx.compact !== true) {
      if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
        const entries = output.length;
        if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value);
        if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
          const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
          if (isBelowBreakLength(ctx, output, start, base)) {
            const joinedOutput = output.join(', ');
            if (!joinedOutput.includes('\n')) {
              return (base ? base + ' ' : '') + braces[0] + ' ' + joinedOutput + ' ' + braces[1];
            }
          }
        }
      }
      const indentation = '\n' + ' '.repeat(ctx.indentationLvl);
      return (base ? base + ' ' : '') + braces[0] + indentation + '  ' + output.join(',' + indentation + '  ') + indentation + braces[1];
    }
    if (isBelowBreakLength(ctx, output, 0, base)) {
      return braces[0] + (base ? ' ' + base : '') + ' ' + output.join(', ') + ' ' + braces[1];
    }
    const indentation = ' '.repeat(ctx.indentationLvl);
    const ln = base === '' && braces[0].length === 1 ? ' ' : (base ? ' ' + base : '') + '\n' + indentation + '  ';
    return braces[0] + ln + output.join(',\n' + indentation + '  ') + ' ' + braces[1];
  }

  // format

  function hasBuiltInToString(value) {
    if (isProxy(value)) return true;
    if (typeof value.toString !== 'function') return true;
    if (hasOwn(value, 'toString')) return false;
    let pointer = value;
    do {
      pointer = Object.getPrototypeOf(pointer);
    } while (pointer !== null && !hasOwn(pointer, 'toString'));
    if (pointer === null) return true;
    const descriptor = Object.getOwnPropertyDescriptor(pointer, 'constructor');
    return descriptor !== undefined && typeof descriptor.value === 'function' && builtInObjects[descriptor.value.name] === true;
  }

  function tryStringify(arg) {
    try {
      return JSON.stringify(arg);
    } catch (err) {
      if (err instanceof TypeError && /circular/i.test(String(err.message))) return '[Circular]';
      throw err;
    }
  }

  function formatWithOptionsInternal(inspectOptions, args) {
    const first = args[0];
    let a = 0;
    const str = new Builder();
    let join = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first;
      let tempStr;
      let lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) === 37) {
          const nextChar = first.charCodeAt(++i);
          if (a + 1 !== args.length) {
            switch (nextChar) {
              case 115: {
                const tempArg = args[++a];
                if (typeof tempArg === 'number') tempStr = formatNumber(stylizeNoColor, tempArg, false);
                else if (typeof tempArg === 'bigint') tempStr = formatBigInt(stylizeNoColor, tempArg, false);
                else if (typeof tempArg !== 'object' || tempArg === null || !hasBuiltInToString(tempArg)) tempStr = String(tempArg);
                else tempStr = inspect(tempArg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
                break;
              }
              case 106:
                tempStr = tryStringify(args[++a]);
                break;
              case 100: {
                const tempNum = args[++a];
                if (typeof tempNum === 'bigint') tempStr = formatBigInt(stylizeNoColor, tempNum, false);
                else if (typeof tempNum === 'symbol') tempStr = 'NaN';
                else tempStr = formatNumber(stylizeNoColor, Number(tempNum), false);
                break;
              }
              case 79:
                tempStr = inspect(args[++a], inspectOptions);
                break;
              case 111:
                tempStr = inspect(args[++a], { ...inspectOptions, showHidden: true, showProxy: true, depth: 4 });
                break;
              case 105: {
                const tempInteger = args[++a];
                if (typeof tempInteger === 'bigint') tempStr = formatBigInt(stylizeNoColor, tempInteger, false);
                else if (typeof tempInteger === 'symbol') tempStr = 'NaN';
                else tempStr = formatNumber(stylizeNoColor, Number.parseInt(tempInteger), false);
                break;
              }
              case 102: {
                const tempFloat = args[++a];
                if (typeof tempFloat === 'symbol') tempStr = 'NaN';
                else tempStr = formatNumber(stylizeNoColor, Number.parseFloat(tempFloat), false);
                break;
              }
              case 99:
                a += 1;
                tempStr = '';
                break;
              case 37:
                str.add(first.slice(lastPos, i));
                lastPos = i + 1;
                continue;
              default:
                continue;
            }
            if (lastPos !== i - 1) str.add(first.slice(lastPos, i - 1));
            str.add(tempStr);
            lastPos = i + 1;
          } else if (nextChar === 37) {
            str.add(first.slice(lastPos, i));
            lastPos = i + 1;
          }
        }
      }
      if (lastPos !== 0) {
        a++;
        join = ' ';
        if (lastPos < first.length) str.add(first.slice(lastPos));
      }
    }
    while (a < args.length) {
      const value = args[a];
      str.add(join + (typeof value !== 'string' ? inspect(value, inspectOptions) : value));
      join = ' ';
      a++;
    }
    return str.done();
  }

  function format(...args) {
    return formatWithOptionsInternal(undefined, args);
  }
  function formatWithOptions(inspectOptions, ...args) {
    if (inspectOptions === null || typeof inspectOptions !== 'object') {
      throw invalidArgType('inspectOptions', 'of type object', inspectOptions);
    }
    return formatWithOptionsInternal(inspectOptions, args);
  }

  // isDeepStrictEqual, after Node's lib/internal/util/comparisons.js in
  // strict mode.
  function isDeepStrictEqual(a, b) {
    return innerDeepEqual(a, b, undefined);
  }
  function ownKeys(o) {
    const keys = Object.keys(o);
    for (const s of Object.getOwnPropertySymbols(o)) {
      if (isEnumerable(o, s)) keys.push(s);
    }
    return keys;
  }
  function innerDeepEqual(val1, val2, memos) {
    if (val1 === val2) return val1 !== 0 || Object.is(val1, val2);
    if (typeof val1 !== 'object') return typeof val1 === 'number' && Number.isNaN(val1) && Number.isNaN(val2);
    if (typeof val2 !== 'object' || val1 === null || val2 === null) return false;
    if (Object.getPrototypeOf(val1) !== Object.getPrototypeOf(val2)) return false;
    if (toStr(val1) !== toStr(val2)) return false;
    if (Array.isArray(val1)) {
      if (!Array.isArray(val2) || val1.length !== val2.length) return false;
      return keyCheck(val1, val2, memos, 1);
    }
    if (isDate(val1)) {
      if (!isDate(val2) || DateGetTime.call(val1) !== DateGetTime.call(val2)) return false;
    } else if (isRegExp(val1)) {
      if (!isRegExp(val2) || val1.source !== val2.source || val1.flags !== val2.flags || val1.lastIndex !== val2.lastIndex) return false;
    } else if (isNativeError(val1) || val1 instanceof Error) {
      if ((!isNativeError(val2) && !(val2 instanceof Error)) || val1.message !== val2.message || val1.name !== val2.name) return false;
    } else if (ArrayBuffer.isView(val1)) {
      if (!ArrayBuffer.isView(val2) || isTypedArray(val1) !== isTypedArray(val2)) return false;
      if (typedArrayTag.call(val1) !== typedArrayTag.call(val2)) return false;
      if (val1.byteLength !== val2.byteLength) return false;
      const isFloat = val1 instanceof Float32Array || val1 instanceof Float64Array;
      if (isFloat || !isTypedArray(val1)) {
        if (isTypedArray(val1)) {
          for (let i = 0; i < val1.length; i++) if (!Object.is(val1[i], val2[i])) return false;
        } else {
          const x = new Uint8Array(val1.buffer, val1.byteOffset, val1.byteLength);
          const y = new Uint8Array(val2.buffer, val2.byteOffset, val2.byteLength);
          for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
        }
      } else {
        const x = new Uint8Array(val1.buffer, val1.byteOffset, val1.byteLength);
        const y = new Uint8Array(val2.buffer, val2.byteOffset, val2.byteLength);
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      }
      const k1 = getOwnNonIndexProperties(val1, false);
      const k2 = getOwnNonIndexProperties(val2, false);
      if (k1.length !== k2.length) return false;
      return keyCheck(val1, val2, memos, 0, k1);
    } else if (isSet(val1)) {
      if (!isSet(val2) || val1.size !== val2.size) return false;
      return keyCheck(val1, val2, memos, 2);
    } else if (isMap(val1)) {
      if (!isMap(val2) || val1.size !== val2.size) return false;
      return keyCheck(val1, val2, memos, 3);
    } else if (isArrayBuffer(val1)) {
      if (!isArrayBuffer(val2) || val1.byteLength !== val2.byteLength) return false;
      const x = new Uint8Array(val1);
      const y = new Uint8Array(val2);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    } else if (isBoxedPrimitive(val1)) {
      if (isNumberObject(val1)) {
        if (!isNumberObject(val2) || !Object.is(Number.prototype.valueOf.call(val1), Number.prototype.valueOf.call(val2))) return false;
      } else if (isStringObject(val1)) {
        if (!isStringObject(val2) || String.prototype.valueOf.call(val1) !== String.prototype.valueOf.call(val2)) return false;
      } else if (isBooleanObject(val1)) {
        if (!isBooleanObject(val2) || Boolean.prototype.valueOf.call(val1) !== Boolean.prototype.valueOf.call(val2)) return false;
      } else if (isBigIntObject(val1)) {
        if (!isBigIntObject(val2) || BigInt.prototype.valueOf.call(val1) !== BigInt.prototype.valueOf.call(val2)) return false;
      } else if (!isSymbolObject(val2) || Symbol.prototype.valueOf.call(val1) !== Symbol.prototype.valueOf.call(val2)) {
        return false;
      }
    } else if (Array.isArray(val2) || ArrayBuffer.isView(val2) || isSet(val2) || isMap(val2) || isDate(val2) ||
               isRegExp(val2) || isArrayBuffer(val2) || isBoxedPrimitive(val2) || isNativeError(val2) || val2 instanceof Error) {
      return false;
    } else if (isPromise(val1) || isWeakMap(val1) || isWeakSet(val1)) {
      return false;
    }
    return keyCheck(val1, val2, memos, 0);
  }
  function keyCheck(val1, val2, memos, iterationType, aKeys) {
    if (aKeys === undefined) {
      aKeys = iterationType === 1 ? getOwnNonIndexProperties(val1, false) : ownKeys(val1);
      const bKeys = iterationType === 1 ? getOwnNonIndexProperties(val2, false) : ownKeys(val2);
      if (aKeys.length !== bKeys.length) return false;
      for (const k of aKeys) {
        if (!isEnumerable(val2, k)) return false;
      }
    }
    if (aKeys.length === 0 && (iterationType === 0 || (iterationType === 1 && val1.length === 0) || val1.size === 0)) return true;
    if (memos === undefined) {
      memos = { val1: new Map(), val2: new Map(), position: 0 };
    } else {
      const val2MemoA = memos.val1.get(val1);
      if (val2MemoA !== undefined) {
        const val2MemoB = memos.val2.get(val2);
        if (val2MemoB !== undefined) return val2MemoA === val2MemoB;
      }
      memos.position++;
    }
    memos.val1.set(val1, memos.position);
    memos.val2.set(val2, memos.position);
    const areEq = objEquiv(val1, val2, aKeys, memos, iterationType);
    memos.val1.delete(val1);
    memos.val2.delete(val2);
    return areEq;
  }
  function objEquiv(a, b, keys, memos, iterationType) {
    if (iterationType === 2) {
      if (!setEquiv(a, b, memos)) return false;
    } else if (iterationType === 3) {
      if (!mapEquiv(a, b, memos)) return false;
    } else if (iterationType === 1) {
      for (let i = 0; i < a.length; i++) {
        if (hasOwn(a, i)) {
          if (!hasOwn(b, i) || !innerDeepEqual(a[i], b[i], memos)) return false;
        } else if (hasOwn(b, i)) {
          return false;
        }
      }
    }
    for (const key of keys) {
      if (!innerDeepEqual(a[key], b[key], memos)) return false;
    }
    return true;
  }
  function setEquiv(a, b, memos) {
    const rest = [];
    for (const v of a) {
      if (typeof v === 'object' && v !== null) rest.push(v);
      else if (!b.has(v)) return false;
    }
    const pool = [];
    for (const v of b) {
      if (typeof v === 'object' && v !== null) pool.push(v);
      else if (!a.has(v)) return false;
    }
    if (rest.length !== pool.length) return false;
    for (const v of rest) {
      const i = pool.findIndex((w) => innerDeepEqual(v, w, memos));
      if (i === -1) return false;
      pool.splice(i, 1);
    }
    return true;
  }
  function mapEquiv(a, b, memos) {
    const rest = [];
    for (const [k, v] of a) {
      if (typeof k === 'object' && k !== null) {
        rest.push([k, v]);
      } else {
        if (!b.has(k) || !innerDeepEqual(v, b.get(k), memos)) return false;
      }
    }
    const pool = [];
    for (const [k, v] of b) {
      if (typeof k === 'object' && k !== null) pool.push([k, v]);
      else if (!a.has(k)) return false;
    }
    if (rest.length !== pool.length) return false;
    for (const [k, v] of rest) {
      const i = pool.findIndex(([k2, v2]) => innerDeepEqual(k, k2, memos) && innerDeepEqual(v, v2, memos));
      if (i === -1) return false;
      pool.splice(i, 1);
    }
    return true;
  }

  // promisify, callbackify, inherits, deprecate

  const kCustomPromisifiedSymbol = Symbol.for('nodejs.util.promisify.custom');
  function promisify(original) {
    validateFunction(original, 'original');
    if (original[kCustomPromisifiedSymbol]) {
      const fn = original[kCustomPromisifiedSymbol];
      validateFunction(fn, 'util.promisify.custom');
      return Object.defineProperty(fn, kCustomPromisifiedSymbol, { value: fn, enumerable: false, writable: false, configurable: true });
    }
    function fn(...args) {
      return new Promise((resolve, reject) => {
        args.push((err, ...values) => {
          if (err) return reject(err);
          resolve(values[0]);
        });
        Reflect.apply(original, this, args);
      });
    }
    Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
    Object.defineProperty(fn, kCustomPromisifiedSymbol, { value: fn, enumerable: false, writable: false, configurable: true });
    const descriptors = Object.getOwnPropertyDescriptors(original);
    for (const d of Object.values(descriptors)) Object.setPrototypeOf(d, null);
    return Object.defineProperties(fn, descriptors);
  }
  promisify.custom = kCustomPromisifiedSymbol;

  function callbackify(original) {
    validateFunction(original, 'original');
    function callbackified(...args) {
      const maybeCb = args.pop();
      validateFunction(maybeCb, 'last argument');
      const cb = maybeCb.bind(this);
      Reflect.apply(original, this, args).then(
        (ret) => queueTask(() => cb(null, ret)),
        (rej) => queueTask(() => {
          if (!rej) {
            const reason = rej;
            rej = new Error('Promise was rejected with falsy value');
            rej.code = 'ERR_FALSY_VALUE_REJECTION';
            rej.reason = reason;
          }
          cb(rej);
        }));
    }
    const descriptors = Object.getOwnPropertyDescriptors(original);
    if (descriptors.length && typeof descriptors.length.value === 'number') descriptors.length.value++;
    if (descriptors.name && typeof descriptors.name.value === 'string') descriptors.name.value += 'Callbackified';
    for (const d of Object.values(descriptors)) Object.setPrototypeOf(d, null);
    Object.defineProperties(callbackified, descriptors);
    return callbackified;
  }

  function inherits(ctor, superCtor) {
    if (ctor === undefined || ctor === null) throw invalidArgType('ctor', 'of type function', ctor);
    if (superCtor === undefined || superCtor === null) throw invalidArgType('superCtor', 'of type function', superCtor);
    if (superCtor.prototype === undefined) throw invalidArgType('superCtor.prototype', 'of type object', superCtor.prototype);
    Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  // deprecate wraps fn without a warning: reactors have no process to warn on.
  function deprecate(fn, msg, code) {
    if (code !== undefined && typeof code !== 'string') throw invalidArgType('code', 'of type string', code);
    function deprecated(...args) {
      if (new.target) return Reflect.construct(fn, args, new.target);
      return Reflect.apply(fn, this, args);
    }
    Object.setPrototypeOf(deprecated, fn);
    if (fn.prototype) deprecated.prototype = fn.prototype;
    return deprecated;
  }

  function toUSVString(input) {
    return natives.toUSVString(String(input));
  }
  function stripVTControlCharacters(str) {
    if (typeof str !== 'string') throw invalidArgType('str', 'of type string', str);
    // eslint-disable-next-line no-control-regex
    return str.replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, '');
  }

  // debuglog: no NODE_DEBUG in a reactor, so every section is disabled.
  function debuglog(set, cb) {
    function debug() {}
    Object.defineProperty(debug, 'enabled', { get() { return false; }, configurable: true, enumerable: true });
    return debug;
  }

  function _extend(target, source) {
    if (source === null || typeof source !== 'object') return target;
    const keys = Object.keys(source);
    let i = keys.length;
    while (i--) target[keys[i]] = source[keys[i]];
    return target;
  }

  const enc = natives.encoding();
  Object.assign(module.exports, {
    format,
    formatWithOptions,
    inspect,
    isDeepStrictEqual,
    promisify,
    callbackify,
    inherits,
    deprecate,
    debuglog,
    debug: debuglog,
    _extend,
    types,
    TextEncoder: enc.TextEncoder,
    TextDecoder: enc.TextDecoder,
    toUSVString,
    stripVTControlCharacters,
    isArray: Array.isArray,
    isBoolean: (v) => typeof v === 'boolean',
    isBuffer: (v) => getBuffer().isBuffer(v),
    isNull: (v) => v === null,
    isNullOrUndefined: (v) => v === undefined || v === null,
    isNumber: (v) => typeof v === 'number',
    isString: (v) => typeof v === 'string',
    isSymbol: (v) => typeof v === 'symbol',
    isUndefined: (v) => v === undefined,
    isRegExp,
    isObject: (v) => v !== null && typeof v === 'object',
    isDate,
    isError,
    isFunction: (v) => typeof v === 'function',
    isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  });
});
