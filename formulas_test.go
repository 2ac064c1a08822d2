package vault_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

func TestReactorFormulas(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	req := vault.CreateReactorFormulaRequest{
		Name: "Stripe Charge", Description: "charges a card", Type: vault.FormulaPrivate, Status: vault.FormulaVerified,
		Icon: "data:image/png;base64,iVBORw0KGgo=",
		Code: `module.exports = async (req) => ({ raw: { args: req.args, live: req.configuration.LIVE } })`,
		Configuration: []vault.ReactorFormulaConfig{
			{Name: "API_KEY", Type: vault.FieldTypeString}, {Name: "LIVE", Type: vault.FieldTypeBoolean}, {Name: "RETRIES", Type: vault.FieldTypeNumber}},
		RequestParameters: []vault.ReactorFormulaParameter{
			{Name: "card.number", Type: vault.FieldTypeString}, {Name: "card.expiration_month", Type: vault.FieldTypeNumber},
			{Name: "capture", Type: vault.FieldTypeBoolean, Optional: true}},
	}
	f, err := v.CreateReactorFormula(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "Stripe Charge", f.Name)
	got, err := v.GetReactorFormula(ctx, f.ID)
	require.NoError(t, err)
	assert.Equal(t, f, got)
	page, err := v.ListReactorFormulas(ctx, vault.ListReactorFormulasRequest{Name: "stripe*"})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	page, err = v.ListReactorFormulas(ctx, vault.ListReactorFormulasRequest{Name: "adyen"})
	require.NoError(t, err)
	assert.Empty(t, page.Data)

	for name, tc := range map[string]struct {
		mutate func(r *vault.CreateReactorFormulaRequest)
		kind   vault.Kind
		path   string
	}{
		"no name":             {func(r *vault.CreateReactorFormulaRequest) { r.Name = "" }, vault.KindInvalid, "name"},
		"bad type":            {func(r *vault.CreateReactorFormulaRequest) { r.Type = "public" }, vault.KindInvalid, "type"},
		"bad status":          {func(r *vault.CreateReactorFormulaRequest) { r.Status = "done" }, vault.KindInvalid, "status"},
		"bad icon":            {func(r *vault.CreateReactorFormulaRequest) { r.Icon = "data:image/gif;base64,R0lG" }, vault.KindInvalid, "icon"},
		"dotted config":       {func(r *vault.CreateReactorFormulaRequest) { r.Configuration[0].Name = "a.b" }, vault.KindInvalid, "configuration[0].name"},
		"config type":         {func(r *vault.CreateReactorFormulaRequest) { r.Configuration[1].Type = "date" }, vault.KindInvalid, "configuration[1].type"},
		"empty param segment": {func(r *vault.CreateReactorFormulaRequest) { r.RequestParameters[0].Name = "card..number" }, vault.KindInvalid, "request_parameters[0].name"},
		"duplicate param":     {func(r *vault.CreateReactorFormulaRequest) { r.RequestParameters[1].Name = "card.number" }, vault.KindInvalid, "request_parameters[1].name"},
		"no code":             {func(r *vault.CreateReactorFormulaRequest) { r.Code = "" }, vault.KindInvalid, "code"},
		"bad code":            {func(r *vault.CreateReactorFormulaRequest) { r.Code = "module.exports = {" }, vault.KindUnprocessable, "code"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := req
			bad.Configuration = append([]vault.ReactorFormulaConfig{}, req.Configuration...)
			bad.RequestParameters = append([]vault.ReactorFormulaParameter{}, req.RequestParameters...)
			tc.mutate(&bad)
			_, err := v.CreateReactorFormula(ctx, bad)
			assert.Contains(t, requireKind(t, err, tc.kind).Fields, tc.path)
		})
	}

	// The configuration contract.
	formula := &vault.ReactorFormulaRef{ID: f.ID}
	_, err = v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r", Formula: formula, Configuration: map[string]string{"API_KEY": "k", "LIVE": "maybe", "RETRIES": "many"}})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, []string{"must be a boolean"}, e.Fields["configuration.LIVE"])
	assert.Equal(t, []string{"must be a number"}, e.Fields["configuration.RETRIES"])
	_, err = v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r", Formula: formula, Configuration: map[string]string{"LIVE": "true", "RETRIES": "3"}})
	assert.Contains(t, requireKind(t, err, vault.KindInvalid).Fields, "configuration.API_KEY")
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "r", Formula: formula, Configuration: map[string]string{"API_KEY": "k", "LIVE": "true", "RETRIES": "3", "EXTRA": "x"}})
	assert.Equal(t, req.Code, r.Code, "a formula reactor runs its formula's code")
	assert.Equal(t, f.ID, r.Formula.ID)

	// The request parameters, checked after detokenization: one card token
	// supplies card.number and card.expiration_month.
	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard, Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	require.NoError(t, err)
	resp, err := v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"card": "{{ " + card.ID + " }}", "undeclared": 1}})
	require.NoError(t, err)
	assert.Equal(t, "true", rawOf(t, resp).(map[string]any)["live"])
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"card": map[string]any{"number": 4242, "expiration_month": "12"}, "capture": "yes"}})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Equal(t, map[string][]string{"args.card.number": {"must be a string"}, "args.card.expiration_month": {"must be a number"},
		"args.capture": {"must be a boolean"}}, e.Fields)
	_, err = v.React(ctx, r.ID, vault.ReactRequest{})
	e = requireKind(t, err, vault.KindInvalid)
	assert.ElementsMatch(t, []string{"args.card.number", "args.card.expiration_month"}, keysOfFields(e.Fields))
	_, err = v.ReactAsync(ctx, r.ID, vault.ReactRequest{})
	requireKind(t, err, vault.KindInvalid)

	// The formula's code changes what its reactors run; it cannot go while used.
	req.Code = `module.exports = async () => ({ raw: 'v2' })`
	_, err = v.UpdateReactorFormula(ctx, f.ID, vault.UpdateReactorFormulaRequest(req))
	require.NoError(t, err)
	resp, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"card": "{{ " + card.ID + " }}"}})
	require.NoError(t, err)
	assert.Equal(t, "v2", rawOf(t, resp))
	requireKind(t, v.DeleteReactorFormula(ctx, f.ID), vault.KindConflict)
	_, err = v.PatchReactor(ctx, r.ID, json.RawMessage(`{"code":"module.exports = () => 1"}`))
	assert.Contains(t, requireKind(t, err, vault.KindInvalid).Fields, "code")
	patched, err := v.PatchReactor(ctx, r.ID, json.RawMessage(`{"name":"renamed"}`))
	require.NoError(t, err)
	assert.Equal(t, f.ID, patched.Formula.ID)
	require.NoError(t, v.DeleteReactor(ctx, r.ID))
	require.NoError(t, v.DeleteReactorFormula(ctx, f.ID))
	_, err = v.GetReactorFormula(ctx, f.ID)
	requireKind(t, err, vault.KindNotFound)
	require.NoError(t, v.Check(ctx))
}

func keysOfFields(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
