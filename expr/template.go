package expr

import (
	"slices"
	"strings"

	"github.com/osteele/liquid/expressions"
)

// A Template is a compiled template. It is immutable and safe for
// concurrent use. Build one with [Parse], or [Compile] to share the cached
// copy.
type Template struct {
	src    string
	nodes  []node
	text   string      // the whole template when it has no markup
	isText bool        // no {{ }} and no {% %}: the template is its text
	single *expression // the template is one {{ }}: Eval keeps the value's type
	scoped bool        // tags assign variables: evaluation copies the scope
	exprs  int         // number of {{ }} objects
	refs   []Ref       // document leaves: the references, by local index
}

// Parse compiles a template (Liquid with the platform's filters; see the
// package documentation). Errors are *Error of kind KindSyntax, or
// KindLimit when the template nests too deeply. Parse never panics.
func Parse(src string) (*Template, error) {
	t, err := parse(src, nil)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// hasMarkup reports whether s holds "{{" or "{%"; a string without them is
// plain text.
func hasMarkup(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%")
}

func parse(src string, refs *refCollector) (t *Template, err *Error) {
	if !hasMarkup(src) {
		return &Template{src: src, text: src, isText: true}, nil
	}
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, &Error{Kind: KindSyntax, Offset: -1, Msg: "the template cannot be parsed"}
		}
		if err != nil {
			err.locate(src)
		}
	}()
	toks, err := scan(src)
	if err != nil {
		return nil, err
	}
	if countMarkup(toks) > maxMarkup {
		return nil, newErr(KindLimit, -1, "the template has more than %d objects and tags", maxMarkup)
	}
	p := &parser{src: src, toks: toks, refs: refs}
	nodes, _, err := p.parseBody(0)
	if err != nil {
		return nil, err
	}
	t = &Template{src: src, nodes: nodes, scoped: p.scoped, exprs: p.objects}
	t.single = singleObject(toks, nodes)
	if refs != nil {
		t.refs = refs.refs
	}
	return t, nil
}

func countMarkup(toks []token) int {
	n := 0
	for i := range toks {
		if toks[i].kind != tokText {
			n++
		}
	}
	return n
}

// singleObject returns the expression of a template made of one {{ }} and
// whitespace, or nil.
func singleObject(toks []token, nodes []node) *expression {
	objects := 0
	for i := range toks {
		switch toks[i].kind {
		case tokObject:
			objects++
		case tokText:
			if strings.Trim(toks[i].text, spaces) != "" {
				return nil
			}
		default:
			return nil
		}
	}
	if objects != 1 {
		return nil
	}
	for _, n := range nodes {
		if o, ok := n.(*objectNode); ok {
			return o.x
		}
	}
	return nil
}

// ---- scanner ----

type tokKind uint8

const (
	tokText   tokKind = iota
	tokObject         // {{ args }}
	tokTag            // {% name args %}
	tokNone           // a tag that renders nothing (comment, raw markers): only its whitespace control matters
)

type token struct {
	kind   tokKind
	pos    int    // offset of the token in the template
	text   string // tokText
	name   string // tokTag
	args   string // tokObject: the expression; tokTag: the arguments
	argPos int    // offset of args
	trimL  bool   // {{- or {%-: trims the whitespace before
	trimR  bool   // -}} or -%}: trims the whitespace after
}

const spaces = " \t\n\r\v\f"

// scan splits a template into text, objects and tags. Unlike the Liquid
// engine's scanner it reports unterminated markup, lets an object span
// lines, and records offsets.
func scan(src string) ([]token, *Error) {
	var toks []token
	for i := 0; i < len(src); {
		j := nextMarkup(src, i)
		if j < 0 {
			toks = append(toks, token{kind: tokText, pos: i, text: src[i:]})
			break
		}
		if j > i {
			toks = append(toks, token{kind: tokText, pos: i, text: src[i:j]})
		}
		if src[j+1] == '{' {
			end := strings.Index(src[j+2:], "}}")
			if end < 0 {
				return nil, newErr(KindSyntax, j, "unterminated {{: missing }}")
			}
			end += j + 2
			t := inner(src, j+2, end)
			t.kind, t.pos = tokObject, j
			toks = append(toks, t)
			i = end + 2
			continue
		}
		end := strings.Index(src[j+2:], "%}")
		if end < 0 {
			return nil, newErr(KindSyntax, j, "unterminated {%%: missing %%}")
		}
		end += j + 2
		t := inner(src, j+2, end)
		t.kind, t.pos = tokTag, j
		i = end + 2
		if strings.HasPrefix(t.args, "#") {
			t.kind = tokNone // {% # inline comment %}
			toks = append(toks, t)
			continue
		}
		k := wordEnd(t.args, 0)
		if k == 0 {
			return nil, newErr(KindSyntax, j, "missing tag name")
		}
		t.name = t.args[:k]
		rest := strings.TrimLeft(t.args[k:], spaces)
		t.argPos += len(t.args) - len(rest)
		t.args = rest
		switch t.name {
		case "raw":
			s, e, tl, tr, ok := findEnd(src, i, "raw", "endraw", false)
			if !ok {
				return nil, newErr(KindSyntax, j, "unterminated raw block")
			}
			content := src[i:s]
			if t.trimR {
				content = strings.TrimLeft(content, spaces)
			}
			if tl {
				content = strings.TrimRight(content, spaces)
			}
			toks = append(toks, token{kind: tokNone, pos: j, trimL: t.trimL},
				token{kind: tokText, pos: i, text: content},
				token{kind: tokNone, pos: s, trimR: tr})
			i = e
			continue
		case "comment":
			_, e, _, tr, ok := findEnd(src, i, "comment", "endcomment", true)
			if !ok {
				return nil, newErr(KindSyntax, j, "unterminated comment block")
			}
			toks = append(toks, token{kind: tokNone, pos: j, trimL: t.trimL, trimR: tr})
			i = e
			continue
		}
		toks = append(toks, t)
	}
	// whitespace control: {{- and {%- trim the text before, -}} and -%} the
	// text after
	for i := range toks {
		if toks[i].trimL && i > 0 && toks[i-1].kind == tokText {
			toks[i-1].text = strings.TrimRight(toks[i-1].text, spaces)
		}
		if toks[i].trimR && i+1 < len(toks) && toks[i+1].kind == tokText {
			toks[i+1].text = strings.TrimLeft(toks[i+1].text, spaces)
		}
	}
	return toks, nil
}

// nextMarkup returns the offset of the next "{{" or "{%" from i, or -1.
func nextMarkup(s string, i int) int {
	for {
		k := strings.IndexByte(s[i:], '{')
		if k < 0 || i+k+1 >= len(s) {
			return -1
		}
		i += k
		if s[i+1] == '{' || s[i+1] == '%' {
			return i
		}
		i++
	}
}

// inner reads the markup between offsets a and b: whitespace control
// markers, then the trimmed content.
func inner(src string, a, b int) token {
	var t token
	if a < b && src[a] == '-' {
		t.trimL = true
		a++
	}
	if b > a && src[b-1] == '-' {
		t.trimR = true
		b--
	}
	for a < b && strings.IndexByte(spaces, src[a]) >= 0 {
		a++
	}
	for b > a && strings.IndexByte(spaces, src[b-1]) >= 0 {
		b--
	}
	t.args, t.argPos = src[a:b], a
	return t
}

// wordEnd returns the end of the run of word bytes ([A-Za-z0-9_]) at i.
func wordEnd(s string, i int) int {
	for i < len(s) && (isAlpha(s[i]) || isDigit(s[i]) || s[i] == '_') {
		i++
	}
	return i
}

// findEnd finds the tag named closing after offset i, counting nested
// opening tags when nest is set. It returns the offsets of the closing tag
// and its whitespace control markers.
func findEnd(src string, i int, opening, closing string, nest bool) (start, end int, trimL, trimR, ok bool) {
	depth := 0
	for {
		j := strings.Index(src[i:], "{%")
		if j < 0 {
			return 0, 0, false, false, false
		}
		j += i
		e := strings.Index(src[j+2:], "%}")
		if e < 0 {
			return 0, 0, false, false, false
		}
		if k := strings.Index(src[j+2:j+2+e], "{%"); k >= 0 {
			i = j + 2 + k // "{%" inside: the tag starts there
			continue
		}
		e += j + 2
		t := inner(src, j+2, e)
		name := t.args[:wordEnd(t.args, 0)]
		switch {
		case name == closing && depth == 0:
			return j, e + 2, t.trimL, t.trimR, true
		case name == closing:
			depth--
		case nest && name == opening:
			depth++
		}
		i = e + 2
	}
}

// ---- parser ----

type parser struct {
	src     string
	toks    []token
	i       int
	refs    *refCollector // document leaves: collects the references
	objects int
	scoped  bool
}

func argsAt(t *token) func(int) int {
	base := t.argPos
	return func(o int) int { return base + o }
}

// parseBody parses nodes until one of the stop tags (returned) or the end
// of the template (nil).
func (p *parser) parseBody(depth int, stops ...string) ([]node, *token, *Error) {
	var nodes []node
	for p.i < len(p.toks) {
		t := &p.toks[p.i]
		p.i++
		switch t.kind {
		case tokText:
			if t.text != "" {
				nodes = append(nodes, &textNode{t.text})
			}
		case tokObject:
			x, err := p.object(t)
			if err != nil {
				return nil, nil, err
			}
			p.objects++
			nodes = append(nodes, &objectNode{x: x})
		case tokTag:
			if slices.Contains(stops, t.name) {
				return nodes, t, nil
			}
			if depth >= maxBlockDepth {
				return nil, nil, newErr(KindLimit, t.pos, "blocks nest more than %d levels", maxBlockDepth)
			}
			n, err := p.tag(t, depth)
			if err != nil {
				return nil, nil, err
			}
			nodes = append(nodes, n)
		}
	}
	return nodes, nil, nil
}

func (p *parser) object(t *token) (*expression, *Error) {
	if p.refs != nil {
		return p.refs.object(t)
	}
	return compileExpr(t.args, argsAt(t))
}

func unterminated(t *token) *Error {
	return newErr(KindSyntax, t.pos, "unterminated %s block: missing {%% end%s %%}", t.name, t.name)
}

func (p *parser) tag(t *token, depth int) (node, *Error) {
	at := argsAt(t)
	switch t.name {
	case "if", "unless":
		return p.ifTag(t, depth)
	case "case":
		return p.caseTag(t, depth)
	case "for", "tablerow":
		return p.forTag(t, depth)
	case "capture":
		name := t.args
		if len(name) >= 2 && (name[0] == '\'' || name[0] == '"') && name[len(name)-1] == name[0] {
			name = name[1 : len(name)-1]
		}
		if name == "" || identEnd(name, 0) != len(name) {
			return nil, newErr(KindSyntax, t.pos, "capture needs a variable name")
		}
		body, stop, err := p.parseBody(depth+1, "endcapture")
		if err != nil {
			return nil, err
		}
		if stop == nil {
			return nil, unterminated(t)
		}
		p.scoped = true
		return &captureNode{pos: t.pos, name: name, body: body}, nil
	case "assign":
		stmt, _, _, err := compileStmt(t.args, at, expressions.AssignStatementSelector)
		if err != nil {
			return nil, err
		}
		k := strings.IndexByte(t.args, '=')
		x, err := compileExpr(t.args[k+1:], func(o int) int { return at(k + 1 + o) })
		if err != nil {
			return nil, err
		}
		p.scoped = true
		return &assignNode{name: stmt.Assignment.Variable, x: x}, nil
	case "cycle":
		stmt, _, _, err := compileStmt(t.args, at, expressions.CycleStatementSelector)
		if err != nil {
			return nil, err
		}
		key := stmt.Cycle.Group
		if key == "" {
			key = "\x00" + strings.Join(stmt.Cycle.Values, "\x00")
		}
		return &cycleNode{key: key, values: stmt.Cycle.Values}, nil
	case "break":
		return ctlNode(ctlBreak), nil
	case "continue":
		return ctlNode(ctlContinue), nil
	case "increment", "decrement":
		if t.args == "" || identEnd(t.args, 0) != len(t.args) {
			return nil, newErr(KindSyntax, t.pos, "%s needs a variable name", t.name)
		}
		return &counterNode{name: t.args, down: t.name == "decrement"}, nil
	case "echo":
		x, err := compileExpr(t.args, at)
		if err != nil {
			return nil, err
		}
		return &objectNode{x: x}, nil
	case "include", "render", "include_relative", "layout", "section", "sections":
		return nil, newErr(KindSyntax, t.pos, "the %s tag is not available: templates cannot read files", t.name)
	case "else", "elsif", "when", "endif", "endunless", "endcase", "endfor", "endtablerow",
		"endcapture", "endraw", "endcomment":
		return nil, newErr(KindSyntax, t.pos, "unexpected {%% %s %%}", t.name)
	}
	return nil, newErr(KindSyntax, t.pos, "unknown tag %q", safeName(t.name))
}

func (p *parser) ifTag(t *token, depth int) (node, *Error) {
	if t.args == "" {
		return nil, newErr(KindSyntax, t.pos, "%s needs a condition", t.name)
	}
	cond, err := compileExpr(t.args, argsAt(t))
	if err != nil {
		return nil, err
	}
	end := "end" + t.name
	n := &ifNode{}
	cur := ifBranch{cond: cond, negate: t.name == "unless"}
	for {
		body, stop, err := p.parseBody(depth+1, "elsif", "else", end)
		if err != nil {
			return nil, err
		}
		cur.body = body
		n.branches = append(n.branches, cur)
		if stop == nil {
			return nil, unterminated(t)
		}
		switch stop.name {
		case end:
			return n, nil
		case "elsif":
			if stop.args == "" {
				return nil, newErr(KindSyntax, stop.pos, "elsif needs a condition")
			}
			c, err := compileExpr(stop.args, argsAt(stop))
			if err != nil {
				return nil, err
			}
			cur = ifBranch{cond: c}
		case "else":
			body, stop, err := p.parseBody(depth+1, end)
			if err != nil {
				return nil, err
			}
			if stop == nil {
				return nil, unterminated(t)
			}
			n.branches = append(n.branches, ifBranch{body: body})
			return n, nil
		}
	}
}

func (p *parser) caseTag(t *token, depth int) (node, *Error) {
	if t.args == "" {
		return nil, newErr(KindSyntax, t.pos, "case needs a value")
	}
	x, err := compileExpr(t.args, argsAt(t))
	if err != nil {
		return nil, err
	}
	n := &caseNode{x: x}
	// whatever precedes the first when is ignored, as in Liquid
	_, stop, err := p.parseBody(depth+1, "when", "else", "endcase")
	for {
		if err != nil {
			return nil, err
		}
		if stop == nil {
			return nil, unterminated(t)
		}
		switch stop.name {
		case "endcase":
			return n, nil
		case "when":
			stmt, uses, roots, cerr := compileStmt(stop.args, argsAt(stop), expressions.WhenStatementSelector)
			if cerr != nil {
				return nil, cerr
			}
			w := whenClause{}
			for i, e := range stmt.When.Exprs {
				x := &expression{pos: stop.argPos, lx: e, filters: uses}
				if i == 0 {
					x.roots = roots // the clause's variables, charged once
				}
				w.values = append(w.values, x)
			}
			var body []node
			body, stop, err = p.parseBody(depth+1, "when", "else", "endcase")
			w.body = body
			n.whens = append(n.whens, w)
		case "else":
			var body []node
			body, stop, err = p.parseBody(depth+1, "endcase")
			n.els, n.hasElse = body, true
		}
	}
}

func (p *parser) forTag(t *token, depth int) (node, *Error) {
	stmt, uses, roots, err := compileStmt(t.args, argsAt(t), expressions.LoopStatementSelector)
	if err != nil {
		return nil, err
	}
	l := stmt.Loop
	part := func(e expressions.Expression) *expression {
		if e == nil {
			return nil
		}
		return &expression{pos: t.argPos, lx: e, filters: uses}
	}
	coll := part(l.Expr)
	if coll != nil { // the statement's variables but the loop's own, charged once per loop
		coll.roots = slices.DeleteFunc(roots, func(r string) bool { return r == l.Variable })
	}
	n := &forNode{
		pos: t.pos, name: l.Variable, coll: coll,
		limit: part(l.Limit), offset: part(l.Offset), cols: part(l.Cols),
		reversed: l.Reversed, tablerow: t.name == "tablerow",
	}
	end := "end" + t.name
	stops := []string{"else", end}
	if n.tablerow {
		stops = stops[1:]
	}
	body, stop, err := p.parseBody(depth+1, stops...)
	if err != nil {
		return nil, err
	}
	if stop == nil {
		return nil, unterminated(t)
	}
	n.body = body
	if stop.name == "else" {
		if n.els, stop, err = p.parseBody(depth+1, end); err != nil {
			return nil, err
		}
		if stop == nil {
			return nil, unterminated(t)
		}
	}
	p.scoped = true
	return n, nil
}
