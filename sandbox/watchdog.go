package sandbox

import (
	"runtime/metrics"
	"sync"
	"time"
)

// watchInterval is how often the heap is sampled while invocations run.
const watchInterval = 10 * time.Millisecond

// heapMetric counts the bytes of heap objects, live or not yet swept: it
// moves with allocation, without waiting for a GC cycle.
const heapMetric = "/memory/classes/heap/objects:bytes"

// heapWatch samples the Go heap for all running invocations of a Sandbox
// and stops those during which it grew by more than their budget. goja has
// no per-runtime accounting, so this is a process-wide, approximate measure:
// the growth of concurrent invocations (and of the host) counts against
// each; garbage counts until the GC sweeps it; an invocation's baseline is
// the first sample taken after it started, so what it allocates in its first
// interval is not counted. One reading serves every invocation (reading
// runtime metrics synchronises with every P), and no goroutine is owned: a
// time.AfterFunc re-arms itself while invocations run and lapses at the
// first tick that finds none.
type heapWatch struct {
	mu       sync.Mutex
	timer    *time.Timer
	watchers map[*heapWatcher]struct{}
	sample   [1]metrics.Sample
}

type heapWatcher struct {
	budget   uint64
	base     uint64
	based    bool
	onExceed func()
}

func newHeapWatch() *heapWatch {
	h := &heapWatch{watchers: make(map[*heapWatcher]struct{})}
	h.sample[0].Name = heapMetric
	return h
}

// add starts watching for one invocation; onExceed is called at most once,
// and never after remove returns.
func (h *heapWatch) add(budget uint64, onExceed func()) *heapWatcher {
	w := &heapWatcher{budget: budget, onExceed: onExceed}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watchers[w] = struct{}{}
	if h.timer == nil {
		h.timer = time.AfterFunc(watchInterval, h.tick)
	}
	return w
}

func (h *heapWatch) remove(w *heapWatcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.watchers, w)
	// The timer is not stopped here: back-to-back invocations would stop
	// and re-arm it every call. A tick that finds no watcher lets it lapse.
}

func (h *heapWatch) tick() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.watchers) == 0 {
		h.timer = nil
		return
	}
	metrics.Read(h.sample[:])
	var now uint64
	if h.sample[0].Value.Kind() == metrics.KindUint64 {
		now = h.sample[0].Value.Uint64()
	}
	for w := range h.watchers {
		switch {
		case !w.based:
			w.base, w.based = now, true
		case now > w.base && now-w.base > w.budget:
			delete(h.watchers, w)
			w.onExceed()
		}
	}
	h.timer.Reset(watchInterval)
}
