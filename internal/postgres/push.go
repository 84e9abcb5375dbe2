package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

var _ chat.PushStore = (*Store)(nil)

// PushKeys: a racing first start waits on the other's uncommitted row, then
// does nothing and reads it.
func (s *Store) PushKeys(ctx context.Context, candidate chat.VAPIDKeys) (chat.VAPIDKeys, error) {
	var k chat.VAPIDKeys
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO push_keys (id, public_key, private_key) VALUES (1, $1, $2)
			ON CONFLICT (id) DO NOTHING`, candidate.Public, candidate.Private); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT public_key, private_key FROM push_keys WHERE id = 1`).Scan(&k.Public, &k.Private)
	})
	return k, translate(err, "push keys")
}

// SetPushSubscription locks the user's row first, so two sessions of one
// user subscribing at once count each other's rows against the bound.
func (s *Store) SetPushSubscription(ctx context.Context, sub chat.PushSubscription, maxPerUser int) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, string(sub.UserID)).Scan(&one); err != nil {
			return translate(err, "user")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM push_subscriptions WHERE endpoint = $1 AND token_hash <> $2`,
			sub.Endpoint, sub.TokenHash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO push_subscriptions (`+sqlrow.PushSubscriptionCols+`)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_hash) DO UPDATE SET
			endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
			sub.TokenHash, string(sub.UserID), sub.Endpoint, sub.P256dh, sub.Auth, sqlrow.Kept(sub.CreatedAt)); err != nil {
			return translate(err, "session") // a deleted session: foreign key → NotFound
		}
		_, err := tx.Exec(ctx, `DELETE FROM push_subscriptions WHERE token_hash IN (
			SELECT token_hash FROM push_subscriptions WHERE user_id = $1
			ORDER BY token_hash = $2 DESC, created_at DESC OFFSET $3)`,
			string(sub.UserID), sub.TokenHash, maxPerUser)
		return err
	})
	return translate(err, "push subscription")
}

func (s *Store) DeletePushSubscription(ctx context.Context, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM push_subscriptions WHERE token_hash = $1`, tokenHash)
	return translate(err, "push subscription")
}

func (s *Store) PushSubscriptions(ctx context.Context, user chat.UserID) ([]chat.PushSubscription, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlrow.PushSubscriptionCols+`
		FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, endpoint`, string(user))
	return collect(rows, err, "push subscriptions", sqlrow.ScanPushSubscription)
}

func (s *Store) DeletePushEndpoint(ctx context.Context, endpoint string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM push_subscriptions WHERE endpoint = $1`, endpoint)
	return translate(err, "push subscription")
}

// ClaimPushOutbox: SKIP LOCKED hands each entry to one of the nodes
// claiming at once; the others take the next ones.
func (s *Store) ClaimPushOutbox(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]chat.PushOutboxEntry, error) {
	rows, err := s.pool.Query(ctx, `UPDATE push_outbox SET claim = $1, lease_until = $2
		WHERE (room_id, seq) IN (SELECT room_id, seq FROM push_outbox o WHERE lease_until <= $3
			AND NOT EXISTS (SELECT 1 FROM push_outbox e WHERE e.room_id = o.room_id AND e.seq < o.seq AND e.lease_until > $3)
			ORDER BY created_at, room_id, seq LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING room_id, seq, created_at`, claim, sqlrow.Kept(leaseUntil), sqlrow.Kept(now), limit)
	out, err := collect(rows, err, "push outbox", sqlrow.ScanPushOutboxEntry)
	slices.SortFunc(out, sqlrow.ComparePushOutboxEntries)
	return out, err
}

func (s *Store) QueuePushDeliveries(ctx context.Context, e chat.PushOutboxEntry, claim string, ds []chat.PushDelivery) (bool, error) {
	held := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		held = false
		tag, err := tx.Exec(ctx, `DELETE FROM push_outbox WHERE room_id = $1 AND seq = $2 AND claim = $3`, string(e.RoomID), e.Seq, claim)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		held = true
		for _, d := range ds {
			if _, err := tx.Exec(ctx, `INSERT INTO push_deliveries (token_hash, room_id, seq, count, payload, urgency, due_at, created_at)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM push_subscriptions WHERE token_hash = $1)
				ON CONFLICT (token_hash, room_id) DO UPDATE SET
				count = push_deliveries.count + excluded.count,
				payload = CASE WHEN excluded.seq > push_deliveries.seq THEN excluded.payload ELSE push_deliveries.payload END,
				seq = greatest(push_deliveries.seq, excluded.seq),
				urgency = CASE WHEN excluded.urgency = 'high' THEN 'high' ELSE push_deliveries.urgency END`,
				d.TokenHash, string(d.RoomID), d.Seq, d.Count, d.Payload, d.Urgency, sqlrow.Kept(d.DueAt), sqlrow.Kept(d.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	return held, translate(err, "push delivery")
}

func (s *Store) ClaimPushDeliveries(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]chat.PushDelivery, error) {
	rows, err := s.pool.Query(ctx, `WITH claimed AS (
			UPDATE push_deliveries SET claim = $1, due_at = $2
			WHERE (token_hash, room_id) IN (SELECT token_hash, room_id FROM push_deliveries WHERE due_at <= $3
				ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED)
			RETURNING `+deliveryCols+`)
		SELECT c.token_hash, c.room_id, c.seq, c.count, c.payload, c.urgency, c.attempts, c.due_at, c.created_at,
			p.token_hash, p.user_id, p.endpoint, p.p256dh, p.auth, p.created_at
		FROM claimed c JOIN push_subscriptions p ON p.token_hash = c.token_hash ORDER BY c.created_at`,
		claim, sqlrow.Kept(leaseUntil), sqlrow.Kept(now), limit)
	return collect(rows, err, "push deliveries", func(sc sqlrow.Scanner) (chat.PushDelivery, error) {
		var (
			d                 chat.PushDelivery
			due, first, subAt sqlrow.Time
		)
		err := sc.Scan(&d.TokenHash, &d.RoomID, &d.Seq, &d.Count, &d.Payload, &d.Urgency, &d.Attempts, &due, &first,
			&d.Sub.TokenHash, &d.Sub.UserID, &d.Sub.Endpoint, &d.Sub.P256dh, &d.Sub.Auth, &subAt)
		d.DueAt, d.CreatedAt, d.Sub.CreatedAt = due.Time, first.Time, subAt.Time
		return d, err
	})
}

const deliveryCols = `token_hash, room_id, seq, count, payload, urgency, attempts, due_at, created_at`

func (s *Store) FinishPushDelivery(ctx context.Context, d chat.PushDelivery, claim string, dueAt time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM push_deliveries WHERE token_hash = $1 AND room_id = $2 AND claim = $3 AND seq = $4`,
			d.TokenHash, string(d.RoomID), claim, d.Seq)
		if err != nil || tag.RowsAffected() > 0 {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE push_deliveries SET count = count - $1, claim = '', attempts = 0, due_at = $2, created_at = $2
			WHERE token_hash = $3 AND room_id = $4 AND claim = $5`, d.Count, sqlrow.Kept(dueAt), d.TokenHash, string(d.RoomID), claim)
		return err
	})
	return translate(err, "push delivery")
}

func (s *Store) RetryPushDelivery(ctx context.Context, d chat.PushDelivery, claim string, dueAt time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE push_deliveries SET attempts = attempts + 1, claim = '', due_at = $1
		WHERE token_hash = $2 AND room_id = $3 AND claim = $4`, sqlrow.Kept(dueAt), d.TokenHash, string(d.RoomID), claim)
	return translate(err, "push delivery")
}
