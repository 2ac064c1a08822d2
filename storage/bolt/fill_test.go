package bolt_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
)

// TestAppendedBucketsFillTheirPages writes 200-byte values from 16
// goroutines at once, so that many functions share each commit: under keys
// that only grow, the bucket's leaf pages end up nearly full; under random
// keys, and under a sequence that another Put of the batch breaks, they keep
// bbolt's half-page splits (and room for the keys that land between).
func TestAppendedBucketsFillTheirPages(t *testing.T) {
	st := mustOpen(t)
	ctx := context.Background()
	var next sync.Mutex
	seq := uint64(0)
	write := func(bucket string, key func() []byte) {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for range 200 {
					err := st.Update(ctx, func(tx storage.Tx) error {
						return tx.Put(bucket, key(), make([]byte, 200))
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	write("sequence", func() []byte { // taken inside the function: the batch's order
		next.Lock()
		defer next.Unlock()
		seq++
		return binary.BigEndian.AppendUint64(nil, seq)
	})
	write("random", func() []byte { return binary.BigEndian.AppendUint64(nil, rand.Uint64()) })
	seq = 0
	write("broken", func() []byte {
		next.Lock()
		defer next.Unlock()
		seq++
		if seq%4 == 0 { // now and then a key before the end
			return binary.BigEndian.AppendUint64(nil, seq/2)
		}
		return binary.BigEndian.AppendUint64(nil, seq<<8)
	})

	fill := map[string]float64{}
	for _, bucket := range []string{"sequence", "random", "broken"} {
		f, err := st.LeafFill(bucket)
		require.NoError(t, err)
		fill[bucket] = f
	}
	commits, txs := st.CommitStats()
	require.Less(t, commits, txs/4, "functions shared commits")
	assert.Greater(t, fill["sequence"], 0.8, "%v", fill) // about 0.9: each commit's last page is refilled by the next
	assert.Less(t, fill["random"], 0.78, "%v", fill)     // about 0.7
	assert.Less(t, fill["broken"], 0.7, "%v", fill)      // about 0.5
}
