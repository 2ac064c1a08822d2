// Package vaultmetrics exposes a vault's measurements in the Prometheus text
// format. It adapts the vault's observer surface ([vault.Observer],
// [vault.Vault.Stats], storage/bolt Config.OnCommit, httpapi.RequestObserver) to
// client_golang collectors, so that the vault itself does not depend on
// Prometheus.
//
// Every label holds a value from a small fixed set: a route pattern as
// registered ("GET /tokens/{id}", never a request's path), a status code,
// read or write, a reactor outcome, a job kind. No label ever holds an id,
// a tenant, a key, a URL or token data.
//
// The families:
//
//	vault_http_requests_total{route,status}            counter
//	vault_http_request_duration_seconds{route,status}  histogram
//	vault_store_transaction_duration_seconds{type}     histogram (type read or write; failed ones too)
//	vault_bolt_commit_batch_size                       histogram (transactions per group commit)
//	vault_reactor_runs_total{outcome}                  counter
//	vault_reactor_run_duration_seconds{outcome}        histogram
//	vault_jobs_queued{kind}                            gauge (at scrape time)
//	vault_jobs_oldest_due_seconds{kind}                gauge (at scrape time)
//	vault_outbox_events_pending                        gauge (at scrape time)
//	vault_stats_errors_total                           counter (scrapes whose Vault.Stats failed)
//
// plus the Go runtime and process collectors of client_golang.
package vaultmetrics

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tokenvault/vault"
)

// unmatched is the route label of a request no route matched (404, 405).
const unmatched = "unmatched"

// statsTimeout bounds the read of Vault.Stats at a scrape.
const statsTimeout = 5 * time.Second

// Metrics is a registry of the vault's metrics. It is a vault.Observer and
// an httpapi.RequestObserver, and its OnCommit method fits bolt.Config.
// It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	reqDuration *prometheus.HistogramVec
	storeTx     *prometheus.HistogramVec
	batch       prometheus.Histogram
	runs        *prometheus.CounterVec
	runDuration *prometheus.HistogramVec

	vault atomic.Pointer[vault.Vault] // set by Watch
}

var (
	_ vault.Observer = (*Metrics)(nil)
)

// New returns a registry holding the vault's collectors and those of the
// Go runtime and the process.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vault_http_requests_total",
			Help: "HTTP requests served, by route pattern and status code."}, []string{"route", "status"}),
		reqDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vault_http_request_duration_seconds",
			Help: "Time to serve an HTTP request, by route pattern and status code.", Buckets: prometheus.DefBuckets},
			[]string{"route", "status"}),
		storeTx: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vault_store_transaction_duration_seconds",
			Help:    "Time of the vault's store transactions (a write's includes its commit), by type: read or write.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}, []string{"type"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vault_bolt_commit_batch_size",
			Help:    "Update transactions carried by one group commit of the bolt store.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vault_reactor_runs_total",
			Help: "Runs of reactor code, by outcome: ok, error, timeout, memory, too_large, failed."}, []string{"outcome"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vault_reactor_run_duration_seconds",
			Help:    "Time of a run of reactor code, by outcome.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.reqDuration, m.storeTx, m.batch, m.runs, m.runDuration,
		&statsCollector{m: m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, to add collectors of one's own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Watch makes every scrape read v.Stats for the queue gauges. Before it (a
// vault is opened with the observer already set), those gauges are absent.
func (m *Metrics) Watch(v *vault.Vault) { m.vault.Store(v) }

// ObserveRequest counts a request by its route pattern; it is the
// httpapi.RequestObserver method.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	if route == "" {
		route = unmatched
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, code).Inc()
	m.reqDuration.WithLabelValues(route, code).Observe(d.Seconds())
}

// StoreTx implements vault.Observer.
func (m *Metrics) StoreTx(write bool, d time.Duration, _ bool) {
	typ := "read"
	if write {
		typ = "write"
	}
	m.storeTx.WithLabelValues(typ).Observe(d.Seconds())
}

// ReactorRun implements vault.Observer.
func (m *Metrics) ReactorRun(outcome string, d time.Duration) {
	m.runs.WithLabelValues(outcome).Inc()
	m.runDuration.WithLabelValues(outcome).Observe(d.Seconds())
}

// OnCommit records the batch size of a bolt group commit
// (bolt.Config.OnCommit).
func (m *Metrics) OnCommit(batch int) { m.batch.Observe(float64(batch)) }

// statsCollector turns Vault.Stats into gauges at each scrape.
type statsCollector struct {
	m      *Metrics
	errors atomic.Uint64
}

var (
	jobsQueuedDesc = prometheus.NewDesc("vault_jobs_queued",
		"Jobs not dead (waiting, due, backing off or running), by kind.", []string{"kind"}, nil)
	jobsOldestDesc = prometheus.NewDesc("vault_jobs_oldest_due_seconds",
		"How long the job of the kind that has been due longest has waited (0: none is due).", []string{"kind"}, nil)
	pendingDesc = prometheus.NewDesc("vault_outbox_events_pending",
		"Events in the outbox not dispatched yet, over every tenant.", nil, nil)
	statsErrorsDesc = prometheus.NewDesc("vault_stats_errors_total",
		"Scrapes whose read of the vault's queue statistics failed.", nil, nil)
)

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsQueuedDesc
	ch <- jobsOldestDesc
	ch <- pendingDesc
	ch <- statsErrorsDesc
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	if v := c.m.vault.Load(); v != nil {
		ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
		st, err := v.Stats(ctx)
		cancel()
		if err != nil {
			c.errors.Add(1) // the error itself is not exposed: a label must stay bounded
		} else {
			for _, j := range st.Jobs {
				ch <- prometheus.MustNewConstMetric(jobsQueuedDesc, prometheus.GaugeValue, float64(j.Queued), j.Kind)
				ch <- prometheus.MustNewConstMetric(jobsOldestDesc, prometheus.GaugeValue, j.OldestDue.Seconds(), j.Kind)
			}
			ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(st.EventsPending))
		}
	}
	ch <- prometheus.MustNewConstMetric(statsErrorsDesc, prometheus.CounterValue, float64(c.errors.Load()))
}
