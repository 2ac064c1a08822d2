package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

const probeCard = "4242424242424242"

// probeExchange creates a private card template of code (with a string
// configuration entry SECRET) and an exchange of it holding hmacSecret,
// and returns the exchange's id.
func probeExchange(t *testing.T, f *fixture, code string) string {
	t.Helper()
	tmpl, err := f.v.CreateExchangeTemplate(t.Context(), vault.CreateExchangeTemplateRequest{Name: "probe", SourceTokenType: vault.TypeCard, Code: code,
		Configuration: []vault.ExchangeTemplateConfig{{Name: "SECRET", Type: vault.FieldTypeString}}})
	require.NoError(t, err)
	e, err := f.v.CreateExchange(t.Context(), vault.CreateExchangeRequest{Name: "probe", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID},
		Configuration: vault.Secrets{"SECRET": hmacSecret}})
	require.NoError(t, err)
	return e.ID
}

func probeTokenCount(t *testing.T, f *fixture) int {
	t.Helper()
	page, err := f.v.ListTokens(context.Background(), vault.ListTokensRequest{Size: 100})
	require.NoError(t, err)
	return len(page.Data)
}

// TestProbeExchangeHTTPHostileInputs sends oversized, odd and hostile
// requests: each is a 4xx without data in the body or the access log, and
// none creates a token.
func TestProbeExchangeHTTPHostileInputs(t *testing.T) {
	f := newExchangeFixture(t)
	big := strings.Repeat("a", 10<<10)
	failing := probeExchange(t, f, "module.exports = async c => ({ data: 'x', type: c.sourceToken.data.number + c.configuration.SECRET, containers: [c.sourceToken.data.number], metadata: { [c.sourceToken.data.number]: 1 } });")
	before := probeTokenCount(t, f)
	for _, s := range []struct {
		name, method, url, body string
		status                  int
	}{
		{"10 KB token id", "POST", "/exchanges/{numbers_exchange}/exchange", `{"token_id":"` + big + `"}`, http.StatusBadRequest},
		{"10 KB exchange id", "POST", "/exchanges/" + big + "/exchange", `{"token_id":"{card}"}`, http.StatusNotFound},
		{"unicode token id", "POST", "/exchanges/{numbers_exchange}/exchange", `{"token_id":"ü🙂\u0000"}`, http.StatusBadRequest},
		{"token_id null", "POST", "/exchanges/{numbers_exchange}/exchange", `{"token_id":null}`, http.StatusBadRequest},
		{"token_id object", "POST", "/exchanges/{numbers_exchange}/exchange", `{"token_id":{"id":"{card}"}}`, http.StatusBadRequest},
		{"body an array", "POST", "/exchanges/{numbers_exchange}/exchange", `["{card}"]`, http.StatusBadRequest},
		{"body truncated", "POST", "/exchanges/{numbers_exchange}/exchange", `{"token_id":"{card}"`, http.StatusBadRequest},
		{"output the engine refuses", "POST", "/exchanges/" + failing + "/exchange", `{"token_id":"{card}"}`, http.StatusBadRequest},
		{"configuration object", "POST", "/exchanges", `{"name":"x","template":{"id":"{pseudonym_template}"},"configuration":{"HMAC_KEY":{"v":"` + hmacSecret + `"}}}`, http.StatusBadRequest},
		{"configuration array", "POST", "/exchanges", `{"name":"x","template":{"id":"{pseudonym_template}"},"configuration":{"HMAC_KEY":["` + hmacSecret + `"]}}`, http.StatusBadRequest},
		{"configuration null", "POST", "/exchanges", `{"name":"x","template":{"id":"{pseudonym_template}"},"configuration":{"HMAC_KEY":null}}`, http.StatusBadRequest},
		{"configuration a string", "POST", "/exchanges", `{"name":"x","template":{"id":"{pseudonym_template}"},"configuration":"` + hmacSecret + `"}`, http.StatusBadRequest},
		{"bad number for a number", "POST", "/exchanges", `{"name":"x","template":{"id":"{bin_template}"},"configuration":{"BIN_LENGTH":"` + hmacSecret + `","INCLUDE_EXPIRATION":"` + hmacSecret + `"}}`, http.StatusBadRequest},
		{"template an array", "POST", "/exchanges", `{"name":"x","template":["{pseudonym_template}"]}`, http.StatusBadRequest},
		{"201 characters", "POST", "/exchanges", `{"name":"` + strings.Repeat("日", 201) + `","template":{"id":"{card_number_template}"}}`, http.StatusBadRequest},
		{"201 characters template", "POST", "/exchange-templates", `{"name":"` + strings.Repeat("😀", 201) + `","source_token_type":"card","code":"module.exports = c => ({ data: 'x' })"}`, http.StatusBadRequest},
		{"body over the limit", "POST", "/exchanges/{numbers_exchange}/exchange", `{"token_id":"` + strings.Repeat("a", 12<<20) + `"}`, http.StatusRequestEntityTooLarge},
		{"10 KB template id", "POST", "/exchanges", `{"name":"x","template":{"id":"` + big + `"}}`, http.StatusBadRequest},
		{"10 KB exchange id GET", "GET", "/exchanges/" + big, "", http.StatusNotFound},
		{"10 KB exchange id PUT", "PUT", "/exchanges/" + big, `{"name":"x","configuration":{}}`, http.StatusNotFound},
		{"10 KB template id PUT", "PUT", "/exchange-templates/" + big, `{"name":"x","source_token_type":"card","code":"module.exports = c => ({ data: 'x' })"}`, http.StatusNotFound},
		{"template type official", "POST", "/exchange-templates", `{"name":"x","type":"official","source_token_type":"card","code":"module.exports = c => ({ data: 'x' })"}`, http.StatusBadRequest},
		{"template code not a string", "POST", "/exchange-templates", `{"name":"x","source_token_type":"card","code":{"a":1}}`, http.StatusBadRequest},
		{"template config not a list", "POST", "/exchange-templates", `{"name":"x","source_token_type":"card","code":"module.exports = c => c","configuration":{"A":"string"}}`, http.StatusBadRequest},
	} {
		t.Run(s.name, func(t *testing.T) {
			headers := key("exchanger")
			if !strings.Contains(s.url, "/exchange") || strings.HasPrefix(s.url, "/exchange-templates") || !strings.HasSuffix(s.url, "/exchange") {
				headers = key("mgmt")
			}
			res, body := f.do(t, s.method, s.url, headers, s.body)
			require.Equal(t, s.status, res.StatusCode, "%s", body[:min(len(body), 600)])
			problem(t, res, body)
			assert.NotContains(t, string(body), probeCard)
			assert.NotContains(t, string(body), hmacSecret)
		})
	}
	assert.Equal(t, before, probeTokenCount(t, f), "no token was created")
	res, body := f.do(t, "POST", "/exchanges", key("mgmt"), `{"name":"`+strings.Repeat("日", 200)+`","template":{"id":"{card_number_template}"}}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "200 characters are allowed: %s", body[:min(len(body), 300)])
	assert.Equal(t, strings.Repeat("日", 200), field(decodeJSON(t, body), "name"))
	page, err := f.v.ListExchanges(t.Context(), vault.ListExchangesRequest{Size: 100})
	require.NoError(t, err)
	assert.Equal(t, 6, page.Pagination.TotalItems, "the fixture's four, the probe's and the 200-character one: nothing refused was stored")
	for _, secret := range []string{probeCard, probeCard[6:], hmacSecret} {
		assert.NotContains(t, f.logs.String(), secret, "the access log")
	}
}

// TestProbeExchangeHTTPDataKeyInErrors returns card data whose member name
// is the card number: the problem details name it.
func TestProbeExchangeHTTPDataKeyInErrors(t *testing.T) {
	// Found by the probe: the card validator put an unknown data member's
	// name in the field path, so the problem details carried
	// "token.data.<card number>"; the exchange now cuts paths to the
	// token's member.
	f := newExchangeFixture(t)
	id := probeExchange(t, f, "module.exports = async c => ({ type: 'card', data: { number: c.sourceToken.data.number, [c.sourceToken.data.number]: 1 } });")
	res, body := f.do(t, "POST", "/exchanges/"+id+"/exchange", key("exchanger"), `{"token_id":"{card}"}`)
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", body)
	assert.NotContains(t, string(body), probeCard)
	assert.NotContains(t, f.logs.String(), probeCard, "the access log")
}

// TestProbeExchangeHTTPConfigurationVisibility creates and updates an
// exchange with a key that may not read exchanges: no response shows the
// configuration.
func TestProbeExchangeHTTPConfigurationVisibility(t *testing.T) {
	f := newExchangeFixture(t)
	a, err := f.v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "writer", Type: vault.AppManagement,
		Permissions: []string{vault.PermExchangeCreate, vault.PermExchangeUpdate, vault.PermExchangeDelete}})
	require.NoError(t, err)
	f.vars["writer"] = a.Key.Reveal()
	res, body := f.do(t, "POST", "/exchanges", key("writer"), `{"name":"w","template":{"id":"{pseudonym_template}"},"configuration":{"HMAC_KEY":"`+hmacSecret+`"}}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	assert.NotContains(t, string(body), hmacSecret)
	assert.Nil(t, field(decodeJSON(t, body), "configuration"))
	id, _ := field(decodeJSON(t, body), "id").(string)
	require.NotEmpty(t, id)
	res, body = f.do(t, "PUT", "/exchanges/"+id, key("writer"), `{"name":"w2","configuration":{"HMAC_KEY":"`+hmacSecret+`-2"}}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.NotContains(t, string(body), hmacSecret)
	for _, url := range []string{"/exchanges/" + id, "/exchanges", "/exchanges?id=" + id} {
		res, body = f.do(t, "GET", url, key("writer"), "")
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s: %s", url, body)
		assert.NotContains(t, string(body), hmacSecret)
	}
	res, body = f.do(t, "PUT", "/exchanges/"+id, key("writer"), `{"name":"w3","configuration":{"HMAC_KEY":"`+hmacSecret+`","`+hmacSecret+`":"`+hmacSecret+`"}}`)
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", body)
	p := problem(t, res, body)
	for path, msgs := range p.Errors {
		assert.NotContains(t, strings.Join(msgs, " "), hmacSecret, path)
	}
	res, body = f.do(t, "GET", "/exchanges/"+id, key("exchange_reader"), "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Equal(t, hmacSecret+"-2", field(decodeJSON(t, body), "configuration.HMAC_KEY"), "a reader sees it; the refused update changed nothing")
	assert.Equal(t, "w2", field(decodeJSON(t, body), "name"))
	assert.NotContains(t, f.logs.String(), hmacSecret)
}

// TestProbeExchangeHTTPOfficialTemplates tries every route that changes a
// template on the official ones.
func TestProbeExchangeHTTPOfficialTemplates(t *testing.T) {
	f := newExchangeFixture(t)
	put := `{"name":"mine","type":"private","source_token_type":"card","code":"module.exports = c => ({ data: 'pwned' })"}`
	for _, id := range []string{"{card_number_template}", "{bin_template}", "{pseudonym_template}"} {
		res, body := f.do(t, "PUT", "/exchange-templates/"+id, key("mgmt"), put)
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
		res, body = f.do(t, "DELETE", "/exchange-templates/"+id, key("mgmt"), "")
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
		res, body = f.do(t, "PATCH", "/exchange-templates/"+id, key("mgmt"), put)
		assert.Less(t, res.StatusCode, 500, "%s", body)
		assert.NotEqual(t, http.StatusOK, res.StatusCode)
		res, body = f.do(t, "GET", "/exchange-templates/"+id, key("exchange_reader"), "")
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
		assert.Equal(t, "official", field(decodeJSON(t, body), "type"))
		assert.NotContains(t, string(body), "pwned")
	}
	res, body := f.do(t, "POST", "/exchanges/{numbers_exchange}/exchange", key("exchanger"), `{"token_id":"{card}"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	assert.Equal(t, probeCard, field(decodeJSON(t, body), "data"), "the official code still runs")
}

// TestProbeExchangeHTTPTransactionRollback exchanges under
// BT-TRANSACTION-ID and rolls back: no new token survives.
func TestProbeExchangeHTTPTransactionRollback(t *testing.T) {
	f := newExchangeFixture(t)
	before := probeTokenCount(t, f)
	res, body := f.do(t, "POST", "/transactions", key("exchanger"), "")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var txn struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &txn))
	in := with(key("exchanger"), "BT-TRANSACTION-ID", txn.ID)
	var ids []string
	for _, ex := range []string{"{numbers_exchange}", "{bin_exchange}", "{pseudonym_exchange}"} {
		res, body = f.do(t, "POST", "/exchanges/"+ex+"/exchange", in, `{"token_id":"{card}"}`)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
		id, _ := field(decodeJSON(t, body), "id").(string)
		require.NotEmpty(t, id)
		ids = append(ids, id)
	}
	res, body = f.do(t, "POST", "/transactions/"+txn.ID+"/rollback", key("exchanger"), "")
	require.Less(t, res.StatusCode, 300, "%s", body)
	for _, id := range ids {
		res, _ = f.do(t, "GET", "/tokens/"+id, key("private"), "")
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
	}
	assert.Equal(t, before, probeTokenCount(t, f))
	res, body = f.do(t, "POST", "/exchanges/{numbers_exchange}/exchange", in, `{"token_id":"{card}"}`)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "%s", body)
	assert.Less(t, res.StatusCode, 500, "%s", body)
	assert.Equal(t, before, probeTokenCount(t, f))
}

// TestProbeExchangeHTTPCallers exchanges with keys that must not: a key of
// the wrong kind, the masking key, a reader, another tenant's key.
func TestProbeExchangeHTTPCallers(t *testing.T) {
	f := newExchangeFixture(t)
	before := probeTokenCount(t, f)
	_, bApp, err := f.v.CreateTenant(t.Context(), vault.CreateTenantRequest{Name: "B"})
	require.NoError(t, err)
	bCtx := vaultContext(t, f, bApp.Key.Reveal())
	b, err := f.v.CreateApplication(bCtx, vault.CreateApplicationRequest{Name: "b", Type: vault.AppPrivate, Rules: []vault.AccessRule{{Priority: 1, Container: "/",
		Transform: vault.TransformReveal, Permissions: []string{vault.PermExchangeInvoke, vault.PermTokenCreate, vault.PermTokenRead}}}})
	require.NoError(t, err)
	f.vars["other_tenant"] = b.Key.Reveal()
	for name, tc := range map[string]struct {
		key    string
		status int
	}{
		"masking key":         {"mask_exchanger", http.StatusForbidden},
		"reader":              {"exchange_reader", http.StatusForbidden},
		"reactor admin":       {"reactor_admin", http.StatusForbidden},
		"token-only private":  {"private", http.StatusForbidden},
		"public":              {"public", http.StatusForbidden},
		"other tenant's key":  {"other_tenant", http.StatusNotFound},
		"pci reader (no inv)": {"pci", http.StatusForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := f.do(t, "POST", "/exchanges/{numbers_exchange}/exchange", key(tc.key), `{"token_id":"{card}"}`)
			assert.Equal(t, tc.status, res.StatusCode, "%s", body)
			assert.NotContains(t, string(body), probeCard)
		})
	}
	assert.Equal(t, before, probeTokenCount(t, f))
}

func vaultContext(t *testing.T, f *fixture, key string) context.Context {
	t.Helper()
	p, err := f.v.Authenticate(t.Context(), key)
	require.NoError(t, err)
	return vault.WithPrincipal(t.Context(), p)
}
