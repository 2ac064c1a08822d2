package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tokenvault/vault/storage"
)

// linearUndo is how many undo entries are searched one by one before tx
// indexes them in a map.
const linearUndo = 8

// tx is the storage.Tx given to one transaction function. In an Update it
// shares the bbolt transaction with the rest of its batch and keeps an undo
// log, so that its own writes can be reverted without disturbing the others.
type tx struct {
	btx      *bbolt.Tx
	writable bool
	done     atomic.Bool // set when the function returns; atomic so a leaked tx fails cleanly

	scans int  // Scans under way in this tx: writes are refused meanwhile
	wrote bool // a write reached bbolt

	undo []undoEntry         // the state before this function's first write to each key, in order
	seen map[string]struct{} // undoKey of each key entry, once undo is longer than linearUndo

	fill fillState // shared by the functions of the batch
}

// fillState tells, per bucket written in a batch, whether every Put of the
// batch added a key past the bucket's last one (true) or not (false).
//
// bbolt splits a node it writes at half a page (Bucket.FillPercent), which
// leaves room for keys that will land between; keys that only ever grow (a
// sequence: the event outbox) never land there, and their pages stay half
// empty, so twice the pages are written and kept. A bucket that the batch
// only appended to is split full instead; one Put elsewhere in the bucket
// brings the default back for the whole batch.
type fillState map[string]bool

// appendFillPercent is how full the pages of a bucket that a batch only
// appended to are split.
const appendFillPercent = 1.0

// note records a Put of a new key into b (at the end of the bucket, or not).
func (f fillState) note(b *bbolt.Bucket, bucket string, appended bool) {
	if f == nil {
		return
	}
	only, seen := f[bucket]
	switch {
	case appended && (!seen || only):
		f[bucket] = true
		b.FillPercent = appendFillPercent
	case only || !seen:
		f[bucket] = false
		b.FillPercent = bbolt.DefaultFillPercent
	}
}

// undoEntry records what to restore. An entry with a nil key records that
// the function created the bucket.
type undoEntry struct {
	bucket  string
	key     []byte
	old     []byte // the previous value, when existed
	existed bool
}

func undoKey(bucket string, key []byte) string {
	return bucket + "\x00" + string(key) // bucket names never hold a zero byte
}

// Get returns the value of key in bucket. The slice is valid until the
// transaction function returns.
func (t *tx) Get(bucket string, key []byte) ([]byte, error) {
	if t.done.Load() {
		return nil, fmt.Errorf("bolt: get %s: %w", bucket, storage.ErrTxDone)
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return nil, fmt.Errorf("bolt: get: %w", err)
	}
	if err := storage.CheckKey(key); err != nil {
		return nil, fmt.Errorf("bolt: get %s: %w", bucket, err)
	}
	b := t.btx.Bucket([]byte(bucket))
	if b == nil {
		return nil, fmt.Errorf("bolt: get %s: %w", bucket, storage.ErrNotFound)
	}
	v, ok := lookup(b, key)
	if !ok {
		return nil, fmt.Errorf("bolt: get %s: %w", bucket, storage.ErrNotFound)
	}
	return v, nil
}

// lookup returns the value of key and whether it exists, with one cursor
// descent. bbolt's Get answers nil both for a missing key and, at times, for
// an empty value; an existing empty value is returned as a non-nil empty
// slice.
func lookup(b *bbolt.Bucket, key []byte) ([]byte, bool) {
	k, v := b.Cursor().Seek(key)
	if !bytes.Equal(k, key) {
		return nil, false
	}
	if v == nil {
		v = []byte{}
	}
	return v, true
}

// checkWrite reports why t may not write, if it may not.
func (t *tx) checkWrite(op, bucket string) error {
	switch {
	case t.done.Load():
		return fmt.Errorf("bolt: %s %s: %w", op, bucket, storage.ErrTxDone)
	case !t.writable:
		return fmt.Errorf("bolt: %s %s: %w", op, bucket, storage.ErrReadOnly)
	case t.scans > 0:
		return fmt.Errorf("bolt: %s %s: %w while a Scan runs", op, bucket, storage.ErrReadOnly)
	}
	return nil
}

// Put stores a private copy of key and value in bucket, creating the bucket
// if needed.
func (t *tx) Put(bucket string, key, value []byte) error {
	if err := t.checkWrite("put", bucket); err != nil {
		return err
	}
	if err := storage.CheckPut(bucket, key, value); err != nil {
		return fmt.Errorf("bolt: put: %w", err)
	}
	b := t.btx.Bucket([]byte(bucket))
	if b == nil {
		var err error
		if b, err = t.btx.CreateBucket([]byte(bucket)); err != nil {
			return fmt.Errorf("bolt: put %s: %w", bucket, err)
		}
		t.log(undoEntry{bucket: bucket})
	}
	if !t.logged(bucket, key) {
		c := b.Cursor()
		k, old := c.Seek(key)
		existed := bytes.Equal(k, key)
		if !existed {
			old = nil
		} else if old == nil {
			old = []byte{}
		}
		t.fill.note(b, bucket, k == nil) // nothing at or after key: an append
		t.log(undoEntry{bucket: bucket, key: bytes.Clone(key), old: bytes.Clone(old), existed: existed})
	} else {
		t.fill.note(b, bucket, false)
	}
	// bbolt keeps the slices until the commit, which comes after the caller
	// may have reused its own: store one private copy of both.
	buf := make([]byte, len(key)+len(value))
	k, v := buf[:len(key):len(key)], buf[len(key):]
	copy(k, key)
	copy(v, value)
	if err := b.Put(k, v); err != nil {
		return fmt.Errorf("bolt: put %s: %w", bucket, err)
	}
	t.wrote = true
	return nil
}

// Delete removes key from bucket; a missing key or bucket is not an error.
func (t *tx) Delete(bucket string, key []byte) error {
	if t.done.Load() {
		return fmt.Errorf("bolt: delete %s: %w", bucket, storage.ErrTxDone)
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return fmt.Errorf("bolt: delete: %w", err)
	}
	if err := storage.CheckKey(key); err != nil {
		return fmt.Errorf("bolt: delete %s: %w", bucket, err)
	}
	if err := t.checkWrite("delete", bucket); err != nil {
		return err
	}
	b := t.btx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	old, existed := lookup(b, key)
	if !existed {
		return nil
	}
	if !t.logged(bucket, key) {
		t.log(undoEntry{bucket: bucket, key: bytes.Clone(key), old: bytes.Clone(old), existed: true})
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("bolt: delete %s: %w", bucket, err)
	}
	t.wrote = true
	return nil
}

// logged reports whether key already has an undo entry.
func (t *tx) logged(bucket string, key []byte) bool {
	if t.seen != nil {
		_, ok := t.seen[undoKey(bucket, key)]
		return ok
	}
	for i := range t.undo {
		if e := &t.undo[i]; e.key != nil && e.bucket == bucket && bytes.Equal(e.key, key) {
			return true
		}
	}
	return false
}

func (t *tx) log(e undoEntry) {
	t.undo = append(t.undo, e)
	switch {
	case t.seen != nil:
		if e.key != nil {
			t.seen[undoKey(e.bucket, e.key)] = struct{}{}
		}
	case len(t.undo) > linearUndo:
		t.seen = make(map[string]struct{}, 2*len(t.undo))
		for _, e := range t.undo {
			if e.key != nil {
				t.seen[undoKey(e.bucket, e.key)] = struct{}{}
			}
		}
	}
}

// rollback restores, newest first, what the undo log recorded, leaving the
// shared bbolt transaction as it was before the function started.
func (t *tx) rollback() error {
	var errs []error
	for i := len(t.undo) - 1; i >= 0; i-- {
		e := &t.undo[i]
		if e.key == nil {
			if err := t.btx.DeleteBucket([]byte(e.bucket)); err != nil {
				errs = append(errs, fmt.Errorf("delete bucket %s: %w", e.bucket, err))
			}
			continue
		}
		b := t.btx.Bucket([]byte(e.bucket))
		if b == nil {
			errs = append(errs, fmt.Errorf("restore in %s: %w", e.bucket, berrors.ErrBucketNotFound))
			continue
		}
		var err error
		if e.existed {
			// e.old and e.key are private copies that live until the commit.
			if e.old == nil {
				e.old = []byte{}
			}
			err = b.Put(e.key, e.old)
		} else {
			err = b.Delete(e.key)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restore in %s: %w", e.bucket, err))
		}
	}
	t.undo, t.seen = nil, nil
	return errors.Join(errs...)
}

// Scan visits the keys of bucket in the range of opts with a bbolt cursor.
func (t *tx) Scan(bucket string, opts storage.ScanOptions, fn func(key, value []byte) error) error {
	if t.done.Load() {
		return fmt.Errorf("bolt: scan %s: %w", bucket, storage.ErrTxDone)
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return fmt.Errorf("bolt: scan: %w", err)
	}
	lo, hi, empty := opts.Bounds()
	if empty {
		return nil
	}
	b := t.btx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	t.scans++
	defer func() { t.scans-- }()

	c := b.Cursor()
	var k, v []byte
	switch {
	case !opts.Reverse && lo == nil:
		k, v = c.First()
	case !opts.Reverse:
		k, v = c.Seek(lo)
	case hi == nil:
		k, v = c.Last()
	default:
		// hi is exclusive: start from the last key below it.
		if k, _ = c.Seek(hi); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for n := 0; k != nil; n++ {
		if opts.Limit > 0 && n >= opts.Limit {
			return nil
		}
		if opts.Reverse && lo != nil && bytes.Compare(k, lo) < 0 ||
			!opts.Reverse && hi != nil && bytes.Compare(k, hi) >= 0 {
			return nil
		}
		if v == nil {
			v = []byte{}
		}
		if err := fn(k, v); err != nil {
			if errors.Is(err, storage.StopScan) {
				return nil
			}
			return err
		}
		if opts.Reverse {
			k, v = c.Prev()
		} else {
			k, v = c.Next()
		}
	}
	return nil
}
