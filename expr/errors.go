package expr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind classifies an [Error]. The order is frozen: new kinds go at the end.
type Kind uint8

const (
	// KindSyntax: the template does not parse (bad markup, unknown tag or
	// filter, wrong number of filter arguments, a reference head that is not
	// a token id). Reported by [Parse], [Compile] and [ParseDocument].
	KindSyntax Kind = iota + 1
	// KindEval: evaluation failed (a bad filter argument, a json path that
	// matched several values, an uncastable to_number, a value of the wrong
	// type...).
	KindEval
	// KindLimit: evaluation exceeded a [Limits] bound (output size, steps,
	// items) or the template nests too deeply.
	KindLimit
	// KindRef: a document reference the lookup given to [Document.Render]
	// did not resolve.
	KindRef
)

var kindNames = [...]string{"", "syntax", "eval", "limit", "ref"}

// String returns "syntax", "eval", "limit" or "ref".
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is the only error type the package returns. Its message is safe to
// show to the client who wrote the template: it names filters, tags and
// keywords but never a data value or the template text (a template may hold a
// secret next to its expressions).
//
// Compare kinds with errors.Is against [ErrSyntax], [ErrEval], [ErrLimit] and
// [ErrRef], or read the fields with errors.AsType[*expr.Error].
type Error struct {
	Kind Kind
	// Path is the JSON path of the leaf in a document ("number",
	// "args.card[0]"); empty for a lone template.
	Path string
	// Offset is the byte offset in the template of the construct at fault
	// (the "{{" or "{%" that opens it, or the filter name); -1 if unknown.
	Offset int
	// Line and Col locate Offset: 1-based, Col counts characters. Zero if
	// Offset is unknown.
	Line, Col int
	// Filter names the filter at fault, if any.
	Filter string
	// Msg says what went wrong.
	Msg string
}

// Sentinels for errors.Is: they match any *Error of the same kind.
var (
	ErrSyntax = &Error{Kind: KindSyntax}
	ErrEval   = &Error{Kind: KindEval}
	ErrLimit  = &Error{Kind: KindLimit}
	ErrRef    = &Error{Kind: KindRef}
)

// Error returns "expr: <path>: line L, col C: <msg>" without the parts that
// are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("expr: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, col %d: ", e.Line, e.Col)
	}
	if e.Msg == "" {
		b.WriteString(e.Kind.String())
		b.WriteString(" error")
	} else {
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Is reports whether target is an *Error of the same kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// newErr builds an error at offset off (-1 if unknown); the caller's
// template fills in Line and Col (see locate).
func newErr(kind Kind, off int, format string, args ...any) *Error {
	return &Error{Kind: kind, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// locate fills Line and Col from Offset in src.
func (e *Error) locate(src string) *Error {
	if e.Offset < 0 || e.Offset > len(src) {
		e.Offset, e.Line, e.Col = -1, 0, 0
		return e
	}
	line, start := 1, 0
	for i := 0; i < e.Offset; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	e.Line = line
	e.Col = 1 + utf8.RuneCountInString(src[start:e.Offset])
	return e
}

// clone returns a copy, so that cached errors stay immutable.
func (e *Error) clone() *Error {
	c := *e
	return &c
}

// safeName returns name if it looks like a keyword (a short lowercase
// identifier with no run of more than two digits), else a placeholder:
// unknown tag and filter names are echoed only when they cannot be data.
func safeName(name string) string {
	if name == "" || len(name) > 32 {
		return "?"
	}
	digits := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
			digits = 0
		case c >= '0' && c <= '9' && i > 0:
			if digits++; digits > 2 {
				return "?"
			}
		default:
			return "?"
		}
	}
	return name
}
