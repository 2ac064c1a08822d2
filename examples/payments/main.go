// Payments sets up orchestration on the built-in Simulator, through both
// faces. Basis Theory's: connections on the mock-card formula, one with the
// Simulator's test key, which its verification job turns available, and
// one with a bad key, which turns failed; the formula catalogue; a
// connection never returns its secret field. IXOPAY's: a merchant with two
// Simulator connectors and a meta-connector whose rules decline large
// payments and route euro ones to B, then A. Payments over them come with
// the payments engine.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "payments:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "vault-payments")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	v, err := vault.Open(filepath.Join(dir, "vault.db"))
	if err != nil {
		return err
	}
	defer v.Close()

	formulas, err := v.ListConnectionFormulas(ctx)
	if err != nil {
		return err
	}
	backed := 0
	for _, f := range formulas {
		if f.HasAdapter {
			backed++
		}
	}
	fmt.Fprintf(w, "%d connection formulas, %d with a payment service adapter\n", len(formulas), backed)

	connect := func(name, apiKey string) (*vault.Connection, error) {
		return v.CreateConnection(ctx, vault.CreateConnectionRequest{
			ConnectionFormulaID: "mock-card", Method: "card", DisplayName: name,
			Fields: []vault.ConnectionField{
				{Key: "api_key", Value: vault.NewSecret(apiKey)},
				{Key: "merchant_id", Value: vault.NewSecret("merchant-17")},
			},
			AcceptedCountries: []string{"US", "GB", "DE"}, AcceptedCurrencies: []string{"USD", "EUR", "GBP"},
		})
	}
	good, err := connect("Simulator (test)", simulator.TestAPIKey)
	if err != nil {
		return err
	}
	bad, err := connect("Simulator (bad key)", "sk_wrong")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created %q: %s; fields %+v\n", good.DisplayName, good.Status, good.Fields)

	for _, c := range []*vault.Connection{good, bad} {
		c, err := waitVerified(ctx, v, c.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%q is %s", c.DisplayName, c.Status)
		if c.StatusReason != "" {
			fmt.Fprintf(w, ": %s", c.StatusReason)
		}
		fmt.Fprintln(w)
	}

	if err := connectors(ctx, v, w); err != nil {
		return err
	}

	_, err = v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "typo",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"USA"}, AcceptedCurrencies: []string{"usd"}})
	if e, ok := errors.AsType[*vault.Error](err); ok {
		fmt.Fprintf(w, "bad codes: %d %v\n", e.Status(), e.Fields)
	}
	return nil
}

// connectors sets up the IXOPAY face: a merchant with two Simulator
// connectors and a meta-connector that routes euro payments to the second
// first, then the first, and declines payments over 1,000.00.
func connectors(ctx context.Context, v *vault.Vault, w io.Writer) error {
	m, err := v.CreateMerchant(ctx, vault.CreateMerchantRequest{Name: "Acme Shop"})
	if err != nil {
		return err
	}
	str := func(s string) *string { return &s }
	key := func(s string) *vault.Secret { x := vault.NewSecret(s); return &x }
	var guids []string
	for _, name := range []string{"Simulator A", "Simulator B"} {
		c, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: str(name), Adapter: str("Simulator"), Method: str("Credit Card"),
			APIKey: key("api-" + strings.ReplaceAll(name, " ", "-")), Config: &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}}})
		if err != nil {
			return err
		}
		guids = append(guids, c.GUID)
		fmt.Fprintf(w, "connector %q: %s, shared secret shown once (%d characters)\n", c.Name, c.Adapter, len(c.SharedSecret.Reveal()))
	}
	meta, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: str("Router"), Adapter: str(vault.MetaConnector),
		Method: str(vault.MetaConnector), APIKey: key("api-router"),
		MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Retries: 1, Rules: []vault.RoutingRule{
			{Name: "large", Conditions: []vault.RoutingCondition{{Field: vault.RouteFieldAmount, Operator: vault.RouteOpGreater, Value: 100000}},
				Action: vault.RoutingAction{Type: vault.RouteActionDecline}},
			{Name: "euro", Conditions: []vault.RoutingCondition{{Field: vault.RouteFieldCurrency, Operator: vault.RouteOpEquals, Value: "EUR"}},
				Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{guids[1], guids[0]}}},
		}}})
	if err != nil {
		return err
	}
	rules := meta.MultiMethodMetaConnector.Rules
	for _, in := range []vault.RoutingInput{{Amount: 4200, Currency: "EUR"}, {Amount: 250000, Currency: "EUR"}, {Amount: 4200, Currency: "USD"}} {
		d := vault.Route(rules, in, true)
		names := []string{}
		for _, g := range d.Connectors {
			names = append(names, map[string]string{guids[0]: "A", guids[1]: "B"}[g])
		}
		fmt.Fprintf(w, "route %d %s: rule %d, decline %t, connectors %v\n", in.Amount, in.Currency, d.Rule, d.Decline, names)
	}
	return nil
}

// waitVerified polls a connection until its verification job has run.
func waitVerified(ctx context.Context, v *vault.Vault, id string) (*vault.Connection, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		c, err := v.GetConnection(ctx, id)
		if err != nil || c.Status != vault.ConnectionPending {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connection %s is still pending: %w", id, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
