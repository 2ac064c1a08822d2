package jsonv

import (
	"fmt"
	"strings"
	"testing"
)

// The benchmarks run every function on every input with each
// implementation, named in=INPUT/impl=IMPL so that benchstat can set the
// implementations side by side:
//
//	go test -run '^$' -bench . -count 6 ./internal/jsonv > bench.txt
//	go tool benchstat -col /impl bench.txt

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
		for _, im := range impls {
			got, err := im.decode(in.doc)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s %s: %v", im.name, in.name, err)
			}
			out := make([][]byte, len(in.keys))
			if err := im.fields(in.doc, in.keys, out); err != nil || out[len(out)-1] == nil {
				t.Fatalf("%s %s Fields: %v, %q", im.name, in.name, err, out)
			}
			if err := im.check(in.doc); err != nil {
				t.Fatalf("%s %s Check: %v", im.name, in.name, err)
			}
			if in.str != nil {
				checkString(t, in.str)
			}
		}
	}
	t.Logf("sizes: card %d, bank %d, 4KiB %d, 64KiB %d, escapes %d (String: %d)", len(benchInputs[0].doc),
		len(benchInputs[1].doc), len(benchInputs[2].doc), len(benchInputs[3].doc), len(benchInputs[4].doc), len(benchInputs[4].str))
}

// benchEach runs fn for every input (those with a String input if str)
// and implementation.
func benchEach(b *testing.B, str bool, fn func(b *testing.B, im impl, in benchInput)) {
	for _, in := range benchInputs {
		if str && in.str == nil {
			continue
		}
		for _, im := range impls {
			b.Run("in="+in.name+"/impl="+im.name, func(b *testing.B) {
				b.SetBytes(int64(len(in.doc)))
				if str {
					b.SetBytes(int64(len(in.str)))
				}
				b.ReportAllocs()
				fn(b, im, in)
			})
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	benchEach(b, false, func(b *testing.B, im impl, in benchInput) {
		for b.Loop() {
			if _, err := im.decode(in.doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	// encoding/json with UseNumber, for scale: what Decode mirrors.
	for _, in := range benchInputs {
		b.Run("in="+in.name+"/impl=encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(in.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := std(in.doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFields(b *testing.B) {
	benchEach(b, false, func(b *testing.B, im impl, in benchInput) {
		out := make([][]byte, len(in.keys))
		for b.Loop() {
			if err := im.fields(in.doc, in.keys, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkString(b *testing.B) {
	benchEach(b, true, func(b *testing.B, im impl, in benchInput) {
		for b.Loop() {
			if _, err := im.str(in.str); err != nil {
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
	benchEach(b, false, func(b *testing.B, im impl, in benchInput) {
		var vis countVisitor
		for b.Loop() {
			if err := im.walk(in.doc, &vis); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	benchEach(b, false, func(b *testing.B, im impl, in benchInput) {
		for b.Loop() {
			if err := im.check(in.doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
