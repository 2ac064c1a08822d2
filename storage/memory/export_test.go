package memory

// CommitStats returns how many publications wrote and how many transaction
// functions they carried.
func (s *Store) CommitStats() (commits, txs uint64) {
	return s.commits.Load(), s.txs.Load()
}

// QueueLen returns how many Update calls wait for the committer.
func (s *Store) QueueLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}
