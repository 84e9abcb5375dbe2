// Package media inspects and re-encodes uploaded files: it sniffs a file's
// type from its first bytes (never trusting what the client declared),
// decodes the raster formats Parley makes previews of, and re-encodes them as
// thumbnails and avatars. Re-encoding is the point: what Parley serves as an
// image is pixels it drew itself, with no metadata, script or trailing data
// of the upload.
package media

import (
	"bytes"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/gabriel-vasile/mimetype"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// SniffLen is how many leading bytes Sniff looks at (mimetype's default).
const SniffLen = 3072

// Sniff names the type of a file from its first bytes (at most SniffLen are
// used), e.g. "image/png", "text/html; charset=utf-8",
// "application/octet-stream" when nothing matches.
func Sniff(head []byte) string {
	return mimetype.Detect(head).String()
}

// The raster formats Parley decodes.
const (
	PNG  = "image/png"
	JPEG = "image/jpeg"
	GIF  = "image/gif"
	WebP = "image/webp"
)

// codec is how one raster format is read.
type codec struct {
	decode func(io.Reader) (image.Image, error)
	config func(io.Reader) (image.Config, error)
}

// codecOf names the codec of contentType (as Sniff names it), if Parley
// decodes that format: the one list of the formats it accepts.
func codecOf(contentType string) (codec, bool) {
	switch contentType {
	case PNG:
		return codec{png.Decode, png.DecodeConfig}, true
	case JPEG:
		return codec{jpeg.Decode, jpeg.DecodeConfig}, true
	case GIF:
		return codec{gif.Decode, gif.DecodeConfig}, true
	case WebP:
		return codec{webp.Decode, webp.DecodeConfig}, true
	}
	return codec{}, false
}

// IsImage reports whether contentType (as Sniff names it) is a raster format
// Parley decodes and makes thumbnails of.
func IsImage(contentType string) bool {
	_, ok := codecOf(contentType)
	return ok
}

// ErrFormat is returned for a content type IsImage does not accept.
var ErrFormat = errors.New("media: not a supported image format")

// DecodeConfig reads only the header of an image of the given type: enough to
// learn its dimensions before committing memory to its pixels.
func DecodeConfig(contentType string, r io.Reader) (image.Config, error) {
	c, ok := codecOf(contentType)
	if !ok {
		return image.Config{}, ErrFormat
	}
	return c.config(r)
}

// Decode decodes an image of the given type. The format is the sniffed one,
// not whatever image.Decode would guess, so what is checked is what is
// decoded. For a GIF it is the first frame.
func Decode(contentType string, r io.Reader) (image.Image, error) {
	c, ok := codecOf(contentType)
	if !ok {
		return nil, ErrFormat
	}
	return c.decode(r)
}

// Encoded is a re-encoded image.
type Encoded struct {
	Data          []byte
	ContentType   string // image/jpeg, or image/png when the image has transparency
	Width, Height int
}

// Thumbnail scales img down so that its longer side is at most maxSide
// (smaller images keep their size), turns it upright by EXIF orientation o
// (1 for none; see JPEGOrientation) and re-encodes it.
func Thumbnail(img image.Image, maxSide, o int) (Encoded, error) {
	b := img.Bounds()
	w, h := fit(b.Dx(), b.Dy(), maxSide)
	return scale(img, b, w, h, o)
}

// Square crops the largest centred square out of img, scales it down to at
// most side × side, turns it upright by orientation o and re-encodes it: an
// avatar.
func Square(img image.Image, side, o int) (Encoded, error) {
	b := img.Bounds()
	n := min(b.Dx(), b.Dy())
	x0 := b.Min.X + (b.Dx()-n)/2
	y0 := b.Min.Y + (b.Dy()-n)/2
	crop := image.Rect(x0, y0, x0+n, y0+n)
	m := min(n, side)
	return scale(img, crop, m, m, o)
}

// fit is w × h scaled down to fit in maxSide × maxSide, at least 1 × 1.
func fit(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, int(int64(h)*int64(maxSide)/int64(w)))
	}
	return max(1, int(int64(w)*int64(maxSide)/int64(h))), maxSide
}

func scale(src image.Image, sr image.Rectangle, w, h, o int) (Encoded, error) {
	if w < 1 || h < 1 {
		return Encoded{}, errors.New("media: empty image")
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	// BiLinear is a true kernel: scaled down, it averages every source pixel
	// under a destination pixel (no aliasing), at half CatmullRom's cost.
	draw.BiLinear.Scale(dst, dst.Bounds(), src, sr, draw.Src, nil)
	// Turned after scaling: the small copy is cheap to turn.
	dst = orient(dst, o)
	w, h = dst.Rect.Dx(), dst.Rect.Dy()
	var buf bytes.Buffer
	if dst.Opaque() {
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 82}); err != nil {
			return Encoded{}, err
		}
		return Encoded{Data: buf.Bytes(), ContentType: JPEG, Width: w, Height: h}, nil
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, dst); err != nil {
		return Encoded{}, err
	}
	return Encoded{Data: buf.Bytes(), ContentType: PNG, Width: w, Height: h}, nil
}
