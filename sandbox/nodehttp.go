package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/dop251/goja"
)

// The Go half of lib/http.js (require('http') and require('https')): one
// request primitive over the same allow-list, transport, body limit and
// invocation context as fetch, but following no redirect (http.request does
// not), and a URL parser for new URL(...) (the sandbox has no URL).
func init() {
	jsNatives["http"] = func(inv *invocation) *goja.Object {
		o := inv.rt.NewObject()
		inv.setFunc(o, "request", 1, inv.nodeHTTPRequest)
		inv.setFunc(o, "parseURL", 1, func(call goja.FunctionCall) goja.Value {
			u, err := parseNodeURL(call.Argument(0).String())
			if err != nil {
				e := inv.nodeError("TypeError", "ERR_INVALID_URL", "Invalid URL")
				_ = e.Set("input", call.Argument(0).String())
				panic(e)
			}
			o := inv.rt.NewObject()
			for _, k := range []string{"protocol", "username", "password", "hostname", "port", "host", "pathname", "search", "hash", "href"} {
				_ = o.Set(k, u[k])
			}
			return o
		})
		_ = o.Set("maxBody", inv.limits.MaxHTTPBody)
		return o
	}
}

// parseNodeURL parses an absolute URL with net/url, into the fields of a
// WHATWG URL: scheme and host lower-cased, a default port left out, the path
// of an http or https URL at least "/".
func parseNodeURL(s string) (map[string]string, error) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return nil, errors.New("invalid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	special := scheme == "http" || scheme == "https"
	host := strings.ToLower(u.Hostname())
	if special && host == "" {
		return nil, errors.New("invalid URL")
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return nil, errors.New("invalid URL")
		}
		port = strconv.FormatUint(n, 10)
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			port = ""
		}
	}
	if strings.Contains(host, ":") {
		ip := net.ParseIP(host)
		if ip == nil {
			return nil, errors.New("invalid URL")
		}
		host = "[" + ip.String() + "]"
	} else if strings.ContainsAny(host, " #%/<>?@[\\]^|") {
		return nil, errors.New("invalid URL")
	}
	path := u.EscapedPath()
	if special && path == "" {
		path = "/"
	}
	search := ""
	if u.RawQuery != "" {
		search = "?" + u.RawQuery
	}
	hash := ""
	if u.Fragment != "" {
		hash = "#" + u.EscapedFragment()
	}
	user, pass := "", ""
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		user, pass = url.PathEscape(user), url.PathEscape(pass)
	}
	hostport := host
	if port != "" {
		hostport += ":" + port
	}
	auth := ""
	if user != "" || pass != "" {
		auth = user
		if pass != "" {
			auth += ":" + pass
		}
		auth += "@"
	}
	href := scheme + "://" + auth + hostport + path + search + hash
	return map[string]string{"protocol": scheme + ":", "username": user, "password": pass, "hostname": host,
		"port": port, "host": hostport, "pathname": path, "search": search, "hash": hash, "href": href}, nil
}

// nodeHTTPRequest is request({url, method, headers: [[name, value]...],
// body}): it returns {promise, abort}, the promise of {status, statusText,
// headers: [[Name, value]...], body: ArrayBuffer}, rejected with an Error
// whose code is Node's (ENOTFOUND, ECONNREFUSED, ECONNRESET, ETIMEDOUT) or
// the sandbox's (ERR_HOST_NOT_ALLOWED, ERR_BODY_TOO_LARGE, ERR_NETWORK).
func (inv *invocation) nodeHTTPRequest(call goja.FunctionCall) goja.Value {
	rt := inv.rt
	p, resolve, reject := rt.NewPromise()
	out := rt.NewObject()
	_ = out.Set("promise", p)
	ctx, cancel := context.WithCancel(inv.ctx)
	inv.setFunc(out, "abort", 0, func(goja.FunctionCall) goja.Value { cancel(); return goja.Undefined() })
	fail := func(err error) goja.Value {
		cancel()
		if rerr := reject(inv.httpError(err)); rerr != nil {
			panic(rerr)
		}
		return out
	}
	opts := call.Argument(0).ToObject(rt)
	u, err := url.Parse(opts.Get("url").String())
	if err != nil {
		return fail(&httpFailure{"ERR_INVALID_URL", "Invalid URL"})
	}
	if err := inv.checkURL(u); err != nil {
		return fail(err)
	}
	method := opts.Get("method").String()
	body, err := inv.bodyBytes(opts.Get("body"))
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return fail(&httpFailure{"ERR_INVALID_ARG_VALUE", "invalid request: method or URL"})
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if h, ok := opts.Get("headers").(*goja.Object); ok {
		for i := range min(lengthOf(h), 1000) {
			pair, ok := h.Get(itoa(i)).(*goja.Object)
			if !ok {
				continue
			}
			name, value := pair.Get("0").String(), pair.Get("1").String()
			if strings.EqualFold(name, "host") {
				continue // the URL's host, as Node sends by default
			}
			req.Header.Add(name, value)
		}
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header.Set("User-Agent", "") // Go's default, which Node does not send
	}
	client := &http.Client{Transport: inv.s.client, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	maxBody := inv.limits.MaxHTTPBody
	host := u.Hostname()
	inv.start(func(context.Context) func() {
		defer cancel()
		res, err := doNodeRequest(client, req, maxBody, host)
		// The loop runs no completion once the invocation is over (its
		// deadline, most likely): a failure it caused is not reported.
		return func() { inv.settleHTTP(resolve, reject, err, func() goja.Value { return inv.nodeResponseValue(res) }) }
	})
	return out
}

func doNodeRequest(client *http.Client, req *http.Request, maxBody int64, host string) (*httpResponse, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, nodeNetError(err, req, host)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, nodeNetError(err, req, host)
	}
	if int64(len(body)) > maxBody {
		return nil, &httpFailure{"ERR_BODY_TOO_LARGE", fmt.Sprintf("response body larger than %d bytes", maxBody)}
	}
	return &httpResponse{
		status:     resp.StatusCode,
		statusText: strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode))),
		header:     resp.Header,
		body:       body,
	}, nil
}

// nodeNetError names a failed request as Node does. A worker sees the host's
// errors as text only, so the text is read when the type is lost.
func nodeNetError(err error, req *http.Request, host string) error {
	var f *httpFailure
	if errors.As(err, &f) {
		return f
	}
	ctx := req.Context()
	if ctx.Err() != nil {
		return &httpFailure{"ECONNRESET", "socket hang up"}
	}
	text := errorReason(err)
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns) || strings.Contains(text, "no such host"):
		return &httpFailure{"ENOTFOUND", "getaddrinfo ENOTFOUND " + host}
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(text, "connection refused"):
		return &httpFailure{"ECONNREFUSED", "connect ECONNREFUSED " + host}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(text, "connection reset") || strings.HasSuffix(text, "EOF"):
		return &httpFailure{"ECONNRESET", "socket hang up"}
	case errors.As(err, &ne) && ne.Timeout() || strings.Contains(text, "timeout"):
		return &httpFailure{"ETIMEDOUT", "connect ETIMEDOUT " + host}
	}
	return &httpFailure{"ERR_NETWORK", "request failed: " + text}
}

// nodeResponseValue is what the loop gets: the headers in Go's canonical
// case, in name order (Go's http.Header keeps neither the wire's case nor
// its order).
func (inv *invocation) nodeResponseValue(r *httpResponse) goja.Value {
	rt := inv.rt
	o := rt.NewObject()
	_ = o.Set("status", r.status)
	_ = o.Set("statusText", r.statusText)
	var pairs []any
	for _, k := range sortedHeaderKeys(r.header) {
		for _, v := range r.header[k] {
			pairs = append(pairs, rt.NewArray(k, v))
		}
	}
	_ = o.Set("headers", rt.NewArray(pairs...))
	_ = o.Set("body", rt.NewArrayBuffer(r.body))
	return o
}
