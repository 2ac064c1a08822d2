package main

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseAllowEntry: HOST or HOST:PORT, names lowered, IP literals in
// their canonical form, and nothing else.
func TestParseAllowEntry(t *testing.T) {
	for in, want := range map[string]string{
		"hooks.internal":      "hooks.internal",
		" Hooks.Internal. ":   "hooks.internal",
		"127.0.0.1":           "127.0.0.1",
		"127.0.0.1:8080":      "127.0.0.1:8080",
		"::1":                 "::1",
		"[::1]":               "::1",
		"[0:0::1]:9000":       "[::1]:9000",
		"api.example.com:443": "api.example.com:443",
	} {
		e, err := parseAllowEntry(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, e.String(), in)
		}
	}
	for _, in := range []string{"", "http://hooks.internal", "hooks.internal/x", "*.example.com", "u@host", "host:0",
		"host:65536", "host:http", "a..b", ".a", "host:"} {
		_, err := parseAllowEntry(in)
		assert.Error(t, err, "%q", in)
	}
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPortGuard: a request passes when an entry of its host admits its
// port (the scheme's when the URL has none).
func TestPortGuard(t *testing.T) {
	var a allowList
	for _, s := range []string{"127.0.0.1:8080", "hooks.internal", "[::1]:443"} {
		require.NoError(t, a.Set(s))
	}
	passed := errors.New("passed")
	g := &portGuard{entries: a.entries, next: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, passed })}
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8080/x":   true,
		"http://127.0.0.1:8081/x":   false,
		"http://127.0.0.1/x":        false,
		"http://hooks.internal:1/x": true,
		"https://HOOKS.internal/x":  true,
		"https://[::1]/x":           true,
		"http://[::1]/x":            false,
		"http://other.internal/x":   false,
	} {
		req, err := http.NewRequest("GET", url, nil)
		require.NoError(t, err)
		_, err = g.RoundTrip(req)
		if ok {
			assert.ErrorIs(t, err, passed, url)
		} else {
			assert.ErrorIs(t, err, errPortNotAllowed, url)
		}
	}
}
