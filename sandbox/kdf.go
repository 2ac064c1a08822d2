package sandbox

import (
	"crypto/hkdf"
	"crypto/pbkdf2"
	"hash"
	"strings"

	"github.com/dop251/goja"
)

// maxKDFWork bounds the hash computations of one pbkdf2 call (iterations
// times output blocks): Go's pbkdf2 cannot be interrupted, and this many
// HMAC-SHA-512 iterations take a few seconds. Node accepts 2^31-1
// iterations.
const maxKDFWork = 1 << 23

// installKDFs adds pbkdf2, pbkdf2Sync, hkdf and hkdfSync (crypto/pbkdf2,
// crypto/hkdf). scrypt is absent: it needs golang.org/x/crypto.
func (cs *cryptoState) installKDFs() {
	inv, rt := cs.inv, cs.inv.rt
	digest := func(v goja.Value) (func() hash.Hash, int) {
		if !goja.IsString(v) {
			cs.argTypeError("digest", "of type string", v)
		}
		h := hashes[strings.ToLower(v.String())]
		if h == nil {
			panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: "+v.String()))
		}
		return h, h().Size()
	}
	pbkdf2Args := func(call goja.FunctionCall) func() []byte {
		password := cs.bytesArg(call.Argument(0), goja.Undefined(), "password", wantBinary)
		salt := cs.bytesArg(call.Argument(1), goja.Undefined(), "salt", wantBinary)
		iter := cs.intArg(call.Argument(2), "iterations", 1, 1<<31-1)
		keylen := cs.intArg(call.Argument(3), "keylen", 0, 1<<31-1)
		h, size := digest(call.Argument(4))
		if keylen > int64(inv.limits.MaxBufferSize) {
			inv.rangeError("Array buffer allocation failed")
		}
		blocks := (keylen + int64(size) - 1) / int64(size)
		if iter*max(blocks, 1) > maxKDFWork {
			panic(inv.nodeError("RangeError", "ERR_OUT_OF_RANGE", `The value of "iterations" is out of range. The reactor sandbox allows at most 8388608 iterations per output block.`))
		}
		return func() []byte {
			if keylen == 0 {
				return []byte{}
			}
			k, err := pbkdf2.Key(h, string(password), salt, int(iter), int(keylen))
			if err != nil {
				return nil
			}
			return k
		}
	}
	inv.setFunc(cs.m, "pbkdf2Sync", 5, func(call goja.FunctionCall) goja.Value {
		derive := pbkdf2Args(call)
		var k []byte
		cs.sync(func() { k = derive() })
		if k == nil {
			panic(inv.nodeError("Error", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest"))
		}
		return inv.newBuffer(k)
	})
	inv.setFunc(cs.m, "pbkdf2", 6, func(call goja.FunctionCall) goja.Value {
		derive := pbkdf2Args(call)
		cb := cs.callbackArg(call.Argument(5))
		cs.async(cb, func() func() (goja.Value, goja.Value) {
			k := derive()
			return func() (goja.Value, goja.Value) {
				if k == nil {
					return inv.nodeError("Error", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest"), goja.Undefined()
				}
				return goja.Null(), inv.newBuffer(k)
			}
		})
		return goja.Undefined()
	})
	hkdfArgs := func(call goja.FunctionCall) func() []byte {
		h, size := digest(call.Argument(0))
		ikm := cs.secretKey(call.Argument(1), "ikm")
		salt := cs.bytesArg(call.Argument(2), goja.Undefined(), "salt", wantBinary)
		info := cs.bytesArg(call.Argument(3), goja.Undefined(), "info", wantBinary)
		keylen := cs.intArg(call.Argument(4), "length", 0, 1<<32)
		if len(info) > 1024 {
			panic(inv.nodeError("RangeError", "ERR_OUT_OF_RANGE", `The value of "info" is out of range. It must be must not contain more than 1024 bytes. Received `+itoa(int64(len(info)))))
		}
		if keylen > int64(255*size) {
			panic(inv.nodeError("RangeError", "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length"))
		}
		return func() []byte {
			if keylen == 0 {
				return []byte{}
			}
			k, err := hkdf.Key(h, ikm, salt, string(info), int(keylen))
			if err != nil {
				return nil
			}
			return k
		}
	}
	inv.setFunc(cs.m, "hkdfSync", 5, func(call goja.FunctionCall) goja.Value {
		k := hkdfArgs(call)()
		if k == nil {
			panic(inv.nodeError("Error", "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length"))
		}
		return rt.ToValue(rt.NewArrayBuffer(k))
	})
	inv.setFunc(cs.m, "hkdf", 6, func(call goja.FunctionCall) goja.Value {
		derive := hkdfArgs(call)
		cb := cs.callbackArg(call.Argument(5))
		k := derive()
		inv.timers.register(&timer{fn: cb, args: []goja.Value{goja.Null(), rt.ToValue(rt.NewArrayBuffer(k))}, immediate: true})
		return goja.Undefined()
	})
}
