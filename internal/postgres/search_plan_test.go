package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"parley/internal/testenv"
)

// User search must be two index range scans in byte order. The test tables
// are empty, where the planner would rightly prefer reading the table, so
// sequential scans are priced out: the question is whether the indexes
// serve the query at all.
func TestSearchUsesIndexRanges(t *testing.T) {
	s, err := Open(t.Context(), testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var plan []string
	err = pgx.BeginFunc(t.Context(), s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(t.Context(), `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(t.Context(), "EXPLAIN "+searchQuery, searchArgs("caller", "al", 20)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(plan, "\n")
	t.Log(all)
	for _, want := range []string{"users_username_prefix", "users_display_key"} {
		if !strings.Contains(all, want) {
			t.Errorf("plan does not use %s", want)
		}
	}
	if strings.Contains(all, "Seq Scan on users") {
		t.Error("plan scans the users table")
	}
}
