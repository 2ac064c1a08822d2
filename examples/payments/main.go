// Payments sets up orchestration on the built-in Simulator, through both
// faces. Basis Theory's: connections on the mock-card formula, one with the
// Simulator's test key, which its verification job turns available, and
// one with a bad key, which turns failed; the formula catalogue; a
// connection never returns its secret field. IXOPAY's: a merchant with two
// Simulator connectors and a meta-connector whose rules decline large
// payments and route euro ones to B, then A. And a payment on a card token
// through a meta-connector whose first connector (a busy acquirer the host
// registers) declines softly: it cascades to the Simulator, is captured and
// partly refunded.
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
	"github.com/tokenvault/vault/gateway"
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
	// A second payment service, registered by the host: an acquirer whose
	// issuer is busy, which declines softly (so a meta-connector moves on).
	v, err := vault.Open(filepath.Join(dir, "vault.db"), vault.WithGatewayAdapter(busyAcquirer{simulator.New()}))
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
	if err := pay(ctx, v, w, m.GUID, guids[0]); err != nil {
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

// busyAcquirer is the Simulator under another name, whose every
// authorization is a soft decline (do not honour).
type busyAcquirer struct{ *simulator.Simulator }

func (b busyAcquirer) Definition() gateway.Definition {
	d := b.Simulator.Definition()
	d.ID, d.DisplayName, d.Adapter = "busy-card", "Busy acquirer", "BusyAcquirer"
	return d
}

func (b busyAcquirer) Authorize(context.Context, *gateway.AuthorizeRequest) (*gateway.Result, error) {
	return &gateway.Result{Outcome: gateway.OutcomeDeclined, Soft: true, Decline: gateway.DeclineDoNotHonor}, nil
}

// pay authorizes 42.00 EUR on a card token through a meta-connector whose
// first connector (the busy acquirer) declines softly, so the payment
// cascades to the Simulator; then captures it and refunds part of it. The
// backend never sees the card number: the payment names its token.
func pay(ctx context.Context, v *vault.Vault, w io.Writer, merchant, simulatorGUID string) error {
	str := func(s string) *string { return &s }
	key := func(s string) *vault.Secret { x := vault.NewSecret(s); return &x }
	busy, err := v.CreateConnector(ctx, merchant, vault.ConnectorRequest{Name: str("Busy acquirer"), Adapter: str("BusyAcquirer"),
		Method: str("Credit Card"), APIKey: key("api-busy"),
		Config: &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}}})
	if err != nil {
		return err
	}
	cascade, err := v.CreateConnector(ctx, merchant, vault.ConnectorRequest{Name: str("Cascade"), Adapter: str(vault.MetaConnector),
		Method: str(vault.MetaConnector), APIKey: key("api-cascade"),
		MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Retries: 1, Rules: []vault.RoutingRule{
			{Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{busy.GUID, simulatorGUID}}}}}})
	if err != nil {
		return err
	}
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": simulator.CardApproved, "expiration_month": 12, "expiration_year": 2034, "cvc": "737"}})
	if err != nil {
		return err
	}
	p, err := v.CreatePayment(ctx, vault.CreatePaymentRequest{ConnectorGUID: cascade.GUID, Amount: 4200, Currency: "EUR",
		Token: card.ID, Intent: vault.IntentAuthorize, ExternalIdentifier: "order-1001"})
	if err != nil {
		return err
	}
	for _, a := range p.Attempts {
		fmt.Fprintf(w, "attempt on %s: %s %s\n", map[string]string{busy.GUID: "busy acquirer", simulatorGUID: "Simulator A"}[a.Target], a.Outcome, a.Decline)
	}
	fmt.Fprintf(w, "payment %s: %d %s on a %s card ending %s\n", p.Status, p.AuthorizedAmount, p.Currency, p.PaymentMethod.Scheme, p.PaymentMethod.Last4)
	if p, err = v.CapturePayment(ctx, p.ID, 0); err != nil {
		return err
	}
	r, err := v.RefundPayment(ctx, p.ID, vault.RefundPaymentRequest{Amount: 1200, Reason: "requested_by_customer"})
	if err != nil {
		return err
	}
	if p, err = v.GetPayment(ctx, p.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "captured %d, refund %s of %d: refunded %d\n", p.CapturedAmount, r.Status, r.Amount, p.RefundedAmount)
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
