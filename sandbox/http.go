package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// hostPolicy is the allow-list of outbound HTTP destinations.
type hostPolicy struct {
	exact    map[string]bool
	suffixes []string // ".example.com" for "*.example.com"
}

func newHostPolicy(patterns []string) (hostPolicy, error) {
	p := hostPolicy{exact: make(map[string]bool)}
	for _, raw := range patterns {
		h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			p.exact[ip.String()] = true
			continue
		}
		rest, wild := strings.CutPrefix(h, "*.")
		if rest == "" || strings.ContainsAny(rest, "*/:@ \t?#[]") || strings.HasPrefix(rest, ".") || strings.Contains(rest, "..") {
			return hostPolicy{}, fmt.Errorf("%w: allowed host pattern %q must be a host name or *.domain", ErrInvalidOption, raw)
		}
		if wild {
			p.suffixes = append(p.suffixes, "."+rest)
		} else {
			p.exact[rest] = true
		}
	}
	return p, nil
}

// allows reports whether host (no port) may be reached.
func (p hostPolicy) allows(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(h); ip != nil {
		h = ip.String()
	}
	if h == "" {
		return false
	}
	if p.exact[h] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// httpFailure is a rejected request: code follows Node's conventions.
type httpFailure struct{ code, msg string }

func (f *httpFailure) Error() string { return f.msg }

// checkURL validates a destination against the scheme and the allow-list.
func (inv *invocation) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return &httpFailure{"ERR_INVALID_URL", "only http and https URLs are supported"}
	}
	if u.Host == "" {
		return &httpFailure{"ERR_INVALID_URL", "Invalid URL"}
	}
	if !inv.s.hosts.allows(u.Hostname()) {
		return &httpFailure{"ERR_HOST_NOT_ALLOWED", "destination host " + u.Hostname() + " is not allowed by the sandbox"}
	}
	return nil
}

// httpResponse is what a request's goroutine hands back to the loop.
type httpResponse struct {
	status     int
	statusText string
	url        string
	redirected bool
	header     http.Header
	body       []byte
}

// httpRequest is the native primitive under fetch, node-fetch and axios:
// request({url, method, headers: [[name, value]...], body, timeout, redirect,
// maxRedirects}) returns a promise of {status, statusText, url, redirected,
// headers: [[name, value]...], body: ArrayBuffer}, or rejects with an Error
// whose code is ERR_INVALID_URL, ERR_HOST_NOT_ALLOWED, ERR_BODY_TOO_LARGE,
// ETIMEDOUT or ERR_NETWORK.
func (inv *invocation) httpRequest(call goja.FunctionCall) goja.Value {
	rt := inv.rt
	p, resolve, reject := rt.NewPromise()
	fail := func(err error) goja.Value {
		if rerr := reject(inv.httpError(err)); rerr != nil {
			panic(rerr)
		}
		return rt.ToValue(p)
	}
	opts := call.Argument(0).ToObject(rt)
	u, err := url.Parse(opts.Get("url").String())
	if err != nil {
		return fail(&httpFailure{"ERR_INVALID_URL", "Invalid URL"})
	}
	if err := inv.checkURL(u); err != nil {
		return fail(err)
	}
	method := "GET"
	if m := opts.Get("method"); m != nil && !goja.IsUndefined(m) && !goja.IsNull(m) {
		method = strings.ToUpper(m.String())
	}
	body, err := inv.bodyBytes(opts.Get("body"))
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(inv.ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return fail(&httpFailure{"ERR_INVALID_ARG_VALUE", "invalid request: method or URL"})
	}
	if len(body) == 0 && method != "POST" && method != "PUT" && method != "PATCH" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if h, ok := opts.Get("headers").(*goja.Object); ok {
		for i := range min(lengthOf(h), 1000) {
			pair, ok := h.Get(itoa(i)).(*goja.Object)
			if !ok {
				continue
			}
			req.Header.Add(pair.Get("0").String(), pair.Get("1").String())
		}
	}
	var timeout time.Duration
	if t := opts.Get("timeout"); t != nil && goja.IsNumber(t) && t.ToFloat() > 0 {
		timeout = time.Duration(t.ToFloat() * float64(time.Millisecond))
	}
	mode := "follow"
	if r := opts.Get("redirect"); r != nil && goja.IsString(r) {
		mode = r.String()
	}
	maxRedirects := 20
	if m := opts.Get("maxRedirects"); m != nil && goja.IsNumber(m) {
		maxRedirects = int(m.ToInteger())
	}
	client := &http.Client{Transport: inv.s.client, CheckRedirect: func(next *http.Request, via []*http.Request) error {
		switch {
		case mode == "manual":
			return http.ErrUseLastResponse
		case mode == "error":
			return &httpFailure{"ERR_REDIRECT", "redirect mode is set to error"}
		case len(via) > maxRedirects:
			return &httpFailure{"ERR_MAX_REDIRECTS", "maximum redirect reached"}
		}
		return inv.checkURL(next.URL)
	}}
	maxBody := inv.limits.MaxHTTPBody
	inv.start(func(ctx context.Context) func() {
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, timeout, &httpFailure{"ETIMEDOUT", fmt.Sprintf("timeout of %dms exceeded", timeout.Milliseconds())})
			defer cancel()
		}
		res, err := doRequest(ctx, client, req.WithContext(ctx), maxBody)
		return func() { inv.settleHTTP(resolve, reject, err, func() goja.Value { return inv.httpResponseValue(res) }) }
	})
	return rt.ToValue(p)
}

func doRequest(ctx context.Context, client *http.Client, req *http.Request, maxBody int64) (*httpResponse, error) {
	resp, err := client.Do(req)
	if err != nil {
		var f *httpFailure
		if errors.As(err, &f) {
			return nil, f
		}
		if c := context.Cause(ctx); c != nil {
			if errors.As(c, &f) {
				return nil, f
			}
		}
		return nil, &httpFailure{"ERR_NETWORK", "request failed: " + errorReason(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &httpFailure{"ERR_NETWORK", "reading the response failed: " + errorReason(err)}
	}
	if int64(len(body)) > maxBody {
		return nil, &httpFailure{"ERR_BODY_TOO_LARGE", fmt.Sprintf("response body larger than %d bytes", maxBody)}
	}
	return &httpResponse{
		status:     resp.StatusCode,
		statusText: strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))),
		url:        resp.Request.URL.String(),
		redirected: resp.Request.URL.String() != req.URL.String(),
		header:     resp.Header,
		body:       body,
	}, nil
}

// errorReason drops the "Get \"url\": " prefix of a *url.Error.
func errorReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func (inv *invocation) httpError(err error) *goja.Object {
	var f *httpFailure
	if !errors.As(err, &f) {
		f = &httpFailure{"ERR_NETWORK", "request failed"}
	}
	e := inv.newError("Error", f.msg)
	_ = e.Set("code", f.code)
	return e
}

func (inv *invocation) httpResponseValue(r *httpResponse) goja.Value {
	rt := inv.rt
	o := rt.NewObject()
	_ = o.Set("status", r.status)
	_ = o.Set("statusText", r.statusText)
	_ = o.Set("url", r.url)
	_ = o.Set("redirected", r.redirected)
	var pairs []any
	for _, k := range sortedHeaderKeys(r.header) {
		for _, v := range r.header[k] {
			pairs = append(pairs, rt.NewArray(strings.ToLower(k), v))
		}
	}
	_ = o.Set("headers", rt.NewArray(pairs...))
	_ = o.Set("body", rt.NewArrayBuffer(r.body))
	return o
}

func sortedHeaderKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// bodyBytes converts a request body: a string (UTF-8), an ArrayBuffer, a
// typed array or Buffer, or nothing.
func (inv *invocation) bodyBytes(v goja.Value) ([]byte, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	var b []byte
	if b2, ok := inv.binary(v); ok {
		b = bytes.Clone(b2)
	} else {
		b = []byte(v.String())
	}
	if int64(len(b)) > inv.limits.MaxHTTPBody {
		return nil, &httpFailure{"ERR_BODY_TOO_LARGE", fmt.Sprintf("request body larger than %d bytes", inv.limits.MaxHTTPBody)}
	}
	return b, nil
}

// binary returns the bytes of an ArrayBuffer or an ArrayBuffer view (typed
// array, Buffer, DataView), sharing memory.
func (inv *invocation) binary(v goja.Value) ([]byte, bool) {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	// ExportType first: Export walks the object, and never ends on a Map
	// that holds itself (a fatal stack overflow, not a panic).
	if o.ExportType() == arrayBufferType {
		if ab, ok := o.Export().(goja.ArrayBuffer); ok {
			return ab.Bytes(), true
		}
	}
	// A typed array (Buffer included) exports as a slice of numbers; an
	// Array exports as []any. goja does not class a DataView as one: its
	// prototype chain tells.
	typ := o.ExportType()
	isView := typ != nil && typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Interface
	if !isView && !inv.isDataView(o) {
		return nil, false
	}
	buf, ok := o.Get("buffer").(*goja.Object)
	if !ok || buf.ExportType() != arrayBufferType {
		return nil, false
	}
	data := buf.Export().(goja.ArrayBuffer).Bytes()
	off, n := o.Get("byteOffset"), o.Get("byteLength")
	if off == nil || n == nil {
		return nil, false
	}
	start, end := off.ToInteger(), off.ToInteger()+n.ToInteger()
	if start < 0 || end > int64(len(data)) || start > end {
		return nil, false
	}
	return data[start:end], true
}

// settleHTTP settles a request's promise on the loop: rejected with err as
// the reactor sees it, or resolved with value().
func (inv *invocation) settleHTTP(resolve, reject func(any) error, err error, value func() goja.Value) {
	if err != nil {
		if rerr := reject(inv.httpError(err)); rerr != nil {
			inv.fail(rerr)
		}
		return
	}
	if rerr := resolve(value()); rerr != nil {
		inv.fail(rerr)
	}
}

// isDataView reports whether o is a DataView (of this runtime).
func (inv *invocation) isDataView(o *goja.Object) bool {
	if o.ClassName() == "DataView" {
		return true
	}
	dv, ok := inv.intrinsic("DataView").(*goja.Object)
	if !ok {
		return false
	}
	proto, ok := dv.Get("prototype").(*goja.Object)
	return ok && protoChainHas(o, proto)
}

// start runs work on its own goroutine, at most maxCallsInFlight at once;
// the closure it returns runs on the loop (it may touch the runtime). Run
// cancels inv.ctx and waits for the goroutine before returning.
func (inv *invocation) start(work func(ctx context.Context) func()) {
	inv.pending++
	inv.wg.Add(1)
	go func() {
		defer inv.wg.Done()
		select {
		case inv.slots <- struct{}{}:
		case <-inv.ctx.Done():
			return // the loop has stopped waiting
		}
		done := inv.protect(work)
		<-inv.slots
		select {
		case inv.completions <- done:
		case <-inv.ctx.Done():
		}
	}()
}

// protect runs work, turning a panic (a bug in a Host or a transport) into
// a failed invocation instead of a crashed process. The panic value may hold
// data: only its type is logged.
func (inv *invocation) protect(work func(ctx context.Context) func()) (done func()) {
	defer func() {
		if r := recover(); r != nil {
			inv.s.log.Error("recovered panic in a reactor's host call", slog.String("type", reflect.TypeOf(r).String()))
			done = func() { inv.fail(runtimeError(fallbackErrorMessage)) }
		}
	}()
	return work(inv.ctx)
}

// httpModule instantiates fetch, Headers, Response, node-fetch and axios once
// per runtime over the native primitives.
func (inv *invocation) httpModule() *goja.Object {
	if inv.httpMod != nil {
		return inv.httpMod
	}
	rt := inv.rt
	f, err := rt.RunProgram(httpProgram)
	if err != nil {
		panic(err)
	}
	fn, _ := goja.AssertFunction(f)
	natives := rt.NewObject()
	inv.setFunc(natives, "request", 0, inv.httpRequest)
	inv.setFunc(natives, "decode", 0, func(call goja.FunctionCall) goja.Value {
		b, _ := inv.binary(call.Argument(0))
		return rt.ToValue(strings.ToValidUTF8(string(b), "\uFFFD"))
	})
	inv.setFunc(natives, "isBinary", 0, func(call goja.FunctionCall) goja.Value {
		_, ok := inv.binary(call.Argument(0))
		return rt.ToValue(ok)
	})
	v, err := fn(goja.Undefined(), natives)
	if err != nil {
		panic(err)
	}
	inv.httpMod = v.ToObject(rt)
	return inv.httpMod
}
