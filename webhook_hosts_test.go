package vault_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tokenvault/vault"
)

// TestWebhookHostPorts: an allow-list entry with a port admits that port
// only (the scheme's port when the URL has none); one without admits any.
func TestWebhookHostPorts(t *testing.T) {
	ctx := t.Context()
	v := openTestVault(t, vault.WithWebhookHosts("127.0.0.1:8080", "[::1]:9000", "Hooks.Internal:443", "any.internal"))
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8080/x":   true,
		"http://127.0.0.1:8081/x":   false,
		"http://127.0.0.1/x":        false,
		"http://[::1]:9000/":        true,
		"http://[::1]:9001/":        false,
		"https://hooks.internal/":   true,
		"http://hooks.internal/":    false, // port 80
		"http://any.internal:1234/": true,
	} {
		w, err := v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "n", URL: url, Events: []string{"*"}})
		if assert.Equal(t, ok, err == nil, "%s: %v", url, err) && ok {
			assert.NoError(t, v.DeleteWebhook(ctx, w.ID))
		}
	}
}
