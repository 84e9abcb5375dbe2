package sqlite

import (
	"context"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) CreateUser(ctx context.Context, u chat.NewUser) (chat.User, error) {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO users (id, username, display_name, display_key, password_hash, created_at, who_may_add) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		string(u.ID), u.Username, u.DisplayName, chat.SearchKey(u.DisplayName), u.PasswordHash, toMS(u.CreatedAt), policyOrDefault(u.WhoMayAdd))
	if err != nil {
		return chat.User{}, translate(err, "username "+u.Username)
	}
	return chat.User{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, CreatedAt: chat.TimeOf(u.CreatedAt)}, nil
}

func (s *Store) UserByID(ctx context.Context, id chat.UserID) (chat.User, error) {
	return s.userOn(ctx, s.r, id)
}

func (s *Store) UserByUsername(ctx context.Context, username string) (chat.User, string, error) {
	u, hash, err := sqlrow.ScanUser(s.r.QueryRowContext(ctx,
		`SELECT `+sqlrow.UserCols+` FROM users WHERE username = ?`, username))
	return u, hash, translate(err, "user")
}
