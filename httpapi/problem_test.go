package httpapi_test

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/httpapi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestProblemGolden pins the ProblemDetails body of each kind of failure:
// these are what SDKs parse, so a change must be deliberate (go test
// -run TestProblemGolden -update rewrites them).
func TestProblemGolden(t *testing.T) {
	f := newFixture(t, nil, httpapi.WithMaxBodySize(256))
	mp := with(key("private"), "Content-Type", "application/merge-patch+json")
	for _, c := range []struct {
		name, method, url string
		headers           map[string]string
		body              string
		status            int
	}{
		{"validation", "POST", "/tokens", key("private"), `{"type":"card","data":{"number":"4242424242424241","expiration_month":13}}`, 400},
		{"decode_field", "POST", "/applications", key("mgmt"), `{"name":"x","type":"private","rules":[{"priority":"first"}]}`, 400},
		{"decode_time", "POST", "/tokens", key("private"), `{"type":"token","data":"v","expires_at":"tomorrow"}`, 400},
		{"malformed_json", "POST", "/tokens", key("private"), `{"type":"token",`, 400},
		{"query", "GET", "/v2/tokens?size=many", key("private"), ``, 400},
		{"unauthenticated", "GET", "/tokens/{card}", nil, ``, 401},
		{"invalid_key", "GET", "/tokens/{card}", map[string]string{"BT-API-KEY": "key_nope"}, ``, 401},
		{"forbidden", "GET", "/tokens/{ssn}", key("pci"), ``, 403},
		{"not_found", "GET", "/tokens/00000000-0000-0000-0000-000000000000", key("private"), ``, 404},
		{"no_route", "GET", "/no/such/route", nil, ``, 404},
		{"method_not_allowed", "POST", "/tokens/{card}", key("private"), `{}`, 405},
		{"conflict", "POST", "/tokens", key("private"), `{"id":"{custom}","type":"token","data":"v"}`, 409},
		{"too_large", "POST", "/tokens", key("private"), `{"type":"token","data":"` + strings.Repeat("x", 300) + `"}`, 413},
		{"unsupported_media_type", "PATCH", "/tokens/{card}", key("private"), `{}`, 415},
		{"transaction_not_found", "POST", "/tokens", with(key("private"), "BT-TRANSACTION-ID", "t-1"), `{"type":"token","data":"v"}`, 404},
		{"merge_patch_decode", "PATCH", "/tokens/{card}", mp, `{"containers":"/pci/"}`, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := f.do(t, c.method, c.url, c.headers, c.body)
			require.Equal(t, c.status, res.StatusCode, "%s", body)
			problem(t, res, body)
			golden(t, "problem_"+c.name, body)
		})
	}
}

// golden compares got with testdata/name.golden, or rewrites it under
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(bytes.TrimSpace(want)), string(bytes.TrimSpace(got)), "golden file %s", path)
}

func TestProblemTitles(t *testing.T) {
	f := newFixture(t, nil)
	res, body := f.do(t, "POST", "/tokens", key("private"), `{"type":"card","data":{"number":"1"}}`)
	p := problem(t, res, body)
	assert.Equal(t, "One or more validation errors occurred.", p.Title)
	res, body = f.do(t, "POST", "/tokens", key("private"), `{`)
	p = problem(t, res, body)
	assert.Equal(t, http.StatusText(http.StatusBadRequest), p.Title)
	assert.Empty(t, p.Errors)
}
