package expr

import (
	"encoding/base64"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/osteele/liquid/values"
)

// Standard Liquid filters reimplemented with Shopify's semantics, bounded
// (a result larger than the limits is refused before it is built), UTF-8
// aware, and reading bytes as base64 text. The others come from
// osteele/liquid unchanged (keepStd in filters.go).

func init() {
	register("append", 0, 1, func(st *evalState, in any, args []any) (any, *Error) {
		return concatText(st, in, args, false)
	}).nilIn = true
	register("prepend", 0, 1, func(st *evalState, in any, args []any) (any, *Error) {
		return concatText(st, in, args, true)
	}).nilIn = true
	register("capitalize", 0, 0, textFilter(func(s string) string {
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return s
		}
		return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
	}))
	register("downcase", 0, 0, textFilter(strings.ToLower))
	register("upcase", 0, 0, textFilter(strings.ToUpper))
	register("escape", 0, 0, textFilter(html.EscapeString))
	register("escape_once", 0, 0, textFilter(func(s string) string {
		return html.EscapeString(html.UnescapeString(s))
	}))
	register("newline_to_br", 0, 0, textFilter(func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "<br />\n")
	}))
	register("strip", 0, 0, textFilter(strings.TrimSpace))
	register("lstrip", 0, 0, textFilter(func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) }))
	register("rstrip", 0, 0, textFilter(func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }))
	register("strip_newlines", 0, 0, textFilter(func(s string) string {
		return strings.NewReplacer("\r\n", "", "\n", "", "\r", "").Replace(s)
	}))
	register("strip_html", 0, 0, textFilter(func(s string) string {
		return htmlTag.ReplaceAllString(htmlBlock.ReplaceAllString(s, ""), "")
	}))
	register("url_encode", 0, 0, textFilter(url.QueryEscape))
	register("url_decode", 0, 0, func(st *evalState, in any, args []any) (any, *Error) {
		s, err := inAnyText(st, in)
		if err != nil {
			return nil, err
		}
		out, e := url.QueryUnescape(s)
		if e != nil {
			return nil, inErr("the input is not URL-encoded")
		}
		return out, nil
	})
	register("base64_encode", 0, 0, textFilter(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }))
	register("base64_url_safe_encode", 0, 0, textFilter(func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }))
	register("base64_decode", 0, 0, decodeFilter(base64.StdEncoding))
	register("base64_url_safe_decode", 0, 0, decodeFilter(base64.URLEncoding))

	// remove and replace take a missing argument as "" (the default search
	// index of social security numbers is {{ data | replace: '-' }}).
	register("remove", 0, 1, replaceFilter(replaceAll, true))
	register("remove_first", 0, 1, replaceFilter(replaceFirst, true))
	register("remove_last", 0, 1, replaceFilter(replaceLast, true))
	register("replace", 0, 2, replaceFilter(replaceAll, false))
	register("replace_first", 0, 2, replaceFilter(replaceFirst, false))
	register("replace_last", 0, 2, replaceFilter(replaceLast, false))

	register("slice", 1, 2, sliceFilter)
	register("split", 0, 1, splitFilter).nilIn = true
	register("join", 0, 1, joinFilter)
	register("truncate", 0, 2, truncateFilter)
	register("truncatewords", 0, 2, truncateWordsFilter)
	register("size", 0, 0, sizeFilter).nilIn = true
	register("uniq", 0, 0, uniqFilter)
	register("where", 1, 2, whereFilter)
	register("at_least", 1, 1, clampFilter(true)).nilIn = true
	register("at_most", 1, 1, clampFilter(false)).nilIn = true
	register("type", 0, 0, typeFilter).nilIn = true
}

var (
	htmlBlock = regexp.MustCompile(`(?is)<script.*?</script>|<style.*?</style>|<!--.*?-->`)
	htmlTag   = regexp.MustCompile(`(?s)<.*?>`)
)

// textFilter lifts a string function whose result is at most a few times
// its input (apply bounds the result).
func textFilter(f func(string) string) filterFunc {
	return func(st *evalState, in any, args []any) (any, *Error) {
		s, err := inAnyText(st, in)
		if err != nil {
			return nil, err
		}
		return f(s), nil
	}
}

func decodeFilter(enc *base64.Encoding) filterFunc {
	return func(st *evalState, in any, args []any) (any, *Error) {
		s, err := inAnyText(st, in)
		if err != nil {
			return nil, err
		}
		b, e := enc.DecodeString(s)
		if e != nil {
			return nil, inErr("the input is not base64")
		}
		return string(b), nil
	}
}

func concatText(st *evalState, in any, args []any, before bool) (any, *Error) {
	s, err := inAnyText(st, in)
	if err != nil {
		return nil, err
	}
	var a string
	if len(args) > 0 {
		if a, err = inAnyText(st, args[0]); err != nil {
			return nil, err
		}
	}
	if len(s)+len(a) > st.lim.MaxOutput {
		return nil, newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
	}
	if before {
		return a + s, nil
	}
	return s + a, nil
}

type replaceMode int

const (
	replaceAll replaceMode = iota
	replaceFirst
	replaceLast
)

func replaceFilter(mode replaceMode, remove bool) filterFunc {
	return func(st *evalState, in any, args []any) (any, *Error) {
		s, err := inAnyText(st, in)
		if err != nil {
			return nil, err
		}
		var old, repl string
		if len(args) > 0 {
			if old, err = inAnyText(st, args[0]); err != nil {
				return nil, err
			}
		}
		if !remove && len(args) > 1 {
			if repl, err = inAnyText(st, args[1]); err != nil {
				return nil, err
			}
		}
		switch mode {
		case replaceFirst:
			if len(s)+len(repl) > st.lim.MaxOutput {
				return nil, newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
			}
			return strings.Replace(s, old, repl, 1), nil
		case replaceLast:
			i := strings.LastIndex(s, old)
			if i < 0 {
				return s, nil
			}
			if len(s)+len(repl) > st.lim.MaxOutput {
				return nil, newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
			}
			return s[:i] + repl + s[i+len(old):], nil
		}
		if old == repl {
			return s, nil
		}
		n := strings.Count(s, old)
		if len(s)+n*(len(repl)-len(old)) > st.lim.MaxOutput {
			return nil, newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
		}
		return strings.ReplaceAll(s, old, repl), nil
	}
}

// slice: start (negative counts from the end), length (1). Strings count
// characters; arrays are sliced too.
func sliceFilter(st *evalState, in any, args []any) (any, *Error) {
	start, err := argInt(args, 0, 0)
	if err != nil {
		return nil, err
	}
	n, err := argCount(args, 1, 1)
	if err != nil {
		return nil, err
	}
	bounds := func(size int) (int, int) {
		if start < 0 {
			start += size
		}
		if start < 0 || start >= size {
			return 0, 0
		}
		end := size
		if n < size-start {
			end = start + n
		}
		return start, end
	}
	if a, ok := in.([]any); ok {
		i, j := bounds(len(a))
		return slices.Clone(a[i:j]), nil
	}
	s, err := inAnyText(st, in)
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	i, j := bounds(len(rs))
	return string(rs[i:j]), nil
}

// split: on " " it splits on runs of whitespace (and drops leading ones),
// on "" into characters; trailing empty strings are dropped, as in Ruby.
func splitFilter(st *evalState, in any, args []any) (any, *Error) {
	if in == nil {
		return []any{}, nil
	}
	s, err := inAnyText(st, in)
	if err != nil {
		return nil, err
	}
	sep := " "
	if len(args) > 0 && args[0] != nil {
		if sep, err = inAnyText(st, args[0]); err != nil {
			return nil, err
		}
	}
	var parts []string
	switch sep {
	case " ":
		parts = strings.Fields(s)
	case "":
		if n := utf8.RuneCountInString(s); n > st.lim.MaxItems {
			return nil, newErr(KindLimit, -1, "an array exceeds %d items", st.lim.MaxItems)
		}
		parts = strings.Split(s, "")
	default:
		if n := strings.Count(s, sep) + 1; n > st.lim.MaxItems {
			return nil, newErr(KindLimit, -1, "an array exceeds %d items", st.lim.MaxItems)
		}
		parts = strings.Split(s, sep)
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// join: separator (" "); null items are skipped, others are their text.
func joinFilter(st *evalState, in any, args []any) (any, *Error) {
	sep := " "
	var err *Error
	if len(args) > 0 && args[0] != nil {
		if sep, err = inAnyText(st, args[0]); err != nil {
			return nil, err
		}
	}
	a, ok := in.([]any)
	if !ok {
		return inAnyText(st, in)
	}
	var b strings.Builder
	first := true
	for _, v := range a {
		if v == nil {
			continue
		}
		s, err := inAnyText(st, v)
		if err != nil {
			return nil, err
		}
		if !first {
			s = sep + s
		}
		first = false
		if b.Len()+len(s) > st.lim.MaxOutput {
			return nil, newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
		}
		if err := st.wrote(len(s)); err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// truncate: length (50) in characters including the ellipsis ("...").
func truncateFilter(st *evalState, in any, args []any) (any, *Error) {
	s, err := inAnyText(st, in)
	if err != nil {
		return nil, err
	}
	n, err := argInt(args, 0, 50)
	if err != nil {
		return nil, err
	}
	ell, err := argString(args, 1, "...")
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	if len(rs) <= n {
		return s, nil
	}
	keep := max(n-utf8.RuneCountInString(ell), 0)
	return string(rs[:keep]) + ell, nil
}

// truncatewords: words (15), ellipsis ("...").
func truncateWordsFilter(st *evalState, in any, args []any) (any, *Error) {
	s, err := inAnyText(st, in)
	if err != nil {
		return nil, err
	}
	n, err := argInt(args, 0, 15)
	if err != nil {
		return nil, err
	}
	ell, err := argString(args, 1, "...")
	if err != nil {
		return nil, err
	}
	n = max(n, 1)
	words := strings.Fields(s)
	if len(words) <= n {
		return s, nil
	}
	return strings.Join(words[:n], " ") + ell, nil
}

// size: characters of a string, items of an array, keys of an object,
// bytes of bytes; 0 otherwise.
func sizeFilter(st *evalState, in any, args []any) (any, *Error) {
	switch t := in.(type) {
	case string:
		return utf8.RuneCountInString(t), nil
	case []any:
		return len(t), nil
	case map[string]any:
		return len(t), nil
	case bytesValue:
		return len(t), nil
	case []string:
		return len(t), nil
	}
	return values.Length(in), nil
}

// uniq: items in first-seen order without repeats (objects and arrays
// compare by their JSON).
func uniqFilter(st *evalState, in any, args []any) (any, *Error) {
	a, ok := in.([]any)
	if !ok {
		return in, nil
	}
	seen := make(map[any]bool, len(a))
	out := make([]any, 0, len(a))
	for _, v := range a {
		key := v
		switch v.(type) {
		case []any, map[string]any, bytesValue:
			s, err := jsonText(v, &st.lim)
			if err != nil {
				return nil, err
			}
			key = "\x00" + s
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// where: property, value. Items (objects) whose property equals value, or
// is truthy when value is absent.
func whereFilter(st *evalState, in any, args []any) (any, *Error) {
	a, ok := in.([]any)
	if !ok {
		return nil, inErr("the input must be an array")
	}
	prop, err := argString(args, 0, "")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, v := range a {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		pv := m[prop]
		if len(args) < 2 {
			if pv != nil && pv != false {
				out = append(out, v)
			}
		} else if values.Equal(pv, args[1]) {
			out = append(out, v)
		}
	}
	return out, nil
}

// at_least, at_most: the larger or smaller of the input and the argument.
func clampFilter(least bool) filterFunc {
	return func(st *evalState, in any, args []any) (any, *Error) {
		a, ok1 := number(in)
		b, ok2 := number(args[0])
		if !ok1 || !ok2 {
			return nil, inErr("the input and the argument must be numbers")
		}
		if least == (a < b) {
			return args[0], nil
		}
		if in == nil {
			return 0, nil
		}
		return in, nil
	}
}

func number(v any) (float64, bool) {
	switch t := v.(type) {
	case nil:
		return 0, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case string:
		n, err := normNumber(strings.TrimSpace(t))
		if err != nil {
			return 0, false
		}
		return number(n)
	}
	return 0, false
}

// type names the JSON type of the input: null, boolean, number, string,
// bytes, array or object.
func typeFilter(st *evalState, in any, args []any) (any, *Error) {
	switch in.(type) {
	case nil:
		return "null", nil
	case bool:
		return "boolean", nil
	case int, int64, float64:
		return "number", nil
	case string:
		return "string", nil
	case bytesValue:
		return "bytes", nil
	case map[string]any:
		return "object", nil
	}
	return "array", nil
}
