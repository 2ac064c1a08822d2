// Package keyenc builds storage keys from typed parts so that byte order is
// the order of the parts and no key is a prefix of another by accident.
//
// A string or byte part is written with every 0x00 byte escaped as 0x00 0xff
// and terminated by 0x00 0x01. The encoding keeps order ("a" < "a\x00" <
// "ab"), and an encoded part is never a prefix of a different encoded part,
// so the prefix made of the first n parts of a key matches exactly the keys
// whose first n parts are equal. Integers are fixed-width big-endian.
package keyenc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// ErrMalformed is returned by the decoders for bytes not made by the encoders.
var ErrMalformed = errors.New("keyenc: malformed key")

// AppendString appends an escaped, terminated string part.
func AppendString(dst []byte, s string) []byte {
	// Runs without a zero byte (every id) are copied whole.
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			return append(append(dst, s...), 0, 1)
		}
		dst = append(append(dst, s[:i]...), 0, 0xff)
		s = s[i+1:]
	}
}

// AppendBytes appends an escaped, terminated byte part.
func AppendBytes(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return append(append(dst, b...), 0, 1)
		}
		dst = append(append(dst, b[:i]...), 0, 0xff)
		b = b[i+1:]
	}
}

// AppendUint64 appends v as 8 big-endian bytes.
func AppendUint64(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }

// AppendTime appends t so that later times sort after earlier ones (UTC
// nanoseconds since 1970, offset to stay positive for any year after 1677).
func AppendTime(dst []byte, t time.Time) []byte {
	return AppendUint64(dst, uint64(t.UnixNano())^(1<<63))
}

// AppendTimeDesc appends t so that later times sort before earlier ones.
func AppendTimeDesc(dst []byte, t time.Time) []byte {
	return AppendUint64(dst, ^(uint64(t.UnixNano()) ^ (1 << 63)))
}

// String decodes a string part from the front of b and returns the rest.
func String(b []byte) (s string, rest []byte, err error) {
	part, rest, err := Bytes(b)
	return string(part), rest, err
}

// Bytes decodes a byte part from the front of b and returns the rest. The
// returned part is a new slice.
func Bytes(b []byte) (part, rest []byte, err error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			return nil, nil, ErrMalformed
		}
		switch b[i+1] {
		case 0xff:
			out = append(out, 0)
			i++
		case 1:
			return out, b[i+2:], nil
		default:
			return nil, nil, ErrMalformed
		}
	}
	return nil, nil, ErrMalformed
}

// Uint64 decodes an 8-byte integer part from the front of b.
func Uint64(b []byte) (v uint64, rest []byte, err error) {
	if len(b) < 8 {
		return 0, nil, ErrMalformed
	}
	return binary.BigEndian.Uint64(b), b[8:], nil
}

// Time decodes a part written by AppendTime.
func Time(b []byte) (time.Time, []byte, error) {
	v, rest, err := Uint64(b)
	if err != nil {
		return time.Time{}, nil, err
	}
	return time.Unix(0, int64(v^(1<<63))).UTC(), rest, nil
}

// TimeDesc decodes a part written by AppendTimeDesc.
func TimeDesc(b []byte) (time.Time, []byte, error) {
	v, rest, err := Uint64(b)
	if err != nil {
		return time.Time{}, nil, err
	}
	return time.Unix(0, int64(^v^(1<<63))).UTC(), rest, nil
}
