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

// LeafFill returns how full bucket's leaf pages are: the bytes in use over
// the bytes of its leaf pages.
func (s *Store) LeafFill(bucket string) (float64, error) {
	var fill float64
	err := s.db.View(func(tx *bbolt.Tx) error {
		st := tx.Bucket([]byte(bucket)).Stats()
		fill = float64(st.LeafInuse) / float64(st.LeafAlloc)
		return nil
	})
	return fill, err
}
