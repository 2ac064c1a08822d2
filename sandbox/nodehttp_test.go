package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// tlsTo returns ts's client transport, dialing ts whatever the host asked
// for: "example.com", which ts's certificate names, reaches ts.
func tlsTo(ts *httptest.Server) *http.Transport {
	tr := ts.Client().Transport.(*http.Transport).Clone()
	addr := ts.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr.DialTLSContext = nil
	return tr
}

// httpsReactor requests url with https.request and resolves with what the
// response carried, or the error's code and message.
const httpsReactor = `const https = require('https');
module.exports = async (req) => new Promise((resolve) => {
	const log = [];
	const r = https.request(req.args.url, { method: req.args.method || 'GET', headers: { 'Content-Type': 'text/plain', 'X-Test': 'yes' } }, (res) => {
		log.push('response');
		res.setEncoding('utf8');
		let body = '';
		res.on('data', (d) => { body += d; });
		res.on('end', () => {
			log.push('end');
			setTimeout(() => resolve({ raw: { status: res.statusCode, message: res.statusMessage, headers: res.headers,
				distinct: res.headersDistinct, raw: res.rawHeaders, body, complete: res.complete, version: res.httpVersion, log } }), 5);
		});
		res.on('close', () => log.push('res close'));
	});
	r.on('finish', () => log.push('finish'));
	r.on('close', () => log.push('req close'));
	r.on('error', (e) => resolve({ raw: { code: e.code, message: e.message } }));
	if (req.args.body) { r.write(req.args.body.slice(0, 3)); r.end(req.args.body.slice(3)); } else r.end();
});`

func TestHTTPSRequest(t *testing.T) {
	var evil atomic.Int32
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			w.Header().Add("X-Multi", "1")
			w.Header().Add("X-Multi", "2")
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(201)
			_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+r.Host+" "+r.Header.Get("X-Test")+" ua="+r.Header.Get("User-Agent")+" "+string(b))
		case "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		case "/evil":
			evil.Add(1)
			_, _ = io.WriteString(w, "reached")
		}
	}))
	defer ts.Close()
	s := newSandbox(t, sandbox.WithAllowedHosts("example.com"), sandbox.WithTransport(tlsTo(ts)))
	p, err := s.Compile(httpsReactor)
	require.NoError(t, err)
	call := func(args string) map[string]any {
		t.Helper()
		res, err := s.Run(context.Background(), p, sandbox.Request{Args: []byte(args)})
		require.NoError(t, err)
		var v map[string]any
		require.NoError(t, json.Unmarshal(res.Raw, &v))
		return v
	}

	got := call(`{"url": "https://example.com/echo?x=1", "method": "POST", "body": "hello world"}`)
	assert.Equal(t, float64(201), got["status"])
	assert.Equal(t, "Created", got["message"])
	assert.Equal(t, "POST /echo?x=1 example.com yes ua= hello world", got["body"])
	headers := got["headers"].(map[string]any)
	assert.Equal(t, []any{"a=1", "b=2"}, headers["set-cookie"])
	assert.Equal(t, "1, 2", headers["x-multi"])
	assert.Equal(t, "text/plain", headers["content-type"])
	assert.Equal(t, []any{"1", "2"}, got["distinct"].(map[string]any)["x-multi"])
	assert.Contains(t, got["raw"], "X-Multi")
	assert.Equal(t, true, got["complete"])
	assert.Equal(t, "1.1", got["version"])
	assert.Equal(t, []any{"finish", "response", "end", "req close", "res close"}, got["log"])

	t.Run("another host is refused", func(t *testing.T) {
		got := call(`{"url": "https://other.test/echo"}`)
		assert.Equal(t, "ERR_HOST_NOT_ALLOWED", got["code"])
		assert.Equal(t, "destination host other.test is not allowed by the sandbox", got["message"])
	})
	t.Run("a loopback address not allowed is refused", func(t *testing.T) {
		got := call(`{"url": "` + ts.URL + `/echo"}`)
		assert.Equal(t, "ERR_HOST_NOT_ALLOWED", got["code"])
		got = call(`{"url": "https://localhost/echo"}`)
		assert.Equal(t, "ERR_HOST_NOT_ALLOWED", got["code"])
	})
	t.Run("no redirect is followed", func(t *testing.T) {
		for _, to := range []string{"https://evil.test/evil", "https://example.com/evil", ts.URL + "/evil"} {
			got := call(`{"url": "https://example.com/redirect?to=` + to + `"}`)
			assert.Equal(t, float64(302), got["status"])
			assert.Equal(t, to, got["headers"].(map[string]any)["location"])
		}
		assert.Zero(t, evil.Load(), "the redirect's target is never reached")
	})
	t.Run("http: is refused", func(t *testing.T) {
		got := runRaw(t, s, `module.exports = () => { try { require('https').request('http://example.com/') } catch (e) { return { raw: [e.code, e.message] } } }`, sandbox.Request{})
		assert.Equal(t, []any{"ERR_INVALID_PROTOCOL", `Protocol "http:" not supported. Expected "https:"`}, got)
	})
}

func TestHTTPGet(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		case "/big":
			_, _ = io.WriteString(w, strings.Repeat("x", 4096))
			return
		}
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`","len":`+strconv.Itoa(len(b))+`}`)
	}))
	defer ts.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	dnsFail := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "nowhere.test") {
			return nil, &net.DNSError{Err: "no such host", Name: "nowhere.test", IsNotFound: true}
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	s := newSandbox(t, sandbox.WithAllowedHosts("127.0.0.1", "nowhere.test"), sandbox.WithTransport(dnsFail),
		sandbox.WithLimits(sandbox.Limits{MaxHTTPBody: 1024, Timeout: 5 * time.Second}))

	got := runRaw(t, s, `const http = require('http');
	module.exports = async () => {
		const res = await new Promise((resolve, reject) => http.get('`+ts.URL+`/hello', resolve).on('error', reject));
		const it = res[Symbol.asyncIterator]();
		let body = '';
		for (;;) { const { value, done } = await it.next(); if (done) break; body += value; }
		return { raw: [res.statusCode, res.headers['content-type'], JSON.parse(body), res.complete, res.readableEnded] };
	}`, sandbox.Request{})
	assert.Equal(t, []any{float64(200), "application/json", map[string]any{"path": "/hello", "len": float64(0)}, true, true}, got)

	errorOf := func(code string) any {
		t.Helper()
		return runRaw(t, s, `const http = require('http');
		module.exports = async () => new Promise((resolve) => {
			const log = [];
			`+code+`
			req.on('timeout', () => { log.push('timeout'); req.destroy(); });
			req.on('error', (e) => log.push(['error', e.code, e.message]));
			req.on('close', () => { log.push('close'); resolve({ raw: log }); });
		});`, sandbox.Request{})
	}
	t.Run("connection refused", func(t *testing.T) {
		host := strings.TrimPrefix(closedURL, "http://")
		assert.Equal(t, []any{[]any{"error", "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1"}, "close"},
			errorOf(`const req = http.get('http://`+host+`/');`))
	})
	t.Run("host not found", func(t *testing.T) {
		assert.Equal(t, []any{[]any{"error", "ENOTFOUND", "getaddrinfo ENOTFOUND nowhere.test"}, "close"},
			errorOf(`const req = http.get('http://nowhere.test/');`))
	})
	t.Run("timeout then destroy", func(t *testing.T) {
		assert.Equal(t, []any{"timeout", []any{"error", "ECONNRESET", "socket hang up"}, "close"},
			errorOf(`const req = http.get('`+ts.URL+`/slow'); req.setTimeout(50);`))
	})
	t.Run("body limits", func(t *testing.T) {
		assert.Equal(t, []any{[]any{"error", "ERR_BODY_TOO_LARGE", "response body larger than 1024 bytes"}, "close"},
			errorOf(`const req = http.get('`+ts.URL+`/big');`))
		assert.Equal(t, []any{[]any{"error", "ERR_BODY_TOO_LARGE", "request body larger than 1024 bytes"}, "close"},
			errorOf(`const req = http.request('`+ts.URL+`/', { method: 'POST' }); req.write('y'.repeat(2000)); req.end();`))
	})
	t.Run("a request body", func(t *testing.T) {
		got := runRaw(t, s, `const http = require('http');
		module.exports = async () => new Promise((resolve) => {
			const req = http.request({ host: '127.0.0.1', port: `+ts.URL[strings.LastIndex(ts.URL, ":")+1:]+`, path: '/post', method: 'POST' }, (res) => {
				let body = '';
				res.on('data', (d) => { body += d; });
				res.on('end', () => resolve({ raw: JSON.parse(body) }));
			});
			req.write(Buffer.from('abc'));
			req.end('de');
		});`, sandbox.Request{})
		assert.Equal(t, map[string]any{"path": "/post", "len": float64(5)}, got)
	})
	t.Run("the invocation deadline applies", func(t *testing.T) {
		p, err := s.Compile(`module.exports = () => new Promise(() => { require('http').get('` + ts.URL + `/slow'); })`)
		require.NoError(t, err)
		start := time.Now()
		_, err = s.Run(context.Background(), p, sandbox.Request{Timeout: 100 * time.Millisecond})
		assert.ErrorIs(t, err, sandbox.ErrTimeout)
		assert.Less(t, time.Since(start), 2*time.Second)
	})
}
