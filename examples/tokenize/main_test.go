package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"an SSN (/pii/high/) and a card (/pci/high/)",
		"the stored record holds no plaintext: true",
		`payment request: holder "Jane Doe", exp 12/30, card number of 16 digits`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
