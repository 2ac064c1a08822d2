package sandbox

import (
	"slices"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/buffer"
)

// modules maps what require accepts to the function making the module's
// exports. require resolves nothing else: no file is ever read, and no module
// registered globally with goja_nodejs (its process module exposes
// os.Environ) is reachable. Node's built-ins that would reach the host
// (fs, child_process, net, os, process, ...) are absent like any other name.
var modules map[string]func(*invocation) goja.Value

// ModuleNames lists the names require accepts, sorted.
func ModuleNames() []string {
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func init() {
	modules = map[string]func(*invocation) goja.Value{
		sdkModuleName: func(inv *invocation) goja.Value { return inv.loadSDK().exports },
		"crypto":      (*invocation).cryptoModule,
		"buffer":      (*invocation).bufferModule,
		"uuid":        (*invocation).uuidModule,
		"node-fetch":  func(inv *invocation) goja.Value { return inv.httpModule().Get("nodeFetch") },
		"axios":       func(inv *invocation) goja.Value { return inv.httpModule().Get("axios") },
		"console":     func(inv *invocation) goja.Value { return inv.globals.Get("console") },
		"path":        jsModule("path"),
		"events":      jsModule("events"),
		"stream":      jsModule("stream"),
		"http":        jsModule("http"),
		"https":       jsModule("https"),
		"zlib":        jsModule("zlib"),
		"querystring": jsModule("querystring"),
		"util":        jsModule("util"),
		"url":         jsModule("url"),
	}
	modules["stream/promises"] = streamPromises
	modules["string_decoder"] = jsModule("string_decoder")
	for _, n := range []string{"crypto", "buffer", "console", "path", "events", "stream", "stream/promises", "http", "https", "zlib",
		"querystring", "util", "url", "string_decoder"} {
		modules["node:"+n] = modules[n]
	}
}

// requireFunc returns the require passed to the module wrapper.
func (inv *invocation) requireFunc() goja.Value {
	if inv.require != nil {
		return inv.require
	}
	inv.require = inv.function("require", 1, func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		load, ok := modules[name]
		if !ok {
			panic(inv.nodeError("Error", "MODULE_NOT_FOUND", "module "+name+" is not available in the reactor sandbox"))
		}
		name = strings.TrimPrefix(name, "node:") // one instance for crypto and node:crypto
		if v, ok := inv.modules[name]; ok {
			return v
		}
		v := load(inv)
		if inv.modules == nil {
			inv.modules = make(map[string]goja.Value)
		}
		inv.modules[name] = v
		return v
	})
	return inv.require
}

// bufferModule instantiates goja_nodejs's buffer module once per runtime.
// Its constructor keeps a Go value under a non-configurable symbol, so the
// reactor never sees that constructor: Buffer (the export, the global and
// every instance's constructor) is a stand-in with the same prototype and
// statics. Buffer.from and Buffer.alloc are guarded (MaxBufferSize), and
// isBuffer, byteLength and allocUnsafe, missing from goja_nodejs, are added.
func (inv *invocation) bufferModule() goja.Value {
	if v, ok := inv.modules["buffer"]; ok {
		return v
	}
	rt := inv.rt
	module := rt.NewObject()
	_ = module.Set("exports", rt.NewObject())
	buffer.Require(rt, module)
	real := module.Get("exports").ToObject(rt).Get("Buffer").ToObject(rt)
	construct, _ := goja.AssertConstructor(real)
	proto := real.Get("prototype").ToObject(rt)

	guardSize := func(arg goja.Value) {
		n := 0.0
		if o, ok := arg.(*goja.Object); ok {
			if o.ExportType() != arrayBufferType && !goja.IsString(arg) {
				n = float64(lengthOf(o))
			}
		} else if goja.IsNumber(arg) {
			n = arg.ToFloat()
		}
		if n > float64(inv.limits.MaxBufferSize) {
			inv.rangeError("Array buffer allocation failed")
		}
	}
	var ctor *goja.Object
	ctor = rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		if goja.IsNumber(call.Argument(0)) { // new Buffer(size): Node's, and what map and filter construct
			alloc, _ := goja.AssertFunction(ctor.Get("alloc"))
			v, err := alloc(ctor, call.Argument(0))
			if err != nil {
				panic(err)
			}
			return v.ToObject(rt)
		}
		guardSize(call.Argument(0))
		o, err := construct(nil, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return o
	}).ToObject(rt)
	_ = ctor.DefineDataProperty("name", rt.ToValue("Buffer"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = ctor.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	_ = ctor.SetPrototype(real.Prototype())
	_ = proto.DefineDataProperty("constructor", ctor, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = ctor.Set("poolSize", real.Get("poolSize"))
	guardConcat := func(call goja.FunctionCall) {
		guardSize(call.Argument(1))
		list, ok := call.Argument(0).(*goja.Object)
		if !ok {
			return
		}
		total := 0.0
		for i := range min(lengthOf(list), int64(inv.limits.MaxArrayLength)) {
			if item, ok := list.Get(itoa(i)).(*goja.Object); ok {
				if n := item.Get("byteLength"); n != nil {
					total += n.ToFloat()
				}
			}
		}
		if total > float64(inv.limits.MaxBufferSize) {
			inv.rangeError("Array buffer allocation failed")
		}
	}
	for _, name := range []string{"from", "alloc", "concat"} {
		orig, _ := goja.AssertFunction(real.Get(name))
		inv.setFunc(ctor, name, 2, func(call goja.FunctionCall) goja.Value {
			if name == "concat" {
				guardConcat(call)
			} else {
				guardSize(call.Argument(0))
			}
			v, err := orig(ctor, call.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		})
		if name == "from" {
			inv.bufferFrom = orig
		}
	}
	_ = ctor.Set("allocUnsafe", ctor.Get("alloc"))
	_ = ctor.Set("allocUnsafeSlow", ctor.Get("alloc"))
	inv.setFunc(ctor, "isBuffer", 1, func(call goja.FunctionCall) goja.Value {
		o, ok := call.Argument(0).(*goja.Object)
		return rt.ToValue(ok && protoChainHas(o, proto))
	})
	inv.setFunc(ctor, "byteLength", 2, func(call goja.FunctionCall) goja.Value {
		a := call.Argument(0)
		if goja.IsString(a) {
			return rt.ToValue(len(decodeString(a.String(), call.Argument(1))))
		}
		if o, ok := a.(*goja.Object); ok {
			if bl := o.Get("byteLength"); bl != nil && goja.IsNumber(bl) {
				return bl
			}
		}
		panic(rt.NewTypeError(`The "string" argument must be of type string or an instance of Buffer or ArrayBuffer.`))
	})
	exports := rt.NewObject()
	_ = exports.Set("Buffer", ctor)
	_ = exports.Set("constants", rt.NewObject())
	inv.extendBuffer(ctor, proto, exports)
	if inv.modules == nil {
		inv.modules = make(map[string]goja.Value)
	}
	inv.modules["buffer"] = exports
	return exports
}

func protoChainHas(o, proto *goja.Object) bool {
	for p := o.Prototype(); p != nil; p = p.Prototype() {
		if p == proto {
			return true
		}
	}
	return false
}

// newBuffer wraps bytes in a Buffer, without copying them.
func (inv *invocation) newBuffer(b []byte) goja.Value {
	inv.bufferModule()
	v, err := inv.bufferFrom(goja.Undefined(), inv.rt.ToValue(inv.rt.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return v
}
