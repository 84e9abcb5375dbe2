package chat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// Big rooms are filled the right way: people join by themselves — from the
// directory of public rooms, or with an invite link — never by being added
// by strangers. Every join is a members_added system message whose actor is
// the joiner, at a seq, through the same store call as an invite
// (AddMembers), so hubs start delivery at that seq unchanged.

// Link bounds.
const (
	linkCodeBytes  = 16 // 128 random bits: unguessable
	maxLinkUses    = 100_000
	maxLinkTTL     = 365 * 24 * time.Hour
	minLinkTTL     = time.Minute
	maxDirectory   = 50
	defaultDirPage = 20
)

// errNoLink is the one answer for a code that is unknown, revoked, expired
// or used up: a stranger holding one learns nothing from which.
func errNoLink() error { return Errorf(NotFound, "this link does not exist or is no longer valid") }

// errNoPublicRoom is the one answer for a room that is not public, or does
// not exist.
func errNoPublicRoom() error { return Errorf(NotFound, "room not found") }

// DirectoryPage is one page of the public room directory; Next is the
// cursor of the following page, "" at the end.
type DirectoryPage struct {
	Rooms []DirectoryRoom `json:"rooms"`
	Next  string          `json:"next,omitempty"`
}

// Directory lists public rooms whose name starts with q (any case), by name,
// limit at a time (1–50, 0 = 20), after the cursor of the previous page.
// Rate limited per user like user search.
func (s *Service) Directory(ctx context.Context, caller UserID, q, cursor string, limit int) (DirectoryPage, error) {
	q = strings.TrimSpace(q)
	if err := validateOneLine("q", q, maxSearchLen); err != nil {
		return DirectoryPage{}, err
	}
	if limit == 0 {
		limit = defaultDirPage
	}
	if limit < 1 || limit > maxDirectory {
		return DirectoryPage{}, Errorf(Invalid, "limit must be 1 to %d", maxDirectory)
	}
	after, err := decodeCursor(cursor)
	if err != nil {
		return DirectoryPage{}, err
	}
	if !s.consent.directory.Allow(string(caller)) {
		return DirectoryPage{}, Errorf(RateLimited, "browsing the directory too fast, slow down")
	}
	rooms, err := s.store.Directory(ctx, DirectoryQuery{Viewer: caller, Prefix: SearchKey(q), After: after, Limit: limit + 1})
	if err != nil {
		return DirectoryPage{}, err
	}
	page := DirectoryPage{Rooms: rooms}
	if len(rooms) > limit {
		page.Rooms = rooms[:limit]
		last := page.Rooms[limit-1]
		page.Next = encodeCursor(DirectoryCursor{NameKey: last.NameKey, ID: last.ID})
	}
	if page.Rooms == nil {
		page.Rooms = []DirectoryRoom{}
	}
	return page, nil
}

// A cursor is opaque to clients: the last name key and id, base64url.
func encodeCursor(c DirectoryCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.NameKey + "\x00" + string(c.ID)))
}

func decodeCursor(s string) (DirectoryCursor, error) {
	if s == "" {
		return DirectoryCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	key, id, ok := strings.Cut(string(b), "\x00")
	if err != nil || !ok || len(s) > 512 {
		return DirectoryCursor{}, Errorf(Invalid, "cursor is not one this server gave")
	}
	return DirectoryCursor{NameKey: key, ID: RoomID(id)}, nil
}

// JoinPublic adds the caller to a public room. joined is false when they
// were a member already. A private room answers as one that does not exist.
func (s *Service) JoinPublic(ctx context.Context, caller UserID, id RoomID) (RoomSummary, bool, error) {
	if _, err := s.store.Member(ctx, id, caller); err == nil {
		sum, err := s.Room(ctx, caller, id)
		return sum, false, err
	} else if ErrorCode(err) != NotFound {
		return RoomSummary{}, false, err
	}
	if !s.consent.joins.Allow(string(caller)) {
		return RoomSummary{}, false, Errorf(RateLimited, "joining rooms too fast, slow down")
	}
	msg := s.systemMessage(id, SystemEvent{Type: MembersAdded, Actor: caller, Users: []UserID{caller}})
	return s.selfJoin(ctx, caller, Admission{Room: id, Users: []UserID{caller}, Message: msg, PublicOnly: true}, errNoPublicRoom)
}

// selfJoin admits the caller by their own act; notFound words the refusal
// of a room they may not join (private, a dead link). A concurrent join of
// the same user is a success that joined nobody.
func (s *Service) selfJoin(ctx context.Context, caller UserID, a Admission, notFound func() error) (RoomSummary, bool, error) {
	err := s.admit(ctx, a, true)
	switch ErrorCode(err) {
	case "":
	case NotFound:
		return RoomSummary{}, false, notFound()
	case Conflict:
		sum, err := s.Room(ctx, caller, a.Room)
		return sum, false, err
	default:
		return RoomSummary{}, false, err
	}
	sum, err := s.Room(ctx, caller, a.Room)
	return sum, true, err
}

// LinkRequest is what an owner or admin asks of a new link.
type LinkRequest struct {
	ExpiresIn time.Duration // 0: never
	MaxUses   int           // 0: unlimited
}

// CreateLink makes an invite link of a group room the caller manages. The
// code is 128 random bits; a room keeps at most MaxLinksPerRoom links (dead
// ones are cleared first); each link made spends an invite token.
func (s *Service) CreateLink(ctx context.Context, caller UserID, room RoomID, r LinkRequest) (Link, error) {
	if r.ExpiresIn != 0 && (r.ExpiresIn < minLinkTTL || r.ExpiresIn > maxLinkTTL) {
		return Link{}, Errorf(Invalid, "expires_in must be %d to %d seconds", int(minLinkTTL.Seconds()), int(maxLinkTTL.Seconds()))
	}
	if r.MaxUses < 0 || r.MaxUses > maxLinkUses {
		return Link{}, Errorf(Invalid, "max_uses must be 1 to %d (0 or absent: unlimited)", maxLinkUses)
	}
	if _, _, err := s.manager(ctx, room, caller); err != nil {
		return Link{}, err
	}
	if err := s.takeInvites(caller, 1); err != nil {
		return Link{}, err
	}
	code, err := newLinkCode()
	if err != nil {
		return Link{}, err
	}
	now := s.nowUTC()
	nl := NewLink{ID: newID(), Room: room, Code: code, CreatedBy: caller, CreatedAt: now, MaxUses: r.MaxUses}
	if r.ExpiresIn != 0 {
		at := now.Add(r.ExpiresIn)
		nl.ExpiresAt = &at
	}
	l, err := s.store.CreateLink(ctx, nl, s.limits.MaxLinksPerRoom)
	if ErrorCode(err) == Forbidden {
		return Link{}, Errorf(Forbidden, "a room keeps at most %d links: revoke one first", s.limits.MaxLinksPerRoom)
	}
	return l, err
}

func newLinkCode() (string, error) {
	b := make([]byte, linkCodeBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// validLinkCode is the shape of a code this server makes; anything else is
// no link, without a query.
func validLinkCode(code string) bool {
	if len(code) != base64.RawURLEncoding.EncodedLen(linkCodeBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(code)
	return err == nil
}

// Links lists the links of a group room the caller manages, usable or not.
func (s *Service) Links(ctx context.Context, caller UserID, room RoomID) ([]Link, error) {
	if _, _, err := s.manager(ctx, room, caller); err != nil {
		return nil, err
	}
	ls, err := s.store.Links(ctx, room)
	if ls == nil && err == nil {
		ls = []Link{}
	}
	return ls, err
}

// RevokeLink deletes a link of a group room the caller manages: from then on
// its code answers as one that never existed.
func (s *Service) RevokeLink(ctx context.Context, caller UserID, room RoomID, id string) error {
	if _, _, err := s.manager(ctx, room, caller); err != nil {
		return err
	}
	err := s.store.RevokeLink(ctx, room, id)
	if ErrorCode(err) == NotFound {
		return Errorf(NotFound, "no such link")
	}
	return err
}

// LinkPreview is what anyone holding a usable code sees before joining: the
// room's name and size, and whether they are in it (then its id too).
type LinkPreview struct {
	Name        string `json:"name"`
	MemberCount int    `json:"member_count"`
	Member      bool   `json:"member"`
	RoomID      RoomID `json:"room_id,omitempty"`
}

// PreviewLink shows a usable link's room; rate limited per user.
func (s *Service) PreviewLink(ctx context.Context, caller UserID, code string) (LinkPreview, error) {
	if !s.consent.previews.Allow(string(caller)) {
		return LinkPreview{}, Errorf(RateLimited, "looking at links too fast, slow down")
	}
	l, err := s.usableLink(ctx, code)
	if err != nil {
		return LinkPreview{}, err
	}
	room, err := s.store.Room(ctx, l.RoomID)
	if ErrorCode(err) == NotFound {
		return LinkPreview{}, errNoLink()
	} else if err != nil {
		return LinkPreview{}, err
	}
	p := LinkPreview{Name: room.Name, MemberCount: room.MemberCount}
	if _, err := s.store.Member(ctx, room.ID, caller); err == nil {
		p.Member, p.RoomID = true, room.ID
	} else if ErrorCode(err) != NotFound {
		return LinkPreview{}, err
	}
	return p, nil
}

func (s *Service) usableLink(ctx context.Context, code string) (Link, error) {
	if !validLinkCode(code) {
		return Link{}, errNoLink()
	}
	l, err := s.store.LinkByCode(ctx, code)
	if ErrorCode(err) == NotFound || (err == nil && !l.Usable(s.nowUTC())) {
		return Link{}, errNoLink()
	}
	return l, err
}

// JoinLink adds the caller to the room of a usable link, counting one use —
// reserved in the same transaction that adds them, so a link's limit holds
// however many use it at once, on whatever node. A member already in the
// room spends no use; joined is then false.
func (s *Service) JoinLink(ctx context.Context, caller UserID, code string) (RoomSummary, bool, error) {
	l, err := s.usableLink(ctx, code)
	if err != nil {
		return RoomSummary{}, false, err
	}
	if _, err := s.store.Member(ctx, l.RoomID, caller); err == nil {
		sum, err := s.Room(ctx, caller, l.RoomID)
		return sum, false, err
	} else if ErrorCode(err) != NotFound {
		return RoomSummary{}, false, err
	}
	if !s.consent.joins.Allow(string(caller)) {
		return RoomSummary{}, false, Errorf(RateLimited, "joining rooms too fast, slow down")
	}
	msg := s.systemMessage(l.RoomID, SystemEvent{Type: MembersAdded, Actor: caller, Users: []UserID{caller}})
	return s.selfJoin(ctx, caller, Admission{Room: l.RoomID, Users: []UserID{caller}, Message: msg, LinkCode: code}, errNoLink)
}
