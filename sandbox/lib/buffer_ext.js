(function (exports, require, module, natives) {
  'use strict';
  // What Node 20's Buffer has and goja_nodejs's lacks, after Node's
  // lib/buffer.js: every encoding (utf8, utf16le/ucs2, latin1/binary,
  // ascii, base64, base64url, hex) in from, toString, write, fill, alloc and
  // indexOf; compare, copy, slice (a view, as subarray), toJSON, swap16/32/64,
  // isEncoding, copyBytesFrom and the module's constants. natives
  // (buffer_ext.go) holds the codecs and the byte search.
  const { Buffer, proto } = natives;
  const kMaxLength = 2 ** 32;
  const kStringMaxLength = 2 ** 29 - 24;
  const U8 = Uint8Array;
  const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(U8.prototype), Symbol.toStringTag).get;
  const isUint8Array = (v) => typeof v === 'object' && v !== null && typedArrayTag.call(v) === 'Uint8Array';

  const encodings = {
    __proto__: null, utf8: 'utf8', 'utf-8': 'utf8', ucs2: 'utf16le', 'ucs-2': 'utf16le', utf16le: 'utf16le',
    'utf-16le': 'utf16le', latin1: 'latin1', binary: 'latin1', base64: 'base64', base64url: 'base64url', hex: 'hex',
    ascii: 'ascii',
  };
  function normalizeEncoding(enc) {
    if (enc === undefined || enc === null || enc === '') return 'utf8';
    return encodings[String(enc).toLowerCase()];
  }

  function describe(v) {
    if (v == null) return ' Received ' + v;
    if (typeof v === 'function') return ' Received function ' + (v.name || '<anonymous>');
    if (typeof v === 'object') {
      return v.constructor && v.constructor.name ? ' Received an instance of ' + v.constructor.name : ' Received [Object: null prototype]';
    }
    let s = typeof v === 'string' ? "'" + v + "'" : String(v);
    if (typeof v === 'bigint') s += 'n';
    if (s.length > 28) s = s.slice(0, 25) + '...';
    return ' Received type ' + typeof v + ' (' + s + ')';
  }
  function codeError(Ctor, code, msg) {
    const e = new Ctor(msg);
    e.code = code;
    return e;
  }
  function argType(name, what, v) {
    return codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "' + name + '" argument must be ' + what + '.' + describe(v));
  }
  function addSeparator(s) {
    let res = '';
    let i = s.length;
    const start = s[0] === '-' ? 1 : 0;
    for (; i >= start + 4; i -= 3) res = '_' + s.slice(i - 3, i) + res;
    return s.slice(0, i) + res;
  }
  function outOfRange(name, range, v) {
    let received;
    if (Number.isInteger(v) && Math.abs(v) > 2 ** 32) received = addSeparator(String(v));
    else if (typeof v === 'bigint') received = String(v) + 'n';
    else received = String(v);
    return codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "' + name + '" is out of range. It must be ' + range + '. Received ' + received);
  }
  function unknownEncoding(enc) {
    return codeError(TypeError, 'ERR_UNKNOWN_ENCODING', 'Unknown encoding: ' + enc);
  }
  function validateOffset(value, name, min = 0, max = kMaxLength) {
    if (typeof value !== 'number') throw argType(name, 'of type number', value);
    if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
    if (value < min || value > max) throw outOfRange(name, '>= ' + min + ' && <= ' + max, value);
  }
  function validateBuffer(v, name) {
    if (!isUint8Array(v)) throw argType(name, 'an instance of Buffer or Uint8Array', v);
  }
  function toInteger(n, defaultVal) {
    n = +n;
    if (!Number.isNaN(n) && n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER) return n % 1 === 0 ? n : Math.floor(n);
    return defaultVal;
  }

  function define(obj, name, fn) {
    Object.defineProperty(obj, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  // Node's methods are plain functions, not the class's bound natives.
  function method(name, fn) {
    Object.defineProperty(fn, 'name', { value: name });
    define(proto, name, fn);
  }

  const origFrom = Buffer.from;
  define(Buffer, 'from', function from(value, encodingOrOffset, length) {
    if (typeof value === 'string') {
      let enc = 'utf8';
      if (typeof encodingOrOffset === 'string' && encodingOrOffset.length !== 0) {
        enc = normalizeEncoding(encodingOrOffset);
        if (enc === undefined) throw unknownEncoding(encodingOrOffset);
      }
      return natives.decode(value, enc);
    }
    return Reflect.apply(origFrom, this, arguments);
  });

  const origAlloc = Buffer.alloc;
  function alloc(size, fill, encoding) {
    if (typeof size !== 'number') throw argType('size', 'of type number', size);
    if (!(size >= 0 && size <= kMaxLength)) throw outOfRange('size', '>= 0 && <= ' + kMaxLength, size);
    const buf = origAlloc.call(Buffer, size);
    if (fill !== undefined && fill !== 0 && size > 0) return fillImpl(buf, fill, 0, buf.length, encoding);
    return buf;
  }
  define(Buffer, 'alloc', alloc);
  define(Buffer, 'allocUnsafe', function allocUnsafe(size) {
    return alloc(size);
  });
  define(Buffer, 'allocUnsafeSlow', function allocUnsafeSlow(size) {
    return alloc(size);
  });

  define(Buffer, 'isEncoding', function isEncoding(encoding) {
    return typeof encoding === 'string' && encoding.length !== 0 && normalizeEncoding(encoding) !== undefined;
  });

  define(Buffer, 'compare', function compare(buf1, buf2) {
    validateBuffer(buf1, 'buf1');
    validateBuffer(buf2, 'buf2');
    if (buf1 === buf2) return 0;
    return natives.compare(buf1, buf2);
  });

  define(Buffer, 'copyBytesFrom', function copyBytesFrom(view, offset, length) {
    if (!ArrayBuffer.isView(view) || typedArrayTag.call(view) === undefined) {
      throw argType('view', 'an instance of TypedArray', view);
    }
    const viewLength = view.length;
    if (viewLength === 0) return Buffer.alloc(0);
    if (offset !== undefined || length !== undefined) {
      if (offset !== undefined) {
        validateOffset(offset, 'offset', 0);
        if (offset >= viewLength) return Buffer.alloc(0);
      } else {
        offset = 0;
      }
      let end;
      if (length !== undefined) {
        validateOffset(length, 'length', 0);
        end = offset + length;
      } else {
        end = viewLength;
      }
      view = view.subarray(offset, end);
    }
    const out = Buffer.alloc(view.byteLength);
    out.set(new U8(view.buffer, view.byteOffset, view.byteLength));
    return out;
  });

  method('toString', function toString(encoding, start, end) {
    if (arguments.length === 0) return natives.encode(this, 'utf8', 0, this.length);
    const len = this.length;
    if (start <= 0) start = 0;
    else if (start >= len) return '';
    else start = Math.trunc(start) || 0;
    if (end === undefined || end > len) end = len;
    else end = Math.trunc(end) || 0;
    if (end <= start) return '';
    if (encoding === undefined) return natives.encode(this, 'utf8', start, end);
    const enc = encodings[String(encoding).toLowerCase()];
    if (enc === undefined) throw unknownEncoding(encoding);
    return natives.encode(this, enc, start, end);
  });
  define(proto, 'toLocaleString', proto.toString);

  method('write', function write(string, offset, length, encoding) {
    if (typeof string !== 'string') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'argument must be a string');
    if (offset === undefined) return natives.write(this, string, 0, this.length, 'utf8');
    if (length === undefined && typeof offset === 'string') {
      encoding = offset;
      length = this.length;
      offset = 0;
    } else {
      validateOffset(offset, 'offset', 0, this.length);
      const remaining = this.length - offset;
      if (length === undefined) {
        length = remaining;
      } else if (typeof length === 'string') {
        encoding = length;
        length = remaining;
      } else {
        validateOffset(length, 'length', 0, this.length);
        if (length > remaining) length = remaining;
      }
    }
    let enc = 'utf8';
    if (encoding) {
      enc = encodings[String(encoding).toLowerCase()];
      if (enc === undefined) throw unknownEncoding(encoding);
    }
    return natives.write(this, string, offset, length, enc);
  });

  function fillImpl(buf, value, offset, end, encoding) {
    if (typeof value === 'string') {
      if (offset === undefined || typeof offset === 'string') {
        encoding = offset;
        offset = 0;
        end = buf.length;
      } else if (typeof end === 'string') {
        encoding = end;
        end = buf.length;
      }
      const enc = normalizeEncoding(encoding);
      if (enc === undefined) {
        if (typeof encoding !== 'string') throw argType('encoding', 'of type string', encoding);
        throw unknownEncoding(encoding);
      }
      if (value.length === 0) {
        value = 0;
      } else if (value.length === 1) {
        if (enc === 'utf8') {
          const code = value.charCodeAt(0);
          if (code < 128) value = code;
        } else if (enc === 'latin1') {
          value = value.charCodeAt(0);
        }
      }
      if (typeof value === 'string') value = natives.decode(value, enc);
    } else if (typeof value === 'boolean') {
      value = Number(value);
    }
    if (offset === undefined) {
      offset = 0;
      end = buf.length;
    } else {
      validateOffset(offset, 'offset');
      if (end === undefined) end = buf.length;
      else validateOffset(end, 'end', 0, buf.length);
      if (offset >= end) return buf;
    }
    if (typeof value === 'number') {
      U8.prototype.fill.call(buf, value, offset, end);
      return buf;
    }
    if (isUint8Array(value) || ArrayBuffer.isView(value)) {
      const bytes = isUint8Array(value) ? value : new U8(value.buffer, value.byteOffset, value.byteLength);
      if (bytes.length === 0) {
        throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', "The argument 'value' is invalid. Received " + describeBuffer(value));
      }
      if (offset > buf.length) throw codeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', 'Attempt to access memory outside buffer bounds');
      natives.fill(buf, bytes, offset, Math.min(end, buf.length));
      return buf;
    }
    U8.prototype.fill.call(buf, Number(value) & 255, offset, end);
    return buf;
  }
  function describeBuffer(v) {
    return Buffer.isBuffer(v) ? 'Buffer(' + v.length + ') []' : (v.constructor ? v.constructor.name : 'Object') + '(' + v.length + ') []';
  }
  method('fill', function fill(value, offset, end, encoding) {
    return fillImpl(this, value, offset, end, encoding);
  });

  method('compare', function compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
    validateBuffer(target, 'target');
    if (arguments.length === 1) return natives.compare(this, target);
    if (targetStart === undefined) targetStart = 0;
    else validateOffset(targetStart, 'targetStart');
    if (targetEnd === undefined) targetEnd = target.length;
    else validateOffset(targetEnd, 'targetEnd', 0, target.length);
    if (sourceStart === undefined) sourceStart = 0;
    else validateOffset(sourceStart, 'sourceStart');
    if (sourceEnd === undefined) sourceEnd = this.length;
    else validateOffset(sourceEnd, 'sourceEnd', 0, this.length);
    if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
    if (targetStart >= targetEnd) return 1;
    return natives.compare(this.subarray(sourceStart, sourceEnd), target.subarray(targetStart, targetEnd));
  });

  method('copy', function copy(target, targetStart, sourceStart, sourceEnd) {
    const source = this;
    validateBuffer(source, 'source');
    validateBuffer(target, 'target');
    if (targetStart === undefined) {
      targetStart = 0;
    } else {
      targetStart = toInteger(targetStart, 0);
      if (targetStart < 0) throw outOfRange('targetStart', '>= 0', targetStart);
    }
    if (sourceStart === undefined) {
      sourceStart = 0;
    } else {
      sourceStart = toInteger(sourceStart, 0);
      if (sourceStart < 0 || sourceStart > source.length) throw outOfRange('sourceStart', '>= 0 && <= ' + source.length, sourceStart);
    }
    if (sourceEnd === undefined) {
      sourceEnd = source.length;
    } else {
      sourceEnd = toInteger(sourceEnd, 0);
      if (sourceEnd < 0) throw outOfRange('sourceEnd', '>= 0', sourceEnd);
    }
    if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
    if (sourceEnd - sourceStart > target.length - targetStart) sourceEnd = sourceStart + target.length - targetStart;
    let nb = sourceEnd - sourceStart;
    const sourceLen = source.length - sourceStart;
    if (nb > sourceLen) nb = sourceLen;
    U8.prototype.set.call(target, new U8(source.buffer, source.byteOffset + sourceStart, nb), targetStart);
    return nb;
  });

  function adjustOffset(offset, length) {
    offset = Math.trunc(offset);
    if (offset === 0) return 0;
    if (offset < 0) {
      offset += length;
      return offset > 0 ? offset : 0;
    }
    if (offset < length) return offset;
    return Number.isNaN(offset) ? 0 : length;
  }
  method('slice', function slice(start, end) {
    const srcLength = this.length;
    start = adjustOffset(start, srcLength);
    end = end !== undefined ? adjustOffset(end, srcLength) : srcLength;
    return this.subarray(start, end > start ? end : start);
  });

  method('toJSON', function toJSON() {
    if (this.length > 0) {
      const data = new Array(this.length);
      for (let i = 0; i < this.length; ++i) data[i] = this[i];
      return { type: 'Buffer', data };
    }
    return { type: 'Buffer', data: [] };
  });

  method('swap16', function swap16() {
    const len = this.length;
    if (len % 2 !== 0) throw codeError(RangeError, 'ERR_INVALID_BUFFER_SIZE', 'Buffer size must be a multiple of 16-bits');
    natives.swap(this, 2);
    return this;
  });
  method('swap32', function swap32() {
    const len = this.length;
    if (len % 4 !== 0) throw codeError(RangeError, 'ERR_INVALID_BUFFER_SIZE', 'Buffer size must be a multiple of 32-bits');
    natives.swap(this, 4);
    return this;
  });
  method('swap64', function swap64() {
    const len = this.length;
    if (len % 8 !== 0) throw codeError(RangeError, 'ERR_INVALID_BUFFER_SIZE', 'Buffer size must be a multiple of 64-bits');
    natives.swap(this, 8);
    return this;
  });

  function bidirectionalIndexOf(buffer, val, byteOffset, encoding, dir) {
    validateBuffer(buffer, 'buffer');
    if (typeof byteOffset === 'string') {
      encoding = byteOffset;
      byteOffset = undefined;
    } else if (byteOffset > 0x7fffffff) {
      byteOffset = 0x7fffffff;
    } else if (byteOffset < -0x80000000) {
      byteOffset = -0x80000000;
    }
    byteOffset = +byteOffset;
    if (Number.isNaN(byteOffset)) byteOffset = dir ? 0 : buffer.length || buffer.byteLength;
    byteOffset = Math.trunc(byteOffset);
    if (typeof val === 'number') return natives.indexOf(buffer, new U8([(val >>> 0) & 255]), byteOffset, dir);
    let enc = 'utf8';
    if (encoding !== undefined) enc = encodings[String(encoding).toLowerCase()];
    if (typeof val === 'string') {
      if (enc === undefined) throw unknownEncoding(encoding);
      return natives.indexOf(buffer, natives.decode(val, enc), byteOffset, dir);
    }
    if (isUint8Array(val)) return natives.indexOf(buffer, val, byteOffset, dir);
    throw argType('value', 'one of type number or string or an instance of Buffer or Uint8Array', val);
  }
  method('indexOf', function indexOf(val, byteOffset, encoding) {
    return bidirectionalIndexOf(this, val, byteOffset, encoding, true);
  });
  method('lastIndexOf', function lastIndexOf(val, byteOffset, encoding) {
    return bidirectionalIndexOf(this, val, byteOffset, encoding, false);
  });
  method('includes', function includes(val, byteOffset, encoding) {
    return this.indexOf(val, byteOffset, encoding) !== -1;
  });

  // Reads and writes check their offset, value and byteLength as Node does
  // (lib/internal/buffer.js), then call goja_nodejs's.
  function validateNumber(value, name) {
    if (typeof value !== 'number') throw argType(name, 'of type number', value);
  }
  function received(v) {
    if (typeof v === 'bigint') {
      let s = String(v);
      if (v > 2n ** 32n || v < -(2n ** 32n)) s = addSeparator(s);
      return s + 'n';
    }
    if (Number.isInteger(v) && Math.abs(v) > 2 ** 32) return addSeparator(String(v));
    return Object.is(v, -0) ? '-0' : String(v);
  }
  function rangeError(name, range, v) {
    return codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "' + name + '" is out of range. It must be ' + range + '. Received ' + received(v));
  }
  function boundsError(value, length, type) {
    if (Math.floor(value) !== value) {
      validateNumber(value, type);
      throw rangeError(type || 'offset', 'an integer', value);
    }
    if (length < 0) throw codeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', 'Attempt to access memory outside buffer bounds');
    throw rangeError(type || 'offset', '>= ' + (type ? 1 : 0) + ' and <= ' + length, value);
  }
  function checkBounds(buf, offset, size) {
    validateNumber(offset, 'offset');
    if (buf[offset] === undefined || buf[offset + size - 1] === undefined) boundsError(offset, buf.length - size);
  }
  function checkInt(value, min, max, size) {
    if (value > max || value < min) {
      const n = typeof min === 'bigint' ? 'n' : '';
      let range;
      if (size > 4) {
        if (min === 0 || min === 0n) range = '>= 0' + n + ' and < 2' + n + ' ** ' + size * 8 + n;
        else range = '>= -(2' + n + ' ** ' + (size * 8 - 1) + n + ') and < 2' + n + ' ** ' + (size * 8 - 1) + n;
      } else {
        range = '>= ' + min + n + ' and <= ' + max + n;
      }
      throw rangeError('value', range, value);
    }
  }
  const intRange = (size, signed) => (signed ? [-(2 ** (size * 8 - 1)), 2 ** (size * 8 - 1) - 1] : [0, 2 ** (size * 8) - 1]);
  for (const [type, size, signed] of [['Int8', 1, true], ['UInt8', 1, false], ['Int16', 2, true], ['UInt16', 2, false],
    ['Int32', 4, true], ['UInt32', 4, false], ['Float', 4], ['Double', 8], ['BigInt64', 8, true], ['BigUInt64', 8, false]]) {
    for (const suffix of size === 1 ? [''] : ['LE', 'BE']) {
      const read = proto['read' + type + suffix];
      const write = proto['write' + type + suffix];
      if (typeof read !== 'function' || typeof write !== 'function') continue;
      method('read' + type + suffix, function (offset = 0) {
        checkBounds(this, offset, size);
        return read.call(this, offset);
      });
      const big = type.startsWith('Big');
      const [min, max] = signed === undefined ? [] : big ? (signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n]) : intRange(size, signed);
      method('write' + type + suffix, function (value, offset = 0) {
        if (!big) value = +value;
        if (min !== undefined) checkInt(value, min, max, size);
        checkBounds(this, offset, size);
        return write.call(this, value, offset);
      });
    }
  }
  for (const [type, signed] of [['Int', true], ['UInt', false]]) {
    for (const suffix of ['LE', 'BE']) {
      const read = proto['read' + type + suffix];
      const write = proto['write' + type + suffix];
      if (typeof read !== 'function' || typeof write !== 'function') continue;
      const checkByteLength = (byteLength) => {
        if (!(byteLength >= 1 && byteLength <= 6 && Number.isInteger(byteLength))) {
          if (byteLength === undefined) throw argType('byteLength', 'of type number', byteLength);
          boundsError(byteLength, 6, 'byteLength');
        }
      };
      method('read' + type + suffix, function (offset, byteLength) {
        if (offset === undefined) throw argType('offset', 'of type number', offset);
        checkByteLength(byteLength);
        checkBounds(this, offset, byteLength);
        return read.call(this, offset, byteLength);
      });
      method('write' + type + suffix, function (value, offset, byteLength) {
        checkByteLength(byteLength);
        value = +value;
        const [min, max] = intRange(byteLength, signed);
        checkInt(value, min, max, byteLength);
        checkBounds(this, offset, byteLength);
        return write.call(this, value, offset, byteLength);
      });
    }
  }

  // Node spells every UInt method Uint too.
  for (const rw of ['read', 'write']) {
    for (const size of ['8', '16LE', '16BE', '32LE', '32BE', 'LE', 'BE']) {
      if (typeof proto[rw + 'UInt' + size] === 'function') define(proto, rw + 'Uint' + size, proto[rw + 'UInt' + size]);
    }
    for (const end of ['LE', 'BE']) {
      if (typeof proto[rw + 'BigUInt64' + end] === 'function') define(proto, rw + 'BigUint64' + end, proto[rw + 'BigUInt64' + end]);
    }
  }

  Object.assign(exports, {
    constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength },
    kMaxLength,
    kStringMaxLength,
    INSPECT_MAX_BYTES: 50,
    isUtf8(input) {
      if (!ArrayBuffer.isView(input) && !(input instanceof ArrayBuffer)) {
        throw argType('input', 'an instance of ArrayBuffer, Buffer, or TypedArray', input);
      }
      const b = input instanceof ArrayBuffer ? new U8(input) : new U8(input.buffer, input.byteOffset, input.byteLength);
      return natives.isUtf8(b);
    },
    isAscii(input) {
      if (!ArrayBuffer.isView(input) && !(input instanceof ArrayBuffer)) {
        throw argType('input', 'an instance of ArrayBuffer, Buffer, or TypedArray', input);
      }
      const b = input instanceof ArrayBuffer ? new U8(input) : new U8(input.buffer, input.byteOffset, input.byteLength);
      for (let i = 0; i < b.length; i++) if (b[i] > 127) return false;
      return true;
    },
  });
});
