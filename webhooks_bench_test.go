package vault_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenvault/vault"
)

// benchReceiver counts the webhook requests it gets, on 127.0.0.1 (plain
// HTTP: allow-listed).
func benchReceiver(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
	}))
	b.Cleanup(srv.Close)
	return srv, &n
}

// BenchmarkWebhookDelivery raises b.N events (token creates) in a tenant
// with one webhook and stops the clock once the receiver got all of them.
func BenchmarkWebhookDelivery(b *testing.B) {
	srv, n := benchReceiver(b)
	v := openTestVault(b, vault.WithWebhookHosts("127.0.0.1"))
	ctx := b.Context()
	if _, err := v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "bench", URL: srv.URL + "/hook", Events: []string{vault.EventTokenCreated}}); err != nil {
		b.Fatal(err)
	}
	req := vault.CreateTokenRequest{Type: vault.TypeToken, Data: "bench"}
	b.ReportAllocs()
	b.ResetTimer()
	start := n.Load()
	events := 0
	for b.Loop() {
		if _, err := v.CreateToken(ctx, req); err != nil {
			b.Fatal(err)
		}
		events++
	}
	deadline := time.Now().Add(time.Minute)
	for n.Load()-start < int64(events) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d events delivered", n.Load()-start, events)
		}
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSignedPostLoop is the baseline of BenchmarkWebhookDelivery: a
// plain loop of signed POSTs of a body of the same size to the same kind
// of receiver.
func BenchmarkSignedPostLoop(b *testing.B) {
	srv, _ := benchReceiver(b)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	key := []byte("0123456789abcdef0123456789abcdef0123456789a")
	body := bytes.Repeat([]byte("x"), 620) // about a token.created delivery
	b.ReportAllocs()
	for b.Loop() {
		mac := hmac.New(sha256.New, key)
		mac.Write(body)
		req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, srv.URL+"/hook", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("BT-SIGNATURE", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		req.Header.Set("BT-SIGNATURE-VERSION", "v1")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkCreateCardParallelAuditWebhook is BenchmarkCreateCardParallel
// with the audit log on (the default) and one webhook subscribed to every
// event, delivering to a local receiver meanwhile. Compare with
// BenchmarkCreateCardParallelAuditOff (both off): the target is at least
// 0.7 of its throughput.
func BenchmarkCreateCardParallelAuditWebhook(b *testing.B) {
	srv, _ := benchReceiver(b)
	v := openBenchBolt(b, vault.WithWebhookHosts("127.0.0.1"))
	if _, err := v.CreateWebhook(b.Context(), vault.CreateWebhookRequest{Name: "bench", URL: srv.URL + "/hook", Events: []string{vault.WebhookAllEvents}}); err != nil {
		b.Fatal(err)
	}
	createCardsParallel(b, v)
}
