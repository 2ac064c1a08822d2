(function (exports, require, module, natives) {
  'use strict';
  // Node 20's stream (lib/internal/streams/*.js), for reactors: Readable,
  // Writable, Duplex, Transform, PassThrough, pipeline, finished and
  // stream/promises, with Node's state machines and event order.
  //
  // There is no process.nextTick: nextTick below is a queue of its own,
  // drained in one microtask, so ticks keep their order among themselves
  // (as in Node) but run after promise jobs queued before the first of them
  // (in Node they run before). Queued chunks are bounded: a stream whose
  // buffer passes natives.maxBuffer bytes (or natives.maxChunks chunks)
  // throws a RangeError from push or write.
  const EE = require('events');
  const { Buffer } = require('buffer');
  const kMaxQueued = natives.maxBuffer;
  const kMaxChunks = natives.maxChunks;

  // nextTick: one queue per invocation, shared with http through the
  // stream module (see kTick).
  const kTick = Symbol.for('vault.sandbox.nextTick');
  let ticks = [];
  let tickHead = 0;
  let tickScheduled = false;
  function runTicks() {
    try {
      while (tickHead < ticks.length) {
        const fn = ticks[tickHead];
        const args = ticks[tickHead + 1];
        ticks[tickHead] = ticks[tickHead + 1] = undefined;
        tickHead += 2;
        fn.apply(undefined, args);
      }
    } finally {
      if (tickHead < ticks.length) {
        queueMicrotask(runTicks);
      } else {
        ticks = [];
        tickHead = 0;
        tickScheduled = false;
      }
    }
  }
  function nextTick(fn, ...args) {
    ticks.push(fn, args);
    if (!tickScheduled) {
      tickScheduled = true;
      queueMicrotask(runTicks);
    }
  }
  function nop() {}

  // Errors, as lib/internal/errors.js words them.
  function inspect(v) {
    if (typeof v === 'string') return "'" + v + "'";
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'bigint') return v + 'n';
    if (typeof v === 'symbol') return v.toString();
    if (typeof v === 'function') return '[Function: ' + (v.name || '(anonymous)') + ']';
    if (v === null || typeof v !== 'object') return String(v);
    if (Array.isArray(v)) return v.length === 0 ? '[]' : '[ ' + v.map(inspect).join(', ') + ' ]';
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return '{ ' + keys.map((k) => k + ': ' + inspect(v[k])).join(', ') + ' }';
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
  function argName(name) {
    return '"' + name + '" ' + (name.indexOf('.') >= 0 ? 'property' : 'argument');
  }
  const E = {
    argType: (name, expected, v) => codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The ' + argName(name) + ' must be ' + expected + '.' + describe(v)),
    argValue: (name, v) => codedError(TypeError, 'ERR_INVALID_ARG_VALUE', 'The ' + (name.indexOf('.') >= 0 ? 'property' : 'argument') + " '" + name + "' is invalid. Received " + inspect(v)),
    chunk: (v) => E.argType('chunk', 'of type string or an instance of Buffer, TypedArray, or DataView', v),
    notImplemented: (m) => codedError(Error, 'ERR_METHOD_NOT_IMPLEMENTED', 'The ' + m + ' method is not implemented'),
    pushAfterEOF: () => codedError(Error, 'ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF'),
    unshiftAfterEnd: () => codedError(Error, 'ERR_STREAM_UNSHIFT_AFTER_END_EVENT', 'stream.unshift() after end event'),
    writeAfterEnd: () => codedError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end'),
    destroyed: (m) => codedError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call ' + m + ' after a stream was destroyed'),
    nullValues: () => codedError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream'),
    multipleCallback: () => codedError(Error, 'ERR_MULTIPLE_CALLBACK', 'Callback called multiple times'),
    alreadyFinished: (m) => codedError(Error, 'ERR_STREAM_ALREADY_FINISHED', 'Cannot call ' + m + ' after a stream was finished'),
    prematureClose: () => codedError(Error, 'ERR_STREAM_PREMATURE_CLOSE', 'Premature close'),
    missingArgs: (n) => codedError(TypeError, 'ERR_MISSING_ARGS', 'The "' + n + '" argument must be specified'),
    unknownEncoding: (e) => codedError(TypeError, 'ERR_UNKNOWN_ENCODING', 'Unknown encoding: ' + e),
    outOfRange: (name, range, v) => codedError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "' + name + '" is out of range. It must be ' + range + '. Received ' + inspect(v)),
  };
  function abortError() {
    const e = new Error('The operation was aborted');
    e.name = 'AbortError';
    e.code = 'ABORT_ERR';
    return e;
  }
  function queueLimit() {
    return new RangeError('Array buffer allocation failed');
  }
  function validateFunction(v, name) {
    if (typeof v !== 'function') throw E.argType(name, 'of type function', v);
  }
  function validateObject(v, name) {
    if (v === null || typeof v !== 'object') throw E.argType(name, 'of type object', v);
  }

  // Encodings: Buffer (goja_nodejs) knows utf8, hex and base64; latin1,
  // ascii and utf16le are coded here.
  function normalizeEncoding(enc) {
    if (enc === undefined || enc === null || enc === '') return 'utf8';
    switch (String(enc).toLowerCase()) {
      case 'utf8': case 'utf-8': return 'utf8';
      case 'hex': return 'hex';
      case 'base64': return 'base64';
      case 'latin1': case 'binary': return 'latin1';
      case 'ascii': return 'ascii';
      case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
      case 'buffer': return 'buffer';
      default: return undefined;
    }
  }
  function toBuffer(s, enc) {
    switch (enc) {
      case 'latin1': case 'ascii': {
        const b = Buffer.alloc(s.length);
        for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
        return b;
      }
      case 'utf16le': {
        const b = Buffer.alloc(s.length * 2);
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          b[2 * i] = c & 0xff;
          b[2 * i + 1] = c >> 8;
        }
        return b;
      }
      default:
        return Buffer.from(s, enc);
    }
  }
  function bufferToString(b, enc, start, end) {
    if (start === undefined) start = 0;
    if (end === undefined) end = b.length;
    switch (enc) {
      case 'latin1': case 'ascii': {
        const mask = enc === 'ascii' ? 0x7f : 0xff;
        let s = '';
        for (let i = start; i < end; i++) s += String.fromCharCode(b[i] & mask);
        return s;
      }
      case 'utf16le': {
        let s = '';
        for (let i = start; i + 1 < end; i += 2) s += String.fromCharCode(b[i] | (b[i + 1] << 8));
        return s;
      }
      default:
        return (start === 0 && end === b.length ? b : view(b, start, end)).toString(enc);
    }
  }
  // view is buf.subarray(start, end): goja_nodejs's Buffer has no working
  // slice or subarray (its species constructor refuses numbers).
  function view(b, start, end) {
    if (end === undefined) end = b.length;
    return Buffer.from(b.buffer, b.byteOffset + start, end - start);
  }
  function isUint8Array(v) {
    return ArrayBuffer.isView(v);
  }
  function uint8ArrayToBuffer(v) {
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }

  // StringDecoder: what setEncoding decodes chunks with, holding back the
  // bytes of a character split between chunks.
  function StringDecoder(encoding) {
    const enc = normalizeEncoding(encoding);
    if (enc === undefined || enc === 'buffer') throw E.unknownEncoding(encoding);
    this.encoding = enc;
    this.pending = null;
  }
  StringDecoder.prototype.write = function (buf) {
    if (typeof buf === 'string') return buf;
    let data = buf;
    if (this.pending !== null) {
      data = Buffer.concat([this.pending, buf]);
      this.pending = null;
    }
    const n = data.length;
    let cut = n;
    if (this.encoding === 'utf8') {
      for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
        const c = data[i];
        if ((c & 0xc0) === 0x80) continue;
        if (c >= 0xc0) {
          const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
          if (n - i < need) cut = i;
        }
        break;
      }
    } else if (this.encoding === 'base64') {
      cut = n - (n % 3);
    } else if (this.encoding === 'utf16le') {
      cut = n - (n % 2);
      if (cut >= 2) {
        const hi = data[cut - 1];
        if (hi >= 0xd8 && hi <= 0xdb) cut -= 2;
      }
    }
    if (cut < n) this.pending = Buffer.concat([view(data, cut)]);
    return cut === 0 ? '' : bufferToString(data, this.encoding, 0, cut);
  };
  StringDecoder.prototype.end = function (buf) {
    let r = buf ? this.write(buf) : '';
    if (this.pending !== null) {
      const p = this.pending;
      this.pending = null;
      if (this.encoding === 'utf8') r += '\ufffd';
      else if (this.encoding === 'utf16le') r += bufferToString(p, 'utf16le', 0, p.length - (p.length % 2));
      else r += bufferToString(p, this.encoding);
    }
    return r;
  };

  // Stream, the legacy base class.
  function Stream(opts) {
    EE.call(this, opts);
  }
  Object.setPrototypeOf(Stream.prototype, EE.prototype);
  Object.setPrototypeOf(Stream, EE);

  function getHighWaterMark(state, options, duplexKey, isDuplex) {
    let hwm = options.highWaterMark;
    if (hwm == null && isDuplex) hwm = options[duplexKey];
    if (hwm != null) {
      if (!Number.isInteger(hwm) || hwm < 0) {
        const name = isDuplex && options.highWaterMark == null ? 'options.' + duplexKey : 'options.highWaterMark';
        throw E.argValue(name, hwm);
      }
      return Math.floor(hwm);
    }
    return state.objectMode ? defaultHWM.object : defaultHWM.bytes;
  }
  const defaultHWM = { bytes: 16 * 1024, object: 16 };

  // ---- utils (lib/internal/streams/utils.js)
  const kIsDestroyed = Symbol('kIsDestroyed');
  function isReadableNodeStream(obj, strict) {
    return !!(obj && typeof obj.pipe === 'function' && typeof obj.on === 'function' &&
      (!strict || (typeof obj.pause === 'function' && typeof obj.resume === 'function')) &&
      (!obj._writableState || (obj._readableState && obj._readableState.readable !== false)) &&
      (!obj._writableState || obj._readableState));
  }
  function isWritableNodeStream(obj) {
    return !!(obj && typeof obj.write === 'function' && typeof obj.on === 'function' &&
      (!obj._readableState || (obj._writableState && obj._writableState.writable !== false)));
  }
  function isNodeStream(obj) {
    return obj && (obj._readableState || obj._writableState ||
      (typeof obj.write === 'function' && typeof obj.on === 'function') ||
      (typeof obj.pipe === 'function' && typeof obj.on === 'function'));
  }
  function isIterable(obj, isAsync) {
    if (obj == null) return false;
    if (isAsync === true) return typeof obj[Symbol.asyncIterator] === 'function';
    if (isAsync === false) return typeof obj[Symbol.iterator] === 'function';
    return typeof obj[Symbol.asyncIterator] === 'function' || typeof obj[Symbol.iterator] === 'function';
  }
  function isDestroyed(stream) {
    if (!isNodeStream(stream)) return null;
    const state = stream._writableState || stream._readableState;
    return !!(stream.destroyed || stream[kIsDestroyed] || (state && state.destroyed));
  }
  function isWritableEnded(stream) {
    if (!isWritableNodeStream(stream)) return null;
    if (stream.writableEnded === true) return true;
    const w = stream._writableState;
    if (w && w.errored) return false;
    if (!w || typeof w.ended !== 'boolean') return null;
    return w.ended;
  }
  function isWritableFinished(stream, strict) {
    if (!isWritableNodeStream(stream)) return null;
    if (stream.writableFinished === true) return true;
    const w = stream._writableState;
    if (w && w.errored) return false;
    if (!w || typeof w.finished !== 'boolean') return null;
    return !!(w.finished || (strict === false && w.ended === true && w.length === 0));
  }
  function isReadableFinished(stream, strict) {
    if (!isReadableNodeStream(stream)) return null;
    const r = stream._readableState;
    if (r && r.errored) return false;
    if (!r || typeof r.endEmitted !== 'boolean') return null;
    return !!(r.endEmitted || (strict === false && r.ended === true && r.length === 0));
  }
  function isReadable(stream) {
    if (!stream || typeof stream.readable !== 'boolean') return null;
    if (isDestroyed(stream)) return false;
    return isReadableNodeStream(stream) && stream.readable && !isReadableFinished(stream);
  }
  function isWritable(stream) {
    if (!stream || typeof stream.writable !== 'boolean') return null;
    if (isDestroyed(stream)) return false;
    return isWritableNodeStream(stream) && stream.writable && !isWritableEnded(stream);
  }
  function isFinished(stream, opts) {
    if (!isNodeStream(stream)) return null;
    if (isDestroyed(stream)) return true;
    if ((!opts || opts.readable !== false) && isReadable(stream)) return false;
    if ((!opts || opts.writable !== false) && isWritable(stream)) return false;
    return true;
  }
  function isWritableErrored(stream) {
    if (!isNodeStream(stream)) return null;
    if (stream.writableErrored) return stream.writableErrored;
    const w = stream._writableState;
    return w && w.errored != null ? w.errored : null;
  }
  function isReadableErrored(stream) {
    if (!isNodeStream(stream)) return null;
    if (stream.readableErrored) return stream.readableErrored;
    const r = stream._readableState;
    return r && r.errored != null ? r.errored : null;
  }
  function isClosed(stream) {
    if (!isNodeStream(stream)) return null;
    const w = stream._writableState;
    const r = stream._readableState;
    if ((w && typeof w.closed === 'boolean') || (r && typeof r.closed === 'boolean')) return (w && w.closed) || (r && r.closed);
    return null;
  }
  function willEmitClose(stream) {
    if (!isNodeStream(stream)) return null;
    const state = stream._writableState || stream._readableState;
    return !!(state && state.autoDestroy && state.emitClose && state.closed === false);
  }
  function isDisturbed(stream) {
    return !!(stream && (stream.readableDidRead || stream.readableAborted));
  }
  function isErrored(stream) {
    return !!(stream && (stream.readableErrored || stream.writableErrored ||
      (stream._readableState && stream._readableState.errored) || (stream._writableState && stream._writableState.errored)));
  }

  // ---- destroy (lib/internal/streams/destroy.js)
  const kDestroy = Symbol('kDestroy');
  const kConstruct = Symbol('kConstruct');
  function checkError(err, w, r) {
    if (err) {
      if (w && !w.errored) w.errored = err;
      if (r && !r.errored) r.errored = err;
    }
  }
  function destroy(err, cb) {
    const r = this._readableState;
    const w = this._writableState;
    const s = w || r;
    if ((w && w.destroyed) || (r && r.destroyed)) {
      if (typeof cb === 'function') cb();
      return this;
    }
    checkError(err, w, r);
    if (w) w.destroyed = true;
    if (r) r.destroyed = true;
    if (!s.constructed) {
      this.once(kDestroy, function (er) { _destroy(this, aggregateTwoErrors(er, err), cb); });
    } else {
      _destroy(this, err, cb);
    }
    return this;
  }
  function _destroy(self, err, cb) {
    let called = false;
    function onDestroy(err) {
      if (called) return;
      called = true;
      const r = self._readableState;
      const w = self._writableState;
      checkError(err, w, r);
      if (w) w.closed = true;
      if (r) r.closed = true;
      if (typeof cb === 'function') cb(err);
      if (err) nextTick(emitErrorCloseNT, self, err);
      else nextTick(emitCloseNT, self);
    }
    try {
      self._destroy(err || null, onDestroy);
    } catch (err) {
      onDestroy(err);
    }
  }
  function emitErrorCloseNT(self, err) {
    emitErrorNT(self, err);
    emitCloseNT(self);
  }
  function emitCloseNT(self) {
    const r = self._readableState;
    const w = self._writableState;
    if (w) w.closeEmitted = true;
    if (r) r.closeEmitted = true;
    if ((w && w.emitClose) || (r && r.emitClose)) self.emit('close');
  }
  function emitErrorNT(self, err) {
    const r = self._readableState;
    const w = self._writableState;
    if ((w && w.errorEmitted) || (r && r.errorEmitted)) return;
    if (w) w.errorEmitted = true;
    if (r) r.errorEmitted = true;
    self.emit('error', err);
  }
  function undestroy() {
    const r = this._readableState;
    const w = this._writableState;
    if (r) {
      r.constructed = true; r.closed = false; r.closeEmitted = false; r.destroyed = false; r.errored = null;
      r.errorEmitted = false; r.reading = false; r.ended = r.readable === false; r.endEmitted = r.readable === false;
    }
    if (w) {
      w.constructed = true; w.destroyed = false; w.closed = false; w.closeEmitted = false; w.errored = null;
      w.errorEmitted = false; w.finalCalled = false; w.prefinished = false; w.ended = w.writable === false;
      w.ending = w.writable === false; w.finished = w.writable === false;
    }
  }
  function errorOrDestroy(stream, err, sync) {
    const r = stream._readableState;
    const w = stream._writableState;
    if ((w && w.destroyed) || (r && r.destroyed)) return;
    if ((r && r.autoDestroy) || (w && w.autoDestroy)) {
      stream.destroy(err);
    } else if (err) {
      if (w && !w.errored) w.errored = err;
      if (r && !r.errored) r.errored = err;
      if (sync) nextTick(emitErrorNT, stream, err);
      else emitErrorNT(stream, err);
    }
  }
  function construct(stream, cb) {
    if (typeof stream._construct !== 'function') return;
    const r = stream._readableState;
    const w = stream._writableState;
    if (r) r.constructed = false;
    if (w) w.constructed = false;
    stream.once(kConstruct, cb);
    if (stream.listenerCount(kConstruct) > 1) return;
    nextTick(constructNT, stream);
  }
  function constructNT(stream) {
    let called = false;
    function onConstruct(err) {
      if (called) {
        errorOrDestroy(stream, err != null ? err : E.multipleCallback());
        return;
      }
      called = true;
      const r = stream._readableState;
      const w = stream._writableState;
      const s = w || r;
      if (r) r.constructed = true;
      if (w) w.constructed = true;
      if (s.destroyed) stream.emit(kDestroy, err);
      else if (err) errorOrDestroy(stream, err, true);
      else nextTick(() => stream.emit(kConstruct));
    }
    try {
      stream._construct((err) => { nextTick(onConstruct, err); });
    } catch (err) {
      nextTick(onConstruct, err);
    }
  }
  function destroyer(stream, err) {
    if (!stream || isDestroyed(stream)) return;
    if (!err && !isFinished(stream)) err = abortError();
    if (typeof stream.destroy === 'function') stream.destroy(err);
    else if (typeof stream.close === 'function') stream.close();
    if (!stream.destroyed) stream[kIsDestroyed] = true;
  }
  function aggregateTwoErrors(inner, outer) {
    if (inner && outer && inner !== outer) {
      if (Array.isArray(outer.errors)) {
        outer.errors.push(inner);
        return outer;
      }
      const err = new AggregateError([outer, inner], outer.message);
      err.code = outer.code;
      return err;
    }
    return inner || outer;
  }

  // ---- Readable (lib/internal/streams/readable.js)
  const kPaused = Symbol('kPaused');
  function ReadableState(options, stream, isDuplex) {
    if (typeof isDuplex !== 'boolean') isDuplex = stream instanceof Duplex;
    this.objectMode = !!(options && options.objectMode);
    if (isDuplex) this.objectMode = this.objectMode || !!(options && options.readableObjectMode);
    this.highWaterMark = options ? getHighWaterMark(this, options, 'readableHighWaterMark', isDuplex) : defaultHWM.bytes;
    this.buffer = [];
    this.bufferIndex = 0;
    this.length = 0;
    this.pipes = [];
    this.flowing = null;
    this.ended = false;
    this.endEmitted = false;
    this.reading = false;
    this.constructed = true;
    this.sync = true;
    this.needReadable = false;
    this.emittedReadable = false;
    this.readableListening = false;
    this.resumeScheduled = false;
    this[kPaused] = null;
    this.errorEmitted = false;
    this.emitClose = !options || options.emitClose !== false;
    this.autoDestroy = !options || options.autoDestroy !== false;
    this.destroyed = false;
    this.errored = null;
    this.closed = false;
    this.closeEmitted = false;
    this.defaultEncoding = (options && options.defaultEncoding) || 'utf8';
    this.awaitDrainWriters = null;
    this.multiAwaitDrain = false;
    this.readingMore = false;
    this.dataEmitted = false;
    this.decoder = null;
    this.encoding = null;
    if (options && options.encoding) {
      this.decoder = new StringDecoder(options.encoding);
      this.encoding = this.decoder.encoding;
    }
  }
  Object.defineProperty(ReadableState.prototype, 'pipesCount', { get() { return this.pipes.length; } });
  Object.defineProperty(ReadableState.prototype, 'paused', {
    get() { return this[kPaused] !== false; },
    set(v) { this[kPaused] = !!v; },
  });

  function Readable(options) {
    if (!(this instanceof Readable)) return new Readable(options);
    const isDuplex = this instanceof Duplex;
    this._readableState = new ReadableState(options, this, isDuplex);
    if (options) {
      if (typeof options.read === 'function') this._read = options.read;
      if (typeof options.destroy === 'function') this._destroy = options.destroy;
      if (typeof options.construct === 'function') this._construct = options.construct;
    }
    Stream.call(this, options);
    construct(this, () => {
      if (this._readableState.needReadable) maybeReadMore(this, this._readableState);
    });
  }
  Object.setPrototypeOf(Readable.prototype, Stream.prototype);
  Object.setPrototypeOf(Readable, Stream);

  Readable.prototype.destroy = destroy;
  Readable.prototype._undestroy = undestroy;
  Readable.prototype[EE.captureRejectionSymbol] = function (err) {
    this.destroy(err);
  };
  Readable.prototype._destroy = function (err, cb) { cb(err); };
  Readable.prototype.push = function (chunk, encoding) {
    return readableAddChunk(this, chunk, encoding, false);
  };
  Readable.prototype.unshift = function (chunk, encoding) {
    return readableAddChunk(this, chunk, encoding, true);
  };

  function readableAddChunk(stream, chunk, encoding, addToFront) {
    const state = stream._readableState;
    let err;
    if (!state.objectMode) {
      if (typeof chunk === 'string') {
        encoding = encoding || state.defaultEncoding;
        if (state.encoding !== encoding) {
          const enc = normalizeEncoding(encoding);
          if (enc === undefined) throw E.unknownEncoding(encoding);
          if (addToFront && state.encoding) {
            chunk = bufferToString(toBuffer(chunk, enc), state.encoding);
          } else {
            chunk = toBuffer(chunk, enc);
            encoding = '';
          }
        }
      } else if (chunk instanceof Buffer) {
        encoding = '';
      } else if (isUint8Array(chunk)) {
        chunk = uint8ArrayToBuffer(chunk);
        encoding = '';
      } else if (chunk != null) {
        err = E.chunk(chunk);
      }
    }
    if (err) {
      errorOrDestroy(stream, err);
      return false;
    } else if (chunk === null) {
      state.reading = false;
      onEofChunk(stream, state);
    } else if (state.objectMode || (chunk && chunk.length > 0)) {
      if (addToFront) {
        if (state.endEmitted) errorOrDestroy(stream, E.unshiftAfterEnd());
        else if (state.destroyed || state.errored) return false;
        else addChunk(stream, state, chunk, true);
      } else if (state.ended) {
        errorOrDestroy(stream, E.pushAfterEOF());
      } else if (state.destroyed || state.errored) {
        return false;
      } else {
        state.reading = false;
        if (state.decoder && !encoding) {
          chunk = state.decoder.write(chunk);
          if (state.objectMode || chunk.length !== 0) addChunk(stream, state, chunk, false);
          else maybeReadMore(stream, state);
        } else {
          addChunk(stream, state, chunk, false);
        }
      }
    } else if (!addToFront) {
      state.reading = false;
      maybeReadMore(stream, state);
    }
    return !state.ended && (state.length < state.highWaterMark || state.length === 0);
  }

  function addChunk(stream, state, chunk, addToFront) {
    if (state.flowing && state.length === 0 && !state.sync && stream.listenerCount('data') > 0) {
      if (state.multiAwaitDrain) state.awaitDrainWriters.clear();
      else state.awaitDrainWriters = null;
      state.dataEmitted = true;
      stream.emit('data', chunk);
    } else {
      const n = state.objectMode ? 1 : chunk.length;
      if (state.length + n > kMaxQueued || state.buffer.length >= kMaxChunks) throw queueLimit();
      state.length += n;
      if (!addToFront) state.buffer.push(chunk);
      else if (state.bufferIndex > 0) state.buffer[--state.bufferIndex] = chunk;
      else state.buffer.unshift(chunk);
      if (state.needReadable) emitReadable(stream);
    }
    maybeReadMore(stream, state);
  }

  Readable.prototype.isPaused = function () {
    const state = this._readableState;
    return state[kPaused] === true || state.flowing === false;
  };
  Readable.prototype.setEncoding = function (enc) {
    const decoder = new StringDecoder(enc);
    const state = this._readableState;
    state.decoder = decoder;
    state.encoding = decoder.encoding;
    let content = '';
    for (const data of state.buffer.slice(state.bufferIndex)) content += decoder.write(data);
    state.buffer.length = 0;
    state.bufferIndex = 0;
    if (content !== '') state.buffer.push(content);
    state.length = content.length;
    return this;
  };

  const MAX_HWM = 0x40000000;
  function computeNewHighWaterMark(n) {
    if (n > MAX_HWM) throw E.outOfRange('size', '<= 1GiB', n);
    n--;
    n |= n >>> 1; n |= n >>> 2; n |= n >>> 4; n |= n >>> 8; n |= n >>> 16;
    n++;
    return n;
  }
  function howMuchToRead(n, state) {
    if (n <= 0 || (state.length === 0 && state.ended)) return 0;
    if (state.objectMode) return 1;
    if (n !== n) {
      if (state.flowing && state.length) return state.buffer[state.bufferIndex].length;
      return state.length;
    }
    if (n <= state.length) return n;
    return state.ended ? state.length : 0;
  }

  Readable.prototype.read = function (n) {
    if (n === undefined) n = NaN;
    else if (!Number.isInteger(n)) n = Number.parseInt(n, 10);
    const state = this._readableState;
    const nOrig = n;
    if (n > state.highWaterMark) state.highWaterMark = computeNewHighWaterMark(n);
    if (n !== 0) state.emittedReadable = false;
    if (n === 0 && state.needReadable &&
      ((state.highWaterMark !== 0 ? state.length >= state.highWaterMark : state.length > 0) || state.ended)) {
      if (state.length === 0 && state.ended) endReadable(this);
      else emitReadable(this);
      return null;
    }
    n = howMuchToRead(n, state);
    if (n === 0 && state.ended) {
      if (state.length === 0) endReadable(this);
      return null;
    }
    let doRead = state.needReadable;
    if (state.length === 0 || state.length - n < state.highWaterMark) doRead = true;
    if (state.ended || state.reading || state.destroyed || state.errored || !state.constructed) {
      doRead = false;
    } else if (doRead) {
      state.reading = true;
      state.sync = true;
      if (state.length === 0) state.needReadable = true;
      try {
        this._read(state.highWaterMark);
      } catch (err) {
        errorOrDestroy(this, err);
      }
      state.sync = false;
      if (!state.reading) n = howMuchToRead(nOrig, state);
    }
    let ret;
    if (n > 0) ret = fromList(n, state);
    else ret = null;
    if (ret === null) {
      state.needReadable = state.length <= state.highWaterMark;
      n = 0;
    } else {
      state.length -= n;
      if (state.multiAwaitDrain) state.awaitDrainWriters.clear();
      else state.awaitDrainWriters = null;
    }
    if (state.length === 0) {
      if (!state.ended) state.needReadable = true;
      if (nOrig !== n && state.ended) endReadable(this);
    }
    if (ret !== null && !state.errorEmitted && !state.closeEmitted) {
      state.dataEmitted = true;
      this.emit('data', ret);
    }
    return ret;
  };

  // fromList takes n bytes (or one object) off the buffer, an array read
  // from bufferIndex and compacted as it goes.
  function fromList(n, state) {
    if (state.length === 0) return null;
    let idx = state.bufferIndex;
    let ret;
    const buf = state.buffer;
    const len = buf.length;
    if (state.objectMode) {
      ret = buf[idx];
      buf[idx++] = null;
    } else if (!n || n >= state.length) {
      if (state.decoder) {
        ret = '';
        while (idx < len) {
          ret += buf[idx];
          buf[idx++] = null;
        }
      } else if (len - idx === 0) {
        ret = Buffer.alloc(0);
      } else if (len - idx === 1) {
        ret = buf[idx];
        buf[idx++] = null;
      } else {
        ret = Buffer.alloc(state.length);
        let i = 0;
        while (idx < len) {
          ret.set(buf[idx], i);
          i += buf[idx].length;
          buf[idx++] = null;
        }
      }
    } else if (n < buf[idx].length) {
      if (state.decoder) {
        ret = buf[idx].slice(0, n);
        buf[idx] = buf[idx].slice(n);
      } else {
        ret = view(buf[idx], 0, n);
        buf[idx] = view(buf[idx], n);
      }
    } else if (n === buf[idx].length) {
      ret = buf[idx];
      buf[idx++] = null;
    } else if (state.decoder) {
      ret = '';
      while (idx < len) {
        const str = buf[idx];
        if (n > str.length) {
          ret += str;
          n -= str.length;
          buf[idx++] = null;
        } else {
          if (n === str.length) {
            ret += str;
            buf[idx++] = null;
          } else {
            ret += str.slice(0, n);
            buf[idx] = str.slice(n);
          }
          break;
        }
      }
    } else {
      ret = Buffer.alloc(n);
      const retLen = n;
      while (idx < len) {
        const data = buf[idx];
        if (n > data.length) {
          ret.set(data, retLen - n);
          n -= data.length;
          buf[idx++] = null;
        } else {
          if (n === data.length) {
            ret.set(data, retLen - n);
            buf[idx++] = null;
          } else {
            ret.set(view(data, 0, n), retLen - n);
            buf[idx] = view(data, n);
          }
          break;
        }
      }
    }
    if (idx === len) {
      state.buffer.length = 0;
      state.bufferIndex = 0;
    } else if (idx > 1024) {
      state.buffer.splice(0, idx);
      state.bufferIndex = 0;
    } else {
      state.bufferIndex = idx;
    }
    return ret;
  }

  function onEofChunk(stream, state) {
    if (state.ended) return;
    if (state.decoder) {
      const chunk = state.decoder.end();
      if (chunk && chunk.length) {
        state.buffer.push(chunk);
        state.length += state.objectMode ? 1 : chunk.length;
      }
    }
    state.ended = true;
    if (state.sync) {
      emitReadable(stream);
    } else {
      state.needReadable = false;
      state.emittedReadable = true;
      emitReadable_(stream);
    }
  }
  function emitReadable(stream) {
    const state = stream._readableState;
    state.needReadable = false;
    if (!state.emittedReadable) {
      state.emittedReadable = true;
      nextTick(emitReadable_, stream);
    }
  }
  function emitReadable_(stream) {
    const state = stream._readableState;
    if (!state.destroyed && !state.errored && (state.length || state.ended)) {
      stream.emit('readable');
      state.emittedReadable = false;
    }
    state.needReadable = !state.flowing && !state.ended && state.length <= state.highWaterMark;
    flow(stream);
  }
  function maybeReadMore(stream, state) {
    if (!state.readingMore && state.constructed) {
      state.readingMore = true;
      nextTick(maybeReadMore_, stream, state);
    }
  }
  function maybeReadMore_(stream, state) {
    while (!state.reading && !state.ended &&
      (state.length < state.highWaterMark || (state.flowing && state.length === 0))) {
      const len = state.length;
      stream.read(0);
      if (len === state.length) break;
    }
    state.readingMore = false;
  }

  Readable.prototype._read = function () {
    throw E.notImplemented('_read()');
  };

  Readable.prototype.pipe = function (dest, pipeOpts) {
    const src = this;
    const state = this._readableState;
    if (state.pipes.length === 1 && !state.multiAwaitDrain) {
      state.multiAwaitDrain = true;
      state.awaitDrainWriters = new Set(state.awaitDrainWriters ? [state.awaitDrainWriters] : []);
    }
    state.pipes.push(dest);
    const doEnd = !pipeOpts || pipeOpts.end !== false;
    const endFn = doEnd ? onend : unpipe;
    if (state.endEmitted) nextTick(endFn);
    else src.once('end', endFn);
    dest.on('unpipe', onunpipe);
    function onunpipe(readable, unpipeInfo) {
      if (readable === src) {
        if (unpipeInfo && unpipeInfo.hasUnpiped === false) {
          unpipeInfo.hasUnpiped = true;
          cleanup();
        }
      }
    }
    function onend() {
      dest.end();
    }
    let ondrain;
    let cleanedUp = false;
    function cleanup() {
      dest.removeListener('close', onclose);
      dest.removeListener('finish', onfinish);
      if (ondrain) dest.removeListener('drain', ondrain);
      dest.removeListener('error', onerror);
      dest.removeListener('unpipe', onunpipe);
      src.removeListener('end', onend);
      src.removeListener('end', unpipe);
      src.removeListener('data', ondata);
      cleanedUp = true;
      if (ondrain && state.awaitDrainWriters && (!dest._writableState || dest._writableState.needDrain)) ondrain();
    }
    function pause() {
      if (!cleanedUp) {
        if (state.pipes.length === 1 && state.pipes[0] === dest) {
          state.awaitDrainWriters = dest;
          state.multiAwaitDrain = false;
        } else if (state.pipes.length > 1 && state.pipes.includes(dest)) {
          state.awaitDrainWriters.add(dest);
        }
        src.pause();
      }
      if (!ondrain) {
        ondrain = pipeOnDrain(src, dest);
        dest.on('drain', ondrain);
      }
    }
    src.on('data', ondata);
    function ondata(chunk) {
      const ret = dest.write(chunk);
      if (ret === false) pause();
    }
    function onerror(er) {
      unpipe();
      dest.removeListener('error', onerror);
      if (dest.listenerCount('error') === 0) {
        const s = dest._writableState || dest._readableState;
        if (s && !s.errorEmitted) errorOrDestroy(dest, er);
        else dest.emit('error', er);
      }
    }
    dest.prependListener('error', onerror);
    function onclose() {
      dest.removeListener('finish', onfinish);
      unpipe();
    }
    dest.once('close', onclose);
    function onfinish() {
      dest.removeListener('close', onclose);
      unpipe();
    }
    dest.once('finish', onfinish);
    function unpipe() {
      src.unpipe(dest);
    }
    dest.emit('pipe', src);
    if (dest.writableNeedDrain === true) pause();
    else if (!state.flowing) src.resume();
    return dest;
  };
  function pipeOnDrain(src, dest) {
    return function pipeOnDrainFunctionResult() {
      const state = src._readableState;
      if (state.awaitDrainWriters === dest) state.awaitDrainWriters = null;
      else if (state.multiAwaitDrain) state.awaitDrainWriters.delete(dest);
      if ((!state.awaitDrainWriters || state.awaitDrainWriters.size === 0) && src.listenerCount('data')) src.resume();
    };
  }
  Readable.prototype.unpipe = function (dest) {
    const state = this._readableState;
    const unpipeInfo = { hasUnpiped: false };
    if (state.pipes.length === 0) return this;
    if (!dest) {
      const dests = state.pipes;
      state.pipes = [];
      this.pause();
      for (let i = 0; i < dests.length; i++) dests[i].emit('unpipe', this, { hasUnpiped: false });
      return this;
    }
    const index = state.pipes.indexOf(dest);
    if (index === -1) return this;
    state.pipes.splice(index, 1);
    if (state.pipes.length === 0) this.pause();
    dest.emit('unpipe', this, unpipeInfo);
    return this;
  };

  Readable.prototype.on = function (ev, fn) {
    const res = Stream.prototype.on.call(this, ev, fn);
    const state = this._readableState;
    if (ev === 'data') {
      state.readableListening = this.listenerCount('readable') > 0;
      if (state.flowing !== false) this.resume();
    } else if (ev === 'readable') {
      if (!state.endEmitted && !state.readableListening) {
        state.readableListening = state.needReadable = true;
        state.flowing = false;
        state.emittedReadable = false;
        if (state.length) emitReadable(this);
        else if (!state.reading) nextTick(nReadingNextTick, this);
      }
    }
    return res;
  };
  Readable.prototype.addListener = Readable.prototype.on;
  Readable.prototype.removeListener = function (ev, fn) {
    const res = Stream.prototype.removeListener.call(this, ev, fn);
    if (ev === 'readable') nextTick(updateReadableListening, this);
    return res;
  };
  Readable.prototype.off = Readable.prototype.removeListener;
  Readable.prototype.removeAllListeners = function (ev) {
    const res = Stream.prototype.removeAllListeners.apply(this, arguments);
    if (ev === 'readable' || ev === undefined) nextTick(updateReadableListening, this);
    return res;
  };
  function updateReadableListening(self) {
    const state = self._readableState;
    state.readableListening = self.listenerCount('readable') > 0;
    if (state.resumeScheduled && state[kPaused] === false) state.flowing = true;
    else if (self.listenerCount('data') > 0) self.resume();
    else if (!state.readableListening) state.flowing = null;
  }
  function nReadingNextTick(self) {
    self.read(0);
  }
  Readable.prototype.resume = function () {
    const state = this._readableState;
    if (!state.flowing) {
      state.flowing = !state.readableListening;
      if (!state.resumeScheduled) {
        state.resumeScheduled = true;
        nextTick(resume_, this, state);
      }
    }
    state[kPaused] = false;
    return this;
  };
  function resume_(stream, state) {
    if (!state.reading) stream.read(0);
    state.resumeScheduled = false;
    stream.emit('resume');
    flow(stream);
    if (state.flowing && !state.reading) stream.read(0);
  }
  Readable.prototype.pause = function () {
    const state = this._readableState;
    if (state.flowing !== false) {
      state.flowing = false;
      this.emit('pause');
    }
    state[kPaused] = true;
    return this;
  };
  function flow(stream) {
    const state = stream._readableState;
    while (state.flowing && stream.read() !== null);
  }

  Readable.prototype[Symbol.asyncIterator] = function () {
    return streamToAsyncIterator(this);
  };
  Readable.prototype.iterator = function (options) {
    if (options !== undefined) validateObject(options, 'options');
    return streamToAsyncIterator(this, options);
  };
  function streamToAsyncIterator(stream, options) {
    if (typeof stream.read !== 'function') stream = Readable.wrap(stream, { objectMode: true });
    const iter = createAsyncIterator(stream, options);
    iter.stream = stream;
    return iter;
  }
  // createAsyncIterator is Node's async generator written out by hand
  // (goja has none): next, return and throw are queued one after another.
  function createAsyncIterator(stream, options) {
    let callback = nop;
    let error;
    let done = false;
    function next(resolve) {
      if (this === stream) {
        callback();
        callback = nop;
      } else {
        callback = resolve;
      }
    }
    stream.on('readable', next);
    const cleanup = eos(stream, { writable: false }, (err) => {
      error = err ? aggregateTwoErrors(error, err) : null;
      callback();
      callback = nop;
    });
    function finish() {
      done = true;
      if ((error || !options || options.destroyOnReturn !== false) && (error === undefined || stream._readableState.autoDestroy)) {
        destroyer(stream, null);
      } else {
        stream.off('readable', next);
        cleanup();
      }
    }
    function step() {
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        const loop = () => {
          try {
            for (;;) {
              const chunk = stream.destroyed ? null : stream.read();
              if (chunk !== null) return resolve({ value: chunk, done: false });
              if (error) throw error;
              if (error === null) {
                finish();
                return resolve({ value: undefined, done: true });
              }
              return new Promise(next).then(loop, fail);
            }
          } catch (err) {
            fail(err);
          }
        };
        const fail = (err) => {
          error = aggregateTwoErrors(error, err);
          finish();
          reject(error);
        };
        loop();
      });
    }
    let last = null;
    function enqueue(op) {
      const p = last === null ? new Promise((resolve) => resolve(op())) : last.then(op, op);
      last = p;
      const clear = () => { if (last === p) last = null; };
      p.then(clear, clear);
      return p;
    }
    return {
      next() { return enqueue(step); },
      return(value) {
        return enqueue(() => {
          if (!done) finish();
          return { value, done: true };
        });
      },
      throw(err) {
        return enqueue(() => {
          if (!done) {
            error = aggregateTwoErrors(error, err);
            finish();
          }
          throw err;
        });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  Readable.prototype.wrap = function (stream) {
    let paused = false;
    stream.on('data', (chunk) => {
      if (!this.push(chunk) && stream.pause) {
        paused = true;
        stream.pause();
      }
    });
    stream.on('end', () => { this.push(null); });
    stream.on('error', (err) => { errorOrDestroy(this, err); });
    stream.on('close', () => { this.destroy(); });
    stream.on('destroy', () => { this.destroy(); });
    this._read = () => {
      if (paused && stream.resume) {
        paused = false;
        stream.resume();
      }
    };
    const streamKeys = Object.keys(stream);
    for (let j = 1; j < streamKeys.length; j++) {
      const i = streamKeys[j];
      if (this[i] === undefined && typeof stream[i] === 'function') this[i] = stream[i].bind(stream);
    }
    return this;
  };
  Readable.wrap = function (src, options) {
    let objectMode = src.readableObjectMode;
    if (objectMode == null) objectMode = src.objectMode;
    if (objectMode == null) objectMode = true;
    return new Readable(Object.assign({ objectMode }, options, {
      destroy(err, callback) {
        destroyer(src, err);
        callback(err);
      },
    })).wrap(src);
  };

  // The stream operators (Node 20's lib/internal/streams/operators.js),
  // their async generators written out by hand (goja has none); fn's second
  // argument has no signal (there is no AbortController).
  function validateOperatorOptions(options) {
    if (options != null) validateObject(options, 'options');
    if (options != null && options.signal != null) {
      throw codedError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'AbortSignal is not available in the reactor sandbox');
    }
  }
  function validateInteger(v, name, lo) {
    if (typeof v !== 'number') throw E.argType(name, 'of type number', v);
    if (!Number.isInteger(v)) throw E.outOfRange(name, 'an integer', v);
    if (v < lo || v > Number.MAX_SAFE_INTEGER) throw E.outOfRange(name, '>= ' + lo + ' && <= ' + Number.MAX_SAFE_INTEGER, v);
  }
  function validateFn(fn) {
    if (typeof fn !== 'function') throw E.argType('fn', 'of type function or an instance of AsyncFunction', fn);
  }
  const kEmpty = Symbol('kEmpty');
  const kEof = Symbol('kEof');
  // generator makes an object behaving as an async generator whose body is
  // start(): next, return and throw run one after another; body.step()
  // resumes it and resolves {value, done}, body.close() runs its finally.
  function generator(start) {
    let body = null;
    let finished = false;
    let last = null;
    function enqueue(op) {
      const p = last === null ? new Promise((resolve) => resolve(op())) : last.then(op, op);
      last = p;
      const clear = () => { if (last === p) last = null; };
      p.then(clear, clear);
      return p;
    }
    const end = () => {
      finished = true;
      if (body !== null) body.close();
    };
    return {
      next() {
        return enqueue(() => {
          if (finished) return { value: undefined, done: true };
          if (body === null) body = start();
          return body.step().then((r) => {
            if (r.done) end();
            return r;
          }, (err) => {
            end();
            throw err;
          });
        });
      },
      return(value) {
        return enqueue(() => {
          if (!finished) end();
          return { value, done: true };
        });
      },
      throw(err) {
        return enqueue(() => {
          if (!finished) end();
          throw err;
        });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }
  function mapGenerator(stream, fn, options) {
    let concurrency = 1;
    if (options != null && options.concurrency != null) concurrency = Math.floor(options.concurrency);
    let highWaterMark = concurrency - 1;
    if (options != null && options.highWaterMark != null) highWaterMark = Math.floor(options.highWaterMark);
    validateInteger(concurrency, 'options.concurrency', 1);
    validateInteger(highWaterMark, 'options.highWaterMark', 0);
    highWaterMark += concurrency;
    return generator(() => {
      const queue = [];
      const signalOpt = { signal: undefined };
      let next = null;
      let resume = null;
      let done = false;
      let cnt = 0;
      let pendingShift = false;
      function onCatch() {
        done = true;
        afterItemProcessed();
      }
      function afterItemProcessed() {
        cnt -= 1;
        maybeResume();
      }
      function maybeResume() {
        if (resume && !done && cnt < concurrency && queue.length < highWaterMark) {
          const r = resume;
          resume = null;
          r();
        }
      }
      // pump is Node's `for await (let val of stream)` loop.
      function pump() {
        const it = stream[Symbol.asyncIterator]();
        const fin = () => {
          done = true;
          if (next) {
            const n = next;
            next = null;
            n();
          }
        };
        const loop = () => {
          it.next().then(({ value, done: end }) => {
            if (end) {
              queue.push(kEof);
              return fin();
            }
            if (done) return it.return().then(fin, fin);
            let val;
            try {
              val = fn(value, signalOpt);
              if (val === kEmpty) return loop();
              val = Promise.resolve(val);
            } catch (err) {
              val = Promise.reject(err);
            }
            cnt += 1;
            val.then(afterItemProcessed, onCatch);
            queue.push(val);
            if (next) {
              const n = next;
              next = null;
              n();
            }
            if (!done && (queue.length >= highWaterMark || cnt >= concurrency)) {
              new Promise((resolve) => { resume = resolve; }).then(loop);
              return;
            }
            loop();
          }, (err) => {
            const val = Promise.reject(err);
            val.then(afterItemProcessed, onCatch);
            queue.push(val);
            fin();
          });
        };
        loop();
      }
      pump();
      return {
        step() {
          if (pendingShift) {
            pendingShift = false;
            queue.shift();
            maybeResume();
          }
          return new Promise((resolve, reject) => {
            const loop = () => {
              if (queue.length > 0) {
                Promise.resolve(queue[0]).then((val) => {
                  if (val === kEof) return resolve({ value: undefined, done: true });
                  if (val !== kEmpty) {
                    pendingShift = true;
                    return resolve({ value: val, done: false });
                  }
                  queue.shift();
                  maybeResume();
                  loop();
                }, reject);
              } else {
                new Promise((r) => { next = r; }).then(loop);
              }
            };
            loop();
          });
        },
        close() {
          done = true;
          if (resume) {
            const r = resume;
            resume = null;
            r();
          }
        },
      };
    });
  }
  function map(fn, options) {
    validateFn(fn);
    validateOperatorOptions(options);
    return mapGenerator(this, fn, options);
  }
  function filter(fn, options) {
    validateFn(fn);
    const filterFn = (value, o) => Promise.resolve().then(() => fn(value, o)).then((keep) => (keep ? value : kEmpty));
    return map.call(this, filterFn, options);
  }
  function toIntegerOrInfinity(number) {
    number = Number(number);
    if (number !== number) return 0;
    if (number < 0) throw E.outOfRange('number', '>= 0', number);
    return number;
  }
  // forOf iterates a (hand-made) async generator: each(value) returns true
  // to stop, as a return in a for await loop does (closing the iterator).
  function forOf(iter, each) {
    return new Promise((resolve, reject) => {
      const step = () => {
        iter.next().then(({ value, done }) => {
          if (done) return resolve(false);
          let stop;
          try {
            stop = each(value);
          } catch (err) {
            return iter.return().then(() => reject(err), () => reject(err));
          }
          if (stop) return iter.return().then(() => resolve(true), reject);
          step();
        }, reject);
      };
      step();
    });
  }
  function drop(number, options) {
    validateOperatorOptions(options);
    number = toIntegerOrInfinity(number);
    const stream = this;
    return generator(() => {
      const it = stream[Symbol.asyncIterator]();
      return {
        step() {
          const pull = () => it.next().then((r) => {
            if (r.done) return r;
            if (number-- <= 0) return { value: r.value, done: false };
            return pull();
          });
          return pull();
        },
        close() { it.return(); },
      };
    });
  }
  function take(number, options) {
    validateOperatorOptions(options);
    number = toIntegerOrInfinity(number);
    const stream = this;
    return generator(() => {
      const it = stream[Symbol.asyncIterator]();
      let closed = false;
      const close = () => {
        if (!closed) {
          closed = true;
          return it.return();
        }
      };
      return {
        step() {
          if (number <= 0) return Promise.resolve(close()).then(() => ({ value: undefined, done: true }));
          return it.next().then((r) => {
            if (r.done) {
              closed = true;
              return r;
            }
            number--;
            return { value: r.value, done: false };
          });
        },
        close,
      };
    });
  }
  // flatMap is map whose values are each iterated (yield*).
  function flatMap(fn, options) {
    const values = map.call(this, fn, options);
    return generator(() => {
      let inner = null;
      const step = () => {
        if (inner !== null) {
          return Promise.resolve(inner.next()).then((r) => {
            if (!r.done) return Promise.resolve(r.value).then((value) => ({ value, done: false }));
            inner = null;
            return step();
          });
        }
        return values.next().then((r) => {
          if (r.done) return r;
          const v = r.value;
          if (v != null && typeof v[Symbol.asyncIterator] === 'function') inner = v[Symbol.asyncIterator]();
          else inner = v[Symbol.iterator]();
          return step();
        });
      };
      return {
        step,
        close() {
          if (inner !== null && typeof inner.return === 'function') inner.return();
          values.return();
        },
      };
    });
  }
  function asIndexedPairs(options) {
    validateOperatorOptions(options);
    const stream = this;
    return generator(() => {
      const it = stream[Symbol.asyncIterator]();
      let index = 0;
      return {
        step() {
          return it.next().then((r) => (r.done ? r : { value: [index++, r.value], done: false }));
        },
        close() { it.return(); },
      };
    });
  }
  function some(fn, options) {
    return forOf(filter.call(this, fn, options), () => true);
  }
  function every(fn, options) {
    validateFn(fn);
    return some.call(this, (...args) => Promise.resolve(fn(...args)).then((v) => !v), options).then((v) => !v);
  }
  function find(fn, options) {
    let found;
    return forOf(filter.call(this, fn, options), (v) => { found = v; return true; }).then((hit) => (hit ? found : undefined));
  }
  function forEach(fn, options) {
    validateFn(fn);
    const forEachFn = (value, o) => Promise.resolve().then(() => fn(value, o)).then(() => kEmpty);
    return forOf(map.call(this, forEachFn, options), () => false).then(() => undefined);
  }
  function toArray(options) {
    validateOperatorOptions(options);
    const result = [];
    return forOf(this[Symbol.asyncIterator](), (v) => { result.push(v); }).then(() => result);
  }
  function reduce(reducer, initialValue, options) {
    if (typeof reducer !== 'function') throw E.argType('reducer', 'of type function or an instance of AsyncFunction', reducer);
    validateOperatorOptions(options);
    let hasInitialValue = arguments.length > 1;
    let acc = initialValue;
    let gotAny = false;
    const it = this[Symbol.asyncIterator]();
    return new Promise((resolve, reject) => {
      const fail = (err) => it.return().then(() => reject(err), () => reject(err));
      const step = () => {
        it.next().then(({ value, done }) => {
          if (done) {
            if (!gotAny && !hasInitialValue) {
              return reject(codedError(TypeError, 'ERR_MISSING_ARGS', 'Reduce of an empty stream requires an initial value'));
            }
            return resolve(acc);
          }
          gotAny = true;
          if (!hasInitialValue) {
            acc = value;
            hasInitialValue = true;
            return step();
          }
          let r;
          try {
            r = reducer(acc, value, { signal: undefined });
          } catch (err) {
            return fail(err);
          }
          Promise.resolve(r).then((v) => { acc = v; step(); }, fail);
        }, reject);
      };
      step();
    });
  }
  const streamReturningOperators = { asIndexedPairs, drop, filter, flatMap, map, take };
  const promiseReturningOperators = { every, forEach, reduce, toArray, some, find };
  for (const key of Object.keys(streamReturningOperators)) {
    const op = streamReturningOperators[key];
    const fn = function (...args) {
      if (new.target) throw codedError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
      return Readable.from(op.apply(this, args));
    };
    Object.defineProperty(fn, 'name', { value: op.name });
    Object.defineProperty(fn, 'length', { value: op.length });
    Object.defineProperty(Readable.prototype, key, { value: fn, enumerable: false, configurable: true, writable: true });
  }
  for (const key of Object.keys(promiseReturningOperators)) {
    const op = promiseReturningOperators[key];
    const fn = function (...args) {
      if (new.target) throw codedError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
      try {
        return op.apply(this, args);
      } catch (err) {
        return Promise.reject(err);
      }
    };
    Object.defineProperty(fn, 'name', { value: op.name });
    Object.defineProperty(fn, 'length', { value: op.length });
    Object.defineProperty(Readable.prototype, key, { value: fn, enumerable: false, configurable: true, writable: true });
  }

  function defineGetters(proto, getters) {
    for (const name of Object.keys(getters)) {
      const g = getters[name];
      const desc = typeof g === 'function' ? { get: g, enumerable: false, configurable: true } : Object.assign({ enumerable: false, configurable: true }, g);
      Object.defineProperty(proto, name, desc);
    }
  }
  defineGetters(Readable.prototype, {
    readable: {
      get() {
        const r = this._readableState;
        return !!r && r.readable !== false && !r.destroyed && !r.errorEmitted && !r.endEmitted;
      },
      set(val) {
        if (this._readableState) this._readableState.readable = !!val;
      },
    },
    readableDidRead() { return this._readableState.dataEmitted; },
    readableAborted() {
      const r = this._readableState;
      return !!(r.readable !== false && (r.destroyed || r.errored) && !r.endEmitted);
    },
    readableHighWaterMark() { return this._readableState.highWaterMark; },
    readableBuffer() { return this._readableState && this._readableState.buffer.slice(this._readableState.bufferIndex); },
    readableFlowing: {
      get() { return this._readableState.flowing; },
      set(state) { if (this._readableState) this._readableState.flowing = state; },
    },
    readableLength() { return this._readableState.length; },
    readableObjectMode() { return this._readableState ? this._readableState.objectMode : false; },
    readableEncoding() { return this._readableState ? this._readableState.encoding : null; },
    errored() { return this._readableState ? this._readableState.errored : null; },
    closed() { return this._readableState ? this._readableState.closed : false; },
    destroyed: {
      get() { return this._readableState ? this._readableState.destroyed : false; },
      set(value) { if (this._readableState) this._readableState.destroyed = value; },
    },
    readableEnded() { return this._readableState ? this._readableState.endEmitted : false; },
  });

  function endReadable(stream) {
    const state = stream._readableState;
    if (!state.endEmitted) {
      state.ended = true;
      nextTick(endReadableNT, state, stream);
    }
  }
  function endReadableNT(state, stream) {
    if (!state.errored && !state.closeEmitted && !state.endEmitted && state.length === 0) {
      state.endEmitted = true;
      stream.emit('end');
      if (stream.writable && stream.allowHalfOpen === false) {
        nextTick(endWritableNT, stream);
      } else if (state.autoDestroy) {
        const w = stream._writableState;
        const autoDestroy = !w || (w.autoDestroy && (w.finished || w.writable === false));
        if (autoDestroy) stream.destroy();
      }
    }
  }
  function endWritableNT(stream) {
    const writable = stream.writable && !stream.writableEnded && !stream.destroyed;
    if (writable) stream.end();
  }

  Readable.from = function (iterable, opts) {
    return from(Readable, iterable, opts);
  };
  function from(Ctor, iterable, opts) {
    let iterator;
    if (typeof iterable === 'string' || iterable instanceof Buffer) {
      return new Ctor(Object.assign({ objectMode: true }, opts, {
        read() {
          this.push(iterable);
          this.push(null);
        },
      }));
    }
    let isAsync;
    if (iterable && typeof iterable[Symbol.asyncIterator] === 'function') {
      isAsync = true;
      iterator = iterable[Symbol.asyncIterator]();
    } else if (iterable && typeof iterable[Symbol.iterator] === 'function') {
      isAsync = false;
      iterator = iterable[Symbol.iterator]();
    } else {
      throw E.argType('iterable', 'an instance of Iterable', iterable);
    }
    const readable = new Ctor(Object.assign({ objectMode: true, highWaterMark: 1 }, opts));
    let reading = false;
    readable._read = function () {
      if (!reading) {
        reading = true;
        next();
      }
    };
    readable._destroy = function (error, cb) {
      close(error).then(() => nextTick(cb, error), (e) => nextTick(cb, e || error));
    };
    async function close(error) {
      const hadError = error !== undefined && error !== null;
      const hasThrow = typeof iterator.throw === 'function';
      if (hadError && hasThrow) {
        const { value, done } = await iterator.throw(error);
        await value;
        if (done) return;
      }
      if (typeof iterator.return === 'function') {
        const { value } = await iterator.return();
        await value;
      }
    }
    async function next() {
      for (;;) {
        try {
          const { value, done } = isAsync ? await iterator.next() : iterator.next();
          if (done) {
            readable.push(null);
          } else {
            const res = value && typeof value.then === 'function' ? await value : value;
            if (res === null) {
              reading = false;
              throw E.nullValues();
            } else if (readable.push(res)) {
              continue;
            } else {
              reading = false;
            }
          }
        } catch (err) {
          readable.destroy(err);
        }
        break;
      }
    }
    return readable;
  }

  // ---- Writable (lib/internal/streams/writable.js)
  const kOnFinished = Symbol('kOnFinished');
  function WritableState(options, stream, isDuplex) {
    if (typeof isDuplex !== 'boolean') isDuplex = stream instanceof Duplex;
    this.objectMode = !!(options && options.objectMode);
    if (isDuplex) this.objectMode = this.objectMode || !!(options && options.writableObjectMode);
    this.highWaterMark = options ? getHighWaterMark(this, options, 'writableHighWaterMark', isDuplex) : defaultHWM.bytes;
    this.finalCalled = false;
    this.needDrain = false;
    this.ending = false;
    this.ended = false;
    this.finished = false;
    this.destroyed = false;
    const noDecode = !!(options && options.decodeStrings === false);
    this.decodeStrings = !noDecode;
    this.defaultEncoding = (options && options.defaultEncoding) || 'utf8';
    this.length = 0;
    this.writing = false;
    this.corked = 0;
    this.sync = true;
    this.bufferProcessing = false;
    this.onwrite = onwrite.bind(undefined, stream);
    this.writecb = null;
    this.writelen = 0;
    this.afterWriteTickInfo = null;
    this.afterWritePending = false;
    resetBuffer(this);
    this.pendingcb = 0;
    this.constructed = true;
    this.prefinished = false;
    this.errorEmitted = false;
    this.emitClose = !options || options.emitClose !== false;
    this.autoDestroy = !options || options.autoDestroy !== false;
    this.errored = null;
    this.closed = false;
    this.closeEmitted = false;
    this[kOnFinished] = [];
  }
  function resetBuffer(state) {
    state.buffered = [];
    state.bufferedIndex = 0;
    state.allBuffers = true;
    state.allNoop = true;
  }
  WritableState.prototype.getBuffer = function () {
    return this.buffered.slice(this.bufferedIndex);
  };
  Object.defineProperty(WritableState.prototype, 'bufferedRequestCount', {
    get() { return this.buffered.length - this.bufferedIndex; },
  });

  function Writable(options) {
    const isDuplex = this instanceof Duplex;
    if (!isDuplex && !(this instanceof Writable)) return new Writable(options);
    this._writableState = new WritableState(options, this, isDuplex);
    if (options) {
      if (typeof options.write === 'function') this._write = options.write;
      if (typeof options.writev === 'function') this._writev = options.writev;
      if (typeof options.destroy === 'function') this._destroy = options.destroy;
      if (typeof options.final === 'function') this._final = options.final;
      if (typeof options.construct === 'function') this._construct = options.construct;
    }
    Stream.call(this, options);
    construct(this, () => {
      const state = this._writableState;
      if (!state.writing) clearBuffer(this, state);
      if (state.ending) finishMaybe(this, state);
    });
  }
  Object.setPrototypeOf(Writable.prototype, Stream.prototype);
  Object.setPrototypeOf(Writable, Stream);
  Object.defineProperty(Writable, Symbol.hasInstance, {
    value: function (object) {
      if (Function.prototype[Symbol.hasInstance].call(this, object)) return true;
      if (this !== Writable) return false;
      return !!(object && object._writableState instanceof WritableState);
    },
  });
  Writable.prototype.pipe = function () {
    errorOrDestroy(this, codedError(Error, 'ERR_STREAM_CANNOT_PIPE', 'Cannot pipe, not readable'));
  };

  function _write(stream, chunk, encoding, cb) {
    const state = stream._writableState;
    if (typeof cb !== 'function') cb = nop;
    if (chunk === null) throw E.nullValues();
    if (!state.objectMode) {
      if (!encoding) encoding = state.defaultEncoding;
      else if (encoding !== 'buffer' && normalizeEncoding(encoding) === undefined) throw E.unknownEncoding(encoding);
      if (typeof chunk === 'string') {
        if (state.decodeStrings !== false) {
          chunk = toBuffer(chunk, normalizeEncoding(encoding));
          encoding = 'buffer';
        }
      } else if (chunk instanceof Buffer) {
        encoding = 'buffer';
      } else if (isUint8Array(chunk)) {
        chunk = uint8ArrayToBuffer(chunk);
        encoding = 'buffer';
      } else {
        throw E.chunk(chunk);
      }
    }
    let err;
    if (state.ending) err = E.writeAfterEnd();
    else if (state.destroyed) err = E.destroyed('write');
    if (err) {
      nextTick(cb, err);
      errorOrDestroy(stream, err, true);
      return err;
    }
    state.pendingcb++;
    return writeOrBuffer(stream, state, chunk, encoding, cb);
  }
  Writable.prototype.write = function (chunk, encoding, cb) {
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = null;
    }
    return _write(this, chunk, encoding, cb) === true;
  };
  Writable.prototype.cork = function () {
    this._writableState.corked++;
  };
  Writable.prototype.uncork = function () {
    const state = this._writableState;
    if (state.corked) {
      state.corked--;
      if (!state.writing) clearBuffer(this, state);
    }
  };
  Writable.prototype.setDefaultEncoding = function (encoding) {
    if (typeof encoding === 'string') encoding = encoding.toLowerCase();
    if (normalizeEncoding(encoding) === undefined) throw E.unknownEncoding(encoding);
    this._writableState.defaultEncoding = encoding;
    return this;
  };
  function writeOrBuffer(stream, state, chunk, encoding, callback) {
    const len = state.objectMode ? 1 : chunk.length;
    if (state.length + len > kMaxQueued || state.buffered.length >= kMaxChunks) {
      state.pendingcb--;
      throw queueLimit();
    }
    state.length += len;
    if (state.writing || state.corked || state.errored || !state.constructed) {
      state.buffered.push({ chunk, encoding, callback });
      if (state.allBuffers && encoding !== 'buffer') state.allBuffers = false;
      if (state.allNoop && callback !== nop) state.allNoop = false;
    } else {
      state.writelen = len;
      state.writecb = callback;
      state.writing = true;
      state.sync = true;
      stream._write(chunk, encoding, state.onwrite);
      state.sync = false;
    }
    const ret = state.length < state.highWaterMark || state.length === 0;
    if (!ret) state.needDrain = true;
    return ret && !state.errored && !state.destroyed;
  }
  function doWrite(stream, state, writev, len, chunk, encoding, cb) {
    state.writelen = len;
    state.writecb = cb;
    state.writing = true;
    state.sync = true;
    if (state.destroyed) state.onwrite(E.destroyed('write'));
    else if (writev) stream._writev(chunk, state.onwrite);
    else stream._write(chunk, encoding, state.onwrite);
    state.sync = false;
  }
  function onwriteError(stream, state, er, cb) {
    --state.pendingcb;
    cb(er);
    errorBuffer(state);
    errorOrDestroy(stream, er);
  }
  function onwrite(stream, er) {
    const state = stream._writableState;
    const sync = state.sync;
    const cb = state.writecb;
    if (typeof cb !== 'function') {
      errorOrDestroy(stream, E.multipleCallback());
      return;
    }
    state.writing = false;
    state.writecb = null;
    state.length -= state.writelen;
    state.writelen = 0;
    if (er) {
      if (!state.errored) state.errored = er;
      if (stream._readableState && !stream._readableState.errored) stream._readableState.errored = er;
      if (sync) nextTick(onwriteError, stream, state, er, cb);
      else onwriteError(stream, state, er, cb);
    } else {
      if (state.buffered.length > state.bufferedIndex) clearBuffer(stream, state);
      if (sync) {
        const needDrain = state.needDrain && state.length === 0;
        const needTick = needDrain || state.destroyed || cb !== nop;
        if (cb === nop) {
          if (!state.afterWritePending && needTick) {
            nextTick(afterWrite, stream, state, 1, cb);
            state.afterWritePending = true;
          } else {
            state.pendingcb--;
            if (state.ending) finishMaybe(stream, state, true);
          }
        } else if (state.afterWriteTickInfo !== null && state.afterWriteTickInfo.cb === cb) {
          state.afterWriteTickInfo.count++;
        } else if (needTick) {
          state.afterWriteTickInfo = { count: 1, cb, stream, state };
          nextTick(afterWriteTick, state.afterWriteTickInfo);
          state.afterWritePending = true;
        } else {
          state.pendingcb--;
          if (state.ending) finishMaybe(stream, state, true);
        }
      } else {
        afterWrite(stream, state, 1, cb);
      }
    }
  }
  function afterWriteTick(info) {
    info.state.afterWriteTickInfo = null;
    return afterWrite(info.stream, info.state, info.count, info.cb);
  }
  function afterWrite(stream, state, count, cb) {
    state.afterWritePending = false;
    const needDrain = !state.ending && !stream.destroyed && state.length === 0 && state.needDrain;
    if (needDrain) {
      state.needDrain = false;
      stream.emit('drain');
    }
    while (count-- > 0) {
      state.pendingcb--;
      cb(null);
    }
    if (state.destroyed) errorBuffer(state);
    if (state.ending) finishMaybe(stream, state, true);
  }
  function errorBuffer(state) {
    if (state.writing) return;
    for (let n = state.bufferedIndex; n < state.buffered.length; ++n) {
      const { chunk, callback } = state.buffered[n];
      const len = state.objectMode ? 1 : chunk.length;
      state.length -= len;
      callback(state.errored != null ? state.errored : E.destroyed('write'));
    }
    const onfinishCallbacks = state[kOnFinished].splice(0);
    for (let i = 0; i < onfinishCallbacks.length; i++) {
      onfinishCallbacks[i](state.errored != null ? state.errored : E.destroyed('end'));
    }
    resetBuffer(state);
  }
  function clearBuffer(stream, state) {
    if (state.corked || state.bufferProcessing || state.destroyed || !state.constructed) return;
    const { buffered, bufferedIndex, objectMode } = state;
    const bufferedLength = buffered.length - bufferedIndex;
    if (!bufferedLength) return;
    let i = bufferedIndex;
    state.bufferProcessing = true;
    if (bufferedLength > 1 && stream._writev) {
      state.pendingcb -= bufferedLength - 1;
      const callback = state.allNoop ? nop : (err) => {
        for (let n = i; n < buffered.length; ++n) buffered[n].callback(err);
      };
      const chunks = state.allNoop && i === 0 ? buffered : buffered.slice(i);
      chunks.allBuffers = state.allBuffers;
      doWrite(stream, state, true, state.length, chunks, '', callback);
      resetBuffer(state);
    } else {
      do {
        const { chunk, encoding, callback } = buffered[i];
        buffered[i++] = null;
        const len = objectMode ? 1 : chunk.length;
        doWrite(stream, state, false, len, chunk, encoding, callback);
      } while (i < buffered.length && !state.writing);
      if (i === buffered.length) {
        resetBuffer(state);
      } else if (i > 256) {
        buffered.splice(0, i);
        state.bufferedIndex = 0;
      } else {
        state.bufferedIndex = i;
      }
    }
    state.bufferProcessing = false;
  }
  Writable.prototype._write = function (chunk, encoding, cb) {
    if (this._writev) this._writev([{ chunk, encoding }], cb);
    else throw E.notImplemented('_write()');
  };
  Writable.prototype._writev = null;
  Writable.prototype.end = function (chunk, encoding, cb) {
    const state = this._writableState;
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = null;
      encoding = null;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = null;
    }
    let err;
    if (chunk !== null && chunk !== undefined) {
      const ret = _write(this, chunk, encoding);
      if (ret instanceof Error) err = ret;
    }
    if (state.corked) {
      state.corked = 1;
      this.uncork();
    }
    if (err) {
      // already reported
    } else if (!state.errored && !state.ending) {
      state.ending = true;
      finishMaybe(this, state, true);
      state.ended = true;
    } else if (state.finished) {
      err = E.alreadyFinished('end');
    } else if (state.destroyed) {
      err = E.destroyed('end');
    }
    if (typeof cb === 'function') {
      if (err) nextTick(cb, err);
      else if (state.errored) nextTick(cb, state.errored);
      else if (state.finished) nextTick(cb, null);
      else state[kOnFinished].push(cb);
    }
    return this;
  };
  function needFinish(state) {
    return state.ending && !state.destroyed && state.constructed && state.length === 0 && !state.errored &&
      state.buffered.length === 0 && !state.finished && !state.writing && !state.errorEmitted && !state.closeEmitted;
  }
  function callFinal(stream, state) {
    let called = false;
    function onFinish(err) {
      if (called) {
        errorOrDestroy(stream, err != null ? err : E.multipleCallback());
        return;
      }
      called = true;
      state.pendingcb--;
      if (err) {
        const onfinishCallbacks = state[kOnFinished].splice(0);
        for (let i = 0; i < onfinishCallbacks.length; i++) onfinishCallbacks[i](err);
        errorOrDestroy(stream, err, state.sync);
      } else if (needFinish(state)) {
        state.prefinished = true;
        stream.emit('prefinish');
        state.pendingcb++;
        nextTick(finish, stream, state);
      }
    }
    state.sync = true;
    state.pendingcb++;
    try {
      stream._final(onFinish);
    } catch (err) {
      onFinish(err);
    }
    state.sync = false;
  }
  function prefinish(stream, state) {
    if (!state.prefinished && !state.finalCalled) {
      if (typeof stream._final === 'function' && !state.destroyed) {
        state.finalCalled = true;
        callFinal(stream, state);
      } else {
        state.prefinished = true;
        stream.emit('prefinish');
      }
    }
  }
  function finishMaybe(stream, state, sync) {
    if (needFinish(state)) {
      prefinish(stream, state);
      if (state.pendingcb === 0) {
        if (sync) {
          state.pendingcb++;
          nextTick((stream, state) => {
            if (needFinish(state)) finish(stream, state);
            else state.pendingcb--;
          }, stream, state);
        } else if (needFinish(state)) {
          state.pendingcb++;
          finish(stream, state);
        }
      }
    }
  }
  function finish(stream, state) {
    state.pendingcb--;
    state.finished = true;
    const onfinishCallbacks = state[kOnFinished].splice(0);
    for (let i = 0; i < onfinishCallbacks.length; i++) onfinishCallbacks[i](null);
    stream.emit('finish');
    if (state.autoDestroy) {
      const r = stream._readableState;
      const autoDestroy = !r || (r.autoDestroy && (r.endEmitted || r.readable === false));
      if (autoDestroy) stream.destroy();
    }
  }
  const writableGetters = {
    closed() { return this._writableState ? this._writableState.closed : false; },
    destroyed: {
      get() { return this._writableState ? this._writableState.destroyed : false; },
      set(value) { if (this._writableState) this._writableState.destroyed = value; },
    },
    writable: {
      get() {
        const w = this._writableState;
        return !!w && w.writable !== false && !w.destroyed && !w.errored && !w.ending && !w.ended;
      },
      set(val) { if (this._writableState) this._writableState.writable = !!val; },
    },
    writableFinished() { return this._writableState ? this._writableState.finished : false; },
    writableObjectMode() { return this._writableState ? this._writableState.objectMode : false; },
    writableBuffer() { return this._writableState && this._writableState.getBuffer(); },
    writableEnded() { return this._writableState ? this._writableState.ending : false; },
    writableNeedDrain() {
      const w = this._writableState;
      if (!w) return false;
      return !w.destroyed && !w.ending && w.needDrain;
    },
    writableHighWaterMark() { return this._writableState && this._writableState.highWaterMark; },
    writableCorked() { return this._writableState ? this._writableState.corked : 0; },
    writableLength() { return this._writableState && this._writableState.length; },
    errored() { return this._writableState ? this._writableState.errored : null; },
    writableAborted() {
      const w = this._writableState;
      return !!(w.writable !== false && (w.destroyed || w.errored) && !w.finished);
    },
  };
  defineGetters(Writable.prototype, writableGetters);
  Writable.prototype.destroy = function (err, cb) {
    const state = this._writableState;
    if (!state.destroyed || state.bufferedIndex < state.buffered.length || state[kOnFinished].length) {
      nextTick(errorBuffer, state);
    }
    destroy.call(this, err, cb);
    return this;
  };
  Writable.prototype._undestroy = undestroy;
  Writable.prototype[EE.captureRejectionSymbol] = function (err) {
    this.destroy(err);
  };
  Writable.prototype._destroy = function (err, cb) { cb(err); };

  // ---- Duplex, Transform, PassThrough
  function Duplex(options) {
    if (!(this instanceof Duplex)) return new Duplex(options);
    Readable.call(this, options);
    Writable.call(this, options);
    if (options) {
      this.allowHalfOpen = options.allowHalfOpen !== false;
      if (options.readable === false) {
        this._readableState.readable = false;
        this._readableState.ended = true;
        this._readableState.endEmitted = true;
      }
      if (options.writable === false) {
        this._writableState.writable = false;
        this._writableState.ending = true;
        this._writableState.ended = true;
        this._writableState.finished = true;
      }
    } else {
      this.allowHalfOpen = true;
    }
  }
  Object.setPrototypeOf(Duplex.prototype, Readable.prototype);
  Object.setPrototypeOf(Duplex, Readable);
  for (const method of Object.keys(Writable.prototype)) {
    if (!Duplex.prototype[method]) Duplex.prototype[method] = Writable.prototype[method];
  }
  {
    const g = Object.assign({}, writableGetters);
    delete g.closed;
    delete g.errored;
    g.destroyed = {
      get() {
        if (this._readableState === undefined || this._writableState === undefined) return false;
        return this._readableState.destroyed && this._writableState.destroyed;
      },
      set(value) {
        if (this._readableState && this._writableState) {
          this._readableState.destroyed = value;
          this._writableState.destroyed = value;
        }
      },
    };
    defineGetters(Duplex.prototype, g);
  }
  function bodyError(body) {
    return E.argType('body', 'of type function or an instance of Blob, ReadableStream, WritableStream, Stream, Iterable, AsyncIterable, or Promise or { readable, writable } pair', body);
  }
  Duplex.from = function (body) {
    if (isNodeStream(body)) return body;
    if (isIterable(body)) return from(Duplex, body, { objectMode: true, writable: false });
    if (typeof body === 'function' || (body && typeof body.then === 'function') || (body && (body.readable || body.writable))) {
      throw codedError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'Duplex.from of this body is not available in the reactor sandbox');
    }
    throw bodyError(body);
  };

  const kCallback = Symbol('kCallback');
  function Transform(options) {
    if (!(this instanceof Transform)) return new Transform(options);
    const readableHighWaterMark = options ? getHighWaterMark(this, options, 'readableHighWaterMark', true) : null;
    if (readableHighWaterMark === 0) {
      options = Object.assign({}, options, {
        highWaterMark: null,
        readableHighWaterMark,
        writableHighWaterMark: options.writableHighWaterMark || 0,
      });
    }
    Duplex.call(this, options);
    this._readableState.sync = false;
    this[kCallback] = null;
    if (options) {
      if (typeof options.transform === 'function') this._transform = options.transform;
      if (typeof options.flush === 'function') this._flush = options.flush;
    }
    this.on('prefinish', transformPrefinish);
  }
  Object.setPrototypeOf(Transform.prototype, Duplex.prototype);
  Object.setPrototypeOf(Transform, Duplex);
  function transformFinal(cb) {
    if (typeof this._flush === 'function' && !this.destroyed) {
      this._flush((er, data) => {
        if (er) {
          if (cb) cb(er);
          else this.destroy(er);
          return;
        }
        if (data != null) this.push(data);
        this.push(null);
        if (cb) cb();
      });
    } else {
      this.push(null);
      if (cb) cb();
    }
  }
  function transformPrefinish() {
    if (this._final !== transformFinal) transformFinal.call(this);
  }
  Transform.prototype._final = transformFinal;
  Transform.prototype._transform = function () {
    throw E.notImplemented('_transform()');
  };
  Transform.prototype._write = function (chunk, encoding, callback) {
    const rState = this._readableState;
    const wState = this._writableState;
    const length = rState.length;
    this._transform(chunk, encoding, (err, val) => {
      if (err) {
        callback(err);
        return;
      }
      if (val != null) this.push(val);
      if (wState.ended || length === rState.length || rState.length < rState.highWaterMark) callback();
      else this[kCallback] = callback;
    });
  };
  Transform.prototype._read = function () {
    if (this[kCallback]) {
      const callback = this[kCallback];
      this[kCallback] = null;
      callback();
    }
  };

  function PassThrough(options) {
    if (!(this instanceof PassThrough)) return new PassThrough(options);
    Transform.call(this, options);
  }
  Object.setPrototypeOf(PassThrough.prototype, Transform.prototype);
  Object.setPrototypeOf(PassThrough, Transform);
  PassThrough.prototype._transform = function (chunk, encoding, cb) {
    cb(null, chunk);
  };

  // ---- finished (lib/internal/streams/end-of-stream.js)
  function once(fn) {
    let called = false;
    return function (...args) {
      if (called) return;
      called = true;
      return fn.apply(this, args);
    };
  }
  function eos(stream, options, callback) {
    if (arguments.length === 2) {
      callback = options;
      options = {};
    } else if (options == null) {
      options = {};
    } else {
      validateObject(options, 'options');
    }
    validateFunction(callback, 'callback');
    if (!isNodeStream(stream)) throw E.argType('stream', 'an instance of ReadableStream, WritableStream, or Stream', stream);
    callback = once(callback);
    const readable = options.readable != null ? options.readable : isReadableNodeStream(stream);
    const writable = options.writable != null ? options.writable : isWritableNodeStream(stream);
    const wState = stream._writableState;
    const rState = stream._readableState;
    const onlegacyfinish = () => {
      if (!stream.writable) onfinish();
    };
    let emitsClose = willEmitClose(stream) && isReadableNodeStream(stream) === readable && isWritableNodeStream(stream) === writable;
    let writableFinished = isWritableFinished(stream, false);
    const onfinish = () => {
      writableFinished = true;
      if (stream.destroyed) emitsClose = false;
      if (emitsClose && (!stream.readable || readable)) return;
      if (!readable || readableFinished) callback.call(stream);
    };
    let readableFinished = isReadableFinished(stream, false);
    const onend = () => {
      readableFinished = true;
      if (stream.destroyed) emitsClose = false;
      if (emitsClose && (!stream.writable || writable)) return;
      if (!writable || writableFinished) callback.call(stream);
    };
    const onerror = (err) => {
      callback.call(stream, err);
    };
    let closed = isClosed(stream);
    const onclose = () => {
      closed = true;
      const errored = isWritableErrored(stream) || isReadableErrored(stream);
      if (errored && typeof errored !== 'boolean') return callback.call(stream, errored);
      if (readable && !readableFinished && isReadableNodeStream(stream, true)) {
        if (!isReadableFinished(stream, false)) return callback.call(stream, E.prematureClose());
      }
      if (writable && !writableFinished) {
        if (!isWritableFinished(stream, false)) return callback.call(stream, E.prematureClose());
      }
      callback.call(stream);
    };
    const onclosed = () => {
      closed = true;
      const errored = isWritableErrored(stream) || isReadableErrored(stream);
      if (errored && typeof errored !== 'boolean') return callback.call(stream, errored);
      callback.call(stream);
    };
    if (writable && !wState) {
      stream.on('end', onlegacyfinish);
      stream.on('close', onlegacyfinish);
    }
    if (!emitsClose && typeof stream.aborted === 'boolean') stream.on('aborted', onclose);
    stream.on('end', onend);
    stream.on('finish', onfinish);
    if (options.error !== false) stream.on('error', onerror);
    stream.on('close', onclose);
    if (closed) {
      nextTick(onclose);
    } else if ((wState && wState.errorEmitted) || (rState && rState.errorEmitted)) {
      if (!emitsClose) nextTick(onclosed);
    } else if (!readable && (!emitsClose || isReadable(stream)) && (writableFinished || isWritable(stream) === false)) {
      nextTick(onclosed);
    } else if (!writable && (!emitsClose || isWritable(stream)) && (readableFinished || isReadable(stream) === false)) {
      nextTick(onclosed);
    } else if (rState && stream.req && stream.aborted) {
      nextTick(onclosed);
    }
    return function cleanup() {
      callback = nop;
      stream.removeListener('aborted', onclose);
      stream.removeListener('end', onlegacyfinish);
      stream.removeListener('close', onlegacyfinish);
      stream.removeListener('finish', onfinish);
      stream.removeListener('end', onend);
      stream.removeListener('error', onerror);
      stream.removeListener('close', onclose);
    };
  }

  // ---- pipeline (lib/internal/streams/pipeline.js), for streams and, as
  // the first element, iterables.
  function popCallback(streams) {
    const cb = streams[streams.length - 1];
    validateFunction(cb, 'streams[stream.length - 1]');
    return streams.pop();
  }
  function pipeline(...streams) {
    return pipelineImpl(streams, popCallback(streams));
  }
  function pipelineImpl(streams, callback, opts) {
    if (streams.length === 1 && Array.isArray(streams[0])) streams = streams[0];
    if (streams.length < 2) throw E.missingArgs('streams');
    let error;
    let value;
    const destroys = [];
    let finishCount = 0;
    const lastStreamCleanup = [];
    function finish(err) {
      finishImpl(err, --finishCount === 0);
    }
    function finishImpl(err, final) {
      if (err && (!error || error.code === 'ERR_STREAM_PREMATURE_CLOSE')) error = err;
      if (!error && !final) return;
      while (destroys.length) destroys.shift()(error);
      if (final) {
        if (!error) lastStreamCleanup.forEach((fn) => fn());
        nextTick(callback, error, value);
      }
    }
    let ret;
    for (let i = 0; i < streams.length; i++) {
      let stream = streams[i];
      const reading = i < streams.length - 1;
      const writing = i > 0;
      const end = reading || !opts || opts.end !== false;
      const isLastStream = i === streams.length - 1;
      if (i === 0 && !isNodeStream(stream) && isIterable(stream)) stream = Readable.from(stream);
      if (typeof stream === 'function') {
        throw codedError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'pipeline stages that are functions are not available in the reactor sandbox');
      }
      if (!isNodeStream(stream)) throw bodyError(stream);
      if (end) {
        const d = streamDestroyer(stream, reading, writing);
        destroys.push(d.destroy);
        if (isReadable(stream) && isLastStream) lastStreamCleanup.push(d.cleanup);
      }
      const onError = (err) => {
        if (err && err.name !== 'AbortError' && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') finish(err);
      };
      stream.on('error', onError);
      if (isReadable(stream) && isLastStream) lastStreamCleanup.push(() => stream.removeListener('error', onError));
      if (i === 0) {
        ret = stream;
      } else {
        finishCount += 2;
        const cleanup = pipe(ret, stream, finish, { end });
        if (isReadable(stream) && isLastStream) lastStreamCleanup.push(cleanup);
        ret = stream;
      }
    }
    return ret;
  }
  function streamDestroyer(stream, reading, writing) {
    let finished = false;
    stream.on('close', () => { finished = true; });
    const cleanup = eos(stream, { readable: reading, writable: writing }, (err) => { finished = !err; });
    return {
      destroy: (err) => {
        if (finished) return;
        finished = true;
        destroyer(stream, err || E.destroyed('pipe'));
      },
      cleanup,
    };
  }
  function pipe(src, dst, finish, { end }) {
    let ended = false;
    dst.on('close', () => {
      if (!ended) finish(E.prematureClose());
    });
    src.pipe(dst, { end: false });
    if (end) {
      const endFn = () => {
        ended = true;
        dst.end();
      };
      if (isReadableFinished(src)) nextTick(endFn);
      else src.once('end', endFn);
      eos(src, { readable: true, writable: false }, (err) => {
        const r = src._readableState;
        if (err && err.code === 'ERR_STREAM_PREMATURE_CLOSE' && r && r.ended && !r.errored && !r.errorEmitted) {
          src.once('end', finish).once('error', finish);
        } else {
          finish(err);
        }
      });
    } else {
      finish();
    }
    return eos(dst, { readable: false, writable: true }, finish);
  }

  // ---- stream/promises
  const promises = {
    pipeline(...streams) {
      return new Promise((resolve, reject) => {
        let end;
        const last = streams[streams.length - 1];
        if (last && typeof last === 'object' && !isNodeStream(last) && !isIterable(last)) {
          const options = streams.pop();
          if (options.signal !== undefined) throw codedError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'AbortSignal is not available in the reactor sandbox');
          end = options.end;
        }
        pipelineImpl(streams, (err, value) => {
          if (err) reject(err);
          else resolve(value);
        }, { end });
      });
    },
    finished(stream, opts) {
      return new Promise((resolve, reject) => {
        eos(stream, opts, (err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    },
  };

  Stream.Stream = Stream;
  Stream.Readable = Readable;
  Stream.Writable = Writable;
  Stream.Duplex = Duplex;
  Stream.Transform = Transform;
  Stream.PassThrough = PassThrough;
  Stream.pipeline = pipeline;
  Stream.finished = eos;
  Stream.destroy = destroyer;
  Stream.isDisturbed = isDisturbed;
  Stream.isErrored = isErrored;
  Stream.isReadable = isReadable;
  Stream.getDefaultHighWaterMark = (objectMode) => (objectMode ? defaultHWM.object : defaultHWM.bytes);
  Stream.setDefaultHighWaterMark = (objectMode, value) => {
    if (!Number.isInteger(value) || value < 0) throw E.argValue('value', value);
    if (objectMode) defaultHWM.object = value;
    else defaultHWM.bytes = value;
  };
  Stream._isUint8Array = isUint8Array;
  Stream._uint8ArrayToBuffer = uint8ArrayToBuffer;
  Object.defineProperty(Stream, 'promises', { configurable: true, enumerable: true, get() { return promises; } });
  Object.defineProperty(pipeline, Symbol.for('nodejs.util.promisify.custom'), { enumerable: true, get() { return promises.pipeline; } });
  Object.defineProperty(eos, Symbol.for('nodejs.util.promisify.custom'), { enumerable: true, get() { return promises.finished; } });
  Object.defineProperty(Stream, kTick, { value: nextTick });
  module.exports = Stream;
});
