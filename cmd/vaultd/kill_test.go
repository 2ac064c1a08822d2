package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// killRounds is how many times TestKillDrill kills vaultd
// (VAULT_KILL_ROUNDS overrides it).
const killRounds = 10

// drillLedger is what clients were told: tokens acknowledged (by id, with
// their data), transactions whose commit was acknowledged, and those whose
// fate is open (the commit was sent but the answer lost with the kill) or
// never committed.
type drillLedger struct {
	mu        sync.Mutex
	tokens    map[string]string   // acknowledged creates outside transactions: id -> data
	committed map[string][]string // acknowledged commits: transaction -> its tokens
	open      map[string][]string // commits sent, answer lost
	uncommit  map[string][]string // never committed
	data      map[string]string   // every token id staged or created -> its data
}

// TestKillDrill SIGKILLs vaultd killRounds times while 12 clients create
// tokens and run token transactions (create two tokens, commit) over HTTP;
// after each restart every acknowledged token is there with identical
// data, every acknowledged commit's tokens are, a commit whose answer was
// lost is all there or all absent, nothing of a transaction never committed
// is visible, and vaultd check is clean at the end.
func TestKillDrill(t *testing.T) {
	rounds := killRounds
	if n, err := strconv.Atoi(os.Getenv("VAULT_KILL_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	key := p.privateApp(t, readKey(t, keyFile))
	led := &drillLedger{tokens: map[string]string{}, committed: map[string][]string{}, open: map[string][]string{},
		uncommit: map[string][]string{}, data: map[string]string{}}
	acked := 0
	for round := range rounds {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for c := range 12 {
			wg.Go(func() { drillClient(ctx, p, key, led, fmt.Sprintf("r%dc%d", round, c), c%3 == 0) })
		}
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		p.wait(t)
		cancel()
		wg.Wait()

		p = startServe(t, dir, nil)
		acked += verifyLedger(t, p, key, led)
	}
	require.Equal(t, 0, p.stop(t))
	code, stdout, stderr := runCmd(t, nil, "check", "--path", filepath.Join(dir, "vault.db"))
	assert.Equal(t, 0, code, "vaultd check: %s%s", stdout, stderr)
	t.Logf("kill drill: %d kills; %d tokens and %d commits acknowledged, %d transactions never committed; "+
		"%d reads of acknowledged tokens after restarts: 0 lost, 0 changed, no transaction half applied",
		rounds, len(led.tokens), len(led.committed), len(led.uncommit), acked)
}

// drillClient creates tokens (or, with txns, runs transactions) until the
// server dies or ctx ends, writing what it was told to led.
func drillClient(ctx context.Context, p *proc, key string, led *drillLedger, name string, txns bool) {
	for i := 0; ctx.Err() == nil; i++ {
		if !txns {
			data := name + "-" + strconv.Itoa(i)
			id, ok := drillCreate(ctx, p, key, "", data)
			if !ok {
				return
			}
			led.mu.Lock()
			led.tokens[id], led.data[id] = data, data
			led.mu.Unlock()
			continue
		}
		status, body, err := drillRequest(ctx, p, "POST", "/transactions", key, "", "")
		if err != nil || status != http.StatusCreated {
			return
		}
		var txn struct{ ID string }
		if json.Unmarshal(body, &txn) != nil {
			return
		}
		var staged []string
		for j := range 2 {
			data := fmt.Sprintf("%s-t%d-%d", name, i, j)
			id, ok := drillCreate(ctx, p, key, txn.ID, data)
			if !ok {
				led.mu.Lock()
				led.uncommit[txn.ID] = staged
				led.mu.Unlock()
				return
			}
			led.mu.Lock()
			led.data[id] = data
			led.mu.Unlock()
			staged = append(staged, id)
		}
		led.mu.Lock()
		led.open[txn.ID] = staged // sent: its fate is open until answered
		led.mu.Unlock()
		status, _, err = drillRequest(ctx, p, "POST", "/transactions/"+txn.ID+"/commit", key, "", "")
		if err != nil {
			return // the answer was lost: the commit stays open
		}
		led.mu.Lock()
		delete(led.open, txn.ID)
		if status == http.StatusOK {
			led.committed[txn.ID] = staged
		} else {
			led.uncommit[txn.ID] = staged
		}
		led.mu.Unlock()
	}
}

// drillCreate creates a token of data (in transaction txn when set) and
// returns its id.
func drillCreate(ctx context.Context, p *proc, key, txn, data string) (string, bool) {
	status, body, err := drillRequest(ctx, p, "POST", "/tokens", key, txn, fmt.Sprintf(`{"type":"token","data":%q}`, data))
	if err != nil || status != http.StatusCreated {
		return "", false
	}
	var tok struct{ ID string }
	if json.Unmarshal(body, &tok) != nil || tok.ID == "" {
		return "", false
	}
	return tok.ID, true
}

// drillRequest is proc.try with a transaction header.
func drillRequest(ctx context.Context, p *proc, method, path, key, txn, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+p.addr+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("BT-API-KEY", key)
	if txn != "" {
		req.Header.Set("BT-TRANSACTION-ID", txn)
	}
	res, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// verifyLedger checks the restarted server against led and returns how
// many acknowledged tokens it read back. Open commits are settled here:
// once seen all present or all absent, they are moved where they belong.
func verifyLedger(t *testing.T, p *proc, key string, led *drillLedger) int {
	t.Helper()
	led.mu.Lock()
	defer led.mu.Unlock()
	read := func(id string) (string, bool) {
		status, body := p.do(t, "GET", "/tokens/"+id, key, "")
		if status == http.StatusNotFound {
			return "", false
		}
		require.Equal(t, http.StatusOK, status, "%s", body)
		var tok struct{ Data string }
		require.NoError(t, json.Unmarshal(body, &tok))
		return tok.Data, true
	}
	n := 0
	for id, data := range led.tokens {
		got, ok := read(id)
		require.True(t, ok, "acknowledged token %s lost", id)
		require.Equal(t, data, got, "acknowledged token %s changed", id)
		n++
	}
	for txn, ids := range led.committed {
		for _, id := range ids {
			got, ok := read(id)
			require.True(t, ok, "token %s of acknowledged commit %s lost", id, txn)
			require.Equal(t, led.data[id], got)
			n++
		}
	}
	for txn, ids := range led.uncommit {
		for _, id := range ids {
			_, ok := read(id)
			require.False(t, ok, "token %s of transaction %s, never committed, is visible", id, txn)
		}
	}
	for txn, ids := range led.open {
		present := 0
		for _, id := range ids {
			if got, ok := read(id); ok {
				require.Equal(t, led.data[id], got)
				present++
			}
		}
		require.True(t, present == 0 || present == len(ids), "transaction %s is half committed: %d of %d tokens", txn, present, len(ids))
		delete(led.open, txn)
		if present > 0 {
			led.committed[txn] = ids
		} else {
			led.uncommit[txn] = ids
		}
	}
	return n
}
