package sandbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tokenvault/vault/sandbox"
)

// fuzzParsersReactor feeds its input, a string and its bytes, to every
// parser of url, querystring, string_decoder and TextDecoder, and returns
// the invariants it broke.
const fuzzParsersReactor = `module.exports = async function (input) {
  const url = require('url'), qs = require('querystring'), { StringDecoder } = require('string_decoder');
  const s = input.s, bytes = Buffer.from(input.b, 'base64'), bad = [];
  const check = (ok, what) => { if (!ok) bad.push(what); };
  for (const base of [undefined, 'http://h.com/a/b?c#d', 'file:///x/y', 'sc://h/p', 'sc:opaque']) {
    let u;
    try { u = new URL(s, base); } catch (e) { check(e.code === 'ERR_INVALID_URL', 'URL error code ' + e.code); continue; }
    let again;
    try { again = new URL(u.href); } catch (e) { bad.push('href does not parse again: ' + u.href); continue; }
    check(again.href === u.href, 'href is not stable: ' + u.href + ' then ' + again.href);
    check(URL.canParse(s, base), 'canParse disagrees');
    u.searchParams.append('k', s); u.hash = s; u.pathname = s; u.host = s; u.port = s; u.protocol = s; u.username = s; u.search = s;
    try { new URL(u.href); } catch (e) { bad.push('a URL changed by its setters does not parse: ' + u.href); }
  }
  const p = new URLSearchParams(s);
  check(new URLSearchParams(p.toString()).toString() === p.toString(), 'URLSearchParams is not stable');
  const ascii = url.domainToASCII(s);
  if (ascii !== '') check(url.domainToASCII(url.domainToUnicode(ascii)) === ascii, 'punycode does not round-trip: ' + ascii);
  url.domainToUnicode(s);
  for (const [a, b] of [[true, false], [false, true]]) {
    try { const o = url.parse(s, a, b); url.format(o); url.resolve(s, s); } catch (e) { check(e.code === 'ERR_INVALID_URL' || e instanceof URIError, 'url.parse error ' + e); }
  }
  try { url.fileURLToPath(s); } catch (e) { check(typeof e.code === 'string', 'fileURLToPath error ' + e); }
  const q = qs.parse(s);
  for (const maxKeys of [undefined, 0, 1, 3]) { // the segment-at-a-time parse against the character loop
    const fast = JSON.stringify(Object.entries(qs.parse(s, null, null, { maxKeys })));
    const slow = JSON.stringify(Object.entries(qs.parse(s, '&', '=', { maxKeys, decodeURIComponent: qs.unescape })));
    check(fast === slow, 'querystring.parse differs from its character loop: ' + fast + ' ' + slow);
  }
  check(typeof qs.stringify(q) === 'string', 'stringify');
  qs.parse(s, s.slice(0, 2), s.slice(2, 3), { maxKeys: s.length % 5 });
  try { qs.escape(s); } catch (e) { check(e.code === 'ERR_INVALID_URI', 'escape error ' + e); }
  qs.unescape(s);
  const cut = bytes.length ? s.length % bytes.length : 0;
  for (const enc of ['utf8', 'utf16le', 'base64', 'base64url', 'hex', 'latin1', 'ascii']) {
    const whole = new StringDecoder(enc); const all = whole.write(bytes) + whole.end();
    const split = new StringDecoder(enc); const parts = split.write(bytes.subarray(0, cut)) + split.write(bytes.subarray(cut)) + split.end();
    if (enc !== 'utf16le') check(all === parts, enc + ' decoding depends on the split');
    check(Buffer.from(s, enc).toString(enc).length >= 0, 'Buffer ' + enc);
  }
  for (const label of ['utf-8', 'utf-16le', 'latin1']) {
    const once = new TextDecoder(label).decode(bytes);
    const td = new TextDecoder(label); const streamed = td.decode(bytes.subarray(0, cut), { stream: true }) + td.decode(bytes.subarray(cut));
    check(once === streamed, label + ' TextDecoder depends on the split');
    try { new TextDecoder(label, { fatal: true }).decode(bytes); } catch (e) { check(e.code === 'ERR_ENCODING_INVALID_ENCODED_DATA', 'fatal ' + e); }
  }
  check(new TextDecoder().decode(new TextEncoder().encode(s)) === require('util').toUSVString(s), 'TextEncoder round trip');
  return bad;
};`

// FuzzUtilParsers feeds arbitrary strings and bytes to the parsers of url,
// querystring, string_decoder and TextDecoder in a reactor: none may fail
// but with Node's errors, and each keeps its invariants (a URL's href
// parses to itself, punycode round-trips, decoding does not depend on where
// the input is split: which compares the Go decoders of a whole input with
// the JavaScript streaming ones).
func FuzzUtilParsers(f *testing.F) {
	for _, seed := range []string{
		"http://user:pass@host.com:8080/p/a/t/h?query=string#hash", "HTTP://EXAMPLE.com./a/../b", "//foo/bar", "file:///C:/x/../y",
		"http://[::ffff:192.168.0.1]/", "http://0x7f.1/", "http://münchen.de/", "sc:x y", "a=1&b=2+3&c=%20%zz&&d&=e", "\u00e9\u20ac\U0001F600",
		"javascript:alert(1)", "mailto:a@b.c", "http://a\\b\\c?d\\e", " \t\nhttp://trim/ ", "%E2%82", "\xff\xfe\x00\xd8", "xn--zca.de",
		"http://[1:2:3:4:5:6:7:8]:65535/", "?a#b", "..", "http://%41.com/", "http://a:99999/", "blob:https://a.com/x", "",
		"a=%4+1\u00e9&a%4+1=x&&&=&+=+&%zz", "k=1&&k=2&",
	} {
		f.Add(seed, []byte(seed))
	}
	s, err := sandbox.New(sandbox.WithLimits(sandbox.Limits{Timeout: 5 * time.Second}))
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	prog, err := s.Compile(fuzzParsersReactor)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, str string, b []byte) {
		if len(str) > 4096 || len(b) > 4096 {
			return
		}
		args, err := json.Marshal(map[string]any{"s": str, "b": b})
		if err != nil {
			return
		}
		res, err := s.Run(t.Context(), prog, sandbox.Request{Args: args, Convention: sandbox.ConventionFunction})
		if err != nil {
			t.Fatalf("%q: %v", str, err)
		}
		var bad []string
		if err := json.Unmarshal(res.Raw, &bad); err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Fatalf("%q % x: %v", str, b, bad)
		}
	})
}
