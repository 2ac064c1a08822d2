package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tokenvault/vault/gateway/stripe/stripemock"
)

func TestProxyExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out, stripemock.Start(t, false)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"the local gateway answered 200 (destination status 200): payment_method pm_local_1, card ending 4242",
		"stripe-mock answered 200 (destination status 200): payment_method pm_",
		"10.0.0.8 refused: invalid",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "4242424242424242") {
		t.Errorf("output shows the card number:\n%s", out.String())
	}
}
