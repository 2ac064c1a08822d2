package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReactors(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`backend react: {"approved":true,"last4":"4242","signed":true,"receipt":"`,
		"negative amount: 400 BadRequestError map[amount:[must be a positive number of cents]]",
		"analytics react with the card: forbidden (403)",
		"async react: completed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, secret := range []string{"sk_live_not_a_real_secret", "4242424242424242"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("output shows %q:\n%s", secret, out.String())
		}
	}
}
