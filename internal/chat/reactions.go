package chat

import "context"

// EvReaction is a reaction added or removed, on the room topic; its payload
// is ReactionData.
const EvReaction EventType = "reaction"

// ReactionCount is one emoji on one message, as a viewer sees it.
type ReactionCount struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Me    bool   `json:"me"` // the viewer is among those who added it
}

// Reactors is one emoji on a message and who added it, earliest first:
// Users names at most MaxReactorsListed of the Count, so a reaction every
// member of a big room added answers in bounded size.
type Reactors struct {
	Emoji string   `json:"emoji"`
	Count int      `json:"count"`
	Users []UserID `json:"users"`
}

// MaxReactorsListed is how many people Reactors names per emoji; the rest
// are in Count ("and 1,203 others").
const MaxReactorsListed = 100

// ReactRequest adds (On) or removes the caller's emoji on a message. It is
// also the data of a WebSocket react frame, which must carry every field.
type ReactRequest struct {
	RoomID RoomID `json:"room_id" required:"true"`
	Seq    int64  `json:"seq" required:"true"`
	Emoji  string `json:"emoji" required:"true"`
	On     bool   `json:"on" required:"true"`
}

// ReactionData is the payload of EvReaction and the answer to a change: who
// changed what, and the emoji's absolute count afterwards, so applying it
// twice or after a newer history page does no harm.
type ReactionData struct {
	RoomID RoomID `json:"room_id"`
	Seq    int64  `json:"seq"`
	Emoji  string `json:"emoji"`
	UserID UserID `json:"user_id"`
	On     bool   `json:"on"`
	Count  int    `json:"count"`
}

// React adds or removes the caller's reaction. It is idempotent: adding an
// emoji twice is one reaction, and a change that changes nothing publishes
// nothing. A change is one event on the room topic, whatever the room's size.
func (s *Service) React(ctx context.Context, caller UserID, r ReactRequest) (ReactionData, error) {
	if err := ValidateEmoji(r.Emoji); err != nil {
		return ReactionData{}, err
	}
	if _, err := s.member(ctx, r.RoomID, caller); err != nil {
		return ReactionData{}, err
	}
	if !s.reactions.Allow(string(caller)) {
		return ReactionData{}, Errorf(RateLimited, "reacting too fast, slow down")
	}
	m, err := s.message(ctx, r.RoomID, r.Seq)
	if err != nil {
		return ReactionData{}, err
	}
	if m.Kind != Text {
		return ReactionData{}, Errorf(Forbidden, "system messages take no reactions")
	}
	if m.Deleted {
		return ReactionData{}, Errorf(Conflict, "message was deleted")
	}
	if m.SenderID != caller {
		// Someone who blocked the caller gets no reactions from them.
		if err := s.checkNotBlockedBy(ctx, caller, m.SenderID); err != nil {
			return ReactionData{}, err
		}
	}
	count, changed, err := s.store.SetReaction(ctx, ReactionChange{
		RoomID: r.RoomID, Seq: r.Seq, UserID: caller, Emoji: r.Emoji, On: r.On,
		At: s.nowUTC(), MaxEmojis: s.limits.MaxReactionEmojis,
	})
	if err != nil {
		return ReactionData{}, err
	}
	d := ReactionData{RoomID: r.RoomID, Seq: r.Seq, Emoji: r.Emoji, UserID: caller, On: r.On, Count: count}
	if changed {
		s.publish(ctx, RoomTopic(r.RoomID), Event{Type: EvReaction, Room: r.RoomID, Data: raw(d)})
	}
	return d, nil
}

// withReactions fills each message's reactions as viewer sees them, with one
// query for the page.
func (s *Service) withReactions(ctx context.Context, room RoomID, viewer UserID, msgs []Message) error {
	lo, hi := msgs[0].Seq, msgs[0].Seq
	for _, m := range msgs {
		lo, hi = min(lo, m.Seq), max(hi, m.Seq)
	}
	got, err := s.store.Reactions(ctx, room, viewer, lo-1, hi+1)
	if err != nil {
		return err
	}
	for i := range msgs {
		msgs[i].Reactions = got[msgs[i].Seq]
	}
	return nil
}

// Reactors lists who added each emoji on a message (the "who reacted" of a
// long press or a hover), in the order the emojis were first added. Members
// only, as the message itself is. Its own rate limit: a list can name
// thousands of people (100 for each of 50 emojis), and a client asks on
// every hover.
func (s *Service) Reactors(ctx context.Context, caller UserID, room RoomID, seq int64) ([]Reactors, error) {
	if _, err := s.member(ctx, room, caller); err != nil {
		return nil, err
	}
	if !s.reactionLists.Allow(string(caller)) {
		return nil, Errorf(RateLimited, "asking who reacted too fast, slow down")
	}
	if _, err := s.message(ctx, room, seq); err != nil {
		return nil, err
	}
	return s.store.Reactors(ctx, room, seq, MaxReactorsListed)
}
