package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/expr"
)

// The finding: a token created with a mask that exceeds the expression
// step budget was accepted (201), and afterwards every caller whose
// transform is mask got 500 on get, list and search. Now the create is 400
// naming the mask, and a token whose mask fails at read anyway (here: one
// written under looser limits than those in force) is shown redacted while
// the get, the list and the search succeed.
func TestAMaskThatExceedsTheBudget(t *testing.T) {
	const loop = "{% for i in (1..1000000000) %}x{% endfor %}"
	f := newFixture(t, nil)
	body := func(mask string) string {
		b, err := json.Marshal(map[string]any{"type": "token", "data": "mask-secret", "mask": mask, "metadata": map[string]string{"set": "m"}})
		require.NoError(t, err)
		return string(b)
	}
	res, b := f.do(t, "POST", "/tokens", key("private"), body("{% for i in (1..500) %}x{% endfor %}"))
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", b)
	f.vars["old"] = field(decodeJSON(t, b), "id").(string)

	listed := func(t *testing.T, _ *fixture, _ *http.Response, body []byte) {
		seen := map[string]any{}
		for _, tok := range field(decodeJSON(t, body), "data").([]any) {
			seen[field(tok, "id").(string)] = tok
		}
		require.Contains(t, seen, f.vars["old"], "%s", body)
		assert.Nil(t, field(seen[f.vars["old"]], "data"), "the token whose mask fails is redacted")
		if card, ok := seen[f.vars["card"]]; ok {
			assert.Equal(t, "XXXXXXXXXXXX4242", field(card, "data.number"), "the others are masked as usual")
		}
	}
	runScenarios(t, f, []scenario{
		{
			Name: "create with the mask is refused", Method: "POST", URL: "/tokens", Headers: key("private"), Body: body(loop),
			Status: http.StatusBadRequest, Fields: []string{"mask"}, NotContains: []string{"mask-secret"},
		},
		{
			Name: "create with the mask is refused for a masked caller too", Method: "POST", URL: "/tokens", Headers: key("masked"), Body: body(loop),
			Status: http.StatusBadRequest, Fields: []string{"mask"},
		},
		{
			Name: "update to the mask is refused", Method: "PATCH", URL: "/tokens/{old}",
			Headers: with(key("private"), "Content-Type", "application/merge-patch+json"), Body: `{"mask":"` + loop + `"}`,
			Status: http.StatusBadRequest, Fields: []string{"mask"},
		},
		{
			Name: "a mask leaf that loops is named", Method: "POST", URL: "/tokens", Headers: key("private"),
			Body:   `{"type":"card","data":{"number":"4242424242424242"},"mask":{"number":"{{ data.number | last4 }}","x":"` + loop + `"}}`,
			Status: http.StatusBadRequest, Fields: []string{"mask.x"},
		},
		{
			Name: "tokenize with the mask is refused", Method: "POST", URL: "/tokenize", Headers: key("private"),
			Body:   `{"a":{"type":"token","data":"x","mask":"` + loop + `"}}`,
			Status: http.StatusBadRequest, Fields: []string{"a.mask"},
		},
		{
			Name: "nothing was written", Method: "GET", URL: "/v2/tokens?metadata.set=m", Headers: key("private"),
			Status: http.StatusOK, JSON: map[string]any{"data.0.id": "{old}", "data.1": nil},
		},
	})

	// Reads of a token whose mask no longer evaluates.
	prev := expr.SetDefaultLimits(expr.Limits{MaxSteps: 100})
	t.Cleanup(func() { expr.SetDefaultLimits(prev) })
	runScenarios(t, f, []scenario{
		{
			Name: "get redacts", Method: "GET", URL: "/tokens/{old}", Headers: key("masked"),
			Status: http.StatusOK, JSON: map[string]any{"id": "{old}", "metadata.set": "m"}, NotContains: []string{`"data"`, "mask-secret"},
		},
		{
			Name: "get of another token is masked", Method: "GET", URL: "/tokens/{card}", Headers: key("masked"),
			Status: http.StatusOK, JSON: map[string]any{"data.number": "XXXXXXXXXXXX4242"},
		},
		{
			Name: "reveal is unaffected", Method: "GET", URL: "/tokens/{old}", Headers: key("private"),
			Status: http.StatusOK, JSON: map[string]any{"data": "mask-secret"},
		},
		{
			Name: "v2 list", Method: "GET", URL: "/v2/tokens?size=100", Headers: key("masked"),
			Status: http.StatusOK, NotContains: []string{"mask-secret"}, Check: listed,
		},
		{
			Name: "v1 list", Method: "GET", URL: "/tokens?size=100", Headers: key("masked"),
			Status: http.StatusOK, NotContains: []string{"mask-secret"}, Check: listed,
		},
		{
			Name: "v2 search", Method: "POST", URL: "/v2/tokens/search", Headers: key("masked"), Body: `{"query":"metadata.set:m"}`,
			Status: http.StatusOK, NotContains: []string{"mask-secret"}, Check: listed,
		},
		{
			Name: "v1 search", Method: "POST", URL: "/tokens/search", Headers: key("masked"), Body: `{"query":"metadata.set:m"}`,
			Status: http.StatusOK, NotContains: []string{"mask-secret"}, Check: listed,
		},
	})
	assert.NotContains(t, f.logs.String(), "mask-secret")
}
