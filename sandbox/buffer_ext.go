package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"slices"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// The Node Buffer methods goja_nodejs lacks (lib/buffer_ext.js, run when
// the buffer module is made) and their Go half: the byte codecs of every
// encoding Node's Buffer knows, search and comparison. Every loop here is
// bounded by the size of a buffer the reactor already holds.

// extendBuffer adds the missing statics, methods and exports to the
// stand-in Buffer.
func (inv *invocation) extendBuffer(ctor, proto, exports *goja.Object) {
	rt := inv.rt
	f, err := rt.RunProgram(libPrograms["buffer_ext"]())
	if err != nil {
		panic(err)
	}
	fn, _ := goja.AssertFunction(f)
	n := rt.NewObject()
	_ = n.Set("Buffer", ctor)
	_ = n.Set("proto", proto)
	inv.setFunc(n, "encode", 4, func(call goja.FunctionCall) goja.Value {
		b := inv.viewBytes(call.Argument(0))
		start, end := call.Argument(2).ToInteger(), call.Argument(3).ToInteger()
		if start < 0 || end > int64(len(b)) || start > end {
			return rt.ToValue("")
		}
		return inv.stringOfBytes(b[start:end], call.Argument(1).String())
	})
	inv.setFunc(n, "decode", 2, func(call goja.FunctionCall) goja.Value {
		s := call.Argument(0)
		inv.checkBufferSize(float64(len(s.String())))
		return inv.newBuffer(inv.bytesOfString(s, call.Argument(1).String()))
	})
	inv.setFunc(n, "write", 5, func(call goja.FunctionCall) goja.Value {
		b := inv.viewBytes(call.Argument(0))
		enc := call.Argument(4).String()
		src := inv.bytesOfString(call.Argument(1), enc)
		off, length := call.Argument(2).ToInteger(), call.Argument(3).ToInteger()
		if off < 0 || off > int64(len(b)) {
			return rt.ToValue(0)
		}
		length = min(length, int64(len(b))-off)
		n := min(int64(len(src)), length)
		switch enc {
		case "utf8":
			for n > 0 && n < int64(len(src)) && !utf8.RuneStart(src[n]) {
				n-- // never a partial character
			}
		case "utf16le":
			n &^= 1
		}
		copy(b[off:], src[:n])
		return rt.ToValue(n)
	})
	inv.setFunc(n, "indexOf", 4, func(call goja.FunctionCall) goja.Value {
		hay, needle := inv.viewBytes(call.Argument(0)), inv.viewBytes(call.Argument(1))
		return rt.ToValue(indexOf(hay, needle, call.Argument(2).ToInteger(), call.Argument(3).ToBoolean()))
	})
	inv.setFunc(n, "compare", 2, func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(bytes.Compare(inv.viewBytes(call.Argument(0)), inv.viewBytes(call.Argument(1))))
	})
	inv.setFunc(n, "fill", 4, func(call goja.FunctionCall) goja.Value {
		b, pattern := inv.viewBytes(call.Argument(0)), inv.viewBytes(call.Argument(1))
		start, end := call.Argument(2).ToInteger(), call.Argument(3).ToInteger()
		if len(pattern) == 0 || start < 0 || end > int64(len(b)) || start >= end {
			return goja.Undefined()
		}
		dst := b[start:end]
		for n := copy(dst, pattern); n < len(dst); n *= 2 {
			copy(dst[n:], dst[:n])
		}
		return goja.Undefined()
	})
	inv.setFunc(n, "swap", 2, func(call goja.FunctionCall) goja.Value {
		b, size := inv.viewBytes(call.Argument(0)), int(call.Argument(1).ToInteger())
		for i := 0; i+size <= len(b); i += size {
			slices.Reverse(b[i : i+size])
		}
		return goja.Undefined()
	})
	inv.setFunc(n, "isUtf8", 1, func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(utf8.Valid(inv.viewBytes(call.Argument(0))))
	})
	if _, err := fn(goja.Undefined(), exports, goja.Undefined(), goja.Undefined(), n); err != nil {
		panic(err)
	}
}

func (inv *invocation) checkBufferSize(n float64) {
	if n > float64(inv.limits.MaxBufferSize) {
		inv.rangeError("Array buffer allocation failed")
	}
}

var byteSliceType = reflect.TypeOf([]byte(nil))

// viewBytes returns the bytes a Uint8Array (a Buffer) or an ArrayBuffer
// views; buffer_ext.js passes nothing else. It asks for the exported type
// first: goja's Export of some objects (a Map holding itself) never ends.
func (inv *invocation) viewBytes(v goja.Value) []byte {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	switch o.ExportType() {
	case arrayBufferType:
		return o.Export().(goja.ArrayBuffer).Bytes()
	case byteSliceType:
		b, _ := o.Export().([]byte)
		return b
	}
	return nil
}

// bytesOfString encodes s in a normalized encoding name.
func (inv *invocation) bytesOfString(v goja.Value, enc string) []byte {
	if enc == "utf16le" {
		s := utf16Value(v)
		n := s.Length()
		inv.checkBufferSize(2 * float64(n))
		b := make([]byte, 2*n)
		for i := range n {
			c := s.CharAt(i)
			b[2*i], b[2*i+1] = byte(c), byte(c>>8)
		}
		return b
	}
	if enc == "latin1" || enc == "ascii" {
		s := utf16Value(v)
		n := s.Length()
		inv.checkBufferSize(float64(n))
		b := make([]byte, n)
		for i := range n {
			b[i] = byte(s.CharAt(i))
		}
		return b
	}
	return decodeString(v.String(), inv.rt.ToValue(enc))
}

// utf16Value returns v as a string value, its UTF-16 units intact.
func utf16Value(v goja.Value) goja.String {
	if s, ok := v.(goja.String); ok {
		return s
	}
	return goja.StringFromUTF16(utf16.Encode([]rune(v.String())))
}

// stringOfBytes decodes b in a normalized encoding name.
func (inv *invocation) stringOfBytes(b []byte, enc string) goja.Value {
	rt := inv.rt
	switch enc {
	case "hex":
		return rt.ToValue(hex.EncodeToString(b))
	case "base64":
		return rt.ToValue(base64.StdEncoding.EncodeToString(b))
	case "base64url":
		return rt.ToValue(base64.RawURLEncoding.EncodeToString(b))
	case "latin1", "ascii":
		units := make([]uint16, len(b))
		for i, c := range b {
			if enc == "ascii" {
				c &= 0x7f
			}
			units[i] = uint16(c)
		}
		return goja.StringFromUTF16(units)
	case "utf16le":
		units := make([]uint16, len(b)/2)
		for i := range units {
			units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return goja.StringFromUTF16(units)
	}
	return rt.ToValue(decodeUTF8(b))
}

// decodeUTF8 decodes as the Encoding Standard (and V8) do: each maximal
// invalid subsequence becomes one U+FFFD.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			out = append(out, b[i:i+size]...)
			i += size
			continue
		}
		// the longest prefix of a valid sequence starting at i
		n := 1
		if c := b[i]; c >= 0xc2 && c <= 0xf4 {
			need := 1
			lo, hi := byte(0x80), byte(0xbf)
			switch {
			case c >= 0xe0 && c <= 0xef:
				need = 2
				if c == 0xe0 {
					lo = 0xa0
				} else if c == 0xed {
					hi = 0x9f
				}
			case c >= 0xf0:
				need = 3
				if c == 0xf0 {
					lo = 0x90
				} else if c == 0xf4 {
					hi = 0x8f
				}
			}
			for j := 1; j <= need && i+j < len(b); j++ {
				if b[i+j] < lo || b[i+j] > hi {
					break
				}
				lo, hi = 0x80, 0xbf
				n++
			}
		}
		out = append(out, "\uFFFD"...)
		i += n
	}
	return string(out)
}

// indexOf searches as Node's native indexOf does, offset already an integer.
func indexOf(hay, needle []byte, offset int64, forward bool) int64 {
	length, nl := int64(len(hay)), int64(len(needle))
	switch {
	case offset < 0 && offset+length >= 0:
		offset += length
	case offset < 0 && (forward || nl == 0):
		offset = 0
	case offset < 0:
		return -1
	case offset+nl <= length:
	case nl == 0:
		offset = length
	case forward:
		return -1
	default:
		offset = length - 1
	}
	if nl == 0 {
		return offset
	}
	if length == 0 || nl > length {
		return -1
	}
	if forward {
		if offset+nl > length {
			return -1
		}
		i := bytes.Index(hay[offset:], needle)
		if i < 0 {
			return -1
		}
		return offset + int64(i)
	}
	end := min(offset+nl, length)
	return int64(bytes.LastIndex(hay[:end], needle))
}
