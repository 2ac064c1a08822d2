package vault_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// TestInvalidTextInTokens: through the Go API too, token data, masks, ids
// and metadata holding a string that is not valid UTF-8, or a number beyond
// float64, are a validation error at their path, not silently rewritten
// (json.Marshal and the decoders turn bad bytes into U+FFFD).
func TestInvalidTextInTokens(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	const bad = "abc\xff\xfe"
	type card struct {
		Number string `json:"number"`
		Hidden string `json:"-"`
		Skip   string `json:"skip,omitempty"`
	}
	creates := map[string]struct {
		req  vault.CreateTokenRequest
		path string
	}{
		"data string":        {vault.CreateTokenRequest{Type: vault.TypeToken, Data: bad}, "data"},
		"data map value":     {vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"note": bad}}, "data.note"},
		"data map key":       {vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"k" + bad: "v"}}, "data"},
		"data slice":         {vault.CreateTokenRequest{Type: vault.TypeToken, Data: []any{"ok", bad}}, "data[1]"},
		"data typed map":     {vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string][]string{"a": {"x", bad}}}, "data.a[1]"},
		"data struct":        {vault.CreateTokenRequest{Type: vault.TypeToken, Data: &card{Number: bad}}, "data.number"},
		"card data":          {vault.CreateTokenRequest{Type: vault.TypeCard, Data: map[string]any{"number": "4242424242424242\xc3", "expiration_month": 12, "expiration_year": 2030}}, "data.number"},
		"raw data":           {vault.CreateTokenRequest{Type: vault.TypeToken, Data: json.RawMessage("{\"a\":[\"" + bad + "\"]}")}, "data.a[0]"},
		"raw lone surrogate": {vault.CreateTokenRequest{Type: vault.TypeToken, Data: json.RawMessage(`{"a":"\ud800"}`)}, "data.a"},
		"raw number":         {vault.CreateTokenRequest{Type: vault.TypeToken, Data: json.RawMessage(`{"n":1e999999}`)}, "data.n"},
		"json.Number":        {vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"n": json.Number("-1e400")}}, "data.n"},
		"top json.Number":    {vault.CreateTokenRequest{Type: vault.TypeToken, Data: json.Number("1e400")}, "data"},
		"raw in a map":       {vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"r": json.RawMessage(`[1,"\udc00"]`)}}, "data.r[1]"},
		"custom id":          {vault.CreateTokenRequest{ID: bad, Type: vault.TypeToken, Data: "v"}, "id"},
		"metadata value":     {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "v", Metadata: map[string]string{"k": bad}}, "metadata.k"},
		"metadata key":       {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "v", Metadata: map[string]string{bad: "v"}}, "metadata"},
		"mask":               {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "v", Mask: map[string]any{"m": "{{ data }}" + bad}}, "mask.m"},
		"mask number":        {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "v", Mask: json.RawMessage(`[1e309]`)}, "mask[0]"},
	}
	for name, c := range creates {
		t.Run("create/"+name, func(t *testing.T) {
			_, err := v.CreateToken(ctx, c.req)
			e := requireKind(t, err, vault.KindInvalid)
			assert.Contains(t, e.Fields, c.path)
			assert.NotContains(t, err.Error(), "abc")
		})
	}

	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"s": "é 😀 \uFFFD"}})
	require.NoError(t, err, "valid UTF-8, U+FFFD included, is kept")
	assert.JSONEq(t, `{"s":"é 😀 \ufffd"}`, string(tok.Data))

	for name, c := range map[string]struct {
		req  vault.UpdateTokenRequest
		path string
	}{
		"data patch":     {vault.UpdateTokenRequest{Data: json.RawMessage("{\"s\":\"" + bad + "\"}")}, "data.s"},
		"metadata patch": {vault.UpdateTokenRequest{Metadata: json.RawMessage(`{"k":"\udfff"}`)}, "metadata.k"},
		"mask patch":     {vault.UpdateTokenRequest{Mask: json.RawMessage(`1e999`)}, "mask"},
	} {
		t.Run("update/"+name, func(t *testing.T) {
			_, err := v.UpdateToken(ctx, tok.ID, c.req)
			e := requireKind(t, err, vault.KindInvalid)
			assert.Contains(t, e.Fields, c.path)
		})
	}

	t.Run("tokenize", func(t *testing.T) {
		_, err := v.Tokenize(ctx, map[string]any{"card": map[string]any{"type": "token", "data": bad}})
		e := requireKind(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "card.data")
	})
	t.Run("detokenize", func(t *testing.T) {
		_, err := v.Detokenize(ctx, []any{"{{ " + tok.ID + " }}", json.RawMessage(`1e400`)})
		e := requireKind(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "[1]")
	})
	got, err := v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"s":"é 😀 \ufffd"}`, string(got.Data), "no refused update changed it")
}
