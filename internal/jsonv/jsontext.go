package jsonv

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// The jsontext twins of Decode, Fields, String, Walk and Check: the same
// semantics built on github.com/go-json-experiment/json/jsontext, held to
// the same differential and fuzz tests, and benchmarked against the hand
// code (see the package doc).

// lenient is what Decode accepts beyond RFC 7493, as encoding/json does: a
// later duplicate name wins, and invalid UTF-8 (bytes, or an escaped
// unpaired surrogate) becomes U+FFFD.
var lenient = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// strict is the RFC 8259 grammar with RFC 7493's UTF-8 rule (invalid bytes
// and unpaired surrogate escapes are errors) but not its rule on names.
var strict = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(false)}

// jtDecoder is a jsontext.Decoder reading a []byte in place: given a
// *bytes.Buffer, jsontext parses the buffer without copying it, so raw
// values it returns are slices of the input.
type jtDecoder struct {
	buf     bytes.Buffer
	dec     jsontext.Decoder
	scratch []byte
}

var jtDecoders = sync.Pool{New: func() any { return new(jtDecoder) }}

func getJTDecoder(b []byte, opts []jsontext.Options) *jtDecoder {
	d := jtDecoders.Get().(*jtDecoder)
	d.buf = *bytes.NewBuffer(b)
	d.dec.Reset(&d.buf, opts...)
	return d
}

func putJTDecoder(d *jtDecoder) {
	d.buf = bytes.Buffer{} // pin neither the input...
	d.dec.Reset(&d.buf)    // ...nor the decoder's view of it
	jtDecoders.Put(d)
}

// syntax turns a jsontext error into a *SyntaxError (its message never
// quotes the input, unlike jsontext's).
func (d *jtDecoder) syntax(err error) error {
	if err == io.EOF {
		return &SyntaxError{Offset: int(d.dec.InputOffset()), msg: "unexpected end of input"}
	}
	se, ok := errors.AsType[*jsontext.SyntacticError](err)
	if !ok {
		return &SyntaxError{Offset: int(d.dec.InputOffset()), msg: "invalid JSON"}
	}
	msg := "invalid JSON"
	if errors.Is(se.Err, io.ErrUnexpectedEOF) {
		msg = "unexpected end of input"
	}
	return &SyntaxError{Offset: int(se.ByteOffset), msg: msg}
}

// end checks that only whitespace follows the value.
func (d *jtDecoder) end() error {
	if _, err := d.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return &SyntaxError{Offset: int(d.dec.InputOffset()), msg: "unexpected data after the value"}
		}
		return d.syntax(err)
	}
	return nil
}

// decodeJSONText is Decode on jsontext.
func decodeJSONText(b []byte) (any, error) {
	d := getJTDecoder(b, lenient)
	defer putJTDecoder(d)
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return v, nil
}

func (d *jtDecoder) value() (any, error) {
	tok, err := d.dec.ReadToken()
	if err != nil {
		return nil, d.syntax(err)
	}
	switch tok.Kind() {
	case '{':
		m := make(map[string]any)
		for d.dec.PeekKind() != '}' {
			name, err := d.dec.ReadToken()
			if err != nil {
				return nil, d.syntax(err)
			}
			k := name.String()
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if _, err := d.dec.ReadToken(); err != nil {
			return nil, d.syntax(err)
		}
		return m, nil
	case '[':
		a := make([]any, 0, 4)
		for d.dec.PeekKind() != ']' {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := d.dec.ReadToken(); err != nil {
			return nil, d.syntax(err)
		}
		return a, nil
	}
	return scalar(tok), nil
}

// scalar is the Go value of a string, number or literal token.
func scalar(tok jsontext.Token) any {
	switch tok.Kind() {
	case '"':
		return tok.String()
	case '0':
		return json.Number(tok.String()) // a number's String is its JSON text
	case 't':
		return true
	case 'f':
		return false
	}
	return nil
}

// fieldsJSONText is Fields on jsontext.
func fieldsJSONText(b []byte, keys []string, out [][]byte) error {
	d := getJTDecoder(b, lenient)
	defer putJTDecoder(d)
	if d.dec.PeekKind() != '{' {
		if _, err := d.dec.ReadValue(); err != nil {
			return d.syntax(err)
		}
		return d.end()
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return d.syntax(err)
	}
	for d.dec.PeekKind() != '}' {
		name, err := d.dec.ReadToken()
		if err != nil {
			return d.syntax(err)
		}
		idx := slices.Index(keys, name.String())
		v, err := d.dec.ReadValue() // a slice of b: the decoder reads the bytes.Buffer in place
		if err != nil {
			return d.syntax(err)
		}
		if idx >= 0 {
			out[idx] = v
		}
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return d.syntax(err)
	}
	return d.end()
}

// stringJSONText is String on jsontext.
func stringJSONText(v []byte) (string, error) {
	q := bytes.Trim(v, " \t\r\n")
	if len(q) == 0 || q[0] != '"' {
		return "", &SyntaxError{Offset: len(v) - len(bytes.TrimLeft(v, " \t\r\n")), msg: "expected a string"}
	}
	var buf [64]byte
	s, err := jsontext.AppendUnquote(buf[:0], q)
	if err != nil && !jsontext.Value(q).IsValid(lenient...) {
		// Not the error of a replaced invalid UTF-8 byte or surrogate escape,
		// which AppendUnquote reports after replacing it.
		d := getJTDecoder(v, lenient)
		defer putJTDecoder(d)
		if _, err := d.dec.ReadValue(); err != nil {
			return "", d.syntax(err)
		}
		return "", d.end()
	}
	return string(s), nil
}

// walkJSONText is Walk on jsontext.
func walkJSONText(b []byte, vis Visitor) error {
	d := getJTDecoder(b, lenient)
	defer putJTDecoder(d)
	for {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return d.syntax(err)
		}
		switch tok.Kind() {
		case '{':
			err = vis.Object()
		case '[':
			err = vis.Array()
		case '}', ']':
			err = vis.End()
		case '"':
			// A string just read as the odd item of an object is a name.
			if kind, n := d.dec.StackIndex(d.dec.StackDepth()); kind == '{' && n%2 == 1 {
				err = vis.Key(tok.String())
			} else {
				err = vis.Scalar(tok.String())
			}
		default:
			err = vis.Scalar(scalar(tok))
		}
		if err != nil {
			return err
		}
		if d.dec.StackDepth() == 0 {
			return d.end()
		}
	}
}

// checkJSONText is Check on jsontext. A strict decoder passes a document
// Check accepts in one pass; one it refuses is read again to tell why: a
// lenient decoder holds it to the grammar (as Decode does), each string is
// unquoted once more to learn whether it decodes without a replacement,
// and each number is held to float64, the path kept on the way.
func checkJSONText(b []byte) error {
	if checkedStrict(b) {
		return nil
	}
	d := getJTDecoder(b, lenient)
	defer putJTDecoder(d)
	c := jtChecker{jtDecoder: d, path: make([]jtSegment, 0, 8)}
	if err := c.value(); err != nil {
		return err
	}
	return d.end()
}

// checkedStrict reports whether b is one JSON value whose strings are all
// valid UTF-8 and whose numbers all fit a float64.
func checkedStrict(b []byte) bool {
	d := getJTDecoder(b, strict)
	defer putJTDecoder(d)
	for {
		if d.dec.PeekKind() == '0' {
			if v, err := d.dec.ReadValue(); err != nil || overflows(v) {
				return false
			}
		} else if _, err := d.dec.ReadToken(); err != nil {
			return false
		}
		if d.dec.StackDepth() == 0 {
			return d.end() == nil
		}
	}
}

type jtChecker struct {
	*jtDecoder
	path []jtSegment
}

// jtSegment is one step of the path to the value being checked: an object
// member (key is the name's JSON, a slice of the input) or an array item.
type jtSegment struct {
	key   []byte
	index int
}

func (c *jtChecker) value() error {
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
func (c *jtChecker) validString(s []byte) bool {
	var err error
	c.scratch, err = jsontext.AppendUnquote(c.scratch[:0], s)
	return err == nil
}

func (c *jtChecker) container() error {
	tok, err := c.dec.ReadToken()
	if err != nil {
		return c.syntax(err)
	}
	isObject, closing := tok.Kind() == '{', jsontext.Kind(']')
	if isObject {
		closing = '}'
	}
	for n := 0; c.dec.PeekKind() != closing; n++ {
		seg := jtSegment{index: n}
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
func (c *jtChecker) refuse(offset int, err error, key bool) error {
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
