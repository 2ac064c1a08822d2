package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/vaultmetrics"
)

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// minSweepInterval is the shortest --sweep-interval: the sweeper must run.
const minSweepInterval = 100 * time.Millisecond

// serve runs the server until SIGINT or SIGTERM, then drains it.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	fl := newFlags("serve", stderr, getenv)
	fl.withConfig()
	addr := fl.string("addr", "VAULT_ADDR", "127.0.0.1:8080", "the address to listen on (port 0 picks a free port; the log says which)")
	store := fl.store()
	keyFile := fl.string("bootstrap-key-file", "VAULT_BOOTSTRAP_KEY_FILE", "", "on a new vault, also write the bootstrap management key to this file (mode 0600)")
	level := fl.string("log-level", "VAULT_LOG_LEVEL", "info", "debug, info, warn or error")
	drain, err := fl.duration("drain-timeout", "VAULT_DRAIN_TIMEOUT", 30*time.Second, "on SIGINT or SIGTERM, how long in-flight requests may take to finish")
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	sweepEvery, err := fl.duration("sweep-interval", "VAULT_SWEEP_INTERVAL", vault.DefaultSweepInterval,
		"how often expired tokens, results and entries past their retention are purged (every process sharing a store sweeps; each purge happens once); at least 100ms")
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	reactors, err := fl.reactors()
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	tlsFl := fl.tls()
	edge, err := fl.edge()
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	metricsFl, err := fl.metrics()
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	tracingFl := fl.tracing()
	var allowHosts allowList
	if err := allowHosts.fromEnv(getenv("VAULT_ALLOW_HOSTS")); err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	fl.envs["allow-host"] = "VAULT_ALLOW_HOSTS"
	fl.Var(&allowHosts, "allow-host", "HOST or HOST:PORT that webhooks, proxies, reactor code's fetch and a gateway endpoint may reach (repeatable; $VAULT_ALLOW_HOSTS, comma-separated): "+
		"once set, webhooks go to these hosts only, and may use http and loopback or private addresses; reactors may fetch from these hosts only (none otherwise); "+
		"--stripe-base-url may use http and a loopback or private address only on these")
	stripeBaseURL := fl.string("stripe-base-url", "VAULT_STRIPE_BASE_URL", "", "send the stripe-card connections' requests here (stripe-mock, an egress proxy) instead of api.stripe.com: "+
		"https on a public address, or a host --allow-host names")
	if code, ok := fl.parse(args); !ok {
		return code
	}
	if *sweepEvery < minSweepInterval {
		fmt.Fprintf(stderr, "vaultd serve: --sweep-interval must be at least %s\n", minSweepInterval)
		return exitUsage
	}
	if err := errors.Join(edge.check(), metricsFl.check(), tracingFl.check()); err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	tlsConfig, err := tlsFl.config()
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}

	// Signals are caught from the start, so that one arriving while the
	// vault opens still shuts down cleanly.
	sigCtx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	reactorOpts, err := reactors.options()
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	reactorOpts = append(reactorOpts, allowHosts.options()...)
	reactorOpts = append(reactorOpts, vault.WithSweepInterval(*sweepEvery))
	gatewayOpts, err := gatewayOptions(*stripeBaseURL, &allowHosts)
	if err != nil {
		fmt.Fprintln(stderr, "vaultd serve:", err)
		return exitUsage
	}
	reactorOpts = append(reactorOpts, gatewayOpts...)
	metrics := vaultmetrics.New()
	reactorOpts = append(reactorOpts, vault.WithObserver(metrics))
	tp, err := tracingFl.provider(ctx, log)
	if err != nil {
		log.Error("tracing not started", slog.String("error", err.Error()))
		return exitError
	}
	// Deferred before the vault's Close and the server's drain: the spans of
	// the last requests are flushed once they are over.
	defer shutdownTracing(ctx, tp, log)
	var httpOpts []httpapi.Option
	if tp != nil {
		reactorOpts = append(reactorOpts, vault.WithTracerProvider(tp))
		httpOpts = append(httpOpts, httpapi.WithTracerProvider(tp))
	}
	store.onCommit = metrics.OnCommit
	// The listener comes first: a port that is taken fails the start
	// before a new vault is created, so no bootstrap key is spent on a
	// server that never served.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("cannot listen", slog.String("addr", *addr), slog.String("error", err.Error()))
		return exitError
	}
	defer ln.Close()
	mln, err := listenMetrics(*metricsFl.addr)
	if err != nil {
		log.Error("cannot listen", slog.String("addr", *metricsFl.addr), slog.String("error", err.Error()))
		return exitError
	}
	if mln != nil {
		defer mln.Close()
	}
	v, err := store.open(sigCtx, log, false, reactorOpts...)
	if err != nil {
		log.Error("vault not opened", slog.String("store", store.describe()), slog.String("error", err.Error()))
		return exitError
	}
	defer func() {
		if err := v.Close(); err != nil {
			log.Error("vault not closed cleanly", slog.String("error", err.Error()))
		}
	}()
	metrics.Watch(v)
	opts := append([]httpapi.Option{httpapi.WithLogger(log), httpapi.WithMaxBodySize(int64(*edge.maxBodyBytes)), httpapi.WithRequestObserver(metrics)}, httpOpts...)
	if !store.onPostgres() {
		// The copy is made beside the vault file: same file system, same
		// protection as the vault itself.
		opts = append(opts, httpapi.WithBackups(filepath.Dir(*store.path)))
	}
	api := httpapi.New(v, opts...)
	if mln == nil {
		api = withMetrics(api, metrics)
	}
	srv := edge.server(api, log)
	served := make(chan error, 1)
	metricsServed := make(chan error, 1) // never sent to without --metrics-addr
	if mln != nil {
		msrv := metricsServer(metrics, *metricsFl.pprof, log)
		go func() { metricsServed <- msrv.Serve(mln) }()
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), metricsDrain)
			defer cancel()
			if msrv.Shutdown(ctx) != nil {
				_ = msrv.Close()
			}
		}()
		log.Info("serving metrics", slog.String("addr", mln.Addr().String()), slog.Bool("pprof", *metricsFl.pprof))
	}
	if tlsConfig != nil {
		srv.TLSConfig = tlsConfig
		go func() { served <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { served <- srv.Serve(ln) }()
	}
	// The bootstrap key of a new vault is shown once the server serves;
	// the "serving" line follows it.
	if key, ok := v.TakeBootstrapKey(); ok {
		fmt.Fprintf(stdout, "A new vault was created. Its bootstrap management key is shown only this once:\n\n\t%s\n\n", key.Reveal())
		if *keyFile != "" {
			if err := writeSecret(*keyFile, []byte(key.Reveal()+"\n")); err != nil {
				log.Error("bootstrap key file not written", slog.String("file", *keyFile), slog.String("error", err.Error()))
				_ = srv.Close()
				return exitError
			}
			log.Info("bootstrap key file written", slog.String("file", *keyFile))
		}
	}
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.Bool("tls", tlsConfig != nil), slog.String("store", store.describe()),
		slog.Bool("tracing", tp != nil))

	select {
	case err := <-served:
		log.Error("server failed", slog.String("error", err.Error()))
		return exitError
	case err := <-metricsServed:
		log.Error("metrics server failed", slog.String("error", err.Error()))
		_ = srv.Close()
		return exitError
	case <-sigCtx.Done():
	}
	stop() // a second signal kills the process at once
	log.Info("shutting down: no new connections; draining in-flight requests", slog.Int64("drain_timeout_ms", drain.Milliseconds()))
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *drain)
	defer cancel()
	code := exitOK
	if err := srv.Shutdown(drainCtx); err != nil {
		log.Error("drain deadline passed: closing the remaining connections", slog.String("error", err.Error()))
		_ = srv.Close()
		code = exitError
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		log.Error("server failed", slog.String("error", err.Error()))
	}
	log.Info("stopped")
	return code
}

// writeSecret writes data to path with mode 0600, atomically: readers see
// the old file or the whole new one, never a part.
func writeSecret(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
