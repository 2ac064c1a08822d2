package sandbox

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"

	"github.com/dop251/goja"
)

// Asymmetric keys (RSA, ECDSA on P-224, P-256, P-384 and P-521, Ed25519) as
// Node's KeyObject, on crypto/x509 for PEM and DER and on the key types'
// own encodings for JWK. Key material never appears in an error: every
// parse failure throws one fixed message.

type (
	keyClassFn  func(name string, parent *goja.Object) (ctor, proto *goja.Object)
	keyGetterFn func(proto *goja.Object, name, kind string, f func(k *keyData) goja.Value)
	keyMethodFn func(proto *goja.Object, name, kind string, length int, f func(k *keyData, call goja.FunctionCall) goja.Value)
)

// curveNames maps Go's curves to OpenSSL's names, as asymmetricKeyDetails
// reports them, and JWK's.
var curveNames = map[elliptic.Curve][2]string{
	elliptic.P224(): {"secp224r1", "P-224"}, elliptic.P256(): {"prime256v1", "P-256"},
	elliptic.P384(): {"secp384r1", "P-384"}, elliptic.P521(): {"secp521r1", "P-521"},
}

// curveByName accepts the names Node accepts for namedCurve and crv.
func curveByName(name string) elliptic.Curve {
	switch name {
	case "P-224", "secp224r1":
		return elliptic.P224()
	case "P-256", "prime256v1", "secp256r1":
		return elliptic.P256()
	case "P-384", "secp384r1":
		return elliptic.P384()
	case "P-521", "secp521r1":
		return elliptic.P521()
	}
	return nil
}

func (k *keyData) public() crypto.PublicKey {
	if k.priv != nil {
		return k.priv.Public()
	}
	return k.pub
}

func (k *keyData) asymmetricType() string {
	switch k.public().(type) {
	case *rsa.PublicKey:
		return "rsa"
	case *ecdsa.PublicKey:
		return "ec"
	case ed25519.PublicKey:
		return "ed25519"
	}
	return ""
}

// installAsymmetricKeys adds the public and private key objects,
// createPrivateKey and createPublicKey; signing is in signing.go.
func (cs *cryptoState) installAsymmetricKeys(base *goja.Object, class keyClassFn, getter keyGetterFn, method keyMethodFn) {
	inv, rt := cs.inv, cs.inv.rt
	_, asym := class("AsymmetricKeyObject", base)
	_, cs.publicProto = class("PublicKeyObject", asym)
	_, cs.privateProto = class("PrivateKeyObject", asym)
	getter(asym, "asymmetricKeyType", "asymmetric", func(k *keyData) goja.Value { return rt.ToValue(k.asymmetricType()) })
	getter(asym, "asymmetricKeyDetails", "asymmetric", func(k *keyData) goja.Value {
		d := rt.NewObject()
		switch p := k.public().(type) {
		case *rsa.PublicKey:
			_ = d.Set("modulusLength", p.N.BitLen())
			_ = d.Set("publicExponent", rt.ToValue(big.NewInt(int64(p.E))))
		case *ecdsa.PublicKey:
			_ = d.Set("namedCurve", curveNames[p.Curve][0])
		}
		return d
	})
	method(cs.publicProto, "export", "public", 1, func(k *keyData, call goja.FunctionCall) goja.Value {
		return cs.exportKey(k, call.Argument(0))
	})
	method(cs.privateProto, "export", "private", 1, func(k *keyData, call goja.FunctionCall) goja.Value {
		return cs.exportKey(k, call.Argument(0))
	})
	inv.setFunc(cs.m, "createPrivateKey", 1, func(call goja.FunctionCall) goja.Value {
		return cs.newKey(cs.parseKey(call.Argument(0), true, false))
	})
	inv.setFunc(cs.m, "createPublicKey", 1, func(call goja.FunctionCall) goja.Value {
		return cs.newKey(cs.parseKey(call.Argument(0), false, true))
	})
	cs.installSigning()
	cs.installKeyGen()
	cs.installRSACrypt()
}

func (cs *cryptoState) invalidProp(name string, v goja.Value) *goja.Object {
	r := "undefined"
	if v != nil && !goja.IsUndefined(v) {
		r = describeValue(v)
	}
	return cs.inv.nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "The property '"+name+"' is invalid. Received "+r)
}

// describeValue renders a value as util.inspect does in ERR_INVALID_ARG_VALUE.
func describeValue(v goja.Value) string {
	if goja.IsString(v) {
		return "'" + v.String() + "'"
	}
	return v.String()
}

func optString(o *goja.Object, name string) (string, goja.Value) {
	if o == nil {
		return "", nil
	}
	v := o.Get(name)
	if v == nil || goja.IsUndefined(v) {
		return "", v
	}
	return v.String(), v
}

// exportKey implements KeyObject.prototype.export for asymmetric keys.
func (cs *cryptoState) exportKey(k *keyData, optsV goja.Value) goja.Value {
	opts, ok := optsV.(*goja.Object)
	if !ok || goja.IsNull(optsV) {
		cs.argTypeError("options", "of type object", optsV)
	}
	return cs.encodeKey(k, opts, "options")
}

// encodeKey encodes k as opts ({format, type}) ask, for export and for
// generateKeyPair's encodings (prefix names the options in errors).
func (cs *cryptoState) encodeKey(k *keyData, opts *goja.Object, prefix string) goja.Value {
	inv := cs.inv
	format, formatV := optString(opts, "format")
	if format == "jwk" {
		return cs.jwkOf(k)
	}
	if format != "pem" && format != "der" {
		if formatV == nil || goja.IsUndefined(formatV) {
			format = "pem"
		} else {
			panic(cs.invalidProp(prefix+".format", formatV))
		}
	}
	typ, typeV := optString(opts, "type")
	if c, _ := optString(opts, "cipher"); c != "" {
		panic(inv.nodeError("Error", "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "Encrypted private keys are not supported in the reactor sandbox"))
	}
	var der []byte
	var pemType string
	var err error
	kt := k.asymmetricType()
	incompatible := func(enc, kind string) {
		panic(inv.nodeError("Error", "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS", "The selected key encoding "+enc+" can only be used for "+kind+" keys."))
	}
	if k.kind == "public" {
		switch typ {
		case "spki":
			der, err = x509.MarshalPKIXPublicKey(k.pub)
			pemType = "PUBLIC KEY"
		case "pkcs1":
			p, ok := k.pub.(*rsa.PublicKey)
			if !ok {
				incompatible("pkcs1", "RSA")
			}
			der, pemType = x509.MarshalPKCS1PublicKey(p), "RSA PUBLIC KEY"
		default:
			panic(cs.invalidProp(prefix+".type", typeV))
		}
	} else {
		switch typ {
		case "pkcs8":
			der, err = x509.MarshalPKCS8PrivateKey(k.priv)
			pemType = "PRIVATE KEY"
		case "pkcs1":
			p, ok := k.priv.(*rsa.PrivateKey)
			if !ok {
				incompatible("pkcs1", "RSA")
			}
			der, pemType = x509.MarshalPKCS1PrivateKey(p), "RSA PRIVATE KEY"
		case "sec1":
			p, ok := k.priv.(*ecdsa.PrivateKey)
			if !ok {
				incompatible("sec1", "EC")
			}
			der, err = x509.MarshalECPrivateKey(p)
			pemType = "EC PRIVATE KEY"
		default:
			panic(cs.invalidProp(prefix+".type", typeV))
		}
	}
	if err != nil {
		panic(inv.nodeError("Error", "ERR_CRYPTO_OPERATION_FAILED", "Failed to encode the "+kt+" key"))
	}
	if format == "der" {
		return inv.newBuffer(der)
	}
	return inv.rt.ToValue(string(pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der})))
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkOf exports k as a JWK, with Node's property order.
func (cs *cryptoState) jwkOf(k *keyData) goja.Value {
	rt := cs.inv.rt
	o := rt.NewObject()
	switch p := k.public().(type) {
	case *rsa.PublicKey:
		_ = o.Set("kty", "RSA")
		_ = o.Set("n", b64u(p.N.Bytes()))
		_ = o.Set("e", b64u(big.NewInt(int64(p.E)).Bytes()))
		if priv, ok := k.priv.(*rsa.PrivateKey); ok && len(priv.Primes) == 2 {
			priv.Precompute()
			_ = o.Set("d", b64u(priv.D.Bytes()))
			_ = o.Set("p", b64u(priv.Primes[0].Bytes()))
			_ = o.Set("q", b64u(priv.Primes[1].Bytes()))
			_ = o.Set("dp", b64u(priv.Precomputed.Dp.Bytes()))
			_ = o.Set("dq", b64u(priv.Precomputed.Dq.Bytes()))
			_ = o.Set("qi", b64u(priv.Precomputed.Qinv.Bytes()))
		}
	case *ecdsa.PublicKey:
		raw, err := p.Bytes()
		if err != nil {
			panic(cs.inv.nodeError("Error", "ERR_CRYPTO_OPERATION_FAILED", "Failed to encode the ec key"))
		}
		n := (len(raw) - 1) / 2
		_ = o.Set("kty", "EC")
		_ = o.Set("x", b64u(raw[1:1+n]))
		_ = o.Set("y", b64u(raw[1+n:]))
		_ = o.Set("crv", curveNames[p.Curve][1])
		if priv, ok := k.priv.(*ecdsa.PrivateKey); ok {
			d, err := priv.Bytes()
			if err != nil {
				panic(cs.inv.nodeError("Error", "ERR_CRYPTO_OPERATION_FAILED", "Failed to encode the ec key"))
			}
			_ = o.Set("d", b64u(d))
		}
	case ed25519.PublicKey:
		_ = o.Set("crv", "Ed25519")
		if priv, ok := k.priv.(ed25519.PrivateKey); ok {
			_ = o.Set("d", b64u(priv.Seed()))
		}
		_ = o.Set("x", b64u(p))
		_ = o.Set("kty", "OKP")
	}
	return o
}

// unsupportedKey is what OpenSSL says of key data it cannot decode.
func (cs *cryptoState) unsupportedKey() *goja.Object {
	return cs.inv.nodeError("Error", "ERR_OSSL_UNSUPPORTED", "error:1E08010C:DECODER routines::unsupported")
}

const wantKeyData = "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView"

// parseKey reads the argument of createPrivateKey or createPublicKey (or
// the key of sign, verify, publicEncrypt, ...): a PEM string or buffer, or
// {key, format, type, passphrase, encoding}. private asks for a private
// key; public accepts a private key too (its public half) and a
// certificate. A KeyObject is accepted where acceptObject says.
func (cs *cryptoState) parseKey(v goja.Value, private, public bool) *keyData {
	inv := cs.inv
	var opts *goja.Object
	data := v
	if o, ok := v.(*goja.Object); ok {
		if _, isBin := cs.binary(o); !isBin {
			if k := cs.keys[o]; k != nil {
				if !public {
					cs.argTypeError("key", wantKeyData, v)
				}
				if k.kind != "private" {
					panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", "Invalid key object type "+k.kind+", expected private."))
				}
				return &keyData{kind: "public", pub: k.priv.Public()}
			}
			opts = o
			data = o.Get("key")
			if data == nil {
				data = goja.Undefined()
			}
		}
	}
	format, formatV := optString(opts, "format")
	if format == "" {
		format = "pem"
	}
	if format == "jwk" {
		jwk, ok := data.(*goja.Object)
		if !ok {
			panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "key.key" property must be of type object. Received `+describe(data)))
		}
		return cs.parseJWK(jwk, private)
	}
	if format != "pem" && format != "der" {
		panic(cs.invalidProp("options.format", formatV))
	}
	if !goja.IsString(data) {
		if _, ok := cs.binary(data); !ok {
			if opts != nil {
				panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "key.key" property must be `+wantKeyData+". Received "+describe(data)))
			}
			cs.argTypeError("key", wantKeyData, data)
		}
	}
	var enc goja.Value = goja.Undefined()
	if opts != nil {
		if e := opts.Get("encoding"); e != nil {
			enc = e
		}
	}
	raw := cs.bytesArg(data, enc, "key", wantKeyData)
	passphrase, _ := optString(opts, "passphrase")
	var k *keyData
	if format == "der" {
		typ, typeV := optString(opts, "type")
		k = cs.parseDER(raw, typ, typeV, private)
	} else {
		k = cs.parsePEM(raw, private, passphrase != "")
	}
	if public && k.kind == "private" {
		return &keyData{kind: "public", pub: k.priv.Public()}
	}
	return k
}

func (cs *cryptoState) parsePEM(raw []byte, private, hasPassphrase bool) *keyData {
	block, _ := pem.Decode(raw)
	if block == nil {
		panic(cs.unsupportedKey())
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
		var epki struct {
			Algorithm pkix.AlgorithmIdentifier
			Data      []byte
		}
		if rest, err := asn1.Unmarshal(block.Bytes, &epki); block.Type == "ENCRYPTED PRIVATE KEY" && (err != nil || len(rest) != 0) {
			panic(cs.unsupportedKey())
		}
		if !hasPassphrase {
			panic(cs.inv.nodeError("Error", "ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED", "error:07880109:common libcrypto routines::interrupted or cancelled"))
		}
		panic(cs.inv.nodeError("Error", "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "Encrypted private keys are not supported in the reactor sandbox"))
	}
	typ := map[string]string{"PRIVATE KEY": "pkcs8", "RSA PRIVATE KEY": "pkcs1", "EC PRIVATE KEY": "sec1",
		"PUBLIC KEY": "spki", "RSA PUBLIC KEY": "pkcs1-public", "CERTIFICATE": "certificate"}[block.Type]
	if typ == "" || private && (typ == "spki" || typ == "pkcs1-public" || typ == "certificate") {
		panic(cs.unsupportedKey())
	}
	return cs.decodeDER(block.Bytes, typ)
}

func (cs *cryptoState) parseDER(raw []byte, typ string, typeV goja.Value, private bool) *keyData {
	switch typ {
	case "pkcs8", "sec1":
	case "pkcs1":
		if !private {
			// A public pkcs1 key, or a private one whose public half is asked for.
			if k := cs.tryDER(raw, "pkcs1-public"); k != nil {
				return k
			}
		}
	case "spki":
		if private {
			panic(cs.invalidProp("options.type", typeV))
		}
	default:
		panic(cs.invalidProp("options.type", typeV))
	}
	return cs.decodeDER(raw, typ)
}

func (cs *cryptoState) tryDER(der []byte, typ string) (k *keyData) {
	defer func() {
		if recover() != nil {
			k = nil
		}
	}()
	return cs.decodeDER(der, typ)
}

// maxRSABitsIn bounds the RSA keys the module accepts, as OpenSSL's
// OPENSSL_RSA_MAX_MODULUS_BITS does: Go would validate and use a key of
// any size, and an operation on a huge one runs for minutes in one call.
// maxPrivateDER bounds private key data before it is parsed (and so
// validated): a 16384-bit RSA key in PKCS#8 takes under 10 KiB.
const (
	maxRSABitsIn  = 16384
	maxPrivateDER = 12 << 10
)

// decodeDER parses DER of one type (pkcs8, pkcs1, sec1, spki,
// pkcs1-public, certificate), keeping only the key types the module knows.
func (cs *cryptoState) decodeDER(der []byte, typ string) *keyData {
	if (typ == "pkcs8" || typ == "pkcs1" || typ == "sec1") && len(der) > maxPrivateDER {
		panic(cs.unsupportedKey())
	}
	var key any
	var err error
	switch typ {
	case "pkcs8":
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "pkcs1":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "sec1":
		key, err = x509.ParseECPrivateKey(der)
	case "spki":
		key, err = x509.ParsePKIXPublicKey(der)
	case "pkcs1-public":
		key, err = x509.ParsePKCS1PublicKey(der)
	case "certificate":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(der); err == nil {
			key = c.PublicKey
		}
	}
	if err != nil {
		panic(cs.unsupportedKey())
	}
	if p, ok := key.(*rsa.PublicKey); ok && p.N.BitLen() > maxRSABitsIn {
		panic(cs.unsupportedKey())
	}
	switch key := key.(type) {
	case *rsa.PrivateKey:
		if key.N.BitLen() > maxRSABitsIn {
			panic(cs.unsupportedKey())
		}
		return &keyData{kind: "private", priv: key}
	case *ecdsa.PrivateKey:
		if _, ok := curveNames[key.Curve]; ok {
			return &keyData{kind: "private", priv: key}
		}
	case ed25519.PrivateKey:
		return &keyData{kind: "private", priv: key}
	case *rsa.PublicKey, ed25519.PublicKey:
		return &keyData{kind: "public", pub: key}
	case *ecdsa.PublicKey:
		if _, ok := curveNames[key.Curve]; ok {
			return &keyData{kind: "public", pub: key}
		}
	}
	panic(cs.unsupportedKey())
}

// parseJWK imports an RSA, EC or OKP (Ed25519) JWK.
func (cs *cryptoState) parseJWK(jwk *goja.Object, private bool) *keyData {
	inv := cs.inv
	field := func(name string, required bool) []byte {
		v := jwk.Get(name)
		if v == nil || goja.IsUndefined(v) {
			if !required {
				return nil
			}
		}
		if v == nil || !goja.IsString(v) {
			panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "key.`+name+`" property must be of type string. Received `+describe(v)))
		}
		b, err := base64Std(v.String())
		if err != nil {
			panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_JWK", "Invalid JWK data"))
		}
		return b
	}
	invalid := func() *goja.Object {
		return inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_JWK", "Invalid JWK "+"data")
	}
	kty, ktyV := optString(jwk, "kty")
	hasD := jwk.Get("d") != nil && !goja.IsUndefined(jwk.Get("d"))
	switch kty {
	case "RSA":
		n, e := field("n", true), field("e", true)
		if len(e) > 4 || len(n) == 0 || len(n) > maxRSABitsIn/8 {
			panic(invalid())
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if !private {
			return &keyData{kind: "public", pub: pub}
		}
		d, p, q := field("d", true), field("p", true), field("q", true)
		if len(d) > len(n) || len(p) > len(n) || len(q) > len(n) {
			panic(invalid())
		}
		key := &rsa.PrivateKey{PublicKey: *pub, D: new(big.Int).SetBytes(d), Primes: []*big.Int{new(big.Int).SetBytes(p), new(big.Int).SetBytes(q)}}
		if key.Validate() != nil {
			panic(invalid())
		}
		key.Precompute()
		return &keyData{kind: "private", priv: key}
	case "EC":
		crv, crvV := optString(jwk, "crv")
		if crvV == nil || !goja.IsString(crvV) {
			panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "key.crv" property must be of type string. Received `+describe(crvV)))
		}
		curve := curveByName(crv)
		if curve == nil || !strings.HasPrefix(crv, "P-") {
			panic(inv.nodeError("TypeError", "ERR_CRYPTO_INVALID_CURVE", "Invalid EC curve name"))
		}
		x, y := field("x", true), field("y", true)
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			panic(invalid())
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			panic(invalid())
		}
		if !private {
			return &keyData{kind: "public", pub: pub}
		}
		priv, err := ecdsa.ParseRawPrivateKey(curve, field("d", true))
		if err != nil || !priv.PublicKey.Equal(pub) {
			panic(invalid())
		}
		return &keyData{kind: "private", priv: priv}
	case "OKP":
		crv, _ := optString(jwk, "crv")
		if crv != "Ed25519" {
			panic(invalid())
		}
		x := field("x", true)
		if len(x) != ed25519.PublicKeySize {
			panic(invalid())
		}
		if !private {
			return &keyData{kind: "public", pub: ed25519.PublicKey(x)}
		}
		if !hasD {
			panic(invalid())
		}
		seed := field("d", true)
		if len(seed) != ed25519.SeedSize {
			panic(invalid())
		}
		priv := ed25519.NewKeyFromSeed(seed)
		if !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(x)) {
			panic(invalid())
		}
		return &keyData{kind: "private", priv: priv}
	}
	if ktyV == nil || !goja.IsString(ktyV) {
		panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "key.kty" property must be of type string. Received `+describe(ktyV)))
	}
	panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "The property 'key.kty' must be one of: 'RSA', 'EC', 'OKP'. Received '"+kty+"'"))
}
