package sandbox

import (
	"math"
	"reflect"
	"strconv"

	"github.com/dop251/goja"
)

// Allocation guards.
//
// goja checks Interrupt between JavaScript instructions only: a built-in
// written in Go runs to completion. Some built-ins allocate or loop in
// proportion to a number the code picks, not to data it already holds:
// new Array(1e9).fill(0) walks a billion holes, 'x'.repeat(2**40) reserves a
// terabyte, new ArrayBuffer(2**40) too, f.apply(null, {length: 1e9}) makes a
// billion-element argument list. Neither the timeout nor the memory watchdog
// can stop them, and some end the process ("out of memory" is not a panic).
// So the sandbox refuses them up front with the RangeError V8 uses:
//
//   - Array.prototype fill, join, map, sort and keys, Array.from and
//     Function.prototype.apply check the length they are given against
//     MaxArrayLength; the ES2023 copying methods (with, toReversed, toSorted,
//     toSpliced), absent from Node 16, are removed;
//   - Array.prototype and Object.prototype carry a non-configurable accessor
//     at index MaxArrayLength that throws: every other built-in that walks
//     holes (indexOf, slice, JSON.stringify, spreading, ...)
//     stops there, and no array grows past MaxArrayLength elements by
//     assignment;
//   - String.prototype repeat, padStart and padEnd, and Array.prototype.join
//     with its separator, check the length they would produce against
//     MaxStringLength;
//   - ArrayBuffer, the typed array constructors (also as reached through an
//     instance's constructor), Buffer.from, Buffer.alloc, Buffer.concat,
//     crypto.randomBytes, Reflect.apply, Reflect.construct and
//     JSON.stringify's replacer list are guarded lazily, the first time the
//     reactor names them, against MaxBufferSize or MaxArrayLength.
//
// These are installed on every fresh runtime; what they cost is measured by
// BenchmarkRunWarm. What remains unguarded (built-ins whose cost grows with
// data the reactor already holds, super-linear ones, regular expressions) is
// listed in doc.go.

// bufferConstructors are replaced together, on first use of any of them.
var bufferConstructors = []string{"ArrayBuffer", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
	"Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"}

var elementSize = map[string]int64{"ArrayBuffer": 1, "Int8Array": 1, "Uint8Array": 1, "Uint8ClampedArray": 1,
	"Int16Array": 2, "Uint16Array": 2, "Int32Array": 4, "Uint32Array": 4, "Float32Array": 4, "Float64Array": 8,
	"BigInt64Array": 8, "BigUint64Array": 8}

var arrayBufferType = reflect.TypeOf(goja.ArrayBuffer{})

type guardState struct {
	orig        *goja.Object // goja's global object
	typedArrays bool
	reflect     *goja.Object
	json        *goja.Object
}

// lengthOf returns ToLength(o.length) for an object value, or 0.
func lengthOf(v goja.Value) int64 {
	o, ok := v.(*goja.Object)
	if !ok {
		return 0
	}
	l := o.Get("length")
	if l == nil {
		return 0
	}
	f := l.ToFloat()
	if !(f > 0) {
		return 0
	}
	return int64(min(f, math.MaxInt64/2))
}

// wrap replaces obj[name] by a native function that runs check and then the
// original with the same this and arguments.
func (inv *invocation) wrap(obj *goja.Object, name string, check func(call goja.FunctionCall)) {
	orig, ok := goja.AssertFunction(obj.Get(name))
	if !ok {
		return
	}
	length := 0
	if l := obj.Get(name).ToObject(inv.rt).Get("length"); l != nil {
		length = int(l.ToInteger())
	}
	f := inv.function(name, length, func(call goja.FunctionCall) goja.Value {
		check(call)
		v, err := orig(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	})
	if err := obj.DefineDataProperty(name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
}

func (inv *invocation) checkLength(n int64) {
	if n > int64(inv.limits.MaxArrayLength) {
		inv.rangeError("Invalid array length")
	}
}

func (inv *invocation) checkStringLength(n float64) {
	if n > float64(inv.limits.MaxStringLength) {
		inv.rangeError("Invalid string length")
	}
}

// installGuards installs the guards reachable without naming a global: on
// the prototypes of arrays, functions and strings (taken from values, so that
// the constructors are not materialised for nothing).
func (inv *invocation) installGuards() {
	rt := inv.rt
	arrayProto := rt.NewArray().Prototype()
	thisLength := func(call goja.FunctionCall) { inv.checkLength(lengthOf(call.This)) }
	for _, name := range []string{"fill", "map", "sort", "keys"} {
		inv.wrap(arrayProto, name, thisLength)
	}
	inv.wrap(arrayProto, "join", func(call goja.FunctionCall) {
		n := lengthOf(call.This)
		inv.checkLength(n)
		if sep := call.Argument(0); !goja.IsUndefined(sep) && n > 1 {
			inv.checkStringLength(float64(n-1) * float64(len(sep.String())))
		}
	})
	// Array.from with a this that is not a constructor allocates the whole
	// length of an array-like up front. (Any change to a property of goja's
	// lazily built intrinsics materialises the property, so guarding Array
	// lazily through an accessor would cost as much.)
	inv.wrap(arrayProto.Get("constructor").ToObject(rt), "from", func(call goja.FunctionCall) {
		if items, ok := call.Argument(0).(*goja.Object); ok {
			if it := items.GetSymbol(goja.SymIterator); it == nil || goja.IsUndefined(it) {
				inv.checkLength(lengthOf(items))
			}
		}
	})
	// Node 16 has none of the ES2023 copying methods, each of which
	// allocates its whole length up front: remove them rather than guard them.
	for _, name := range []string{"with", "toReversed", "toSorted", "toSpliced"} {
		_ = arrayProto.Delete(name)
	}

	stringProto := rt.ToValue("").ToObject(rt).Prototype()
	inv.wrap(stringProto, "repeat", func(call goja.FunctionCall) {
		if goja.IsUndefined(call.This) || goja.IsNull(call.This) {
			return // the original throws its TypeError
		}
		if n := call.Argument(0).ToFloat(); n > 0 {
			inv.checkStringLength(float64(len(call.This.String())) * n)
		}
	})
	pad := func(call goja.FunctionCall) { inv.checkStringLength(call.Argument(0).ToFloat()) }
	inv.wrap(stringProto, "padStart", pad)
	inv.wrap(stringProto, "padEnd", pad)

	// The tripwire at index MaxArrayLength: one function serves as getter and
	// setter on both prototypes.
	trip := inv.function("", 0, func(goja.FunctionCall) goja.Value {
		inv.rangeError("Invalid array length")
		return nil
	})
	funcProto := trip.ToObject(rt).Prototype()
	inv.wrap(funcProto, "apply", func(call goja.FunctionCall) { inv.checkLength(lengthOf(call.Argument(1))) })
	objectProto := rt.NewObject().Prototype()
	idx := strconv.Itoa(inv.limits.MaxArrayLength)
	for _, o := range []*goja.Object{arrayProto, objectProto} {
		if err := o.DefineAccessorProperty(idx, trip, trip, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
			panic(err)
		}
	}
}

// setFunc defines obj[name] as a native function named name.
func (inv *invocation) setFunc(obj *goja.Object, name string, length int, f func(goja.FunctionCall) goja.Value) {
	if err := obj.Set(name, inv.function(name, length, f)); err != nil {
		panic(err)
	}
}

// function makes a native function with the given name and length: goja
// would otherwise name it after the Go symbol.
func (inv *invocation) function(name string, length int, f func(goja.FunctionCall) goja.Value) goja.Value {
	v := inv.rt.ToValue(f)
	o := v.(*goja.Object)
	_ = o.DefineDataProperty("name", inv.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	if length != 0 {
		_ = o.DefineDataProperty("length", inv.rt.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	return v
}

// guardTypedArrays replaces ArrayBuffer and every typed array constructor
// (on goja's global object too, and as each prototype's constructor) by one
// that refuses a length above MaxBufferSize bytes, and returns the one named.
func (inv *invocation) guardTypedArrays(name string) goja.Value {
	if !inv.guards.typedArrays {
		inv.guards.typedArrays = true
		for _, n := range bufferConstructors {
			inv.globals.vals[n] = inv.guardBufferCtor(n)
		}
	}
	return inv.globals.vals[name]
}

func (inv *invocation) guardBufferCtor(name string) goja.Value {
	rt := inv.rt
	origVal := inv.guards.orig.Get(name)
	orig := origVal.ToObject(rt)
	construct, ok := goja.AssertConstructor(origVal)
	if !ok {
		return origVal
	}
	size := elementSize[name]
	limit := int64(inv.limits.MaxBufferSize)
	w := rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		if len(call.Arguments) > 0 {
			a := call.Arguments[0]
			var n int64
			if o, isObj := a.(*goja.Object); isObj {
				if name != "ArrayBuffer" && o.ExportType() != arrayBufferType {
					n = lengthOf(o) // an array-like or typed array is copied
				}
			} else {
				n = int64(min(max(a.ToFloat(), 0), math.MaxInt64/16))
			}
			if n > limit/size {
				if name == "ArrayBuffer" {
					inv.rangeError("Array buffer allocation failed")
				}
				inv.rangeError("Invalid typed array length: " + strconv.FormatInt(n, 10))
			}
		}
		o, err := construct(call.NewTarget, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return o
	}).ToObject(rt)
	proto := orig.Get("prototype")
	_ = w.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	_ = w.DefineDataProperty("name", rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = w.DefineDataProperty("length", rt.ToValue(3), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	for _, static := range []string{"BYTES_PER_ELEMENT", "isView"} {
		if v := orig.Get(static); v != nil && !goja.IsUndefined(v) {
			_ = w.DefineDataProperty(static, v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		}
	}
	if p := orig.Prototype(); p != nil {
		_ = w.SetPrototype(p) // %TypedArray% (from, of, @@species) or Function.prototype
	}
	if po, ok := proto.(*goja.Object); ok {
		_ = po.DefineDataProperty("constructor", w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	_ = inv.guards.orig.DefineDataProperty(name, w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return w
}

// guardReflect returns Reflect with apply and construct checking the length
// of their argument list.
func (inv *invocation) guardReflect() goja.Value {
	if inv.guards.reflect != nil {
		return inv.guards.reflect
	}
	r := inv.guards.orig.Get("Reflect").ToObject(inv.rt)
	inv.guards.reflect = r
	inv.wrap(r, "apply", func(call goja.FunctionCall) { inv.checkLength(lengthOf(call.Argument(2))) })
	inv.wrap(r, "construct", func(call goja.FunctionCall) { inv.checkLength(lengthOf(call.Argument(1))) })
	return r
}

// guardJSON returns JSON with stringify checking the length of a replacer
// list (goja allocates it up front).
func (inv *invocation) guardJSON() goja.Value {
	if inv.guards.json != nil {
		return inv.guards.json
	}
	j := inv.guards.orig.Get("JSON").ToObject(inv.rt)
	inv.guards.json = j
	inv.wrap(j, "stringify", func(call goja.FunctionCall) {
		if r, ok := call.Argument(1).(*goja.Object); ok && r.ClassName() == "Array" {
			inv.checkLength(lengthOf(r))
		}
	})
	return j
}
