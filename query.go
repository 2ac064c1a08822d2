package vault

import (
	"strconv"
	"strings"
)

// The token search language. It is a superset of the hosted platform's v2
// grammar (one term, optionally ANDed with a container term): terms combine
// with AND and OR, and group with parentheses.
//
//	query   = or
//	or      = and { "OR" and }
//	and     = primary { [ "AND" ] primary }     juxtaposition means AND
//	primary = "(" or ")" | term
//	term    = field ":" value
//	field   = "id" | "type" | "data" | "fingerprint" | "container" | "metadata." key
//	value   = quoted | bare [ "*" ]
//	quoted  = '"' { any character but '"' and '\', or '\' followed by any character } '"'
//	bare    = one or more characters other than space, '(', ')', '"'
//
// Matching is exact and case-sensitive, as in v2, except that a container
// term matches the container and every container below it, and a bare value
// ending in "*" matches by prefix (on metadata and id). data terms match the
// token's evaluated search indexes, whole values only (the index is a keyed
// hash). Keywords AND and OR are upper case. A query has at most
// maxQueryTerms terms and maxQueryLen bytes.

const (
	maxQueryLen   = 4096
	maxQueryTerms = 32
	maxQueryDepth = 16
	// maxQueryBranches bounds the OR branches a query expands to.
	maxQueryBranches = 32
)

// Search fields.
const (
	fieldID          = "id"
	fieldType        = "type"
	fieldData        = "data"
	fieldFingerprint = "fingerprint"
	fieldContainer   = "container"
	fieldMetadata    = "metadata"
)

type queryTerm struct {
	field  string // one of the field constants
	key    string // the metadata key, for metadata terms
	value  string
	prefix bool
}

type queryNode struct {
	op   byte // 't' term, '&' all of kids, '|' any of kids
	term queryTerm
	kids []*queryNode
}

// querySyntaxError is a parse failure at a byte offset. Its message never
// quotes the query, which may hold sensitive values.
type querySyntaxError struct {
	pos int
	msg string
}

func (e *querySyntaxError) Error() string {
	return "at position " + strconv.Itoa(e.pos) + ": " + e.msg
}

type queryParser struct {
	src   string
	pos   int
	terms int
	depth int
}

// parseQuery parses a search query. An empty query matches every token.
func parseQuery(src string) (*queryNode, error) {
	if len(src) > maxQueryLen {
		return nil, &querySyntaxError{0, "query is longer than " + strconv.Itoa(maxQueryLen) + " bytes"}
	}
	p := &queryParser{src: src}
	p.space()
	if p.pos == len(src) {
		return &queryNode{op: '&'}, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(src) {
		return nil, &querySyntaxError{p.pos, "unexpected input"}
	}
	return n, nil
}

func (p *queryParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

// keyword consumes the keyword kw if it stands alone at the current position.
func (p *queryParser) keyword(kw string) bool {
	if !strings.HasPrefix(p.src[p.pos:], kw) {
		return false
	}
	end := p.pos + len(kw)
	if end < len(p.src) && !isQuerySpace(p.src[end]) && p.src[end] != '(' {
		return false
	}
	p.pos = end
	return true
}

func isQuerySpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *queryParser) or() (*queryNode, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*queryNode{first}
	for {
		p.space()
		if !p.keyword("OR") {
			break
		}
		p.space()
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &queryNode{op: '|', kids: kids}, nil
}

func (p *queryParser) and() (*queryNode, error) {
	first, err := p.primary()
	if err != nil {
		return nil, err
	}
	kids := []*queryNode{first}
	for {
		p.space()
		if p.pos == len(p.src) || p.src[p.pos] == ')' || strings.HasPrefix(p.src[p.pos:], "OR") && p.peekKeyword("OR") {
			break
		}
		p.keyword("AND")
		p.space()
		n, err := p.primary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &queryNode{op: '&', kids: kids}, nil
}

func (p *queryParser) peekKeyword(kw string) bool {
	save := p.pos
	ok := p.keyword(kw)
	p.pos = save
	return ok
}

func (p *queryParser) primary() (*queryNode, error) {
	if p.pos == len(p.src) {
		return nil, &querySyntaxError{p.pos, "a term is missing"}
	}
	if p.src[p.pos] == '(' {
		if p.depth++; p.depth > maxQueryDepth {
			return nil, &querySyntaxError{p.pos, "parentheses are nested too deeply"}
		}
		p.pos++
		p.space()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos == len(p.src) || p.src[p.pos] != ')' {
			return nil, &querySyntaxError{p.pos, "a closing parenthesis is missing"}
		}
		p.pos++
		p.depth--
		return n, nil
	}
	return p.term()
}

func (p *queryParser) term() (*queryNode, error) {
	start := p.pos
	colon := strings.IndexByte(p.src[p.pos:], ':')
	if colon <= 0 {
		return nil, &querySyntaxError{start, "expected field:value"}
	}
	name := p.src[p.pos : p.pos+colon]
	if strings.ContainsAny(name, " \t\r\n()\"") {
		return nil, &querySyntaxError{start, "expected field:value"}
	}
	var t queryTerm
	switch {
	case name == fieldID, name == fieldType, name == fieldData, name == fieldFingerprint, name == fieldContainer:
		t.field = name
	case strings.HasPrefix(name, "metadata.") && len(name) > len("metadata."):
		t.field, t.key = fieldMetadata, name[len("metadata."):]
	default:
		return nil, &querySyntaxError{start, "unknown search field; use id, type, data, fingerprint, container or metadata.<key>"}
	}
	p.pos += colon + 1
	if p.pos == len(p.src) || isQuerySpace(p.src[p.pos]) || p.src[p.pos] == ')' {
		return nil, &querySyntaxError{p.pos, "a value is missing"}
	}
	if p.src[p.pos] == '"' {
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		t.value = v
	} else {
		vs := p.pos
		for p.pos < len(p.src) && !isQuerySpace(p.src[p.pos]) && p.src[p.pos] != '(' && p.src[p.pos] != ')' && p.src[p.pos] != '"' {
			p.pos++
		}
		t.value = p.src[vs:p.pos]
		if strings.HasSuffix(t.value, "*") {
			t.value, t.prefix = strings.TrimSuffix(t.value, "*"), true
		}
	}
	if t.prefix {
		switch t.field {
		case fieldMetadata, fieldID:
		case fieldContainer:
			t.prefix = false // container terms always match sub-containers
		default:
			return nil, &querySyntaxError{start, "prefix matching works on id and metadata terms only"}
		}
	}
	if t.value == "" && !t.prefix {
		return nil, &querySyntaxError{start, "a value is missing"}
	}
	if p.terms++; p.terms > maxQueryTerms {
		return nil, &querySyntaxError{start, "a query has at most " + strconv.Itoa(maxQueryTerms) + " terms"}
	}
	return &queryNode{op: 't', term: t}, nil
}

func (p *queryParser) quoted() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.src) {
				return "", &querySyntaxError{p.pos, "a quoted value ends with a lone backslash"}
			}
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case '"':
			p.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", &querySyntaxError{start, "a closing quote is missing"}
}

// dnf expands a query into OR branches, each a list of ANDed terms. An empty
// AND (match everything) is one branch with no terms.
func (n *queryNode) dnf() ([][]queryTerm, error) {
	switch n.op {
	case 't':
		return [][]queryTerm{{n.term}}, nil
	case '|':
		var out [][]queryTerm
		for _, k := range n.kids {
			b, err := k.dnf()
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
			if len(out) > maxQueryBranches {
				return nil, &querySyntaxError{0, "the query expands to more than " + strconv.Itoa(maxQueryBranches) + " alternatives"}
			}
		}
		return out, nil
	default:
		out := [][]queryTerm{{}}
		for _, k := range n.kids {
			b, err := k.dnf()
			if err != nil {
				return nil, err
			}
			var next [][]queryTerm
			for _, left := range out {
				for _, right := range b {
					next = append(next, append(append([]queryTerm{}, left...), right...))
				}
			}
			if len(next) > maxQueryBranches {
				return nil, &querySyntaxError{0, "the query expands to more than " + strconv.Itoa(maxQueryBranches) + " alternatives"}
			}
			out = next
		}
		return out, nil
	}
}

// String renders the query back in canonical form (fully parenthesised,
// values quoted), for tests and round trips; it is never logged.
func (n *queryNode) String() string {
	switch n.op {
	case 't':
		name := n.term.field
		if name == fieldMetadata {
			name += "." + n.term.key
		}
		if n.term.prefix {
			return name + ":" + n.term.value + "*"
		}
		return name + ":" + quoteQueryValue(n.term.value)
	default:
		if len(n.kids) == 0 {
			return ""
		}
		sep := " AND "
		if n.op == '|' {
			sep = " OR "
		}
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = k.String()
		}
		return "(" + strings.Join(parts, sep) + ")"
	}
}

func quoteQueryValue(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
