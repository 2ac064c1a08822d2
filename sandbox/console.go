package sandbox

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// console returns the console object: its output goes to the invocation's
// Result.Logs, never to the host's logger or standard streams.
func (inv *invocation) console() goja.Value {
	rt := inv.rt
	c := rt.NewObject()
	method := func(name, level string) {
		inv.setFunc(c, name, 0, func(call goja.FunctionCall) goja.Value {
			inv.log(level, inv.format(call.Arguments))
			return goja.Undefined()
		})
	}
	method("log", "info")
	method("info", "info")
	method("debug", "debug")
	method("trace", "debug")
	method("dir", "info")
	method("table", "info")
	method("warn", "warn")
	method("error", "error")
	inv.setFunc(c, "assert", 0, func(call goja.FunctionCall) goja.Value {
		if !call.Argument(0).ToBoolean() {
			msg := "Assertion failed"
			if len(call.Arguments) > 1 {
				msg += ": " + inv.format(call.Arguments[1:])
			}
			inv.log("error", msg)
		}
		return goja.Undefined()
	})
	return c
}

// log appends one entry, within Limits.MaxLogBytes. An entry costs its
// bytes and a newline, as on a console: empty lines are not free, or
// an empty console.log in a loop would pile up entries without bound.
func (inv *invocation) log(level, msg string) {
	if inv.logsTrunc {
		return
	}
	room := inv.limits.MaxLogBytes - inv.logBytes - 1
	if len(msg) > room {
		msg = truncateUTF8(msg, room)
		inv.logsTrunc = true
		if msg == "" {
			return
		}
	}
	inv.logBytes += len(msg) + 1
	inv.logs = append(inv.logs, LogEntry{Level: level, Message: msg})
}

func truncateUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// format follows Node's util.format: a first string argument may hold %s,
// %d, %i, %f, %j, %o, %O, %c and %%; the other arguments follow, separated by
// spaces. Objects are shown as JSON, within the room left for logs.
func (inv *invocation) format(args []goja.Value) string {
	var b strings.Builder
	room := inv.limits.MaxLogBytes - inv.logBytes + 1
	rest := args
	if len(args) > 0 && goja.IsString(args[0]) {
		f := args[0].String()
		rest = args[1:]
		for i := 0; i < len(f); i++ {
			if f[i] != '%' || i+1 == len(f) {
				b.WriteByte(f[i])
				continue
			}
			verb := f[i+1]
			if verb == '%' {
				b.WriteByte('%')
				i++
				continue
			}
			if !strings.ContainsRune("sdifjoOc", rune(verb)) || len(rest) == 0 {
				b.WriteByte('%')
				continue
			}
			arg := rest[0]
			rest = rest[1:]
			i++
			switch verb {
			case 's':
				if _, isObj := arg.(*goja.Object); isObj {
					b.WriteString(inv.inspect(arg, room-b.Len()))
				} else {
					b.WriteString(arg.String())
				}
			case 'd', 'i':
				n := arg.ToFloat()
				if verb == 'i' {
					n = float64(int64(n))
				}
				b.WriteString(inv.rt.ToValue(n).String())
			case 'f':
				b.WriteString(inv.rt.ToValue(arg.ToFloat()).String())
			case 'j', 'o', 'O':
				b.WriteString(inv.inspect(arg, room-b.Len()))
			case 'c': // CSS: ignored
			}
			if b.Len() > room {
				return b.String()
			}
		}
	}
	for i, a := range rest {
		if i > 0 || len(args) > len(rest) {
			b.WriteByte(' ')
		}
		if goja.IsString(a) {
			b.WriteString(a.String())
		} else {
			b.WriteString(inv.inspect(a, room-b.Len()))
		}
		if b.Len() > room {
			break
		}
	}
	return b.String()
}

// inspect renders a value for the console: primitives as JavaScript shows
// them, errors as their stack, functions by name, other objects as JSON
// (cycles shown as "[Circular]"), at most max bytes.
func (inv *invocation) inspect(v goja.Value, max int) string {
	if max <= 0 {
		return ""
	}
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsString(v):
		return strconv.Quote(v.String())
	case goja.IsBigInt(v):
		return v.String() + "n"
	}
	if sym, ok := v.(*goja.Symbol); ok {
		return "Symbol(" + sym.String() + ")"
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return v.String()
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		if name := o.Get("name"); name != nil && name.String() != "" {
			return "[Function: " + name.String() + "]"
		}
		return "[Function (anonymous)]"
	}
	if inv.isError(o) {
		if st := o.Get("stack"); st != nil && goja.IsString(st) {
			return st.String()
		}
		return o.String()
	}
	b, err := inv.encodeLenient(v, max)
	if err != nil {
		return "[object " + o.ClassName() + "]"
	}
	return string(b)
}

// isError reports whether o is an Error (its class, not a duck type).
func (inv *invocation) isError(o *goja.Object) bool {
	return o.ClassName() == "Error"
}
