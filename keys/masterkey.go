package keys

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Where [LoadMasterKey] finds master keys.
const (
	// EnvMasterKey names the environment variable holding the master key:
	// the base64 (standard or URL alphabet, padded or not) of 32 bytes. When
	// it is set, the key file is not read.
	EnvMasterKey = "VAULT_MASTER_KEY"

	// EnvMasterKeyPrevious names the environment variable holding previous
	// master keys, comma-separated, in the same form: they still unwrap
	// until [Keyring.Rewrap] has run after a master key rotation.
	EnvMasterKeyPrevious = "VAULT_MASTER_KEY_PREVIOUS"

	// KeyFileSuffix is appended to the vault path to name the key file.
	KeyFileSuffix = ".key"
)

const maxKeyFileSize = 1024

// LoadMasterKey returns the default [Provider], a [Local] whose current
// master key comes from [EnvMasterKey] if that variable is set, and otherwise
// from the key file vaultPath+[KeyFileSuffix], plus any previous keys in
// [EnvMasterKeyPrevious].
//
// The key file holds the base64 key (one line). It must be a regular file
// (a symbolic link to one is followed) without any permission bit for group
// or others; otherwise LoadMasterKey refuses it, naming the path and mode,
// as ssh does with private keys (the mode is not checked on Windows). If the
// file is missing and create is true, LoadMasterKey makes a new key from
// crypto/rand and writes it with O_EXCL and mode 0600, then syncs the file
// and its directory; if two processes race, both end up with the winner's
// key. If the file is missing and create is false, or vaultPath is empty and
// the variable unset, it fails with an error matching fs.ErrNotExist.
//
// A variable set to an empty value is an error, not a fallback to the file.
// Errors never contain key material. LoadMasterKey is safe to call from
// several goroutines, though it is meant to run once at start-up.
func LoadMasterKey(vaultPath string, create bool) (*Local, error) {
	previous, err := previousKeys()
	defer func() {
		for _, k := range previous {
			clear(k)
		}
	}()
	if err != nil {
		return nil, err
	}
	var current []byte
	if v, ok := os.LookupEnv(EnvMasterKey); ok {
		src := []byte(v)
		current, err = decodeKey(EnvMasterKey, src)
		clear(src)
	} else {
		if vaultPath == "" {
			return nil, fmt.Errorf("keys: no master key: %s is not set and there is no vault path for a key file: %w", EnvMasterKey, fs.ErrNotExist)
		}
		current, err = loadKeyFile(vaultPath+KeyFileSuffix, create)
	}
	if err != nil {
		return nil, err
	}
	defer clear(current)
	return NewLocal(current, previous...)
}

// previousKeys decodes EnvMasterKeyPrevious; empty entries are skipped.
func previousKeys() ([][]byte, error) {
	var out [][]byte
	for i, part := range strings.Split(os.Getenv(EnvMasterKeyPrevious), ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		src := []byte(part)
		k, err := decodeKey(fmt.Sprintf("%s entry %d", EnvMasterKeyPrevious, i+1), src)
		clear(src)
		if err != nil {
			return out, err
		}
		out = append(out, k)
	}
	return out, nil
}

var keyEncodings = []*base64.Encoding{
	base64.StdEncoding.Strict(),
	base64.RawStdEncoding.Strict(),
	base64.URLEncoding.Strict(),
	base64.RawURLEncoding.Strict(),
}

// decodeKey decodes a base64 master key; name says where it came from in
// errors, which never echo the value.
func decodeKey(name string, src []byte) ([]byte, error) {
	src = bytes.TrimSpace(src)
	if len(src) == 0 {
		return nil, fmt.Errorf("keys: %s is empty; it must be the base64 of %d bytes", name, KEKSize)
	}
	for _, enc := range keyEncodings {
		dst := make([]byte, enc.DecodedLen(len(src)))
		n, err := enc.Decode(dst, src)
		if err != nil {
			clear(dst)
			continue
		}
		if n != KEKSize {
			clear(dst)
			return nil, fmt.Errorf("keys: %s decodes to %d bytes; it must be the base64 of exactly %d bytes", name, n, KEKSize)
		}
		return dst[:n], nil
	}
	return nil, fmt.Errorf("keys: %s is not base64; it must be the base64 (standard or URL alphabet) of %d bytes", name, KEKSize)
}

// loadKeyFile reads the key file at path, creating it if missing and create.
func loadKeyFile(path string, create bool) ([]byte, error) {
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if !create {
		return nil, fmt.Errorf("keys: no master key: %s is not set and the key file %s does not exist: %w", EnvMasterKey, path, fs.ErrNotExist)
	}
	key, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path) // another process created it first: use its key
	}
	return key, err
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("keys: open the key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat() // of the file opened, not of the path: no race with a swap
	if err != nil {
		return nil, fmt.Errorf("keys: stat the key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keys: key file %s is not a regular file (mode %s)", path, fi.Mode())
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("keys: key file %s has mode %04o: it must not be accessible by group or others; run chmod 600 %s", path, perm, path)
	}
	buf := make([]byte, maxKeyFileSize+1) // one buffer, cleared after: no stray copies
	defer clear(buf)
	n, err := io.ReadFull(f, buf)
	switch {
	case err == nil:
		return nil, fmt.Errorf("keys: key file %s is larger than %d bytes", path, maxKeyFileSize)
	case !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("keys: read the key file: %w", err)
	}
	return decodeKey("key file "+path, buf[:n])
}

// createKeyFile writes a new random key to path, which must not exist (an
// error matching fs.ErrExist if it does), durably. The key is written and
// synced to a new file (O_EXCL, mode 0600) beside path first, which is then
// hard-linked to path, so no reader ever sees a partial key file. Where hard
// links are not supported, path itself is created with O_EXCL.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, KEKSize)
	_, _ = rand.Read(key) // never fails (Go 1.24+): the runtime crashes instead
	dir := filepath.Dir(path)
	tmp, err := writeKeyFile(func() (*os.File, error) { return os.CreateTemp(dir, filepath.Base(path)+".new-*") }, key)
	if err == nil {
		err = os.Link(tmp, path)
		_ = os.Remove(tmp)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			_, err = writeKeyFile(func() (*os.File, error) {
				return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			}, key)
		}
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		clear(key)
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("keys: write the key file %s: %w", path, err)
	}
	return key, nil
}

// writeKeyFile writes key in base64 to the file made by create (a new file
// with mode 0600) and syncs it; it returns the file's name, and removes the
// file on failure.
func writeKeyFile(create func() (*os.File, error), key []byte) (string, error) {
	f, err := create()
	if err != nil {
		return "", err
	}
	text := make([]byte, base64.StdEncoding.EncodedLen(len(key))+1)
	base64.StdEncoding.Encode(text, key)
	text[len(text)-1] = '\n'
	_, err = f.Write(text)
	clear(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// syncDir makes a new directory entry durable. Windows cannot sync a
// directory and needs no such step.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
