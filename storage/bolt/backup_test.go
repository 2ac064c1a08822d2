package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/bolt"
)

// TestBackupWhileWriting takes backups while 8 goroutines write. Each writer
// keeps two keys equal in every transaction and adds a record per
// generation; every backup must open, pass the check, and show both keys of
// every writer equal, with exactly the records their generation implies.
func TestBackupWhileWriting(t *testing.T) {
	s := mustOpen(t)
	const writers = 8
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for gen := uint64(1); !stop.Load(); gen++ {
				err := s.Update(context.Background(), func(tx storage.Tx) error {
					v := binary.BigEndian.AppendUint64(nil, gen)
					if err := tx.Put("pairs", fmt.Appendf(nil, "w%d/a", w), v); err != nil {
						return err
					}
					if err := tx.Put("records", fmt.Appendf(nil, "w%d/%08d", w, gen), bytes.Repeat([]byte{byte(gen)}, 300)); err != nil {
						return err
					}
					return tx.Put("pairs", fmt.Appendf(nil, "w%d/b", w), v)
				})
				if !assert.NoError(t, err) {
					return
				}
			}
		})
	}

	dir := t.TempDir()
	for i := range 5 {
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		require.NoError(t, s.Backup(t.Context(), path))

		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

		b, err := bolt.Open(path, nil)
		require.NoError(t, err)
		require.NoError(t, b.Check(t.Context()), "backup %d", i)
		require.NoError(t, b.View(t.Context(), func(tx storage.Tx) error {
			for w := range writers {
				a, errA := tx.Get("pairs", fmt.Appendf(nil, "w%d/a", w))
				bv, errB := tx.Get("pairs", fmt.Appendf(nil, "w%d/b", w))
				if errA != nil || errB != nil {
					assert.ErrorIs(t, errA, storage.ErrNotFound)
					assert.ErrorIs(t, errB, storage.ErrNotFound)
					continue
				}
				assert.Equal(t, a, bv, "backup %d: writer %d's keys differ", i, w)
				n := 0
				err := tx.Scan("records", storage.ScanOptions{Prefix: fmt.Appendf(nil, "w%d/", w)}, func(k, v []byte) error {
					n++
					return nil
				})
				if err != nil {
					return err
				}
				assert.Equal(t, binary.BigEndian.Uint64(a), uint64(n), "backup %d: writer %d's records", i, w)
			}
			return nil
		}))
		require.NoError(t, b.Close())
	}
	stop.Store(true)
	wg.Wait()

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 5, "no temporary file is left behind")
}

func TestBackupRefusesItsOwnFile(t *testing.T) {
	s := mustOpen(t)
	put(t, s, "b", "k", "v")
	require.ErrorIs(t, s.Backup(t.Context(), s.Path()), storage.ErrInvalid)
	v, err := get(s, "b", "k")
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

func TestBackupCanceled(t *testing.T) {
	s := mustOpen(t)
	put(t, s, "b", "k", "v")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	dir := t.TempDir()
	require.ErrorIs(t, s.Backup(ctx, filepath.Join(dir, "backup.db")), context.Canceled)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestCheckFindsCorruption(t *testing.T) {
	s := mustOpen(t)
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		for i := range 2000 {
			if err := tx.Put("b", fmt.Appendf(nil, "k%05d", i), bytes.Repeat([]byte("v"), 100)); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, s.Check(t.Context()))
	path := s.Path()
	require.NoError(t, s.Close())

	// Scribble over one data page of a copy.
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	const pageSize = 4096
	require.Greater(t, len(data), 10*pageSize)
	bad := filepath.Join(t.TempDir(), "bad.db")
	for i := 5 * pageSize; i < 6*pageSize; i++ {
		data[i] = 0xa5
	}
	require.NoError(t, os.WriteFile(bad, data, 0o600))

	c, err := bolt.Open(bad, nil)
	if err != nil {
		return // bbolt may refuse the file outright, which is as good
	}
	defer func() { _ = c.Close() }()
	err = c.Check(t.Context())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "k0", "problems are reported without keys")
}
