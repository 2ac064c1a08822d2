package vault_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
)

// The reactor benchmarks. Compare:
//
//   - BenchmarkReactWarm with BenchmarkReactBareGoja: the cost of the vault
//     and the sandbox (principal, one store read, configuration opened, args
//     parsed for references, fresh isolated runtime, result encoded) over a
//     bare pooled goja runtime;
//   - BenchmarkReactWarmIsolated with BenchmarkReactWarm: worker processes
//     (the default) against running in this process;
//   - BenchmarkReactCold with BenchmarkReactWarm: compiling the code;
//   - BenchmarkReactParallel with BenchmarkReactWarm: throughput with 64
//     callers (ns/op is wall time per React), and
//     BenchmarkReactBareGojaParallel with BenchmarkReactBareGoja: the same
//     ratio for bare goja, the most the machine allows;
//   - BenchmarkReactDetokenize10 with BenchmarkReactWarm: ten detokenized
//     args;
//   - BenchmarkReactWarmBigCode with BenchmarkReactWarm: a reactor of 40 KB
//     of code (a table of 800 entries, built on every call), whose code
//     stays in the store while its program is cached.

const benchReactorCode = `module.exports = async function (req) { return { raw: { echo: req.args.x } } }`

var benchArgs = map[string]any{"x": 1}

// benchReactor opens a vault whose reactors run in this process (the
// comparisons with bare goja measure the in-process sandbox; a later
// WithReactorIsolation option overrides it) and creates the bench reactor.
func benchReactor(b *testing.B, opts ...vault.Option) (*vault.Vault, string) {
	b.Helper()
	v := openTestVault(b, append([]vault.Option{vault.WithReactorIsolation(sandbox.Isolation{InProcess: true})}, opts...)...)
	r, err := v.CreateReactor(context.Background(), vault.CreateReactorRequest{Name: "bench", Code: benchReactorCode,
		Configuration: map[string]string{"API_KEY": "key_bench"}})
	if err != nil {
		b.Fatal(err)
	}
	return v, r.ID
}

// loopReact reacts once to warm the caches, then in the benchmark loop.
func loopReact(b *testing.B, v *vault.Vault, id string, args any) {
	mustReact(b, v, id, args)
	b.ReportAllocs()
	for b.Loop() {
		mustReact(b, v, id, args)
	}
}

func mustReact(b *testing.B, v *vault.Vault, id string, args any) {
	if _, err := v.React(context.Background(), id, vault.ReactRequest{Args: args}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReactWarm is React of a trivial reactor whose code is compiled
// and cached.
func BenchmarkReactWarm(b *testing.B) {
	v, id := benchReactor(b)
	loopReact(b, v, id, benchArgs)
}

// BenchmarkReactWarmIsolated is BenchmarkReactWarm in worker processes,
// the default: the same call plus a pipe round trip to a warm worker.
func BenchmarkReactWarmIsolated(b *testing.B) {
	v, id := benchReactor(b, vault.WithReactorIsolation(sandbox.Isolation{}))
	loopReact(b, v, id, benchArgs)
}

// BenchmarkReactBareGoja is the floor: the same compiled module run and
// called on a pooled bare goja runtime, with no isolation, limits, vault or
// result encoding.
func BenchmarkReactBareGoja(b *testing.B) {
	prog := bareProgram()
	pool := sync.Pool{New: func() any { return goja.New() }}
	b.ReportAllocs()
	for b.Loop() {
		rt := pool.Get().(*goja.Runtime)
		bareReact(b, rt, prog)
		pool.Put(rt)
	}
}

// BenchmarkReactBareGojaParallel is BenchmarkReactBareGoja from 64
// goroutines, each with a runtime of its own: how the floor itself scales
// on this machine. Compare its ratio to BenchmarkReactBareGoja with that of
// BenchmarkReactParallel to BenchmarkReactWarm.
func BenchmarkReactBareGojaParallel(b *testing.B) {
	prog := bareProgram()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rt := goja.New()
		for pb.Next() {
			bareReact(b, rt, prog)
		}
	})
}

func bareProgram() *goja.Program {
	return goja.MustCompile("reactor.js", "(function (exports, require, module) {"+benchReactorCode+"\n})", false)
}

// bareReact runs the module and calls its handler as the sandbox does, on a
// runtime with nothing added.
func bareReact(b *testing.B, rt *goja.Runtime, prog *goja.Program) {
	w, err := rt.RunProgram(prog)
	if err != nil {
		b.Error(err)
		return
	}
	fn, _ := goja.AssertFunction(w)
	module := rt.NewObject()
	_ = module.Set("exports", rt.NewObject())
	if _, err := fn(nil, nil, nil, module); err != nil {
		b.Error(err)
		return
	}
	handler, _ := goja.AssertFunction(module.Get("exports"))
	req, args := rt.NewObject(), rt.NewObject()
	_ = args.Set("x", 1)
	_ = req.Set("args", args)
	v, err := handler(goja.Undefined(), req)
	if err != nil {
		b.Error(err)
		return
	}
	_ = v.Export().(*goja.Promise).Result().ToObject(rt).Get("raw")
}

// BenchmarkReactCold is React of code not in the compile cache: two
// reactors alternate with a cache of one program, so every call compiles.
func BenchmarkReactCold(b *testing.B) {
	v, id := benchReactor(b, vault.WithReactorCacheSizeForTest(1))
	other, err := v.CreateReactor(context.Background(), vault.CreateReactorRequest{Name: "other", Code: benchReactorCode + "\n// other"})
	if err != nil {
		b.Fatal(err)
	}
	ids := []string{id, other.ID}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n++
		mustReact(b, v, ids[n%2], benchArgs)
	}
}

// BenchmarkReactParallel is BenchmarkReactWarm from 64 goroutines.
func BenchmarkReactParallel(b *testing.B) {
	v, id := benchReactor(b)
	mustReact(b, v, id, benchArgs)
	var failed atomic.Bool
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.React(context.Background(), id, vault.ReactRequest{Args: benchArgs}); err != nil {
				failed.Store(true)
			}
		}
	})
	if failed.Load() {
		b.Fatal("a React failed")
	}
}

// BenchmarkReactDetokenize10 is React with ten token references in its
// args, each detokenized.
func BenchmarkReactDetokenize10(b *testing.B) {
	v, id := benchReactor(b)
	args := map[string]any{"x": 1}
	for i := range 10 {
		tok, err := v.CreateToken(context.Background(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: fmt.Sprintf("secret value %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		args[fmt.Sprintf("t%d", i)] = "{{ " + tok.ID + " }}"
	}
	loopReact(b, v, id, args)
}

// BenchmarkReactWarmBigCode is BenchmarkReactWarm with 40 KB of code.
func BenchmarkReactWarmBigCode(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("const table = {\n")
	for i := 0; sb.Len() < 40_000; i++ {
		fmt.Fprintf(&sb, "  key%d: \"value with \\\"quotes\\\" and some text\",\n", i)
	}
	sb.WriteString("};\n" + benchReactorCode)
	v := openTestVault(b)
	r, err := v.CreateReactor(context.Background(), vault.CreateReactorRequest{Name: "big", Code: sb.String()})
	if err != nil {
		b.Fatal(err)
	}
	loopReact(b, v, r.ID, benchArgs)
}

// BenchmarkReactWithApplication is BenchmarkReactWarm for a reactor with an
// application, whose req.bt the code does not use.
func BenchmarkReactWithApplication(b *testing.B) {
	v := openTestVault(b)
	app, err := v.CreateApplication(context.Background(), vault.CreateApplicationRequest{Name: "bench", Type: vault.AppPrivate,
		Permissions: []string{vault.PermTokenRead}})
	if err != nil {
		b.Fatal(err)
	}
	r, err := v.CreateReactor(context.Background(), vault.CreateReactorRequest{Name: "bench", Code: benchReactorCode,
		Application: &vault.ReactorApplication{ID: app.ID}})
	if err != nil {
		b.Fatal(err)
	}
	loopReact(b, v, r.ID, benchArgs)
}
