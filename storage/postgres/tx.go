package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tokenvault/vault/storage"
)

const (
	// scanPage is how many rows a Scan fetches per statement.
	scanPage = 256
	// Buffered writes are sent once this many keys or bytes wait.
	maxPendingKeys  = 1024
	maxPendingBytes = 4 << 20

	beginUpdateSQL = "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE"
	beginViewSQL   = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
)

type lockMode uint8

const (
	unlocked lockMode = iota
	shared
	exclusive
)

// pendingWrite is a buffered Put (value) or Delete (del) of one key.
type pendingWrite struct {
	value []byte
	del   bool
}

// tx is a storage.Tx on one pooled connection. The transaction itself
// begins with the first statement fn sends, pipelined in front of it, and
// a transaction that sent nothing costs no round trip.
type tx struct {
	s        *Store
	ctx      context.Context // the caller's: a tx lives inside one View or Update call
	conn     *pgxpool.Conn
	writable bool
	begun    bool // BEGIN has been sent
	sent     bool // some statement of this transaction function was sent

	// Group commit: a function that runs after others in one transaction
	// (g is not nil) waits for no lock. Its lock statements wait in held,
	// and go out with its next statement, or after it returned, with the
	// group's (see # Group commit).
	g    *group
	held *pgx.Batch
	done atomic.Bool // fn returned: every method fails with ErrTxDone
	err  error       // first failed statement: the transaction is aborted

	// Locks held, for read-write transactions. hot is shared by the
	// attempts of one Update: the buckets an attempt locked whole.
	buckets map[string]lockMode
	keys    map[int64]struct{}
	hot     map[string]bool

	// Writes that needed no lock wait here, latest per key, and go out in
	// front of the next statement or with the COMMIT.
	pending      map[string]map[string]pendingWrite
	pendingKeys  int
	pendingBytes int

	hashBuf []byte
	lockBuf pgx.Batch // the locks of the write under way
}

func newTx(ctx context.Context, s *Store, conn *pgxpool.Conn, hot map[string]bool) *tx {
	t := &tx{s: s, ctx: ctx, conn: conn, writable: hot != nil, hot: hot}
	if t.writable {
		t.buckets = map[string]lockMode{}
		t.keys = map[int64]struct{}{}
		t.pending = map[string]map[string]pendingWrite{}
	}
	return t
}

// usable reports why the transaction can take no more calls, if it cannot.
func (t *tx) usable() error {
	if t.done.Load() {
		return storage.ErrTxDone
	}
	return t.err
}

// Get reads the latest committed value of key, after locking it in Update.
func (t *tx) Get(bucket string, key []byte) ([]byte, error) {
	if err := t.usable(); err != nil {
		return nil, fmt.Errorf("postgres: get: %w", err)
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return nil, fmt.Errorf("postgres: get: %w", err)
	}
	if err := storage.CheckKey(key); err != nil {
		return nil, fmt.Errorf("postgres: get %s: %w", bucket, err)
	}
	if w, ok := t.pending[bucket][string(key)]; ok { // its locks are held: no one else changes it
		if w.del {
			return nil, fmt.Errorf("postgres: get %s: %w", bucket, storage.ErrNotFound)
		}
		return w.value, nil
	}
	b := t.batch()
	if t.writable {
		t.lockKey(b, bucket, key)
	}
	t.flush(b)
	var value []byte
	found := false
	b.Queue(t.s.sql.get, bucket, key).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&value)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err := t.send(t.ctx, b); err != nil {
		return nil, fmt.Errorf("postgres: get %s: %w", bucket, err)
	}
	if !found {
		return nil, fmt.Errorf("postgres: get %s: %w", bucket, storage.ErrNotFound)
	}
	return value, nil
}

// Put upserts a copy of key and value.
func (t *tx) Put(bucket string, key, value []byte) error {
	if err := t.checkWrite(bucket, key); err != nil {
		return fmt.Errorf("postgres: put: %w", err)
	}
	if err := storage.CheckValue(value); err != nil {
		return fmt.Errorf("postgres: put %s: %w", bucket, err)
	}
	// A copy, never nil: pgx sends a nil slice as NULL.
	return t.write("put", bucket, key, pendingWrite{value: append(make([]byte, 0, len(value)), value...)})
}

// Delete removes key; a missing key is no error.
func (t *tx) Delete(bucket string, key []byte) error {
	if err := t.checkWrite(bucket, key); err != nil {
		return fmt.Errorf("postgres: delete: %w", err)
	}
	return t.write("delete", bucket, key, pendingWrite{del: true})
}

func (t *tx) checkWrite(bucket string, key []byte) error {
	if err := t.usable(); err != nil {
		return err
	}
	if !t.writable {
		return storage.ErrReadOnly
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return err
	}
	return storage.CheckKey(key)
}

// write buffers w. When the key's locks are not all held yet, it sends them
// with the buffered writes at once, so that the caller waits here, inside
// fn, for a concurrent transaction that holds the key; a write whose locks
// are held cannot wait for anyone, and stays buffered.
func (t *tx) write(op, bucket string, key []byte, w pendingWrite) error {
	var locking bool
	if t.g != nil {
		if t.held == nil {
			t.held = &pgx.Batch{}
		}
		t.lockKey(t.held, bucket, key) // a lock that cannot be had fails later, at once
	} else {
		locking = t.lockKey(&t.lockBuf, bucket, key)
	}
	ws := t.pending[bucket]
	if ws == nil {
		ws = map[string]pendingWrite{}
		t.pending[bucket] = ws
	}
	if _, ok := ws[string(key)]; !ok {
		t.pendingKeys++
	}
	ws[string(key)] = w
	t.pendingBytes += len(key) + len(w.value)
	if !locking && t.pendingKeys < maxPendingKeys && t.pendingBytes < maxPendingBytes {
		return nil
	}
	b := t.batch()
	b.QueuedQueries = append(b.QueuedQueries, t.lockBuf.QueuedQueries...)
	t.lockBuf.QueuedQueries = t.lockBuf.QueuedQueries[:0]
	t.flush(b)
	if err := t.send(t.ctx, b); err != nil {
		return fmt.Errorf("postgres: %s %s: %w", op, bucket, err)
	}
	return nil
}

// Scan reads the range of opts page by page, after locking the whole bucket
// in Update.
func (t *tx) Scan(bucket string, opts storage.ScanOptions, fn func(key, value []byte) error) error {
	if err := t.usable(); err != nil {
		return fmt.Errorf("postgres: scan: %w", err)
	}
	if err := storage.CheckBucket(bucket); err != nil {
		return fmt.Errorf("postgres: scan: %w", err)
	}
	lo, hi, empty := opts.Bounds()
	if empty {
		return nil
	}
	type pair struct{ key, value []byte }
	var page []pair
	seen := 0
	for {
		size := scanPage
		if opts.Limit > 0 {
			size = min(size, opts.Limit-seen)
		}
		b := t.batch()
		if t.writable && t.buckets[bucket] != exclusive {
			// Phantoms: no other transaction writes the bucket until this
			// one ends, so every page sees the same rows.
			t.lockBucket(b, bucket, exclusive)
		}
		t.flush(b)
		query, args := t.s.scanQuery(bucket, lo, hi, opts.Reverse, size)
		page = page[:0]
		b.Queue(query, args...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var p pair
				if err := rows.Scan(&p.key, &p.value); err != nil {
					return err
				}
				page = append(page, p)
			}
			return rows.Err()
		})
		if err := t.send(t.ctx, b); err != nil {
			return fmt.Errorf("postgres: scan %s: %w", bucket, err)
		}
		// The page is read in full before fn runs, so fn may use tx.
		for _, p := range page {
			if err := fn(p.key, p.value); err != nil {
				if errors.Is(err, storage.StopScan) {
					return nil
				}
				return err
			}
			seen++
		}
		if len(page) < size || opts.Limit > 0 && seen >= opts.Limit {
			return nil
		}
		// Keyset pagination: continue strictly past the last key.
		last := page[len(page)-1].key
		if opts.Reverse {
			hi = last
		} else {
			lo = append(bytes.Clone(last), 0)
		}
	}
}

func (s *Store) scanQuery(bucket string, lo, hi []byte, reverse bool, limit int) (string, []any) {
	args := []any{bucket}
	var r, l, h int
	if reverse {
		r = 1
	}
	if lo != nil {
		l = 1
		args = append(args, lo)
	}
	if hi != nil {
		h = 1
		args = append(args, hi)
	}
	return s.sql.scan[r][l][h], append(args, limit)
}

// batch starts the next round trip, with the BEGIN in front if the
// transaction has not begun.
func (t *tx) batch() *pgx.Batch {
	b := &pgx.Batch{}
	switch {
	case t.begun:
	case t.writable:
		b.Queue(beginUpdateSQL)
	default:
		b.Queue(beginViewSQL)
	}
	if t.g != nil {
		b.QueuedQueries = append(b.QueuedQueries, t.g.out.QueuedQueries...)
	}
	if t.held != nil {
		b.QueuedQueries = append(b.QueuedQueries, t.held.QueuedQueries...)
	}
	return b
}

// send runs b. A failed statement aborts the transaction: t.err keeps the
// failure, which every later call reports.
func (t *tx) send(ctx context.Context, b *pgx.Batch) error {
	t.begun, t.sent, t.held = true, true, nil
	if t.g != nil {
		t.g.out = &pgx.Batch{}
	}
	err := t.conn.SendBatch(ctx, b).Close()
	if err != nil {
		t.err = t.s.failure(ctx, err)
	}
	if t.g != nil {
		t.g.confirm(t.err)
	}
	return t.err
}

// lockKey queues what must be locked before key is read or written, and
// reports whether it queued anything (that is, whether the batch may wait).
// Keys are locked one by one, under a shared lock on their bucket, until
// the transaction holds MaxKeyLocks of them; past that, and in buckets a
// previous attempt locked whole, the whole bucket is locked instead.
func (t *tx) lockKey(b *pgx.Batch, bucket string, key []byte) bool {
	mode := t.buckets[bucket]
	if mode == exclusive {
		return false
	}
	h := t.keyLock(bucket, key)
	if _, held := t.keys[h]; held {
		return false // its bucket lock came with it
	}
	if t.hot[bucket] || len(t.keys) >= t.s.maxKeyLocks {
		t.lockBucket(b, bucket, exclusive)
		return true
	}
	if mode == unlocked { // both locks in one statement, bucket first
		hi, lo := t.bucketLock(bucket)
		b.Queue(lockBucketSharedAndKeySQL, hi, lo, h)
		t.buckets[bucket] = shared
	} else {
		b.Queue(lockKeySQL, h)
	}
	t.keys[h] = struct{}{}
	return true
}

func (t *tx) lockBucket(b *pgx.Batch, bucket string, mode lockMode) {
	hi, lo := t.bucketLock(bucket)
	if mode == exclusive {
		b.Queue(lockBucketSQL, hi, lo)
		t.hot[bucket] = true
	} else {
		b.Queue(lockBucketSharedSQL, hi, lo)
	}
	t.buckets[bucket] = mode
}

// flush queues the buffered writes: per bucket one multi-row upsert and one
// multi-row delete, keys in order.
func (t *tx) flush(b *pgx.Batch) {
	if t.pendingKeys == 0 {
		return
	}
	for _, bucket := range slices.Sorted(maps.Keys(t.pending)) {
		ws := t.pending[bucket]
		var putKeys, putValues, delKeys [][]byte
		for _, k := range slices.Sorted(maps.Keys(ws)) {
			if w := ws[k]; w.del {
				delKeys = append(delKeys, []byte(k))
			} else {
				putKeys, putValues = append(putKeys, []byte(k)), append(putValues, w.value)
			}
		}
		if len(putKeys) > 0 {
			b.Queue(t.s.sql.upsert, bucket, putKeys, putValues)
		}
		if len(delKeys) > 0 {
			b.Queue(t.s.sql.delete, bucket, delKeys)
		}
	}
	clear(t.pending)
	t.pendingKeys, t.pendingBytes = 0, 0
}

// commit sends the buffered writes and the COMMIT in one round trip. It
// does not heed the caller's ctx: once fn has returned nil, Update waits for
// the outcome.
func (t *tx) commit() error {
	if !t.begun && t.pendingKeys == 0 {
		return nil // nothing was sent: there is no transaction to end
	}
	b := t.batch()
	t.flush(b)
	b.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
		if ct.String() != "COMMIT" {
			return errors.New("postgres: the server rolled the transaction back")
		}
		return nil
	})
	return t.send(context.WithoutCancel(t.ctx), b)
}

// rollback ends the transaction if the server has one open. A connection it
// cannot clean up is dropped by the pool on release.
func (t *tx) rollback() {
	pc := t.conn.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), cleanupTime)
	defer cancel()
	if _, err := t.conn.Exec(ctx, "ROLLBACK"); err != nil {
		t.s.log.Debug("postgres: rollback failed", "err", clean(err))
	}
}

// Lock identifiers are the first bytes of a SHA-256 over the schema, the
// bucket and the key, so every process derives the same ones, and stores
// in different schemas of one database never contend. Names cannot hold
// a NUL, so the encoding is unambiguous.
func (t *tx) keyLock(bucket string, key []byte) int64 {
	t.hashBuf = append(append(append(append(append(t.hashBuf[:0], "key\x00"...), t.s.schema...), 0), bucket...), 0)
	t.hashBuf = append(t.hashBuf, key...)
	sum := sha256.Sum256(t.hashBuf)
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

func (t *tx) bucketLock(bucket string) (int32, int32) {
	t.hashBuf = append(append(append(append(t.hashBuf[:0], "bucket\x00"...), t.s.schema...), 0), bucket...)
	sum := sha256.Sum256(t.hashBuf)
	return int32(binary.BigEndian.Uint32(sum[:4])), int32(binary.BigEndian.Uint32(sum[4:8]))
}

// migrationLock is the advisory lock Open takes while it migrates.
func (s *Store) migrationLock() int64 {
	sum := sha256.Sum256([]byte("migrate\x00" + s.schema))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}
