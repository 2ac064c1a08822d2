package vault_test

import (
	"context"
	"testing"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
)

// The exchange benchmarks. Compare BenchmarkExchange with
// BenchmarkReactExchangeCode, the same code run as a reactor on the same
// context passed as args: the difference is reading and decrypting the
// source token, shaping it, and creating the new token. Compare both with
// BenchmarkReactWarm, a trivial reactor.

// benchExchangeVault opens an in-process vault (as benchReactor) with a card
// token and an exchange of the official "Card to card number" template.
func benchExchangeVault(b *testing.B) (v *vault.Vault, exchangeID, cardID string) {
	b.Helper()
	v = openTestVault(b, vault.WithReactorIsolation(sandbox.Isolation{InProcess: true}))
	ctx := context.Background()
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard, Metadata: map[string]string{"customer": "c-1"},
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	if err != nil {
		b.Fatal(err)
	}
	ex, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "bench", Template: &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardNumber}})
	if err != nil {
		b.Fatal(err)
	}
	return v, ex.ID, card.ID
}

// BenchmarkExchange exchanges a card token for a card_number token with an
// official template, on the memory store.
func BenchmarkExchange(b *testing.B) {
	v, ex, card := benchExchangeVault(b)
	ctx := context.Background()
	if _, err := v.Exchange(ctx, ex, card); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Exchange(ctx, ex, card); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReactExchangeCode runs the code of BenchmarkExchange's template
// as a reactor, given the exchange's context as args.
func BenchmarkReactExchangeCode(b *testing.B) {
	v, _, _ := benchExchangeVault(b)
	r, err := v.CreateReactor(context.Background(), vault.CreateReactorRequest{Name: "exchange code", Code: `module.exports = async function (req) {
  const { sourceToken } = req.args;
  return { raw: { type: 'card_number', data: sourceToken.data.number, metadata: sourceToken.metadata } };
};`})
	if err != nil {
		b.Fatal(err)
	}
	args := map[string]any{"configuration": map[string]any{}, "sourceToken": map[string]any{
		"id": "6f1a5e0c-4c6e-4f7e-9d43-0b7d0f1f2d3a", "tenant_id": "t", "type": "card", "containers": []string{"/pci/high/"},
		"data":     map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030},
		"metadata": map[string]string{"customer": "c-1"}, "fingerprint": "AKCUXS83DokKo4pDRKSAy4d42t9i8dcP1X2jijwEBCQH",
		"mask":       map[string]any{"number": "XXXXXXXXXXXX4242", "expiration_month": 12, "expiration_year": 2030},
		"created_at": "2026-12-03T00:00:00Z",
	}}
	loopReact(b, v, r.ID, args)
}
