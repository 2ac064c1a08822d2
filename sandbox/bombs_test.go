//go:build !race

// The memory bombs need the worker's address-space limit, which a race
// build cannot have (see race.go); .ci/run runs them without -race.

package sandbox_test

import (
	"context"
	"errors"
	"maps"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/internal/hostile"
	"github.com/tokenvault/vault/sandbox"
)

func TestWorkersContainBombs(t *testing.T) {
	const timeout = 2 * time.Second
	s, err := sandbox.New(sandbox.WithIsolation(sandbox.Isolation{}),
		sandbox.WithLimits(sandbox.Limits{Timeout: timeout, MemoryBudget: 256 << 20}))
	require.NoError(t, err)
	defer s.Close()
	ok, err := s.Compile(`module.exports = () => ({ raw: 'fine' })`)
	require.NoError(t, err)
	rssBefore := hostile.RSS(0)
	bombs := maps.Clone(hostile.Bombs)
	bombs["infinite loop"] = `module.exports = async function () { for (;;) {} }`
	for name, code := range bombs {
		t.Run(name, func(t *testing.T) {
			heapBefore := hostHeap()
			prog, err := s.Compile(code)
			require.NoError(t, err)
			limit := timeout
			if name == "string doubling" {
				limit = 10 * time.Second // room to reach the memory limit on a loaded machine
			}
			start := time.Now()
			_, err = s.Run(context.Background(), prog, sandbox.Request{Pool: name, Timeout: limit})
			elapsed := time.Since(start)
			require.Error(t, err)
			t.Logf("%s: %v after %s", name, err, elapsed.Round(time.Millisecond))
			if name == "string doubling" {
				assert.ErrorIs(t, err, sandbox.ErrMemory, "the address-space limit stops it")
			}
			var re *sandbox.ReactorError
			switch {
			case errors.Is(err, sandbox.ErrMemory), errors.Is(err, sandbox.ErrTimeout):
			case errors.As(err, &re):
				assert.Equal(t, 500, re.Status) // a worker that died of its stack
			default:
				t.Fatalf("unexpected error %v", err)
			}
			assert.Less(t, elapsed, limit+time.Second, "a bomb ends within its time limit plus 1 s")
			assert.Less(t, int64(hostHeap())-int64(heapBefore), int64(64<<20), "the host's heap does not pay for the bomb")
			// The sandbox still serves, in a fresh worker for that pool.
			res, err := s.Run(context.Background(), ok, sandbox.Request{Pool: name})
			require.NoError(t, err)
			assert.JSONEq(t, `"fine"`, string(res.Raw))
		})
	}
	assert.Less(t, hostile.RSS(0)-rssBefore, int64(256<<20), "the host's resident memory stays flat")
}

func hostHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
