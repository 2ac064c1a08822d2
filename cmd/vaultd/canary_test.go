package main_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomDigits returns n random decimal digits.
func randomDigits(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		require.NoError(t, err)
		b.WriteString(d.String())
	}
	return b.String()
}

// luhnComplete appends the Luhn check digit to body.
func luhnComplete(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

// TestPCICanary pushes marker values (a card number, an SSN, a bank
// account number, token data, a reactor's configuration, a connection's
// credential) through vaultd's operations, on their success and failure
// paths, with the log at debug level; then searches vaultd's logs, every
// error body and the raw vault file for them: there must be no hit. The
// bodies of successful reveals are the one place a marker belongs, and are
// not searched.
func TestPCICanary(t *testing.T) {
	t.Run("bolt", func(t *testing.T) { pciCanary(t, nil, "") })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("VAULT_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("VAULT_TEST_POSTGRES_DSN not set")
		}
		schema := newSchema(t, dsn)
		pciCanary(t, []string{"VAULT_POSTGRES_DSN=" + dsn, "VAULT_POSTGRES_SCHEMA=" + schema, "VAULT_MASTER_KEY=" + randomKey(t)}, schema)
	})
}

// pciCanary runs the canary on vaultd with env; schema names the
// PostgreSQL schema to pg_dump ("" for the bolt file).
func pciCanary(t *testing.T, env []string, schema string) {
	hexMarker := func(prefix string) string {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		return prefix + hex.EncodeToString(b)
	}
	card := luhnComplete("4" + randomDigits(t, 14))
	ssn := randomDigits(t, 3) + "-" + randomDigits(t, 2) + "-" + randomDigits(t, 4)
	account := randomDigits(t, 13)
	data := hexMarker("data-")
	config := hexMarker("cfg-")
	credential := hexMarker("sim_")
	markers := map[string]string{"card": card, "ssn": ssn, "account": account, "data": data, "config": config, "credential": credential}

	// A third party the proxy calls: it gets the card, and echoes nothing.
	var destMu sync.Mutex
	var destBodies []string
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		destMu.Lock()
		destBodies = append(destBodies, string(b))
		destMu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"ch_1"}`)
	}))
	defer dest.Close()

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, env, "--bootstrap-key-file", keyFile, "--log-level", "debug", "--allow-host", "127.0.0.1")
	mgmt := readKey(t, keyFile)
	status, body := p.do(t, "POST", "/applications", mgmt,
		`{"name":"backend","type":"private","rules":[{"priority":1,"container":"/","transform":"reveal","permissions":["token:create","token:read","token:update","token:delete","token:search","token:use"]}]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	key := jsonField(t, body, "key")
	status, body = p.do(t, "POST", "/applications", mgmt, `{"name":"masked","type":"private","permissions":["token:read"]}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	masked := jsonField(t, body, "key")

	var errorBodies [][]byte
	// expect sends a request that must answer want; a 4xx or 5xx body is
	// kept for the search.
	expect := func(want int, method, path, k, reqBody string) []byte {
		t.Helper()
		status, body := p.do(t, method, path, k, reqBody)
		require.Equal(t, want, status, "%s %s: %s", method, path, body)
		if status >= 400 {
			errorBodies = append(errorBodies, body)
		}
		return body
	}

	// Success paths.
	cardID := jsonField(t, expect(201, "POST", "/tokens", key,
		fmt.Sprintf(`{"type":"card","data":{"number":%q,"expiration_month":11,"expiration_year":2035,"cvc":"321"},"metadata":{"k":"v"}}`, card)), "id")
	ssnID := jsonField(t, expect(201, "POST", "/tokens", key, fmt.Sprintf(`{"type":"social_security_number","data":%q}`, ssn)), "id")
	expect(201, "POST", "/tokens", key, fmt.Sprintf(`{"type":"bank","data":{"routing_number":"021000021","account_number":%q}}`, account))
	tokID := jsonField(t, expect(201, "POST", "/tokens", key, fmt.Sprintf(`{"type":"token","data":%q,"search_indexes":["{{ data }}"]}`, data)), "id")
	expect(200, "GET", "/tokens/"+cardID, key, "")
	masked1 := expect(200, "GET", "/tokens/"+ssnID, masked, "")
	assert.NotContains(t, string(masked1), ssn, "a masked read")
	expect(200, "POST", "/v2/tokens/search", key, fmt.Sprintf(`{"query":"data:%s"}`, data))
	expect(200, "PATCH", "/tokens/"+tokID, key, `{"metadata":{"k":"w"}}`)
	reactor := jsonField(t, expect(201, "POST", "/reactors", mgmt, fmt.Sprintf(`{"name":"r","configuration":{"KEY":%q},`+
		`"code":"module.exports = async (req) => ({ raw: { ok: req.configuration.KEY.length > 0 && req.args.card.number.length === 16 } })"}`, config)), "id")
	expect(200, "POST", "/reactors/"+reactor+"/react", key, fmt.Sprintf(`{"args":{"card":"{{ %s }}"}}`, cardID))
	expect(200, "POST", "/detokenize", key, fmt.Sprintf(`{"n":"{{ %s | json: '$.number' }}"}`, cardID))
	expect(201, "POST", "/orchestration/connections", mgmt, fmt.Sprintf(`{"connection_formula_id":"mock-card","method":"card","display_name":"Sim",`+
		`"fields":[{"key":"api_key","value":%q}],"accepted_countries":["US"],"accepted_currencies":["USD"]}`, credential))

	// Proxies: the ephemeral one and a pre-configured one whose code
	// transform holds the configuration marker.
	proxy := func(want int, headers map[string]string, reqBody string) {
		t.Helper()
		req, err := http.NewRequest("POST", "http://"+p.addr+"/proxy/charges", strings.NewReader(reqBody))
		require.NoError(t, err)
		req.Header.Set("BT-API-KEY", key)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := p.client.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, want, res.StatusCode, "%s", b)
		if res.StatusCode >= 400 {
			errorBodies = append(errorBodies, b)
		}
	}
	cardExpr := fmt.Sprintf(`{"card":"{{ %s | json: '$.number' }}"}`, cardID)
	proxy(200, map[string]string{"BT-PROXY-URL": dest.URL}, cardExpr)
	px := expect(201, "POST", "/proxies", mgmt, fmt.Sprintf(`{"name":"px","destination_url":%q,"configuration":{"KEY":%q},`+
		`"request_transforms":[{"type":"code","code":"module.exports = async (req) => { if (req.args.body.fail) throw new Error(req.args.body.card + req.configuration.KEY); return { body: { ...req.args.body, signed: req.configuration.KEY.length }, headers: req.args.headers }; }"}]}`,
		dest.URL, config))
	pxKey := jsonField(t, px, "key")
	proxy(200, map[string]string{"BT-PROXY-KEY": pxKey}, cardExpr)
	destMu.Lock()
	require.Len(t, destBodies, 2)
	for _, b := range destBodies {
		assert.Contains(t, b, card, "the card crosses the proxy to the destination")
	}
	destMu.Unlock()

	// Failure paths: each request carries a marker the answer must not echo.
	expect(400, "POST", "/tokens", key, fmt.Sprintf(`{"type":"card","data":{"number":%q,"expiration_month":13,"expiration_year":2035}}`, card))
	expect(400, "POST", "/tokens", key, fmt.Sprintf(`{"type":"card","data":{"number":%q,"expiration_month":1,"expiration_year":2035}}`, card[:15]+"x"))
	expect(400, "POST", "/tokens", key, fmt.Sprintf(`{"type":"social_security_number","data":%q}`, ssn+"9"))
	expect(400, "POST", "/tokens", key, fmt.Sprintf(`{"type":"bank","data":{"routing_number":"123","account_number":%q}}`, account))
	expect(400, "POST", "/tokens", key, fmt.Sprintf(`{"type":"card","data":{"number":%q`, card))
	expect(400, "POST", "/tokens", key, fmt.Sprintf(`{"type":"token","data":%q,"fingerprint_expression":"{{ data | nope }}"}`, data))
	expect(400, "POST", "/v2/tokens/search", key, fmt.Sprintf(`{"query":"data:%s AND ("}`, data))
	expect(404, "PATCH", "/tokens/"+card, key, `{"metadata":{"k":"w"}}`)
	expect(422, "POST", "/reactors", mgmt, fmt.Sprintf(`{"name":"bad","configuration":{"KEY":%q},"code":"module.exports = ("}`, config))
	expect(400, "POST", "/orchestration/connections", mgmt, fmt.Sprintf(`{"connection_formula_id":"mock-card","method":"card","display_name":"Sim",`+
		`"fields":[{"key":"nope","value":%q}],"accepted_countries":["US"],"accepted_currencies":["USD"]}`, credential))
	expect(400, "POST", "/detokenize", key, fmt.Sprintf(`{"n":"{{ %s | json: '$.number' | nope }}"}`, cardID))
	expect(401, "GET", "/tokens/"+cardID, card, "")
	proxy(500, map[string]string{"BT-PROXY-KEY": pxKey}, fmt.Sprintf(`{"card":"{{ %s | json: '$.number' }}","fail":true}`, cardID))
	proxy(400, map[string]string{"BT-PROXY-URL": "https://" + card + ".invalid/"}, cardExpr)
	proxy(400, map[string]string{"BT-PROXY-URL": dest.URL}, fmt.Sprintf(`{"card":"{{ %s | json: '$.number' | nope }}"}`, cardID))
	proxy(404, map[string]string{"BT-PROXY-KEY": card}, cardExpr)

	// Let the connection's verification and the events run, then stop.
	time.Sleep(200 * time.Millisecond)
	require.Equal(t, 0, p.stop(t), "%s", p.stderr)

	var file []byte
	if schema == "" {
		var err error
		file, err = os.ReadFile(filepath.Join(dir, "vault.db"))
		require.NoError(t, err)
	} else {
		var err error
		file, err = exec.Command("pg_dump", "--schema="+schema, "--data-only", os.Getenv("VAULT_TEST_POSTGRES_DSN")).Output()
		require.NoError(t, err, "pg_dump")
	}
	logs := p.stderr.String()
	require.Contains(t, logs, `"level":"DEBUG"`, "the log ran at debug level")
	for name, m := range markers {
		assert.NotContains(t, logs, m, "the %s marker is in vaultd's log", name)
		for _, b := range errorBodies {
			assert.NotContains(t, string(b), m, "the %s marker is in an error body: %s", name, b)
		}
		assert.False(t, bytes.Contains(file, []byte(m)), "the %s marker is in the store (the bolt file or pg_dump)", name)
		assert.False(t, bytes.Contains(file, []byte(hex.EncodeToString([]byte(m)))), "the %s marker is in pg_dump's bytea hex", name)
	}
	assert.GreaterOrEqual(t, len(errorBodies), 16)
	assert.True(t, bytes.Contains(file, []byte(cardID)) || bytes.Contains(file, []byte(hex.EncodeToString([]byte(cardID)))),
		"the search reads the store: the card token's id is there")
}

// jsonField returns the string member name of the JSON object b.
func jsonField(t *testing.T, b []byte, name string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	s, ok := m[name].(string)
	require.True(t, ok, "%s has a string %s", b, name)
	return s
}
