package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// CompileError reports reactor code that does not compile; the vault maps it
// to 422. Its Error text carries the position only; Message is the parser's
// reason with quoted fragments of the code redacted.
type CompileError struct {
	Line    int    // 1-based line in the reactor code
	Column  int    // 1-based column in that line
	Message string // e.g. "Unexpected token }" or "Identifier '…' has already been declared"
}

// Error gives the position only.
func (e *CompileError) Error() string {
	return fmt.Sprintf("sandbox: code does not compile (line %d, column %d)", e.Line, e.Column)
}

// Limit names a limit of [Limits] that an invocation ran into.
type Limit uint8

// The limits a [LimitError] reports. The order is frozen.
const (
	LimitTimeout  Limit = iota + 1 // Limits.Timeout or Request.Timeout
	LimitMemory                    // Limits.MemoryBudget
	LimitCodeSize                  // Limits.MaxCodeSize
	LimitPayload                   // Limits.MaxPayload
)

// String names the limit: "timeout", "memory", "code size" or "payload".
func (l Limit) String() string {
	switch l {
	case LimitTimeout:
		return "timeout"
	case LimitMemory:
		return "memory"
	case LimitCodeSize:
		return "code size"
	case LimitPayload:
		return "payload"
	}
	return fmt.Sprintf("limit(%d)", uint8(l))
}

// LimitError reports an invocation stopped, or refused, by a limit. The
// runtime that ran into it is discarded. errors.Is matches the sentinels
// [ErrTimeout], [ErrMemory], [ErrCodeSize] and [ErrPayload] by Limit alone; a
// timeout also matches context.DeadlineExceeded.
type LimitError struct {
	Limit Limit
	Max   int64  // the limit in force: nanoseconds, bytes or characters
	What  string // for LimitPayload: "args", "raw", "tokenize" or "custom response body"
}

// Sentinels for errors.Is.
var (
	ErrTimeout  = &LimitError{Limit: LimitTimeout}
	ErrMemory   = &LimitError{Limit: LimitMemory}
	ErrCodeSize = &LimitError{Limit: LimitCodeSize}
	ErrPayload  = &LimitError{Limit: LimitPayload}
)

// Error names the limit and its value.
func (e *LimitError) Error() string {
	switch e.Limit {
	case LimitTimeout:
		return fmt.Sprintf("sandbox: reactor timed out after %s", durationString(e.Max))
	case LimitMemory:
		return fmt.Sprintf("sandbox: reactor exceeded the memory budget of %d bytes", e.Max)
	case LimitCodeSize:
		return fmt.Sprintf("sandbox: code is longer than %d characters", e.Max)
	case LimitPayload:
		return fmt.Sprintf("sandbox: %s larger than %d bytes", e.What, e.Max)
	}
	return "sandbox: " + e.Limit.String() + " limit exceeded"
}

// Is reports whether target is a *LimitError with the same Limit.
func (e *LimitError) Is(target error) bool {
	t, ok := target.(*LimitError)
	return ok && t.Limit == e.Limit
}

// Unwrap makes a timeout match context.DeadlineExceeded.
func (e *LimitError) Unwrap() error {
	if e.Limit == LimitTimeout {
		return context.DeadlineExceeded
	}
	return nil
}

// ReactorError is a failure of the reactor itself: a thrown error of the
// reactor-formulas SDK (status from its class), a CustomHttpResponseError
// (Custom set, returned verbatim), or anything else thrown or rejected,
// wrapped as a ReactorRuntimeError (500). Detail and Errors come from the
// reactor's thrown value, which is the documented contract; the Error text
// names only the class and status.
type ReactorError struct {
	Status int                 // HTTP status: 400, 401, 402, 403, 429, 500, 503, or Custom.Status
	Name   string              // SDK class: "BadRequestError", ..., "ReactorRuntimeError", "CustomHttpResponseError"
	Detail string              // the error's message, e.g. "Bad Request"
	Errors map[string][]string // the SDK's sanitizeErrors normalisation
	Custom *CustomResponse     // set for CustomHttpResponseError only
}

// Error names the class and the status only.
func (e *ReactorError) Error() string {
	return fmt.Sprintf("sandbox: reactor failed with %s (%d)", e.Name, e.Status)
}

// LogValue keeps the class and status, not what the reactor put in the error.
func (e *ReactorError) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", e.Name), slog.Int("status", e.Status))
}

// CustomResponse is the response a reactor chose with CustomHttpResponseError.
type CustomResponse struct {
	Status  int             // 100..599
	Headers http.Header     // values are stringified
	Body    json.RawMessage // the JSON of body ({} when absent)
}

func durationString(ns int64) string {
	return fmt.Sprint(time.Duration(ns))
}
