package sandbox

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"hash"
	"math/big"
	"strings"

	"github.com/dop251/goja"
)

// Signatures (createSign, createVerify, sign, verify), key generation and
// RSA encryption, on crypto/rsa, crypto/ecdsa and crypto/ed25519.

// Node's crypto.constants that these functions read.
const (
	rsaPKCS1Padding     = 1
	rsaNoPadding        = 3
	rsaPKCS1OAEPPadding = 4
	rsaPKCS1PSSPadding  = 6
	rsaPSSSaltLenDigest = -1
	rsaPSSSaltLenMax    = -2 // RSA_PSS_SALTLEN_MAX_SIGN, and RSA_PSS_SALTLEN_AUTO
)

var cryptoHashes = map[string]crypto.Hash{"md5": crypto.MD5, "sha1": crypto.SHA1, "sha224": crypto.SHA224,
	"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}

// signDigest resolves the digest names OpenSSL accepts for a signature:
// sha256, SHA256, RSA-SHA256, sha256WithRSAEncryption.
func signDigest(name string) (crypto.Hash, bool) {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "rsa-")
	n = strings.TrimSuffix(n, "withrsaencryption")
	h, ok := cryptoHashes[n]
	return h, ok
}

// signOptions are the options a key argument of sign or verify may carry.
type signOptions struct {
	padding    int
	saltLength int
	p1363      bool
	digest     []byte // already computed, by a Sign or Verify object
}

func (o signOptions) withDigest(d []byte) signOptions {
	o.digest = d
	return o
}

// digestOf returns the digest to sign: msg hashed with h, unless a Sign
// object computed it already.
func (o signOptions) digestOf(h crypto.Hash, msg []byte) []byte {
	if o.digest != nil {
		return o.digest
	}
	w := h.New()
	w.Write(msg)
	return w.Sum(nil)
}

func (cs *cryptoState) signOpts(v goja.Value) signOptions {
	o := signOptions{padding: rsaPKCS1Padding, saltLength: rsaPSSSaltLenMax}
	obj, ok := v.(*goja.Object)
	if !ok || cs.keys[obj] != nil {
		return o
	}
	if _, isBin := cs.binary(obj); isBin {
		return o
	}
	if p := obj.Get("padding"); p != nil && !goja.IsUndefined(p) {
		if !goja.IsNumber(p) || p.ToFloat() != float64(p.ToInteger()) {
			panic(cs.invalidProp("options.padding", p))
		}
		o.padding = int(p.ToInteger())
	}
	if s := obj.Get("saltLength"); s != nil && !goja.IsUndefined(s) {
		if !goja.IsNumber(s) || s.ToFloat() != float64(s.ToInteger()) {
			panic(cs.invalidProp("options.saltLength", s))
		}
		o.saltLength = int(s.ToInteger())
	}
	if d := obj.Get("dsaEncoding"); d != nil && !goja.IsUndefined(d) {
		switch d.String() {
		case "der":
		case "ieee-p1363":
			o.p1363 = true
		default:
			panic(cs.invalidProp("options.dsaEncoding", d))
		}
	}
	return o
}

// signingKey returns the key of a sign or verify call: a KeyObject, or
// key data (parsed as createPrivateKey or createPublicKey would), possibly
// inside {key, padding, saltLength, dsaEncoding}.
func (cs *cryptoState) signingKey(v goja.Value, private bool) *keyData {
	if o, ok := v.(*goja.Object); ok {
		inner := v
		if _, isBin := cs.binary(o); !isBin && cs.keys[o] == nil {
			if k := o.Get("key"); k != nil {
				inner = k
			}
		}
		if io, ok := inner.(*goja.Object); ok {
			if k := cs.keys[io]; k != nil {
				if k.kind == "secret" || private && k.kind != "private" {
					panic(cs.inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", "Invalid key object type "+k.kind+", expected private."))
				}
				if !private && k.kind == "private" {
					return &keyData{kind: "public", pub: k.priv.Public()}
				}
				return k
			}
		}
	}
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		cs.argTypeError("key", wantKey, v)
	}
	if !goja.IsString(v) {
		if _, ok := v.(*goja.Object); !ok {
			cs.argTypeError("key", wantKey, v)
		}
	}
	return cs.parseKey(v, private, !private)
}

func (cs *cryptoState) badDigest() *goja.Object {
	return cs.inv.nodeError("Error", "ERR_OSSL_INVALID_DIGEST", "error:1C80007A:Provider routines::invalid digest")
}

// signDigestBytes signs digest (or, for Ed25519, msg) with k.
func (cs *cryptoState) signBytes(k *keyData, h crypto.Hash, hasHash bool, msg []byte, o signOptions) []byte {
	inv := cs.inv
	switch priv := k.priv.(type) {
	case ed25519.PrivateKey:
		if hasHash {
			panic(cs.badDigest())
		}
		return ed25519.Sign(priv, msg)
	case *rsa.PrivateKey:
		digest := o.digestOf(h, msg)
		switch o.padding {
		case rsaPKCS1Padding:
			sig, err := rsa.SignPKCS1v15(rand.Reader, priv, h, digest)
			if err != nil {
				panic(inv.nodeError("Error", "ERR_OSSL_RSA_DIGEST_TOO_BIG_FOR_RSA_KEY", "error:02000070:rsa routines::digest too big for rsa key"))
			}
			return sig
		case rsaPKCS1PSSPadding:
			sig, err := rsa.SignPSS(rand.Reader, priv, h, digest, cs.pssOptions(o.saltLength, h))
			if err != nil {
				panic(inv.nodeError("Error", "ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE", "error:0200006E:rsa routines::data too large for key size"))
			}
			return sig
		}
		panic(inv.nodeError("Error", "ERR_OSSL_RSA_UNKNOWN_PADDING_TYPE", "error:0200008F:rsa routines::unknown padding type"))
	case *ecdsa.PrivateKey:
		sig, err := ecdsa.SignASN1(rand.Reader, priv, o.digestOf(h, msg))
		if err != nil {
			panic(inv.nodeError("Error", "ERR_CRYPTO_OPERATION_FAILED", "Signing failed"))
		}
		if o.p1363 {
			return derToP1363(sig, (priv.Curve.Params().BitSize+7)/8)
		}
		return sig
	}
	panic(inv.nodeError("Error", "ERR_CRYPTO_UNSUPPORTED_OPERATION", "Unsupported crypto operation"))
}

func (cs *cryptoState) verifyBytes(k *keyData, h crypto.Hash, hasHash bool, msg, sig []byte, o signOptions) bool {
	switch pub := k.public().(type) {
	case ed25519.PublicKey:
		if hasHash {
			panic(cs.badDigest())
		}
		return ed25519.Verify(pub, msg, sig)
	case *rsa.PublicKey:
		digest := o.digestOf(h, msg)
		switch o.padding {
		case rsaPKCS1Padding:
			return rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil
		case rsaPKCS1PSSPadding:
			return rsa.VerifyPSS(pub, h, digest, sig, cs.pssOptions(o.saltLength, h)) == nil
		}
		panic(cs.inv.nodeError("Error", "ERR_OSSL_RSA_UNKNOWN_PADDING_TYPE", "error:0200008F:rsa routines::unknown padding type"))
	case *ecdsa.PublicKey:
		if o.p1363 {
			size := (pub.Curve.Params().BitSize + 7) / 8
			if len(sig) != 2*size {
				return false
			}
			var err error
			if sig, err = asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])}); err != nil {
				return false
			}
		}
		return ecdsa.VerifyASN1(pub, o.digestOf(h, msg), sig)
	}
	panic(cs.inv.nodeError("Error", "ERR_CRYPTO_UNSUPPORTED_OPERATION", "Unsupported crypto operation"))
}

// pssOptions maps Node's saltLength to Go's. Go has no way to ask for an
// empty salt (its 0 means "auto"), so 0 throws.
func (cs *cryptoState) pssOptions(saltLength int, h crypto.Hash) *rsa.PSSOptions {
	switch {
	case saltLength == rsaPSSSaltLenDigest:
		return &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
	case saltLength == rsaPSSSaltLenMax:
		return &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: h}
	case saltLength > 0:
		return &rsa.PSSOptions{SaltLength: saltLength, Hash: h}
	}
	panic(cs.inv.nodeError("RangeError", "ERR_OUT_OF_RANGE", "The value of \"options.saltLength\" is out of range. The reactor sandbox supports -2, -1 and positive salt lengths."))
}

// derToP1363 converts an ASN.1 ECDSA signature to r||s, each size bytes.
func derToP1363(sig []byte, size int) []byte {
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		return nil
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out
}

func (cs *cryptoState) installSigning() {
	inv, rt := cs.inv, cs.inv.rt
	type signer struct {
		sign bool
		h    crypto.Hash
		w    hash.Hash
		done bool
	}
	signers := map[*goja.Object]*signer{}
	mkClass := func(name string, sign bool) *goja.Object {
		proto := rt.NewObject()
		ctor := cs.constructor(name, 2, func(call goja.FunctionCall) goja.Value {
			alg := call.Argument(0)
			if !goja.IsString(alg) {
				cs.argTypeError("algorithm", "of type string", alg)
			}
			h, ok := signDigest(alg.String())
			if !ok {
				panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest"))
			}
			o := rt.NewObject()
			_ = o.SetPrototype(proto)
			signers[o] = &signer{sign: sign, h: h, w: h.New()}
			return o
		})
		_ = ctor.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		_ = proto.DefineDataProperty("constructor", ctor, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		this := func(call goja.FunctionCall) *signer {
			o, _ := call.This.(*goja.Object)
			s := signers[o]
			if s == nil || s.sign != sign {
				panic(inv.nodeError("TypeError", "ERR_INVALID_THIS", `Value of "this" must be of type `+name))
			}
			return s
		}
		notInitialised := func() *goja.Object {
			return inv.nodeError("Error", "ERR_CRYPTO_INVALID_STATE", "Not initialised")
		}
		_ = proto.DefineDataProperty("update", inv.function("update", 2, func(call goja.FunctionCall) goja.Value {
			s := this(call)
			data := call.Argument(0)
			if !goja.IsString(data) {
				if _, ok := cs.binary(data); !ok {
					cs.argTypeError("data", "of type string or an instance of Buffer, TypedArray, or DataView", data)
				}
			}
			if s.done {
				panic(notInitialised())
			}
			s.w.Write(cs.bytesArg(data, call.Argument(1), "data", wantBinary))
			return call.This
		}), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		if sign {
			_ = proto.DefineDataProperty("sign", inv.function("sign", 2, func(call goja.FunctionCall) goja.Value {
				s := this(call)
				if goja.IsUndefined(call.Argument(0)) || goja.IsNull(call.Argument(0)) {
					panic(inv.nodeError("Error", "ERR_CRYPTO_SIGN_KEY_REQUIRED", "No key provided to sign"))
				}
				enc := cs.outputEncoding(call.Argument(1))
				if s.done {
					panic(notInitialised())
				}
				k := cs.signingKey(call.Argument(0), true)
				o := cs.signOpts(call.Argument(0))
				if _, ok := k.priv.(ed25519.PrivateKey); ok {
					panic(inv.nodeError("Error", "ERR_CRYPTO_UNSUPPORTED_OPERATION", "Unsupported crypto operation"))
				}
				s.done = true
				return cs.encode(cs.signPrehashed(k, s.h, s.w.Sum(nil), o), enc)
			}), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		} else {
			_ = proto.DefineDataProperty("verify", inv.function("verify", 3, func(call goja.FunctionCall) goja.Value {
				s := this(call)
				if goja.IsUndefined(call.Argument(0)) || goja.IsNull(call.Argument(0)) {
					panic(inv.nodeError("Error", "ERR_CRYPTO_SIGN_KEY_REQUIRED", "No key provided to sign"))
				}
				sigV := call.Argument(1)
				if !goja.IsString(sigV) {
					if _, ok := cs.binary(sigV); !ok {
						cs.argTypeError("signature", "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", sigV)
					}
				}
				if s.done {
					panic(notInitialised())
				}
				k := cs.signingKey(call.Argument(0), false)
				o := cs.signOpts(call.Argument(0))
				sig := cs.bytesArg(sigV, call.Argument(2), "signature", wantBinary)
				if _, ok := k.public().(ed25519.PublicKey); ok {
					panic(inv.nodeError("Error", "ERR_CRYPTO_UNSUPPORTED_OPERATION", "Unsupported crypto operation"))
				}
				s.done = true
				return rt.ToValue(cs.verifyPrehashed(k, s.h, s.w.Sum(nil), sig, o))
			}), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
		return ctor
	}
	signCtor := mkClass("Sign", true)
	verifyCtor := mkClass("Verify", false)
	_ = cs.m.Set("Sign", signCtor)
	_ = cs.m.Set("Verify", verifyCtor)
	_ = cs.m.Set("createSign", inv.function("createSign", 2, func(call goja.FunctionCall) goja.Value {
		f, _ := goja.AssertFunction(signCtor)
		v, err := f(goja.Undefined(), call.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	}))
	_ = cs.m.Set("createVerify", inv.function("createVerify", 2, func(call goja.FunctionCall) goja.Value {
		f, _ := goja.AssertFunction(verifyCtor)
		v, err := f(goja.Undefined(), call.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	}))

	oneShot := func(call goja.FunctionCall, verify bool) (crypto.Hash, bool, []byte, *keyData, signOptions) {
		alg := call.Argument(0)
		if !goja.IsUndefined(alg) && !goja.IsNull(alg) && !goja.IsString(alg) {
			cs.argTypeError("algorithm", "of type string", alg)
		}
		data := cs.bytesArg(call.Argument(1), goja.Undefined(), "data", "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView")
		if goja.IsUndefined(call.Argument(2)) || goja.IsNull(call.Argument(2)) {
			panic(inv.nodeError("Error", "ERR_CRYPTO_SIGN_KEY_REQUIRED", "No key provided to sign"))
		}
		k := cs.signingKey(call.Argument(2), !verify)
		o := cs.signOpts(call.Argument(2))
		h, hasHash := crypto.SHA256, false
		if goja.IsString(alg) {
			var ok bool
			if h, ok = signDigest(alg.String()); !ok {
				panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: "+alg.String()))
			}
			hasHash = true
		}
		return h, hasHash, data, k, o
	}
	inv.setFunc(cs.m, "sign", 4, func(call goja.FunctionCall) goja.Value {
		h, hasHash, data, k, o := oneShot(call, false)
		var cb goja.Callable
		if !goja.IsUndefined(call.Argument(3)) {
			cb = cs.callbackArg(call.Argument(3))
		}
		sig := inv.newBuffer(cs.signBytes(k, h, hasHash, data, o))
		if cb != nil {
			inv.timers.register(&timer{fn: cb, args: []goja.Value{goja.Null(), sig}, immediate: true})
			return goja.Undefined()
		}
		return sig
	})
	inv.setFunc(cs.m, "verify", 5, func(call goja.FunctionCall) goja.Value {
		sigV := call.Argument(3)
		if _, ok := cs.binary(sigV); !ok {
			cs.argTypeError("signature", "an instance of Buffer, TypedArray, or DataView", sigV)
		}
		h, hasHash, data, k, o := oneShot(call, true)
		var cb goja.Callable
		if !goja.IsUndefined(call.Argument(4)) {
			cb = cs.callbackArg(call.Argument(4))
		}
		sig := cs.bytesArg(sigV, goja.Undefined(), "signature", wantBinary)
		ok := rt.ToValue(cs.verifyBytes(k, h, hasHash, data, sig, o))
		if cb != nil {
			inv.timers.register(&timer{fn: cb, args: []goja.Value{goja.Null(), ok}, immediate: true})
			return goja.Undefined()
		}
		return ok
	})
}

// signPrehashed and verifyPrehashed sign a digest already computed by a
// Sign or Verify object.
func (cs *cryptoState) signPrehashed(k *keyData, h crypto.Hash, digest []byte, o signOptions) []byte {
	return cs.signBytes(k, h, true, nil, o.withDigest(digest))
}

func (cs *cryptoState) verifyPrehashed(k *keyData, h crypto.Hash, digest, sig []byte, o signOptions) bool {
	return cs.verifyBytes(k, h, true, nil, sig, o.withDigest(digest))
}
