// Tokenize replaces every sensitive value of a customer record with tokens in
// one call, stores the tokenized record as a service would (in its own
// database, say), and later detokenizes only the fields a payment call needs.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/tokenvault/vault"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tokenize:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	v, err := vault.OpenMemory()
	if err != nil {
		return err
	}
	defer v.Close()
	// Allow more than the hosted platform's default of 5 per call.
	if _, err := v.UpdateTenantSettings(ctx, map[string]string{vault.SettingTokenizeLimit: "20"}); err != nil {
		return err
	}

	customer := json.RawMessage(`{
		"name": "Jane Doe",
		"ssn": {"type": "social_security_number", "data": "123-45-6789"},
		"card": {"type": "card", "data": {"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030, "cvc": "123"}},
		"emails": ["jane@example.com", "j.doe@example.org"]
	}`)
	out, err := v.Tokenize(ctx, customer)
	if err != nil {
		return err
	}
	doc := out.(map[string]any)
	card := doc["card"].(*vault.Token)
	ssn := doc["ssn"].(*vault.Token)
	fmt.Fprintf(w, "tokenized %d values: name, 2 emails, an SSN (%s) and a card (%s)\n", 5, ssn.Containers[0], card.Containers[0])

	// The service keeps only ids: this is what it stores.
	stored := map[string]any{"name": doc["name"], "ssn": ssn.ID, "card": card.ID, "emails": doc["emails"]}
	b, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the stored record holds no plaintext: %t\n",
		!containsAny(string(b), "Jane Doe", "123-45-6789", "4242424242424242", "jane@example.com", "j.doe@example.org"))

	// At payment time, detokenize just what the processor needs.
	req, err := v.Detokenize(ctx, map[string]any{
		"card_number": "{{ " + card.ID + " | json: '$.number' }}",
		"exp":         "{{ " + card.ID + " | card_exp: 'MM/YY' }}",
		"holder":      "{{ " + stored["name"].(string) + " }}",
	})
	if err != nil {
		return err
	}
	r := req.(map[string]any)
	fmt.Fprintf(w, "payment request: holder %q, exp %v, card number of %d digits\n", r["holder"], r["exp"], len(r["card_number"].(string)))
	return nil
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}
