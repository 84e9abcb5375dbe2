package chat

import (
	"context"
	"image"
	"io"
)

// Images is the image pipeline of uploads and avatars (internal/media): it
// names a file's type from its first bytes and re-encodes images, so that
// what Parley serves as an image is pixels it drew itself. The service
// bounds the work around it: how many decode at once (decodeSlot), how many
// pixels one may have (checkPixels) and how much memory (Reserve), both read
// from the header before Decode.
type Images interface {
	// Sniff names a file's content type from its first sniffLen bytes
	// (fewer for a shorter file).
	Sniff(head []byte) string
	// IsImage reports whether contentType (as Sniff names it) is a format
	// the pipeline decodes.
	IsImage(contentType string) bool
	// DecodeConfig reads only an image's header: its dimensions, before any
	// memory is committed to its pixels.
	DecodeConfig(contentType string, r io.Reader) (image.Config, error)
	// Reserve takes the memory decoding the image described by cfg (head:
	// its first bytes) and scaling it will take, computed from its type and
	// color model, from the process's decode budget: TooLarge over the
	// per-image limit, Unavailable when the budget stays full. Decode only
	// after it; release when the decoded image is gone.
	Reserve(ctx context.Context, contentType string, head []byte, cfg image.Config) (release func(), err error)
	Decode(contentType string, r io.Reader) (image.Image, error)
	// Orientation is the EXIF orientation (1–8; 1 is upright) found in the
	// first bytes of an image of contentType.
	Orientation(contentType string, head []byte) int
	// Thumbnail scales img down to at most maxSide on its longer side,
	// turns it upright by orientation and re-encodes it.
	Thumbnail(img image.Image, maxSide, orientation int) (EncodedImage, error)
	// Square crops the largest centred square of img, scales it down to at
	// most side × side, turns it upright and re-encodes it: an avatar.
	Square(img image.Image, side, orientation int) (EncodedImage, error)
}

// sniffLen is how many leading bytes of an upload are given to Sniff.
const sniffLen = 3072

// EncodedImage is an image Parley re-encoded.
type EncodedImage struct {
	Data          []byte
	ContentType   string // image/jpeg, or image/png when the image has transparency
	Width, Height int
}

// quarterTurn reports whether EXIF orientation o turns an image a quarter
// (5–8), swapping its width and height.
func quarterTurn(o int) bool { return o >= 5 && o <= 8 }
