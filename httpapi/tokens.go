package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tokenvault/vault"
)

// createToken serves POST /tokens.
func (h *handler) createToken(c *call) (int, any, error) {
	var req vault.CreateTokenRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	tok, err := h.v.CreateToken(c.ctx, req)
	return http.StatusCreated, tok, err
}

// getToken serves GET /tokens/{id}.
func (h *handler) getToken(c *call) (int, any, error) {
	tok, err := h.v.GetToken(c.ctx, c.id("id"))
	return http.StatusOK, tok, err
}

// updateToken serves PATCH /tokens/{id}, a JSON merge patch. "expires_at":
// null removes the expiry, as a merge patch's null removes a member.
func (h *handler) updateToken(c *call) (int, any, error) {
	var req vault.UpdateTokenRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.ExpiresAt == nil && nullMember(c.body, "expires_at") {
		req.ExpiresAt = &time.Time{}
	}
	tok, err := h.v.UpdateToken(c.ctx, c.id("id"), req)
	return http.StatusOK, tok, err
}

// nullMember reports whether the JSON object body has the member name set
// to null.
func nullMember(body []byte, name string) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return false
	}
	v, ok := obj[name]
	return ok && string(v) == "null"
}

// deleteToken serves DELETE /tokens/{id}.
func (h *handler) deleteToken(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteToken(c.ctx, c.id("id"))
}

// listTokens serves GET /v2/tokens: one cursor page.
func (h *handler) listTokens(c *call) (int, any, error) {
	q := c.r.URL.Query()
	req, err := tokenFilters(q)
	if err != nil {
		return 0, nil, err
	}
	if req.Size, err = intParam(q, "size", 0); err != nil {
		return 0, nil, err
	}
	page, err := h.v.ListTokens(c.ctx, req)
	return http.StatusOK, cursorPage(page), err
}

// searchTokens serves POST /v2/tokens/search: one cursor page.
func (h *handler) searchTokens(c *call) (int, any, error) {
	var req vault.SearchTokensRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	page, err := h.v.SearchTokens(c.ctx, req)
	return http.StatusOK, cursorPage(page), err
}

// cursorPage makes an empty page encode its data as [] rather than null.
func cursorPage(p *vault.Page[*vault.Token]) *vault.Page[*vault.Token] {
	if p != nil && p.Data == nil {
		p.Data = []*vault.Token{}
	}
	return p
}

// listTokensV1 serves the deprecated GET /tokens: an offset page of the
// tokens the caller may read, optionally only those with the given ids
// (?id=, repeatable) and filters. The vault lists by cursor, so this walks
// the whole listing to count it: it costs a pass over the matching tokens
// per request, as the deprecated endpoint did not promise otherwise. Use
// GET /v2/tokens.
func (h *handler) listTokensV1(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, err := offsetParams(q)
	if err != nil {
		return 0, nil, err
	}
	req, err := tokenFilters(q)
	if err != nil {
		return 0, nil, err
	}
	req.Start, req.Size = "", vault.MaxPageSize
	var seq iter.Seq2[*vault.Token, error]
	if ids := q["id"]; len(ids) > 0 {
		seq = h.tokensByID(c.ctx, ids, req)
	} else {
		seq = h.v.AllTokens(c.ctx, req)
	}
	out, err := offsetFrom(seq, page, size)
	return http.StatusOK, out, err
}

// tokensByID yields the listed tokens the caller may read that match the
// filters, in the order given; unknown and forbidden ids are left out, as a
// list leaves out what the caller may not see.
func (h *handler) tokensByID(ctx context.Context, ids []string, f vault.ListTokensRequest) iter.Seq2[*vault.Token, error] {
	return func(yield func(*vault.Token, error) bool) {
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			tok, err := h.v.GetToken(ctx, id)
			if errors.Is(err, vault.ErrNotFound) || errors.Is(err, vault.ErrForbidden) || errors.Is(err, vault.ErrInvalid) {
				continue
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if matches(tok, f) && !yield(tok, nil) {
				return
			}
		}
	}
}

// matches applies list filters to a token read by id.
func matches(t *vault.Token, f vault.ListTokensRequest) bool {
	if f.Type != "" && t.Type != f.Type || f.Fingerprint != "" && t.Fingerprint != f.Fingerprint {
		return false
	}
	for k, v := range f.Metadata {
		if t.Metadata[k] != v {
			return false
		}
	}
	if f.Container == "" {
		return true
	}
	prefix := strings.ToLower(f.Container)
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return slices.ContainsFunc(t.Containers, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

// searchV1Request is the body of the deprecated POST /tokens/search.
type searchV1Request struct {
	Query string `json:"query"`
	Page  int    `json:"page"`
	Size  int    `json:"size"`
}

// searchTokensV1 serves the deprecated POST /tokens/search: an offset page
// of the search's matches, counted by walking them all (see listTokensV1).
func (h *handler) searchTokensV1(c *call) (int, any, error) {
	var req searchV1Request
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Page == 0 {
		req.Page = 1
	}
	if err := checkOffset(req.Page, req.Size); err != nil {
		return 0, nil, err
	}
	seq := h.v.AllSearchTokens(c.ctx, vault.SearchTokensRequest{Query: req.Query, Size: vault.MaxPageSize})
	out, err := offsetFrom(seq, req.Page, req.Size)
	return http.StatusOK, out, err
}

// offsetPage is an offset-paged list as the hosted platform encodes it: the
// totals are always present, zero included.
type offsetPage[T any] struct {
	Pagination offsetPagination `json:"pagination"`
	Data       []T              `json:"data"`
}

type offsetPagination struct {
	TotalItems int `json:"total_items"`
	PageNumber int `json:"page_number"`
	PageSize   int `json:"page_size"`
	TotalPages int `json:"total_pages"`
}

// offsetOf is the offset page of a vault list that pages by offset
// (applications, reactors, reactor formulas), with data never null.
func offsetOf[T any](p *vault.Page[T]) *offsetPage[T] {
	out := &offsetPage[T]{Data: p.Data, Pagination: offsetPagination{
		TotalItems: p.Pagination.TotalItems, PageNumber: p.Pagination.PageNumber,
		PageSize: p.Pagination.PageSize, TotalPages: p.Pagination.TotalPages,
	}}
	if out.Data == nil {
		out.Data = []T{}
	}
	return out
}

// offsetFrom cuts page (1-based) of size items out of seq, counting all of
// it. size 0 means vault.DefaultPageSize.
func offsetFrom[T any](seq iter.Seq2[T, error], page, size int) (*offsetPage[T], error) {
	if size <= 0 {
		size = vault.DefaultPageSize
	}
	lo := math.MaxInt
	if page-1 <= math.MaxInt/size {
		lo = (page - 1) * size
	}
	out := &offsetPage[T]{Data: []T{}}
	total := 0
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		if total >= lo && len(out.Data) < size {
			out.Data = append(out.Data, item)
		}
		total++
	}
	out.Pagination = offsetPagination{TotalItems: total, PageNumber: page, PageSize: size, TotalPages: (total + size - 1) / size}
	return out, nil
}

// tokenize serves POST /tokenize: any JSON document, returned with its
// sensitive parts replaced by tokens.
func (h *handler) tokenize(c *call) (int, any, error) {
	if _, err := decodeJSON(c.body); err != nil {
		return 0, nil, err
	}
	out, err := h.v.Tokenize(c.ctx, json.RawMessage(c.body))
	return http.StatusOK, jsonValue{out}, err
}

// detokenize serves POST /detokenize: any JSON document, returned with its
// token references resolved.
func (h *handler) detokenize(c *call) (int, any, error) {
	if _, err := decodeJSON(c.body); err != nil {
		return 0, nil, err
	}
	out, err := h.v.Detokenize(c.ctx, json.RawMessage(c.body))
	return http.StatusOK, jsonValue{out}, err
}

// jsonValue encodes any JSON value, null included, as a response body (a
// nil body means no body at all).
type jsonValue struct{ v any }

// MarshalJSON encodes the value without escaping HTML characters, as every
// response body is.
func (j jsonValue) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j.v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
