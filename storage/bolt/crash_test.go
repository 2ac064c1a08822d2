package bolt_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/bolt"
)

// Environment of the child process of TestCrash.
const (
	crashDBEnv  = "VAULT_BOLT_CRASH_DB"  // the file the child writes to
	crashRunEnv = "VAULT_BOLT_CRASH_RUN" // a run number, so keys are distinct across runs
)

// TestCrash kills a writing child process with SIGKILL at random moments, ten
// times on the same file, and checks after each kill that the file is
// consistent and holds every key whose Update returned nil.
func TestCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	acked := map[string]bool{}
	for run := range 10 {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=60s")
		cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashRunEnv+"="+strconv.Itoa(run))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())

		// Kill after a random number of acknowledgements (sometimes none),
		// then a random delay.
		killAfter := rng.IntN(300)
		delay := time.Duration(rng.IntN(20_000)) * time.Microsecond
		var timer *time.Timer
		kill := func() { timer = time.AfterFunc(delay, func() { _ = cmd.Process.Kill() }) }
		if killAfter == 0 {
			kill()
		}
		n := 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			key, ok := strings.CutPrefix(sc.Text(), "ack ")
			if !ok {
				continue
			}
			acked[key] = true
			if n++; n == killAfter {
				kill()
			}
		}
		err = cmd.Wait()
		if timer != nil {
			timer.Stop()
		}
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL,
			"run %d: the child was not killed (%v); stderr:\n%s", run, err, stderr.String())

		s, err := bolt.Open(path, &bolt.Config{Timeout: 5 * time.Second})
		require.NoError(t, err, "run %d: reopen after the kill", run)
		require.NoError(t, s.Check(t.Context()), "run %d", run)
		missing := 0
		require.NoError(t, s.View(t.Context(), func(tx storage.Tx) error {
			for key := range acked {
				if _, err := tx.Get("crash", []byte(key)); err != nil {
					missing++
				}
			}
			return nil
		}))
		require.NoError(t, s.Close())
		assert.Zero(t, missing, "run %d: acknowledged keys lost (killed after %d acks)", run, n)
		t.Logf("run %d: killed after %d acks (+%v); %d keys acknowledged in all", run, n, delay, len(acked))
	}
}

// TestCrashChild is the child process of TestCrash: several goroutines write
// distinct keys and print each key once its Update returned nil, until the
// process is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("the child process of TestCrash")
	}
	run := os.Getenv(crashRunEnv)
	s, err := bolt.Open(path, &bolt.Config{Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer func() { _ = s.Close() }()

	deadline := time.Now().Add(20 * time.Second) // in case the parent never kills
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			value := bytes.Repeat([]byte{byte(g)}, 128)
			for i := 0; time.Now().Before(deadline); i++ {
				key := fmt.Sprintf("r%s-g%d-%07d", run, g, i)
				if err := s.Update(context.Background(), func(tx storage.Tx) error {
					return tx.Put("crash", []byte(key), value)
				}); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				_, err := fmt.Fprintf(os.Stdout, "ack %s\n", key)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}
