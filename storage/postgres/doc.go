// Package postgres is a storage.Store kept in PostgreSQL (through pgx), for
// running many vault processes on one database: PostgreSQL is the single
// source of truth and the coordinator, and the processes share nothing else.
//
//	s, err := postgres.Open(ctx, postgres.Config{DSN: os.Getenv("VAULT_POSTGRES_DSN")})
//
// # Schema
//
// A store lives in one PostgreSQL schema, "vault" unless Config.Schema names
// another, so several independent stores (or tests) can share a database.
// It holds two tables:
//
//	kv             (bucket text COLLATE "C", key bytea, value bytea, PRIMARY KEY (bucket, key))
//	schema_version (version integer PRIMARY KEY, applied_at timestamptz)
//
// Keys are bytea, which PostgreSQL compares byte by byte whatever the
// database's collation, so ORDER BY key is the byte order the storage
// contract asks for; scans are range scans of the primary key, fetched in
// pages of 256 rows (keyset pagination), never a whole bucket at once.
//
// Open creates the schema, or brings it to the newest version, in one
// transaction under an advisory lock: processes that open a schema at the
// same time apply each migration once. A schema migrated by newer code makes
// Open fail with ErrSchemaVersion. Open needs the CREATE privilege on the
// database only while something is left to create.
//
// # Serializability
//
// View runs in a REPEATABLE READ, READ ONLY transaction: one snapshot for
// all its statements, and no locks.
//
// Update does not rely on SERIALIZABLE isolation: Jepsen found G2-item
// anomalies under it in PostgreSQL 12.3, and its correctness rests on the
// server's predicate locking, which this package cannot test. It runs in
// READ COMMITTED,
// where each statement sees what was committed before it started, and
// makes its transactions serializable itself by strict two-phase locking
// with transaction-scoped advisory locks, held until commit or rollback:
//
//   - Before a Get, Put or Delete touches a key, the transaction takes an
//     exclusive lock on a 64-bit hash of (schema, bucket, key) and a shared
//     lock on a hash of (schema, bucket), in the two-int4 key space of
//     advisory locks. A key is locked whether it exists or not, and only
//     once per transaction. The locks and the statement travel in one
//     round trip (a pipelined batch), and the statement runs after the
//     locks are granted, so it reads the latest committed value, which no
//     one can change before this transaction ends.
//   - A Scan in Update takes the exclusive lock on its bucket first. It
//     waits for every transaction that touched the bucket to end and keeps
//     others out of it until it ends, so neither a write into the scanned
//     range (a phantom) nor a change under a later page can happen. Keys of
//     a bucket held exclusively need no key locks.
//   - Once a transaction holds Config.MaxKeyLocks key locks (256 by
//     default), it locks each further bucket it touches whole instead of
//     key by key. Every advisory lock takes an entry in PostgreSQL's shared
//     lock table, sized by max_locks_per_transaction × max_connections
//     (about 6,400 entries with the defaults) and shared with every session
//     of the server: a transaction locking 20,000 keys one by one exhausts
//     it, and fails with "out of shared memory", as do other sessions that
//     need a lock meanwhile. Locking a
//     whole bucket is sound only because reads take the shared bucket lock
//     too, which is why Get takes it.
//   - Writes are INSERT … ON CONFLICT (bucket, key) DO UPDATE and DELETE. A
//     write whose locks the transaction already holds cannot wait for anyone:
//     it is buffered and sent, several keys per statement, in front of the
//     next statement or with the COMMIT, in one round trip (a Get of a
//     buffered key is answered from the buffer). A write that needs a lock
//     is sent at once, so fn waits inside Put while another transaction
//     holds the key, and stops waiting when ctx ends. An Update that puts
//     one key costs two round trips: BEGIN, locks and the write; COMMIT.
//
// Locks taken in different orders can deadlock; PostgreSQL detects it after
// deadlock_timeout (1s by default) and aborts one transaction with SQLSTATE
// 40P01. Update then runs fn again, in a new transaction, after a short
// random delay, up to Config.MaxAttempts times; it does the same for
// serialization failures (40001) and unique violations (23505). An attempt
// that had to lock a bucket whole has the next attempt lock it whole at first
// touch, so a lock upgrade does not deadlock twice.
//
// A View is consistent with that order too: a transaction gets a lock only
// after the one before it released it, and PostgreSQL releases a
// transaction's locks only after its commit is visible, so a snapshot that
// shows a transaction shows every transaction it depends on.
//
// # Many processes
//
// Every process that opens a schema with this package takes the same locks,
// derived from the schema, bucket and key by SHA-256, so their transactions
// are serializable with each other as if they ran in one process. Locks are
// scoped to a database: two databases never contend, and neither do two
// schemas of one database. The lock hashes may collide, which only makes two
// keys wait for each other. A process that dies mid-transaction holds
// nothing: PostgreSQL rolls back its transactions and frees their locks when
// the connection drops. An Update that returned nil is committed and durable
// under the server's synchronous_commit setting.
//
// # Caveats
//
//   - An Update that scans a bucket excludes every other read-write
//     transaction from that bucket until it ends; two transactions that touch
//     a bucket and then scan it deadlock, and one of them is retried.
//     Scan in View takes no locks.
//   - A write buffered in Put or Delete reports its failure on a later call of
//     the transaction, or from Update. When the connection breaks during the
//     COMMIT, the outcome is unknown and Update returns the error.
//   - When ctx ends while a transaction waits for a lock, pgx sends the
//     server a cancel request and drops the connection: the server process
//     stops waiting and releases the transaction's locks at once, and the
//     pool opens a new connection later.
//   - Values up to storage.MaxValueLen (64 MiB) are stored, uncompressed; a
//     Scan keeps one page of values in memory.
//   - Deadlocks cost deadlock_timeout before the retry; lowering it (a
//     superuser setting) trades detection work for latency.
package postgres
