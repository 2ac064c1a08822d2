package expr

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RefKind is what a document reference names.
type RefKind uint8

const (
	// RefData: {{ <tokenId> }}, the token's data.
	RefData RefKind = iota + 1
	// RefToken: {{ token: <tokenId> }}, the whole token object.
	RefToken
	// RefTokenIntent: {{ token_intent: <id> }}, a token intent.
	RefTokenIntent
	// RefConfig: {{ config: <key> }}, a reactor's or proxy's configuration
	// value.
	RefConfig
	// RefTransform: {{ transform_identifier: '<name>' }}, the token an
	// earlier tokenize transform of a proxy created under that identifier
	// (the quotes, ' or ", are optional and not part of ID).
	RefTransform
)

var refKindNames = [...]string{"", "data", "token", "token_intent", "config", "transform_identifier"}

// String returns "data", "token", "token_intent", "config" or
// "transform_identifier".
func (k RefKind) String() string {
	if int(k) < len(refKindNames) && k != 0 {
		return refKindNames[k]
	}
	return "refkind(" + strconv.Itoa(int(k)) + ")"
}

// Ref is one reference of a document. Refs are comparable: use them as map
// keys.
type Ref struct {
	Kind RefKind
	ID   string // the token id, intent id or configuration key
}

// String returns the reference as written, without filters: "<id>",
// "token: <id>", "token_intent: <id>" or "config: <key>".
func (r Ref) String() string {
	if r.Kind == RefData {
		return r.ID
	}
	return r.Kind.String() + ": " + r.ID
}

// A Document is a JSON document whose strings may hold references (reactor
// arguments, /detokenize bodies, proxy bodies), compiled once by
// [ParseDocument]. It is immutable and safe for concurrent use.
type Document struct {
	root   any
	tree   *docNode // nil: no string holds "{{"
	refs   []Ref
	exprs  int
	leaves []docLeaf
}

type docLeaf struct {
	path string
	t    *Template
	refs []int // the template's local references, as indexes into Document.refs
}

// docNode marks the parts of the document that hold templates: rendering
// copies them and shares every other part with the input.
type docNode struct {
	leaf int // index into leaves, or -1
	keys []string
	idx  []int
	kids []*docNode
}

// ParseDocument compiles every string of doc that holds "{{": each {{ }}
// must start with a reference (see the package documentation), the rest of
// the string is Liquid. Strings without "{{" are left untouched and cost
// nothing. doc is a JSON value as encoding/json decodes it (map[string]any,
// []any, strings, numbers...); map[string]string and []string are accepted
// too. Errors are *Error of kind KindSyntax or KindLimit with Path set.
func ParseDocument(doc any) (*Document, error) {
	d := &Document{root: doc}
	index := map[Ref]int{}
	tree, err := d.walk(doc, &docPath{}, 0, index)
	if err != nil {
		return nil, err
	}
	d.tree = tree
	return d, nil
}

func (d *Document) walk(v any, path *docPath, depth int, index map[Ref]int) (*docNode, *Error) {
	if depth > maxDocDepth {
		return nil, &Error{Kind: KindLimit, Path: path.String(), Offset: -1, Msg: "the document nests too deeply"}
	}
	var buf [16]string
	switch t := v.(type) {
	case string:
		return d.leaf(t, path, index)
	case map[string]any:
		return d.walkMap(sortedKeys(t, buf[:0]), func(k string) any { return t[k] }, path, depth, index)
	case map[string]string:
		return d.walkMap(sortedKeys(t, buf[:0]), func(k string) any { return t[k] }, path, depth, index)
	case []any:
		return d.walkSlice(len(t), func(i int) any { return t[i] }, path, depth, index)
	case []string:
		return d.walkSlice(len(t), func(i int) any { return t[i] }, path, depth, index)
	}
	return nil, nil
}

func (d *Document) walkMap(keys []string, get func(string) any, path *docPath, depth int, index map[Ref]int) (*docNode, *Error) {
	var n *docNode
	for _, k := range keys {
		path.push(pathSeg{key: k})
		kid, err := d.walk(get(k), path, depth+1, index)
		path.pop()
		if err != nil {
			return nil, err
		}
		if kid != nil {
			if n == nil {
				n = &docNode{leaf: -1}
			}
			n.keys = append(n.keys, k)
			n.kids = append(n.kids, kid)
		}
	}
	return n, nil
}

func (d *Document) walkSlice(size int, get func(int) any, path *docPath, depth int, index map[Ref]int) (*docNode, *Error) {
	var n *docNode
	for i := range size {
		path.push(pathSeg{idx: i, isIdx: true})
		kid, err := d.walk(get(i), path, depth+1, index)
		path.pop()
		if err != nil {
			return nil, err
		}
		if kid != nil {
			if n == nil {
				n = &docNode{leaf: -1}
			}
			n.idx = append(n.idx, i)
			n.kids = append(n.kids, kid)
		}
	}
	return n, nil
}

func (d *Document) leaf(s string, path *docPath, index map[Ref]int) (*docNode, *Error) {
	if !strings.Contains(s, "{{") {
		return nil, nil
	}
	var t *Template
	var err *Error
	if len(s) > maxCachedSource {
		t, err = parseLeaf(s)
	} else {
		t, err = leaves.get(s, func() (*Template, *Error) { return parseLeaf(s) })
	}
	if err != nil {
		err.Path = path.String()
		return nil, err
	}
	l := docLeaf{path: path.String(), t: t, refs: make([]int, len(t.refs))}
	for i, r := range t.refs {
		j, ok := index[r]
		if !ok {
			j = len(d.refs)
			index[r] = j
			d.refs = append(d.refs, r)
		}
		l.refs[i] = j
	}
	d.exprs += t.exprs
	if d.exprs > maxMarkup {
		return nil, &Error{Kind: KindLimit, Path: l.path, Offset: -1, Msg: "the document has more than " + strconv.Itoa(maxMarkup) + " expressions"}
	}
	d.leaves = append(d.leaves, l)
	return &docNode{leaf: len(d.leaves) - 1}, nil
}

func parseLeaf(s string) (*Template, *Error) {
	return parse(s, &refCollector{index: map[Ref]int{}})
}

// Refs returns the document's references, each once, in the order they
// first appear (object keys in sorted order, array items in order): resolve
// them all in one read, then call [Document.Render].
func (d *Document) Refs() []Ref { return slices.Clone(d.refs) }

// Expressions returns the number of {{ }} in the document, for per-request
// caps.
func (d *Document) Expressions() int { return d.exprs }

// Render substitutes the references: values returns the value of each
// reference (a token's data, a token object, a configuration value...) and
// false for an unknown one. It is called once per reference, before any
// evaluation. A string that is exactly one {{ }} becomes the value with its
// JSON type (an object is embedded as an object); mixed text concatenates.
// Parts of the document without "{{" are shared with the input, not copied.
//
// Errors are *Error with Path set: KindRef for a reference values does not
// resolve, KindEval or KindLimit from the filters. The limits bound the
// whole document. Safe for concurrent use.
func (d *Document) Render(values func(Ref) (any, bool), opts ...Option) (any, error) {
	if d.tree == nil {
		return d.root, nil
	}
	if values == nil {
		values = func(Ref) (any, bool) { return nil, false }
	}
	vals := make([]any, len(d.refs))
	for i, r := range d.refs {
		v, ok := values(r)
		if !ok {
			return nil, &Error{Kind: KindRef, Path: d.firstUse(i), Offset: -1, Msg: "unresolved " + refNoun(r.Kind)}
		}
		n, err := normalizeIn(v, 0)
		if err != nil {
			e := err
			e.Path = d.firstUse(i)
			return nil, e
		}
		vals[i] = n
	}
	e := getEngine(buildOptions(opts))
	defer putEngine(e)
	e.embed = true
	out, err := d.render(e, d.root, d.tree, vals)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func refNoun(k RefKind) string {
	switch k {
	case RefConfig:
		return "configuration key"
	case RefTokenIntent:
		return "token intent reference"
	}
	return "token reference"
}

func (d *Document) firstUse(ref int) string {
	for _, l := range d.leaves {
		if slices.Contains(l.refs, ref) {
			return l.path
		}
	}
	return ""
}

func (d *Document) render(e *engine, v any, n *docNode, vals []any) (any, *Error) {
	if n.leaf >= 0 {
		l := &d.leaves[n.leaf]
		vars := make(map[string]any, len(l.refs))
		for i, j := range l.refs {
			vars[refVar(i)] = vals[j]
		}
		e.st.outLeft = e.st.lim.MaxOutput // each leaf renders up to MaxOutput
		out, err := l.t.evalIn(e, vars, true)
		if err != nil {
			err.locate(l.t.src).Path = l.path
			return nil, err
		}
		return out, nil
	}
	switch t := v.(type) {
	case map[string]any:
		out := maps.Clone(t)
		for i, k := range n.keys {
			x, err := d.render(e, t[k], n.kids[i], vals)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, s := range t {
			out[k] = s
		}
		for i, k := range n.keys {
			x, err := d.render(e, t[k], n.kids[i], vals)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case []any:
		out := slices.Clone(t)
		for i, k := range n.idx {
			x, err := d.render(e, t[k], n.kids[i], vals)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		for i, k := range n.idx {
			x, err := d.render(e, t[k], n.kids[i], vals)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	return v, nil
}

// ---- references in leaves ----

var refVars = func() (names [16]string) {
	for i := range names {
		names[i] = "__ref" + strconv.Itoa(i)
	}
	return
}()

// refVar is the variable a leaf's i-th reference is bound to.
func refVar(i int) string {
	if i < len(refVars) {
		return refVars[i]
	}
	return "__ref" + strconv.Itoa(i)
}

// refCollector rewrites the head of each {{ }} of a document leaf into a
// variable, so that the Liquid engine applies the filters.
type refCollector struct {
	refs  []Ref
	index map[Ref]int
}

func (c *refCollector) object(t *token) (*expression, *Error) {
	head, rest, k := t.args, "", len(t.args)
	if i := strings.IndexByte(t.args, '|'); i >= 0 {
		head, rest, k = t.args[:i], t.args[i:], i
	}
	r, ok := parseRef(strings.TrimRight(head, spaces))
	if !ok {
		return nil, newErr(KindSyntax, t.argPos,
			"a reference must be a token id, token: <id>, token_intent: <id> or config: <key>")
	}
	j, seen := c.index[r]
	if !seen {
		j = len(c.refs)
		c.index[r] = j
		c.refs = append(c.refs, r)
	}
	name := refVar(j)
	text := name + " " + rest
	at := func(o int) int {
		if o <= len(name) {
			return t.argPos
		}
		return t.argPos + k + o - len(name) - 1
	}
	return compileExpr(text, at)
}

var refPrefixes = []struct {
	prefix string
	kind   RefKind
}{{"token_intent", RefTokenIntent}, {"token", RefToken}, {"config", RefConfig}, {"transform_identifier", RefTransform}}

// parseRef reads a reference head: token: <id>, token_intent: <id>,
// config: <key>, transform_identifier: '<name>' or <id>.
func parseRef(head string) (Ref, bool) {
	for _, p := range refPrefixes {
		if !strings.HasPrefix(head, p.prefix) {
			continue
		}
		rest := strings.TrimLeft(head[len(p.prefix):], spaces)
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		id := strings.TrimLeft(rest[1:], spaces)
		min := 3
		switch p.kind {
		case RefConfig:
			min = 1
		case RefTransform:
			min = 1
			if len(id) >= 2 && (id[0] == '\'' || id[0] == '"') && id[len(id)-1] == id[0] {
				id = id[1 : len(id)-1]
			}
		}
		return Ref{p.kind, id}, validID(id, min)
	}
	return Ref{RefData, head}, validID(head, 3)
}

// validID reports whether id is a token id: 3 to 400 characters (config
// keys: 1 to 400), no whitespace, none of # / \ + ? [ ] | & = % < > { } ^.
func validID(id string, min int) bool {
	n := utf8.RuneCountInString(id)
	if n < min || n > 400 || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`#/\+?[]|&=%<>{}^`, r) {
			return false
		}
	}
	return true
}
