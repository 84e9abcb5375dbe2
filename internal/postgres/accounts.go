package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"parley/internal/chat"
)

func (s *Store) CreateUser(ctx context.Context, u chat.NewUser) (chat.User, error) {
	created := toDB(u.CreatedAt)
	_, err := s.pool.Exec(ctx,
		`INSERT INTO users (id, username, display_name, display_key, password_hash, created_at, who_may_add) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		string(u.ID), u.Username, u.DisplayName, chat.SearchKey(u.DisplayName), u.PasswordHash, created, policyOrDefault(u.WhoMayAdd))
	if err != nil {
		return chat.User{}, translate(err, "username "+u.Username)
	}
	return chat.User{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, CreatedAt: created}, nil
}

// userCols are what scanUser reads.
const userCols = `id, username, display_name, created_at, password_hash, status_message, avatar_id`

func (s *Store) UserByID(ctx context.Context, id chat.UserID) (chat.User, error) {
	u, _, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, string(id)))
	return u, translate(err, "user")
}

func (s *Store) UserByUsername(ctx context.Context, username string) (chat.User, string, error) {
	u, hash, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userCols+` FROM users WHERE username = $1`, username))
	return u, hash, translate(err, "user")
}

func scanUser(row pgx.Row) (chat.User, string, error) {
	var (
		u       chat.User
		created time.Time
		hash    string
		avatar  pgtype.Text
	)
	if err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &created, &hash, &u.StatusMessage, &avatar); err != nil {
		return chat.User{}, "", err
	}
	u.CreatedAt = fromDB(created)
	if avatar.Valid {
		u.AvatarURL = chat.AttachmentURL(avatar.String)
	}
	return u, hash, nil
}
