package expr

import (
	"crypto/rand"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/osteele/liquid/expressions"
	liquidfilters "github.com/osteele/liquid/filters"
	"github.com/osteele/liquid/values"
)

// A filterFunc is one filter: in is the piped value, args the arguments
// (already counted against the filter's arity). It returns a value of the
// evaluation domain or an *Error without location.
type filterFunc func(st *evalState, in any, args []any) (any, *Error)

type filterSpec struct {
	name     string
	min, max int  // number of arguments
	last     bool // must be the last filter of its chain
	nilIn    bool // receives nil input; otherwise nil in gives nil out
	fn       filterFunc
}

// filterTable holds every filter by name. It is built once and read-only.
var filterTable = map[string]*filterSpec{}

func register(name string, min, max int, fn filterFunc) *filterSpec {
	if _, dup := filterTable[name]; dup {
		panic("expr: duplicate filter " + name)
	}
	s := &filterSpec{name: name, min: min, max: max, fn: fn}
	filterTable[name] = s
	return s
}

// apply runs the filter with its limits: arity, ranges materialised within
// MaxItems, steps charged for the bytes read and written, results within
// MaxOutput and MaxItems.
func (s *filterSpec) apply(st *evalState, in any, args []any) (any, *Error) {
	if len(args) < s.min || len(args) > s.max {
		return nil, s.arityError(len(args))
	}
	if err := st.step(1); err != nil {
		return nil, err
	}
	var err *Error
	if in, err = st.materialize(in); err != nil {
		return nil, err
	}
	for i, a := range args {
		if args[i], err = st.materialize(a); err != nil {
			return nil, err
		}
	}
	// Filters read their input and arguments (a hash of a large key, a
	// sort of a large array): their size is charged before the call.
	work := workSize(in, st.workLeft())
	for _, a := range args {
		work += workSize(a, st.workLeft())
	}
	if err := st.step(work / 1024); err != nil {
		return nil, err
	}
	if in == nil && !s.nilIn {
		return nil, nil
	}
	out, err := s.fn(st, in, args)
	if err != nil {
		return nil, err
	}
	return out, st.checkResult(out)
}

func (s *filterSpec) arityError(n int) *Error {
	switch {
	case s.min == s.max && s.max == 0:
		return newErr(KindSyntax, -1, "filter %q takes no arguments", s.name)
	case s.min == s.max:
		return newErr(KindSyntax, -1, "filter %q takes %d argument%s", s.name, s.min, plural(s.min))
	case n < s.min:
		return newErr(KindSyntax, -1, "filter %q takes at least %d argument%s", s.name, s.min, plural(s.min))
	default:
		return newErr(KindSyntax, -1, "filter %q takes at most %d argument%s", s.name, s.max, plural(s.max))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// evalState is the per-evaluation state the filters see.
type evalState struct {
	lim     Limits
	steps   int
	written int
	outLeft int // bytes of MaxOutput not yet used by the evaluation's results
	rnd     [64]byte
	rndPos  int
}

func (st *evalState) reset(lim Limits) {
	st.lim = lim
	st.steps = 0
	st.written = 0
	st.outLeft = lim.MaxOutput
	st.rndPos = len(st.rnd)
}

// output takes n bytes of result from what is left of MaxOutput, and
// charges their steps.
func (st *evalState) output(n int) *Error {
	if n > st.outLeft {
		return newErr(KindLimit, -1, "the result exceeds %d bytes", st.lim.MaxOutput)
	}
	st.outLeft -= n
	return st.wrote(n)
}

// step charges n steps.
func (st *evalState) step(n int) *Error {
	st.steps += n
	if st.steps > st.lim.MaxSteps {
		return newErr(KindLimit, -1, "evaluation exceeds %d steps", st.lim.MaxSteps)
	}
	return nil
}

// wrote charges the steps of n output bytes (one per KiB).
func (st *evalState) wrote(n int) *Error {
	st.written += n
	if st.written >= 1024 {
		k := st.written / 1024
		st.written -= k * 1024
		return st.step(k)
	}
	return nil
}

// materialize turns a range into an array, within MaxItems.
func (st *evalState) materialize(v any) (any, *Error) {
	r, ok := v.(values.Range)
	if !ok {
		return v, nil
	}
	n := r.Len()
	if n <= 0 {
		return []any{}, nil
	}
	if n > st.lim.MaxItems {
		return nil, newErr(KindLimit, -1, "a range has more than %d items", st.lim.MaxItems)
	}
	if err := st.step(n / 64); err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		out[i] = r.Index(i)
	}
	return out, nil
}

// checkResult bounds a filter's result and charges its size.
func (st *evalState) checkResult(v any) *Error {
	switch t := v.(type) {
	case string:
		if len(t) > st.lim.MaxOutput {
			return newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
		}
	case bytesValue:
		if len(t) > st.lim.MaxOutput {
			return newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
		}
	case []any:
		if len(t) > st.lim.MaxItems {
			return newErr(KindLimit, -1, "an array exceeds %d items", st.lim.MaxItems)
		}
	case []string:
		if len(t) > st.lim.MaxItems {
			return newErr(KindLimit, -1, "an array exceeds %d items", st.lim.MaxItems)
		}
	}
	return st.step(workSize(v, st.workLeft()) / 1024)
}

// workLeft is the work, in bytes, that the steps left allow: measuring
// stops past it.
func (st *evalState) workLeft() int {
	left := st.lim.MaxSteps - st.steps + 1
	if left <= 0 {
		return 0
	}
	if left > math.MaxInt/2048 {
		return math.MaxInt / 2
	}
	return left * 1024
}

// chargeRoots charges the size of the variables an expression reads, for
// the expressions the Liquid engine evaluates (operators such as contains
// and == read their operands whole, a loop over an object sorts its keys).
func (st *evalState) chargeRoots(scope map[string]any, roots []string) *Error {
	work := 0
	for _, r := range roots {
		if v, ok := scope[r]; ok {
			work += workSize(v, st.workLeft())
		}
	}
	return st.step(work / 1024)
}

// randIntn returns a uniform random int in [0, n), n <= 256, from
// crypto/rand.
func (st *evalState) randIntn(n int) int {
	limit := 256 - 256%n
	for {
		if st.rndPos >= len(st.rnd) {
			_, _ = rand.Read(st.rnd[:]) // never fails (crypto/rand)
			st.rndPos = 0
		}
		b := int(st.rnd[st.rndPos])
		st.rndPos++
		if b < limit {
			return b % n
		}
	}
}

// engine is one evaluator: a Liquid expression config whose filters see
// this engine's state, and the render state. Engines are pooled; one
// evaluation uses one engine from one goroutine.
type engine struct {
	st       evalState
	cfg      expressions.Config
	scope    map[string]any
	cycles   map[string]int
	counters map[string]int
	loops    []map[string]any
	args     []any // scratch arguments of the fast path
	// embed: a typed result is a document's reference, embedded whole
	// (the caller bounds references); it does not count as output.
	embed  bool
	budget *Budget // charged the steps used when the engine is put back
	buf    []byte
}

func newEngine() *engine {
	e := &engine{cfg: expressions.NewConfig()}
	for name, spec := range filterTable {
		e.cfg.AddFilter(name, func(in any, args ...any) (any, error) {
			out, err := spec.apply(&e.st, in, args)
			if err != nil {
				return nil, err
			}
			return out, nil
		})
	}
	return e
}

// ---- argument helpers; i is the 0-based argument index ----

func argErr(i int, format string, a ...any) *Error {
	return newErr(KindEval, -1, "argument %d %s", i+1, fmt.Sprintf(format, a...))
}

func inErr(format string, a ...any) *Error {
	return newErr(KindEval, -1, format, a...)
}

// argInt reads an integer argument: an int, an integral float or a decimal
// string. def is used when the argument is absent or nil.
func argInt(args []any, i, def int) (int, *Error) {
	if i >= len(args) || args[i] == nil {
		return def, nil
	}
	switch t := args[i].(type) {
	case int:
		return t, nil
	case int64:
		if int64(int(t)) == t {
			return int(t), nil
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) <= maxExactFloat {
			return int(t), nil
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n, nil
		}
	}
	return 0, argErr(i, "must be an integer")
}

// argCount is argInt that must not be negative.
func argCount(args []any, i, def int) (int, *Error) {
	n, err := argInt(args, i, def)
	if err == nil && n < 0 {
		return 0, argErr(i, "must not be negative")
	}
	return n, err
}

// argBool reads a boolean argument: a bool or the strings 'true' and
// 'false' (any case), as the platform's filters take them.
func argBool(args []any, i int, def bool) (bool, *Error) {
	if i >= len(args) || args[i] == nil {
		return def, nil
	}
	switch t := args[i].(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, argErr(i, "must be 'true' or 'false'")
}

// argString reads a string argument; numbers and booleans are their text.
func argString(args []any, i int, def string) (string, *Error) {
	if i >= len(args) || args[i] == nil {
		return def, nil
	}
	switch t := args[i].(type) {
	case string:
		return t, nil
	case int, int64, float64, bool, bytesValue:
		s, err := textOf(t, nil)
		if err != nil {
			return "", argErr(i, "must be a string")
		}
		return s, nil
	}
	return "", argErr(i, "must be a string")
}

// argChar reads a one-character argument.
func argChar(args []any, i int, def rune) (rune, *Error) {
	if i >= len(args) || args[i] == nil {
		return def, nil
	}
	s, err := argString(args, i, "")
	if err != nil {
		return 0, err
	}
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || n != len(s) || r == utf8.RuneError {
		return 0, argErr(i, "must be one character")
	}
	return r, nil
}

// inText reads the piped value as text: strings, numbers, booleans and
// bytes (base64); arrays and objects are refused.
func inText(in any) (string, *Error) {
	switch t := in.(type) {
	case string:
		return t, nil
	case int, int64, float64, bool, bytesValue:
		s, err := textOf(t, nil)
		if err != nil {
			return "", inErr("the input is not a finite number")
		}
		return s, nil
	}
	return "", inErr("the input must be text, not %s", typeName(in))
}

// inAnyText reads the piped value as text; arrays and objects are their
// JSON (the standard Liquid string filters accept anything).
func inAnyText(st *evalState, in any) (string, *Error) {
	if s, ok := in.(string); ok {
		return s, nil
	}
	if in == nil {
		return "", nil
	}
	s, err := textOf(in, &st.lim)
	if err != nil {
		return "", err
	}
	return s, nil
}

// typeName names the JSON type of v for messages (never its value).
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int, int64, float64:
		return "a number"
	case string:
		return "a string"
	case bytesValue:
		return "bytes"
	case map[string]any:
		return "an object"
	}
	if v != nil && (reflect.TypeOf(v).Kind() == reflect.Slice || reflect.TypeOf(v).Kind() == reflect.Array) {
		return "an array"
	}
	return "an unsupported value"
}

// ---- the standard Liquid filters kept from osteele/liquid ----

// stdDict receives osteele/liquid's standard filters and registers those
// kept (keepStd): each is called through the engine's own argument
// conversion (values.Call), as the engine would call it, with its panics
// and errors turned into safe *Error.
type stdDict struct{}

// keepStd lists the osteele/liquid filters used as they are; every other
// standard filter is reimplemented in filters_std.go (bounded, UTF-8 aware,
// null-safe) or replaced by the platform's (json).
var keepStd = map[string]bool{
	"default": true, "compact": true, "concat": true, "map": true, "reverse": true,
	"sort": true, "sort_natural": true, "first": true, "last": true, "date": true,
	"abs": true, "ceil": true, "floor": true, "modulo": true, "minus": true,
	"plus": true, "times": true, "divided_by": true, "round": true, "inspect": true,
}

func (stdDict) AddFilter(name string, fn any) {
	if !keepStd[name] {
		return
	}
	rv := reflect.ValueOf(fn)
	nin := rv.Type().NumIn()
	spec := register(name, 0, nin-1, func(st *evalState, in any, args []any) (out any, err *Error) {
		if name == "inspect" && jsonSize(in, st.lim.MaxOutput) > st.lim.MaxOutput {
			return nil, newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
		}
		if name == "sort" || name == "sort_natural" {
			if n := reflect.ValueOf(in); in != nil && (n.Kind() == reflect.Slice) {
				if n.Len() > st.lim.MaxItems {
					return nil, newErr(KindLimit, -1, "an array exceeds %d items", st.lim.MaxItems)
				}
				// A sort reads every item about log2(n) times (and
				// sort_natural upper-cases both strings of every
				// comparison); apply charged one reading.
				if extra := bits.Len(uint(n.Len())) - 1; extra > 0 {
					if err := st.step(workSize(in, st.workLeft()) / 1024 * extra); err != nil {
						return nil, err
					}
				}
			}
		}
		defer func() {
			if r := recover(); r != nil {
				out, err = nil, stdPanic(r)
			}
		}()
		all := make([]any, 0, 1+len(args))
		all = append(all, in)
		all = append(all, args...)
		res, e := values.Call(rv, all)
		if e != nil {
			return nil, stdError(e)
		}
		if b, ok := res.([]byte); ok {
			res = string(b)
		}
		return res, nil
	})
	spec.nilIn = true
}

// stdError turns an error of a standard filter into a safe one.
func stdError(e error) *Error {
	switch e.Error() {
	case "division by zero":
		return inErr("division by zero")
	}
	if _, ok := e.(*values.CallParityError); ok {
		return inErr("wrong number of arguments")
	}
	return inErr("the filter failed on this input")
}

// stdPanic turns a panic of a standard filter into an error (the engine
// panics with a TypeError when an argument does not convert).
func stdPanic(r any) *Error {
	if _, ok := r.(values.TypeError); ok {
		return inErr("an argument or the input has the wrong type")
	}
	return inErr("the filter failed on this input")
}

func init() {
	liquidfilters.AddStandardFilters(stdDict{})
}
