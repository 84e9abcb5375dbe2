package chat

import (
	"context"
	"time"
)

// EvPin is a pin added or removed, on the room topic; its payload is PinData.
// The pin's system message travels as its own EvMessage.
const EvPin EventType = "pin"

// MessagePinned and MessageUnpinned are the system messages of a pin change;
// their Seq names the pinned message.
const (
	MessagePinned   SystemType = "message_pinned"
	MessageUnpinned SystemType = "message_unpinned"
)

// pinPreviewRunes is how much of a pinned message's text a pin list carries:
// a line in a bar or a list, never the whole 4,000-rune message 50 times.
const pinPreviewRunes = 200

// Pin is a pinned message of a room as a pin list shows it.
type Pin struct {
	RoomID RoomID `json:"room_id"`
	// Seq is the pinned message's.
	Seq      int64  `json:"seq"`
	PinnedBy UserID `json:"pinned_by"`
	PinnedAt Time   `json:"pinned_at"`
	// Message is the pinned message with its text cut to a preview
	// (Truncated says so) and its attachments' metadata.
	Message   Message `json:"message"`
	Truncated bool    `json:"truncated,omitempty"`
}

// PinData is the payload of EvPin: On with the new Pin, or off (unpinned).
type PinData struct {
	RoomID RoomID `json:"room_id"`
	Seq    int64  `json:"seq"`
	On     bool   `json:"on"`
	Pin    *Pin   `json:"pin,omitempty"`
}

// PinRequest is the body of a pin request.
type PinRequest struct {
	Seq int64 `json:"seq" required:"true"`
}

// PinStore keeps pins. Both stores pass internal/storetest's cases for it.
type PinStore interface {
	// PinMessage pins message p.Seq and appends msg (the MessagePinned system
	// message), in one transaction; changed is false, and nothing is
	// appended, when the message is pinned already (the pin is returned as
	// it is). NotFound when there is no such message; Conflict when it is a
	// system message or a tombstone, or when the room has p.Max pins
	// already — counted under a lock that concurrent pins of the room wait
	// for, so the limit holds however many race.
	PinMessage(ctx context.Context, p NewPin, msg NewMessage) (pin Pin, m Message, changed bool, err error)
	// UnpinMessage removes the pin of message seq and appends msg (the
	// MessageUnpinned system message) in one transaction; changed is false,
	// and nothing is appended, when it was not pinned. DeleteMessage unpins
	// in its own transaction, without a system message.
	UnpinMessage(ctx context.Context, room RoomID, seq int64, msg NewMessage) (m Message, changed bool, err error)
	// Pins returns the room's pins, the newest pin first, each with its
	// message (full text) and the message's attachments.
	Pins(ctx context.Context, room RoomID) ([]Pin, error)
}

// NewPin is a pin before it is stored.
type NewPin struct {
	RoomID RoomID
	Seq    int64
	By     UserID
	At     time.Time
	Max    int // pins one room keeps
}

// mayPin refuses unless the caller may pin and unpin in room, and takes a
// token of their pin rate. Who may:
// the owner and admins of a group, either person of a 1:1
// (docs/decisions/0029-pins.md).
func (s *Service) mayPin(ctx context.Context, caller UserID, room RoomID) error {
	me, err := s.member(ctx, room, caller)
	if err != nil {
		return err
	}
	if me.Blocked {
		return ErrUnreachable()
	}
	if !me.Role.CanManage() {
		r, err := s.store.Room(ctx, room)
		if err != nil {
			return err
		}
		if r.Kind == Group {
			return Errorf(Forbidden, "only the owner and admins can pin messages")
		}
	}
	if !s.pins.Allow(string(caller)) {
		return Errorf(RateLimited, "pinning too fast, slow down")
	}
	return nil
}

// Pin pins message seq of room. Pinning a pinned message is not an error: it
// returns the pin as it is and publishes nothing. A new pin is a system
// message (its own seq, in history) and an EvPin event.
func (s *Service) Pin(ctx context.Context, caller UserID, room RoomID, seq int64) (Pin, error) {
	if err := s.mayPin(ctx, caller, room); err != nil {
		return Pin{}, err
	}
	m, err := s.message(ctx, room, seq)
	if err != nil {
		return Pin{}, err
	}
	if m.Kind != Text {
		return Pin{}, Errorf(Forbidden, "system messages cannot be pinned")
	}
	if m.Deleted {
		return Pin{}, Errorf(Conflict, "message was deleted")
	}
	p, msg, changed, err := s.store.PinMessage(ctx,
		NewPin{RoomID: room, Seq: seq, By: caller, At: s.nowUTC(), Max: s.limits.MaxPinsPerRoom},
		s.systemMessage(room, SystemEvent{Type: MessagePinned, Actor: caller, Seq: seq}))
	if err != nil {
		return Pin{}, err
	}
	p = preview(p)
	if changed {
		s.publish(ctx, RoomTopic(room), messageEvent(msg))
		s.publish(ctx, RoomTopic(room), Event{Type: EvPin, Room: room,
			Data: raw(PinData{RoomID: room, Seq: seq, On: true, Pin: &p})})
	}
	return p, nil
}

// Unpin removes the pin of message seq of room; unpinning what is not
// pinned is not an error and publishes nothing.
func (s *Service) Unpin(ctx context.Context, caller UserID, room RoomID, seq int64) error {
	if err := s.mayPin(ctx, caller, room); err != nil {
		return err
	}
	if _, err := s.message(ctx, room, seq); err != nil {
		return err
	}
	msg, changed, err := s.store.UnpinMessage(ctx, room, seq,
		s.systemMessage(room, SystemEvent{Type: MessageUnpinned, Actor: caller, Seq: seq}))
	if err != nil || !changed {
		return err
	}
	s.publish(ctx, RoomTopic(room), messageEvent(msg))
	s.publish(ctx, RoomTopic(room), Event{Type: EvPin, Room: room, Data: raw(PinData{RoomID: room, Seq: seq})})
	return nil
}

// Pins returns the room's pins, newest first. Members see every pin, as
// they see the whole history (decision 0003).
func (s *Service) Pins(ctx context.Context, caller UserID, room RoomID) ([]Pin, error) {
	if _, err := s.member(ctx, room, caller); err != nil {
		return nil, err
	}
	pins, err := s.store.Pins(ctx, room)
	for i := range pins {
		pins[i] = preview(pins[i])
	}
	return pins, err
}

// preview cuts a pin's text to pinPreviewRunes.
func preview(p Pin) Pin {
	n := 0
	for i := range p.Message.Text {
		if n == pinPreviewRunes {
			p.Message.Text, p.Truncated = p.Message.Text[:i], true
			break
		}
		n++
	}
	p.Message.Mentions, p.Message.Reactions, p.Message.Unread = nil, nil, nil
	return p
}
