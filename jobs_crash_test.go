package vault_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/postgres"
)

const jobChildEnv = "VAULT_JOB_CHILD_SCHEMA"

// TestJobChild is the body of the process TestKilledProcessJobIsFinished
// kills: a vault on the parent's PostgreSQL schema with one reactor worker.
func TestJobChild(t *testing.T) {
	schema := os.Getenv(jobChildEnv)
	if schema == "" {
		t.Skip("runs only as the child of TestKilledProcessJobIsFinished")
	}
	store, err := postgres.Open(context.Background(), postgres.Config{DSN: os.Getenv("VAULT_TEST_POSTGRES_DSN"), Schema: schema})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0), vault.WithReactorWorkers(1))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	defer v.Close()
	fmt.Println("ready")
	time.Sleep(time.Hour) // until killed
}

// TestKilledProcessJobIsFinished kills (SIGKILL) a vault process on
// PostgreSQL while it runs an asynchronous reactor; another vault on the
// same database, with the default job lease, finishes the job well within
// 30 s of the kill.
func TestKilledProcessJobIsFinished(t *testing.T) {
	schema := newPostgresSchema(t)
	ctx := t.Context()
	observer := openPostgresVaultWith(t, schema, vault.WithReactorWorkers(0))
	r := mustCreateReactor(t, ctx, observer, vault.CreateReactorRequest{Name: "slow",
		Code: `module.exports = async (req) => { await new Promise((r) => setTimeout(r, 2000)); return { raw: req.args.n } }`})

	cmd := exec.Command(os.Args[0], "-test.run=^TestJobChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), jobChildEnv+"="+schema)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	require.True(t, sc.Scan(), "the child started")
	require.Equal(t, "ready", sc.Text())

	id, err := observer.ReactAsync(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"n": 42}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		res, err := observer.GetReactResult(ctx, r.ID, id)
		return err == nil && res.Status == vault.ReactRunning
	}, 20*time.Second, 5*time.Millisecond, "the child took the job (no other process has workers)")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	killed := time.Now()
	_ = cmd.Wait()

	survivor := openPostgresVaultWith(t, schema, vault.WithReactorWorkers(1))
	var res *vault.ReactResult
	require.Eventually(t, func() bool {
		res, err = survivor.GetReactResult(ctx, r.ID, id)
		return err == nil && res.Status == vault.ReactCompleted
	}, 30*time.Second, 10*time.Millisecond, "the killed process's job was not finished within 30 s")
	took := time.Since(killed)
	t.Logf("the job of the killed process finished %v after the kill", took.Round(time.Millisecond))
	assert.Less(t, took, 30*time.Second)
	assert.JSONEq(t, `42`, string(res.Response.Raw))
	require.NoError(t, survivor.Check(ctx))
}

func openPostgresVaultWith(t *testing.T, schema string, opts ...vault.Option) *vault.Vault {
	t.Helper()
	v, err := vault.Open("", append([]vault.Option{vault.WithStore(openPostgresStore(t, schema)), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v
}
