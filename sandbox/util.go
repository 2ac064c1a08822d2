package sandbox

import (
	"math/big"
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
		// utf8 and utf16le return null for invalid input when fatal
		inv.setFunc(n, "utf8", 2, func(call goja.FunctionCall) goja.Value {
			b := inv.viewBytes(call.Argument(0))
			if call.Argument(1).ToBoolean() && !utf8.Valid(b) {
				return goja.Null()
			}
			return inv.rt.ToValue(decodeUTF8(b))
		})
		inv.setFunc(n, "utf16le", 2, func(call goja.FunctionCall) goja.Value {
			units, ok := decodeUTF16LE(inv.viewBytes(call.Argument(0)))
			if !ok && call.Argument(1).ToBoolean() {
				return goja.Null()
			}
			return goja.StringFromUTF16(units)
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
	inv.setFunc(n, "kind", 1, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		if !ok {
			return rt.ToValue("")
		}
		return rt.ToValue(kindOf(o))
	})
	inv.setFunc(n, "nonIndexKeys", 2, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		if !ok {
			return rt.NewArray()
		}
		var names []string
		if call.Argument(1).ToBoolean() {
			names = o.GetOwnPropertyNames()
		} else {
			names = o.Keys()
		}
		out := make([]any, 0, 4)
		for _, k := range names {
			if !isArrayIndex(k) {
				out = append(out, k)
			}
		}
		return rt.NewArray(out...)
	})
	inv.setFunc(n, "toUSVString", 1, func(call goja.FunctionCall) goja.Value { return toUSVString(call.Argument(0)) })
	// proxyDetails returns a proxy's [target, handler] (null once revoked),
	// or undefined for anything else
	inv.setFunc(n, "proxyDetails", 1, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		if !ok || o.ExportType() != proxyType {
			return goja.Undefined()
		}
		p, _ := o.Export().(goja.Proxy)
		handler := p.Handler()
		if handler == nil || p.Target() == nil {
			return goja.Null()
		}
		return rt.NewArray(p.Target(), handler)
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

// kindOf tells the built-in kind of an object from goja's class name and
// export type, neither of which runs JavaScript or walks the object. ""
// means none of these: a plain object, a class instance, a DataView, a
// weak collection.
func kindOf(o *goja.Object) string {
	if o.ExportType() == proxyType {
		return "proxy" // before ClassName, which a revoked proxy refuses
	}
	switch o.ClassName() {
	case "Date":
		return "date"
	case "RegExp":
		return "regexp"
	case "Error":
		return "error"
	case "Array":
		return "array"
	case "Arguments":
		return "arguments"
	case "Number":
		return "number"
	case "String":
		return "string"
	case "Boolean":
		return "boolean"
	case "Function", "AsyncFunction", "GeneratorFunction":
		return "function"
	}
	switch t := o.ExportType(); {
	case t == mapExportType:
		return "map"
	case t == setExportType:
		return "set"
	case t == promiseType:
		return "promise"
	case t == arrayBufferType:
		return "arraybuffer"
	case t == bigIntExportType:
		return "bigint"
	case t == stringExportType:
		return "symbol"
	case t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Interface:
		return "typedarray"
	}
	return ""
}

var (
	mapExportType    = reflect.TypeOf([][2]any(nil))
	setExportType    = reflect.TypeOf([]any(nil))
	bigIntExportType = reflect.TypeOf((*big.Int)(nil))
	stringExportType = reflect.TypeOf("")
)

// isArrayIndex reports whether k is a canonical array index.
func isArrayIndex(k string) bool {
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return false
	}
	n := 0
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
		n = n*10 + int(k[i]-'0')
	}
	return n <= 1<<32-2
}

// decodeUTF16LE decodes as the Encoding Standard does, each unpaired
// surrogate and an odd last byte becoming U+FFFD; ok is false if any did.
func decodeUTF16LE(b []byte) (units []uint16, ok bool) {
	ok = true
	units = make([]uint16, 0, len(b)/2+1)
	for i := 0; i+1 < len(b); i += 2 {
		u := uint16(b[i]) | uint16(b[i+1])<<8
		switch {
		case u >= 0xd800 && u <= 0xdbff:
			if i+3 < len(b) {
				if v := uint16(b[i+2]) | uint16(b[i+3])<<8; v >= 0xdc00 && v <= 0xdfff {
					units = append(units, u, v)
					i += 2
					continue
				}
			}
			units, ok = append(units, 0xfffd), false
		case u >= 0xdc00 && u <= 0xdfff:
			units, ok = append(units, 0xfffd), false
		default:
			units = append(units, u)
		}
	}
	if len(b)%2 == 1 {
		units, ok = append(units, 0xfffd), false
	}
	return units, ok
}

// toUSVString replaces each lone surrogate of v's string with U+FFFD.
func toUSVString(v goja.Value) goja.Value {
	s := utf16Value(v)
	n := s.Length()
	var units []uint16
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		switch {
		case c >= 0xd800 && c <= 0xdbff && i+1 < n && s.CharAt(i+1) >= 0xdc00 && s.CharAt(i+1) <= 0xdfff:
			if units != nil {
				units = append(units, c, s.CharAt(i+1))
			}
			i++
			continue
		case c >= 0xd800 && c <= 0xdfff:
			if units == nil {
				units = make([]uint16, i, n)
				for j := range i {
					units[j] = s.CharAt(j)
				}
			}
			c = 0xfffd
		}
		if units != nil {
			units = append(units, c)
		}
	}
	if units == nil {
		return s
	}
	return goja.StringFromUTF16(units)
}
