package jsonv

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The benchmarks run every function on every input, named
// in=INPUT/impl=IMPL so that benchstat can set implementations side by
// side:
//
//	go test -run '^$' -bench . -count 6 ./internal/jsonv > bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl bench.txt
//
// impl=hand and impl=jsontext are Fields and its jsontext twin, which must
// stay 1.5 times apart on in=card for the hand code to be kept (see the
// package doc). Decode, String, Walk and Check are on jsontext (the
// hand-written code they replaced is gone: its figures are in the package
// doc), so they run as impl=jsontext alone; Decode also runs encoding/json
// (impl=encoding-json), which it mirrors.

// benchInput is a realistic document, with the keys Fields looks up in it
// and a JSON string of the same kind for String.
type benchInput struct {
	name string
	doc  []byte
	keys []string
	str  []byte // nil: not a String input
}

var benchInputs = []benchInput{
	{
		// A card token's data: decoded on every token read, the hot path.
		name: "card",
		doc:  []byte(corpus[0]),
		keys: []string{"number", "expiration_month", "expiration_year"}, // as cardDetails
		str:  []byte(`"4242424242424242"`),
	},
	{
		name: "bank",
		doc: []byte(`{"routing_number":"110000000","account_number":"000123456789","account_holder_name":"Jane Q. Doe",` +
			`"account_type":"checking","ssn":"123-45-6789","date_of_birth":"1990-01-31",` +
			`"address":{"line1":"123 Main St","line2":null,"city":"Springfield","postal_code":"62701","country":"US"}}`),
		keys: []string{"routing_number", "account_number"}, // as bankDetails
		str:  []byte(`"Jane Q. Doe"`),
	},
	{name: "4KiB", doc: nestedDoc(4 << 10), keys: []string{"id", "checksum"}},
	{name: "64KiB", doc: nestedDoc(64 << 10), keys: []string{"id", "checksum"}},
	{
		name: "escapes",
		doc:  escapesDoc(),
		keys: []string{"title", "checksum"},
		str:  []byte(`"` + strings.Repeat(escapedText, 16) + `"`),
	},
}

// escapedText is a run of a string with escapes, escaped and raw non-ASCII
// text, and a surrogate pair.
const escapedText = `Gr\u00fc\u00dfe \"aus\" K\u00f6ln\n\tTokyo \u6771\u4eac \ud83d\ude00 path C:\\tmp\/x \u00e9t\u00e9 Grüße 東京 😀 `

// nestedDoc is an object of about size bytes: an id, a list of records
// nested three to four deep (strings, numbers, literals), and a last key.
func nestedDoc(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"doc_7f3a9c","version":3,"owner":{"tenant":"acme","user":"u_42"},"items":[`)
	for i := 0; b.Len() < size-64; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"itm_%05d","name":"Item number %d","price":%d.%02d,"qty":%d,"tags":["red","size-%d"],`+
			`"active":%t,"discount":null,"dims":{"w":%d,"h":2.5e-1,"unit":"cm"},`+
			`"history":[{"at":"2030-01-%02dT10:00:00Z","event":"created"},{"at":"2030-02-01T10:00:00Z","event":"paid","by":{"id":%d}}]}`,
			i, i, 10+i%90, i%100, 1+i%7, i%5, i%2 == 0, 10+i%50, 1+i%28, 1000+i)
	}
	b.WriteString(`],"checksum":"sha256:9f86d081884c7d65"}`)
	return []byte(b.String())
}

// escapesDoc is an object of about 4 KiB whose strings are full of
// escapes and non-ASCII text.
func escapesDoc() []byte {
	var b strings.Builder
	b.WriteString(`{"title":"R\u00e9sum\u00e9 \u2014 \"draft\"","notes":[`)
	for i := range 24 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"k\u00e9y_%d":"%s","line":"a\nb\tc\\d\/e\u0000f"}`, i, escapedText)
	}
	b.WriteString(`],"checksum":"sha256:9f86d081884c7d65"}`)
	return []byte(b.String())
}

func TestBenchInputs(t *testing.T) {
	for _, in := range benchInputs {
		want, err := std(in.doc)
		if err != nil {
			t.Fatalf("%s: not JSON: %v", in.name, err)
		}
		got, err := Decode(in.doc)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %v", in.name, err)
		}
		checkFields(t, in.doc, in.keys)
		out := make([][]byte, len(in.keys))
		if err := Fields(in.doc, in.keys, out); err != nil || out[len(out)-1] == nil {
			t.Fatalf("%s Fields: %v, %q", in.name, err, out)
		}
		checkWalk(t, in.doc)
		if err := Check(in.doc); err != nil {
			t.Fatalf("%s Check: %v", in.name, err)
		}
		if in.str != nil {
			checkString(t, in.str)
		}
	}
	t.Logf("sizes: card %d, bank %d, 4KiB %d, 64KiB %d, escapes %d (String: %d)", len(benchInputs[0].doc),
		len(benchInputs[1].doc), len(benchInputs[2].doc), len(benchInputs[3].doc), len(benchInputs[4].doc), len(benchInputs[4].str))
}

// benchEach runs fn(b, in) under in=INPUT/impl=IMPL for every input (those
// with a String input if str).
func benchEach(b *testing.B, impl string, str bool, fn func(b *testing.B, in benchInput)) {
	for _, in := range benchInputs {
		if str && in.str == nil {
			continue
		}
		b.Run("in="+in.name+"/impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(len(in.doc)))
			if str {
				b.SetBytes(int64(len(in.str)))
			}
			b.ReportAllocs()
			fn(b, in)
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	benchEach(b, "jsontext", false, func(b *testing.B, in benchInput) {
		for b.Loop() {
			if _, err := Decode(in.doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	benchEach(b, "encoding-json", false, func(b *testing.B, in benchInput) {
		for b.Loop() {
			if _, err := std(in.doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFields(b *testing.B) {
	for _, in := range benchInputs {
		for _, im := range fieldsImpls {
			b.Run("in="+in.name+"/impl="+im.name, func(b *testing.B) {
				b.SetBytes(int64(len(in.doc)))
				b.ReportAllocs()
				out := make([][]byte, len(in.keys))
				for b.Loop() {
					if err := im.fn(in.doc, in.keys, out); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkString(b *testing.B) {
	benchEach(b, "jsontext", true, func(b *testing.B, in benchInput) {
		for b.Loop() {
			if _, err := String(in.str); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// countVisitor is the cheapest Visitor: what Walk itself costs.
type countVisitor struct{ n int }

func (c *countVisitor) Object() error    { c.n++; return nil }
func (c *countVisitor) Array() error     { c.n++; return nil }
func (c *countVisitor) End() error       { return nil }
func (c *countVisitor) Key(string) error { c.n++; return nil }
func (c *countVisitor) Scalar(any) error { c.n++; return nil }

func BenchmarkWalk(b *testing.B) {
	benchEach(b, "jsontext", false, func(b *testing.B, in benchInput) {
		var vis countVisitor
		for b.Loop() {
			if err := Walk(in.doc, &vis); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	benchEach(b, "jsontext", false, func(b *testing.B, in benchInput) {
		for b.Loop() {
			if err := Check(in.doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
