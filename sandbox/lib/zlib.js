(function (exports, require, module, natives) {
  'use strict';
  // Node's zlib for whole buffers (gzipSync, gunzip, ...), over the Go half
  // (zlib.go: compress/flate, compress/gzip, compress/zlib). The stream
  // classes need stream and are absent; so is brotli, which Go's standard
  // library does not have.
  const { Buffer } = require('buffer');
  const constants = {
    Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
    Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
    Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
    Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, ZLIB_VERNUM: 4880,
    DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
    BROTLI_DECODE: 8, BROTLI_ENCODE: 9,
    Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15,
    Z_MIN_CHUNK: 64, Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384,
    Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9, Z_DEFAULT_MEMLEVEL: 8,
    Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1,
  };
  const codes = {
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2,
    Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
  };
  for (const k of Object.keys(codes)) codes[codes[k]] = k;
  Object.freeze(codes);
  const kMaxLength = 4294967296;

  function describe(v) {
    if (v == null) return String(v);
    if (typeof v === 'function') return 'function ' + v.name;
    if (typeof v === 'object') return v.constructor && v.constructor.name ? 'an instance of ' + v.constructor.name : 'an instance of Object';
    let s = typeof v === 'number' ? formatNumber(v) : String(v);
    if (s.length > 28) s = s.slice(0, 25) + '...';
    if (typeof v === 'string') s = "'" + s + "'";
    return 'type ' + typeof v + ' (' + s + ')';
  }
  function formatNumber(n) {
    if (!Number.isInteger(n) || Math.abs(n) <= 2 ** 32) return String(n);
    let s = String(Math.abs(n));
    let out = '';
    while (s.length > 3) {
      out = '_' + s.slice(-3) + out;
      s = s.slice(0, -3);
    }
    return (n < 0 ? '-' : '') + s + out;
  }
  function typeError(name, want, v) {
    const what = name.includes('.') ? 'property' : 'argument';
    const e = new TypeError('The "' + name + '" ' + what + ' must be ' + want + '. Received ' + describe(v));
    e.code = 'ERR_INVALID_ARG_TYPE';
    return e;
  }
  function rangeError(name, range, v) {
    const e = new RangeError('The value of "' + name + '" is out of range. It must be ' + range + '. Received ' + formatNumber(v));
    e.code = 'ERR_OUT_OF_RANGE';
    return e;
  }
  function checkFiniteNumber(n, name) {
    if (n === undefined) return false;
    if (Number.isFinite(n)) return true;
    if (Number.isNaN(n)) return false;
    if (typeof n !== 'number') throw typeError(name, 'of type number', n);
    throw rangeError(name, 'a finite number', n);
  }
  function checkRange(n, name, lo, hi, def) {
    if (!checkFiniteNumber(n, name)) return def;
    if (n < lo || n > hi) throw rangeError(name, '>= ' + lo + ' and <= ' + hi, n);
    return n;
  }
  function isView(v) {
    return ArrayBuffer.isView(v);
  }
  function toBuffer(buffer, isAsync) {
    if (typeof buffer === 'string') return Buffer.from(buffer);
    if (isView(buffer)) return buffer;
    if (buffer instanceof ArrayBuffer) return Buffer.from(buffer);
    if (isAsync) throw typeError('chunk', 'of type string or an instance of Buffer, TypedArray, or DataView', buffer);
    throw typeError('buffer', 'of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer', buffer);
  }

  // job validates the options as Node's Zlib constructor does and returns
  // the arguments of the Go half.
  function job(op, buffer, opts, isAsync, callback) {
    opts = opts && typeof opts === 'object' ? opts : {};
    const inflating = op === 'inflate' || op === 'gunzip' || op === 'unzip' || op === 'inflateRaw';
    if (opts.chunkSize !== undefined && checkFiniteNumber(opts.chunkSize, 'options.chunkSize') && opts.chunkSize < 64) {
      throw rangeError('options.chunkSize', '>= 64', opts.chunkSize);
    }
    const finishFlush = checkRange(opts.finishFlush, 'options.finishFlush', 0, 5, 4);
    checkRange(opts.flush, 'options.flush', 0, 5, 0);
    let windowBits;
    if ((opts.windowBits == null || opts.windowBits === 0) && (op === 'inflate' || op === 'gunzip' || op === 'unzip')) {
      windowBits = 0;
    } else {
      windowBits = checkRange(opts.windowBits, 'options.windowBits', op === 'gzip' ? 9 : 8, 15, 15);
    }
    if (!inflating && windowBits !== 15) {
      // Go's compressor always uses a 32 KiB window.
      throw rangeError('options.windowBits', '15 in the reactor sandbox, whose compressor always uses a 32 KiB window', windowBits);
    }
    const level = checkRange(opts.level, 'options.level', -1, 9, -1);
    checkRange(opts.memLevel, 'options.memLevel', 1, 9, 8);
    const strategy = checkRange(opts.strategy, 'options.strategy', 0, 4, 0);
    let dictionary = opts.dictionary;
    if (dictionary !== undefined && !isView(dictionary)) {
      if (dictionary instanceof ArrayBuffer) dictionary = Buffer.from(dictionary);
      else throw typeError('options.dictionary', 'an instance of Buffer, TypedArray, DataView, or ArrayBuffer', dictionary);
    }
    const maxOutputLength = checkRange(opts.maxOutputLength, 'options.maxOutputLength', 1, kMaxLength, kMaxLength);
    if (opts.info) {
      const e = new TypeError('The option "info" is not supported in the reactor sandbox');
      e.code = 'ERR_INVALID_ARG_VALUE';
      throw e;
    }
    if (isAsync && typeof callback !== 'function') throw typeError('callback', 'of type function', callback);
    const data = toBuffer(buffer, isAsync);
    return [op, data, level, strategy, windowBits, maxOutputLength, op === 'gzip' ? undefined : dictionary, finishFlush];
  }

  function define(name, op) {
    // Node's own names for these functions.
    const sync = function syncBufferWrapper(buffer, opts) {
      return natives.sync(...job(op, buffer, opts));
    };
    const async = function asyncBufferWrapper(buffer, opts, callback) {
      if (typeof opts === 'function') {
        callback = opts;
        opts = {};
      }
      natives.async(...job(op, buffer, opts, true, callback), callback);
    };
    exports[name] = async;
    exports[name + 'Sync'] = sync;
  }
  define('deflate', 'deflate');
  define('gzip', 'gzip');
  define('deflateRaw', 'deflateRaw');
  define('unzip', 'unzip');
  define('inflate', 'inflate');
  define('gunzip', 'gunzip');
  define('inflateRaw', 'inflateRaw');
  exports.crc32 = function crc32(data, value) {
    if (value === undefined) value = 0;
    if (typeof data === 'string') data = Buffer.from(data);
    else if (!isView(data)) throw typeError('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
    if (typeof value !== 'number') throw typeError('value', 'of type number', value);
    if (!Number.isInteger(value)) throw rangeError('value', 'an integer', value);
    if (value < 0 || value > 4294967295) throw rangeError('value', '>= 0 && <= 4294967295', value);
    return natives.crc32(data, value);
  };
  exports.constants = constants;
  exports.codes = codes;
  for (const k of Object.keys(constants)) {
    if (k.startsWith('BROTLI')) continue;
    Object.defineProperty(exports, k, { enumerable: false, value: constants[k], writable: false });
  }
});
