package chat

import (
	"context"
	"slices"
	"sort"
)

// SendRequest is a new message from a client.
// SendRequest is also the data of a WebSocket send frame, where
// `required:"true"` marks what the frame must carry.
type SendRequest struct {
	RoomID   RoomID `json:"room_id" required:"true"`
	ClientID string `json:"client_id"`
	Text     string `json:"text"`
	ReplyTo  int64  `json:"reply_to"`
	// Attachments are ids of the caller's uploads; with any, text may be empty.
	Attachments []string `json:"attachments,omitempty"`
}

// Send stores a message and then publishes it. The returned message is the
// acknowledgement: it is durable when Send returns. A repeated client_id gets
// the original message back and publishes nothing new.
func (s *Service) Send(ctx context.Context, caller UserID, r SendRequest) (Message, error) {
	return s.QueueSend(ctx, caller, r)()
}

// QueueSend is Send in two steps: it checks the send and queues it for the
// store, then returns the wait for the outcome, which publishes it. Sends
// queued one after another are stored in that order and may share a commit
// (Store.QueueAppend); their waits must be called in the same order, so
// that their events go out in seq order too. Each one's read position before
// it is the one the send ahead of it left: the store reads it as it stores
// the message (NewMessage.Member), so read receipts stay right.
func (s *Service) QueueSend(ctx context.Context, caller UserID, r SendRequest) func() (Message, error) {
	queued, err := s.queueSend(ctx, caller, r)
	if err != nil {
		return func() (Message, error) { return Message{}, err }
	}
	return queued
}

func (s *Service) queueSend(ctx context.Context, caller UserID, r SendRequest) (func() (Message, error), error) {
	r.Text = stripInvisible(r.Text)
	if err := s.validateSendText(r); err != nil {
		return nil, err
	}
	if err := validateClientID(r.ClientID); err != nil {
		return nil, err
	}
	if r.ReplyTo < 0 {
		return nil, Errorf(Invalid, "reply_to must be a seq")
	}
	// The store checks membership as it stores the message (NewMessage.Member),
	// in the writer's transaction, rather than in a read of its own. A reply
	// and mentions are looked up in the room first, so for them the caller
	// must be seen to be a member before: a non-member learns nothing of
	// the room, not even which seqs exist.
	mentionNames := ParseMentions(r.Text, s.limits.MaxMentions)
	if r.ReplyTo > 0 || len(mentionNames) > 0 {
		if me, err := s.member(ctx, r.RoomID, caller); err != nil {
			return nil, err
		} else if me.Blocked {
			return nil, ErrUnreachable()
		}
	} else if err := validateString("room_id", string(r.RoomID)); err != nil {
		return nil, err
	}
	if !s.sends.Allow(string(caller)) {
		return nil, Errorf(RateLimited, "sending too fast, slow down")
	}
	if r.ReplyTo > 0 {
		if _, err := s.store.Message(ctx, r.RoomID, r.ReplyTo); ErrorCode(err) == NotFound {
			return nil, Errorf(Invalid, "reply_to: no message %d in this room", r.ReplyTo)
		} else if err != nil {
			return nil, err
		}
	}
	mentions, err := s.resolveMentions(ctx, r.RoomID, caller, mentionNames)
	if err != nil {
		return nil, err
	}
	atts, err := s.sendAttachments(ctx, caller, r)
	if err != nil {
		return nil, err
	}
	me := new(Member)
	wait := s.store.QueueAppend(ctx, NewMessage{
		ID: newID(), RoomID: r.RoomID, SenderID: caller, ClientID: r.ClientID,
		Kind: Text, Text: r.Text, ReplyTo: r.ReplyTo, CreatedAt: s.nowUTC(), Mentions: mentions, Attachments: atts,
		Member: me,
	})
	return func() (Message, error) {
		msg, dup, err := wait()
		if ErrorCode(err) == NotFound {
			return Message{}, Errorf(NotFound, "room not found")
		}
		if err != nil {
			return Message{}, err
		}
		return s.sent(ctx, caller, r, *me, msg, dup)
	}, nil
}

// sent publishes a stored message, or a resent one again.
func (s *Service) sent(ctx context.Context, caller UserID, r SendRequest, me Member, msg Message, dup bool) (Message, error) {
	if dup {
		if msg.RoomID != r.RoomID {
			return Message{}, Errorf(Conflict, "client_id %q was already used for a message in another room", r.ClientID)
		}
		// Publish again: the resend may follow a commit whose ack and event
		// were lost with a connection. Receivers drop seqs they already have.
		s.publish(ctx, RoomTopic(r.RoomID), messageEvent(msg))
		return msg, nil
	}
	// Sending reads everything up to the new message: the sender's position
	// moved, which the room and the sender's other devices hear about. In a
	// quiet room the receipts go out now, just ahead of the message, so
	// members get both in one write.
	s.receipts.touch(r.RoomID, me.LastReadSeq, msg.Seq)
	s.publish(ctx, RoomTopic(r.RoomID), messageEvent(msg))
	s.publish(ctx, UserTopic(caller), Event{Type: EvRead, Room: r.RoomID,
		Data: raw(ReadPosition{RoomID: r.RoomID, UserID: caller, LastReadSeq: msg.Seq, LastSeq: msg.Seq})})
	if me.Lone {
		// A message request: its invitee's preview follows, once a window.
		s.consent.requests.touch(r.RoomID)
	}
	return msg, nil
}

// History returns a page of a room's messages, each with its unread count.
// Members see the whole history of a room, including messages from before
// they joined, as in Slack channels (docs/decisions/0003-history-visibility.md).
func (s *Service) History(ctx context.Context, caller UserID, room RoomID, p Page) ([]Message, error) {
	if p.Limit == 0 {
		p.Limit = 50
	}
	if p.Limit < 1 || p.Limit > 100 {
		return nil, Errorf(Invalid, "limit must be 1 to 100")
	}
	if p.Before < 0 || p.After < 0 || p.Around < 0 {
		return nil, Errorf(Invalid, "before, after and around must not be negative")
	}
	if p.Around > 0 && (p.Before > 0 || p.After > 0) {
		return nil, Errorf(Invalid, "around cannot be combined with before or after")
	}
	if _, err := s.member(ctx, room, caller); err != nil {
		return nil, err
	}
	var msgs []Message
	var err error
	if p.Around > 0 {
		msgs, err = s.around(ctx, room, p)
	} else {
		msgs, err = s.store.Messages(ctx, room, p)
	}
	if err != nil || len(msgs) == 0 {
		return msgs, err
	}
	hist, err := s.store.ReadCounts(ctx, room)
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		n := unreadAt(hist, msgs[i].Seq)
		msgs[i].Unread = &n
	}
	if err := s.withReactions(ctx, room, caller, msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}

// around returns the p.Limit messages centred on p.Around: half of them up to
// and including it, half after it, and more on one side where the other runs
// out (the start or the end of the room), in p's order.
func (s *Service) around(ctx context.Context, room RoomID, p Page) ([]Message, error) {
	older, err := s.store.Messages(ctx, room, Page{Before: p.Around + 1, Limit: p.Limit})
	if err != nil {
		return nil, err
	}
	newer, err := s.store.Messages(ctx, room, Page{After: p.Around, Limit: p.Limit, Asc: true})
	if err != nil {
		return nil, err
	}
	o := min(len(older), p.Limit-min(len(newer), p.Limit/2))
	n := min(len(newer), p.Limit-o)
	out := make([]Message, 0, o+n)
	for i := o - 1; i >= 0; i-- {
		out = append(out, older[i])
	}
	out = append(out, newer[:n]...)
	if !p.Asc {
		slices.Reverse(out)
	}
	return out, nil
}

// unreadAt counts members whose read position is below seq; hist is sorted by Seq.
func unreadAt(hist []ReadCount, seq int64) int {
	i := sort.Search(len(hist), func(i int) bool { return hist[i].Seq >= seq })
	n := 0
	for _, h := range hist[:i] {
		n += h.Count
	}
	return n
}

// Edit replaces the text of the caller's own message.
func (s *Service) Edit(ctx context.Context, caller UserID, room RoomID, seq int64, text string) (Message, error) {
	text = stripInvisible(text)
	if err := validateMessageText(text, s.limits.MaxMessageLen); err != nil {
		return Message{}, err
	}
	if me, err := s.member(ctx, room, caller); err != nil {
		return Message{}, err
	} else if me.Blocked {
		return Message{}, ErrUnreachable()
	}
	if !s.sends.Allow(string(caller)) {
		return Message{}, Errorf(RateLimited, "editing too fast, slow down")
	}
	m, err := s.message(ctx, room, seq)
	if err != nil {
		return Message{}, err
	}
	if m.Kind != Text || m.SenderID != caller {
		return Message{}, Errorf(Forbidden, "you can only edit your own messages")
	}
	if m.Deleted {
		return Message{}, Errorf(Conflict, "message was deleted")
	}
	mentions, err := s.resolveMentions(ctx, room, caller, ParseMentions(text, s.limits.MaxMentions))
	if err != nil {
		return Message{}, err
	}
	m, err = s.store.EditMessage(ctx, room, seq, text, s.nowUTC(), mentions)
	if err != nil {
		return Message{}, err
	}
	s.publish(ctx, RoomTopic(room), Event{Type: EvMessageUpdated, Room: room, Data: raw(m)})
	return m, nil
}

// Delete turns a message into a tombstone. The sender may delete their own
// messages; the owner and admins of a group may delete anyone's.
func (s *Service) Delete(ctx context.Context, caller UserID, room RoomID, seq int64) (Message, error) {
	me, err := s.member(ctx, room, caller)
	if err != nil {
		return Message{}, err
	}
	m, err := s.message(ctx, room, seq)
	if err != nil {
		return Message{}, err
	}
	if m.Kind != Text {
		return Message{}, Errorf(Forbidden, "system messages cannot be deleted")
	}
	if m.SenderID != caller {
		room, err := s.store.Room(ctx, room)
		if err != nil {
			return Message{}, err
		}
		if room.Kind != Group || !me.Role.CanManage() {
			return Message{}, Errorf(Forbidden, "you can only delete your own messages")
		}
	}
	if m.Deleted {
		return m, nil
	}
	m, err = s.store.DeleteMessage(ctx, room, seq, s.nowUTC())
	if err != nil {
		return Message{}, err
	}
	s.publish(ctx, RoomTopic(room), Event{Type: EvMessageUpdated, Room: room, Data: raw(m)})
	return m, nil
}

func (s *Service) message(ctx context.Context, room RoomID, seq int64) (Message, error) {
	if seq < 1 {
		return Message{}, Errorf(Invalid, "seq must be at least 1")
	}
	m, err := s.store.Message(ctx, room, seq)
	if ErrorCode(err) == NotFound {
		return Message{}, Errorf(NotFound, "no message %d in this room", seq)
	}
	return m, err
}

// MissedMessages is for hubs that saw a seq jump: messages after seq, oldest
// first, without membership checks (the hub checks delivery itself).
func (s *Service) MissedMessages(ctx context.Context, room RoomID, after, upTo int64) ([]Message, error) {
	var out []Message
	for after < upTo {
		page, err := s.store.Messages(ctx, room, Page{After: after, Before: upTo + 1, Limit: 100, Asc: true})
		if err != nil {
			return out, err
		}
		if len(page) == 0 {
			break
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
	return out, nil
}
