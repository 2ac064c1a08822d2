package expr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tokenvault/vault/expr"
)

func decode(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

func ExampleCompile() {
	t, err := expr.Compile("{{ data | replace: '-' }}")
	if err != nil {
		panic(err)
	}
	s, err := t.EvalString(map[string]any{"data": "123-45-6789"})
	fmt.Println(s, err)
	// Output: 123456789 <nil>
}

func ExampleTemplate_Eval() {
	data := decode(`{"number": "4242424242424242", "expiration_month": 12}`)
	for _, src := range []string{"{{ data.expiration_month }}", "month {{ data.expiration_month }}", "{{ data }}"} {
		t, _ := expr.Compile(src)
		v, _ := t.Eval(map[string]any{"data": data})
		fmt.Printf("%T %v\n", v, v)
	}
	// Output:
	// int64 12
	// string month 12
	// map[string]interface {} map[expiration_month:12 number:4242424242424242]
}

func ExampleEvalJSON() {
	mask := decode(`{"number": "{{ data.number | reveal_last: 4 }}",
		"expiration_month": "{{ data.expiration_month }}", "expiration_year": "{{ data.expiration_year }}"}`)
	data := decode(`{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}`)
	out, err := expr.EvalJSON(mask, map[string]any{"data": data})
	b, _ := json.Marshal(out)
	fmt.Println(string(b), err)
	// Output: {"expiration_month":12,"expiration_year":2030,"number":"XXXXXXXXXXXX4242"} <nil>
}

func ExampleParseDocument() {
	d, err := expr.ParseDocument(decode(`{"card": {
		"number": "{{ 815029c2-29ec-4fc2-8cd4-99feb3ee582c | json: '$.number' }}",
		"expiration_month": "{{ 815029c2-29ec-4fc2-8cd4-99feb3ee582c | json: '$.expiration_month' }}"},
		"name": "{{ token: f4d86311-1254-4155-b532-b651279a8cc0 | json: '$.data' | upcase }}",
		"auth": "Bearer {{ config: api_key }}"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Refs(), d.Expressions())
	out, err := d.Render(func(r expr.Ref) (any, bool) {
		switch r.Kind {
		case expr.RefData:
			return decode(`{"number": "4242424242424242", "expiration_month": 11}`), true
		case expr.RefToken:
			return map[string]any{"id": r.ID, "data": "Jane Doe"}, true
		case expr.RefConfig:
			return "my-api-key", true
		}
		return nil, false
	})
	b, _ := json.Marshal(out)
	fmt.Println(string(b), err)
	// Output:
	// [config: api_key 815029c2-29ec-4fc2-8cd4-99feb3ee582c token: f4d86311-1254-4155-b532-b651279a8cc0] 4
	// {"auth":"Bearer my-api-key","card":{"expiration_month":11,"number":"4242424242424242"},"name":"JANE DOE"} <nil>
}

func ExampleError() {
	_, err := expr.Parse("{{ data | reveal_last: 4 | frobnicate }}")
	fmt.Println(err)
	if e, ok := errors.AsType[*expr.Error](err); ok {
		fmt.Println(e.Kind, e.Line, e.Col, errors.Is(err, expr.ErrSyntax))
	}
	// Output:
	// expr: line 1, col 28: unknown filter "frobnicate"
	// syntax 1 28 true
}
