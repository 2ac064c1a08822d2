// Webhooks delivers a vault's events to a receiver that checks each
// request's signature (BT-SIGNATURE, HMAC-SHA256 under the webhook's
// signing key, over the exact body) and de-duplicates by BT-EVENT-ID, as a
// real receiver must: delivery is at least once. The receiver runs on
// 127.0.0.1, which the vault reaches only because the host allow-lists it
// (WithWebhookHosts); otherwise webhooks go to public HTTPS endpoints only.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/tokenvault/vault"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

// receiver verifies and records deliveries.
type receiver struct {
	mu   sync.Mutex
	key  []byte // the webhook's signing key, as its string's bytes
	seen map[string]bool
	log  []string
	bad  int
	got  chan struct{}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "unreadable", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	mac := hmac.New(sha256.New, r.key)
	mac.Write(body)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if req.Header.Get("BT-SIGNATURE-VERSION") != "v1" || !hmac.Equal([]byte(want), []byte(req.Header.Get("BT-SIGNATURE"))) {
		r.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	id := req.Header.Get("BT-EVENT-ID")
	if r.seen[id] {
		return // a redelivery: already handled
	}
	var env struct {
		Event struct {
			Type string `json:"type"`
			Data struct {
				Token struct {
					Type string `json:"type"`
				} `json:"token"`
			} `json:"data"`
		} `json:"event"`
		DeliveredAt time.Time `json:"delivered_at"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	r.seen[id] = true
	line := env.Event.Type
	if t := env.Event.Data.Token.Type; t != "" {
		line += " of a " + t + " token"
	}
	r.log = append(r.log, line+", signature verified")
	r.got <- struct{}{}
}

func run(ctx context.Context, w io.Writer) error {
	rcv := &receiver{seen: map[string]bool{}, got: make(chan struct{}, 16)}
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	v, err := vault.OpenMemory(vault.WithWebhookHosts("127.0.0.1"))
	if err != nil {
		return err
	}
	defer v.Close()

	// A destination the allow-list does not name is refused (without an
	// allow-list, so would be any private address or plain http).
	_, err = v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "lan", URL: "https://10.0.0.8/hook", Events: []string{"*"}})
	if e, ok := err.(*vault.Error); ok {
		fmt.Fprintln(w, "10.0.0.8 refused:", e.Kind, "on", keysOf(e.Fields))
	}

	hook, err := v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "orders", URL: srv.URL + "/hooks/vault",
		NotifyEmail: "ops@example.com", Events: []string{vault.EventTokenCreated, vault.EventTokenDeleted}})
	if err != nil {
		return err
	}
	rcv.mu.Lock()
	rcv.key = []byte(hook.SigningKey.Reveal()) // shown once here; kept by the receiver
	rcv.mu.Unlock()
	fmt.Fprintf(w, "webhook %s is %s; it prints as %v\n", hook.Name, hook.Status, hook.SigningKey)

	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	if err != nil {
		return err
	}
	if err := v.DeleteToken(ctx, card.ID); err != nil {
		return err
	}
	for range 2 {
		select {
		case <-rcv.got:
		case <-time.After(30 * time.Second):
			return fmt.Errorf("the events did not arrive")
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for _, line := range rcv.log {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "requests with a bad signature:", rcv.bad)
	return nil
}

func keysOf(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
