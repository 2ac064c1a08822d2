package stripe

import (
	"slices"

	"github.com/tokenvault/vault/gateway"
)

// currencies are Stripe's card presentment currencies (ISO 4217, sorted).
// Amounts are in minor units as Stripe counts them: Stripe treats a few
// currencies (ISK, HUF, TWD, UGX) specially; see
// https://docs.stripe.com/currencies.
var currencies = []string{
	"AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN",
	"BAM", "BBD", "BDT", "BGN", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BWP", "BYN", "BZD",
	"CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CVE", "CZK",
	"DJF", "DKK", "DOP", "DZD", "EGP", "ETB", "EUR", "FJD", "FKP",
	"GBP", "GEL", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
	"IDR", "ILS", "INR", "ISK", "JMD", "JPY", "KES", "KGS", "KHR", "KMF", "KRW", "KYD", "KZT",
	"LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MUR",
	"MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
	"PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RWF",
	"SAR", "SBD", "SCR", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SZL",
	"THB", "TJS", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
	"VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW",
}

// countries are the countries Stripe accounts may be in (ISO 3166-1
// alpha-2, sorted; https://stripe.com/global).
var countries = []string{
	"AE", "AT", "AU", "BE", "BG", "BR", "CA", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
	"GB", "GI", "GR", "HK", "HR", "HU", "IE", "IN", "IT", "JP", "LI", "LT", "LU", "LV", "MT", "MX",
	"MY", "NL", "NO", "NZ", "PL", "PT", "RO", "SE", "SG", "SI", "SK", "TH", "US",
}

// definition is the stripe-card connection formula (reference 10).
func definition() gateway.Definition {
	return gateway.Definition{
		ID:          "stripe-card",
		DisplayName: "Stripe",
		Method:      "card",
		Mode:        "card",
		Fields: []gateway.Field{
			{Key: FieldSecretKey, DisplayName: "Secret key", Required: true, Format: gateway.FormatText, Secret: true},
			{Key: FieldStripeAccount, DisplayName: "Stripe account", Format: gateway.FormatText},
			{Key: FieldWebhookSecret, DisplayName: "Webhook secret", Format: gateway.FormatText, Secret: true},
		},
		SupportedCurrencies: slices.Clone(currencies),
		SupportedCountries:  slices.Clone(countries),
		Features: gateway.Features{
			DelayedCapture:     true,
			PartialCapture:     true,
			PartialRefunds:     true,
			Refunds:            true,
			ThreeDSecureHosted: true,
			VerifyCredentials:  true,
			Void:               true,
			ZeroAuth:           false, // an amount-0 authorization is not part of gateway.Adapter
		},
		Adapter: "Stripe",
		VaultConfig: []gateway.ConfigEntry{
			{Name: FieldSecretKey, Type: "string", Required: true, Description: "Stripe secret key (sk_test_..., sk_live_... or a restricted rk_... key)"},
		},
		BaseConfig: []gateway.ConfigEntry{
			{Name: FieldStripeAccount, Type: "string", Description: "Connected account id (acct_...) for Stripe Connect"},
			{Name: FieldWebhookSecret, Type: "string", Description: "Webhook signing secret (whsec_...)"},
		},
	}
}
