package sandbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"

	"github.com/dop251/goja"
)

// maxRSABits bounds generateKeyPair('rsa'): Go's key generation cannot be
// interrupted, and a 4096-bit key takes a second or more. It runs off the
// loop, so the invocation's timeout still ends the invocation on time.
const maxRSABits = 4096

// installKeyGen adds generateKeyPairSync and generateKeyPair for rsa, ec
// and ed25519.
func (cs *cryptoState) installKeyGen() {
	inv, rt := cs.inv, cs.inv.rt
	// prepare validates the arguments and returns the generation, to run
	// off the loop, and the encodings of its result.
	prepare := func(call goja.FunctionCall) (func() (*keyData, error), *goja.Object, *goja.Object) {
		typV := call.Argument(0)
		if !goja.IsString(typV) {
			cs.argTypeError("type", "of type string", typV)
		}
		typ := typV.String()
		optsV := call.Argument(1)
		opts, _ := optsV.(*goja.Object)
		if opts == nil && (typ == "rsa" || typ == "ec" || !goja.IsUndefined(optsV)) {
			if !(typ == "ed25519" && goja.IsUndefined(optsV)) {
				cs.argTypeError("options", "of type object", optsV)
			}
		}
		var gen func() (*keyData, error)
		switch typ {
		case "rsa":
			bits := cs.intArg(opts.Get("modulusLength"), "options.modulusLength", 0, 1<<32-1)
			if e := opts.Get("publicExponent"); e != nil && !goja.IsUndefined(e) {
				if n := cs.intArg(e, "options.publicExponent", 0, 1<<32-1); n != 65537 {
					panic(inv.nodeError("RangeError", "ERR_OUT_OF_RANGE", `The value of "options.publicExponent" is out of range. The reactor sandbox generates RSA keys with the exponent 65537 only.`))
				}
			}
			if bits < 1024 || bits > maxRSABits {
				panic(inv.nodeError("RangeError", "ERR_OUT_OF_RANGE", `The value of "options.modulusLength" is out of range. The reactor sandbox generates RSA keys of 1024 to 4096 bits.`))
			}
			gen = func() (*keyData, error) {
				k, err := rsa.GenerateKey(rand.Reader, int(bits))
				return &keyData{kind: "private", priv: k}, err
			}
		case "ec":
			crvV := opts.Get("namedCurve")
			if crvV == nil || !goja.IsString(crvV) {
				panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "options.namedCurve" property must be of type string. Received `+describe(crvV)))
			}
			curve := curveByName(crvV.String())
			if curve == nil {
				panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_CURVE", "Invalid EC curve name"))
			}
			if pe, _ := optString(opts, "paramEncoding"); pe != "" && pe != "named" {
				panic(cs.invalidProp("options.paramEncoding", opts.Get("paramEncoding")))
			}
			gen = func() (*keyData, error) {
				k, err := ecdsa.GenerateKey(curve, rand.Reader)
				return &keyData{kind: "private", priv: k}, err
			}
		case "ed25519":
			gen = func() (*keyData, error) {
				_, k, err := ed25519.GenerateKey(rand.Reader)
				return &keyData{kind: "private", priv: k}, err
			}
		default:
			panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "The argument 'type' must be a supported key type. Received '"+typ+"'"))
		}
		var pubEnc, privEnc *goja.Object
		if opts != nil {
			for _, e := range []struct {
				name string
				dst  **goja.Object
			}{{"publicKeyEncoding", &pubEnc}, {"privateKeyEncoding", &privEnc}} {
				v := opts.Get(e.name)
				if v == nil || goja.IsUndefined(v) {
					continue
				}
				o, ok := v.(*goja.Object)
				if !ok {
					panic(cs.invalidProp("options."+e.name, v))
				}
				*e.dst = o
			}
		}
		// Check the encodings before the (long) generation, as Node does.
		if pubEnc != nil {
			cs.checkEncoding(pubEnc, "options.publicKeyEncoding", false, typ)
		}
		if privEnc != nil {
			cs.checkEncoding(privEnc, "options.privateKeyEncoding", true, typ)
		}
		return gen, pubEnc, privEnc
	}
	result := func(k *keyData, pubEnc, privEnc *goja.Object) (goja.Value, goja.Value) {
		pub := &keyData{kind: "public", pub: k.priv.Public()}
		var pubV, privV goja.Value
		if pubEnc != nil {
			pubV = cs.encodeKey(pub, pubEnc, "options.publicKeyEncoding")
		} else {
			pubV = cs.newKey(pub)
		}
		if privEnc != nil {
			privV = cs.encodeKey(k, privEnc, "options.privateKeyEncoding")
		} else {
			privV = cs.newKey(k)
		}
		return pubV, privV
	}
	inv.setFunc(cs.m, "generateKeyPairSync", 2, func(call goja.FunctionCall) goja.Value {
		gen, pubEnc, privEnc := prepare(call)
		var k *keyData
		var err error
		cs.sync(func() { k, err = gen() })
		if err != nil {
			panic(inv.nodeError("Error", "ERR_CRYPTO_OPERATION_FAILED", "Key generation failed"))
		}
		pubV, privV := result(k, pubEnc, privEnc)
		o := rt.NewObject()
		_ = o.Set("publicKey", pubV)
		_ = o.Set("privateKey", privV)
		return o
	})
	inv.setFunc(cs.m, "generateKeyPair", 3, func(call goja.FunctionCall) goja.Value {
		args := call.Arguments
		if len(args) == 2 {
			if _, ok := goja.AssertFunction(args[1]); ok {
				args = []goja.Value{args[0], goja.Undefined(), args[1]}
			}
		}
		call.Arguments = args
		cb := cs.callbackArg(call.Argument(2))
		gen, pubEnc, privEnc := prepare(call)
		cs.inv.start(func(ctx context.Context) func() {
			var k *keyData
			var err error
			if !cs.offLoopCtx(ctx, func() { k, err = gen() }) {
				return func() {}
			}
			return func() {
				var args []goja.Value
				if err != nil {
					args = []goja.Value{inv.nodeError("Error", "ERR_CRYPTO_OPERATION_FAILED", "Key generation failed")}
				} else {
					pubV, privV := result(k, pubEnc, privEnc)
					args = []goja.Value{goja.Null(), pubV, privV}
				}
				if _, err := cb(goja.Undefined(), args...); err != nil {
					inv.fail(err)
				}
			}
		})
		return goja.Undefined()
	})
}

// checkEncoding validates a key encoding option before a key exists.
func (cs *cryptoState) checkEncoding(o *goja.Object, name string, private bool, keyType string) {
	format, formatV := optString(o, "format")
	if format == "jwk" {
		return
	}
	if format != "pem" && format != "der" {
		panic(cs.invalidProp(name+".format", formatV))
	}
	typ, typeV := optString(o, "type")
	if !map[string]bool{"spki": !private, "pkcs1": true, "pkcs8": private, "sec1": private}[typ] {
		panic(cs.invalidProp(name+".type", typeV))
	}
	if typ == "pkcs1" && keyType != "rsa" || typ == "sec1" && keyType != "ec" {
		kind := map[string]string{"pkcs1": "RSA", "sec1": "EC"}[typ]
		panic(cs.inv.nodeError("Error", "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS", "The selected key encoding "+typ+" can only be used for "+kind+" keys."))
	}
	if c, _ := optString(o, "cipher"); c != "" {
		panic(cs.inv.nodeError("Error", "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "Encrypted private keys are not supported in the reactor sandbox"))
	}
}

var oaepHashes = map[string]func() hash.Hash{"sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New}

// installRSACrypt adds publicEncrypt and privateDecrypt (OAEP, and PKCS#1
// v1.5 for encryption only: Node 20 refuses it for decryption) and
// crypto.constants.
func (cs *cryptoState) installRSACrypt() {
	inv, rt := cs.inv, cs.inv.rt
	args := func(call goja.FunctionCall, private bool) (*rsa.PublicKey, *rsa.PrivateKey, []byte, int, func() hash.Hash, []byte) {
		keyV := call.Argument(0)
		k := cs.signingKey(keyV, private)
		padding, h, label := rsaPKCS1OAEPPadding, oaepHashes["sha1"], []byte(nil)
		if o, ok := keyV.(*goja.Object); ok && cs.keys[o] == nil {
			if _, isBin := cs.binary(o); !isBin {
				if p := o.Get("padding"); p != nil && !goja.IsUndefined(p) {
					padding = int(p.ToInteger())
				}
				if hv := o.Get("oaepHash"); hv != nil && !goja.IsUndefined(hv) {
					if !goja.IsString(hv) {
						panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "options.oaepHash" property must be of type string. Received `+describe(hv)))
					}
					if h = oaepHashes[strings.ToLower(hv.String())]; h == nil {
						panic(inv.nodeError("Error", "ERR_OSSL_EVP_INVALID_DIGEST", "Invalid digest used"))
					}
				}
				if l := o.Get("oaepLabel"); l != nil && !goja.IsUndefined(l) {
					label = cs.bytesArg(l, goja.Undefined(), "options.oaepLabel", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView")
				}
			}
		}
		data := cs.bytesArg(call.Argument(1), call.Argument(2), "buffer", wantBinary)
		var pub *rsa.PublicKey
		var priv *rsa.PrivateKey
		if private {
			priv, _ = k.priv.(*rsa.PrivateKey)
		} else {
			pub, _ = k.public().(*rsa.PublicKey)
		}
		if pub == nil && priv == nil {
			panic(inv.nodeError("Error", "ERR_OSSL_EVP_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE", "error:03000096:digital envelope routines::operation not supported for this keytype"))
		}
		return pub, priv, data, padding, h, label
	}
	tooLarge := func() *goja.Object {
		return inv.nodeError("Error", "ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE", "error:0200006E:rsa routines::data too large for key size")
	}
	inv.setFunc(cs.m, "publicEncrypt", 2, func(call goja.FunctionCall) goja.Value {
		pub, _, data, padding, h, label := args(call, false)
		var out []byte
		var err error
		switch padding {
		case rsaPKCS1OAEPPadding:
			out, err = rsa.EncryptOAEP(h(), rand.Reader, pub, data, label)
		case rsaPKCS1Padding:
			//lint:ignore SA1019 Node 20 still encrypts so (for peers that decrypt only that); it refuses to decrypt it, as privateDecrypt does
			out, err = rsa.EncryptPKCS1v15(rand.Reader, pub, data)
		default:
			panic(inv.nodeError("Error", "ERR_OSSL_RSA_UNKNOWN_PADDING_TYPE", "error:0200008F:rsa routines::unknown padding type"))
		}
		if err != nil {
			panic(tooLarge())
		}
		return inv.newBuffer(out)
	})
	inv.setFunc(cs.m, "privateDecrypt", 2, func(call goja.FunctionCall) goja.Value {
		_, priv, data, padding, h, label := args(call, true)
		switch padding {
		case rsaPKCS1OAEPPadding:
			out, err := rsa.DecryptOAEP(h(), nil, priv, data, label)
			if err != nil {
				panic(inv.nodeError("Error", "ERR_OSSL_RSA_OAEP_DECODING_ERROR", "error:02000079:rsa routines::oaep decoding error"))
			}
			return inv.newBuffer(out)
		case rsaPKCS1Padding:
			panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "RSA_PKCS1_PADDING is no longer supported for private decryption, this can be reverted with --security-revert=CVE-2023-46809"))
		}
		panic(inv.nodeError("Error", "ERR_OSSL_RSA_UNKNOWN_PADDING_TYPE", "error:0200008F:rsa routines::unknown padding type"))
	})
	constants := rt.NewObject()
	for _, c := range []struct {
		name string
		v    int
	}{{"RSA_PKCS1_PADDING", rsaPKCS1Padding}, {"RSA_NO_PADDING", rsaNoPadding}, {"RSA_PKCS1_OAEP_PADDING", rsaPKCS1OAEPPadding},
		{"RSA_PKCS1_PSS_PADDING", rsaPKCS1PSSPadding}, {"RSA_PSS_SALTLEN_DIGEST", rsaPSSSaltLenDigest},
		{"RSA_PSS_SALTLEN_MAX_SIGN", rsaPSSSaltLenMax}, {"RSA_PSS_SALTLEN_AUTO", rsaPSSSaltLenMax}} {
		_ = constants.Set(c.name, c.v)
	}
	_ = cs.m.Set("constants", constants)
}
