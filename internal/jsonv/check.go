package jsonv

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors a *ValueError wraps.
var (
	// ErrUTF8 is a string or object key holding bytes that are not UTF-8,
	// or a \u escape of an unpaired surrogate: Decode (as encoding/json)
	// replaces each with U+FFFD.
	ErrUTF8 = errors.New("jsonv: string is not valid UTF-8")
	// ErrRange is a number beyond the range of a float64 (1e999999,
	// -1e400): grammatical JSON, but no float64 (nor JavaScript number)
	// can hold it. A number too small to tell from zero is not refused.
	ErrRange = errors.New("jsonv: number out of range")
)

// ValueError reports a value that is valid JSON grammar but that Check
// refuses. Like SyntaxError it never quotes the input, not even in Path.
type ValueError struct {
	// Path locates the value: object members by key, joined with ".",
	// array items by index in brackets ("rules[0].container"); "" is the
	// top-level value. For an object key that is not UTF-8, Path is the
	// object's own path and Key is set.
	Path   string
	Key    bool
	Offset int
	// Err is ErrUTF8 or ErrRange.
	Err error
}

func (e *ValueError) Error() string {
	return e.Err.Error() + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns Err.
func (e *ValueError) Unwrap() error { return e.Err }

// Check parses b, which must hold exactly one JSON value, and holds it to
// more than the grammar that Decode accepts: every string and object key
// must be valid UTF-8 (no invalid bytes, no \u escape of an unpaired
// surrogate) and every number must fit a float64. It builds nothing. It
// returns nil, a *SyntaxError (wrapping ErrSyntax) for input that is not
// one JSON value, or a *ValueError (wrapping ErrUTF8 or ErrRange) for the
// first value it refuses, in document order.
//
// Decode mirrors encoding/json and rewrites what Check refuses; code that
// takes JSON from outside the vault (request bodies, token data) checks it
// first, so that nothing it was given is silently changed.
func Check(b []byte) error {
	c := checker{decoder: decoder{b: b}, path: make([]segment, 0, 8)}
	c.space()
	if err := c.value(); err != nil {
		return err
	}
	return c.end()
}

// segment is one step of the path to the value being checked: an object
// member (key is the offset of its key's opening quote) or an array item
// (key is -1).
type segment struct {
	key   int
	index int
}

type checker struct {
	decoder
	path []segment
}

func (c *checker) value() error {
	if c.i >= len(c.b) {
		return c.fail("unexpected end of input")
	}
	switch ch := c.b[c.i]; {
	case ch == '{' || ch == '[':
		return c.container(ch == '{')
	case ch == '"':
		at := c.i
		ok, err := c.str()
		if err == nil && !ok {
			return c.refuse(at, ErrUTF8, false)
		}
		return err
	case ch == '-' || ch >= '0' && ch <= '9':
		at := c.i
		if err := c.skipNumber(); err != nil {
			return err
		}
		if overflows(c.b[at:c.i]) {
			return c.refuse(at, ErrRange, false)
		}
		return nil
	}
	return c.skip() // a literal, or the syntax error
}

// container checks an object or an array.
func (c *checker) container(isObject bool) error {
	if err := c.enter(); err != nil {
		return err
	}
	closing := byte(']')
	if isObject {
		closing = '}'
	}
	c.i++
	c.space()
	if c.i < len(c.b) && c.b[c.i] == closing {
		c.i++
		c.depth--
		return nil
	}
	for n := 0; ; n++ {
		c.space()
		seg := segment{key: -1, index: n}
		if isObject {
			if c.i >= len(c.b) || c.b[c.i] != '"' {
				return c.fail("expected a string key")
			}
			seg.key = c.i
			ok, err := c.str()
			if err != nil {
				return err
			}
			if !ok {
				return c.refuse(seg.key, ErrUTF8, true)
			}
			if err := c.colon(); err != nil {
				return err
			}
		}
		c.path = append(c.path, seg)
		if err := c.value(); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
		if done, err := c.next(closing); done || err != nil {
			c.depth--
			return err
		}
	}
}

// str passes over the string at c.i and reports whether it is valid
// UTF-8 once its escapes are decoded.
func (c *checker) str() (valid bool, err error) {
	c.i++ // opening quote
	valid = true
	run := c.i // the start of the bytes since the last escape
	for c.i < len(c.b) {
		switch ch := c.b[c.i]; {
		case ch == '"':
			valid = valid && utf8.Valid(c.b[run:c.i])
			c.i++
			return valid, nil
		case ch < 0x20:
			return false, c.fail("control character in a string")
		case ch == '\\':
			valid = valid && utf8.Valid(c.b[run:c.i])
			if c.i+1 >= len(c.b) {
				return false, c.fail("unexpected end of input")
			}
			switch c.b[c.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.i += 2
			case 'u':
				r, ok := c.hex4(c.i + 2)
				if !ok {
					return false, c.fail("invalid unicode escape")
				}
				c.i += 6
				if utf16.IsSurrogate(r) {
					// A pair is a high surrogate and a low one, as Decode
					// reads it; anything else Decode turns into U+FFFD.
					r2, ok := rune(-1), false
					if c.i+1 < len(c.b) && c.b[c.i] == '\\' && c.b[c.i+1] == 'u' {
						r2, ok = c.hex4(c.i + 2)
					}
					if ok && utf16.DecodeRune(r, r2) != utf8.RuneError {
						c.i += 6
					} else {
						valid = false
					}
				}
			default:
				return false, c.fail("invalid escape")
			}
			run = c.i
		default:
			c.i++
		}
	}
	return false, c.fail("unterminated string")
}

// overflows reports whether the number n (valid JSON) is beyond float64.
// Only one with an exponent or 309 integer digits or more can be: the
// others are not parsed.
func overflows(n []byte) bool {
	digits := len(n)
	if i := bytes.IndexByte(n, '.'); i >= 0 {
		digits = i
	}
	if n[0] == '-' {
		digits--
	}
	if digits < 309 && !bytes.ContainsAny(n, "eE") {
		return false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return err != nil || math.IsInf(f, 0)
}

// refuse returns the *ValueError of the value at offset.
func (c *checker) refuse(offset int, err error, key bool) error {
	path := ""
	for _, seg := range c.path {
		if seg.key < 0 {
			path += "[" + strconv.Itoa(seg.index) + "]"
			continue
		}
		d := decoder{b: c.b, i: seg.key}
		k, _ := d.str() // checked already: valid UTF-8
		if path != "" {
			path += "."
		}
		path += k
	}
	return &ValueError{Path: path, Key: key, Offset: offset, Err: err}
}
