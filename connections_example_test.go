package vault_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
)

func ExampleVault_CreateConnection() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	c, err := v.CreateConnection(ctx, vault.CreateConnectionRequest{
		ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Simulator",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Status, c.Fields)
	// A job has the Simulator verify the credentials.
	for c.Status == vault.ConnectionPending {
		time.Sleep(5 * time.Millisecond)
		c, _ = v.GetConnection(ctx, c.ID)
	}
	fmt.Println(c.Status)
	// Output:
	// pending [{api_key  true}]
	// available
}

func ExampleVault_ListConnectionFormulas() {
	v := exampleVault()
	defer v.Close()
	formulas, _ := v.ListConnectionFormulas(context.Background())
	for _, f := range formulas {
		if f.ID == "stripe-card" {
			for _, field := range f.Fields {
				fmt.Println(field.Key, field.Required, field.Secret)
			}
		}
	}
	// Output:
	// secret_key true true
	// stripe_account false false
	// webhook_secret false true
}
