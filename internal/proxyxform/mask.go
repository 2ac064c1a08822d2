package proxyxform

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// Matchers of a mask transform.
const (
	MatcherRegex           = "regex"
	MatcherChaseStratusPAN = "chase_stratus_pan"
)

// Budgets of Mask.Apply. The regex engine checks MatchTimeout while it
// scans (about every 100ms); Apply checks ApplyTimeout between matches and
// between captured values, so a body with very many matches is bounded too.
const (
	MatchTimeout = 250 * time.Millisecond
	ApplyTimeout = 2 * time.Second
)

// Mask is a compiled mask transform. It is safe for concurrent use.
type Mask struct {
	re          *regexp2.Regexp // nil: the chase_stratus_pan matcher
	groups      []int           // capture group numbers, 0 excluded
	replacement rune
}

// CompileMask validates and compiles a mask transform.
//
// matcher is "regex" or "chase_stratus_pan", in any letter case. For
// regex, expression is required, in .NET syntax (regexp2 with default
// options), and must have at least one capture group; for
// chase_stratus_pan it must be empty. replacement must be exactly one
// Unicode code point. Bad input gives a *FieldError naming "matcher",
// "expression" or "replacement".
func CompileMask(matcher, expression, replacement string) (*Mask, error) {
	r, err := maskReplacement(replacement)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.EqualFold(matcher, MatcherRegex):
		return compileRegexMask(expression, r)
	case strings.EqualFold(matcher, MatcherChaseStratusPAN):
		if expression != "" {
			return nil, &FieldError{"expression", "must not be given with the chase_stratus_pan matcher"}
		}
		return &Mask{replacement: r}, nil
	default:
		return nil, &FieldError{"matcher", `must be "regex" or "chase_stratus_pan"`}
	}
}

func maskReplacement(s string) (rune, error) {
	r, size := utf8.DecodeRuneInString(s)
	if s == "" || size != len(s) || (r == utf8.RuneError && size == 1) {
		return 0, &FieldError{"replacement", "must be exactly one character"}
	}
	return r, nil
}

func compileRegexMask(expression string, r rune) (*Mask, error) {
	if expression == "" {
		return nil, &FieldError{"expression", "is required with the regex matcher"}
	}
	re, err := regexp2.Compile(expression)
	if err != nil {
		// regexp2 quotes the pattern, not a body: safe to pass on.
		return nil, &FieldError{"expression", "is not a valid regular expression: " + err.Error()}
	}
	re.MatchTimeout = MatchTimeout
	var groups []int
	for _, n := range re.GetGroupNumbers() {
		if n != 0 {
			groups = append(groups, n)
		}
	}
	if len(groups) == 0 {
		return nil, &FieldError{"expression", "must contain at least one capture group"}
	}
	return &Mask{re: re, groups: groups, replacement: r}, nil
}

// Apply masks body, the whole response body as text, and returns the new
// body; body itself is not modified.
//
// With the regex matcher every match is processed, left to right: within
// the match text, each capture group's value (its last capture, as .NET's
// Group.Value), in group order, has every non-overlapping occurrence
// replaced character by character, later groups being searched in the
// text the earlier ones masked. Empty values mask nothing. With
// chase_stratus_pan, columns 44-62 of every "T74V" record are masked
// (SPEC.md). Characters are code points; bytes that are not UTF-8 count
// one each and pass through unchanged unless masked.
//
// It returns ErrMaskTimeout, and no body, when the budget runs out.
func (m *Mask) Apply(body []byte) ([]byte, error) {
	runes := decodeRunes(body)
	var runs []span
	if m.re == nil {
		runs = chaseStratusPANRuns(runes)
	} else {
		var err error
		if runs, err = m.regexRuns(runes, time.Now().Add(ApplyTimeout)); err != nil {
			return nil, err
		}
	}
	return writeMasked(body, runs, m.replacement), nil
}

// span is a half-open range of rune indexes.
type span struct{ start, end int }

// decodeRunes decodes body as writeMasked walks it: a byte that is not
// UTF-8 is one utf8.RuneError.
func decodeRunes(body []byte) []rune {
	runes := make([]rune, 0, len(body))
	for i := 0; i < len(body); {
		r, w := utf8.DecodeRune(body[i:])
		runes = append(runes, r)
		i += w
	}
	return runes
}

func (m *Mask) regexRuns(runes []rune, deadline time.Time) ([]span, error) {
	match, err := m.re.FindRunesMatch(runes)
	var runs []span
	for ; err == nil && match != nil; match, err = m.re.FindNextMatch(match) {
		masked, ok := m.maskMatch(runes, match, deadline)
		if !ok {
			return nil, ErrMaskTimeout
		}
		runs = appendRuns(runs, masked, match.RuneIndex)
	}
	if err != nil {
		// The engine's timeout error quotes the whole input: never pass
		// it on. Its other errors are budget exhaustion (the backtracking
		// stack) or internal faults, and are reported the same way.
		return nil, ErrMaskTimeout
	}
	return runs, nil
}

// maskMatch returns which runes of the match are masked, or false when the
// deadline passes.
func (m *Mask) maskMatch(runes []rune, match *regexp2.Match, deadline time.Time) ([]bool, bool) {
	text := append([]rune(nil), runes[match.RuneIndex:match.RuneIndex+match.RuneLength]...)
	masked := make([]bool, len(text))
	for _, n := range m.groups {
		if time.Now().After(deadline) {
			return nil, false
		}
		g := match.GroupByNumber(n)
		if g == nil || g.RuneLength == 0 {
			continue
		}
		value := runes[g.RuneIndex : g.RuneIndex+g.RuneLength]
		for _, at := range occurrences(text, value) {
			for k := at; k < at+len(value); k++ {
				text[k], masked[k] = m.replacement, true
			}
		}
	}
	return masked, true
}

// occurrences returns the starts of the non-overlapping occurrences of
// value in text, left to right (as .NET string.Replace finds them), in
// O(len(text)+len(value)) by Knuth-Morris-Pratt: a naive search is
// quadratic on hostile input.
func occurrences(text, value []rune) []int {
	fail := make([]int, len(value))
	for i, k := 1, 0; i < len(value); i++ {
		for k > 0 && value[i] != value[k] {
			k = fail[k-1]
		}
		if value[i] == value[k] {
			k++
		}
		fail[i] = k
	}
	var starts []int
	for i, k := 0, 0; i < len(text); i++ {
		for k > 0 && text[i] != value[k] {
			k = fail[k-1]
		}
		if text[i] == value[k] {
			k++
		}
		if k == len(value) {
			starts = append(starts, i-k+1)
			k = 0 // non-overlapping: restart after the occurrence
		}
	}
	return starts
}

// appendRuns appends the runs of true in masked, offset by base.
func appendRuns(runs []span, masked []bool, base int) []span {
	for i := 0; i < len(masked); i++ {
		if !masked[i] {
			continue
		}
		j := i
		for j < len(masked) && masked[j] {
			j++
		}
		runs = append(runs, span{base + i, base + j})
		i = j
	}
	return runs
}

// Chase Stratus fixed-width records, as measured on the documented masked
// examples (SPEC.md): a "T74V" record holds the PAN in 19 columns from
// column 44.
const (
	chaseRecordPrefix = "T74V"
	chasePANColumn    = 44
	chasePANWidth     = 19
)

func chaseStratusPANRuns(runes []rune) []span {
	var runs []span
	for start := 0; start < len(runes); {
		end := start
		for end < len(runes) && runes[end] != '\r' && runes[end] != '\n' {
			end++
		}
		if isChaseRecord(runes[start:end]) {
			runs = append(runs, span{start + chasePANColumn, start + chasePANColumn + chasePANWidth})
		}
		start = end + 1
	}
	return runs
}

func isChaseRecord(record []rune) bool {
	return len(record) >= chasePANColumn+chasePANWidth && string(record[:len(chaseRecordPrefix)]) == chaseRecordPrefix
}

// writeMasked copies body, writing replacement for every rune in runs
// (sorted, disjoint rune ranges) and the original bytes elsewhere.
func writeMasked(body []byte, runs []span, replacement rune) []byte {
	var out bytes.Buffer
	out.Grow(len(body))
	b, r := 0, 0 // byte and rune position in body
	for _, run := range runs {
		for ; r < run.start; r++ {
			_, w := utf8.DecodeRune(body[b:])
			out.Write(body[b : b+w])
			b += w
		}
		for ; r < run.end; r++ {
			_, w := utf8.DecodeRune(body[b:])
			out.WriteRune(replacement)
			b += w
		}
	}
	out.Write(body[b:])
	return out.Bytes()
}
