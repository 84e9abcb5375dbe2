package sqlite

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// User search must stay two index range scans, not a scan of every user.
func TestSearchUsesIndexRanges(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+searchQuery, searchArgs("caller", "al", 20)...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	all := strings.Join(plan, "\n")
	t.Log(all)
	for _, want := range []*regexp.Regexp{
		// username's UNIQUE constraint index (the primary key is _1).
		regexp.MustCompile(`SEARCH n USING INDEX sqlite_autoindex_users_\d+ \(username>\? AND username<\?\)`),
		regexp.MustCompile(`SEARCH d USING INDEX users_display_key \(display_key>\? AND display_key<\?\)`),
	} {
		if !want.MatchString(all) {
			t.Errorf("plan lacks %s", want)
		}
	}
	if strings.Contains(all, "SCAN u") || strings.Contains(all, "SCAN n") || strings.Contains(all, "SCAN d") {
		t.Errorf("plan scans the users table")
	}
}
