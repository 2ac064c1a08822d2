package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/dop251/goja"
)

// The req.bt methods of basis-theory-js that reach the vault: the method
// names [Host.Call] receives. Package vault dispatches on the same
// constants, so the two sides cannot drift apart.
const (
	MethodTokensCreate   = "tokens.create"
	MethodTokensRetrieve = "tokens.retrieve"
	MethodTokensUpdate   = "tokens.update"
	MethodTokensDelete   = "tokens.delete"
	MethodTokensList     = "tokens.list"
	MethodTokensSearch   = "tokens.search"
	MethodTokenize       = "tokenize"
	MethodDetokenize     = "detokenize"
)

// Methods lists every req.bt method; req.bt has exactly these (a dotted
// name is a method of a nested object: tokens.create is bt.tokens.create).
var Methods = []string{
	MethodTokensCreate, MethodTokensRetrieve, MethodTokensUpdate, MethodTokensDelete,
	MethodTokensList, MethodTokensSearch, MethodTokenize, MethodDetokenize,
}

// btSource builds req.bt: the methods of basis-theory-js that reach the
// vault (the names of Methods, spliced in below), each returning a
// promise, and its BasisTheoryApiError.
var btSource = `(function (invoke) {
'use strict';
class BasisTheoryApiError extends Error {
  constructor(message, status, data) {
    super(message);
    this.name = 'BasisTheoryApiError';
    this.status = status;
    this.data = data;
  }
}
const method = (name) => function (...args) { return invoke(name, args); };
const bt = {};
for (const name of ` + jsonOf(Methods) + `) {
  const parts = name.split('.');
  let o = bt;
  for (const p of parts.slice(0, -1)) o = o[p] || (o[p] = {});
  o[parts[parts.length - 1]] = method(name);
}
return { bt: bt, BasisTheoryApiError: BasisTheoryApiError };
})`

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var btProgram = goja.MustCompile("bt.js", btSource, true)

// newBTClient instantiates req.bt for this invocation. It runs inside the
// req.bt getter, so its errors are goja's own (an exception, an interrupt),
// for the getter to rethrow as they are.
func (inv *invocation) newBTClient() (goja.Value, error) {
	rt := inv.rt
	f, err := rt.RunProgram(btProgram)
	if err != nil {
		return nil, err
	}
	fn, _ := goja.AssertFunction(f)
	var apiError goja.Value
	v, err := fn(goja.Undefined(), inv.function("invoke", 2, func(call goja.FunctionCall) goja.Value {
		return inv.btCall(call.Argument(0).String(), call.Argument(1).ToObject(rt), apiError)
	}))
	if err != nil {
		return nil, err
	}
	o := v.ToObject(rt)
	apiError = o.Get("BasisTheoryApiError")
	return o.Get("bt"), nil
}

// btCall encodes the arguments (token models to snake case, as
// basis-theory-js sends them), calls the Host on its own goroutine and
// settles the promise on the loop: the response is turned to camel case for
// token methods, a failure becomes a BasisTheoryApiError.
func (inv *invocation) btCall(method string, argv *goja.Object, apiError goja.Value) goja.Value {
	rt := inv.rt
	n := min(lengthOf(argv), 8)
	args := make([]json.RawMessage, 0, n)
	budget := inv.limits.MaxPayload
	for i := range n {
		b, err := inv.encode(argv.Get(itoa(i)), budget)
		if err != nil {
			inv.throwEncodeError(err, "bt arguments", inv.limits.MaxPayload)
		}
		if b == nil {
			b = []byte("null")
		}
		budget -= len(b)
		args = append(args, transformRequest(method, int(i), b))
	}
	p, resolve, reject := rt.NewPromise()
	host := inv.req.Host
	maxResponse := inv.limits.MaxHTTPBody
	inv.start(func(ctx context.Context) func() {
		out, err := host.Call(ctx, method, args)
		return func() {
			settle := func() error {
				if err != nil {
					return reject(inv.btError(method, err, apiError))
				}
				if method == MethodTokensDelete || len(out) == 0 {
					return resolve(goja.Undefined())
				}
				if int64(len(out)) > maxResponse {
					return reject(inv.newError("Error", "bt response larger than "+strconv.FormatInt(maxResponse, 10)+" bytes"))
				}
				v, perr := inv.decodeJSON(transformResponse(method, out))
				if perr != nil {
					return reject(inv.newError("Error", "bt response is not valid JSON"))
				}
				return resolve(v)
			}
			if rerr := settle(); rerr != nil {
				inv.fail(rerr)
			}
		}
	})
	return rt.ToValue(p)
}

// btError makes the BasisTheoryApiError basis-theory-js throws: the axios
// message, the status and the (transformed) body; status -1 for anything that
// is not an HTTP error. The Go error's text is not shown to the reactor.
func (inv *invocation) btError(method string, err error, apiError goja.Value) goja.Value {
	rt := inv.rt
	status := -1
	message := "Network Error"
	var data goja.Value = goja.Undefined()
	var he HTTPError
	if errors.As(err, &he) {
		status = he.Status()
		message = "Request failed with status code " + strconv.Itoa(status)
		if body := he.Body(); len(body) > 0 && int64(len(body)) <= inv.limits.MaxHTTPBody {
			if v, perr := inv.decodeJSON(transformResponse(method, body)); perr == nil {
				data = v
			}
		}
	}
	e, nerr := rt.New(apiError, rt.ToValue(message), rt.ToValue(status), data)
	if nerr != nil {
		panic(nerr)
	}
	return e
}

// transformRequest applies basis-theory-js's request transforms to argument
// i of method: token models (create, update, search) get snake_case keys,
// except inside data and metadata; list queries get snake_case top-level keys.
func transformRequest(method string, i int, arg json.RawMessage) json.RawMessage {
	switch {
	case method == MethodTokensCreate && i == 0, method == MethodTokensUpdate && i == 1, method == MethodTokensSearch && i == 0:
		return rewriteJSON(arg, func(v any) any { return tokenKeys(v, snakeCase) })
	case method == MethodTokensList && i == 0:
		return rewriteJSON(arg, func(v any) any {
			m, ok := v.(map[string]any)
			if !ok {
				return v
			}
			out := make(map[string]any, len(m))
			for k, x := range m {
				out[snakeCase(k)] = x
			}
			return out
		})
	}
	return arg
}

// transformResponse applies basis-theory-js's response transform: token
// responses and lists get camelCase keys, except inside data and metadata;
// tokenize and detokenize are passed through.
func transformResponse(method string, body json.RawMessage) json.RawMessage {
	if !strings.HasPrefix(method, "tokens.") {
		return body
	}
	return rewriteJSON(body, func(v any) any {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		if list, isList := m["data"].([]any); isList && m["pagination"] != nil {
			tokens := make([]any, len(list))
			for i, t := range list {
				tokens[i] = tokenKeys(t, camelCase)
			}
			return map[string]any{"data": tokens, "pagination": deepKeys(m["pagination"], camelCase)}
		}
		return tokenKeys(v, camelCase)
	})
}

// tokenKeys renames keys deeply, keeping the values of data and metadata.
func tokenKeys(v any, rename func(string) string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return deepKeys(v, rename)
	}
	out := deepKeys(m, rename).(map[string]any)
	for _, k := range []string{"data", "metadata"} {
		if orig, ok := m[k]; ok {
			out[k] = orig
		}
	}
	return out
}

func deepKeys(v any, rename func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[rename(k)] = deepKeys(val, rename)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = deepKeys(val, rename)
		}
		return out
	}
	return v
}

func rewriteJSON(doc json.RawMessage, f func(any) any) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return doc
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f(v)); err != nil {
		return doc
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// snakeCase follows the snake-case package snakecase-keys uses: a word
// boundary before an upper-case letter that follows a lower-case letter or a
// digit, or that starts a capitalised word after capitals; other
// separators become "_".
func snakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	sep := false
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			sep = b.Len() > 0
			continue
		}
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				sep = b.Len() > 0
			}
		}
		if sep {
			b.WriteByte('_')
			sep = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// camelCase follows the camelcase package camelcase-keys uses, for the keys
// the vault returns: words split at "_", "-", "." and spaces; the first
// word starts lower-case, the others upper-case; an all-caps word is
// lowered first.
func camelCase(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ' ' })
	var b strings.Builder
	for i, w := range words {
		rs := []rune(w)
		if strings.ToUpper(w) == w {
			rs = []rune(strings.ToLower(w))
		}
		if i == 0 {
			rs[0] = unicode.ToLower(rs[0])
		} else {
			rs[0] = unicode.ToUpper(rs[0])
		}
		b.WriteString(string(rs))
	}
	return b.String()
}
