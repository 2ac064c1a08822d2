package jsonv

import (
	"bytes"
	"errors"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
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
//
// A document Check accepts is passed in one pass of a strict jsontext
// decoder (invalid UTF-8 and unpaired surrogate escapes are errors there).
// One it refuses is read again with Decode's options to tell a syntax error
// from a value and to find its path: each string is unquoted once more
// (jsontext.AppendUnquote reports a replacement) and each number is held
// to float64, in document order.
func Check(b []byte) error {
	if checkedStrict(b) {
		return nil
	}
	// Refused: read it again to say why, keeping the path on the way.
	r := getReader(b, lenient)
	defer putReader(r)
	c := checker{reader: r, path: make([]segment, 0, 8)}
	if err := c.value(); err != nil {
		return err
	}
	return r.end()
}

// checkedStrict reports whether b is one JSON value whose strings are all
// valid UTF-8 and whose numbers all fit a float64.
func checkedStrict(b []byte) bool {
	r := getReader(b, strict)
	defer putReader(r)
	for {
		if r.dec.PeekKind() == '0' {
			if v, err := r.dec.ReadValue(); err != nil || overflows(v) {
				return false
			}
		} else if _, err := r.dec.ReadToken(); err != nil {
			return false
		}
		if r.dec.StackDepth() == 0 {
			return r.end() == nil
		}
	}
}

type checker struct {
	*reader
	path []segment
}

// segment is one step of the path to the value being checked: an object
// member (key is the name's JSON, a slice of the input) or an array item.
type segment struct {
	key   []byte
	index int
}

func (c *checker) value() error {
	switch c.dec.PeekKind() {
	case '{', '[':
		return c.container()
	}
	v, err := c.dec.ReadValue()
	if err != nil {
		return c.syntax(err)
	}
	at := int(c.dec.InputOffset()) - len(v)
	switch v.Kind() {
	case '"':
		if !c.validString(v) {
			return c.refuse(at, ErrUTF8, false)
		}
	case '0':
		if overflows(v) {
			return c.refuse(at, ErrRange, false)
		}
	}
	return nil
}

// validString reports whether the string s (grammatical JSON) unquotes
// without a replacement: jsontext.AppendUnquote reports invalid UTF-8 and
// escaped unpaired surrogates as errors, after replacing them.
func (c *checker) validString(s []byte) bool {
	var err error
	c.scratch, err = jsontext.AppendUnquote(c.scratch[:0], s)
	return err == nil
}

func (c *checker) container() error {
	tok, err := c.dec.ReadToken()
	if err != nil {
		return c.syntax(err)
	}
	isObject, closing := tok.Kind() == '{', jsontext.Kind(']')
	if isObject {
		closing = '}'
	}
	for n := 0; c.dec.PeekKind() != closing; n++ {
		seg := segment{index: n}
		if isObject {
			name, err := c.dec.ReadValue()
			if err != nil {
				return c.syntax(err)
			}
			if !c.validString(name) {
				return c.refuse(int(c.dec.InputOffset())-len(name), ErrUTF8, true)
			}
			seg.key = name
		}
		c.path = append(c.path, seg)
		if err := c.value(); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
	}
	if _, err := c.dec.ReadToken(); err != nil {
		return c.syntax(err)
	}
	return nil
}

// refuse returns the *ValueError of the value at offset.
func (c *checker) refuse(offset int, err error, key bool) error {
	var path []byte
	for _, seg := range c.path {
		if seg.key == nil {
			path = strconv.AppendInt(append(path, '['), int64(seg.index), 10)
			path = append(path, ']')
			continue
		}
		if len(path) > 0 {
			path = append(path, '.')
		}
		path, _ = jsontext.AppendUnquote(path, seg.key) // checked already: valid UTF-8
	}
	return &ValueError{Path: string(path), Key: key, Offset: offset, Err: err}
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
