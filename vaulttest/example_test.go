package vaulttest_test

import (
	"testing"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/vaulttest"
)

// A test with a vault of its own: an application that may tokenize and
// read, and a card of a test number. (The example compiles but does not
// run: it needs a test's *testing.T.)
func Example() {
	_ = func(t *testing.T) {
		v := vaulttest.New(t)
		ctx := vaulttest.PrivateApp(t, v, vault.PermTokenCreate, vault.PermTokenRead)
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: vaulttest.CardVisa})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := v.GetToken(ctx, tok.ID); err != nil || got.Type != vault.TypeCardNumber {
			t.Fatalf("got %v, %v", got, err)
		}
		srv := vaulttest.Server(t, v) // the REST API, for an SDK under test
		_ = srv.URL
	}
}
