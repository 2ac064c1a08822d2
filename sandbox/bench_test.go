package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"

	"github.com/tokenvault/vault/sandbox"
)

const trivialReactor = `module.exports = async function (req) { return { raw: { echo: req.args.x } } }`

var trivialArgs = json.RawMessage(`{"x":1}`)

// BenchmarkRunWarm is Run of a cached program: a fresh runtime per call,
// globals and guards set up, args parsed, the promise awaited, raw encoded.
func BenchmarkRunWarm(b *testing.B) {
	s, err := sandbox.New()
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.Compile(trivialReactor)
	if err != nil {
		b.Fatal(err)
	}
	req := sandbox.Request{Args: trivialArgs}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(ctx, p, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareRuntime is the floor Run is compared with: the same compiled
// module evaluated and called on one reused goja runtime, with no isolation,
// limits, guards or result encoding.
func BenchmarkBareRuntime(b *testing.B) {
	rt := goja.New()
	prog := goja.MustCompile("reactor.js", "(function (exports, require, module) {"+trivialReactor+"\n})", false)
	b.ReportAllocs()
	for b.Loop() {
		w, err := rt.RunProgram(prog)
		if err != nil {
			b.Fatal(err)
		}
		fn, _ := goja.AssertFunction(w)
		module := rt.NewObject()
		_ = module.Set("exports", rt.NewObject())
		if _, err := fn(nil, nil, nil, module); err != nil {
			b.Fatal(err)
		}
		handler, _ := goja.AssertFunction(module.Get("exports"))
		req := rt.NewObject()
		args := rt.NewObject()
		_ = args.Set("x", 1)
		_ = req.Set("args", args)
		v, err := handler(goja.Undefined(), req)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.Export().(*goja.Promise).Result().ToObject(rt).Get("raw")
	}
}

// BenchmarkRunCold compiles new code (a cache miss) before each Run.
func BenchmarkRunCold(b *testing.B) {
	s, err := sandbox.New()
	if err != nil {
		b.Fatal(err)
	}
	req := sandbox.Request{Args: trivialArgs}
	ctx := context.Background()
	var n int
	b.ReportAllocs()
	for b.Loop() {
		n++
		p, err := s.Compile(fmt.Sprintf("%s\n// %d", trivialReactor, n))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Run(ctx, p, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunParallel runs the warm reactor from 64 goroutines; compare
// its ns/op (wall time per Run) with BenchmarkRunWarm's.
func BenchmarkRunParallel(b *testing.B) {
	s, err := sandbox.New()
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.Compile(trivialReactor)
	if err != nil {
		b.Fatal(err)
	}
	req := sandbox.Request{Args: trivialArgs}
	var failed atomic.Bool
	b.SetParallelism(64 / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Run(context.Background(), p, req); err != nil {
				failed.Store(true)
			}
		}
	})
	if failed.Load() {
		b.Fatal("a Run failed")
	}
}

// BenchmarkRunTypical is a reactor that does some work: it requires the SDK
// and crypto, hashes, builds a result and logs.
func BenchmarkRunTypical(b *testing.B) {
	s, err := sandbox.New()
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.Compile(`const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
const crypto = require('crypto');
module.exports = async function ({ args, configuration }) {
  if (!args.card) throw new BadRequestError('card is required');
  const fingerprint = crypto.createHmac('sha256', configuration.KEY).update(args.card.number).digest('hex');
  console.log('fingerprinted', args.card.number.slice(-4));
  return { raw: { fingerprint, brand: args.card.number.startsWith('4') ? 'visa' : 'other', items: args.items.map((i) => i * 2) } };
};`)
	if err != nil {
		b.Fatal(err)
	}
	req := sandbox.Request{Args: json.RawMessage(`{"card":{"number":"4242424242424242","expiration_month":12},"items":[1,2,3,4,5]}`),
		Configuration: map[string]string{"KEY": "secret"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(context.Background(), p, req); err != nil {
			b.Fatal(err)
		}
	}
}
