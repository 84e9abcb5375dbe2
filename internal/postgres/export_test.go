package postgres

// SetSearchWindow makes a message search's first window n docs (the second
// 8n), so the search cases cross every window on small data.
func (s *Store) SetSearchWindow(n int) { s.searchWindow = n }
