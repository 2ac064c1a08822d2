package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenvault/vault"
)

// Request bodies are decoded into the root package's request structs, with
// json.Decoder.UseNumber so that any-typed fields (token data, masks) keep
// every digit. Before that, checkBody (text.go) has refused a body whose
// strings are not UTF-8 or whose numbers are beyond float64, which the
// decoder would rewrite or pass on. Unknown fields are ignored, as the hosted platform ignores
// them. A body that does not decode becomes a KindInvalid *vault.Error whose
// Fields name the offending path ("rules[0].priority", "expires_at"), with a
// message that never repeats the value sent.

// decodeBody decodes the JSON body into dst, a pointer to a struct (or to
// any). An empty body is an error: every route that reads a body needs one.
func decodeBody(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return bodyError("a JSON request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := dec.Decode(dst)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return bodyError("the request body must hold exactly one JSON value")
		}
		return nil
	}
	// The slow path, for errors only: parse as a generic document for a
	// syntax error's position, or for the tree that locates a type error.
	doc, synErr := decodeJSON(body)
	if synErr != nil {
		return synErr
	}
	return typeError(doc, reflect.TypeOf(dst), err)
}

// decodeJSON parses one JSON value, with numbers as json.Number, and refuses
// trailing data.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bodyError("the request body must hold exactly one JSON value")
	}
	return doc, nil
}

// syntaxError describes a JSON syntax error by its offset only: the
// decoder's own message quotes the offending character.
func syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return bodyError("the request body is not valid JSON (at byte " + strconv.FormatInt(se.Offset, 10) + ")")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return bodyError("the request body is not valid JSON (it ends too early)")
	}
	return bodyError("the request body is not valid JSON")
}

// bodyError is a KindInvalid error about the body as a whole.
func bodyError(detail string) error {
	return &vault.Error{Kind: vault.KindInvalid, Op: "DecodeRequest", Detail: detail}
}

// fieldError is a KindInvalid error about one field of a request.
func fieldError(path, msg string) error {
	return &vault.Error{
		Kind: vault.KindInvalid, Op: "DecodeRequest", Detail: "one or more validation errors occurred",
		Fields: map[string][]string{path: {msg}},
	}
}

// typeError turns a decoding failure into a field error: the path comes from
// walking doc against the destination type, which, unlike the decoder's own
// UnmarshalTypeError, knows array indices, map keys and the fields of types
// with their own UnmarshalJSON (time.Time).
func typeError(doc any, dst reflect.Type, err error) error {
	if path, msg, ok := locate(doc, dst, ""); ok {
		if path == "" {
			return bodyError("the request body " + msg)
		}
		return fieldError(path, msg)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fieldError(te.Field, "must be "+describe(te.Type))
	}
	return bodyError("the request body does not have the expected shape")
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	unmarshalType = reflect.TypeFor[json.Unmarshaler]()
	secretType    = reflect.TypeFor[vault.Secret]()
)

// locate finds the first place in v that cannot decode into t, and says what
// is expected there. It mirrors encoding/json: null fits everything, object
// keys match field names case-insensitively, unknown keys are ignored.
func locate(v any, t reflect.Type, path string) (string, string, bool) {
	if v == nil {
		return "", "", false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		s, ok := v.(string)
		if !ok {
			return path, "must be an RFC 3339 date-time string, such as 2030-04-23T13:24:28Z", true
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return path, "must be an RFC 3339 date-time, such as 2030-04-23T13:24:28Z or 2030-04-23T17:24:28-04:00", true
		}
		return "", "", false
	case t == rawType, t.Kind() == reflect.Interface:
		return "", "", false
	case t == secretType: // a Secret decodes from a string
		if _, ok := v.(string); !ok {
			return path, "must be a string", true
		}
		return "", "", false
	case reflect.PointerTo(t).Implements(unmarshalType):
		return "", "", false // a type with its own rules: the decoder's error stands
	}
	bad := func() (string, string, bool) { return path, "must be " + describe(t), true }
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			return bad()
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return bad()
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return bad()
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		if f, err := strconv.ParseFloat(string(n), t.Bits()); err != nil || math.IsInf(f, 0) {
			return bad()
		}
	case reflect.Slice, reflect.Array:
		items, ok := v.([]any)
		if !ok {
			return bad()
		}
		for i, item := range items {
			if p, m, ok := locate(item, t.Elem(), path+"["+strconv.Itoa(i)+"]"); ok {
				return p, m, true
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return bad()
		}
		for _, k := range sortedKeys(obj) {
			if p, m, ok := locate(obj[k], t.Elem(), joinPath(path, k)); ok {
				return p, m, true
			}
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		for _, k := range sortedKeys(obj) {
			f, ok := jsonField(t, k)
			if !ok {
				continue
			}
			if p, m, ok := locate(obj[k], f.Type, joinPath(path, jsonName(f))); ok {
				return p, m, true
			}
		}
	}
	return "", "", false
}

// jsonField finds the field of struct type t that the object key k decodes
// into: an exact match of its JSON name first, then a case-insensitive one.
func jsonField(t reflect.Type, k string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name := jsonName(f)
		if name == "-" {
			continue
		}
		if name == k {
			return f, true
		}
		if !found && strings.EqualFold(name, k) {
			fold, found = f, true
		}
	}
	return fold, found
}

// jsonName is the name a struct field has in JSON.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "-"
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

// describe names the JSON a Go type expects, for messages.
func describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a JSON value of another type"
}

// joinPath appends a key to a field path the way the vault writes paths:
// "rules[0].container", "metadata.key".
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
