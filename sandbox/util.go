package sandbox

import (
	"reflect"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// Only the type of a value is asked for: goja's Export of a Map holding
// itself recurses without end.
var proxyType = reflect.TypeOf(goja.Proxy{})

// The Go halves of lib/util.js, lib/string_decoder.js and lib/url.js, and
// the lib modules reactors cannot require by name (lib/encoding.js,
// lib/structured_clone.js), which back globals.

func init() {
	jsNatives["util"] = (*invocation).utilNatives
	jsNatives["structured_clone"] = (*invocation).cloneNatives
	jsNatives["encoding"] = func(inv *invocation) *goja.Object {
		n := inv.rt.NewObject()
		inv.setFunc(n, "utf8", 1, func(call goja.FunctionCall) goja.Value {
			return inv.rt.ToValue(decodeUTF8(inv.viewBytes(call.Argument(0))))
		})
		inv.setFunc(n, "isUtf8", 1, func(call goja.FunctionCall) goja.Value {
			return inv.rt.ToValue(utf8.Valid(inv.viewBytes(call.Argument(0))))
		})
		return n
	}
	jsNatives["string_decoder"] = func(inv *invocation) *goja.Object {
		n := inv.rt.NewObject()
		_ = n.Set("encoding", inv.internalModule("encoding"))
		return n
	}
}

// internalModule runs lib/<name>.js once per invocation, for the sandbox's
// own use: require does not resolve it.
func (inv *invocation) internalModule(name string) goja.Value {
	key := "internal:" + name
	if v, ok := inv.modules[key]; ok {
		return v
	}
	v := jsModule(name)(inv)
	if inv.modules == nil {
		inv.modules = make(map[string]goja.Value)
	}
	inv.modules[key] = v
	return v
}

// internalExport returns one export of an internal module, for lazyGlobals.
func internalExport(module, name string) func(*invocation) goja.Value {
	return func(inv *invocation) goja.Value {
		return inv.internalModule(module).ToObject(inv.rt).Get(name)
	}
}

// utilNatives makes the brand checks util.types needs: JavaScript can tell
// neither a promise's state nor a proxy, and goja's class names tell Map,
// Set, RegExp, native errors and arguments objects apart from look-alikes.
func (inv *invocation) utilNatives() *goja.Object {
	rt := inv.rt
	n := rt.NewObject()
	inv.setFunc(n, "className", 1, func(call goja.FunctionCall) goja.Value {
		if o, ok := call.Argument(0).(*goja.Object); ok {
			return rt.ToValue(o.ClassName())
		}
		return rt.ToValue("")
	})
	inv.setFunc(n, "promiseState", 1, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		if !ok {
			return goja.Undefined()
		}
		if o.ExportType() != promiseType {
			return goja.Undefined()
		}
		p, ok := o.Export().(*goja.Promise)
		if !ok {
			return goja.Undefined()
		}
		var res goja.Value = goja.Undefined()
		state := "pending"
		switch p.State() {
		case goja.PromiseStateFulfilled:
			state, res = "fulfilled", p.Result()
		case goja.PromiseStateRejected:
			state, res = "rejected", p.Result()
		}
		return rt.NewArray(state, res)
	})
	inv.setFunc(n, "isProxy", 1, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		if !ok {
			return rt.ToValue(false)
		}
		return rt.ToValue(o.ExportType() == proxyType)
	})
	inv.setFunc(n, "encoding", 0, func(goja.FunctionCall) goja.Value { return inv.internalModule("encoding") })
	return n
}

// cloneNatives makes the brand checks and the errors of structuredClone.
func (inv *invocation) cloneNatives() *goja.Object {
	n := inv.utilNatives()
	inv.setFunc(n, "dataCloneError", 1, func(call goja.FunctionCall) goja.Value {
		e := inv.domException(call.Argument(0).String(), "DataCloneError")
		_ = e.Set("code", 25)
		return e
	})
	inv.setFunc(n, "notSupported", 1, func(call goja.FunctionCall) goja.Value {
		e := inv.domException(call.Argument(0).String(), "NotSupportedError")
		_ = e.Set("code", 9)
		return e
	})
	// promises, weak collections and the like: whatever goja does not
	// export as a plain object or its own class
	inv.setFunc(n, "isUncloneable", 1, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		if !ok {
			return inv.rt.ToValue(false)
		}
		switch o.ClassName() {
		case "WeakMap", "WeakSet", "Function", "AsyncFunction", "GeneratorFunction", "Generator":
			return inv.rt.ToValue(true)
		}
		return inv.rt.ToValue(o.ExportType() == promiseType)
	})
	return n
}

// requireModule returns a module as require gives it, for a global that is
// one of its exports (URL is require('url').URL).
func (inv *invocation) requireModule(name string) *goja.Object {
	req, _ := goja.AssertFunction(inv.requireFunc())
	v, err := req(goja.Undefined(), inv.rt.ToValue(name))
	if err != nil {
		panic(err)
	}
	return v.ToObject(inv.rt)
}
