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
	`01`, `1.`, `.5`, `-`, `+1`, `1e`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `"unterminated`, `"\x"`,
	`"\u12"`, `tru`, `nul`, `[1 2]`, `1 2`, "\"tab\tin\"", `[`, `{`, ``, `   `,
}

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
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	_, err := Decode([]byte(deep))
	assert.ErrorIs(t, err, ErrSyntax)
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	_, err = Decode([]byte(ok))
	assert.NoError(t, err)
}

func TestErrorDoesNotQuoteInput(t *testing.T) {
	_, err := Decode([]byte(`{"ssn":"123-45-6789"`))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "6789")
}

// FuzzDecode holds Decode to encoding/json: same values for what it
// accepts, an error for what it rejects.
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
		if err == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("values differ for %q: %#v vs %#v", in, want, got)
		}
	})
}

func BenchmarkDecodeCard(b *testing.B) {
	in := []byte(corpus[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStdDecodeCard(b *testing.B) {
	in := []byte(corpus[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := std(in); err != nil {
			b.Fatal(err)
		}
	}
}
