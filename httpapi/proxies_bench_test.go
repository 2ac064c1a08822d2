package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
)

// BenchmarkProxy measures a JSON body with two token expressions sent by 64
// concurrent clients through the vault's proxy over HTTP on loopback
// ("vault": authenticate, detokenize both, forward, answer) against the
// same requests, with the values in plain text, through a plain
// httputil.ReverseProxy ("reverseproxy") to the same loopback destination,
// on the same load generator. Issue 23 asks vault/reverseproxy to be at
// most 1.5 in time per request:
//
//	go test ./httpapi -run '^$' -bench Proxy -count 6 | go tool benchstat -
func BenchmarkProxy(b *testing.B) {
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"ch_1","status":"succeeded"}`)
	}))
	defer dest.Close()
	target, err := url.Parse(dest.URL)
	if err != nil {
		b.Fatal(err)
	}
	post := func(b *testing.B, srv *httptest.Server, path string, body []byte, headers map[string]string) {
		tr := &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		parallel(b, func() {
			req, err := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			for k, v := range headers {
				req.Header.Set(k, v)
			}
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
	b.Run("vault", func(b *testing.B) {
		v, err := vault.Open(b.TempDir()+"/vault.db", vault.WithSweepInterval(0), vault.WithProxyHosts(target.Host))
		if err != nil {
			b.Fatal(err)
		}
		defer v.Close()
		ctx := context.Background()
		app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "bench", Type: vault.AppPrivate,
			Permissions: []string{vault.PermProxyInvoke}})
		if err != nil {
			b.Fatal(err)
		}
		card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
			Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030, "cvc": "123"}})
		if err != nil {
			b.Fatal(err)
		}
		body := []byte(`{"amount":1000,"currency":"usd","card":{"number":"{{ ` + card.ID + ` | json: '$.number' }}","cvc":"{{ ` + card.ID + ` | json: '$.cvc' }}"}}`)
		srv := httptest.NewServer(httpapi.New(v))
		defer srv.Close()
		post(b, srv, "/proxy/v1/charges", body, map[string]string{"BT-API-KEY": app.Key.Reveal(), "BT-PROXY-URL": dest.URL,
			"Content-Type": "application/json"})
	})
	b.Run("reverseproxy", func(b *testing.B) {
		// The same pool of idle connections to the destination as the
		// vault's proxy keeps (the default transport keeps 2 per host,
		// which would make the reverse proxy redial under 64 clients).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = benchClients
		defer tr.CloseIdleConnections()
		rp := &httputil.ReverseProxy{Transport: tr, Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}
		srv := httptest.NewServer(rp)
		defer srv.Close()
		body := []byte(`{"amount":1000,"currency":"usd","card":{"number":"4242424242424242","cvc":"123"}}`)
		post(b, srv, "/v1/charges", body, map[string]string{"Content-Type": "application/json"})
	})
}
