package vault_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// canary is the marker put in every secret field; canaryTail catches a
// partial leak.
const (
	canary     = "canary-7f3a9c1e-d05b-secret"
	canaryTail = "9c1e-d05b"
)

func assertNoCanary(t *testing.T, what, s string) {
	t.Helper()
	assert.False(t, strings.Contains(s, canary) || strings.Contains(s, canaryTail), "%s shows the secret: %s", what, s)
}

func TestSecret(t *testing.T) {
	s := vault.NewSecret(canary)
	assert.Equal(t, canary, s.Reveal())
	assert.False(t, s.IsZero())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T"} {
		got := fmt.Sprintf(verb, s)
		if verb == "%T" {
			assert.Equal(t, "vault.Secret", got)
			continue
		}
		assert.Equal(t, "[REDACTED]", got, verb)
	}
	// In a struct's unexported field fmt cannot call Format: it shows the
	// pointer, not the value.
	type holder struct{ s vault.Secret }
	assertNoCanary(t, "unexported field", fmt.Sprintf("%v %+v %#v", holder{s}, holder{s}, &holder{s}))

	b, err := json.Marshal(struct {
		K vault.Secret `json:"k"`
		Z vault.Secret `json:"z,omitzero"`
	}{K: s})
	require.NoError(t, err)
	assert.JSONEq(t, `{"k":"[REDACTED]"}`, string(b))

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "k", s)
	assert.Contains(t, buf.String(), `"k":"[REDACTED]"`)

	var zero vault.Secret
	assert.True(t, zero.IsZero())
	assert.Empty(t, zero.Reveal())
	assert.Empty(t, fmt.Sprintf("%v", zero), "the zero Secret has nothing to hide")
	assert.True(t, vault.NewSecret("").IsZero())

	var in struct {
		K vault.Secret `json:"k"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"k":"`+canary+`"}`), &in))
	assert.Equal(t, canary, in.K.Reveal())
	require.NoError(t, json.Unmarshal([]byte(`{"k":null}`), &in))
	assert.Equal(t, canary, in.K.Reveal(), "null leaves it")
	err = json.Unmarshal([]byte(`{"k":12345}`), &in)
	var te *json.UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "k", te.Field)
	assert.NotContains(t, err.Error(), "12345")
}
