package main_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestServeAllowHost: without --allow-host a loopback http webhook is
// refused; with it (given twice) the listed hosts are accepted, and only
// they.
func TestServeAllowHost(t *testing.T) {
	body := func(url string) string { return `{"name":"h","url":"` + url + `","events":["*"]}` }
	for name, c := range map[string]struct {
		args   []string
		url    string
		status int
	}{
		"default: loopback http refused": {nil, "http://127.0.0.1:9/x", http.StatusBadRequest},
		"default: public https accepted": {nil, "https://hooks.example.com/x", http.StatusCreated},
		"allow-listed":                   {[]string{"--allow-host", "127.0.0.1", "--allow-host", "hooks.internal"}, "http://hooks.internal:8080/x", http.StatusCreated},
		"allow-listed loopback":          {[]string{"--allow-host", "127.0.0.1"}, "http://127.0.0.1:9/x", http.StatusCreated},
		"not on the list":                {[]string{"--allow-host", "127.0.0.1"}, "https://hooks.example.com/x", http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			keyFile := filepath.Join(dir, "boot.key")
			p := startServe(t, dir, nil, append([]string{"--bootstrap-key-file", keyFile}, c.args...)...)
			status, b := p.do(t, "POST", "/webhooks", readKey(t, keyFile), body(c.url))
			assert.Equal(t, c.status, status, "%s", b)
			assert.Equal(t, 0, p.stop(t))
		})
	}
}
