package sandbox

import "github.com/dop251/goja"

// The Go half of lib/stream.js: the bounds of a stream's queue, which a
// reactor pushing or writing without reading reaches instead of the host's
// memory.
func init() {
	jsNatives["stream"] = func(inv *invocation) *goja.Object {
		o := inv.rt.NewObject()
		_ = o.Set("maxBuffer", inv.limits.MaxBufferSize)
		_ = o.Set("maxChunks", inv.limits.MaxArrayLength)
		return o
	}
}

// streamPromises is require('stream/promises'): the promises of the
// invocation's stream module.
func streamPromises(inv *invocation) goja.Value {
	req, _ := goja.AssertFunction(inv.requireFunc())
	s, err := req(goja.Undefined(), inv.rt.ToValue("stream"))
	if err != nil {
		panic(err)
	}
	return s.ToObject(inv.rt).Get("promises")
}
