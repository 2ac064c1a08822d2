package main_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestResidentMemory measures vaultd's resident memory after creating
// $VAULTD_RSS_TOKENS tokens over HTTP from 64 clients (the figure is
// for 1,000,000). It is a measurement, not a check, and takes minutes:
//
//	VAULTD_RSS_TOKENS=1000000 go test ./cmd/vaultd -run TestResidentMemory -v -timeout 1h
func TestResidentMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VAULTD_RSS_TOKENS"))
	if n <= 0 {
		t.Skip("VAULTD_RSS_TOKENS not set")
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	key := p.privateApp(t, readKey(t, keyFile))
	rss := func() string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
		require.NoError(t, err)
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmRSS") || strings.HasPrefix(line, "VmHWM") || strings.HasPrefix(line, "RssAnon") || strings.HasPrefix(line, "RssFile") {
				out = append(out, strings.Join(strings.Fields(line), " "))
			}
		}
		return strings.Join(out, ", ")
	}
	t.Logf("before: %s", rss())

	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				status, body, err := p.try(context.Background(), "POST", "/tokens", key,
					`{"type":"card_number","data":"4242424242424242","metadata":{"n":"`+strconv.FormatInt(i, 10)+`"}}`)
				if err != nil || status != http.StatusCreated {
					t.Errorf("token %d: %d %v %s", i, status, err, body)
					return
				}
				if i%100_000 == 0 {
					t.Logf("%d tokens in %s: %s", i, time.Since(start).Round(time.Second), rss())
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	st, err := os.Stat(filepath.Join(dir, "vault.db"))
	require.NoError(t, err)
	t.Logf("after %d tokens in %s (%.0f tokens/s): %s; vault file %d MiB",
		n, elapsed.Round(time.Second), float64(n)/elapsed.Seconds(), rss(), st.Size()>>20)
	require.Equal(t, 0, p.stop(t))
}
