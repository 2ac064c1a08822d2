package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"created a card token in [/pci/high/] (brand visa, last4 4242)",
		"found 1 token(s), the same one: true",
		`detokenized the expiry into {"exp":"12/2030"}`,
		"its number has 16 digits",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "4242424242424242") {
		t.Error("the quickstart printed the card number")
	}
}
