package sandbox

import (
	"strings"
	"testing"
)

// FuzzParseNodeURL feeds arbitrary strings to the URL parser of http.request:
// it never panics, an http or https URL it accepts has a host and a path
// from "/", and its href parses again to the same fields.
func FuzzParseNodeURL(f *testing.F) {
	for _, seed := range []string{
		"http://example.com", "https://user:p%40ss@API.example.com:8443/a/b?x=1#frag", "http://[::1]:80/",
		"ftp://x/", "http://", "http://a:99999/", "https://a:443/x y", " http://a/\t", "mailto:x@y", "http://%zz/",
		"http://a/%2F?%", "//a/b", "http://a#b#c",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseNodeURL(s)
		if err != nil {
			return
		}
		if !strings.HasSuffix(u["protocol"], ":") {
			t.Fatalf("protocol %q", u["protocol"])
		}
		if p := u["protocol"]; p == "http:" || p == "https:" {
			if u["hostname"] == "" || !strings.HasPrefix(u["pathname"], "/") {
				t.Fatalf("%q: hostname %q pathname %q", s, u["hostname"], u["pathname"])
			}
		}
		again, err := parseNodeURL(u["href"])
		if err != nil {
			t.Fatalf("%q: href %q does not parse: %v", s, u["href"], err)
		}
		for _, k := range []string{"protocol", "hostname", "port", "pathname", "search", "hash"} {
			if again[k] != u[k] {
				t.Fatalf("%q: %s %q, after a round trip %q", s, k, u[k], again[k])
			}
		}
	})
}
