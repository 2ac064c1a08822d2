package expr

import (
	"fmt"
	"testing"
)

func cardVars() map[string]any {
	return map[string]any{"data": mustJSON(`{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}`)}
}

// BenchmarkCardMask renders the default card mask (three leaves).
func BenchmarkCardMask(b *testing.B) {
	vars := cardVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EvalJSON(defaultCardMask, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCardMaskParallel(b *testing.B) {
	vars := cardVars()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := EvalJSON(defaultCardMask, vars); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSSNSearchIndexes renders the three default search indexes of a
// social security number, as token creation does.
func BenchmarkSSNSearchIndexes(b *testing.B) {
	vars := map[string]any{"data": "123-45-6789"}
	srcs := []string{"{{ data }}", "{{ data | replace: '-' }}", "{{ data | last4 }}"}
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			t, err := Compile(src)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := t.EvalString(vars); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFingerprint renders fingerprint expressions: the bank default
// (text around two objects) and the token default (stringify of an object).
func BenchmarkFingerprint(b *testing.B) {
	for name, c := range map[string]struct {
		src  string
		data any
	}{
		"bank":  {"{{ data.account_number }}|{{ data.routing_number }}", mustJSON(`{"routing_number": "110000000", "account_number": "000123456789"}`)},
		"token": {"{{ data | stringify }}", mustJSON(`{"first_name": "John", "last_name": "Doe", "ssn": "123-45-6789"}`)},
		"hmac":  {"{{ data | hmac: 'sha-256', 'key' | to_base16 }}", "4242424242424242"},
	} {
		b.Run(name, func(b *testing.B) {
			vars := map[string]any{"data": c.data, "metadata": map[string]any{}}
			b.ReportAllocs()
			for b.Loop() {
				t, err := Compile(c.src)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := t.EvalString(vars); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSimple renders a cached single-variable-plus-filter template,
// with the fast path and with the Liquid engine's evaluator.
func BenchmarkSimple(b *testing.B) {
	const src = "{{ data.number | reveal_last: 4 }}"
	vars := cardVars()
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			t, err := Compile(src)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := t.EvalString(vars); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast-string-data", func(b *testing.B) {
		t, err := Compile("{{ data | reveal_last: 4 }}")
		if err != nil {
			b.Fatal(err)
		}
		vars := map[string]any{"data": "4242424242424242"}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := t.EvalString(vars); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		t, err := Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		slow := *t.single
		slow.fast = nil
		t.single = &slow
		b.ReportAllocs()
		for b.Loop() {
			if _, err := t.EvalString(vars); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(src); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDocument10Refs parses and renders a reactor-arguments document
// with ten references, as one request does.
func BenchmarkDocument10Refs(b *testing.B) {
	doc := map[string]any{}
	values := map[Ref]any{}
	for i := range 10 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		values[Ref{RefData, id}] = mustJSON(`{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}`)
		doc[fmt.Sprintf("arg%d", i)] = map[string]any{
			"number": "{{ " + id + " | json: '$.number' }}",
			"plain":  "no template",
		}
	}
	lookup := func(r Ref) (any, bool) { v, ok := values[r]; return v, ok }
	b.ReportAllocs()
	for b.Loop() {
		d, err := ParseDocument(doc)
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Refs()) != 10 {
			b.Fatal("refs")
		}
		if _, err := d.Render(lookup); err != nil {
			b.Fatal(err)
		}
	}
}
