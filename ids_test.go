package vault_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage"
)

// oversizedIDs are ids no record can have: one over the store's key limit,
// and one that fits it but whose escaped key (keyenc doubles zero bytes)
// does not.
var oversizedIDs = map[string]string{
	"over the key limit":     strings.Repeat("a", storage.MaxKeyLen+1),
	"over it once escaped":   strings.Repeat("\x00", storage.MaxKeyLen/2+10),
	"just over maxIDBytes":   strings.Repeat("é", 801),
	"4 KiB of UUID-ish text": strings.Repeat("0123456789abcdef", 256),
}

// idCase calls one method with id in the place of one of its ids, and says
// which kind the answer must be and, for an id in a request body, at which
// field path.
type idCase struct {
	call func(ctx context.Context, id string) error
	kind vault.Kind
	path string
}

// TestOversizedIDs holds every method that takes an id to its answer for an
// id too long to be stored: not found (as for any unknown id) on reads,
// updates, deletes and invocations, a field error where the id is named in
// a request, never an internal error from the store's key limit.
func TestOversizedIDs(t *testing.T) {
	v, _ := openReactorVault(t, vault.WithReactorWorkers(0))
	ctx := t.Context()
	app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "app", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
	require.NoError(t, err)
	reactor := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "echo", Code: echoReactor})
	exchange := createExchange(t, v, vault.ExchangeTemplateCardNumber, nil)
	const code = "module.exports = async function (req) { return { raw: {} }; };"

	cases := map[string]idCase{
		"GetToken": {call: func(ctx context.Context, id string) error { _, err := v.GetToken(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateToken": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateToken(ctx, id, vault.UpdateTokenRequest{})
			return err
		}, kind: vault.KindNotFound},
		"DeleteToken": {call: func(ctx context.Context, id string) error { return v.DeleteToken(ctx, id) }, kind: vault.KindNotFound},
		"CreateToken": {call: func(ctx context.Context, id string) error {
			_, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: id, Type: vault.TypeToken, Data: "v"})
			return err
		}, kind: vault.KindInvalid, path: "id"},
		"Tokenize": {call: func(ctx context.Context, id string) error {
			_, err := v.Tokenize(ctx, map[string]any{"t": map[string]any{"id": id, "type": "token", "data": "v"}})
			return err
		}, kind: vault.KindInvalid, path: "t.id"},
		"Detokenize": {call: func(ctx context.Context, id string) error {
			_, err := v.Detokenize(ctx, map[string]any{"a": "{{ " + id + " }}"})
			return err
		}, kind: vault.KindInvalid},
		"SearchTokens": {call: func(ctx context.Context, id string) error {
			page, err := v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "id:" + id})
			if e, ok := errorsAsVault(err); ok && e.Kind == vault.KindInvalid && e.Fields["query"] != nil {
				return nil // a query over its length limit
			}
			if err == nil && len(page.Data) != 0 {
				t.Error("SearchTokens found an oversized id")
			}
			return err
		}},
		"ListAuditLog": {call: func(ctx context.Context, id string) error {
			for _, q := range []vault.AuditQuery{{EntityType: vault.TypeToken, EntityID: id}, {EntityType: id}, {EntityType: id, EntityID: id}} {
				page, err := v.ListAuditLog(ctx, q)
				if err != nil {
					return err
				}
				if len(page.Data) != 0 {
					t.Error("ListAuditLog found an entry of an oversized id")
				}
			}
			return nil
		}},
		"token transaction (BT-TRANSACTION-ID)": {call: func(ctx context.Context, id string) error {
			_, err := v.GetToken(vault.WithTransaction(ctx, id), "some-token")
			return err
		}, kind: vault.KindNotFound},
		"CommitTransaction":   {call: func(ctx context.Context, id string) error { return v.CommitTransaction(ctx, id) }, kind: vault.KindNotFound},
		"RollbackTransaction": {call: func(ctx context.Context, id string) error { return v.RollbackTransaction(ctx, id) }, kind: vault.KindNotFound},
		"GetApplication":      {call: func(ctx context.Context, id string) error { _, err := v.GetApplication(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateApplication": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateApplication(ctx, id, vault.UpdateApplicationRequest{Name: "n"})
			return err
		}, kind: vault.KindNotFound},
		"DeleteApplication":    {call: func(ctx context.Context, id string) error { return v.DeleteApplication(ctx, id) }, kind: vault.KindNotFound},
		"CreateApplicationKey": {call: func(ctx context.Context, id string) error { _, err := v.CreateApplicationKey(ctx, id); return err }, kind: vault.KindNotFound},
		"ListApplicationKeys":  {call: func(ctx context.Context, id string) error { _, err := v.ListApplicationKeys(ctx, id); return err }, kind: vault.KindNotFound},
		"GetApplicationKey (application)": {call: func(ctx context.Context, id string) error {
			_, err := v.GetApplicationKey(ctx, id, "k")
			return err
		}, kind: vault.KindNotFound},
		"GetApplicationKey (key)": {call: func(ctx context.Context, id string) error {
			_, err := v.GetApplicationKey(ctx, app.ID, id)
			return err
		}, kind: vault.KindNotFound},
		"DeleteApplicationKey (application)": {call: func(ctx context.Context, id string) error {
			return v.DeleteApplicationKey(ctx, id, app.Keys[0].ID)
		}, kind: vault.KindNotFound},
		"DeleteApplicationKey (key)": {call: func(ctx context.Context, id string) error {
			return v.DeleteApplicationKey(ctx, app.ID, id)
		}, kind: vault.KindNotFound},
		"ListApplications": {call: func(ctx context.Context, id string) error {
			page, err := v.ListApplications(ctx, vault.ListApplicationsRequest{IDs: []string{id}})
			if err == nil && len(page.Data) != 0 {
				t.Error("ListApplications found an oversized id")
			}
			return err
		}},
		"GetReactor": {call: func(ctx context.Context, id string) error { _, err := v.GetReactor(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateReactor": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateReactor(ctx, id, vault.UpdateReactorRequest{Name: "n", Code: code})
			return err
		}, kind: vault.KindNotFound},
		"PatchReactor": {call: func(ctx context.Context, id string) error {
			_, err := v.PatchReactor(ctx, id, json.RawMessage(`{"name":"n"}`))
			return err
		}, kind: vault.KindNotFound},
		"DeleteReactor": {call: func(ctx context.Context, id string) error { return v.DeleteReactor(ctx, id) }, kind: vault.KindNotFound},
		"GetProxy":      {call: func(ctx context.Context, id string) error { _, err := v.GetProxy(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateProxy": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateProxy(ctx, id, vault.UpdateProxyRequest{Name: "n", DestinationURL: "https://example.com"})
			return err
		}, kind: vault.KindNotFound},
		"PatchProxy": {call: func(ctx context.Context, id string) error {
			_, err := v.PatchProxy(ctx, id, json.RawMessage(`{"name":"n"}`))
			return err
		}, kind: vault.KindNotFound},
		"DeleteProxy": {call: func(ctx context.Context, id string) error { return v.DeleteProxy(ctx, id) }, kind: vault.KindNotFound},
		"React": {call: func(ctx context.Context, id string) error {
			_, err := v.React(ctx, id, vault.ReactRequest{})
			return err
		}, kind: vault.KindNotFound},
		"ReactAsync": {call: func(ctx context.Context, id string) error {
			_, err := v.ReactAsync(ctx, id, vault.ReactRequest{})
			return err
		}, kind: vault.KindNotFound},
		"ReactAsyncWithCallback": {call: func(ctx context.Context, id string) error {
			_, err := v.ReactAsyncWithCallback(ctx, id, vault.ReactRequest{})
			return err
		}, kind: vault.KindNotFound},
		"GetReactResult (reactor)": {call: func(ctx context.Context, id string) error {
			_, err := v.GetReactResult(ctx, id, "r")
			return err
		}, kind: vault.KindNotFound},
		"GetReactResult (request)": {call: func(ctx context.Context, id string) error {
			_, err := v.GetReactResult(ctx, reactor.ID, id)
			return err
		}, kind: vault.KindNotFound},
		"React args": {call: func(ctx context.Context, id string) error {
			_, err := v.React(ctx, reactor.ID, vault.ReactRequest{Args: map[string]any{"a": "{{ " + id + " }}"}})
			return err
		}, kind: vault.KindInvalid},
		"ListReactors": {call: func(ctx context.Context, id string) error {
			page, err := v.ListReactors(ctx, vault.ListReactorsRequest{IDs: []string{id}})
			if err == nil && len(page.Data) != 0 {
				t.Error("ListReactors found an oversized id")
			}
			return err
		}},
		"CreateReactor (application)": {call: func(ctx context.Context, id string) error {
			_, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r", Code: code, Application: &vault.ReactorApplication{ID: id}})
			return err
		}, kind: vault.KindInvalid, path: "application.id"},
		"CreateReactor (formula)": {call: func(ctx context.Context, id string) error {
			_, err := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "r", Formula: &vault.ReactorFormulaRef{ID: id}})
			return err
		}, kind: vault.KindInvalid, path: "formula.id"},
		"UpdateReactor (application)": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateReactor(ctx, reactor.ID, vault.UpdateReactorRequest{Name: "r", Code: code, Application: &vault.ReactorApplication{ID: id}})
			return err
		}, kind: vault.KindInvalid, path: "application.id"},
		"GetReactorFormula": {call: func(ctx context.Context, id string) error { _, err := v.GetReactorFormula(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateReactorFormula": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateReactorFormula(ctx, id, vault.UpdateReactorFormulaRequest{Name: "n", Code: code})
			return err
		}, kind: vault.KindNotFound},
		"DeleteReactorFormula": {call: func(ctx context.Context, id string) error { return v.DeleteReactorFormula(ctx, id) }, kind: vault.KindNotFound},
		"GetExchangeTemplate":  {call: func(ctx context.Context, id string) error { _, err := v.GetExchangeTemplate(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateExchangeTemplate": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateExchangeTemplate(ctx, id, vault.UpdateExchangeTemplateRequest{Name: "n", SourceTokenType: vault.TypeCard, Code: code})
			return err
		}, kind: vault.KindNotFound},
		"DeleteExchangeTemplate": {call: func(ctx context.Context, id string) error { return v.DeleteExchangeTemplate(ctx, id) }, kind: vault.KindNotFound},
		"CreateExchange (template)": {call: func(ctx context.Context, id string) error {
			_, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "n", Template: &vault.ExchangeTemplateRef{ID: id}})
			return err
		}, kind: vault.KindInvalid, path: "template.id"},
		"GetExchange": {call: func(ctx context.Context, id string) error { _, err := v.GetExchange(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateExchange": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateExchange(ctx, id, vault.UpdateExchangeRequest{Name: "n"})
			return err
		}, kind: vault.KindNotFound},
		"DeleteExchange": {call: func(ctx context.Context, id string) error { return v.DeleteExchange(ctx, id) }, kind: vault.KindNotFound},
		"ListExchanges": {call: func(ctx context.Context, id string) error {
			page, err := v.ListExchanges(ctx, vault.ListExchangesRequest{IDs: []string{id}})
			if err == nil && len(page.Data) != 0 {
				t.Error("ListExchanges found an oversized id")
			}
			return err
		}},
		"Exchange (exchange)": {call: func(ctx context.Context, id string) error { _, err := v.Exchange(ctx, id, "t"); return err }, kind: vault.KindNotFound},
		"Exchange (token)": {call: func(ctx context.Context, id string) error {
			_, err := v.Exchange(ctx, exchange.ID, id)
			return err
		}, kind: vault.KindInvalid, path: "token_id"},
		"GetConnection": {call: func(ctx context.Context, id string) error { _, err := v.GetConnection(ctx, id); return err }, kind: vault.KindNotFound},
		"GetWebhook":    {call: func(ctx context.Context, id string) error { _, err := v.GetWebhook(ctx, id); return err }, kind: vault.KindNotFound},
		"UpdateWebhook": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateWebhook(ctx, id, vault.UpdateWebhookRequest{Name: "n", URL: "https://hooks.invalid/x", Events: []string{"*"}})
			return err
		}, kind: vault.KindNotFound},
		"DeleteWebhook": {call: func(ctx context.Context, id string) error { return v.DeleteWebhook(ctx, id) }, kind: vault.KindNotFound},
		"ListWebhooks (start)": {call: func(ctx context.Context, id string) error {
			_, err := v.ListWebhooks(ctx, vault.ListWebhooksRequest{Start: id})
			return err
		}, kind: vault.KindInvalid, path: "start"},
		"DeleteConnection": {call: func(ctx context.Context, id string) error { return v.DeleteConnection(ctx, id) }, kind: vault.KindNotFound},
		"UpdateConnection": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateConnection(ctx, id, vault.UpdateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "n",
				Fields: []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret("sim_0123456789")}}, AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}})
			return err
		}, kind: vault.KindNotFound},
		"GetMerchant":     {call: func(ctx context.Context, id string) error { _, err := v.GetMerchant(ctx, id); return err }, kind: vault.KindNotFound},
		"ArchiveMerchant": {call: func(ctx context.Context, id string) error { _, err := v.ArchiveMerchant(ctx, id); return err }, kind: vault.KindNotFound},
		"CreateConnector": {call: func(ctx context.Context, id string) error {
			_, err := v.CreateConnector(ctx, id, vault.ConnectorRequest{})
			return err
		}, kind: vault.KindNotFound},
		"UpdateConnector": {call: func(ctx context.Context, id string) error {
			_, err := v.UpdateConnector(ctx, id, vault.ConnectorRequest{})
			return err
		}, kind: vault.KindNotFound},
		"GetConnector":     {call: func(ctx context.Context, id string) error { _, err := v.GetConnector(ctx, id); return err }, kind: vault.KindNotFound},
		"ArchiveConnector": {call: func(ctx context.Context, id string) error { _, err := v.ArchiveConnector(ctx, id); return err }, kind: vault.KindNotFound},
		"ListConnectors":   {call: func(ctx context.Context, id string) error { _, err := v.ListConnectors(ctx, id); return err }, kind: vault.KindNotFound},
		"GetConnectorSettings": {call: func(ctx context.Context, id string) error {
			_, err := v.GetConnectorSettings(ctx, id)
			return err
		}, kind: vault.KindNotFound},
		"GetPayment":     {call: func(ctx context.Context, id string) error { _, err := v.GetPayment(ctx, id); return err }, kind: vault.KindNotFound},
		"CapturePayment": {call: func(ctx context.Context, id string) error { _, err := v.CapturePayment(ctx, id, 0); return err }, kind: vault.KindNotFound},
		"VoidPayment":    {call: func(ctx context.Context, id string) error { _, err := v.VoidPayment(ctx, id); return err }, kind: vault.KindNotFound},
		"RefundPayment": {call: func(ctx context.Context, id string) error {
			_, err := v.RefundPayment(ctx, id, vault.RefundPaymentRequest{})
			return err
		}, kind: vault.KindNotFound},
		"GetRefund":    {call: func(ctx context.Context, id string) error { _, err := v.GetRefund(ctx, id); return err }, kind: vault.KindNotFound},
		"DeleteTenant": {call: func(ctx context.Context, id string) error { return v.DeleteTenant(ctx, id) }, kind: vault.KindNotFound},
	}
	for idName, id := range oversizedIDs {
		for name, c := range cases {
			t.Run(idName+"/"+name, func(t *testing.T) {
				err := c.call(ctx, id)
				if c.kind == vault.KindInternal { // the zero kind: a list, which finds nothing
					require.NoError(t, err)
					return
				}
				e := requireKind(t, err, c.kind)
				if c.path != "" {
					assert.Contains(t, e.Fields, c.path)
				}
			})
		}
	}

	// Every exported method that takes a string after its context takes an
	// id, a key or a name: each is in the table above or named here, so
	// that a new method taking an id cannot miss the table.
	notIDs := []string{
		"Authenticate",       // an API key: hashed, never a storage key
		"BeginIdempotent",    // idempotency keys are hashed and length-checked
		"CompleteIdempotent", // (BT-IDEMPOTENCY-KEY, 1 to 255 characters)
		"AbortIdempotent",
	}
	covered := map[string]bool{}
	for name := range cases {
		covered[strings.Fields(name)[0]] = true
	}
	vt := reflect.TypeFor[*vault.Vault]()
	ctxType := reflect.TypeFor[context.Context]()
	for m := range vt.Methods() {
		ft := m.Type
		if ft.NumIn() < 3 || ft.In(1) != ctxType {
			continue
		}
		takesString := false
		for i := 2; i < ft.NumIn(); i++ {
			takesString = takesString || ft.In(i).Kind() == reflect.String
		}
		if takesString && !covered[m.Name] && !slices.Contains(notIDs, m.Name) {
			t.Errorf("%s takes a string: add it to the oversized id cases, or to notIDs if it is not an id", m.Name)
		}
	}
}
