package postgres

// CommitStats returns how many group transactions committed and how many
// Update functions they carried.
func (s *Store) CommitStats() (commits, txs uint64) {
	return s.commits.Load(), s.txs.Load()
}

// QueueLen returns how many Update attempts wait for a committer.
func (s *Store) QueueLen() int {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	return len(s.queue)
}
