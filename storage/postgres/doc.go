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
//     one key alone costs two round trips: BEGIN, locks and the write;
//     COMMIT. Under load, functions after the first of a transaction wait
//     for no lock and send nothing of their own (see # Group commit).
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
// # Group commit
//
// Group commit is on by default (Config.MaxBatch 0 is GroupMaxBatch, 32,
// what was measured; 1 turns it off). A function that fails after others
// in a group transaction saw their writes before they committed, so its
// error is answered only once the transaction commits, and it runs again
// if the transaction does not: an earlier version answered at once, and
// a caller told "not found" by a delete not yet committed could read the
// token at once after (the root package's TestTokensAreLinearizable found
// it, with porcupine; it now runs on PostgreSQL with and without group
// commit).
//
// With it, concurrent Update calls of one Store share PostgreSQL
// transactions, as storage/bolt's share bbolt ones. An Update queues its function for a
// committer, a goroutine that exists only while there is a queue and holds
// one pool connection meanwhile; Config.Committers of them run at once (half
// the pool's MaxConns, at least 1 and at most DefaultCommitters = 2, unless
// set). A committer runs the queued functions one after another in one
// transaction, at most Config.MaxBatch of them, and
// commits once when the queue is empty or the group is full.
//
// The first function of a transaction runs as an Update always did: its
// statements wait for locks, and heed its ctx. Every later one runs in the
// savepoint f (SAVEPOINT f … RELEASE SAVEPOINT f) with lock_timeout set to
// 1 ms for the rest of the transaction, its statements ignore its ctx, and
// its lock statements and writes wait in a buffer: they go out in front of
// its next read, or after it returned, in front of the next function's
// first round trip or with the COMMIT. A function that only writes therefore
// costs no round trip of its own: 32 such functions cost one round trip and
// one commit (one WAL flush) instead of 64 round trips and 32 commits.
//
// Each caller keeps its atomicity and its own error:
//
//   - A function that returns an error, panics or calls runtime.Goexit is
//     rolled back to its savepoint (the first one: its transaction, which
//     holds nothing else) and the others of the group go on. The panic is
//     re-raised in the caller's goroutine, after the rollback.
//   - When a statement of a function that had returned nil fails, the server
//     skips the rest of that round trip: the function is rolled back to its
//     savepoint and its caller gets the error; the functions before it are
//     committed; the ones whose statements were skipped run again, and so
//     does a function that was running when its round trip carried the
//     failure (Update may call its function more than once).
//   - A function that needs a lock another transaction holds gets
//     lock_not_available (55P03) within 1 ms instead of waiting while the
//     group holds the others' locks: it is rolled back to its savepoint and
//     runs again after the others, first in a new transaction, where it
//     waits as an Update of its own would. So a transaction waits for a lock
//     only while it holds its first function's locks, as without group
//     commit, and grouping adds no deadlock.
//   - Every function that returned nil is answered after the COMMIT; if the
//     COMMIT fails, all of them get the error, and if the connection breaks
//     during it, the outcome is unknown and none is run again.
//
// Each function sees the writes of those before it in the group, and the
// group's transaction keeps every lock until it commits (strict two-phase
// locking), so the outcome is that of running the functions one by one in
// the order they ran: read-write transactions stay serializable, across
// processes too. MaxBatch stays under 64 because PostgreSQL caches 64
// subtransactions per backend; past that every snapshot on the server gets
// slower while the transaction is open.
//
// Measured with BenchmarkPut (bench_test.go: one 128-byte Put per Update,
// MaxConns equal to the writers, MaxBatch 32) against the local PostgreSQL 15, on a
// shared 2-vCPU VM, the old and the new code built with go test -c and run
// in alternation, 3 rounds, medians: 64 writers 6,900 puts/s before and
// 18,700 after (2.7 times; 31 functions per commit; the rounds ranged from
// 11,100 to 21,300 as the machine's load changed), one writer 480 and 435,
// the same within the noise (a lone Update sends the statements it always
// did). A second run, on a less loaded moment, gave 7,960 and 22,700 for 64
// writers. With Committers 1 a group carries 32 functions (21,700 puts/s in a
// tuning run against 16,700 with 2); with 4, 15 (13,600). Config.MaxBatch 1
// turns group commit off.
//
// Pool: each committer holds a connection, and so does each View and each
// Update of a MaxBatch 1 store, so MaxConns should be at least Committers
// plus the Views expected at once; more connections than that do not help
// writers. With Config.Pool, the pool is the caller's to size; from a DSN,
// its pool_max_conns parameter sizes it as Config.MaxConns does (vaultd
// bench, 64 clients, 2 vCPUs: gets 9.5-11k/s with the default 4, 13.3k/s
// with 16; creates the same).
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
