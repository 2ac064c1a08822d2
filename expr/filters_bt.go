package expr

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/ohler55/ojg/jp"
)

// The platform's filters (reference §2.3). Unless a filter says otherwise, a
// null input gives null.

func init() {
	register("alias_card", 0, 2, aliasCard)
	register("alias_preserve_format", 0, 2, aliasPreserveFormat)
	register("alias_preserve_length", 0, 2, aliasPreserveLength)
	register("card_bin", 0, 1, cardBin)
	register("card_exp", 1, 1, cardExp)
	register("card_mask", 0, 4, cardMask)
	register("json", 1, 1, jsonPath)
	register("json_stringify", 0, 0, stringify).last = true
	register("stringify", 0, 0, stringify).last = true
	register("last4", 0, 0, last4)
	register("pad_left", 2, 2, padLeft)
	register("pad_right", 2, 2, padRight)
	register("reveal", 0, 4, reveal)
	register("reveal_last", 1, 2, revealLast)
	register("to_boolean", 0, 0, toBoolean)
	register("to_number", 0, 0, toNumber)
	register("to_string", 0, 0, toString)
	register("hmac", 1, 2, hmacFilter)
	register("to_base64", 0, 0, toBase64).nilIn = true
	register("to_base16", 0, 0, toBase16).nilIn = true
}

// cardDigits splits a card number into its runes and the indexes of its
// digits; delimiters (space and -) are kept, anything else is refused.
func cardDigits(s string) ([]rune, []int, *Error) {
	rs := []rune(s)
	var idx []int
	for i, r := range rs {
		switch {
		case r >= '0' && r <= '9':
			idx = append(idx, i)
		case r == ' ' || r == '-':
		default:
			return nil, nil, inErr("the input is not a card number")
		}
	}
	if len(idx) == 0 {
		return nil, nil, inErr("the input is not a card number")
	}
	return rs, idx, nil
}

// binLen is the BIN length of a card number of n digits.
func binLen(n int) int {
	if n < 16 {
		return 6
	}
	return 8
}

// alias_card: reveal_bin, reveal_last4 ('true'/'false', default false).
// Every digit not revealed becomes a random digit; delimiters are kept. A
// number with fewer digits than the revealed ones is an error.
func aliasCard(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	revealBin, err := argBool(args, 0, false)
	if err != nil {
		return nil, err
	}
	revealLast4, err := argBool(args, 1, false)
	if err != nil {
		return nil, err
	}
	rs, idx, err := cardDigits(s)
	if err != nil {
		return nil, err
	}
	n, bin, last := len(idx), 0, 0
	if revealBin {
		bin = binLen(n)
	}
	if revealLast4 {
		last = 4
	}
	if n < bin+last {
		return nil, inErr("the card number is shorter than the revealed digits")
	}
	for k, i := range idx {
		if k < bin || k >= n-last {
			continue
		}
		rs[i] = rune('0' + st.randIntn(10))
	}
	return string(rs), nil
}

// revealSpan reads reveal_first_length and reveal_last_length for the alias
// filters. When they cover the whole value nothing is revealed, as with
// reveal: an alias never equals its data.
func revealSpan(args []any, n int) (first, last int, err *Error) {
	if first, err = argCount(args, 0, 0); err != nil {
		return
	}
	if last, err = argCount(args, 1, 0); err != nil {
		return
	}
	if first+last >= n {
		return 0, 0, nil
	}
	return first, last, nil
}

// alias_preserve_format: digits become random digits, letters random
// lowercase letters (as the platform's examples show), everything else is
// kept.
func aliasPreserveFormat(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	first, last, err := revealSpan(args, len(rs))
	if err != nil {
		return nil, err
	}
	for i, r := range rs[first : len(rs)-last] {
		switch {
		case unicode.IsDigit(r):
			rs[first+i] = rune('0' + st.randIntn(10))
		case unicode.IsLetter(r):
			rs[first+i] = rune('a' + st.randIntn(26))
		}
	}
	return string(rs), nil
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// alias_preserve_length: every character not revealed becomes a random
// lowercase letter or digit.
func aliasPreserveLength(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	first, last, err := revealSpan(args, len(rs))
	if err != nil {
		return nil, err
	}
	for i := first; i < len(rs)-last; i++ {
		rs[i] = rune(alnum[st.randIntn(len(alnum))])
	}
	return string(rs), nil
}

// card_bin: separator_char (optional) is removed first; the rest must be
// digits. The BIN is 6 digits below 16 digits, else 8.
func cardBin(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	sep, err := argString(args, 0, "")
	if err != nil {
		return nil, err
	}
	if sep != "" {
		s = strings.ReplaceAll(s, sep, "")
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return nil, inErr("the input is not a card number")
		}
	}
	n := binLen(len(s))
	if len(s) < n {
		return nil, inErr("the card number is shorter than its BIN")
	}
	return s[:n], nil
}

// card_exp: date_expression made of MM, YY and YYYY and the separators
// / - _ . and space (MM, MMYY, YYYY, YYYY-MM, YYYY/MM, MM/YY, MM/YYYY,
// MM_YYYY, MM-YYYY and the like) applied to a card object's
// expiration_month and expiration_year.
func cardExp(st *evalState, in any, args []any) (any, *Error) {
	card, ok := in.(map[string]any)
	if !ok {
		return nil, inErr("the input must be a card object")
	}
	format, err := argString(args, 0, "")
	if err != nil {
		return nil, err
	}
	if format == "" {
		return nil, argErr(0, "must be a date format such as 'MM/YY'")
	}
	month, year := -1, -1
	field := func(name string) (int, *Error) {
		v, err := argInt([]any{card[name]}, 0, -1)
		if err != nil || v < 0 {
			return 0, inErr("the card has no valid %s", name)
		}
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(format); {
		switch {
		case strings.HasPrefix(format[i:], "MM"):
			if month < 0 {
				if month, err = field("expiration_month"); err != nil {
					return nil, err
				}
				if month < 1 || month > 12 {
					return nil, inErr("the card has no valid expiration_month")
				}
			}
			b.WriteString(pad2(month))
			i += 2
		case strings.HasPrefix(format[i:], "YYYY"), strings.HasPrefix(format[i:], "YY"):
			if year < 0 {
				if year, err = field("expiration_year"); err != nil {
					return nil, err
				}
				if year < 100 {
					year += 2000
				}
				if year > 9999 {
					return nil, inErr("the card has no valid expiration_year")
				}
			}
			if strings.HasPrefix(format[i:], "YYYY") {
				b.WriteString(strconv.Itoa(year))
				i += 4
			} else {
				b.WriteString(pad2(year % 100))
				i += 2
			}
		case strings.IndexByte("/-_. ", format[i]) >= 0:
			b.WriteByte(format[i])
			i++
		default:
			return nil, argErr(0, "must be a date format made of MM, YY, YYYY and / - _ . or space")
		}
	}
	return b.String(), nil
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// card_mask: reveal_bin, reveal_last4 ('true'/'false'), mask_char ('X'),
// preserve_char (characters kept as they are, e.g. '-'). The BIN length
// counts the characters that are not preserved. If the result equals the
// input, every character is masked.
func cardMask(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	revealBin, err := argBool(args, 0, false)
	if err != nil {
		return nil, err
	}
	revealLast4, err := argBool(args, 1, false)
	if err != nil {
		return nil, err
	}
	mask, err := argChar(args, 2, 'X')
	if err != nil {
		return nil, err
	}
	preserve, err := argString(args, 3, "")
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	var idx []int
	for i, r := range rs {
		if !strings.ContainsRune(preserve, r) {
			idx = append(idx, i)
		}
	}
	n, bin, last := len(idx), 0, 0
	if revealBin {
		bin = binLen(n)
	}
	if revealLast4 {
		last = 4
	}
	out := make([]rune, len(rs))
	copy(out, rs)
	for k, i := range idx {
		if k < bin || k >= n-last {
			continue
		}
		out[i] = mask
	}
	if string(out) == s {
		return maskAll(rs, mask), nil
	}
	return string(out), nil
}

func maskAll(rs []rune, mask rune) string {
	return strings.Repeat(string(mask), len(rs))
}

// reveal: reveal_first, reveal_last (0), mask_char ('X'), preserve_chars
// (none). The middle is masked except the preserved characters. If the value
// has at most reveal_first+reveal_last characters, or masking changes
// nothing, every character is masked.
func reveal(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	first, err := argCount(args, 0, 0)
	if err != nil {
		return nil, err
	}
	last, err := argCount(args, 1, 0)
	if err != nil {
		return nil, err
	}
	mask, err := argChar(args, 2, 'X')
	if err != nil {
		return nil, err
	}
	preserve, err := argString(args, 3, "")
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	if len(rs) <= first+last {
		return maskAll(rs, mask), nil
	}
	out := make([]rune, len(rs))
	for i, r := range rs {
		if i < first || i >= len(rs)-last || strings.ContainsRune(preserve, r) {
			out[i] = r
		} else {
			out[i] = mask
		}
	}
	if string(out) == s {
		return maskAll(rs, mask), nil
	}
	return string(out), nil
}

// reveal_last: length (required), mask_char ('X'). Every character but the
// last length is masked, except '-' which is kept (123-45-6789 with 4 gives
// XXX-XX-6789; a space is masked). A value of at most length characters is
// returned whole, as the platform documents.
func revealLast(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	if args[0] == nil {
		return nil, argErr(0, "must be an integer")
	}
	n, err := argCount(args, 0, 0)
	if err != nil {
		return nil, err
	}
	mask, err := argChar(args, 1, 'X')
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	if len(rs) <= n {
		return s, nil
	}
	for i := range rs[:len(rs)-n] {
		if rs[i] != '-' {
			rs[i] = mask
		}
	}
	return string(rs), nil
}

// last4: the last 4 characters, or the whole value if shorter.
func last4(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	if len(rs) <= 4 {
		return s, nil
	}
	return string(rs[len(rs)-4:]), nil
}

func padLeft(st *evalState, in any, args []any) (any, *Error)  { return pad(st, in, args, true) }
func padRight(st *evalState, in any, args []any) (any, *Error) { return pad(st, in, args, false) }

// pad_left, pad_right: length, pad_char (both required); never truncate.
func pad(st *evalState, in any, args []any, left bool) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	if args[0] == nil {
		return nil, argErr(0, "must be an integer")
	}
	n, err := argCount(args, 0, 0)
	if err != nil {
		return nil, err
	}
	if args[1] == nil {
		return nil, argErr(1, "must be one character")
	}
	c, err := argChar(args, 1, ' ')
	if err != nil {
		return nil, err
	}
	have := len([]rune(s))
	if have >= n {
		return s, nil
	}
	if n > st.lim.MaxOutput {
		return nil, newErr(KindLimit, -1, "a string exceeds %d bytes", st.lim.MaxOutput)
	}
	p := strings.Repeat(string(c), n-have)
	if left {
		return p + s, nil
	}
	return s + p, nil
}

// json_stringify (and its former name stringify): the JSON text of the
// input. A string is returned as it is (the platform's example), null gives
// null. Must be the last filter.
func stringify(st *evalState, in any, args []any) (any, *Error) {
	switch t := in.(type) {
	case string:
		return t, nil
	case bytesValue:
		return t.String(), nil
	}
	s, err := jsonText(in, &st.lim)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// to_boolean: booleans; the strings true and false (any case, surrounding
// spaces ignored); numbers (zero is false). Anything else is an error.
func toBoolean(st *evalState, in any, args []any) (any, *Error) {
	switch t := in.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	case int:
		return t != 0, nil
	case int64:
		return t != 0, nil
	case float64:
		return t != 0, nil
	}
	return nil, inErr("the input cannot be cast to a boolean")
}

// to_number: numbers; decimal strings (an integer keeps every digit within
// int64); booleans (1 and 0). Anything else is an error.
func toNumber(st *evalState, in any, args []any) (any, *Error) {
	switch t := in.(type) {
	case int, int64, float64:
		return t, nil
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case string:
		if s := strings.TrimSpace(t); isDecimal(s) {
			if n, err := normNumber(s); err == nil {
				return n, nil
			}
		}
	}
	return nil, inErr("the input cannot be cast to a number")
}

// to_string: text of strings, numbers, booleans and bytes (base64); an
// object or array is an error, as the platform documents.
func toString(st *evalState, in any, args []any) (any, *Error) {
	s, err := inText(in)
	if err != nil {
		return nil, inErr("the input cannot be cast to a string")
	}
	return s, nil
}

// hmac: algorithm (sha-1, sha-256 (default) or sha-512), key (required).
// hmac: 'key' alone uses sha-256. Returns bytes; chain to_base64 or
// to_base16 (used as text, bytes are base64).
func hmacFilter(st *evalState, in any, args []any) (any, *Error) {
	var data []byte
	switch t := in.(type) {
	case bytesValue:
		data = t
	default:
		s, err := inText(in)
		if err != nil {
			return nil, err
		}
		data = []byte(s)
	}
	alg, keyIdx := "sha-256", 0
	if len(args) == 2 {
		a, err := argString(args, 0, "sha-256")
		if err != nil {
			return nil, err
		}
		alg, keyIdx = a, 1
	} else if s, ok := args[0].(string); ok && hashOf(s) != nil {
		return nil, argErr(1, "(the key) is required")
	}
	h := hashOf(alg)
	if h == nil {
		return nil, argErr(0, "must be sha-1, sha-256 or sha-512")
	}
	key, err := argString(args, keyIdx, "")
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, argErr(keyIdx, "(the key) must not be empty")
	}
	m := hmac.New(h, []byte(key))
	m.Write(data)
	return bytesValue(m.Sum(nil)), nil
}

func hashOf(alg string) func() hash.Hash {
	switch strings.ToLower(alg) {
	case "sha-1", "sha1":
		return sha1.New
	case "sha-256", "sha256":
		return sha256.New
	case "sha-512", "sha512":
		return sha512.New
	}
	return nil
}

// inBytes reads the input of to_base64 and to_base16: bytes, or text as its
// UTF-8 bytes. Null is an error.
func inBytes(in any) ([]byte, *Error) {
	switch t := in.(type) {
	case nil:
		return nil, inErr("the input is null")
	case bytesValue:
		return t, nil
	}
	s, err := inText(in)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func toBase64(st *evalState, in any, args []any) (any, *Error) {
	b, err := inBytes(in)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// to_base16: uppercase hex, as the filter's documentation shows.
func toBase16(st *evalState, in any, args []any) (any, *Error) {
	b, err := inBytes(in)
	if err != nil {
		return nil, err
	}
	return strings.ToUpper(hex.EncodeToString(b)), nil
}

// ---- json: JSONPath ----

// jsonPath: json_path_expression (Goessner JSONPath, filters included, by
// ohler55/ojg). No match gives null, one match its value, several an error.
func jsonPath(st *evalState, in any, args []any) (out any, err *Error) {
	path, err := argString(args, 0, "")
	if err != nil {
		return nil, err
	}
	p, err := compilePath(path)
	if err != nil {
		return nil, err
	}
	if v, n, ok := p.simpleGet(in); ok {
		if n == 0 {
			return nil, nil
		}
		return jpValue(v), nil
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, inErr("the JSONPath cannot be evaluated on this input")
		}
	}()
	res := p.x.Get(in)
	if err := st.step(len(res) / 64); err != nil {
		return nil, err
	}
	switch len(res) {
	case 0:
		return nil, nil
	case 1:
		return jpValue(res[0]), nil
	}
	return nil, inErr("the JSONPath matched %d values; it must match one", len(res))
}

// jpValue maps a value found by ojg back into the evaluation domain.
func jpValue(v any) any {
	switch t := v.(type) {
	case int64:
		return normInt64(t)
	case uint8:
		return int(t)
	case float64:
		if t == math.Trunc(t) && math.Abs(t) <= maxExactFloat {
			return int(t)
		}
	}
	return v
}

// jsonPathExpr is a parsed JSONPath. A path of names and indexes only
// ($.a.b[0]) is also kept as steps, followed without ojg's machinery.
type jsonPathExpr struct {
	x      jp.Expr
	steps  []jp.Frag // jp.Child or jp.Nth
	simple bool
}

// simpleGet follows a simple path as ojg's Get does; ok is false when the
// path is not simple or meets a value only ojg knows how to walk.
func (p *jsonPathExpr) simpleGet(in any) (v any, n int, ok bool) {
	if !p.simple {
		return nil, 0, false
	}
	v = in
	for _, f := range p.steps {
		switch t := v.(type) {
		case map[string]any:
			c, isChild := f.(jp.Child)
			if !isChild {
				return nil, 0, true
			}
			x, has := t[string(c)]
			if !has {
				return nil, 0, true
			}
			v = x
		case []any:
			i, isNth := f.(jp.Nth)
			if !isNth {
				return nil, 0, true
			}
			k := int(i)
			if k < 0 {
				k += len(t)
			}
			if k < 0 || k >= len(t) {
				return nil, 0, true
			}
			v = t[k]
		case nil, bool, string, int, int64, float64:
			return nil, 0, true
		default:
			return nil, 0, false
		}
	}
	return v, 1, true
}

var paths = struct {
	sync.Mutex
	m map[string]*jsonPathExpr
}{m: map[string]*jsonPathExpr{}}

const maxPaths = 1024

// compilePath parses a JSONPath, caching the result.
func compilePath(s string) (*jsonPathExpr, *Error) {
	paths.Lock()
	p, ok := paths.m[s]
	paths.Unlock()
	if ok {
		return p, nil
	}
	if strings.TrimSpace(s) == "" {
		return nil, argErr(0, "must be a JSONPath")
	}
	x, err := jp.ParseString(s)
	if err != nil || len(x) == 0 {
		return nil, argErr(0, "is not a valid JSONPath")
	}
	p = &jsonPathExpr{x: x, simple: true}
	for i, f := range x {
		switch f.(type) {
		case jp.Root, jp.At:
			p.simple = p.simple && i == 0
		case jp.Child, jp.Nth:
			p.steps = append(p.steps, f)
		default:
			p.simple = false
		}
	}
	paths.Lock()
	if len(paths.m) >= maxPaths {
		clear(paths.m)
	}
	paths.m[s] = p
	paths.Unlock()
	return p, nil
}
