package vault_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// cond is a condition with a single value; conds one with values.
func cond(field, op string, v any) vault.RoutingCondition {
	return vault.RoutingCondition{Field: field, Operator: op, Value: v}
}

func conds(field, op string, vs ...any) vault.RoutingCondition {
	return vault.RoutingCondition{Field: field, Operator: op, Values: vs}
}

// card is a typical card debit.
var card = vault.RoutingInput{
	Amount: 2500, Currency: "EUR", Country: "AT", BIN: "42424242", Brand: "visa",
	Method: "Credit Card", TransactionType: "debit",
}

func TestRouteConditions(t *testing.T) {
	transfer := vault.RoutingInput{Amount: 100, Currency: "USD", Country: "US", Method: "Bank Transfer", TransactionType: "payout"}
	for name, tc := range map[string]struct {
		c    vault.RoutingCondition
		in   vault.RoutingInput
		want bool
	}{
		"amount equals":                       {cond("amount", "equals", json.Number("2500")), card, true},
		"amount equals other":                 {cond("amount", "equals", json.Number("2501")), card, false},
		"amount equals exponent":              {cond("amount", "equals", json.Number("2.5e3")), card, true},
		"amount equals float64":               {cond("amount", "equals", 2500.0), card, true},
		"amount equals int":                   {cond("amount", "equals", 2500), card, true},
		"amount equals int64":                 {cond("amount", "equals", int64(2500)), card, true},
		"amount notEquals":                    {cond("amount", "notEquals", json.Number("1")), card, true},
		"amount notEquals same":               {cond("amount", "notEquals", json.Number("2500")), card, false},
		"amount in":                           {conds("amount", "in", json.Number("1"), json.Number("2500")), card, true},
		"amount in none":                      {conds("amount", "in", json.Number("1"), json.Number("2")), card, false},
		"amount notIn":                        {conds("amount", "notIn", json.Number("1"), json.Number("2")), card, true},
		"amount notIn listed":                 {conds("amount", "notIn", json.Number("2500")), card, false},
		"amount lessThan":                     {cond("amount", "lessThan", json.Number("2501")), card, true},
		"amount lessThan equal":               {cond("amount", "lessThan", json.Number("2500")), card, false},
		"amount lessThanOrEqual":              {cond("amount", "lessThanOrEqual", json.Number("2500")), card, true},
		"amount lessThanOrEqual below":        {cond("amount", "lessThanOrEqual", json.Number("2499")), card, false},
		"amount greaterThan":                  {cond("amount", "greaterThan", json.Number("2499")), card, true},
		"amount greaterThan equal":            {cond("amount", "greaterThan", json.Number("2500")), card, false},
		"amount greaterThanOrEqual":           {cond("amount", "greaterThanOrEqual", json.Number("2500")), card, true},
		"amount greaterThanOrEqual above":     {cond("amount", "greaterThanOrEqual", json.Number("2501")), card, false},
		"amount between inside":               {conds("amount", "between", json.Number("1000"), json.Number("5000")), card, true},
		"amount between lower bound":          {conds("amount", "between", json.Number("2500"), json.Number("5000")), card, true},
		"amount between upper bound":          {conds("amount", "between", json.Number("0"), json.Number("2500")), card, true},
		"amount between outside":              {conds("amount", "between", json.Number("2501"), json.Number("5000")), card, false},
		"currency equals":                     {cond("currency", "equals", "EUR"), card, true},
		"currency equals other":               {cond("currency", "equals", "USD"), card, false},
		"currency equals lower input":         {cond("currency", "equals", "EUR"), vault.RoutingInput{Currency: "eur"}, true},
		"currency notEquals":                  {cond("currency", "notEquals", "USD"), card, true},
		"currency notEquals same":             {cond("currency", "notEquals", "EUR"), card, false},
		"currency in":                         {conds("currency", "in", "USD", "EUR"), card, true},
		"currency in none":                    {conds("currency", "in", "USD", "GBP"), card, false},
		"currency notIn":                      {conds("currency", "notIn", "USD", "GBP"), card, true},
		"currency notIn listed":               {conds("currency", "notIn", "EUR"), card, false},
		"country equals":                      {cond("country", "equals", "AT"), card, true},
		"country equals lower input":          {cond("country", "equals", "AT"), vault.RoutingInput{Country: "at"}, true},
		"country equals other":                {cond("country", "equals", "DE"), card, false},
		"country notEquals":                   {cond("country", "notEquals", "DE"), card, true},
		"country in":                          {conds("country", "in", "DE", "AT"), card, true},
		"country notIn":                       {conds("country", "notIn", "DE", "AT"), card, false},
		"bin equals prefix":                   {cond("bin", "equals", "424242"), card, true},
		"bin equals whole":                    {cond("bin", "equals", "42424242"), card, true},
		"bin equals other":                    {cond("bin", "equals", "555555"), card, false},
		"bin equals longer than input":        {cond("bin", "equals", "42424242"), vault.RoutingInput{BIN: "424242"}, false},
		"bin notEquals":                       {cond("bin", "notEquals", "555555"), card, true},
		"bin notEquals same":                  {cond("bin", "notEquals", "424242"), card, false},
		"bin notEquals no card":               {cond("bin", "notEquals", "424242"), transfer, true},
		"bin in":                              {conds("bin", "in", "555555", "424242"), card, true},
		"bin in none":                         {conds("bin", "in", "555555"), card, false},
		"bin notIn":                           {conds("bin", "notIn", "555555"), card, true},
		"bin notIn listed":                    {conds("bin", "notIn", "42424242"), card, false},
		"bin startsWith":                      {cond("bin", "startsWith", "4"), card, true},
		"bin startsWith other":                {cond("bin", "startsWith", "5"), card, false},
		"bin startsWith no card":              {cond("bin", "startsWith", "4"), transfer, false},
		"brand equals":                        {cond("brand", "equals", "visa"), card, true},
		"brand equals upper input":            {cond("brand", "equals", "visa"), vault.RoutingInput{Brand: "VISA"}, true},
		"brand equals other":                  {cond("brand", "equals", "mastercard"), card, false},
		"brand notEquals":                     {cond("brand", "notEquals", "mastercard"), card, true},
		"brand in":                            {conds("brand", "in", "mastercard", "visa"), card, true},
		"brand notIn":                         {conds("brand", "notIn", "mastercard", "visa"), card, false},
		"method equals":                       {cond("method", "equals", "Credit Card"), card, true},
		"method equals is case-sensitive":     {cond("method", "equals", "credit card"), card, false},
		"method notEquals":                    {cond("method", "notEquals", "Bank Transfer"), card, true},
		"method in":                           {conds("method", "in", "Bank Transfer", "Credit Card"), card, true},
		"method notIn":                        {conds("method", "notIn", "Bank Transfer"), card, true},
		"method startsWith":                   {cond("method", "startsWith", "Credit"), card, true},
		"method startsWith other":             {cond("method", "startsWith", "Bank"), card, false},
		"method startsWith case-sensitive":    {cond("method", "startsWith", "credit"), card, false},
		"transactionType equals":              {cond("transactionType", "equals", "debit"), card, true},
		"transactionType equals other":        {cond("transactionType", "equals", "refund"), card, false},
		"transactionType case-sensitive":      {cond("transactionType", "equals", "DEBIT"), card, false},
		"transactionType notEquals":           {cond("transactionType", "notEquals", "refund"), card, true},
		"transactionType in":                  {conds("transactionType", "in", "refund", "payout"), transfer, true},
		"transactionType notIn":               {conds("transactionType", "notIn", "refund", "payout"), transfer, false},
		"unknown field does not hold":         {cond("colour", "equals", "red"), card, false},
		"unknown operator does not hold":      {cond("amount", "like", json.Number("1")), card, false},
		"inapplicable operator":               {cond("currency", "lessThan", "EUR"), card, false},
		"negation of bad value does not hold": {cond("currency", "notEquals", 42), card, false},
		"amount of wrong type":                {cond("amount", "notEquals", "2500"), card, false},
		"amount fraction":                     {cond("amount", "notEquals", json.Number("1.5")), card, false},
		"amount missing":                      {cond("amount", "notEquals", nil), card, false},
		"between with one value":              {conds("amount", "between", json.Number("0")), card, false},
		"notIn without values":                {conds("currency", "notIn"), card, false},
		"notIn with a bad value":              {conds("currency", "notIn", "USD", 7), card, false},
	} {
		t.Run(name, func(t *testing.T) {
			rules := []vault.RoutingRule{{
				Conditions: []vault.RoutingCondition{tc.c},
				Action:     vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{"CO-1"}},
			}}
			got := vault.Route(rules, tc.in, false)
			if tc.want {
				assert.Equal(t, vault.RoutingDecision{Rule: 0, Connectors: []string{"CO-1"}}, got)
			} else {
				assert.Equal(t, vault.RoutingDecision{Rule: -1}, got)
			}
		})
	}
}

func TestRouteRuleOrder(t *testing.T) {
	route := func(guids ...string) vault.RoutingAction {
		return vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: guids}
	}
	rules := []vault.RoutingRule{
		{Name: "block refunds in USD", Conditions: []vault.RoutingCondition{
			cond("transactionType", "equals", "refund"), cond("currency", "equals", "USD"),
		}, Action: vault.RoutingAction{Type: vault.RouteActionDecline}},
		{Name: "big amex", Conditions: []vault.RoutingCondition{
			cond("brand", "equals", "american-express"), cond("amount", "greaterThan", json.Number("10000")),
		}, Action: route("CO-AMEX")},
		{Name: "EUR", Conditions: []vault.RoutingCondition{cond("currency", "equals", "EUR")}, Action: route("CO-EU", "CO-BACKUP")},
		{Name: "EUR again, never reached", Conditions: []vault.RoutingCondition{cond("currency", "equals", "EUR")}, Action: route("CO-NEVER")},
		{Name: "broken action is skipped", Action: vault.RoutingAction{Type: "escalate"}},
		{Name: "route without connectors is skipped", Action: route()},
		{Name: "catch-all card", Conditions: []vault.RoutingCondition{cond("method", "equals", "Credit Card")}, Action: route("CO-ANY")},
	}
	for name, tc := range map[string]struct {
		in   vault.RoutingInput
		want vault.RoutingDecision
	}{
		"first rule declines":          {vault.RoutingInput{TransactionType: "refund", Currency: "USD"}, vault.RoutingDecision{Rule: 0, Decline: true}},
		"all conditions must hold":     {vault.RoutingInput{TransactionType: "refund", Currency: "GBP"}, vault.RoutingDecision{Rule: -1}},
		"second rule":                  {vault.RoutingInput{Brand: "american-express", Amount: 10001, Currency: "EUR"}, vault.RoutingDecision{Rule: 1, Connectors: []string{"CO-AMEX"}}},
		"earlier rule wins over later": {vault.RoutingInput{Brand: "american-express", Amount: 10000, Currency: "EUR"}, vault.RoutingDecision{Rule: 2, Connectors: []string{"CO-EU", "CO-BACKUP"}}},
		"skips broken rules":           {vault.RoutingInput{Method: "Credit Card", Currency: "GBP"}, vault.RoutingDecision{Rule: 6, Connectors: []string{"CO-ANY"}}},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, vault.Route(rules, tc.in, false))
		})
	}
}

func TestRouteNoMatch(t *testing.T) {
	rules := []vault.RoutingRule{{
		Conditions: []vault.RoutingCondition{cond("currency", "equals", "JPY")},
		Action:     vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{"CO-JP"}},
	}}
	for _, disable := range []bool{false, true} {
		t.Run(fmt.Sprint("disableByDefault=", disable), func(t *testing.T) {
			assert.Equal(t, vault.RoutingDecision{Rule: -1, Decline: disable}, vault.Route(rules, card, disable))
			assert.Equal(t, vault.RoutingDecision{Rule: -1, Decline: disable}, vault.Route(nil, card, disable))
		})
	}
}

func TestRouteEmptyConditionsMatch(t *testing.T) {
	rules := []vault.RoutingRule{{Action: vault.RoutingAction{Type: vault.RouteActionDecline}}}
	assert.Equal(t, vault.RoutingDecision{Rule: 0, Decline: true}, vault.Route(rules, vault.RoutingInput{}, false))
}

func TestRouteReturnsACopy(t *testing.T) {
	rules := []vault.RoutingRule{{Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{"CO-A", "CO-B"}}}}
	got := vault.Route(rules, card, false)
	require.Equal(t, []string{"CO-A", "CO-B"}, got.Connectors)
	got.Connectors[0] = "CO-CHANGED"
	_ = append(got.Connectors[:1], "CO-APPENDED")
	assert.Equal(t, []string{"CO-A", "CO-B"}, rules[0].Action.Connectors)
}

func ExampleRoute() {
	const doc = `[
	  {"name": "no refunds over 1000.00 EUR",
	   "conditions": [
	     {"field": "transactionType", "operator": "equals", "value": "refund"},
	     {"field": "amount", "operator": "greaterThan", "value": 100000}],
	   "action": {"type": "decline"}},
	  {"name": "European cards",
	   "conditions": [
	     {"field": "country", "operator": "in", "values": ["AT", "DE", "FR"]},
	     {"field": "bin", "operator": "startsWith", "value": "4"}],
	   "action": {"type": "route", "connectors": ["CO-EU-PRIMARY", "CO-EU-BACKUP"]}}
	]`
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var rules []vault.RoutingRule
	if err := dec.Decode(&rules); err != nil {
		panic(err)
	}
	for _, in := range []vault.RoutingInput{
		{Amount: 250000, Currency: "EUR", Country: "AT", BIN: "42424242", TransactionType: "refund"},
		{Amount: 2500, Currency: "EUR", Country: "de", BIN: "42424242", TransactionType: "debit"},
		{Amount: 2500, Currency: "USD", Country: "US", BIN: "42424242", TransactionType: "debit"},
	} {
		fmt.Printf("%+v\n", vault.Route(rules, in, true))
	}
	// Output:
	// {Rule:0 Decline:true Connectors:[]}
	// {Rule:1 Decline:false Connectors:[CO-EU-PRIMARY CO-EU-BACKUP]}
	// {Rule:-1 Decline:true Connectors:[]}
}

// BenchmarkRoute50 is one decision over 50 rules of three conditions each,
// the last of which matches: the worst case of a realistic rule set.
func BenchmarkRoute50(b *testing.B) {
	rules := make([]vault.RoutingRule, 50)
	for i := range rules {
		rules[i] = vault.RoutingRule{Conditions: []vault.RoutingCondition{
			{Field: vault.RouteFieldCurrency, Operator: vault.RouteOpIn, Values: []any{"EUR", "GBP", "CHF"}},
			{Field: vault.RouteFieldAmount, Operator: vault.RouteOpBetween, Values: []any{json.Number("100"), json.Number(strconv.Itoa(1000 + i))}},
			{Field: vault.RouteFieldBIN, Operator: vault.RouteOpStartsWith, Value: strconv.Itoa(400000 + i)},
		}, Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{"CO-A", "CO-B"}}}
	}
	in := vault.RoutingInput{Amount: 1049, Currency: "EUR", BIN: "40004912", Brand: "visa"}
	if d := vault.Route(rules, in, true); d.Rule != 49 {
		b.Fatalf("rule %d matched, want 49", d.Rule)
	}
	table := vault.CompileRouting(rules)
	if d := table.Route(in, true); d.Rule != 49 {
		b.Fatalf("the table matched rule %d, want 49", d.Rule)
	}
	b.Run("interpreted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			vault.Route(rules, in, true)
		}
	})
	b.Run("compiled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			table.Route(in, true)
		}
	})
}
