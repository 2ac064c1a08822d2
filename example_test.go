package vault_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tokenvault/vault"
)

func exampleVault() *vault.Vault {
	v, err := vault.OpenMemory()
	if err != nil {
		panic(err)
	}
	return v
}

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "vault-example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "vault.db")

	v, err := vault.Open(path) // creates vault.db and vault.db.key (mode 0600)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	_, err = os.Stat(path + ".key")
	fmt.Println("key file created:", err == nil)
	// Output: key file created: true
}

func ExampleVault_CreateToken() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{
		Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Type, tok.Containers, tok.Card.Brand, tok.Card.Last4)
	fmt.Println(strings.Replace(fmt.Sprint(tok), tok.ID, "<id>", 1)) // printing a token never shows its data
	// Output:
	// card [/pci/high/] visa 4242
	// Token{ID:<id> Type:card Containers:[/pci/high/]}
}

func ExampleVault_GetToken() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tok, _ := v.CreateToken(ctx, vault.CreateTokenRequest{
		Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030},
	})
	got, err := v.GetToken(ctx, tok.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Data is the plaintext as JSON: decode it into a type of your own.
	var card struct {
		Number string `json:"number"`
		Month  int    `json:"expiration_month"`
	}
	if err := got.UnmarshalData(&card); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(card.Number, card.Month, string(got.Mask))
	// Output: 4242424242424242 12 {"expiration_month":"{{ data.expiration_month }}","expiration_year":"{{ data.expiration_year }}","number":"{{ data.number | reveal_last: 4 }}"}
}

func ExampleVault_CreateToken_validation() {
	v := exampleVault()
	defer v.Close()
	_, err := v.CreateToken(context.Background(), vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424241"})
	if e, ok := errorsAsVault(err); ok {
		fmt.Println(e.Kind, e.Status(), e.Fields["data"])
	}
	// Output: invalid 400 [must pass the Luhn check]
}

func ExampleVault_UpdateToken() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tok, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken,
		Data: map[string]any{"name": "Jane", "city": "Oslo"}, Metadata: map[string]string{"tier": "gold"}})
	updated, err := v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{
		Data:     json.RawMessage(`{"city": null, "country": "NO"}`), // RFC 7386 merge patch
		Metadata: json.RawMessage(`{"tier": "platinum"}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(updated.Data), updated.Metadata["tier"])
	// Output: {"country":"NO","name":"Jane"} platinum
}

func ExampleVault_DeleteToken() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tok, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "gone soon"})
	_ = v.DeleteToken(ctx, tok.ID)
	_, err := v.GetToken(ctx, tok.ID)
	fmt.Println(vault.KindOf(err))
	// Output: not_found
}

func ExampleVault_SearchTokens() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	for _, ssn := range []string{"123-45-6789", "987-65-4321"} {
		_, _ = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: ssn,
			Metadata: map[string]string{"customer": "c" + ssn[:3]}})
	}
	// The SSN type indexes the whole value, the value without dashes and
	// the last four digits, as keyed hashes.
	page, _ := v.SearchTokens(ctx, vault.SearchTokensRequest{Query: "data:6789"})
	fmt.Println(len(page.Data), page.Data[0].Metadata["customer"])
	page, _ = v.SearchTokens(ctx, vault.SearchTokensRequest{Query: `data:987654321 OR metadata.customer:c123`})
	fmt.Println(len(page.Data))
	// Output:
	// 1 c123
	// 2
}

func ExampleVault_ListTokens() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	for i := range 5 {
		_, _ = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: i, Containers: []string{"/general/batch/"}})
	}
	n := 0
	for _, err := range v.AllTokens(ctx, vault.ListTokensRequest{Container: "/general/", Size: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	fmt.Println(n, "tokens, read two per page")
	// Output: 5 tokens, read two per page
}

func ExampleVault_Tokenize() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	out, err := v.Tokenize(ctx, json.RawMessage(`{
		"name": "Jane Doe",
		"card": {"type": "card", "data": {"number": "4242424242424242", "expiration_month": 1, "expiration_year": 2031}},
		"tags": [null, true]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := out.(map[string]any)
	_, nameIsID := m["name"].(string)
	card := m["card"].(*vault.Token)
	fmt.Println(nameIsID, card.Type, m["tags"].([]any)[0])
	// Output: true card <nil>
}

func ExampleVault_Detokenize() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	card, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	out, err := v.Detokenize(ctx, map[string]any{
		"exp":   "{{ " + card.ID + " | card_exp: 'MM/YY' }}",
		"month": "{{ " + card.ID + " | json: '$.expiration_month' }}",
		"last4": "ends in {{ " + card.ID + " | json: '$.number' | last4 }}",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	// Output: {"exp":"12/30","last4":"ends in 4242","month":12}
}

func ExampleVault_Authenticate() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tok, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})

	// A backend that may read PCI tokens masked.
	app, _ := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "backend", Type: vault.AppPrivate,
		Rules: []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformMask, Permissions: []string{vault.PermTokenRead}}}})
	p, err := v.Authenticate(ctx, app.Key.Reveal()) // Key prints redacted; Reveal is the way out
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _ := v.GetToken(vault.WithPrincipal(ctx, p), tok.ID)
	fmt.Println(string(got.Data)) // Data is JSON: here the masked string
	// Output: "XXXXXXXXXXXX4242"
}

func ExampleSecret() {
	v := exampleVault()
	defer v.Close()
	app, _ := v.CreateApplication(context.Background(), vault.CreateApplicationRequest{Name: "backend", Type: vault.AppPrivate,
		Permissions: []string{vault.PermTokenRead}})
	// Keys print, encode and log redacted; Reveal is the one way out.
	b, _ := json.Marshal(app.Keys[0])
	fmt.Printf("%v %+v\n", app.Key, app.Keys[0].Key)
	fmt.Println(strings.Contains(string(b), `"key":"[REDACTED]"`), strings.HasPrefix(app.Key.Reveal(), "key_pvt_"))
	// Output:
	// [REDACTED] [REDACTED]
	// true true
}

func ExampleVault_CreateSession() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tok, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "one secret"})
	pub, _ := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "web", Type: vault.AppPublic, Permissions: []string{vault.PermTokenCreate}})
	pvt, _ := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "api", Type: vault.AppPrivate,
		Rules: []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenRead}}}})
	as := func(key vault.Secret) context.Context {
		p, _ := v.Authenticate(ctx, key.Reveal())
		return vault.WithPrincipal(ctx, p)
	}
	// The browser creates a session; the backend lets it read one token.
	s, _ := v.CreateSession(as(pub.Key))
	_ = v.AuthorizeSession(as(pvt.Key), vault.AuthorizeSessionRequest{Nonce: s.Nonce, Rules: []vault.AccessRule{{
		Priority: 1, Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenRead},
		Conditions: []vault.RuleCondition{{Attribute: "id", Operator: "equals", Value: tok.ID}},
	}}})
	got, err := v.GetToken(as(s.SessionKey), tok.ID)
	var secret string
	_ = got.UnmarshalData(&secret)
	fmt.Println(secret, err)
	// Output: one secret <nil>
}

func ExampleVault_BeginTransaction() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	txn, _ := v.BeginTransaction(ctx)
	in := vault.WithTransaction(ctx, txn.ID)
	tok, _ := v.CreateToken(in, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "staged"})

	_, err := v.GetToken(ctx, tok.ID)
	fmt.Println("before commit:", vault.KindOf(err))
	_ = v.CommitTransaction(ctx, txn.ID)
	got, _ := v.GetToken(ctx, tok.ID)
	fmt.Println("after commit:", string(got.Data))
	// Output:
	// before commit: not_found
	// after commit: "staged"
}

func ExampleVault_CreateTenant() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tenant, mgmt, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "acme", Settings: map[string]string{
		vault.SettingDeduplicateTokens: "true", vault.SettingFingerprintTokens: "true"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	acme := vault.AsHost(ctx, tenant.ID)
	a, _ := v.CreateToken(acme, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	b, _ := v.CreateToken(acme, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123456789"})
	fmt.Println(mgmt.Type, a.ID == b.ID, b.Extras.Deduplicated)
	// Output: management true true
}

func ExampleVault_RotateKeys() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	for i := range 3 {
		_, _ = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: i})
	}
	var done, total int
	err := v.RotateKeys(ctx, func(d, t int) { done, total = d, t })
	fmt.Println(err, done, total)
	// Output: <nil> 3 3
}

func ExampleVault_FlushEvents() {
	var mu sync.Mutex
	var seen []string
	v, err := vault.OpenMemory(vault.WithEventHandler(func(_ context.Context, e vault.Event) {
		// The dispatcher goroutine; at least once, so a real handler
		// de-duplicates by e.ID.
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, e.Type)
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	ctx := context.Background()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "secret"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := v.DeleteToken(ctx, tok.ID); err != nil {
		fmt.Println(err)
		return
	}
	if err := v.FlushEvents(ctx); err != nil { // delivery is asynchronous
		fmt.Println(err)
		return
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Println(seen)
	// Output: [token.created token.deleted]
}
