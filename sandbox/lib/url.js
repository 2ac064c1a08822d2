(function (exports, require, module, natives) {
  'use strict';
  // Node's url, for reactors: the WHATWG URL Standard's URL and
  // URLSearchParams (the basic URL parser, its state overrides for the
  // setters, the serializers), written after the standard's own algorithm;
  // Node's legacy url.parse, format and resolve; and the file URL helpers
  // as pure string functions. natives (url.go) maps domain names to ASCII
  // (punycode) and back.

  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

  function codeError(Ctor, code, msg) {
    const e = new Ctor(msg);
    e.code = code;
    return e;
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
  function argType(name, what, v) {
    return codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "' + name + '" argument must be ' + what + '.' + describe(v));
  }
  function invalidURL(input, base) {
    const e = codeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
    e.input = input;
    if (base !== undefined) e.base = base;
    return e;
  }

  function toUSVString(input) {
    return natives.toUSVString(String(input));
  }

  // percent-encode sets, as predicates on a code point
  const C0 = (c) => c < 0x20 || c > 0x7e;
  const fragmentSet = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
  const querySet = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
  const specialQuerySet = (c) => querySet(c) || c === 0x27;
  const pathSet = (c) => querySet(c) || c === 0x3f || c === 0x60 || c === 0x7b || c === 0x7d;
  const userinfoSet = (c) => pathSet(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 ||
    (c >= 0x5b && c <= 0x5e) || c === 0x7c;
  const componentSet = (c) => userinfoSet(c) || (c >= 0x24 && c <= 0x26) || c === 0x2b || c === 0x2c;
  const formSet = (c) => componentSet(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7e;
  C0.id = 'c0';
  fragmentSet.id = 'fragment';
  querySet.id = 'query';
  specialQuerySet.id = 'special-query';
  pathSet.id = 'path';
  userinfoSet.id = 'userinfo';
  componentSet.id = 'component';
  formSet.id = 'form';

  const hex = '0123456789ABCDEF';
  function pctByte(b) {
    return '%' + hex[b >> 4] + hex[b & 15];
  }
  function utf8Bytes(cp) {
    if (cp < 0x80) return [cp];
    if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
    if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
    return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  }
  // encodeCP percent-encodes one code point (a string of one) if set says so.
  function encodeCP(ch, set, spaceAsPlus) {
    const cp = ch.codePointAt(0);
    if (spaceAsPlus && cp === 0x20) return '+';
    if (!set(cp)) return ch;
    let out = '';
    for (const b of utf8Bytes(cp)) out += pctByte(b);
    return out;
  }
  // encodeString percent-encodes s in Go: a string built a code point at a
  // time is copied each time in goja.
  function encodeString(s, set, spaceAsPlus) {
    return natives.percentEncode(s, set.id, Boolean(spaceAsPlus));
  }
  function isHex(c) {
    return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
  }
  // percentDecodeUTF8 percent-decodes s and decodes the bytes as UTF-8
  // (in Go: the bytes of a long string would not fit an array).
  function percentDecodeUTF8(s) {
    return natives.percentDecodeUTF8(s);
  }

  const specialSchemes = { __proto__: null, ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };
  const isSpecialScheme = (s) => s in specialSchemes;
  const isAlpha = (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const isDigit = (c) => c >= 0x30 && c <= 0x39;
  const isAlnum = (c) => isAlpha(c) || isDigit(c);

  function isWindowsDriveLetter(s, normalizedOnly) {
    if (s.length !== 2 || !isAlpha(s.charCodeAt(0))) return false;
    return s[1] === ':' || (!normalizedOnly && s[1] === '|');
  }
  function startsWithWindowsDriveLetter(s, p) {
    if (s.length - p < 2) return false;
    if (!isAlpha(s.charCodeAt(p)) || (s[p + 1] !== ':' && s[p + 1] !== '|')) return false;
    if (s.length - p === 2) return true;
    const c = s[p + 2];
    return c === '/' || c === '\\' || c === '?' || c === '#';
  }
  function shortenPath(url) {
    const path = url.path;
    if (url.scheme === 'file' && path.length === 1 && isWindowsDriveLetter(path[0], true)) return;
    path.pop();
  }
  const isSingleDot = (s) => s === '.' || s.toLowerCase() === '%2e';
  const isDoubleDot = (s) => {
    s = s.toLowerCase();
    return s === '..' || s === '.%2e' || s === '%2e.' || s === '%2e%2e';
  };

  // hosts

  function parseIPv4Number(s) {
    if (s === '') return NaN;
    let R = 10;
    if (s.length >= 2 && (s.startsWith('0x') || s.startsWith('0X'))) {
      s = s.slice(2);
      R = 16;
    } else if (s.length >= 2 && s[0] === '0') {
      s = s.slice(1);
      R = 8;
    }
    if (s === '') return 0;
    const re = R === 10 ? /^[0-9]+$/ : R === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
    if (!re.test(s)) return NaN;
    return parseInt(s, R);
  }
  function endsInNumber(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '') {
      if (parts.length === 1) return false;
      parts.pop();
    }
    const last = parts[parts.length - 1];
    if (last !== '' && /^[0-9]+$/.test(last)) return true;
    return !Number.isNaN(parseIPv4Number(last));
  }
  function parseIPv4(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const numbers = [];
    for (const p of parts) {
      const n = parseIPv4Number(p);
      if (Number.isNaN(n)) return null;
      numbers.push(n);
    }
    for (let i = 0; i < numbers.length - 1; i++) if (numbers[i] > 255) return null;
    if (numbers[numbers.length - 1] >= 256 ** (5 - numbers.length)) return null;
    let ipv4 = numbers[numbers.length - 1];
    for (let i = 0; i < numbers.length - 1; i++) ipv4 += numbers[i] * 256 ** (3 - i);
    return ipv4;
  }
  function serializeIPv4(n) {
    const out = [];
    for (let i = 0; i < 4; i++) {
      out.unshift(String(n % 256));
      n = Math.floor(n / 256);
    }
    return out.join('.');
  }
  function parseIPv6(input) {
    const address = [0, 0, 0, 0, 0, 0, 0, 0];
    let pieceIndex = 0;
    let compress = null;
    let p = 0;
    const c = (i) => (i < input.length ? input.charCodeAt(i) : NaN);
    if (c(p) === 0x3a) {
      if (c(p + 1) !== 0x3a) return null;
      p += 2;
      pieceIndex++;
      compress = pieceIndex;
    }
    while (p < input.length) {
      if (pieceIndex === 8) return null;
      if (c(p) === 0x3a) {
        if (compress !== null) return null;
        p++;
        pieceIndex++;
        compress = pieceIndex;
        continue;
      }
      let value = 0;
      let length = 0;
      while (length < 4 && isHex(c(p))) {
        value = value * 16 + parseInt(input[p], 16);
        p++;
        length++;
      }
      if (c(p) === 0x2e) {
        if (length === 0) return null;
        p -= length;
        if (pieceIndex > 6) return null;
        let numbersSeen = 0;
        while (p < input.length) {
          let ipv4Piece = null;
          if (numbersSeen > 0) {
            if (c(p) === 0x2e && numbersSeen < 4) p++;
            else return null;
          }
          if (!isDigit(c(p))) return null;
          while (isDigit(c(p))) {
            const number = c(p) - 0x30;
            if (ipv4Piece === null) ipv4Piece = number;
            else if (ipv4Piece === 0) return null;
            else ipv4Piece = ipv4Piece * 10 + number;
            if (ipv4Piece > 255) return null;
            p++;
          }
          address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
          numbersSeen++;
          if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
        }
        if (numbersSeen !== 4) return null;
        break;
      } else if (c(p) === 0x3a) {
        p++;
        if (p >= input.length) return null;
      } else if (p < input.length) {
        return null;
      }
      address[pieceIndex] = value;
      pieceIndex++;
    }
    if (compress !== null) {
      let swaps = pieceIndex - compress;
      pieceIndex = 7;
      while (pieceIndex !== 0 && swaps > 0) {
        const t = address[compress + swaps - 1];
        address[compress + swaps - 1] = address[pieceIndex];
        address[pieceIndex] = t;
        pieceIndex--;
        swaps--;
      }
    } else if (pieceIndex !== 8) {
      return null;
    }
    return address;
  }
  function serializeIPv6(address) {
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8;) {
      if (address[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && address[j] === 0) j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    }
    let out = '';
    let ignore0 = false;
    for (let i = 0; i < 8; i++) {
      if (ignore0 && address[i] === 0) continue;
      ignore0 = false;
      if (best === i) {
        out += i === 0 ? '::' : ':';
        ignore0 = true;
        continue;
      }
      out += address[i].toString(16);
      if (i !== 7) out += ':';
    }
    return '[' + out + ']';
  }
  const forbiddenHost = /[\u0000\u0009\u000a\u000d #/:<>?@[\\\]^|]/;
  const forbiddenDomain = /[\u0000-\u001f #%/:<>?@[\\\]^|\u007f]/;
  // parseHost returns the serialized host, or null on failure.
  function parseHost(input, isOpaque) {
    if (input.startsWith('[')) {
      if (!input.endsWith(']')) return null;
      const a = parseIPv6(input.slice(1, -1));
      return a === null ? null : serializeIPv6(a);
    }
    if (isOpaque) {
      if (forbiddenHost.test(input)) return null;
      return encodeString(input, C0);
    }
    const domain = percentDecodeUTF8(input);
    const asciiDomain = natives.domainToASCII(domain, false);
    if (asciiDomain === null || asciiDomain === '') return null;
    if (forbiddenDomain.test(asciiDomain)) return null;
    if (endsInNumber(asciiDomain)) {
      const v4 = parseIPv4(asciiDomain);
      return v4 === null ? null : serializeIPv4(v4);
    }
    return asciiDomain;
  }

  // the basic URL parser

  function newRecord() {
    return { scheme: '', username: '', password: '', host: null, port: null, path: [], opaque: false, query: null, fragment: null };
  }
  const includesCredentials = (url) => url.username !== '' || url.password !== '';

  // basicParse returns a URL record, or null; with url and stateOverride it
  // changes url in place and returns url (or null when nothing changed).
  function basicParse(input, base, url, stateOverride) {
    if (!url) {
      url = newRecord();
      input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
    }
    input = input.replace(/[\t\n\r]/g, '');
    let state = stateOverride || 'scheme start';
    // The buffer is a run of input, [bufStart, bufEnd): appending one code
    // point at a time would copy the string each time (goja has no ropes).
    let bufStart = -1;
    let bufEnd = -1;
    let ch;
    let p = 0;
    const bufAppend = () => {
      if (bufStart === -1) bufStart = p;
      bufEnd = p + ch.length;
    };
    const bufValue = () => (bufStart === -1 ? '' : input.slice(bufStart, bufEnd));
    const bufReset = () => {
      bufStart = bufEnd = -1;
    };
    // jump extends the buffer past the ordinary code points that follow,
    // to the next of delims (or the end): one turn of the loop per run
    // instead of one per code point. next caches where each delimiter
    // occurs next, so the scans add up to a few passes over the input.
    let next = { __proto__: null };
    const jump = (delims) => {
      const from = p + step;
      let to = len;
      for (let i = 0; i < delims.length; i++) {
        const d = delims[i];
        let q = next[d];
        if (q === undefined || (q !== -1 && q < from)) next[d] = q = input.indexOf(d, from);
        if (q !== -1 && q < to) to = q;
      }
      if (to > from) {
        bufEnd = to;
        step = to - p;
      }
    };
    let atSignSeen = false;
    let insideBrackets = false;
    let passwordTokenSeen = false;
    // p indexes code units; step is how far the next turn moves (0 to
    // look at the same code point again).
    const len = input.length;
    let step = 0;
    for (; p <= len; p += step) {
      ch = undefined; // EOF
      if (p < len) ch = input.codePointAt(p) > 0xffff ? input.slice(p, p + 2) : input[p];
      step = ch === undefined ? 1 : ch.length;
      const c = ch === undefined ? NaN : ch.codePointAt(0);
      switch (state) {
        case 'scheme start':
          if (ch !== undefined && isAlpha(c)) {
            bufAppend();
            state = 'scheme';
          } else if (!stateOverride) {
            state = 'no scheme';
            step = 0;
          } else {
            return null;
          }
          break;
        case 'scheme':
          if (ch !== undefined && (isAlnum(c) || ch === '+' || ch === '-' || ch === '.')) {
            bufAppend();
          } else if (ch === ':') {
            const buffer = bufValue().toLowerCase();
            if (stateOverride) {
              if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return null;
              if ((includesCredentials(url) || url.port !== null) && buffer === 'file') return null;
              if (url.scheme === 'file' && url.host === '') return null;
            }
            url.scheme = buffer;
            if (stateOverride) {
              if (url.port === specialSchemes[url.scheme]) url.port = null;
              return url;
            }
            bufReset();
            if (url.scheme === 'file') {
              state = 'file';
            } else if (isSpecialScheme(url.scheme) && base && base.scheme === url.scheme) {
              state = 'special relative or authority';
            } else if (isSpecialScheme(url.scheme)) {
              state = 'special authority slashes';
            } else if (input[p + 1] === '/') {
              state = 'path or authority';
              p++;
            } else {
              url.opaque = true;
              url.path = '';
              state = 'opaque path';
            }
          } else if (!stateOverride) {
            bufReset();
            state = 'no scheme';
            p = 0;
            step = 0;
            next = { __proto__: null };
          } else {
            return null;
          }
          break;
        case 'no scheme':
          if (!base || (base.opaque && ch !== '#')) return null;
          if (base.opaque && ch === '#') {
            url.scheme = base.scheme;
            url.path = base.path;
            url.opaque = true;
            url.query = base.query;
            url.fragment = '';
            state = 'fragment';
          } else if (base.scheme !== 'file') {
            state = 'relative';
            step = 0;
          } else {
            state = 'file';
            step = 0;
          }
          break;
        case 'special relative or authority':
          if (ch === '/' && input[p + 1] === '/') {
            state = 'special authority ignore slashes';
            p++;
          } else {
            state = 'relative';
            step = 0;
          }
          break;
        case 'path or authority':
          if (ch === '/') {
            state = 'authority';
          } else {
            state = 'path';
            step = 0;
          }
          break;
        case 'relative':
          url.scheme = base.scheme;
          if (ch === '/') {
            state = 'relative slash';
          } else if (isSpecialScheme(url.scheme) && ch === '\\') {
            state = 'relative slash';
          } else {
            url.username = base.username;
            url.password = base.password;
            url.host = base.host;
            url.port = base.port;
            url.path = base.path.slice();
            url.query = base.query;
            if (ch === '?') {
              url.query = '';
              state = 'query';
            } else if (ch === '#') {
              url.fragment = '';
              state = 'fragment';
            } else if (ch !== undefined) {
              url.query = null;
              shortenPath(url);
              state = 'path';
              step = 0;
            }
          }
          break;
        case 'relative slash':
          if (isSpecialScheme(url.scheme) && (ch === '/' || ch === '\\')) {
            state = 'special authority ignore slashes';
          } else if (ch === '/') {
            state = 'authority';
          } else {
            url.username = base.username;
            url.password = base.password;
            url.host = base.host;
            url.port = base.port;
            state = 'path';
            step = 0;
          }
          break;
        case 'special authority slashes':
          if (ch === '/' && input[p + 1] === '/') {
            state = 'special authority ignore slashes';
            p++;
          } else {
            state = 'special authority ignore slashes';
            step = 0;
          }
          break;
        case 'special authority ignore slashes':
          if (ch !== '/' && ch !== '\\') {
            state = 'authority';
            step = 0;
          }
          break;
        case 'authority':
          if (ch === '@') {
            let b = bufValue();
            if (atSignSeen) b = '%40' + b;
            atSignSeen = true;
            const colon = passwordTokenSeen ? -1 : b.indexOf(':');
            if (colon !== -1) {
              passwordTokenSeen = true;
              url.username += encodeString(b.slice(0, colon), userinfoSet);
              url.password += encodeString(b.slice(colon + 1), userinfoSet);
            } else if (passwordTokenSeen) {
              url.password += encodeString(b, userinfoSet);
            } else {
              url.username += encodeString(b, userinfoSet);
            }
            bufReset();
          } else if (ch === undefined || ch === '/' || ch === '?' || ch === '#' || (isSpecialScheme(url.scheme) && ch === '\\')) {
            if (atSignSeen && bufValue() === '') return null;
            p -= bufValue().length;
            step = 0;
            next = { __proto__: null };
            bufReset();
            state = 'host';
          } else {
            bufAppend();
            jump(isSpecialScheme(url.scheme) ? '@/?#\\' : '@/?#');
          }
          break;
        case 'host':
        case 'hostname':
          if (stateOverride && url.scheme === 'file') {
            step = 0;
            state = 'file host';
          } else if (ch === ':' && !insideBrackets) {
            const buffer = bufValue();
            if (buffer === '') return null;
            if (stateOverride === 'hostname') return null;
            const host = parseHost(buffer, !isSpecialScheme(url.scheme));
            if (host === null) return null;
            url.host = host;
            bufReset();
            state = 'port';
          } else if (ch === undefined || ch === '/' || ch === '?' || ch === '#' || (isSpecialScheme(url.scheme) && ch === '\\')) {
            step = 0;
            const buffer = bufValue();
            if (isSpecialScheme(url.scheme) && buffer === '') return null;
            if (stateOverride && buffer === '' && (includesCredentials(url) || url.port !== null)) return null;
            const host = parseHost(buffer, !isSpecialScheme(url.scheme));
            if (host === null) return null;
            url.host = host;
            bufReset();
            state = 'path start';
            if (stateOverride) return url;
          } else {
            if (ch === '[') insideBrackets = true;
            if (ch === ']') insideBrackets = false;
            bufAppend();
            jump(isSpecialScheme(url.scheme) ? ':[]/?#\\' : ':[]/?#');
          }
          break;
        case 'port':
          if (ch !== undefined && isDigit(c)) {
            bufAppend();
          } else if (ch === undefined || ch === '/' || ch === '?' || ch === '#' || (isSpecialScheme(url.scheme) && ch === '\\') || stateOverride) {
            const buffer = bufValue();
            if (buffer !== '') {
              const port = parseInt(buffer, 10);
              if (port > 65535) return null;
              url.port = specialSchemes[url.scheme] === port ? null : port;
              bufReset();
              if (stateOverride) return url;
            }
            if (stateOverride) return null;
            state = 'path start';
            step = 0;
          } else {
            return null;
          }
          break;
        case 'file':
          url.scheme = 'file';
          url.host = '';
          if (ch === '/' || ch === '\\') {
            state = 'file slash';
          } else if (base && base.scheme === 'file') {
            url.host = base.host;
            url.path = base.path.slice();
            url.query = base.query;
            if (ch === '?') {
              url.query = '';
              state = 'query';
            } else if (ch === '#') {
              url.fragment = '';
              state = 'fragment';
            } else if (ch !== undefined) {
              url.query = null;
              if (!startsWithWindowsDriveLetter(input, p)) shortenPath(url);
              else url.path = [];
              state = 'path';
              step = 0;
            }
          } else {
            state = 'path';
            step = 0;
          }
          break;
        case 'file slash':
          if (ch === '/' || ch === '\\') {
            state = 'file host';
          } else {
            if (base && base.scheme === 'file') {
              url.host = base.host;
              if (!startsWithWindowsDriveLetter(input, p) && base.path.length > 0 && isWindowsDriveLetter(base.path[0], true)) {
                url.path.push(base.path[0]);
              }
            }
            state = 'path';
            step = 0;
          }
          break;
        case 'file host':
          if (ch === undefined || ch === '/' || ch === '\\' || ch === '?' || ch === '#') {
            step = 0;
            const buffer = bufValue();
            if (!stateOverride && isWindowsDriveLetter(buffer, false)) {
              state = 'path';
            } else if (buffer === '') {
              url.host = '';
              if (stateOverride) return url;
              state = 'path start';
            } else {
              let host = parseHost(buffer, false);
              if (host === null) return null;
              if (host === 'localhost') host = '';
              url.host = host;
              if (stateOverride) return url;
              bufReset();
              state = 'path start';
            }
          } else {
            bufAppend();
            jump('/\\?#');
          }
          break;
        case 'path start':
          if (isSpecialScheme(url.scheme)) {
            state = 'path';
            if (ch !== '/' && ch !== '\\') step = 0;
          } else if (!stateOverride && ch === '?') {
            url.query = '';
            state = 'query';
          } else if (!stateOverride && ch === '#') {
            url.fragment = '';
            state = 'fragment';
          } else if (ch !== undefined) {
            state = 'path';
            if (ch !== '/') step = 0;
          } else if (stateOverride && url.host === null) {
            url.path.push('');
          }
          break;
        case 'path':
          if (ch === undefined || ch === '/' || (isSpecialScheme(url.scheme) && ch === '\\') || (!stateOverride && (ch === '?' || ch === '#'))) {
            const slash = ch === '/' || (isSpecialScheme(url.scheme) && ch === '\\');
            let buffer = encodeString(bufValue(), pathSet);
            if (isDoubleDot(buffer)) {
              shortenPath(url);
              if (!slash) url.path.push('');
            } else if (isSingleDot(buffer) && !slash) {
              url.path.push('');
            } else if (!isSingleDot(buffer)) {
              if (url.scheme === 'file' && url.path.length === 0 && isWindowsDriveLetter(buffer, false)) {
                buffer = buffer[0] + ':';
              }
              url.path.push(buffer);
            }
            bufReset();
            if (ch === '?') {
              url.query = '';
              state = 'query';
            }
            if (ch === '#') {
              url.fragment = '';
              state = 'fragment';
            }
          } else {
            bufAppend();
            jump((isSpecialScheme(url.scheme) ? '/\\' : '/') + (stateOverride ? '' : '?#'));
          }
          break;
        case 'opaque path':
          if (ch === '?' || ch === '#' || ch === undefined) {
            url.path += encodeString(bufValue(), C0);
            bufReset();
          }
          if (ch === '?') {
            url.query = '';
            state = 'query';
          } else if (ch === '#') {
            url.fragment = '';
            state = 'fragment';
          } else if (ch !== undefined) {
            bufAppend();
            jump('?#');
          }
          break;
        case 'query':
          if ((!stateOverride && ch === '#') || ch === undefined) {
            url.query += encodeString(bufValue(), isSpecialScheme(url.scheme) ? specialQuerySet : querySet);
            bufReset();
            if (ch === '#') {
              url.fragment = '';
              state = 'fragment';
            }
          } else {
            bufAppend();
            jump(stateOverride ? '' : '#');
          }
          break;
        case 'fragment':
          if (ch !== undefined) {
            bufAppend();
            jump('');
          } else {
            url.fragment += encodeString(bufValue(), fragmentSet);
          }
          break;
      }
    }
    return url;
  }

  function serializePath(url) {
    if (url.opaque) return url.path;
    let out = '';
    for (const seg of url.path) out += '/' + seg;
    return out;
  }
  function serializeURL(url, excludeFragment) {
    let out = url.scheme + ':';
    if (url.host !== null) {
      out += '//';
      if (includesCredentials(url)) {
        out += url.username;
        if (url.password !== '') out += ':' + url.password;
        out += '@';
      }
      out += url.host;
      if (url.port !== null) out += ':' + url.port;
    } else if (!url.opaque && url.path.length > 1 && url.path[0] === '') {
      out += '/.';
    }
    out += serializePath(url);
    if (url.query !== null) out += '?' + url.query;
    if (!excludeFragment && url.fragment !== null) out += '#' + url.fragment;
    return out;
  }
  function serializeOrigin(url) {
    switch (url.scheme) {
      case 'blob': {
        const inner = basicParse(serializePath(url));
        if (inner !== null && (inner.scheme === 'http' || inner.scheme === 'https')) return serializeOrigin(inner);
        return 'null';
      }
      case 'ftp': case 'http': case 'https': case 'ws': case 'wss':
        return url.scheme + '://' + url.host + (url.port !== null ? ':' + url.port : '');
    }
    return 'null';
  }

  // URLSearchParams

  function parseForm(input) {
    const out = [];
    for (const seq of input.split('&')) {
      if (seq === '') continue;
      const i = seq.indexOf('=');
      const name = i === -1 ? seq : seq.slice(0, i);
      const value = i === -1 ? '' : seq.slice(i + 1);
      out.push([formDecode(name), formDecode(value)]);
    }
    return out;
  }
  function formDecode(s) {
    return percentDecodeUTF8(s.replace(/\+/g, ' '));
  }
  function serializeForm(list) {
    const out = new Array(list.length);
    for (let i = 0; i < list.length; i++) out[i] = encodeString(list[i][0], formSet, true) + '=' + encodeString(list[i][1], formSet, true);
    return out.join('&');
  }

  const paramsState = new WeakMap();
  function params(o) {
    const st = paramsState.get(o);
    if (st === undefined) throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type URLSearchParams');
    return st;
  }
  function missingArgs(...names) {
    let msg = 'The ';
    if (names.length === 1) msg += '"' + names[0] + '" argument';
    else msg += '"' + names[0] + '" and "' + names[1] + '" arguments';
    return codeError(TypeError, 'ERR_MISSING_ARGS', msg + ' must be specified');
  }
  function update(st) {
    if (st.url === null) return;
    const q = serializeForm(st.list);
    st.url.query = q === '' ? null : q;
  }

  class URLSearchParams {
    constructor(init = undefined) {
      const st = { list: [], url: null };
      paramsState.set(this, st);
      if (init === undefined || init === null) {
        // empty
      } else if (typeof init === 'object' || typeof init === 'function') {
        const method = init[Symbol.iterator];
        if (method === this[Symbol.iterator] && paramsState.has(init)) {
          st.list = params(init).list.map((p) => p.slice());
        } else if (method != null) {
          if (typeof method !== 'function') throw argType('query', 'of type object', init);
          for (const pair of init) {
            if ((typeof pair !== 'object' && typeof pair !== 'function') || pair === null || typeof pair[Symbol.iterator] !== 'function') {
              throw codeError(TypeError, 'ERR_INVALID_TUPLE', 'Each query pair must be an iterable [name, value] tuple');
            }
            const kv = Array.from(pair);
            if (kv.length !== 2) throw codeError(TypeError, 'ERR_INVALID_TUPLE', 'Each query pair must be an iterable [name, value] tuple');
            st.list.push([toUSVString(kv[0]), toUSVString(kv[1])]);
          }
        } else {
          for (const key of Reflect.ownKeys(init)) {
            if (typeof key !== 'string') continue;
            const desc = Reflect.getOwnPropertyDescriptor(init, key);
            if (desc !== undefined && desc.enumerable) {
              const k = toUSVString(key);
              const v = toUSVString(init[key]);
              const existing = st.list.findIndex((p) => p[0] === k);
              if (existing !== -1) st.list[existing][1] = v;
              else st.list.push([k, v]);
            }
          }
        }
      } else {
        let s = toUSVString(init);
        if (s[0] === '?') s = s.slice(1);
        st.list = parseForm(s);
      }
    }
    get size() {
      return params(this).list.length;
    }
    append(name, value) {
      const st = params(this);
      if (arguments.length < 2) throw missingArgs('name', 'value');
      st.list.push([toUSVString(name), toUSVString(value)]);
      update(st);
    }
    delete(name, value = undefined) {
      const st = params(this);
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      if (value !== undefined) {
        value = toUSVString(value);
        st.list = st.list.filter((p) => !(p[0] === name && p[1] === value));
      } else {
        st.list = st.list.filter((p) => p[0] !== name);
      }
      update(st);
    }
    get(name) {
      const st = params(this);
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      const p = st.list.find((x) => x[0] === name);
      return p === undefined ? null : p[1];
    }
    getAll(name) {
      const st = params(this);
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      return st.list.filter((x) => x[0] === name).map((x) => x[1]);
    }
    has(name, value = undefined) {
      const st = params(this);
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      if (value !== undefined) {
        value = toUSVString(value);
        return st.list.some((p) => p[0] === name && p[1] === value);
      }
      return st.list.some((p) => p[0] === name);
    }
    set(name, value) {
      const st = params(this);
      if (arguments.length < 2) throw missingArgs('name', 'value');
      name = toUSVString(name);
      value = toUSVString(value);
      const i = st.list.findIndex((p) => p[0] === name);
      if (i === -1) {
        st.list.push([name, value]);
      } else {
        st.list[i][1] = value;
        st.list = st.list.filter((p, j) => j <= i || p[0] !== name);
      }
      update(st);
    }
    sort() {
      const st = params(this);
      // stable, by UTF-16 code units
      st.list = st.list.map((p, i) => [p, i]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map((x) => x[0]);
      update(st);
    }
    forEach(callback, thisArg = undefined) {
      const st = params(this);
      if (typeof callback !== 'function') throw argType('callback', 'of type function', callback);
      for (let i = 0; i < st.list.length; i++) {
        const [k, v] = st.list[i];
        callback.call(thisArg, v, k, this);
      }
    }
    entries() {
      return makeIterator(params(this), 'key+value');
    }
    keys() {
      return makeIterator(params(this), 'key');
    }
    values() {
      return makeIterator(params(this), 'value');
    }
    toString() {
      return serializeForm(params(this).list);
    }
    [inspectSymbol](recurseTimes, ctx, inspect) {
      const st = params(this);
      if (typeof recurseTimes === 'number' && recurseTimes < 0) return ctx.stylize('[Object]', 'special');
      const innerOpts = { ...ctx };
      if (recurseTimes !== null) innerOpts.depth = recurseTimes - 1;
      const output = st.list.map(([k, v]) => inspect(k, innerOpts) + ' => ' + inspect(v, innerOpts));
      const length = output.reduce((prev, cur) => prev + cur.length + 2, -2);
      if (length > ctx.breakLength) return this.constructor.name + ' {\n  ' + output.join(',\n  ') + ' }';
      if (output.length) return this.constructor.name + ' { ' + output.join(', ') + ' }';
      return this.constructor.name + ' {}';
    }
  }
  Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
    value: URLSearchParams.prototype.entries, writable: true, configurable: true,
  });
  Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: 'URLSearchParams', configurable: true });

  const IteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const iteratorState = new WeakMap();
  const URLSearchParamsIteratorProto = Object.create(IteratorProto, {
    next: {
      value: function next() {
        const it = iteratorState.get(this);
        if (it === undefined) throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type URLSearchParamsIterator');
        const list = it.st.list;
        if (it.index >= list.length) return { value: undefined, done: true };
        const [k, v] = list[it.index++];
        const value = it.kind === 'key' ? k : it.kind === 'value' ? v : [k, v];
        return { value, done: false };
      },
      writable: true,
      configurable: true,
    },
    [Symbol.toStringTag]: { value: 'URLSearchParams Iterator', configurable: true },
  });
  function makeIterator(st, kind) {
    const it = Object.create(URLSearchParamsIteratorProto);
    iteratorState.set(it, { st, kind, index: 0 });
    return it;
  }

  // URL

  const urlState = new WeakMap();
  function record(o) {
    const st = urlState.get(o);
    if (st === undefined) throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type URL');
    return st;
  }

  class URL {
    constructor(input, base = undefined) {
      if (arguments.length === 0) throw missingArgs('url');
      input = toUSVString(input);
      let baseRecord = null;
      if (base !== undefined) {
        base = toUSVString(base);
        baseRecord = basicParse(base, null);
        if (baseRecord === null) throw invalidURL(input, base);
      }
      const url = basicParse(input, baseRecord);
      if (url === null) throw invalidURL(input, base);
      const sp = new URLSearchParams(url.query || '');
      params(sp).url = url;
      urlState.set(this, { url, searchParams: sp });
    }
    static canParse(input, base = undefined) {
      if (arguments.length === 0) throw missingArgs('url');
      let baseRecord = null;
      if (base !== undefined) {
        baseRecord = basicParse(toUSVString(base), null);
        if (baseRecord === null) return false;
      }
      return basicParse(toUSVString(input), baseRecord) !== null;
    }
    get href() {
      return serializeURL(record(this).url);
    }
    set href(value) {
      const st = record(this);
      value = toUSVString(value);
      const url = basicParse(value, null);
      if (url === null) throw invalidURL(value);
      st.url = url;
      const sp = params(st.searchParams);
      sp.list = url.query ? parseForm(url.query) : [];
      sp.url = url;
    }
    get origin() {
      return serializeOrigin(record(this).url);
    }
    get protocol() {
      return record(this).url.scheme + ':';
    }
    set protocol(value) {
      const url = record(this).url;
      basicParse(toUSVString(value) + ':', null, url, 'scheme start');
    }
    get username() {
      return record(this).url.username;
    }
    set username(value) {
      const url = record(this).url;
      if (url.host === null || url.host === '' || url.scheme === 'file') return;
      url.username = encodeString(toUSVString(value), userinfoSet);
    }
    get password() {
      return record(this).url.password;
    }
    set password(value) {
      const url = record(this).url;
      if (url.host === null || url.host === '' || url.scheme === 'file') return;
      url.password = encodeString(toUSVString(value), userinfoSet);
    }
    get host() {
      const url = record(this).url;
      if (url.host === null) return '';
      if (url.port === null) return url.host;
      return url.host + ':' + url.port;
    }
    set host(value) {
      const url = record(this).url;
      if (url.opaque) return;
      basicParse(toUSVString(value), null, url, 'host');
    }
    get hostname() {
      const url = record(this).url;
      return url.host === null ? '' : url.host;
    }
    set hostname(value) {
      const url = record(this).url;
      if (url.opaque) return;
      basicParse(toUSVString(value), null, url, 'hostname');
    }
    get port() {
      const url = record(this).url;
      return url.port === null ? '' : String(url.port);
    }
    set port(value) {
      const url = record(this).url;
      if (url.host === null || url.host === '' || url.scheme === 'file') return;
      value = toUSVString(value);
      if (value === '') url.port = null;
      else basicParse(value, null, url, 'port');
    }
    get pathname() {
      return serializePath(record(this).url);
    }
    set pathname(value) {
      const url = record(this).url;
      if (url.opaque) return;
      url.path = [];
      basicParse(toUSVString(value), null, url, 'path start');
    }
    get search() {
      const url = record(this).url;
      if (url.query === null || url.query === '') return '';
      return '?' + url.query;
    }
    set search(value) {
      const st = record(this);
      const url = st.url;
      value = toUSVString(value);
      if (value === '') {
        url.query = null;
        params(st.searchParams).list = [];
        return;
      }
      const input = value[0] === '?' ? value.slice(1) : value;
      url.query = '';
      basicParse(input, null, url, 'query');
      params(st.searchParams).list = parseForm(input);
    }
    get searchParams() {
      return record(this).searchParams;
    }
    get hash() {
      const url = record(this).url;
      if (url.fragment === null || url.fragment === '') return '';
      return '#' + url.fragment;
    }
    set hash(value) {
      const url = record(this).url;
      value = toUSVString(value);
      if (value === '') {
        url.fragment = null;
        return;
      }
      const input = value[0] === '#' ? value.slice(1) : value;
      url.fragment = '';
      basicParse(input, null, url, 'fragment');
    }
    toString() {
      return this.href;
    }
    toJSON() {
      return this.href;
    }
    [inspectSymbol](depth, opts, inspect) {
      if (typeof depth === 'number' && depth < 0) return this;
      const constructor = this.constructor || URL;
      const obj = { __proto__: { constructor } };
      obj.href = this.href;
      obj.origin = this.origin;
      obj.protocol = this.protocol;
      obj.username = this.username;
      obj.password = this.password;
      obj.host = this.host;
      obj.hostname = this.hostname;
      obj.port = this.port;
      obj.pathname = this.pathname;
      obj.search = this.search;
      obj.searchParams = this.searchParams;
      obj.hash = this.hash;
      return constructor.name + ' ' + inspect(obj, opts);
    }
  }
  // The methods are enumerable, as WebIDL makes them; the accessors are not
  // (a deviation: goja's export of a prototype would call them).
  for (const name of ['toString', 'toJSON']) {
    const d = Object.getOwnPropertyDescriptor(URL.prototype, name);
    d.enumerable = true;
    Object.defineProperty(URL.prototype, name, d);
  }
  Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: 'URL', configurable: true });
  for (const name of ['append', 'delete', 'get', 'getAll', 'has', 'set', 'sort', 'forEach', 'entries', 'keys', 'values', 'toString']) {
    const d = Object.getOwnPropertyDescriptor(URLSearchParams.prototype, name);
    d.enumerable = true;
    Object.defineProperty(URLSearchParams.prototype, name, d);
  }

  function domainToASCII(domain) {
    if (arguments.length < 1) throw missingArgs('domain');
    const r = parseHost(String(domain), false);
    return r === null ? '' : r;
  }
  function domainToUnicode(domain) {
    if (arguments.length < 1) throw missingArgs('domain');
    const r = parseHost(String(domain), false);
    if (r === null) return '';
    return natives.domainToUnicode(r);
  }

  // file URLs, without a file system: POSIX paths, resolved against "/".

  function fileURLToPath(path) {
    let url = path;
    if (typeof path === 'string') url = new URL(path);
    else if (!isURL(path)) throw argType('path', 'of type string or an instance of URL', path);
    if (url.protocol !== 'file:') throw codeError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
    if (url.hostname !== '') {
      throw codeError(TypeError, 'ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
    }
    const pathname = url.pathname;
    for (let n = 0; n < pathname.length; n++) {
      if (pathname[n] === '%') {
        const third = pathname.codePointAt(n + 2) | 0x20;
        if (pathname[n + 1] === '2' && third === 102) {
          throw codeError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
        }
      }
    }
    return decodeURIComponent(pathname);
  }
  function isURL(v) {
    return v != null && typeof v === 'object' && urlState.has(v);
  }
  function pathToFileURL(filepath) {
    if (typeof filepath !== 'string') throw argType('path', 'of type string', filepath);
    const path = require('path');
    let resolved = path.resolve(filepath);
    if (filepath.charCodeAt(filepath.length - 1) === 47 && resolved[resolved.length - 1] !== '/') resolved += '/';
    resolved = resolved.replace(/%/g, '%25').replace(/\\/g, '%5C').replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/\t/g, '%09');
    const url = new URL('file://');
    url.pathname = resolved;
    return url;
  }
  function urlToHttpOptions(url) {
    const options = {
      __proto__: null,
      protocol: url.protocol,
      hostname: typeof url.hostname === 'string' && url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      hash: url.hash,
      search: url.search,
      pathname: url.pathname,
      path: (url.pathname || '') + (url.search || ''),
      href: url.href,
    };
    if (url.port !== '') options.port = Number(url.port);
    if (url.username || url.password) options.auth = decodeURIComponent(url.username) + ':' + decodeURIComponent(url.password);
    return options;
  }

  const legacy = natives.legacy.make(URL, isURL, domainToASCII);

  module.exports = {
    URL,
    URLSearchParams,
    domainToASCII,
    domainToUnicode,
    fileURLToPath,
    pathToFileURL,
    urlToHttpOptions,
    Url: legacy.Url,
    parse: legacy.parse,
    format: legacy.format,
    resolve: legacy.resolve,
    resolveObject: legacy.resolveObject,
  };
});
