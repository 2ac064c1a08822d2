package vault_test

import (
	"context"
	"fmt"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
)

func ExampleVault_CreateConnector() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	m, _ := v.CreateMerchant(ctx, vault.CreateMerchantRequest{Name: "Acme"})
	str := func(s string) *string { return &s }
	secret := func(s string) *vault.Secret { x := vault.NewSecret(s); return &x }
	sim, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{
		Name: str("Simulator A"), Adapter: str("Simulator"), Method: str("Credit Card"), APIKey: secret("sim-connector-a"),
		Config:   &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}},
		Settings: map[string]string{"tx:expiration-minutes": "900"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The generated shared secret is returned once, by this call.
	fmt.Println(sim.Adapter, sim.PostbackFormat, len(sim.SharedSecret.Reveal()))

	// A meta-connector routes euro payments to the Simulator.
	meta, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{
		Name: str("Router"), Adapter: str(vault.MetaConnector), Method: str(vault.MetaConnector), APIKey: secret("router"),
		MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Retries: 1, Rules: []vault.RoutingRule{{
			Conditions: []vault.RoutingCondition{{Field: vault.RouteFieldCurrency, Operator: vault.RouteOpEquals, Value: "EUR"}},
			Action:     vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{sim.GUID}},
		}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := vault.Route(meta.MultiMethodMetaConnector.Rules, vault.RoutingInput{Amount: 1000, Currency: "EUR"}, true)
	fmt.Println(meta.IsMetaConnector, d.Rule, d.Connectors[0] == sim.GUID)

	// A failed rule names its field and why.
	_, err = v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: str("ab"), Adapter: str("Simulator"), Method: str("Credit Card"), APIKey: secret("k")})
	if e, ok := err.(*vault.Error); ok {
		fmt.Println(e.Fields["name"], e.Reasons["name"])
	}
	// Output:
	// Simulator inherit 30
	// true 0 true
	// [must be at least 3 characters] format
}
