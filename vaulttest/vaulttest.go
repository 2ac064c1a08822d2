// Package vaulttest gives tests a vault of their own: in memory, closed when
// the test ends, with the fixtures most tests need (applications and the
// context that acts as them, card tokens of well-known test numbers, a
// management key) and an HTTP server over the REST API.
//
// Every helper fails the test (t.Fatal) on an error, so a test reads as
// the scenario it checks:
//
//	func TestCheckout(t *testing.T) {
//		v := vaulttest.New(t)
//		ctx := vaulttest.PrivateApp(t, v, vault.PermTokenCreate, vault.PermTokenRead)
//		card := vaulttest.Card(t, v, vaulttest.CardVisa)
//		...
//	}
//
// The vault runs no background sweeper (expiry happens when a test calls
// for it), and its keys are random per vault: nothing it holds outlives the
// test.
package vaulttest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
)

// Test card numbers (they pass the Luhn check; no network issues them).
// CardVisa and CardMastercard are approved by the Simulator gateway of
// mock-card connections, CardDeclined is declined by it.
const (
	CardVisa       = "4111111111111111"
	CardMastercard = "5555555555554444"
	CardAmex       = "378282246310005"
	CardDeclined   = "4000000000000002"
)

// New opens an in-memory vault with opts, closed by t.Cleanup. Its
// sweeper does not run on a timer (vault.WithSweepInterval(0) comes first,
// so opts may set another interval).
func New(t testing.TB, opts ...vault.Option) *vault.Vault {
	t.Helper()
	v, err := vault.OpenMemory(append([]vault.Option{vault.WithSweepInterval(0)}, opts...)...)
	if err != nil {
		t.Fatalf("vaulttest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("vaulttest: close: %v", err)
		}
	})
	return v
}

// App creates an application of type typ (vault.AppPrivate, AppPublic or
// AppManagement) with permissions in v's default tenant and returns it with
// its key (app.Key) and a context in which calls act as it.
func App(t testing.TB, v *vault.Vault, typ string, permissions ...string) (*vault.Application, context.Context) {
	t.Helper()
	app, err := v.CreateApplication(context.Background(), vault.CreateApplicationRequest{Name: "vaulttest " + typ, Type: typ, Permissions: permissions})
	if err != nil {
		t.Fatalf("vaulttest: create %s application: %v", typ, err)
	}
	return app, As(t, v, app.Key)
}

// PrivateApp creates a private application with permissions and returns a
// context in which calls act as it.
func PrivateApp(t testing.TB, v *vault.Vault, permissions ...string) context.Context {
	t.Helper()
	_, ctx := App(t, v, vault.AppPrivate, permissions...)
	return ctx
}

// ManagementKey creates a management application with permissions (none:
// every management permission) and returns its API key, for BT-API-KEY.
func ManagementKey(t testing.TB, v *vault.Vault, permissions ...string) vault.Secret {
	t.Helper()
	if len(permissions) == 0 {
		for _, p := range vault.PermissionCatalog(vault.AppManagement) {
			permissions = append(permissions, p.Type)
		}
	}
	app, _ := App(t, v, vault.AppManagement, permissions...)
	return app.Key
}

// As returns a context in which calls act as the caller of an API key, as
// a request with that key in BT-API-KEY would.
func As(t testing.TB, v *vault.Vault, key vault.Secret) context.Context {
	t.Helper()
	p, err := v.Authenticate(context.Background(), key.Reveal())
	if err != nil {
		t.Fatalf("vaulttest: authenticate: %v", err)
	}
	return vault.WithPrincipal(context.Background(), p)
}

// Card creates a card token of number (expiring 12/2034, CVC 123) as the
// host and returns it.
func Card(t testing.TB, v *vault.Vault, number string) *vault.Token {
	t.Helper()
	tok, err := v.CreateToken(context.Background(), vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": number, "expiration_month": 12, "expiration_year": 2034, "cvc": "123"}})
	if err != nil {
		t.Fatalf("vaulttest: create card: %v", err)
	}
	return tok
}

// Server serves v's REST API (httpapi.New(v, opts...)) on a new httptest
// server on 127.0.0.1, closed by t.Cleanup before the vault is. Point a
// client (an official SDK, say) at its URL.
func Server(t testing.TB, v *vault.Vault, opts ...httpapi.Option) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpapi.New(v, opts...))
	t.Cleanup(srv.Close)
	return srv
}
