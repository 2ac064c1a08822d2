// Package jsonv decodes JSON into the generic values the vault works with:
// map[string]any, []any, string, json.Number, bool and nil, exactly as
// encoding/json does with UseNumber, but faster (about twice as fast on a
// card token's data). Token data is decoded on every read, so this is on
// the hot path.
//
// Decode accepts what encoding/json accepts and rejects what it rejects (a
// differential fuzz test holds it to that), including invalid UTF-8, which
// it replaces with U+FFFD as encoding/json does. Fields picks raw values out
// of an object without building the rest, String decodes one string, and
// Walk hands a document to a Visitor in order; they hold to the same
// grammar and the same replacements.
//
// Check is stricter: it refuses, with the path of the value, a string that
// is not valid UTF-8 (invalid bytes, or a \u escape of an unpaired
// surrogate) and a number beyond float64 (1e999999), the two things
// Decode accepts but cannot hand over unchanged. JSON from outside the vault
// is checked before it is decoded.
//
// Errors never quote the input. A SyntaxError's Offset is where the
// parser stopped (jsontext's ByteOffset, outside Fields); only its kind is
// meant to be relied on.
//
// # jsontext, and the one hand-written function
//
// Decode, String, Walk and Check are built on package jsontext of
// github.com/go-json-experiment/json (v1.27.2, the module's copy of
// encoding/json/jsontext): a jsontext.Decoder reading the input in place
// with AllowDuplicateNames and AllowInvalidUTF8 reads as encoding/json
// does (a later name wins; invalid UTF-8 and unpaired surrogate escapes
// become U+FFFD). Check first reads with AllowInvalidUTF8(false), and
// reads a refused document again to find the value and its path.
//
// Fields is hand-written. Issue 14 kept a hand-written decoder only where a
// benchmark in the same run showed it at least 1.5 times as fast as
// jsontext on the same work, judged on a card token's data (the hot path).
// Each function had a jsontext twin under the same differential and fuzz
// tests; Fields alone passed, so its twin stays in the tests as the
// baseline (BenchmarkFields, impl=jsontext), and the hand code of the
// others was deleted. Figures: median ns/op of 10 interleaved passes
// (-count 1 -benchtime 500ms, one test binary) on a shared 2-core AMD EPYC
// with Go 1.26.8; ratio is jsontext's time over the hand code's, the
// median of the per-pass ratios; allocs/op hand/jsontext:
//
//	function  input    hand      jsontext  ratio  allocs   decision
//	Decode    card     1280 ns   1720 ns   1.36x  11/11    replaced
//	Decode    bank     3730 ns   4294 ns   1.25x  36/36
//	Decode    4KiB     123 µs    134 µs    1.11x  924/924
//	Decode    64KiB    1791 µs   2311 µs   1.17x  14008/14008
//	Decode    escapes  51.6 µs   75.5 µs   1.49x  255/279
//	Fields    card     327 ns    700 ns    2.17x  0/0      kept
//	Fields    bank     1036 ns   1514 ns   1.45x  0/0
//	Fields    4KiB     15.9 µs   16.2 µs   1.00x  0/0
//	Fields    64KiB    209 µs    225 µs    0.97x  0/0
//	Fields    escapes  11.1 µs   16.3 µs   1.44x  0/0
//	String    card     126 ns    114 ns    0.85x  1/1      replaced
//	String    bank     92 ns     94 ns     1.10x  1/1
//	String    escapes  14.3 µs   12.4 µs   0.83x  8/2
//	Walk      card     912 ns    1316 ns   1.48x  9/9      replaced
//	Walk      bank     2742 ns   3620 ns   1.34x  32/32
//	Walk      4KiB     57.2 µs   71.7 µs   1.36x  661/661
//	Walk      64KiB    939 µs    1073 µs   1.23x  10035/10035
//	Walk      escapes  41.3 µs   64.4 µs   1.57x  200/224
//	Check     card     658 ns    681 ns    1.08x  1/0      replaced
//	Check     bank     1540 ns   1418 ns   0.95x  1/0
//	Check     4KiB     32.5 µs   30.6 µs   0.94x  1/0
//	Check     64KiB    444 µs    510 µs    1.12x  1/0
//	Check     escapes  20.2 µs   17.2 µs   0.88x  1/0
//
// The machine was shared, so single figures moved by 20% and more: per
// pass, Walk on a card ranged from 1.02x to 1.78x. Two plain -count 6 runs
// of the same binary gave, on a card: Decode 1.78x and 1.38x, Fields 1.79x
// and 1.66x, String 0.82x and 0.97x, Walk 1.45x and 1.36x, Check 0.84x and
// 1.14x; Walk and Decode are the close calls. Replacing the hand code cost
// Decode about 0.4 µs a card (still 2.3 times as fast as encoding/json on
// it) and Walk about 0.4 µs; Check on jsontext allocates nothing where the
// hand code allocated its path, and String unquotes escapes with fewer
// allocations.
package jsonv
