package sandbox_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// roundTripper is a fake transport whose behaviour is a function field.
type roundTripper struct {
	fn func(*http.Request) (*http.Response, error)
}

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return rt.fn(r) }

func response(r *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: header, Request: r,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

// echo answers with the request it saw.
type seenRequest struct {
	Method, URL, Body string
	Header            http.Header
}

func echoTransport(seen *[]seenRequest, mu *sync.Mutex) roundTripper {
	return roundTripper{fn: func(r *http.Request) (*http.Response, error) {
		var b []byte
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
		}
		mu.Lock()
		*seen = append(*seen, seenRequest{Method: r.Method, URL: r.URL.String(), Body: string(b), Header: r.Header.Clone()})
		mu.Unlock()
		switch r.URL.Path {
		case "/json":
			return response(r, 200, http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"a=1", "b=2"}}, `{"id":"ch_1","amount":100}`), nil
		case "/missing":
			return response(r, 404, nil, `{"error":"not found"}`), nil
		case "/fail":
			return response(r, 502, nil, `upstream`), nil
		case "/redirect-out":
			return response(r, 302, http.Header{"Location": {"https://evil.example.net/steal"}}, ""), nil
		case "/redirect-in":
			return response(r, 302, http.Header{"Location": {"/json"}}, ""), nil
		}
		return response(r, 200, http.Header{"Content-Type": {"text/plain"}}, "hello "+r.URL.Path), nil
	}}
}

func TestHTTP(t *testing.T) {
	var mu sync.Mutex
	var seen []seenRequest
	s := newSandbox(t, sandbox.WithAllowedHosts("api.stripe.com", "*.example.com"), sandbox.WithTransport(echoTransport(&seen, &mu)))

	t.Run("fetch", func(t *testing.T) {
		got := runRaw(t, s, `module.exports = async () => {
			const r = await fetch('https://api.stripe.com/json', { method: 'POST', headers: { Authorization: 'Bearer sk' }, body: JSON.stringify({ a: 1 }) });
			const j = await r.json();
			let again; try { await r.text() } catch (e) { again = e.name }
			const t = await (await fetch('https://sub.example.com/plain')).text();
			return { raw: { status: r.status, ok: r.ok, ct: r.headers.get('content-type'), cookie: r.headers.get('set-cookie'), j, again, t } };
		}`, sandbox.Request{})
		assert.Equal(t, map[string]any{"status": 200.0, "ok": true, "ct": "application/json", "cookie": "a=1, b=2",
			"j": map[string]any{"id": "ch_1", "amount": 100.0}, "again": "TypeError", "t": "hello /plain"}, got)
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, seen)
		first := seen[len(seen)-2]
		assert.Equal(t, "POST", first.Method)
		assert.Equal(t, "Bearer sk", first.Header.Get("Authorization"))
		assert.Equal(t, `{"a":1}`, first.Body)
	})

	t.Run("node-fetch", func(t *testing.T) {
		got := runRaw(t, s, `const fetch = require('node-fetch');
		module.exports = async () => {
			const r = await fetch.default('https://api.stripe.com/missing');
			const b = await r.buffer();
			return { raw: [r.status, r.ok, b.toString(), typeof fetch.Headers, fetch.isRedirect(302)] };
		}`, sandbox.Request{})
		assert.Equal(t, []any{404.0, false, `{"error":"not found"}`, "function", true}, got)
	})

	t.Run("axios", func(t *testing.T) {
		got := runRaw(t, s, `const axios = require('axios');
		module.exports = async () => {
			const ok = await axios.post('https://api.stripe.com/json', { amount: 100 }, { headers: { 'Idempotency-Key': 'k1' }, params: { expand: ['a', 'b'], q: 'x y' } });
			const get = await axios({ url: '/plain', baseURL: 'https://api.stripe.com/v1/', auth: { username: 'sk', password: '' } });
			const client = axios.create({ baseURL: 'https://api.stripe.com', headers: { 'X-Client': 'c' } });
			const viaInstance = await client.get('/json');
			let notFound, upstream;
			try { await axios.get('https://api.stripe.com/missing') } catch (e) {
				notFound = { message: e.message, status: e.response.status, data: e.response.data, isAxiosError: axios.isAxiosError(e), code: e.code };
			}
			try { await axios.get('https://api.stripe.com/fail') } catch (e) { upstream = [e.code, e.response.data] }
			const anyStatus = await axios.get('https://api.stripe.com/fail', { validateStatus: null });
			return { raw: { status: ok.status, data: ok.data, cookie: ok.headers['set-cookie'], get: get.data, inst: viaInstance.data.id,
				notFound, upstream, anyStatus: anyStatus.status } };
		}`, sandbox.Request{})
		assert.Equal(t, map[string]any{"status": 200.0, "data": map[string]any{"id": "ch_1", "amount": 100.0}, "cookie": []any{"a=1", "b=2"},
			"get": "hello /v1/plain", "inst": "ch_1",
			"notFound":  map[string]any{"message": "Request failed with status code 404", "status": 404.0, "data": map[string]any{"error": "not found"}, "isAxiosError": true, "code": "ERR_BAD_REQUEST"},
			"upstream":  []any{"ERR_BAD_RESPONSE", "upstream"},
			"anyStatus": 502.0}, got)
		mu.Lock()
		defer mu.Unlock()
		var post, get, inst seenRequest
		for _, r := range seen {
			switch {
			case r.Method == "POST" && strings.Contains(r.URL, "expand"):
				post = r
			case strings.HasSuffix(r.URL, "/v1/plain"):
				get = r
			case r.Header.Get("X-Client") != "":
				inst = r
			}
		}
		assert.Equal(t, "https://api.stripe.com/json?expand%5B%5D=a&expand%5B%5D=b&q=x%20y", post.URL)
		assert.Equal(t, "application/json", post.Header.Get("Content-Type"))
		assert.Equal(t, "k1", post.Header.Get("Idempotency-Key"))
		assert.Equal(t, `{"amount":100}`, post.Body)
		assert.Equal(t, "Basic c2s6", get.Header.Get("Authorization"))
		assert.Equal(t, "https://api.stripe.com/json", inst.URL)
	})

	t.Run("allow-list", func(t *testing.T) {
		got := runRaw(t, s, `const axios = require('axios');
		module.exports = async () => {
			const out = [];
			for (const url of ['https://evil.example.net/', 'https://example.com/', 'http://169.254.169.254/latest/meta-data', 'file:///etc/passwd', 'https://api.stripe.com.evil.net/']) {
				try { await fetch(url); out.push('fetched ' + url) } catch (e) { out.push(e.code) }
			}
			try { await axios.get('https://localhost:8080/') } catch (e) { out.push(e.code) }
			try { await fetch('https://api.stripe.com/redirect-out') } catch (e) { out.push(e.code) }
			const followed = await fetch('https://api.stripe.com/redirect-in');
			out.push(followed.redirected, await followed.json());
			const manual = await fetch('https://api.stripe.com/redirect-out', { redirect: 'manual' });
			out.push(manual.status, manual.headers.get('location'));
			return { raw: out };
		}`, sandbox.Request{})
		assert.Equal(t, []any{"ERR_HOST_NOT_ALLOWED", "ERR_HOST_NOT_ALLOWED", "ERR_HOST_NOT_ALLOWED", "ERR_INVALID_URL", "ERR_HOST_NOT_ALLOWED",
			"ERR_HOST_NOT_ALLOWED", "ERR_HOST_NOT_ALLOWED", true, map[string]any{"id": "ch_1", "amount": 100.0}, 302.0, "https://evil.example.net/steal"}, got)
		mu.Lock()
		defer mu.Unlock()
		for _, r := range seen {
			assert.NotContains(t, r.URL, "evil", "a denied destination is never contacted")
			assert.NotContains(t, r.URL, "169.254")
		}
	})

	t.Run("nothing allowed by default", func(t *testing.T) {
		plain := newSandbox(t, sandbox.WithTransport(echoTransport(&seen, &mu)))
		got := runRaw(t, plain, `module.exports = async () => { try { await fetch('https://api.stripe.com/') } catch (e) { return { raw: e.code } } }`, sandbox.Request{})
		assert.Equal(t, "ERR_HOST_NOT_ALLOWED", got)
	})
}

func TestHTTPLimits(t *testing.T) {
	blocked := make(chan struct{})
	transport := roundTripper{fn: func(r *http.Request) (*http.Response, error) {
		switch r.URL.Path {
		case "/slow":
			<-r.Context().Done() // a transport that honours cancellation
			return nil, r.Context().Err()
		case "/big":
			return response(r, 200, nil, strings.Repeat("x", 4096)), nil
		case "/hang":
			close(blocked)
			<-r.Context().Done()
			return nil, r.Context().Err()
		}
		return response(r, 200, nil, "ok"), nil
	}}
	s := newSandbox(t, sandbox.WithAllowedHosts("api.test"), sandbox.WithTransport(transport),
		sandbox.WithLimits(sandbox.Limits{MaxHTTPBody: 1024, Timeout: 5 * time.Second}))

	got := runRaw(t, s, `const axios = require('axios');
	module.exports = async () => {
		const out = [];
		try { await fetch('https://api.test/big') } catch (e) { out.push(e.code) }
		try { await fetch('https://api.test/', { method: 'POST', body: 'y'.repeat(2000) }) } catch (e) { out.push(e.code) }
		try { await fetch('https://api.test/slow', { timeout: 20 }) } catch (e) { out.push(e.code, e.type) }
		try { await axios.get('https://api.test/slow', { timeout: 20 }) } catch (e) { out.push(e.code, e.message) }
		return { raw: out };
	}`, sandbox.Request{})
	assert.Equal(t, []any{"ERR_BODY_TOO_LARGE", "ERR_BODY_TOO_LARGE", "ETIMEDOUT", "request-timeout", "ECONNABORTED", "timeout of 20ms exceeded"}, got)

	t.Run("the invocation deadline applies", func(t *testing.T) {
		p, err := s.Compile(`module.exports = async () => { await fetch('https://api.test/hang'); return { raw: 'unreachable' } }`)
		require.NoError(t, err)
		start := time.Now()
		_, err = s.Run(context.Background(), p, sandbox.Request{Timeout: 100 * time.Millisecond})
		assert.ErrorIs(t, err, sandbox.ErrTimeout)
		assert.Less(t, time.Since(start), 2*time.Second)
		<-blocked
	})
}

// TestSelfReferencingMapIsNoBinary: telling binary data apart must not
// export the value first, which never ends on a Map that holds itself (a
// fatal stack overflow, which no recover stops).
func TestSelfReferencingMapIsNoBinary(t *testing.T) {
	s := newSandbox(t, sandbox.WithAllowedHosts("example.com"), sandbox.WithTransport(noNetwork{}))
	got := runRaw(t, s, `module.exports = async () => {
		const m = new Map(); m.set(m, m);
		const out = [];
		try { require('crypto').createHash('sha256').update(m); out.push('hashed') } catch (e) { out.push(e.name) }
		try { await fetch('https://example.com/', { method: 'POST', body: m }); out.push('sent') } catch (e) { out.push(e.name) }
		return { raw: out };
	}`, sandbox.Request{}).([]any)
	assert.Equal(t, "TypeError", got[0])
	assert.Len(t, got, 2)
}

// noNetwork is a transport that reaches nothing.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, io.ErrUnexpectedEOF
}
