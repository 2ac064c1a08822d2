package expr

import (
	"slices"

	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/values"
)

// An expression is one compiled Liquid expression: the engine's compiled
// form, and the fast path when the expression is a variable or literal
// followed by filters with variable or literal arguments (most masks,
// fingerprints and search indexes).
type expression struct {
	pos     int // offset of the expression in the template
	lx      expressions.Expression
	fast    *fastExpr
	filters []filterUse
	// roots are the variables the expression reads, charged by size when
	// the engine evaluates it (see evalState.chargeRoots).
	roots []string
}

// rootVars returns the variables the tokens read: identifiers that are not
// reserved words, properties or filter names, once each.
func rootVars(toks []xtok) []string {
	var roots []string
	for i, t := range toks {
		if t.kind != xIdent || reserved(t.text) || i > 0 && toks[i-1].kind == xPunct && toks[i-1].text == "|" {
			continue
		}
		if !slices.Contains(roots, t.text) {
			roots = append(roots, t.text)
		}
	}
	return roots
}

// filterUse locates a filter name in the template, for error messages.
type filterUse struct {
	name string
	pos  int
}

// compileExpr compiles the expression text; at maps an offset in text to
// an offset in the template.
func compileExpr(text string, at func(int) int) (*expression, *Error) {
	toks, err := lexExpr(text)
	if err != nil {
		err.Offset = at(err.Offset)
		return nil, err
	}
	x := &expression{pos: at(0)}
	if len(toks) == 0 {
		return x, nil
	}
	if x.filters, err = checkFilters(toks, at); err != nil {
		return nil, err
	}
	if err := checkRanges(toks); err != nil {
		err.Offset = at(err.Offset)
		return nil, err
	}
	lx, ok := parseLiquid(text)
	if !ok {
		return nil, newErr(KindSyntax, at(0), "syntax error in expression")
	}
	x.lx = lx
	x.fast = compileFast(toks)
	if x.fast == nil {
		x.roots = rootVars(toks)
	}
	return x, nil
}

// compileStmt validates a tag's arguments as compileExpr does, for the
// statements the engine parses itself (for, cycle, when).
// The roots are the variables the whole statement reads.
func compileStmt(text string, at func(int) int, sel string) (*expressions.Statement, []filterUse, []string, *Error) {
	toks, err := lexExpr(text)
	if err != nil {
		err.Offset = at(err.Offset)
		return nil, nil, nil, err
	}
	uses, err := checkFilters(toks, at)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkRanges(toks); err != nil {
		err.Offset = at(err.Offset)
		return nil, nil, nil, err
	}
	stmt, ok := parseStatement(sel, text)
	if !ok {
		return nil, nil, nil, newErr(KindSyntax, at(0), "syntax error in tag arguments")
	}
	return stmt, uses, rootVars(toks), nil
}

func parseLiquid(text string) (x expressions.Expression, ok bool) {
	defer func() {
		if recover() != nil {
			x, ok = nil, false
		}
	}()
	x, err := expressions.Parse(text)
	return x, err == nil
}

func parseStatement(sel, text string) (s *expressions.Statement, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = nil, false
		}
	}()
	s, err := expressions.ParseStatement(sel, text)
	return s, err == nil
}

// checkFilters finds every filter in the tokens and checks that it exists,
// that it has an acceptable number of arguments and that a filter that must
// be last is.
func checkFilters(toks []xtok, at func(int) int) ([]filterUse, *Error) {
	var uses []filterUse
	for i := 0; i < len(toks); i++ {
		if toks[i].kind != xPunct || toks[i].text != "|" || i+1 >= len(toks) {
			continue
		}
		nt := toks[i+1]
		if nt.kind != xIdent && nt.kind != xKeyword {
			continue // the engine reports the syntax error
		}
		spec := filterTable[nt.text]
		if spec == nil {
			return nil, newErr(KindSyntax, at(nt.pos), "unknown filter %q", safeName(nt.text))
		}
		j, nargs := i+2, 0
		if nt.kind == xIdent && j < len(toks) && toks[j].kind == xPunct && toks[j].text == ":" {
			return nil, newErr(KindSyntax, at(toks[j].pos), "filter %q: no space is allowed before ':'", spec.name)
		}
		if nt.kind == xKeyword && j < len(toks) {
			nargs = 1
		}
		depth, piped := 0, false
	scan:
		for ; j < len(toks); j++ {
			t := toks[j]
			if t.kind != xPunct {
				continue
			}
			switch t.text {
			case "(", "[":
				depth++
			case ")", "]":
				if depth == 0 {
					break scan
				}
				depth--
			case ",":
				if depth == 0 && nt.kind == xKeyword {
					nargs++
				}
			case "|":
				if depth == 0 {
					piped = true
					break scan
				}
			}
		}
		if nargs < spec.min || nargs > spec.max {
			e := spec.arityError(nargs)
			e.Offset, e.Filter = at(nt.pos), spec.name
			return nil, e
		}
		if spec.last && piped {
			return nil, &Error{Kind: KindSyntax, Offset: at(nt.pos), Filter: spec.name,
				Msg: "filter \"" + spec.name + "\" must be the last filter"}
		}
		uses = append(uses, filterUse{spec.name, at(nt.pos)})
	}
	return uses, nil
}

// eval evaluates the expression in the engine's scope.
func (x *expression) eval(e *engine) (any, *Error) {
	if err := e.st.step(1); err != nil {
		err.Offset = x.pos
		return nil, err
	}
	if x.fast != nil {
		return x.evalFast(e)
	}
	if x.lx == nil {
		return nil, nil
	}
	return x.evalLiquid(e, x.lx)
}

// evalFast runs the fast path, turning a panic into the error evalLiquid
// would return.
func (x *expression) evalFast(e *engine) (v any, err *Error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &Error{Kind: KindEval, Offset: x.pos, Msg: "the expression cannot be evaluated"}
		}
	}()
	v, err = x.fast.eval(e)
	if err != nil {
		return nil, x.locate(err)
	}
	return v, nil
}

// evalLiquid evaluates lx (this expression, or a part of its statement)
// with the Liquid engine, turning its errors and panics into *Error.
func (x *expression) evalLiquid(e *engine, lx expressions.Expression) (v any, err *Error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &Error{Kind: KindEval, Offset: x.pos, Msg: "the expression cannot be evaluated"}
		}
	}()
	if len(x.roots) > 0 {
		if err := e.st.chargeRoots(e.scope, x.roots); err != nil {
			err.Offset = x.pos
			return nil, err
		}
	}
	out, lerr := lx.Evaluate(expressions.NewContext(e.scope, e.cfg))
	if lerr != nil {
		return nil, x.liquidError(lerr)
	}
	return out, nil
}

// liquidError maps an error of the Liquid engine to a safe *Error: the
// engine's own messages may quote values.
func (x *expression) liquidError(err error) *Error {
	switch t := err.(type) {
	case expressions.FilterError:
		if e, ok := t.Err.(*Error); ok {
			e.Filter = t.FilterName
			return x.locate(e)
		}
		return x.locate(&Error{Kind: KindEval, Offset: -1, Filter: t.FilterName, Msg: "the filter failed"})
	case *Error:
		return x.locate(t)
	case values.TypeError:
		return &Error{Kind: KindEval, Offset: x.pos, Msg: "a value has the wrong type for this operation"}
	case expressions.UndefinedFilter:
		return &Error{Kind: KindSyntax, Offset: x.pos, Msg: "unknown filter"}
	}
	return &Error{Kind: KindEval, Offset: x.pos, Msg: "the expression cannot be evaluated"}
}

// locate places a filter's error on the filter's name, prefixing the
// message with it.
func (x *expression) locate(e *Error) *Error {
	if e.Offset < 0 {
		e.Offset = x.pos
		for _, u := range x.filters {
			if u.name == e.Filter {
				e.Offset = u.pos
				break
			}
		}
		if e.Filter != "" {
			e.Msg = "filter \"" + e.Filter + "\": " + e.Msg
		}
	}
	return e
}
