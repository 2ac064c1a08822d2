package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestAccessControl(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"payments       -> revealed (16 digits)",
		"reports        -> XXXXXXXXXXXX4242",
		"checkout page  -> forbidden",
		"session        -> XXXXXXXXXXXX4242",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
