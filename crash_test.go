package vault_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	if mode == "events" {
		crashChildEvents(path)
		return
	}
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

// crashChildEvents raises events and reports them: its handler appends
// "<event id> <type> <token id>" to path+".events" for each event delivered,
// until VAULT_CRASH_BLOCK_AFTER events, and then blocks forever. It makes a
// create that fails validation and rolls back a transaction with staged
// creates ("rolledback" once it is rolled back), then creates tokens,
// printing "created <id>" for each acknowledged one, until it is killed.
func crashChildEvents(path string) {
	fail := func(err error) {
		fmt.Println("error", err)
		os.Exit(2)
	}
	out, err := os.OpenFile(path+".events", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fail(err)
	}
	blockAfter, err := strconv.Atoi(os.Getenv("VAULT_CRASH_BLOCK_AFTER"))
	if err != nil {
		fail(err)
	}
	delivered := 0
	// fastOutbox: the lease the killed child leaves behind expires soon.
	v, err := vault.Open(path, vault.WithSweepInterval(0), fastOutbox, vault.WithEventHandler(func(_ context.Context, e vault.Event) {
		if delivered == blockAfter {
			select {} // a handler stuck for good: delivery stops here
		}
		delivered++
		// One write per line: a kill loses no line written before it.
		if _, err := fmt.Fprintf(out, "%s %s %s\n", e.ID, e.Type, tokenIDOf(e)); err != nil {
			fail(err)
		}
	}))
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	if _, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: "never-invalid", Type: vault.TypeCardNumber, Data: "4242424242424241"}); err == nil {
		fail(errors.New("a card number failing the Luhn check was accepted"))
	}
	txn, err := v.BeginTransaction(ctx)
	if err != nil {
		fail(err)
	}
	for i := range 3 {
		if _, err := v.CreateToken(vault.WithTransaction(ctx, txn.ID), vault.CreateTokenRequest{ID: fmt.Sprintf("never-staged-%d", i), Type: vault.TypeToken, Data: i}); err != nil {
			fail(err)
		}
	}
	if err := v.RollbackTransaction(ctx, txn.ID); err != nil {
		fail(err)
	}
	fmt.Println("rolledback", txn.ID)
	for i := 0; ; i++ {
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: i})
		if err != nil {
			fail(err)
		}
		fmt.Println("created", tok.ID)
	}
}

type crashChild struct {
	cmd    *exec.Cmd
	lines  chan string
	txn    string
	staged []string
}

func startCrashChild(t *testing.T, mode, path string, env ...string) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
	cmd.Env = append(append(os.Environ(), crashEnv+"="+mode, "VAULT_CRASH_PATH="+path), env...)
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

// TestCrashWithEventsPending kills the child while it creates tokens and its
// handler is stuck: after a reopen every acknowledged token's token.created
// is delivered (before the crash or after the restart, deduplicated by event
// id), none twice after the restart, and none for a token that never
// committed (a create that failed, creates staged in a rolled-back
// transaction).
func TestCrashWithEventsPending(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests spawn processes")
	}
	for round := range 4 {
		path := filepath.Join(t.TempDir(), "vault.db")
		blockAfter := 2 + rand.IntN(30)
		c := startCrashChild(t, "events", path, fmt.Sprintf("VAULT_CRASH_BLOCK_AFTER=%d", blockAfter))
		var acked []string
		rolledBack := ""
		target := blockAfter + 10 + rand.IntN(60)
		c.read(t, func(line string) bool {
			switch f := strings.Fields(line); {
			case len(f) == 2 && f[0] == "rolledback":
				rolledBack = f[1]
			case len(f) == 2 && f[0] == "created":
				acked = append(acked, f[1])
			}
			return len(acked) >= target
		})
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		c.kill(t)
		require.Len(t, acked, target, "round %d: the child kept creating tokens while its handler was stuck", round)

		seen := map[string]bool{}    // event ids delivered before or after the crash
		created := map[string]bool{} // token ids of the token.created delivered
		check := func(when, id, typ, token string) {
			assert.NotContains(t, token, "never", "round %d: %s: an event for a token that never committed", round, when)
			seen[id] = true
			if typ == vault.EventTokenCreated {
				created[token] = true
			}
		}
		before, err := os.ReadFile(path + ".events")
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(before)), "\n")
		if len(lines) == 1 && lines[0] == "" {
			lines = nil
		}
		assert.LessOrEqual(t, len(lines), blockAfter)
		for _, line := range lines {
			f := strings.Fields(line)
			require.GreaterOrEqual(t, len(f), 2, "round %d: %q", round, line)
			check("before the crash", f[0], f[1], strings.Join(f[2:], ""))
		}

		log := &eventLog{}
		v, err := vault.Open(path, vault.WithSweepInterval(0), vault.WithEventHandler(log.handle))
		require.NoError(t, err, "round %d", round)
		require.NoError(t, v.FlushEvents(t.Context()))
		require.NoError(t, v.Check(t.Context()))
		after := map[string]bool{}
		rollbackSeen := false
		for _, e := range log.all() {
			assert.False(t, after[e.ID], "round %d: event %s delivered twice after the restart", round, e.ID)
			after[e.ID] = true
			check("after the restart", e.ID, e.Type, tokenIDOf(e))
			if e.Type == vault.EventTransactionRolledBack {
				rollbackSeen = rollbackSeen || e.Data["transaction"].(map[string]any)["id"] == rolledBack
			}
		}
		for _, line := range lines {
			rollbackSeen = rollbackSeen || strings.Contains(line, vault.EventTransactionRolledBack)
		}
		assert.True(t, rollbackSeen, "round %d: transaction.rolled_back delivered", round)
		for _, id := range acked {
			assert.True(t, created[id], "round %d: token.created of acknowledged token %s delivered", round, id)
		}
		require.NoError(t, v.Close())
	}
}
