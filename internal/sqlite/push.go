package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

var _ chat.PushStore = (*Store)(nil)

func (s *Store) PushKeys(ctx context.Context, candidate chat.VAPIDKeys) (chat.VAPIDKeys, error) {
	var k chat.VAPIDKeys
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_keys (id, public_key, private_key) VALUES (1, ?, ?)
			ON CONFLICT (id) DO NOTHING`, candidate.Public, candidate.Private); err != nil {
			return translate(err, "push keys")
		}
		return translate(tx.QueryRowContext(ctx, `SELECT public_key, private_key FROM push_keys WHERE id = 1`).
			Scan(&k.Public, &k.Private), "push keys")
	})
	return k, err
}

func (s *Store) SetPushSubscription(ctx context.Context, sub chat.PushSubscription, maxPerUser int) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE endpoint = ? AND token_hash <> ?`,
			sub.Endpoint, sub.TokenHash); err != nil {
			return translate(err, "push subscription")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_subscriptions (`+sqlrow.PushSubscriptionCols+`)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token_hash) DO UPDATE SET
			endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
			sub.TokenHash, string(sub.UserID), sub.Endpoint, sub.P256dh, sub.Auth, toMS(sub.CreatedAt)); err != nil {
			return translate(err, "session") // a deleted session: foreign key → NotFound
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE token_hash IN (
			SELECT token_hash FROM push_subscriptions WHERE user_id = ?
			ORDER BY token_hash = ? DESC, created_at DESC LIMIT -1 OFFSET ?)`,
			string(sub.UserID), sub.TokenHash, maxPerUser)
		return translate(err, "push subscriptions")
	})
}

func (s *Store) DeletePushSubscription(ctx context.Context, tokenHash []byte) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE token_hash = ?`, tokenHash)
	return translate(err, "push subscription")
}

func (s *Store) PushSubscriptions(ctx context.Context, user chat.UserID) ([]chat.PushSubscription, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sqlrow.PushSubscriptionCols+`
		FROM push_subscriptions WHERE user_id = ? ORDER BY created_at DESC, endpoint`, string(user))
	return collect(rows, err, "push subscriptions", sqlrow.ScanPushSubscription)
}

func (s *Store) DeletePushEndpoint(ctx context.Context, endpoint string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE endpoint = ?`, endpoint)
	return translate(err, "push subscription")
}

// SQLite has one writer: a claim is one statement on it, so two claims
// never overlap.
func (s *Store) ClaimPushOutbox(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]chat.PushOutboxEntry, error) {
	rows, err := s.w.QueryContext(ctx, `UPDATE push_outbox SET claim = ?, lease_until = ?
		WHERE (room_id, seq) IN (SELECT room_id, seq FROM push_outbox o WHERE lease_until <= ?3
			AND NOT EXISTS (SELECT 1 FROM push_outbox e WHERE e.room_id = o.room_id AND e.seq < o.seq AND e.lease_until > ?3)
			ORDER BY created_at, room_id, seq LIMIT ?4)
		RETURNING room_id, seq, created_at`, claim, toMS(leaseUntil), toMS(now), limit)
	out, err := collect(rows, err, "push outbox", sqlrow.ScanPushOutboxEntry)
	slices.SortFunc(out, sqlrow.ComparePushOutboxEntries)
	return out, err
}

func (s *Store) QueuePushDeliveries(ctx context.Context, e chat.PushOutboxEntry, claim string, ds []chat.PushDelivery) (bool, error) {
	held := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM push_outbox WHERE room_id = ? AND seq = ? AND claim = ?`, string(e.RoomID), e.Seq, claim)
		if err != nil {
			return translate(err, "push outbox")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		held = true
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO push_deliveries (token_hash, room_id, seq, count, payload, urgency, due_at, created_at)
				SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM push_subscriptions WHERE token_hash = ?)
				ON CONFLICT (token_hash, room_id) DO UPDATE SET
				count = push_deliveries.count + excluded.count,
				payload = CASE WHEN excluded.seq > push_deliveries.seq THEN excluded.payload ELSE push_deliveries.payload END,
				seq = max(push_deliveries.seq, excluded.seq),
				urgency = CASE WHEN excluded.urgency = 'high' THEN 'high' ELSE push_deliveries.urgency END`,
				d.TokenHash, string(d.RoomID), d.Seq, d.Count, d.Payload, d.Urgency, toMS(d.DueAt), toMS(d.CreatedAt), d.TokenHash); err != nil {
				return translate(err, "push delivery")
			}
		}
		return nil
	})
	return held, err
}

func (s *Store) ClaimPushDeliveries(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]chat.PushDelivery, error) {
	var out []chat.PushDelivery
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE push_deliveries SET claim = ?, due_at = ?
			WHERE (token_hash, room_id) IN (SELECT token_hash, room_id FROM push_deliveries WHERE due_at <= ? ORDER BY due_at LIMIT ?)
			RETURNING `+deliveryCols, claim, toMS(leaseUntil), toMS(now), limit)
		if out, err = collect(rows, err, "push deliveries", scanDelivery); err != nil {
			return err
		}
		for i := range out {
			d := &out[i]
			if d.Sub, err = sqlrow.ScanPushSubscription(tx.QueryRowContext(ctx, `SELECT `+sqlrow.PushSubscriptionCols+`
				FROM push_subscriptions WHERE token_hash = ?`, d.TokenHash)); err != nil {
				return translate(err, "push subscription")
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b chat.PushDelivery) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

const deliveryCols = `token_hash, room_id, seq, count, payload, urgency, attempts, due_at, created_at`

func scanDelivery(sc sqlrow.Scanner) (chat.PushDelivery, error) {
	var (
		d          chat.PushDelivery
		due, first sqlrow.Time
	)
	err := sc.Scan(&d.TokenHash, &d.RoomID, &d.Seq, &d.Count, &d.Payload, &d.Urgency, &d.Attempts, &due, &first)
	d.DueAt, d.CreatedAt = due.Time, first.Time
	return d, err
}

func (s *Store) FinishPushDelivery(ctx context.Context, d chat.PushDelivery, claim string, dueAt time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM push_deliveries WHERE token_hash = ? AND room_id = ? AND claim = ? AND seq = ?`,
			d.TokenHash, string(d.RoomID), claim, d.Seq)
		if err != nil {
			return translate(err, "push delivery")
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE push_deliveries SET count = count - ?, claim = '', attempts = 0, due_at = ?, created_at = ?
			WHERE token_hash = ? AND room_id = ? AND claim = ?`, d.Count, toMS(dueAt), toMS(dueAt), d.TokenHash, string(d.RoomID), claim)
		return translate(err, "push delivery")
	})
}

func (s *Store) RetryPushDelivery(ctx context.Context, d chat.PushDelivery, claim string, dueAt time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE push_deliveries SET attempts = attempts + 1, claim = '', due_at = ?
		WHERE token_hash = ? AND room_id = ? AND claim = ?`, toMS(dueAt), d.TokenHash, string(d.RoomID), claim)
	return translate(err, "push delivery")
}
