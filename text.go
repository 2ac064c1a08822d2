package vault

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tokenvault/vault/internal/jsonv"
)

// The vault keeps what it is given or refuses it, never a rewritten copy.
// json.Marshal and the JSON decoders (encoding/json, jsonv.Decode) replace
// a string's bytes that are not UTF-8, and escaped unpaired surrogates,
// with U+FFFD, and a JSON number may be grammatical yet beyond float64
// (1e999999). checkText is the one check of the JSON-shaped values callers
// give (token data and masks, tokenize and detokenize documents: every
// value normalizeJSON turns into the vault's JSON; metadata; merge
// patches), run before they are encoded or decoded.

// Messages of the refusals.
const (
	msgTextUTF8 = "must be valid UTF-8 (no invalid bytes, no unpaired surrogate escapes)"
	msgKeyUTF8  = "must have keys of valid UTF-8 (no invalid bytes, no unpaired surrogate escapes)"
	msgRange    = "must be a number within the range of a 64-bit float"
)

// textError is a value checkText refuses, at path below the value checked
// ("" for the value itself). Its text holds no data.
type textError struct{ path, msg string }

func (e *textError) Error() string { return "vault: a value " + e.msg }

// addJSONError records at prefix an error of normalizeJSON: at the path of
// the refused value for a *textError, else as JSON that does not encode.
func addJSONError(fe fieldErrors, prefix string, err error) {
	if e, ok := errors.AsType[*textError](err); ok {
		fe.add(joinPath(prefix, e.path), e.msg)
		return
	}
	fe.add(prefix, "must be JSON")
}

// addTextError checks v with checkText and records a refusal at prefix.
func addTextError(fe fieldErrors, prefix string, v any) {
	if err := checkText(v); err != nil {
		addJSONError(fe, prefix, err)
	}
}

// jsonDocError is the error of a tokenize or detokenize document that
// normalizeJSON refused.
func jsonDocError(op string, err error) error {
	if e, ok := errors.AsType[*textError](err); ok {
		return invalidField(op, e.path, "%s", e.msg)
	}
	return invalidField(op, "", "the document must be JSON")
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	numberType        = reflect.TypeFor[json.Number]()
)

// checkText returns a *textError for the first string of v (a Go value as
// json.Marshal encodes it, or JSON as a json.RawMessage) that is not valid
// UTF-8, map keys and struct fields included, or the first number beyond
// float64; nil otherwise, and for a value that does not encode (whose
// encoding reports it). The generic shapes (strings, maps and slices of
// any) are checked without reflection; with several bad values in one map,
// which one is reported is not defined.
func checkText(v any) error {
	switch x := v.(type) {
	case nil, bool, float64, int:
		return nil
	case string:
		if !utf8.ValidString(x) {
			return &textError{msg: msgTextUTF8}
		}
		return nil
	case json.Number:
		return checkRaw([]byte(x))
	case json.RawMessage:
		return checkRaw(x)
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) {
				return &textError{msg: msgKeyUTF8}
			}
			if err := checkText(e); err != nil {
				return under(k, err)
			}
		}
		return nil
	case map[string]string:
		for k, e := range x {
			if !utf8.ValidString(k) {
				return &textError{msg: msgKeyUTF8}
			}
			if !utf8.ValidString(e) {
				return &textError{path: k, msg: msgTextUTF8}
			}
		}
		return nil
	case []any:
		for i, e := range x {
			if err := checkText(e); err != nil {
				return under("["+strconv.Itoa(i)+"]", err)
			}
		}
		return nil
	}
	return checkReflect(reflect.ValueOf(v), 0)
}

// under prefixes the path of a *textError with a key or an index ("[2]").
func under(step string, err error) error {
	e := err.(*textError)
	if strings.HasPrefix(step, "[") && e.path != "" && e.path[0] != '[' {
		return &textError{path: step + "." + e.path, msg: e.msg}
	}
	return &textError{path: joinPath(step, e.path), msg: e.msg}
}

// checkRaw checks JSON with jsonv.Check; JSON that does not parse is left
// to the decoder.
func checkRaw(b []byte) error {
	ve, ok := errors.AsType[*jsonv.ValueError](jsonv.Check(b))
	if !ok {
		return nil
	}
	switch {
	case errors.Is(ve.Err, jsonv.ErrRange):
		return &textError{path: ve.Path, msg: msgRange}
	case ve.Key:
		return &textError{path: ve.Path, msg: msgKeyUTF8}
	}
	return &textError{path: ve.Path, msg: msgTextUTF8}
}

// checkReflect is checkText for any other Go value, walked as json.Marshal
// walks it: exported struct fields by their JSON names ("-" skipped),
// marshalers by what they encode to.
func checkReflect(rv reflect.Value, depth int) error {
	if !rv.IsValid() || depth > jsonv.MaxDepth {
		return nil
	}
	t := rv.Type()
	if k := t.Kind(); (k == reflect.Pointer || k == reflect.Interface) && rv.IsNil() {
		return nil
	}
	switch {
	case t == rawMessageType:
		return checkRaw(rv.Bytes())
	case t == numberType:
		return checkRaw([]byte(rv.String()))
	case t.Kind() == reflect.Interface:
	case t.Implements(jsonMarshalerType):
		b, err := rv.Interface().(json.Marshaler).MarshalJSON()
		if err != nil {
			return nil
		}
		return checkRaw(b)
	case t.Implements(textMarshalerType):
		b, err := rv.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil || utf8.Valid(b) {
			return nil
		}
		return &textError{msg: msgTextUTF8}
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		return checkReflect(rv.Elem(), depth+1)
	case reflect.String:
		if !utf8.ValidString(rv.String()) {
			return &textError{msg: msgTextUTF8}
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil // integer keys: digits
		}
		for it := rv.MapRange(); it.Next(); {
			k := it.Key().String()
			if !utf8.ValidString(k) {
				return &textError{msg: msgKeyUTF8}
			}
			if err := checkReflect(it.Value(), depth+1); err != nil {
				return under(k, err)
			}
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil // base64
		}
		for i := range rv.Len() {
			if err := checkReflect(rv.Index(i), depth+1); err != nil {
				return under("["+strconv.Itoa(i)+"]", err)
			}
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			err := checkReflect(rv.Field(i), depth+1)
			switch {
			case err == nil:
			case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
				return err // promoted fields
			case name == "":
				return under(f.Name, err)
			default:
				return under(name, err)
			}
		}
	}
	return nil
}
