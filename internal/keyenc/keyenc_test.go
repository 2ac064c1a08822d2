package keyenc

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStringOrderAndPrefixFree(t *testing.T) {
	parts := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x01", "a", "a\x00", "a\x00b", "a\x01", "ab", "b", "\xff", "\xff\x00"}
	for i, a := range parts {
		for j, b := range parts {
			ea, eb := AppendString(nil, a), AppendString(nil, b)
			assert.Equal(t, strings.Compare(a, b), bytes.Compare(ea, eb), "order of %q and %q", a, b)
			if i != j {
				// a two-part key starting with a never starts with b's encoding
				key := AppendString(AppendString(nil, a), "zz")
				assert.False(t, bytes.HasPrefix(key, eb), "%q key has prefix %q", a, b)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 123, time.UTC)
	key := AppendString(nil, "a\x00b")
	key = AppendBytes(key, []byte{0, 1, 0xff})
	key = AppendTime(key, now)
	key = AppendTimeDesc(key, now)
	s, rest, err := String(key)
	require.NoError(t, err)
	assert.Equal(t, "a\x00b", s)
	b, rest, err := Bytes(rest)
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 1, 0xff}, b)
	tm, rest, err := Time(rest)
	require.NoError(t, err)
	assert.True(t, now.Equal(tm))
	tm, rest, err = TimeDesc(rest)
	require.NoError(t, err)
	assert.True(t, now.Equal(tm))
	assert.Empty(t, rest)
}

func TestTimeOrder(t *testing.T) {
	times := []time.Time{time.Unix(-100, 0), time.Unix(0, 0), time.Unix(0, 1), time.Unix(1e9, 0), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}
	var asc, desc [][]byte
	for _, tm := range times {
		asc = append(asc, AppendTime(nil, tm))
		desc = append(desc, AppendTimeDesc(nil, tm))
	}
	assert.True(t, slices.IsSortedFunc(asc, bytes.Compare))
	slices.Reverse(desc)
	assert.True(t, slices.IsSortedFunc(desc, bytes.Compare))
}

func TestMalformed(t *testing.T) {
	for _, in := range [][]byte{nil, {'a'}, {'a', 0}, {0, 2}, {0}} {
		_, _, err := Bytes(in)
		assert.ErrorIs(t, err, ErrMalformed, "%x", in)
	}
	_, _, err := Uint64([]byte{1, 2})
	assert.ErrorIs(t, err, ErrMalformed)
}

func FuzzBytes(f *testing.F) {
	for _, s := range []string{"", "a", "a\x00", "\x00\xff", "\x00\x01rest"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		enc := AppendBytes(nil, in)
		out, rest, err := Bytes(enc)
		if err != nil || !bytes.Equal(out, in) || len(rest) != 0 {
			t.Fatalf("round trip of %x: %x %x %v", in, out, rest, err)
		}
		_, _, _ = Bytes(in) // arbitrary input never panics
		if want := escapeEach(in); !bytes.Equal(enc, want) || !bytes.Equal(AppendString([]byte("p"), string(in)), append([]byte("p"), want...)) {
			t.Fatalf("encoding of %x: %x, want %x", in, enc, want)
		}
	})
}

// escapeEach is the encoding byte by byte, as the format defines it.
func escapeEach(b []byte) []byte {
	out := []byte{}
	for _, c := range b {
		if c == 0 {
			out = append(out, 0, 0xff)
		} else {
			out = append(out, c)
		}
	}
	return append(out, 0, 1)
}
