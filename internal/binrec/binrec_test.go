package binrec

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	yes := true
	now := time.Date(2026, 11, 23, 12, 0, 0, 5, time.UTC)
	var w Writer
	w.String(1, "id")
	w.Bytes(2, []byte{0, 1, 2})
	w.Time(3, now)
	w.Bool(4, &yes)
	w.Strings(5, []string{"a", "", "bc"})
	w.Map(6, map[string]string{"k": "v", "": "empty key"})
	w.List(7, [][]byte{{1}, {}})
	w.String(8, "") // written as nothing
	w.Bytes(9, nil) // written as nothing

	r := NewReader(w.B)
	got := map[byte][]byte{}
	for {
		tag, p, ok := r.Next()
		if !ok {
			break
		}
		got[tag] = p
	}
	require.NoError(t, r.Err())
	assert.Len(t, got, 7)
	assert.Equal(t, "id", string(got[1]))
	assert.Equal(t, []byte{0, 1, 2}, got[2])
	tm, err := Time(got[3])
	require.NoError(t, err)
	assert.True(t, now.Equal(tm))
	b, err := Bool(got[4])
	require.NoError(t, err)
	assert.True(t, b)
	ss, err := Strings(got[5], nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "", "bc"}, ss)
	m, err := Map(got[6])
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"k": "v", "": "empty key"}, m)
	l, err := List(got[7])
	require.NoError(t, err)
	assert.Equal(t, [][]byte{{1}, {}}, l)
}

func TestMalformed(t *testing.T) {
	for _, in := range [][]byte{{1}, {1, 5, 'a'}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		r := NewReader(in)
		for {
			if _, _, ok := r.Next(); !ok {
				break
			}
		}
		assert.ErrorIs(t, r.Err(), ErrMalformed, "%x", in)
	}
	_, err := Time([]byte{0x80})
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = Bool([]byte{2})
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = List([]byte{5, 1})
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = Map([]byte{1, 'a'})
	assert.ErrorIs(t, err, ErrMalformed, "odd number of items")
}

// FuzzReader walks arbitrary bytes: never a panic, whatever the decoders are
// given.
func FuzzReader(f *testing.F) {
	var w Writer
	w.Strings(1, []string{"x", "y"})
	w.Map(2, map[string]string{"a": "b"})
	f.Add(w.B)
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(in)
		for {
			_, p, ok := r.Next()
			if !ok {
				break
			}
			_, _ = Time(p)
			_, _ = Bool(p)
			_, _ = List(p)
			_, _ = Strings(p, nil)
			_, _ = Map(p)
		}
	})
}

func TestFields(t *testing.T) {
	var w Writer
	w.String(1, "a")
	w.String(2, "bc")
	w.String(3, "d")
	var seen []string
	stop := errors.New("stop")
	err := Fields(w.B, func(tag byte, p []byte) error {
		seen = append(seen, fmt.Sprintf("%d=%s", tag, p))
		if tag == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || fmt.Sprint(seen) != "[1=a 2=bc]" {
		t.Fatalf("Fields = %v after %v, want stop after [1=a 2=bc]", err, seen)
	}
	if err := Fields(w.B, func(byte, []byte) error { return nil }); err != nil {
		t.Fatalf("Fields of a whole record = %v", err)
	}
	if err := Fields(append(w.B, 4, 9, 'x'), func(byte, []byte) error { return nil }); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Fields of a truncated field = %v, want ErrMalformed", err)
	}
}
