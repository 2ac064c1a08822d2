package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestWebhooks(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"10.0.0.8 refused: invalid on [url]",
		"webhook orders is enabled; it prints as [REDACTED]",
		"token.created of a card token, signature verified",
		"token.deleted, signature verified",
		"requests with a bad signature: 0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "4242424242424242") {
		t.Errorf("output shows the card number:\n%s", out.String())
	}
}
