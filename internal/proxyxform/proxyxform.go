// Package proxyxform implements the pure parts of Basis Theory
// pre-configured proxy transforms: the mask response transform, and the
// body edits behind append_json, append_text and tokenize. It runs no
// JavaScript and stores no tokens; the proxy resource in the root package
// does both and calls this package for the rest.
//
// SPEC.md, next to this file, digests what the platform documents and
// records each decision taken where it is silent.
//
// Nothing here quotes a body in an error: bodies carry the card numbers
// and secrets the transforms exist to hide.
package proxyxform

import "errors"

// FieldError reports a transform field that fails validation, named as in
// the transform's JSON ("matcher", "expression", "replacement",
// "options.location"), so the caller can return it as a validation error
// on that field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ErrMaskTimeout is returned by Mask.Apply when the expression exhausts
// its matching budget: the per-scan MatchTimeout, the whole-body
// ApplyTimeout, or the regex engine's backtracking stack limit. A
// catastrophically backtracking pattern ends here, never in a hang.
var ErrMaskTimeout = errors.New("proxyxform: mask expression exceeded its matching budget")

// ErrNotJSON is returned (wrapped, with the byte offset) when a body that
// must be JSON is not one JSON value.
var ErrNotJSON = errors.New("proxyxform: body is not JSON")
