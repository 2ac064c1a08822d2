package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/internal/jsonv"
)

func TestTokenTypeValidation(t *testing.T) {
	v := openTestVault(t)
	type tc struct {
		typ   string
		data  any
		field string // "" means the data is valid
	}
	card := func(m map[string]any) map[string]any { return m }
	cases := map[string]tc{
		"token string":                   {vault.TypeToken, "anything", ""},
		"token object":                   {vault.TypeToken, map[string]any{"a": []any{1, 2}}, ""},
		"token number":                   {vault.TypeToken, 42, ""},
		"token null":                     {vault.TypeToken, nil, "data"},
		"card ok":                        {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030, "cvc": "123"}), ""},
		"card number only":               {vault.TypeCard, card(map[string]any{"number": "4242424242424242"}), ""},
		"card 13 digits":                 {vault.TypeCard, card(map[string]any{"number": "4222222222222"}), ""},
		"card 19 digits luhn":            {vault.TypeCard, card(map[string]any{"number": "6011000990139424"}), ""},
		"card luhn fails":                {vault.TypeCard, card(map[string]any{"number": "4242424242424241"}), "data.number"},
		"card letters":                   {vault.TypeCard, card(map[string]any{"number": "4242abcd42424242"}), "data.number"},
		"card separators":                {vault.TypeCard, card(map[string]any{"number": "4242 4242 4242 4242"}), "data.number"},
		"card too short":                 {vault.TypeCard, card(map[string]any{"number": "424242424242"}), "data.number"},
		"card number missing":            {vault.TypeCard, card(map[string]any{"expiration_month": 1}), "data.number"},
		"card number as number":          {vault.TypeCard, card(map[string]any{"number": 4242424242424242}), "data.number"},
		"card month 13":                  {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "expiration_month": 13}), "data.expiration_month"},
		"card month string":              {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "expiration_month": "12"}), "data.expiration_month"},
		"card month fraction":            {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "expiration_month": 1.5}), "data.expiration_month"},
		"card year two digits":           {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "expiration_year": 30}), "data.expiration_year"},
		"card cvc letters":               {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "cvc": "12a"}), "data.cvc"},
		"card cvc five":                  {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "cvc": "12345"}), "data.cvc"},
		"card unknown property":          {vault.TypeCard, card(map[string]any{"number": "4242424242424242", "name": "x"}), "data.name"},
		"card not object":                {vault.TypeCard, "4242424242424242", "data"},
		"network token no cvc":           {vault.TypeNetworkToken, card(map[string]any{"number": "4242424242424242", "cvc": "123"}), "data.cvc"},
		"network token ok":               {vault.TypeNetworkToken, card(map[string]any{"number": "4242424242424242", "expiration_month": 1, "expiration_year": 2031}), ""},
		"bank ok":                        {vault.TypeBank, map[string]any{"routing_number": "021000021", "account_number": "1234567890"}, ""},
		"bank routing checksum":          {vault.TypeBank, map[string]any{"routing_number": "021000022", "account_number": "1234567890"}, "data.routing_number"},
		"bank account too long":          {vault.TypeBank, map[string]any{"routing_number": "021000021", "account_number": "123456789012345678"}, "data.account_number"},
		"bank account missing":           {vault.TypeBank, map[string]any{"routing_number": "021000021"}, "data.account_number"},
		"bank unknown property":          {vault.TypeBank, map[string]any{"routing_number": "021000021", "account_number": "123", "x": "y"}, "data.x"},
		"card_number ok":                 {vault.TypeCardNumber, "4242424242424242", ""},
		"card_number luhn":               {vault.TypeCardNumber, "4242424242424243", "data"},
		"card_number 20 digits":          {vault.TypeCardNumber, "42424242424242424242", "data"},
		"card_number as number":          {vault.TypeCardNumber, 4242424242424242, "data"},
		"account number ok":              {vault.TypeUSBankAccountNumber, "123", ""},
		"account number 2 digits":        {vault.TypeUSBankAccountNumber, "12", "data"},
		"account number 17 digits":       {vault.TypeUSBankAccountNumber, "12345678901234567", ""},
		"account number dash":            {vault.TypeUSBankAccountNumber, "123-456", "data"},
		"routing number ok":              {vault.TypeUSBankRoutingNumber, "011000015", ""},
		"routing number checksum":        {vault.TypeUSBankRoutingNumber, "011000016", "data"},
		"routing number 8 digits":        {vault.TypeUSBankRoutingNumber, "01100001", "data"},
		"ssn plain":                      {vault.TypeSocialSecurityNumber, "123456789", ""},
		"ssn dashed":                     {vault.TypeSocialSecurityNumber, "123-45-6789", ""},
		"ssn wrong dashes":               {vault.TypeSocialSecurityNumber, "12-345-6789", "data"},
		"ssn short":                      {vault.TypeSocialSecurityNumber, "12345678", "data"},
		"ssn letters":                    {vault.TypeSocialSecurityNumber, "12345678a", "data"},
		"ein plain":                      {vault.TypeEmployerIDNumber, "123456789", ""},
		"ein dashed":                     {vault.TypeEmployerIDNumber, "12-3456789", ""},
		"ein ssn dashes":                 {vault.TypeEmployerIDNumber, "123-45-6789", "data"},
		"ein trailing dash":              {vault.TypeEmployerIDNumber, "123456789-", "data"},
		"unknown type":                   {"passport", "x", "type"},
		"card 16 digit mastercard 2-ser": {vault.TypeCardNumber, "2223003122003222", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: c.typ, Data: c.data})
			if c.field == "" {
				require.NoError(t, err)
				assert.Equal(t, c.typ, tok.Type)
				return
			}
			e, ok := errorsAsVault(err)
			require.True(t, ok, "want *vault.Error, got %v", err)
			assert.Equal(t, vault.KindInvalid, e.Kind)
			assert.Contains(t, e.Fields, c.field, "fields: %v", e.Fields)
			for path := range e.Fields {
				for _, msg := range e.Fields[path] {
					if s, isString := c.data.(string); isString && len(s) > 4 {
						assert.NotContains(t, msg, s, "messages never echo data")
					}
				}
			}
		})
	}
}

func TestTokenTypeDefaults(t *testing.T) {
	v := openTestVault(t)
	for _, tt := range vault.TokenTypes() {
		t.Run(tt.Name, func(t *testing.T) {
			assert.NotEmpty(t, tt.DefaultContainer)
			assert.NotEmpty(t, tt.FingerprintExpression)
		})
	}
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	require.NoError(t, err)
	assert.Equal(t, []string{"/pii/high/"}, tok.Containers)
	assert.Equal(t, []string{"{{ data }}", "{{ data | replace: '-' }}", "{{ data | last4 }}"}, tok.SearchIndexes)
	assert.Equal(t, "{{ data | reveal_last: 4 }}", dataOf(t, tok.Mask))

	tok, err = v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	require.NoError(t, err)
	assert.Equal(t, []string{"/pci/high/"}, tok.Containers)
	require.NotNil(t, tok.Card)
	assert.Equal(t, "42424242", tok.Card.BIN)
	assert.Equal(t, "4242", tok.Card.Last4)
	assert.Equal(t, "visa", tok.Card.Brand)
	b, err := json.Marshal(tok.Data)
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"4242424242424242","expiration_month":12,"expiration_year":2030}`, string(b))
}

// FuzzTokenData creates tokens of every type from arbitrary JSON data: never
// a panic, and a failure is always a validation error (KindInvalid) with
// field paths, never an internal error. A token that is created is read
// back masked: the type's own mask, which is not evaluated at write,
// evaluates on every data the type accepts.
func FuzzTokenData(f *testing.F) {
	seeds := []string{
		`"4242424242424242"`, `{"number":"4242424242424242","expiration_month":12,"expiration_year":2030,"cvc":"123"}`,
		`{"routing_number":"021000021","account_number":"1234567890"}`, `"123-45-6789"`, `"12-3456789"`, `null`,
		`[1,2,{"a":"b"}]`, `{"number":12}`, `{"expiration_month":1e400}`, `"\u0000"`, `99999999999999999999999`,
		"\"abc\xff\xfe\"", `"\ud800"`, `{"a":["ok","\udc00"]}`, "{\"k\xff\":1}", `1e999999`, `[-1e400]`,
		"{\"number\":\"4242424242424242\xc3\",\"expiration_month\":12,\"expiration_year\":2030}", `{"n":{"m":1.8e308}}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	types := vault.TokenTypes()
	v, err := vault.OpenMemory(vault.WithSweepInterval(0))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = v.Close() })
	app, err := v.CreateApplication(context.Background(), vault.CreateApplicationRequest{Name: "masked", Type: vault.AppPrivate,
		Permissions: []string{vault.PermTokenRead}})
	if err != nil {
		f.Fatal(err)
	}
	reader, err := v.Authenticate(context.Background(), app.Key.Reveal())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ uint8, data []byte) {
		if !json.Valid(data) {
			return // the HTTP layer rejects non-JSON before the vault sees it
		}
		tt := types[int(typ)%len(types)]
		tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: tt.Name, Data: json.RawMessage(data)})
		ve, refused := errors.AsType[*jsonv.ValueError](jsonv.Check(data))
		if err == nil {
			if refused {
				t.Fatalf("type %s: data with %v was stored", tt.Name, ve)
			}
			got, err := v.GetToken(vault.WithPrincipal(t.Context(), reader), tok.ID)
			if err != nil || tt.Mask != nil && got.Data == nil {
				t.Fatalf("type %s: the default mask does not evaluate: %v", tt.Name, err)
			}
			return
		}
		e, ok := errorsAsVault(err)
		if !ok || e.Kind != vault.KindInvalid || len(e.Fields) == 0 {
			t.Fatalf("type %s: want a validation error with fields, got %v", tt.Name, err)
		}
		if refused {
			path := "data"
			if ve.Path != "" && ve.Path[0] == '[' {
				path += ve.Path
			} else if ve.Path != "" {
				path += "." + ve.Path
			}
			if e.Fields[path] == nil {
				t.Fatalf("type %s: data with %v at %q refused without that path: %v", tt.Name, ve, path, err)
			}
		}
	})
}
