package proxyxform

import (
	"errors"
	"fmt"
)

// AppendJSON sets value at location in the JSON document body and returns
// the re-encoded document (append_json).
//
// location is checked as CheckLocation does. The value at location is
// overwritten; missing objects along child names are created, and so is a
// missing array for an index >= 0, an array being padded with null up to
// the index. A negative index must exist. A wildcard sets every existing
// member and creates nothing. "$" alone replaces the document. Descending
// into a string, number, boolean or null is an error.
//
// value is any Go value encoding/json can marshal, inserted as that JSON.
// An empty or blank body is {}; a body that is not one JSON value gives an
// error wrapping ErrNotJSON. The output is compact, keeps the input's key
// order (a new key goes last), copies numbers as written and does not
// escape HTML.
func AppendJSON(body []byte, location string, value any) ([]byte, error) {
	steps, err := parseLocation(location)
	if err != nil {
		return nil, err
	}
	node, err := toNode(value)
	if err != nil {
		return nil, err
	}
	doc, err := decodeDocument(body)
	if err != nil {
		return nil, err
	}
	set := walker{create: true, at: func(any) (any, error) { return node, nil }}
	if doc, err = set.walk(doc, steps); err != nil {
		return nil, err
	}
	return encodeDocument(doc), nil
}

// AppendText returns body followed by value, byte for byte and with no
// separator (append_text). body is not modified.
func AppendText(body []byte, value string) []byte {
	out := make([]byte, 0, len(body)+len(value))
	return append(append(out, body...), value...)
}

// Values returns the values at location in the JSON document body, in
// document order, for a tokenize transform to tokenize. Objects come back
// as map[string]any, arrays as []any, numbers as json.Number. A location
// that does not exist, or descends into a scalar, gives no values; an
// empty body is {}. Errors are as AppendJSON's.
func Values(body []byte, location string) ([]any, error) {
	steps, err := parseLocation(location)
	if err != nil {
		return nil, err
	}
	doc, err := decodeDocument(body)
	if err != nil {
		return nil, err
	}
	var values []any
	read := walker{at: func(old any) (any, error) {
		values = append(values, plain(old))
		return old, nil
	}}
	_, err = read.walk(doc, steps)
	return values, err
}

// Replace sets each value at location, in document order (the order
// Values returns them), to what fn returns for it (given as Values gives
// it), and returns the re-encoded document: this swaps plaintext for token
// ids. fn's results are inserted as AppendJSON inserts value. When nothing
// is at location, body is returned as it is. An error from fn stops the
// replacement and is returned wrapped.
func Replace(body []byte, location string, fn func(old any) (any, error)) ([]byte, error) {
	steps, err := parseLocation(location)
	if err != nil {
		return nil, err
	}
	doc, err := decodeDocument(body)
	if err != nil {
		return nil, err
	}
	replaced := 0
	swap := walker{at: func(old any) (any, error) {
		v, err := fn(plain(old))
		if err != nil {
			return nil, fmt.Errorf("proxyxform: replacing the value at %s: %w", location, err)
		}
		replaced++
		return toNode(v)
	}}
	if doc, err = swap.walk(doc, steps); err != nil {
		return nil, err
	}
	if replaced == 0 {
		return body, nil
	}
	return encodeDocument(doc), nil
}

// walker applies at to every node a location reaches. With create (set
// mode) it makes the missing parents and reports type mismatches;
// without, a location that does not exist reaches nothing.
type walker struct {
	create bool
	at     func(old any) (any, error) // returns the node's replacement
}

// absent stands for a member or item that does not exist yet.
type absent struct{}

var errNegativeIndex = errors.New("proxyxform: location's negative index is beyond the array")

// walk returns node with at applied along steps.
func (w walker) walk(node any, steps []step) (any, error) {
	if len(steps) == 0 {
		return w.at(node)
	}
	switch steps[0].kind {
	case stepChild:
		return w.child(node, steps)
	case stepIndex:
		return w.index(node, steps)
	default:
		return w.wildcard(node, steps)
	}
}

func (w walker) child(node any, steps []step) (any, error) {
	obj, ok := node.(*object)
	if !ok {
		if err := w.mismatch(node, "member"); err != nil || !w.create {
			return node, err
		}
		obj = newObject() // node is absent
	}
	member, exists := obj.get(steps[0].name)
	if !exists {
		if !w.create {
			return node, nil
		}
		member = absent{}
	}
	v, err := w.walk(member, steps[1:])
	if err != nil {
		return nil, err
	}
	obj.set(steps[0].name, v)
	return obj, nil
}

func (w walker) index(node any, steps []step) (any, error) {
	arr, ok := node.([]any)
	if !ok {
		if err := w.mismatch(node, "item"); err != nil || !w.create {
			return node, err
		}
		// node is absent: arr starts empty
	}
	i := steps[0].index
	if i < 0 {
		if i += len(arr); i < 0 {
			if w.create {
				return nil, errNegativeIndex
			}
			return node, nil
		}
	}
	var item any = absent{}
	switch {
	case i < len(arr):
		item = arr[i]
	case !w.create:
		return node, nil
	default:
		for len(arr) <= i {
			arr = append(arr, nil)
		}
	}
	v, err := w.walk(item, steps[1:])
	if err != nil {
		return nil, err
	}
	arr[i] = v
	return arr, nil
}

// wildcard visits every existing member or item; it creates nothing.
func (w walker) wildcard(node any, steps []step) (any, error) {
	var vals []any
	switch n := node.(type) {
	case *object:
		vals = n.vals
	case []any:
		vals = n
	default:
		return node, nil
	}
	for i := range vals {
		v, err := w.walk(vals[i], steps[1:])
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return node, nil
}

// mismatch reports, in set mode, a location that descends into a node
// that cannot hold a member or item; an absent node can, by being made.
func (w walker) mismatch(node any, what string) error {
	if _, ok := node.(absent); ok || !w.create {
		return nil
	}
	return fmt.Errorf("proxyxform: location descends into %s, which has no %s to set", kindOf(node), what)
}

func kindOf(node any) string {
	switch node.(type) {
	case *object:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	default:
		return "a number"
	}
}
