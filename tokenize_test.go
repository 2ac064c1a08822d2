package vault_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

func TestTokenizeNested(t *testing.T) {
	v := openTestVault(t)
	doc := json.RawMessage(`{
		"first_name": "John",
		"primary_card": {"type": "card", "data": {"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030, "cvc": "123"}},
		"sensitive_tags": ["preferred", {"type": "token", "data": "vip"}],
		"nothing": null
	}`)
	out, err := v.Tokenize(t.Context(), doc)
	require.NoError(t, err)
	m := out.(map[string]any)
	firstID, ok := m["first_name"].(string)
	require.True(t, ok)
	first, err := v.GetToken(t.Context(), firstID)
	require.NoError(t, err)
	assert.Equal(t, "John", dataOf(t, first.Data))
	assert.Equal(t, vault.TypeToken, first.Type)

	card, ok := m["primary_card"].(*vault.Token)
	require.True(t, ok, "a {type,data} object becomes the whole token")
	assert.Equal(t, vault.TypeCard, card.Type)
	tags := m["sensitive_tags"].([]any)
	assert.IsType(t, "", tags[0])
	assert.IsType(t, &vault.Token{}, tags[1])
	assert.Nil(t, m["nothing"])

	b, err := json.Marshal(out)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"primary_card":{"id":`)
}

func TestTokenizeTopLevelArrayAndLimit(t *testing.T) {
	v := openTestVault(t)
	out, err := v.Tokenize(t.Context(), []any{"John", "Doe"})
	require.NoError(t, err)
	assert.Len(t, out, 2)

	_, err = v.Tokenize(t.Context(), []any{"1", "2", "3", "4", "5", "6"})
	requireKind(t, err, vault.KindInvalid)
	setSettings(t, v, map[string]string{vault.SettingTokenizeLimit: "10"})
	_, err = v.Tokenize(t.Context(), []any{"1", "2", "3", "4", "5", "6"})
	require.NoError(t, err)
}

func TestTokenizeIsAtomic(t *testing.T) {
	v := openTestVault(t)
	_, err := v.Tokenize(t.Context(), map[string]any{
		"ok":  map[string]any{"type": "token", "data": "fine", "id": "fixed_id_1"},
		"bad": map[string]any{"type": "card_number", "data": "4242424242424241"},
	})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "bad.data")
	_, err = v.GetToken(t.Context(), "fixed_id_1")
	requireKind(t, err, vault.KindNotFound)

	_, err = v.CreateToken(t.Context(), vault.CreateTokenRequest{ID: "taken_id", Type: vault.TypeToken, Data: "x"})
	require.NoError(t, err)
	_, err = v.Tokenize(t.Context(), map[string]any{
		"a": map[string]any{"type": "token", "data": "one", "id": "fresh_id_2"},
		"b": map[string]any{"type": "token", "data": "two", "id": "taken_id"},
	})
	requireKind(t, err, vault.KindConflict)
	_, err = v.GetToken(t.Context(), "fresh_id_2")
	requireKind(t, err, vault.KindNotFound) // nothing of a failed tokenize is kept
}

func TestDetokenize(t *testing.T) {
	v := openTestVault(t)
	card, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	require.NoError(t, err)
	first, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "John"})
	require.NoError(t, err)
	last, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "Brown"})
	require.NoError(t, err)

	out, err := v.Detokenize(t.Context(), map[string]any{
		"number": "{{ " + card.ID + " | json: '$.number' }}",
		"month":  "{{ " + card.ID + " | json: '$.expiration_month' }}",
		"name":   "{{ " + first.ID + " }} {{ " + last.ID + " }}",
		"whole":  "{{ token: " + first.ID + " }}",
		"plain":  "no expressions here",
	})
	require.NoError(t, err)
	b, err := json.Marshal(out)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, "4242424242424242", got["number"])
	assert.Equal(t, float64(12), got["month"], "a whole-string expression keeps the JSON type")
	assert.Equal(t, "John Brown", got["name"])
	assert.Equal(t, "no expressions here", got["plain"])
	whole := got["whole"].(map[string]any)
	assert.Equal(t, first.ID, whole["id"])
	assert.Equal(t, "John", whole["data"])

	_, err = v.Detokenize(t.Context(), map[string]any{"x": "{{ 00000000-0000-0000-0000-000000000000 }}"})
	requireKind(t, err, vault.KindInvalid)

	six := map[string]any{}
	for i := range 6 {
		six[string(rune('a'+i))] = "{{ " + first.ID + " }}"
	}
	_, err = v.Detokenize(t.Context(), six)
	requireKind(t, err, vault.KindInvalid)
}
