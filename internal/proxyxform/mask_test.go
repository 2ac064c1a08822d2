package proxyxform

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCompileMaskRejects(t *testing.T) {
	tests := []struct {
		name, matcher, expression, replacement string
		field                                  string
	}{
		{"no matcher", "", "(a)", "*", "matcher"},
		{"unknown matcher", "luhn", "(a)", "*", "matcher"},
		{"regex without expression", "regex", "", "*", "expression"},
		{"no capture group", "regex", `\d+`, "*", "expression"},
		{"only a non-capturing group", "regex", `(?:\d+)`, "*", "expression"},
		{"explicit capture turns groups off", "regex", `(?n)(\d+)`, "*", "expression"},
		{"does not compile", "regex", `(\d+`, "*", "expression"},
		{"expression with chase_stratus_pan", "chase_stratus_pan", "(a)", "*", "expression"},
		{"empty replacement", "regex", "(a)", "", "replacement"},
		{"two characters", "regex", "(a)", "**", "replacement"},
		{"not UTF-8", "regex", "(a)", "\xff", "replacement"},
		{"letter plus combining mark", "regex", "(a)", "e\u0301", "replacement"},
		{"replacement checked first", "luhn", "", "", "replacement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := CompileMask(tt.matcher, tt.expression, tt.replacement)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("CompileMask = %v, %v; want a *FieldError", m, err)
			}
			if fe.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", fe.Field, tt.field, err)
			}
			if !strings.HasPrefix(err.Error(), tt.field+": ") {
				t.Errorf("Error() = %q, want it to start %q", err, tt.field+": ")
			}
		})
	}
}

func TestMaskApply(t *testing.T) {
	tests := []struct {
		name                             string
		matcher, expression, replacement string
		body, want                       string
	}{
		{
			name:    "documented accountNumber example",
			matcher: "regex", expression: `"accountNumber":\s*"(.*?)"`, replacement: "*",
			body: `{"username": "bsmith1486", "accountNumber": "56834512"}`,
			want: `{"username": "bsmith1486", "accountNumber": "********"}`,
		},
		{
			name:    "documented: every occurrence of the value inside the match",
			matcher: "regex", expression: `^(aa).*?$`, replacement: "*",
			body: "aabbccaabbccaa", want: "**bbcc**bbcc**",
		},
		{
			name:    "every match",
			matcher: "regex", expression: `a=(\d+);`, replacement: "*",
			body: "a=12;b=3;a=456;", want: "a=**;b=3;a=***;",
		},
		{
			name:    "the value outside the match is left",
			matcher: "regex", expression: `"pan":"(\d+)"`, replacement: "*",
			body: `{"pan":"4242","copy":"4242"}`, want: `{"pan":"****","copy":"4242"}`,
		},
		{
			name:    "non-overlapping occurrences",
			matcher: "regex", expression: `^(aa)a*`, replacement: "#",
			body: "aaaaa", want: "####a",
		},
		{
			name:    "groups in order, later ones searched in masked text",
			matcher: "regex", expression: `(\d+)-(\d+)`, replacement: "*",
			body: "x 12-34 y", want: "x **-** y",
		},
		{
			name:    "a repeated group masks its last capture, as .NET Group.Value",
			matcher: "regex", expression: `x=(?:(\d),)+`, replacement: "*",
			body: "x=1,2,", want: "x=1,*,",
		},
		{
			name:    "named group",
			matcher: "regex", expression: `pan=(?<pan>\d+)`, replacement: "*",
			body: "pan=4242&x=1", want: "pan=****&x=1",
		},
		{
			name:    ".NET lookbehind",
			matcher: "regex", expression: `(?<=pan=)(\d+)`, replacement: "*",
			body: "pan=4242", want: "pan=****",
		},
		{
			name:    "a capture outside the match text masks nothing",
			matcher: "regex", expression: `a(?=(b))`, replacement: "*",
			body: "ab ab", want: "ab ab",
		},
		{
			name:    "a capture that matches empty masks nothing",
			matcher: "regex", expression: `x=(\d*);`, replacement: "*",
			body: "x=;y=1", want: "x=;y=1",
		},
		{
			name:    "multi-byte replacement",
			matcher: "regex", expression: `pin=(\d+)`, replacement: "•",
			body: "pin=1234!", want: "pin=••••!",
		},
		{
			name:    "multi-byte characters count as one",
			matcher: "regex", expression: `name=(\S+)`, replacement: "*",
			body: "name=José 日本", want: "name=**** 日本",
		},
		{
			name:    "bytes that are not UTF-8 pass through outside masks",
			matcher: "regex", expression: `pan=(\d+)`, replacement: "*",
			body: "\xff pan=12 \xfe\x80", want: "\xff pan=** \xfe\x80",
		},
		{
			name:    "a byte that is not UTF-8 is masked as one character",
			matcher: "regex", expression: `pan=(\S+)`, replacement: "*",
			body: "pan=1\xff2 end", want: "pan=*** end",
		},
		{
			name:    "matcher in upper case",
			matcher: "REGEX", expression: `k=(\w+)`, replacement: "*",
			body: "k=abc", want: "k=***",
		},
		{
			name:    "no match",
			matcher: "regex", expression: `pan=(\d+)`, replacement: "*",
			body: "nothing here", want: "nothing here",
		},
		{
			name:    "empty body",
			matcher: "regex", expression: `(\d+)`, replacement: "*",
			body: "", want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := CompileMask(tt.matcher, tt.expression, tt.replacement)
			if err != nil {
				t.Fatal(err)
			}
			body := []byte(tt.body)
			got, err := m.Apply(body)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Apply(%q) = %q, want %q", tt.body, got, tt.want)
			}
			if string(body) != tt.body {
				t.Errorf("Apply modified its input: %q", body)
			}
		})
	}
}

// The two records are the documented masked Chase Stratus examples with a
// PAN put back in the masked columns.
const (
	chaseVerify         = "T74VKiwuJZ7TYGXD4navTHDLZG104240726tst844   4111111111111111   0929VI   000000000000CT01USANNXNNNXY\r"
	chaseVerifyMasked   = "T74VKiwuJZ7TYGXD4navTHDLZG104240726tst844   *******************0929VI   000000000000CT01USANNXNNNXY\r"
	chaseTokenize       = "T74VEqMOciR1n8le3BhTVvl3zJ104240726         6011000990139424   0329DI   000000000000TI6559909009126557    \r"
	chaseTokenizeMasked = "T74VEqMOciR1n8le3BhTVvl3zJ104240726         *******************0329DI   000000000000TI6559909009126557    \r"
)

func TestMaskChaseStratusPAN(t *testing.T) {
	tests := []struct {
		name, replacement, body, want string
	}{
		{"account verification (documented)", "*", chaseVerify, chaseVerifyMasked},
		{"tokenize (documented)", "*", chaseTokenize, chaseTokenizeMasked},
		{"several records, CRLF", "*", chaseVerify + "\n" + chaseTokenize + "\n", chaseVerifyMasked + "\n" + chaseTokenizeMasked + "\n"},
		{"19-digit PAN fills the field", "#", "T74V" + strings.Repeat("x", 40) + "4111111111111111111" + "0929VI",
			"T74V" + strings.Repeat("x", 40) + strings.Repeat("#", 19) + "0929VI"},
		{"record ending at the field, no terminator", "*", "T74V" + strings.Repeat(" ", 40) + "4111111111111111111",
			"T74V" + strings.Repeat(" ", 40) + strings.Repeat("*", 19)},
		{"record too short", "*", "T74V" + strings.Repeat(" ", 40) + "411111111111111111\r",
			"T74V" + strings.Repeat(" ", 40) + "411111111111111111\r"},
		{"other record types pass", "*", "T75V" + chaseVerify[4:], "T75V" + chaseVerify[4:]},
		{"prefix must start the record", "*", " " + chaseVerify, " " + chaseVerify},
		{"multi-byte replacement", "•", chaseVerify, strings.Replace(chaseVerifyMasked, strings.Repeat("*", 19), strings.Repeat("•", 19), 1)},
		{"empty body", "*", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := CompileMask("chase_stratus_pan", "", tt.replacement)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Apply([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Apply(%q)\n got %q\nwant %q", tt.body, got, tt.want)
			}
		})
	}
}

// A catastrophically backtracking pattern must end in ErrMaskTimeout, and
// must not hand back regexp2's timeout error, which quotes the body.
func TestMaskApplyCatastrophicBacktracking(t *testing.T) {
	m, err := CompileMask("regex", `(a+)+$`, "*")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(strings.Repeat("a", 50_000) + "b")
	type result struct {
		body []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		got, err := m.Apply(body)
		done <- result{got, err}
	}()
	limit := MatchTimeout + 2*time.Second
	select {
	case r := <-done:
		if r.err != ErrMaskTimeout {
			t.Fatalf("Apply = %d bytes, %v; want ErrMaskTimeout itself", len(r.body), r.err)
		}
		if r.body != nil {
			t.Errorf("Apply returned a body with its error")
		}
	case <-time.After(limit):
		t.Fatalf("Apply still running after %v", limit)
	}
}

func TestMaskApplyNestedQuantifierTimesOut(t *testing.T) {
	m, err := CompileMask("regex", `^(\w+\s?)*$`, "*")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(strings.Repeat("word ", 10_000) + "!")
	done := make(chan error, 1)
	go func() { _, err := m.Apply(body); done <- err }()
	select {
	case err := <-done:
		if err != ErrMaskTimeout {
			t.Fatalf("Apply error = %v, want ErrMaskTimeout", err)
		}
	case <-time.After(MatchTimeout + ApplyTimeout + 5*time.Second):
		t.Fatal("Apply did not return: the budget does not bound it")
	}
}

// Very many cheap matches are bounded by ApplyTimeout, not by
// MatchTimeout per match: either they finish or the budget ends them.
func TestMaskApplyManyMatchesIsBounded(t *testing.T) {
	m, err := CompileMask("regex", `(a)`, "*")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("a"), 4<<20)
	start := time.Now()
	got, err := m.Apply(body)
	if elapsed := time.Since(start); elapsed > ApplyTimeout+3*time.Second {
		t.Fatalf("Apply took %v", elapsed)
	}
	switch {
	case err == ErrMaskTimeout:
	case err != nil:
		t.Fatal(err)
	case !bytes.Equal(got, bytes.Repeat([]byte("*"), len(body))):
		t.Fatal("Apply finished but did not mask every character")
	}
}

func TestMaskApplyHugeBody(t *testing.T) {
	m, err := CompileMask("regex", `"pan":"(\d+)"`, "*")
	if err != nil {
		t.Fatal(err)
	}
	filler := bytes.Repeat([]byte(`{"k":"v"},`), 800_000) // 8 MB
	body := append(append([]byte(`[`), filler...), `{"pan":"4242424242424242"}]`...)
	got, err := m.Apply(body)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(`[`), filler...), `{"pan":"****************"}]`...)
	if !bytes.Equal(got, want) {
		t.Fatal("the huge body was not masked as expected")
	}
}

func TestMaskApplyLongCaptureIsLinear(t *testing.T) {
	// One match and one value, each 1M characters: a naive substring
	// search would be quadratic here.
	m, err := CompileMask("regex", `(a+)`, "*")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("a"), 1<<20)
	got, err := m.Apply(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Repeat([]byte("*"), len(body))) {
		t.Fatal("the run was not masked")
	}
}

func TestMaskConcurrentUse(t *testing.T) {
	m, err := CompileMask("regex", `pan=(\d+)`, "*")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := m.Apply([]byte("pan=4242;pan=55"))
			if err == nil && string(got) != "pan=****;pan=**" {
				err = errors.New("wrong mask: " + string(got))
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestOccurrences(t *testing.T) {
	tests := []struct {
		text, value string
		want        []int
	}{
		{"aaaaa", "aa", []int{0, 2}},
		{"abcabcab", "abc", []int{0, 3}},
		{"aabaabaaab", "aab", []int{0, 3, 7}},
		{"abc", "abcd", nil},
		{"xyz", "q", nil},
	}
	for _, tt := range tests {
		got := occurrences([]rune(tt.text), []rune(tt.value))
		if !equalInts(got, tt.want) {
			t.Errorf("occurrences(%q, %q) = %v, want %v", tt.text, tt.value, got, tt.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzMask(f *testing.F) {
	f.Add("regex", `"accountNumber":\s*"(.*?)"`, "*", `{"accountNumber": "56834512"}`)
	f.Add("regex", `^(aa).*?$`, "*", "aabbccaabbccaa")
	f.Add("regex", `(\d*)`, "•", "a1\xffb22")
	f.Add("regex", `(a+)+$`, "*", "aaaaaaaaaaaaaaaaaaaaaaab")
	f.Add("regex", `(?<=x)(.)(?=(y))`, "#", "xyxy")
	f.Add("chase_stratus_pan", "", "*", chaseVerify+chaseTokenize)
	f.Add("regex", "(", "**", "")
	f.Fuzz(func(t *testing.T, matcher, expression, replacement, body string) {
		m, err := CompileMask(matcher, expression, replacement)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("CompileMask error is not a *FieldError: %v", err)
			}
			return
		}
		got, err := m.Apply([]byte(body))
		if err != nil {
			if err != ErrMaskTimeout {
				t.Fatalf("Apply error = %v", err)
			}
			return
		}
		// Masking swaps characters one for one.
		if n, want := len(decodeRunes(got)), len(decodeRunes([]byte(body))); n != want {
			t.Fatalf("Apply(%q) = %q: %d characters, want %d", body, got, n, want)
		}
	})
}
