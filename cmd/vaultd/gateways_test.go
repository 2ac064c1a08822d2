package main_test

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStripeBaseURL: --stripe-base-url sends the stripe-card connections'
// requests to another endpoint, held to the outbound rules: plain http, and
// a loopback address, only for a host --allow-host names.
func TestStripeBaseURL(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"balance","available":[],"pending":[],"livemode":false}`))
	}))
	t.Cleanup(srv.Close)
	tls := httptest.NewTLSServer(srv.Config.Handler)
	t.Cleanup(tls.Close)
	hostPort := func(raw string) string { u, _ := url.Parse(raw); return u.Host }

	t.Run("http needs an allow-list entry", func(t *testing.T) {
		code, _, stderr := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(t.TempDir(), "v.db"), "--stripe-base-url", srv.URL)
		assert.Equal(t, 2, code, stderr)
		assert.Contains(t, stderr, "--allow-host")
	})
	t.Run("not a URL", func(t *testing.T) {
		code, _, stderr := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(t.TempDir(), "v.db"), "--stripe-base-url", "ftp://x")
		assert.Equal(t, 2, code, stderr)
	})

	// connect starts vaultd with args and creates a stripe-card connection,
	// whose verification is a request to the gateway (retried while it fails
	// to connect).
	// vaultd trusts the TLS test server's certificate (SSL_CERT_FILE), so
	// that only the destination rules can keep a request from it.
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tls.Certificate().Raw}), 0o600))
	trust := []string{"SSL_CERT_FILE=" + certFile}
	connect := func(t *testing.T, args ...string) {
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "bootstrap.key")
		p := startServe(t, dir, trust, append([]string{"--bootstrap-key-file", keyFile}, args...)...)
		mgmt := readKey(t, keyFile)
		status, body := p.do(t, "POST", "/orchestration/connections", mgmt, `{"connection_formula_id":"stripe-card","method":"card","display_name":"Stripe",`+
			`"fields":[{"key":"secret_key","value":"sk_test_123"}],"accepted_countries":["US"],"accepted_currencies":["USD"]}`)
		require.Equal(t, http.StatusCreated, status, "%s", body)
	}
	t.Run("an entry admits a loopback http endpoint", func(t *testing.T) {
		before := hits.Load()
		connect(t, "--stripe-base-url", srv.URL, "--allow-host", hostPort(srv.URL))
		require.Eventually(t, func() bool { return hits.Load() > before }, 30*time.Second, 20*time.Millisecond, "the verification reached the endpoint")
	})
	t.Run("an entry admits a loopback https endpoint", func(t *testing.T) {
		before := hits.Load()
		connect(t, "--stripe-base-url", tls.URL, "--allow-host", hostPort(tls.URL))
		require.Eventually(t, func() bool { return hits.Load() > before }, 30*time.Second, 20*time.Millisecond, "the verification reached the endpoint")
	})
	t.Run("a loopback endpoint is refused at dial without an entry", func(t *testing.T) {
		before := hits.Load()
		connect(t, "--stripe-base-url", tls.URL)
		time.Sleep(2 * time.Second) // the verification runs at once, and fails to dial
		assert.Equal(t, before, hits.Load(), "no request reached the loopback endpoint")
	})
	t.Run("from the environment", func(t *testing.T) {
		code, _, stderr := runCmd(t, []string{"VAULT_STRIPE_BASE_URL=" + srv.URL}, "serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(t.TempDir(), "v.db"))
		assert.Equal(t, 2, code, "the environment's URL is held to the same rules: %s", stderr)
	})
}
