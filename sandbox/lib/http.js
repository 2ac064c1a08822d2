(function (exports, require, module, natives) {
  'use strict';
  // Node 20's http client (lib/_http_client.js, _http_outgoing.js,
  // _http_incoming.js), for reactors, over the sandbox's native request:
  // the allow-list, transport, body limit and invocation deadline of fetch,
  // and no redirect followed (http.request follows none). The request body
  // is sent when end() is called, the response body arrives whole. There
  // are no sockets: no 'socket' event, req.socket and res.socket are null,
  // and an Agent is accepted and ignored. There is no server.
  const EE = require('events');
  const Stream = require('stream');
  const { Readable } = Stream;
  const { Buffer } = require('buffer');
  const nextTick = Stream[Symbol.for('vault.sandbox.nextTick')];
  const kMake = Symbol.for('vault.sandbox.http.make');

  function inspect(v) {
    if (typeof v === 'string') return "'" + v + "'";
    if (typeof v === 'function') return '[Function: ' + (v.name || '(anonymous)') + ']';
    if (v === null || typeof v !== 'object') return String(v);
    return Array.isArray(v) ? '[ ' + v.map(inspect).join(', ') + ' ]' : '{...}';
  }
  function describe(v) {
    if (v == null) return ' Received ' + String(v);
    if (typeof v === 'function') return ' Received function ' + (v.name || '<anonymous>');
    if (typeof v === 'object') {
      if (v.constructor && v.constructor.name) return ' Received an instance of ' + v.constructor.name;
      return ' Received ' + inspect(v);
    }
    let s = inspect(v);
    if (s.length > 28) s = s.slice(0, 25) + '...';
    return ' Received type ' + typeof v + ' (' + s + ')';
  }
  function codedError(Ctor, code, msg) {
    const e = new Ctor(msg);
    e.code = code;
    return e;
  }
  function argType(name, expected, v) {
    const kind = name.indexOf('.') >= 0 ? 'property' : 'argument';
    return codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "' + name + '" ' + kind + ' must be ' + expected + '.' + describe(v));
  }
  function connReset() {
    return codedError(Error, 'ECONNRESET', 'socket hang up');
  }

  const METHODS = ['ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH',
    'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND',
    'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND',
    'UNLINK', 'UNLOCK', 'UNSUBSCRIBE'];
  const STATUS_CODES = {
    100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints', 200: 'OK', 201: 'Created',
    202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content', 205: 'Reset Content',
    206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used', 300: 'Multiple Choices',
    301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy',
    307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized',
    402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
    407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
    411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large', 414: 'URI Too Long',
    415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a Teapot",
    421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency',
    425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
    431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons', 500: 'Internal Server Error',
    501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
    505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage',
    508: 'Loop Detected', 509: 'Bandwidth Limit Exceeded', 510: 'Not Extended',
    511: 'Network Authentication Required',
  };

  const tokenRegExp = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
  const headerCharRegex = /[^\t\x20-\x7e\x80-\xff]/;
  const INVALID_PATH_REGEX = /[^\u0021-\u00ff]/;
  function validateHeaderName(name, label) {
    if (typeof name !== 'string' || !name || !tokenRegExp.test(name)) {
      throw codedError(TypeError, 'ERR_INVALID_HTTP_TOKEN', (label || 'Header name') + ' must be a valid HTTP token ["' + name + '"]');
    }
  }
  function validateHeaderValue(name, value) {
    if (value === undefined) {
      throw codedError(TypeError, 'ERR_HTTP_INVALID_HEADER_VALUE', 'Invalid value "' + value + '" for header "' + name + '"');
    }
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (headerCharRegex.test(String(v))) {
        throw codedError(TypeError, 'ERR_INVALID_CHAR', 'Invalid character in header content ["' + name + '"]');
      }
    }
  }

  // Agent: accepted and ignored (there are no sockets to pool).
  function makeAgent(defaultPort, protocol, Base) {
    function Agent(options) {
      if (!(this instanceof Agent)) return new Agent(options);
      EE.call(this);
      this.defaultPort = defaultPort;
      this.protocol = protocol;
      this.options = Object.assign({ __proto__: null }, options);
      if (this.options.noDelay === undefined) this.options.noDelay = true;
      this.options.path = null;
      this.requests = { __proto__: null };
      this.sockets = { __proto__: null };
      this.freeSockets = { __proto__: null };
      this.keepAliveMsecs = this.options.keepAliveMsecs || 1000;
      this.keepAlive = this.options.keepAlive || false;
      this.maxSockets = this.options.maxSockets || Agent.defaultMaxSockets;
      this.maxFreeSockets = this.options.maxFreeSockets || 256;
      this.scheduling = this.options.scheduling || 'lifo';
      this.maxTotalSockets = this.options.maxTotalSockets || Infinity;
      this.totalSocketCount = 0;
    }
    Object.setPrototypeOf(Agent.prototype, Base ? Base.prototype : EE.prototype);
    Object.setPrototypeOf(Agent, Base || EE);
    Agent.defaultMaxSockets = Infinity;
    if (!Base) {
      Agent.prototype.addRequest = function () {};
      Agent.prototype.destroy = function () {};
      Agent.prototype.getName = function (options) {
        options = options || {};
        let name = options.host || 'localhost';
        name += ':';
        if (options.port) name += options.port;
        name += ':';
        if (options.localAddress) name += options.localAddress;
        if (options.family === 4 || options.family === 6) name += ':' + options.family;
        return name;
      };
    }
    return Agent;
  }

  const kOutHeaders = Symbol('kOutHeaders');
  // OutgoingMessage: the headers and body of a request (a legacy Stream,
  // as in Node, not a Writable).
  function OutgoingMessage() {
    Stream.call(this);
    this.outputData = [];
    this.outputSize = 0;
    this.writable = true;
    this.destroyed = false;
    this._last = false;
    this.chunkedEncoding = false;
    this.shouldKeepAlive = true;
    this.sendDate = false;
    this._header = null;
    this[kOutHeaders] = null;
    this.finished = false;
    this._headerSent = false;
    this.socket = null;
    this._body = [];
    this._bodyLength = 0;
  }
  Object.setPrototypeOf(OutgoingMessage.prototype, Stream.prototype);
  Object.setPrototypeOf(OutgoingMessage, Stream);
  function headersSentError(what) {
    return codedError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot ' + what + ' headers after they are sent to the client');
  }
  OutgoingMessage.prototype.setHeader = function (name, value) {
    if (this._header) throw headersSentError('set');
    validateHeaderName(name);
    validateHeaderValue(name, value);
    let headers = this[kOutHeaders];
    if (headers === null) this[kOutHeaders] = headers = { __proto__: null };
    headers[name.toLowerCase()] = [name, value];
    return this;
  };
  OutgoingMessage.prototype.appendHeader = function (name, value) {
    if (this._header) throw headersSentError('append');
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const field = name.toLowerCase();
    const headers = this[kOutHeaders];
    if (headers === null || !headers[field]) return this.setHeader(name, value);
    const existing = headers[field][1];
    headers[field][1] = [].concat(existing, value);
    return this;
  };
  function validateName(name) {
    if (typeof name !== 'string') throw argType('name', 'of type string', name);
  }
  OutgoingMessage.prototype.getHeader = function (name) {
    validateName(name);
    const headers = this[kOutHeaders];
    if (headers === null) return;
    const entry = headers[name.toLowerCase()];
    return entry && entry[1];
  };
  OutgoingMessage.prototype.getHeaderNames = function () {
    return this[kOutHeaders] !== null ? Object.keys(this[kOutHeaders]) : [];
  };
  OutgoingMessage.prototype.getRawHeaderNames = function () {
    const headers = this[kOutHeaders];
    if (headers === null) return [];
    return Object.keys(headers).map((k) => headers[k][0]);
  };
  OutgoingMessage.prototype.getHeaders = function () {
    const headers = this[kOutHeaders];
    const ret = { __proto__: null };
    if (headers) {
      for (const key of Object.keys(headers)) ret[key] = headers[key][1];
    }
    return ret;
  };
  OutgoingMessage.prototype.hasHeader = function (name) {
    validateName(name);
    return this[kOutHeaders] !== null && !!this[kOutHeaders][name.toLowerCase()];
  };
  OutgoingMessage.prototype.removeHeader = function (name) {
    validateName(name);
    if (this._header) throw headersSentError('remove');
    const key = name.toLowerCase();
    if (this[kOutHeaders] !== null) delete this[kOutHeaders][key];
  };
  OutgoingMessage.prototype.flushHeaders = function () {
    if (!this._header) this._header = true;
  };
  Object.defineProperty(OutgoingMessage.prototype, 'headersSent', {
    configurable: true,
    enumerable: true,
    get() { return !!this._header; },
  });
  Object.defineProperty(OutgoingMessage.prototype, 'writableEnded', { get() { return this.finished; } });
  Object.defineProperty(OutgoingMessage.prototype, 'writableFinished', { get() { return this.finished && !!this._finishEmitted; } });
  Object.defineProperty(OutgoingMessage.prototype, 'writableLength', { get() { return 0; } });
  Object.defineProperty(OutgoingMessage.prototype, 'writableHighWaterMark', { get() { return 16384; } });
  Object.defineProperty(OutgoingMessage.prototype, 'writableObjectMode', { get() { return false; } });
  Object.defineProperty(OutgoingMessage.prototype, 'writableCorked', { get() { return 0; } });
  Object.defineProperty(OutgoingMessage.prototype, 'writableNeedDrain', { get() { return false; } });
  OutgoingMessage.prototype.cork = function () {};
  OutgoingMessage.prototype.uncork = function () {};
  OutgoingMessage.prototype.setTimeout = function (msecs, callback) {
    if (callback) this.on('timeout', callback);
    return this;
  };

  function write_(msg, chunk, encoding, callback, fromEnd) {
    if (typeof callback !== 'function') callback = null;
    let err;
    if (msg.finished) err = codedError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end');
    else if (msg.destroyed) err = codedError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed');
    if (err) {
      if (!msg.destroyed) {
        nextTick(() => {
          if (callback) callback(err);
          msg.emit('error', err);
        });
      } else if (callback) {
        nextTick(callback, err);
      }
      return false;
    }
    if (chunk === null) throw codedError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
      throw argType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
    }
    if (!msg._header) msg._header = true;
    if (chunk.length === 0 && !fromEnd) {
      if (callback) nextTick(callback);
      return true;
    }
    let buf;
    if (typeof chunk === 'string') buf = Buffer.from(chunk, encoding && encoding !== 'buffer' ? encoding : 'utf8');
    else buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (msg._bodyLength + buf.length > natives.maxBody) {
      const e = codedError(Error, 'ERR_BODY_TOO_LARGE', 'request body larger than ' + natives.maxBody + ' bytes');
      msg.destroy(e);
      return false;
    }
    msg._body.push(buf);
    msg._bodyLength += buf.length;
    if (callback) msg._callbacks.push(callback);
    return true;
  }
  OutgoingMessage.prototype.write = function (chunk, encoding, callback) {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = null;
    }
    return write_(this, chunk, encoding, callback, false);
  };
  OutgoingMessage.prototype.end = function (chunk, encoding, callback) {
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = null;
      encoding = null;
    } else if (typeof encoding === 'function') {
      callback = encoding;
      encoding = null;
    }
    if (chunk) {
      if (this.finished) {
        write_(this, chunk, encoding, null, true);
        return this;
      }
      write_(this, chunk, encoding, null, true);
    } else if (this.finished) {
      if (typeof callback === 'function') {
        if (!this.writableFinished) {
          this.on('finish', callback);
        } else {
          callback(codedError(Error, 'ERR_STREAM_ALREADY_FINISHED', 'Cannot call end after a stream was finished'));
        }
      }
      return this;
    }
    if (!this._header) this._header = true;
    if (typeof callback === 'function') this.once('finish', callback);
    this.finished = true;
    if (!this.destroyed) this._send();
    return this;
  };

  // ---- ClientRequest
  function ClientRequest(input, options, cb) {
    OutgoingMessage.call(this);
    this._callbacks = [];
    if (typeof input === 'string') {
      input = urlToHttpOptions(natives.parseURL(input));
    } else if (isURL(input)) {
      input = urlToHttpOptions(input);
    } else {
      cb = options;
      options = input;
      input = null;
    }
    if (typeof options === 'function') {
      cb = options;
      options = input || {};
    } else {
      options = Object.assign(input || {}, options);
    }
    let agent = options.agent;
    const defaultAgent = options._defaultAgent || httpModule.globalAgent;
    if (agent === false) {
      agent = new defaultAgent.constructor();
    } else if (agent === null || agent === undefined) {
      if (typeof options.createConnection !== 'function') agent = defaultAgent;
    } else if (typeof agent.addRequest !== 'function') {
      throw argType('options.agent', 'one of Agent-like Object, undefined, or false', agent);
    }
    this.agent = agent;
    const protocol = options.protocol || defaultAgent.protocol;
    let expectedProtocol = defaultAgent.protocol;
    if (this.agent && this.agent.protocol) expectedProtocol = this.agent.protocol;
    if (options.path) {
      const path = String(options.path);
      if (INVALID_PATH_REGEX.test(path)) throw codedError(TypeError, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
    }
    if (protocol !== expectedProtocol) {
      throw codedError(TypeError, 'ERR_INVALID_PROTOCOL', 'Protocol "' + protocol + '" not supported. Expected "' + expectedProtocol + '"');
    }
    const defaultPort = options.defaultPort || (this.agent && this.agent.defaultPort);
    const port = options.port || defaultPort || 80;
    this.port = port;
    const host = validateHost(options.hostname, 'hostname') || validateHost(options.host, 'host') || 'localhost';
    const setHost = options.setHost === undefined || Boolean(options.setHost);
    if (options.timeout !== undefined) this.timeout = getTimerDuration(options.timeout, 'timeout');
    let method = options.method;
    const methodIsString = typeof method === 'string';
    if (method !== null && method !== undefined && !methodIsString) throw argType('options.method', 'of type string', method);
    if (methodIsString && method) {
      validateHeaderName(method, 'Method');
      method = this.method = method.toUpperCase();
    } else {
      method = this.method = 'GET';
    }
    this.maxHeaderSize = options.maxHeaderSize;
    this.insecureHTTPParser = options.insecureHTTPParser;
    this.joinDuplicateHeaders = options.joinDuplicateHeaders;
    this.path = options.path || '/';
    if (cb) this.once('response', cb);
    this.useChunkedEncodingByDefault = !(method === 'GET' || method === 'HEAD' || method === 'DELETE' ||
      method === 'OPTIONS' || method === 'TRACE' || method === 'CONNECT');
    this._ended = false;
    this.res = null;
    this.aborted = false;
    this.timeoutCb = null;
    this.upgradeOrConnect = false;
    this.parser = null;
    this.maxHeadersCount = null;
    this.reusedSocket = false;
    this.host = host;
    this.protocol = protocol;
    this.shouldKeepAlive = false;
    const headers = options.headers;
    this._rawHeaderList = null;
    if (Array.isArray(headers)) {
      // Raw headers are sent as they are, at once: no Host or
      // Authorization is added, and no header can be set any more.
      const list = [];
      for (let i = 0; i + 1 < headers.length; i += 2) {
        validateHeaderName(headers[i]);
        validateHeaderValue(headers[i], headers[i + 1]);
        list.push([String(headers[i]), String(headers[i + 1])]);
      }
      this._rawHeaderList = list;
      this._header = true;
    } else if (headers) {
      for (const key of Object.keys(headers)) this.setHeader(key, headers[key]);
    }
    if (this._rawHeaderList === null && host && !this.getHeader('host') && setHost) {
      let hostHeader = host;
      const posColon = hostHeader.indexOf(':');
      if (posColon !== -1 && hostHeader.includes(':', posColon + 1) && hostHeader.charCodeAt(0) !== 91) hostHeader = '[' + hostHeader + ']';
      if (port && +port !== defaultPort) hostHeader += ':' + port;
      this.setHeader('Host', hostHeader);
    }
    if (this._rawHeaderList === null && options.auth && !this.getHeader('Authorization')) {
      this.setHeader('Authorization', 'Basic ' + Buffer.from(options.auth).toString('base64'));
    }
    this._native = null;
    this._timer = null;
    this._destroyError = undefined;
    if (this.timeout !== undefined) this.setTimeout(this.timeout);
    // Node assigns the socket in a tick of its own: a request destroyed
    // before it reports then.
    this._pendingSocket = true;
    nextTick(() => {
      this._pendingSocket = false;
      if (this.destroyed && !this._destroyReported) this._reportDestroy();
    });
  }
  Object.setPrototypeOf(ClientRequest.prototype, OutgoingMessage.prototype);
  Object.setPrototypeOf(ClientRequest, OutgoingMessage);

  function validateHost(host, name) {
    if (host !== null && host !== undefined && typeof host !== 'string') {
      throw argType('options.' + name, 'of type string or one of undefined or null', host);
    }
    return host;
  }
  function getTimerDuration(msecs, name) {
    if (typeof msecs !== 'number') throw argType(name, 'of type number', msecs);
    if (msecs < 0 || !Number.isFinite(msecs)) {
      throw codedError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "' + name + '" is out of range. It must be a non-negative finite number. Received ' + msecs);
    }
    return msecs;
  }
  function isURL(v) {
    return v != null && typeof v === 'object' && typeof v.href === 'string' && typeof v.protocol === 'string' &&
      v.auth === undefined && v.path === undefined;
  }
  function urlToHttpOptions(url) {
    const hostname = url.hostname || '';
    const options = {
      protocol: url.protocol,
      hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
      hash: url.hash,
      search: url.search,
      pathname: url.pathname,
      path: (url.pathname || '') + (url.search || ''),
      href: url.href,
    };
    if (url.port !== '' && url.port !== undefined) options.port = Number(url.port);
    if (url.username || url.password) {
      options.auth = decodeURIComponent(url.username || '') + ':' + decodeURIComponent(url.password || '');
    }
    return options;
  }

  ClientRequest.prototype._send = function () {
    const req = this;
    let host = this.host;
    if (host.indexOf(':') >= 0 && host.charCodeAt(0) !== 91) host = '[' + host + ']';
    const defaultPort = this.protocol === 'https:' ? 443 : 80;
    const url = this.protocol + '//' + host + (this.port && +this.port !== defaultPort ? ':' + this.port : '') + this.path;
    const headers = this._rawHeaderList || [];
    const out = this[kOutHeaders];
    if (out) {
      for (const key of Object.keys(out)) {
        const [name, value] = out[key];
        if (Array.isArray(value)) for (const v of value) headers.push([name, String(v)]);
        else headers.push([name, String(value)]);
      }
    }
    const body = this._body.length ? Buffer.concat(this._body, this._bodyLength) : undefined;
    this._body = [];
    nextTick(() => {
      if (req.destroyed) return;
      req.emit('prefinish');
      const cbs = req._callbacks.splice(0);
      for (const cb of cbs) cb();
      req._finishEmitted = true;
      req.emit('finish');
    });
    let native;
    try {
      native = natives.request({ url, method: this.method, headers, body });
    } catch (err) {
      nextTick(() => req._fail(err));
      return;
    }
    this._native = native;
    native.promise.then((res) => req._respond(res), (err) => req._fail(err));
  };
  ClientRequest.prototype._fail = function (err) {
    this._clearTimer();
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('error', err);
    nextTick(() => this.emit('close'));
  };
  ClientRequest.prototype._respond = function (r) {
    this._clearTimer();
    if (this.destroyed) return;
    const res = new IncomingMessage(null);
    this.res = res;
    res.req = this;
    res.statusCode = r.status;
    res.statusMessage = r.statusText || STATUS_CODES[r.status] || '';
    res.httpVersionMajor = 1;
    res.httpVersionMinor = 1;
    res.httpVersion = '1.1';
    for (const [name, value] of r.headers) res.rawHeaders.push(name, value);
    res.once('end', () => {
      nextTick(() => {
        this.destroyed = true;
        this.emit('close');
      });
    });
    if (this.listenerCount('response') > 0) this.emit('response', res);
    else res._dump();
    const body = Buffer.from(r.body);
    if (body.length > 0 && !res.destroyed) res.push(body);
    res.complete = true;
    res.push(null);
  };
  ClientRequest.prototype._clearTimer = function () {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  };
  ClientRequest.prototype.setTimeout = function (msecs, callback) {
    msecs = getTimerDuration(msecs, 'msecs');
    if (callback) this.once('timeout', callback);
    this._clearTimer();
    this.timeout = msecs;
    if (msecs > 0 && !this.destroyed && this.res === null) {
      this._timer = setTimeout(() => {
        this._timer = null;
        if (!this.destroyed && this.res === null) this.emit('timeout');
      }, msecs);
    }
    return this;
  };
  ClientRequest.prototype.setNoDelay = function () {};
  ClientRequest.prototype.setSocketKeepAlive = function () {};
  ClientRequest.prototype.destroy = function (err) {
    if (this.destroyed) return this;
    this.destroyed = true;
    this._clearTimer();
    if (this._native) this._native.abort();
    if (this.res) this.res._dump();
    this._destroyError = err;
    if (!this._pendingSocket) nextTick(() => this._reportDestroy());
    return this;
  };
  ClientRequest.prototype._reportDestroy = function () {
    if (this._destroyReported) return;
    this._destroyReported = true;
    const err = this._destroyError;
    if (err) this.emit('error', err);
    else if (this.res === null && !this.aborted) this.emit('error', connReset());
    this.emit('close');
  };
  ClientRequest.prototype.abort = function () {
    if (this.aborted) return;
    this.aborted = true;
    nextTick(() => this.emit('abort'));
    this.destroy();
  };

  // ---- IncomingMessage
  function IncomingMessage(socket) {
    Readable.call(this);
    this.socket = socket;
    this.httpVersionMajor = null;
    this.httpVersionMinor = null;
    this.httpVersion = null;
    this.complete = false;
    this.rawHeaders = [];
    this.rawTrailers = [];
    this.joinDuplicateHeaders = false;
    this.aborted = false;
    this.upgrade = null;
    this.url = '';
    this.method = null;
    this.statusCode = null;
    this.statusMessage = null;
    this.client = socket;
    this._consuming = false;
    this._dumped = false;
  }
  Object.setPrototypeOf(IncomingMessage.prototype, Readable.prototype);
  Object.setPrototypeOf(IncomingMessage, Readable);
  const discardDuplicates = new Set(['content-type', 'content-length', 'user-agent', 'referer', 'host',
    'authorization', 'proxy-authorization', 'if-modified-since', 'if-unmodified-since', 'from', 'location',
    'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires']);
  function headersOf(raw, distinct) {
    const out = {};
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const field = raw[i].toLowerCase();
      const value = raw[i + 1];
      if (distinct) {
        if (out[field] === undefined) out[field] = [value];
        else out[field].push(value);
      } else if (out[field] === undefined) {
        out[field] = field === 'set-cookie' ? [value] : value;
      } else if (field === 'set-cookie') {
        out[field].push(value);
      } else if (field === 'cookie') {
        out[field] += '; ' + value;
      } else if (!discardDuplicates.has(field)) {
        out[field] += ', ' + value;
      }
    }
    return out;
  }
  Object.defineProperty(IncomingMessage.prototype, 'headers', {
    configurable: true,
    get() {
      if (!this._headers) this._headers = headersOf(this.rawHeaders, false);
      return this._headers;
    },
    set(v) { this._headers = v; },
  });
  Object.defineProperty(IncomingMessage.prototype, 'headersDistinct', {
    configurable: true,
    get() {
      if (!this._headersDistinct) this._headersDistinct = headersOf(this.rawHeaders, true);
      return this._headersDistinct;
    },
    set(v) { this._headersDistinct = v; },
  });
  Object.defineProperty(IncomingMessage.prototype, 'trailers', {
    configurable: true,
    get() {
      if (!this._trailers) this._trailers = headersOf(this.rawTrailers, false);
      return this._trailers;
    },
    set(v) { this._trailers = v; },
  });
  Object.defineProperty(IncomingMessage.prototype, 'trailersDistinct', {
    configurable: true,
    get() {
      if (!this._trailersDistinct) this._trailersDistinct = headersOf(this.rawTrailers, true);
      return this._trailersDistinct;
    },
    set(v) { this._trailersDistinct = v; },
  });
  IncomingMessage.prototype.setTimeout = function (msecs, callback) {
    if (callback) this.on('timeout', callback);
    return this;
  };
  IncomingMessage.prototype._read = function () {};
  IncomingMessage.prototype._dump = function () {
    if (!this._dumped) {
      this._dumped = true;
      this.removeAllListeners('data');
      this.resume();
    }
  };

  // make builds http (protocol 'http:') or https.
  function make(protocol, base) {
    const m = {};
    const Agent = makeAgent(protocol === 'https:' ? 443 : 80, protocol, base && base.Agent);
    m.Agent = Agent;
    m.globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
    if (protocol === 'http:') {
      m.request = function request(url, options, cb) {
        return new ClientRequest(url, options, cb);
      };
    } else {
      m.request = function request(...args) {
        let options = {};
        if (typeof args[0] === 'string') options = urlToHttpOptions(natives.parseURL(args.shift()));
        else if (isURL(args[0])) options = urlToHttpOptions(args.shift());
        if (args[0] && typeof args[0] !== 'function') Object.assign(options, args.shift());
        options._defaultAgent = m.globalAgent;
        args.unshift(options);
        return new ClientRequest(args[0], args[1], args[2]);
      };
    }
    m.get = function get(url, options, cb) {
      const req = m.request(url, options, cb);
      req.end();
      return req;
    };
    return m;
  }

  const httpModule = make('http:');
  httpModule.METHODS = METHODS.slice();
  httpModule.STATUS_CODES = STATUS_CODES;
  httpModule.ClientRequest = ClientRequest;
  httpModule.IncomingMessage = IncomingMessage;
  httpModule.OutgoingMessage = OutgoingMessage;
  httpModule.maxHeaderSize = 16384;
  httpModule.validateHeaderName = function (name, label) { validateHeaderName(name, label); };
  httpModule.validateHeaderValue = function (name, value) { validateHeaderValue(name, value); };
  Object.defineProperty(httpModule, kMake, { value: () => make('https:', httpModule) });
  module.exports = httpModule;
});
