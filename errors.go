package vault

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Kind classifies an [Error]. Each kind maps to one HTTP status, so the Go API
// and the REST API report a failure the same way. The order of the constants
// is frozen: new kinds are added at the end.
type Kind uint8

// The kinds of error, with the HTTP status each maps to.
const (
	KindInternal             Kind = iota // 500: a bug or a failure of the storage underneath; details are only logged
	KindInvalid                          // 400: the request is malformed or breaks a rule; Fields says where
	KindUnauthenticated                  // 401: no credential, or one that is not valid
	KindForbidden                        // 403: the caller may not do this
	KindNotFound                         // 404: the resource does not exist (or is not visible to the caller)
	KindConflict                         // 409: the request collides with the current state
	KindTimeout                          // 408: the operation ran out of time
	KindPayloadTooLarge                  // 413: the request is larger than allowed
	KindUnsupportedMediaType             // 415: the request body has the wrong content type
	KindUnprocessable                    // 422: well-formed, but cannot be processed (e.g. code that does not compile)
	KindRateLimited                      // 429: too many requests
	KindUnavailable                      // 503: the vault or a dependency is not available now (e.g. closed)
	KindPaymentRequired                  // 402: a reactor's InvalidPaymentMethodError
)

var kindInfo = [...]struct {
	name   string
	status int
}{
	KindInternal:             {"internal", http.StatusInternalServerError},
	KindInvalid:              {"invalid", http.StatusBadRequest},
	KindUnauthenticated:      {"unauthenticated", http.StatusUnauthorized},
	KindForbidden:            {"forbidden", http.StatusForbidden},
	KindNotFound:             {"not_found", http.StatusNotFound},
	KindConflict:             {"conflict", http.StatusConflict},
	KindTimeout:              {"timeout", http.StatusRequestTimeout},
	KindPayloadTooLarge:      {"payload_too_large", http.StatusRequestEntityTooLarge},
	KindUnsupportedMediaType: {"unsupported_media_type", http.StatusUnsupportedMediaType},
	KindUnprocessable:        {"unprocessable", http.StatusUnprocessableEntity},
	KindRateLimited:          {"rate_limited", http.StatusTooManyRequests},
	KindUnavailable:          {"unavailable", http.StatusServiceUnavailable},
	KindPaymentRequired:      {"payment_required", http.StatusPaymentRequired},
}

// kindOfStatus is the kind whose status is status: for a reactor's failure,
// which carries a status. Other statuses are KindInvalid from 400 to 499 and
// KindInternal otherwise (a CustomHttpResponseError may choose any).
func kindOfStatus(status int) Kind {
	for k, info := range kindInfo {
		if info.status == status {
			return Kind(k)
		}
	}
	if status >= 400 && status < 500 {
		return KindInvalid
	}
	return KindInternal
}

// String returns the kind's name in snake case, e.g. "not_found".
func (k Kind) String() string {
	if int(k) < len(kindInfo) {
		return kindInfo[k].name
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Status returns the HTTP status code of the kind; unknown kinds are 500.
func (k Kind) Status() int {
	if int(k) < len(kindInfo) {
		return kindInfo[k].status
	}
	return http.StatusInternalServerError
}

// MarshalText encodes the kind by name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a kind name as produced by MarshalText.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, info := range kindInfo {
		if info.name == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("vault: unknown error kind %q", b)
}

// Error is the one error type the vault returns. Callers branch on Kind
// (errors.Is(err, vault.ErrNotFound)) and on the field paths of Fields,
// never on the wording of Detail.
//
// Detail and Fields are safe to show to clients: they never contain token
// data, keys, credentials or any other value from the request. Err, the
// underlying cause, is for logs only.
type Error struct {
	Kind   Kind                // what went wrong; maps to an HTTP status
	Op     string              // the operation, e.g. "CreateToken"
	Detail string              // a human-readable explanation, safe for clients
	Fields map[string][]string // field errors: "data.number" → {"must pass the Luhn check"}
	Err    error               // the cause, if any; Unwrap returns it
	// Reasons says, for some field paths of Fields, what kind of rule the
	// value broke (the connector API's error codes are made from it); a
	// path without one broke a rule of no particular kind.
	Reasons map[string]FieldReason
	// Reactor is set for the failure of a reactor itself; Kind is then the
	// kind of its status ([ReactorFailure]). What the reactor said stays in
	// it: Detail and Fields are empty, and the Error text names only the
	// class and status.
	Reactor *ReactorFailure
}

// FieldReason is the kind of rule a field's value broke.
type FieldReason string

// Field reasons.
const (
	ReasonValue         FieldReason = "value"          // not one of the allowed values
	ReasonFormat        FieldReason = "format"         // the wrong format, type or length
	ReasonCharacters    FieldReason = "characters"     // characters that are not allowed
	ReasonRequired      FieldReason = "required"       // missing
	ReasonNotApplicable FieldReason = "not_applicable" // not allowed in this request
	ReasonNotFound      FieldReason = "not_found"      // names something that does not exist
	ReasonInvalid       FieldReason = "invalid"        // broke a rule of no particular kind
)

// Sentinels for errors.Is: an *Error matches the sentinel of its kind.
var (
	ErrInternal             = &Error{Kind: KindInternal}
	ErrInvalid              = &Error{Kind: KindInvalid}
	ErrUnauthenticated      = &Error{Kind: KindUnauthenticated}
	ErrForbidden            = &Error{Kind: KindForbidden}
	ErrNotFound             = &Error{Kind: KindNotFound}
	ErrConflict             = &Error{Kind: KindConflict}
	ErrTimeout              = &Error{Kind: KindTimeout}
	ErrPayloadTooLarge      = &Error{Kind: KindPayloadTooLarge}
	ErrUnsupportedMediaType = &Error{Kind: KindUnsupportedMediaType}
	ErrUnprocessable        = &Error{Kind: KindUnprocessable}
	ErrRateLimited          = &Error{Kind: KindRateLimited}
	ErrUnavailable          = &Error{Kind: KindUnavailable}
	ErrPaymentRequired      = &Error{Kind: KindPaymentRequired}

	// ErrClosed is returned by every method of a closed Vault. It is of kind
	// KindUnavailable.
	ErrClosed = &Error{Kind: KindUnavailable, Detail: "the vault is closed"}
)

// Error formats the error for logs: op, kind, detail, field paths and cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("vault: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Reactor != nil {
		b.WriteString("reactor failed: ")
		if e.Reactor.Name != "" {
			b.WriteString(e.Reactor.Name + " ")
		}
		b.WriteString("(status " + strconv.Itoa(e.Reactor.Status) + ")")
		return b.String()
	}
	b.WriteString(e.Kind.String())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if len(e.Fields) > 0 {
		b.WriteString(" (")
		for i, path := range slices.Sorted(maps.Keys(e.Fields)) {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(path)
			b.WriteString(": ")
			b.WriteString(strings.Join(e.Fields[path], ", "))
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error of the same kind, so that
// errors.Is(err, vault.ErrNotFound) matches every not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// Status returns the HTTP status code of the error: the reactor's for a
// reactor's failure (its custom response's with CustomHttpResponseError),
// else its kind's.
func (e *Error) Status() int {
	switch {
	case e.Reactor != nil && e.Reactor.Custom != nil:
		return e.Reactor.Custom.Status
	case e.Reactor != nil:
		return e.Reactor.Status
	}
	return e.Kind.Status()
}

// KindOf returns the kind of err as the vault reports it: the kind of the
// first *Error in its chain, KindTimeout for an expired context deadline,
// KindUnavailable for a canceled context, and KindInternal for anything else.
func KindOf(err error) Kind {
	if err == nil {
		return KindInternal
	}
	return wrapErr("", err).(*Error).Kind
}

// newError builds an *Error; detail is formatted with args when args are
// given. Callers must never pass data values as args.
func newError(kind Kind, op, detail string, args ...any) *Error {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return &Error{Kind: kind, Op: op, Detail: detail}
}

// fieldErrors collects validation failures by field path.
type fieldErrors map[string][]string

func (f fieldErrors) add(path, msg string, args ...any) {
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	f[path] = append(f[path], msg)
}

// merge adds every error of g, with prefix prepended to its paths.
func (f fieldErrors) merge(prefix string, g fieldErrors) {
	for path, msgs := range g {
		p := path
		if prefix != "" {
			p = joinPath(prefix, path)
		}
		f[p] = append(f[p], msgs...)
	}
}

// err returns nil when nothing was collected, else a KindInvalid *Error.
func (f fieldErrors) err(op string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Op: op, Detail: "one or more validation errors occurred", Fields: f}
}

// invalidField is a KindInvalid error about one field.
func invalidField(op, path, msg string, args ...any) *Error {
	f := fieldErrors{}
	f.add(path, msg, args...)
	return f.err(op).(*Error)
}

func joinPath(prefix, path string) string {
	if prefix == "" {
		return path
	}
	if path == "" || strings.HasPrefix(path, "[") {
		return prefix + path
	}
	return prefix + "." + path
}

// wrapErr turns any error into an *Error for op. An *Error passes through
// with its Op filled in if empty; context errors become KindTimeout
// (deadline) or KindUnavailable (cancellation); everything else is
// KindInternal, with the cause kept for logs only.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		if e.Op == "" && op != "" {
			c := *e
			c.Op = op
			return &c
		}
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: KindTimeout, Op: op, Detail: "the operation timed out", Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: KindUnavailable, Op: op, Detail: "the operation was canceled", Err: err}
	}
	return &Error{Kind: KindInternal, Op: op, Detail: "internal error", Err: err}
}
