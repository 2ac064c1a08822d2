package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/schollz/progressbar/v3"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage/postgres"
)

// benchOps are the operations vaultd bench knows, in the order it runs
// them.
var benchOps = []string{"create", "get", "search", "detokenize", "react", "exchange", "authorize"}

// benchResult is one (mode, operation) run.
type benchResult struct {
	Store      string  `json:"store"`
	Mode       string  `json:"mode"`
	Op         string  `json:"op"`
	Clients    int     `json:"clients"`
	Ops        int     `json:"ops"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	OpsPerSec  float64 `json:"ops_per_sec"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	P999Ms     float64 `json:"p999_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

// bench runs a load against a vault of its own (a temporary bolt file, an
// in-memory vault, or a fresh PostgreSQL schema), in process and over
// HTTP, and prints throughput and latency percentiles per operation.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	fl := newFlags("bench", stderr, getenv)
	storeName := fl.String("store", "bolt", "memory, bolt (a temporary file) or postgres (a fresh schema of --postgres-dsn, dropped after)")
	dsn := fl.secret("postgres-dsn", "VAULT_POSTGRES_DSN", "the PostgreSQL database of --store postgres")
	clients := fl.Int("clients", 64, "concurrent clients")
	duration := fl.Duration("duration", 3*time.Second, "how long each operation runs")
	opList := fl.String("ops", strings.Join(benchOps, ","), "the operations to run, comma-separated: "+strings.Join(benchOps, ", "))
	modeList := fl.String("modes", "in-process,http", "in-process, http, or both comma-separated")
	asJSON := fl.Bool("json", false, "print the results as JSON instead of a table")
	pool := fl.Int("tokens", 1000, "how many card tokens the reads (get, search, detokenize, react, exchange) pick from, created first")
	if code, ok := fl.parse(args); !ok {
		return code
	}
	ops, err := benchList(*opList, benchOps)
	if err == nil && (*clients < 1 || *pool < 1) {
		err = errors.New("--clients and --tokens must be at least 1")
	}
	var modes []string
	if err == nil {
		modes, err = benchList(*modeList, []string{"in-process", "http"})
	}
	if err != nil {
		fmt.Fprintln(stderr, "vaultd bench:", err)
		return exitUsage
	}

	v, cleanup, err := benchVault(ctx, *storeName, *dsn)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd bench:", err)
		return exitError
	}
	defer cleanup()
	fx, err := newBenchFixture(ctx, v, *pool, *clients)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd bench: setting up:", err)
		return exitError
	}
	srv, addr, err := benchServer(v)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd bench:", err)
		return exitError
	}
	defer srv.Close()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxIdleConns: *clients}}

	bar := progressbar.NewOptions(len(ops)*len(modes), progressbar.OptionSetWriter(stderr), progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	var results []benchResult
	for _, op := range ops {
		for _, mode := range modes {
			bar.Describe(mode + " " + op)
			run := fx.inProcess(op)
			if mode == "http" {
				run = fx.overHTTP(op, client, "http://"+addr)
			}
			r := benchRun(ctx, run, *clients, *duration)
			r.Store, r.Mode, r.Op = *storeName, mode, op
			results = append(results, r)
			_ = bar.Add(1)
		}
	}
	_ = bar.Finish()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(results)
	} else {
		printBench(stdout, results, modes)
	}
	for _, r := range results {
		if r.Errors > 0 {
			fmt.Fprintf(stderr, "vaultd bench: %s %s: %d errors, the first: %s\n", r.Mode, r.Op, r.Errors, r.FirstError)
			return exitError
		}
	}
	return exitOK
}

// benchList parses a comma-separated list of names out of known.
func benchList(s string, known []string) ([]string, error) {
	var out []string
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("unknown %q (known: %s)", name, strings.Join(known, ", "))
		}
		out = append(out, name)
	}
	return out, nil
}

// benchVault opens the vault to load.
func benchVault(ctx context.Context, store, dsn string) (*vault.Vault, func(), error) {
	kek := make([]byte, 32)
	_, _ = rand.Read(kek)
	provider, err := keys.NewLocal(kek)
	clear(kek)
	if err != nil {
		return nil, nil, err
	}
	opts := []vault.Option{vault.WithKeyProvider(provider), vault.WithLogger(slog.New(slog.DiscardHandler))}
	switch store {
	case "memory":
		v, err := vault.OpenMemory(opts[1:]...)
		return v, func() { _ = v.Close() }, err
	case "bolt":
		dir, err := os.MkdirTemp("", "vaultd-bench-*")
		if err != nil {
			return nil, nil, err
		}
		v, err := vault.Open(filepath.Join(dir, "vault.db"), opts...)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, nil, err
		}
		return v, func() { _ = v.Close(); _ = os.RemoveAll(dir) }, nil
	case "postgres":
		if dsn == "" {
			return nil, nil, errors.New("--store postgres needs --postgres-dsn")
		}
		schema := fmt.Sprintf("vaultd_bench_%016x", mrand.Uint64())
		st, err := postgres.Open(ctx, postgres.Config{DSN: dsn, Schema: schema})
		if err != nil {
			return nil, nil, err
		}
		drop := func() {
			if conn, err := pgx.Connect(context.Background(), dsn); err == nil {
				_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
				_ = conn.Close(context.Background())
			}
		}
		v, err := vault.Open("", append(opts, vault.WithStore(st))...)
		if err != nil {
			drop()
			return nil, nil, err
		}
		return v, func() { _ = v.Close(); drop() }, nil
	}
	return nil, nil, fmt.Errorf("unknown --store %q (memory, bolt or postgres)", store)
}

// benchServer serves v's REST API on a loopback port.
func benchServer(v *vault.Vault) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: httpapi.New(v), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr().String(), nil
}

// benchFixture is what the operations work on: a private application
// allowed all of them, cards, a reactor, an exchange and a connection.
type benchFixture struct {
	v          *vault.Vault
	ctx        context.Context // acts as the application
	key        string
	cards      []string // card tokens, metadata customer c0..c99
	approved   []string // cards the Simulator approves
	reactor    string
	exchange   string
	connection string
}

func newBenchFixture(ctx context.Context, v *vault.Vault, pool, clients int) (*benchFixture, error) {
	app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "vaultd bench", Type: vault.AppPrivate,
		Permissions: []string{vault.PermPaymentCreate},
		Rules: []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformReveal,
			Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenSearch, vault.PermTokenUse, vault.PermExchangeInvoke}}}})
	if err != nil {
		return nil, err
	}
	p, err := v.Authenticate(ctx, app.Key.Reveal())
	if err != nil {
		return nil, err
	}
	fx := &benchFixture{v: v, ctx: vault.WithPrincipal(ctx, p), key: app.Key.Reveal()}
	// The pool is created by clients goroutines: a million tokens take
	// minutes on bolt, not an hour.
	fx.cards = make([]string, pool)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var createErr error
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < pool; i = int(next.Add(1)) - 1 {
				tok, err := v.CreateToken(ctx, benchCard(randomCard(), map[string]string{"customer": "c" + strconv.Itoa(i%100)}))
				if err != nil {
					mu.Lock()
					createErr = err
					mu.Unlock()
					return
				}
				fx.cards[i] = tok.ID
			}
		})
	}
	wg.Wait()
	if createErr != nil {
		return nil, createErr
	}
	for range 20 {
		tok, err := v.CreateToken(ctx, benchCard(simulator.CardApproved, nil))
		if err != nil {
			return nil, err
		}
		fx.approved = append(fx.approved, tok.ID)
	}
	r, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "bench",
		Code: `module.exports = async (req) => ({ raw: { last4: req.args.card.number.slice(-4) } });`})
	if err != nil {
		return nil, err
	}
	fx.reactor = r.ID
	ex, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "bench", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardNumber}})
	if err != nil {
		return nil, err
	}
	fx.exchange = ex.ID
	c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "bench",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
	if err != nil {
		return nil, err
	}
	fx.connection = c.ID
	for deadline := time.Now().Add(30 * time.Second); ; {
		got, err := v.GetConnection(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if got.Status == vault.ConnectionAvailable {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the bench connection is %s", got.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fx, nil
}

func benchCard(number string, metadata map[string]string) vault.CreateTokenRequest {
	return vault.CreateTokenRequest{Type: vault.TypeCard, Metadata: metadata,
		Data: map[string]any{"number": number, "expiration_month": 12, "expiration_year": 2034}}
}

// randomCard returns a random Luhn-valid 16-digit number starting with 4.
func randomCard() string {
	digits := make([]byte, 15)
	digits[0] = '4'
	for i := 1; i < 15; i++ {
		n, _ := rand.Int(rand.Reader, big.NewInt(10))
		digits[i] = byte('0' + n.Int64())
	}
	sum := 0
	for i := 14; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (14-i)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return string(digits) + strconv.Itoa((10-sum%10)%10)
}

func (fx *benchFixture) card() string         { return fx.cards[mrand.IntN(len(fx.cards))] }
func (fx *benchFixture) approvedCard() string { return fx.approved[mrand.IntN(len(fx.approved))] }

// inProcess returns op as a call of the vault's methods.
func (fx *benchFixture) inProcess(op string) func() error {
	v, ctx := fx.v, fx.ctx
	switch op {
	case "create":
		return func() error { _, err := v.CreateToken(ctx, benchCard(randomCard(), nil)); return err }
	case "get":
		return func() error { _, err := v.GetToken(ctx, fx.card()); return err }
	case "search":
		return func() error {
			_, err := v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "metadata.customer:c" + strconv.Itoa(mrand.IntN(100)), Size: 20})
			return err
		}
	case "detokenize":
		return func() error {
			_, err := v.Detokenize(ctx, map[string]any{"n": "{{ " + fx.card() + " | json: '$.number' }}"})
			return err
		}
	case "react":
		return func() error {
			_, err := v.React(ctx, fx.reactor, vault.ReactRequest{Args: map[string]any{"card": "{{ " + fx.card() + " }}"}})
			return err
		}
	case "exchange":
		return func() error { _, err := v.Exchange(ctx, fx.exchange, fx.card()); return err }
	case "authorize":
		return func() error {
			p, err := v.CreatePayment(ctx, vault.CreatePaymentRequest{ConnectionID: fx.connection, Amount: 1000, Currency: "USD",
				Token: fx.approvedCard(), Intent: vault.IntentAuthorize})
			if err == nil && p.Status != vault.PaymentAuthorizationSucceed {
				err = fmt.Errorf("payment %s", p.Status)
			}
			return err
		}
	}
	panic("unknown op " + op)
}

// overHTTP returns op as a request to the REST API at base.
func (fx *benchFixture) overHTTP(op string, client *http.Client, base string) func() error {
	do := func(method, path, body string, want int) error {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("BT-API-KEY", fx.key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		if res.StatusCode != want {
			return fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	}
	switch op {
	case "create":
		return func() error {
			return do("POST", "/tokens", `{"type":"card","data":{"number":"`+randomCard()+`","expiration_month":12,"expiration_year":2034}}`, http.StatusCreated)
		}
	case "get":
		return func() error { return do("GET", "/tokens/"+fx.card(), "", http.StatusOK) }
	case "search":
		return func() error {
			return do("POST", "/v2/tokens/search", `{"query":"metadata.customer:c`+strconv.Itoa(mrand.IntN(100))+`","size":20}`, http.StatusOK)
		}
	case "detokenize":
		return func() error {
			return do("POST", "/detokenize", `{"n":"{{ `+fx.card()+` | json: '$.number' }}"}`, http.StatusOK)
		}
	case "react":
		return func() error {
			return do("POST", "/reactors/"+fx.reactor+"/react", `{"args":{"card":"{{ `+fx.card()+` }}"}}`, http.StatusOK)
		}
	case "exchange":
		return func() error {
			return do("POST", "/exchanges/"+fx.exchange+"/exchange", `{"token_id":"`+fx.card()+`"}`, http.StatusCreated)
		}
	case "authorize":
		return func() error {
			return do("POST", "/orchestration/transactions", `{"connection_id":"`+fx.connection+`","amount":1000,"currency":"USD","token":"`+
				fx.approvedCard()+`","intent":"authorize"}`, http.StatusCreated)
		}
	}
	panic("unknown op " + op)
}

// benchRun runs op from clients goroutines for d and measures it.
func benchRun(ctx context.Context, op func() error, clients int, d time.Duration) benchResult {
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	first := ""
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var lat []time.Duration
			n, firstErr := 0, ""
			for ctx.Err() == nil {
				t0 := time.Now()
				err := op()
				lat = append(lat, time.Since(t0))
				if err != nil {
					if n++; firstErr == "" {
						firstErr = err.Error()
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += n
			if first == "" {
				first = firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Nanoseconds()) / 1e6
	}
	return benchResult{Clients: clients, Ops: len(all), Errors: errs, Seconds: elapsed.Seconds(),
		OpsPerSec: float64(len(all)) / elapsed.Seconds(), P50Ms: pct(0.50), P99Ms: pct(0.99), P999Ms: pct(0.999), FirstError: first}
}

// printBench prints the results table and, with both modes, the ratio of
// HTTP to in-process throughput per operation.
func printBench(w io.Writer, results []benchResult, modes []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "store\tmode\top\tclients\tops\tops/s\tp50 ms\tp99 ms\tp99.9 ms\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.0f\t%.3f\t%.3f\t%.3f\t\n", r.Store, r.Mode, r.Op, r.Clients, r.Ops, r.OpsPerSec, r.P50Ms, r.P99Ms, r.P999Ms)
	}
	_ = tw.Flush()
	if len(modes) < 2 {
		return
	}
	fmt.Fprintln(w)
	inProcess := map[string]float64{}
	for _, r := range results {
		if r.Mode == "in-process" {
			inProcess[r.Op] = r.OpsPerSec
		}
	}
	for _, r := range results {
		if in := inProcess[r.Op]; r.Mode == "http" && in > 0 {
			fmt.Fprintf(w, "%s over HTTP: %.2fx the in-process throughput\n", r.Op, r.OpsPerSec/in)
		}
	}
}
