package sandbox

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// watchInterval is how often the heap is sampled while invocations run.
const watchInterval = 10 * time.Millisecond

// heapMetric counts the bytes of heap objects, live or not yet swept: it
// moves with allocation, without waiting for a GC cycle.
const heapMetric = "/memory/classes/heap/objects:bytes"

// minCollectInterval is the least time between two collections forced to
// confirm that a budget is exceeded; collectSpacing times the last one's
// duration, when longer (a large heap), keeps them under a tenth of the
// time.
const (
	minCollectInterval = 250 * time.Millisecond
	collectSpacing     = 10
)

// heapWatch samples the Go heap for all running invocations of a Sandbox
// and stops those during which it grew by more than their budget. goja has
// no per-runtime accounting, so this is a process-wide, approximate measure:
// the growth of concurrent invocations (and of the host) counts against
// each; an invocation's baseline is the first sample taken after it
// started, so what it allocates in its first interval is not counted.
//
// The sample counts garbage not yet swept, so a busy host, a large heap or
// GOGC=off can grow it past a budget while no invocation keeps anything. A
// sample over some budget is therefore only a suspicion: the watch runs a
// collection (at most one per minCollectInterval), judges on the heap that
// is left, and lowers to it the baselines that counted garbage since
// collected. Forced collections are at least minCollectInterval apart, and
// ten times their own duration apart on a heap large enough for them to be
// slow. A runaway invocation is stopped within about that long of going over.
//
// One reading serves every invocation (reading runtime metrics synchronises
// with every P), and no goroutine is owned: a time.AfterFunc re-arms itself
// while invocations run and lapses at the first tick that finds none.
type heapWatch struct {
	mu          sync.Mutex
	timer       *time.Timer
	watchers    map[*heapWatcher]struct{}
	sample      [1]metrics.Sample
	nextCollect time.Time // no forced collection before
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
	if len(h.watchers) == 0 {
		h.timer = nil
		h.mu.Unlock()
		return
	}
	now := h.read()
	suspect := false
	for w := range h.watchers {
		switch {
		case !w.based:
			w.base, w.based = now, true
		case now > w.base && now-w.base > w.budget:
			suspect = true
		}
	}
	if suspect && !time.Now().Before(h.nextCollect) {
		h.mu.Unlock()
		start := time.Now()
		runtime.GC() // outside the lock: add and remove go on meanwhile
		took := time.Since(start)
		h.mu.Lock()
		h.nextCollect = time.Now().Add(max(minCollectInterval, collectSpacing*took))
		live := h.read()
		for w := range h.watchers {
			switch {
			case !w.based:
			case live > w.base && live-w.base > w.budget:
				delete(h.watchers, w)
				w.onExceed()
			case live < w.base:
				w.base = live // the baseline counted garbage now collected
			}
		}
	}
	if len(h.watchers) == 0 {
		h.timer = nil
	} else {
		h.timer.Reset(watchInterval)
	}
	h.mu.Unlock()
}

// read samples the heap; the caller holds h.mu.
func (h *heapWatch) read() uint64 {
	metrics.Read(h.sample[:])
	if h.sample[0].Value.Kind() == metrics.KindUint64 {
		return h.sample[0].Value.Uint64()
	}
	return 0
}
