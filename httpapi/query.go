package httpapi

import (
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/internal/jsonv"
)

// Query strings are read leniently: unknown parameters are ignored, and a
// parameter given twice where one is expected is refused rather than
// guessed at.

// single returns the one value of a query parameter, "" when absent.
func single(q url.Values, name string) (string, error) {
	switch vs := q[name]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", fieldError(name, "must be given at most once")
}

// intParam reads an integer parameter; absent or empty is def.
func intParam(q url.Values, name string, def int) (int, error) {
	s, err := single(q, name)
	if err != nil || s == "" {
		return def, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fieldError(name, "must be an integer")
	}
	return n, nil
}

// tokenFilters reads the filters of a token list: type, container,
// fingerprint and metadata, the last in any of the three spellings clients
// use (see metadataParams).
func tokenFilters(q url.Values) (vault.ListTokensRequest, error) {
	var req vault.ListTokensRequest
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"type", &req.Type}, {"container", &req.Container}, {"fingerprint", &req.Fingerprint}, {"start", &req.Start}} {
		if *f.dst, err = single(q, f.name); err != nil {
			return req, err
		}
	}
	if req.Metadata, err = metadataParams(q); err != nil {
		return req, err
	}
	return req, nil
}

// metadataParams reads metadata filters. The reference documents
// metadata.<key>=<value>; the OpenAPI definition of the v1 list uses the
// deepObject style metadata[<key>]=<value>; the Node SDK's listV2 sends
// metadata=<JSON object>. All three are accepted, and combine (AND).
func metadataParams(q url.Values) (map[string]string, error) {
	var md map[string]string
	set := func(key, value string) error {
		path := "metadata." + key
		if key == "" {
			return fieldError("metadata", "keys must not be empty")
		}
		if md == nil {
			md = map[string]string{}
		}
		if old, dup := md[key]; dup && old != value {
			return fieldError(path, "must be given at most once")
		}
		md[key] = value
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		values := q[name]
		var key string
		switch {
		case name == "metadata":
			for _, v := range values {
				if ve, ok := errors.AsType[*jsonv.ValueError](jsonv.Check([]byte(v))); ok {
					return nil, valueError(ve, "metadata")
				}
				var obj map[string]string
				if err := json.Unmarshal([]byte(v), &obj); err != nil {
					return nil, fieldError("metadata", "must be a JSON object of strings, or use metadata.<key>=<value>")
				}
				for _, k := range slices.Sorted(maps.Keys(obj)) {
					if err := set(k, obj[k]); err != nil {
						return nil, err
					}
				}
			}
			continue
		case strings.HasPrefix(name, "metadata."):
			key = name[len("metadata."):]
		case strings.HasPrefix(name, "metadata[") && strings.HasSuffix(name, "]"):
			key = name[len("metadata[") : len(name)-1]
		default:
			continue
		}
		for _, v := range values {
			if err := set(key, v); err != nil {
				return nil, err
			}
		}
	}
	return md, nil
}

// offsetParams reads page (default 1) and size (default 20, at most 100) of
// an offset-paged list.
func offsetParams(q url.Values) (page, size int, err error) {
	if page, err = intParam(q, "page", 1); err != nil {
		return 0, 0, err
	}
	if size, err = intParam(q, "size", 0); err != nil {
		return 0, 0, err
	}
	return page, size, checkOffset(page, size)
}

// checkOffset validates an offset page request.
func checkOffset(page, size int) error {
	if page < 1 {
		return fieldError("page", "must be 1 or more")
	}
	if size < 0 || size > vault.MaxPageSize {
		return fieldError("size", "must be between 1 and "+strconv.Itoa(vault.MaxPageSize))
	}
	return nil
}
