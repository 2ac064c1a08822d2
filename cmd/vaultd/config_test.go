package main_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeConfig writes a config file in dir.
func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "vaultd.toml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// TestConfigPrecedence: a setting comes from the command line, else the
// environment, else the config file, else the default; each rule is seen
// by which vault file serve creates.
func TestConfigPrecedence(t *testing.T) {
	for name, c := range map[string]struct {
		config string   // the path key of the file, "" for none
		env    string   // VAULT_PATH, "" for none
		flag   string   // --path, "" for none
		want   string   // the file created
		not    []string // files not created
	}{
		"config over default":      {config: "cfg.db", want: "cfg.db"},
		"environment over config":  {config: "cfg.db", env: "env.db", want: "env.db", not: []string{"cfg.db"}},
		"flag over environment":    {env: "env.db", flag: "flag.db", want: "flag.db", not: []string{"env.db"}},
		"flag over config":         {config: "cfg.db", flag: "flag.db", want: "flag.db", not: []string{"cfg.db"}},
		"flag over env and config": {config: "cfg.db", env: "env.db", flag: "flag.db", want: "flag.db", not: []string{"cfg.db", "env.db"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"serve", "--addr", "127.0.0.1:0"}
			text := "# a test's settings\nlog-level = \"info\"\n"
			if c.config != "" {
				text += "path = " + quote(filepath.Join(dir, c.config)) + "\n"
			}
			args = append(args, "--config", writeConfig(t, dir, text))
			var env []string
			if c.env != "" {
				env = append(env, "VAULT_PATH="+filepath.Join(dir, c.env))
			}
			if c.flag != "" {
				args = append(args, "--path", filepath.Join(dir, c.flag))
			}
			p := startCmd(t, env, args...)
			assert.FileExists(t, filepath.Join(dir, c.want))
			for _, f := range c.not {
				assert.NoFileExists(t, filepath.Join(dir, f))
			}
			require.Equal(t, 0, p.stop(t))
		})
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `\`, `\\`) + `"` }

// TestConfigFile: keys of every type (string, integer, duration, boolean,
// list), the file named by $VAULT_CONFIG, and the errors: an unknown key,
// a list for a single value, a file that is not TOML (its text, which may
// hold a password, is not echoed).
func TestConfigFile(t *testing.T) {
	t.Run("every type", func(t *testing.T) {
		dir := t.TempDir()
		cfg := writeConfig(t, dir, `
addr = "127.0.0.1:0"
path = `+quote(filepath.Join(dir, "v.db"))+`
bootstrap-key-file = `+quote(filepath.Join(dir, "boot.key"))+`
max-body-bytes = 64
reactor-timeout = "5s"
metrics-addr = "127.0.0.1:0"
pprof = true
allow-host = ["127.0.0.1", "hooks.internal:8443"]
`)
		p := startCmd(t, []string{"VAULT_CONFIG=" + cfg}, "serve")
		status, _ := get(t, "http://"+p.metricsAddr(t)+"/debug/pprof/")
		assert.Equal(t, http.StatusOK, status, "metrics-addr and pprof from the file")
		status, body := p.do(t, "POST", "/tokens", readKey(t, filepath.Join(dir, "boot.key")), `{"type":"token","data":"`+strings.Repeat("x", 100)+`"}`)
		assert.Equal(t, http.StatusRequestEntityTooLarge, status, "max-body-bytes from the file: %s", body)
		require.Equal(t, 0, p.stop(t))
	})
	for name, c := range map[string]struct{ text, want string }{
		"unknown key":         {"adr = \"127.0.0.1:0\"\n", `unknown key "adr"`},
		"config in config":    {"config = \"other.toml\"\n", `unknown key "config"`},
		"a table":             {"[reactor]\ntimeout = \"1s\"\n", `unknown key "reactor"`},
		"a list for one":      {"tls-cert = [\"a.pem\"]\n", `key "tls-cert": takes one value, not a list`},
		"a bad duration":      {"reactor-timeout = 5\n", `key "reactor-timeout"`},
		"not TOML, no secret": {"postgres-dsn = \"postgres://u:hunter2@db/x\nx\n", "not valid TOML"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			code, _, stderr := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(dir, "v.db"), "--config", writeConfig(t, dir, c.text))
			assert.Equal(t, 2, code, "%s", stderr)
			assert.Contains(t, stderr, c.want)
			assert.NotContains(t, stderr, "hunter2")
			assert.NoFileExists(t, filepath.Join(dir, "v.db"))
		})
	}
	t.Run("a missing file", func(t *testing.T) {
		code, _, stderr := runCmd(t, nil, "serve", "--config", filepath.Join(t.TempDir(), "none.toml"))
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "none.toml")
	})
}
