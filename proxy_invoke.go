package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
)

// Proxy request and response headers (reference section 0).
const (
	HeaderProxyURL               = "BT-PROXY-URL"
	HeaderProxyKey               = "BT-PROXY-KEY"
	HeaderProxyKeepAlive         = "BT-PROXY-KEEP-ALIVE"
	HeaderProxyConnection        = "BT-PROXY-CONNECTION"
	HeaderProxyDestinationStatus = "BT-PROXY-DESTINATION-STATUS"
	// ProxyKeyQuery is the query parameter that may carry the proxy key
	// instead of BT-PROXY-KEY; it is not forwarded.
	ProxyKeyQuery = "bt-proxy-key"
)

const (
	// MaxProxyTokens is the most token expressions a proxied body may hold.
	MaxProxyTokens = 20
	// DefaultMaxProxyBody bounds request and response bodies through a
	// proxy ([WithProxyMaxBody]).
	DefaultMaxProxyBody = 10 << 20
	proxyIdleConns      = 64
	proxyClientCache    = 64 // transports kept for client certificates
)

// SettingDisableEphemeralProxy ("true"/"false", default "false") turns the
// ephemeral proxy off for a tenant: only its pre-configured proxies
// forward requests.
const SettingDisableEphemeralProxy = "disable_ephemeral_proxy"

// proxyOptions are the vault's proxy settings.
type proxyOptions struct {
	hosts   map[string]bool // the allow-list; nil when not set
	client  *http.Client
	timeout time.Duration
	maxBody int64
}

// WithProxyHosts sets an allow-list of proxy destination hosts (names or
// IP literals, compared without case; "host:port" admits that port only).
// When set, every proxy destination (ephemeral or pre-configured) must name
// one of them, and may then use http as well as https and resolve to
// loopback or private addresses. Not set (the default), destinations are
// HTTPS URLs with a DNS name (no IP literal) that resolves to public
// addresses only. vaultd's --allow-host sets this list with the others.
func WithProxyHosts(hosts ...string) Option {
	return func(c *config) { addHosts(&c.proxies.hosts, hosts) }
}

// WithProxyClient sets the HTTP client whose transport (root CAs, say)
// proxy requests use. Its Transport must be nil or an *http.Transport: the
// vault uses a clone with TLS 1.2 at least, no proxy of its own, no
// compression negotiated, and redirects never followed. Without a
// transport, or one without a DialContext, connections use the vault's own
// dialer, which refuses non-public addresses before connecting to a host
// not allow-listed. A transport's own DialContext (a test resolving names
// to a local server, say) is used as it is, and for a host not
// allow-listed the address it connected to is checked after the connect,
// and the connection closed if it is not public.
func WithProxyClient(client *http.Client) Option {
	return func(c *config) { c.proxies.client = client }
}

// WithProxyTimeout sets how long a proxy waits for its destination
// (default [DefaultProxyTimeout]); a pre-configured proxy's own timeout
// takes precedence.
func WithProxyTimeout(d time.Duration) Option { return func(c *config) { c.proxies.timeout = d } }

// WithProxyMaxBody bounds the request and response bodies a proxy carries
// (default [DefaultMaxProxyBody]); a larger one is KindPayloadTooLarge.
func WithProxyMaxBody(n int64) Option { return func(c *config) { c.proxies.maxBody = n } }

// proxyRuntime is what proxies need at run time: their options and
// clients.
type proxyRuntime struct {
	proxyOptions
	client *http.Client
	// certClients are clients presenting a client certificate, by the
	// SHA-256 of the certificate's PEM.
	certMu      sync.Mutex
	certClients map[[32]byte]*http.Client
}

// checkProxyOptions applies the defaults and validates the options.
func checkProxyOptions(op string, o *proxyOptions) error {
	if o.timeout == 0 {
		o.timeout = DefaultProxyTimeout
	}
	if o.maxBody == 0 {
		o.maxBody = DefaultMaxProxyBody
	}
	if o.timeout < 0 || o.maxBody < 0 {
		return newError(KindInvalid, op, "the proxy timeout and body limit must not be negative")
	}
	return checkOutbound(op, "proxy", o.client, o.hosts)
}

// newProxyRuntime builds the runtime of checked options.
func newProxyRuntime(o proxyOptions) *proxyRuntime {
	r := &proxyRuntime{proxyOptions: o, certClients: map[[32]byte]*http.Client{}}
	r.client = &http.Client{Transport: r.transport(nil), CheckRedirect: noRedirects}
	return r
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// transport returns the host's transport (or the default) cloned, with the
// destination rules enforced at dial time (so DNS rebinding cannot bypass
// them), TLS 1.2 at least, and cert presented when not nil.
func (r *proxyRuntime) transport(cert *tls.Certificate) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// inner is the host's own dialer (a test resolving names to a local
	// server, say); the default transport's is replaced.
	var inner func(ctx context.Context, network, addr string) (net.Conn, error)
	if base := r.proxyOptions.client; base != nil && base.Transport != nil {
		t = base.Transport.(*http.Transport).Clone()
		inner = t.DialContext
	}
	guarded := &net.Dialer{Timeout: 10 * time.Second, Control: refuseNonPublic}
	plain := &net.Dialer{Timeout: 10 * time.Second}
	hosts := r.hosts
	t.Proxy = nil
	t.DialTLSContext = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		allowed := err == nil && webhookHostAllowed(hosts, host, port)
		switch {
		case inner == nil && allowed:
			return plain.DialContext(ctx, network, addr)
		case inner == nil:
			return guarded.DialContext(ctx, network, addr)
		}
		conn, err := inner(ctx, network, addr)
		if err != nil || allowed {
			return conn, err
		}
		// Not allow-listed: the address the host's dialer reached must be
		// public too.
		if ap, perr := netip.ParseAddrPort(conn.RemoteAddr().String()); perr != nil || !publicAddr(ap.Addr()) {
			conn.Close()
			return nil, errWebhookDestination
		}
		return conn, nil
	}
	tc := &tls.Config{}
	if t.TLSClientConfig != nil {
		tc = t.TLSClientConfig.Clone()
	}
	tc.MinVersion = max(tc.MinVersion, tls.VersionTLS12)
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	t.TLSClientConfig = tc
	t.DisableCompression = true // bodies are transformed as sent; Accept-Encoding is the caller's
	t.MaxIdleConnsPerHost = proxyIdleConns
	return t
}

// clientFor returns the client that presents certPEM (a certificate and
// its key), or the shared one when certPEM is empty.
func (r *proxyRuntime) clientFor(certPEM []byte) (*http.Client, error) {
	if len(certPEM) == 0 {
		return r.client, nil
	}
	sum := sha256.Sum256(certPEM)
	r.certMu.Lock()
	defer r.certMu.Unlock()
	if c, ok := r.certClients[sum]; ok {
		return c, nil
	}
	cert, err := tls.X509KeyPair(certPEM, certPEM)
	if err != nil {
		return nil, errors.New("the proxy's client certificate cannot be loaded")
	}
	c := &http.Client{Transport: r.transport(&cert), CheckRedirect: noRedirects}
	if len(r.certClients) >= proxyClientCache {
		for k, old := range r.certClients {
			old.CloseIdleConnections()
			delete(r.certClients, k)
			break
		}
	}
	r.certClients[sum] = c
	return c, nil
}

// checkDestination returns why a proxy destination is refused, or "".
func (r *proxyRuntime) checkDestination(raw string) string {
	return checkOutboundURL(raw, r.hosts, true)
}

// ProxyRequest is a request to forward through a proxy: the ephemeral one
// (Destination set, as BT-PROXY-URL) or a pre-configured one (Key set, as
// BT-PROXY-KEY). Path and RawQuery are appended to the destination's;
// Header is forwarded without the vault's own headers (BT-*, X-API-KEY)
// and hop-by-hop ones. [ProxyRequestFromHTTP] builds one from an inbound
// *http.Request.
type ProxyRequest struct {
	Destination string
	Key         Secret
	Method      string
	Path        string
	RawQuery    string
	Header      http.Header
	Body        []byte
}

// String describes the request without its body, headers or key.
func (r ProxyRequest) String() string {
	return fmt.Sprintf("ProxyRequest{Method:%s Body:[REDACTED %d bytes]}", r.Method, len(r.Body))
}

// Format prints the request as String does, whatever the verb.
func (r ProxyRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// ProxyResponse is what a proxy answers: the destination's response
// (after response transforms when it was 2xx), or the response a request
// transform chose. Header carries BT-PROXY-DESTINATION-STATUS when the
// destination was called.
type ProxyResponse struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// String describes the response without its body or headers.
func (r ProxyResponse) String() string {
	return fmt.Sprintf("ProxyResponse{StatusCode:%d Body:[REDACTED %d bytes]}", r.StatusCode, len(r.Body))
}

// Format prints the response as String does, whatever the verb.
func (r ProxyResponse) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// Write writes the response to w, without hop-by-hop or framing headers
// (Content-Length, Transfer-Encoding, Connection and those it names, ...):
// the server frames the body itself.
func (r *ProxyResponse) Write(w http.ResponseWriter) {
	h := w.Header()
	drop := connectionNamed(r.Header)
	for k, vs := range r.Header { // never framing headers: the server frames the body
		if ck := textproto.CanonicalMIMEHeaderKey(k); !isHop(ck) && !drop[ck] {
			h[ck] = vs
		}
	}
	w.WriteHeader(r.StatusCode)
	_, _ = w.Write(r.Body)
}

// ProxyRequestFromHTTP builds the ProxyRequest of an inbound request
// served under prefix ("/proxy"): BT-PROXY-URL, or BT-PROXY-KEY (or the
// bt-proxy-key query parameter, which is then not forwarded), the path
// after prefix, the query, the headers and the body, read up to max bytes
// (0: [DefaultMaxProxyBody]). Errors: KindPayloadTooLarge.
func ProxyRequestFromHTTP(r *http.Request, prefix string, max int64) (ProxyRequest, error) {
	if max <= 0 {
		max = DefaultMaxProxyBody
	}
	req := ProxyRequest{Destination: r.Header.Get(HeaderProxyURL), Key: NewSecret(r.Header.Get(HeaderProxyKey)), Method: r.Method,
		Header: r.Header.Clone()}
	req.Path = strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	req.RawQuery = r.URL.RawQuery
	if q := r.URL.Query(); q.Has(ProxyKeyQuery) {
		if req.Key.Reveal() == "" {
			req.Key = NewSecret(q.Get(ProxyKeyQuery))
		}
		req.RawQuery = withoutQueryParam(r.URL.RawQuery, ProxyKeyQuery)
	}
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
		if err != nil {
			return req, &Error{Kind: KindInvalid, Op: "Proxy", Detail: "the request body could not be read", Err: err}
		}
		if int64(len(b)) > max {
			return req, newError(KindPayloadTooLarge, "Proxy", "the request body is larger than %d bytes", max)
		}
		req.Body = b
	}
	return req, nil
}

// withoutQueryParam removes every name=... pair from a raw query, keeping
// the others as written.
func withoutQueryParam(raw, name string) string {
	var kept []string
	for part := range strings.SplitSeq(raw, "&") {
		k, _, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil && uk == name || part == "" {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, "&")
}

// hopHeaders are not forwarded in either direction (RFC 9110 7.6.1), with
// the headers a proxy sets itself.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Accept-Encoding"}

// outboundHeader is h without hop-by-hop headers, the vault's own (BT-*,
// X-API-KEY) and what Connection names, with BT-PROXY-KEEP-ALIVE and
// BT-PROXY-CONNECTION copied into Keep-Alive and Connection.
func outboundHeader(h http.Header) http.Header {
	out := http.Header{}
	drop := connectionNamed(h)
	for k, vs := range h {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if drop[ck] || isHop(ck) || strings.HasPrefix(ck, "Bt-") || ck == "X-Api-Key" {
			continue
		}
		out[ck] = append([]string(nil), vs...)
	}
	if v := h.Get(HeaderProxyKeepAlive); v != "" {
		out.Set("Keep-Alive", v)
	}
	if v := h.Get(HeaderProxyConnection); v != "" {
		out.Set("Connection", v)
	}
	return out
}

func isHop(canonical string) bool {
	for _, h := range hopHeaders {
		if h == canonical {
			return true
		}
	}
	return false
}

// responseHeader is h without hop-by-hop and framing headers, nor those
// its Connection header names: what a response may carry to the caller,
// whoever set it (the destination, a transform).
func responseHeader(h http.Header) http.Header {
	out := http.Header{}
	drop := connectionNamed(h)
	for k, vs := range h {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if isHop(ck) || drop[ck] {
			continue
		}
		out[ck] = append([]string(nil), vs...)
	}
	return out
}

// connectionNamed is the set of headers h's Connection header names.
func connectionNamed(h http.Header) map[string]bool {
	vs := h.Values("Connection")
	if len(vs) == 0 {
		return nil
	}
	drop := map[string]bool{}
	for _, v := range vs {
		for f := range strings.SplitSeq(v, ",") {
			drop[textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(f))] = true
		}
	}
	return drop
}

// proxyCall is one proxy invocation on its way.
type proxyCall struct {
	op      string
	tenant  string
	caller  Principal
	perm    string       // the permission the caller's token uses need
	anon    bool         // an anonymous inbound call of a proxy without require_auth
	rec     *proxyRecord // nil for the ephemeral proxy
	tk      *keys.TenantKeys
	config  map[string]string
	app     *Principal // the proxy's application; nil without one
	cert    []byte
	base    *url.URL
	timeout time.Duration
	// created holds the tokens of tokenize transforms by identifier.
	created map[string]any
}

// Proxy forwards req through the ephemeral proxy or a pre-configured one
// and returns the response to give the caller. See the package
// documentation, "Proxies", for the whole contract; in short:
//
//   - the ephemeral proxy needs a caller with proxy:invoke (or the legacy
//     token:use) and a tenant that has not set disable_ephemeral_proxy; a
//     pre-configured proxy is found by its key, and needs such a caller
//     unless it was created with require_auth false, when an anonymous
//     call (a context without a principal: [WithAnonymous]) is served too;
//   - the body (JSON, form-encoded or text) is detokenized for an
//     authenticated caller under its access rules for proxy:invoke (at
//     most [MaxProxyTokens] expressions), unless the proxy disables it;
//     anonymous calls are never detokenized;
//   - request transforms run, then the destination is called (HTTPS, TLS
//     1.2 at least, the destination rules of [WithProxyHosts]), then, for
//     a 2xx answer, the response transforms; any other answer passes
//     through untouched, with BT-PROXY-DESTINATION-STATUS set either way.
//
// Errors are the vault's own (a *[Error]; the REST API wraps them in
// {"proxy_error": ...}): KindInvalid for a bad destination (path
// "BT-PROXY-URL"), a bad expression or too many; KindUnauthenticated,
// KindForbidden, KindNotFound for an unknown key; KindTimeout when the
// destination is slower than the timeout; KindUnavailable when it cannot
// be reached; a reactor failure of a code transform. Raises proxy.invoked.
func (v *Vault) Proxy(ctx context.Context, req ProxyRequest) (*ProxyResponse, error) {
	const op = "Proxy"
	start := time.Now()
	pc, err := v.proxyCall(ctx, op, req)
	if err != nil {
		return nil, err
	}
	resp, destStatus, err := v.runProxy(ctx, pc, req)
	if resp != nil {
		// Whoever set them (the destination, a transform), a response
		// carries no hop-by-hop or framing header to the caller.
		resp.Header = responseHeader(resp.Header)
		if destStatus != 0 {
			resp.Header.Set(HeaderProxyDestinationStatus, fmt.Sprint(destStatus))
		}
	}
	v.emitProxyInvoked(ctx, pc, req, destStatus, resp, time.Since(start), err)
	return resp, err
}

// proxyCall authenticates and authorizes a proxy request and loads what it
// needs.
func (v *Vault) proxyCall(ctx context.Context, op string, req ProxyRequest) (*proxyCall, error) {
	p, anon := v.proxyCaller(ctx)
	key := req.Key.Reveal()
	switch {
	case key != "" && req.Destination != "":
		return nil, invalidField(op, HeaderProxyURL, "give %s or %s, not both", HeaderProxyURL, HeaderProxyKey)
	case key == "" && req.Destination == "":
		if anon {
			return nil, newError(KindUnauthenticated, op, "the BT-API-KEY header is required")
		}
		return nil, invalidField(op, HeaderProxyURL, "is required (or %s for a pre-configured proxy)", HeaderProxyKey)
	case req.Method == "":
		return nil, invalidField(op, "method", "is required")
	}
	if key != "" {
		return v.preconfiguredCall(ctx, op, p, anon, key)
	}
	if anon {
		return nil, newError(KindUnauthenticated, op, "the BT-API-KEY header is required")
	}
	perm, err := requireProxyInvoke(op, &p)
	if err != nil {
		return nil, err
	}
	tk, settings, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	if settings.noEphemeralProxy {
		return nil, newError(KindForbidden, op, "the tenant has disabled the ephemeral proxy")
	}
	if msg := v.proxies.checkDestination(req.Destination); msg != "" {
		return nil, invalidField(op, HeaderProxyURL, "%s", msg)
	}
	base, _ := url.Parse(req.Destination)
	return &proxyCall{op: op, tenant: p.TenantID, caller: p, perm: perm, tk: tk, base: base, timeout: v.proxies.timeout}, nil
}

// requireProxyInvoke checks that p may invoke proxies and returns the
// permission its token uses are checked under: proxy:invoke, in its
// permissions or any of its rules, or else token:use held as such (the
// legacy permission of proxies; reactor:invoke, which grants token:use to
// reactors, does not reach proxies).
func requireProxyInvoke(op string, p *Principal) (string, error) {
	if p.holdsAnywhere(PermProxyInvoke) {
		return PermProxyInvoke, nil
	}
	if p.host || slices.Contains(p.Permissions, PermTokenUse) ||
		slices.ContainsFunc(p.Rules, func(r AccessRule) bool { return slices.Contains(r.Permissions, PermTokenUse) }) {
		return PermTokenUse, nil
	}
	return "", newError(KindForbidden, op, "the caller lacks %s", PermProxyInvoke)
}

// anonymousKey marks a context whose call has no caller.
type anonymousKey struct{}

// WithAnonymous returns a context for a call made by no one: an inbound
// request without an API key, which only a pre-configured proxy with
// require_auth false serves. (A context without a principal is the
// embedding program itself, with every right.)
func WithAnonymous(ctx context.Context) context.Context {
	return context.WithValue(ctx, anonymousKey{}, true)
}

// proxyCaller returns the caller of ctx, and whether the call is
// anonymous.
func (v *Vault) proxyCaller(ctx context.Context) (Principal, bool) {
	if _, ok := ctx.Value(principalKey{}).(Principal); !ok && ctx.Value(anonymousKey{}) != nil {
		return Principal{}, true
	}
	return v.principal(ctx), false
}

// preconfiguredCall loads the proxy whose key is key and checks the caller
// may invoke it.
func (v *Vault) preconfiguredCall(ctx context.Context, op string, p Principal, anon bool, key string) (*proxyCall, error) {
	if len(key) > 256 {
		return nil, newError(KindNotFound, op, "no proxy has this key")
	}
	hash := v.hashAPIKey(key)
	pc := &proxyCall{op: op, caller: p, anon: anon}
	err := v.view(ctx, op, func(tx storage.Tx) error {
		id, err := proxyKeyByHash.lookup(tx, "", keyenc.AppendBytes(nil, hash))
		if errors.Is(err, errRecordNotFound) {
			return newError(KindNotFound, op, "no proxy has this key")
		}
		if err != nil {
			return err
		}
		kr, err := proxyKeyTable.get(tx, "", id)
		if errors.Is(err, errRecordNotFound) || err == nil && (!anon && !p.host && kr.TenantID != p.TenantID) {
			return newError(KindNotFound, op, "no proxy has this key")
		}
		if err != nil {
			return err
		}
		pc.tenant = kr.TenantID
		if pc.rec, err = getProxy(tx, op, kr.TenantID, kr.ID); err != nil {
			return err
		}
		if pc.rec.AppID != "" {
			app, err := applicationTable.get(tx, kr.TenantID, pc.rec.AppID)
			if errors.Is(err, errRecordNotFound) {
				return newError(KindConflict, op, "the proxy's application no longer exists")
			}
			if err != nil {
				return err
			}
			pc.app = &Principal{TenantID: kr.TenantID, ApplicationID: app.ID, ApplicationType: app.Type, ApplicationName: app.Name,
				Permissions: app.Permissions, Rules: app.Rules}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case anon && pc.rec.RequireAuth:
		return nil, newError(KindUnauthenticated, op, "the proxy requires a BT-API-KEY")
	case !anon:
		if pc.perm, err = requireProxyInvoke(op, &p); err != nil {
			return nil, err
		}
	}
	if pc.tk, _, err = v.tenantContext(ctx, pc.tenant); err != nil {
		return nil, wrapErr(op, err)
	}
	if pc.config, err = v.openConfig(ctx, pc.tenant, pc.tk, pc.rec.sealedConfig()); err != nil {
		return nil, wrapErr(op, err)
	}
	if pc.rec.Cert != nil {
		if pc.cert, err = v.openSealed(ctx, pc.tk, pc.rec.Cert, proxyCertAD(pc.tenant, pc.rec.ID)); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	pc.base, _ = url.Parse(pc.rec.Destination)
	pc.timeout = v.proxies.timeout
	if pc.rec.Timeout > 0 {
		pc.timeout = time.Duration(pc.rec.Timeout) * time.Second
	}
	if msg := v.proxies.checkDestination(pc.rec.Destination); msg != "" {
		// The allow-list changed since the proxy was made.
		return nil, invalidField(op, "destination_url", "%s", msg)
	}
	return pc, nil
}

// message is a request or response as transforms see it.
type message struct {
	header http.Header
	body   []byte
}

// runProxy detokenizes, transforms and forwards the request, and
// transforms the response. destStatus is the destination's status (0 when
// it was not called).
func (v *Vault) runProxy(ctx context.Context, pc *proxyCall, req ProxyRequest) (resp *ProxyResponse, destStatus int, err error) {
	defer clear(pc.cert)
	target, err := destinationURL(pc.op, pc.base, req.Path, req.RawQuery)
	if err != nil {
		return nil, 0, err
	}
	out := message{header: outboundHeader(req.Header), body: req.Body}
	if !pc.anon && (pc.rec == nil || !pc.rec.NoDetokenize) {
		if out.body, err = v.detokenizeBody(ctx, pc, out.header.Get("Content-Type"), out.body); err != nil {
			return nil, 0, err
		}
	}
	if pc.rec != nil {
		for i, t := range pc.rec.Requests {
			path := fmt.Sprintf("%s[%d]", proxyRequestsField, i)
			short, err := v.requestTransform(ctx, pc, path, t, req, &out)
			if err != nil || short != nil {
				return short, 0, err
			}
		}
	}
	dest, err := v.callDestination(ctx, pc, req, target, out)
	if err != nil {
		return nil, 0, err
	}
	resp = &ProxyResponse{StatusCode: dest.StatusCode, Header: dest.Header, Body: dest.body} // Proxy filters the header
	if pc.rec == nil || dest.StatusCode < 200 || dest.StatusCode > 299 {
		return resp, dest.StatusCode, nil
	}
	resp.Header = responseHeader(resp.Header) // as response transforms see it
	in := message{header: resp.Header, body: resp.Body}
	for i, t := range pc.rec.Responses {
		path := fmt.Sprintf("%s[%d]", proxyResponsesField, i)
		short, err := v.responseTransform(ctx, pc, path, t, &in)
		if err != nil {
			return nil, dest.StatusCode, err
		}
		if short != nil {
			return short, dest.StatusCode, nil
		}
	}
	resp.Header, resp.Body = in.header, in.body
	return resp, dest.StatusCode, nil
}

// destResponse is the destination's response, its body read.
type destResponse struct {
	*http.Response
	body []byte
}

// callDestination sends the request to the destination.
func (v *Vault) callDestination(ctx context.Context, pc *proxyCall, req ProxyRequest, target *url.URL, out message) (*destResponse, error) {
	client, err := v.proxies.clientFor(pc.cert)
	if err != nil {
		return nil, newError(KindInternal, pc.op, "%s", err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, pc.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.Method, target.String(), bytes.NewReader(out.body))
	if err != nil {
		return nil, invalidField(pc.op, "method", "is not a valid HTTP method")
	}
	hr.Header = out.header
	if len(out.body) == 0 && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
		hr.Body, hr.ContentLength = http.NoBody, 0
	}
	res, err := client.Do(hr)
	if err != nil {
		return nil, v.destinationError(pc, ctx, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, v.proxies.maxBody+1))
	if err != nil {
		return nil, v.destinationError(pc, ctx, err)
	}
	if int64(len(body)) > v.proxies.maxBody {
		return nil, newError(KindPayloadTooLarge, pc.op, "the destination's response is larger than %d bytes", v.proxies.maxBody)
	}
	return &destResponse{Response: res, body: body}, nil
}

// destinationError maps a failure to reach the destination.
func (v *Vault) destinationError(pc *proxyCall, ctx context.Context, err error) error {
	switch {
	case errors.Is(err, errWebhookDestination):
		return &Error{Kind: KindForbidden, Op: pc.op, Detail: "the destination resolves to an address the vault does not allow", Err: err}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Error{Kind: KindTimeout, Op: pc.op, Detail: "the destination did not answer within " + pc.timeout.String(), Err: err}
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return &Error{Kind: KindUnavailable, Op: pc.op, Detail: "the destination's TLS handshake failed", Err: err}
	}
	return &Error{Kind: KindUnavailable, Op: pc.op, Detail: "the destination could not be reached", Err: err}
}

// destinationURL is the URL a request goes to: the base with the
// request's path (escaped, as the inbound URL has it) and query appended.
// A path segment that is not validly escaped, or that is "." or ".."
// (written or escaped), is refused: the destination would resolve it out
// of the base path a pre-configured proxy confines callers to.
func destinationURL(op string, base *url.URL, path, rawQuery string) (*url.URL, error) {
	target := *base
	switch {
	case base.RawQuery != "" && rawQuery != "":
		target.RawQuery = base.RawQuery + "&" + rawQuery
	case rawQuery != "":
		target.RawQuery = rawQuery
	}
	if path == "" || path == "/" && base.Path != "" {
		return &target, nil
	}
	for seg := range strings.SplitSeq(path, "/") {
		un, err := url.PathUnescape(seg)
		if err != nil || isDotSegment(un) {
			return nil, invalidField(op, "path", "must not hold dot segments or invalid escapes")
		}
	}
	escaped := strings.TrimSuffix(base.EscapedPath(), "/") + "/" + strings.TrimPrefix(path, "/")
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, invalidField(op, "path", "must not hold dot segments or invalid escapes")
	}
	target.Path, target.RawPath = p, escaped
	return &target, nil
}

// isDotSegment reports whether a decoded path segment is, or hides, a dot
// segment as some server would read it: split also at "/" (escaped) and
// at a backslash (read as "/" by some), each part without its ";"
// parameters (read so by servlet containers), "." or "..".
func isDotSegment(seg string) bool {
	for part := range strings.FieldsFuncSeq(seg, func(r rune) bool { return r == '/' || r == '\\' }) {
		part, _, _ = strings.Cut(part, ";")
		if part == "." || part == ".." {
			return true
		}
	}
	return false
}

// mediaType returns the media type of a Content-Type, lower case.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

func isJSONType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// detokenizeBody resolves the token expressions of a request body by its
// content type: JSON strings, form values, or the whole text.
func (v *Vault) detokenizeBody(ctx context.Context, pc *proxyCall, contentType string, body []byte) ([]byte, error) {
	mt := mediaType(contentType)
	detok := func(doc any) (any, error) {
		out, err := v.detokenize(ctx, pc.op, pc.caller, doc, pc.perm, MaxProxyTokens)
		return out, underPath(pc.op, "body", err)
	}
	if mt == "application/x-www-form-urlencoded" {
		return detokenizeForm(body, detok) // its expressions are percent-encoded
	}
	if !hasMarkup(body) {
		return body, nil
	}
	switch {
	case isJSONType(mt):
		out, err := detok(json.RawMessage(body))
		if err != nil {
			return nil, err
		}
		return encodeArgs(out)
	case mt == "" || strings.HasPrefix(mt, "text/") || mt == "application/xml" || strings.HasSuffix(mt, "+xml"):
		out, err := detok(string(body))
		if err != nil {
			return nil, err
		}
		return textOf(out)
	}
	return body, nil // other types (binary, multipart) are forwarded as they are
}

// hasMarkup reports whether b may hold an expression or a tag.
func hasMarkup(b []byte) bool {
	return bytes.Contains(b, []byte("{{")) || bytes.Contains(b, []byte("{%"))
}

// textOf is a rendered value as text: a string as itself, anything else
// as its JSON.
func textOf(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	return encodeArgs(v)
}

// detokenizeForm detokenizes the values of a form body, keeping the pairs,
// their order and the names as written.
func detokenizeForm(body []byte, detok func(any) (any, error)) ([]byte, error) {
	parts := strings.Split(string(body), "&")
	var values []any
	var at []int
	for i, part := range parts {
		_, raw, _ := strings.Cut(part, "=")
		val, err := url.QueryUnescape(raw)
		if err != nil || !hasMarkup([]byte(val)) {
			continue
		}
		values = append(values, val)
		at = append(at, i)
	}
	if len(values) == 0 {
		return body, nil
	}
	out, err := detok(values)
	if err != nil {
		return nil, err
	}
	rendered := out.([]any)
	for j, i := range at {
		name, _, _ := strings.Cut(parts[i], "=")
		text, err := textOf(rendered[j])
		if err != nil {
			return nil, err
		}
		parts[i] = name + "=" + url.QueryEscape(string(text))
	}
	return []byte(strings.Join(parts, "&")), nil
}

// transformBody is a body as code transforms see it: parsed when it is
// JSON, a string otherwise.
func transformBody(header http.Header, body []byte) any {
	if len(body) == 0 {
		return nil
	}
	if isJSONType(mediaType(header.Get("Content-Type"))) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&v) == nil && !dec.More() {
			return v
		}
	}
	return string(body)
}

// headerObject is a header as code transforms see it: one string per name,
// values joined with ", ".
func headerObject(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = strings.Join(vs, ", ")
	}
	return out
}

// codeResult is what a code transform returns.
type codeResult struct {
	Body    json.RawMessage   `json:"body"`
	Headers map[string]string `json:"headers"`
}

// runCode runs a code transform on args and applies what it returns to m.
// A CustomHttpResponseError thrown by the code becomes short.
func (v *Vault) runCode(ctx context.Context, pc *proxyCall, path string, t ProxyTransform, args map[string]any, m *message) (short *ProxyResponse, err error) {
	prog, err := v.reactors.sandbox.Compile(t.Code)
	if err != nil {
		return nil, underPath(pc.op, path, v.reactFailure(pc.op, err, false, v.reactors.limits.Timeout))
	}
	argJSON, err := encodeArgs(args)
	if err != nil {
		return nil, wrapErr(pc.op, err)
	}
	defer clear(argJSON)
	sreq := sandbox.Request{Args: argJSON, Configuration: pc.config, Timeout: v.reactors.limits.Timeout, Convention: sandbox.ConventionWhole}
	if v.reactors.sandbox.Isolated() {
		sreq.Pool = pc.tenant + "/proxy/" + pc.rec.ID
	}
	if pc.app != nil {
		sreq.Host = &reactorHost{v: v, p: *pc.app}
	}
	start := time.Now()
	res, err := v.reactors.sandbox.Run(ctx, prog, sreq)
	v.obs.ReactorRun(reactorOutcome(err), time.Since(start))
	if err != nil {
		ferr := v.reactFailure(pc.op, err, false, v.reactors.limits.Timeout)
		e, ok := errors.AsType[*Error](ferr)
		if !ok || e.Reactor == nil {
			return nil, ferr
		}
		switch f := e.Reactor; {
		case f.Custom != nil && f.Custom.Status >= 200:
			return &ProxyResponse{StatusCode: f.Custom.Status, Header: f.Custom.Headers.Clone(), Body: bodyOf(f.Custom.Body)}, nil
		case f.Custom != nil:
			return nil, runtimeFailure(pc.op, "a transform cannot answer with an informational status")
		case f.Name == reactorRuntimeError:
			// An unexpected exception: its message may quote the
			// detokenized data or the configuration the transform held,
			// and the caller may be anonymous. Only the SDK's errors,
			// thrown on purpose, carry their message.
			return nil, runtimeFailure(pc.op, "the transform at "+path+" failed")
		}
		return nil, ferr
	}
	if len(res.Raw) == 0 {
		return nil, nil
	}
	var cr codeResult
	if err := json.Unmarshal(res.Raw, &cr); err != nil {
		return nil, runtimeFailure(pc.op, "the transform must return an object with body and headers")
	}
	clear(res.Raw)
	if cr.Headers != nil {
		h := http.Header{}
		for k, val := range cr.Headers {
			if !validHeaderName(k) {
				return nil, runtimeFailure(pc.op, "the transform returned a header with an invalid name")
			}
			if isHop(textproto.CanonicalMIMEHeaderKey(k)) {
				continue // framing and hop-by-hop headers are the vault's to set
			}
			h.Set(k, val)
		}
		m.header = h
	}
	if cr.Body != nil {
		m.body = bodyOf(cr.Body)
	}
	return nil, nil
}

// bodyOf turns the JSON a transform returned as a body into bytes: a
// string is the body's text, null an empty body, anything else its JSON.
func bodyOf(raw json.RawMessage) []byte {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s)
	}
	if string(raw) == "null" {
		return nil
	}
	return bytes.Clone(raw)
}

// validHeaderName reports whether name is an HTTP field name (RFC 9110
// 5.1: a token).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// requestTransform runs one request transform on out.
func (v *Vault) requestTransform(ctx context.Context, pc *proxyCall, path string, t ProxyTransform, req ProxyRequest, out *message) (*ProxyResponse, error) {
	switch t.Type {
	case ProxyTransformCode:
		args := map[string]any{"body": transformBody(out.header, out.body), "headers": headerObject(out.header),
			"method": req.Method, "path": req.Path, "query": req.RawQuery}
		return v.runCode(ctx, pc, path, t, args, out)
	case ProxyTransformTokenize:
		return nil, v.tokenizeTransform(ctx, pc, path, t, "req", out)
	}
	return nil, newError(KindInternal, pc.op, "unknown request transform type %q", t.Type)
}

// emitProxyInvoked raises proxy.invoked: the proxy (or the ephemeral
// one), the request's method and the destination's host, the
// destination's status and the proxy's, and the elapsed time; never a
// body, a header, a path or a query (any of which may hold data).
func (v *Vault) emitProxyInvoked(ctx context.Context, pc *proxyCall, req ProxyRequest, destStatus int, resp *ProxyResponse, elapsed time.Duration, err error) {
	proxy := map[string]any{"id": "", "name": "", "ephemeral": pc.rec == nil}
	if pc.rec != nil {
		proxy["id"], proxy["name"] = pc.rec.ID, pc.rec.Name
	}
	data := map[string]any{
		"proxy":       proxy,
		"request":     map[string]any{"method": req.Method, "host": pc.base.Hostname()},
		"destination": map[string]any{"status": destStatus},
		"elapsed_ms":  elapsed.Milliseconds(),
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		data["error"] = failureSummary(err)
		if e, ok := errors.AsType[*Error](err); ok {
			status = e.Kind.Status()
		}
	}
	data["response"] = map[string]any{"status": status}
	if pc.anon {
		ctx = WithPrincipal(ctx, Principal{TenantID: pc.tenant})
	}
	v.emit(ctx, pc.tenant, EventProxyInvoked, data)
}
