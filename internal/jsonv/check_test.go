package jsonv

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkCases are documents Check refuses, with the path and error it must
// report.
var checkCases = []struct {
	in   string
	path string
	key  bool
	err  error
}{
	{"\"abc\xff\xfe\"", "", false, ErrUTF8},
	{"{\"id\":\"abc\xff\xfe\",\"type\":\"token\"}", "id", false, ErrUTF8},
	{`{"a":[1,{"b":"lone \ud800 surrogate"}]}`, "a[1].b", false, ErrUTF8},
	{`"\ud800\u0041"`, "", false, ErrUTF8},
	{`"\udc00"`, "", false, ErrUTF8},
	{`"\ud83d"`, "", false, ErrUTF8},
	{`"\ud83d\\ude00"`, "", false, ErrUTF8},
	{"\"\xc3\\u00a9\"", "", false, ErrUTF8},  // a sequence cut by an escape
	{"\"\xed\xa0\x80\"", "", false, ErrUTF8}, // a surrogate in raw UTF-8
	{"{\"metadata\":{\"k\xff\":\"v\"}}", "metadata", true, ErrUTF8},
	{"{\"k\xff\":{\"a\":1e999}}", "", true, ErrUTF8},
	{`{"data":1e999999}`, "data", false, ErrRange},
	{`[0,-1e400]`, "[1]", false, ErrRange},
	{`{"\u0061":{"b.c":[[1.5e309]]}}`, "a.b.c[0][0]", false, ErrRange},
	{"2" + strings.Repeat("0", 308), "", false, ErrRange},
	{"-1" + strings.Repeat("0", 309) + ".5", "", false, ErrRange},
	{`1.7976931348623159e308`, "", false, ErrRange},
	{`{"a":"ok","b":"\udfff","c":1e400}`, "b", false, ErrUTF8}, // the first in document order
}

// checkValid are documents Check accepts beyond the corpus's valid ones.
var checkValid = []string{
	`"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"\ufffd"`, "\"\xef\xbf\xbd\"", "\"é ✓ 😀\"", `{"é":{"ü":["ß"]}}`,
	"1" + strings.Repeat("0", 308), `1.7976931348623157e308`, `-1.7976931348623157E+308`, `1e-400`, `0e999999999`,
	`123456789012345678901234567890`, `[1e308,-1e308,0.1e309]`,
}

func TestCheckRefuses(t *testing.T) {
	for _, c := range checkCases {
		t.Run(c.in, func(t *testing.T) {
			err := Check([]byte(c.in))
			var ve *ValueError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, c.err)
			assert.Equal(t, c.path, ve.Path)
			assert.Equal(t, c.key, ve.Key)
			assert.NotContains(t, err.Error(), "abc")
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	for _, in := range append(checkValid, corpus...) {
		t.Run(in, func(t *testing.T) {
			_, decodeErr := Decode([]byte(in))
			err := Check([]byte(in))
			switch {
			case decodeErr != nil:
				assert.ErrorIs(t, err, ErrSyntax, "Decode refuses it: %v", decodeErr)
			case !utf8.ValidString(in) || strings.Contains(in, `\ud800`):
				assert.ErrorIs(t, err, ErrUTF8)
			case slices.Contains([]string{`1e999999`, `[-1e400]`, `{"n":1.5e309}`}, in): // in the corpus
				assert.ErrorIs(t, err, ErrRange)
			default:
				assert.NoError(t, err)
			}
		})
	}
}

// TestCheckOrder pins what the hand-written Check answered (and the
// jsontext one was held to, field for field, by FuzzCheck before it
// replaced it) where a document is refused both for a value and for its
// grammar (the first in document order wins), and where a path holds
// escaped or empty keys.
func TestCheckOrder(t *testing.T) {
	for _, c := range []struct {
		in     string
		path   string // "" and err nil: a syntax error
		offset int
		err    error
	}{
		{"[\"\xff\",x", "[0]", 1, ErrUTF8},
		{"[1e999,x", "[0]", 1, ErrRange},
		{"\"\xff\\q\"", "", 0, nil}, // the string itself is not grammatical
		{"{\"\\u0061\\n\":[{\"\":[0,\"\\udc00\"]}]}", "a\n[0].[1]", 20, ErrUTF8},
		{"{\"a\":1,\"a\":{\"b\":1e400}}", "a.b", 16, ErrRange},
		{"{\"k\":\"ok\"}\xff", "", 0, nil},
		{"[\"ok\",\"\xff\"]]", "[1]", 6, ErrUTF8},
	} {
		t.Run(c.in, func(t *testing.T) {
			err := Check([]byte(c.in))
			if c.err == nil {
				assert.ErrorIs(t, err, ErrSyntax)
				return
			}
			ve, ok := errors.AsType[*ValueError](err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, ValueError{Path: c.path, Offset: c.offset, Err: c.err}, *ve)
		})
	}
}

// FuzzCheck holds Check to Decode: the same grammar; a document it accepts
// decodes without a rewritten string or a number beyond float64; a value it
// refuses is at its Path in the decoded document.
func FuzzCheck(f *testing.F) {
	for _, in := range corpus {
		f.Add([]byte(in))
	}
	for _, in := range checkValid {
		f.Add([]byte(in))
	}
	for _, c := range checkCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		doc, decodeErr := Decode(in)
		checkCheck(t, in, Check(in), doc, decodeErr)
	})
}

// checkCheck holds err, what a Check says of in, to Decode's doc and
// decodeErr: see FuzzCheck.
func checkCheck(t *testing.T, in []byte, err error, doc any, decodeErr error) {
	t.Helper()
	var se *SyntaxError
	var ve *ValueError
	switch {
	case err == nil:
		if decodeErr != nil {
			t.Fatalf("Check accepts what Decode refuses (%v): %q", decodeErr, in)
		}
		if !utf8.Valid(in) {
			t.Fatalf("Check accepts bytes that are not UTF-8: %q", in)
		}
		if n := countReplacements(doc); n > countFFFD(in) {
			t.Fatalf("Check accepts %q, which decodes with %d replacement characters for %d in the input", in, n, countFFFD(in))
		}
		walkValues(doc, func(v any) {
			if n, ok := v.(json.Number); ok {
				if _, perr := strconv.ParseFloat(string(n), 64); perr != nil {
					t.Fatalf("Check accepts the number %s of %q", n, in)
				}
			}
		})
	case errors.As(err, &se):
		if decodeErr == nil {
			t.Fatalf("Check finds a syntax error (%v) where Decode finds none: %q", err, in)
		}
	case errors.As(err, &ve):
		if !errors.Is(err, ErrUTF8) && !errors.Is(err, ErrRange) {
			t.Fatalf("ValueError with %v", ve.Err)
		}
		if decodeErr != nil || ve.Key || bytes.ContainsAny(in, ".[]") || hasDuplicateKeys(in) {
			return // nothing decoded to find it in, or a path that may be ambiguous
		}
		v, ok := at(doc, ve.Path)
		if !ok {
			t.Fatalf("path %q of %v is not in %q", ve.Path, err, in)
		}
		switch x := v.(type) {
		case string:
			if !errors.Is(err, ErrUTF8) || !strings.ContainsRune(x, utf8.RuneError) {
				t.Fatalf("%v at %q, a string %q", err, ve.Path, x)
			}
		case json.Number:
			if _, perr := strconv.ParseFloat(string(x), 64); !errors.Is(err, ErrRange) || perr == nil {
				t.Fatalf("%v at %q, the number %s", err, ve.Path, x)
			}
		default:
			t.Fatalf("%v at %q, a %T", err, ve.Path, v)
		}
	default:
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

// countFFFD counts the U+FFFD characters the input spells, raw or escaped.
func countFFFD(in []byte) int {
	return bytes.Count(in, []byte("\uFFFD")) + len(escapedFFFD.FindAll(in, -1))
}

var escapedFFFD = regexp.MustCompile(`\\u[fF][fF][fF][dD]`)

func countReplacements(v any) int {
	n := 0
	walkValues(v, func(v any) {
		if s, ok := v.(string); ok {
			n += strings.Count(s, "\uFFFD")
		}
	})
	return n
}

// walkValues calls fn with every value of a decoded document, object keys
// included (as strings).
func walkValues(v any, fn func(any)) {
	fn(v)
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			fn(k)
			walkValues(e, fn)
		}
	case []any:
		for _, e := range x {
			walkValues(e, fn)
		}
	}
}

// hasDuplicateKeys reports whether an object of in has a key twice (Decode
// keeps the last) or an empty key (whose path is its object's).
func hasDuplicateKeys(in []byte) bool {
	var d dupVisitor
	_ = Walk(in, &d)
	return d.dup
}

type dupVisitor struct {
	keys []map[string]bool // of the open containers; nil for an array
	dup  bool
}

func (d *dupVisitor) Object() error      { d.keys = append(d.keys, map[string]bool{}); return nil }
func (d *dupVisitor) Array() error       { d.keys = append(d.keys, nil); return nil }
func (d *dupVisitor) End() error         { d.keys = d.keys[:len(d.keys)-1]; return nil }
func (d *dupVisitor) Scalar(v any) error { return nil }
func (d *dupVisitor) Key(k string) error {
	m := d.keys[len(d.keys)-1]
	d.dup = d.dup || m[k] || k == ""
	m[k] = true
	return nil
}

var pathPart = regexp.MustCompile(`^(?:\.?([^.\[\]]*)|\[(\d+)\])`)

// at follows a ValueError path in a decoded document.
func at(v any, path string) (any, bool) {
	for path != "" {
		m := pathPart.FindStringSubmatch(path)
		if m == nil || m[0] == "" {
			return nil, false
		}
		path = path[len(m[0]):]
		if m[2] != "" {
			a, ok := v.([]any)
			i, _ := strconv.Atoi(m[2])
			if !ok || i >= len(a) {
				return nil, false
			}
			v = a[i]
			continue
		}
		o, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = o[m[1]]; !ok {
			return nil, false
		}
	}
	return v, true
}
