package sandbox

import "github.com/dop251/goja"

// The Go half of lib/webcrypto.js is a crypto module of its own.
var _ = registerNatives("webcrypto", func(inv *invocation) *goja.Object { return inv.cryptoModule().(*goja.Object) })

// installWebCrypto adds crypto.webcrypto, crypto.subtle and
// crypto.getRandomValues, made on first use by lib/webcrypto.js over this
// module (globalThis.crypto is the same webcrypto).
func (cs *cryptoState) installWebCrypto() {
	inv, rt := cs.inv, cs.inv.rt
	var web *goja.Object
	load := func() *goja.Object {
		if web == nil {
			web = jsModule("webcrypto")(inv).ToObject(rt)
		}
		return web
	}
	for _, name := range []string{"webcrypto", "subtle"} {
		get := inv.function("get "+name, 0, func(goja.FunctionCall) goja.Value { return load().Get(name) })
		set := inv.function("set "+name, 1, func(call goja.FunctionCall) goja.Value {
			// Assigning replaces the accessor by a data property, as for any export.
			_ = cs.m.DefineDataProperty(name, call.Argument(0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
			return goja.Undefined()
		})
		_ = cs.m.DefineAccessorProperty(name, get, set, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	inv.setFunc(cs.m, "getRandomValues", 1, func(call goja.FunctionCall) goja.Value {
		w := load().Get("webcrypto").ToObject(rt)
		f, _ := goja.AssertFunction(w.Get("getRandomValues"))
		v, err := f(w, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	})
}

// webCryptoGlobal is globalThis.crypto: the crypto module's webcrypto.
func (inv *invocation) webCryptoGlobal() goja.Value {
	req, _ := goja.AssertFunction(inv.requireFunc())
	m, err := req(goja.Undefined(), inv.rt.ToValue("crypto"))
	if err != nil {
		panic(err)
	}
	return m.ToObject(inv.rt).Get("webcrypto")
}
