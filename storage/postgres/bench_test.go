package postgres_test

import (
	"context"
	"encoding/binary"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/postgres"
)

// BenchmarkPut commits one 128-byte Put per transaction, from one writer and
// from 64 concurrent ones (64 goroutines whatever GOMAXPROCS is). Each
// writer puts its own keys, so only the server's commit path is shared.
// It runs with group commit (MaxBatch GroupMaxBatch); BENCH_COMMITTERS and
// BENCH_MAXBATCH, when set, override Config.Committers and Config.MaxBatch
// (BENCH_MAXBATCH=1: no group commit, the default).
func BenchmarkPut(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run("writers="+strconv.Itoa(writers), func(b *testing.B) {
			s := mustOpen(b, newSchema(b), func(c *postgres.Config) {
				c.MaxConns = int32(writers)
				c.Committers, _ = strconv.Atoi(os.Getenv("BENCH_COMMITTERS"))
				c.MaxBatch = postgres.GroupMaxBatch
				if n, err := strconv.Atoi(os.Getenv("BENCH_MAXBATCH")); err == nil {
					c.MaxBatch = n
				}
			})
			defer s.Close()
			value := make([]byte, 128)
			var next atomic.Uint64
			put := func() {
				key := binary.BigEndian.AppendUint64([]byte("k"), next.Add(1))
				if err := s.Update(context.Background(), func(tx storage.Tx) error {
					return tx.Put("bench", key, value)
				}); err != nil {
					b.Error(err)
				}
			}
			// Warm up: open every connection and prepare the statements
			// before the clock starts.
			var warm sync.WaitGroup
			for range writers {
				warm.Go(put)
			}
			warm.Wait()
			c0, t0 := s.CommitStats()
			defer func() {
				c1, t1 := s.CommitStats()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
				b.ReportMetric(float64(t1-t0)/float64(max(c1-c0, 1)), "tx/commit")
			}()
			b.ReportAllocs()
			b.ResetTimer()
			if writers == 1 {
				for b.Loop() {
					put()
				}
				return
			}
			b.SetParallelism((writers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					put()
				}
			})
		})
	}
}
