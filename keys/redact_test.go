package keys_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
)

// assertNoKey fails if out shows key in any common encoding.
func assertNoKey(t *testing.T, out string, key []byte) {
	t.Helper()
	if len(key) == 0 {
		return
	}
	for name, form := range map[string]string{
		"raw":       string(key),
		"hex":       hex.EncodeToString(key),
		"base64":    base64.StdEncoding.EncodeToString(key)[:40],
		"base64url": base64.URLEncoding.EncodeToString(key)[:40],
		"go bytes":  fmt.Sprint(key)[:20],
	} {
		assert.NotContains(t, out, form, "key bytes leak (%s)", name)
	}
}

func TestRedaction(t *testing.T) {
	kek := newKEK(t)
	p := newLocal(t, kek)
	k := openKeyring(t, newStore(t), p)
	tk, err := k.Tenant(t.Context(), "t1")
	require.NoError(t, err)
	_ = tk.MAC("fingerprint")
	secrets := append([][]byte{kek}, keys.KeyBytes(tk)...)

	for name, v := range map[string]any{"Local": p, "Keyring": k, "TenantKeys": tk} {
		t.Run(name, func(t *testing.T) {
			var outs []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
				out := fmt.Sprintf(verb, v)
				if verb != "%T" {
					assert.Equal(t, "[REDACTED]", out, verb)
				}
				outs = append(outs, out)
			}
			assert.Equal(t, "[REDACTED]", v.(fmt.Stringer).String())
			assert.Equal(t, "[REDACTED]", v.(fmt.GoStringer).GoString())
			// Inside a struct, by pointer field, exported and not.
			outs = append(outs,
				fmt.Sprintf("%+v", struct{ Keys any }{v}),
				fmt.Sprintf("%#v", struct{ keys any }{v}),
				fmt.Sprintf("%v", []any{v}),
				fmt.Sprint(v), fmt.Sprintln(v),
				fmt.Errorf("wrapped: %v", v).Error())

			js, err := json.Marshal(v)
			require.NoError(t, err)
			assert.JSONEq(t, `"[REDACTED]"`, string(js))
			js, err = json.Marshal(map[string]any{"k": v})
			require.NoError(t, err)
			assert.JSONEq(t, `{"k":"[REDACTED]"}`, string(js))
			outs = append(outs, string(js))

			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			log.Info("msg", "k", v, slog.Any("any", v), slog.Group("g", "k", v))
			assert.Equal(t, 3, bytes.Count(buf.Bytes(), []byte(`"[REDACTED]"`)), buf.String())
			var text bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("msg", "k", v)
			assert.Contains(t, text.String(), "k=[REDACTED]")
			outs = append(outs, buf.String(), text.String())

			for _, out := range outs {
				for _, s := range secrets {
					assertNoKey(t, out, s)
				}
			}
		})
	}
}
