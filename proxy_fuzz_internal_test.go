package vault

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzProxyBody feeds request bodies of each detokenized content type, and
// the raw query of ProxyRequestFromHTTP, to the proxy's parsers: they never
// panic, a failure is a *vault.Error, a body without an expression comes
// back byte for byte, and a success never holds an expression left
// unrendered (binary bodies pass as they are), and the proxy key never
// stays in the forwarded query.
func FuzzProxyBody(f *testing.F) {
	v, err := OpenMemory(WithSweepInterval(0))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = v.Close() })
	tok, err := v.CreateToken(context.Background(), CreateTokenRequest{Type: TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	if err != nil {
		f.Fatal(err)
	}
	ref := "{{ " + tok.ID + " | json: '$.number' }}"
	types := []string{"application/json", "application/x-www-form-urlencoded", "text/plain", "application/xml", "", "application/octet-stream", "application/vnd.api+json"}
	for i, s := range []string{
		`{"card":"` + ref + `","n":1}`, "a=" + strings.ReplaceAll(ref, " ", "+") + "&b=%7B%7B", "pan=" + ref, "<p>" + ref + "</p>", ref, ref,
		`["` + ref + `",{"x":"{{ token: ` + tok.ID + ` }}"}]`, `{"a":"{{"}`, "a=%ZZ&b", "x={%+if+true+%}y{%+endif+%}", `{"a":"{{ config: K }}"}`, "",
	} {
		f.Add(uint8(i%len(types)), []byte(s), "a=1&bt-proxy-key=k&b=2")
	}
	pc := &proxyCall{op: "Proxy", caller: v.principal(context.Background()), perm: PermProxyInvoke}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte, rawQuery string) {
		ct := types[int(kind)%len(types)]
		out, err := v.detokenizeBody(context.Background(), pc, ct, body)
		if err != nil {
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Fatalf("not a *vault.Error: %v", err)
			}
		} else {
			if !hasMarkup(body) && ct != "application/x-www-form-urlencoded" && !bytes.Equal(out, body) {
				t.Fatalf("a body without expressions changed: %q -> %q", body, out)
			}
			if ct != "application/octet-stream" && bytes.Contains(out, []byte(tok.ID+" |")) {
				t.Fatalf("an expression was left: %q", out)
			}
		}
		r := httptest.NewRequest(http.MethodPost, "/proxy/x", bytes.NewReader(body))
		r.URL.RawQuery = rawQuery
		req, err := ProxyRequestFromHTTP(r, "/proxy", 1<<20)
		if err != nil {
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Fatalf("not a *vault.Error: %v", err)
			}
			return
		}
		if q, err := url.ParseQuery(req.RawQuery); err == nil && q.Has(ProxyKeyQuery) {
			t.Fatalf("the proxy key stays in the forwarded query: %q", req.RawQuery)
		}
	})
}
