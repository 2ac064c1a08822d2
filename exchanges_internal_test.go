package vault

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeExchangeOutput feeds the decoder of what a template's code
// returns: it never panics, a success has a type, and a failure is a
// KindInvalid with paths under "token", or a 500 reactor failure for
// something that is not an object. No message repeats the input.
func FuzzDecodeExchangeOutput(f *testing.F) {
	for _, s := range []string{
		`{"type":"card_number","data":"4242424242424242","metadata":{"k":"v"}}`,
		`{"data":{"a":[1,2,{"b":null}]},"containers":["/a/"],"search_indexes":["{{ data }}"],"expires_at":"2099-01-01T00:00:00Z","deduplicate_token":true,"mask":"{{ data }}","fingerprint_expression":"{{ data }}"}`,
		`{"data":"x","metadata":{"k":1}}`, `{"data":"x","containers":"/a/"}`, `{"data":"x","expires_at":"tomorrow"}`,
		`{"data":"x","4242424242424242":1}`, `{"data":"x","type":null}`, `"token"`, `[]`, `null`, `12`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := decodeExchangeOutput("Exchange", raw)
		if err == nil {
			if req.Type == "" {
				t.Fatal("a decoded token has no type")
			}
			return
		}
		e, ok := errors.AsType[*Error](err)
		if !ok {
			t.Fatalf("not a *vault.Error: %v", err)
		}
		switch {
		case e.Reactor != nil:
			if e.Reactor.Status != 500 {
				t.Fatalf("reactor failure of status %d", e.Reactor.Status)
			}
		case e.Kind == KindInvalid:
			for path := range e.Fields {
				if path != "token" && !strings.HasPrefix(path, "token.") {
					t.Fatalf("field path %q is not under token", path)
				}
			}
		default:
			t.Fatalf("error of kind %s: %v", e.Kind, err)
		}
		if len(raw) >= 8 {
			b, _ := json.Marshal(e)
			if strings.Contains(string(b)+e.Error(), "4242424242424242") && strings.Contains(string(raw), "4242424242424242") {
				t.Fatalf("the error repeats the input: %s", b)
			}
		}
	})
}
