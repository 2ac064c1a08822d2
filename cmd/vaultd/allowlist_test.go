package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fetchReactor is reactor code that fetches args.url and returns what it
// got, or the code of its failure.
const fetchReactor = `module.exports = async function (req) {
  try {
    const res = await fetch(req.args.url);
    return { raw: { status: res.status, body: await res.text() } };
  } catch (e) {
    return { raw: { error: String(e.code || e.message) } };
  }
};`

// TestServeAllowHostReactors: --allow-host admits reactor fetch
// destinations too, on loopback: a listed host (any port), a listed
// HOST:PORT (that port only); nothing without the flag.
func TestServeAllowHostReactors(t *testing.T) {
	serve := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello from "+name) }))
		t.Cleanup(s.Close)
		return s
	}
	allowed, other := serve("allowed"), serve("other")
	hostPort := func(s *httptest.Server) string { u, _ := url.Parse(s.URL); return u.Host }
	for name, c := range map[string]struct {
		args []string
		env  []string
		want map[*httptest.Server]string // "hello from ..." or the failure code
	}{
		"no allow-list": {nil, nil, map[*httptest.Server]string{allowed: "ERR_HOST_NOT_ALLOWED", other: "ERR_HOST_NOT_ALLOWED"}},
		"host:port":     {[]string{"--allow-host", hostPort(allowed)}, nil, map[*httptest.Server]string{allowed: "hello from allowed", other: "ERR_NETWORK"}},
		"host":          {[]string{"--allow-host", "127.0.0.1"}, nil, map[*httptest.Server]string{allowed: "hello from allowed", other: "hello from other"}},
		"other host":    {[]string{"--allow-host", "hooks.internal"}, nil, map[*httptest.Server]string{allowed: "ERR_HOST_NOT_ALLOWED"}},
		"host:port, reactors in worker processes": {[]string{"--allow-host", hostPort(allowed), "--reactor-isolation", "process"}, nil,
			map[*httptest.Server]string{allowed: "hello from allowed", other: "ERR_NETWORK"}},
		"environment": {nil, []string{"VAULT_ALLOW_HOSTS=hooks.internal, " + hostPort(allowed)}, map[*httptest.Server]string{allowed: "hello from allowed", other: "ERR_NETWORK"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			keyFile := filepath.Join(dir, "boot.key")
			p := startServe(t, dir, c.env, append([]string{"--bootstrap-key-file", keyFile, "--reactor-isolation", "in-process"}, c.args...)...)
			mgmt := readKey(t, keyFile)
			b, _ := json.Marshal(map[string]string{"name": "fetcher", "code": fetchReactor})
			status, body := p.do(t, "POST", "/reactors", mgmt, string(b))
			require.Equal(t, http.StatusCreated, status, "%s", body)
			var r struct{ ID string }
			require.NoError(t, json.Unmarshal(body, &r))
			status, body = p.do(t, "POST", "/applications", mgmt, `{"name":"caller","type":"private","permissions":["reactor:invoke"]}`)
			require.Equal(t, http.StatusCreated, status, "%s", body)
			var app struct{ Key string }
			require.NoError(t, json.Unmarshal(body, &app))
			for s, want := range c.want {
				status, body := p.do(t, "POST", "/reactors/"+r.ID+"/react", app.Key, `{"args":{"url":"`+s.URL+`/x"}}`)
				require.Equal(t, http.StatusOK, status, "%s", body)
				assert.Contains(t, string(body), want, "%s", s.URL)
			}
			require.Equal(t, 0, p.stop(t))
		})
	}
}

// TestServeAllowHostPort: a HOST:PORT entry admits a webhook on that port
// only; the list may come from the config file.
func TestServeAllowHostPort(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "boot.key")
	cfg := writeConfig(t, dir, `allow-host = ["127.0.0.1:8080", "hooks.internal"]`+"\n")
	p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile, "--config", cfg)
	key := readKey(t, keyFile)
	for url, want := range map[string]int{
		"http://127.0.0.1:8080/x":    http.StatusCreated,
		"http://127.0.0.1:8081/x":    http.StatusBadRequest,
		"http://hooks.internal:9/x":  http.StatusCreated,
		"https://hooks.example.com/": http.StatusBadRequest,
	} {
		status, body := p.do(t, "POST", "/webhooks", key, `{"name":"h","url":"`+url+`","events":["*"]}`)
		assert.Equal(t, want, status, "%s: %s", url, body)
	}
	require.Equal(t, 0, p.stop(t))

	code, _, stderr := runCmd(t, nil, "serve", "--path", filepath.Join(dir, "x.db"), "--allow-host", "http://hooks.internal/")
	assert.Equal(t, 2, code)
	assert.True(t, strings.Contains(stderr, "want HOST or HOST:PORT"), "%s", stderr)
}
