package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// tracingFlags are serve's OpenTelemetry flags.
type tracingFlags struct {
	endpoint *string
	service  *string
}

func (f *flags) tracing() tracingFlags {
	return tracingFlags{
		endpoint: f.string("otel-endpoint", "VAULT_OTEL_ENDPOINT", "",
			"export OpenTelemetry traces over OTLP/HTTP to this collector URL, e.g. http://127.0.0.1:4318 (/v1/traces is added to a URL without a path); off when empty"),
		service: f.string("otel-service-name", "VAULT_OTEL_SERVICE_NAME", "vaultd", "the service.name of the exported traces"),
	}
}

// check validates the flags once parsed. The URL itself is never quoted:
// it is configuration.
func (t tracingFlags) check() error {
	if *t.endpoint == "" {
		return nil
	}
	u, err := url.Parse(*t.endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("--otel-endpoint: want an http:// or https:// URL of an OTLP/HTTP collector")
	}
	if *t.service == "" {
		return errors.New("--otel-service-name must not be empty")
	}
	return nil
}

// tracesURL is the URL the exporter posts to: the endpoint, with the OTLP
// traces path when it has no path of its own.
func (t tracingFlags) tracesURL() string {
	u, _ := url.Parse(*t.endpoint) // checked
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String()
}

// tracingFlush bounds the export of the spans still buffered at shutdown.
const tracingFlush = 5 * time.Second

// provider returns the tracer provider of --otel-endpoint, or nil when
// tracing is off. Its spans are batched and exported in the background;
// the caller shuts it down, which flushes them. Export errors go to log,
// at warn.
func (t tracingFlags) provider(ctx context.Context, log *slog.Logger) (*sdktrace.TracerProvider, error) {
	if *t.endpoint == "" {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(t.tracesURL()))
	if err != nil {
		return nil, err
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", *t.service)))
	if err != nil {
		return nil, err
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing", slog.String("error", err.Error()))
	}))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// shutdownTracing flushes and stops tp (nil: tracing is off).
func shutdownTracing(ctx context.Context, tp *sdktrace.TracerProvider, log *slog.Logger) {
	if tp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tracingFlush)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		log.Error("traces not flushed", slog.String("error", err.Error()))
	}
}
