package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tokenvault/vault/gateway/simulator"
)

func TestPayments(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"20 connection formulas, 3 with a payment service adapter",
		"attempt on busy acquirer: declined do_not_honor",
		"attempt on Simulator A: approved",
		"payment authorization_succeeded: 4200 EUR on a visa card ending 1111",
		"captured 4200, refund succeeded of 1200: refunded 1200",
		`created "Simulator (test)": pending; fields [{Key:api_key Value: Secret:true} {Key:merchant_id Value:merchant-17 Secret:false}]`,
		`"Simulator (test)" is available`,
		`"Simulator (bad key)" is failed: the payment service refused the credentials`,
		`connector "Simulator A": Simulator, shared secret shown once (30 characters)`,
		"route 4200 EUR: rule 1, decline false, connectors [B A]",
		"route 250000 EUR: rule 0, decline true, connectors []",
		"route 4200 USD: rule -1, decline true, connectors []",
		"bad codes: 400 map[accepted_countries[0]:[must be an ISO 3166-1 alpha-2 country code in upper case] accepted_currencies[0]:[must be an ISO 4217 currency code in upper case]]",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, secret := range []string{simulator.TestAPIKey, "sk_wrong", simulator.CardApproved} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("output shows %q", secret)
		}
	}
}
