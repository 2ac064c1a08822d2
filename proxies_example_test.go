package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/tokenvault/vault"
)

// A card goes to a payment gateway through the ephemeral proxy: the
// caller sends a token expression, the gateway receives the number.
func ExampleVault_Proxy() {
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var charge struct{ Card struct{ Number string } }
		_ = json.NewDecoder(r.Body).Decode(&charge)
		fmt.Fprintf(w, `{"id":"ch_1","last4":%q}`, charge.Card.Number[len(charge.Card.Number)-4:])
	}))
	defer gateway.Close()
	u, _ := url.Parse(gateway.URL)
	// A local gateway must be allow-listed: otherwise destinations are
	// public HTTPS hosts only.
	v, err := vault.OpenMemory(vault.WithProxyHosts(u.Host))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	ctx := context.Background()
	card, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})

	resp, err := v.Proxy(ctx, vault.ProxyRequest{Destination: gateway.URL + "/v1", Method: "POST", Path: "/charges",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"card":{"number":"{{ ` + card.ID + ` | json: '$.number' }}"}}`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get(vault.HeaderProxyDestinationStatus), string(resp.Body))

	// IP literals, plain http and hosts off the list are refused.
	_, err = v.Proxy(ctx, vault.ProxyRequest{Destination: "https://10.0.0.8/pay", Method: "POST"})
	var e *vault.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.Fields[vault.HeaderProxyURL])
	}
	// Output:
	// 200 200 {"id":"ch_1","last4":"4242"}
	// invalid [must name a host the vault allows]
}

// A pre-configured proxy masks what its destination answers: the caller
// never sees the full number.
func ExampleVault_CreateProxy() {
	bank := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"account":"4000056655665556","status":"verified"}`)
	}))
	defer bank.Close()
	u, _ := url.Parse(bank.URL)
	v, err := vault.OpenMemory(vault.WithProxyHosts(u.Host))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	ctx := context.Background()
	p, err := v.CreateProxy(ctx, vault.CreateProxyRequest{Name: "bank", DestinationURL: bank.URL,
		ResponseTransforms: []vault.ProxyTransform{{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: `"account":"\d{6}(\d{6})\d{4}"`, Replacement: "*"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The key is shown once (its length here); callers send it as
	// BT-PROXY-KEY.
	fmt.Println(p.Name, p.State, p.RequireAuth, len(p.Key.Reveal()))
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: p.Key, Method: "GET", Path: "/accounts/1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(resp.Body))
	// Output:
	// bank active true 43
	// {"account":"400005******5556","status":"verified"}
}
