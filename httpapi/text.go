package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/internal/jsonv"
)

// Text the handler reads is taken as sent or refused, never rewritten: a
// string that is not valid UTF-8 would otherwise become U+FFFD on its way
// to the vault (encoding/json's rule), and a JSON number beyond float64
// (1e999999) would reach token data, and reactors, as a number no reader
// can hold. checkText checks what a request carries outside its body,
// checkBody its JSON body; both answer 400 with the header, parameter or
// JSON path of the first offence.

// Messages of the refusals.
const (
	msgUTF8    = "must be valid UTF-8 (no invalid bytes, no unpaired surrogate escapes)"
	msgKeyUTF8 = "must have keys of valid UTF-8 (no invalid bytes, no unpaired surrogate escapes)"
	msgRange   = "must be a number within the range of a 64-bit float"
)

// checkText refuses a request whose headers the handler reads for its route
// (BT-IDEMPOTENCY-KEY on POST, PUT and PATCH, BT-TRANSACTION-ID on the
// enlisted routes), path wildcards or query string hold text that is not
// valid UTF-8. Errors are
// keyed by the header name, the wildcard name ("id", "keyId") or the query
// parameter name (a name that is itself not UTF-8 shows U+FFFD in place of
// its bad bytes). It runs before authentication: it needs no caller, and a
// key that is not UTF-8 is malformed rather than unknown.
func checkText(rt *route, r *http.Request) error {
	fields := map[string][]string{}
	headers := []string{HeaderAPIKey, HeaderLegacyAPIKey, HeaderTraceID}
	if bodyMethod(r.Method) {
		headers = append(headers, HeaderIdempotencyKey)
	}
	if rt.enlists {
		headers = append(headers, HeaderTransactionID)
	}
	for _, name := range headers {
		for _, v := range r.Header.Values(name) {
			if !utf8.ValidString(v) {
				fields[name] = []string{msgUTF8}
			}
		}
	}
	for _, name := range wildcards(r.Pattern) {
		if !utf8.ValidString(r.PathValue(name)) {
			fields[name] = []string{msgUTF8}
		}
	}
	if strings.ContainsRune(r.URL.RawQuery, '%') || !utf8.ValidString(r.URL.RawQuery) {
		for name, values := range r.URL.Query() {
			if !utf8.ValidString(name) {
				fields[strings.ToValidUTF8(name, "\uFFFD")] = []string{"must be a parameter name of valid UTF-8"}
				continue
			}
			for _, v := range values {
				if !utf8.ValidString(v) {
					fields[name] = []string{msgUTF8}
				}
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &vault.Error{Kind: vault.KindInvalid, Op: "DecodeRequest", Detail: "one or more validation errors occurred", Fields: fields}
}

// wildcards returns the names of the wildcards of a ServeMux pattern
// ("GET /applications/{id}/keys/{keyId}": id, keyId).
func wildcards(pattern string) []string {
	var names []string
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(pattern[i:], '}')
		if j < 0 {
			return names
		}
		if name := strings.TrimSuffix(pattern[i+1:i+j], "..."); name != "$" {
			names = append(names, name)
		}
		pattern = pattern[i+j+1:]
	}
}

// checkBody refuses a JSON body holding a string that is not valid UTF-8
// or a number beyond float64 (jsonv.Check), with its JSON path. A body that
// is not JSON passes: the route's decoder says where it breaks, and routes
// whose body is optional take an empty one.
func checkBody(body []byte) error {
	if ve, ok := errors.AsType[*jsonv.ValueError](jsonv.Check(body)); ok {
		return valueError(ve, "")
	}
	return nil
}

// valueError is the 400 of a value jsonv.Check refused, at prefix plus the
// value's path.
func valueError(ve *jsonv.ValueError, prefix string) error {
	msg := msgUTF8
	switch {
	case errors.Is(ve.Err, jsonv.ErrRange):
		msg = msgRange
	case ve.Key:
		msg = msgKeyUTF8
	}
	path := ve.Path
	if prefix != "" && (path == "" || path[0] == '[') {
		path = prefix + path
	} else if prefix != "" {
		path = prefix + "." + path
	}
	if path == "" {
		return bodyError("the request body " + msg)
	}
	return fieldError(path, msg)
}
