package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rule language of multi-method meta-connectors (seed 004's "rules",
// whose shape IXOPAY does not publish: this one is ours). A meta-connector's
// rules are tried in order; the first whose conditions all hold decides,
// with its action: route to connectors in order (the payments engine tries
// the next on a soft decline or an error, up to the meta-connector's
// retries), or decline. Evaluation is pure: [Route] reads nothing but its
// arguments. The language is described on [RoutingCondition] and
// [RoutingAction]; checkRoutingRules validates it.

// Routing condition fields.
const (
	RouteFieldAmount          = "amount"          // minor units, an integer
	RouteFieldCurrency        = "currency"        // ISO 4217
	RouteFieldCountry         = "country"         // ISO 3166-1 alpha-2
	RouteFieldBIN             = "bin"             // the card's first 6 to 8 digits
	RouteFieldBrand           = "brand"           // visa, mastercard, american-express, ...
	RouteFieldMethod          = "method"          // the payment method, such as "Credit Card"
	RouteFieldTransactionType = "transactionType" // debit, preauthorize, capture, refund, ...
)

// Routing condition operators.
const (
	RouteOpEquals     = "equals"
	RouteOpNotEquals  = "notEquals"
	RouteOpIn         = "in"
	RouteOpNotIn      = "notIn"
	RouteOpLess       = "lessThan"
	RouteOpLessOrEq   = "lessThanOrEqual"
	RouteOpGreater    = "greaterThan"
	RouteOpGreaterOrE = "greaterThanOrEqual"
	RouteOpBetween    = "between"
	RouteOpStartsWith = "startsWith"
)

// Routing action types.
const (
	RouteActionRoute   = "route"
	RouteActionDecline = "decline"
)

// Limits of a rule set.
const (
	maxRoutingRules      = 100 // rules per meta-connector
	maxRoutingConditions = 20  // conditions per rule
	maxRoutingValues     = 100 // values of an in or notIn condition
	maxRoutingConnectors = 10  // connectors of a route action
	maxRoutingText       = 100 // characters of a rule name
	maxRoutingMethodLen  = 100 // characters of a method value
)

// routingBrands are the card brands a brand condition may name.
var routingBrands = []string{
	"visa", "mastercard", "american-express", "discover", "diners-club",
	"jcb", "unionpay", "maestro", "elo", "hipercard",
}

// routingTransactionTypes are the values of a transactionType condition.
var routingTransactionTypes = []string{
	"debit", "preauthorize", "capture", "void", "refund", "payout",
	"register", "deregister", "incremental_authorization",
}

var (
	routingStringOps = []string{RouteOpEquals, RouteOpNotEquals, RouteOpIn, RouteOpNotIn}
	routingPrefixOps = []string{RouteOpEquals, RouteOpNotEquals, RouteOpIn, RouteOpNotIn, RouteOpStartsWith}

	// routingOps lists, in order, the fields and the operators each admits.
	routingOps = []struct {
		field string
		ops   []string
	}{
		{RouteFieldAmount, []string{
			RouteOpEquals, RouteOpNotEquals, RouteOpIn, RouteOpNotIn, RouteOpLess, RouteOpLessOrEq,
			RouteOpGreater, RouteOpGreaterOrE, RouteOpBetween,
		}},
		{RouteFieldCurrency, routingStringOps},
		{RouteFieldCountry, routingStringOps},
		{RouteFieldBIN, routingPrefixOps},
		{RouteFieldBrand, routingStringOps},
		{RouteFieldMethod, routingPrefixOps},
		{RouteFieldTransactionType, routingStringOps},
	}
)

// RoutingRule is one rule of a multi-method meta-connector. Name is free
// text for people and plays no part in routing.
type RoutingRule struct {
	Name string `json:"name,omitempty"`
	// Conditions must all hold; a rule without conditions always matches.
	Conditions []RoutingCondition `json:"conditions"`
	Action     RoutingAction      `json:"action"`
}

// RoutingCondition compares one field of the transaction. Value is a
// string, or an integer for amount; Values lists them for in, notIn
// (one or more) and between (two: the bounds, inclusive).
//
// Fields, their operators and their values:
//
//	field            operators                                    a value is
//	amount           equals notEquals in notIn lessThan           an integer 0..2^63-1 (minor units): a JSON
//	                 lessThanOrEqual greaterThan                  number without a fraction ("1e3" is 1000),
//	                 greaterThanOrEqual between                   or a Go float64 with an integral value or int
//	currency         equals notEquals in notIn                    ISO 4217, upper case ("EUR")
//	country          equals notEquals in notIn                    ISO 3166-1 alpha-2, upper case ("AT")
//	bin              equals notEquals in notIn startsWith         6 to 8 digits; 1 to 8 digits for startsWith
//	brand            equals notEquals in notIn                    visa, mastercard, american-express, discover,
//	                                                              diners-club, jcb, unionpay, maestro, elo, hipercard
//	method           equals notEquals in notIn startsWith         1 to 100 characters ("Credit Card")
//	transactionType  equals notEquals in notIn                    debit, preauthorize, capture, void, refund,
//	                                                              payout, register, deregister,
//	                                                              incremental_authorization
//
// Operators and their operands:
//
//	equals, notEquals, lessThan, lessThanOrEqual,  Value, a single value; Values empty
//	greaterThan, greaterThanOrEqual, startsWith
//	in, notIn                                      Values, 1 to 100 values; Value empty
//	between                                        Values, exactly 2: lower <= upper, both inclusive
//
// Comparisons ([Route]): amount is compared as an integer. method and
// transactionType compare case-sensitively; currency and country compare
// in upper case and brand in lower case, so an input "eur" or "VISA"
// matches. A bin condition looks at the start of the input's BIN:
// startsWith holds when the BIN starts with the value, and equals holds
// when the BIN's first len(value) digits are the value (so an 8-digit
// value never equals a 6-digit BIN). notEquals and notIn are the negations
// of equals and in, so they hold when the input lacks the field (a bank
// transfer has no BIN). A rule set holds at most 100 rules of at most 20
// conditions each.
type RoutingCondition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value,omitempty"`
	Values   []any  `json:"values,omitempty"`
}

// UnmarshalJSON decodes a condition keeping every digit of its numbers
// (json.Number), so that an amount such as 2^63-1 survives a round trip
// through the store.
func (c *RoutingCondition) UnmarshalJSON(b []byte) error {
	type plain RoutingCondition
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*c = RoutingCondition(p)
	return nil
}

// RoutingAction is what a matching rule does: route to Connectors (guids of
// connectors of the same merchant, tried in order), or decline.
//
//	type     connectors
//	route    1 to 10 guids of known connectors, none repeated
//	decline  none
type RoutingAction struct {
	Type       string   `json:"type"`
	Connectors []string `json:"connectors,omitempty"`
}

// RoutingInput is what rules see of a transaction. A field the transaction
// lacks (BIN and Brand for a bank transfer) is empty.
type RoutingInput struct {
	Amount          int64
	Currency        string
	Country         string
	BIN             string
	Brand           string
	Method          string
	TransactionType string
}

// RoutingDecision is the outcome of [Route]: the index of the rule that
// matched (-1 for none), and either Decline or the Connectors to try in
// order. With no rule matching, Decline is the meta-connector's
// defaultActionDisableConnector and Connectors is empty.
type RoutingDecision struct {
	Rule       int
	Decline    bool
	Connectors []string
}

// Route decides a transaction: the first rule, in order, whose conditions
// all hold (see [RoutingCondition] for the comparisons) gives the decision.
// With no rule matching, the decision has Rule -1, no connectors, and
// Decline set to disableByDefault (the meta-connector's
// defaultActionDisableConnector).
//
// Route is pure and safe for concurrent use; the Connectors it returns are
// a copy the caller may change. Rules should have been validated when the
// meta-connector was saved, but Route never panics on others: a condition
// that cannot be evaluated (an unknown field or operator, an operator the
// field does not admit, a value of the wrong type or a missing one) does
// not hold, and a rule whose action is neither decline nor a route to at
// least one connector never matches.
func Route(rules []RoutingRule, in RoutingInput, disableByDefault bool) RoutingDecision {
	for i, r := range rules {
		switch {
		case r.Action.Type == RouteActionDecline:
		case r.Action.Type == RouteActionRoute && len(r.Action.Connectors) > 0:
		default:
			continue
		}
		if !routingConditionsHold(r.Conditions, in) {
			continue
		}
		if r.Action.Type == RouteActionDecline {
			return RoutingDecision{Rule: i, Decline: true}
		}
		return RoutingDecision{Rule: i, Connectors: slices.Clone(r.Action.Connectors)}
	}
	return RoutingDecision{Rule: -1, Decline: disableByDefault}
}

func routingConditionsHold(conds []RoutingCondition, in RoutingInput) bool {
	for _, c := range conds {
		if !c.holds(in) {
			return false
		}
	}
	return true
}

// holds reports whether c holds for in; false when c cannot be evaluated.
func (c RoutingCondition) holds(in RoutingInput) bool {
	if !routingOpAdmitted(c.Field, c.Operator) {
		return false
	}
	if c.Field == RouteFieldAmount {
		return c.amountHolds(in.Amount)
	}
	norm := routingNormalizer(c.Field)
	got := norm(routingInputString(c.Field, in))
	prefix := c.Field == RouteFieldBIN || c.Operator == RouteOpStartsWith
	// match compares got with one value; ok is false if v is not a string.
	match := func(v any) (m, ok bool) {
		s, ok := v.(string)
		if !ok {
			return false, false
		}
		if s = norm(s); prefix {
			return strings.HasPrefix(got, s), true
		}
		return got == s, true
	}
	switch c.Operator {
	case RouteOpEquals, RouteOpStartsWith:
		m, ok := match(c.Value)
		return ok && m
	case RouteOpNotEquals:
		m, ok := match(c.Value)
		return ok && !m
	case RouteOpIn, RouteOpNotIn:
		if len(c.Values) == 0 {
			return false
		}
		found := false
		for _, v := range c.Values {
			m, ok := match(v)
			if !ok {
				return false
			}
			found = found || m
		}
		return found == (c.Operator == RouteOpIn)
	}
	return false
}

func (c RoutingCondition) amountHolds(amount int64) bool {
	switch c.Operator {
	case RouteOpIn, RouteOpNotIn:
		if len(c.Values) == 0 {
			return false
		}
		found := false
		for _, v := range c.Values {
			n, ok := routingAmount(v)
			if !ok {
				return false
			}
			found = found || n == amount
		}
		return found == (c.Operator == RouteOpIn)
	case RouteOpBetween:
		if len(c.Values) != 2 {
			return false
		}
		lo, ok1 := routingAmount(c.Values[0])
		hi, ok2 := routingAmount(c.Values[1])
		return ok1 && ok2 && lo <= amount && amount <= hi
	}
	n, ok := routingAmount(c.Value)
	if !ok {
		return false
	}
	switch c.Operator {
	case RouteOpEquals:
		return amount == n
	case RouteOpNotEquals:
		return amount != n
	case RouteOpLess:
		return amount < n
	case RouteOpLessOrEq:
		return amount <= n
	case RouteOpGreater:
		return amount > n
	case RouteOpGreaterOrE:
		return amount >= n
	}
	return false
}

// routingInputString is the input's value of a string field.
func routingInputString(field string, in RoutingInput) string {
	switch field {
	case RouteFieldCurrency:
		return in.Currency
	case RouteFieldCountry:
		return in.Country
	case RouteFieldBIN:
		return in.BIN
	case RouteFieldBrand:
		return in.Brand
	case RouteFieldMethod:
		return in.Method
	case RouteFieldTransactionType:
		return in.TransactionType
	}
	return ""
}

// routingNormalizer is how a string field is normalized before comparing.
func routingNormalizer(field string) func(string) string {
	switch field {
	case RouteFieldCurrency, RouteFieldCountry:
		return strings.ToUpper
	case RouteFieldBrand:
		return strings.ToLower
	}
	return func(s string) string { return s }
}

// routingOpsOf lists the operators field admits; nil for an unknown field.
func routingOpsOf(field string) []string {
	for _, f := range routingOps {
		if f.field == field {
			return f.ops
		}
	}
	return nil
}

func routingOpAdmitted(field, op string) bool {
	return slices.Contains(routingOpsOf(field), op)
}

// routingAmount converts an amount value: a non-negative integer that fits
// an int64, given as a json.Number, an integral float64 or float32, or a Go
// integer.
func routingAmount(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		return parseRoutingAmount(string(n))
	case float64:
		return routingFloatAmount(n)
	case float32:
		return routingFloatAmount(float64(n))
	case int:
		return int64(n), n >= 0
	case int8:
		return int64(n), n >= 0
	case int16:
		return int64(n), n >= 0
	case int32:
		return int64(n), n >= 0
	case int64:
		return n, n >= 0
	case uint:
		return int64(n), uint64(n) <= math.MaxInt64
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	}
	return 0, false
}

func routingFloatAmount(f float64) (int64, bool) {
	if f >= 0 && f < 0x1p63 && f == math.Trunc(f) { // NaN fails f >= 0
		return int64(f), true
	}
	return 0, false
}

// parseRoutingAmount parses a JSON number exactly: "1000", "1e3" and
// "1000.0" are 1000; a fraction, a negative number or one beyond int64 is
// not an amount. It never allocates in proportion to an exponent.
func parseRoutingAmount(s string) (int64, bool) {
	if len(s) > 0 && len(s) <= 18 && routingDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64) // the common case: plain digits, no allocation
		return n, err == nil
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e := s[i+1:]
		eneg := strings.HasPrefix(e, "-")
		if eneg || strings.HasPrefix(e, "+") {
			e = e[1:]
		}
		if e == "" || !routingDigits(e) {
			return 0, false
		}
		if e = strings.TrimLeft(e, "0"); len(e) > 6 {
			exp = 1_000_000 // far beyond any int64, either way
		} else if e != "" {
			exp, _ = strconv.Atoi(e)
		}
		if eneg {
			exp = -exp
		}
	}
	whole, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		whole, frac = mant[:i], mant[i+1:]
		if frac == "" {
			return 0, false
		}
	}
	if whole == "" || !routingDigits(whole) || !routingDigits(frac) {
		return 0, false
	}
	digits := strings.TrimLeft(whole+frac, "0")
	exp -= len(frac)
	if digits == "" {
		return 0, true // zero, "-0" included
	}
	if neg {
		return 0, false
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	if exp < 0 || len(trimmed)+exp > 19 {
		return 0, false
	}
	n, err := strconv.ParseInt(trimmed+strings.Repeat("0", exp), 10, 64)
	return n, err == nil
}

// routingDigits reports whether s has only ASCII digits ("" has).
func routingDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkRoutingRules validates rules, the value at path (such as
// "multiMethodMetaConnector.rules"), against the language described on
// [RoutingCondition] and [RoutingAction], adding failures to fe under paths
// such as path+"[0].conditions[1].value". connector reports whether a guid
// names a connector a route action may use; a nil connector knows none.
// Messages name fields and operators only from the fixed lists and never
// echo a value. A list over its limit is reported as such and its items
// are not inspected, so the failures stay few for any input.
func checkRoutingRules(fe fieldErrors, path string, rules []RoutingRule, connector func(guid string) bool) {
	if len(rules) > maxRoutingRules {
		fe.add(path, "must have at most %d rules", maxRoutingRules)
		return
	}
	for i, r := range rules {
		rp := fmt.Sprintf("%s[%d]", path, i)
		if utf8.RuneCountInString(r.Name) > maxRoutingText || strings.ContainsFunc(r.Name, unicode.IsControl) || !utf8.ValidString(r.Name) {
			fe.add(joinPath(rp, "name"), "must be at most %d characters, without control characters", maxRoutingText)
		}
		if len(r.Conditions) > maxRoutingConditions {
			fe.add(joinPath(rp, "conditions"), "must have at most %d conditions", maxRoutingConditions)
		} else {
			for j, c := range r.Conditions {
				checkRoutingCondition(fe, fmt.Sprintf("%s.conditions[%d]", rp, j), c)
			}
		}
		checkRoutingAction(fe, joinPath(rp, "action"), r.Action, connector)
	}
}

func checkRoutingCondition(fe fieldErrors, path string, c RoutingCondition) {
	ops := routingOpsOf(c.Field)
	switch {
	case c.Field == "":
		fe.add(joinPath(path, "field"), "is required")
		return
	case ops == nil:
		fields := make([]string, len(routingOps))
		for i, f := range routingOps {
			fields[i] = f.field
		}
		fe.add(joinPath(path, "field"), "must be one of %s", strings.Join(fields, ", "))
		return
	case c.Operator == "":
		fe.add(joinPath(path, "operator"), "is required")
		return
	case !slices.Contains(ops, c.Operator):
		fe.add(joinPath(path, "operator"), "must be one of %s for %s", strings.Join(ops, ", "), c.Field)
		return
	}
	vp, vsp := joinPath(path, "value"), joinPath(path, "values")
	switch c.Operator {
	case RouteOpIn, RouteOpNotIn, RouteOpBetween:
		if c.Value != nil {
			fe.add(vp, "must be empty for %s; use values", c.Operator)
		}
	default:
		if len(c.Values) > 0 {
			fe.add(vsp, "must be empty for %s; use value", c.Operator)
		}
		if msg := checkRoutingValue(c.Field, c.Operator, c.Value); msg != "" {
			fe.add(vp, "%s", msg)
		}
		return
	}
	if c.Operator == RouteOpBetween && len(c.Values) != 2 {
		fe.add(vsp, "must have exactly 2 values, the lower and upper bounds")
		return
	}
	if len(c.Values) == 0 || len(c.Values) > maxRoutingValues {
		fe.add(vsp, "must have 1 to %d values", maxRoutingValues)
		return
	}
	ok := true
	for k, v := range c.Values {
		if msg := checkRoutingValue(c.Field, c.Operator, v); msg != "" {
			fe.add(fmt.Sprintf("%s[%d]", vsp, k), "%s", msg)
			ok = false
		}
	}
	if c.Operator == RouteOpBetween && ok {
		lo, _ := routingAmount(c.Values[0])
		hi, _ := routingAmount(c.Values[1])
		if lo > hi {
			fe.add(vsp, "lower bound must not exceed the upper bound")
		}
	}
}

// checkRoutingValue returns what is wrong with one value of field under op,
// or "".
func checkRoutingValue(field, op string, v any) string {
	if v == nil {
		return "is required"
	}
	if field == RouteFieldAmount {
		if _, ok := routingAmount(v); !ok {
			return "must be a non-negative integer of at most 9223372036854775807"
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		return "must be a string"
	}
	switch field {
	case RouteFieldCurrency:
		if !isCurrency(s) {
			return "must be an ISO 4217 currency code in upper case"
		}
	case RouteFieldCountry:
		if !isCountry(s) {
			return "must be an ISO 3166-1 alpha-2 country code in upper case"
		}
	case RouteFieldBIN:
		lo := 6
		if op == RouteOpStartsWith {
			lo = 1
		}
		if len(s) < lo || len(s) > 8 || !routingDigits(s) {
			return fmt.Sprintf("must be %d to 8 digits for %s", lo, op)
		}
	case RouteFieldBrand:
		if !slices.Contains(routingBrands, s) {
			return "must be one of " + strings.Join(routingBrands, ", ")
		}
	case RouteFieldMethod:
		if n := utf8.RuneCountInString(s); n == 0 || n > maxRoutingMethodLen {
			return fmt.Sprintf("must be 1 to %d characters", maxRoutingMethodLen)
		}
	case RouteFieldTransactionType:
		if !slices.Contains(routingTransactionTypes, s) {
			return "must be one of " + strings.Join(routingTransactionTypes, ", ")
		}
	}
	return ""
}

func checkRoutingAction(fe fieldErrors, path string, a RoutingAction, connector func(guid string) bool) {
	cp := joinPath(path, "connectors")
	switch a.Type {
	case "":
		fe.add(joinPath(path, "type"), "is required")
		return
	case RouteActionDecline:
		if len(a.Connectors) > 0 {
			fe.add(cp, "must be empty for %s", RouteActionDecline)
		}
		return
	case RouteActionRoute:
	default:
		fe.add(joinPath(path, "type"), "must be one of %s, %s", RouteActionRoute, RouteActionDecline)
		return
	}
	if len(a.Connectors) == 0 || len(a.Connectors) > maxRoutingConnectors {
		fe.add(cp, "must have 1 to %d connectors", maxRoutingConnectors)
		return
	}
	for k, guid := range a.Connectors {
		p := fmt.Sprintf("%s[%d]", cp, k)
		switch {
		case guid == "":
			fe.add(p, "is required")
		case slices.Contains(a.Connectors[:k], guid):
			fe.add(p, "must not repeat an earlier connector")
		case connector == nil || !connector(guid):
			fe.add(p, "must be a connector of the merchant")
		}
	}
}

// RoutingTable is a rule set compiled for repeated decisions: its values
// parsed and normalized once. [RoutingTable.Route] decides exactly as
// [Route] does on the rules it was compiled from; the payments engine
// keeps one per meta-connector.
type RoutingTable struct {
	rules []compiledRule
}

type compiledRule struct {
	live       bool // the action is decline, or a route to connectors
	decline    bool
	connectors []string
	conds      []compiledCondition
}

// compiledCondition is a condition with its values parsed; never marks one
// that cannot be evaluated, which does not hold.
type compiledCondition struct {
	never  bool
	amount bool
	field  string
	op     string
	prefix bool
	norm   func(string) string
	n      int64
	nums   []int64
	s      string
	strs   []string
}

// CompileRouting compiles rules for [RoutingTable.Route]. It copies what it
// keeps: later changes to rules do not reach the table.
func CompileRouting(rules []RoutingRule) *RoutingTable {
	t := &RoutingTable{rules: make([]compiledRule, len(rules))}
	for i, r := range rules {
		cr := &t.rules[i]
		switch {
		case r.Action.Type == RouteActionDecline:
			cr.live, cr.decline = true, true
		case r.Action.Type == RouteActionRoute && len(r.Action.Connectors) > 0:
			cr.live, cr.connectors = true, slices.Clone(r.Action.Connectors)
		}
		cr.conds = make([]compiledCondition, len(r.Conditions))
		for j, c := range r.Conditions {
			cr.conds[j] = compileCondition(c)
		}
	}
	return t
}

func compileCondition(c RoutingCondition) compiledCondition {
	cc := compiledCondition{field: c.Field, op: c.Operator}
	never := compiledCondition{never: true}
	if !routingOpAdmitted(c.Field, c.Operator) {
		return never
	}
	if c.Field == RouteFieldAmount {
		cc.amount = true
		switch c.Operator {
		case RouteOpIn, RouteOpNotIn, RouteOpBetween:
			if len(c.Values) == 0 || c.Operator == RouteOpBetween && len(c.Values) != 2 {
				return never
			}
			for _, v := range c.Values {
				n, ok := routingAmount(v)
				if !ok {
					return never
				}
				cc.nums = append(cc.nums, n)
			}
		default:
			n, ok := routingAmount(c.Value)
			if !ok {
				return never
			}
			cc.n = n
		}
		return cc
	}
	cc.norm = routingNormalizer(c.Field)
	cc.prefix = c.Field == RouteFieldBIN || c.Operator == RouteOpStartsWith
	switch c.Operator {
	case RouteOpIn, RouteOpNotIn:
		if len(c.Values) == 0 {
			return never
		}
		for _, v := range c.Values {
			s, ok := v.(string)
			if !ok {
				return never
			}
			cc.strs = append(cc.strs, cc.norm(s))
		}
	default:
		s, ok := c.Value.(string)
		if !ok {
			return never
		}
		cc.s = cc.norm(s)
	}
	return cc
}

// Route decides in as [Route] would on the compiled rules.
func (t *RoutingTable) Route(in RoutingInput, disableByDefault bool) RoutingDecision {
	for i := range t.rules {
		r := &t.rules[i]
		if !r.live || !compiledHold(r.conds, &in) {
			continue
		}
		if r.decline {
			return RoutingDecision{Rule: i, Decline: true}
		}
		return RoutingDecision{Rule: i, Connectors: slices.Clone(r.connectors)}
	}
	return RoutingDecision{Rule: -1, Decline: disableByDefault}
}

func compiledHold(conds []compiledCondition, in *RoutingInput) bool {
	for i := range conds {
		if !conds[i].holds(in) {
			return false
		}
	}
	return true
}

func (c *compiledCondition) holds(in *RoutingInput) bool {
	if c.never {
		return false
	}
	if c.amount {
		a := in.Amount
		switch c.op {
		case RouteOpIn, RouteOpNotIn:
			return slices.Contains(c.nums, a) == (c.op == RouteOpIn)
		case RouteOpBetween:
			return c.nums[0] <= a && a <= c.nums[1]
		case RouteOpEquals:
			return a == c.n
		case RouteOpNotEquals:
			return a != c.n
		case RouteOpLess:
			return a < c.n
		case RouteOpLessOrEq:
			return a <= c.n
		case RouteOpGreater:
			return a > c.n
		case RouteOpGreaterOrE:
			return a >= c.n
		}
		return false
	}
	got := c.norm(routingInputString(c.field, *in))
	match := func(s string) bool {
		if c.prefix {
			return strings.HasPrefix(got, s)
		}
		return got == s
	}
	switch c.op {
	case RouteOpEquals, RouteOpStartsWith:
		return match(c.s)
	case RouteOpNotEquals:
		return !match(c.s)
	case RouteOpIn, RouteOpNotIn:
		found := slices.ContainsFunc(c.strs, match)
		return found == (c.op == RouteOpIn)
	}
	return false
}
