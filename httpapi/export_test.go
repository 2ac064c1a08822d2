package httpapi

import "net/http"

// Patterns returns the ServeMux patterns registered by New, in order.
func Patterns(h http.Handler) []string { return h.(*handler).patterns }
