package jsonv

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func std(b []byte) (any, error) {
	if !json.Valid(b) {
		return nil, errors.New("invalid")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

var corpus = []string{
	`{"number":"4242424242424242","expiration_month":12,"expiration_year":2030}`,
	`"123-45-6789"`, `12345678901234567890`, `-0.5e-10`, `1E+2`, `true`, `false`, `null`,
	`[]`, `{}`, `[1,[2,[3,{"a":null}]]]`, ` { "a" : [ 1 , "x" ] } `,
	`"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"`, `"lone \ud800 surrogate"`, `"\ud800\u0041"`,
	`{"a":1,"a":2}`, "\"bad utf8 \xff\xfe\"", "\"ok é\"",
	`1e999999`, `[-1e400]`, `{"n":1.5e309}`,
	`01`, `1.`, `.5`, `-`, `+1`, `1e`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `"unterminated`, `"\x"`,
	`"\u12"`, `tru`, `nul`, `[1 2]`, `1 2`, "\"tab\tin\"", `[`, `{`, ``, `   `,
}

// fieldsImpl is an implementation of Fields: the hand-written one the
// package exports, or its jsontext twin, the benchmarks' baseline. The
// tests hold both to the same properties.
type fieldsImpl struct {
	name string
	fn   func([]byte, []string, [][]byte) error
}

var fieldsImpls = []fieldsImpl{{"hand", Fields}, {"jsontext", fieldsJSONText}}

func TestMatchesEncodingJSON(t *testing.T) {
	for _, in := range corpus {
		t.Run(in, func(t *testing.T) {
			want, wantErr := std([]byte(in))
			got, err := Decode([]byte(in))
			if wantErr != nil {
				assert.ErrorIs(t, err, ErrSyntax, "encoding/json rejects it: %v", wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestDepthLimit(t *testing.T) {
	for _, n := range []int{MaxDepth + 1, MaxDepth + 2} {
		deep := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		_, err := Decode(deep)
		assert.ErrorIs(t, err, ErrSyntax)
		assert.ErrorIs(t, Walk(deep, new(events)), ErrSyntax)
		assert.ErrorIs(t, Check(deep), ErrSyntax)
		for _, im := range fieldsImpls {
			assert.ErrorIs(t, im.fn(deep, []string{"a"}, make([][]byte, 1)), ErrSyntax, im.name)
		}
	}
	ok := []byte(strings.Repeat(`{"a":[`, MaxDepth/2) + strings.Repeat("]}", MaxDepth/2))
	_, err := Decode(ok)
	assert.NoError(t, err)
	assert.NoError(t, Walk(ok, new(events)))
	assert.NoError(t, Check(ok))
	for _, im := range fieldsImpls {
		assert.NoError(t, im.fn(ok, []string{"a"}, make([][]byte, 1)), im.name)
	}
}

// TestErrorDoesNotQuoteInput: jsontext's own errors quote the input; ours
// must not.
func TestErrorDoesNotQuoteInput(t *testing.T) {
	for _, in := range []string{`{"ssn":"123-45-6789"`, `{"ssn":"123-45-6789"x}`, `["123-45-6789",6789x]`, `{"ssn":"123-45-\q6789"}`, `"123-45-6789" 6789`} {
		t.Run(in, func(t *testing.T) {
			_, decodeErr := Decode([]byte(in))
			_, stringErr := String([]byte(in))
			errs := []error{decodeErr, stringErr, Walk([]byte(in), new(events)), Check([]byte(in))}
			for _, im := range fieldsImpls {
				errs = append(errs, im.fn([]byte(in), []string{"ssn"}, make([][]byte, 1)))
			}
			for _, err := range errs {
				require.ErrorIs(t, err, ErrSyntax)
				assert.NotContains(t, err.Error(), "6789")
			}
		})
	}
}

// FuzzDecode holds Decode to encoding/json: same values for what it
// accepts, an error wrapping ErrSyntax for what it rejects.
func FuzzDecode(f *testing.F) {
	for _, in := range corpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantErr := std(in)
		got, err := Decode(in)
		if (wantErr == nil) != (err == nil) {
			t.Fatalf("encoding/json err=%v, jsonv err=%v for %q", wantErr, err, in)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Fatalf("error %v does not wrap ErrSyntax", err)
		}
		if err == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("values differ for %q: %#v vs %#v", in, want, got)
		}
	})
}

// checkFields holds each Fields to Decode: the same error or not, and for
// an object the same values of the keys asked for.
func checkFields(t *testing.T, in []byte, keys []string) {
	t.Helper()
	full, fullErr := Decode(in)
	for _, im := range fieldsImpls {
		out := make([][]byte, len(keys))
		err := im.fn(in, keys, out)
		if (fullErr == nil) != (err == nil) {
			t.Fatalf("Decode err=%v, %s Fields err=%v for %q", fullErr, im.name, err, in)
		}
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("%s Fields error %v does not wrap ErrSyntax", im.name, err)
			}
			continue
		}
		m, _ := full.(map[string]any)
		for i, k := range keys {
			var got any
			if out[i] != nil {
				if got, err = Decode(out[i]); err != nil {
					t.Fatalf("key %q of %q: %s Fields gave %q, not one value: %v", k, in, im.name, out[i], err)
				}
				if cap(out[i]) != len(out[i]) || !aliases(in, out[i]) {
					t.Fatalf("key %q of %q: %s Fields gave %q, not a slice of the input capped at its end", k, in, im.name, out[i])
				}
			}
			if !reflect.DeepEqual(m[k], got) {
				t.Fatalf("key %q of %q: Decode %#v, %s Fields %#v", k, in, m[k], im.name, got)
			}
		}
	}
}

// aliases reports whether sub is a slice of b.
func aliases(b, sub []byte) bool {
	for i := range b[:len(b)-len(sub)+1] {
		if &b[i] == &sub[0] {
			return true
		}
	}
	return false
}

func TestFields(t *testing.T) {
	keys := []string{"number", "a", "expiration_year", "é"}
	for _, in := range append(corpus,
		`{"skip":{"x":[1,{"y":"\u00e9\"}"}],"z":null},"number":"4242","t":true,"f":false,"expiration_year":2030}`,
		`{"a":1,"a":[2]}`, `{"a":{"b":`, `{"s":"\q"}`, `{"s":[1,}`, `{"n":01}`, `{"\u0061":"escaped key"}`,
		`{"\u00e9":1}`, "{\"\xff\":2}") {
		t.Run(in, func(t *testing.T) { checkFields(t, []byte(in), keys) })
	}
	for _, im := range fieldsImpls {
		out := make([][]byte, 1)
		require.NoError(t, im.fn([]byte(`{"number":"4242","other":[1,2,3]}`), []string{"number"}, out))
		assert.Equal(t, `"4242"`, string(out[0]), im.name)
	}
}

func TestString(t *testing.T) {
	s, err := String([]byte(` "a\u00e9\n" `))
	require.NoError(t, err)
	assert.Equal(t, "aé\n", s)
	s, err = String([]byte("\"\xff \\ud800\\u0041\""))
	require.NoError(t, err)
	assert.Equal(t, "\uFFFD \uFFFDA", s, "replaced as encoding/json does")
	for _, bad := range []string{`1`, `"open`, `"a" "b"`, ``, ` `, `"\q"`, `"a"x`, `["a"]`} {
		_, err := String([]byte(bad))
		assert.ErrorIs(t, err, ErrSyntax, bad)
	}
}

// checkString holds String to encoding/json: a document that is one JSON
// string decodes to the same Go string; anything else is an error wrapping
// ErrSyntax.
func checkString(t *testing.T, in []byte) {
	t.Helper()
	var want string
	wantErr := errors.New("not one JSON string")
	if v, err := std(in); err == nil {
		if s, ok := v.(string); ok {
			want, wantErr = s, nil
		}
	}
	got, err := String(in)
	if (wantErr == nil) != (err == nil) {
		t.Fatalf("encoding/json err=%v, String err=%v for %q", wantErr, err, in)
	}
	if err != nil && !errors.Is(err, ErrSyntax) {
		t.Fatalf("String error %v does not wrap ErrSyntax", err)
	}
	if err == nil && got != want {
		t.Fatalf("String of %q: %q, encoding/json %q", in, got, want)
	}
}

func FuzzString(f *testing.F) {
	for _, in := range corpus {
		f.Add([]byte(in))
	}
	f.Fuzz(checkString)
}

func FuzzFields(f *testing.F) {
	for _, in := range corpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkFields(t, in, []string{"a", "number", ""})
	})
}

// events records a walk as encoding/json's Decoder.Token would list it.
type events []any

func (e *events) Object() error      { *e = append(*e, json.Delim('{')); return nil }
func (e *events) Array() error       { *e = append(*e, json.Delim('[')); return nil }
func (e *events) End() error         { *e = append(*e, "end"); return nil }
func (e *events) Key(k string) error { *e = append(*e, "key:"+k); return nil }
func (e *events) Scalar(v any) error { *e = append(*e, v); return nil }

// stdEvents lists the tokens of b with encoding/json in the same form.
func stdEvents(b []byte) (events, error) {
	if !json.Valid(b) {
		return nil, errors.New("invalid")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out events
	var inObject []bool
	expectKey := false
	for {
		tok, err := d.Token()
		if err != nil {
			return out, nil // io.EOF: json.Valid said it is one value
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				out, inObject, expectKey = append(out, t), append(inObject, true), true
				continue
			case '[':
				out, inObject = append(out, t), append(inObject, false)
				continue
			}
			out, inObject = append(out, "end"), inObject[:len(inObject)-1]
		default:
			if expectKey {
				out, expectKey = append(out, "key:"+t.(string)), false
				continue
			}
			out = append(out, t)
		}
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}

func checkWalk(t *testing.T, in []byte) {
	t.Helper()
	want, wantErr := stdEvents(in)
	var got events
	err := Walk(in, &got)
	if (wantErr == nil) != (err == nil) {
		t.Fatalf("encoding/json err=%v, Walk err=%v for %q", wantErr, err, in)
	}
	if err != nil && !errors.Is(err, ErrSyntax) {
		t.Fatalf("Walk error %v does not wrap ErrSyntax", err)
	}
	if err == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("events differ for %q:\n%#v\n%#v", in, want, got)
	}
}

func TestWalk(t *testing.T) {
	for _, in := range append(corpus, `{"b":1,"a":{"c":[true,null,"x"]},"b":2}`, `[{"":[]},{},[[]],"k"]`) {
		t.Run(in, func(t *testing.T) { checkWalk(t, []byte(in)) })
	}
	stop := errors.New("stop")
	err := Walk([]byte(`[1,2]`), stopAt{stop})
	assert.Same(t, stop, err, "a visitor's error is returned as it is")
}

type stopAt struct{ err error }

func (s stopAt) Object() error    { return nil }
func (s stopAt) Array() error     { return nil }
func (s stopAt) End() error       { return nil }
func (s stopAt) Key(string) error { return nil }
func (s stopAt) Scalar(any) error { return s.err }

func FuzzWalk(f *testing.F) {
	for _, in := range corpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkWalk(t, in) })
}

func TestAppendString(t *testing.T) {
	var buf [8]byte
	for in, want := range map[string]string{`"4242"`: "4242", ` "a\u0062c" `: "abc", `""`: ""} {
		got, err := AppendString(buf[:0], []byte(in))
		if err != nil || string(got) != want {
			t.Errorf("AppendString(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`42`, `"abc`, ``} {
		if _, err := AppendString(nil, []byte(in)); err == nil {
			t.Errorf("AppendString(%s): no error", in)
		}
	}
	in := []byte(`"4242"`)
	if n := testing.AllocsPerRun(100, func() { _, _ = AppendString(buf[:0], in) }); n != 0 {
		t.Errorf("AppendString into a buffer with room allocates %v times", n)
	}
}
