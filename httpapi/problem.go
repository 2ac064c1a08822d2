package httpapi

import (
	"errors"
	"net/http"

	"github.com/tokenvault/vault"
)

// ProblemDetails is the body of every error response (RFC 9457, in the
// shape of ASP.NET's ValidationProblemDetails that the hosted platform and
// its SDKs use). It is served as application/problem+json.
type ProblemDetails struct {
	// Title is "One or more validation errors occurred." for a 400 with
	// field errors, and the status text otherwise.
	Title string `json:"title"`
	// Status repeats the HTTP status code.
	Status int `json:"status"`
	// Detail explains the failure. It never contains a value from the
	// request: no token data, key or id.
	Detail string `json:"detail,omitempty"`
	// Errors maps field paths ("data.number", "rules[0].container") to
	// messages.
	Errors map[string][]string `json:"errors,omitempty"`
}

// validationTitle is the title of a 400 with field errors, as ASP.NET (and so
// the hosted platform) words it.
const validationTitle = "One or more validation errors occurred."

// internalDetail replaces the detail of every internal error: its cause is
// logged, never sent.
const internalDetail = "An internal error occurred. The trace id in the BT-TRACE-ID header identifies it in the server's logs."

// problemFor builds the ProblemDetails of err, which any vault call or
// decoder returned. Errors that are not *vault.Error (none should reach
// here) count as internal.
func problemFor(err error) ProblemDetails {
	kind := vault.KindOf(err)
	p := ProblemDetails{Status: kind.Status(), Title: http.StatusText(kind.Status())}
	if kind == vault.KindInternal {
		p.Detail = internalDetail
		return p
	}
	var e *vault.Error
	if errors.As(err, &e) {
		p.Detail = e.Detail
		if len(e.Fields) > 0 {
			p.Errors = e.Fields
		}
	}
	p.Title = problemTitle(p.Status, len(p.Errors) > 0)
	return p
}

// problemTitle is the title of a ProblemDetails: the status text, or the
// ASP.NET validation title for a 400 with field errors.
func problemTitle(status int, fieldErrors bool) string {
	if status == http.StatusBadRequest && fieldErrors {
		return validationTitle
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// statusProblem is the ProblemDetails of a status the handler produces
// without a vault error (unknown route, method not allowed).
func statusProblem(status int, detail string) ProblemDetails {
	return ProblemDetails{Status: status, Title: http.StatusText(status), Detail: detail}
}
