package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/dop251/goja"
)

// errBadJSON reports a document that is not one valid JSON value.
var errBadJSON = errors.New("sandbox: invalid JSON")

// decodeJSON builds the JavaScript value of a JSON document the way
// JSON.parse does (own data properties in document order, a later duplicate
// key winning, "__proto__" an ordinary key), without materialising the JSON
// global in runtimes that never use it. It walks tokens with an explicit
// stack, so nesting depth costs no Go stack.
func (inv *invocation) decodeJSON(doc []byte) (goja.Value, error) {
	rt := inv.rt
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	type frame struct {
		obj   *goja.Object // an object being filled, or nil for an array
		items []any        // array items so far
		key   string       // the pending key of an object
		isKey bool         // the next string token is a key
	}
	var stack []*frame
	var result goja.Value
	put := func(v goja.Value) error {
		if len(stack) == 0 {
			result = v
			return nil
		}
		top := stack[len(stack)-1]
		if top.obj == nil {
			top.items = append(top.items, v)
			return nil
		}
		top.isKey = true
		return top.obj.DefineDataProperty(top.key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errBadJSON
		}
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.obj != nil && top.isKey {
				if s, ok := tok.(string); ok {
					top.key, top.isKey = s, false
					continue
				}
			}
		}
		var v goja.Value
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{obj: rt.NewObject(), isKey: true})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.obj != nil {
				v = top.obj
			} else {
				v = rt.NewArray(top.items...)
			}
		case string:
			v = rt.ToValue(t)
		case json.Number:
			v = jsonNumber(rt, t)
		case bool:
			v = rt.ToValue(t)
		case nil:
			v = goja.Null()
		}
		if err := put(v); err != nil {
			return nil, err
		}
		if len(stack) == 0 {
			break
		}
	}
	if result == nil {
		return nil, errBadJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errBadJSON // trailing data
	}
	return result, nil
}

// jsonNumber converts as JSON.parse does: a double (±Infinity when out of
// range), held as an integer when it is one.
func jsonNumber(rt *goja.Runtime, n json.Number) goja.Value {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil && i > -(1<<53) && i < 1<<53 && string(n) != "-0" {
		return rt.ToValue(i)
	}
	f, _ := strconv.ParseFloat(string(n), 64)
	return rt.ToValue(f)
}
