package main

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tokenvault/vault/httpapi"
)

// The edge of serve: how long a client may take to send a request, how
// large it may be, and how many connections may be in the middle of
// sending one. A client that is slow or stops halfway (slowloris) is closed
// when its time is up, and past the cap on connections still sending their
// request the oldest of them is closed, so that a flood of them can neither
// hold the server's file descriptors nor keep other clients out.
//
// No write timeout is set: a synchronous reactor may take its full time
// limit (30 s by default) before the response starts, and the body read
// deadline is lifted as soon as the body has been read, so a slow response
// is never cut short by the limits on reading the request.

// Defaults of the edge flags.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadBodyTimeout   = 30 * time.Second
	defaultIdleTimeout       = 2 * time.Minute
	defaultMaxHeaderBytes    = 64 << 10
	defaultMaxPendingConns   = 512
)

// edgeFlags are the flags of the edge limits.
type edgeFlags struct {
	readHeaderTimeout *time.Duration
	readBodyTimeout   *time.Duration
	idleTimeout       *time.Duration
	maxHeaderBytes    *int
	maxBodyBytes      *int
	maxPendingConns   *int
}

// edge defines the edge flags.
func (f *flags) edge() (edgeFlags, error) {
	var e edgeFlags
	var errs []error
	dur := func(p **time.Duration, name, envName string, def time.Duration, help string) {
		d, err := f.duration(name, envName, def, help)
		errs = append(errs, err)
		*p = d
	}
	num := func(p **int, name, envName string, def int, help string) {
		n, err := f.int(name, envName, def, help)
		errs = append(errs, err)
		*p = n
	}
	dur(&e.readHeaderTimeout, "read-header-timeout", "VAULT_READ_HEADER_TIMEOUT", defaultReadHeaderTimeout,
		"how long a client may take to send a request's headers (0: no limit)")
	dur(&e.readBodyTimeout, "read-body-timeout", "VAULT_READ_BODY_TIMEOUT", defaultReadBodyTimeout,
		"how long a client may take to send a request's body, from the end of its headers (0: no limit)")
	dur(&e.idleTimeout, "idle-timeout", "VAULT_IDLE_TIMEOUT", defaultIdleTimeout,
		"how long a kept-alive connection may wait for its next request (0: no limit)")
	num(&e.maxHeaderBytes, "max-header-bytes", "VAULT_MAX_HEADER_BYTES", defaultMaxHeaderBytes,
		"the largest request line and headers, in bytes (larger: 431)")
	num(&e.maxBodyBytes, "max-body-bytes", "VAULT_MAX_BODY_BYTES", httpapi.DefaultMaxBodySize,
		"the largest request body, in bytes (larger: 413)")
	num(&e.maxPendingConns, "max-pending-conns", "VAULT_MAX_PENDING_CONNS", defaultMaxPendingConns,
		"how many connections may be sending a request at once; past it the one that has been at it longest is closed (0: no limit)")
	return e, errors.Join(errs...)
}

// check validates the edge flags once parsed.
func (e edgeFlags) check() error {
	for name, d := range map[string]time.Duration{"read-header-timeout": *e.readHeaderTimeout,
		"read-body-timeout": *e.readBodyTimeout, "idle-timeout": *e.idleTimeout} {
		if d < 0 {
			return fmt.Errorf("--%s must not be negative", name)
		}
	}
	if *e.maxHeaderBytes <= 0 || *e.maxBodyBytes <= 0 {
		return errors.New("--max-header-bytes and --max-body-bytes must be positive")
	}
	if *e.maxPendingConns < 0 {
		return errors.New("--max-pending-conns must not be negative")
	}
	return nil
}

// server returns the http.Server of serve: h behind the edge limits.
func (e edgeFlags) server(h http.Handler, log *slog.Logger) *http.Server {
	g := newGate(*e.maxPendingConns, log)
	srv := &http.Server{
		Handler:           g.handler(h, *e.readBodyTimeout),
		ReadHeaderTimeout: *e.readHeaderTimeout,
		IdleTimeout:       *e.idleTimeout,
		MaxHeaderBytes:    *e.maxHeaderBytes,
		ConnState:         g.connState,
		ConnContext:       g.connContext,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(g.closePending)
	return srv
}

// gate tracks the connections that are sending a request, from their
// accept (or, kept alive, from the headers of their next request) until
// their request body has been read to its end (at once for a request
// without a body), closes the oldest of them beyond max (0: no cap), and
// closes them all when the server shuts down. Its methods are safe for
// concurrent use.
type gate struct {
	max int
	log *slog.Logger

	mu      sync.Mutex
	pending map[net.Conn]*list.Element // nil: closed by the gate
	order   *list.List                 // of the connections sending, oldest first
	closed  int                        // closed since the last log line
	logged  time.Time
}

func newGate(max int, log *slog.Logger) *gate {
	return &gate{max: max, log: log, pending: map[net.Conn]*list.Element{}, order: list.New()}
}

// connKey carries a request's connection in its context.
type connKey struct{}

func (g *gate) connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// connState follows net/http's view of each connection: StateNew when
// accepted and StateActive once the headers of a request are read mark it
// as sending a request; idle, hijacked or closed, it is not.
func (g *gate) connState(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew, http.StateActive:
		g.sending(c)
	default:
		g.forget(c)
	}
}

// sending marks c as sending a request, and closes the connections that
// have been sending one longest while there are more than max.
func (g *gate) sending(c net.Conn) {
	var evict []net.Conn
	g.mu.Lock()
	if _, ok := g.pending[c]; !ok {
		g.pending[c] = g.order.PushBack(c)
	}
	for g.max > 0 && g.order.Len() > g.max {
		evict = append(evict, g.takeLocked(g.order.Front()))
	}
	g.closed += len(evict)
	report := len(evict) > 0 && time.Since(g.logged) >= time.Minute
	closed := g.closed
	if report {
		g.closed, g.logged = 0, time.Now()
	}
	g.mu.Unlock()
	for _, old := range evict {
		_ = old.Close()
	}
	if report {
		g.log.Warn("too many connections sending a request: closed the oldest",
			slog.Int("max_pending_conns", g.max), slog.Int("closed", closed))
	}
}

// takeLocked takes a sending connection out of the order, to be closed:
// its entry stays, so that its request, if its body has just arrived, is
// refused rather than run (see delivered).
func (g *gate) takeLocked(e *list.Element) net.Conn {
	c := g.order.Remove(e).(net.Conn)
	g.pending[c] = nil
	return c
}

// closePending closes every connection still sending a request, when the
// server shuts down: the vault has not been handed their requests, so
// nothing is lost but the wait (which the drain would otherwise spend on
// them, up to the body timeout). The requests in flight are left to finish.
func (g *gate) closePending() {
	var conns []net.Conn
	g.mu.Lock()
	for g.order.Len() > 0 {
		conns = append(conns, g.takeLocked(g.order.Front()))
	}
	g.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// delivered marks c as done sending its request. It reports false when the
// gate has closed c: then the request must not run, though its body may
// have arrived before the close.
func (g *gate) delivered(c net.Conn) bool {
	if c == nil {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	e, ok := g.pending[c]
	if !ok {
		return true
	}
	if e == nil {
		return false
	}
	g.order.Remove(e)
	delete(g.pending, c)
	return true
}

// forget drops c, idle, hijacked or closed.
func (g *gate) forget(c net.Conn) {
	g.mu.Lock()
	if e := g.pending[c]; e != nil {
		g.order.Remove(e)
	}
	delete(g.pending, c)
	g.mu.Unlock()
}

// errClosedEarly is the body's read error of a request whose connection
// the gate closed as its body arrived.
var errClosedEarly = errors.New("the connection was closed before the request was complete")

// handler wraps h: a request without a body is delivered at once; one with
// a body must send it within bodyTimeout of its headers (the connection's
// read deadline, so a stalled client is closed even when h never reads the
// body and net/http drains it), and is delivered when its body is read to
// the end, which also lifts the deadline before h runs on. A request on a
// connection the gate has closed does not reach h, or sees its body fail.
func (g *gate) handler(h http.Handler, bodyTimeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		if r.Body == nil || r.Body == http.NoBody {
			if g.delivered(c) {
				h.ServeHTTP(w, r)
			}
			return
		}
		rc := http.NewResponseController(w)
		if bodyTimeout > 0 {
			_ = rc.SetReadDeadline(time.Now().Add(bodyTimeout))
		}
		r.Body = &watchedBody{ReadCloser: r.Body, done: func() bool {
			_ = rc.SetReadDeadline(time.Time{})
			return g.delivered(c)
		}}
		h.ServeHTTP(w, r)
	})
}

// watchedBody calls done when the body has been read to its end, and fails
// from then on if done reports false.
type watchedBody struct {
	io.ReadCloser
	done   func() bool
	seen   bool
	failed bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	if b.failed {
		return 0, errClosedEarly
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.seen {
		b.seen = true
		if !b.done() {
			b.failed = true
			return 0, errClosedEarly
		}
	}
	return n, err
}
