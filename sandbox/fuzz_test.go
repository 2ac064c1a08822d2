package sandbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenvault/vault/sandbox"
)

// FuzzRun feeds arbitrary code to Compile and Run: the host must never
// panic, and every failure must be one of the package's typed errors.
func FuzzRun(f *testing.F) {
	for _, seed := range []string{
		`module.exports = async (req) => ({ raw: req.args })`,
		`module.exports = function () { return { raw: [1, 'a', null] } }`,
		`module.exports = async () => { throw new Error('x') }`,
		`const sdk = require('@basis-theory/basis-theory-reactor-formulas-sdk-js'); module.exports = () => { throw new sdk.BadRequestError({ a: [1] }) }`,
		`module.exports = async () => { while (true) {} }`,
		`module.exports = () => new Promise(() => {})`,
		`module.exports = async () => ({ raw: new Array(1e9).fill(0) })`,
		`module.exports = () => { const f = () => f(); f() }`,
		`}); (function () {`,
		`module.exports = 1`,
		`throw null`,
		`module.exports = async () => { setTimeout(() => { throw 1 }, 0); await new Promise((r) => setTimeout(r, 5)) }`,
		`module.exports = async () => ({ raw: Buffer.from('eA==', 'base64').toString() + require('crypto').randomUUID() })`,
		"`",
		"module.exports = async () => { Promise.reject(); return { raw: 1 } }",
	} {
		f.Add(seed)
	}
	s, err := sandbox.New(sandbox.WithLimits(sandbox.Limits{Timeout: 100 * time.Millisecond, MemoryBudget: 64 << 20}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		p, err := s.Compile(code)
		if err != nil {
			var ce *sandbox.CompileError
			if !errors.As(err, &ce) && !errors.Is(err, sandbox.ErrCodeSize) {
				t.Fatalf("untyped compile error %T: %v", err, err)
			}
			return
		}
		_, err = s.Run(context.Background(), p, sandbox.Request{Args: []byte(`{"a":1}`)})
		var re *sandbox.ReactorError
		var le *sandbox.LimitError
		if err != nil && !errors.As(err, &re) && !errors.As(err, &le) {
			t.Fatalf("untyped run error %T: %v", err, err)
		}
	})
}
