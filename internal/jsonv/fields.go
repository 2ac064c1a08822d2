package jsonv

import (
	"bytes"
	"slices"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Fields is hand-written: it is the one function whose hand code is at least
// 1.5 times as fast as jsontext on a card token's data (see the package
// doc). Its scanner checks what jsontext checks with the options of
// Decode, and FuzzFields holds it to Decode.

// Fields finds the members of the top-level object of b named in keys and
// sets out[i] to the JSON of the value of keys[i] (a slice of b; a later
// duplicate wins, as in Decode), checking the whole document and building
// nothing, so a caller that wants two fields of a document does not pay for
// the rest. A member not present leaves its out slot as it was. b must be one
// valid JSON value (not necessarily an object: then nothing is found);
// invalid JSON is an error wrapping ErrSyntax. Decode or String turn a value
// into Go.
func Fields(b []byte, keys []string, out [][]byte) error {
	s := scanner{b: b}
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		if err := s.skip(); err != nil {
			return err
		}
		return s.end()
	}
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return s.end()
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("expected a string key")
		}
		idx, err := s.matchKey(keys)
		if err != nil {
			return err
		}
		if err := s.colon(); err != nil {
			return err
		}
		start := s.i
		if err := s.skip(); err != nil {
			return err
		}
		if idx >= 0 {
			out[idx] = s.b[start:s.i:s.i]
		}
		if done, err := s.next('}'); err != nil || done {
			if err != nil {
				return err
			}
			return s.end()
		}
	}
}

// scanner passes over JSON in place, checking its grammar.
type scanner struct {
	b     []byte
	i     int
	depth int
}

func (s *scanner) fail(msg string) error { return &SyntaxError{Offset: s.i, msg: msg} }

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// matchKey reads the key at s.i and returns its index in keys, or -1. A key
// without escapes is compared in place; one with escapes or invalid UTF-8
// is unquoted first (by jsontext: invalid UTF-8 becomes U+FFFD, as in
// Decode).
func (s *scanner) matchKey(keys []string) (int, error) {
	start := s.i
	if err := s.skipString(); err != nil {
		return -1, err
	}
	raw := s.b[start+1 : s.i-1]
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		var buf [64]byte
		k, _ := jsontext.AppendUnquote(buf[:0], s.b[start:s.i]) // grammatical: any error is a replacement
		return slices.Index(keys, string(k)), nil
	}
	for i, k := range keys {
		if string(raw) == k {
			return i, nil
		}
	}
	return -1, nil
}

func (s *scanner) enter() error {
	if s.depth++; s.depth > MaxDepth {
		return s.fail("nested too deeply")
	}
	return nil
}

// colon passes the colon after an object key, and the whitespace around it.
func (s *scanner) colon() error {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return s.fail("expected a colon")
	}
	s.i++
	s.space()
	return nil
}

// next passes what follows a member or an item: a comma, or closing (done).
func (s *scanner) next(closing byte) (done bool, err error) {
	s.space()
	if s.i >= len(s.b) {
		return false, s.fail("unexpected end of input")
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return false, nil
	case closing:
		s.i++
		return true, nil
	}
	if closing == '}' {
		return false, s.fail("expected a comma or a closing brace")
	}
	return false, s.fail("expected a comma or a closing bracket")
}

// end checks that only whitespace follows the value.
func (s *scanner) end() error {
	s.space()
	if s.i != len(s.b) {
		return s.fail("unexpected data after the value")
	}
	return nil
}

// skip passes over one value, checking it, building nothing.
func (s *scanner) skip() error {
	if s.i >= len(s.b) {
		return s.fail("unexpected end of input")
	}
	switch c := s.b[s.i]; {
	case c == '{' || c == '[':
		return s.skipContainer()
	case c == '"':
		return s.skipString()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.skipNumber()
	}
	return s.fail("unexpected character")
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.fail("invalid literal")
	}
	s.i += len(word)
	return nil
}

// skipNumber passes over a number, checking its grammar.
func (s *scanner) skipNumber() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return s.fail("invalid number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.i >= len(s.b) || s.b[s.i] < '0' || s.b[s.i] > '9' {
			return s.fail("invalid number")
		}
		s.digits()
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.i >= len(s.b) || s.b[s.i] < '0' || s.b[s.i] > '9' {
			return s.fail("invalid number")
		}
		s.digits()
	}
	return nil
}

func (s *scanner) digits() {
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
}

// skipString passes over a string: escapes are checked, the rest is not
// copied.
func (s *scanner) skipString() error {
	s.i++ // opening quote
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return nil
		case c < 0x20:
			return s.fail("control character in a string")
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return s.fail("unexpected end of input")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if !s.hex4(s.i + 2) {
					return s.fail("invalid unicode escape")
				}
				s.i += 6
			default:
				return s.fail("invalid escape")
			}
		default:
			s.i++
		}
	}
	return s.fail("unterminated string")
}

// hex4 reports whether four hex digits are at at.
func (s *scanner) hex4(at int) bool {
	if at+4 > len(s.b) {
		return false
	}
	for _, c := range s.b[at : at+4] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// skipContainer passes over an object or array.
func (s *scanner) skipContainer() error {
	if err := s.enter(); err != nil {
		return err
	}
	closing := byte(']')
	isObject := s.b[s.i] == '{'
	if isObject {
		closing = '}'
	}
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == closing {
		s.i++
		s.depth--
		return nil
	}
	for {
		s.space()
		if isObject {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return s.fail("expected a string key")
			}
			if err := s.skipString(); err != nil {
				return err
			}
			if err := s.colon(); err != nil {
				return err
			}
		}
		if err := s.skip(); err != nil {
			return err
		}
		if done, err := s.next(closing); done || err != nil {
			s.depth--
			return err
		}
	}
}
