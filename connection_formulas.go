package vault

import (
	"cmp"
	"slices"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/simulator"
	"github.com/tokenvault/vault/gateway/stripe"
)

// Connection formulas (reference section 10) are the catalogue of payment
// services a connection may use: each is a gateway.Definition. The card
// formulas of the reference are built in, with their credential fields; a
// formula is backed by a registered gateway.Adapter or by none. A
// connection on a formula without an adapter is validated as any other but
// stays failed, saying so. [WithGatewayAdapter] registers an adapter (its
// Definition is then the formula of that id, replacing a built-in one), and
// [WithConnectionFormula] adds a formula without one.

// ConnectionFormulaType is the type of every connection formula.
const ConnectionFormulaType = "payment-service-definition"

// ConnectionFormula is a connection formula as GET
// /orchestration/connection_formulas returns it.
type ConnectionFormula struct {
	gateway.Definition
	// Type is always "payment-service-definition".
	Type string `json:"type"`
	// RequiredCheckoutFields and Configuration are the reference's members
	// for redirect methods; card formulas have none.
	RequiredCheckoutFields []RequiredCheckoutFields `json:"required_checkout_fields"`
	Configuration          map[string]any           `json:"configuration"`
	// HasAdapter reports whether a registered adapter backs the formula:
	// connections on one without stay failed. Not part of the REST shape.
	HasAdapter bool `json:"-"`
}

// RequiredCheckoutFields lists checkout fields a redirect method requires.
type RequiredCheckoutFields struct {
	RequiredFields []string       `json:"required_fields"`
	Conditions     map[string]any `json:"conditions"`
}

// WithGatewayAdapter registers a payment service: connections on the
// formula a.Definition().ID use it. It replaces the built-in adapter or
// formula of that id (the Simulator for mock-card, Stripe for stripe-card).
func WithGatewayAdapter(a gateway.Adapter) Option {
	return func(c *config) { c.gateways = append(c.gateways, a) }
}

// WithConnectionFormula adds a formula no adapter backs (or replaces the
// definition of one): it is listed, and connections on it are validated
// against it, but they stay failed until an adapter of that id is
// registered.
func WithConnectionFormula(d gateway.Definition) Option {
	return func(c *config) { c.formulas = append(c.formulas, d) }
}

// defaultAdapters are the adapters every vault has: the Simulator behind
// mock-card (a test gateway whose payments live in this process's memory)
// and Stripe behind stripe-card.
func defaultAdapters() []gateway.Adapter {
	return []gateway.Adapter{simulator.New(), stripe.New()}
}

// catalogue is the vault's connection formulas and adapters, fixed at Open.
type catalogue struct {
	formulas []*ConnectionFormula // by id
	adapters map[string]gateway.Adapter
}

func newCatalogue(defaults []gateway.Adapter, cfg *config) *catalogue {
	c := &catalogue{adapters: map[string]gateway.Adapter{}}
	byID := map[string]gateway.Definition{}
	for _, d := range builtinFormulas() {
		byID[d.ID] = d
	}
	for _, d := range cfg.formulas {
		byID[d.ID] = d
	}
	for _, a := range slices.Concat(defaults, cfg.gateways) {
		d := a.Definition()
		byID[d.ID], c.adapters[d.ID] = d, a
	}
	for _, d := range byID {
		_, has := c.adapters[d.ID]
		c.formulas = append(c.formulas, &ConnectionFormula{Definition: d, Type: ConnectionFormulaType,
			RequiredCheckoutFields: []RequiredCheckoutFields{}, Configuration: map[string]any{}, HasAdapter: has})
	}
	slices.SortFunc(c.formulas, func(a, b *ConnectionFormula) int { return cmp.Compare(a.ID, b.ID) })
	return c
}

func (c *catalogue) formula(id string) *ConnectionFormula {
	i, ok := slices.BinarySearchFunc(c.formulas, id, func(f *ConnectionFormula, id string) int { return cmp.Compare(f.ID, id) })
	if !ok {
		return nil
	}
	return c.formulas[i]
}

// cloneFormula is the caller's own copy of a formula.
func cloneFormula(f *ConnectionFormula) *ConnectionFormula {
	out := *f
	out.Fields = slices.Clone(f.Fields)
	out.SupportedCurrencies = slices.Clone(f.SupportedCurrencies)
	out.SupportedCountries = slices.Clone(f.SupportedCountries)
	out.BaseConfig = slices.Clone(f.BaseConfig)
	out.VaultConfig = slices.Clone(f.VaultConfig)
	out.RequiredCheckoutFields = []RequiredCheckoutFields{}
	out.Configuration = map[string]any{}
	return &out
}

// builtinFormulas are the card formulas of reference section 10, with
// their credential fields (required, secret), the card currencies and
// countries their services take, and the features common to card
// processors; those with a built-in adapter are replaced by its Definition.
func builtinFormulas() []gateway.Definition {
	type f struct {
		key              string
		required, secret bool
	}
	mk := func(id, name string, fields ...f) gateway.Definition {
		d := gateway.Definition{ID: id, DisplayName: name, Method: "card", Mode: "card",
			SupportedCurrencies: slices.Clone(cardCurrencies), SupportedCountries: slices.Clone(cardCountries),
			Features: gateway.Features{DelayedCapture: true, PartialCapture: true, PartialRefunds: true, Refunds: true, Void: true,
				VerifyCredentials: true, ThreeDSecurePassThrough: true}}
		for _, x := range fields {
			d.Fields = append(d.Fields, gateway.Field{Key: x.key, DisplayName: displayName(x.key), Required: x.required, Secret: x.secret, Format: gateway.FormatText})
		}
		return d
	}
	req, sec, reqSec := f{required: true}, f{secret: true}, f{required: true, secret: true}
	with := func(key string, kind f) f { kind.key = key; return kind }
	return []gateway.Definition{
		mk("adyen-card", "Adyen", with("api_key", reqSec), with("merchant_account", reqSec), with("live_endpoint_prefix", f{})),
		mk("authipay-card", "Authipay", with("api_key", req), with("secret_key", reqSec), with("store_id", req)),
		mk("authorizenet-card", "Authorize.net", with("merchant_account_id", req), with("transaction_key", reqSec)),
		mk("braintree-card", "Braintree", with("merchant_id", req), with("public_key", req), with("private_key", reqSec),
			with("tokenization_key", reqSec), with("merchant_account_id", f{})),
		mk("chaseorbital-card", "Chase Orbital", with("username", req), with("password", reqSec), with("merchant_id", req)),
		mk("checkoutcom-card", "Checkout.com", with("public_key", req), with("secret_key", reqSec), with("signature_key", sec)),
		mk("cybersource-card", "Cybersource", with("merchantid", req), with("merchant_keyid", req), with("merchant_secretkey", reqSec)),
		mk("dlocal-card", "dLocal", with("x_login", req), with("x_trans_key", reqSec), with("client_secret", reqSec), with("merchant_name", f{})),
		mk("ebanx-card", "EBANX", with("integration_key", reqSec)),
		mk("fiserv-card", "Fiserv", with("api_key", req), with("secret_key", reqSec), with("store_id", req)),
		mk("mock-card", "Mock", with("merchant_id", f{})),
		mk("nmi-card", "NMI", with("api_key", reqSec)),
		mk("nuvei-card", "Nuvei", with("merchant_id", req), with("client_id", req), with("secret_key", reqSec), with("merchant_site_id", f{})),
		mk("planet-card", "Planet", with("merchant_id", req), with("password", reqSec)),
		mk("razorpay-card", "Razorpay", with("key_id", reqSec), with("key_secret", reqSec)),
		mk("stripe-card", "Stripe", with("secret_key", reqSec), with("stripe_account", f{}), with("webhook_secret", sec)),
		mk("trustpayments-card", "Trust Payments", with("username", req), with("password", reqSec), with("site_reference", req)),
		mk("usaepay-card", "USAePay", with("api_key", req), with("pin", req)),
		mk("worldpayvap-card", "Worldpay (Vantiv)", with("username", req), with("password", reqSec), with("merchant_id", req), with("report_group", req)),
	}
}

// displayName turns a field key into its display name: "merchant_account"
// is "Merchant Account".
func displayName(key string) string {
	b := []byte(key)
	up := true
	for i, c := range b {
		switch {
		case c == '_':
			b[i], up = ' ', true
		case up && c >= 'a' && c <= 'z':
			b[i], up = c-'a'+'A', false
		default:
			up = false
		}
	}
	return string(b)
}

// cardCurrencies and cardCountries are what the built-in formulas without
// an adapter support: the major card currencies and markets.
var (
	cardCurrencies = []string{"AUD", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "INR", "JPY", "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "USD", "ZAR"}
	cardCountries  = []string{"AT", "AU", "BE", "BR", "CA", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GB", "HK", "HU", "IE", "IN", "IT", "JP", "MX", "NL", "NO", "NZ", "PL", "PT", "SE", "SG", "US", "ZA"}
)
