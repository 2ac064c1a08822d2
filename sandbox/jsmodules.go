package sandbox

import (
	"embed"
	"path"
	"strings"
	"sync"

	"github.com/dop251/goja"
)

// Modules written in JavaScript live in lib/<name>.js. Each file is one
// function expression,
//
//	(function (exports, require, module, natives) { ... })
//
// compiled once per process, when a reactor first requires it (a process
// that never needs stream never compiles its 2,000 lines: every worker
// process starts without that cost), and run in a runtime only when a
// reactor of that runtime requires it. require is
// the reactor's own, so a module can build on another (stream on events);
// natives is the Go half of the module, if it has one (see jsNatives), or
// undefined.
//
//go:embed lib/*.js
var libFS embed.FS

// libPrograms maps a lib module's name to its program, compiled on first
// use.
var libPrograms = map[string]func() *goja.Program{}

// jsNatives maps a lib module's name to the function making its Go half.
var jsNatives = map[string]func(*invocation) *goja.Object{}

func init() {
	entries, err := libFS.ReadDir("lib")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		src, err := libFS.ReadFile("lib/" + e.Name())
		if err != nil {
			panic(err)
		}
		name := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		libPrograms[name] = sync.OnceValue(func() *goja.Program { return goja.MustCompile("node:"+name, string(src), true) })
	}
}

// jsModule returns the loader of lib/<name>.js for the modules table.
func jsModule(name string) func(*invocation) goja.Value {
	prog, ok := libPrograms[name]
	if !ok {
		panic("sandbox: no lib/" + name + ".js")
	}
	return func(inv *invocation) goja.Value {
		rt := inv.rt
		f, err := rt.RunProgram(prog())
		if err != nil {
			panic(err)
		}
		fn, _ := goja.AssertFunction(f)
		module := rt.NewObject()
		exports := rt.NewObject()
		_ = module.Set("exports", exports)
		var natives goja.Value = goja.Undefined()
		if mk := jsNatives[name]; mk != nil {
			natives = mk(inv)
		}
		if _, err := fn(goja.Undefined(), exports, inv.requireFunc(), module, natives); err != nil {
			panic(err)
		}
		return module.Get("exports")
	}
}
