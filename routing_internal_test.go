package vault

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const rulesPath = "multiMethodMetaConnector.rules"

// knownConnector knows the guids CO-A to CO-L.
func knownConnector(guid string) bool {
	return len(guid) == 4 && strings.HasPrefix(guid, "CO-") && guid[3] >= 'A' && guid[3] <= 'L'
}

func rc(field, op string, v any) RoutingCondition {
	return RoutingCondition{Field: field, Operator: op, Value: v}
}

func rcs(field, op string, vs ...any) RoutingCondition {
	return RoutingCondition{Field: field, Operator: op, Values: vs}
}

// routeTo is a rule routing to guids when conds hold.
func routeTo(guids []string, conds ...RoutingCondition) RoutingRule {
	return RoutingRule{Conditions: conds, Action: RoutingAction{Type: RouteActionRoute, Connectors: guids}}
}

// onA is a rule routing to CO-A when conds hold.
func onA(conds ...RoutingCondition) []RoutingRule {
	return []RoutingRule{routeTo([]string{"CO-A"}, conds...)}
}

func repeatRules(n int, r RoutingRule) []RoutingRule {
	rules := make([]RoutingRule, n)
	for i := range rules {
		rules[i] = r
	}
	return rules
}

func numbers(n int) []any {
	vs := make([]any, n)
	for i := range vs {
		vs[i] = json.Number(fmt.Sprint(i))
	}
	return vs
}

func guids(n int) []string {
	gs := make([]string, n)
	for i := range gs {
		gs[i] = fmt.Sprintf("CO-%c", 'A'+i)
	}
	return gs
}

// validRuleSets pass checkRoutingRules; they also seed FuzzRoutingRules.
var validRuleSets = map[string][]RoutingRule{
	"none":                   nil,
	"catch-all decline":      {{Action: RoutingAction{Type: RouteActionDecline}}},
	"amount equals number":   onA(rc("amount", "equals", json.Number("100"))),
	"amount exponent":        onA(rc("amount", "equals", json.Number("1e3"))),
	"amount integral float":  onA(rc("amount", "lessThan", 100.0)),
	"amount int":             onA(rc("amount", "notEquals", 5)),
	"amount int64 max":       onA(rc("amount", "lessThanOrEqual", int64(1<<63-1))),
	"amount zero":            onA(rc("amount", "greaterThan", json.Number("0"))),
	"amount ge":              onA(rc("amount", "greaterThanOrEqual", json.Number("10"))),
	"amount in":              onA(rcs("amount", "in", numbers(100)...)),
	"amount notIn":           onA(rcs("amount", "notIn", json.Number("1"))),
	"amount between":         onA(rcs("amount", "between", json.Number("1"), json.Number("10"))),
	"amount between equal":   onA(rcs("amount", "between", json.Number("10"), json.Number("10"))),
	"currency":               onA(rc("currency", "equals", "EUR"), rcs("currency", "notIn", "USD", "GBP")),
	"country":                onA(rc("country", "notEquals", "AT"), rcs("country", "in", "DE")),
	"bin":                    onA(rc("bin", "equals", "424242"), rc("bin", "notEquals", "42424242"), rcs("bin", "in", "5555555")),
	"bin startsWith":         onA(rc("bin", "startsWith", "4"), rc("bin", "startsWith", "42424242")),
	"brand":                  onA(rcs("brand", "in", "visa", "mastercard", "american-express", "discover", "diners-club", "jcb", "unionpay", "maestro", "elo", "hipercard")),
	"method":                 onA(rc("method", "equals", "Credit Card"), rc("method", "startsWith", strings.Repeat("é", 100))),
	"transactionType":        onA(rcs("transactionType", "notIn", "debit", "preauthorize", "capture", "void", "refund", "payout", "register", "deregister", "incremental_authorization")),
	"20 conditions":          onA(slices.Repeat([]RoutingCondition{rc("currency", "equals", "EUR")}, 20)...),
	"100 rules":              repeatRules(100, routeTo([]string{"CO-A"})),
	"10 connectors":          {routeTo(guids(10))},
	"order of several rules": {routeTo([]string{"CO-B", "CO-A"}, rc("brand", "equals", "visa")), {Action: RoutingAction{Type: RouteActionDecline}}},
}

func TestCheckRoutingRulesValid(t *testing.T) {
	for name, rules := range validRuleSets {
		t.Run(name, func(t *testing.T) {
			fe := fieldErrors{}
			checkRoutingRules(fe, rulesPath, rules, knownConnector)
			assert.Empty(t, fe)
		})
	}
}

func TestCheckRoutingRulesInvalid(t *testing.T) {
	const c0 = rulesPath + "[0].conditions[0]"
	const a0 = rulesPath + "[0].action"
	for name, tc := range map[string]struct {
		rules []RoutingRule
		paths []string // exactly the paths reported
	}{
		"101 rules":                  {repeatRules(101, routeTo([]string{"CO-A"})), []string{rulesPath}},
		"21 conditions":              {onA(slices.Repeat([]RoutingCondition{rc("currency", "equals", "EUR")}, 21)...), []string{rulesPath + "[0].conditions"}},
		"second rule":                {[]RoutingRule{routeTo([]string{"CO-A"}), routeTo([]string{"CO-A"}, rc("currency", "equals", "EUR"), rc("currency", "equals", "eur"))}, []string{rulesPath + "[1].conditions[1].value"}},
		"field missing":              {onA(rc("", "equals", "x")), []string{c0 + ".field"}},
		"field unknown":              {onA(rc("colour", "equals", "x")), []string{c0 + ".field"}},
		"field case":                 {onA(rc("Amount", "equals", json.Number("1"))), []string{c0 + ".field"}},
		"op missing":                 {onA(rc("amount", "", json.Number("1"))), []string{c0 + ".operator"}},
		"op unknown":                 {onA(rc("amount", "like", json.Number("1"))), []string{c0 + ".operator"}},
		"amount startsWith":          {onA(rc("amount", "startsWith", json.Number("1"))), []string{c0 + ".operator"}},
		"currency lessThan":          {onA(rc("currency", "lessThan", "EUR")), []string{c0 + ".operator"}},
		"currency startsWith":        {onA(rc("currency", "startsWith", "E")), []string{c0 + ".operator"}},
		"country between":            {onA(rcs("country", "between", "AT", "DE")), []string{c0 + ".operator"}},
		"bin greaterThan":            {onA(rc("bin", "greaterThan", "424242")), []string{c0 + ".operator"}},
		"brand startsWith":           {onA(rc("brand", "startsWith", "v")), []string{c0 + ".operator"}},
		"method between":             {onA(rcs("method", "between", "a", "b")), []string{c0 + ".operator"}},
		"transactionType startsWith": {onA(rc("transactionType", "startsWith", "d")), []string{c0 + ".operator"}},
		"value missing":              {onA(rc("amount", "equals", nil)), []string{c0 + ".value"}},
		"values for equals":          {onA(RoutingCondition{Field: "currency", Operator: "equals", Value: "EUR", Values: []any{"USD"}}), []string{c0 + ".values"}},
		"value for in":               {onA(RoutingCondition{Field: "currency", Operator: "in", Value: "EUR", Values: []any{"USD"}}), []string{c0 + ".value"}},
		"value for between":          {onA(RoutingCondition{Field: "amount", Operator: "between", Value: json.Number("1"), Values: []any{json.Number("1"), json.Number("2")}}), []string{c0 + ".value"}},
		"in without values":          {onA(rcs("currency", "in")), []string{c0 + ".values"}},
		"notIn 101 values":           {onA(rcs("amount", "notIn", numbers(101)...)), []string{c0 + ".values"}},
		"in bad second value":        {onA(rcs("currency", "in", "EUR", "euro")), []string{c0 + ".values[1]"}},
		"in nil value":               {onA(rcs("brand", "in", nil)), []string{c0 + ".values[0]"}},
		"between one value":          {onA(rcs("amount", "between", json.Number("1"))), []string{c0 + ".values"}},
		"between three":              {onA(rcs("amount", "between", json.Number("1"), json.Number("2"), json.Number("3"))), []string{c0 + ".values"}},
		"between reversed":           {onA(rcs("amount", "between", json.Number("10"), json.Number("9"))), []string{c0 + ".values"}},
		"between bad bound":          {onA(rcs("amount", "between", json.Number("1"), "2")), []string{c0 + ".values[1]"}},
		"amount negative":            {onA(rc("amount", "equals", json.Number("-1"))), []string{c0 + ".value"}},
		"amount fraction":            {onA(rc("amount", "equals", json.Number("1.5"))), []string{c0 + ".value"}},
		"amount small exponent":      {onA(rc("amount", "equals", json.Number("15e-1"))), []string{c0 + ".value"}},
		"amount too big":             {onA(rc("amount", "equals", json.Number("9223372036854775808"))), []string{c0 + ".value"}},
		"amount huge exponent":       {onA(rc("amount", "equals", json.Number("1e999999999999"))), []string{c0 + ".value"}},
		"amount float fraction":      {onA(rc("amount", "equals", 1.5)), []string{c0 + ".value"}},
		"amount float too big":       {onA(rc("amount", "equals", 1e19)), []string{c0 + ".value"}},
		"amount negative int":        {onA(rc("amount", "equals", -1)), []string{c0 + ".value"}},
		"amount string":              {onA(rc("amount", "equals", "100")), []string{c0 + ".value"}},
		"amount bool":                {onA(rc("amount", "equals", true)), []string{c0 + ".value"}},
		"currency number":            {onA(rc("currency", "equals", json.Number("978"))), []string{c0 + ".value"}},
		"currency lower":             {onA(rc("currency", "equals", "eur")), []string{c0 + ".value"}},
		"currency unknown":           {onA(rc("currency", "equals", "ABC")), []string{c0 + ".value"}},
		"country lower":              {onA(rc("country", "equals", "at")), []string{c0 + ".value"}},
		"country unknown":            {onA(rc("country", "equals", "ZZ")), []string{c0 + ".value"}},
		"country alpha-3":            {onA(rc("country", "equals", "AUT")), []string{c0 + ".value"}},
		"bin equals 5 digits":        {onA(rc("bin", "equals", "42424")), []string{c0 + ".value"}},
		"bin in 9 digits":            {onA(rcs("bin", "in", "424242424")), []string{c0 + ".values[0]"}},
		"bin letters":                {onA(rc("bin", "notEquals", "42424a")), []string{c0 + ".value"}},
		"bin startsWith empty":       {onA(rc("bin", "startsWith", "")), []string{c0 + ".value"}},
		"bin startsWith 9":           {onA(rc("bin", "startsWith", "424242424")), []string{c0 + ".value"}},
		"brand unknown":              {onA(rc("brand", "equals", "amex")), []string{c0 + ".value"}},
		"brand upper":                {onA(rc("brand", "equals", "VISA")), []string{c0 + ".value"}},
		"method empty":               {onA(rc("method", "equals", "")), []string{c0 + ".value"}},
		"method 101 chars":           {onA(rc("method", "startsWith", strings.Repeat("é", 101))), []string{c0 + ".value"}},
		"method number":              {onA(rc("method", "equals", 1)), []string{c0 + ".value"}},
		"transactionType unknown":    {onA(rc("transactionType", "equals", "sale")), []string{c0 + ".value"}},
		"transactionType case":       {onA(rc("transactionType", "equals", "Debit")), []string{c0 + ".value"}},
		"action type missing":        {[]RoutingRule{{}}, []string{a0 + ".type"}},
		"action type unknown":        {[]RoutingRule{{Action: RoutingAction{Type: "escalate"}}}, []string{a0 + ".type"}},
		"decline with connectors":    {[]RoutingRule{{Action: RoutingAction{Type: RouteActionDecline, Connectors: []string{"CO-A"}}}}, []string{a0 + ".connectors"}},
		"route without connectors":   {[]RoutingRule{routeTo(nil)}, []string{a0 + ".connectors"}},
		"route to 11":                {[]RoutingRule{routeTo(guids(11))}, []string{a0 + ".connectors"}},
		"connector empty":            {[]RoutingRule{routeTo([]string{"CO-A", ""})}, []string{a0 + ".connectors[1]"}},
		"connector unknown":          {[]RoutingRule{routeTo([]string{"CO-Z", "CO-A"})}, []string{a0 + ".connectors[0]"}},
		"connector repeated":         {[]RoutingRule{routeTo([]string{"CO-A", "CO-B", "CO-A"})}, []string{a0 + ".connectors[2]"}},
		"several at once": {
			[]RoutingRule{{Conditions: []RoutingCondition{rc("bin", "equals", "4"), rc("x", "equals", "y")}, Action: RoutingAction{Type: RouteActionRoute, Connectors: []string{"CO-Z"}}}},
			[]string{c0 + ".value", rulesPath + "[0].conditions[1].field", a0 + ".connectors[0]"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			fe := fieldErrors{}
			checkRoutingRules(fe, rulesPath, tc.rules, knownConnector)
			assert.ElementsMatch(t, tc.paths, slices.Collect(maps.Keys(fe)), "%v", fe)
			for p, msgs := range fe {
				assert.Len(t, msgs, 1, p)
			}
		})
	}
}

func TestCheckRoutingRulesNilConnectorKnowsNone(t *testing.T) {
	fe := fieldErrors{}
	checkRoutingRules(fe, rulesPath, []RoutingRule{routeTo([]string{"CO-A"})}, nil)
	assert.Contains(t, fe, rulesPath+"[0].action.connectors[0]")
}

// Messages never echo what the caller sent, not even an unknown field,
// operator or action type.
func TestCheckRoutingRulesNeverEchoes(t *testing.T) {
	const canary = "Canary7391"
	rules := []RoutingRule{
		{Conditions: []RoutingCondition{
			rc(canary, "equals", canary),
			rc("amount", canary, canary),
			rc("currency", "equals", canary),
			rc("country", "equals", canary),
			rc("bin", "equals", canary),
			rc("bin", "startsWith", canary),
			rc("brand", "equals", canary),
			rc("method", "equals", strings.Repeat(canary, 20)),
			rc("transactionType", "equals", canary),
			rc("amount", "equals", json.Number(canary)),
			rcs("currency", "in", canary),
		}, Action: RoutingAction{Type: RouteActionRoute, Connectors: []string{canary, canary}}},
		{Action: RoutingAction{Type: canary}},
	}
	fe := fieldErrors{}
	checkRoutingRules(fe, rulesPath, rules, knownConnector)
	assert.Len(t, fe, 14)
	for p, msgs := range fe {
		for _, m := range msgs {
			assert.NotContains(t, m, canary, p)
		}
	}
}

func TestParseRoutingAmount(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "-0": 0, "0.000": 0, "0e99999999999": 0, "100": 100, "1e3": 1000, "1E+3": 1000, "1000.0": 1000,
		"12.5e1": 125, "1250e-1": 125, "9223372036854775807": 1<<63 - 1, "92233720368547758.07e2": 1<<63 - 1,
	} {
		got, ok := parseRoutingAmount(in)
		if assert.True(t, ok, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, in := range []string{
		"", "-", "-1", "1.", ".5", "1.5", "15e-1", "1e", "1e+", "e3", "0x10", "1_000", " 1", "9223372036854775808",
		"1e19", "1e999999999999", "1e-999999999999", "NaN", "Inf",
	} {
		_, ok := parseRoutingAmount(in)
		assert.False(t, ok, in)
	}
}

// FuzzRoutingRules decodes a rule set as the API does, checks it, and
// routes an input with it: neither may panic, and rules that pass the check
// route only to connectors they name.
func FuzzRoutingRules(f *testing.F) {
	for _, rules := range validRuleSets {
		doc, err := json.Marshal(rules)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(doc), int64(2500), "EUR", "AT", "42424242", "visa", "Credit Card", "debit")
	}
	for _, doc := range []string{
		`[{"conditions":[{"field":"amount","operator":"between","values":[10,1]}],"action":{"type":"route","connectors":["CO-A"]}}]`,
		`[{"conditions":[{"field":"amount","operator":"equals","value":1e999}],"action":{"type":"decline"}}]`,
		`[{"conditions":[{"field":"bin","operator":"equals","value":"4"}],"action":{"type":"route","connectors":["CO-Z","CO-Z"]}}]`,
		`[{"conditions":[{"field":"currency","operator":"in","values":[null,{},[]]}],"action":{"type":"route"}}]`,
		`[{"conditions":[{"field":"brand","operator":"startsWith","value":"v"}],"action":{"type":"escalate"}}]`,
		`[{"conditions":[{"field":"amount","operator":"lessThan","value":-0.0}],"action":{"type":"route","connectors":["CO-B"]}},{"action":{"type":"decline"}}]`,
		`[{"conditions":[{"field":"method","operator":"startsWith","value":"Cred"}],"action":{"type":"route","connectors":["CO-C","CO-D"]}}]`,
		`[]`, `null`, `[{}]`,
	} {
		f.Add(doc, int64(-1), "eur", "at", "", "VISA", "Credit Card", "refund")
	}
	f.Fuzz(func(t *testing.T, doc string, amount int64, currency, country, bin, brand, method, txType string) {
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		var rules []RoutingRule
		if dec.Decode(&rules) != nil {
			return
		}
		fe := fieldErrors{}
		checkRoutingRules(fe, rulesPath, rules, knownConnector)
		for p, msgs := range fe {
			if !strings.HasPrefix(p, rulesPath) || len(msgs) == 0 {
				t.Fatalf("bad report %q: %q", p, msgs)
			}
		}
		in := RoutingInput{amount, currency, country, bin, brand, method, txType}
		table := CompileRouting(rules)
		for _, disable := range []bool{false, true} {
			d := Route(rules, in, disable)
			if c := table.Route(in, disable); !reflect.DeepEqual(c, d) {
				t.Fatalf("the compiled table decided %+v, Route %+v", c, d)
			}
			if d.Rule < -1 || d.Rule >= len(rules) {
				t.Fatalf("rule %d of %d", d.Rule, len(rules))
			}
			if d.Rule == -1 && (d.Decline != disable || len(d.Connectors) > 0) {
				t.Fatalf("no match but %+v", d)
			}
			if d.Decline && len(d.Connectors) > 0 {
				t.Fatalf("declined with connectors: %+v", d)
			}
			if len(fe) > 0 {
				continue
			}
			named := map[string]bool{}
			for _, r := range rules {
				for _, g := range r.Action.Connectors {
					named[g] = true
				}
			}
			for _, g := range d.Connectors {
				if !named[g] || !knownConnector(g) {
					t.Fatalf("routed to %q, which no rule names", g)
				}
			}
			if d.Rule >= 0 {
				a := rules[d.Rule].Action
				if d.Decline != (a.Type == RouteActionDecline) || !slices.Equal(d.Connectors, a.Connectors) {
					t.Fatalf("decision %+v from action %+v", d, a)
				}
			}
		}
	})
}

func TestCheckRoutingRuleName(t *testing.T) {
	route := RoutingAction{Type: RouteActionDecline}
	for name, tc := range map[string]struct {
		rule string
		bad  bool
	}{
		"plain":   {"euro payments", false},
		"100":     {strings.Repeat("é", 100), false},
		"101":     {strings.Repeat("é", 101), true},
		"control": {"a\nb", true},
	} {
		fe := fieldErrors{}
		checkRoutingRules(fe, "rules", []RoutingRule{{Name: tc.rule, Action: route}}, func(string) bool { return true })
		_, got := fe["rules[0].name"]
		if got != tc.bad {
			t.Errorf("%s: a name error is %t, want %t (%v)", name, got, tc.bad, fe)
		}
	}
}
