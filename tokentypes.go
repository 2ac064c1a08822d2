package vault

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenvault/vault/internal/jsonv"
)

// Token types. Each has its validation, default container, mask,
// fingerprint expression and search indexes; see [TokenTypes].
const (
	TypeToken                 = "token"
	TypeCard                  = "card"
	TypeBank                  = "bank"
	TypeCardNumber            = "card_number"
	TypeUSBankAccountNumber   = "us_bank_account_number"
	TypeUSBankRoutingNumber   = "us_bank_routing_number"
	TypeSocialSecurityNumber  = "social_security_number"
	TypeEmployerIDNumber      = "employer_id_number"
	TypeNetworkToken          = "network_token"
	cardMaskNumberExpression  = "{{ data.number | reveal_last: 4 }}"
	revealLast4Expression     = "{{ data | reveal_last: 4 }}"
	removeDashesExpression    = "{{ data | remove: '-' }}"
	cardFingerprintExpression = "{{ data.number }}"
)

// TokenType describes a built-in token type: what data it accepts and the
// defaults a token of the type gets.
type TokenType struct {
	Name                  string   `json:"name"`
	DefaultContainer      string   `json:"default_container"`
	FingerprintExpression string   `json:"fingerprint_expression"`
	Mask                  any      `json:"mask"`
	SearchIndexes         []string `json:"search_indexes,omitempty"`

	// validate checks data (decoded with json.Number) and returns it
	// normalised, or field errors relative to "data".
	validate func(data any) (any, fieldErrors)
	// maskJSON is Mask as a token stores it.
	maskJSON []byte
}

func init() {
	for _, tt := range tokenTypes {
		if tt.Mask != nil {
			tt.maskJSON, _ = json.Marshal(tt.Mask) // strings and maps of strings
		}
	}
}

// isDefaultMask reports whether mask (JSON) is the type's own mask. The
// built-in masks read only what the type's validation lets through
// (digits, month and year), so on data that passed it they always evaluate,
// in a few steps: they are not evaluated again at write. FuzzTokenData
// holds this.
func (tt *TokenType) isDefaultMask(mask []byte) bool {
	return tt.maskJSON != nil && bytes.Equal(mask, tt.maskJSON)
}

var cardMask = map[string]any{
	"number":           cardMaskNumberExpression,
	"expiration_month": "{{ data.expiration_month }}",
	"expiration_year":  "{{ data.expiration_year }}",
}

var tokenTypes = map[string]*TokenType{
	TypeToken: {
		Name: TypeToken, DefaultContainer: "/general/high/",
		FingerprintExpression: "{{ data | stringify }}",
		validate:              validateAny,
	},
	TypeCard: {
		Name: TypeCard, DefaultContainer: "/pci/high/",
		FingerprintExpression: cardFingerprintExpression,
		Mask:                  cardMask,
		validate:              func(d any) (any, fieldErrors) { return validateCardObject(d, true) },
	},
	TypeNetworkToken: {
		Name: TypeNetworkToken, DefaultContainer: "/pci/high/",
		FingerprintExpression: cardFingerprintExpression,
		Mask:                  cardMask,
		validate:              func(d any) (any, fieldErrors) { return validateCardObject(d, false) },
	},
	TypeBank: {
		Name: TypeBank, DefaultContainer: "/bank/high/",
		FingerprintExpression: "{{ data.account_number }}|{{ data.routing_number }}",
		Mask: map[string]any{
			"routing_number": "{{ data.routing_number }}",
			"account_number": "{{ data.account_number | reveal_last: 4 }}",
		},
		validate: validateBank,
	},
	TypeCardNumber: {
		Name: TypeCardNumber, DefaultContainer: "/pci/high/",
		FingerprintExpression: "{{ data }}", Mask: revealLast4Expression,
		validate: func(d any) (any, fieldErrors) { return validateString(d, checkCardNumber) },
	},
	TypeUSBankAccountNumber: {
		Name: TypeUSBankAccountNumber, DefaultContainer: "/bank/high/",
		FingerprintExpression: "{{ data }}", Mask: revealLast4Expression,
		validate: func(d any) (any, fieldErrors) { return validateString(d, checkAccountNumber) },
	},
	TypeUSBankRoutingNumber: {
		Name: TypeUSBankRoutingNumber, DefaultContainer: "/bank/low/",
		FingerprintExpression: "{{ data }}", Mask: revealLast4Expression,
		validate: func(d any) (any, fieldErrors) { return validateString(d, checkRoutingNumber) },
	},
	TypeSocialSecurityNumber: {
		Name: TypeSocialSecurityNumber, DefaultContainer: "/pii/high/",
		FingerprintExpression: removeDashesExpression, Mask: revealLast4Expression,
		SearchIndexes: []string{"{{ data }}", "{{ data | replace: '-' }}", "{{ data | last4 }}"},
		validate:      func(d any) (any, fieldErrors) { return validateString(d, dashedDigits(3, 2, 4)) },
	},
	TypeEmployerIDNumber: {
		Name: TypeEmployerIDNumber, DefaultContainer: "/pii/high/",
		FingerprintExpression: removeDashesExpression, Mask: revealLast4Expression,
		SearchIndexes: []string{"{{ data }}", "{{ data | replace: '-' }}", "{{ data | last4 }}"},
		validate:      func(d any) (any, fieldErrors) { return validateString(d, dashedDigits(2, 7)) },
	},
}

// TokenTypes returns the built-in token types, sorted by name. The values are
// copies: changing them changes nothing in the vault.
func TokenTypes() []TokenType {
	out := make([]TokenType, 0, len(tokenTypes))
	for _, name := range slices.Sorted(maps.Keys(tokenTypes)) {
		tt := *tokenTypes[name]
		tt.SearchIndexes = slices.Clone(tt.SearchIndexes)
		tt.Mask = cloneJSON(tt.Mask)
		tt.validate = nil
		out = append(out, tt)
	}
	return out
}

func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = cloneJSON(e)
		}
		return s
	}
	return v
}

func validateAny(d any) (any, fieldErrors) {
	if d == nil {
		return nil, fieldErrors{"": {"is required"}}
	}
	return d, nil
}

// validateString accepts a JSON string and checks it with check, which returns
// a message for an invalid value or "".
func validateString(d any, check func(string) string) (any, fieldErrors) {
	s, ok := d.(string)
	if !ok {
		if d == nil {
			return nil, fieldErrors{"": {"is required"}}
		}
		return nil, fieldErrors{"": {"must be a string"}}
	}
	if msg := check(s); msg != "" {
		return nil, fieldErrors{"": {msg}}
	}
	return s, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// luhn reports whether the digit string passes the Luhn check.
func luhn(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// abaChecksum reports whether a 9-digit routing number passes the ABA check:
// 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10).
func abaChecksum(s string) bool {
	w := [3]int{3, 7, 1}
	sum := 0
	for i := range 9 {
		sum += w[i%3] * int(s[i]-'0')
	}
	return sum%10 == 0
}

func checkCardNumber(s string) string {
	switch {
	case !allDigits(s):
		return "must contain only digits"
	case len(s) < 13 || len(s) > 19:
		return "must be 13 to 19 digits long"
	case !luhn(s):
		return "must pass the Luhn check"
	}
	return ""
}

func checkAccountNumber(s string) string {
	switch {
	case !allDigits(s):
		return "must contain only digits"
	case len(s) < 3 || len(s) > 17:
		return "must be 3 to 17 digits long"
	}
	return ""
}

func checkRoutingNumber(s string) string {
	switch {
	case !allDigits(s):
		return "must contain only digits"
	case len(s) != 9:
		return "must be 9 digits long"
	case !abaChecksum(s):
		return "must be a valid ABA routing number"
	}
	return ""
}

// dashedDigits accepts the digits either plain or with dashes between groups
// of the given sizes: dashedDigits(3, 2, 4) accepts 123456789 and 123-45-6789.
func dashedDigits(groups ...int) func(string) string {
	total := 0
	for _, g := range groups {
		total += g
	}
	msg := "must be " + strconv.Itoa(total) + " digits, optionally formatted as " + dashPattern(groups)
	return func(s string) string {
		if !strings.Contains(s, "-") {
			if allDigits(s) && len(s) == total {
				return ""
			}
			return msg
		}
		parts := strings.Split(s, "-")
		if len(parts) != len(groups) {
			return msg
		}
		for i, p := range parts {
			if len(p) != groups[i] || !allDigits(p) {
				return msg
			}
		}
		return ""
	}
}

func dashPattern(groups []int) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = strings.Repeat("#", g)
	}
	return strings.Join(parts, "-")
}

// validateCardObject checks card (and network token) data: number required,
// expiration_month 1-12 and expiration_year of four digits optional, cvc of 3
// or 4 digits optional (cards only). Other properties are rejected.
func validateCardObject(d any, withCVC bool) (any, fieldErrors) {
	m, ok := d.(map[string]any)
	if !ok {
		if d == nil {
			return nil, fieldErrors{"": {"is required"}}
		}
		return nil, fieldErrors{"": {"must be an object"}}
	}
	fe := fieldErrors{}
	for k := range m {
		switch k {
		case "number", "expiration_month", "expiration_year":
		case "cvc":
			if withCVC {
				continue
			}
			fe.add(k, "is not a property of this token type")
		default:
			fe.add(k, "is not a property of this token type")
		}
	}
	switch n := m["number"].(type) {
	case nil:
		fe.add("number", "is required")
	case string:
		if msg := checkCardNumber(n); msg != "" {
			fe.add("number", msg)
		}
	default:
		fe.add("number", "must be a string")
	}
	if v, ok := m["expiration_month"]; ok {
		if month, ok := jsonInt(v); !ok || month < 1 || month > 12 {
			fe.add("expiration_month", "must be an integer from 1 to 12")
		} else {
			m["expiration_month"] = json.Number(strconv.FormatInt(month, 10))
		}
	}
	if v, ok := m["expiration_year"]; ok {
		if year, ok := jsonInt(v); !ok || year < 1000 || year > 9999 {
			fe.add("expiration_year", "must be a four-digit integer")
		} else {
			m["expiration_year"] = json.Number(strconv.FormatInt(year, 10))
		}
	}
	if v, ok := m["cvc"]; ok && withCVC {
		if s, ok := v.(string); !ok || !allDigits(s) || len(s) < 3 || len(s) > 4 {
			fe.add("cvc", "must be a string of 3 or 4 digits")
		}
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return m, nil
}

func validateBank(d any) (any, fieldErrors) {
	m, ok := d.(map[string]any)
	if !ok {
		if d == nil {
			return nil, fieldErrors{"": {"is required"}}
		}
		return nil, fieldErrors{"": {"must be an object"}}
	}
	fe := fieldErrors{}
	for k := range m {
		if k != "routing_number" && k != "account_number" {
			fe.add(k, "is not a property of this token type")
		}
	}
	for field, check := range map[string]func(string) string{"routing_number": checkRoutingNumber, "account_number": checkAccountNumber} {
		switch s := m[field].(type) {
		case nil:
			fe.add(field, "is required")
		case string:
			if msg := check(s); msg != "" {
				fe.add(field, msg)
			}
		default:
			fe.add(field, "must be a string")
		}
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return m, nil
}

// jsonInt returns an integral JSON number as int64.
func jsonInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

// CardDetails are the non-secret facts of a card number, returned with card
// tokens whose data the caller may see (masked or revealed).
type CardDetails struct {
	BIN             string `json:"bin"`
	Last4           string `json:"last4"`
	ExpirationMonth int    `json:"expiration_month,omitzero"`
	ExpirationYear  int    `json:"expiration_year,omitzero"`
	Brand           string `json:"brand,omitempty"`
}

// BankDetails are the non-secret facts of a bank token.
type BankDetails struct {
	RoutingNumber      string `json:"routing_number"`
	AccountNumberLast4 string `json:"account_number_last4"`
}

// cardDetails derives the card object from validated card data.
var (
	cardDetailFields = []string{"number", "expiration_month", "expiration_year"}
	bankDetailFields = []string{"routing_number", "account_number"}
)

// cardDetails reads the card facts of a card's data (JSON) without decoding
// the rest of it; nil if it has no card number.
func cardDetails(data []byte) *CardDetails {
	var f [3][]byte
	if jsonv.Fields(data, cardDetailFields, f[:]) != nil || f[0] == nil {
		return nil
	}
	// The number is unquoted on the stack and wiped: only its BIN and last
	// four reach the heap, as one string (the whole number as a Go string
	// would stay in memory, unwipeable, as long as the details live).
	var buf [64]byte
	number, err := jsonv.AppendString(buf[:0], f[0])
	defer clear(buf[:])
	if err != nil || len(number) < 13 || len(number) > len(buf) {
		return nil
	}
	binLen := 6
	if len(number) >= 16 {
		binLen = 8
	}
	var facts [12]byte
	pair := string(append(append(facts[:0], number[:binLen]...), number[len(number)-4:]...))
	cd := &CardDetails{BIN: pair[:binLen], Last4: pair[binLen:], Brand: cardBrand(number)}
	if v, ok := rawInt(f[1]); ok {
		cd.ExpirationMonth = int(v)
	}
	if v, ok := rawInt(f[2]); ok {
		cd.ExpirationYear = int(v)
	}
	return cd
}

// rawInt reads a JSON number that is an integer literal (no fraction or
// exponent), as json.Number.Int64 would.
func rawInt(raw []byte) (int64, bool) {
	neg := len(raw) > 0 && raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// bankDetails reads the bank facts of a bank token's data (JSON).
func bankDetails(data []byte) *BankDetails {
	var f [2][]byte
	if len(data) == 0 || data[0] != '{' || jsonv.Fields(data, bankDetailFields, f[:]) != nil {
		return nil
	}
	routing, _ := jsonv.String(f[0])
	account, _ := jsonv.String(f[1])
	if len(account) < 4 {
		return &BankDetails{RoutingNumber: routing, AccountNumberLast4: account}
	}
	return &BankDetails{RoutingNumber: routing, AccountNumberLast4: account[len(account)-4:]}
}

// cardBrand identifies the card network from the leading digits (the IIN
// ranges published by the networks); "" when unknown.
func cardBrand[T string | []byte](number T) string {
	// p[n] is the number formed by the first n digits (n <= 6), or -1.
	var p [7]int
	for n := 1; n <= 6; n++ {
		if len(number) < n {
			p[n] = -1
			continue
		}
		p[n] = p[n-1]*10 + int(number[n-1]-'0')
	}
	in := func(n, lo, hi int) bool { return p[n] >= lo && p[n] <= hi }
	switch {
	case in(6, 401178, 401179), in(6, 431274, 431274), in(6, 438935, 438935),
		in(6, 451416, 451416), in(6, 457393, 457393), in(6, 504175, 504175), in(6, 506699, 506778),
		in(6, 509000, 509999), in(6, 627780, 627780), in(6, 636297, 636297), in(6, 636368, 636368),
		in(6, 650031, 650033), in(6, 650035, 650051), in(6, 650405, 650439), in(6, 650485, 650538),
		in(6, 650541, 650598), in(6, 650700, 650718), in(6, 650720, 650727), in(6, 650901, 650978),
		in(6, 651652, 651679), in(6, 655000, 655019), in(6, 655021, 655058):
		return "elo"
	case in(6, 606282, 606282), in(4, 3841, 3841):
		return "hipercard"
	case in(1, 4, 4):
		return "visa"
	case in(2, 51, 55), in(4, 2221, 2720):
		return "mastercard"
	case in(2, 34, 34), in(2, 37, 37):
		return "american-express"
	case in(4, 2200, 2204):
		return "mir"
	case in(4, 6011, 6011), in(3, 644, 649), in(2, 65, 65), in(6, 622126, 622925):
		return "discover"
	case in(2, 62, 62), in(2, 81, 81):
		return "unionpay"
	case in(4, 3528, 3589):
		return "jcb"
	case in(3, 300, 305), in(2, 36, 36), in(2, 38, 39):
		return "diners-club"
	}
	return ""
}
