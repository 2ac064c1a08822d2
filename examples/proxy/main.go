// Proxy sends a card to a payment gateway without the card number passing
// through the application: the application's own handler forwards its
// client's request through the vault's proxy (vault.ProxyRequestFromHTTP
// and Vault.Proxy), whose body holds a token expression; the gateway
// receives the number, the application and its logs only the token.
//
// The gateway here is a local Stripe-like HTTPS server. With
// STRIPE_MOCK_URL set (stripe-mock's http address, e.g.
// http://127.0.0.1:12111), the same request also goes to stripe-mock,
// which checks it against Stripe's API specification. Local destinations
// are reached only because the vault allow-lists them (WithProxyHosts);
// otherwise a proxy sends to public HTTPS hosts only.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	"github.com/tokenvault/vault"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv("STRIPE_MOCK_URL")); err != nil {
		fmt.Fprintln(os.Stderr, "proxy:", err)
		os.Exit(1)
	}
}

// gateway is a Stripe-like endpoint: POST /v1/payment_methods with a
// form-encoded card answers the card's brand and last four digits.
func gateway(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.URL.Path != "/v1/payment_methods" || r.Header.Get("Authorization") != "Bearer sk_test_local" {
		http.Error(w, `{"error":{"type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	number := r.PostForm.Get("card[number]")
	if len(number) < 12 || strings.Trim(number, "0123456789") != "" {
		http.Error(w, `{"error":{"type":"card_error","code":"invalid_number"}}`, http.StatusPaymentRequired)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"pm_local_1","object":"payment_method","card":{"brand":"visa","last4":%q}}`, number[len(number)-4:])
}

// app is the application's own endpoint, POST /pay: it forwards the
// request through the vault's proxy to its gateway, as the application's
// private key, and answers what the gateway answered.
func app(v *vault.Vault, caller vault.Principal, gatewayURL string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := vault.ProxyRequestFromHTTP(r, "/pay", 0)
		if err != nil {
			http.Error(w, err.Error(), vault.KindOf(err).Status())
			return
		}
		req.Destination = gatewayURL + "/v1/payment_methods"
		resp, err := v.Proxy(vault.WithPrincipal(r.Context(), caller), req)
		if err != nil {
			http.Error(w, err.Error(), vault.KindOf(err).Status())
			return
		}
		resp.Write(w)
	})
}

func run(ctx context.Context, w io.Writer, stripeMock string) error {
	gw := httptest.NewTLSServer(http.HandlerFunc(gateway))
	defer gw.Close()
	hosts := []string{"127.0.0.1"}
	if stripeMock != "" {
		u, err := url.Parse(stripeMock)
		if err != nil {
			return err
		}
		hosts = append(hosts, u.Host)
	}
	// gw.Client() trusts the local gateway's certificate.
	v, err := vault.OpenMemory(vault.WithProxyHosts(hosts...), vault.WithProxyClient(gw.Client()))
	if err != nil {
		return err
	}
	defer v.Close()

	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030, "cvc": "123"}})
	if err != nil {
		return err
	}
	key, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "checkout", Type: vault.AppPrivate,
		Permissions: []string{vault.PermProxyInvoke}})
	if err != nil {
		return err
	}
	caller, err := v.Authenticate(ctx, key.Key.Reveal())
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "the client holds token", card.ID[:8]+"…, never the number")

	// The client's request: form-encoded, as Stripe takes it, with token
	// expressions where the card's fields go.
	expr := func(path string) string { return url.QueryEscape("{{ " + card.ID + " | json: '" + path + "' }}") }
	form := "type=card&card[number]=" + expr("$.number") + "&card[exp_month]=" + expr("$.expiration_month") +
		"&card[exp_year]=" + expr("$.expiration_year") + "&card[cvc]=" + expr("$.cvc")

	for _, dest := range []struct{ name, url, key string }{
		{"the local gateway", gw.URL, "sk_test_local"},
		{"stripe-mock", stripeMock, "sk_test_4eC39HqLyjWDarjtT1zdp7dc"},
	} {
		if dest.url == "" {
			fmt.Fprintln(w, dest.name+": skipped (set STRIPE_MOCK_URL to send there too)")
			continue
		}
		srv := httptest.NewServer(app(v, caller, dest.url))
		req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+"/pay", strings.NewReader(form))
		if err != nil {
			srv.Close()
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+dest.key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			srv.Close()
			return err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		fmt.Fprintf(w, "%s answered %d (destination status %s): %s\n", dest.name, res.StatusCode,
			res.Header.Get(vault.HeaderProxyDestinationStatus), summary(body))
	}

	// Destinations the rules refuse never see the request.
	_, err = v.Proxy(vault.WithPrincipal(ctx, caller), vault.ProxyRequest{Destination: "https://10.0.0.8/v1", Method: "POST"})
	fmt.Fprintln(w, "10.0.0.8 refused:", vault.KindOf(err))
	return nil
}

// summary is what a payment method answer says: its object, id and the
// card's last four digits (or the body, cut short, when it is not one).
func summary(b []byte) string {
	var pm struct {
		ID, Object string
		Card       struct{ Last4 string }
	}
	if json.Unmarshal(b, &pm) != nil || pm.Object == "" {
		s := strings.Join(strings.Fields(string(b)), " ")
		return s[:min(len(s), 100)]
	}
	return fmt.Sprintf("%s %s, card ending %s", pm.Object, pm.ID, pm.Card.Last4)
}
