package client

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/chat"
)

// Event is one server event. Exactly the field matching Type is set.
type Event struct {
	Type     string // message, message_updated, receipts, read, room_added, room_removed, room_updated, reaction, pin, error, ready, and those of people.go (profile_updated among them)
	Message  *Message
	Room     *RoomSummary // room_added
	RoomInfo *Room        // room_updated
	RoomID   RoomID       // room_removed
	Receipts *chat.ReceiptsData
	Read     *ReadPosition
	Ready    *Ready
	Err      *Error // error frames that answer no pending request
	Raw      json.RawMessage

	Reaction *Reaction  // reaction
	Pin      *PinChange // pin

	// The people layer's events (people.go).
	Profile       *User                 // profile_updated
	Presence      *Presence             // presence
	RoomPresence  *RoomPresence         // room_presence
	Typing        *Typing               // typing
	Members       *MembersChange        // members
	FriendRequest *FriendRequest        // friend_request
	RequestGone   *FriendRequestRemoved // friend_request_removed
	Friend        *Friend               // friend_added
	UserID        UserID                // friend_removed, block_removed
	Blocked       *BlockedUser          // block_added

	// Consent's events (consent.go).
	Invite     *Invite    // invite_added
	InviteGone *InviteRef // invite_removed
	Settings   *Settings  // settings_updated

	// Notification settings' events (push.go).
	NotifyLevel    *RoomNotifyLevel // notify_level
	NotifySettings *NotifySettings  // notify_settings
}

// Ready is the first frame of every connection.
type Ready struct {
	User           User           `json:"user"`
	Rooms          []RoomSummary  `json:"rooms"`
	NotifySettings NotifySettings `json:"notify_settings"`
}

type serverFrame struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (cn *Conn) handle(ws *websocket.Conn, line []byte) error {
	if cn.c.frameHook != nil {
		cn.c.frameHook(line, cn.opts.LongPoll)
	}
	var f serverFrame
	if err := json.Unmarshal(line, &f); err != nil {
		return err
	}
	switch f.Type {
	case "ack", "error":
		var r reply
		if f.Error != nil {
			r.err = &Error{Code: f.Error.Code, Message: f.Error.Message}
		} else {
			r.data = f.Data
		}
		cn.mu.Lock()
		p := cn.pending[f.ID]
		if p != nil {
			delete(cn.pending, f.ID)
			cn.order = deleteString(cn.order, f.ID)
		}
		cn.mu.Unlock()
		if p != nil {
			p.reply <- r
		} else if r.err != nil {
			e := r.err.(*Error)
			cn.emit(Event{Type: "error", Err: e, Raw: line})
		}
		return nil
	case "ready":
		return cn.onReady(ws, f.Data)
	case "message":
		var m Message
		if err := json.Unmarshal(f.Data, &m); err != nil {
			return err
		}
		return cn.onMessage(m)
	}
	ev := Event{Type: f.Type, Raw: f.Data}
	var err error
	switch f.Type {
	case "message_updated":
		ev.Message = new(Message)
		err = json.Unmarshal(f.Data, ev.Message)
	case "receipts":
		ev.Receipts = new(chat.ReceiptsData)
		err = json.Unmarshal(f.Data, ev.Receipts)
	case "read":
		ev.Read = new(ReadPosition)
		err = json.Unmarshal(f.Data, ev.Read)
	case "room_added":
		ev.Room = new(RoomSummary)
		if err = json.Unmarshal(f.Data, ev.Room); err == nil {
			cn.mu.Lock()
			if _, ok := cn.lastSeq[ev.Room.ID]; !ok {
				cn.lastSeq[ev.Room.ID] = ev.Room.LastSeq
			}
			cn.mu.Unlock()
		}
	case "room_updated":
		ev.RoomInfo = new(Room)
		err = json.Unmarshal(f.Data, ev.RoomInfo)
	case "room_removed":
		var d chat.RoomRemovedData
		err = json.Unmarshal(f.Data, &d)
		ev.RoomID = d.RoomID
	case "reaction":
		ev.Reaction = new(Reaction)
		err = json.Unmarshal(f.Data, ev.Reaction)
	case "pin":
		ev.Pin = new(PinChange)
		err = json.Unmarshal(f.Data, ev.Pin)
	case "invite_added":
		ev.Invite = new(Invite)
		err = json.Unmarshal(f.Data, ev.Invite)
	case "invite_removed":
		ev.InviteGone = new(InviteRef)
		err = json.Unmarshal(f.Data, ev.InviteGone)
	case "settings_updated":
		ev.Settings = new(Settings)
		err = json.Unmarshal(f.Data, ev.Settings)
	case "notify_level":
		ev.NotifyLevel = new(RoomNotifyLevel)
		err = json.Unmarshal(f.Data, ev.NotifyLevel)
	case "notify_settings":
		ev.NotifySettings = new(NotifySettings)
		err = json.Unmarshal(f.Data, ev.NotifySettings)
	default:
		err = decodePeopleEvent(&ev, f.Data)
	}
	if err != nil {
		return err
	}
	cn.emit(ev)
	return nil
}

// onReady resumes: for every room it already knew, it fetches what was sent
// while it was away; then it resends requests that were never answered.
func (cn *Conn) onReady(ws *websocket.Conn, data json.RawMessage) error {
	var r Ready
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	for _, room := range r.Rooms {
		cn.mu.Lock()
		last, known := cn.lastSeq[room.ID]
		if !known {
			cn.lastSeq[room.ID] = room.LastSeq
		}
		cn.mu.Unlock()
		if known && room.LastSeq > last {
			if err := cn.fetch(room.ID, last, room.LastSeq); err != nil {
				return err
			}
		}
	}
	cn.mu.Lock()
	cn.connects++
	close(cn.ready)
	cn.ready = make(chan struct{})
	resend := make([][]byte, 0, len(cn.order))
	for _, id := range cn.order {
		resend = append(resend, cn.pending[id].frame)
	}
	cn.mu.Unlock()
	for _, f := range resend {
		if err := cn.write(ws, f); err != nil {
			return err
		}
	}
	cn.emit(Event{Type: "ready", Ready: &r, Raw: data})
	return nil
}

// fetch delivers messages after `after` up to upTo from history.
func (cn *Conn) fetch(room RoomID, after, upTo int64) error {
	for after < upTo {
		ctx, cancel := context.WithTimeout(cn.ctx, 30*time.Second)
		page, err := cn.c.History(ctx, room, Page{After: after, Before: upTo + 1, Limit: 100, Asc: true})
		cancel()
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, m := range page {
			m.Unread = nil // history carries counts; live messages do not, keep them alike
			cn.deliver(m)
		}
		after = page[len(page)-1].Seq
	}
	return nil
}

func (cn *Conn) onMessage(m Message) error {
	cn.mu.Lock()
	last, known := cn.lastSeq[m.RoomID]
	cn.mu.Unlock()
	if known && m.Seq > last+1 {
		cn.mu.Lock()
		cn.gapFills++
		cn.mu.Unlock()
		if err := cn.fetch(m.RoomID, last, m.Seq-1); err != nil {
			return err
		}
	}
	cn.deliver(m)
	return nil
}

// deliver emits m unless its seq was already delivered.
func (cn *Conn) deliver(m Message) {
	cn.mu.Lock()
	if m.Seq <= cn.lastSeq[m.RoomID] {
		cn.mu.Unlock()
		return
	}
	cn.lastSeq[m.RoomID] = m.Seq
	cn.mu.Unlock()
	mm := m
	cn.emit(Event{Type: "message", Message: &mm})
}

// emit queues ev for the application without ever blocking the reader.
func (cn *Conn) emit(ev Event) {
	cn.qmu.Lock()
	cn.q = append(cn.q, ev)
	cn.qmu.Unlock()
	select {
	case cn.qsig <- struct{}{}:
	default:
	}
}

func (cn *Conn) closeQueue() {
	cn.qmu.Lock()
	cn.qclosed = true
	cn.qmu.Unlock()
	select {
	case cn.qsig <- struct{}{}:
	default:
	}
}

// pump moves queued events onto the Events channel, and closes it once the
// connection has ended and everything queued was taken (or on Close).
func (cn *Conn) pump() {
	defer close(cn.events)
	for {
		cn.qmu.Lock()
		batch, closed := cn.q, cn.qclosed
		cn.q = nil
		cn.qmu.Unlock()
		if len(batch) == 0 {
			if closed {
				return
			}
			select {
			case <-cn.qsig:
			case <-cn.ctx.Done():
				return
			}
			continue
		}
		for _, ev := range batch {
			select {
			case cn.events <- ev:
			case <-cn.ctx.Done():
				return
			}
		}
	}
}
