package postgres

import (
	"context"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) CreateUser(ctx context.Context, u chat.NewUser) (chat.User, error) {
	created := sqlrow.Kept(u.CreatedAt)
	_, err := s.pool.Exec(ctx,
		`INSERT INTO users (id, username, display_name, display_key, password_hash, created_at, who_may_add) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		string(u.ID), u.Username, u.DisplayName, chat.SearchKey(u.DisplayName), u.PasswordHash, created, policyOrDefault(u.WhoMayAdd))
	if err != nil {
		return chat.User{}, translate(err, "username "+u.Username)
	}
	return chat.User{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, CreatedAt: chat.TimeOf(created)}, nil
}

func (s *Store) UserByID(ctx context.Context, id chat.UserID) (chat.User, error) {
	u, _, err := sqlrow.ScanUser(s.pool.QueryRow(ctx, `SELECT `+sqlrow.UserCols+` FROM users WHERE id = $1`, string(id)))
	return u, translate(err, "user")
}

func (s *Store) UserByUsername(ctx context.Context, username string) (chat.User, string, error) {
	u, hash, err := sqlrow.ScanUser(s.pool.QueryRow(ctx,
		`SELECT `+sqlrow.UserCols+` FROM users WHERE username = $1`, username))
	return u, hash, translate(err, "user")
}
