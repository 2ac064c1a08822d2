package expr

import "strconv"

// The expression lexer mirrors the Liquid engine's (osteele/liquid
// expressions/scanner.rl): the same tokens, longest match first. The engine
// still parses every expression; this lexer validates what the engine would
// only find at run time (unknown filters, argument counts), bounds nesting,
// and feeds the fast path (fast.go).

type xkind uint8

const (
	xEOF     xkind = iota
	xString        // 'text' or "text", no escapes
	xInt           // -?digits
	xFloat         // -?digits.digits
	xIdent         // identifier, possibly a reserved word
	xKeyword       // identifier immediately followed by ':'
	xProp          // .identifier
	xOp            // == != >= <= ..
	xPunct         // any other single byte
)

type xtok struct {
	kind xkind
	pos  int    // offset in the expression text
	text string // xString: the content; xIdent, xKeyword, xProp: the name; else the source
}

// reserved words are tokens of their own in the Liquid grammar.
func reserved(s string) bool {
	switch s {
	case "true", "false", "nil", "and", "or", "contains", "in":
		return true
	}
	return false
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// identEnd returns the end of the identifier starting at i (alpha or _,
// then alnum, _ or -, then an optional ?), or i if there is none.
func identEnd(s string, i int) int {
	if i >= len(s) || !(isAlpha(s[i]) || s[i] == '_') {
		return i
	}
	j := i + 1
	for j < len(s) && (isAlpha(s[j]) || isDigit(s[j]) || s[j] == '_' || s[j] == '-') {
		j++
	}
	if j < len(s) && s[j] == '?' {
		j++
	}
	return j
}

// lexExpr splits an expression into tokens. It fails on an unterminated
// string, on bytes that cannot start a Liquid token here ({ } % would
// select the engine's statement forms), on too many tokens and on nesting
// deeper than maxExprDepth.
func lexExpr(s string) ([]xtok, *Error) {
	var toks []xtok
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		if isSpace(c) {
			i++
			continue
		}
		if len(toks) >= maxExprTokens {
			return nil, newErr(KindLimit, i, "expression has more than %d tokens", maxExprTokens)
		}
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) && s[j] != c {
				j++
			}
			if j >= len(s) {
				return nil, newErr(KindSyntax, i, "unterminated string")
			}
			toks = append(toks, xtok{xString, i, s[i+1 : j]})
			i = j + 1
		case isDigit(c) || c == '-' && i+1 < len(s) && isDigit(s[i+1]):
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			kind := xInt
			if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
				j += 2
				for j < len(s) && isDigit(s[j]) {
					j++
				}
				kind = xFloat
			}
			toks = append(toks, xtok{kind, i, s[i:j]})
			i = j
		case isAlpha(c) || c == '_':
			j := identEnd(s, i)
			if j < len(s) && s[j] == ':' {
				toks = append(toks, xtok{xKeyword, i, s[i:j]})
				i = j + 1
				continue
			}
			toks = append(toks, xtok{xIdent, i, s[i:j]})
			i = j
		case c == '.' && i+1 < len(s) && s[i+1] == '.':
			toks = append(toks, xtok{xOp, i, ".."})
			i += 2
		case c == '.' && identEnd(s, i+1) > i+1:
			j := identEnd(s, i+1)
			toks = append(toks, xtok{xProp, i, s[i+1 : j]})
			i = j
		case (c == '=' || c == '!' || c == '>' || c == '<') && i+1 < len(s) && s[i+1] == '=':
			toks = append(toks, xtok{xOp, i, s[i : i+2]})
			i += 2
		case c == '{' || c == '}' || c == '%':
			return nil, newErr(KindSyntax, i, "unexpected %q in expression", string(c))
		default:
			switch c {
			case '(', '[':
				depth++
				if depth > maxExprDepth {
					return nil, newErr(KindLimit, i, "expression nests more than %d levels", maxExprDepth)
				}
			case ')', ']':
				depth--
			}
			toks = append(toks, xtok{xPunct, i, s[i : i+1]})
			i++
		}
	}
	return toks, nil
}

// checkRanges refuses a property or an index applied to a range:
// (1..n).AsArray would have the engine call a method of its range type
// (structs' methods are properties to it) and build an unbounded array.
// Conservatively, any parenthesised group holding ".." counts as a range.
func checkRanges(toks []xtok) *Error {
	var open []int // indexes of the open '(' tokens
	var ranged []bool
	for i, t := range toks {
		switch {
		case t.kind == xPunct && t.text == "(":
			open = append(open, i)
			ranged = append(ranged, false)
		case t.kind == xOp && t.text == ".." && len(ranged) > 0:
			for k := range ranged {
				ranged[k] = true
			}
		case t.kind == xPunct && t.text == ")" && len(open) > 0:
			r := ranged[len(ranged)-1]
			open, ranged = open[:len(open)-1], ranged[:len(ranged)-1]
			if r && i+1 < len(toks) && (toks[i+1].kind == xProp || toks[i+1].kind == xPunct && toks[i+1].text == "[") {
				return newErr(KindSyntax, toks[i+1].pos, "a range has no properties or indexes")
			}
		}
	}
	return nil
}

// intLit parses an xInt token the way the Liquid lexer does; ok is false on
// overflow (which the Liquid engine rejects as a syntax error).
func intLit(s string) (int, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || int64(int(n)) != n {
		return 0, false
	}
	return int(n), true
}
