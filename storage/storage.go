// Package storage defines the small ordered, transactional key-value interface
// that every vault storage engine implements, and the rules they all follow.
//
// A [Store] holds named buckets of binary keys in byte order. All access goes
// through transactions: [Store.View] runs a read-only transaction over a
// consistent snapshot, [Store.Update] runs a read-write transaction that is
// serializable with every other read-write transaction on the same store,
// whichever process runs it.
//
// A store is completely untrusted: the vault seals every sensitive value
// before it reaches a store, and a store never sees a key that opens it.
// Domain logic, secondary indexes and encryption live in package vault; an
// adapter only keeps bytes in order, atomically and durably.
//
// # Adapters
//
// Three adapters ship with the module: storage/bolt (the default, one file,
// go.etcd.io/bbolt with group commit), storage/memory (for tests and
// examples) and storage/postgres (many vault processes on one database).
// Package storage/storagetest holds the conformance suite each of them runs;
// a new adapter passes it before it is trusted with data.
//
// # Transactions
//
// The function given to View or Update may only use its [Tx] while it runs;
// the Tx, and every byte slice it returned, are invalid once the function
// returns. Returning an error or panicking rolls the transaction back and
// nothing it wrote is kept; a panic is re-raised in the caller's goroutine
// after the rollback.
//
// Update may call its function more than once (the PostgreSQL adapter
// retries a transaction that lost a lock race or a deadlock), so the function
// must not have effects outside tx that it cannot repeat; set results in
// captured variables only once the function is about to return nil.
//
// A transaction function must not start another transaction on the same
// store: with single-writer adapters, an Update inside an Update deadlocks.
package storage

import (
	"context"
	"errors"
	"fmt"
)

// Limits every adapter accepts. Keys and bucket names beyond them are
// rejected with [ErrInvalid] so that data never depends on which adapter
// stored it.
const (
	// MaxBucketLen is the longest bucket name, in bytes.
	MaxBucketLen = 64
	// MaxKeyLen is the longest key, in bytes.
	MaxKeyLen = 4096
	// MaxValueLen is the largest value, in bytes (64 MiB).
	MaxValueLen = 64 << 20
)

// Sentinel errors. Adapters wrap them with context, so compare with
// errors.Is.
var (
	// ErrNotFound is returned by Get when the key, or its bucket, does not
	// exist.
	ErrNotFound = errors.New("storage: not found")

	// ErrClosed is returned by every method of a store after Close.
	ErrClosed = errors.New("storage: store is closed")

	// ErrReadOnly is returned by Put and Delete in a View transaction.
	ErrReadOnly = errors.New("storage: read-only transaction")

	// ErrInvalid is returned for a bucket name, key or value that breaks the
	// limits above.
	ErrInvalid = errors.New("storage: invalid argument")

	// ErrTxDone is returned by a Tx method called after its transaction
	// function returned.
	ErrTxDone = errors.New("storage: transaction has ended")

	// StopScan, returned by a Scan callback, ends the scan early. Scan then
	// returns nil.
	//
	//lint:ignore ST1012 a signal like fs.SkipDir, not a failure
	StopScan = errors.New("storage: stop scan")
)

// Store is an ordered, transactional key-value store. Implementations are
// safe for concurrent use by multiple goroutines.
type Store interface {
	// View runs fn in a read-only transaction over a consistent snapshot:
	// it sees every Update that committed before it started and nothing of
	// one that had not. Many View transactions run at once.
	View(ctx context.Context, fn func(tx Tx) error) error

	// Update runs fn in a read-write transaction and commits it if fn
	// returns nil. Read-write transactions are serializable: the outcome is
	// that of running them one after another in some order. When Update
	// returns nil the writes are durable (for persistent adapters) and
	// visible to every transaction that starts afterwards. If ctx is done
	// before fn starts, Update returns ctx.Err() and fn never runs; once fn
	// has run, Update waits for the commit to finish.
	Update(ctx context.Context, fn func(tx Tx) error) error

	// Close releases the store. It waits for transactions under way, is
	// idempotent, and every later call of another method returns ErrClosed.
	Close() error
}

// Tx is a transaction. It is used by one goroutine at a time and is valid only
// inside the function it was given to.
type Tx interface {
	// Get returns the value stored under key in bucket, or an error
	// matching ErrNotFound. The returned slice is read-only and valid until
	// the transaction ends; copy it to keep it.
	Get(bucket string, key []byte) ([]byte, error)

	// Put stores value under key in bucket, creating the bucket if needed.
	// The store keeps its own copy of key and value.
	Put(bucket string, key, value []byte) error

	// Delete removes key from bucket. Deleting a missing key is not an error.
	Delete(bucket string, key []byte) error

	// Scan calls fn for each key of bucket in the range described by opts,
	// in ascending byte order (descending with opts.Reverse), until the
	// range ends, opts.Limit keys were visited or fn returns an error. If fn
	// returns StopScan, Scan stops and returns nil; any other error is
	// returned as is. key and value are read-only and valid only during the
	// call. A missing bucket scans as empty. fn may read from tx (Get and
	// nested Scans) but must not write to it.
	Scan(bucket string, opts ScanOptions, fn func(key, value []byte) error) error
}

// ScanOptions describe the key range of a [Tx.Scan]: the keys k with
// Start <= k < End that begin with Prefix. A nil Start or End leaves that side
// open.
type ScanOptions struct {
	// Prefix restricts the scan to keys that begin with it.
	Prefix []byte
	// Start is the inclusive lower bound.
	Start []byte
	// End is the exclusive upper bound.
	End []byte
	// Reverse visits keys in descending order, from the top of the range.
	Reverse bool
	// Limit stops the scan after that many keys; zero or less means no limit.
	Limit int
}

// Bounds returns the effective range [lo, hi) of the options once Prefix is
// folded into Start and End; hi is nil when the range is open above. empty
// reports that the range holds no key. Adapters use it so that every one
// reads the options the same way.
func (o ScanOptions) Bounds() (lo, hi []byte, empty bool) {
	lo, hi = o.Start, o.End
	if len(o.Prefix) > 0 {
		if lo == nil || compare(lo, o.Prefix) < 0 {
			lo = o.Prefix
		}
		if pe := PrefixEnd(o.Prefix); pe != nil && (hi == nil || compare(pe, hi) < 0) {
			hi = pe
		}
	}
	if hi != nil && lo != nil && compare(lo, hi) >= 0 {
		return lo, hi, true
	}
	return lo, hi, false
}

// PrefixEnd returns the smallest key greater than every key that begins with
// prefix, or nil when there is none (the prefix is empty or all 0xff).
func PrefixEnd(prefix []byte) []byte {
	end := make([]byte, len(prefix))
	copy(end, prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func compare(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// CheckBucket validates a bucket name: 1 to MaxBucketLen bytes of lower-case
// ASCII letters, digits, '.', '_' and '-'.
func CheckBucket(name string) error {
	if name == "" || len(name) > MaxBucketLen {
		return fmt.Errorf("%w: bucket name must be 1 to %d bytes", ErrInvalid, MaxBucketLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: bucket name has a character outside [a-z0-9._-]", ErrInvalid)
		}
	}
	return nil
}

// CheckKey validates a key: 1 to MaxKeyLen bytes.
func CheckKey(key []byte) error {
	if len(key) == 0 || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key must be 1 to %d bytes", ErrInvalid, MaxKeyLen)
	}
	return nil
}

// CheckValue validates a value: at most MaxValueLen bytes. Empty values are
// allowed.
func CheckValue(value []byte) error {
	if len(value) > MaxValueLen {
		return fmt.Errorf("%w: value larger than %d bytes", ErrInvalid, MaxValueLen)
	}
	return nil
}

// CheckPut validates the arguments of a Put.
func CheckPut(bucket string, key, value []byte) error {
	if err := CheckBucket(bucket); err != nil {
		return err
	}
	if err := CheckKey(key); err != nil {
		return err
	}
	return CheckValue(value)
}

// Backuper is implemented by stores that can write a consistent copy of
// themselves while serving, such as storage/bolt.
type Backuper interface {
	// Backup writes a consistent snapshot of the store to path, creating
	// it with mode 0600. It does not block writers for longer than it takes
	// to start a read transaction.
	Backup(ctx context.Context, path string) error
}

// Checker is implemented by stores that can verify their own on-disk
// structure, such as storage/bolt.
type Checker interface {
	// Check reports every structural inconsistency found, joined, or nil.
	Check(ctx context.Context) error
}
