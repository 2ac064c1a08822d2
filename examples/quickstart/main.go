// Quickstart opens a vault file in a temporary directory, tokenizes a card,
// finds it again by a search index, detokenizes a document, and reopens the
// vault to read the card back. It prints what it did, never the
// card number itself.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tokenvault/vault"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "vault-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "vault.db")

	v, err := vault.Open(path) // creates vault.db and the key file vault.db.key (mode 0600)
	if err != nil {
		return err
	}
	defer v.Close()
	fmt.Fprintf(w, "opened a new vault at %s\n", filepath.Base(path))

	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{
		Type:          vault.TypeCard,
		Data:          map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030},
		SearchIndexes: []string{"{{ data.number | last4 }}"},
		Metadata:      map[string]string{"customer": "cus_123"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created a %s token in %v (brand %s, last4 %s)\n", tok.Type, tok.Containers, tok.Card.Brand, tok.Card.Last4)

	page, err := v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "data:4242 AND metadata.customer:cus_123"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "a search by last four found %d token(s), the same one: %t\n", len(page.Data), len(page.Data) == 1 && page.Data[0].ID == tok.ID)

	out, err := v.Detokenize(ctx, map[string]any{"exp": "{{ " + tok.ID + " | card_exp: 'MM/YYYY' }}"})
	if err != nil {
		return err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "detokenized the expiry into %s\n", b)

	if err := v.Close(); err != nil {
		return err
	}
	v, err = vault.Open(path)
	if err != nil {
		return err
	}
	again, err := v.GetToken(ctx, tok.ID)
	if err != nil {
		return err
	}
	var card struct {
		Number string `json:"number"`
	}
	if err := again.UnmarshalData(&card); err != nil {
		return err
	}
	fmt.Fprintf(w, "reopened the vault: the token still opens, its number has %d digits\n", len(card.Number))
	return nil
}
