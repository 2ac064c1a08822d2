(function (exports, require, module, natives) {
  'use strict';
  // TextEncoder and TextDecoder (the WHATWG Encoding Standard, as Node 20
  // has them: utf-8, utf-16le and windows-1252, which latin1 and ascii
  // name), and the streaming decoders string_decoder builds on. Not a
  // module reactors can require: the globals, util and string_decoder use it.
  const fromCharCode = String.fromCharCode;

  function codeError(Ctor, code, msg) {
    const e = new Ctor(msg);
    e.code = code;
    return e;
  }

  // units collects UTF-16 code units and turns them into a string in chunks
  // (apply is bounded by MaxArrayLength).
  function unitsToString(units) {
    let s = '';
    for (let i = 0; i < units.length; i += 8192) s += fromCharCode.apply(null, units.slice(i, i + 8192));
    return s;
  }
  function pushCodePoint(units, cp) {
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
  }

  // utf8Decoder is the Encoding Standard's UTF-8 decoder: decode(bytes,
  // stream) returns the code units of bytes, keeping an incomplete sequence
  // for the next call when stream is true; onError returns the code point
  // to use for an invalid sequence (or throws).
  function utf8Decoder(onError) {
    let codePoint = 0;
    let bytesNeeded = 0;
    let bytesSeen = 0;
    let lower = 0x80;
    let upper = 0xbf;
    return {
      pending() {
        return bytesNeeded === 0 ? 0 : bytesSeen + 1;
      },
      needed() {
        return bytesNeeded === 0 ? 0 : bytesNeeded - bytesSeen;
      },
      decode(bytes, stream, units) {
        for (let i = 0; i < bytes.length; i++) {
          const b = bytes[i];
          if (bytesNeeded === 0) {
            if (b <= 0x7f) {
              units.push(b);
            } else if (b >= 0xc2 && b <= 0xdf) {
              bytesNeeded = 1;
              codePoint = b & 0x1f;
            } else if (b >= 0xe0 && b <= 0xef) {
              if (b === 0xe0) lower = 0xa0;
              if (b === 0xed) upper = 0x9f;
              bytesNeeded = 2;
              codePoint = b & 0xf;
            } else if (b >= 0xf0 && b <= 0xf4) {
              if (b === 0xf0) lower = 0x90;
              if (b === 0xf4) upper = 0x8f;
              bytesNeeded = 3;
              codePoint = b & 0x7;
            } else {
              pushCodePoint(units, onError());
            }
            continue;
          }
          if (b < lower || b > upper) {
            codePoint = bytesNeeded = bytesSeen = 0;
            lower = 0x80;
            upper = 0xbf;
            pushCodePoint(units, onError());
            i--; // reprocess b
            continue;
          }
          lower = 0x80;
          upper = 0xbf;
          codePoint = (codePoint << 6) | (b & 0x3f);
          bytesSeen++;
          if (bytesSeen !== bytesNeeded) continue;
          pushCodePoint(units, codePoint);
          codePoint = bytesNeeded = bytesSeen = 0;
        }
        if (!stream && bytesNeeded !== 0) {
          codePoint = bytesNeeded = bytesSeen = 0;
          lower = 0x80;
          upper = 0xbf;
          pushCodePoint(units, onError());
        }
        return units;
      },
    };
  }

  // utf16leDecoder is the Encoding Standard's UTF-16LE decoder.
  function utf16leDecoder(onError) {
    let leadByte = -1;
    let leadSurrogate = -1;
    return {
      pending() {
        return (leadByte === -1 ? 0 : 1) + (leadSurrogate === -1 ? 0 : 2);
      },
      decode(bytes, stream, units) {
        for (let i = 0; i < bytes.length; i++) {
          const b = bytes[i];
          if (leadByte === -1) {
            leadByte = b;
            continue;
          }
          const cu = leadByte + (b << 8);
          leadByte = -1;
          if (leadSurrogate !== -1) {
            const lead = leadSurrogate;
            leadSurrogate = -1;
            if (cu >= 0xdc00 && cu <= 0xdfff) {
              units.push(lead, cu);
              continue;
            }
            pushCodePoint(units, onError());
          }
          if (cu >= 0xd800 && cu <= 0xdbff) {
            leadSurrogate = cu;
          } else if (cu >= 0xdc00 && cu <= 0xdfff) {
            pushCodePoint(units, onError());
          } else {
            units.push(cu);
          }
        }
        if (!stream && (leadByte !== -1 || leadSurrogate !== -1)) {
          leadByte = leadSurrogate = -1;
          pushCodePoint(units, onError());
        }
        return units;
      },
    };
  }

  // windows-1252, as Node 20 decodes it: Latin-1.
  function windows1252Decoder() {
    return {
      decode(bytes, stream, units) {
        for (let i = 0; i < bytes.length; i++) {
          units.push(bytes[i]);
        }
        return units;
      },
    };
  }

  const labels = { __proto__: null };
  for (const l of ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8']) labels[l] = 'utf-8';
  for (const l of ['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16', 'utf-16le']) labels[l] = 'utf-16le';
  for (const l of ['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100',
    'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252']) {
    labels[l] = 'windows-1252';
  }

  function invalidThis(type) {
    return codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type ' + type);
  }
  function describe(v) {
    if (v == null) return ' Received ' + v;
    if (typeof v === 'function') return ' Received function ' + (v.name || '<anonymous>');
    if (typeof v === 'object') return v.constructor && v.constructor.name ? ' Received an instance of ' + v.constructor.name : ' Received [Object: null prototype]';
    let s = typeof v === 'string' ? "'" + v + "'" : String(v);
    if (s.length > 28) s = s.slice(0, 25) + '...';
    return ' Received type ' + typeof v + ' (' + s + ')';
  }

  // bytesOf views an ArrayBuffer or ArrayBufferView as a Uint8Array, or
  // returns undefined.
  function bytesOf(input) {
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    return undefined;
  }

  const encoderState = new WeakMap();
  class TextEncoder {
    constructor() {
      encoderState.set(this, true);
    }
    get encoding() {
      if (!encoderState.has(this)) throw invalidThis('TextEncoder');
      return 'utf-8';
    }
    encode(input = '') {
      if (!encoderState.has(this)) throw invalidThis('TextEncoder');
      const b = require('buffer').Buffer.from(String(input), 'utf8');
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    }
    encodeInto(src, dest) {
      if (!encoderState.has(this)) throw invalidThis('TextEncoder');
      src = String(src);
      if (!(dest instanceof Uint8Array)) {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "dest" argument must be an instance of Uint8Array.' + describe(dest));
      }
      let read = 0;
      let written = 0;
      const len = dest.length;
      for (let i = 0; i < src.length; i++) {
        let c = src.charCodeAt(i);
        let units = 1;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < src.length) {
          const d = src.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            units = 2;
          }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (written + n > len) break;
        if (n === 1) {
          dest[written] = c;
        } else if (n === 2) {
          dest[written] = 0xc0 | (c >> 6);
          dest[written + 1] = 0x80 | (c & 0x3f);
        } else if (n === 3) {
          dest[written] = 0xe0 | (c >> 12);
          dest[written + 1] = 0x80 | ((c >> 6) & 0x3f);
          dest[written + 2] = 0x80 | (c & 0x3f);
        } else {
          dest[written] = 0xf0 | (c >> 18);
          dest[written + 1] = 0x80 | ((c >> 12) & 0x3f);
          dest[written + 2] = 0x80 | ((c >> 6) & 0x3f);
          dest[written + 3] = 0x80 | (c & 0x3f);
        }
        written += n;
        read += units;
        i += units - 1;
      }
      return { read, written };
    }
    [Symbol.for('nodejs.util.inspect.custom')](depth, opts, inspect) {
      if (!encoderState.has(this)) throw invalidThis('TextEncoder');
      if (typeof depth === 'number' && depth < 0) return this;
      const obj = Object.create({ constructor: this.constructor || TextEncoder });
      obj.encoding = this.encoding;
      return inspect(obj, opts);
    }
  }
  Object.defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: 'TextEncoder', configurable: true });

  const decoderState = new WeakMap();
  class TextDecoder {
    constructor(encoding = 'utf-8', options = {}) {
      const label = String(encoding).trim().toLowerCase();
      const enc = labels[label];
      if (enc === undefined) {
        throw codeError(RangeError, 'ERR_ENCODING_NOT_SUPPORTED', 'The "' + encoding + '" encoding is not supported');
      }
      if (options !== undefined && options !== null && typeof options !== 'object' && typeof options !== 'function') {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object.' + describe(options));
      }
      const fatal = Boolean(options && options.fatal);
      const ignoreBOM = Boolean(options && options.ignoreBOM);
      decoderState.set(this, { enc, fatal, ignoreBOM, decoder: null, bomSeen: false });
    }
    get encoding() {
      return state(this).enc;
    }
    get fatal() {
      return state(this).fatal;
    }
    get ignoreBOM() {
      return state(this).ignoreBOM;
    }
    decode(input = new Uint8Array(0), options = {}) {
      const st = state(this);
      const bytes = bytesOf(input);
      if (bytes === undefined) {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
          'The "list" argument must be an instance of SharedArrayBuffer, ArrayBuffer or ArrayBufferView.');
      }
      const stream = Boolean(options && options.stream);
      if (st.decoder === null && !stream && st.enc !== 'windows-1252' && natives !== undefined) {
        // the whole input at once: decoded in Go
        const s = st.enc === 'utf-8' ? natives.utf8(bytes, st.fatal) : natives.utf16le(bytes, st.fatal);
        if (s === null) {
          throw codeError(TypeError, 'ERR_ENCODING_INVALID_ENCODED_DATA', 'The encoded data was not valid for encoding ' + st.enc);
        }
        return !st.ignoreBOM && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
      }
      if (st.decoder === null) {
        const onError = st.fatal ? () => {
          st.decoder = null;
          throw codeError(TypeError, 'ERR_ENCODING_INVALID_ENCODED_DATA', 'The encoded data was not valid for encoding ' + st.enc);
        } : () => 0xfffd;
        st.decoder = st.enc === 'utf-8' ? utf8Decoder(onError) : st.enc === 'utf-16le' ? utf16leDecoder(onError) : windows1252Decoder();
        st.bomSeen = false;
      }
      const units = st.decoder.decode(bytes, stream, []);
      let start = 0;
      if (!st.bomSeen && units.length > 0) {
        st.bomSeen = true;
        if (!st.ignoreBOM && st.enc !== 'windows-1252' && units[0] === 0xfeff) start = 1;
      }
      if (!stream) st.decoder = null;
      return unitsToString(start ? units.slice(start) : units);
    }
    [Symbol.for('nodejs.util.inspect.custom')](depth, opts, inspect) {
      const st = state(this);
      if (typeof depth === 'number' && depth < 0) return this;
      const constructor = this.constructor || TextDecoder;
      const obj = Object.create({ constructor });
      obj.encoding = st.enc;
      obj.fatal = st.fatal;
      obj.ignoreBOM = st.ignoreBOM;
      return constructor.name + ' ' + inspect(obj);
    }
  }
  function state(d) {
    const st = decoderState.get(d);
    if (st === undefined) throw invalidThis('TextDecoder');
    return st;
  }
  Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: 'TextDecoder', configurable: true });

  module.exports = { TextEncoder, TextDecoder, utf8Decoder, utf16leDecoder, unitsToString };
});
