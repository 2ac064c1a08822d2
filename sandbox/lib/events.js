(function (exports, require, module) {
  'use strict';
  // Node 20's events (lib/events.js), for reactors: EventEmitter, once, on,
  // errorMonitor, captureRejections. There is no process: a leak warning
  // (more listeners than getMaxListeners) is not printed, and
  // process.nextTick is a microtask.

  // goja has no Symbol.asyncIterator: define it as core-js does, so that
  // iterators made here (events.on, streams) are async iterables.
  if (typeof Symbol.asyncIterator !== 'symbol') {
    Object.defineProperty(Symbol, 'asyncIterator', { value: Symbol('Symbol.asyncIterator') });
  }
  const kCapture = Symbol('kCapture');
  const kErrorMonitor = Symbol('events.errorMonitor');
  const kRejection = Symbol.for('nodejs.rejection');
  let defaultMaxListeners = 10;

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
  function inspect(v) {
    if (typeof v === 'string') return "'" + v.replace(/'/g, "\\'") + "'";
    if (typeof v === 'bigint') return v + 'n';
    if (typeof v === 'symbol') return v.toString();
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'function') return '[Function: ' + (v.name || '(anonymous)') + ']';
    if (v === null || typeof v !== 'object') return String(v);
    if (Array.isArray(v)) return v.length === 0 ? '[]' : '[ ' + v.map(inspect).join(', ') + ' ]';
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return '{ ' + keys.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : "'" + k + "'") + ': ' + inspect(v[k])).join(', ') + ' }';
  }
  function codedError(Ctor, code, msg) {
    const e = new Ctor(msg);
    e.code = code;
    return e;
  }
  function invalidArgType(name, expected, v) {
    const kind = name.indexOf('.') >= 0 ? 'property' : 'argument';
    return codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "' + name + '" ' + kind + ' must be ' + expected + '.' + describe(v));
  }
  function checkListener(listener) {
    if (typeof listener !== 'function') throw invalidArgType('listener', 'of type function', listener);
  }
  function outOfRange(name, range, v) {
    return codedError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "' + name + '" is out of range. It must be ' + range + '. Received ' + inspect(v));
  }
  function validateMax(n, name) {
    if (typeof n !== 'number') throw invalidArgType(name, 'of type number', n);
    if (n < 0 || n !== n) throw outOfRange(name, '>= 0', n);
  }
  function validateInteger(v, name, lo) {
    if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v);
    if (!Number.isInteger(v)) throw outOfRange(name, 'an integer', v);
    if (v < lo || v > Number.MAX_SAFE_INTEGER) throw outOfRange(name, '>= ' + lo + ' && <= ' + Number.MAX_SAFE_INTEGER, v);
  }
  function validateObject(v, name) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidArgType(name, 'of type object', v);
  }

  function EventEmitter(opts) {
    EventEmitter.init.call(this, opts);
  }
  EventEmitter.prototype._events = undefined;
  EventEmitter.prototype._eventsCount = 0;
  EventEmitter.prototype._maxListeners = undefined;
  EventEmitter.prototype[kCapture] = false;

  EventEmitter.init = function (opts) {
    if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
      this._events = Object.create(null);
      this._eventsCount = 0;
    }
    this._maxListeners = this._maxListeners || undefined;
    if (opts && opts.captureRejections) {
      if (typeof opts.captureRejections !== 'boolean') throw invalidArgType('options.captureRejections', 'of type boolean', opts.captureRejections);
      this[kCapture] = Boolean(opts.captureRejections);
    } else {
      this[kCapture] = EventEmitter.prototype[kCapture];
    }
  };

  Object.defineProperty(EventEmitter, 'defaultMaxListeners', {
    enumerable: true,
    get() { return defaultMaxListeners; },
    set(n) { validateMax(n, 'defaultMaxListeners'); defaultMaxListeners = n; },
  });
  Object.defineProperty(EventEmitter, 'captureRejections', {
    enumerable: true,
    get() { return EventEmitter.prototype[kCapture]; },
    set(v) {
      if (typeof v !== 'boolean') throw invalidArgType('EventEmitter.captureRejections', 'of type boolean', v);
      EventEmitter.prototype[kCapture] = v;
    },
  });
  EventEmitter.errorMonitor = kErrorMonitor;
  EventEmitter.captureRejectionSymbol = kRejection;
  EventEmitter.usingDomains = false;

  EventEmitter.prototype.setMaxListeners = function setMaxListeners(n) {
    validateMax(n, 'setMaxListeners');
    this._maxListeners = n;
    return this;
  };
  function getMax(that) {
    return that._maxListeners === undefined ? defaultMaxListeners : that._maxListeners;
  }
  EventEmitter.prototype.getMaxListeners = function getMaxListeners() {
    return getMax(this);
  };

  function addCatch(that, promise, type, args) {
    if (!that[kCapture]) return;
    try {
      const then = promise.then;
      if (typeof then === 'function') {
        then.call(promise, undefined, function (err) {
          queueMicrotask(() => emitUnhandledRejectionOrErr(that, err, type, args));
        });
      }
    } catch (err) {
      that.emit('error', err);
    }
  }
  function emitUnhandledRejectionOrErr(ee, err, type, args) {
    if (typeof ee[kRejection] === 'function') {
      ee[kRejection](err, type, ...args);
    } else {
      const prev = ee[kCapture];
      try {
        ee[kCapture] = false;
        ee.emit('error', err);
      } finally {
        ee[kCapture] = prev;
      }
    }
  }

  EventEmitter.prototype.emit = function emit(type, ...args) {
    let doError = type === 'error';
    const events = this._events;
    if (events !== undefined) {
      if (doError && events[kErrorMonitor] !== undefined) this.emit(kErrorMonitor, ...args);
      doError = doError && events.error === undefined;
    } else if (!doError) {
      return false;
    }
    if (doError) {
      let er;
      if (args.length > 0) er = args[0];
      if (er instanceof Error) throw er;
      let s;
      try { s = inspect(er); } catch (e) { s = er; }
      const err = codedError(Error, 'ERR_UNHANDLED_ERROR', 'Unhandled error.' + (s === undefined ? '' : ' (' + s + ')'));
      err.context = er;
      throw err;
    }
    const handler = events[type];
    if (handler === undefined) return false;
    if (typeof handler === 'function') {
      const result = handler.apply(this, args);
      if (result !== undefined && result !== null) addCatch(this, result, type, args);
    } else {
      const listeners = handler.slice();
      for (let i = 0; i < listeners.length; ++i) {
        const result = listeners[i].apply(this, args);
        if (result !== undefined && result !== null) addCatch(this, result, type, args);
      }
    }
    return true;
  };

  function addListener(target, type, listener, prepend) {
    checkListener(listener);
    let events = target._events;
    let existing;
    if (events === undefined) {
      events = target._events = Object.create(null);
      target._eventsCount = 0;
    } else {
      if (events.newListener !== undefined) {
        target.emit('newListener', type, listener.listener ? listener.listener : listener);
        events = target._events;
      }
      existing = events[type];
    }
    if (existing === undefined) {
      events[type] = listener;
      ++target._eventsCount;
    } else if (typeof existing === 'function') {
      events[type] = prepend ? [listener, existing] : [existing, listener];
    } else if (prepend) {
      existing.unshift(listener);
    } else {
      existing.push(listener);
    }
    return target;
  }
  EventEmitter.prototype.addListener = function addListener_(type, listener) {
    return addListener(this, type, listener, false);
  };
  EventEmitter.prototype.on = EventEmitter.prototype.addListener;
  EventEmitter.prototype.prependListener = function prependListener(type, listener) {
    return addListener(this, type, listener, true);
  };

  function onceWrapper() {
    if (!this.fired) {
      this.target.removeListener(this.type, this.wrapFn);
      this.fired = true;
      if (arguments.length === 0) return this.listener.call(this.target);
      return this.listener.apply(this.target, arguments);
    }
  }
  function onceWrap(target, type, listener) {
    const state = { fired: false, wrapFn: undefined, target, type, listener };
    const wrapped = onceWrapper.bind(state);
    wrapped.listener = listener;
    state.wrapFn = wrapped;
    return wrapped;
  }
  EventEmitter.prototype.once = function once(type, listener) {
    checkListener(listener);
    this.on(type, onceWrap(this, type, listener));
    return this;
  };
  EventEmitter.prototype.prependOnceListener = function prependOnceListener(type, listener) {
    checkListener(listener);
    this.prependListener(type, onceWrap(this, type, listener));
    return this;
  };

  EventEmitter.prototype.removeListener = function removeListener(type, listener) {
    checkListener(listener);
    const events = this._events;
    if (events === undefined) return this;
    const list = events[type];
    if (list === undefined) return this;
    if (list === listener || list.listener === listener) {
      this._eventsCount -= 1;
      if (this._eventsCount === 0) {
        this._events = Object.create(null);
      } else {
        delete events[type];
        if (events.removeListener) this.emit('removeListener', type, list.listener || listener);
      }
    } else if (typeof list !== 'function') {
      let position = -1;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i] === listener || list[i].listener === listener) {
          position = i;
          break;
        }
      }
      if (position < 0) return this;
      if (position === 0) list.shift();
      else list.splice(position, 1);
      if (list.length === 1) events[type] = list[0];
      if (events.removeListener !== undefined) this.emit('removeListener', type, listener);
    }
    return this;
  };
  EventEmitter.prototype.off = EventEmitter.prototype.removeListener;

  EventEmitter.prototype.removeAllListeners = function removeAllListeners(type) {
    const events = this._events;
    if (events === undefined) return this;
    if (events.removeListener === undefined) {
      if (arguments.length === 0) {
        this._events = Object.create(null);
        this._eventsCount = 0;
      } else if (events[type] !== undefined) {
        if (--this._eventsCount === 0) this._events = Object.create(null);
        else delete events[type];
      }
      return this;
    }
    if (arguments.length === 0) {
      for (const key of Reflect.ownKeys(events)) {
        if (key === 'removeListener') continue;
        this.removeAllListeners(key);
      }
      this.removeAllListeners('removeListener');
      this._events = Object.create(null);
      this._eventsCount = 0;
      return this;
    }
    const listeners = events[type];
    if (typeof listeners === 'function') {
      this.removeListener(type, listeners);
    } else if (listeners !== undefined) {
      for (let i = listeners.length - 1; i >= 0; i--) this.removeListener(type, listeners[i]);
    }
    return this;
  };

  function listeners(target, type, unwrap) {
    const events = target._events;
    if (events === undefined) return [];
    const l = events[type];
    if (l === undefined) return [];
    if (typeof l === 'function') return unwrap ? [l.listener || l] : [l];
    return unwrap ? l.map((x) => x.listener || x) : l.slice();
  }
  EventEmitter.prototype.listeners = function listeners_(type) {
    return listeners(this, type, true);
  };
  EventEmitter.prototype.rawListeners = function rawListeners(type) {
    return listeners(this, type, false);
  };
  function listenerCount(type, listener) {
    const events = this._events;
    if (events !== undefined) {
      const l = events[type];
      if (typeof l === 'function') {
        if (listener != null) return listener === l || listener === l.listener ? 1 : 0;
        return 1;
      } else if (l !== undefined) {
        if (listener != null) {
          let n = 0;
          for (let i = 0; i < l.length; i++) if (l[i] === listener || l[i].listener === listener) n++;
          return n;
        }
        return l.length;
      }
    }
    return 0;
  }
  EventEmitter.prototype.listenerCount = listenerCount;
  EventEmitter.listenerCount = function (emitter, type) {
    if (typeof emitter.listenerCount === 'function') return emitter.listenerCount(type);
    return listenerCount.call(emitter, type);
  };
  EventEmitter.prototype.eventNames = function eventNames() {
    return this._eventsCount > 0 ? Reflect.ownKeys(this._events) : [];
  };

  function isEmitter(e) {
    return e !== null && typeof e === 'object' && typeof e.on === 'function' && typeof e.removeListener === 'function';
  }
  EventEmitter.getEventListeners = function getEventListeners(emitter, type) {
    if (typeof emitter.listeners === 'function') return emitter.listeners(type);
    throw invalidArgType('emitter', 'an instance of EventEmitter or EventTarget', emitter);
  };
  EventEmitter.setMaxListeners = function setMaxListeners(n, ...targets) {
    if (n === undefined) n = defaultMaxListeners;
    validateMax(n, 'setMaxListeners');
    if (targets.length === 0) {
      defaultMaxListeners = n;
    } else {
      for (const t of targets) {
        if (t && typeof t.setMaxListeners === 'function') t.setMaxListeners(n);
        else throw invalidArgType('eventTargets', 'an instance of EventEmitter or EventTarget', t);
      }
    }
  };

  function validateSignal(signal) {
    if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
      throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
    }
  }
  function abortError(signal) {
    const e = new Error('The operation was aborted');
    e.name = 'AbortError';
    e.code = 'ABORT_ERR';
    if (signal && signal.reason !== undefined) e.cause = signal.reason;
    return e;
  }

  EventEmitter.once = function once(emitter, name, options) {
    try {
      const signal = options == null ? undefined : options.signal;
      validateSignal(signal);
      if (signal && signal.aborted) throw abortError(signal);
      if (typeof emitter.on !== 'function') throw invalidArgType('emitter', 'an instance of EventEmitter', emitter);
      return onceImpl(emitter, name, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  function onceImpl(emitter, name, signal) {
    return new Promise((resolve, reject) => {
      const errorListener = (err) => {
        emitter.removeListener(name, resolver);
        if (signal) signal.removeEventListener('abort', abortListener);
        reject(err);
      };
      const resolver = (...args) => {
        if (typeof emitter.removeListener === 'function') emitter.removeListener('error', errorListener);
        if (signal) signal.removeEventListener('abort', abortListener);
        resolve(args);
      };
      const abortListener = () => {
        emitter.removeListener(name, resolver);
        emitter.removeListener('error', errorListener);
        reject(abortError(signal));
      };
      emitter.once(name, resolver);
      if (name !== 'error' && typeof emitter.once === 'function') emitter.once('error', errorListener);
      if (signal) signal.addEventListener('abort', abortListener, { once: true });
    });
  }

  EventEmitter.on = function on(emitter, event, options) {
    if (options === undefined) options = {};
    validateObject(options, 'options');
    const signal = options.signal;
    validateSignal(signal);
    if (signal && signal.aborted) throw abortError(signal);
    if (!isEmitter(emitter)) throw invalidArgType('emitter', 'an instance of EventEmitter or EventTarget', emitter);
    const closeEvents = options.close;
    const highWatermark = options.highWaterMark ?? options.highWatermark ?? Number.MAX_SAFE_INTEGER;
    validateInteger(highWatermark, 'options.highWaterMark', 1);
    const lowWatermark = options.lowWaterMark ?? options.lowWatermark ?? 1;
    validateInteger(lowWatermark, 'options.lowWaterMark', 1);
    let paused = false;
    let size = 0;
    // The queues: an array with a head index, compacted as it is read.
    let events = [];
    let eventsHead = 0;
    let promises = [];
    let promisesHead = 0;
    let error = null;
    let finished = false;
    const done = () => ({ value: undefined, done: true });
    const iterator = {
      next() {
        if (eventsHead < events.length) {
          const value = events[eventsHead];
          events[eventsHead++] = undefined;
          size--;
          if (paused && size < lowWatermark) {
            emitter.resume();
            paused = false;
          }
          if (eventsHead > 1024 && eventsHead * 2 > events.length) {
            events = events.slice(eventsHead);
            eventsHead = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (error) {
          const p = Promise.reject(error);
          error = null;
          return p;
        }
        if (finished) return closeHandler();
        return new Promise((resolve, reject) => { promises.push({ resolve, reject }); });
      },
      return() {
        return closeHandler();
      },
      throw(err) {
        if (!err || !(err instanceof Error)) throw invalidArgType('EventEmitter.AsyncIterator', 'an instance of Error', err);
        errorHandler(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const handler = function (...args) { eventHandler(args); };
    emitter.on(event, handler);
    if (event !== 'error') emitter.on('error', errorHandler);
    if (closeEvents && closeEvents.length) {
      for (const name of closeEvents) emitter.on(name, closeHandler);
    }
    if (signal) signal.addEventListener('abort', abortListener, { once: true });
    function abortListener() {
      errorHandler(abortError(signal));
    }
    function eventHandler(value) {
      if (promisesHead < promises.length) {
        const p = promises[promisesHead];
        promises[promisesHead++] = undefined;
        p.resolve({ value, done: false });
      } else {
        size++;
        if (size > highWatermark && !paused) {
          paused = true;
          emitter.pause();
        }
        events.push(value);
      }
    }
    function errorHandler(err) {
      if (promisesHead < promises.length) {
        const p = promises[promisesHead];
        promises[promisesHead++] = undefined;
        p.reject(err);
      } else {
        error = err;
      }
      iterator.return();
    }
    function closeHandler() {
      emitter.removeListener(event, handler);
      emitter.removeListener('error', errorHandler);
      if (closeEvents && closeEvents.length) {
        for (const name of closeEvents) emitter.removeListener(name, closeHandler);
      }
      if (signal) signal.removeEventListener('abort', abortListener);
      finished = true;
      while (promisesHead < promises.length) {
        const p = promises[promisesHead];
        promises[promisesHead++] = undefined;
        p.resolve(done());
      }
      promises = [];
      promisesHead = 0;
      return Promise.resolve(done());
    }
    return iterator;
  };

  EventEmitter.EventEmitter = EventEmitter;
  module.exports = EventEmitter;
});
