// Package expr is the vault's expression engine: Liquid templates with the
// platform's filters, used for token masks, fingerprint expressions, search
// indexes and alias ids, and for the token references of documents
// (reactor arguments, /detokenize and proxy bodies, reactor configuration).
//
//	t, err := expr.Compile("{{ data.number | reveal_last: 4 }}") // cached
//	v, err := t.Eval(map[string]any{"data": card})                  // "XXXXXXXXXXXX4242"
//
//	masked, err := expr.EvalJSON(mask, map[string]any{"data": card}) // a mask object, leaf by leaf
//
//	d, err := expr.ParseDocument(args)     // {"card": "{{ 5c20545b-... }}"}
//	refs := d.Refs()                       // resolve them all in one read
//	out, err := d.Render(func(r expr.Ref) (any, bool) { ... })
//
// The package knows nothing of tokens: its callers bind the variables and
// resolve the references. Templates, documents and the cache are safe for
// concurrent use.
//
// # Language
//
// Templates are Liquid (https://shopify.github.io/liquid/): {{ }} outputs an
// expression, {% %} runs a tag, {{- -}} and {%- -%} trim the whitespace
// around them. Expressions and the standard filters come from
// github.com/osteele/liquid (its expression parser and evaluator, its
// values semantics); the template scanner, tags and renderer are this
// package's, so that output, work and errors can be bounded and located.
//
// Tags: if/elsif/else, unless, case/when/else, for/else (limit, offset,
// reversed, forloop with parentloop, break, continue), tablerow (cols),
// assign, capture, cycle, increment, decrement, echo, comment, raw and the
// inline comment {% # ... %}. include and render are refused: templates
// cannot read files. Any other tag is a syntax error.
//
// Filters: the standard Liquid filters (abs, append, at_least, at_most,
// base64_decode, base64_encode, base64_url_safe_decode,
// base64_url_safe_encode, capitalize, ceil, compact, concat, date, default,
// divided_by, downcase, escape, escape_once, first, floor, inspect, join,
// last, lstrip, map, minus, modulo, newline_to_br, plus, prepend, remove,
// remove_first, remove_last, replace, replace_first, replace_last, reverse,
// round, rstrip, size, slice, sort, sort_natural, split, strip, strip_html,
// strip_newlines, times, truncate, truncatewords, type, uniq, upcase,
// url_decode, url_encode, where) and the platform's (alias_card,
// alias_preserve_format, alias_preserve_length, card_bin, card_exp,
// card_mask, hmac, json, json_stringify, last4, pad_left, pad_right, reveal,
// reveal_last, stringify, to_base16, to_base64, to_boolean, to_number,
// to_string). An unknown filter, a filter with the wrong number of
// arguments and json_stringify not in last position are syntax errors,
// found by Parse rather than at evaluation. Unless said otherwise a
// platform filter given null returns null.
//
// # Bindings
//
// The caller binds the variables. By context (reference §2.1):
//
//	mask, search_indexes, alias id     data
//	fingerprint_expression             data, metadata
//	documents                          references (below), nothing else
//	proxy expressions                  proxy; BT-ENCRYPTED: encrypted
//
// # Values and the typing rule
//
// Variables and results are JSON values. Variables may hold what
// encoding/json produces (numbers as float64 or, with UseNumber,
// json.Number), Go integers, []byte, []string and map[string]string.
// Integers keep every digit: a json.Number or float64 that is an integer
// (within int64; floats within ±2^53) is evaluated as an integer, so an
// account number given as a JSON integer is not rounded. A template that is
// exactly one {{ }} (whitespace around it allowed) evaluates to the value
// with its JSON type; anything else (text around, several {{ }}, tags)
// renders to a string in which strings are themselves, null is nothing,
// numbers and booleans are as in JSON, and objects and arrays are their
// JSON (keys sorted, no HTML escaping). [Template.EvalString] always
// renders. Results are nil, bool, int64, float64, string, []any and
// map[string]any: integers come back as int64 and integral floats within
// ±2^53 as int64. hmac returns bytes: used as text, or as the final value,
// bytes are their standard padded base64 (so a final hmac without
// to_base64 is the same as with it).
//
// # References
//
// In a document ([ParseDocument]) every string holding "{{" is a template
// in which each {{ }} starts with a reference:
//
//	object    = "{{" ["-"] ws head [ "|" filters ] ws ["-"] "}}"
//	head      = "token" ws ":" ws id          whole token object  (RefToken)
//	          | "token_intent" ws ":" ws id   token intent        (RefTokenIntent)
//	          | "config" ws ":" ws key        configuration value (RefConfig)
//	          | "transform_identifier" ws ":" ws name
//	                                          a proxy tokenize transform's token (RefTransform;
//	                                          name is a key, optionally in ' or " quotes)
//	          | id                            token data          (RefData)
//	id        = 3 to 400 characters, no whitespace, none of # / \ + ? [ ] | & = % < > { } ^
//	key       = 1 to 400 characters of the same set
//
// The head ends at the first "|" (an id cannot hold one) and is rewritten
// into a variable, so the filters are ordinary Liquid:
// {{ 5c20545b-... | json: '$.number' }}, {{ token: 5c20545b-... | json:
// '$.data.number' }}. Every head of a document is a reference: {{ abc }} is
// the token abc, and a head that is not a valid id is a syntax error. Tags
// are allowed around references. Strings without "{{" are left untouched and
// shared with the result, neither copied nor converted (their numbers keep
// the input's types). [Document.Refs] lists the references
// once each, in order of first appearance (object keys in sorted order) so
// that the caller reads them all in one batch; [Document.Render] keeps the
// JSON type of a string that is one {{ }} (an object is embedded as an
// object) and concatenates mixed text.
//
// # Limits
//
// Anyone with an API key can submit a template, so evaluation is bounded
// ([Limits], [SetDefaultLimits], [WithLimits]): the rendered output (for
// [EvalJSON], the results of all leaves together, values counted as their
// JSON: a mask that repeats {{ data }} cannot multiply its data) and every
// string a filter or a capture builds are at most 1 MiB, arrays a
// filter builds and ranges a filter receives at most 100,000 items, and the
// work at most 100,000 steps (a step per loop iteration, expression and
// filter call, plus one per KiB read, written or output), so
// {% for i in (1..1000000000) %} stops at once with a KindLimit error.
// What is read is measured whole: a filter is charged for its input, its
// arguments and its result, and an expression the engine evaluates (one
// with operators such as contains and ==, a loop's collection) for the
// variables it names, each string by its bytes and each array item and
// object entry as 128 and 256 bytes (a comparison, a hash, a key to sort);
// sort and sort_natural are charged log2(n) readings. So a loop that
// compares a megabyte, hashes a megabyte key or walks a 50,000-key object
// on every iteration stops within the budget too: the budget bounds the
// time of an evaluation, not only its iterations. Size checks happen
// before a large result is built where it can be computed (replace,
// append, pad_left, join, split, and the JSON text of arrays and objects,
// which may hold one large value many times). A caller that evaluates many
// templates for one request shares one budget of steps among them
// ([Budget], [WithBudget]), so that the request is bounded too, not only
// each evaluation. Parsing refuses nesting deeper
// than 64 blocks or 32 brackets, expressions of more than 1,024 tokens,
// templates of more than 10,000 {{ }} and {% %} and documents of more than
// 10,000 {{ }}. A range assigned to a variable becomes an array (at most
// MaxItems), and a property or index of a range is a syntax error: the
// engine would call its methods. osteele/liquid offers no
// such bounds, so the package renders the templates itself and evaluates
// each expression with the engine, recovering from any panic. The engine's
// include tag would read files; it is not registered.
//
// # Errors
//
// Every error is an [*Error]: a [Kind] (KindSyntax, KindEval, KindLimit,
// KindRef), the JSON Path of the document leaf, the Offset, Line and Col of
// the construct at fault in the template (a filter's error points at the
// first use of the filter's name) and the Filter involved. Messages name
// filters, tags and keywords but never quote a value or the template text: a
// template may hold a secret next to its expressions. An unknown tag or
// filter name is echoed only when it looks like a keyword.
//
// # Decisions
//
// Where the platform's documentation is silent or contradicts itself:
//
//   - reveal_last keeps '-' and masks everything else (123-45-6789 with 4
//     is XXX-XX-6789, "Sensitive Value" is XXXXXXXXXXXalue); a value no
//     longer than the revealed length is returned whole, as documented.
//   - json_stringify and stringify are the same filter and must be last. A
//     string is returned as it is (the documented example), null gives
//     null, anything else its JSON.
//   - to_base16 emits uppercase hex, as the filter's documentation shows
//     (the proxy example's lowercase is not followed).
//   - card_bin and last4 follow their descriptions; the documented outputs
//     42424242 and 1667 for 3622720627165567 are doc errors (this package
//     gives 36227206 and 5567). The hmac example for "secretText" does not
//     reproduce with any HMAC; the "4242424242424242" one does and is tested.
//   - replace and remove take a missing argument as "" (the default search
//     index of social security numbers is {{ data | replace: '-' }}).
//   - hmac takes (algorithm, key); hmac: 'key' alone uses sha-256, and an
//     algorithm name alone is an error (the key is required). Algorithms
//     are sha-1, sha-256 and sha-512, any case, dashes optional.
//   - alias_preserve_format replaces letters by random lowercase letters and
//     alias_preserve_length uses lowercase letters and digits, as the
//     documented examples show. When the revealed lengths cover the whole
//     value nothing is revealed: an alias never equals its data. alias_card
//     keeps spaces and dashes, errors when the number has fewer digits than
//     the revealed ones, and does not make the alias pass Luhn (nor do the
//     documented examples). Randomness comes from crypto/rand.
//   - card_mask and reveal mask every character, delimiters included, when
//     the masked value would equal the input. card_mask counts the BIN
//     length on the characters that are not preserved.
//   - card_exp accepts any format made of MM, YY, YYYY and the separators
//     / - _ . and space (all the documented ones); a two-digit year means
//     20YY.
//   - to_boolean accepts booleans, "true"/"false" (any case) and numbers
//     (zero is false); to_number accepts numbers, decimal strings (no hex,
//     no infinities) and booleans; to_string refuses objects and arrays, as
//     documented. Each refuses anything else with KindEval.
//   - to_base64 and to_base16 encode text as its UTF-8 bytes and refuse
//     null, as documented.
//   - json needs one match: none gives null, several are a KindEval error.
//   - type (from osteele/liquid, where it names Go types) names the JSON type:
//     null, boolean, number, string, bytes, array or object.
//   - The standard string filters follow Shopify where osteele/liquid
//     differs: capitalize lowercases the rest, newline_to_br keeps the
//     newline, slice works on arrays, the size filter counts an object's
//     keys, string filters count characters, not bytes (the engine's .size
//     property of a string still counts bytes). for renders its else for null
//     too, applies offset and limit before reversed, iterates an object as
//     [key, value] pairs in key order and a non-empty string once. case
//     renders the first matching when.
//   - A document's strings are templates only when they hold "{{"; a string
//     with only {% %} is data.
//   - The JSON path of an error is dotted (args.card[0], mask.number); keys
//     that are not plain names are quoted (["a b"]).
//
// # Performance
//
// [Compile] keeps 4,096 compiled templates in a sharded LRU cache, and
// documents cache their leaves the same way. The commonest expressions (a
// variable or literal, properties and constant indexes, then filters with
// variable or literal arguments) are evaluated by a fast path that calls
// the same filters without the engine's closures and reflection; it is
// tested and fuzzed to agree with the engine.
package expr
