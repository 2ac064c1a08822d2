package vault_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/httpapi"
	"github.com/tokenvault/vault/storage/memory"
)

// TestProxyCanary pushes a card number, a proxy's configuration and its
// key through every proxy path, passing and failing, over the REST API:
// the card crosses to the destination, and appears in no log line (the
// vault's and the REST API's, at debug level), event, audit entry, error
// the vault wrote, nor anywhere in the store; a masked response shows no
// PAN.
func TestProxyCanary(t *testing.T) {
	const pan, config = "4000056655665556", "CANARY-proxy-config-5521"
	dest, opts := newDestination(t, nil)
	dest.respond = func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/base/fail":
			w.WriteHeader(http.StatusBadRequest) // echoes the card in a failure
		}
		_, _ = w.Write(body)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := memory.New()
	events := &eventLog{t: t}
	v, err := vault.Open("", append(opts, vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithLogger(log), vault.WithEventHandler(events.handle))...)
	require.NoError(t, err)
	defer v.Close()
	events.v = v
	ctx := t.Context()
	card := createCard(t, v, pan, nil)
	app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "caller", Type: vault.AppPrivate,
		Permissions: []string{vault.PermProxyInvoke, vault.PermTokenCreate}})
	require.NoError(t, err)
	masking := transformProxyAs(t, v, app.ID, config, []vault.ProxyTransform{
		{Type: vault.ProxyTransformMask, Matcher: "regex", Expression: `(\d{12,19})`, Replacement: "#"}})
	throwing := transformProxyAs(t, v, app.ID, config, []vault.ProxyTransform{{Type: vault.ProxyTransformCode,
		Code: `module.exports = async (req) => { throw new Error('declined ' + JSON.stringify(req.args.body) + req.configuration.K); }`}})
	srv := httptest.NewServer(httpapi.New(v, httpapi.WithLogger(log)))
	defer srv.Close()

	ref := `{"card":"{{ ` + card.ID + ` | json: '$.number' }}","note":"` + pan + `"}`
	var answers []string
	send := func(path string, headers map[string]string, body string) int {
		req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("BT-API-KEY", app.Key.Reveal())
		for k, val := range headers {
			req.Header.Set(k, val)
		}
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode/100 != 2 && strings.Contains(string(b), "proxy_error") {
			answers = append(answers, string(b)) // the vault's own errors
		}
		return res.StatusCode
	}
	ephemeral := map[string]string{vault.HeaderProxyURL: "https://" + destHost + "/base"}
	assert.Equal(t, http.StatusOK, send("/proxy/ok", ephemeral, ref))
	assert.Contains(t, dest.last(t).Body, pan, "the card crosses to the destination")
	assert.Equal(t, http.StatusBadRequest, send("/proxy/fail", ephemeral, ref), "the destination's failure passes through")
	assert.Equal(t, http.StatusOK, send("/proxy/ok", with2(ephemeral, "BT-IDEMPOTENCY-KEY", "k1"), ref))
	assert.Equal(t, http.StatusOK, send("/proxy/ok", with2(ephemeral, "BT-IDEMPOTENCY-KEY", "k1"), ref), "a replay")
	assert.Equal(t, http.StatusBadRequest, send("/proxy", ephemeral, `{"card":"{{ `+card.ID+` | json: '$.number' | no_such_filter }}","p":"`+pan+`"}`))
	assert.Equal(t, http.StatusBadRequest, send("/proxy", ephemeral, `{"card":"{{ `+pan+` }}"}`), "a PAN where a token id goes")
	assert.Equal(t, http.StatusBadRequest, send("/proxy", map[string]string{vault.HeaderProxyURL: "https://" + pan + ".invalid"}, ref))
	assert.Equal(t, http.StatusOK, send("/proxy/ok", map[string]string{vault.HeaderProxyKey: masking.Key.Reveal()}, ref))
	masked := dest.last(t).Body
	assert.Contains(t, masked, pan, "the destination got the card")
	assert.Equal(t, http.StatusInternalServerError, send("/proxy", map[string]string{vault.HeaderProxyKey: throwing.Key.Reveal()}, ref))
	assert.Equal(t, http.StatusNotFound, send("/proxy", map[string]string{vault.HeaderProxyKey: pan}, ref), "a PAN as a proxy key")

	// The masked response itself.
	resp, err := v.Proxy(authenticate(t, v, app.Key), vault.ProxyRequest{Key: masking.Key, Method: "POST", Path: "/ok", Header: jsonHeader(), Body: []byte(ref)})
	require.NoError(t, err)
	assert.NotContains(t, string(resp.Body), pan)
	assert.Contains(t, string(resp.Body), "################")

	require.NoError(t, v.FlushAuditLog(ctx))
	require.NoError(t, v.FlushEvents(ctx))
	var entries []*vault.AuditEntry
	for e, err := range v.AuditLog(ctx, vault.AuditQuery{}) {
		require.NoError(t, err)
		entries = append(entries, e)
	}
	audit, _ := json.Marshal(entries)
	assert.Contains(t, string(audit), "Token used by a proxy")
	assert.Contains(t, string(audit), "Proxy invoked")
	all, _ := json.Marshal(events.all())
	assert.Contains(t, string(all), vault.EventProxyInvoked)
	for _, c := range []string{pan, config, masking.Key.Reveal(), throwing.Key.Reveal()} {
		assert.NotContains(t, logs.String(), c, "a log line holds a canary")
		assert.NotContains(t, string(audit), c, "an audit entry holds a canary")
		assert.NotContains(t, string(all), c, "an event holds a canary")
		assert.NotContains(t, string(dumpAll(t, store)), c, "the store holds a canary")
		if c != pan { // the vault's errors may repeat what the caller sent, never a secret of the vault
			assert.NotContains(t, strings.Join(answers, "\n"), c, "an error holds a canary")
		}
	}
	for _, a := range answers {
		assert.NotContains(t, a, pan[4:12], "an error the vault wrote holds the detokenized card: %s", a)
	}
}

func with2(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range h {
		out[key] = val
	}
	return out
}

// transformProxyAs creates a proxy with response transforms, run as app,
// whose configuration holds config.
func transformProxyAs(t *testing.T, v *vault.Vault, app, config string, responses []vault.ProxyTransform) *vault.Proxy {
	t.Helper()
	var requests []vault.ProxyTransform
	if len(responses) > 0 && responses[0].Type == vault.ProxyTransformCode {
		requests, responses = responses, nil
	}
	return mustCreateProxy(t, v, vault.CreateProxyRequest{RequestTransforms: requests, ResponseTransforms: responses,
		Application: &vault.ProxyApplication{ID: app}, Configuration: vault.Secrets{"K": config}})
}
