// Payments sets up orchestration connections on the built-in Simulator
// (the mock-card connection formula): one with the Simulator's test key,
// which its verification job turns available, and one with a bad key,
// which turns failed. It lists the connection formulas the vault knows,
// and shows that a connection never returns its secret field. Payments
// over these connections come with the payments engine.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

	_, err = v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "typo",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"USA"}, AcceptedCurrencies: []string{"usd"}})
	if e, ok := errors.AsType[*vault.Error](err); ok {
		fmt.Fprintf(w, "bad codes: %d %v\n", e.Status(), e.Fields)
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
