package proxyxform_test

import (
	"fmt"

	"github.com/tokenvault/vault/internal/proxyxform"
)

func ExampleMask_Apply() {
	m, err := proxyxform.CompileMask("regex", `"accountNumber":\s*"(.*?)"`, "*")
	if err != nil {
		panic(err)
	}
	body, err := m.Apply([]byte(`{"username": "bsmith1486", "accountNumber": "56834512"}`))
	fmt.Println(string(body), err)
	// Output: {"username": "bsmith1486", "accountNumber": "********"} <nil>
}

func ExampleAppendJSON() {
	body, err := proxyxform.AppendJSON([]byte(`{"status":"ok","n":12345678901234567890}`), "$.tokens[0].id", "tok_1")
	fmt.Println(string(body), err)
	// Output: {"status":"ok","n":12345678901234567890,"tokens":[{"id":"tok_1"}]} <nil>
}

func ExampleReplace() {
	n := 0
	body, err := proxyxform.Replace([]byte(`{"cards":[{"number":"4242424242424242"},{"number":"5555555555554444"}]}`),
		"$.cards[*].number", func(old any) (any, error) {
			n++
			return fmt.Sprintf("token-%d", n), nil // a real caller creates a token from old
		})
	fmt.Println(string(body), err)
	// Output: {"cards":[{"number":"token-1"},{"number":"token-2"}]} <nil>
}
