package expr

import (
	"strconv"

	"github.com/osteele/liquid/values"
)

// The fast path evaluates the commonest expressions without the Liquid
// engine's evaluator (closures, reflection, a context per call):
//
//	operand ( "|" filter ( ":" operand ( "," operand )* )? )*
//	operand = literal | variable ( ".prop" | "[" int "]" | "[" 'key' "]" )*
//
// It is semantically identical to the engine: variables are looked up in the
// same scope, properties and indexes follow the engine's rules (values
// package; unusual cases are delegated to it), and filters are the same
// functions with the same arguments. fast_test.go checks both paths agree.
// Anything else (comparisons, ranges, variable indexes) uses the engine.

type fastExpr struct {
	head    operand
	filters []fastFilter
}

type fastFilter struct {
	spec *filterSpec
	args []operand
}

type operand struct {
	isLit bool
	lit   any
	name  string
	path  []pathStep
}

type stepKind uint8

const (
	stepProp  stepKind = iota // .name
	stepKey                   // ['name']
	stepIndex                 // [n]
)

type pathStep struct {
	kind  stepKind
	name  string
	index int
}

// compileFast returns the fast form of the tokens, or nil.
func compileFast(toks []xtok) *fastExpr {
	p := 0
	head, ok := parseOperand(toks, &p)
	if !ok {
		return nil
	}
	f := &fastExpr{head: head}
	for p < len(toks) {
		if toks[p].kind != xPunct || toks[p].text != "|" || p+1 >= len(toks) {
			return nil
		}
		t := toks[p+1]
		p += 2
		spec := filterTable[t.text]
		if spec == nil || reserved(t.text) {
			return nil
		}
		ff := fastFilter{spec: spec}
		switch t.kind {
		case xIdent:
		case xKeyword:
			for {
				a, ok := parseOperand(toks, &p)
				if !ok {
					return nil
				}
				ff.args = append(ff.args, a)
				if p < len(toks) && toks[p].kind == xPunct && toks[p].text == "," {
					p++
					continue
				}
				break
			}
		default:
			return nil
		}
		f.filters = append(f.filters, ff)
	}
	return f
}

func parseOperand(toks []xtok, p *int) (operand, bool) {
	if *p >= len(toks) {
		return operand{}, false
	}
	t := toks[*p]
	*p++
	switch t.kind {
	case xString:
		return operand{isLit: true, lit: t.text}, true
	case xInt:
		n, ok := intLit(t.text)
		return operand{isLit: true, lit: n}, ok
	case xFloat:
		f, err := strconv.ParseFloat(t.text, 64)
		return operand{isLit: true, lit: f}, err == nil
	case xIdent:
	default:
		return operand{}, false
	}
	switch t.text {
	case "true":
		return operand{isLit: true, lit: true}, true
	case "false":
		return operand{isLit: true, lit: false}, true
	case "nil":
		return operand{isLit: true, lit: nil}, true
	}
	if reserved(t.text) {
		return operand{}, false
	}
	o := operand{name: t.text}
	for *p < len(toks) {
		t := toks[*p]
		switch {
		case t.kind == xProp:
			o.path = append(o.path, pathStep{kind: stepProp, name: t.text})
			*p++
		case t.kind == xPunct && t.text == "[" && *p+2 < len(toks) &&
			toks[*p+2].kind == xPunct && toks[*p+2].text == "]":
			k := toks[*p+1]
			switch k.kind {
			case xString:
				o.path = append(o.path, pathStep{kind: stepKey, name: k.text})
			case xInt:
				n, ok := intLit(k.text)
				if !ok {
					return operand{}, false
				}
				o.path = append(o.path, pathStep{kind: stepIndex, index: n})
			default:
				return operand{}, false
			}
			*p += 3
		default:
			return o, true
		}
	}
	return o, true
}

func (o *operand) value(scope map[string]any) any {
	if o.isLit {
		return o.lit
	}
	v := scope[o.name]
	for i := range o.path {
		v = o.path[i].apply(v)
	}
	return v
}

// apply follows one step as the engine's values package does
// (PropertyValue and IndexValue), delegating unusual receivers to it.
func (s *pathStep) apply(v any) any {
	switch t := v.(type) {
	case nil:
		return nil
	case map[string]any:
		switch s.kind {
		case stepProp:
			if x, ok := t[s.name]; ok {
				return x
			}
			if s.name == "size" {
				return len(t)
			}
			return nil
		case stepKey:
			return t[s.name]
		}
	case []any:
		switch s.kind {
		case stepProp:
			switch s.name {
			case "first":
				if len(t) > 0 {
					return t[0]
				}
			case "last":
				if len(t) > 0 {
					return t[len(t)-1]
				}
			case "size":
				return len(t)
			}
			return nil
		case stepKey:
			return nil
		case stepIndex:
			n := s.index
			if n < 0 {
				n += len(t)
			}
			if n >= 0 && n < len(t) {
				return t[n]
			}
			return nil
		}
	case string:
		if s.kind == stepProp && s.name == "size" {
			return len(t)
		}
		return nil
	}
	rv := values.ValueOf(v)
	if s.kind == stepProp {
		return rv.PropertyValue(values.ValueOf(s.name)).Interface()
	}
	if s.kind == stepKey {
		return rv.IndexValue(values.ValueOf(s.name)).Interface()
	}
	return rv.IndexValue(values.ValueOf(s.index)).Interface()
}

func (f *fastExpr) eval(e *engine) (any, *Error) {
	v := f.head.value(e.scope)
	for i := range f.filters {
		ff := &f.filters[i]
		args := e.args[:0]
		for j := range ff.args {
			args = append(args, ff.args[j].value(e.scope))
		}
		e.args = args
		out, err := ff.spec.apply(&e.st, v, args)
		clear(args)
		if err != nil {
			err.Filter = ff.spec.name
			return nil, err
		}
		if b, ok := out.([]byte); ok {
			out = string(b) // as the engine's ApplyFilter does
		}
		v = out
	}
	return v, nil
}
