package sandbox

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/dop251/goja"

	"github.com/tokenvault/vault/internal/jsonv"
)

// errBadJSON reports a document that is not one valid JSON value.
var errBadJSON = errors.New("sandbox: invalid JSON")

// decodeJSON builds the JavaScript value of a JSON document the way
// JSON.parse does (own data properties in document order, a later duplicate
// key winning, "__proto__" an ordinary key), without materialising the JSON
// global in runtimes that never use it.
func (inv *invocation) decodeJSON(doc []byte) (goja.Value, error) {
	b := jsBuilder{rt: inv.rt}
	if err := jsonv.Walk(doc, &b); err != nil {
		if errors.Is(err, jsonv.ErrSyntax) {
			return nil, errBadJSON
		}
		return nil, err
	}
	return b.result, nil
}

// jsBuilder is the jsonv.Visitor of decodeJSON.
type jsBuilder struct {
	rt     *goja.Runtime
	stack  []jsFrame
	result goja.Value
}

type jsFrame struct {
	obj   *goja.Object // an object being filled, or nil for an array
	items []any        // array items so far
	key   string       // the pending key of an object
}

func (b *jsBuilder) Object() error {
	b.stack = append(b.stack, jsFrame{obj: b.rt.NewObject()})
	return nil
}

func (b *jsBuilder) Array() error {
	b.stack = append(b.stack, jsFrame{})
	return nil
}

func (b *jsBuilder) Key(k string) error {
	b.stack[len(b.stack)-1].key = k
	return nil
}

func (b *jsBuilder) End() error {
	top := b.stack[len(b.stack)-1]
	b.stack = b.stack[:len(b.stack)-1]
	if top.obj != nil {
		return b.put(top.obj)
	}
	return b.put(b.rt.NewArray(top.items...))
}

func (b *jsBuilder) Scalar(v any) error {
	switch t := v.(type) {
	case json.Number:
		return b.put(jsonNumber(b.rt, t))
	case nil:
		return b.put(goja.Null())
	}
	return b.put(b.rt.ToValue(v))
}

func (b *jsBuilder) put(v goja.Value) error {
	if len(b.stack) == 0 {
		b.result = v
		return nil
	}
	top := &b.stack[len(b.stack)-1]
	if top.obj == nil {
		top.items = append(top.items, v)
		return nil
	}
	return top.obj.DefineDataProperty(top.key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
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
