package sandbox

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// cryptoState is what the parts of one invocation's crypto module share:
// the Go half of the key objects made so far, by their JavaScript object.
type cryptoState struct {
	inv     *invocation
	m       *goja.Object
	keys    map[*goja.Object]*keyData
	ciphers map[*goja.Object]*cipherObj
	heavy   chan struct{} // held by the one long computation running off the loop

	secretProto, publicProto, privateProto *goja.Object // of the KeyObject subclasses
}

// constructor makes a class constructor that works with and without new,
// as Node's Cipheriv, Sign and Verify do.
func (cs *cryptoState) constructor(name string, length int, f func(call goja.FunctionCall) goja.Value) *goja.Object {
	rt := cs.inv.rt
	c := rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		return f(goja.FunctionCall{This: call.This, Arguments: call.Arguments}).(*goja.Object)
	}).(*goja.Object)
	_ = c.DefineDataProperty("name", rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = c.DefineDataProperty("length", rt.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return c
}

// argTypeError throws Node's ERR_INVALID_ARG_TYPE for argument name.
func (cs *cryptoState) argTypeError(name, want string, got goja.Value) {
	what := "argument"
	if strings.Contains(name, ".") {
		what = "property"
	}
	panic(cs.inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "`+name+`" `+what+` must be `+want+". Received "+describe(got)))
}

// describe renders a received value as Node's argument errors do.
func describe(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if goja.IsNull(v) {
		return "null"
	}
	if o, ok := v.(*goja.Object); ok {
		if _, ok := goja.AssertFunction(o); ok {
			return "function " + o.Get("name").String()
		}
		if c, ok := o.Get("constructor").(*goja.Object); ok {
			if n := c.Get("name"); n != nil && n.String() != "" {
				return "an instance of " + n.String()
			}
		}
		return "an instance of Object"
	}
	s := v.String()
	if len(s) > 28 {
		s = s[:25] + "..."
	}
	t := "number"
	switch {
	case goja.IsString(v):
		t, s = "string", "'"+s+"'"
	case goja.IsBigInt(v):
		t, s = "bigint", s+"n"
	case v.ExportType() != nil && v.ExportType().Kind() == 1: // bool
		t = "boolean"
	}
	return "type " + t + " (" + s + ")"
}

// bytesArg converts a string (in enc) or binary argument, copying it so
// that later changes to the reactor's buffer do not reach Go.
func (cs *cryptoState) bytesArg(v, enc goja.Value, name, want string) []byte {
	if goja.IsString(v) {
		return decodeString(v.String(), enc)
	}
	if b, ok := cs.binary(v); ok {
		return append([]byte(nil), b...)
	}
	cs.argTypeError(name, want, v)
	return nil
}

// binary is inv.binary.
func (cs *cryptoState) binary(v goja.Value) ([]byte, bool) { return cs.inv.binary(v) }

const wantBinary = "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView"

var knownEncodings = map[string]bool{"utf8": true, "utf-8": true, "hex": true, "base64": true, "base64url": true,
	"latin1": true, "binary": true, "ascii": true, "ucs2": true, "ucs-2": true, "utf16le": true, "utf-16le": true}

// outputEncoding validates an output encoding: "" for a Buffer.
func (cs *cryptoState) outputEncoding(v goja.Value) string {
	e := encodingName(v)
	if e == "" || e == "buffer" {
		return ""
	}
	if !knownEncodings[e] {
		panic(cs.inv.nodeError("TypeError", "ERR_UNKNOWN_ENCODING", "Unknown encoding: "+v.String()))
	}
	return e
}

// encode renders b in encoding e (from outputEncoding).
func (cs *cryptoState) encode(b []byte, e string) goja.Value {
	switch e {
	case "":
		return cs.inv.newBuffer(b)
	case "ascii":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c & 0x7f)
		}
		return cs.inv.rt.ToValue(string(r))
	case "ucs2", "ucs-2", "utf16le", "utf-16le":
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return cs.inv.rt.ToValue(string(utf16.Decode(u)))
	}
	return cs.inv.encodeBytes(b, cs.inv.rt.ToValue(e))
}

// stringDecoder carries over what an encoding cannot render yet, as Node's
// StringDecoder does for a cipher's string output: an incomplete UTF-8
// sequence, base64's last one or two bytes, UTF-16's odd byte.
type stringDecoder struct {
	enc  string
	rest []byte
}

func (d *stringDecoder) write(b []byte) []byte {
	b = append(d.rest, b...)
	d.rest = nil
	keep := 0
	switch d.enc {
	case "utf8", "utf-8":
		keep = incompleteUTF8(b)
	case "base64", "base64url":
		keep = len(b) % 3
	case "ucs2", "ucs-2", "utf16le", "utf-16le":
		keep = len(b) % 2
	}
	d.rest = append([]byte(nil), b[len(b)-keep:]...)
	return b[:len(b)-keep]
}

func (d *stringDecoder) end() []byte {
	r := d.rest
	d.rest = nil
	return r
}

// incompleteUTF8 returns how many bytes at the end of b start a UTF-8
// sequence that is not complete yet.
func incompleteUTF8(b []byte) int {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c&0xc0 == 0x80 {
			continue // a continuation byte
		}
		need := 0
		switch {
		case c&0xe0 == 0xc0:
			need = 2
		case c&0xf0 == 0xe0:
			need = 3
		case c&0xf8 == 0xf0:
			need = 4
		}
		if need > i && !utf8.FullRune(b[len(b)-i:]) {
			return i
		}
		return 0
	}
	return 0
}

// hexArgCheck throws Node's error for input hex of odd length.
func (cs *cryptoState) checkInputEncoding(data, enc goja.Value) {
	if goja.IsString(data) && encodingName(enc) == "hex" && len(data.String())%2 == 1 {
		panic(cs.inv.nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "The argument 'encoding' is invalid for data of length "+
			strconv.Itoa(len(data.String()))+". Received 'hex'"))
	}
}

// intArg validates an integer argument in [lo, hi] as Node's validateInt32.
func (cs *cryptoState) intArg(v goja.Value, name string, lo, hi int64) int64 {
	if !goja.IsNumber(v) {
		cs.argTypeError(name, "of type number", v)
	}
	f := v.ToFloat()
	if f != float64(int64(f)) {
		panic(cs.inv.nodeError("RangeError", "ERR_OUT_OF_RANGE", `The value of "`+name+`" is out of range. It must be an integer. Received `+v.String()))
	}
	if int64(f) < lo || int64(f) > hi {
		panic(cs.inv.nodeError("RangeError", "ERR_OUT_OF_RANGE", `The value of "`+name+`" is out of range. It must be >= `+
			strconv.FormatInt(lo, 10)+" && <= "+strconv.FormatInt(hi, 10)+". Received "+v.String()))
	}
	return int64(f)
}

// callbackArg returns the function in v or throws Node's error.
func (cs *cryptoState) callbackArg(v goja.Value) goja.Callable {
	f, ok := goja.AssertFunction(v)
	if !ok {
		cs.argTypeError("callback", "of type function", v)
	}
	return f
}

// offLoop runs work, which may be long (a key derivation, an RSA key
// generation) and cannot be interrupted, on its own goroutine and waits for
// it or for the end of the invocation, whichever comes first: the timeout
// still ends the invocation on time, and work bounded by its arguments
// finishes on its own soon after. It returns false when the invocation
// ended first.
func (cs *cryptoState) offLoop(work func()) bool {
	return cs.offLoopCtx(cs.inv.ctx, work)
}

// sync runs work off the loop for a synchronous call, and throws if the
// invocation ended meanwhile (its interrupt then ends it).
func (cs *cryptoState) sync(work func()) {
	if !cs.offLoop(work) {
		panic(cs.inv.newError("Error", "the invocation ended"))
	}
}

// async runs work off the loop and calls cb(err, value) on the loop with
// what settle returns, as Node's callback forms do.
func (cs *cryptoState) async(cb goja.Callable, work func() (settle func() (goja.Value, goja.Value))) {
	cs.inv.start(func(ctx context.Context) func() {
		var settle func() (goja.Value, goja.Value)
		if !cs.offLoopCtx(ctx, func() { settle = work() }) {
			return func() {}
		}
		return func() {
			errV, v := settle()
			if _, err := cb(goja.Undefined(), errV, v); err != nil {
				cs.inv.fail(err)
			}
		}
	})
}

// offLoopCtx runs work on its own goroutine, one at a time per invocation
// (a reactor starting a thousand RSA key generations holds one core, not
// all), and waits for it or for ctx. Work abandoned by an invocation that
// ended keeps its turn until it finishes.
func (cs *cryptoState) offLoopCtx(ctx context.Context, work func()) bool {
	select {
	case cs.heavy <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	done := make(chan struct{})
	go func() {
		defer func() { <-cs.heavy }()
		defer close(done)
		work()
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// base64Std decodes standard or URL base64, padded or not.
func base64Std(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
