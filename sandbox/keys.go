package sandbox

import (
	"crypto"
	"crypto/subtle"
	"encoding/base64"

	"github.com/dop251/goja"
)

// keyData is the Go half of a KeyObject: the reactor sees only the
// JavaScript object, and the module finds the key by it.
type keyData struct {
	kind   string // secret, public, private
	secret []byte
	pub    crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey
	priv   crypto.Signer    // *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey
}

// installKeys adds KeyObject (with its subclasses), createSecretKey and, in
// sign.go, the asymmetric keys.
func (cs *cryptoState) installKeys() {
	inv, rt := cs.inv, cs.inv.rt
	class := func(name string, parent *goja.Object) (*goja.Object, *goja.Object) {
		proto := rt.NewObject()
		if parent != nil {
			_ = proto.SetPrototype(parent)
		}
		ctor := rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
			panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_TYPE", `The "handle" argument must be of type object. Received `+describe(call.Argument(1))))
		}).(*goja.Object)
		_ = ctor.DefineDataProperty("name", rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		_ = ctor.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		_ = proto.DefineDataProperty("constructor", ctor, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		return ctor, proto
	}
	this := func(call goja.FunctionCall, kind string) *keyData {
		o, _ := call.This.(*goja.Object)
		k := cs.keys[o]
		if k == nil || (kind != "" && k.kind != kind && !(kind == "asymmetric" && k.kind != "secret")) {
			panic(inv.nodeError("TypeError", "ERR_INVALID_THIS", `Value of "this" must be of type KeyObject`))
		}
		return k
	}
	getter := func(proto *goja.Object, name, kind string, f func(k *keyData) goja.Value) {
		g := inv.function("get "+name, 0, func(call goja.FunctionCall) goja.Value { return f(this(call, kind)) })
		_ = proto.DefineAccessorProperty(name, g, nil, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	method := func(proto *goja.Object, name, kind string, length int, f func(k *keyData, call goja.FunctionCall) goja.Value) {
		fn := inv.function(name, length, func(call goja.FunctionCall) goja.Value { return f(this(call, kind), call) })
		_ = proto.DefineDataProperty(name, fn, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
	keyObject, base := class("KeyObject", nil)
	getter(base, "type", "", func(k *keyData) goja.Value { return rt.ToValue(k.kind) })
	method(base, "equals", "", 1, func(k *keyData, call goja.FunctionCall) goja.Value {
		o, _ := call.Argument(0).(*goja.Object)
		other := cs.keys[o]
		if other == nil {
			cs.argTypeError("otherKeyObject", "an instance of KeyObject", call.Argument(0))
		}
		return rt.ToValue(k.equal(other))
	})
	_, secret := class("SecretKeyObject", base)
	getter(secret, "symmetricKeySize", "secret", func(k *keyData) goja.Value { return rt.ToValue(len(k.secret)) })
	method(secret, "export", "secret", 1, func(k *keyData, call goja.FunctionCall) goja.Value {
		format := "buffer"
		if opts, ok := call.Argument(0).(*goja.Object); ok {
			if f := opts.Get("format"); f != nil && !goja.IsUndefined(f) {
				format = f.String()
			}
		}
		switch format {
		case "buffer":
			return inv.newBuffer(append([]byte(nil), k.secret...))
		case "jwk":
			jwk := rt.NewObject()
			_ = jwk.Set("kty", "oct")
			_ = jwk.Set("k", base64.RawURLEncoding.EncodeToString(k.secret))
			return jwk
		}
		panic(inv.nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "The property 'options.format' must be one of: undefined, 'buffer', 'jwk'. Received '"+format+"'"))
	})
	cs.secretProto = secret
	_ = cs.m.Set("KeyObject", keyObject)
	inv.setFunc(cs.m, "createSecretKey", 2, func(call goja.FunctionCall) goja.Value {
		b := cs.bytesArg(call.Argument(0), call.Argument(1), "key", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView")
		return cs.newKey(&keyData{kind: "secret", secret: b})
	})
	cs.installAsymmetricKeys(base, class, getter, method)
}

// newKey makes the KeyObject of k.
func (cs *cryptoState) newKey(k *keyData) *goja.Object {
	o := cs.inv.rt.NewObject()
	switch k.kind {
	case "secret":
		_ = o.SetPrototype(cs.secretProto)
	case "public":
		_ = o.SetPrototype(cs.publicProto)
	default:
		_ = o.SetPrototype(cs.privateProto)
	}
	cs.keys[o] = k
	return o
}

func (k *keyData) equal(o *keyData) bool {
	if k.kind != o.kind {
		return false
	}
	switch k.kind {
	case "secret":
		return len(k.secret) == len(o.secret) && subtle.ConstantTimeCompare(k.secret, o.secret) == 1
	case "public":
		e, ok := k.pub.(interface{ Equal(crypto.PublicKey) bool })
		return ok && e.Equal(o.pub)
	}
	e, ok := k.priv.(interface{ Equal(crypto.PrivateKey) bool })
	return ok && e.Equal(o.priv)
}
