//go:build !race

// The drill needs the workers' address-space limit, which a race build
// cannot have; .ci/run runs it without -race.

package main_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/internal/hostile"
)

// Drill bounds, documented in cmd/vaultd/README.md.
const (
	drillTimeout   = 2 * time.Second
	drillRSSGrowth = 1 << 30 // vaultd's resident memory over its idle size
	drillReaderP99 = 100 * time.Millisecond
)

// TestDrillBombsWhileReading runs every bomb at once, against vaultd, while a
// client reads tokens, and checks that vaultd stays up and small, that every
// bomb ends within its time limit plus 1 s, and the reader's p99.
// VAULT_DRILL_ROUNDS sets how many times the bombs go off (default 1).
// The bombs are in package internal/hostile.
func TestDrillBombsWhileReading(t *testing.T) {
	rounds := 1
	if n, err := strconv.Atoi(os.Getenv("VAULT_DRILL_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	// VAULT_DRILL_ISOLATION=in-process shows what the drill guards against
	// (run it under a ulimit -v: vaultd grows until it dies).
	isolation := cmp.Or(os.Getenv("VAULT_DRILL_ISOLATION"), "process")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile, "--reactor-isolation", isolation,
		"--reactor-timeout", drillTimeout.String(), "--reactor-memory", "256")
	mgmt := readKey(t, keyFile)
	status, body := p.do(t, "POST", "/applications", mgmt,
		`{"name":"drill","type":"private","rules":[{"priority":1,"container":"/","transform":"reveal","permissions":["token:create","token:read","token:use"]}]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var app struct{ Key string }
	require.NoError(t, json.Unmarshal(body, &app))

	var ids []string
	for i := range 20 {
		status, body := p.do(t, "POST", "/tokens", app.Key, fmt.Sprintf(`{"type":"token","data":"secret %d"}`, i))
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var tok struct{ ID string }
		require.NoError(t, json.Unmarshal(body, &tok))
		ids = append(ids, tok.ID)
	}
	reactors := map[string]string{}
	for name, code := range hostile.Bombs {
		b, _ := json.Marshal(map[string]string{"name": name, "code": code})
		status, body := p.do(t, "POST", "/reactors", mgmt, string(b))
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var r struct{ ID string }
		require.NoError(t, json.Unmarshal(body, &r))
		reactors[name] = r.ID
	}
	// Idle: served a few reads, no reactor has run.
	for _, id := range ids {
		p.do(t, "GET", "/tokens/"+id, app.Key, "")
	}
	pid := p.cmd.Process.Pid
	idle := hostile.RSS(pid)
	require.NotZero(t, idle)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var latencies []time.Duration
	var readFailures []string
	wg.Go(func() { // the reader
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			status, _, err := p.try(t.Context(), "GET", "/tokens/"+ids[i%len(ids)], app.Key, "")
			latencies = append(latencies, time.Since(start))
			if err != nil || status != http.StatusOK {
				readFailures = append(readFailures, fmt.Sprint(status, err))
			}
		}
	})
	var peak int64
	wg.Go(func() { // vaultd's resident memory
		for {
			peak = max(peak, hostile.RSS(pid))
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})

	type outcome struct {
		name    string
		status  int
		elapsed time.Duration
	}
	var mu sync.Mutex
	var outcomes []outcome
	for range rounds {
		var bombs sync.WaitGroup
		for name, id := range reactors {
			bombs.Go(func() {
				start := time.Now()
				status, body, err := p.try(t.Context(), "POST", "/reactors/"+id+"/react", app.Key, `{"args":{}}`)
				assert.NoError(t, err)
				assert.Contains(t, []int{http.StatusRequestTimeout, http.StatusInternalServerError}, status, "%s: %s", name, body)
				mu.Lock()
				outcomes = append(outcomes, outcome{name, status, time.Since(start)})
				mu.Unlock()
			})
		}
		bombs.Wait()
	}
	time.Sleep(200 * time.Millisecond) // the reader after the storm
	close(stop)
	wg.Wait()

	select {
	case <-p.done:
		t.Fatalf("vaultd died:\n%s", p.stderr)
	default:
	}
	for _, o := range outcomes {
		t.Logf("%s: %d after %s", o.name, o.status, o.elapsed.Round(time.Millisecond))
		assert.Less(t, o.elapsed, drillTimeout+time.Second, "%s ends within its time limit plus 1 s", o.name)
	}
	assert.Empty(t, readFailures)
	slices.Sort(latencies)
	p99 := latencies[len(latencies)*99/100]
	t.Logf("reader: %d reads, p50 %s, p99 %s, max %s; vaultd RSS idle %d MiB, peak %d MiB",
		len(latencies), latencies[len(latencies)/2], p99, latencies[len(latencies)-1], idle>>20, peak>>20)
	assert.Less(t, p99, drillReaderP99)
	assert.Less(t, peak-idle, int64(drillRSSGrowth))
	// Still serving reactors afterwards.
	status, body = p.do(t, "POST", "/reactors", mgmt, `{"name":"fine","code":"module.exports = () => ({ raw: 'fine' })"}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var fine struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &fine))
	status, body = p.do(t, "POST", "/reactors/"+fine.ID+"/react", app.Key, `{"args":{}}`)
	require.Equal(t, http.StatusOK, status, "%s", body)
	assert.Contains(t, string(body), "fine")
}
