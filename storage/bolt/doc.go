// Package bolt is the default vault storage engine: a [storage.Store] in one
// go.etcd.io/bbolt file, for a single vault process.
//
// Each storage bucket is a bbolt bucket, created by its first Put; keys are
// kept in byte order and scanned with bbolt cursors. [Store.View] is a bbolt
// read-only transaction, and any number run at once. [Store.Update] goes
// through group commit. The store also implements [storage.Backuper] (a
// consistent copy while serving) and [storage.Checker] (bbolt's consistency
// check).
//
// # Group commit
//
// bbolt has one writer at a time, and each commit fsyncs the file twice (the
// pages, then the meta page). One transaction per commit therefore tops out
// at a few hundred to a couple of thousand puts per second, however many
// goroutines call Update. bbolt's own DB.Batch gathers concurrent writers,
// but it starts a batch only after a 10 ms delay, so 64 writers stay near
// 3,000 to 4,000 puts per second however fast the disk is (2 times one
// writer when fsync is fast); it also re-runs a function that fails, which
// our callers' functions need not tolerate.
//
// Update instead queues its function for the store's committer goroutine.
// The committer takes the first waiting function and whatever else is queued
// at that moment, runs them one after another in one bbolt transaction, runs
// too whatever was queued while they ran (at most Config.MaxBatch in all),
// commits once (one fsync pair) and answers every caller. It never waits for
// more work: a lone writer pays the same commit as with bbolt alone, and
// under load functions pile up while the previous commit fsyncs, so the batch
// grows with the load. Taking late arrivals before the commit matters: the
// callers just answered queue again while the next batch runs, and join it
// instead of waiting a whole commit (45 to 50 transactions per commit with 64
// writers instead of 32). On a shared 2-vCPU VM with ext4, where an fsync
// takes 0.5 to 5 ms, 64 writers reached 8,000 to 10,700 puts per second: 9 to
// 19 times one writer on bbolt's Update (550 to 1,000), and twice DB.Batch
// (4,100). See bench_test.go.
//
// Functions of a batch share the bbolt transaction, but each stays atomic on
// its own: before its first write to a key, a function records the key's
// previous value (or its absence) in an undo log. If the function returns an
// error or panics, the log is replayed newest first, and any bucket the
// function created is dropped; the functions before and after it are not
// affected, and nothing is run twice. A panic is re-raised, with the same
// value, in the goroutine that called Update once the batch has committed.
// Each function sees the writes of those before it in the batch, so the
// outcome is that of running them one by one in queue order: read-write
// transactions are serializable.
//
// bbolt splits the pages of a bucket at half a page, leaving room for keys
// that land between existing ones. A bucket that a batch only appended to
// (every Put added a key past the last one, as a sequence does: the event
// outbox) has its pages split full instead, which halves the pages such a
// bucket writes and keeps; a single Put elsewhere in it brings back the
// default for that batch (TestAppendedBucketsFillTheirPages).
//
// # Durability
//
// An Update that returned nil has been written and fsynced: it survives a
// crash of the process or of the machine. An Update that returned an error
// left nothing behind; if the commit itself fails, every function of the
// batch that succeeded gets that error. Config.NoSync skips the fsync and is
// for tests only: a machine crash may then lose acknowledged Updates or
// corrupt the file. [Store.Backup] writes a consistent copy while writers go
// on, and [Store.Check] verifies the file's structure.
//
// # Caveats
//
// One process per file: Open takes an exclusive lock on the file, and another
// Open (in any process) fails with [ErrLocked] after Config.Timeout. Vault
// processes that share data use storage/postgres.
//
// Transactions must not nest. An Update, View or Close called from inside a
// transaction function deadlocks: Update functions run on the committer
// goroutine, which would wait for itself. A View that waits for an Update to
// finish can also block that Update's commit once the file outgrows the
// memory map (Config.InitialMmapSize), because bbolt re-maps the file only
// when no read transaction is open.
//
// Update functions run on the committer goroutine, one at a time: a slow
// function delays every writer, so do slow work before calling Update.
package bolt
