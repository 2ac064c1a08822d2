package keys_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
)

// unsetEnv clears the master key variables for the test (and restores them).
func unsetEnv(t *testing.T) {
	t.Helper()
	for _, name := range []string{keys.EnvMasterKey, keys.EnvMasterKeyPrevious} {
		t.Setenv(name, "")
		require.NoError(t, os.Unsetenv(name))
	}
}

// sameKey reports whether p opens what q wraps.
func sameKey(t *testing.T, p, q keys.Provider) bool {
	t.Helper()
	w, err := q.Wrap(t.Context(), []byte("probe"), nil)
	require.NoError(t, err)
	got, err := p.Unwrap(t.Context(), w, nil)
	return err == nil && string(got) == "probe"
}

// awkwardKEK has bytes whose base64 uses '+' and '/' (or '-' and '_').
func awkwardKEK() []byte {
	k := make([]byte, keys.KEKSize)
	for i := range k {
		k[i] = byte(0xfb + i%5)
	}
	return k
}

func TestLoadMasterKeyEnv(t *testing.T) {
	kek := awkwardKEK()
	want := newLocal(t, kek)
	for name, value := range map[string]string{
		"std padded":      base64.StdEncoding.EncodeToString(kek),
		"std raw":         base64.RawStdEncoding.EncodeToString(kek),
		"url padded":      base64.URLEncoding.EncodeToString(kek),
		"url raw":         base64.RawURLEncoding.EncodeToString(kek),
		"with whitespace": " " + base64.StdEncoding.EncodeToString(kek) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			unsetEnv(t)
			t.Setenv(keys.EnvMasterKey, value)
			// The env wins over the key file, which is neither read nor made.
			path := filepath.Join(t.TempDir(), "vault.db")
			p, err := keys.LoadMasterKey(path, true)
			require.NoError(t, err)
			assert.True(t, sameKey(t, p, want))
			assert.NoFileExists(t, path+keys.KeyFileSuffix)
		})
	}
	assert.NotEqual(t, base64.StdEncoding.EncodeToString(kek), base64.URLEncoding.EncodeToString(kek),
		"the test key must tell the alphabets apart")
}

func TestLoadMasterKeyEnvErrors(t *testing.T) {
	for name, value := range map[string]string{
		"empty":        "",
		"16 bytes":     base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"33 bytes":     base64.StdEncoding.EncodeToString(make([]byte, 33)),
		"not base64":   "this is not base64 at all!!!",
		"hex":          strings.Repeat("ab", 32),
		"bad padding":  base64.StdEncoding.EncodeToString(awkwardKEK()) + "==",
		"mixed alphas": strings.Replace(base64.RawURLEncoding.EncodeToString(awkwardKEK()), "-", "+", 1),
	} {
		t.Run(name, func(t *testing.T) {
			unsetEnv(t)
			t.Setenv(keys.EnvMasterKey, value)
			p, err := keys.LoadMasterKey(filepath.Join(t.TempDir(), "vault.db"), true)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), keys.EnvMasterKey)
			if value != "" {
				assert.NotContains(t, err.Error(), value, "the error must not echo the value")
			}
		})
	}
}

func TestLoadMasterKeyPrevious(t *testing.T) {
	cur, old1, old2 := newKEK(t), newKEK(t), newKEK(t)
	enc := base64.StdEncoding.EncodeToString
	t.Run("rotation", func(t *testing.T) {
		unsetEnv(t)
		t.Setenv(keys.EnvMasterKey, enc(cur))
		t.Setenv(keys.EnvMasterKeyPrevious, enc(old1)+", "+base64.RawURLEncoding.EncodeToString(old2)+",")
		p, err := keys.LoadMasterKey("", false)
		require.NoError(t, err)
		assert.True(t, sameKey(t, p, newLocal(t, old1)))
		assert.True(t, sameKey(t, p, newLocal(t, old2)))
		assert.True(t, sameKey(t, newLocal(t, cur), p), "wraps under the current key")
	})
	t.Run("bad entry", func(t *testing.T) {
		unsetEnv(t)
		t.Setenv(keys.EnvMasterKey, enc(cur))
		t.Setenv(keys.EnvMasterKeyPrevious, enc(old1)+",c2VjcmV0")
		_, err := keys.LoadMasterKey("", false)
		require.Error(t, err)
		assert.Contains(t, err.Error(), keys.EnvMasterKeyPrevious+" entry 2")
		assert.NotContains(t, err.Error(), "c2VjcmV0")
	})
	t.Run("with the key file", func(t *testing.T) {
		unsetEnv(t)
		path := filepath.Join(t.TempDir(), "vault.db")
		require.NoError(t, os.WriteFile(path+keys.KeyFileSuffix, []byte(enc(cur)+"\n"), 0o600))
		t.Setenv(keys.EnvMasterKeyPrevious, enc(old1))
		p, err := keys.LoadMasterKey(path, false)
		require.NoError(t, err)
		assert.True(t, sameKey(t, p, newLocal(t, old1)))
		assert.True(t, sameKey(t, newLocal(t, cur), p))
	})
}

func TestLoadMasterKeyFile(t *testing.T) {
	unsetEnv(t)
	path := filepath.Join(t.TempDir(), "vault.db")
	keyPath := path + keys.KeyFileSuffix

	p1, err := keys.LoadMasterKey(path, true)
	require.NoError(t, err)
	fi, err := os.Stat(keyPath)
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular())
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	text, err := os.ReadFile(keyPath)
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(text)))
	require.NoError(t, err)
	assert.Len(t, raw, keys.KEKSize)
	assert.True(t, sameKey(t, p1, newLocal(t, raw)))

	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left behind")

	// Existing file: read, not replaced, with or without create.
	for _, create := range []bool{false, true} {
		p2, err := keys.LoadMasterKey(path, create)
		require.NoError(t, err)
		assert.True(t, sameKey(t, p1, p2))
	}
}

func TestLoadMasterKeyFileErrors(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not checked on Windows")
	}
	enc := base64.StdEncoding.EncodeToString(newKEK(t))
	for name, tc := range map[string]struct {
		setup    func(t *testing.T, keyPath string)
		create   bool
		want     []string
		notExist bool
	}{
		"missing without create": {
			setup:    func(*testing.T, string) {},
			want:     []string{"does not exist", keys.EnvMasterKey},
			notExist: true,
		},
		"mode 0644": {
			setup:  func(t *testing.T, p string) { writeMode(t, p, enc, 0o644) },
			create: true,
			want:   []string{"0644", "chmod 600"},
		},
		"mode 0640": {
			setup: func(t *testing.T, p string) { writeMode(t, p, enc, 0o640) },
			want:  []string{"0640"},
		},
		"mode 0604": {
			setup: func(t *testing.T, p string) { writeMode(t, p, enc, 0o604) },
			want:  []string{"0604"},
		},
		"a directory": {
			setup:  func(t *testing.T, p string) { require.NoError(t, os.Mkdir(p, 0o700)) },
			create: true,
			want:   []string{"not a regular file"},
		},
		"wrong length": {
			setup: func(t *testing.T, p string) {
				writeMode(t, p, base64.StdEncoding.EncodeToString(make([]byte, 24)), 0o600)
			},
			want: []string{"24 bytes"},
		},
		"not base64": {
			setup: func(t *testing.T, p string) { writeMode(t, p, "secret?secret?", 0o600) },
			want:  []string{"not base64"},
		},
		"empty": {
			setup: func(t *testing.T, p string) { writeMode(t, p, "", 0o600) },
			want:  []string{"empty"},
		},
		"too large": {
			setup: func(t *testing.T, p string) { writeMode(t, p, strings.Repeat("A", 4096), 0o600) },
			want:  []string{"larger"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			unsetEnv(t)
			path := filepath.Join(t.TempDir(), "vault.db")
			keyPath := path + keys.KeyFileSuffix
			tc.setup(t, keyPath)
			p, err := keys.LoadMasterKey(path, tc.create)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), keyPath)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Equal(t, tc.notExist, errors.Is(err, fs.ErrNotExist))
			assert.NotContains(t, err.Error(), enc)
		})
	}

	t.Run("no path and no env", func(t *testing.T) {
		unsetEnv(t)
		_, err := keys.LoadMasterKey("", true)
		require.ErrorIs(t, err, fs.ErrNotExist)
		assert.Contains(t, err.Error(), keys.EnvMasterKey)
	})
	t.Run("symlink to a private file", func(t *testing.T) {
		unsetEnv(t)
		dir := t.TempDir()
		writeMode(t, filepath.Join(dir, "real"), enc, 0o600)
		require.NoError(t, os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "vault.db.key")))
		_, err := keys.LoadMasterKey(filepath.Join(dir, "vault.db"), false)
		require.NoError(t, err)
	})
}

func writeMode(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
	require.NoError(t, os.Chmod(path, mode)) // past the umask
}

func TestLoadMasterKeyCreateRace(t *testing.T) {
	unsetEnv(t)
	path := filepath.Join(t.TempDir(), "vault.db")
	const n = 8
	ps := make([]*keys.Local, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, err := keys.LoadMasterKey(path, true)
			assert.NoError(t, err)
			ps[i] = p
		})
	}
	wg.Wait()
	for _, p := range ps[1:] {
		assert.True(t, sameKey(t, ps[0], p), "every racer ends up with one key")
	}
}
