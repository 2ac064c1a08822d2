package jsonv

import "slices"

// fieldsJSONText is Fields on jsontext, kept only as the baseline of the
// benchmarks and held to the same tests: the hand-written Fields must stay
// at least 1.5 times as fast on a card token's data to be kept (see the
// package doc).
func fieldsJSONText(b []byte, keys []string, out [][]byte) error {
	r := getReader(b, lenient)
	defer putReader(r)
	if r.dec.PeekKind() != '{' {
		if _, err := r.dec.ReadValue(); err != nil {
			return r.syntax(err)
		}
		return r.end()
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return r.syntax(err)
	}
	for r.dec.PeekKind() != '}' {
		name, err := r.dec.ReadToken()
		if err != nil {
			return r.syntax(err)
		}
		idx := slices.Index(keys, name.String())
		v, err := r.dec.ReadValue() // a slice of b: the decoder reads the bytes.Buffer in place
		if err != nil {
			return r.syntax(err)
		}
		if idx >= 0 {
			out[idx] = v
		}
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return r.syntax(err)
	}
	return r.end()
}
