package sqlite

// SetShortWindow makes short searches turn to the caller's rooms after n
// docs, so the search cases run both halves of that path on small data.
func (s *Store) SetShortWindow(n int) { s.shortWindow = n }

// ForgetSearch puts the store in the state the search migration leaves a
// database with messages in: nothing indexed, every message in the backlog.
func (s *Store) ForgetSearch() error {
	_, err := s.w.Exec(`DELETE FROM search_docs;
		UPDATE search_backlog SET below = '~', next_doc = -1, walked = 0, finished = 0,
			total = (SELECT count(*) FROM messages)`)
	return err
}
