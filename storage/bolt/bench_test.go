package bolt_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/bolt"
)

// Every benchmark stores one random 16-byte key with a 256-byte value per
// operation, durably (fsync on), in a fresh file:
//
//	go test -run '^$' -bench . -benchtime 3s ./storage/bolt/
//
// RawUpdate is the baseline: one goroutine, one bbolt transaction per put.
// Writers64 runs 64 goroutines whatever GOMAXPROCS is.
const (
	benchValueSize = 256
	benchWriters   = 64
)

var benchValue = make([]byte, benchValueSize)

func benchKey() []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, rand.Uint64()), rand.Uint64())
}

// openRaw opens bbolt with the options bolt.Open uses.
func openRaw(b *testing.B) *bbolt.DB {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bbolt.Options{
		Timeout:         bolt.DefaultTimeout,
		InitialMmapSize: bolt.DefaultInitialMmapSize,
		FreelistType:    bbolt.FreelistMapType,
	})
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, db.Close()) })
	return db
}

func rawPut(tx *bbolt.Tx) error {
	bk, err := tx.CreateBucketIfNotExists([]byte("bench"))
	if err != nil {
		return err
	}
	return bk.Put(benchKey(), benchValue)
}

func adapterPut(tx storage.Tx) error { return tx.Put("bench", benchKey(), benchValue) }

// parallel64 makes RunParallel start 64 goroutines.
func parallel64(b *testing.B) {
	b.SetParallelism((benchWriters + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
}

func BenchmarkRawUpdate(b *testing.B) {
	db := openRaw(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := db.Update(rawPut); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func BenchmarkUpdate(b *testing.B) {
	s := openBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Update(context.Background(), adapterPut); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func BenchmarkUpdateWriters64(b *testing.B) {
	s := openBench(b)
	c0, t0 := s.CommitStats()
	parallel64(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Update(context.Background(), adapterPut); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
	c1, t1 := s.CommitStats()
	b.ReportMetric(float64(t1-t0)/float64(max(c1-c0, 1)), "tx/commit")
}

func BenchmarkRawBatchWriters64(b *testing.B) {
	db := openRaw(b)
	parallel64(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.Batch(rawPut); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
}

func openBench(b *testing.B) *bolt.Store {
	s, err := bolt.Open(filepath.Join(b.TempDir(), "vault.db"), nil)
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, s.Close()) })
	return s
}
