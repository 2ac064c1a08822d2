package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"

	"github.com/tokenvault/vault/storage"
)

// Backup writes a consistent copy of the store to path while it serves. The
// copy is the snapshot of one read-only transaction: it holds every Update
// that returned before Backup started and nothing of one that had not. It is
// written to a temporary file in path's directory, fsynced, renamed over path
// (mode 0600) and the directory fsynced, so path never holds a partial copy.
// Writers keep committing meanwhile; only a commit that must grow the memory
// map beyond Config.InitialMmapSize waits for the copy to finish.
//
// Backup is safe for concurrent use. It returns ctx.Err() (wrapped) if ctx
// ends before the copy is complete, an error matching storage.ErrInvalid if
// path is the store's own file, one matching storage.ErrClosed after Close,
// and wrapped I/O errors otherwise.
func (s *Store) Backup(ctx context.Context, path string) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closing.Load() {
		return fmt.Errorf("bolt: backup: %w", storage.ErrClosed)
	}
	if target, err := os.Stat(path); err == nil {
		if self, err := os.Stat(s.path); err == nil && os.SameFile(target, self) {
			return fmt.Errorf("bolt: backup: %w: the target is the store's own file", storage.ErrInvalid)
		}
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("bolt: backup: %w", err)
	}
	renamed := false
	defer func() {
		if err != nil && !renamed {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()

	btx, err := s.db.Begin(false)
	if err != nil {
		return beginError("backup", err)
	}
	_, err = btx.WriteTo(ctxWriter{ctx: ctx, w: f})
	_ = btx.Rollback() // a read-only rollback only releases the snapshot
	if err != nil {
		return fmt.Errorf("bolt: backup: copy: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("bolt: backup: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("bolt: backup: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("bolt: backup: %w", err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("bolt: backup: %w", err) // the copy is complete; only its name may not survive a crash
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// ctxWriter fails writes once ctx is done, so that a long copy can be
// canceled.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Check verifies the structure of the file (page references, freelist, key
// order) with bbolt's consistency check, and returns every problem found,
// joined, or nil. It runs in a read-write transaction, as bbolt requires when
// writers may be active, so Updates wait while it runs; on a large file that
// takes a while. ctx is checked only before the check starts. Check returns
// an error matching storage.ErrClosed after Close. Problems are reported
// without keys or values.
func (s *Store) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closing.Load() {
		return fmt.Errorf("bolt: check: %w", storage.ErrClosed)
	}
	btx, err := s.db.Begin(true)
	if err != nil {
		return beginError("check", err)
	}
	defer func() { _ = btx.Rollback() }() // nothing was written
	var errs []error
	for err := range btx.Check(bbolt.WithKVStringer(redacted{})) {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("bolt: check: %w", errors.Join(errs...))
	}
	return nil
}

// redacted keeps keys and values out of Check's messages.
type redacted struct{}

func (redacted) KeyToString(k []byte) string   { return fmt.Sprintf("<%d-byte key>", len(k)) }
func (redacted) ValueToString(v []byte) string { return fmt.Sprintf("<%d-byte value>", len(v)) }
