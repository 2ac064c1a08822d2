(function (exports, require, module, natives) {
  'use strict';
  // Node's string_decoder, for reactors: StringDecoder keeps the bytes of
  // an incomplete character (or base64 group) between writes. UTF-8 is
  // decoded as TextDecoder does (lib/encoding.js), which is what Node's
  // native decoder does too.
  const { Buffer } = require('buffer');
  const { utf8Decoder, unitsToString } = natives.encoding;

  function normalize(enc) {
    if (enc === undefined || enc === null || enc === '') return 'utf8';
    switch (String(enc).toLowerCase()) {
      case 'utf8': case 'utf-8': return 'utf8';
      case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
      case 'latin1': case 'binary': return 'latin1';
      case 'base64': return 'base64';
      case 'base64url': return 'base64url';
      case 'hex': return 'hex';
      case 'ascii': return 'ascii';
    }
    return undefined;
  }

  function describe(v) {
    if (v == null) return ' Received ' + v;
    if (typeof v === 'function') return ' Received function ' + (v.name || '<anonymous>');
    if (typeof v === 'object') return v.constructor && v.constructor.name ? ' Received an instance of ' + v.constructor.name : ' Received [Object: null prototype]';
    let s = String(v);
    if (s.length > 28) s = s.slice(0, 25) + '...';
    return ' Received type ' + typeof v + ' (' + s + ')';
  }

  function bytesOf(buf) {
    if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const e = new TypeError('The "buf" argument must be an instance of Buffer, TypedArray, or DataView.' + describe(buf));
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  function toBuffer(bytes) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }
  // utf16 decodes whole code units, dropping an odd last byte.
  function utf16(bytes) {
    const units = [];
    for (let i = 0; i + 1 < bytes.length; i += 2) units.push(bytes[i] | (bytes[i + 1] << 8));
    return unitsToString(units);
  }

  const states = new WeakMap();
  function state(d) {
    const st = states.get(d);
    if (st === undefined) {
      const e = new TypeError('Value of "this" must be of type StringDecoder');
      e.code = 'ERR_INVALID_THIS';
      throw e;
    }
    return st;
  }

  class StringDecoder {
    constructor(encoding) {
      const enc = normalize(encoding);
      if (enc === undefined) {
        const e = new TypeError('Unknown encoding: ' + encoding);
        e.code = 'ERR_UNKNOWN_ENCODING';
        throw e;
      }
      const st = { enc, rest: new Uint8Array(0), utf8: null };
      if (enc === 'utf8') st.utf8 = utf8Decoder(() => 0xfffd);
      states.set(this, st);
      this.encoding = enc;
    }

    write(buf) {
      const st = state(this);
      if (typeof buf === 'string') return buf;
      return decode(st, bytesOf(buf), false);
    }

    end(buf) {
      const st = state(this);
      let out = '';
      if (buf !== undefined) out = typeof buf === 'string' ? buf : decode(st, bytesOf(buf), false);
      return out + decode(st, new Uint8Array(0), true);
    }
  }

  function decodeUTF16(st, bytes, flush) {
    // As Node's decoder: a held byte completes one code unit, even a lead
    // surrogate; a lead surrogate ending the rest is held.
    let out = '';
    let i = 0;
    if (st.rest.length) {
      const need = (st.rest.length === 1 ? 2 : 4) - st.rest.length;
      if (bytes.length < need) {
        st.rest = concat(st.rest, bytes);
        if (!flush) return '';
        bytes = new Uint8Array(0);
      } else {
        out = utf16(concat(st.rest, bytes.subarray(0, need)));
        i = need;
        st.rest = new Uint8Array(0);
      }
    }
    if (flush) {
      out += utf16(concat(st.rest, bytes.subarray(i)));
      st.rest = new Uint8Array(0);
      return out;
    }
    const body = bytes.subarray(i);
    let end = body.length & ~1;
    if (end >= 2) {
      const last = body[end - 2] | (body[end - 1] << 8);
      if (last >= 0xd800 && last <= 0xdbff) end -= 2;
    }
    st.rest = body.slice(end);
    return out + utf16(body.subarray(0, end));
  }

  function decode(st, bytes, flush) {
    switch (st.enc) {
      case 'utf8':
        return unitsToString(st.utf8.decode(bytes, !flush, []));
      case 'utf16le':
        return decodeUTF16(st, bytes, flush);
      case 'base64':
      case 'base64url': {
        const all = st.rest.length ? concat(st.rest, bytes) : bytes;
        const end = flush ? all.length : all.length - (all.length % 3);
        st.rest = all.slice(end);
        if (end === 0) return '';
        const b64 = toBuffer(all.subarray(0, end)).toString('base64');
        return st.enc === 'base64' ? b64 : b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      }
      case 'ascii': {
        let s = '';
        for (let i = 0; i < bytes.length; i += 8192) {
          s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 8192), (b) => b & 0x7f));
        }
        return s;
      }
      default:
        return bytes.length === 0 ? '' : toBuffer(bytes).toString(st.enc);
    }
  }

  module.exports = { StringDecoder };
});
