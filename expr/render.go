package expr

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/osteele/liquid/values"
)

// ---- evaluation entry points ----

var enginePool = sync.Pool{New: func() any { return newEngine() }}

func getEngine(o evalOptions) *engine {
	e := enginePool.Get().(*engine)
	e.st.reset(o.limits)
	if b := o.budget; b != nil {
		e.budget = b
		e.st.lim.MaxSteps = max(min(e.st.lim.MaxSteps, b.Steps), 0)
	}
	return e
}

func putEngine(e *engine) {
	if e.budget != nil {
		e.budget.Steps = max(e.budget.Steps-e.st.steps, 0)
		e.budget = nil
	}
	e.scope = nil
	e.embed = false
	clear(e.cycles)
	clear(e.counters)
	clear(e.loops)
	e.loops = e.loops[:0]
	if cap(e.buf) > 64<<10 {
		e.buf = nil
	}
	enginePool.Put(e)
}

// Eval evaluates the template with vars. A template that is exactly one
// {{ }} (whitespace around it allowed) returns the value with its JSON type:
// a number stays a number, an object an object, null null. Any other
// template returns its rendered text. See the package documentation for the
// value types.
//
// Errors are *Error of kind KindEval or KindLimit. Safe for concurrent use.
func (t *Template) Eval(vars map[string]any, opts ...Option) (any, error) {
	v, err := t.eval(vars, true, opts)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// EvalString evaluates the template to text, whatever its form: a single
// {{ }} renders as it would inside text (strings as they are, null as
// nothing, numbers and booleans as in JSON, objects and arrays as JSON,
// bytes as base64). For fingerprints, search indexes and alias ids.
func (t *Template) EvalString(vars map[string]any, opts ...Option) (string, error) {
	v, err := t.eval(vars, false, opts)
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (t *Template) eval(vars map[string]any, typed bool, opts []Option) (any, *Error) {
	if t.isText {
		return t.text, nil
	}
	o := buildOptions(opts)
	nv, err := normalizeVars(vars)
	if err != nil {
		return nil, err
	}
	e := getEngine(o)
	defer putEngine(e)
	v, err := t.evalIn(e, nv, typed)
	if err != nil {
		return nil, err.locate(t.src)
	}
	return v, nil
}

func normalizeVars(vars map[string]any) (map[string]any, *Error) {
	n, err := normalizeIn(vars, 0)
	if err != nil {
		return nil, err
	}
	m, _ := n.(map[string]any)
	return m, nil
}

// evalIn evaluates with normalised vars on engine e. Errors keep their
// offsets; the caller locates them.
func (t *Template) evalIn(e *engine, vars map[string]any, typed bool) (v any, err *Error) {
	if t.isText {
		return t.text, nil
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &Error{Kind: KindEval, Offset: -1, Msg: "the template cannot be evaluated"}
		}
	}()
	if t.scoped {
		e.scope = maps.Clone(vars)
		if e.scope == nil {
			e.scope = map[string]any{}
		}
	} else {
		e.scope = vars
	}
	clear(e.cycles)
	clear(e.counters)
	if t.single != nil {
		v, err := t.single.eval(e)
		if err != nil {
			return nil, err
		}
		if typed {
			if !e.embed {
				// The value counts as output: its JSON is what the caller
				// will encode (a mask repeating {{ data }} would otherwise
				// return its data as many times as it likes).
				if err := e.st.output(jsonSize(v, e.st.outLeft)); err != nil {
					err.Offset = t.single.pos
					return nil, err
				}
			}
			out, err := normalizeOut(v, &e.st.lim)
			if err != nil {
				err.Offset = t.single.pos
				return nil, err
			}
			return out, nil
		}
		w := output{b: e.buf[:0], max: e.st.outLeft, limit: e.st.lim.MaxOutput}
		if err := w.value(e, v); err != nil {
			err.Offset = t.single.pos
			return nil, err
		}
		e.buf = w.b
		e.st.outLeft -= len(w.b)
		return string(w.b), nil
	}
	w := output{b: e.buf[:0], max: e.st.outLeft, limit: e.st.lim.MaxOutput}
	_, err = renderNodes(e, t.nodes, &w)
	e.buf = w.b
	if err != nil {
		return nil, err
	}
	e.st.outLeft -= len(w.b)
	return string(w.b), nil
}

// EvalJSON evaluates every string of doc (a JSON value: a mask is an
// object, array or string of templates) with vars and returns a document of
// the same shape. Each string is a template compiled through [Compile] and
// evaluated as [Template.Eval] does, so a leaf that is one {{ }} keeps the
// type of its value; other values are kept. The limits bound the whole
// document: the steps, and MaxOutput the text and the values (as JSON) of
// all its templates together. Errors are *Error with Path set to the leaf.
func EvalJSON(doc any, vars map[string]any, opts ...Option) (any, error) {
	o := buildOptions(opts)
	nv, err := normalizeVars(vars)
	if err != nil {
		return nil, err
	}
	e := getEngine(o)
	defer putEngine(e)
	out, err := evalJSON(e, doc, nv, &docPath{}, 0)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func evalJSON(e *engine, v any, vars map[string]any, path *docPath, depth int) (any, *Error) {
	if depth > maxDocDepth {
		return nil, &Error{Kind: KindLimit, Path: path.String(), Offset: -1, Msg: "the document nests too deeply"}
	}
	switch t := v.(type) {
	case string:
		if !hasMarkup(t) {
			return t, nil
		}
		tmpl, err := compileTemplate(t)
		if err != nil {
			err.Path = path.String()
			return nil, err
		}
		out, err := tmpl.evalIn(e, vars, true)
		if err != nil {
			err.locate(tmpl.src).Path = path.String()
			return nil, err
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		var buf [16]string
		for _, k := range sortedKeys(t, buf[:0]) {
			path.push(pathSeg{key: k})
			x, err := evalJSON(e, t[k], vars, path, depth+1)
			path.pop()
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			path.push(pathSeg{idx: i, isIdx: true})
			y, err := evalJSON(e, x, vars, path, depth+1)
			path.pop()
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case map[string]string, []string:
		n, err := normalizeIn(t, depth)
		if err != nil {
			return nil, err
		}
		return evalJSON(e, n, vars, path, depth)
	}
	out, err := normalizeOut(v, &e.st.lim)
	if err != nil {
		err.Path = path.String()
		return nil, err
	}
	return out, nil
}

// sortedKeys returns the keys of m in order, appended to buf.
func sortedKeys[V any](m map[string]V, buf []string) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// docPath is the JSON path of the value being walked, made a string only
// when needed: .key, or ["key"] when the key is not a plain name; [i].
type docPath struct{ segs []pathSeg }

type pathSeg struct {
	key   string
	idx   int
	isIdx bool
}

func (p *docPath) push(s pathSeg) { p.segs = append(p.segs, s) }
func (p *docPath) pop()           { p.segs = p.segs[:len(p.segs)-1] }

func (p *docPath) String() string {
	var b strings.Builder
	for _, s := range p.segs {
		if s.isIdx {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.idx))
			b.WriteByte(']')
			continue
		}
		plain := s.key != ""
		for i := 0; i < len(s.key) && plain; i++ {
			c := s.key[i]
			plain = isAlpha(c) || isDigit(c) || c == '_' || c == '-'
		}
		switch {
		case !plain:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.key))
			b.WriteByte(']')
		case b.Len() > 0:
			b.WriteByte('.')
			b.WriteString(s.key)
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

// ---- output ----

// output is the text a template renders, within max bytes (what is left of
// the evaluation's MaxOutput, limit, which errors name).
type output struct {
	b          []byte
	max, limit int
}

func (w *output) limitErr() *Error {
	return newErr(KindLimit, -1, "the output exceeds %d bytes", w.limit)
}

func (w *output) text(e *engine, s string) *Error {
	if len(w.b)+len(s) > w.max {
		return w.limitErr()
	}
	w.b = append(w.b, s...)
	return e.st.wrote(len(s))
}

func (w *output) value(e *engine, v any) *Error {
	n := len(w.b)
	if s, ok := v.(string); ok {
		return w.text(e, s)
	}
	b, err := appendText(w.b, v, &e.st.lim, w.max-n)
	if err != nil {
		return err
	}
	if len(b) > w.max {
		w.b = b[:n]
		return w.limitErr()
	}
	w.b = b
	return e.st.wrote(len(b) - n)
}

// ---- nodes ----

type ctl uint8

const (
	ctlNone ctl = iota
	ctlBreak
	ctlContinue
)

type node interface {
	render(e *engine, w *output) (ctl, *Error)
}

func renderNodes(e *engine, nodes []node, w *output) (ctl, *Error) {
	for _, n := range nodes {
		if c, err := n.render(e, w); err != nil || c != ctlNone {
			return c, err
		}
	}
	return ctlNone, nil
}

type textNode struct{ s string }

func (n *textNode) render(e *engine, w *output) (ctl, *Error) {
	return ctlNone, w.text(e, n.s)
}

type objectNode struct{ x *expression }

func (n *objectNode) render(e *engine, w *output) (ctl, *Error) {
	v, err := n.x.eval(e)
	if err != nil {
		return ctlNone, err
	}
	if err := w.value(e, v); err != nil {
		err.Offset = n.x.pos
		return ctlNone, err
	}
	return ctlNone, nil
}

type assignNode struct {
	name string
	x    *expression
}

// render assigns the value; a range becomes an array (within MaxItems),
// so that variables never hold the engine's range type.
func (n *assignNode) render(e *engine, _ *output) (ctl, *Error) {
	v, err := n.x.eval(e)
	if err != nil {
		return ctlNone, err
	}
	if v, err = e.st.materialize(v); err != nil {
		err.Offset = n.x.pos
		return ctlNone, err
	}
	e.scope[n.name] = v
	return ctlNone, nil
}

type captureNode struct {
	pos  int
	name string
	body []node
}

func (n *captureNode) render(e *engine, w *output) (ctl, *Error) {
	sub := output{max: w.max, limit: w.limit}
	c, err := renderNodes(e, n.body, &sub)
	if err != nil {
		return c, err
	}
	e.scope[n.name] = string(sub.b)
	return c, nil
}

type ifBranch struct {
	cond   *expression // nil: else
	negate bool        // unless
	body   []node
}

type ifNode struct{ branches []ifBranch }

func truthy(v any) bool { return v != nil && v != false }

func (n *ifNode) render(e *engine, w *output) (ctl, *Error) {
	for i := range n.branches {
		b := &n.branches[i]
		if b.cond != nil {
			v, err := b.cond.eval(e)
			if err != nil {
				return ctlNone, err
			}
			if truthy(v) == b.negate {
				continue
			}
		}
		return renderNodes(e, b.body, w)
	}
	return ctlNone, nil
}

type whenClause struct {
	values []*expression
	body   []node
}

type caseNode struct {
	x       *expression
	whens   []whenClause
	els     []node
	hasElse bool
}

// render renders the first matching when, else the else.
func (n *caseNode) render(e *engine, w *output) (ctl, *Error) {
	v, err := n.x.eval(e)
	if err != nil {
		return ctlNone, err
	}
	for i := range n.whens {
		for _, x := range n.whens[i].values {
			if err := e.st.step(1); err != nil {
				err.Offset = x.pos
				return ctlNone, err
			}
			wv, err := x.evalLiquid(e, x.lx)
			if err != nil {
				return ctlNone, err
			}
			if values.Equal(v, wv) {
				return renderNodes(e, n.whens[i].body, w)
			}
		}
	}
	if n.hasElse {
		return renderNodes(e, n.els, w)
	}
	return ctlNone, nil
}

type cycleNode struct {
	key    string
	values []string
}

func (n *cycleNode) render(e *engine, w *output) (ctl, *Error) {
	if e.cycles == nil {
		e.cycles = map[string]int{}
	}
	i := e.cycles[n.key]
	e.cycles[n.key] = i + 1
	return ctlNone, w.text(e, n.values[i%len(n.values)])
}

type ctlNode ctl

func (n ctlNode) render(*engine, *output) (ctl, *Error) { return ctl(n), nil }

// counterNode is increment (outputs then adds one, from 0) or decrement
// (subtracts one, from 0, then outputs); counters are apart from variables.
type counterNode struct {
	name string
	down bool
}

func (n *counterNode) render(e *engine, w *output) (ctl, *Error) {
	if e.counters == nil {
		e.counters = map[string]int{}
	}
	v := e.counters[n.name]
	if n.down {
		v--
		e.counters[n.name] = v
	} else {
		e.counters[n.name] = v + 1
	}
	return ctlNone, w.text(e, strconv.Itoa(v))
}

// ---- for and tablerow ----

type forNode struct {
	pos                       int
	name                      string
	coll, limit, offset, cols *expression
	reversed, tablerow        bool
	body, els                 []node
}

// items returns the length of a collection and its i-th item: an array, a
// range, an object (as [key, value] pairs in key order) or a non-empty
// string (once). Anything else is empty.
func items(v any) (int, func(int) any) {
	switch t := v.(type) {
	case []any:
		return len(t), func(i int) any { return t[i] }
	case values.Range:
		return max(t.Len(), 0), t.Index
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		return len(keys), func(i int) any { return []any{keys[i], t[keys[i]]} }
	case string:
		if t == "" {
			return 0, nil
		}
		return 1, func(int) any { return t }
	case []string:
		return len(t), func(i int) any { return t[i] }
	}
	return 0, nil
}

func (n *forNode) intParam(e *engine, x *expression, what string) (int, bool, *Error) {
	if x == nil {
		return 0, false, nil
	}
	v, err := x.evalLiquid(e, x.lx)
	if err != nil {
		return 0, false, err
	}
	if v == nil {
		return 0, false, nil
	}
	k, aerr := argInt([]any{v}, 0, 0)
	if aerr != nil {
		return 0, false, newErr(KindEval, n.pos, "%s must be an integer", what)
	}
	return k, true, nil
}

func (n *forNode) render(e *engine, w *output) (ctl, *Error) {
	if err := e.st.step(1); err != nil {
		err.Offset = n.pos
		return ctlNone, err
	}
	coll, err := n.coll.evalLiquid(e, n.coll.lx)
	if err != nil {
		return ctlNone, err
	}
	length, item := items(coll)
	start, count := 0, length
	if k, ok, err := n.intParam(e, n.offset, "the loop offset"); err != nil {
		return ctlNone, err
	} else if ok && k > 0 {
		start = min(k, length)
		count = length - start
	}
	if k, ok, err := n.intParam(e, n.limit, "the loop limit"); err != nil {
		return ctlNone, err
	} else if ok && k >= 0 {
		count = min(k, count)
	}
	cols := 0
	if n.tablerow {
		k, ok, err := n.intParam(e, n.cols, "cols")
		if err != nil {
			return ctlNone, err
		}
		if ok && k > 0 {
			cols = k
		}
		if cols == 0 {
			cols = max(count, 1)
		}
	}
	if count == 0 && !n.tablerow {
		return renderNodes(e, n.els, w)
	}
	loopVar := "forloop"
	if n.tablerow {
		loopVar = "tablerowloop"
	}
	oldItem, hadItem := e.scope[n.name]
	oldLoop, hadLoop := e.scope[loopVar]
	defer func() {
		restore(e.scope, n.name, oldItem, hadItem)
		restore(e.scope, loopVar, oldLoop, hadLoop)
	}()
	var parent any
	if len(e.loops) > 0 {
		parent = e.loops[len(e.loops)-1]
	}
	if n.tablerow && count == 0 {
		return ctlNone, w.text(e, "<tr class=\"row1\">\n</tr>\n")
	}
	for i := 0; i < count; i++ {
		if err := e.st.step(1); err != nil {
			err.Offset = n.pos
			return ctlNone, err
		}
		idx := start + i
		if n.reversed {
			idx = start + count - 1 - i
		}
		loop := map[string]any{
			"first": i == 0, "last": i == count-1, "index": i + 1, "index0": i,
			"rindex": count - i, "rindex0": count - i - 1, "length": count,
		}
		if parent != nil {
			loop["parentloop"] = parent
		}
		e.scope[n.name] = item(idx)
		e.scope[loopVar] = loop
		if n.tablerow {
			col, row := i%cols, i/cols
			loop["col"], loop["col0"], loop["row"] = col+1, col, row+1
			loop["col_first"], loop["col_last"] = col == 0, col == cols-1 || i == count-1
			if col == 0 {
				nl := ""
				if row == 0 {
					nl = "\n"
				}
				if err := w.text(e, "<tr class=\"row"+strconv.Itoa(row+1)+"\">"+nl); err != nil {
					return ctlNone, err
				}
			}
			if err := w.text(e, "<td class=\"col"+strconv.Itoa(col+1)+"\">"); err != nil {
				return ctlNone, err
			}
		}
		e.loops = append(e.loops, loop)
		c, err := renderNodes(e, n.body, w)
		e.loops = e.loops[:len(e.loops)-1]
		if err != nil {
			return ctlNone, err
		}
		if n.tablerow {
			end := "</td>"
			if (i+1)%cols == 0 || i == count-1 {
				end += "</tr>\n"
			}
			if err := w.text(e, end); err != nil {
				return ctlNone, err
			}
		}
		if c == ctlBreak {
			break
		}
	}
	return ctlNone, nil
}

func restore(scope map[string]any, name string, v any, had bool) {
	if had {
		scope[name] = v
	} else {
		delete(scope, name)
	}
}
