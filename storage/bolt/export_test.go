package bolt

import "go.etcd.io/bbolt"

// CommitStats returns how many commits wrote to disk and how many
// transaction functions they carried.
func (s *Store) CommitStats() (commits, txs uint64) {
	return s.commits.Load(), s.txs.Load()
}

// SetMaxSize caps the file size through bbolt's MaxSize, so that tests can
// make a commit fail.
func SetMaxSize(cfg *Config, n int) {
	cfg.boltOptions = func(o *bbolt.Options) { o.MaxSize = n }
}

// QueueLen returns how many Update calls wait for the committer.
func (s *Store) QueueLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}
