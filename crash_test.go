package vault_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// The crash tests run a child process (this test binary, re-executed) that
// works on a vault file and reports each acknowledged step on stdout; the
// parent kills it with SIGKILL at a random moment and checks the file.

const crashEnv = "VAULT_CRASH_CHILD"

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnv)
	if mode == "" {
		t.Skip("runs only as the child of a crash test")
	}
	path := os.Getenv("VAULT_CRASH_PATH")
	v, err := vault.Open(path, vault.WithSweepInterval(0))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ctx := context.Background()
	txn, err := v.BeginTransaction(ctx)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("txn", txn.ID)
	in := vault.WithTransaction(ctx, txn.ID)
	n := 1 << 30
	if mode == "commit" {
		n = 200
	}
	for i := range n {
		tok, err := v.CreateToken(in, vault.CreateTokenRequest{Type: vault.TypeToken, Data: i, Metadata: map[string]string{"batch": "crash"}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("staged", tok.ID)
	}
	fmt.Println("committing")
	if err := v.CommitTransaction(ctx, txn.ID); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("committed")
	time.Sleep(time.Hour) // wait to be killed
}

type crashChild struct {
	cmd    *exec.Cmd
	lines  chan string
	txn    string
	staged []string
}

func startCrashChild(t *testing.T, mode, path string) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), crashEnv+"="+mode, "VAULT_CRASH_PATH="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	c := &crashChild{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// read consumes lines until stop returns true or the child ends.
func (c *crashChild) read(t *testing.T, stop func(line string) bool) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return
			}
			switch f := strings.Fields(line); {
			case len(f) == 2 && f[0] == "txn":
				c.txn = f[1]
			case len(f) == 2 && f[0] == "staged":
				c.staged = append(c.staged, f[1])
			case len(f) > 0 && f[0] == "error":
				t.Fatalf("child failed: %s", line)
			}
			if stop(line) {
				return
			}
		case <-timeout:
			t.Fatal("child stalled")
		}
	}
}

func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
	_ = c.cmd.Wait()
	for range c.lines { // drain what was printed before the kill
	}
}

func countCrashTokens(t *testing.T, v *vault.Vault) int {
	t.Helper()
	n := 0
	for _, err := range v.AllTokens(t.Context(), vault.ListTokensRequest{Metadata: map[string]string{"batch": "crash"}, Size: 100}) {
		require.NoError(t, err)
		n++
	}
	return n
}

// TestCrashWhileStaging kills the child while it stages creates: after a
// reopen nothing is visible, the transaction is still open, and committing
// it makes every acknowledged create visible.
func TestCrashWhileStaging(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests spawn processes")
	}
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "vault.db")
		c := startCrashChild(t, "stage", path)
		target := 3 + rand.IntN(40)
		c.read(t, func(string) bool { return len(c.staged) >= target })
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		c.kill(t)

		v, err := vault.Open(path, vault.WithSweepInterval(0))
		require.NoError(t, err, "round %d", round)
		require.NoError(t, v.Check(t.Context()))
		assert.Zero(t, countCrashTokens(t, v), "round %d: nothing staged is visible", round)
		require.NoError(t, v.CommitTransaction(t.Context(), c.txn), "round %d: the transaction is still open", round)
		for _, id := range c.staged {
			_, err := v.GetToken(t.Context(), id)
			require.NoError(t, err, "round %d: an acknowledged staged create is committed", round)
		}
		require.NoError(t, v.Check(t.Context()))
		require.NoError(t, v.Close())
	}
}

// TestCrashDuringCommit kills the child while it commits 200 staged creates:
// after a reopen either all of them are visible or none, and in the second
// case the transaction can still be committed.
func TestCrashDuringCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests spawn processes")
	}
	outcomes := map[string]int{}
	for round := range 8 {
		path := filepath.Join(t.TempDir(), "vault.db")
		c := startCrashChild(t, "commit", path)
		c.read(t, func(line string) bool { return line == "committing" })
		time.Sleep(time.Duration(rand.IntN(20000)) * time.Microsecond)
		c.kill(t)

		v, err := vault.Open(path, vault.WithSweepInterval(0))
		require.NoError(t, err)
		require.NoError(t, v.Check(t.Context()))
		switch n := countCrashTokens(t, v); n {
		case 0:
			outcomes["none"]++
			require.NoError(t, v.CommitTransaction(t.Context(), c.txn), "round %d: an uncommitted transaction stays open", round)
			assert.Equal(t, 200, countCrashTokens(t, v))
		case 200:
			outcomes["all"]++
			requireKind(t, v.CommitTransaction(t.Context(), c.txn), vault.KindConflict)
		default:
			t.Fatalf("round %d: %d of 200 creates visible after a crash during commit", round, n)
		}
		require.NoError(t, v.Check(t.Context()))
		require.NoError(t, v.Close())
	}
	t.Logf("outcomes: %v", outcomes)
}
