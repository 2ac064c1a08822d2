package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestExchanges(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`its configuration prints as map[HMAC_KEY:[REDACTED]]`,
		`Risk service card parts: a token token in [/general/high/]: {"bin":"42424242","last4":"4242"}`,
		// HMAC-SHA256("key-shared-with-partner", "4242424242424242"), as a partner computes it.
		`Partner pseudonym: a token token in [/general/high/]: "661a6c90c836d5ae00f76aeaf5f04179a24ebb07e44f550933859bfd5c199971"`,
		`Reminders: a token token in [/general/low/]: {"month":4,"year":2031}`,
		"risk service reads the card: forbidden",
		"expired card: 400 BadRequestError map[card:[is expired]]",
		"analytics exchanges the card: true",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, secret := range []string{"4242424242424242", "5555555555554444", "key-shared-with-partner"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("output shows %q:\n%s", secret, out.String())
		}
	}
}
