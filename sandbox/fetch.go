package sandbox

import "github.com/dop251/goja"

// httpSource builds fetch (with Headers and Response), node-fetch and an
// axios-shaped client over the native request primitive (see httpRequest).
// It is evaluated once per runtime that uses HTTP.
const httpSource = `(function (natives) {
'use strict';
const request = natives.request, decode = natives.decode, isBinary = natives.isBinary;

function normaliseName(name) {
  name = String(name);
  if (!/^[!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+$/.test(name)) throw new TypeError('Invalid header name: ' + name);
  return name.toLowerCase();
}

class Headers {
  constructor(init) {
    Object.defineProperty(this, '_list', { value: [], writable: true });
    if (init == null) return;
    if (init instanceof Headers) {
      init.forEach((v, k) => this.append(k, v));
    } else if (Array.isArray(init)) {
      for (const pair of init) this.append(pair[0], pair[1]);
    } else if (typeof init === 'object') {
      for (const k of Object.keys(init)) {
        const v = init[k];
        if (Array.isArray(v)) v.forEach((x) => this.append(k, x));
        else if (v !== undefined) this.append(k, v);
      }
    }
  }
  append(name, value) { this._list.push([normaliseName(name), String(value)]); }
  set(name, value) { const n = normaliseName(name); this._list = this._list.filter((p) => p[0] !== n); this._list.push([n, String(value)]); }
  delete(name) { const n = normaliseName(name); this._list = this._list.filter((p) => p[0] !== n); }
  has(name) { const n = normaliseName(name); return this._list.some((p) => p[0] === n); }
  get(name) {
    const n = normaliseName(name);
    const vs = this._list.filter((p) => p[0] === n).map((p) => p[1]);
    return vs.length ? vs.join(', ') : null;
  }
  forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
  *entries() {
    const names = [...new Set(this._list.map((p) => p[0]))].sort();
    for (const n of names) yield [n, this.get(n)];
  }
  *keys() { for (const [k] of this.entries()) yield k; }
  *values() { for (const [, v] of this.entries()) yield v; }
  [Symbol.iterator]() { return this.entries(); }
  raw() {
    const out = {};
    for (const [k, v] of this._list) (out[k] = out[k] || []).push(v);
    return out;
  }
  pairs() { return this._list.map((p) => [p[0], p[1]]); }
}

class Response {
  constructor(body, init) {
    init = init || {};
    Object.defineProperty(this, '_body', { value: body, writable: true });
    Object.defineProperty(this, '_used', { value: false, writable: true });
    this.status = init.status === undefined ? 200 : init.status;
    this.statusText = init.statusText || '';
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.url = init.url || '';
    this.redirected = !!init.redirected;
    this.ok = this.status >= 200 && this.status < 300;
    this.type = 'basic';
  }
  get bodyUsed() { return this._used; }
  _consume() {
    if (this._used) return Promise.reject(new TypeError('body used already for: ' + this.url));
    this._used = true;
    return Promise.resolve(this._body);
  }
  arrayBuffer() { return this._consume().then((b) => (b == null ? new ArrayBuffer(0) : typeof b === 'string' ? Buffer.from(b).buffer : b)); }
  text() { return this._consume().then((b) => (b == null ? '' : typeof b === 'string' ? b : decode(b))); }
  json() { return this.text().then((t) => JSON.parse(t)); }
  buffer() { return this.arrayBuffer().then((b) => Buffer.from(b)); }
  clone() {
    if (this._used) throw new TypeError('Cannot clone: body used already');
    return new Response(this._body, this);
  }
}

class FetchError extends Error {
  constructor(message, type, code) {
    super(message);
    this.name = 'FetchError';
    this.type = type;
    if (code) { this.code = code; this.errno = code; }
  }
}

function fetch(input, init) {
  init = init || {};
  const url = typeof input === 'object' && input !== null && input.url ? String(input.url) : String(input);
  const headers = new Headers(init.headers);
  let body = init.body;
  if (body != null && typeof body === 'object' && !isBinary(body)) body = String(body);
  if (typeof body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
  return request({
    url: url,
    method: init.method || 'GET',
    headers: headers.pairs(),
    body: body,
    timeout: init.timeout,
    redirect: init.redirect || 'follow',
    maxRedirects: init.follow === undefined ? 20 : init.follow,
  }).then(
    (r) => new Response(r.body, { status: r.status, statusText: r.statusText, headers: new Headers(r.headers), url: r.url, redirected: r.redirected }),
    (e) => { throw new FetchError('request to ' + url + ' failed, reason: ' + e.message, e.code === 'ETIMEDOUT' ? 'request-timeout' : 'system', e.code); }
  );
}

const nodeFetch = function (input, init) { return fetch(input, init); };
nodeFetch.default = nodeFetch;
nodeFetch.Headers = Headers;
nodeFetch.Response = Response;
nodeFetch.FetchError = FetchError;
nodeFetch.isRedirect = (code) => code === 301 || code === 302 || code === 303 || code === 307 || code === 308;

// axios 0.27, the parts reactors use.
function axiosError(message, code, config, response) {
  const e = new Error(message);
  e.name = 'AxiosError';
  e.code = code;
  e.config = config;
  e.isAxiosError = true;
  if (response) { e.response = response; e.request = {}; }
  e.toJSON = function () { return { message: e.message, name: e.name, code: e.code, status: response ? response.status : undefined }; };
  return e;
}

function buildURL(url, params) {
  if (!params) return url;
  const parts = [];
  for (const k of Object.keys(params)) {
    let v = params[k];
    if (v === null || v === undefined) continue;
    const key = Array.isArray(v) ? k + '[]' : k;
    if (!Array.isArray(v)) v = [v];
    for (let x of v) {
      if (x instanceof Date) x = x.toISOString();
      else if (x !== null && typeof x === 'object') x = JSON.stringify(x);
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(x));
    }
  }
  if (!parts.length) return url;
  const hash = url.indexOf('#');
  if (hash >= 0) url = url.slice(0, hash);
  return url + (url.indexOf('?') === -1 ? '?' : '&') + parts.join('&');
}

function mergeConfig(a, b) {
  const out = Object.assign({}, a, b);
  out.headers = Object.assign({}, a && a.headers, b && b.headers);
  return out;
}

function createAxios(defaults) {
  function dispatch(config) {
    config = mergeConfig(instance.defaults, config);
    const method = (config.method || 'get').toLowerCase();
    let url = config.url || '';
    if (config.baseURL && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      url = config.baseURL.replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '');
    }
    url = buildURL(url, config.params);
    const headers = new Headers();
    headers.set('accept', 'application/json, text/plain, */*');
    let data = config.data;
    if (data !== undefined && data !== null) {
      if (isBinary(data)) {
        // sent as is
      } else if (typeof data === 'object') {
        data = JSON.stringify(data);
        headers.set('content-type', 'application/json');
      } else {
        data = String(data);
        headers.set('content-type', 'application/x-www-form-urlencoded');
      }
    }
    const raw = config.headers || {};
    const flat = Object.assign({}, raw.common, raw[method]);
    for (const k of Object.keys(raw)) {
      const v = raw[k];
      if (v !== undefined && v !== null && typeof v !== 'object') flat[k] = v;
    }
    for (const k of Object.keys(flat)) {
      if (flat[k] !== undefined && flat[k] !== null) headers.set(k, flat[k]);
    }
    if (config.auth) {
      headers.set('authorization', 'Basic ' + btoa(unescape(encodeURIComponent((config.auth.username || '') + ':' + (config.auth.password || '')))));
    }
    const cfg = Object.assign({}, config, { url: url, method: method });
    return request({
      url: url,
      method: method.toUpperCase(),
      headers: headers.pairs(),
      body: data,
      timeout: config.timeout,
      maxRedirects: config.maxRedirects === undefined ? 21 : config.maxRedirects,
      redirect: config.maxRedirects === 0 ? 'manual' : 'follow',
    }).then(
      (r) => {
        const h = new Headers(r.headers);
        const headersObj = {};
        for (const [k, v] of h.entries()) headersObj[k] = k === 'set-cookie' ? h.raw()[k] : v;
        let body;
        const type = config.responseType || 'json';
        if (type === 'arraybuffer' || type === 'stream') body = r.body;
        else {
          body = decode(r.body);
          if (type === 'json' && body.length) {
            try { body = JSON.parse(body); } catch (e) { /* axios keeps the text */ }
          }
        }
        const response = { data: body, status: r.status, statusText: r.statusText, headers: headersObj, config: cfg, request: {} };
        const validate = config.validateStatus === undefined ? (s) => s >= 200 && s < 300 : config.validateStatus;
        if (!validate || validate(r.status)) return response;
        throw axiosError('Request failed with status code ' + r.status, r.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST', cfg, response);
      },
      (e) => {
        if (e.code === 'ETIMEDOUT') throw axiosError('timeout of ' + (config.timeout || 0) + 'ms exceeded', 'ECONNABORTED', cfg);
        throw axiosError(e.message, e.code || 'ERR_NETWORK', cfg);
      }
    );
  }
  function instance(configOrUrl, config) {
    if (typeof configOrUrl === 'string') return dispatch(Object.assign({}, config, { url: configOrUrl }));
    return dispatch(configOrUrl || {});
  }
  instance.defaults = mergeConfig({ headers: { common: {} } }, defaults);
  instance.request = (config) => dispatch(config || {});
  for (const m of ['get', 'delete', 'head', 'options']) {
    instance[m] = (url, config) => dispatch(Object.assign({}, config, { url: url, method: m }));
  }
  for (const m of ['post', 'put', 'patch']) {
    instance[m] = (url, data, config) => dispatch(Object.assign({}, config, { url: url, method: m, data: data }));
  }
  instance.create = (config) => createAxios(mergeConfig(instance.defaults, config));
  instance.isAxiosError = (e) => !!(e && e.isAxiosError);
  instance.default = instance;
  return instance;
}

return { fetch: fetch, Headers: Headers, Response: Response, nodeFetch: nodeFetch, axios: createAxios({}) };
})`

var httpProgram = goja.MustCompile("http.js", httpSource, true)
