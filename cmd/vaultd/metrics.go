package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/tokenvault/vault/vaultmetrics"
)

// metricsFlags are serve's observability flags.
type metricsFlags struct {
	addr  *string
	pprof *bool
}

func (f *flags) metrics() (metricsFlags, error) {
	m := metricsFlags{
		addr: f.string("metrics-addr", "VAULT_METRICS_ADDR", "",
			"serve GET /metrics (Prometheus) on this address only, instead of on --addr; e.g. 127.0.0.1:9090"),
	}
	var err error
	m.pprof, err = f.bool("pprof", "VAULT_PPROF", false, "also serve the Go profiler (/debug/pprof/) on --metrics-addr, which it needs")
	return m, err
}

// check validates the flags once parsed.
func (m metricsFlags) check() error {
	if *m.pprof && *m.addr == "" {
		return errors.New("--pprof needs --metrics-addr: the profiler is never served on the API address")
	}
	return nil
}

// withMetrics serves GET /metrics from m in front of api, for the API
// address when no --metrics-addr is given. Every other request goes to
// api untouched.
func withMetrics(api http.Handler, m *vaultmetrics.Metrics) http.Handler {
	metrics := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// metricsServer is the server of --metrics-addr: /metrics and, with
// --pprof, the profiler.
func metricsServer(m *vaultmetrics.Metrics, withPprof bool, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return &http.Server{Handler: mux, ReadHeaderTimeout: defaultReadHeaderTimeout, IdleTimeout: defaultIdleTimeout,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// listenMetrics listens on the metrics address, or returns nil when there
// is none.
func listenMetrics(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	return net.Listen("tcp", addr)
}

// metricsDrain bounds the shutdown of the metrics server: a scrape or a
// profile in flight is cut after it.
const metricsDrain = 5 * time.Second
