package vault

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"reflect"
)

// redacted is what every rendering of a non-empty [Secret] shows.
const redacted = "[REDACTED]"

// Secret holds a secret value: an API key, a session key, a nonce. Every way
// of printing or encoding it redacts it: fmt under every verb (%v, %+v, %#v,
// %s, %q, %x, ...), encoding/json, log/slog, and so the errors, panics and
// events that format it. [Secret.Reveal] is the one way out, so a search for
// Reveal finds every place a plaintext secret leaves the vault.
//
// A Secret holds a pointer: a parent struct printed by reflection where its
// methods cannot run (an unexported field) shows an address, never the
// value. The zero Secret is empty, and prints and encodes as empty (there is
// nothing to hide); JSON encodes a non-empty one as "[REDACTED]", so a
// Secret does not survive a JSON round trip. A Secret never changes: copies
// share the value, and it is safe for concurrent use.
type Secret struct{ p *string }

// NewSecret returns a Secret holding s; an empty s is the zero Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{&s}
}

// Reveal returns the plaintext, "" for the zero Secret. It is the one way
// out: call it only where the secret must leave (a response that hands out a
// key, an API key header), never to log or print. It returns a string, not
// bytes: keys and nonces travel as strings (headers, JSON, Authenticate), and
// a Go string cannot be wiped anyway.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether s is empty; encoding/json's omitzero uses it.
func (s Secret) IsZero() bool { return s.p == nil }

// String returns "[REDACTED]", or "" for the zero Secret.
func (s Secret) String() string {
	if s.p == nil {
		return ""
	}
	return redacted
}

// Format writes what String returns, whatever the verb and flags: %#v and
// %x redact too.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// MarshalJSON encodes "[REDACTED]", or "" for the zero Secret.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON decodes a JSON string into the Secret (null leaves it as it
// is), so request structs decoded from JSON can hold one. Its errors never
// repeat the input.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[string]()}
	}
	*s = NewSecret(v)
	return nil
}

// LogValue logs what String returns.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Secrets is a map of secret values by name: a reactor's configuration. Like
// [Secret] it prints, encodes and logs its values redacted (the names, which
// are not secret, stay), and [Secrets.Reveal] is the one way out. It is a
// map: index it, range over it and build it with a map literal as usual.
type Secrets map[string]string

// Reveal returns a copy of the map with its plaintext values (nil for nil).
func (s Secrets) Reveal() map[string]string { return maps.Clone(map[string]string(s)) }

// redacted returns the names with every value redacted.
func (s Secrets) redacted() map[string]string {
	if s == nil {
		return nil
	}
	out := make(map[string]string, len(s))
	for k := range s {
		out[k] = redacted
	}
	return out
}

// String shows the names, each value "[REDACTED]".
func (s Secrets) String() string { return fmt.Sprint(s.redacted()) }

// Format writes what String returns, whatever the verb and flags.
func (s Secrets) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// MarshalJSON encodes the names, each value "[REDACTED]" (null for nil).
func (s Secrets) MarshalJSON() ([]byte, error) { return json.Marshal(s.redacted()) }

// LogValue logs the names, each value "[REDACTED]".
func (s Secrets) LogValue() slog.Value { return slog.AnyValue(s.redacted()) }
