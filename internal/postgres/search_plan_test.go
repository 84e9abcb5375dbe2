package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"parley/internal/testenv"
)

// User search must be two index range scans in byte order.
func TestSearchUsesIndexRanges(t *testing.T) {
	s, err := Open(t.Context(), testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all := explain(t, s, searchQuery, searchArgs("caller", "al", 20)...)
	for _, want := range []string{"users_username_prefix", "users_display_key"} {
		if !strings.Contains(all, want) {
			t.Errorf("plan does not use %s", want)
		}
	}
	if strings.Contains(all, "Seq Scan on users") {
		t.Error("plan scans the users table")
	}
}

// The later windows of a message search must reach the trigram index of
// migration 00012: the planner uses an expression index only for the same
// expression, and a difference of one character would go unnoticed by
// every result (the exact match on the body decides them).
func TestMessageSearchUsesUnspacedIndex(t *testing.T) {
	s, err := Open(t.Context(), testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan := explain(t, s, `SELECT d.doc FROM search_docs d WHERE `+unspacedBody+` ILIKE $1`, "%배포일정%")
	if !strings.Contains(plan, "search_docs_unspaced") {
		t.Error("the search's unspaced body does not match search_docs_unspaced")
	}
}

// explain is the plan of query on s's empty tables with sequential scans
// priced out — where the planner would rightly prefer reading the table —
// so the question is whether an index serves the query at all.
func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	var plan []string
	err := pgx.BeginFunc(t.Context(), s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(t.Context(), `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(t.Context(), "EXPLAIN "+query, args...)
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
	return all
}
