package expr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/osteele/liquid/values"
)

// Values inside an evaluation are nil, bool, int, float64, string, []any,
// map[string]any and bytesValue (plus what the standard Liquid filters and
// ranges produce, normalised on the way out). Integers are int because the
// Liquid engine indexes, ranges and limits only with int.

// bytesValue is raw bytes, the result of hmac. Used as text it is its
// standard, padded base64 encoding.
type bytesValue []byte

// String is the base64 text of b; the Liquid engine uses it when a standard
// filter wants a string.
func (b bytesValue) String() string { return base64.StdEncoding.EncodeToString(b) }

// maxExactFloat is the largest magnitude below which every integer is exact
// in a float64.
const maxExactFloat = 1 << 53

var errBadValue = newErr(KindEval, -1, "a variable holds a value that is not JSON")

// normalizeIn converts a caller's value into the evaluation domain:
// json.Number and Go integers become int (int64 beyond int, float64 beyond
// int64), integral floats within ±2^53 become int, []byte becomes bytes,
// other slices and string-keyed maps are copied as []any and map[string]any.
// A subtree that needs no change is returned as is, without a copy.
func normalizeIn(v any, depth int) (any, *Error) {
	n, _, err := normIn(v, depth)
	return n, err
}

// normIn is normalizeIn that also reports whether v changed.
func normIn(v any, depth int) (any, bool, *Error) {
	if depth > maxDocDepth {
		return nil, false, newErr(KindLimit, -1, "a variable nests too deeply")
	}
	switch t := v.(type) {
	case nil, bool, string, int, bytesValue, values.Range:
		return v, false, nil
	case float64:
		n, err := normFloat(t)
		_, isInt := n.(int)
		return n, isInt, err
	case map[string]any:
		var out map[string]any
		for k, e := range t {
			n, changed, err := normIn(e, depth+1)
			if err != nil {
				return nil, false, err
			}
			if changed && out == nil {
				out = make(map[string]any, len(t))
				for k2, e2 := range t {
					out[k2] = e2
				}
			}
			if changed {
				out[k] = n
			}
		}
		if out == nil {
			return t, false, nil
		}
		return out, true, nil
	case []any:
		var out []any
		for i, e := range t {
			n, changed, err := normIn(e, depth+1)
			if err != nil {
				return nil, false, err
			}
			if changed && out == nil {
				out = slices.Clone(t)
			}
			if changed {
				out[i] = n
			}
		}
		if out == nil {
			return t, false, nil
		}
		return out, true, nil
	case json.Number:
		n, err := normNumber(string(t))
		return n, true, err
	case int64:
		return normInt64(t), true, nil
	case []byte:
		return bytesValue(bytes.Clone(t)), true, nil
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out, true, nil
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, s := range t {
			out[k] = s
		}
		return out, true, nil
	case json.RawMessage:
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return nil, false, errBadValue.clone()
		}
		n, _, err := normIn(x, depth+1)
		return n, true, err
	}
	n, err := normalizeReflect(v, depth)
	return n, true, err
}

func normalizeReflect(v any, depth int) (any, *Error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			n, err := normalizeIn(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, errBadValue.clone()
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			n, err := normalizeIn(it.Value().Interface(), depth+1)
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = n
		}
		return out, nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return normalizeIn(rv.Elem().Interface(), depth+1)
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return normInt64(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return normUint(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return normFloat(rv.Float())
	}
	return nil, errBadValue.clone()
}

func normInt64(i int64) any {
	if int64(int(i)) == i {
		return int(i)
	}
	return i
}

func normUint(u uint64) (any, *Error) {
	if u <= math.MaxInt64 {
		return normInt64(int64(u)), nil
	}
	return float64(u), nil
}

func normFloat(f float64) (any, *Error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, newErr(KindEval, -1, "a number is not finite")
	}
	if f == math.Trunc(f) && math.Abs(f) <= maxExactFloat {
		return int(int64(f)), nil
	}
	return f, nil
}

// normNumber parses a JSON number: an integer within int64 keeps every
// digit, anything else is a float64.
func normNumber(s string) (any, *Error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return normInt64(i), nil
	}
	if !isDecimal(s) {
		return nil, newErr(KindEval, -1, "a variable holds an invalid number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return nil, newErr(KindEval, -1, "a variable holds an invalid number")
	}
	return normFloat(f)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isDecimal reports whether s is a decimal number: an optional sign, digits
// with an optional fraction (or a fraction alone), an optional exponent. No
// hex, no infinities, no underscores.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// normalizeOut converts an evaluation result into the JSON values the
// package returns: nil, bool, int64, float64, string, []any and
// map[string]any. Integral floats within ±2^53 become int64; bytes become
// their base64 string; ranges and other slices become []any. Containers are
// always copied, so a result never aliases the caller's variables.
func normalizeOut(v any, lim *Limits) (any, *Error) {
	if lim == nil {
		l := DefaultLimits()
		lim = &l
	}
	return normOut(v, lim, 0)
}

func normOut(v any, lim *Limits, depth int) (any, *Error) {
	if depth > maxDocDepth {
		return nil, newErr(KindLimit, -1, "a value nests too deeply")
	}
	switch t := v.(type) {
	case nil, bool, string:
		return v, nil
	case int:
		return int64(t), nil
	case int64:
		return t, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, newErr(KindEval, -1, "a number is not finite")
		}
		if t == math.Trunc(t) && math.Abs(t) <= maxExactFloat {
			return int64(t), nil
		}
		return t, nil
	case bytesValue:
		return t.String(), nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			n, err := normOut(e, lim, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			n, err := normOut(e, lim, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case values.Range:
		n := t.Len()
		if n <= 0 {
			return []any{}, nil
		}
		if n > lim.MaxItems {
			return nil, newErr(KindLimit, -1, "a range has more than %d items", lim.MaxItems)
		}
		out := make([]any, n)
		for i := range out {
			out[i] = int64(t.Index(i).(int))
		}
		return out, nil
	case time.Time:
		return t.Format("2006-01-02 15:04:05 -0700"), nil
	case json.Number:
		n, err := normNumber(string(t))
		if err != nil {
			return nil, err
		}
		return normOut(n, lim, depth)
	}
	n, err := normalizeIn(v, depth)
	if err != nil {
		return nil, err
	}
	return normOut(n, lim, depth+1)
}

// appendText appends the text form of v: strings as they are, nil as
// nothing, numbers and booleans as in JSON, bytes as base64, arrays and
// objects as JSON. An array or object whose JSON would exceed max bytes is
// refused before it is copied or encoded (a few items can hold the same
// large value many times).
func appendText(b []byte, v any, lim *Limits, max int) ([]byte, *Error) {
	switch t := v.(type) {
	case nil:
		return b, nil
	case string:
		return append(b, t...), nil
	case bool:
		return strconv.AppendBool(b, t), nil
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, newErr(KindEval, -1, "a number is not finite")
		}
		return appendFloat(b, t), nil
	case bytesValue:
		return base64.StdEncoding.AppendEncode(b, t), nil
	}
	if lim == nil {
		l := DefaultLimits()
		lim = &l
	}
	if jsonSize(v, max) > max {
		return nil, newErr(KindLimit, -1, "a value's text exceeds %d bytes", lim.MaxOutput)
	}
	n, err := normalizeOut(v, lim)
	if err != nil {
		return nil, err
	}
	switch n.(type) {
	case []any, map[string]any:
		return appendJSON(b, n)
	}
	return appendText(b, n, lim, max)
}

// textOf is appendText into a new string, within MaxOutput.
func textOf(v any, lim *Limits) (string, *Error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if lim == nil {
		l := DefaultLimits()
		lim = &l
	}
	b, err := appendText(nil, v, lim, lim.MaxOutput)
	return string(b), err
}

// appendFloat formats f as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) <= maxExactFloat {
		return strconv.AppendInt(b, int64(f), 10)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSON appends the JSON encoding of a normalised value: keys sorted,
// no HTML escaping.
func appendJSON(b []byte, v any) ([]byte, *Error) {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, newErr(KindEval, -1, "a value cannot be encoded as JSON")
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil // Encode appends a newline
}

// jsonText is the JSON text of any evaluation value.
func jsonText(v any, lim *Limits) (string, *Error) {
	if lim == nil {
		l := DefaultLimits()
		lim = &l
	}
	if jsonSize(v, lim.MaxOutput) > lim.MaxOutput {
		return "", newErr(KindLimit, -1, "a string exceeds %d bytes", lim.MaxOutput)
	}
	n, err := normalizeOut(v, lim)
	if err != nil {
		return "", err
	}
	b, err := appendJSON(nil, n)
	return string(b), err
}

// Weights of workSize, in bytes: a step is charged per KiB. An array item
// or an object entry costs more than its bytes, since reading one is a
// comparison, a hash or a reflective call (contains, ==, uniq, sort, for
// over an object, which sorts the keys).
const (
	itemWork  = 128
	entryWork = 256
)

// workSize measures the work of reading v whole, for step accounting: the
// bytes of its strings, itemWork per array item and entryWork (plus the key)
// per object entry, deep. A container held twice counts twice, as reading
// it does. It stops once the count exceeds limit (returning more than
// limit), so that measuring costs at most what it allows.
func workSize(v any, limit int) int {
	switch t := v.(type) {
	case string:
		return len(t)
	case nil, bool, int, int64, float64:
		return 8
	}
	return measure(v, 0, limit, 0, false)
}

// jsonSize is a lower bound of the length of v's JSON (strings unescaped,
// numbers one digit), deep, stopping once it exceeds limit. A value whose
// jsonSize exceeds a bound has JSON that does too; one within it has JSON
// of at most six times the bound (the worst escaping).
func jsonSize(v any, limit int) int {
	return measure(v, 0, limit, 0, true)
}

// measure adds the size of v to n: the JSON lower bound, or the work.
func measure(v any, n, limit, depth int, asJSON bool) int {
	if n > limit || depth > maxDocDepth {
		return limit + 1
	}
	item, entry, scalar := itemWork, entryWork, 8
	if asJSON {
		item, entry, scalar = 1, 3, 1
	}
	switch t := v.(type) {
	case string:
		if asJSON {
			return n + len(t) + 2
		}
		return n + len(t)
	case bytesValue:
		if asJSON {
			return n + base64.StdEncoding.EncodedLen(len(t)) + 2
		}
		return n + len(t)
	case []byte:
		return n + len(t)
	case json.Number:
		return n + len(t)
	case nil, bool:
		if asJSON {
			return n + 4
		}
		return n + scalar
	case []any:
		n += 2
		for _, e := range t {
			if n = measure(e, n+item, limit, depth+1, asJSON); n > limit {
				return n
			}
		}
		return n
	case map[string]any:
		n += 2
		for k, e := range t {
			if n = measure(e, n+entry+len(k), limit, depth+1, asJSON); n > limit {
				return n
			}
		}
		return n
	case []string:
		n += 2
		for _, e := range t {
			if n += item + len(e) + 2; n > limit {
				return n
			}
		}
		return n
	case map[string]string:
		n += 2
		for k, e := range t {
			if n += entry + len(k) + len(e) + 2; n > limit {
				return n
			}
		}
		return n
	case values.Range:
		// Iterating a range is charged per iteration and materialising it
		// per item; as JSON it is an array of numbers.
		if asJSON {
			return n + 2 + 2*max(t.Len(), 0)
		}
		return n + scalar
	}
	return n + scalar
}
