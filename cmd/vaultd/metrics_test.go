package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var metricsLine = regexp.MustCompile(`"msg":"serving metrics","addr":"([^"]+)"`)

// metricsAddr is the address a vaultd started with --metrics-addr serves
// its metrics on.
func (p *proc) metricsAddr(t *testing.T) string {
	t.Helper()
	m := metricsLine.FindStringSubmatch(p.stderr.String())
	require.NotNil(t, m, "no metrics address in the log:\n%s", p.stderr)
	return m[1]
}

// get fetches url without a key and returns the status and the body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	res, err := c.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// scrape parses the Prometheus text of url.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := get(t, url)
	require.Equal(t, http.StatusOK, status, body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err)
	return fams
}

// TestMetricsScrape scrapes /metrics from a serving vaultd (on its API
// address, with no key) after requests whose paths hold a token id and
// card data: the families are there, counted by route pattern, and no
// label value holds an id, a path, data or a key.
func TestMetricsScrape(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "boot.key")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile)
	key := p.privateApp(t, readKey(t, keyFile))
	status, body := p.do(t, "POST", "/tokens", key, `{"type":"card_number","data":"4242424242424242"}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var tok struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &tok))
	status, _ = p.do(t, "GET", "/tokens/"+tok.ID, key, "")
	require.Equal(t, http.StatusOK, status)
	status, _ = p.do(t, "GET", "/tokens/4111111111111111", key, "")
	require.Equal(t, http.StatusNotFound, status)
	p.do(t, "GET", "/no/such/"+tok.ID, key, "")

	fams := scrape(t, "http://"+p.addr+"/metrics")
	for _, name := range []string{"vault_http_requests_total", "vault_http_request_duration_seconds",
		"vault_store_transaction_duration_seconds", "vault_bolt_commit_batch_size", "vault_jobs_queued",
		"vault_jobs_oldest_due_seconds", "vault_outbox_events_pending", "go_goroutines", "process_resident_memory_bytes"} {
		assert.Contains(t, fams, name)
	}
	routes := map[string]float64{}
	for _, m := range fams["vault_http_requests_total"].GetMetric() {
		var route, code string
		for _, lp := range m.GetLabel() {
			switch lp.GetName() {
			case "route":
				route = lp.GetValue()
			case "status":
				code = lp.GetValue()
			}
		}
		routes[route+" "+code] += m.GetCounter().GetValue()
	}
	assert.Equal(t, 1.0, routes["POST /tokens 201"], "%v", routes)
	assert.Equal(t, 1.0, routes["GET /tokens/{id} 200"], "%v", routes)
	assert.Equal(t, 1.0, routes["GET /tokens/{id} 404"], "%v", routes)
	assert.Equal(t, 1.0, routes["unmatched 404"], "%v", routes)
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				v := lp.GetValue()
				for _, secret := range []string{tok.ID, "4242", "4111", "/no/such", key} {
					assert.NotContains(t, v, secret, "%s{%s}", name, lp.GetName())
				}
			}
		}
	}
	assert.NotContains(t, p.stderr.String(), "4242424242424242", "no data in the logs")
	require.Equal(t, 0, p.stop(t))
}

// TestMetricsAddr: with --metrics-addr the metrics are there only, the API
// address has no /metrics; the profiler is served with --pprof only, on
// the metrics address only; --pprof without --metrics-addr is refused.
func TestMetricsAddr(t *testing.T) {
	t.Run("separate", func(t *testing.T) {
		p := startServe(t, t.TempDir(), nil, "--metrics-addr", "127.0.0.1:0")
		maddr := p.metricsAddr(t)
		assert.Contains(t, scrape(t, "http://"+maddr+"/metrics"), "vault_jobs_queued")
		status, body := get(t, "http://"+p.addr+"/metrics")
		assert.Equal(t, http.StatusNotFound, status, "the API address has no /metrics")
		assert.NotContains(t, body, "vault_jobs_queued")
		status, _ = get(t, "http://"+maddr+"/debug/pprof/")
		assert.Equal(t, http.StatusNotFound, status, "no profiler without --pprof")
		require.Equal(t, 0, p.stop(t))
	})
	t.Run("pprof", func(t *testing.T) {
		p := startServe(t, t.TempDir(), []string{"VAULT_METRICS_ADDR=127.0.0.1:0"}, "--pprof")
		maddr := p.metricsAddr(t)
		status, body := get(t, "http://"+maddr+"/debug/pprof/")
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, body, "goroutine")
		status, _ = get(t, "http://"+maddr+"/debug/pprof/goroutine?debug=1")
		assert.Equal(t, http.StatusOK, status)
		status, _ = get(t, "http://"+p.addr+"/debug/pprof/")
		assert.Equal(t, http.StatusNotFound, status, "never on the API address")
		status, _ = get(t, "http://"+p.addr+"/metrics")
		assert.Equal(t, http.StatusNotFound, status)
		require.Equal(t, 0, p.stop(t))
	})
	t.Run("pprof needs a metrics address", func(t *testing.T) {
		code, _, stderr := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(t.TempDir(), "v.db"), "--pprof")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "--pprof needs --metrics-addr")
	})
}
