(function (exports, require, module) {
  'use strict';
  // Node's querystring (lib/querystring.js), for reactors.

  const hexTable = new Array(256);
  for (let i = 0; i < 256; ++i) hexTable[i] = '%' + ((i < 16 ? '0' : '') + i.toString(16)).toUpperCase();

  function isUnreserved(c) {
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
      c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || c === 0x21 || c === 0x27 || c === 0x28 || c === 0x29 || c === 0x2a;
  }
  function unhex(c) {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    return -1;
  }

  function uriError() {
    const e = new URIError('URI malformed');
    e.code = 'ERR_INVALID_URI';
    return e;
  }

  // encodeStr percent-encodes str's UTF-8 bytes but the unreserved ones.
  // (Parts are joined at the end: a string grown by += is copied each time
  // in goja.)
  function encodeStr(str) {
    const len = str.length;
    if (len === 0) return '';
    const out = [];
    let lastPos = 0;
    for (let i = 0; i < len; i++) {
      if (out.length >= 8192) {
        const joined = out.join('');
        out.length = 0;
        out.push(joined);
      }
      let c = str.charCodeAt(i);
      if (c < 0x80) {
        if (isUnreserved(c)) continue;
        if (lastPos < i) out.push(str.slice(lastPos, i));
        lastPos = i + 1;
        out.push(hexTable[c]);
        continue;
      }
      if (lastPos < i) out.push(str.slice(lastPos, i));
      if (c < 0x800) {
        lastPos = i + 1;
        out.push(hexTable[0xc0 | (c >> 6)] + hexTable[0x80 | (c & 0x3f)]);
        continue;
      }
      if (c < 0xd800 || c >= 0xe000) {
        lastPos = i + 1;
        out.push(hexTable[0xe0 | (c >> 12)] + hexTable[0x80 | ((c >> 6) & 0x3f)] + hexTable[0x80 | (c & 0x3f)]);
        continue;
      }
      ++i;
      if (i >= len) throw uriError();
      const c2 = str.charCodeAt(i) & 0x3ff;
      lastPos = i + 1;
      c = 0x10000 + (((c & 0x3ff) << 10) | c2);
      out.push(hexTable[0xf0 | (c >> 18)] + hexTable[0x80 | ((c >> 12) & 0x3f)] +
        hexTable[0x80 | ((c >> 6) & 0x3f)] + hexTable[0x80 | (c & 0x3f)]);
    }
    if (lastPos === 0) return str;
    if (lastPos < len) out.push(str.slice(lastPos));
    return out.join('');
  }

  function unescapeBuffer(s, decodeSpaces) {
    s = String(s);
    const out = require('buffer').Buffer.alloc(s.length);
    let index = 0;
    let outIndex = 0;
    let currentChar;
    const maxLength = s.length - 2;
    let hasHex = false;
    while (index < s.length) {
      currentChar = s.charCodeAt(index);
      if (currentChar === 43 && decodeSpaces) {
        out[outIndex++] = 32;
        index++;
        continue;
      }
      if (currentChar === 37 && index < maxLength) {
        currentChar = s.charCodeAt(++index);
        const hexHigh = unhex(currentChar);
        if (!(hexHigh >= 0)) {
          out[outIndex++] = 37;
          continue;
        } else {
          const hexLow = unhex(s.charCodeAt(++index));
          if (!(hexLow >= 0)) {
            out[outIndex++] = 37;
            index--;
          } else {
            hasHex = true;
            currentChar = hexHigh * 16 + hexLow;
          }
        }
      }
      out[outIndex++] = currentChar;
      index++;
    }
    return hasHex ? out.subarray(0, outIndex) : out;
  }

  function qsUnescape(s, decodeSpaces) {
    try {
      return decodeURIComponent(s);
    } catch {
      return QueryString.unescapeBuffer(s, decodeSpaces).toString();
    }
  }

  function qsEscape(str) {
    if (typeof str !== 'string') {
      if (typeof str === 'object') str = String(str);
      else str += '';
    }
    return encodeStr(str);
  }

  function stringifyPrimitive(v) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && isFinite(v)) return '' + v;
    if (typeof v === 'bigint') return '' + v;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  }
  function encodeStringified(v, encode) {
    if (typeof v === 'string') return v.length ? encode(v) : '';
    if (typeof v === 'number' && isFinite(v)) return Math.abs(v) < 1e21 ? '' + v : encode('' + v);
    if (typeof v === 'bigint') return '' + v;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  }
  function encodeStringifiedCustom(v, encode) {
    return encode(stringifyPrimitive(v));
  }

  function stringify(obj, sep, eq, options) {
    sep = sep || '&';
    eq = eq || '=';
    let encode = QueryString.escape;
    if (options && typeof options.encodeURIComponent === 'function') encode = options.encodeURIComponent;
    const convert = encode === qsEscape ? encodeStringified : encodeStringifiedCustom;
    if (obj !== null && typeof obj === 'object') {
      const keys = Object.keys(obj);
      const fields = [];
      for (let i = 0; i < keys.length; ++i) {
        const k = keys[i];
        const v = obj[k];
        let ks = convert(k, encode);
        ks += eq;
        if (Array.isArray(v)) {
          const vlen = v.length;
          for (let j = 0; j < vlen; ++j) fields.push(ks + convert(v[j], encode));
        } else {
          fields.push(ks + convert(v, encode));
        }
      }
      return fields.join(sep);
    }
    return '';
  }

  function charCodes(str) {
    const ret = new Array(str.length);
    for (let i = 0; i < str.length; ++i) ret[i] = str.charCodeAt(i);
    return ret;
  }

  function addKeyVal(obj, key, value, keyEncoded, valEncoded, decode) {
    if (key.length > 0 && keyEncoded) key = decodeStr(key, decode);
    if (value.length > 0 && valEncoded) value = decodeStr(value, decode);
    if (obj[key] === undefined) {
      obj[key] = value;
    } else {
      const curValue = obj[key];
      if (curValue.pop) curValue[curValue.length] = value;
      else obj[key] = [curValue, value];
    }
  }

  function decodeStr(s, decoder) {
    try {
      return decoder(s);
    } catch {
      return QueryString.unescape(s, true);
    }
  }

  const encodedRe = /%[0-9a-fA-F]{2}/;

  // parseDefault is parse for "&", "=" and the default decoding, a segment
  // at a time rather than a character at a time: the same result (a key or
  // value is decoded when it holds a %XX, "+" is a space), faster in goja.
  function parseDefault(qs, pairs) {
    const obj = { __proto__: null };
    let pos = 0;
    for (;;) {
      let end = qs.indexOf('&', pos);
      const last = end === -1;
      if (last) end = qs.length;
      if (end > pos) {
        const seg = qs.slice(pos, end);
        const i = seg.indexOf('=');
        let key = i === -1 ? seg : seg.slice(0, i);
        let value = i === -1 ? '' : seg.slice(i + 1);
        const keyEncoded = encodedRe.test(key);
        // (the character loop skips "+" in a value when it looks for %XX)
        const valEncoded = encodedRe.test(value.includes('+') ? value.replace(/\+/g, '') : value);
        if (key.includes('+')) key = key.replace(/\+/g, ' ');
        if (value.includes('+')) value = value.replace(/\+/g, ' ');
        addKeyVal(obj, key, value, keyEncoded, valEncoded, qsUnescape);
      }
      if (last || --pairs === 0) return obj;
      pos = end + 1;
    }
  }

  function parse(qs, sep, eq, options) {
    const obj = { __proto__: null };
    if (typeof qs !== 'string' || qs.length === 0) return obj;
    if ((!sep || sep === '&') && (!eq || eq === '=') && QueryString.unescape === qsUnescape &&
        !(options && typeof options.decodeURIComponent === 'function')) {
      let max = 1000;
      if (options && typeof options.maxKeys === 'number') max = options.maxKeys > 0 ? options.maxKeys : 0;
      return parseDefault(qs, max);
    }
    const sepCodes = !sep ? [38] : charCodes(String(sep));
    const eqCodes = !eq ? [61] : charCodes(String(eq));
    const sepLen = sepCodes.length;
    const eqLen = eqCodes.length;
    let pairs = 1000;
    if (options && typeof options.maxKeys === 'number') pairs = options.maxKeys > 0 ? options.maxKeys : 0;
    let decode = QueryString.unescape;
    if (options && typeof options.decodeURIComponent === 'function') decode = options.decodeURIComponent;
    const customDecode = decode !== qsUnescape;
    let lastPos = 0;
    let sepIdx = 0;
    let eqIdx = 0;
    let key = '';
    let value = '';
    let keyEncoded = customDecode;
    let valEncoded = customDecode;
    const plusChar = customDecode ? '%20' : ' ';
    let encodeCheck = 0;
    for (let i = 0; i < qs.length; ++i) {
      const code = qs.charCodeAt(i);
      if (code === sepCodes[sepIdx]) {
        if (++sepIdx === sepLen) {
          const end = i - sepIdx + 1;
          if (eqIdx < eqLen) {
            if (lastPos < end) {
              key += qs.slice(lastPos, end);
            } else if (key.length === 0) {
              if (--pairs === 0) return obj;
              lastPos = i + 1;
              sepIdx = eqIdx = 0;
              continue;
            }
          } else if (lastPos < end) {
            value += qs.slice(lastPos, end);
          }
          addKeyVal(obj, key, value, keyEncoded, valEncoded, decode);
          if (--pairs === 0) return obj;
          keyEncoded = valEncoded = customDecode;
          key = value = '';
          encodeCheck = 0;
          lastPos = i + 1;
          sepIdx = eqIdx = 0;
        }
      } else {
        sepIdx = 0;
        if (eqIdx < eqLen) {
          if (code === eqCodes[eqIdx]) {
            if (++eqIdx === eqLen) {
              const end = i - eqIdx + 1;
              if (lastPos < end) key += qs.slice(lastPos, end);
              encodeCheck = 0;
              lastPos = i + 1;
            }
            continue;
          } else {
            eqIdx = 0;
            if (!keyEncoded) {
              if (code === 37) {
                encodeCheck = 1;
                continue;
              } else if (encodeCheck > 0) {
                if (unhex(code) >= 0) {
                  if (++encodeCheck === 3) keyEncoded = true;
                  continue;
                } else {
                  encodeCheck = 0;
                }
              }
            }
          }
          if (code === 43) {
            if (lastPos < i) key += qs.slice(lastPos, i);
            key += plusChar;
            lastPos = i + 1;
            continue;
          }
        }
        if (code === 43) {
          if (lastPos < i) value += qs.slice(lastPos, i);
          value += plusChar;
          lastPos = i + 1;
        } else if (!valEncoded) {
          if (code === 37) {
            encodeCheck = 1;
          } else if (encodeCheck > 0) {
            if (unhex(code) >= 0) {
              if (++encodeCheck === 3) valEncoded = true;
            } else {
              encodeCheck = 0;
            }
          }
        }
      }
    }
    if (lastPos < qs.length) {
      if (eqIdx < eqLen) key += qs.slice(lastPos);
      else if (sepIdx < sepLen) value += qs.slice(lastPos);
    } else if (eqIdx === 0 && key.length === 0) {
      return obj;
    }
    addKeyVal(obj, key, value, keyEncoded, valEncoded, decode);
    return obj;
  }

  const QueryString = module.exports = {
    unescapeBuffer,
    unescape: qsUnescape,
    escape: qsEscape,
    stringify,
    encode: stringify,
    parse,
    decode: parse,
  };
});
