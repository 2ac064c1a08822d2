// Package storagetest is the conformance suite for storage.Store adapters.
//
// An adapter's whole test is one call:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store { return mustOpen(t) },
//			storagetest.WithReopen(reopen))
//	}
//
// Each property runs as a subtest against a fresh, empty store from open; the
// suite closes the stores it is given. Persistent adapters pass WithReopen so
// that durability across Close and open is checked too.
package storagetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
)

// Option configures Run.
type Option func(*suite)

// WithReopen enables the durability checks: reopen closes s and returns a
// store opened on the same data.
func WithReopen(reopen func(t *testing.T, s storage.Store) storage.Store) Option {
	return func(s *suite) { s.reopen = reopen }
}

// WithScale multiplies the sizes of the heavy properties (the key count of
// ManyKeys, the increments per goroutine). 1 is the default; adapters whose
// every transaction is a network round trip may pass less, but never below
// what the property needs to mean anything.
func WithScale(f float64) Option {
	return func(s *suite) { s.scale = f }
}

type suite struct {
	open   func(t *testing.T) storage.Store
	reopen func(t *testing.T, s storage.Store) storage.Store
	scale  float64
}

func (s *suite) n(base int) int {
	n := int(float64(base) * s.scale)
	return max(n, 1)
}

// fresh opens an empty store and closes it when the test ends.
func (s *suite) fresh(t *testing.T) storage.Store {
	st := s.open(t)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Run checks that open yields stores that behave as package storage says.
func Run(t *testing.T, open func(t *testing.T) storage.Store, opts ...Option) {
	s := &suite{open: open, scale: 1}
	for _, o := range opts {
		o(s)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"GetMissingIsErrNotFound", testGetMissing},
		{"PutGetDelete", testPutGetDelete},
		{"EmptyValue", testEmptyValue},
		{"BucketsAreSeparate", testBucketsSeparate},
		{"InvalidArguments", testInvalid},
		{"ViewIsReadOnly", testViewReadOnly},
		{"StoreCopiesInput", testStoreCopiesInput},
		{"BinaryKeyOrder", testBinaryOrder},
		{"ScanRanges", testScanRanges},
		{"ScanMatchesModel", testScanModel},
		{"ScanStopAndErrors", testScanStop},
		{"ScanCallbackMayRead", testScanNestedRead},
		{"ReadYourWrites", testReadYourWrites},
		{"ErrorRollsBack", testErrorRollsBack},
		{"PanicRollsBack", testPanicRollsBack},
		{"FailedTxDoesNotDisturbOthers", testFailedTxAmongOthers},
		{"TxInvalidAfterReturn", testTxDone},
		{"SnapshotIsolation", testSnapshot},
		{"ReaderNeverSeesHalfWrite", testNoHalfWrite},
		{"ConcurrentIncrements", testIncrements},
		{"NoWriteSkew", testWriteSkew},
		{"NoPhantomInUpdate", testPhantom},
		{"Transfers", testTransfers},
		{"GetsSeeNoTornTransfer", testGetsSeeNoTornTransfer},
		{"LargeValues", testLargeValues},
		{"ManyKeys", testManyKeys},
		{"ContextCanceled", testContext},
		{"CloseIsIdempotent", testClose},
		{"Reopen", testReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, s) })
	}
}

// Increment adds delta to the big-endian uint64 counter under key in one
// read-modify-write transaction. Adapters use it for multi-process tests.
func Increment(ctx context.Context, st storage.Store, bucket string, key []byte, delta uint64) error {
	return st.Update(ctx, func(tx storage.Tx) error {
		n, err := getUint(tx, bucket, key)
		if err != nil {
			return err
		}
		return tx.Put(bucket, key, binary.BigEndian.AppendUint64(nil, n+delta))
	})
}

// ReadCounter returns the counter Increment maintains.
func ReadCounter(ctx context.Context, st storage.Store, bucket string, key []byte) (uint64, error) {
	var n uint64
	err := st.View(ctx, func(tx storage.Tx) error {
		var err error
		n, err = getUint(tx, bucket, key)
		return err
	})
	return n, err
}

func getUint(tx storage.Tx, bucket string, key []byte) (uint64, error) {
	v, err := tx.Get(bucket, key)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("counter %q has %d bytes", key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func put(t testing.TB, st storage.Store, bucket string, kv ...string) {
	t.Helper()
	require.NoError(t, st.Update(context.Background(), func(tx storage.Tx) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if err := tx.Put(bucket, []byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	}))
}

func get(t testing.TB, st storage.Store, bucket, key string) (string, error) {
	t.Helper()
	var out string
	err := st.View(context.Background(), func(tx storage.Tx) error {
		v, err := tx.Get(bucket, []byte(key))
		if err != nil {
			return err
		}
		out = string(v)
		return nil
	})
	return out, err
}

func scanAll(t testing.TB, tx storage.Tx, bucket string, opts storage.ScanOptions) []string {
	t.Helper()
	var keys []string
	require.NoError(t, tx.Scan(bucket, opts, func(k, v []byte) error {
		keys = append(keys, string(k))
		return nil
	}))
	return keys
}

func scanView(t testing.TB, st storage.Store, bucket string, opts storage.ScanOptions) []string {
	t.Helper()
	var keys []string
	require.NoError(t, st.View(context.Background(), func(tx storage.Tx) error {
		keys = scanAll(t, tx, bucket, opts)
		return nil
	}))
	return keys
}

func testGetMissing(t *testing.T, s *suite) {
	st := s.fresh(t)
	_, err := get(t, st, "nobucket", "k")
	assert.ErrorIs(t, err, storage.ErrNotFound, "missing bucket")
	put(t, st, "b", "k", "v")
	_, err = get(t, st, "b", "other")
	assert.ErrorIs(t, err, storage.ErrNotFound, "missing key")
	assert.Empty(t, scanView(t, st, "nobucket", storage.ScanOptions{}), "missing bucket scans as empty")
}

func testPutGetDelete(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "k1", "v1", "k2", "v2")
	v, err := get(t, st, "b", "k1")
	require.NoError(t, err)
	assert.Equal(t, "v1", v)

	put(t, st, "b", "k1", "v1b")
	v, err = get(t, st, "b", "k1")
	require.NoError(t, err)
	assert.Equal(t, "v1b", v, "overwrite")

	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		if err := tx.Delete("b", []byte("k1")); err != nil {
			return err
		}
		if err := tx.Delete("b", []byte("never")); err != nil {
			return fmt.Errorf("deleting a missing key: %w", err)
		}
		return tx.Delete("nobucket", []byte("k"))
	}))
	_, err = get(t, st, "b", "k1")
	assert.ErrorIs(t, err, storage.ErrNotFound)
	v, err = get(t, st, "b", "k2")
	require.NoError(t, err)
	assert.Equal(t, "v2", v)
}

func testEmptyValue(t *testing.T, s *suite) {
	st := s.fresh(t)
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		return tx.Put("b", []byte("empty"), nil)
	}))
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		v, err := tx.Get("b", []byte("empty"))
		if err != nil {
			return err
		}
		assert.Empty(t, v)
		return nil
	}))
	assert.Equal(t, []string{"empty"}, scanView(t, st, "b", storage.ScanOptions{}))
}

func testBucketsSeparate(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "a", "k", "in-a")
	put(t, st, "a.b", "k", "in-a.b")
	put(t, st, "b", "k", "in-b")
	for bucket, want := range map[string]string{"a": "in-a", "a.b": "in-a.b", "b": "in-b"} {
		v, err := get(t, st, bucket, "k")
		require.NoError(t, err)
		assert.Equal(t, want, v)
		assert.Equal(t, []string{"k"}, scanView(t, st, bucket, storage.ScanOptions{}), bucket)
	}
}

func testInvalid(t *testing.T, s *suite) {
	st := s.fresh(t)
	cases := map[string]func(tx storage.Tx) error{
		"empty key":    func(tx storage.Tx) error { return tx.Put("b", nil, []byte("v")) },
		"long key":     func(tx storage.Tx) error { return tx.Put("b", make([]byte, storage.MaxKeyLen+1), nil) },
		"empty bucket": func(tx storage.Tx) error { return tx.Put("", []byte("k"), nil) },
		"upper bucket": func(tx storage.Tx) error { return tx.Put("Bucket", []byte("k"), nil) },
		"slash bucket": func(tx storage.Tx) error { return tx.Put("a/b", []byte("k"), nil) },
		"long bucket": func(tx storage.Tx) error {
			return tx.Put(strings.Repeat("b", storage.MaxBucketLen+1), []byte("k"), nil)
		},
		"get empty key":    func(tx storage.Tx) error { _, err := tx.Get("b", nil); return err },
		"delete bad name":  func(tx storage.Tx) error { return tx.Delete("B", []byte("k")) },
		"scan bad name":    func(tx storage.Tx) error { return tx.Scan("", storage.ScanOptions{}, nil) },
		"delete empty key": func(tx storage.Tx) error { return tx.Delete("b", nil) },
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			var inner error
			err := st.Update(t.Context(), func(tx storage.Tx) error {
				inner = fn(tx)
				return inner
			})
			assert.ErrorIs(t, inner, storage.ErrInvalid)
			assert.ErrorIs(t, err, storage.ErrInvalid)
		})
	}
	assert.Empty(t, scanView(t, st, "b", storage.ScanOptions{}), "no partial write")
}

func testViewReadOnly(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "k", "v")
	err := st.View(t.Context(), func(tx storage.Tx) error {
		if err := tx.Put("b", []byte("k"), []byte("changed")); !errors.Is(err, storage.ErrReadOnly) {
			return fmt.Errorf("a Put in View: got %v, want ErrReadOnly", err)
		}
		if err := tx.Delete("b", []byte("k")); !errors.Is(err, storage.ErrReadOnly) {
			return fmt.Errorf("a Delete in View: got %v, want ErrReadOnly", err)
		}
		return nil
	})
	require.NoError(t, err)
	v, err := get(t, st, "b", "k")
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

func testStoreCopiesInput(t *testing.T, s *suite) {
	st := s.fresh(t)
	key, val := []byte("key"), []byte("value")
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		if err := tx.Put("b", key, val); err != nil {
			return err
		}
		copy(key, "KEY")
		copy(val, "VALUE")
		return nil
	}))
	v, err := get(t, st, "b", "key")
	require.NoError(t, err)
	assert.Equal(t, "value", v)
	_, err = get(t, st, "b", "KEY")
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

// binaryKeys are keys whose byte order differs from many naive orders: empty
// prefixes, zero bytes, 0xff, and prefixes of each other.
func binaryKeys() [][]byte {
	return [][]byte{
		{0x00}, {0x00, 0x00}, {0x00, 0x01}, {0x01}, {0x01, 0x00}, {0x01, 0xff},
		{0x7f}, {0x80}, {0x80, 0x00}, {0xfe, 0xff}, {0xff}, {0xff, 0x00}, {0xff, 0xff}, {0xff, 0xff, 0xff},
		[]byte("a"), []byte("a\x00"), []byte("ab"), []byte("b"), []byte("B"), []byte("\xc3\xa9"),
	}
}

func testBinaryOrder(t *testing.T, s *suite) {
	st := s.fresh(t)
	keys := binaryKeys()
	shuffled := slices.Clone(keys)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, k := range shuffled { // one transaction each, in random order
		require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error { return tx.Put("b", k, k) }))
	}
	want := slices.Clone(keys)
	slices.SortFunc(want, bytes.Compare)

	var got [][]byte
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		return tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error {
			if !bytes.Equal(k, v) {
				return fmt.Errorf("key %x holds %x", k, v)
			}
			got = append(got, bytes.Clone(k))
			return nil
		})
	}))
	assert.Equal(t, want, got, "forward order")

	got = nil
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		return tx.Scan("b", storage.ScanOptions{Reverse: true}, func(k, v []byte) error {
			got = append(got, bytes.Clone(k))
			return nil
		})
	}))
	slices.Reverse(want)
	assert.Equal(t, want, got, "reverse order")
}

func testScanRanges(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "a", "", "b", "", "ba", "", "bb", "", "bc", "", "c", "", "d", "")
	cases := []struct {
		name string
		opts storage.ScanOptions
		want []string
	}{
		{"all", storage.ScanOptions{}, []string{"a", "b", "ba", "bb", "bc", "c", "d"}},
		{"prefix", storage.ScanOptions{Prefix: []byte("b")}, []string{"b", "ba", "bb", "bc"}},
		{"prefix reverse", storage.ScanOptions{Prefix: []byte("b"), Reverse: true}, []string{"bc", "bb", "ba", "b"}},
		{"prefix limit", storage.ScanOptions{Prefix: []byte("b"), Limit: 2}, []string{"b", "ba"}},
		{"prefix reverse limit", storage.ScanOptions{Prefix: []byte("b"), Reverse: true, Limit: 2}, []string{"bc", "bb"}},
		{"start", storage.ScanOptions{Start: []byte("bb")}, []string{"bb", "bc", "c", "d"}},
		{"start between keys", storage.ScanOptions{Start: []byte("bbb")}, []string{"bc", "c", "d"}},
		{"end", storage.ScanOptions{End: []byte("bb")}, []string{"a", "b", "ba"}},
		{"end reverse", storage.ScanOptions{End: []byte("bb"), Reverse: true}, []string{"ba", "b", "a"}},
		{"start end", storage.ScanOptions{Start: []byte("b"), End: []byte("c")}, []string{"b", "ba", "bb", "bc"}},
		{"start end reverse limit", storage.ScanOptions{Start: []byte("b"), End: []byte("c"), Reverse: true, Limit: 3}, []string{"bc", "bb", "ba"}},
		{"prefix and start", storage.ScanOptions{Prefix: []byte("b"), Start: []byte("bb")}, []string{"bb", "bc"}},
		{"prefix and start below", storage.ScanOptions{Prefix: []byte("b"), Start: []byte("a")}, []string{"b", "ba", "bb", "bc"}},
		{"prefix and end", storage.ScanOptions{Prefix: []byte("b"), End: []byte("bb"), Reverse: true}, []string{"ba", "b"}},
		{"prefix and end above", storage.ScanOptions{Prefix: []byte("b"), End: []byte("z")}, []string{"b", "ba", "bb", "bc"}},
		{"empty range", storage.ScanOptions{Start: []byte("c"), End: []byte("c")}, nil},
		{"inverted range", storage.ScanOptions{Start: []byte("d"), End: []byte("a")}, nil},
		{"prefix outside start", storage.ScanOptions{Prefix: []byte("b"), Start: []byte("c")}, nil},
		{"missing prefix", storage.ScanOptions{Prefix: []byte("x")}, nil},
		{"start after all", storage.ScanOptions{Start: []byte("e")}, nil},
		{"reverse start after all", storage.ScanOptions{Start: []byte("e"), Reverse: true}, nil},
		{"negative limit", storage.ScanOptions{Limit: -1, Prefix: []byte("c")}, []string{"c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, scanView(t, st, "b", tc.opts))
		})
	}
}

// modelScan is the reference Scan: what every adapter must return.
func modelScan(sorted [][]byte, opts storage.ScanOptions) [][]byte {
	lo, hi, empty := opts.Bounds()
	if empty {
		return nil
	}
	var out [][]byte
	for _, k := range sorted {
		if lo != nil && bytes.Compare(k, lo) < 0 || hi != nil && bytes.Compare(k, hi) >= 0 {
			continue
		}
		if !bytes.HasPrefix(k, opts.Prefix) {
			continue
		}
		out = append(out, k)
	}
	if opts.Reverse {
		slices.Reverse(out)
	}
	if opts.Limit > 0 && len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	return out
}

func testScanModel(t *testing.T, s *suite) {
	st := s.fresh(t)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{0x00, 0x01, 'a', 'b', 0x7f, 0x80, 0xfe, 0xff}
	randKey := func(maxLen int) []byte {
		k := make([]byte, 1+rng.IntN(maxLen))
		for i := range k {
			k[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return k
	}
	set := map[string]bool{}
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		for range 300 {
			k := randKey(4)
			set[string(k)] = true
			if err := tx.Put("m", k, k); err != nil {
				return err
			}
		}
		return nil
	}))
	var sorted [][]byte
	for k := range set {
		sorted = append(sorted, []byte(k))
	}
	slices.SortFunc(sorted, bytes.Compare)

	for i := range 400 {
		var opts storage.ScanOptions
		if rng.IntN(2) == 0 {
			opts.Prefix = randKey(2)
		}
		if rng.IntN(2) == 0 {
			opts.Start = randKey(3)
		}
		if rng.IntN(2) == 0 {
			opts.End = randKey(3)
		}
		opts.Reverse = rng.IntN(2) == 0
		if rng.IntN(2) == 0 {
			opts.Limit = rng.IntN(20)
		}
		want := modelScan(sorted, opts)
		var got [][]byte
		require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
			return tx.Scan("m", opts, func(k, v []byte) error {
				got = append(got, bytes.Clone(k))
				return nil
			})
		}))
		if !assert.Equal(t, want, got, "case %d: %+v", i, opts) {
			return
		}
	}
}

func testScanStop(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "1", "", "2", "", "3", "", "4", "")
	var seen []string
	err := st.View(t.Context(), func(tx storage.Tx) error {
		return tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error {
			seen = append(seen, string(k))
			if string(k) == "2" {
				return storage.StopScan
			}
			return nil
		})
	})
	require.NoError(t, err, "StopScan ends the scan without error")
	assert.Equal(t, []string{"1", "2"}, seen)

	boom := errors.New("boom")
	seen = nil
	err = st.View(t.Context(), func(tx storage.Tx) error {
		return tx.Scan("b", storage.ScanOptions{Reverse: true}, func(k, v []byte) error {
			seen = append(seen, string(k))
			if string(k) == "3" {
				return boom
			}
			return nil
		})
	})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, []string{"4", "3"}, seen)
}

// testScanNestedRead reads from the transaction inside a Scan callback, as
// index lookups do: one Get and one nested Scan per key, in both kinds of
// transaction, over more keys than an adapter fetches at once.
func testScanNestedRead(t *testing.T, s *suite) {
	st := s.fresh(t)
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		for i := range 600 {
			k := fmt.Appendf(nil, "k%04d", i)
			if err := tx.Put("idx", k, k); err != nil {
				return err
			}
			if err := tx.Put("rec", k, []byte("r")); err != nil {
				return err
			}
		}
		return nil
	}))
	check := func(tx storage.Tx) error {
		n := 0
		err := tx.Scan("idx", storage.ScanOptions{}, func(k, v []byte) error {
			rec, err := tx.Get("rec", v)
			if err != nil {
				return err
			}
			if string(rec) != "r" {
				return fmt.Errorf("record %s holds %q", v, rec)
			}
			inner := 0
			if err := tx.Scan("rec", storage.ScanOptions{Start: v, Limit: 2}, func(k2, _ []byte) error {
				inner++
				return nil
			}); err != nil {
				return err
			}
			if inner == 0 {
				return fmt.Errorf("nested scan from %s saw nothing", v)
			}
			n++
			return nil
		})
		if err == nil && n != 600 {
			err = fmt.Errorf("scanned %d keys, want 600", n)
		}
		return err
	}
	require.NoError(t, st.View(t.Context(), check))
	require.NoError(t, st.Update(t.Context(), check))
}

func testReadYourWrites(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "a", "1", "c", "3", "e", "5")
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		if err := tx.Put("b", []byte("b"), []byte("2")); err != nil {
			return err
		}
		if err := tx.Put("b", []byte("c"), []byte("3b")); err != nil {
			return err
		}
		if err := tx.Delete("b", []byte("e")); err != nil {
			return err
		}
		v, err := tx.Get("b", []byte("c"))
		if err != nil {
			return err
		}
		assert.Equal(t, "3b", string(v))
		_, err = tx.Get("b", []byte("e"))
		assert.ErrorIs(t, err, storage.ErrNotFound)

		var kv []string
		err = tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error {
			kv = append(kv, string(k)+"="+string(v))
			return nil
		})
		assert.Equal(t, []string{"a=1", "b=2", "c=3b"}, kv)
		kv = nil
		err = errors.Join(err, tx.Scan("b", storage.ScanOptions{Reverse: true}, func(k, v []byte) error {
			kv = append(kv, string(k)+"="+string(v))
			return nil
		}))
		assert.Equal(t, []string{"c=3b", "b=2", "a=1"}, kv)
		return err
	}))
}

func testErrorRollsBack(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "keep", "old", "gone", "x")
	boom := errors.New("boom")
	err := st.Update(t.Context(), func(tx storage.Tx) error {
		for _, op := range []error{
			tx.Put("b", []byte("keep"), []byte("new")),
			tx.Put("b", []byte("added"), []byte("1")),
			tx.Put("other", []byte("k"), []byte("1")),
			tx.Delete("b", []byte("gone")),
		} {
			if op != nil {
				return op
			}
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	v, err := get(t, st, "b", "keep")
	require.NoError(t, err)
	assert.Equal(t, "old", v)
	v, err = get(t, st, "b", "gone")
	require.NoError(t, err, "a delete is rolled back")
	assert.Equal(t, "x", v)
	_, err = get(t, st, "b", "added")
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = get(t, st, "other", "k")
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

func testPanicRollsBack(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "keep", "old")
	func() {
		defer func() {
			r := recover()
			assert.Equal(t, "kaboom", r, "the panic reaches the caller")
		}()
		_ = st.Update(t.Context(), func(tx storage.Tx) error {
			if err := tx.Put("b", []byte("keep"), []byte("new")); err != nil {
				return err
			}
			if err := tx.Put("b", []byte("added"), []byte("1")); err != nil {
				return err
			}
			panic("kaboom")
		})
		t.Error("Update returned instead of panicking")
	}()
	v, err := get(t, st, "b", "keep")
	require.NoError(t, err)
	assert.Equal(t, "old", v)
	_, err = get(t, st, "b", "added")
	assert.ErrorIs(t, err, storage.ErrNotFound)
	put(t, st, "b", "after", "ok")
	v, err = get(t, st, "b", "after")
	require.NoError(t, err, "the store still works after a panic")
	assert.Equal(t, "ok", v)
}

// testFailedTxAmongOthers runs failing transactions among succeeding ones at
// the same time: adapters that commit several callers' transactions together
// must keep the good ones and drop only the failed one.
func testFailedTxAmongOthers(t *testing.T, s *suite) {
	st := s.fresh(t)
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil && i%4 != 3 {
					errs[i] = fmt.Errorf("unexpected panic %v", r)
				}
			}()
			errs[i] = st.Update(t.Context(), func(tx storage.Tx) error {
				if err := tx.Put("b", fmt.Appendf(nil, "k%02d", i), []byte("v")); err != nil {
					return err
				}
				if err := tx.Put("shared", []byte("last"), fmt.Appendf(nil, "%d", i)); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return fmt.Errorf("fail %d", i)
				case 3:
					panic(fmt.Sprintf("panic %d", i))
				}
				return nil
			})
		})
	}
	wg.Wait()
	var want []string
	for i := range n {
		switch i % 4 {
		case 1:
			assert.EqualError(t, errs[i], fmt.Sprintf("fail %d", i))
		case 3:
		default:
			assert.NoError(t, errs[i])
			want = append(want, fmt.Sprintf("k%02d", i))
		}
	}
	assert.Equal(t, want, scanView(t, st, "b", storage.ScanOptions{}))
	last, err := get(t, st, "shared", "last")
	require.NoError(t, err)
	var i int
	_, err = fmt.Sscanf(last, "%d", &i)
	require.NoError(t, err)
	assert.True(t, i%4 == 0 || i%4 == 2, "the shared key holds a committed write, not %d", i)
}

func testTxDone(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "k", "v")
	var leaked storage.Tx
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error { leaked = tx; return nil }))
	assert.ErrorIs(t, leaked.Put("b", []byte("k"), []byte("late")), storage.ErrTxDone)
	_, err := leaked.Get("b", []byte("k"))
	assert.ErrorIs(t, err, storage.ErrTxDone)
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error { leaked = tx; return nil }))
	_, err = leaked.Get("b", []byte("k"))
	assert.ErrorIs(t, err, storage.ErrTxDone)
	assert.ErrorIs(t, leaked.Scan("b", storage.ScanOptions{}, func(k, v []byte) error { return nil }), storage.ErrTxDone)
	v, err := get(t, st, "b", "k")
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

// testSnapshot checks that a View keeps seeing the state it started with while
// an Update commits.
func testSnapshot(t *testing.T, s *suite) {
	st := s.fresh(t)
	put(t, st, "b", "k", "before", "x", "1")
	started, committed := make(chan struct{}), make(chan error, 1)
	go func() {
		<-started
		committed <- st.Update(context.Background(), func(tx storage.Tx) error {
			if err := tx.Put("b", []byte("k"), []byte("after")); err != nil {
				return err
			}
			return tx.Put("b", []byte("y"), []byte("2"))
		})
	}()
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		v, err := tx.Get("b", []byte("k"))
		if err != nil {
			return err
		}
		assert.Equal(t, "before", string(v))
		close(started)
		if err := <-committed; err != nil {
			return fmt.Errorf("update while a reader is open: %w", err)
		}
		v, err = tx.Get("b", []byte("k"))
		if err != nil {
			return err
		}
		assert.Equal(t, "before", string(v), "a reader keeps its snapshot")
		assert.Equal(t, []string{"k", "x"}, scanAll(t, tx, "b", storage.ScanOptions{}))
		return nil
	}))
	v, err := get(t, st, "b", "k")
	require.NoError(t, err)
	assert.Equal(t, "after", v)
}

// testNoHalfWrite has one writer rewrite many keys per transaction while
// readers check that every key always holds the same generation.
func testNoHalfWrite(t *testing.T, s *suite) {
	st := s.fresh(t)
	const keys = 20
	write := func(gen uint64) error {
		return st.Update(context.Background(), func(tx storage.Tx) error {
			for k := range keys {
				if err := tx.Put("b", []byte{byte(k)}, binary.BigEndian.AppendUint64(nil, gen)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, write(0))
	var done atomic.Bool
	var wg sync.WaitGroup
	var failures atomic.Int64
	for range 4 {
		wg.Go(func() {
			for !done.Load() {
				err := st.View(context.Background(), func(tx storage.Tx) error {
					var first uint64
					n := 0
					err := tx.Scan("b", storage.ScanOptions{}, func(k, v []byte) error {
						g := binary.BigEndian.Uint64(v)
						if n == 0 {
							first = g
						} else if g != first {
							return fmt.Errorf("key %d holds generation %d, key 0 holds %d", k[0], g, first)
						}
						n++
						return nil
					})
					if err == nil && n != keys {
						err = fmt.Errorf("saw %d keys", n)
					}
					return err
				})
				if err != nil {
					failures.Add(1)
					t.Error(err)
					return
				}
			}
		})
	}
	for gen := uint64(1); gen <= uint64(s.n(100)); gen++ {
		require.NoError(t, write(gen))
	}
	done.Store(true)
	wg.Wait()
	assert.Zero(t, failures.Load())
}

func testIncrements(t *testing.T, s *suite) {
	st := s.fresh(t)
	const workers = 64
	per := s.n(20)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for range per {
				if err := Increment(context.Background(), st, "counters", []byte("shared"), 1); err != nil {
					errs <- err
					return
				}
				if err := Increment(context.Background(), st, "counters", fmt.Appendf(nil, "w%02d", w%8), 1); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	n, err := ReadCounter(t.Context(), st, "counters", []byte("shared"))
	require.NoError(t, err)
	assert.Equal(t, uint64(workers*per), n, "no lost update on the shared counter")
	for i := range 8 {
		n, err := ReadCounter(t.Context(), st, "counters", fmt.Appendf(nil, "w%02d", i))
		require.NoError(t, err)
		assert.Equal(t, uint64(workers/8*per), n, "counter w%02d", i)
	}
}

// testWriteSkew is the on-call doctors anomaly: each transaction reads two
// keys and clears one of them only if both are set. Under serializability at
// most one of each pair is cleared; snapshot isolation would clear both.
func testWriteSkew(t *testing.T, s *suite) {
	st := s.fresh(t)
	const pairs = 32
	for p := range pairs {
		put(t, st, "skew", fmt.Sprintf("%02d-a", p), "on", fmt.Sprintf("%02d-b", p), "on")
	}
	var wg sync.WaitGroup
	for p := range pairs {
		for _, mine := range []string{"a", "b"} {
			wg.Go(func() {
				err := st.Update(context.Background(), func(tx storage.Tx) error {
					on := 0
					for _, side := range []string{"a", "b"} {
						v, err := tx.Get("skew", fmt.Appendf(nil, "%02d-%s", p, side))
						if err == nil && string(v) == "on" {
							on++
						} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
							return err
						}
					}
					if on < 2 {
						return nil
					}
					return tx.Put("skew", fmt.Appendf(nil, "%02d-%s", p, mine), []byte("off"))
				})
				assert.NoError(t, err)
			})
		}
	}
	wg.Wait()
	for p := range pairs {
		on := 0
		for _, side := range []string{"a", "b"} {
			if v, _ := get(t, st, "skew", fmt.Sprintf("%02d-%s", p, side)); v == "on" {
				on++
			}
		}
		assert.Equal(t, 1, on, "pair %d: exactly one stays on", p)
	}
}

// testPhantom has many transactions count a bucket by Scan and insert a key
// only while fewer than limit exist: a scan in an Update must be protected
// against concurrent inserts into the range it read.
func testPhantom(t *testing.T, s *suite) {
	st := s.fresh(t)
	const limit, workers = 5, 32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			err := st.Update(context.Background(), func(tx storage.Tx) error {
				n := 0
				if err := tx.Scan("seats", storage.ScanOptions{Prefix: []byte("seat/")}, func(k, v []byte) error {
					n++
					return nil
				}); err != nil {
					return err
				}
				if n >= limit {
					return nil
				}
				return tx.Put("seats", fmt.Appendf(nil, "seat/%02d", w), nil)
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, scanView(t, st, "seats", storage.ScanOptions{}), limit)
}

// testTransfers moves amounts between accounts, creating accounts on first
// use, while readers check that the total never changes.
func testTransfers(t *testing.T, s *suite) {
	st := s.fresh(t)
	const accounts, initial = 10, 1000
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		return tx.Put("acct", []byte("00"), binary.BigEndian.AppendUint64(nil, accounts*initial))
	}))
	total := func(tx storage.Tx) (uint64, error) {
		var sum uint64
		err := tx.Scan("acct", storage.ScanOptions{}, func(k, v []byte) error {
			sum += binary.BigEndian.Uint64(v)
			return nil
		})
		return sum, err
	}
	var done atomic.Bool
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for !done.Load() {
				var sum uint64
				err := st.View(context.Background(), func(tx storage.Tx) error {
					var err error
					sum, err = total(tx)
					return err
				})
				if !assert.NoError(t, err) || !assert.Equal(t, uint64(accounts*initial), sum, "total seen by a reader") {
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 16 {
		writers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range s.n(15) {
				from, to := fmt.Appendf(nil, "%02d", rng.IntN(accounts)), fmt.Appendf(nil, "%02d", rng.IntN(accounts))
				amount := uint64(rng.IntN(50))
				err := st.Update(context.Background(), func(tx storage.Tx) error {
					fb, err := getUint(tx, "acct", from)
					if err != nil {
						return err
					}
					if fb < amount || bytes.Equal(from, to) {
						return nil
					}
					tb, err := getUint(tx, "acct", to)
					if err != nil {
						return err
					}
					if err := tx.Put("acct", from, binary.BigEndian.AppendUint64(nil, fb-amount)); err != nil {
						return err
					}
					return tx.Put("acct", to, binary.BigEndian.AppendUint64(nil, tb+amount))
				})
				if !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	writers.Wait()
	done.Store(true)
	readers.Wait()
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		sum, err := total(tx)
		assert.Equal(t, uint64(accounts*initial), sum)
		return err
	}))
}

// testGetsSeeNoTornTransfer has writers move value between keys, reading
// both with Get, while readers add up every key with one Get each, in View
// and in read-only Update transactions: the sum never changes, so no reader
// sees one half of a move, and no move is lost (a lost update would change
// the final sum).
func testGetsSeeNoTornTransfer(t *testing.T, s *suite) {
	st := s.fresh(t)
	const keys, initial = 8, 100
	key := func(i int) []byte { return fmt.Appendf(nil, "k%d", i) }
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		for i := range keys {
			if err := tx.Put("move", key(i), binary.BigEndian.AppendUint64(nil, initial)); err != nil {
				return err
			}
		}
		return nil
	}))
	sum := func(tx storage.Tx) (uint64, error) {
		var total uint64
		for i := range keys {
			n, err := getUint(tx, "move", key(i))
			if err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	}
	var done atomic.Bool
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Go(func() {
			run := st.View
			if r%2 == 1 {
				run = st.Update // a read-only Update must see a consistent state too
			}
			for !done.Load() {
				var total uint64
				err := run(context.Background(), func(tx storage.Tx) error {
					var err error
					total, err = sum(tx)
					return err
				})
				if !assert.NoError(t, err) || !assert.Equal(t, uint64(keys*initial), total, "sum seen by reader %d", r) {
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 16 {
		writers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			for range s.n(20) {
				from, to := rng.IntN(keys), rng.IntN(keys)
				if from == to {
					continue
				}
				err := st.Update(context.Background(), func(tx storage.Tx) error {
					// Both keys are read in key order, so that adapters that
					// lock keys do not deadlock over them.
					lo, hi := min(from, to), max(from, to)
					lb, err := getUint(tx, "move", key(lo))
					if err != nil {
						return err
					}
					hb, err := getUint(tx, "move", key(hi))
					if err != nil {
						return err
					}
					fb, tb := lb, hb
					if from == hi {
						fb, tb = hb, lb
					}
					if fb == 0 {
						return nil
					}
					if err := tx.Put("move", key(from), binary.BigEndian.AppendUint64(nil, fb-1)); err != nil {
						return err
					}
					return tx.Put("move", key(to), binary.BigEndian.AppendUint64(nil, tb+1))
				})
				if !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	writers.Wait()
	done.Store(true)
	readers.Wait()
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		total, err := sum(tx)
		assert.Equal(t, uint64(keys*initial), total)
		return err
	}))
}

func testLargeValues(t *testing.T, s *suite) {
	st := s.fresh(t)
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>8)
	}
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
		if err := tx.Put("big", []byte("one"), big); err != nil {
			return err
		}
		return tx.Put("big", []byte("two"), big[:len(big)-1])
	}))
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		v, err := tx.Get("big", []byte("one"))
		if err != nil {
			return err
		}
		assert.True(t, bytes.Equal(big, v), "1 MiB value round trip")
		v, err = tx.Get("big", []byte("two"))
		if err != nil {
			return err
		}
		assert.True(t, bytes.Equal(big[:len(big)-1], v))
		return nil
	}))
	err := st.Update(t.Context(), func(tx storage.Tx) error {
		return tx.Put("big", []byte("huge"), make([]byte, storage.MaxValueLen+1))
	})
	assert.ErrorIs(t, err, storage.ErrInvalid)
}

func testManyKeys(t *testing.T, s *suite) {
	st := s.fresh(t)
	n := s.n(100_000)
	const batch = 2000
	key := func(i int) []byte { return binary.BigEndian.AppendUint32([]byte("k"), uint32(i*7919%n)) }
	for lo := 0; lo < n; lo += batch {
		require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error {
			for i := lo; i < min(lo+batch, n); i++ {
				if err := tx.Put("many", key(i), binary.BigEndian.AppendUint32(nil, uint32(i))); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	require.NoError(t, st.View(t.Context(), func(tx storage.Tx) error {
		count := 0
		var prev []byte
		err := tx.Scan("many", storage.ScanOptions{}, func(k, v []byte) error {
			if prev != nil && bytes.Compare(prev, k) >= 0 {
				return fmt.Errorf("keys out of order at %x", k)
			}
			prev = append(prev[:0], k...)
			count++
			return nil
		})
		assert.Equal(t, n, count)
		if err != nil {
			return err
		}
		mid := binary.BigEndian.AppendUint32([]byte("k"), uint32(n/2))
		var got []uint32
		err = tx.Scan("many", storage.ScanOptions{End: mid, Reverse: true, Limit: 3}, func(k, v []byte) error {
			got = append(got, binary.BigEndian.Uint32(k[1:]))
			return nil
		})
		if err != nil {
			return err
		}
		assert.Equal(t, []uint32{uint32(n/2 - 1), uint32(n/2 - 2), uint32(n/2 - 3)}, got)
		v, err := tx.Get("many", key(n-1))
		if err != nil {
			return err
		}
		assert.Equal(t, uint32(n-1), binary.BigEndian.Uint32(v))
		return nil
	}))
}

func testContext(t *testing.T, s *suite) {
	st := s.fresh(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	err := st.Update(ctx, func(tx storage.Tx) error { ran = true; return tx.Put("b", []byte("k"), nil) })
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, ran, "Update runs nothing with a done context")
	err = st.View(ctx, func(tx storage.Tx) error { ran = true; return nil })
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, ran, "View runs nothing with a done context")
	_, err = get(t, st, "b", "k")
	assert.ErrorIs(t, err, storage.ErrNotFound)

	// A deadline that passes while callers queue behind a slow writer ends
	// the wait without running their functions.
	release := make(chan struct{})
	holding := make(chan struct{})
	go func() {
		_ = st.Update(context.Background(), func(tx storage.Tx) error {
			if err := tx.Put("b", []byte("slow"), nil); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	short, cancelShort := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelShort()
	var ranLate atomic.Bool
	err = st.Update(short, func(tx storage.Tx) error {
		if err := tx.Put("b", []byte("slow"), []byte("conflicting")); err != nil {
			return err
		}
		ranLate.Store(true)
		return nil
	})
	close(release)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a queued Update gives up when its context ends")
	assert.False(t, ranLate.Load(), "a canceled Update does not commit")
	require.Eventually(t, func() bool { _, err := get(t, st, "b", "slow"); return err == nil }, 10*time.Second, 5*time.Millisecond)
	v, err := get(t, st, "b", "slow")
	require.NoError(t, err)
	assert.Empty(t, v, "the canceled write is not there")
}

func testClose(t *testing.T, s *suite) {
	st := s.open(t)
	put(t, st, "b", "k", "v")
	require.NoError(t, st.Close())
	assert.NoError(t, st.Close(), "a second Close returns nil")
	err := st.View(t.Context(), func(tx storage.Tx) error { return nil })
	assert.ErrorIs(t, err, storage.ErrClosed)
	err = st.Update(t.Context(), func(tx storage.Tx) error { return nil })
	assert.ErrorIs(t, err, storage.ErrClosed)
}

func testReopen(t *testing.T, s *suite) {
	if s.reopen == nil {
		t.Skip("adapter is not persistent")
	}
	st := s.open(t)
	put(t, st, "b", "k1", "v1", "k2", "v2")
	require.NoError(t, st.Update(t.Context(), func(tx storage.Tx) error { return tx.Delete("b", []byte("k2")) }))
	boom := errors.New("boom")
	require.ErrorIs(t, st.Update(t.Context(), func(tx storage.Tx) error {
		if err := tx.Put("b", []byte("k3"), []byte("rolled back")); err != nil {
			return err
		}
		return boom
	}), boom)
	st = s.reopen(t, st)
	t.Cleanup(func() { _ = st.Close() })
	v, err := get(t, st, "b", "k1")
	require.NoError(t, err)
	assert.Equal(t, "v1", v)
	_, err = get(t, st, "b", "k2")
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = get(t, st, "b", "k3")
	assert.ErrorIs(t, err, storage.ErrNotFound)
	put(t, st, "b", "k4", "v4")
	assert.Equal(t, []string{"k1", "k4"}, scanView(t, st, "b", storage.ScanOptions{}))
}
