package keys

import (
	"fmt"
	"io"
	"log/slog"
)

// Every type that holds keys prints as redacted through every path: fmt
// verbs (%v, %+v, %#v, %s, %x, ...), log/slog and encoding/json.
const redacted = "[REDACTED]"

const redactedJSON = `"[REDACTED]"`

// String returns "[REDACTED]".
func (*Local) String() string { return redacted }

// GoString returns "[REDACTED]".
func (*Local) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb.
func (*Local) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue returns "[REDACTED]".
func (*Local) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns the JSON string "[REDACTED]".
func (*Local) MarshalJSON() ([]byte, error) { return []byte(redactedJSON), nil }

// String returns "[REDACTED]".
func (*Keyring) String() string { return redacted }

// GoString returns "[REDACTED]".
func (*Keyring) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb.
func (*Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue returns "[REDACTED]".
func (*Keyring) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns the JSON string "[REDACTED]".
func (*Keyring) MarshalJSON() ([]byte, error) { return []byte(redactedJSON), nil }

// String returns "[REDACTED]".
func (*TenantKeys) String() string { return redacted }

// GoString returns "[REDACTED]".
func (*TenantKeys) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb.
func (*TenantKeys) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue returns "[REDACTED]".
func (*TenantKeys) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns the JSON string "[REDACTED]".
func (*TenantKeys) MarshalJSON() ([]byte, error) { return []byte(redactedJSON), nil }
