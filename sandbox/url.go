package sandbox

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dop251/goja"
	"golang.org/x/text/unicode/norm"
)

// The Go half of lib/url.js: domain names to ASCII (IDNA) and back, and
// UTF-8 decoding for percent-decoded bytes. Each loop is bounded by the
// length of a string the reactor holds.

func init() {
	jsNatives["url"] = (*invocation).urlNatives
}

func (inv *invocation) urlNatives() *goja.Object {
	rt := inv.rt
	n := rt.NewObject()
	inv.setFunc(n, "domainToASCII", 1, func(call goja.FunctionCall) goja.Value {
		s, err := domainToASCII(call.Argument(0).String())
		if err != nil {
			return goja.Null()
		}
		return rt.ToValue(s)
	})
	inv.setFunc(n, "domainToUnicode", 1, func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(domainToUnicode(call.Argument(0).String()))
	})
	inv.setFunc(n, "toUSVString", 1, func(call goja.FunctionCall) goja.Value { return toUSVString(call.Argument(0)) })
	inv.setFunc(n, "percentEncode", 3, func(call goja.FunctionCall) goja.Value {
		set, ok := percentEncodeSets[call.Argument(1).String()]
		if !ok {
			panic(rt.NewTypeError("no such percent-encode set"))
		}
		return rt.ToValue(percentEncode(call.Argument(0).String(), set, call.Argument(2).ToBoolean()))
	})
	inv.setFunc(n, "percentDecodeUTF8", 1, func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(decodeUTF8(percentDecode(call.Argument(0).String())))
	})
	_ = n.Set("legacy", inv.internalModule("url_legacy"))
	return n
}

var errDomain = errors.New("invalid domain")

// domainToASCII is UTS 46 ToASCII as the URL Standard calls it
// (non-transitional, no STD3 rules, no DNS length check), with the
// mapping approximated by case folding and NFKC: no bidi or joiner checks.
func domainToASCII(domain string) (string, error) {
	var sb strings.Builder
	for _, r := range domain {
		switch r {
		case '\u3002', '\uff0e', '\uff61':
			r = '.'
		case '\u00ad', '\u200b', '\u2060', '\ufeff', '\u034f', '\u180b', '\u180c', '\u180d':
			continue
		}
		if r >= '\ufe00' && r <= '\ufe0f' {
			continue
		}
		if r == utf8.RuneError {
			return "", errDomain
		}
		sb.WriteRune(unicode.ToLower(r))
	}
	mapped := norm.NFKC.String(sb.String())
	mapped = strings.Map(unicode.ToLower, mapped)
	labels := strings.Split(mapped, ".")
	for i, label := range labels {
		ascii := true
		for j := 0; j < len(label); j++ {
			if label[j] >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		if strings.HasPrefix(label, "xn--") {
			if !ascii {
				return "", errDomain
			}
			u, err := punyDecode(label[4:])
			if err != nil || u == "" || norm.NFC.String(u) != u {
				return "", errDomain
			}
			continue
		}
		if ascii {
			continue
		}
		if !norm.NFC.IsNormalString(label) {
			return "", errDomain
		}
		enc, err := punyEncode(label)
		if err != nil {
			return "", errDomain
		}
		labels[i] = "xn--" + enc
	}
	return strings.Join(labels, "."), nil
}

// domainToUnicode decodes the punycode labels of an ASCII domain.
func domainToUnicode(domain string) string {
	labels := strings.Split(domain, ".")
	for i, label := range labels {
		if strings.HasPrefix(label, "xn--") {
			if u, err := punyDecode(label[4:]); err == nil {
				labels[i] = u
			}
		}
	}
	return strings.Join(labels, ".")
}

// Punycode (RFC 3492).
const (
	punyBase        = 36
	punyTMin        = 1
	punyTMax        = 26
	punySkew        = 38
	punyDamp        = 700
	punyInitialBias = 72
	punyInitialN    = 128
)

func punyAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= punyDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((punyBase-punyTMin)*punyTMax)/2 {
		delta /= punyBase - punyTMin
		k += punyBase
	}
	return k + (punyBase-punyTMin+1)*delta/(delta+punySkew)
}

func punyDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punyEncode(s string) (string, error) {
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := punyInitialN, 0, punyInitialBias
	for h < len(runes) {
		m := int(unicode.MaxRune) + 1
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if (m-n)*(h+1) > 1<<30 {
			return "", errDomain
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := punyBase; ; k += punyBase {
					t := k - bias
					if t < punyTMin {
						t = punyTMin
					} else if t > punyTMax {
						t = punyTMax
					}
					if q < t {
						break
					}
					out = append(out, punyDigit(t+(q-t)%(punyBase-t)))
					q = (q - t) / (punyBase - t)
				}
				out = append(out, punyDigit(q))
				bias = punyAdapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), nil
}

func punyDecode(s string) (string, error) {
	var out []rune
	pos := 0
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for _, c := range s[:i] {
			if c >= 0x80 {
				return "", errDomain
			}
			out = append(out, c)
		}
		pos = i + 1
	}
	n, i, bias := punyInitialN, 0, punyInitialBias
	for pos < len(s) {
		oldi, w := i, 1
		for k := punyBase; ; k += punyBase {
			if pos >= len(s) {
				return "", errDomain
			}
			c := s[pos]
			pos++
			var digit int
			switch {
			case c >= '0' && c <= '9':
				digit = int(c-'0') + 26
			case c >= 'a' && c <= 'z':
				digit = int(c - 'a')
			case c >= 'A' && c <= 'Z':
				digit = int(c - 'A')
			default:
				return "", errDomain
			}
			if digit > (1<<30-i)/w {
				return "", errDomain
			}
			i += digit * w
			t := k - bias
			if t < punyTMin {
				t = punyTMin
			} else if t > punyTMax {
				t = punyTMax
			}
			if digit < t {
				break
			}
			w *= punyBase - t
			if w > 1<<30 {
				return "", errDomain
			}
		}
		bias = punyAdapt(i-oldi, len(out)+1, oldi == 0)
		n += i / (len(out) + 1)
		if n > unicode.MaxRune || (n >= 0xd800 && n <= 0xdfff) {
			return "", errDomain
		}
		i %= len(out) + 1
		out = append(out[:i], append([]rune{rune(n)}, out[i:]...)...)
		i++
	}
	return string(out), nil
}

// percentDecode decodes the %XX sequences of s's UTF-8 bytes.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
			out = append(out, unhexDigit(s[i+1])<<4|unhexDigit(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhexDigit(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// The URL Standard's percent-encode sets, for ASCII (every other code point
// is in all of them).
var percentEncodeSets = func() map[string]*[128]bool {
	sets := map[string]*[128]bool{}
	add := func(name, base, extra string) {
		var set [128]bool
		if base != "" {
			set = *sets[base]
		} else {
			for c := 0; c < 0x20; c++ {
				set[c] = true
			}
			set[0x7f] = true
		}
		for i := 0; i < len(extra); i++ {
			set[extra[i]] = true
		}
		sets[name] = &set
	}
	add("c0", "", "")
	add("fragment", "c0", " \"<>`")
	add("query", "c0", " \"#<>")
	add("special-query", "query", "'")
	add("path", "query", "?`{}")
	add("userinfo", "path", "/:;=@[\\]^|")
	add("component", "userinfo", "$%&+,")
	add("form", "component", "!'()~")
	return sets
}()

// percentEncode UTF-8 percent-encodes the code points of s in set.
func percentEncode(s string, set *[128]bool, spaceAsPlus bool) string {
	const hexDigits = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' && spaceAsPlus:
			sb.WriteByte('+')
		case c < utf8.RuneSelf && !set[c]:
			sb.WriteByte(c)
		default:
			sb.WriteByte('%')
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&15])
		}
	}
	return sb.String()
}
