// Package jsonv decodes JSON into the generic values the vault works with:
// map[string]any, []any, string, json.Number, bool and nil, exactly as
// encoding/json does with UseNumber, but several times faster. Token data is
// decoded on every read, so this is on the hot path.
//
// The decoder accepts what encoding/json accepts and rejects what it rejects
// (a differential fuzz test holds it to that), including invalid UTF-8,
// which it replaces with U+FFFD as encoding/json does.
//
// Check is stricter: it refuses, with the path of the value, a string that
// is not valid UTF-8 (invalid bytes, or a \u escape of an unpaired
// surrogate) and a number beyond float64 (1e999999), the two things
// Decode accepts but cannot hand over unchanged. JSON from outside the vault
// is checked before it is decoded.
package jsonv

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting accepted, as in encoding/json.
const MaxDepth = 10000

// ErrSyntax is returned (wrapped with the offset) for input that is not one
// JSON value.
var ErrSyntax = errors.New("jsonv: invalid JSON")

// SyntaxError reports where decoding failed; it never quotes the input.
type SyntaxError struct {
	Offset int
	msg    string
}

func (e *SyntaxError) Error() string {
	return "jsonv: " + e.msg + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

type decoder struct {
	b     []byte
	i     int
	depth int
}

// Decode parses b, which must hold exactly one JSON value (surrounding
// whitespace allowed).
func Decode(b []byte) (any, error) {
	d := decoder{b: b}
	d.space()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i != len(d.b) {
		return nil, d.fail("unexpected data after the value")
	}
	return v, nil
}

func (d *decoder) fail(msg string) error { return &SyntaxError{Offset: d.i, msg: msg} }

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, error) {
	if d.i >= len(d.b) {
		return nil, d.fail("unexpected end of input")
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return d.literal("true", true)
	case c == 'f':
		return d.literal("false", false)
	case c == 'n':
		return d.literal("null", nil)
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, d.fail("unexpected character")
}

func (d *decoder) literal(word string, v any) (any, error) {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return nil, d.fail("invalid literal")
	}
	d.i += len(word)
	return v, nil
}

func (d *decoder) enter() error {
	if d.depth++; d.depth > MaxDepth {
		return d.fail("nested too deeply")
	}
	return nil
}

func (d *decoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.i++ // {
	m := make(map[string]any)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		d.depth--
		return m, nil
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, d.fail("expected a string key")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		if err := d.colon(); err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		if done, err := d.next('}'); done || err != nil {
			d.depth--
			return m, err
		}
	}
}

func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.i++ // [
	a := make([]any, 0, 4)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		d.depth--
		return a, nil
	}
	for {
		d.space()
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if done, err := d.next(']'); done || err != nil {
			d.depth--
			return a, err
		}
	}
}

// number accepts the JSON number grammar and returns it as json.Number.
func (d *decoder) number() (any, error) {
	start := d.i
	if err := d.skipNumber(); err != nil {
		return nil, err
	}
	return json.Number(d.b[start:d.i]), nil
}

// skipNumber passes over a number, checking its grammar.
func (d *decoder) skipNumber() error {
	if d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && d.b[d.i] >= '1' && d.b[d.i] <= '9':
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
	default:
		return d.fail("invalid number")
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if d.i >= len(d.b) || d.b[d.i] < '0' || d.b[d.i] > '9' {
			return d.fail("invalid number")
		}
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.i >= len(d.b) || d.b[d.i] < '0' || d.b[d.i] > '9' {
			return d.fail("invalid number")
		}
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
	}
	return nil
}

// str decodes a string at d.i (the opening quote).
func (d *decoder) str() (string, error) {
	d.i++ // opening quote
	start := d.i
	// Fast path: no escapes, plain ASCII or valid UTF-8.
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == '"' {
			s := d.b[start:d.i]
			d.i++
			if utf8.Valid(s) {
				return string(s), nil
			}
			return string(fixUTF8(s)), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		d.i++
	}
	out := make([]byte, 0, d.i-start+16)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if utf8.Valid(out) {
				return string(out), nil
			}
			return string(fixUTF8(out)), nil
		case c < 0x20:
			return "", d.fail("control character in a string")
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return "", d.fail("unexpected end of input")
			}
			d.i++
			switch e := d.b[d.i]; e {
			case '"', '\\', '/':
				out = append(out, e)
				d.i++
			case 'b':
				out = append(out, '\b')
				d.i++
			case 'f':
				out = append(out, '\f')
				d.i++
			case 'n':
				out = append(out, '\n')
				d.i++
			case 'r':
				out = append(out, '\r')
				d.i++
			case 't':
				out = append(out, '\t')
				d.i++
			case 'u':
				r, ok := d.hex4(d.i + 1)
				if !ok {
					return "", d.fail("invalid unicode escape")
				}
				d.i += 5
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
						r2, ok2 = d.hex4(d.i + 2)
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						d.i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", d.fail("invalid escape")
			}
		default:
			out = append(out, c)
			d.i++
		}
	}
	return "", d.fail("unterminated string")
}

func (d *decoder) hex4(at int) (rune, bool) {
	if at+4 > len(d.b) {
		return 0, false
	}
	var r rune
	for _, c := range d.b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// fixUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func fixUTF8(s []byte) []byte {
	out := make([]byte, 0, len(s)+8)
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[:size]...)
		}
		s = s[size:]
	}
	return out
}

// Fields finds the members of the top-level object of b named in keys and
// sets out[i] to the JSON of the value of keys[i] (a slice of b; a later
// duplicate wins, as in Decode), checking the whole document and building
// nothing, so a caller that wants two fields of a document does not pay for
// the rest. A member not present leaves its out slot as it was. b must be one
// valid JSON value (not necessarily an object: then nothing is found);
// invalid JSON is an error wrapping ErrSyntax. Decode or String turn a value
// into Go.
func Fields(b []byte, keys []string, out [][]byte) error {
	d := decoder{b: b}
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		if err := d.skip(); err != nil {
			return err
		}
		return d.end()
	}
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return d.end()
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return d.fail("expected a string key")
		}
		idx, err := d.matchKey(keys)
		if err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		start := d.i
		if err := d.skip(); err != nil {
			return err
		}
		if idx >= 0 {
			out[idx] = d.b[start:d.i:d.i]
		}
		if done, err := d.next('}'); err != nil || done {
			if err != nil {
				return err
			}
			return d.end()
		}
	}
}

// matchKey reads the key at d.i and returns its index in keys, or -1. A key
// without escapes is compared in place; one with escapes is decoded first.
func (d *decoder) matchKey(keys []string) (int, error) {
	start := d.i
	if err := d.skipString(); err != nil {
		return -1, err
	}
	raw := d.b[start+1 : d.i-1]
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		d.i = start
		k, err := d.str()
		if err != nil {
			return -1, err
		}
		return slices.Index(keys, k), nil
	}
	for i, k := range keys {
		if string(raw) == k {
			return i, nil
		}
	}
	return -1, nil
}

// String decodes a JSON string value (as Fields returns it).
func String(v []byte) (string, error) {
	d := decoder{b: v}
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", d.fail("expected a string")
	}
	s, err := d.str()
	if err != nil {
		return "", err
	}
	return s, d.end()
}

// colon passes the colon after an object key, and the whitespace around it.
func (d *decoder) colon() error {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != ':' {
		return d.fail("expected a colon")
	}
	d.i++
	d.space()
	return nil
}

// next passes what follows a member or an item: a comma, or closing (done).
func (d *decoder) next(closing byte) (done bool, err error) {
	d.space()
	if d.i >= len(d.b) {
		return false, d.fail("unexpected end of input")
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, nil
	case closing:
		d.i++
		return true, nil
	}
	if closing == '}' {
		return false, d.fail("expected a comma or a closing brace")
	}
	return false, d.fail("expected a comma or a closing bracket")
}

// end checks that only whitespace follows the value.
func (d *decoder) end() error {
	d.space()
	if d.i != len(d.b) {
		return d.fail("unexpected data after the value")
	}
	return nil
}

// skip passes over one value, checking it as value would, building nothing
// but the strings of object keys.
func (d *decoder) skip() error {
	if d.i >= len(d.b) {
		return d.fail("unexpected end of input")
	}
	switch c := d.b[d.i]; {
	case c == '{' || c == '[':
		return d.skipContainer()
	case c == '"':
		return d.skipString()
	case c == 't':
		_, err := d.literal("true", nil)
		return err
	case c == 'f':
		_, err := d.literal("false", nil)
		return err
	case c == 'n':
		_, err := d.literal("null", nil)
		return err
	case c == '-' || c >= '0' && c <= '9':
		return d.skipNumber()
	}
	return d.fail("unexpected character")
}

// skipString passes over a string: escapes are checked, the rest is not
// copied.
func (d *decoder) skipString() error {
	d.i++ // opening quote
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			return nil
		case c < 0x20:
			return d.fail("control character in a string")
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return d.fail("unexpected end of input")
			}
			switch d.b[d.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i += 2
			case 'u':
				if _, ok := d.hex4(d.i + 2); !ok {
					return d.fail("invalid unicode escape")
				}
				d.i += 6
			default:
				return d.fail("invalid escape")
			}
		default:
			d.i++
		}
	}
	return d.fail("unterminated string")
}

// skipContainer passes over an object or array.
func (d *decoder) skipContainer() error {
	if err := d.enter(); err != nil {
		return err
	}
	closing := byte(']')
	isObject := d.b[d.i] == '{'
	if isObject {
		closing = '}'
	}
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == closing {
		d.i++
		d.depth--
		return nil
	}
	for {
		d.space()
		if isObject {
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return d.fail("expected a string key")
			}
			if err := d.skipString(); err != nil {
				return err
			}
			if err := d.colon(); err != nil {
				return err
			}
		}
		if err := d.skip(); err != nil {
			return err
		}
		if done, err := d.next(closing); done || err != nil {
			d.depth--
			return err
		}
	}
}

// Visitor receives the values of a document in order, for a caller that
// builds its own representation (keeping the order of object members, which
// Decode's maps lose).
type Visitor interface {
	// Object and Array start a container; End closes the innermost one.
	Object() error
	Array() error
	End() error
	// Key names the next value of the innermost object.
	Key(k string) error
	// Scalar is a string, a json.Number, a bool or nil.
	Scalar(v any) error
}

// Walk parses b, which must hold exactly one JSON value, and calls vis for
// each of its parts in document order. Errors from vis stop the walk and are
// returned as they are; invalid JSON is an error wrapping ErrSyntax, after
// the calls for what preceded it.
func Walk(b []byte, vis Visitor) error {
	d := decoder{b: b}
	d.space()
	if err := d.walk(vis); err != nil {
		return err
	}
	return d.end()
}

func (d *decoder) walk(vis Visitor) error {
	if d.i >= len(d.b) {
		return d.fail("unexpected end of input")
	}
	if c := d.b[d.i]; c == '{' || c == '[' {
		return d.walkContainer(vis, c == '{')
	}
	v, err := d.value() // a scalar: value builds no container here
	if err != nil {
		return err
	}
	return vis.Scalar(v)
}

// walkContainer walks an object or an array.
func (d *decoder) walkContainer(vis Visitor, isObject bool) error {
	if err := d.enter(); err != nil {
		return err
	}
	closing, begin := byte(']'), vis.Array
	if isObject {
		closing, begin = '}', vis.Object
	}
	if err := begin(); err != nil {
		return err
	}
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == closing {
		d.i++
		d.depth--
		return vis.End()
	}
	for {
		d.space()
		if isObject {
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return d.fail("expected a string key")
			}
			k, err := d.str()
			if err != nil {
				return err
			}
			if err := d.colon(); err != nil {
				return err
			}
			if err := vis.Key(k); err != nil {
				return err
			}
		}
		if err := d.walk(vis); err != nil {
			return err
		}
		if done, err := d.next(closing); err != nil || done {
			if err != nil {
				return err
			}
			d.depth--
			return vis.End()
		}
	}
}
