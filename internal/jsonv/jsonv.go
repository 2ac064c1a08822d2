package jsonv

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// MaxDepth is the deepest nesting accepted, as in encoding/json (and
// jsontext).
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

// lenient is what Decode accepts beyond RFC 7493, as encoding/json does: a
// later duplicate name wins, and invalid UTF-8 (bytes, or an escaped
// unpaired surrogate) becomes U+FFFD.
var lenient = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// strict is the RFC 8259 grammar with RFC 7493's UTF-8 rule (invalid bytes
// and unpaired surrogate escapes are errors) but not its rule on names.
var strict = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(false)}

// reader is a jsontext.Decoder reading a []byte in place: given a
// *bytes.Buffer, jsontext parses the buffer without copying it, so the raw
// values it returns are slices of the input. Readers are pooled: a
// Decoder is large.
type reader struct {
	buf     bytes.Buffer
	dec     jsontext.Decoder
	scratch []byte
}

var readers = sync.Pool{New: func() any { return new(reader) }}

func getReader(b []byte, opts []jsontext.Options) *reader {
	r := readers.Get().(*reader)
	r.buf = *bytes.NewBuffer(b)
	r.dec.Reset(&r.buf, opts...)
	return r
}

func putReader(r *reader) {
	r.buf = bytes.Buffer{} // pin neither the input...
	r.dec.Reset(&r.buf)    // ...nor the decoder's view of it
	readers.Put(r)
}

// syntax turns a jsontext error into a *SyntaxError, at jsontext's offset:
// jsontext's own message quotes the input.
func (r *reader) syntax(err error) error {
	if err == io.EOF {
		return &SyntaxError{Offset: int(r.dec.InputOffset()), msg: "unexpected end of input"}
	}
	se, ok := errors.AsType[*jsontext.SyntacticError](err)
	if !ok {
		return &SyntaxError{Offset: int(r.dec.InputOffset()), msg: "invalid JSON"}
	}
	msg := "invalid JSON"
	if errors.Is(se.Err, io.ErrUnexpectedEOF) {
		msg = "unexpected end of input"
	}
	return &SyntaxError{Offset: int(se.ByteOffset), msg: msg}
}

// end checks that only whitespace follows the value.
func (r *reader) end() error {
	if _, err := r.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return &SyntaxError{Offset: int(r.dec.InputOffset()), msg: "unexpected data after the value"}
		}
		return r.syntax(err)
	}
	return nil
}

// Decode parses b, which must hold exactly one JSON value (surrounding
// whitespace allowed).
func Decode(b []byte) (any, error) {
	r := getReader(b, lenient)
	defer putReader(r)
	v, err := r.value()
	if err != nil {
		return nil, err
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return v, nil
}

func (r *reader) value() (any, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return nil, r.syntax(err)
	}
	switch tok.Kind() {
	case '{':
		m := make(map[string]any)
		for r.dec.PeekKind() != '}' { // an error is kept for the next read
			name, err := r.dec.ReadToken()
			if err != nil {
				return nil, r.syntax(err)
			}
			k := name.String()
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if _, err := r.dec.ReadToken(); err != nil {
			return nil, r.syntax(err)
		}
		return m, nil
	case '[':
		a := make([]any, 0, 4)
		for r.dec.PeekKind() != ']' {
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := r.dec.ReadToken(); err != nil {
			return nil, r.syntax(err)
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

// String decodes a JSON string value (as Fields returns it).
func String(v []byte) (string, error) {
	q := bytes.Trim(v, " \t\r\n")
	if len(q) == 0 || q[0] != '"' {
		return "", &SyntaxError{Offset: len(v) - len(bytes.TrimLeft(v, " \t\r\n")), msg: "expected a string"}
	}
	var buf [64]byte // a short string is unquoted on the stack
	s, err := jsontext.AppendUnquote(buf[:0], q)
	if err != nil && !jsontext.Value(q).IsValid(lenient...) {
		// Not the error of a replaced invalid UTF-8 byte or surrogate escape,
		// which AppendUnquote reports after replacing it: say where.
		r := getReader(v, lenient)
		defer putReader(r)
		if _, err := r.dec.ReadValue(); err != nil {
			return "", r.syntax(err)
		}
		return "", r.end()
	}
	return string(s), nil
}

// AppendString appends the unquoted value of the JSON string v to dst, as
// String returns it, without allocating when dst has room. A number
// unquoted into a caller's stack buffer can then be wiped.
func AppendString(dst, v []byte) ([]byte, error) {
	q := bytes.Trim(v, " \t\r\n")
	if len(q) == 0 || q[0] != '"' {
		return dst, &SyntaxError{Offset: len(v) - len(bytes.TrimLeft(v, " \t\r\n")), msg: "expected a string"}
	}
	out, err := jsontext.AppendUnquote(dst, q)
	if err != nil && !jsontext.Value(q).IsValid(lenient...) {
		_, err := String(v) // the error, with where
		return dst, err
	}
	return out, nil
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
	r := getReader(b, lenient)
	defer putReader(r)
	for {
		tok, err := r.dec.ReadToken()
		if err != nil {
			return r.syntax(err)
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
			if kind, n := r.dec.StackIndex(r.dec.StackDepth()); kind == '{' && n%2 == 1 {
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
		if r.dec.StackDepth() == 0 {
			return r.end()
		}
	}
}
