package chat

import (
	"context"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AttachmentKind says what an upload is for: a file shared in messages, or
// a user's avatar (already re-encoded, and visible to every signed-in user).
type AttachmentKind string

const (
	KindFile   AttachmentKind = "file"
	KindAvatar AttachmentKind = "avatar"
)

// AttachmentState is an upload's life: pending while its bytes are being
// written, stored once they all are (only then can it be attached or
// downloaded), deleting once the sweeper has claimed it.
type AttachmentState string

const (
	AttachmentPending  AttachmentState = "pending"
	AttachmentStored   AttachmentState = "stored"
	AttachmentDeleting AttachmentState = "deleting"
)

// Attachment is an uploaded file's metadata; its bytes are in Blobs.
type Attachment struct {
	ID         string `json:"id"`
	UploaderID UserID `json:"uploader_id"`
	// Name is the client's file name, sanitised (see cleanFileName).
	Name string `json:"name"`
	// ContentType is sniffed from the content; what the client declared is ignored.
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"` // hex
	// Width and Height are set for the images Parley decodes (PNG, JPEG, GIF, WebP).
	Width     int  `json:"width,omitempty"`
	Height    int  `json:"height,omitempty"`
	CreatedAt Time `json:"created_at"`
	// URL and ThumbnailURL are paths on this server (see FillURLs).
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`

	Kind  AttachmentKind  `json:"-"`
	State AttachmentState `json:"-"`
	// ThumbType is the content type of the thumbnail; "" for none.
	ThumbType string `json:"-"`
}

// AttachmentURL is where attachment id is downloaded (with the bearer token).
func AttachmentURL(id string) string { return "/api/v1/attachments/" + id }

// FillURLs sets URL and ThumbnailURL from the id; stores call it on every
// attachment they return.
func (a *Attachment) FillURLs() {
	a.URL = AttachmentURL(a.ID)
	a.ThumbnailURL = ""
	if a.ThumbType != "" {
		a.ThumbnailURL = a.URL + "/thumbnail"
	}
}

// Blob keys: one per upload and one per thumbnail.
func blobKey(id string) string  { return "attachments/" + id }
func thumbKey(id string) string { return "thumbnails/" + id }

// Blobs holds file contents: a local folder or a cloud bucket
// (internal/blobstore). Every node of a deployment uses the same one.
type Blobs interface {
	// Put stores r under key. If reading r fails, nothing is stored and r's
	// error is returned unchanged.
	Put(ctx context.Context, key, contentType string, r io.Reader) error
	// Open returns the blob under key, NotFound if there is none.
	Open(ctx context.Context, key string) (Blob, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Blob is a stored file being read; it seeks, so it can serve Range requests.
type Blob interface {
	io.ReadSeekCloser
}

// AttachmentStore keeps attachment metadata and who refers to it. Refs
// counts the references (messages carrying the attachment, a user whose
// avatar it is); only an attachment with none is ever deleted, and changing
// Refs and claiming a row for deletion exclude each other, so a send that
// attaches a file and a sweep that deletes it cannot both succeed.
type AttachmentStore interface {
	// CreateAttachment records an upload about to be written (state pending).
	CreateAttachment(ctx context.Context, a Attachment) error
	// ReserveStorage adds up to want bytes to what pending attachment id
	// holds of its uploader's storage, as much as keeps the uploader's total
	// within quota, and returns how many it added (0 when the quota is
	// reached). The check and both counts change in one step, so concurrent
	// uploads never overshoot. NotFound if the attachment is not pending.
	ReserveStorage(ctx context.Context, id string, want, quota int64) (int64, error)
	// CompleteAttachment records the metadata of a pending upload whose bytes
	// are all written and marks it stored; what it holds of the uploader's
	// storage becomes exactly a.Size (a reservation beyond is given back).
	// NotFound if it is not pending any more (the sweeper took it).
	CompleteAttachment(ctx context.Context, a Attachment) error
	Attachment(ctx context.Context, id string) (Attachment, error)
	// Attachments returns those of ids that exist, in any order.
	Attachments(ctx context.Context, ids []string) ([]Attachment, error)
	// AttachmentSharedWith reports whether user is a member of a room where
	// a message carries the attachment.
	AttachmentSharedWith(ctx context.Context, id string, user UserID) (bool, error)
	// SetAvatar makes attachment (a stored avatar of the user's; "" for none)
	// the user's avatar, releasing the old one, and returns the user.
	// Invalid if the attachment is not such an avatar.
	SetAvatar(ctx context.Context, user UserID, attachment string) (User, error)
	// UnreferencedAttachments lists up to limit attachments with no
	// references created before before, oldest first.
	UnreferencedAttachments(ctx context.Context, before time.Time, limit int) ([]Attachment, error)
	// ClaimAttachment marks an attachment with no references created before
	// before as deleting, and reports whether it now is.
	ClaimAttachment(ctx context.Context, id string, before time.Time) (bool, error)
	// DeleteAttachment deletes the row of an attachment that is not stored
	// (pending or deleting) and has no references, giving the storage it
	// held back to its uploader; otherwise it does nothing.
	DeleteAttachment(ctx context.Context, id string) error
}

// Thumbnails and avatars are re-encoded to at most these sizes, in pixels.
const (
	ThumbnailSize = 320 // the longer side
	AvatarSize    = 256 // a square
)

// cleanFileName keeps the last path element of a client's file name (valid
// UTF-8: Upload refuses anything else), with no control or
// bidirectional-override characters (which can disguise "evil‮gpj.exe" as
// "evilexe.jpg") and at most 255 bytes.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(stripInvisible(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." || name == "/" {
		return "file"
	}
	return name
}

// validateAttachmentID rejects ids that cannot be ours before any lookup.
func validateAttachmentID(id string) error {
	if id == "" || len(id) > 64 {
		return Errorf(Invalid, "attachment ids are 1 to 64 characters")
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return Errorf(Invalid, "attachment ids are printable ASCII")
		}
	}
	return nil
}

// validateSendText: a message with attachments may have no text.
func (s *Service) validateSendText(r SendRequest) error {
	if len(r.Attachments) > 0 {
		return validateText("text", r.Text, s.limits.MaxMessageLen)
	}
	return validateMessageText(r.Text, s.limits.MaxMessageLen)
}

// sendAttachments resolves a send's attachment ids; nil for none, at no cost.
func (s *Service) sendAttachments(ctx context.Context, caller UserID, r SendRequest) ([]Attachment, error) {
	if len(r.Attachments) == 0 {
		return nil, nil
	}
	return s.attachable(ctx, caller, r.Attachments)
}
