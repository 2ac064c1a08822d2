// Package binrec is a small tagged binary encoding for stored records: each
// field is a tag byte, a uvarint length and the bytes. Readers skip tags they
// do not know, so a record format can grow fields without a migration.
// Decoding never panics on any input.
package binrec

import (
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"time"
)

// ErrMalformed is returned for bytes that are not a record.
var ErrMalformed = errors.New("binrec: malformed record")

// Writer appends fields to a buffer.
type Writer struct{ B []byte }

func (w *Writer) field(tag byte, n int) {
	w.B = append(w.B, tag)
	w.B = binary.AppendUvarint(w.B, uint64(n))
}

// Bytes writes a byte field; nil writes nothing.
func (w *Writer) Bytes(tag byte, b []byte) {
	if b == nil {
		return
	}
	w.field(tag, len(b))
	w.B = append(w.B, b...)
}

// String writes a string field; "" writes nothing.
func (w *Writer) String(tag byte, s string) {
	if s == "" {
		return
	}
	w.field(tag, len(s))
	w.B = append(w.B, s...)
}

// Time writes a time as UTC nanoseconds; the zero time writes nothing.
func (w *Writer) Time(tag byte, t time.Time) {
	if t.IsZero() {
		return
	}
	var buf [binary.MaxVarintLen64]byte
	n := binary.PutVarint(buf[:], t.UnixNano())
	w.Bytes(tag, buf[:n])
}

// Bool writes a boolean pointer; nil writes nothing.
func (w *Writer) Bool(tag byte, b *bool) {
	if b == nil {
		return
	}
	v := byte(0)
	if *b {
		v = 1
	}
	w.Bytes(tag, []byte{v})
}

// List writes a list of byte strings as one field; empty writes nothing.
func (w *Writer) List(tag byte, items [][]byte) {
	if len(items) == 0 {
		return
	}
	var body []byte
	for _, it := range items {
		body = binary.AppendUvarint(body, uint64(len(it)))
		body = append(body, it...)
	}
	w.Bytes(tag, body)
}

// Strings writes a list of strings; empty writes nothing.
func (w *Writer) Strings(tag byte, items []string) {
	b := make([][]byte, len(items))
	for i, s := range items {
		b[i] = []byte(s)
	}
	w.List(tag, b)
}

// Map writes a string map as a list of keys and values, sorted by key.
func (w *Writer) Map(tag byte, m map[string]string) {
	if len(m) == 0 {
		return
	}
	items := make([][]byte, 0, 2*len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		items = append(items, []byte(k), []byte(m[k]))
	}
	w.List(tag, items)
}

// Reader walks the fields of a record.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads the fields in b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Next returns the next field; ok is false at the end or on malformed input
// (see Err). The payload aliases the input.
func (r *Reader) Next() (tag byte, payload []byte, ok bool) {
	if r.err != nil || len(r.b) == 0 {
		return 0, nil, false
	}
	tag = r.b[0]
	n, k := binary.Uvarint(r.b[1:])
	if k <= 0 || n > uint64(len(r.b)-1-k) {
		r.err = ErrMalformed
		return 0, nil, false
	}
	payload = r.b[1+k : 1+k+int(n)]
	r.b = r.b[1+k+int(n):]
	return tag, payload, true
}

// Err returns the error that stopped Next, if any.
func (r *Reader) Err() error { return r.err }

// Fields calls field for each field of b in order, and stops at the first
// error field returns or at malformed input (ErrMalformed). Payloads alias b.
func Fields(b []byte, field func(tag byte, payload []byte) error) error {
	r := NewReader(b)
	for {
		tag, p, ok := r.Next()
		if !ok {
			return r.Err()
		}
		if err := field(tag, p); err != nil {
			return err
		}
	}
}

// Time decodes a Time field.
func Time(p []byte) (time.Time, error) {
	v, k := binary.Varint(p)
	if k <= 0 || k != len(p) {
		return time.Time{}, ErrMalformed
	}
	return time.Unix(0, v).UTC(), nil
}

// Bool decodes a Bool field.
func Bool(p []byte) (bool, error) {
	if len(p) != 1 || p[0] > 1 {
		return false, ErrMalformed
	}
	return p[0] == 1, nil
}

// List decodes a List field; the items are copies.
func List(p []byte) ([][]byte, error) {
	var out [][]byte
	for len(p) > 0 {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return nil, ErrMalformed
		}
		out = append(out, append(make([]byte, 0, n), p[k:k+int(n)]...))
		p = p[k+int(n):]
	}
	return out, nil
}

// Strings decodes a Strings field. intern, if not nil, may return a shared
// string equal to its argument, to spare an allocation for common values.
func Strings(p []byte, intern func([]byte) (string, bool)) ([]string, error) {
	n := 0
	for q := p; len(q) > 0; n++ {
		l, k := binary.Uvarint(q)
		if k <= 0 || l > uint64(len(q)-k) {
			return nil, ErrMalformed
		}
		q = q[k+int(l):]
	}
	out := make([]string, 0, n)
	for len(p) > 0 {
		l, k := binary.Uvarint(p)
		item := p[k : k+int(l)]
		if intern != nil {
			if s, ok := intern(item); ok {
				out = append(out, s)
				p = p[k+int(l):]
				continue
			}
		}
		out = append(out, string(item))
		p = p[k+int(l):]
	}
	return out, nil
}

// Map decodes a Map field.
func Map(p []byte) (map[string]string, error) {
	items, err := List(p)
	if err != nil || len(items)%2 != 0 {
		return nil, ErrMalformed
	}
	m := make(map[string]string, len(items)/2)
	for i := 0; i < len(items); i += 2 {
		m[string(items[i])] = string(items[i+1])
	}
	return m, nil
}
