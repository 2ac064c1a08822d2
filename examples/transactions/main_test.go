package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTransactions(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"before commit: 3 cards in the new container inside the transaction, 0 outside",
		"a concurrent change of a held token: conflict",
		"after commit: 3 cards in the new container",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
