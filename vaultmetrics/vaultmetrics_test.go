package vaultmetrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage/bolt"
	"github.com/tokenvault/vault/vaultmetrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Scrape parses what h serves at /metrics.
func Scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, http.StatusOK, w.Code)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(w.Body)
	require.NoError(t, err)
	return fams
}

// TestMetrics serves a vault on bolt through httpapi with the metrics
// wired in, sends requests whose paths carry an id and card data, and
// scrapes: every family is there, and no label value holds an id, a path
// or data.
func TestMetrics(t *testing.T) {
	m := vaultmetrics.New()
	kek := make([]byte, 32)
	kek[0] = 1
	provider, err := keys.NewLocal(kek)
	require.NoError(t, err)
	v, err := vault.Open(filepath.Join(t.TempDir(), "vault.db"), vault.WithKeyProvider(provider), vault.WithSweepInterval(0),
		vault.WithObserver(m), vault.WithBoltConfig(bolt.Config{NoSync: true, OnCommit: m.OnCommit}))
	require.NoError(t, err)
	defer v.Close()
	m.Watch(v)
	app, err := v.CreateApplication(context.Background(), vault.CreateApplicationRequest{Name: "b", Type: vault.AppPrivate,
		Permissions: []string{vault.PermReactorInvoke, vault.PermTokenRead}})
	require.NoError(t, err)
	key := app.Key.Reveal()
	api := httptest.NewServer(httpapi.New(v, httpapi.WithRequestObserver(m)))
	defer api.Close()

	do := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, api.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("BT-API-KEY", key)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	r, err := v.CreateReactor(context.Background(), vault.CreateReactorRequest{Name: "r",
		Code: "module.exports = async function () { return { raw: 1 }; };"})
	require.NoError(t, err)
	rid := r.ID
	status, body := do("POST", "/reactors/"+rid+"/react", `{"args":{}}`)
	require.Equal(t, http.StatusOK, status, body)
	do("GET", "/tokens/4242424242424242", "")
	do("GET", "/no/such/thing/"+rid, "")

	fams := Scrape(t, m.Handler())
	for _, name := range []string{"vault_http_requests_total", "vault_http_request_duration_seconds",
		"vault_store_transaction_duration_seconds", "vault_bolt_commit_batch_size", "vault_reactor_runs_total",
		"vault_reactor_run_duration_seconds", "vault_jobs_queued", "vault_jobs_oldest_due_seconds",
		"vault_outbox_events_pending", "vault_stats_errors_total", "go_goroutines"} {
		assert.Contains(t, fams, name)
	}
	routes := map[string]float64{}
	for _, mt := range fams["vault_http_requests_total"].GetMetric() {
		routes[label(mt, "route")+" "+label(mt, "status")] += mt.GetCounter().GetValue()
	}
	assert.Equal(t, map[string]float64{"POST /reactors/{id}/react 200": 1,
		"GET /tokens/{id} 404": 1, "unmatched 404": 1}, routes)
	runs := fams["vault_reactor_runs_total"].GetMetric()
	require.Len(t, runs, 1)
	assert.Equal(t, vault.ReactorOK, label(runs[0], "outcome"))
	assert.Positive(t, fams["vault_bolt_commit_batch_size"].GetMetric()[0].GetHistogram().GetSampleCount())

	// No label value of any family is an id, a path or data.
	for name, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, lp := range mt.GetLabel() {
				val := lp.GetValue()
				assert.NotContains(t, val, rid, "%s{%s}", name, lp.GetName())
				assert.NotContains(t, val, "4242", "%s{%s}", name, lp.GetName())
				assert.NotContains(t, val, "/no/such", "%s{%s}", name, lp.GetName())
				assert.NotContains(t, val, key, "%s{%s}", name, lp.GetName())
			}
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}
