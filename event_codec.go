package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The encoding of outbox entries: an Event as JSON, written by hand for the
// types event data holds (appendEvent runs inside the writing transaction,
// which on bolt is the one committer's critical path), byte for byte what
// encoding/json writes, and read back by a small parser (the dispatcher
// decodes every entry), with encoding/json behind both for anything else.

// appendEvent appends e as JSON, as encoding/json would write it (map keys
// sorted), by hand for the types event data holds: it runs inside the
// writing transaction, which on bolt is the one committer's critical path.
// Other values go through encoding/json.
func appendEvent(b []byte, e *Event) ([]byte, error) {
	if !jsonTime(e.Timestamp) {
		return nil, errJSONTime
	}
	b, err := appendJSONValue(appendEventHead(b, e), e.Data)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendEventHead appends e as JSON up to its data: the value of "data",
// then '}', are for the caller to append.
func appendEventHead(b []byte, e *Event) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, e.Type)
	b = append(b, `,"tenant_id":`...)
	b = appendJSONString(b, e.TenantID)
	if e.TraceID != "" {
		b = append(b, `,"trace_id":`...)
		b = appendJSONString(b, e.TraceID)
	}
	b = append(b, `,"timestamp":`...)
	b = appendJSONTime(b, e.Timestamp)
	return append(b, `,"data":`...)
}

var errJSONTime = errors.New("a time outside the years 0 to 9999 has no JSON form")

// jsonTime reports whether encoding/json can encode t.
func jsonTime(t time.Time) bool { y := t.Year(); return y >= 0 && y <= 9999 }

// appendJSONTime appends t as encoding/json does, for the years it can.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	return append(t.AppendFormat(b, time.RFC3339Nano), '"')
}

// appendTokenEventData appends tokenEventData(rec) as appendJSONValue does.
func appendTokenEventData(b []byte, rec *tokenRecord) ([]byte, error) {
	for _, t := range []*time.Time{&rec.CreatedAt, rec.ExpiresAt, rec.ModifiedAt} {
		if t != nil && !jsonTime(*t) {
			return nil, errJSONTime
		}
	}
	b = append(b, `{"token":{"containers":`...)
	if rec.Containers == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range rec.Containers {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, c)
		}
		b = append(b, ']')
	}
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, rec.CreatedAt)
	b = append(b, `,"created_by":`...)
	b = appendJSONString(b, rec.CreatedBy)
	if rec.ExpiresAt != nil {
		b = append(b, `,"expires_at":`...)
		b = appendJSONTime(b, *rec.ExpiresAt)
	}
	if rec.Fingerprint != "" {
		b = append(b, `,"fingerprint":`...)
		b = appendJSONString(b, rec.Fingerprint)
		b = append(b, `,"fingerprint_expression":`...)
		b = appendJSONString(b, rec.FingerprintExpression)
	}
	b = append(b, `,"id":`...)
	b = appendJSONString(b, rec.ID)
	if len(rec.Metadata) > 0 {
		b = append(b, `,"metadata":{`...)
		for i, k := range slices.Sorted(maps.Keys(rec.Metadata)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			b = appendJSONString(b, rec.Metadata[k])
		}
		b = append(b, '}')
	}
	if rec.ModifiedAt != nil {
		b = append(b, `,"modified_at":`...)
		b = appendJSONTime(b, *rec.ModifiedAt)
		b = append(b, `,"modified_by":`...)
		b = appendJSONString(b, rec.ModifiedBy)
	}
	if len(rec.SearchIndexes) > 0 {
		b = append(b, `,"search_indexes":[`...)
		for i, s := range rec.SearchIndexes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	b = append(b, `,"type":`...)
	b = appendJSONString(b, rec.Type)
	return append(b, "}}"...), nil
}

func appendJSONValue(b []byte, val any) ([]byte, error) {
	var err error
	switch x := val.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case time.Time:
		if !jsonTime(x) {
			break // encoding/json's error
		}
		return appendJSONTime(b, x), nil
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			b = appendJSONString(b, x[k])
		}
		return append(b, '}'), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			if b, err = appendJSONValue(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	enc, err := json.Marshal(val)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// appendJSONString quotes s; a string with a byte that needs escaping (or
// that encoding/json escapes for HTML) goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// decodeEvent reads an outbox entry, with the number types Event documents:
// through parseJSON, which reads what appendEvent writes quickly, and through
// encoding/json should it fail.
func decodeEvent(b []byte) (*Event, error) {
	if e, ok := parseEvent(b); ok {
		return e, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	e := new(Event)
	if err := dec.Decode(e); err != nil {
		return nil, fmt.Errorf("outbox: decode event: %w", err)
	}
	for k, val := range e.Data {
		e.Data[k] = plainNumbers(val)
	}
	return e, nil
}

// parseEvent reads an entry with jsonParser; ok is false if it cannot.
func parseEvent(b []byte) (*Event, bool) {
	p := jsonParser{b: b}
	e := new(Event)
	str := func(dst *string) error {
		v, err := p.value(1)
		s, ok := v.(string)
		if err == nil && !ok {
			err = errJSONSyntax
		}
		*dst = s
		return err
	}
	err := p.members(0, func(k string) error {
		switch k {
		case "id":
			return str(&e.ID)
		case "type":
			return str(&e.Type)
		case "tenant_id":
			return str(&e.TenantID)
		case "trace_id":
			return str(&e.TraceID)
		case "timestamp":
			var s string
			if err := str(&s); err != nil {
				return err
			}
			var err error
			e.Timestamp, err = time.Parse(time.RFC3339Nano, s)
			return err
		case "data":
			v, err := p.value(1)
			m, ok := v.(map[string]any)
			if err == nil && !ok && v != nil {
				err = errJSONSyntax
			}
			e.Data = m
			return err
		}
		// Unknown, unless encoding/json would take it for a field (it
		// ignores case): then it is left to encoding/json.
		if slices.ContainsFunc([]string{"id", "type", "tenant_id", "trace_id", "timestamp", "data"},
			func(f string) bool { return strings.EqualFold(f, k) }) {
			return errJSONSyntax
		}
		_, err := p.value(1)
		return err
	})
	if p.ws(); err != nil || p.i != len(b) {
		return nil, false
	}
	return e, true
}

// jsonParser decodes JSON into map[string]any, []any, string, int64 (an
// integer), float64, bool and nil. It is strict enough for what appendEvent
// writes; anything it does not take falls back to encoding/json.
type jsonParser struct {
	b []byte
	i int
}

const maxJSONDepth = 100

var errJSONSyntax = errors.New("json: syntax")

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// members reads an object, calling member after each key and its colon to
// read the key's value.
func (p *jsonParser) members(depth int, member func(k string) error) error {
	if p.ws(); p.i >= len(p.b) || p.b[p.i] != '{' || depth > maxJSONDepth {
		return errJSONSyntax
	}
	p.i++
	if p.ws(); p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		if p.ws(); p.i >= len(p.b) || p.b[p.i] != '"' {
			return errJSONSyntax
		}
		k, err := p.key()
		if err != nil {
			return err
		}
		if p.ws(); p.i >= len(p.b) || p.b[p.i] != ':' {
			return errJSONSyntax
		}
		p.i++
		if err := member(k); err != nil {
			return err
		}
		if p.ws(); p.i >= len(p.b) {
			return errJSONSyntax
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return errJSONSyntax
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	p.ws()
	if p.i >= len(p.b) || depth > maxJSONDepth {
		return nil, errJSONSyntax
	}
	switch c := p.b[p.i]; {
	case c == '{':
		m := map[string]any{}
		err := p.members(depth, func(k string) error {
			val, err := p.value(depth + 1)
			m[k] = val
			return err
		})
		if err != nil {
			return nil, err
		}
		return m, nil
	case c == '[':
		p.i++
		a := []any{}
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return a, nil
		}
		for {
			val, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, val)
			if p.ws(); p.i >= len(p.b) {
				return nil, errJSONSyntax
			}
			switch p.b[p.i] {
			case ',':
				p.i++
			case ']':
				p.i++
				return a, nil
			default:
				return nil, errJSONSyntax
			}
		}
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		start := p.i
		integer, ok := p.number()
		if !ok {
			return nil, errJSONSyntax
		}
		num := string(p.b[start:p.i])
		if integer {
			if n, err := strconv.ParseInt(num, 10, 64); err == nil {
				return n, nil
			}
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return nil, errJSONSyntax
		}
		return f, nil
	}
	return nil, errJSONSyntax
}

// number moves past a number of JSON's grammar,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and reports whether it is
// an integer.
func (p *jsonParser) number() (integer, ok bool) {
	digits := func() int {
		n := 0
		for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case digits() == 0:
		return false, false
	}
	integer = true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	return integer, true
}

func (p *jsonParser) literal(word string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(word)) {
		return errJSONSyntax
	}
	p.i += len(word)
	return nil
}

// key reads an object's key: the names the vault's events use come without
// an allocation each.
func (p *jsonParser) key() (string, error) {
	if end := bytes.IndexByte(p.b[p.i+1:], '"'); end >= 0 {
		if k, ok := eventKeys[string(p.b[p.i+1:p.i+1+end])]; ok {
			p.i += end + 2
			return k, nil
		}
	}
	return p.str()
}

// eventKeys holds one copy of each key name of the vault's events.
var eventKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"id", "type", "tenant_id", "trace_id", "timestamp", "data", "token", "containers",
		"created_at", "created_by", "modified_at", "modified_by", "expires_at", "metadata", "fingerprint",
		"fingerprint_expression", "search_indexes", "reactor", "name", "request", "invocation_type", "elapsed_ms",
		"error", "transaction", "application", "key", "session", "tenant", "property_name"} {
		m[k] = k
	}
	return m
}()

// str reads a string; one with escapes or bytes outside printable ASCII
// goes through encoding/json, which knows every rule.
func (p *jsonParser) str() (string, error) {
	start := p.i
	p.i++
	plain := true
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			if plain {
				return string(p.b[start+1 : p.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
				return "", errJSONSyntax
			}
			return s, nil
		case c == '\\':
			plain = false
			p.i += 2
			continue
		case c < 0x20 || c >= 0x80:
			plain = false
		}
		p.i++
	}
	return "", errJSONSyntax
}

func plainNumbers(val any) any {
	switch x := val.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plainNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plainNumbers(e)
		}
	}
	return val
}
