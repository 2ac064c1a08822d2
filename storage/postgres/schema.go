package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrations are the schema changes in order: migrations[i] brings the schema
// from version i to i+1. Published entries never change; a new version
// appends one. Each statement names the schema as {schema}.
var migrations = [][]string{
	{ // 1: the key-value table.
		`CREATE TABLE {schema}.kv (
			bucket text COLLATE "C" NOT NULL,
			key    bytea NOT NULL,
			value  bytea NOT NULL,
			PRIMARY KEY (bucket, key)
		)`,
		// Values arrive sealed: compressing ciphertext only costs CPU.
		`ALTER TABLE {schema}.kv ALTER COLUMN value SET STORAGE EXTERNAL`,
	},
}

// migrate creates the schema or brings it to the newest version. It runs in
// one transaction under an advisory lock, so processes that open the same
// schema at once apply each migration once, and a failed migration leaves
// nothing behind.
func (s *Store) migrate(ctx context.Context) (err error) {
	fail := func(step string, err error) error {
		return fmt.Errorf("postgres: open: %s: %w", step, s.failure(ctx, err))
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fail("begin", err)
	}
	defer func() {
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTime)
			defer cancel()
			_ = tx.Rollback(rctx)
		}
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1::bigint)", s.migrationLock()); err != nil {
		return fail("lock schema", err)
	}
	quoted := pgx.Identifier{s.schema}.Sanitize()
	versions := pgx.Identifier{s.schema, "schema_version"}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", versions).Scan(&exists); err != nil {
		return fail("read version", err)
	}
	version := 0
	if exists {
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+versions).Scan(&version); err != nil {
			return fail("read version", err)
		}
	}
	switch {
	case version > len(migrations):
		return fmt.Errorf("postgres: open: schema %s is at version %d, this code knows versions up to %d: %w",
			s.schema, version, len(migrations), ErrSchemaVersion)
	case version == len(migrations):
		if err := tx.Commit(ctx); err != nil {
			return fail("commit", err)
		}
		return nil
	}

	if !exists {
		var schemaExists bool // CREATE SCHEMA IF NOT EXISTS needs a privilege even when it exists
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", s.schema).Scan(&schemaExists); err != nil {
			return fail("create schema", err)
		}
		if !schemaExists {
			if _, err := tx.Exec(ctx, "CREATE SCHEMA "+quoted); err != nil {
				return fail("create schema", err)
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE `+versions+` (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fail("create schema", err)
		}
	}
	for v := version + 1; v <= len(migrations); v++ {
		for _, stmt := range migrations[v-1] {
			if _, err := tx.Exec(ctx, strings.ReplaceAll(stmt, "{schema}", quoted)); err != nil {
				return fail(fmt.Sprintf("migrate to version %d", v), err)
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+versions+" (version) VALUES ($1)", v); err != nil {
			return fail(fmt.Sprintf("migrate to version %d", v), err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fail("commit", err)
	}
	s.log.Info("postgres: migrated schema", "from", version, "to", len(migrations))
	return nil
}

// statements are the SQL texts of one store, with its schema spelled in.
type statements struct {
	get    string
	upsert string
	delete string
	scan   [2][2][2]string // [reverse][has lower bound][has upper bound]
}

func newStatements(schema string) statements {
	kv := pgx.Identifier{schema, "kv"}.Sanitize()
	st := statements{
		get: "SELECT value FROM " + kv + " WHERE bucket = $1 AND key = $2",
		upsert: "INSERT INTO " + kv + " (bucket, key, value) SELECT $1, k, v FROM unnest($2::bytea[], $3::bytea[]) AS u(k, v)" +
			" ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value",
		delete: "DELETE FROM " + kv + " WHERE bucket = $1 AND key = ANY($2::bytea[])",
	}
	for rev := range 2 {
		for lo := range 2 {
			for hi := range 2 {
				var b strings.Builder
				b.WriteString("SELECT key, value FROM " + kv + " WHERE bucket = $1")
				n := 1
				if lo == 1 {
					n++
					fmt.Fprintf(&b, " AND key >= $%d", n)
				}
				if hi == 1 {
					n++
					fmt.Fprintf(&b, " AND key < $%d", n)
				}
				b.WriteString(" ORDER BY key")
				if rev == 1 {
					b.WriteString(" DESC")
				}
				fmt.Fprintf(&b, " LIMIT $%d", n+1)
				st.scan[rev][lo][hi] = b.String()
			}
		}
	}
	return st
}

// Lock statements. Keys are locked in the one-bigint key space of advisory
// locks, buckets in the two-int4 one; PostgreSQL keeps the two apart.
const (
	lockKeySQL          = "SELECT pg_advisory_xact_lock($1::bigint)"
	lockBucketSharedSQL = "SELECT pg_advisory_xact_lock_shared($1::int4, $2::int4)"
	lockBucketSQL       = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)"

	lockBucketSharedAndKeySQL = "SELECT pg_advisory_xact_lock_shared($1::int4, $2::int4), pg_advisory_xact_lock($3::bigint)"
)
