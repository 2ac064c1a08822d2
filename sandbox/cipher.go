package sandbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// The AES and Triple DES ciphers of Node's crypto (createCipheriv,
// createDecipheriv), on crypto/aes, crypto/des and crypto/cipher: AES in
// CBC with PKCS#7 padding, CTR, ECB and GCM; Triple DES (three-key and
// two-key EDE) in CBC and ECB.
// Each Cipheriv or Decipheriv is a plain object (not a stream) whose Go
// state the module keeps by object, so that a method called on anything
// else throws.

type cipherSpec struct {
	keyLen int
	mode   string // cbc, ctr, ecb, gcm
	des    bool   // Triple DES (crypto/des), with a 16-byte key for two-key EDE
	legacy bool   // single DES, which OpenSSL 3 (so Node 20) refuses
}

// cipherSpecs is a variable, not made by init: see registerNatives.
var cipherSpecs = func() map[string]cipherSpec {
	specs := map[string]cipherSpec{}
	for _, bits := range []int{128, 192, 256} {
		for _, mode := range []string{"cbc", "ctr", "ecb", "gcm"} {
			specs["aes-"+strconv.Itoa(bits)+"-"+mode] = cipherSpec{keyLen: bits / 8, mode: mode}
		}
	}
	for a, n := range map[string]string{"aes128": "aes-128-cbc", "aes192": "aes-192-cbc", "aes256": "aes-256-cbc"} {
		specs[a] = specs[n]
	}
	for name, spec := range map[string]cipherSpec{"des-ede3-cbc": {24, "cbc", true, false}, "des3": {24, "cbc", true, false},
		"des-ede3": {24, "ecb", true, false}, "des-ede3-ecb": {24, "ecb", true, false}, "des-ede-cbc": {16, "cbc", true, false},
		"des-ede": {16, "ecb", true, false}, "des-ede-ecb": {16, "ecb", true, false},
		"des-cbc": {8, "cbc", true, true}, "des-ecb": {8, "ecb", true, true}, "des": {8, "cbc", true, true}} {
		specs[name] = spec
	}
	return specs
}()

// validTagLengths are the GCM tag lengths Node accepts.
var validTagLengths = map[int]bool{4: true, 8: true, 12: true, 13: true, 14: true, 15: true, 16: true}

type cipherObj struct {
	encrypt bool
	mode    string
	block   cipher.Block
	blocks  cipher.BlockMode // cbc
	stream  cipher.Stream    // ctr
	pending []byte           // cbc, ecb: bytes short of a block
	padding bool
	done    bool
	dec     *stringDecoder

	// gcm
	gcm      cipher.AEAD
	iv, aad  []byte
	plain    []byte // everything encrypted or decrypted so far, for the tag
	ctr      gcmStream
	started  bool
	tag      []byte
	tagLen   int // from authTagLength, or 0
	tagSet   bool
	finalTag []byte // the cipher's tag, after final
}

func (cs *cryptoState) installCiphers() {
	inv, rt := cs.inv, cs.inv.rt
	cs.ciphers = map[*goja.Object]*cipherObj{}
	mkClass := func(name string, encrypt bool) *goja.Object {
		proto := rt.NewObject()
		ctor := cs.constructor(name, 4, func(call goja.FunctionCall) goja.Value {
			return cs.newCipher(encrypt, proto, call)
		})
		_ = ctor.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		_ = proto.DefineDataProperty("constructor", ctor, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		method := func(n string, length int, f func(c *cipherObj, this *goja.Object, call goja.FunctionCall) goja.Value) {
			fn := inv.function(n, length, func(call goja.FunctionCall) goja.Value {
				this, _ := call.This.(*goja.Object)
				c := cs.ciphers[this]
				if c == nil || c.encrypt != encrypt {
					panic(inv.nodeError("TypeError", "ERR_INVALID_THIS", `Value of "this" must be of type `+name))
				}
				return f(c, this, call)
			})
			_ = proto.DefineDataProperty(n, fn, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
		method("update", 3, func(c *cipherObj, _ *goja.Object, call goja.FunctionCall) goja.Value {
			return cs.cipherUpdate(c, call)
		})
		method("final", 1, func(c *cipherObj, _ *goja.Object, call goja.FunctionCall) goja.Value {
			return cs.cipherFinal(c, call.Argument(0))
		})
		method("setAutoPadding", 1, func(c *cipherObj, this *goja.Object, call goja.FunctionCall) goja.Value {
			if c.done {
				panic(inv.nodeError("Error", "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAutoPadding"))
			}
			c.padding = goja.IsUndefined(call.Argument(0)) || call.Argument(0).ToBoolean()
			return this
		})
		method("setAAD", 2, func(c *cipherObj, this *goja.Object, call goja.FunctionCall) goja.Value {
			aad := cs.bytesArg(call.Argument(0), goja.Undefined(), "buffer", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView")
			if c.mode != "gcm" || c.started || c.done {
				panic(inv.nodeError("Error", "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAAD"))
			}
			c.aad = append(c.aad, aad...)
			return this
		})
		if encrypt {
			method("getAuthTag", 0, func(c *cipherObj, _ *goja.Object, _ goja.FunctionCall) goja.Value {
				if c.finalTag == nil {
					panic(inv.nodeError("Error", "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation getAuthTag"))
				}
				return inv.newBuffer(slices.Clone(c.finalTag))
			})
		} else {
			method("setAuthTag", 2, func(c *cipherObj, this *goja.Object, call goja.FunctionCall) goja.Value {
				tag := cs.bytesArg(call.Argument(0), call.Argument(1), "buffer", wantBinary)
				if c.mode != "gcm" || c.tagSet || c.done {
					panic(inv.nodeError("Error", "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAuthTag"))
				}
				if (c.tagLen != 0 && len(tag) != c.tagLen) || !validTagLengths[len(tag)] {
					panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_AUTH_TAG", "Invalid authentication tag length: "+strconv.Itoa(len(tag))))
				}
				c.tag, c.tagSet = tag, true
				return this
			})
		}
		return ctor
	}
	cipheriv := mkClass("Cipheriv", true)
	decipheriv := mkClass("Decipheriv", false)
	_ = cs.m.Set("Cipheriv", cipheriv)
	_ = cs.m.Set("Decipheriv", decipheriv)
	inv.setFunc(cs.m, "createCipheriv", 4, func(call goja.FunctionCall) goja.Value {
		return cs.newCipher(true, cipheriv.Get("prototype").(*goja.Object), call)
	})
	inv.setFunc(cs.m, "createDecipheriv", 4, func(call goja.FunctionCall) goja.Value {
		return cs.newCipher(false, decipheriv.Get("prototype").(*goja.Object), call)
	})
	inv.setFunc(cs.m, "getCiphers", 0, func(goja.FunctionCall) goja.Value {
		names := make([]any, 0, len(cipherSpecs))
		for n := range cipherSpecs {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		return rt.NewArray(names...)
	})
}

const wantKey = "of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey"

// secretKey returns the bytes of a key argument: a string, binary data or
// a secret KeyObject.
func (cs *cryptoState) secretKey(v goja.Value, name string) []byte {
	if o, ok := v.(*goja.Object); ok {
		if k := cs.keys[o]; k != nil {
			if k.kind != "secret" {
				panic(cs.inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", "Invalid key object type "+k.kind+", expected secret."))
			}
			return slices.Clone(k.secret)
		}
	}
	if !goja.IsString(v) {
		if _, ok := cs.binary(v); !ok {
			cs.argTypeError(name, wantKey, v)
		}
	}
	return cs.bytesArg(v, goja.Undefined(), name, wantKey)
}

func (cs *cryptoState) newCipher(encrypt bool, proto *goja.Object, call goja.FunctionCall) goja.Value {
	inv := cs.inv
	algV := call.Argument(0)
	if !goja.IsString(algV) {
		cs.argTypeError("cipher", "of type string", algV)
	}
	key := cs.secretKey(call.Argument(1), "key")
	var iv []byte
	ivV := call.Argument(2)
	if !goja.IsNull(ivV) {
		iv = cs.bytesArg(ivV, goja.Undefined(), "iv", wantBinary)
	}
	alg := strings.ToLower(algV.String())
	spec, ok := cipherSpecs[alg]
	if !ok {
		panic(inv.nodeError("Error", "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher"))
	}
	c := &cipherObj{encrypt: encrypt, mode: spec.mode, padding: true}
	if opts, ok := call.Argument(3).(*goja.Object); ok && spec.mode == "gcm" {
		if tl := opts.Get("authTagLength"); tl != nil && !goja.IsUndefined(tl) {
			n := cs.intArg(tl, "options.authTagLength", 0, 1<<31-1)
			if !validTagLengths[int(n)] {
				panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_AUTH_TAG", "Invalid authentication tag length: "+strconv.FormatInt(n, 10)))
			}
			c.tagLen = int(n)
		}
	}
	switch spec.mode {
	case "ecb":
		if len(iv) != 0 {
			panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector"))
		}
	case "gcm":
		if len(iv) == 0 {
			panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector"))
		}
	default:
		if bs := map[bool]int{false: aes.BlockSize, true: des.BlockSize}[spec.des]; len(iv) != bs {
			panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector"))
		}
	}
	if spec.legacy {
		panic(inv.nodeError("Error", "ERR_OSSL_EVP_UNSUPPORTED", "error:0308010C:digital envelope routines::unsupported"))
	}
	if len(key) != spec.keyLen {
		panic(inv.nodeError("RangeError", "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length"))
	}
	var block cipher.Block
	var err error
	if spec.des {
		if len(key) == 16 { // two-key EDE: K1, K2, K1
			key = append(key, key[:8]...)
		}
		block, err = des.NewTripleDESCipher(key)
	} else {
		block, err = aes.NewCipher(key)
	}
	if err != nil {
		panic(inv.nodeError("RangeError", "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length"))
	}
	c.block = block
	switch spec.mode {
	case "cbc":
		if encrypt {
			c.blocks = cipher.NewCBCEncrypter(block, iv)
		} else {
			c.blocks = cipher.NewCBCDecrypter(block, iv)
		}
	case "ctr":
		c.stream = cipher.NewCTR(block, iv)
	case "gcm":
		g, err := cipher.NewGCMWithNonceSize(block, len(iv))
		if err != nil {
			panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_IV", "Invalid initialization vector"))
		}
		c.gcm, c.iv = g, iv
		c.ctr = newGCMStream(block, g, iv)
	}
	o := inv.rt.NewObject()
	_ = o.SetPrototype(proto)
	cs.ciphers[o] = c
	return o
}

func (cs *cryptoState) cipherUpdate(c *cipherObj, call goja.FunctionCall) goja.Value {
	inv := cs.inv
	data := call.Argument(0)
	if !goja.IsString(data) {
		if _, ok := cs.binary(data); !ok {
			cs.argTypeError("data", "of type string or an instance of Buffer, TypedArray, or DataView", data)
		}
	}
	cs.checkInputEncoding(data, call.Argument(1))
	in := cs.bytesArg(data, call.Argument(1), "data", wantBinary)
	enc := cs.outputEncoding(call.Argument(2))
	if c.done {
		panic(inv.newError("Error", "Trying to add data in unsupported state"))
	}
	var out []byte
	switch c.mode {
	case "ctr":
		out = make([]byte, len(in))
		c.stream.XORKeyStream(out, in)
	case "gcm":
		if len(c.plain)+len(in) > inv.limits.MaxBufferSize {
			inv.rangeError("Array buffer allocation failed")
		}
		c.started = true
		out = make([]byte, len(in))
		c.ctr.XORKeyStream(out, in)
		if c.encrypt {
			c.plain = append(c.plain, in...)
		} else {
			c.plain = append(c.plain, out...)
		}
	default:
		bs := c.block.BlockSize()
		buf := append(c.pending, in...)
		n := len(buf) - len(buf)%bs
		if !c.encrypt && c.padding && n == len(buf) && n > 0 {
			n -= bs // the last block may be padding: final decides
		}
		out = make([]byte, n)
		c.cryptBlocks(out, buf[:n])
		c.pending = slices.Clone(buf[n:])
	}
	return cs.cipherOutput(c, out, enc)
}

// cipherOutput renders out in enc, carrying over what a string cannot
// hold yet to the next call.
func (cs *cryptoState) cipherOutput(c *cipherObj, out []byte, enc string) goja.Value {
	if enc == "" {
		return cs.inv.newBuffer(out)
	}
	if c.dec == nil {
		c.dec = &stringDecoder{enc: enc}
	} else if c.dec.enc != enc {
		panic(cs.inv.nodeError("Error", "ERR_INTERNAL_ASSERTION", "Cannot change encoding"))
	}
	return cs.encode(c.dec.write(out), enc)
}

func (c *cipherObj) cryptBlocks(dst, src []byte) {
	if c.blocks != nil {
		c.blocks.CryptBlocks(dst, src)
		return
	}
	for i := 0; i < len(src); i += c.block.BlockSize() { // ECB: each block alone
		if c.encrypt {
			c.block.Encrypt(dst[i:], src[i:])
		} else {
			c.block.Decrypt(dst[i:], src[i:])
		}
	}
}

func (cs *cryptoState) osslError(msg, code, reason string) *goja.Object {
	e := cs.inv.nodeError("Error", code, msg)
	_ = e.Set("library", "Provider routines")
	_ = e.Set("reason", reason)
	return e
}

func (cs *cryptoState) cipherFinal(c *cipherObj, encV goja.Value) goja.Value {
	inv := cs.inv
	enc := cs.outputEncoding(encV)
	if c.done {
		panic(inv.nodeError("Error", "ERR_CRYPTO_INVALID_STATE", "Invalid state"))
	}
	c.done = true
	var out []byte
	switch c.mode {
	case "gcm":
		sealed := c.gcm.Seal(nil, c.iv, c.plain, c.aad)
		full := sealed[len(c.plain):]
		c.plain = nil
		if c.encrypt {
			n := c.tagLen
			if n == 0 {
				n = 16
			}
			c.finalTag = slices.Clone(full[:n])
		} else if !c.tagSet || subtle.ConstantTimeCompare(full[:len(c.tag)], c.tag) != 1 {
			panic(inv.newError("Error", "Unsupported state or unable to authenticate data"))
		}
	case "cbc", "ecb":
		bs := c.block.BlockSize()
		switch {
		case c.encrypt && c.padding:
			p := bs - len(c.pending)
			buf := append(c.pending, make([]byte, p)...)
			for i := len(c.pending); i < len(buf); i++ {
				buf[i] = byte(p)
			}
			out = make([]byte, len(buf))
			c.cryptBlocks(out, buf)
		case len(c.pending) != 0 && (c.encrypt || !c.padding), !c.encrypt && c.padding && len(c.pending) != bs:
			panic(cs.osslError("error:1C80006B:Provider routines::wrong final block length", "ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH", "wrong final block length"))
		case !c.encrypt && c.padding:
			buf := make([]byte, bs)
			c.cryptBlocks(buf, c.pending)
			n, ok := unpad(buf)
			if !ok {
				panic(cs.osslError("error:1C800064:Provider routines::bad decrypt", "ERR_OSSL_BAD_DECRYPT", "bad decrypt"))
			}
			out = buf[:n]
		}
		c.pending = nil
	}
	if enc == "" {
		return inv.newBuffer(out)
	}
	v := cs.cipherOutput(c, out, enc)
	rest := c.dec.end()
	if len(rest) == 0 {
		return v
	}
	tail := cs.encode(rest, enc).String()
	if enc == "utf8" || enc == "utf-8" {
		tail = "\uFFFD"
	}
	return inv.rt.ToValue(v.String() + tail)
}

// unpad checks PKCS#7 padding in one decrypted block, in constant time, and
// returns the length of the data before it.
func unpad(b []byte) (int, bool) {
	p := int(b[len(b)-1])
	good := subtle.ConstantTimeLessOrEq(1, p) & subtle.ConstantTimeLessOrEq(p, len(b))
	for i := range len(b) {
		inPad := subtle.ConstantTimeLessOrEq(len(b)-p, i)
		good &= subtle.ConstantTimeSelect(inPad, subtle.ConstantTimeByteEq(b[i], byte(p)), 1)
	}
	return len(b) - p, good == 1
}

// gcmStream is GCM's keystream: AES in counter mode from inc32(J0), the
// counter GCM encrypts the first block of data with. The counter's low 32
// bits wrap as GCM's inc32 does, where crypto/cipher's CTR would carry. The
// bytes are the same as the AEAD's Seal, which computes the tag.
type gcmStream struct {
	block   cipher.Block
	counter [16]byte
	stream  cipher.Stream
	left    uint64 // bytes before the low 32 bits wrap
}

func newGCMStream(block cipher.Block, g cipher.AEAD, iv []byte) gcmStream {
	s := gcmStream{block: block}
	if len(iv) == 12 {
		copy(s.counter[:], iv)
		s.counter[15] = 2
	} else {
		// J0 is GHASH of the IV: the first keystream block, E(inc32(J0)),
		// is what Seal returns for one zero block, so decrypt it.
		ks := g.Seal(nil, iv, make([]byte, 16), nil)
		block.Decrypt(s.counter[:], ks[:16])
	}
	s.reset()
	return s
}

func (s *gcmStream) reset() {
	s.stream = cipher.NewCTR(s.block, s.counter[:])
	s.left = (1<<32 - uint64(binary.BigEndian.Uint32(s.counter[12:]))) * 16
}

func (s *gcmStream) XORKeyStream(dst, src []byte) {
	for len(src) > 0 {
		n := min(uint64(len(src)), s.left)
		s.stream.XORKeyStream(dst[:n], src[:n])
		dst, src, s.left = dst[n:], src[n:], s.left-n
		if s.left == 0 {
			binary.BigEndian.PutUint32(s.counter[12:], 0)
			s.reset()
		}
	}
}
