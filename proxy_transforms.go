package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/textproto"
	"strings"
	"unicode/utf8"

	"github.com/tokenvault/vault/expr"
	"github.com/tokenvault/vault/internal/proxyxform"
)

const (
	maxTransformIdentifier = 100
	// maxAppendExpressions bounds the references of an append value.
	maxAppendExpressions = 20
)

// checkTokenizeOptions validates the options of a tokenize transform:
// a token create request (a JSON object), an identifier of at most 100
// characters unique in the proxy, and an optional JSONPath location whose
// values the token's id replaces.
func checkTokenizeOptions(fe fieldErrors, path string, opts *ProxyTransformOptions, spec *proxySpec) {
	var tmpl map[string]json.RawMessage
	switch {
	case len(opts.Token) == 0 || string(opts.Token) == "null":
		fe.add(path+".token", "is required")
	case json.Unmarshal(opts.Token, &tmpl) != nil:
		fe.add(path+".token", "must be a token create request (a JSON object)")
	}
	switch id := opts.Identifier; {
	case utf8.RuneCountInString(id) > maxTransformIdentifier:
		fe.add(path+".identifier", "must be at most %d characters", maxTransformIdentifier)
	case id != "" && spec.identifiers[id]:
		fe.add(path+".identifier", "is used by an earlier tokenize transform")
	case id != "":
		spec.identifiers[id] = true
	}
	if opts.Value != "" {
		fe.add(path+".value", "does not apply to tokenize transforms (the token gives the value)")
	}
	if opts.Location != "" {
		checkLocation(fe, path, opts.Location)
	}
}

// checkLocation adds the error of a bad JSONPath location.
func checkLocation(fe fieldErrors, path, location string) {
	if err := proxyxform.CheckLocation(location); err != nil {
		fe.add(path+".location", "%s", fieldMessage(err))
	}
}

// fieldMessage is the message of a proxyxform error, without its field.
func fieldMessage(err error) string {
	if e, ok := errors.AsType[*proxyxform.FieldError](err); ok {
		return e.Message
	}
	return "is not valid"
}

// checkResponseTransform validates a mask or append transform.
func checkResponseTransform(fe fieldErrors, path string, t *ProxyTransform, opts *ProxyTransformOptions, spec *proxySpec) {
	if t.Type == ProxyTransformMask {
		if _, err := proxyxform.CompileMask(t.Matcher, t.Expression, t.Replacement); err != nil {
			field := "expression"
			if e, ok := errors.AsType[*proxyxform.FieldError](err); ok {
				field = e.Field
			}
			fe.add(path+"."+field, "%s", fieldMessage(err))
		}
		return
	}
	for field, value := range map[string]string{"matcher": t.Matcher, "expression": t.Expression, "replacement": t.Replacement} {
		if value != "" {
			fe.add(path+"."+field, "does not apply to %s transforms", t.Type)
		}
	}
	if opts.Value == "" {
		fe.add(path+".options.value", "is required")
	} else if msg := checkAppendValue(opts.Value, spec.identifiers); msg != "" {
		fe.add(path+".options.value", "%s", msg)
	}
	switch t.Type {
	case ProxyTransformAppendJSON:
		if opts.Location == "" {
			fe.add(path+".options.location", "is required")
		} else {
			checkLocation(fe, path+".options", opts.Location)
		}
	case ProxyTransformAppendHeader:
		switch {
		case !validHeaderName(opts.Location):
			fe.add(path+".options.location", "must be a header name")
		case isHop(textproto.CanonicalMIMEHeaderKey(opts.Location)) || strings.HasPrefix(textproto.CanonicalMIMEHeaderKey(opts.Location), "Bt-"):
			fe.add(path+".options.location", "must not be a hop-by-hop, framing or BT- header")
		}
	case ProxyTransformAppendText:
		if opts.Location != "" {
			fe.add(path+".options.location", "does not apply to append_text transforms")
		}
	}
}

// checkAppendValue returns why an append value is refused, or "": its
// expressions may only name the tokens of earlier tokenize transforms
// ({{ transform_identifier: 'name' }}), never a token by id: response
// transforms do not detokenize.
func checkAppendValue(value string, identifiers map[string]bool) string {
	d, err := expr.ParseDocument(value)
	if err != nil {
		if e, ok := errors.AsType[*expr.Error](err); ok {
			return e.Error()
		}
		return "is not a valid expression"
	}
	if d.Expressions() > maxAppendExpressions {
		return "holds too many expressions"
	}
	for _, r := range d.Refs() {
		if r.Kind != expr.RefTransform {
			return "may only reference the tokens of tokenize transforms, as {{ transform_identifier: 'name' }}"
		}
		if !identifiers[r.ID] {
			return "references a transform identifier no earlier tokenize transform defines"
		}
	}
	return ""
}

// responseTransform runs one response transform on m. A code transform
// that throws CustomHttpResponseError replaces the whole response (short).
func (v *Vault) responseTransform(ctx context.Context, pc *proxyCall, path string, t ProxyTransform, m *message) (*ProxyResponse, error) {
	opts := t.Options
	if opts == nil {
		opts = &ProxyTransformOptions{}
	}
	var err error
	switch t.Type {
	case ProxyTransformCode:
		args := map[string]any{"body": transformBody(m.header, m.body), "headers": headerObject(m.header)}
		return v.runCode(ctx, pc, path, t, args, m)
	case ProxyTransformTokenize:
		return nil, v.tokenizeTransform(ctx, pc, path, t, "res", m)
	case ProxyTransformMask:
		mask, cerr := proxyxform.CompileMask(t.Matcher, t.Expression, t.Replacement)
		if cerr != nil {
			return nil, &Error{Kind: KindInternal, Op: pc.op, Detail: "the proxy's mask transform does not compile", Err: cerr}
		}
		out, merr := mask.Apply(m.body)
		if merr != nil {
			return nil, newError(KindUnprocessable, pc.op, "the mask transform at %s ran past its matching budget; the response is withheld", path)
		}
		m.body = out
	case ProxyTransformAppendText, ProxyTransformAppendHeader, ProxyTransformAppendJSON:
		val, verr := pc.appendValue(opts.Value)
		if verr != nil {
			return nil, underPath(pc.op, path+".options.value", verr)
		}
		switch t.Type {
		case ProxyTransformAppendJSON:
			m.body, err = proxyxform.AppendJSON(m.body, opts.Location, val)
			if err != nil {
				return nil, newError(KindUnprocessable, pc.op, "the append_json transform at %s cannot apply to the response: %s", path, safeJSONProblem(err))
			}
		case ProxyTransformAppendText:
			text, terr := textOf(val)
			if terr != nil {
				return nil, wrapErr(pc.op, terr)
			}
			m.body = proxyxform.AppendText(m.body, string(text))
		default:
			text, terr := textOf(val)
			if terr != nil {
				return nil, wrapErr(pc.op, terr)
			}
			if bytes.ContainsAny(text, "\r\n\x00") {
				return nil, newError(KindUnprocessable, pc.op, "the append_header transform at %s rendered a value that is not a header value", path)
			}
			m.header.Add(opts.Location, string(text))
		}
	default:
		return nil, newError(KindInternal, pc.op, "unknown response transform type %q", t.Type)
	}
	return nil, nil
}

// safeJSONProblem says why a body is not JSON without quoting it.
func safeJSONProblem(err error) string {
	if errors.Is(err, proxyxform.ErrNotJSON) {
		return "the body is not JSON"
	}
	return "the location does not fit the body"
}

// appendValue renders an append value: its transform_identifier
// references are the tokens the call's tokenize transforms created.
func (pc *proxyCall) appendValue(value string) (any, error) {
	d, err := expr.ParseDocument(value)
	if err != nil {
		return nil, invalidField(pc.op, "", "%s", err.Error())
	}
	out, err := d.Render(func(r expr.Ref) (any, bool) {
		tok, ok := pc.created[r.ID]
		return tok, ok && r.Kind == expr.RefTransform
	})
	if err != nil {
		if e, ok := errors.AsType[*expr.Error](err); ok {
			return nil, invalidField(pc.op, "", "%s", e.Error())
		}
		return nil, wrapErr(pc.op, err)
	}
	return out, nil
}

// tokenizeTransform creates a token, as the proxy's application, from the
// token template of t evaluated over the message body (bound as binding:
// req or res); keeps it under the transform's identifier; and, with a
// location, puts its id in the body in place of the values there.
func (v *Vault) tokenizeTransform(ctx context.Context, pc *proxyCall, path string, t ProxyTransform, binding string, m *message) error {
	opts := t.Options
	if pc.app == nil || opts == nil {
		return newError(KindConflict, pc.op, "the tokenize transform at %s needs the proxy's application", path)
	}
	var tmpl any
	dec := json.NewDecoder(bytes.NewReader(opts.Token))
	dec.UseNumber()
	if err := dec.Decode(&tmpl); err != nil {
		return wrapErr(pc.op, err)
	}
	vars := map[string]any{binding: transformBody(m.header, m.body)}
	evaluated, err := expr.EvalJSON(tmpl, vars)
	if err != nil {
		if e, ok := errors.AsType[*expr.Error](err); ok {
			return invalidField(pc.op, path+".options.token"+pathSuffix(e.Path), "%s", e.Error())
		}
		return wrapErr(pc.op, err)
	}
	var req CreateTokenRequest
	if err := remarshal(evaluated, &req); err != nil {
		return invalidField(pc.op, path+".options.token", "does not evaluate to a token create request")
	}
	tok, err := v.CreateToken(WithTransaction(WithPrincipal(ctx, *pc.app), ""), req)
	clearCreateRequest(&req)
	if err != nil {
		return underPath(pc.op, path+".options.token", err)
	}
	view, err := normalizeJSON(tok)
	clear(tok.Data)
	if err != nil {
		return wrapErr(pc.op, err)
	}
	if mv, ok := view.(map[string]any); ok {
		delete(mv, "data") // references show the token, never its data
	}
	if opts.Identifier != "" {
		if pc.created == nil {
			pc.created = map[string]any{}
		}
		pc.created[opts.Identifier] = view
	}
	if opts.Location != "" {
		body, err := proxyxform.Replace(m.body, opts.Location, func(any) (any, error) { return tok.ID, nil })
		if err != nil {
			return newError(KindUnprocessable, pc.op, "the tokenize transform at %s cannot replace the value at its location: %s", path, safeJSONProblem(err))
		}
		m.body = body
	}
	return nil
}

// pathSuffix joins an expression error's path under a field.
func pathSuffix(p string) string {
	if p == "" {
		return ""
	}
	if p[0] == '[' {
		return p
	}
	return "." + p
}

// clearCreateRequest wipes the data of a token create request.
func clearCreateRequest(req *CreateTokenRequest) {
	if b, ok := req.Data.([]byte); ok {
		clear(b)
	}
	req.Data = nil
}
