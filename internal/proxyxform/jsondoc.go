package proxyxform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// A decoded JSON document keeps what map[string]any loses: key order.
// Nodes are *object, []any, string, json.Number (as written, so
// 12345678901234567890 survives), bool and nil.
type object struct {
	keys  []string
	vals  []any
	index map[string]int
}

func newObject() *object { return &object{index: map[string]int{}} }

// set overwrites key's value in place, or appends a new key last.
func (o *object) set(key string, v any) {
	if i, ok := o.index[key]; ok {
		o.vals[i] = v
		return
	}
	o.index[key] = len(o.keys)
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
}

func (o *object) get(key string) (any, bool) {
	i, ok := o.index[key]
	if !ok {
		return nil, false
	}
	return o.vals[i], true
}

// maxDepth is encoding/json's nesting limit; deeper input is refused
// rather than recursed into.
const maxDepth = 10000

var errTooDeep = errors.New("proxyxform: JSON nested too deeply")

// decodeDocument decodes body as one JSON value; an empty or blank body is
// the empty object. A duplicate key keeps its first place and its last
// value, as JavaScript's JSON.parse.
func decodeDocument(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return newObject(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return v, nil
		} else if err == nil {
			err = errors.New("trailing data")
		}
	}
	if errors.Is(err, errTooDeep) {
		return nil, err
	}
	// encoding/json's messages quote input characters: report the
	// offset only.
	return nil, fmt.Errorf("%w (near byte %d)", ErrNotJSON, dec.InputOffset())
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		return decodeObject(dec, depth+1)
	case json.Delim('['):
		return decodeArray(dec, depth+1)
	}
	if _, ok := tok.(json.Delim); ok {
		return nil, errors.New("unexpected delimiter")
	}
	return tok, nil // string, json.Number, bool or nil
}

func decodeObject(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	obj := newObject()
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		v, err := decodeValue(dec, depth)
		if err != nil {
			return nil, err
		}
		obj.set(key, v)
	}
	_, err := dec.Token() // '}'
	return obj, err
}

func decodeArray(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	arr := []any{}
	for dec.More() {
		v, err := decodeValue(dec, depth)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	_, err := dec.Token() // ']'
	return arr, err
}

// encodeDocument writes v compactly, keys in order, numbers as written,
// without HTML escaping.
func encodeDocument(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	encodeNode(&buf, enc, v)
	return buf.Bytes()
}

func encodeNode(buf *bytes.Buffer, enc *json.Encoder, v any) {
	switch v := v.(type) {
	case *object:
		buf.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			encodeString(buf, enc, k)
			buf.WriteByte(':')
			encodeNode(buf, enc, v.vals[i])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			encodeNode(buf, enc, e)
		}
		buf.WriteByte(']')
	case string:
		encodeString(buf, enc, v)
	case json.Number:
		buf.WriteString(string(v)) // validated when decoded
	case bool:
		if v {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	default: // nil: the decoder makes no other kind
		buf.WriteString("null")
	}
}

// encodeString quotes s with encoding/json's rules (invalid UTF-8 becomes
// U+FFFD), minus HTML escaping. Encode appends a newline, dropped here.
func encodeString(buf *bytes.Buffer, enc *json.Encoder, s string) {
	_ = enc.Encode(s) // a string always encodes; buf's writes never fail
	buf.Truncate(buf.Len() - 1)
}

// toNode converts a Go value to a document node through its JSON
// encoding, so any value encoding/json accepts can be inserted.
func toNode(v any) (any, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("proxyxform: value cannot be encoded as JSON: %w", err)
	}
	return decodeDocument(buf.Bytes())
}

// plain converts a node to the Go values encoding/json decodes to (with
// UseNumber): map[string]any, []any, string, json.Number, bool, nil.
func plain(v any) any {
	switch v := v.(type) {
	case *object:
		m := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			m[k] = plain(v.vals[i])
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	default:
		return v
	}
}
