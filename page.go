package vault

import (
	"cmp"
	"context"
	"iter"
	"log/slog"
	"slices"
	"strings"
)

// Page is one page of a list or search. Pages follow each other by cursor:
// pass Pagination.Next as the next request's Start until it is empty.
//
// Its JSON encoding is the REST representation, items and all; slog logs
// only the number of items and the pagination (a page of tokens or reactors
// holds data and configuration).
type Page[T any] struct {
	Data       []T        `json:"data"`
	Pagination Pagination `json:"pagination"`
}

// LogValue logs the number of items and the pagination, never the items.
func (p Page[T]) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("items", len(p.Data)), slog.Int("page_size", p.Pagination.PageSize),
		slog.Int("page_number", p.Pagination.PageNumber), slog.Int("total_items", p.Pagination.TotalItems))
}

// Pagination describes a page. Cursor-paged resources fill Next and
// PageSize; offset-paged ones (applications, reactors) fill the totals too.
type Pagination struct {
	// Next is the opaque cursor of the following page; empty on the last.
	Next string `json:"next,omitempty"`
	// PageSize is the number of items asked for.
	PageSize int `json:"page_size"`
	// TotalItems, PageNumber and TotalPages are set by offset-paged lists.
	TotalItems int `json:"total_items,omitempty"`
	PageNumber int `json:"page_number,omitempty"`
	TotalPages int `json:"total_pages,omitempty"`
}

// Page sizes of lists and searches.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// walk turns a page fetcher into an iterator over every item of every page,
// from the cursor start. It stops at the first error, which it yields once.
func walk[T any](ctx context.Context, start string, fetch func(ctx context.Context, cursor string) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		cursor := start
		for {
			page, err := fetch(ctx, cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Data {
				if !yield(item, nil) {
					return
				}
			}
			// A page may be empty and still have a next one (its scan
			// budget was spent on what the caller may not see): follow the
			// cursor while it moves.
			if page.Pagination.Next == "" || page.Pagination.Next == cursor {
				return
			}
			cursor = page.Pagination.Next
		}
	}
}

// pageSize applies the default and the maximum to a requested size.
func pageSize(size int) int {
	switch {
	case size <= 0:
		return DefaultPageSize
	case size > MaxPageSize:
		return MaxPageSize
	}
	return size
}

// checkOffsetPage checks the page (1-based; 0 means the first) and size
// of an offset-paged list.
func checkOffsetPage(op string, page, size int) error {
	fe := fieldErrors{}
	checkPageSize(fe, size)
	if page < 0 {
		fe.add("page", "must be 1 or more")
	}
	return fe.err(op)
}

// allPages walks the offset pages list returns, from page first (1 when
// less), yielding each item and stopping at the last page or the first
// error.
func allPages[T any](first int, list func(page int) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page := max(first, 1); ; page++ {
			p, err := list(page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, x := range p.Data {
				if !yield(x, nil) {
					return
				}
			}
			if page >= p.Pagination.TotalPages {
				return
			}
		}
	}
}

// mapPage is page with fn applied to each item, stopping at fn's first
// error: the list methods that open what they return (configurations) do it
// for one page only.
func mapPage[T, R any](page *Page[T], fn func(T) (R, error)) (*Page[R], error) {
	out := &Page[R]{Data: make([]R, len(page.Data)), Pagination: page.Pagination}
	for i, x := range page.Data {
		var err error
		if out.Data[i], err = fn(x); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// byNameThenID orders named resources by name, then id.
func byNameThenID(aName, aID, bName, bID string) int {
	return cmp.Or(strings.Compare(aName, bName), strings.Compare(aID, bID))
}

// offsetPage cuts one page out of items.
func offsetPage[T any](items []T, page, size int) *Page[T] {
	size = pageSize(size)
	if page < 1 {
		page = 1
	}
	total := len(items)
	pages := (total + size - 1) / size
	lo := min((page-1)*size, total)
	hi := min(lo+size, total)
	return &Page[T]{Data: slices.Clone(items[lo:hi]), Pagination: Pagination{
		PageSize: size, PageNumber: page, TotalItems: total, TotalPages: pages,
	}}
}

func checkPageSize(fe fieldErrors, size int) {
	if size < 0 || size > MaxPageSize {
		fe.add("size", "must be between 1 and %d", MaxPageSize)
	}
}

// matchName reports whether name matches a ListReactorsRequest.Name
// pattern, ignoring case.
func matchName(pattern, name string) bool {
	p, n := []rune(strings.ToLower(pattern)), []rune(strings.ToLower(name))
	if !slices.Contains(p, '*') && !slices.Contains(p, '?') {
		return strings.Contains(string(n), string(p))
	}
	// Greedy matching with backtracking to the last star: linear in
	// practice, O(len(p)·len(n)) at worst.
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
