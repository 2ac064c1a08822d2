// Package memory is an in-memory storage.Store for unit tests and examples.
//
// It has the semantics of the persistent adapters, without durability: keys
// are kept in byte order in a copy-on-write B-tree (github.com/google/btree),
// readers get a real snapshot that later writes never disturb, and read-write
// transactions run one at a time, so they are serializable. A transaction that
// fails leaves no trace, because its writes go to a private clone of the tree
// that is published only on commit.
//
// Nothing survives Close or the end of the process.
package memory

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/google/btree"

	"github.com/tokenvault/vault/storage"
)

var _ storage.Store = (*Store)(nil)

type item struct {
	bucket string
	key    []byte
	value  []byte
	top    bool // sorts after every key of its bucket; used only as a pivot
}

func less(a, b *item) bool {
	if a.bucket != b.bucket {
		return a.bucket < b.bucket
	}
	if a.top != b.top {
		return b.top
	}
	return bytes.Compare(a.key, b.key) < 0
}

// Store is an in-memory storage.Store. It is safe for concurrent use.
type Store struct {
	published atomic.Pointer[btree.BTreeG[*item]] // read by View; never mutated once stored
	writer    chan struct{}                       // a one-slot semaphore: one Update at a time
	base      *btree.BTreeG[*item]                // the writer's copy; guarded by writer

	closeMu sync.RWMutex // held shared by every transaction, exclusively by Close
	closed  bool
}

// New returns an empty store.
func New() *Store {
	// The tree holds pointers, so that the copy-on-write of a node copies
	// words, not items.
	s := &Store{writer: make(chan struct{}, 1), base: btree.NewG(16, less)}
	s.published.Store(s.base.Clone())
	return s
}

func (s *Store) enter() error {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return storage.ErrClosed
	}
	return nil
}

// View runs fn over a snapshot of the store.
func (s *Store) View(ctx context.Context, fn func(tx storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	tx := &tx{tree: s.published.Load()}
	defer tx.done.Store(true)
	return fn(tx)
}

// Update runs fn in a read-write transaction; transactions run one at a time.
func (s *Store) Update(ctx context.Context, fn func(tx storage.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writer }()
	if err := ctx.Err(); err != nil {
		return err
	}

	work := s.base.Clone()
	tx := &tx{tree: work, writable: true}
	defer tx.done.Store(true)
	if err := fn(tx); err != nil {
		return err // work is dropped: nothing was published
	}
	s.base = work
	s.published.Store(work.Clone())
	return nil
}

// Close drops the data. It waits for transactions under way.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if !s.closed {
		s.closed = true
		s.base = nil
		s.published.Store(nil)
	}
	return nil
}

type tx struct {
	tree     *btree.BTreeG[*item]
	writable bool
	done     atomic.Bool
	pivot    item // reused by Get, so a lookup does not allocate
}

func (t *tx) check(bucket string, key []byte) error {
	if t.done.Load() {
		return storage.ErrTxDone
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return err
	}
	return storage.CheckKey(key)
}

func (t *tx) Get(bucket string, key []byte) ([]byte, error) {
	if err := t.check(bucket, key); err != nil {
		return nil, err
	}
	t.pivot = item{bucket: bucket, key: key}
	it, ok := t.tree.Get(&t.pivot)
	t.pivot = item{}
	if !ok {
		return nil, fmt.Errorf("memory: get %s: %w", bucket, storage.ErrNotFound)
	}
	return it.value, nil
}

func (t *tx) Put(bucket string, key, value []byte) error {
	if t.done.Load() {
		return storage.ErrTxDone
	}
	if !t.writable {
		return storage.ErrReadOnly
	}
	if err := storage.CheckPut(bucket, key, value); err != nil {
		return err
	}
	t.tree.ReplaceOrInsert(&item{bucket: bucket, key: bytes.Clone(key), value: append([]byte{}, value...)})
	return nil
}

func (t *tx) Delete(bucket string, key []byte) error {
	if err := t.check(bucket, key); err != nil {
		return err
	}
	if !t.writable {
		return storage.ErrReadOnly
	}
	t.tree.Delete(&item{bucket: bucket, key: key})
	return nil
}

func (t *tx) Scan(bucket string, opts storage.ScanOptions, fn func(key, value []byte) error) error {
	if t.done.Load() {
		return storage.ErrTxDone
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return err
	}
	lo, hi, empty := opts.Bounds()
	if empty {
		return nil
	}
	var err error
	n := 0
	visit := func(it *item) bool {
		if it.bucket != bucket {
			return false
		}
		if opts.Reverse && lo != nil && bytes.Compare(it.key, lo) < 0 {
			return false
		}
		if !opts.Reverse && hi != nil && bytes.Compare(it.key, hi) >= 0 {
			return false
		}
		if opts.Reverse && hi != nil && bytes.Compare(it.key, hi) >= 0 {
			return true // the pivot itself: End is exclusive
		}
		if err = fn(it.key, it.value); err != nil {
			return false
		}
		n++
		return opts.Limit <= 0 || n < opts.Limit
	}
	if opts.Reverse {
		pivot := &item{bucket: bucket, top: true}
		if hi != nil {
			pivot = &item{bucket: bucket, key: hi}
		}
		t.tree.DescendLessOrEqual(pivot, visit)
	} else {
		t.tree.AscendGreaterOrEqual(&item{bucket: bucket, key: lo}, visit)
	}
	if err == storage.StopScan {
		return nil
	}
	return err
}

// ForEach calls fn with every key of every bucket, in order, from one
// snapshot: tests use it to scan the whole store (for plaintext, say).
func (s *Store) ForEach(fn func(bucket string, key, value []byte) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	var err error
	s.published.Load().Ascend(func(it *item) bool {
		err = fn(it.bucket, it.key, it.value)
		return err == nil
	})
	return err
}
