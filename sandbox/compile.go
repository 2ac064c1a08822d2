package sandbox

import (
	"container/list"
	"crypto/sha256"
	"errors"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
)

// The CommonJS wrapper, as Node writes it. The prefix shares the code's first
// line so that line numbers match; columns on line 1 are shifted back.
const (
	wrapperPrefix = "(function (exports, require, module, __filename, __dirname) {"
	wrapperSuffix = "\n})"
	programName   = "reactor.js"
)

// Program is compiled reactor code. It holds no runtime state, so one Program
// serves any number of concurrent Runs.
type Program struct {
	prog *goja.Program
	hash [sha256.Size]byte
	code string // sent to worker processes that have not compiled it yet
}

// Hash returns the SHA-256 of the code, the key of the compile cache.
func (p *Program) Hash() [sha256.Size]byte { return p.hash }

// Compile compiles reactor code with the default code size limit and no
// cache; [Sandbox.Compile] is what the vault uses. The error is a
// *[CompileError] or, for code that is too long, a *[LimitError].
func Compile(code string) (*Program, error) {
	return compile(code, DefaultMaxCodeSize)
}

// Compile compiles reactor code, or returns the cached Program for the same
// code (keyed by SHA-256). The size limit is checked first. Safe for
// concurrent use.
func (s *Sandbox) Compile(code string) (*Program, error) {
	if err := checkCodeSize(code, s.limits.MaxCodeSize); err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(code))
	if p := s.cache.get(h); p != nil {
		return p, nil
	}
	p, err := compileChecked(code, h)
	if err != nil {
		return nil, err
	}
	s.cache.put(p)
	return p, nil
}

func checkCodeSize(code string, max int) error {
	// len counts bytes, an upper bound on characters: count runes only when needed.
	if len(code) > max && (len(code) > 4*max || utf8.RuneCountInString(code) > max) {
		return &LimitError{Limit: LimitCodeSize, Max: int64(max)}
	}
	return nil
}

func compile(code string, max int) (*Program, error) {
	if err := checkCodeSize(code, max); err != nil {
		return nil, err
	}
	return compileChecked(code, sha256.Sum256([]byte(code)))
}

func compileChecked(code string, h [sha256.Size]byte) (p *Program, err error) {
	src := wrapperPrefix + code + wrapperSuffix
	tree, err := parser.ParseFile(nil, programName, src, 0, parser.WithDisableSourceMaps)
	if err != nil {
		var list parser.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			return nil, newCompileError(code, list[0].Position.Line, list[0].Position.Column, list[0].Message)
		}
		return nil, newCompileError(code, 1, 1, "syntax error")
	}
	// The code must stay inside the wrapper: "}); other(); (function(){" would
	// otherwise run at load time and leave a program that is not the wrapper.
	if !isWrapper(tree) {
		return nil, newCompileError(code, 1, 1, "code closes the module wrapper")
	}
	defer func() {
		// goja's compiler reports some errors by panicking with a value
		// other than *CompilerSyntaxError; never let that reach the host.
		if r := recover(); r != nil {
			p, err = nil, newCompileError(code, 1, 1, "syntax error")
		}
	}()
	prog, err := goja.CompileAST(tree, false)
	if err != nil {
		var ce *goja.CompilerSyntaxError
		if errors.As(err, &ce) && ce.File != nil {
			pos := ce.File.Position(ce.Offset)
			return nil, newCompileError(code, pos.Line, pos.Column, ce.Message)
		}
		if errors.As(err, &ce) {
			return nil, newCompileError(code, 1, 1, ce.Message)
		}
		return nil, newCompileError(code, 1, 1, "syntax error")
	}
	return &Program{prog: prog, hash: h, code: code}, nil
}

func isWrapper(tree *ast.Program) bool {
	if len(tree.Body) != 1 {
		return false
	}
	st, ok := tree.Body[0].(*ast.ExpressionStatement)
	if !ok {
		return false
	}
	_, ok = st.Expression.(*ast.FunctionLiteral)
	return ok
}

var quoted = regexp.MustCompile("'[^']*'|\"[^\"]*\"|`[^`]*`|/[^/ ]+/[a-z]*")

// newCompileError maps a position in the wrapped source to one in the code and
// redacts quoted fragments (identifiers, regexps) of the message.
func newCompileError(code string, line, col int, msg string) *CompileError {
	if line == 1 {
		col -= len(wrapperPrefix)
	}
	lines := strings.Count(code, "\n") + 1
	if line > lines { // an error at the wrapper's closing line: the end of the code
		line = lines
		col = len(code) - strings.LastIndexByte(code, '\n')
	}
	line, col = max(line, 1), max(col, 1)
	msg = quoted.ReplaceAllStringFunc(msg, func(s string) string { return s[:1] + "…" + s[:1] })
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return &CompileError{Line: line, Column: col, Message: msg}
}

// programCache is a bounded LRU of compiled programs.
type programCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used; values are *Program
	items map[[sha256.Size]byte]*list.Element
}

func newProgramCache(max int) *programCache {
	return &programCache{max: max, order: list.New(), items: make(map[[sha256.Size]byte]*list.Element)}
}

func (c *programCache) get(h [sha256.Size]byte) *Program {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[h]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*Program)
	}
	return nil
}

func (c *programCache) put(p *Program) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[p.hash]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.items[p.hash] = c.order.PushFront(p)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*Program).hash)
	}
}

// Lookup returns the cached Program of the code whose SHA-256 is hash, or
// nil: a caller that stores the hash beside the code can skip reading and
// hashing the code when it is compiled already. Safe for concurrent use.
func (s *Sandbox) Lookup(hash [sha256.Size]byte) *Program { return s.cache.get(hash) }
