package sandbox

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
)

var hashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New,
}

// cryptoModule is the subset of Node's crypto that reactors use, on Go's
// crypto: createHash, createHmac, randomBytes, randomUUID, randomInt,
// timingSafeEqual and getHashes.
func (inv *invocation) cryptoModule() goja.Value {
	rt := inv.rt
	m := rt.NewObject()
	cs := &cryptoState{inv: inv, m: m, keys: map[*goja.Object]*keyData{}, heavy: make(chan struct{}, 1)}
	inv.setFunc(m, "createHash", 0, func(call goja.FunctionCall) goja.Value {
		mk := inv.hashFunc(call.Argument(0))
		return inv.hashObject(mk(), mk)
	})
	inv.setFunc(m, "createHmac", 0, func(call goja.FunctionCall) goja.Value {
		alg := call.Argument(0)
		newHash := hashes[strings.ToLower(alg.String())]
		if newHash == nil {
			panic(inv.newError("Error", "Invalid digest: "+alg.String()))
		}
		var key []byte
		if o, ok := call.Argument(1).(*goja.Object); ok && cs.keys[o] != nil {
			key = cs.secretKey(o, "key") // a secret KeyObject
		} else {
			key = inv.bytesOf(call.Argument(1), goja.Undefined(), "key")
		}
		return inv.hashObject(hmac.New(newHash, key), nil)
	})
	inv.setFunc(m, "randomBytes", 0, func(call goja.FunctionCall) goja.Value {
		n := call.Argument(0).ToFloat()
		if !(n >= 0) || n > float64(inv.limits.MaxBufferSize) {
			inv.rangeError(`The value of "size" is out of range.`)
		}
		b := make([]byte, int(n))
		_, _ = rand.Read(b)
		buf := inv.newBuffer(b)
		if cb, ok := goja.AssertFunction(call.Argument(1)); ok {
			inv.timers.register(&timer{fn: cb, args: []goja.Value{goja.Null(), buf}, immediate: true})
			return goja.Undefined()
		}
		return buf
	})
	inv.setFunc(m, "randomUUID", 0, func(goja.FunctionCall) goja.Value { return rt.ToValue(newUUID()) })
	inv.setFunc(m, "randomInt", 0, func(call goja.FunctionCall) goja.Value {
		lo, hi := int64(0), call.Argument(0).ToInteger()
		if len(call.Arguments) > 1 && goja.IsNumber(call.Argument(1)) {
			lo, hi = call.Argument(0).ToInteger(), call.Argument(1).ToInteger()
		}
		if hi <= lo {
			inv.rangeError(`The value of "max" is out of range. It must be greater than the value of "min".`)
		}
		r, _ := rand.Int(rand.Reader, big.NewInt(hi-lo))
		return rt.ToValue(lo + r.Int64())
	})
	inv.setFunc(m, "timingSafeEqual", 0, func(call goja.FunctionCall) goja.Value {
		a := inv.bytesOf(call.Argument(0), goja.Undefined(), "buf1")
		b := inv.bytesOf(call.Argument(1), goja.Undefined(), "buf2")
		if len(a) != len(b) {
			inv.rangeError("Input buffers must have the same byte length")
		}
		return rt.ToValue(subtle.ConstantTimeCompare(a, b) == 1)
	})
	inv.setFunc(m, "getHashes", 0, func(goja.FunctionCall) goja.Value {
		return rt.NewArray("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
	})
	cs.installKeys()
	cs.installCiphers()
	cs.installKDFs()
	cs.installWebCrypto()
	return m
}

func (inv *invocation) hashFunc(alg goja.Value) func() hash.Hash {
	newHash := hashes[strings.ToLower(alg.String())]
	if newHash == nil {
		panic(inv.newError("Error", "Digest method not supported"))
	}
	return newHash
}

// hashObject wraps h in an object with update(data[, encoding]) and
// digest([encoding]), as Node's Hash and Hmac.
// newHash, when not nil, makes a fresh hash of the same algorithm for copy.
func (inv *invocation) hashObject(h hash.Hash, newHash func() hash.Hash) goja.Value {
	rt := inv.rt
	o := rt.NewObject()
	done := false
	inv.setFunc(o, "update", 0, func(call goja.FunctionCall) goja.Value {
		if done {
			panic(inv.nodeError("Error", "ERR_CRYPTO_HASH_FINALIZED", "Digest already called"))
		}
		h.Write(inv.bytesOf(call.Argument(0), call.Argument(1), "data"))
		return o
	})
	inv.setFunc(o, "digest", 0, func(call goja.FunctionCall) goja.Value {
		if done {
			panic(inv.nodeError("Error", "ERR_CRYPTO_HASH_FINALIZED", "Digest already called"))
		}
		done = true
		return inv.encodeBytes(h.Sum(nil), call.Argument(0))
	})
	if newHash != nil {
		inv.setFunc(o, "copy", 0, func(goja.FunctionCall) goja.Value {
			if done {
				panic(inv.nodeError("Error", "ERR_CRYPTO_HASH_FINALIZED", "Digest already called"))
			}
			// Go's hashes implement encoding.BinaryMarshaler for this.
			src, ok := h.(encoding.BinaryMarshaler)
			c := newHash()
			dst, ok2 := c.(encoding.BinaryUnmarshaler)
			if !ok || !ok2 {
				panic(inv.newError("Error", "hash cannot be copied"))
			}
			state, err := src.MarshalBinary()
			if err != nil || dst.UnmarshalBinary(state) != nil {
				panic(inv.newError("Error", "hash cannot be copied"))
			}
			return inv.hashObject(c, newHash)
		})
	}
	return o
}

// bytesOf converts data as Node does: a string in the given encoding (UTF-8
// by default), or a Buffer, typed array, DataView or ArrayBuffer.
func (inv *invocation) bytesOf(v, enc goja.Value, arg string) []byte {
	if goja.IsString(v) {
		return decodeString(v.String(), enc)
	}
	if b, ok := inv.binary(v); ok {
		return b
	}
	panic(inv.rt.NewTypeError(`The "` + arg + `" argument must be of type string or an instance of Buffer, TypedArray, or DataView.`))
}

func encodingName(enc goja.Value) string {
	if enc == nil || goja.IsUndefined(enc) || goja.IsNull(enc) {
		return ""
	}
	return strings.ToLower(enc.String())
}

var nonHex = regexp.MustCompile(`[^0-9a-fA-F]`)

func decodeString(s string, enc goja.Value) []byte {
	switch encodingName(enc) {
	case "hex":
		if i := nonHex.FindStringIndex(s); i != nil {
			s = s[:i[0]]
		}
		b, _ := hex.DecodeString(s[:len(s)&^1])
		return b
	case "base64", "base64url":
		s = strings.Map(func(r rune) rune {
			switch r {
			case '-':
				return '+'
			case '_':
				return '/'
			case '=', '\n', '\r', ' ', '\t':
				return -1
			}
			return r
		}, s)
		if len(s)%4 == 1 {
			s = s[:len(s)-1]
		}
		b, err := base64.RawStdEncoding.DecodeString(s)
		if ce, ok := err.(base64.CorruptInputError); ok { // Node decodes up to the first bad character
			b, _ = base64.RawStdEncoding.DecodeString(s[:int(ce)-int(ce)%4])
		}
		return b
	case "latin1", "binary", "ascii":
		units := utf16.Encode([]rune(s))
		b := make([]byte, len(units))
		for i, u := range units {
			b[i] = byte(u)
		}
		return b
	case "utf16le", "utf-16le", "ucs2", "ucs-2":
		units := utf16.Encode([]rune(s))
		b := make([]byte, 2*len(units))
		for i, u := range units {
			binary.LittleEndian.PutUint16(b[2*i:], u)
		}
		return b
	}
	return []byte(s)
}

// encodeBytes returns b as a string in enc, or as a Buffer without one.
func (inv *invocation) encodeBytes(b []byte, enc goja.Value) goja.Value {
	rt := inv.rt
	switch encodingName(enc) {
	case "":
		return inv.newBuffer(b)
	case "hex":
		return rt.ToValue(hex.EncodeToString(b))
	case "base64":
		return rt.ToValue(base64.StdEncoding.EncodeToString(b))
	case "base64url":
		return rt.ToValue(base64.RawURLEncoding.EncodeToString(b))
	case "latin1", "binary":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return rt.ToValue(string(r))
	}
	return rt.ToValue(strings.ToValidUTF8(string(b), "\uFFFD"))
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

var uuidPattern = regexp.MustCompile(`^(?i:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$`)

// uuidModule is the part of the uuid package (8.x) reactors use.
func (inv *invocation) uuidModule() goja.Value {
	rt := inv.rt
	m := rt.NewObject()
	inv.setFunc(m, "v4", 0, func(goja.FunctionCall) goja.Value { return rt.ToValue(newUUID()) })
	inv.setFunc(m, "validate", 0, func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(goja.IsString(call.Argument(0)) && uuidPattern.MatchString(call.Argument(0).String()))
	})
	inv.setFunc(m, "version", 0, func(call goja.FunctionCall) goja.Value {
		s := call.Argument(0).String()
		if !goja.IsString(call.Argument(0)) || !uuidPattern.MatchString(s) {
			panic(rt.NewTypeError("Invalid UUID"))
		}
		v, _ := hex.DecodeString("0" + s[14:15])
		return rt.ToValue(int(v[0]))
	})
	_ = m.Set("NIL", "00000000-0000-0000-0000-000000000000")
	return m
}
