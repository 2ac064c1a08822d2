(function (exports, require, module) {
  'use strict';
  // Node's legacy url API (lib/url.js): Url, parse, format, resolve and
  // resolveObject. make is called by lib/url.js with the WHATWG URL.
  module.exports.make = function make(URL, isURL, toASCII) {
    // querystring is loaded on first use.
    const qs = () => require('querystring');

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
      if (s.length > 28) s = s.slice(0, 25) + '...';
      return ' Received type ' + typeof v + ' (' + s + ')';
    }
    function invalidURL(input) {
      const e = codeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
      e.input = input;
      return e;
    }

    function Url() {
      this.protocol = null;
      this.slashes = null;
      this.auth = null;
      this.host = null;
      this.port = null;
      this.hostname = null;
      this.hash = null;
      this.search = null;
      this.query = null;
      this.pathname = null;
      this.path = null;
      this.href = null;
    }

    const protocolPattern = /^[a-z0-9.+-]+:/i;
    const portPattern = /:[0-9]*$/;
    const hostPattern = /^\/\/[^@/]+@[^@/]+/;
    const simplePathPattern = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/;
    const hostnameMaxLen = 255;
    const unsafeProtocol = new Set(['javascript', 'javascript:']);
    const hostlessProtocol = new Set(['javascript', 'javascript:']);
    const slashedProtocol = new Set(['http', 'http:', 'https', 'https:', 'ftp', 'ftp:', 'gopher', 'gopher:', 'file', 'file:',
      'ws', 'ws:', 'wss', 'wss:']);
    const forbiddenHostChars = /[\0\t\n\r #%/:<>?@[\\\]^|]/;
    const forbiddenHostCharsIpv6 = /[\0\t\n\r #%/<>?@\\^|]/;

    function urlParse(url, parseQueryString, slashesDenoteHost) {
      if (url instanceof Url) return url;
      const urlObject = new Url();
      urlObject.parse(url, parseQueryString, slashesDenoteHost);
      return urlObject;
    }

    function isIpv6Hostname(hostname) {
      return hostname.charCodeAt(0) === 91 && hostname.charCodeAt(hostname.length - 1) === 93;
    }

    Url.prototype.parse = function parse(url, parseQueryString, slashesDenoteHost) {
      if (typeof url !== 'string') {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "url" argument must be of type string.' + describe(url));
      }
      let hasHash = false;
      let hasAt = false;
      let start = -1;
      let end = -1;
      let rest = '';
      let lastPos = 0;
      for (let i = 0, inWs = false, split = false; i < url.length; ++i) {
        const code = url.charCodeAt(i);
        const isWs = code < 33 || code === 0xa0 || code === 0xfeff;
        if (start === -1) {
          if (isWs) continue;
          lastPos = start = i;
        } else if (inWs) {
          if (!isWs) {
            end = -1;
            inWs = false;
          }
        } else if (isWs) {
          end = i;
          inWs = true;
        }
        if (!split) {
          switch (code) {
            case 64:
              hasAt = true;
              break;
            case 35:
              hasHash = true;
            // falls through
            case 63:
              split = true;
              break;
            case 92:
              if (i - lastPos > 0) rest += url.slice(lastPos, i);
              rest += '/';
              lastPos = i + 1;
              break;
          }
        } else if (!hasHash && code === 35) {
          hasHash = true;
        }
      }
      if (start !== -1) {
        if (lastPos === start) {
          if (end === -1) {
            if (start === 0) rest = url;
            else rest = url.slice(start);
          } else {
            rest = url.slice(start, end);
          }
        } else if (end === -1 && lastPos < url.length) {
          rest += url.slice(lastPos);
        } else if (end !== -1 && lastPos < end) {
          rest += url.slice(lastPos, end);
        }
      }

      if (!slashesDenoteHost && !hasHash && !hasAt) {
        const simplePath = simplePathPattern.exec(rest);
        if (simplePath) {
          this.path = rest;
          this.href = rest;
          this.pathname = simplePath[1];
          if (simplePath[2]) {
            this.search = simplePath[2];
            if (parseQueryString) this.query = qs().parse(this.search.slice(1));
            else this.query = this.search.slice(1);
          } else if (parseQueryString) {
            this.search = null;
            this.query = { __proto__: null };
          }
          return this;
        }
      }

      let proto = protocolPattern.exec(rest);
      let lowerProto;
      if (proto) {
        proto = proto[0];
        lowerProto = proto.toLowerCase();
        this.protocol = lowerProto;
        rest = rest.slice(proto.length);
      }

      let slashes;
      if (slashesDenoteHost || proto || hostPattern.test(rest)) {
        slashes = rest.charCodeAt(0) === 47 && rest.charCodeAt(1) === 47;
        if (slashes && !(proto && hostlessProtocol.has(lowerProto))) {
          rest = rest.slice(2);
          this.slashes = true;
        }
      }

      if (!hostlessProtocol.has(lowerProto) && (slashes || (proto && !slashedProtocol.has(proto)))) {
        let hostEnd = -1;
        let atSign = -1;
        let nonHost = -1;
        for (let i = 0; i < rest.length; ++i) {
          switch (rest.charCodeAt(i)) {
            case 9: case 10: case 13: case 32: case 34: case 37: case 39: case 59: case 60: case 62: case 92: case 94:
            case 96: case 123: case 124: case 125:
              if (nonHost === -1) nonHost = i;
              break;
            case 35: case 47: case 63:
              if (nonHost === -1) nonHost = i;
              hostEnd = i;
              break;
            case 64:
              atSign = i;
              nonHost = -1;
              break;
          }
          if (hostEnd !== -1) break;
        }
        start = 0;
        if (atSign !== -1) {
          this.auth = decodeURIComponent(rest.slice(0, atSign));
          start = atSign + 1;
        }
        if (nonHost === -1) {
          this.host = rest.slice(start);
          rest = '';
        } else {
          this.host = rest.slice(start, nonHost);
          rest = rest.slice(nonHost);
        }
        this.parseHost();
        if (typeof this.hostname !== 'string') this.hostname = '';
        const hostname = this.hostname;
        const ipv6Hostname = isIpv6Hostname(hostname);
        if (!ipv6Hostname) rest = getHostname(this, rest, hostname);
        if (this.hostname.length > hostnameMaxLen) this.hostname = '';
        else this.hostname = this.hostname.toLowerCase();
        if (this.hostname !== '') {
          if (ipv6Hostname) {
            if (forbiddenHostCharsIpv6.test(this.hostname)) throw invalidURL(url);
          } else {
            this.hostname = toASCII(this.hostname);
            if (this.hostname === '' || forbiddenHostChars.test(this.hostname)) throw invalidURL(url);
          }
        }
        const p = this.port ? ':' + this.port : '';
        const h = this.hostname || '';
        this.host = h + p;
        if (ipv6Hostname) {
          this.hostname = this.hostname.slice(1, -1);
          if (rest[0] !== '/') rest = '/' + rest;
        }
      }

      if (!unsafeProtocol.has(lowerProto)) rest = autoEscapeStr(rest);

      let questionIdx = -1;
      let hashIdx = -1;
      for (let i = 0; i < rest.length; ++i) {
        const code = rest.charCodeAt(i);
        if (code === 35) {
          this.hash = rest.slice(i);
          hashIdx = i;
          break;
        } else if (code === 63 && questionIdx === -1) {
          questionIdx = i;
        }
      }
      if (questionIdx !== -1) {
        if (hashIdx === -1) {
          this.search = rest.slice(questionIdx);
          this.query = rest.slice(questionIdx + 1);
        } else {
          this.search = rest.slice(questionIdx, hashIdx);
          this.query = rest.slice(questionIdx + 1, hashIdx);
        }
        if (parseQueryString) this.query = qs().parse(this.query);
      } else if (parseQueryString) {
        this.search = null;
        this.query = { __proto__: null };
      }
      const useQuestionIdx = questionIdx !== -1 && (hashIdx === -1 || questionIdx < hashIdx);
      const firstIdx = useQuestionIdx ? questionIdx : hashIdx;
      if (firstIdx === -1) {
        if (rest.length > 0) this.pathname = rest;
      } else if (firstIdx > 0) {
        this.pathname = rest.slice(0, firstIdx);
      }
      if (slashedProtocol.has(lowerProto) && this.hostname && !this.pathname) this.pathname = '/';
      if (this.pathname || this.search) {
        const p = this.pathname || '';
        const s = this.search || '';
        this.path = p + s;
      }
      this.href = this.format();
      return this;
    };

    function getHostname(self, rest, hostname) {
      for (let i = 0; i < hostname.length; ++i) {
        const code = hostname.charCodeAt(i);
        const isValid = code !== 47 && code !== 92 && code !== 35 && code !== 63 && code !== 58;
        if (!isValid) {
          self.hostname = hostname.slice(0, i);
          return '/' + hostname.slice(i) + rest;
        }
      }
      return rest;
    }

    const escapedCodes = { 9: '%09', 10: '%0A', 13: '%0D', 32: '%20', 34: '%22', 39: '%27', 60: '%3C', 62: '%3E', 92: '%5C',
      94: '%5E', 96: '%60', 123: '%7B', 124: '%7C', 125: '%7D' };
    function autoEscapeStr(rest) {
      let escaped = '';
      let lastEscapedPos = 0;
      for (let i = 0; i < rest.length; ++i) {
        const escapedChar = escapedCodes[rest.charCodeAt(i)];
        if (escapedChar) {
          if (i > lastEscapedPos) escaped += rest.slice(lastEscapedPos, i);
          escaped += escapedChar;
          lastEscapedPos = i + 1;
        }
      }
      if (lastEscapedPos === 0) return rest;
      if (lastEscapedPos < rest.length) escaped += rest.slice(lastEscapedPos);
      return escaped;
    }

    // encodeAuth is querystring.escape keeping ':' (encodeURIComponent
    // spares the same characters).
    function encodeAuth(str) {
      return str.split(':').map(encodeURIComponent).join(':');
    }

    function urlFormat(urlObject, options) {
      if (typeof urlObject === 'string') {
        urlObject = urlParse(urlObject);
      } else if (typeof urlObject !== 'object' || urlObject === null) {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "urlObject" argument must be one of type object or string.' + describe(urlObject));
      } else if (isURL(urlObject)) {
        let fragment = true;
        let unicode = false;
        let search = true;
        let auth = true;
        if (options) {
          if (typeof options !== 'object') {
            throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object.' + describe(options));
          }
          if (options.fragment != null) fragment = Boolean(options.fragment);
          if (options.unicode != null) unicode = Boolean(options.unicode);
          if (options.search != null) search = Boolean(options.search);
          if (options.auth != null) auth = Boolean(options.auth);
        }
        const u = new URL(urlObject.href);
        if (!fragment) u.hash = '';
        if (!search) u.search = '';
        if (!auth) {
          u.username = '';
          u.password = '';
        }
        let href = u.href;
        if (unicode && u.hostname) {
          const uni = require('url').domainToUnicode(u.hostname);
          const at = href.indexOf(u.host, u.protocol.length);
          if (at !== -1) href = href.slice(0, at) + uni + (u.port ? ':' + u.port : '') + href.slice(at + u.host.length);
        }
        return href;
      }
      return Url.prototype.format.call(urlObject);
    }

    Url.prototype.format = function format() {
      let auth = this.auth || '';
      if (auth) {
        auth = encodeAuth(auth);
        auth += '@';
      }
      let protocol = this.protocol || '';
      let pathname = this.pathname || '';
      let hash = this.hash || '';
      let host = '';
      let query = '';
      if (this.host) {
        host = auth + this.host;
      } else if (this.hostname) {
        host = auth + (this.hostname.includes(':') && !isIpv6Hostname(this.hostname) ? '[' + this.hostname + ']' : this.hostname);
        if (this.port) host += ':' + this.port;
      }
      if (this.query !== null && typeof this.query === 'object') query = qs().stringify(this.query);
      let search = this.search || (query && '?' + query) || '';
      if (protocol && protocol.charCodeAt(protocol.length - 1) !== 58) protocol += ':';
      let newPathname = '';
      let lastPos = 0;
      for (let i = 0; i < pathname.length; ++i) {
        switch (pathname.charCodeAt(i)) {
          case 35:
            if (i - lastPos > 0) newPathname += pathname.slice(lastPos, i);
            newPathname += '%23';
            lastPos = i + 1;
            break;
          case 63:
            if (i - lastPos > 0) newPathname += pathname.slice(lastPos, i);
            newPathname += '%3F';
            lastPos = i + 1;
            break;
        }
      }
      if (lastPos > 0) {
        if (lastPos !== pathname.length) pathname = newPathname + pathname.slice(lastPos);
        else pathname = newPathname;
      }
      if (this.slashes || slashedProtocol.has(protocol)) {
        if (this.slashes || host) {
          if (pathname && pathname.charCodeAt(0) !== 47) pathname = '/' + pathname;
          host = '//' + host;
        } else if (protocol.length >= 4 && protocol.startsWith('file')) {
          host = '//';
        }
      }
      search = search.replace(/#/g, '%23');
      if (hash && hash.charCodeAt(0) !== 35) hash = '#' + hash;
      if (search && search.charCodeAt(0) !== 63) search = '?' + search;
      return protocol + host + pathname + search + hash;
    };

    function urlResolve(source, relative) {
      return urlParse(source, false, true).resolve(relative);
    }
    Url.prototype.resolve = function resolve(relative) {
      return this.resolveObject(urlParse(relative, false, true)).format();
    };
    function urlResolveObject(source, relative) {
      if (!source) return relative;
      return urlParse(source, false, true).resolveObject(relative);
    }

    Url.prototype.resolveObject = function resolveObject(relative) {
      if (typeof relative === 'string') {
        const rel = new Url();
        rel.parse(relative, false, true);
        relative = rel;
      }
      const result = new Url();
      for (const tkey of Object.keys(this)) result[tkey] = this[tkey];
      result.hash = relative.hash;
      if (relative.href === '') {
        result.href = result.format();
        return result;
      }
      if (relative.slashes && !relative.protocol) {
        for (const rkey of Object.keys(relative)) {
          if (rkey !== 'protocol') result[rkey] = relative[rkey];
        }
        if (slashedProtocol.has(result.protocol) && result.hostname && !result.pathname) result.path = result.pathname = '/';
        result.href = result.format();
        return result;
      }
      if (relative.protocol && relative.protocol !== result.protocol) {
        if (!slashedProtocol.has(relative.protocol)) {
          for (const k of Object.keys(relative)) result[k] = relative[k];
          result.href = result.format();
          return result;
        }
        result.protocol = relative.protocol;
        if (!relative.host && !/^file:?$/.test(relative.protocol) && !hostlessProtocol.has(relative.protocol)) {
          const relPath = (relative.pathname || '').split('/');
          while (relPath.length && !(relative.host = relPath.shift()));
          if (!relative.host) relative.host = '';
          if (!relative.hostname) relative.hostname = '';
          if (relPath[0] !== '') relPath.unshift('');
          if (relPath.length < 2) relPath.unshift('');
          result.pathname = relPath.join('/');
        } else {
          result.pathname = relative.pathname;
        }
        result.search = relative.search;
        result.query = relative.query;
        result.host = relative.host || '';
        result.auth = relative.auth;
        result.hostname = relative.hostname || relative.host;
        result.port = relative.port;
        if (result.pathname || result.search) {
          const p = result.pathname || '';
          const s = result.search || '';
          result.path = p + s;
        }
        result.slashes = result.slashes || relative.slashes;
        result.href = result.format();
        return result;
      }
      const isSourceAbs = result.pathname && result.pathname.charAt(0) === '/';
      const isRelAbs = relative.host || (relative.pathname && relative.pathname.charAt(0) === '/');
      let mustEndAbs = isRelAbs || isSourceAbs || (result.host && relative.pathname);
      const removeAllDots = mustEndAbs;
      let srcPath = (result.pathname && result.pathname.split('/')) || [];
      const relPath = (relative.pathname && relative.pathname.split('/')) || [];
      const noLeadingSlashes = result.protocol && !slashedProtocol.has(result.protocol);
      if (noLeadingSlashes) {
        result.hostname = '';
        result.port = null;
        if (result.host) {
          if (srcPath[0] === '') srcPath[0] = result.host;
          else srcPath.unshift(result.host);
        }
        result.host = '';
        if (relative.protocol) {
          relative.hostname = null;
          relative.port = null;
          if (relative.host) {
            if (relPath[0] === '') relPath[0] = relative.host;
            else relPath.unshift(relative.host);
          }
          relative.host = null;
        }
        mustEndAbs = mustEndAbs && (relPath[0] === '' || srcPath[0] === '');
      }
      if (isRelAbs) {
        if (relative.host || relative.host === '') {
          if (result.host !== relative.host) result.auth = null;
          result.host = relative.host;
          result.port = relative.port;
        }
        if (relative.hostname || relative.hostname === '') {
          if (result.hostname !== relative.hostname) result.auth = null;
          result.hostname = relative.hostname;
        }
        result.search = relative.search;
        result.query = relative.query;
        srcPath = relPath;
      } else if (relPath.length) {
        if (!srcPath) srcPath = [];
        srcPath.pop();
        srcPath = srcPath.concat(relPath);
        result.search = relative.search;
        result.query = relative.query;
      } else if (relative.search !== null && relative.search !== undefined) {
        if (noLeadingSlashes) {
          result.hostname = result.host = srcPath.shift();
          const authInHost = result.host && result.host.indexOf('@') > 0 && result.host.split('@');
          if (authInHost) {
            result.auth = authInHost.shift();
            result.host = result.hostname = authInHost.shift();
          }
        }
        result.search = relative.search;
        result.query = relative.query;
        if (result.pathname !== null || result.search !== null) {
          result.path = (result.pathname ? result.pathname : '') + (result.search ? result.search : '');
        }
        result.href = result.format();
        return result;
      }
      if (!srcPath.length) {
        result.pathname = null;
        if (result.search) result.path = '/' + result.search;
        else result.path = null;
        result.href = result.format();
        return result;
      }
      let last = srcPath.slice(-1)[0];
      const hasTrailingSlash = ((result.host || relative.host || srcPath.length > 1) && (last === '.' || last === '..')) || last === '';
      let up = 0;
      for (let i = srcPath.length - 1; i >= 0; i--) {
        last = srcPath[i];
        if (last === '.') {
          srcPath.splice(i, 1);
        } else if (last === '..') {
          srcPath.splice(i, 1);
          up++;
        } else if (up) {
          srcPath.splice(i, 1);
          up--;
        }
      }
      if (!mustEndAbs && !removeAllDots) {
        while (up--) srcPath.unshift('..');
      }
      if (mustEndAbs && srcPath[0] !== '' && (!srcPath[0] || srcPath[0].charAt(0) !== '/')) srcPath.unshift('');
      if (hasTrailingSlash && srcPath.join('/').slice(-1) !== '/') srcPath.push('');
      const isAbsolute = srcPath[0] === '' || (srcPath[0] && srcPath[0].charAt(0) === '/');
      if (noLeadingSlashes) {
        result.hostname = result.host = isAbsolute ? '' : srcPath.length ? srcPath.shift() : '';
        const authInHost = result.host && result.host.indexOf('@') > 0 ? result.host.split('@') : false;
        if (authInHost) {
          result.auth = authInHost.shift();
          result.host = result.hostname = authInHost.shift();
        }
      }
      mustEndAbs = mustEndAbs || (result.host && srcPath.length);
      if (mustEndAbs && !isAbsolute) srcPath.unshift('');
      if (srcPath.length > 0) {
        result.pathname = srcPath.join('/');
      } else {
        result.pathname = null;
        result.path = null;
      }
      if (result.pathname !== null || result.search !== null) {
        result.path = (result.pathname ? result.pathname : '') + (result.search ? result.search : '');
      }
      result.auth = relative.auth || result.auth;
      result.slashes = result.slashes || relative.slashes;
      result.href = result.format();
      return result;
    };

    Url.prototype.parseHost = function parseHost() {
      let host = this.host;
      let port = portPattern.exec(host);
      if (port) {
        port = port[0];
        if (port !== ':') this.port = port.slice(1);
        host = host.slice(0, host.length - port.length);
      }
      if (host) this.hostname = host;
    };

    return { Url, parse: urlParse, format: urlFormat, resolve: urlResolve, resolveObject: urlResolveObject };
  };
});
