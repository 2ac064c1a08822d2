package memory_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// Every benchmark works on a store that holds benchKeys keys, and each write
// overwrites one of them, picked at random, with a 256-byte value, so that the
// tree keeps its size however long a benchmark runs:
//
//	go test -run '^$' -bench . -benchtime 2s ./storage/memory/
//
// Update is one caller; UpdateParallel64 runs 64 goroutines whatever
// GOMAXPROCS is, so the ratio of their puts/s is how the store scales with
// callers. ViewWithWriter reads while one goroutine writes without pause.
const (
	benchKeys      = 10_000
	benchValueSize = 256
	benchCallers   = 64
)

var benchValue = make([]byte, benchValueSize)

// benchKey returns key i of the store: 16 bytes that spread over the tree.
func benchKey(i int) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(i)*0x9e3779b97f4a7c15), uint64(i))
}

// openBench returns a store holding benchKeys keys, and the keys.
func openBench(b *testing.B) (*memory.Store, [][]byte) {
	s := memory.New()
	b.Cleanup(func() { _ = s.Close() })
	keys := make([][]byte, benchKeys)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	if err := s.Update(context.Background(), func(tx storage.Tx) error {
		for _, k := range keys {
			if err := tx.Put("bench", k, benchValue); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return s, keys
}

func putRandom(s *memory.Store, rng *rand.Rand) error {
	key := benchKey(rng.IntN(benchKeys))
	return s.Update(context.Background(), func(tx storage.Tx) error { return tx.Put("bench", key, benchValue) })
}

func reportRate(b *testing.B, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

func BenchmarkUpdate(b *testing.B) {
	s, _ := openBench(b)
	rng := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	for b.Loop() {
		if err := putRandom(s, rng); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, "puts/s")
}

func BenchmarkUpdateParallel64(b *testing.B) {
	s, _ := openBench(b)
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	c0, t0 := s.CommitStats()
	var seed atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seed.Add(1), 5))
		for pb.Next() {
			if err := putRandom(s, rng); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, "puts/s")
	c1, t1 := s.CommitStats()
	b.ReportMetric(float64(t1-t0)/float64(max(c1-c0, 1)), "tx/commit")
}

// BenchmarkViewWithWriter reads one existing key per View from GOMAXPROCS
// goroutines while another goroutine runs Updates back to back.
func BenchmarkViewWithWriter(b *testing.B) {
	s, keys := openBench(b)
	var stop atomic.Bool
	var puts atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(6, 7))
		for !stop.Load() {
			if err := putRandom(s, rng); err != nil {
				b.Error(err)
				return
			}
			puts.Add(1)
		}
	})
	var seed atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seed.Add(1), 8))
		for pb.Next() {
			key := keys[rng.IntN(len(keys))]
			if err := s.View(context.Background(), func(tx storage.Tx) error {
				_, err := tx.Get("bench", key)
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, "views/s")
	b.ReportMetric(float64(puts.Load())/b.Elapsed().Seconds(), "puts/s")
	stop.Store(true)
	wg.Wait()
}
