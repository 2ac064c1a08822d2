package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
)

// benchClients is the number of concurrent clients of BenchmarkCreateToken.
const benchClients = 64

const benchBody = `{"type":"card_number","data":"4242424242424242","metadata":{"source":"bench"}}`

// BenchmarkCreateToken measures token creation by 64 concurrent clients,
// through the Go API in process ("api") and over HTTP on loopback ("http":
// a real listener, net/http clients with keep-alive), on the same kind of
// store, so that the ratio of the two is the cost of the HTTP layer. Both
// act as the same private application. Compare with
//
//	go test ./httpapi -run '^$' -bench CreateToken -count 10 | go tool benchstat -
func BenchmarkCreateToken(b *testing.B) {
	for _, store := range []string{"memory", "bolt"} {
		b.Run(store+"/api", func(b *testing.B) {
			v, key := openBench(b, store)
			p, err := v.Authenticate(context.Background(), key)
			if err != nil {
				b.Fatal(err)
			}
			ctx := vault.WithPrincipal(context.Background(), p)
			req := vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242", Metadata: map[string]string{"source": "bench"}}
			parallel(b, func() {
				if _, err := v.CreateToken(ctx, req); err != nil {
					b.Error(err)
				}
			})
		})
		b.Run(store+"/http", func(b *testing.B) {
			v, key := openBench(b, store)
			srv := httptest.NewServer(httpapi.New(v))
			defer srv.Close()
			tr := &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			body := []byte(benchBody)
			parallel(b, func() {
				req, err := http.NewRequest("POST", srv.URL+"/tokens", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				req.Header.Set("BT-API-KEY", key)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Errorf("status %d", res.StatusCode)
				}
			})
		})
	}
}

// parallel runs op b.N times from benchClients goroutines and reports the
// throughput.
func parallel(b *testing.B, op func()) {
	b.ReportAllocs()
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			op()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// openBench opens a vault on the named store with a private application
// that may create tokens, and returns its key.
func openBench(b *testing.B, store string) (*vault.Vault, string) {
	b.Helper()
	var v *vault.Vault
	var err error
	opts := []vault.Option{vault.WithSweepInterval(0)}
	if store == "memory" {
		v, err = vault.OpenMemory(opts...)
	} else {
		v, err = vault.Open(filepath.Join(b.TempDir(), "vault.db"), opts...)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = v.Close() })
	app, err := v.CreateApplication(context.Background(), vault.CreateApplicationRequest{
		Name: "bench", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead},
	})
	if err != nil {
		b.Fatal(err)
	}
	return v, app.Key.Reveal()
}

// BenchmarkGetToken measures reads of one card-number token by 64
// concurrent clients on bolt: through the Go API ("api"), over HTTP on
// loopback ("http"), and, as the floor of the HTTP stack on the same load
// generator, a plain net/http handler answering a JSON body of the same
// size ("hello"). The ratio http/hello is what the REST layer and the vault
// cost beyond net/http itself.
func BenchmarkGetToken(b *testing.B) {
	v, key := openBench(b, "bolt")
	p, err := v.Authenticate(context.Background(), key)
	if err != nil {
		b.Fatal(err)
	}
	ctx := vault.WithPrincipal(context.Background(), p)
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242", Metadata: map[string]string{"source": "bench"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("api", func(b *testing.B) {
		parallel(b, func() {
			if _, err := v.GetToken(ctx, tok.ID); err != nil {
				b.Error(err)
			}
		})
	})
	get := func(b *testing.B, h http.Handler, path string) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		tr := &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		parallel(b, func() {
			req, err := http.NewRequest("GET", srv.URL+path, nil)
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("BT-API-KEY", key)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
			}
		})
	}
	body, err := json.Marshal(tok)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("http", func(b *testing.B) { get(b, httpapi.New(v), "/tokens/"+tok.ID) })
	b.Run("hello", func(b *testing.B) {
		get(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}), "/")
	})
}
