package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage"
)

// backup serves GET /admin/backup (see WithBackups): a consistent snapshot
// of the store, written to a temporary file first so that the status is
// known before the first byte is sent, then streamed with its length.
func (h *handler) backup(b storage.Backuper) streamEndpoint {
	return func(c *call, w http.ResponseWriter) error {
		p := c.caller
		if p.ApplicationType != vault.AppManagement || p.TenantID != h.v.DefaultTenantID() || !slices.Contains(p.Permissions, vault.PermTenantRead) {
			return &vault.Error{Kind: vault.KindForbidden, Op: "Backup",
				Detail: "backups are for management applications of the default tenant with tenant:read"}
		}
		dir, err := os.MkdirTemp(h.backupDir, ".vault-backup-*")
		if err != nil {
			return &vault.Error{Kind: vault.KindInternal, Op: "Backup", Err: err}
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "vault.db")
		if err := b.Backup(c.ctx, path); err != nil {
			return &vault.Error{Kind: vault.KindOf(err), Op: "Backup", Detail: "the backup could not be made", Err: err}
		}
		f, err := os.Open(path)
		if err != nil {
			return &vault.Error{Kind: vault.KindInternal, Op: "Backup", Err: err}
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return &vault.Error{Kind: vault.KindInternal, Op: "Backup", Err: err}
		}
		hd := w.Header()
		hd.Set("Content-Type", "application/octet-stream")
		hd.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		hd.Set("Content-Disposition", `attachment; filename="vault.db"`)
		hd.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if _, err := io.Copy(w, f); err != nil {
			// The client sees a short body against Content-Length.
			h.log.LogAttrs(c.r.Context(), slog.LevelWarn, "backup not fully sent", slog.String("trace_id", traceOf(w)))
		}
		return nil
	}
}

// traceOf returns the trace id of the response w writes.
func traceOf(w http.ResponseWriter) string { return w.Header().Get(HeaderTraceID) }
