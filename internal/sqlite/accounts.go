package sqlite

import (
	"context"
	"database/sql"

	"parley/internal/chat"
)

func (s *Store) CreateUser(ctx context.Context, u chat.NewUser) (chat.User, error) {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO users (id, username, display_name, display_key, password_hash, created_at, who_may_add) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		string(u.ID), u.Username, u.DisplayName, chat.SearchKey(u.DisplayName), u.PasswordHash, toMS(u.CreatedAt), policyOrDefault(u.WhoMayAdd))
	if err != nil {
		return chat.User{}, translate(err, "username "+u.Username)
	}
	return chat.User{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, CreatedAt: norm(u.CreatedAt)}, nil
}

// userCols are what scanUser reads.
const userCols = `id, username, display_name, created_at, password_hash, status_message, avatar_id`

func (s *Store) UserByID(ctx context.Context, id chat.UserID) (chat.User, error) {
	return s.userOn(ctx, s.r, id)
}

func (s *Store) UserByUsername(ctx context.Context, username string) (chat.User, string, error) {
	u, hash, err := scanUser(s.r.QueryRowContext(ctx,
		`SELECT `+userCols+` FROM users WHERE username = ?`, username))
	return u, hash, translate(err, "user")
}

func scanUser(sc scanner) (chat.User, string, error) {
	var (
		u       chat.User
		created int64
		hash    string
		avatar  sql.NullString
	)
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &created, &hash, &u.StatusMessage, &avatar); err != nil {
		return chat.User{}, "", err
	}
	u.CreatedAt = fromMS(created)
	if avatar.Valid {
		u.AvatarURL = chat.AttachmentURL(avatar.String)
	}
	return u, hash, nil
}
