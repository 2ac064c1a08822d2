package vault_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

const hookChildPath = "VAULT_HOOK_CHILD_PATH"

// hookVault opens the crash test's vault file, with short leases so that a
// new process takes over a dead one's outbox and jobs quickly.
func hookVault(t *testing.T, path string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(path, vault.WithSweepInterval(0), vault.WithWebhookHosts("127.0.0.1"), vault.WithJobLease(200*time.Millisecond),
		vault.WithOutboxTimingForTest(10*time.Millisecond, 300*time.Millisecond, 100*time.Millisecond),
		vault.WithWebhookBackoffForTest(5*time.Millisecond, 50*time.Millisecond))
	require.NoError(t, err)
	return v
}

// TestHookChild is the body of the process TestWebhookDeliveriesSurviveKill
// kills: it creates tokens in a loop, printing each id once its create
// committed, until it is killed.
func TestHookChild(t *testing.T) {
	path := os.Getenv(hookChildPath)
	if path == "" {
		t.Skip("runs only as the child of TestWebhookDeliveriesSurviveKill")
	}
	v := hookVault(t, path)
	fmt.Println("ready")
	for {
		tok, err := v.CreateToken(context.Background(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x"})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("token", tok.ID)
	}
}

// TestWebhookDeliveriesSurviveKill kills (SIGKILL) a vault process while it
// raises events whose deliveries the receiver holds up (so that some are
// committed and not yet fanned out, some queued, some in flight); a new
// vault on the same file then delivers every event the child committed.
func TestWebhookDeliveriesSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	var mu sync.Mutex
	got := map[string]bool{}
	release := make(chan struct{})
	held := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		wait := held
		mu.Unlock()
		if wait { // the child's deliveries: held until it is dead, then failed
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var b struct {
			Event struct {
				Data struct {
					Token struct {
						ID string `json:"id"`
					} `json:"token"`
				} `json:"data"`
			} `json:"event"`
		}
		if json.Unmarshal(body, &b) == nil && b.Event.Data.Token.ID != "" {
			mu.Lock()
			got[b.Event.Data.Token.ID] = true
			mu.Unlock()
		}
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "vault.db")
	setup := hookVault(t, path)
	_, err := setup.CreateWebhook(t.Context(), vault.CreateWebhookRequest{Name: "h", URL: srv.URL + "/hook", Events: []string{vault.EventTokenCreated}})
	require.NoError(t, err)
	require.NoError(t, setup.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestHookChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), hookChildPath+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	require.True(t, sc.Scan(), "the child started")
	require.Equal(t, "ready", sc.Text())
	var tokens []string
	lines := make(chan string, 10000)
	go func() {
		defer close(lines)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	time.AfterFunc(400*time.Millisecond, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	for line := range lines {
		if id, ok := strings.CutPrefix(line, "token "); ok {
			tokens = append(tokens, id)
		}
	}
	_ = cmd.Wait()
	require.Greater(t, len(tokens), 10, "the child committed tokens before it died")
	mu.Lock()
	held = false
	mu.Unlock()
	close(release)

	v := hookVault(t, path)
	defer v.Close()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(tokens)
	}, 30*time.Second, 10*time.Millisecond, "every committed token's event is delivered")
	mu.Lock()
	defer mu.Unlock()
	for _, id := range tokens {
		assert.True(t, got[id], "token %s: its token.created was lost", id)
	}
}
