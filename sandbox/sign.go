package sandbox

import "github.com/dop251/goja"

type (
	keyClassFn  func(name string, parent *goja.Object) (ctor, proto *goja.Object)
	keyGetterFn func(proto *goja.Object, name, kind string, f func(k *keyData) goja.Value)
	keyMethodFn func(proto *goja.Object, name, kind string, length int, f func(k *keyData, call goja.FunctionCall) goja.Value)
)

// installAsymmetricKeys adds the public and private key objects.
func (cs *cryptoState) installAsymmetricKeys(base *goja.Object, class keyClassFn, getter keyGetterFn, method keyMethodFn) {
	_, asym := class("AsymmetricKeyObject", base)
	_, cs.publicProto = class("PublicKeyObject", asym)
	_, cs.privateProto = class("PrivateKeyObject", asym)
}
