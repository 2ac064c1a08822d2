package sandbox

import (
	"container/heap"
	"math"
	"time"

	"github.com/dop251/goja"
)

// timer is a pending setTimeout, setInterval or setImmediate callback.
type timer struct {
	id        int64
	when      time.Time
	seq       uint64 // breaks ties in when: first scheduled, first run
	fn        goja.Callable
	args      []goja.Value
	interval  time.Duration // > 0 for setInterval
	immediate bool
	ref       bool // a ref'd timer keeps the loop waiting, as in Node
	index     int  // position in the heap, -1 when not scheduled
	cleared   bool
}

// timerQueue holds an invocation's timers: a heap by due time and a FIFO of
// immediates. It is owned by the loop's goroutine.
type timerQueue struct {
	heap       timerHeap
	immediates []*timer
	byID       map[int64]*timer
	byObj      map[*goja.Object]*timer
	nextID     int64
	seq        uint64
	wake       *time.Timer
	proto      *goja.Object // prototype of Timeout and Immediate objects
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func (q *timerQueue) schedule(t *timer) {
	q.seq++
	t.seq = q.seq
	if t.immediate {
		q.immediates = append(q.immediates, t)
		return
	}
	heap.Push(&q.heap, t)
}

func (q *timerQueue) register(t *timer) {
	q.nextID++
	t.id = q.nextID
	t.index = -1
	t.ref = true
	if q.byID == nil {
		q.byID = make(map[int64]*timer)
	}
	q.byID[t.id] = t
	q.schedule(t)
}

func (q *timerQueue) clear(t *timer) {
	if t == nil || t.cleared {
		return
	}
	t.cleared = true
	delete(q.byID, t.id)
	if t.index >= 0 {
		heap.Remove(&q.heap, t.index)
	}
}

// nextImmediate returns the first pending immediate.
func (q *timerQueue) nextImmediate() *timer {
	for len(q.immediates) > 0 {
		t := q.immediates[0]
		q.immediates[0] = nil
		q.immediates = q.immediates[1:]
		if !t.cleared {
			t.cleared = true
			delete(q.byID, t.id)
			return t
		}
	}
	return nil
}

// due returns the first timer due at now; an interval is rescheduled before
// it runs, so that clearInterval inside its callback works.
func (q *timerQueue) due(now time.Time) *timer {
	if len(q.heap) == 0 || q.heap[0].when.After(now) {
		return nil
	}
	t := heap.Pop(&q.heap).(*timer)
	if t.interval > 0 {
		t.when = now.Add(t.interval)
		q.schedule(t)
	} else {
		t.cleared = true
		delete(q.byID, t.id)
	}
	return t
}

// alive reports whether a ref'd timer or an immediate is pending.
func (q *timerQueue) alive() bool {
	if len(q.immediates) > 0 {
		return true
	}
	for _, t := range q.heap {
		if t.ref {
			return true
		}
	}
	return false
}

// wait returns a channel that fires when the earliest timer is due, or nil
// (blocks forever in a select) when there is none.
func (q *timerQueue) wait() <-chan time.Time {
	if len(q.heap) == 0 {
		return nil
	}
	d := time.Until(q.heap[0].when)
	if q.wake == nil {
		q.wake = time.NewTimer(d)
	} else {
		q.wake.Reset(d)
	}
	return q.wake.C
}

func (q *timerQueue) stop() {
	if q.wake != nil {
		q.wake.Stop()
	}
}

// delay converts a JavaScript delay as Node does: not a number in
// [1, 2^31-1] means 1 ms.
func delay(v goja.Value) time.Duration {
	ms := v.ToFloat()
	if !(ms >= 1 && ms <= math.MaxInt32) {
		ms = 1
	}
	return time.Duration(ms * float64(time.Millisecond))
}

// newTimer implements setTimeout, setInterval and setImmediate.
func (inv *invocation) newTimer(call goja.FunctionCall, interval, immediate bool) goja.Value {
	fn, ok := goja.AssertFunction(call.Argument(0))
	if !ok {
		panic(inv.rt.NewTypeError(`The "callback" argument must be of type function`))
	}
	t := &timer{fn: fn, immediate: immediate}
	rest := call.Arguments
	if immediate {
		rest = rest[min(1, len(rest)):]
	} else {
		d := delay(call.Argument(1))
		t.when = time.Now().Add(d)
		if interval {
			t.interval = d
		}
		rest = rest[min(2, len(rest)):]
	}
	t.args = append([]goja.Value(nil), rest...)
	inv.timers.register(t)
	return inv.timerObject(t)
}

// timerObject makes the Timeout (or Immediate) object Node returns: ref,
// unref, hasRef, refresh, close and a primitive value of its id.
func (inv *invocation) timerObject(t *timer) goja.Value {
	q := &inv.timers
	if q.proto == nil {
		rt := inv.rt
		p := rt.NewObject()
		self := func(call goja.FunctionCall) *timer {
			if o, ok := call.This.(*goja.Object); ok {
				return q.byObj[o]
			}
			return nil
		}
		method := func(name string, f func(*timer)) {
			inv.setFunc(p, name, 0, func(call goja.FunctionCall) goja.Value {
				if t := self(call); t != nil {
					f(t)
				}
				return call.This
			})
		}
		method("ref", func(t *timer) { t.ref = true })
		method("unref", func(t *timer) { t.ref = false })
		method("close", q.clear)
		method("refresh", func(t *timer) {
			if t.cleared || t.immediate {
				return
			}
			if t.index >= 0 {
				heap.Remove(&q.heap, t.index)
			}
			t.when = time.Now().Add(max(t.interval, time.Millisecond))
			q.schedule(t)
		})
		inv.setFunc(p, "hasRef", 0, func(call goja.FunctionCall) goja.Value {
			t := self(call)
			return rt.ToValue(t != nil && t.ref)
		})
		_ = p.SetSymbol(goja.SymToPrimitive, inv.function("[Symbol.toPrimitive]", 0, func(call goja.FunctionCall) goja.Value {
			if t := self(call); t != nil {
				return rt.ToValue(t.id)
			}
			return goja.NaN()
		}))
		q.proto = p
		q.byObj = make(map[*goja.Object]*timer)
	}
	o := inv.rt.CreateObject(q.proto)
	q.byObj[o] = t
	return o
}

// clearTimer implements clearTimeout, clearInterval and clearImmediate,
// which accept the returned object or its numeric id.
func (inv *invocation) clearTimer(call goja.FunctionCall) goja.Value {
	q := &inv.timers
	switch v := call.Argument(0).(type) {
	case *goja.Object:
		q.clear(q.byObj[v])
	default:
		if goja.IsNumber(v) {
			q.clear(q.byID[v.ToInteger()])
		}
	}
	return goja.Undefined()
}

// queueMicrotask runs fn as a promise job; a throw is an unhandled rejection.
func (inv *invocation) queueMicrotask(call goja.FunctionCall) goja.Value {
	fn := call.Argument(0)
	if _, ok := goja.AssertFunction(fn); !ok {
		panic(inv.rt.NewTypeError(`The "callback" argument must be of type function`))
	}
	p, resolve, _ := inv.rt.NewPromise()
	if err := resolve(goja.Undefined()); err != nil {
		panic(err)
	}
	then, _ := goja.AssertFunction(inv.rt.ToValue(p).ToObject(inv.rt).Get("then"))
	if _, err := then(inv.rt.ToValue(p), fn); err != nil {
		panic(err)
	}
	return goja.Undefined()
}
