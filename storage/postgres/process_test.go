package postgres_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/storagetest"
)

// Tests below re-execute the test binary: the parent starts children that
// run one of the *Child tests, told what to do by these variables.
const (
	envChild  = "VAULT_TEST_CHILD"  // which child test runs; others skip
	envSchema = "VAULT_TEST_SCHEMA" // the schema the child opens
	envCount  = "VAULT_TEST_COUNT"  // increments per goroutine
	envRound  = "VAULT_TEST_ROUND"  // crash round, to name keys
)

// child returns a command that runs test in a new process of this binary.
func child(t *testing.T, test string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...) // VAULT_TEST_POSTGRES_DSN is inherited
	return cmd
}

// TestIncrementsAcrossProcesses runs two processes that increment one
// counter at once: no increment may be lost between them.
func TestIncrementsAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	const procs, workers, per = 2, 8, 40
	cmds := make([]*exec.Cmd, procs)
	outs := make([]bytes.Buffer, procs)
	for i := range cmds {
		cmds[i] = child(t, "TestIncrementChild", envChild+"=increment", envSchema+"="+schema, envCount+"="+strconv.Itoa(per))
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		require.NoError(t, cmds[i].Start())
	}
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "child %d:\n%s", i, outs[i].String())
		require.Contains(t, outs[i].String(), "increments done", "child %d ran its test", i)
	}
	s := mustOpen(t, schema)
	defer s.Close()
	n, err := storagetest.ReadCounter(t.Context(), s, "counters", []byte("shared"))
	require.NoError(t, err)
	assert.Equal(t, uint64(procs*workers*per), n)
}

// TestIncrementChild is one process of TestIncrementsAcrossProcesses.
func TestIncrementChild(t *testing.T) {
	if os.Getenv(envChild) != "increment" {
		t.Skip("a child of TestIncrementsAcrossProcesses")
	}
	per, err := strconv.Atoi(os.Getenv(envCount))
	require.NoError(t, err)
	// Both children open the new schema at once: the migration races too.
	s := mustOpen(t, os.Getenv(envSchema))
	defer s.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range per {
				if err := storagetest.Increment(context.Background(), s, "counters", []byte("shared"), 1); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	fmt.Println("increments done")
}

// TestCrashKeepsAcknowledgedWrites kills a writing process at a random
// moment, ten times, and checks after each that every write it saw
// acknowledged is there, that each transaction is there whole or not at all,
// and that nothing of a failed transaction is.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	schema := newSchema(t)
	require.NoError(t, mustOpen(t, schema).Close())
	for round := range 10 {
		cmd := child(t, "TestCrashChild", envChild+"=crash", envSchema+"="+schema, envRound+"="+strconv.Itoa(round))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())

		var acked []string
		first := make(chan struct{})
		read := make(chan struct{})
		go func() {
			defer close(read)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if key, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
					if len(acked) == 0 {
						close(first)
					}
					acked = append(acked, key)
				}
			}
		}()
		select {
		case <-first:
		case <-read:
		case <-time.After(60 * time.Second):
		}
		time.Sleep(rand.N(300 * time.Millisecond))
		require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred call runs
		<-read
		_ = cmd.Wait()
		require.NotEmpty(t, acked, "round %d: the child acknowledged nothing:\n%s", round, stderr.String())

		s := mustOpen(t, schema)
		require.NoError(t, s.View(t.Context(), func(tx storage.Tx) error {
			for _, k := range acked {
				if _, err := tx.Get("a", []byte(k)); err != nil {
					return fmt.Errorf("round %d: acknowledged key %s: %w", round, k, err)
				}
			}
			a, b := keys(t, tx, "a"), keys(t, tx, "b")
			assert.Equal(t, a, b, "round %d: each transaction wrote both buckets or neither", round)
			for _, k := range a {
				assert.False(t, strings.HasPrefix(k, "fail-"), "round %d: a failed transaction's write %s is visible", round, k)
			}
			return nil
		}))
		require.NoError(t, s.Close())
		t.Logf("round %d: %d writes acknowledged before the kill", round, len(acked))
	}
}

func keys(t *testing.T, tx storage.Tx, bucket string) []string {
	var out []string
	require.NoError(t, tx.Scan(bucket, storage.ScanOptions{}, func(k, _ []byte) error {
		out = append(out, string(k))
		return nil
	}))
	return out
}

// TestCrashChild is the process TestCrashKeepsAcknowledgedWrites kills. It
// writes until then, printing each key once its Update returned nil; every
// fifth transaction fails after writing.
func TestCrashChild(t *testing.T) {
	if os.Getenv(envChild) != "crash" {
		t.Skip("a child of TestCrashKeepsAcknowledgedWrites")
	}
	round := os.Getenv(envRound)
	s := mustOpen(t, os.Getenv(envSchema))
	defer s.Close()
	// An orphan stops by itself; a killed child never gets here.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errFail := errors.New("deliberate failure")
	var out sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("r%s-g%d-%06d", round, g, i)
				fail := i%5 == 4
				if fail {
					key = "fail-" + key
				}
				err := s.Update(ctx, func(tx storage.Tx) error {
					for _, b := range []string{"a", "b"} {
						if err := tx.Put(b, []byte(key), []byte(round)); err != nil {
							return err
						}
					}
					if fail {
						return errFail
					}
					return nil
				})
				switch {
				case err == nil:
					out.Lock()
					fmt.Printf("ack %s\n", key) // one write(2): a kill cuts no line
					out.Unlock()
				case fail && errors.Is(err, errFail):
				case ctx.Err() != nil:
					return
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
