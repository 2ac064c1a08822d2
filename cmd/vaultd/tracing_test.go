package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP/HTTP trace receiver: it keeps the spans POSTed to
// /v1/traces.
type collector struct {
	mu       sync.Mutex
	services []string
	spans    []*tracepb.Span
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.NotFound(w, r)
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, "decode", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				c.services = append(c.services, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// TestTracingExport: with --otel-endpoint, vaultd exports its request and
// vault spans over OTLP/HTTP, flushed at a clean shutdown, under the
// service name of $VAULT_OTEL_SERVICE_NAME; no span carries the card
// number or the token's id.
func TestTracingExport(t *testing.T) {
	col := &collector{}
	srv := httptest.NewServer(col) // 127.0.0.1
	defer srv.Close()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "boot.key")
	p := startServe(t, dir, []string{"VAULT_OTEL_SERVICE_NAME=vaultd-test"}, "--bootstrap-key-file", keyFile, "--otel-endpoint", srv.URL)
	key := p.privateApp(t, readKey(t, keyFile))
	const card = "4000056655665556"
	status, body := p.do(t, "POST", "/tokens", key, `{"type":"card_number","data":"`+card+`"}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var tok struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &tok))
	status, _ = p.do(t, "GET", "/tokens/"+tok.ID, key, "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, p.stop(t), "%s", p.stderr)

	col.mu.Lock()
	defer col.mu.Unlock()
	names := map[string]int{}
	for _, s := range col.spans {
		names[s.GetName()]++
		text, err := proto.Marshal(s)
		require.NoError(t, err)
		for _, canary := range []string{card, tok.ID} {
			assert.NotContains(t, string(text), canary, "span %s", s.GetName())
		}
	}
	for _, want := range []string{"POST /tokens", "GET /tokens/{id}", "vault.CreateToken", "vault.GetToken", "vault.Authenticate"} {
		assert.Positive(t, names[want], "%s exported: %v", want, names)
	}
	require.NotEmpty(t, col.services)
	for _, s := range col.services {
		assert.Equal(t, "vaultd-test", s)
	}
}

// TestTracingFlags: an otel-endpoint that is no http(s) URL, from the
// command line, the environment or the config file, is refused without
// being quoted.
func TestTracingFlags(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "vaultd.toml")
	require.NoError(t, os.WriteFile(conf, []byte("otel-endpoint = \"ftp://secret-host:21\"\n"), 0o600))
	serve := []string{"serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(dir, "vault.db")}
	for name, c := range map[string]struct {
		env  []string
		args []string
	}{
		"flag":   {args: []string{"--otel-endpoint", "ftp://secret-host:21"}},
		"env":    {env: []string{"VAULT_OTEL_ENDPOINT=ftp://secret-host:21"}},
		"config": {args: []string{"--config", conf}},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runCmd(t, c.env, append(serve, c.args...)...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, "--otel-endpoint: want an http:// or https:// URL")
			assert.False(t, strings.Contains(stderr, "secret-host"), stderr)
		})
	}
}
