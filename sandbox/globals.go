package sandbox

import (
	"encoding/base64"
	"slices"
	"strings"

	"github.com/dop251/goja"
)

// The global object of an invocation is a fresh plain object whose prototype
// chain is
//
//	globalThis (plain, empty) → globals (goja DynamicObject) → goja's global object → Object.prototype
//
// globals answers, lazily, the names the sandbox adds (setTimeout, console,
// Buffer, fetch, ...) and the guarded versions of some intrinsics (typed
// arrays, ArrayBuffer, Reflect, JSON); everything else falls through to goja's
// own global object, whose intrinsics goja itself materialises on first use.
// A reactor that never touches fetch never pays for it, and setting up a
// runtime costs a few objects whatever the number of globals.
type globals struct {
	inv  *invocation
	vals map[string]goja.Value
}

// lazyGlobals maps a global name to the function that makes its value.
var lazyGlobals map[string]func(*invocation) goja.Value

var lazyGlobalNames []string

func init() {
	timerFn := func(name string, interval, immediate bool) func(*invocation) goja.Value {
		return func(inv *invocation) goja.Value {
			return inv.function(name, 2, func(call goja.FunctionCall) goja.Value { return inv.newTimer(call, interval, immediate) })
		}
	}
	clearFn := func(name string) func(*invocation) goja.Value {
		return func(inv *invocation) goja.Value { return inv.function(name, 1, inv.clearTimer) }
	}
	lazyGlobals = map[string]func(*invocation) goja.Value{
		"global":         func(inv *invocation) goja.Value { return inv.rt.GlobalObject() },
		"setTimeout":     timerFn("setTimeout", false, false),
		"setInterval":    timerFn("setInterval", true, false),
		"setImmediate":   timerFn("setImmediate", false, true),
		"clearTimeout":   clearFn("clearTimeout"),
		"clearInterval":  clearFn("clearInterval"),
		"clearImmediate": clearFn("clearImmediate"),
		"queueMicrotask": func(inv *invocation) goja.Value { return inv.function("queueMicrotask", 1, inv.queueMicrotask) },
		"console":        func(inv *invocation) goja.Value { return inv.console() },
		"Buffer":         func(inv *invocation) goja.Value { return inv.bufferModule().ToObject(inv.rt).Get("Buffer") },
		"fetch":          func(inv *invocation) goja.Value { return inv.httpModule().Get("fetch") },
		"Headers":        func(inv *invocation) goja.Value { return inv.httpModule().Get("Headers") },
		"Response":       func(inv *invocation) goja.Value { return inv.httpModule().Get("Response") },
		"atob":           func(inv *invocation) goja.Value { return inv.function("atob", 1, inv.atob) },
		"btoa":           func(inv *invocation) goja.Value { return inv.function("btoa", 1, inv.btoa) },
		"Reflect":        func(inv *invocation) goja.Value { return inv.guardReflect() },
		"JSON":           func(inv *invocation) goja.Value { return inv.guardJSON() },
		"crypto":         func(inv *invocation) goja.Value { return inv.webCryptoGlobal() },
		"TextEncoder":    internalExport("encoding", "TextEncoder"),
		"TextDecoder":    internalExport("encoding", "TextDecoder"),
		"URL":            func(inv *invocation) goja.Value { return inv.requireModule("url").Get("URL") },
	}
	lazyGlobals["URLSearchParams"] = func(inv *invocation) goja.Value { return inv.requireModule("url").Get("URLSearchParams") }
	lazyGlobals["structuredClone"] = internalExport("structured_clone", "structuredClone")
	for _, name := range bufferConstructors {
		lazyGlobals[name] = func(inv *invocation) goja.Value { return inv.guardTypedArrays(name) }
	}
	for name := range lazyGlobals {
		lazyGlobalNames = append(lazyGlobalNames, name)
	}
	slices.Sort(lazyGlobalNames)
}

func (g *globals) Get(key string) goja.Value {
	if v, ok := g.vals[key]; ok {
		return v
	}
	mk, ok := lazyGlobals[key]
	if !ok {
		return nil
	}
	v := mk(g.inv)
	g.vals[key] = v
	return v
}

func (g *globals) Has(key string) bool { _, ok := lazyGlobals[key]; return ok }

// Set refuses: an assignment to one of these names creates an own property
// of globalThis instead, which then shadows it.
func (g *globals) Set(string, goja.Value) bool { return false }
func (g *globals) Delete(key string) bool      { return !g.Has(key) }
func (g *globals) Keys() []string              { return slices.Clone(lazyGlobalNames) }

// setupGlobals installs the global object chain and the eager guards.
func (inv *invocation) setupGlobals() {
	rt := inv.rt
	orig := rt.GlobalObject()
	inv.globals = &globals{inv: inv, vals: make(map[string]goja.Value, 8)}
	dyn := rt.NewDynamicObject(inv.globals)
	if err := dyn.SetPrototype(orig); err != nil {
		panic(err)
	}
	g := rt.NewObject()
	if err := g.SetPrototype(dyn); err != nil {
		panic(err)
	}
	inv.guards.orig = orig
	rt.SetGlobalObject(g)
	inv.installGuards()
}

// intrinsic returns goja's own binding of a global name, whatever the reactor
// did to globalThis (it may still have changed the object in place).
func (inv *invocation) intrinsic(name string) goja.Value {
	return inv.guards.orig.Get(name)
}

// atob and btoa as in Node 16: Latin-1 strings and standard base64.
func (inv *invocation) btoa(call goja.FunctionCall) goja.Value {
	s := call.Argument(0).String()
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			panic(inv.domException("Invalid character", "InvalidCharacterError"))
		}
		b = append(b, byte(r))
	}
	return inv.rt.ToValue(base64.StdEncoding.EncodeToString(b))
}

func (inv *invocation) atob(call goja.FunctionCall) goja.Value {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
			return -1
		}
		return r
	}, call.Argument(0).String())
	if len(s)%4 != 0 {
		s += strings.Repeat("=", 4-len(s)%4)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(inv.domException("The string to be decoded is not correctly encoded.", "InvalidCharacterError"))
	}
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return inv.rt.ToValue(sb.String())
}

// domException makes an Error with a DOMException-like name.
func (inv *invocation) domException(msg, name string) *goja.Object {
	e := inv.newError("Error", msg)
	_ = e.Set("name", name)
	return e
}

// newError constructs an intrinsic error (Error, TypeError, RangeError, ...).
func (inv *invocation) newError(ctor, msg string) *goja.Object {
	o, err := inv.rt.New(inv.intrinsic(ctor), inv.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	return o
}

// nodeError makes an error as Node's internal errors are: an instance of
// ctor (Error, TypeError, RangeError) whose code property is code, such as
// ERR_INVALID_ARG_TYPE.
func (inv *invocation) nodeError(ctor, code, msg string) *goja.Object {
	e := inv.newError(ctor, msg)
	_ = e.Set("code", code)
	return e
}

// rangeError throws a RangeError, as V8 does for an allocation it refuses.
func (inv *invocation) rangeError(msg string) {
	panic(inv.newError("RangeError", msg))
}
