package proxyxform

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name, body, location string
		value                any
		want                 string
	}{
		{"new key goes last", `{"a":1}`, "$.b", "x", `{"a":1,"b":"x"}`},
		{"key order is the input's", `{"z":1,"a":2}`, "$.m", 3, `{"z":1,"a":2,"m":3}`},
		{"overwrite keeps the key's place", `{"a":1,"b":2}`, "$.a", "v", `{"a":"v","b":2}`},
		{"documented terraform example", `{"account":"x"}`, "$.tokenized_account_id", "26818785-547b-4b28-b0fa-531377e99f4e",
			`{"account":"x","tokenized_account_id":"26818785-547b-4b28-b0fa-531377e99f4e"}`},
		{"creates nested objects", `{}`, "$.a.b", true, `{"a":{"b":true}}`},
		{"empty body is {}", ``, "$.id", "tok", `{"id":"tok"}`},
		{"blank body is {}", " \n\t", "$.id", "tok", `{"id":"tok"}`},
		{"creates an array for an index", `{}`, "$.items[0].x", 1, `{"items":[{"x":1}]}`},
		{"pads an array with null", `{"items":[1]}`, "$.items[3]", "z", `{"items":[1,null,null,"z"]}`},
		{"into an existing item", `{"items":[{"a":1}]}`, "$.items[0].b", 2, `{"items":[{"a":1,"b":2}]}`},
		{"negative index", `{"a":[1,2]}`, "$.a[-1]", 0, `{"a":[1,0]}`},
		{"bracket names", `{}`, "$['a b'][\"c\"]", 1, `{"a b":{"c":1}}`},
		{"wildcard sets every item", `{"cards":[{"n":1},{"n":2}]}`, "$.cards[*].masked", true,
			`{"cards":[{"n":1,"masked":true},{"n":2,"masked":true}]}`},
		{"wildcard over an object", `{"a":{"x":1},"b":{"y":2}}`, "$.*.seen", true, `{"a":{"x":1,"seen":true},"b":{"y":2,"seen":true}}`},
		{"wildcard over nothing creates nothing", `{"a":[]}`, "$.a[*].x", 1, `{"a":[]}`},
		{"$ replaces the document", `{"a":1}`, "$", []int{1}, `[1]`},
		{"numbers as written", `{"n":12345678901234567890,"f":1.0e+2,"m":-0.000}`, "$.x", json.Number("98765432109876543210"),
			`{"n":12345678901234567890,"f":1.0e+2,"m":-0.000,"x":98765432109876543210}`},
		{"no HTML escaping", `{"h":"<b>&amp;</b>"}`, "$.v", "<i>&", `{"h":"<b>&amp;</b>","v":"<i>&"}`},
		{"object value", `{"a":1}`, "$.tok", map[string]any{"id": "t"}, `{"a":1,"tok":{"id":"t"}}`},
		{"null value", `{"a":1}`, "$.a", nil, `{"a":null}`},
		{"raw JSON value", `{}`, "$.r", json.RawMessage(`{"b":2,"a":1}`), `{"r":{"b":2,"a":1}}`},
		{"duplicate key: first place, last value", `{"a":1,"b":2,"a":3}`, "$.c", 0, `{"a":3,"b":2,"c":0}`},
		{"output is compact", "{ \"a\" : [ 1 , 2 ] ,\n \"b\" : { } }", "$.c", "", `{"a":[1,2],"b":{},"c":""}`},
		{"strings are re-encoded", `{"s":"\u00e9\n\"\/"}`, "$.t", "\u2028", "{\"s\":\"é\\n\\\"/\",\"t\":\"\\u2028\"}"},
		{"array document", `[{"a":1}]`, "$[0].b", 2, `[{"a":1,"b":2}]`},
		{"top-level scalar replaced", `"x"`, "$", 1, `1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendJSON([]byte(tt.body), tt.location, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("AppendJSON(%q, %q, %v)\n got %s\nwant %s", tt.body, tt.location, tt.value, got, tt.want)
			}
		})
	}
}

func TestAppendJSONRejects(t *testing.T) {
	const secret = "4242424242424242"
	tests := []struct {
		name, body, location string
		value                any
		notJSON              bool
		field                string
	}{
		{name: "not JSON", body: secret + " is not JSON", location: "$.a", notJSON: true},
		{name: "trailing data", body: `{"a":"` + secret + `"} {}`, location: "$.a", notJSON: true},
		{name: "truncated", body: `{"a":"` + secret, location: "$.a", notJSON: true},
		{name: "bad key", body: `{1:"` + secret + `"}`, location: "$.a", notJSON: true},
		{name: "trailing comma", body: `{"a":"` + secret + `",}`, location: "$.a", notJSON: true},
		{name: "missing colon", body: `{"a" "` + secret + `"}`, location: "$.a", notJSON: true},
		{name: "leading zero", body: `[0` + secret + `]`, location: "$.a", notJSON: true},
		{name: "descends into a string", body: `{"a":"s"}`, location: "$.a.b"},
		{name: "indexes an object", body: `{"a":{}}`, location: "$.a[0]"},
		{name: "descends into null", body: `{"a":null}`, location: "$.a.b"},
		{name: "wildcard reaches a scalar item", body: `{"a":[1]}`, location: "$.a[*].b"},
		{name: "negative index beyond the array", body: `{"a":[]}`, location: "$.a[-1]"},
		{name: "value JSON cannot hold", body: `{}`, location: "$.a", value: func() {}},
		{name: "bad location", body: `{}`, location: "$..a", field: "options.location"},
		{name: "too deep", body: strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), location: "$.a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendJSON([]byte(tt.body), tt.location, tt.value)
			if err == nil {
				t.Fatalf("AppendJSON = %s, want an error", got)
			}
			if tt.notJSON != errors.Is(err, ErrNotJSON) {
				t.Errorf("errors.Is(%v, ErrNotJSON) = %v, want %v", err, !tt.notJSON, tt.notJSON)
			}
			var fe *FieldError
			if errors.As(err, &fe) != (tt.field != "") || (fe != nil && fe.Field != tt.field) {
				t.Errorf("error %v: want field %q", err, tt.field)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the body: %v", err)
			}
		})
	}
}

func TestAppendText(t *testing.T) {
	tests := []struct{ body, value, want string }{
		{"abc", "def", "abcdef"},
		{"", "x", "x"},
		{"x", "", "x"},
		{"\xff", "\xfe", "\xff\xfe"},
	}
	for _, tt := range tests {
		body := []byte(tt.body)
		if got := AppendText(body, tt.value); string(got) != tt.want {
			t.Errorf("AppendText(%q, %q) = %q, want %q", tt.body, tt.value, got, tt.want)
		}
	}
	// The result must not share body's array: appending to a body with
	// spare capacity would otherwise overwrite the caller's bytes.
	body := make([]byte, 1, 16)
	body[0] = 'a'
	_ = AppendText(body, "b")
	if got := AppendText(body, "c"); string(got) != "ac" || string(body[:cap(body)][1:2]) == "b" {
		t.Errorf("AppendText wrote into body's spare capacity")
	}
}

func TestCheckLocation(t *testing.T) {
	good := []string{"$", "$.a", "$.a.b", "$.items[0].x", "$.a[-1]", "$['a b']", `$["a"]`, "$.a[*]", "$.*", "$[0]"}
	for _, loc := range good {
		if err := CheckLocation(loc); err != nil {
			t.Errorf("CheckLocation(%q) = %v", loc, err)
		}
	}
	bad := []string{"", "a.b", "@.a", "$.", "$..a", "$.a[1:2]", "$.a[?(@.x==1)]", "$['a','b']", "$.a.'b'", "$[0,1]"}
	for _, loc := range bad {
		err := CheckLocation(loc)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "options.location" {
			t.Errorf("CheckLocation(%q) = %v, want a FieldError on options.location", loc, err)
		}
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		name, body, location string
		want                 []any
	}{
		{"one string", `{"card":{"number":"4242","cvc":"123"}}`, "$.card.number", []any{"4242"}},
		{"document order", `{"a":[{"p":"1"},{"q":0},{"p":"2"}]}`, "$.a[*].p", []any{"1", "2"}},
		{"object order", `{"b":{"p":"1"},"a":{"p":"2"}}`, "$.*.p", []any{"1", "2"}},
		{"an object", `{"card":{"number":"4242","exp":1}}`, "$.card", []any{map[string]any{"number": "4242", "exp": json.Number("1")}}},
		{"an array", `{"a":[1,[true,null]]}`, "$.a", []any{[]any{json.Number("1"), []any{true, nil}}}},
		{"a big number", `{"n":12345678901234567890}`, "$.n", []any{json.Number("12345678901234567890")}},
		{"null is a value", `{"a":null}`, "$.a", []any{nil}},
		{"negative index", `{"a":[1,2,3]}`, "$.a[-2]", []any{json.Number("2")}},
		{"missing", `{"a":1}`, "$.b", nil},
		{"index beyond", `{"a":[1]}`, "$.a[5]", nil},
		{"into a scalar", `{"a":"s"}`, "$.a.b", nil},
		{"empty body", ``, "$.a", nil},
		{"whole document", `"4242"`, "$", []any{"4242"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Values([]byte(tt.body), tt.location)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Values(%q, %q) = %#v, want %#v", tt.body, tt.location, got, tt.want)
			}
		})
	}
	if _, err := Values([]byte("nope"), "$.a"); !errors.Is(err, ErrNotJSON) {
		t.Errorf("Values on a non-JSON body: %v", err)
	}
	if _, err := Values([]byte("{}"), "$..a"); err == nil {
		t.Error("Values accepted a descent location")
	}
}

func TestReplace(t *testing.T) {
	tests := []struct {
		name, body, location string
		want                 string
		olds                 []any
	}{
		{"swap a PAN for a token id", `{"card":{"number":"4242","x":1},"n":"4242"}`, "$.card.number",
			`{"card":{"number":"tok1","x":1},"n":"4242"}`, []any{"4242"}},
		{"document order", `{"a":[{"p":"1"},{"q":0},{"p":"2"}]}`, "$.a[*].p",
			`{"a":[{"p":"tok1"},{"q":0},{"p":"tok2"}]}`, []any{"1", "2"}},
		{"an object becomes its token id", `{"c":{"number":"4242"},"z":1}`, "$.c",
			`{"c":"tok1","z":1}`, []any{map[string]any{"number": "4242"}}},
		{"numbers kept elsewhere", `{"n":12345678901234567890,"p":"1"}`, "$.p",
			`{"n":12345678901234567890,"p":"tok1"}`, []any{"1"}},
		{"nothing there: body as it was", `{ "a" : 1 }`, "$.b", `{ "a" : 1 }`, nil},
		{"empty body: as it was", ``, "$.b", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var olds []any
			got, err := Replace([]byte(tt.body), tt.location, func(old any) (any, error) {
				olds = append(olds, old)
				return fmt.Sprintf("tok%d", len(olds)), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Replace\n got %s\nwant %s", got, tt.want)
			}
			if !reflect.DeepEqual(olds, tt.olds) {
				t.Errorf("fn saw %#v, want %#v", olds, tt.olds)
			}
			values, err := Values([]byte(tt.body), tt.location)
			if err != nil || !reflect.DeepEqual(values, olds) {
				t.Errorf("Values = %#v, %v; want what Replace saw, %#v", values, err, olds)
			}
		})
	}
}

func TestReplaceStopsOnError(t *testing.T) {
	boom := errors.New("token create failed")
	calls := 0
	got, err := Replace([]byte(`{"a":["1","2"]}`), "$.a[*]", func(any) (any, error) {
		calls++
		return nil, boom
	})
	if !errors.Is(err, boom) || got != nil {
		t.Fatalf("Replace = %s, %v; want nil and an error wrapping fn's", got, err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times after failing, want 1", calls)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add(`{"a":1}`, "$.b", `"x"`)
	f.Add(``, "$.items[0].x", `1`)
	f.Add(`{"items":[1]}`, "$.items[3]", `{"a":[true,null]}`)
	f.Add(`{"a":[{"p":"1"},{"q":0}]}`, "$.a[*].p", `12345678901234567890`)
	f.Add(`[[[]]]`, "$[0][0][-1]", `null`)
	f.Add(`{"a":"s"}`, "$..a", `"<b>"`)
	f.Add("{\"\xff\":1}", "$['\xff']", `"\u2028"`)
	f.Fuzz(func(t *testing.T, body, location, value string) {
		var v any = json.RawMessage(value)
		if !json.Valid([]byte(value)) {
			v = value
		}
		if got, err := AppendJSON([]byte(body), location, v); err == nil && !json.Valid(got) {
			t.Fatalf("AppendJSON(%q, %q, %q) = %q: not JSON", body, location, value, got)
		}
		values, verr := Values([]byte(body), location)
		calls := 0
		got, err := Replace([]byte(body), location, func(any) (any, error) {
			calls++
			return v, nil
		})
		if (err == nil) != (verr == nil) {
			t.Fatalf("Replace error %v but Values error %v", err, verr)
		}
		if err != nil {
			return
		}
		if calls != len(values) {
			t.Fatalf("Replace called fn %d times, Values found %d", calls, len(values))
		}
		if calls > 0 && !json.Valid(got) {
			t.Fatalf("Replace(%q, %q) = %q: not JSON", body, location, got)
		}
	})
}
