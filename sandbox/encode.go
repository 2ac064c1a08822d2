package sandbox

import (
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// maxDepth bounds the nesting the encoder follows (JSON.stringify has no
// bound but the stack's).
const maxDepth = 512

// tooLargeError reports output beyond the encoder's budget.
type tooLargeError struct{}

func (*tooLargeError) Error() string { return "sandbox: value too large to encode" }

// encoder writes a JavaScript value as JSON with the semantics of
// JSON.stringify (toJSON, boxed primitives, undefined and functions omitted
// or null, non-finite numbers as null) but within a byte budget and a depth,
// so that a reactor cannot make the host build an unbounded string: a sparse
// array of a billion holes stops at the budget, not at five gigabytes.
type encoder struct {
	inv     *invocation
	buf     []byte
	max     int
	stack   []*goja.Object
	lenient bool // for the console: cycles and BigInts are shown, not errors
}

// encode returns the JSON of v, nil when JSON.stringify would return
// undefined. The error is a *tooLargeError, an *encodeFailure for what
// JSON.stringify throws itself (a cycle, a BigInt, too deep), or what goja
// returns from a throwing toJSON or getter (or an interrupt).
func (inv *invocation) encode(v goja.Value, max int) ([]byte, error) {
	e := &encoder{inv: inv, max: max}
	return e.run(v)
}

// encodeLenient is encode for display: cycles become "[Circular]".
func (inv *invocation) encodeLenient(v goja.Value, max int) ([]byte, error) {
	e := &encoder{inv: inv, max: max, lenient: true}
	b, err := e.run(v)
	var tl *tooLargeError
	if errors.As(err, &tl) {
		return append(truncateBytes(e.buf, max-3), "..."...), nil
	}
	return b, err
}

func truncateBytes(b []byte, n int) []byte {
	if n <= 0 {
		return nil
	}
	if n >= len(b) {
		return b
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

func (e *encoder) run(v goja.Value) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			switch r.(type) {
			case *tooLargeError, *encodeFailure, *goja.Exception, *goja.InterruptedError, *goja.StackOverflowError:
				out, err = nil, r.(error)
			default:
				panic(r) // a bug: Run recovers it
			}
		}
	}()
	if !e.value("", v) {
		return nil, nil
	}
	return e.buf, nil
}

// encodeFailure is what JSON.stringify would throw: ctor is the error class.
type encodeFailure struct{ ctor, msg string }

func (f *encodeFailure) Error() string { return "sandbox: " + f.msg }

// fail aborts the walk; run returns the failure.
func (e *encoder) fail(ctor, msg string) {
	panic(&encodeFailure{ctor: ctor, msg: msg})
}

func (e *encoder) grow() {
	if len(e.buf) > e.max {
		panic(&tooLargeError{})
	}
}

// throwEncodeError rethrows an encoder error into the calling JavaScript.
func (inv *invocation) throwEncodeError(err error, what string, max int) {
	var tl *tooLargeError
	var ef *encodeFailure
	switch {
	case errors.As(err, &tl):
		inv.rangeError(what + " is larger than " + strconv.Itoa(max) + " bytes")
	case errors.As(err, &ef):
		panic(inv.newError(ef.ctor, ef.msg))
	default:
		panic(err)
	}
}

// value writes v, read under key; it reports false when v is not
// serialisable (undefined, a function, a symbol): the caller omits it or
// writes null.
func (e *encoder) value(key string, v goja.Value) bool {
	rt := e.inv.rt
	if o, ok := v.(*goja.Object); ok {
		if toJSON, ok := goja.AssertFunction(o.Get("toJSON")); ok {
			r, err := toJSON(v, rt.ToValue(key))
			if err != nil {
				panic(err)
			}
			v = r
		}
	} else if goja.IsBigInt(v) {
		if toJSON, ok := goja.AssertFunction(v.ToObject(rt).Get("toJSON")); ok {
			r, err := toJSON(v, rt.ToValue(key))
			if err != nil {
				panic(err)
			}
			v = r
		}
	}
	if o, ok := v.(*goja.Object); ok {
		switch o.ClassName() {
		case "Number":
			v = rt.ToValue(o.ToFloat())
		case "String":
			v = o.ToString()
		case "Boolean", "BigInt":
			if prim := o.Export(); prim != nil {
				v = rt.ToValue(prim)
			}
		}
	}
	switch {
	case v == nil || goja.IsUndefined(v):
		return false
	case goja.IsNull(v):
		e.buf = append(e.buf, "null"...)
	case goja.IsString(v):
		e.buf = appendQuoted(e.buf, v.String())
	case goja.IsNumber(v):
		f := v.ToFloat()
		if goja.IsNaN(v) || goja.IsInfinity(v) {
			e.buf = append(e.buf, "null"...)
		} else if f == 0 {
			e.buf = append(e.buf, '0')
		} else {
			e.buf = append(e.buf, v.String()...)
		}
	case goja.IsBigInt(v):
		if !e.lenient {
			e.fail("TypeError", "Do not know how to serialize a BigInt")
		}
		e.buf = appendQuoted(e.buf, v.String()+"n")
	default:
		o, ok := v.(*goja.Object)
		if !ok {
			if b, isBool := v.Export().(bool); isBool {
				e.buf = strconv.AppendBool(e.buf, b)
				break
			}
			return false // a symbol
		}
		if _, callable := goja.AssertFunction(o); callable {
			return false
		}
		e.object(o)
	}
	e.grow()
	return true
}

func (e *encoder) object(o *goja.Object) {
	for _, s := range e.stack {
		if s == o {
			if e.lenient {
				e.buf = append(e.buf, `"[Circular]"`...)
				return
			}
			e.fail("TypeError", "Converting circular structure to JSON")
		}
	}
	if len(e.stack) >= maxDepth {
		e.fail("RangeError", "Maximum call stack size exceeded")
	}
	e.stack = append(e.stack, o)
	defer func() { e.stack = e.stack[:len(e.stack)-1] }()
	if o.ClassName() == "Array" {
		n := lengthOf(o)
		e.buf = append(e.buf, '[')
		for i := int64(0); i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			k := strconv.FormatInt(i, 10)
			if !e.value(k, o.Get(k)) {
				e.buf = append(e.buf, "null"...)
			}
			e.grow()
		}
		e.buf = append(e.buf, ']')
		return
	}
	e.buf = append(e.buf, '{')
	first := true
	for _, k := range o.Keys() {
		mark := len(e.buf)
		if !first {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendQuoted(e.buf, k)
		e.buf = append(e.buf, ':')
		if e.value(k, o.Get(k)) {
			first = false
		} else {
			e.buf = e.buf[:mark]
		}
		e.grow()
	}
	e.buf = append(e.buf, '}')
}

// appendQuoted writes s as a JSON string the way JSON.stringify does: only
// '"', '\\' and control characters are escaped.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
