//# on emit order and return
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
e.on('x', (a, b) => log.push(['first', a, b]));
e.addListener('x', function () { log.push(['second', this === e, arguments.length]); });
e.prependListener('x', () => log.push(['prepended']));
print(e.emit('x', 1, 2), e.emit('nothing'), log);
print(e.listenerCount('x'), e.eventNames(), EventEmitter.EventEmitter === EventEmitter, require('node:events') === EventEmitter);
//# once and prependOnceListener
const { EventEmitter } = require('events');
const e = new EventEmitter();
const log = [];
e.once('x', (v) => log.push('once ' + v));
e.prependOnceListener('x', (v) => log.push('ponce ' + v));
e.on('x', (v) => log.push('on ' + v));
e.emit('x', 1); e.emit('x', 2);
print(log, e.listenerCount('x'));
const f = () => {};
e.once('y', f);
print(e.listeners('y')[0] === f, e.rawListeners('y')[0] === f, e.rawListeners('y')[0].listener === f, e.rawListeners('y')[0].name);
e.removeListener('y', f);
print(e.listenerCount('y'), e.eventNames());
//# once wrapper called directly
const EventEmitter = require('events');
const e = new EventEmitter();
let n = 0;
e.once('a', () => n++);
const w = e.rawListeners('a')[0];
w(); w(); e.emit('a');
print(n, e.listenerCount('a'));
//# removeListener removes the last matching
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
const a = () => log.push('a'), b = () => log.push('b');
e.on('x', a); e.on('x', b); e.on('x', a);
e.off('x', a);
e.emit('x');
print(log, e.listeners('x').map((f) => f.name));
e.removeListener('x', () => {});
e.removeListener('nope', a);
print(e.listenerCount('x'));
//# remove during emit does not affect current emit
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
const b = () => log.push('b');
e.on('x', () => { log.push('a'); e.removeListener('x', b); e.on('x', () => log.push('c')); });
e.on('x', b);
e.emit('x'); e.emit('x');
print(log);
//# error event
const EventEmitter = require('events');
const e = new EventEmitter();
const err = new Error('boom');
try { e.emit('error', err); } catch (x) { print(x === err); }
for (const v of ['str', 42, undefined, { a: 1 }, null, [1, 'x']]) {
  try { e.emit('error', v); } catch (x) { print(x, x.message, x.context === v); }
}
e.on('error', (x) => print('handled', x.message));
print(e.emit('error', err));
//# errorMonitor
const { EventEmitter, errorMonitor } = require('events');
const e = new EventEmitter();
e.on(errorMonitor, (x) => print('monitor', x.message));
try { e.emit('error', new Error('m')); } catch (x) { print('threw', x.message); }
e.on('error', () => print('handler'));
e.emit('error', new Error('n'));
print(typeof errorMonitor, String(errorMonitor), EventEmitter.errorMonitor === errorMonitor);
//# newListener and removeListener events
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
e.on('newListener', (ev, fn) => log.push(['new', ev, fn.name, e.listenerCount(ev)]));
e.on('removeListener', (ev, fn) => log.push(['removed', ev, fn.name]));
function foo() {}
function bar() {}
e.on('a', foo); e.once('a', bar); e.off('a', bar); e.off('a', foo);
e.removeAllListeners();
print(log, e.eventNames());
//# newListener fired before adding
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
e.once('newListener', (ev) => { if (ev === 'x') e.on('x', () => log.push('B')); });
e.on('x', () => log.push('A'));
e.emit('x');
print(log);
//# removeAllListeners
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
e.on('removeListener', (ev, fn) => log.push(ev + ':' + fn.name));
function a() {} function b() {} function c() {}
e.on('x', a); e.on('x', b); e.on('y', c);
e.removeAllListeners('x');
print(log, e.eventNames());
e.removeAllListeners();
print(log, e.eventNames(), e.removeAllListeners('none') === e);
//# listeners rawListeners eventNames with symbols
const EventEmitter = require('events');
const e = new EventEmitter();
const s = Symbol('s');
function f() {}
e.on('b', f); e.on(s, f); e.on('a', f); e.on('a', f);
print(e.eventNames(), e.listeners('a').length, e.listeners('zz'), e.rawListeners('b')[0] === f);
const l = e.listeners('a'); l.push(1);
print(e.listenerCount('a'), e.listenerCount('a', f), e.listenerCount('b', () => {}), EventEmitter.listenerCount(e, 'a'));
//# max listeners
const EventEmitter = require('events');
const e = new EventEmitter();
print(e.getMaxListeners(), EventEmitter.defaultMaxListeners);
print(e.setMaxListeners(1) === e, e.getMaxListeners());
for (let i = 0; i < 3; i++) e.on('x', () => {});
print(e.listenerCount('x'));
for (const v of [-1, NaN, 'x']) {
  try { e.setMaxListeners(v); } catch (x) { print(x, x.message); }
}
try { EventEmitter.defaultMaxListeners = -2; } catch (x) { print(x, x.message); }
e.setMaxListeners(0); print(e.getMaxListeners());
//# invalid listener
const EventEmitter = require('events');
const e = new EventEmitter();
for (const f of [() => e.on('x', 1), () => e.once('x', null), () => e.off('x', 'f'), () => e.prependListener('x', {}), () => e.prependOnceListener('x'), () => e.removeListener('x', 12345678901234567890123456789)]) {
  try { f(); } catch (x) { print(x, x.message); }
}
//# inheritance
const EventEmitter = require('events');
function Old() { EventEmitter.call(this); }
Object.setPrototypeOf(Old.prototype, EventEmitter.prototype);
const o = new Old();
let got;
o.on('x', (v) => { got = v; });
o.emit('x', 5);
class Mine extends EventEmitter { constructor() { super(); this.n = 1; } }
const m = new Mine();
print(got, m instanceof EventEmitter, m.n, Object.keys(m), m._eventsCount, typeof m._events);
//# listener this and arrow
const EventEmitter = require('events');
const e = new EventEmitter();
let self;
e.on('x', function () { self = this; });
e.emit('x');
print(self === e);
//# events.once
const { once, EventEmitter } = require('events');
const e = new EventEmitter();
const p = once(e, 'go');
print(e.listenerCount('go'), e.listenerCount('error'));
e.emit('go', 1, 2);
print(await p, e.listenerCount('go'), e.listenerCount('error'));
const q = once(e, 'go');
e.emit('error', new Error('bad'));
try { await q; } catch (x) { print('rejected', x.message, e.listenerCount('go'), e.listenerCount('error')); }
const r = once(e, 'error');
e.emit('error', new Error('as value'));
print((await r)[0].message);
//# events.once argument validation
const { once, EventEmitter } = require('events');
for (const f of [() => once({}, 'x'), () => once(new EventEmitter(), 'x', { signal: 1 }), () => once(new EventEmitter(), 'x', { signal: {} })]) {
  const p = f();
  try { await p; } catch (x) { print(p instanceof Promise, x, x.message); }
}
try { await once(null, 'x'); } catch (x) { print(x); }
//# events.on
const { on, EventEmitter } = require('events');
const e = new EventEmitter();
const it = on(e, 'v');
e.emit('v', 1); e.emit('v', 2, 3);
print(await it.next(), await it.next());
const p = it.next();
e.emit('v', 4);
print(await p, e.listenerCount('v'), e.listenerCount('error'));
print(typeof it[Symbol.asyncIterator], it[Symbol.asyncIterator]() === it);
print(await it.return(), await it.next(), e.listenerCount('v'), e.listenerCount('error'));
//# events.on error
const { on, EventEmitter } = require('events');
const e = new EventEmitter();
const it = on(e, 'v');
const p = it.next();
e.emit('error', new Error('bad'));
try { await p; } catch (x) { print('rejected', x.message); }
print(await it.next(), e.listenerCount('v'));
const it2 = on(e, 'v');
e.emit('v', 'a');
e.emit('error', new Error('later'));
print(await it2.next());
try { await it2.next(); } catch (x) { print('then rejected', x.message); }
print(await it2.next());
//# events.on close option
const { on, EventEmitter } = require('events');
const e = new EventEmitter();
const it = on(e, 'v', { close: ['end'] });
e.emit('v', 1);
e.emit('end');
print(await it.next(), await it.next(), e.listenerCount('end'));
//# captureRejections
const { EventEmitter, captureRejectionSymbol } = require('events');
const e = new EventEmitter({ captureRejections: true });
e.on('x', async () => { throw new Error('async boom'); });
const seen = new Promise((resolve) => e.on('error', (err) => resolve(err.message)));
e.emit('x');
print(await seen, String(captureRejectionSymbol), EventEmitter.captureRejections);
const f = new EventEmitter({ captureRejections: true });
f[captureRejectionSymbol] = (err, ev, ...args) => print('rejection', err.message, ev, args);
f.on('y', async () => { throw new Error('r'); });
f.emit('y', 1, 2);
await new Promise((r) => setTimeout(r, 1));
try { new EventEmitter({ captureRejections: 1 }); } catch (x) { print(x, x.message); }
//# getEventListeners and setMaxListeners static
const events = require('events');
const e = new events.EventEmitter();
const f = () => {};
e.on('x', f);
print(events.getEventListeners(e, 'x').length, events.getEventListeners(e, 'x')[0] === f);
events.setMaxListeners(3, e);
print(e.getMaxListeners(), events.defaultMaxListeners);
try { events.setMaxListeners(3, {}); } catch (x) { print(x, x.message); }
//# emit with many args and re-entrancy
const EventEmitter = require('events');
const e = new EventEmitter();
let depth = 0;
const log = [];
e.on('r', (n) => { log.push(n); if (n < 3) e.emit('r', n + 1); });
e.emit('r', 0);
e.on('many', (...a) => log.push(a.length));
e.emit('many', 1, 2, 3, 4, 5, 6, 7, 8);
print(log);
//# prototype methods
const EventEmitter = require('events');
print(Object.keys(EventEmitter.prototype).sort());
print(typeof EventEmitter.once, typeof EventEmitter.on, typeof EventEmitter.init, EventEmitter.usingDomains, EventEmitter.name, EventEmitter.length);
//# events.on watermarks
const { on, EventEmitter } = require('events');
const e = new EventEmitter();
const log = [];
e.pause = () => log.push('pause'); e.resume = () => log.push('resume');
const it = on(e, 'x', { highWaterMark: 2, lowWaterMark: 1 });
e.emit('x', 1); e.emit('x', 2); e.emit('x', 3); e.emit('x', 4);
for (let i = 0; i < 4; i++) log.push((await it.next()).value);
print(log);
for (const o of [{ highWaterMark: 0 }, { lowWaterMark: 'x' }, { highWatermark: 1.5 }, { lowWatermark: 2 }]) {
  try { on(e, 'y', o); print('ok'); } catch (err) { print(err, err.message); }
}
//# emitter without init
const EventEmitter = require('events');
const e = Object.create(EventEmitter.prototype);
print(e.listenerCount('x'), e.eventNames(), e.emit('x'), e.listeners('x'));
try { e.emit('error', new Error('no init')); } catch (x) { print(x.message); }
e.on('x', (v) => print('got', v));
print(e.emit('x', 1), e.eventNames(), Object.keys(e));
//# listener that throws stops the emit
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
e.on('x', () => log.push('first'));
e.on('x', () => { throw new Error('listener boom'); });
e.on('x', () => log.push('third'));
try { e.emit('x'); } catch (x) { log.push(x.message); }
print(log);
//# once listener removal reports the original
const EventEmitter = require('events');
const e = new EventEmitter();
const log = [];
function orig() {}
e.on('newListener', (ev, fn) => log.push(['new', ev, fn === orig]));
e.on('removeListener', (ev, fn) => log.push(['removed', ev, fn === orig]));
e.once('x', orig);
e.emit('x');
e.prependOnceListener('y', orig);
e.removeListener('y', orig);
print(log, e.eventNames());
//# symbol events and numeric names
const EventEmitter = require('events');
const e = new EventEmitter();
const s = Symbol('ev');
const log = [];
e.on(s, (v) => log.push(['sym', v]));
e.on(1, (v) => log.push(['one', v]));
e.emit(s, 'a'); e.emit('1', 'b'); e.emit(1, 'c');
print(log, e.eventNames(), e.listenerCount(1), e.listenerCount('1'));
//# error with errorMonitor only and string-keyed error listeners
const { EventEmitter, errorMonitor } = require('events');
const e = new EventEmitter();
const log = [];
e.on(errorMonitor, (err) => log.push('monitor ' + err));
try { e.emit('error', 'plain'); } catch (x) { log.push([x.code, x.message, x.context]); }
print(log, e.listenerCount(errorMonitor), e.eventNames());
