package vault_test

import (
	"context"
	"fmt"

	"github.com/tokenvault/vault"
)

func ExampleVault_Exchange() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	card, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data:     map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030},
		Metadata: map[string]string{"customer": "c-17"}})

	// An exchange binds an official template to its configuration.
	ex, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{
		Name:          "Card parts for the risk service",
		Template:      &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardBINLast4},
		Configuration: vault.Secrets{"BIN_LENGTH": "8", "INCLUDE_EXPIRATION": "true"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ex.Template.Name)

	// Exchanging the card creates a new token of what the code returned.
	parts, err := v.Exchange(ctx, ex.ID, card.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(parts.Type, string(parts.Data), parts.Metadata["customer"])
	// Output:
	// Card to BIN and last four
	// token {"bin":"42424242","expiration_month":12,"expiration_year":2030,"last4":"4242"} c-17
}

func ExampleVault_CreateExchangeTemplate() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	t, err := v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{
		Name:            "SSN to last four",
		SourceTokenType: vault.TypeSocialSecurityNumber,
		Code: `module.exports = async function ({ sourceToken }) {
  return { data: sourceToken.data.slice(-4), containers: ['/pii/low/'] };
};`,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ex, _ := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "SSN last four", Template: &vault.ExchangeTemplateRef{ID: t.ID}})
	ssn, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	last4, err := v.Exchange(ctx, ex.ID, ssn.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(last4.Type, string(last4.Data), last4.Containers)
	// Output:
	// token "6789" [/pii/low/]
}
