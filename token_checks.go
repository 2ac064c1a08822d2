package vault

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tokenvault/vault/expr"
	"github.com/tokenvault/vault/keys"
)

// Checks and renderings of what a token stores besides its data: custom ids,
// containers, metadata, templates, search terms, fingerprints and aliases.

// checkTokenID validates a custom token id and returns a message, or "".
func checkTokenID(id string) string {
	if !utf8.ValidString(id) {
		return msgTextUTF8
	}
	n := len([]rune(id))
	if n < 3 || n > 400 {
		return "must be 3 to 400 characters"
	}
	for _, r := range id {
		if strings.ContainsRune(`#/\+?[]|&=%<>{}^`, r) {
			return `must not contain any of # / \ + ? [ ] | & = % < > { } ^`
		}
		if r <= ' ' || r == 0x7f {
			return "must not contain whitespace or control characters"
		}
	}
	return ""
}

// checkContainers validates and normalises containers (lower case, leading
// and trailing slash, segments of letters, digits, '-' and '_'); none given
// means the type's default; with no default (an update), none given is an
// error: every token lies in at least one container.
func checkContainers(fe fieldErrors, path string, in []string, def string) []string {
	if len(in) == 0 {
		if def == "" {
			fe.add(path, "must hold at least one container")
			return nil
		}
		return []string{def}
	}
	if len(in) > maxContainers {
		fe.add(path, "must hold at most %d containers", maxContainers)
		return nil
	}
	out := make([]string, 0, len(in))
	for i, c := range in {
		n, ok := normalizeContainer(c)
		if !ok {
			fe.add(fmt.Sprintf("%s[%d]", path, i), "must be a path like /pci/high/: segments of letters, digits, '-' and '_' between slashes")
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// normalizeContainer lower-cases a container path and checks its form.
func normalizeContainer(c string) (string, bool) {
	c = strings.ToLower(c)
	if len(c) == 0 || len(c) > 256 || c[0] != '/' || c[len(c)-1] != '/' {
		return "", false
	}
	if c == "/" {
		return c, true
	}
	for _, seg := range strings.Split(c[1:len(c)-1], "/") {
		if seg == "" {
			return "", false
		}
		for i := 0; i < len(seg); i++ {
			ch := seg[i]
			if !('a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_') {
				return "", false
			}
		}
	}
	return c, true
}

func checkMetadata(fe fieldErrors, path string, md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	if len(md) > maxMetadataPairs {
		fe.add(path, "must hold at most %d entries", maxMetadataPairs)
	}
	addTextError(fe, path, md)
	size, longEntry := 0, false
	for k, val := range md {
		size += len(k) + len(val)
		if k == "" {
			fe.add(path, "keys must not be empty")
		}
		if len(k)+len(val) > maxMetadataEntry && !longEntry {
			longEntry = true
			fe.add(path, "each key and its value must be at most %d bytes together", maxMetadataEntry)
		}
	}
	if size > maxMetadataBytes {
		fe.add(path, "must be at most %d bytes", maxMetadataBytes)
	}
	return md
}

// checkTemplates compiles every template in v (a string, or an object or
// array of them) and records syntax errors under path.
func checkTemplates(fe fieldErrors, path string, v any) {
	switch v := v.(type) {
	case string:
		if _, err := expr.Compile(v); err != nil {
			fe.add(path, "%s", exprMessage(err))
		}
	case map[string]any:
		for k, e := range v {
			checkTemplates(fe, joinPath(path, k), e)
		}
	case []any:
		for i, e := range v {
			checkTemplates(fe, fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}

// exprMessage is the client-safe message of an expression error.
func exprMessage(err error) string {
	if e, ok := errors.AsType[*expr.Error](err); ok {
		return e.Error()
	}
	return "is not a valid expression"
}

// renderSearchTerms evaluates the search index expressions within budget
// and stores their keyed hashes. Each must evaluate to one non-empty value.
func renderSearchTerms(tk *keys.TenantKeys, rec *tokenRecord, vars map[string]any, fe fieldErrors, budget *expr.Budget) error {
	rec.SearchTerms = nil
	for i, src := range rec.SearchIndexes {
		t, err := expr.Compile(src)
		if err != nil {
			fe.add(fmt.Sprintf("search_indexes[%d]", i), "%s", exprMessage(err))
			continue
		}
		val, err := t.EvalString(vars, expr.WithBudget(budget))
		if err != nil {
			fe.add(fmt.Sprintf("search_indexes[%d]", i), "%s", exprMessage(err))
			continue
		}
		if val == "" {
			fe.add(fmt.Sprintf("search_indexes[%d]", i), "must evaluate to a non-empty value")
			continue
		}
		term := searchTerm(tk, val)
		if !containsTerm(rec.SearchTerms, term) {
			rec.SearchTerms = append(rec.SearchTerms, term)
		}
	}
	return nil
}

// searchTerm is the blind index term of a search value.
func searchTerm(tk *keys.TenantKeys, value string) []byte {
	return tk.MAC(macSearch, []byte(value))[:searchTermLen]
}

// fingerprintOf renders the fingerprint expression within budget and returns
// the keyed hash (base58, like the hosted platform's), or a message for the
// caller.
func fingerprintOf(tk *keys.TenantKeys, typ, src string, data any, md map[string]string, budget *expr.Budget) (string, string) {
	t, err := expr.Compile(src)
	if err != nil {
		return "", exprMessage(err)
	}
	mdv := make(map[string]any, len(md))
	for k, v := range md {
		mdv[k] = v
	}
	val, err := t.EvalString(map[string]any{"data": data, "metadata": mdv}, expr.WithBudget(budget))
	if err != nil {
		return "", exprMessage(err)
	}
	if val == "" {
		return "", "must evaluate to a non-empty value"
	}
	return base58(tk.MAC(macFingerprint, []byte(typ), []byte(val))), ""
}

// aliasCandidates renders an alias template a few times (alias filters are
// random), within budget, and keeps the valid, distinct results.
func aliasCandidates(fe fieldErrors, src string, vars map[string]any, budget *expr.Budget) []string {
	t, err := expr.Compile(src)
	if err != nil {
		fe.add("id", "%s", exprMessage(err))
		return nil
	}
	var ids []string
	for range aliasAttempts {
		id, err := t.EvalString(vars, expr.WithBudget(budget))
		if err != nil {
			fe.add("id", "%s", exprMessage(err))
			return nil
		}
		if checkTokenID(id) == "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// base58 encodes b with the Bitcoin alphabet, as the hosted platform's
// fingerprints are.
func base58(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	digits := make([]byte, 0, len(b)*138/100+1)
	for _, c := range b {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, 0, len(digits)+len(b))
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i := len(digits) - 1; i >= 0; i-- {
		out = append(out, alphabet[digits[i]])
	}
	return string(out)
}
