package expr

import (
	"hash/maphash"
	"sync"
)

// The same masks, fingerprint expressions and search indexes are rendered
// millions of times: compiled templates are kept in a bounded LRU cache,
// sharded to keep lock contention low.

const (
	cacheShards     = 16
	cacheEntries    = 4096     // in all shards
	maxCachedSource = 16 << 10 // longer templates are compiled each time
	entriesPerShard = cacheEntries / cacheShards
)

var (
	templates = newLRU() // Compile and EvalJSON
	leaves    = newLRU() // document leaves (references rewritten)
	seed      = maphash.MakeSeed()
)

// Compile returns the compiled template for src from a bounded cache
// (about 4,096 templates, least recently used first out), parsing it on a
// miss. Errors are cached too. It is [Parse] for repeated templates; safe for
// concurrent use.
func Compile(src string) (*Template, error) {
	t, err := compileTemplate(src)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// compileTemplate is Compile returning a fresh *Error the caller may change.
func compileTemplate(src string) (*Template, *Error) {
	if !hasMarkup(src) {
		return &Template{src: src, text: src, isText: true}, nil
	}
	if len(src) > maxCachedSource {
		return parse(src, nil)
	}
	return templates.get(src, func() (*Template, *Error) { return parse(src, nil) })
}

type lruEntry struct {
	key        string
	t          *Template
	err        *Error
	prev, next *lruEntry
}

type lruShard struct {
	mu   sync.Mutex
	m    map[string]*lruEntry
	root lruEntry // sentinel: root.next is the most recent
}

type lru struct{ shards [cacheShards]lruShard }

func newLRU() *lru {
	c := &lru{}
	for i := range c.shards {
		s := &c.shards[i]
		s.m = make(map[string]*lruEntry, entriesPerShard)
		s.root.prev, s.root.next = &s.root, &s.root
	}
	return c
}

// get returns the entry for key, building it on a miss. A cached error is
// returned as a copy.
func (c *lru) get(key string, build func() (*Template, *Error)) (*Template, *Error) {
	s := &c.shards[maphash.String(seed, key)%cacheShards]
	s.mu.Lock()
	if en, ok := s.m[key]; ok {
		s.moveFront(en)
		t, err := en.t, en.err
		s.mu.Unlock()
		if err != nil {
			return nil, err.clone()
		}
		return t, nil
	}
	s.mu.Unlock()
	t, err := build()
	s.mu.Lock()
	defer s.mu.Unlock()
	if en, ok := s.m[key]; ok { // built meanwhile by another goroutine
		s.moveFront(en)
	} else {
		en := &lruEntry{key: key, t: t, err: err}
		s.m[key] = en
		s.insertFront(en)
		if len(s.m) > entriesPerShard {
			old := s.root.prev
			s.unlink(old)
			delete(s.m, old.key)
		}
	}
	if err != nil {
		return nil, err.clone()
	}
	return t, nil
}

func (s *lruShard) unlink(en *lruEntry) {
	en.prev.next, en.next.prev = en.next, en.prev
}

func (s *lruShard) insertFront(en *lruEntry) {
	en.prev, en.next = &s.root, s.root.next
	s.root.next.prev = en
	s.root.next = en
}

func (s *lruShard) moveFront(en *lruEntry) {
	if s.root.next != en {
		s.unlink(en)
		s.insertFront(en)
	}
}

// len returns the number of cached entries (for tests).
func (c *lru) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.Lock()
		n += len(c.shards[i].m)
		c.shards[i].mu.Unlock()
	}
	return n
}
