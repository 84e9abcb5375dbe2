package media

import (
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"time"

	"golang.org/x/sync/semaphore"

	"parley/internal/chat"
)

// Budget bounds the memory of image decodes: each image's cost is computed
// from its header before a byte of pixels is allocated, one image may cost at
// most PerImage, and all decodes of the process together at most Total (a
// weighted semaphore). Counting pixels alone is not enough: a 16-bit RGBA PNG
// costs 8 bytes a pixel, a progressive JPEG keeps a 4-byte coefficient per
// sample besides its pixels, so 40 megapixels can mean 600 MB.
type Budget struct {
	PerImage int64
	Total    int64
	Wait     time.Duration // longest wait for room in Total before 503
	sem      *semaphore.Weighted
}

// NewBudget returns a budget; zero values take 192 MiB per image, 256 MiB in
// all and a 10 s wait.
func NewBudget(perImage, total int64, wait time.Duration) *Budget {
	if perImage <= 0 {
		perImage = 192 << 20
	}
	if total <= 0 {
		total = 256 << 20
	}
	if wait <= 0 {
		wait = 10 * time.Second
	}
	// An image the budget can never hold would wait for ever.
	perImage = min(perImage, total)
	return &Budget{PerImage: perImage, Total: total, Wait: wait, sem: semaphore.NewWeighted(total)}
}

// Reserve takes the memory decoding an image of contentType with header cfg
// (head: its first bytes) will need, or refuses it: too_large over PerImage,
// unavailable when the process's budget has no room within Wait.
func (b *Budget) Reserve(ctx context.Context, contentType string, head []byte, cfg image.Config) (release func(), err error) {
	n := DecodeMemory(contentType, head, cfg)
	if n > b.PerImage {
		return nil, chat.Errorf(chat.TooLarge, "the image is %d×%d pixels and would take %d MiB to decode; images may take at most %d MiB",
			cfg.Width, cfg.Height, n>>20, b.PerImage>>20)
	}
	ctx, cancel := context.WithTimeout(ctx, b.Wait)
	defer cancel()
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, chat.Wrap(chat.Unavailable, err, "server busy decoding images, try again")
	}
	return func() { b.sem.Release(n) }, nil
}

// DecodeMemory is the number of bytes decoding an image (Decode, then
// scaling it) allocates at most, from its type, its header and its first
// bytes. It errs on the high side where the header does not say.
func DecodeMemory(contentType string, head []byte, cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	const scaled = 4 * 320 * 320 // the re-encoded copy: NRGBA, at most 320 px a side
	var perPixel float64
	switch contentType {
	case PNG:
		perPixel = float64(bytesPerPixel(cfg.ColorModel))
		if pngInterlaced(head) {
			perPixel *= 2 // each pass is decoded into an image of its own, then merged
		}
	case JPEG:
		samples, progressive := jpegFrame(head)
		perPixel = samples // 1 byte a sample
		if progressive {
			perPixel += 4 * samples // an int32 coefficient per sample, kept across scans
		}
	case GIF:
		perPixel = 1 // the first frame, paletted
	case WebP:
		switch cfg.ColorModel {
		case color.NRGBAModel: // lossless: a uint32 per pixel while decoding, then NRGBA
			perPixel = 8
		default: // lossy: YCbCr 4:2:0, alpha a byte more
			perPixel = 2.5
		}
	default:
		perPixel = 8
	}
	return int64(float64(px)*perPixel) + scaled
}

// bytesPerPixel of an image decoded in model m; 8 (the most any of the
// standard models takes) for a model it does not know.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// pngInterlaced reads the interlace method of a PNG's IHDR chunk (the first
// one, right after the 8-byte signature).
func pngInterlaced(head []byte) bool {
	const at = 8 + 8 + 12 // signature, chunk length and type, then width, height, depth, color, compression, filter
	return len(head) > at && head[at] != 0
}

// jpegFrame reads a JPEG's start-of-frame segment: the samples its
// components hold per pixel (3 for 4:4:4, 1.5 for 4:2:0, 1 for gray) and
// whether it is progressive. Without a readable frame header it answers the
// costly case: 4 samples, progressive.
func jpegFrame(head []byte) (samples float64, progressive bool) {
	if len(head) < 2 || head[0] != 0xff || head[1] != 0xd8 {
		return 4, true
	}
	for i := 2; i+4 <= len(head); {
		if head[i] != 0xff {
			return 4, true
		}
		m := head[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0xd8 || m >= 0xd0 && m <= 0xd7 || m == 0x01: // markers without a length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(head[i+2:]))
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			return frameSamples(head[i+4 : min(len(head), i+2+n)]), m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce
		}
		i += 2 + n
	}
	return 4, true
}

// frameSamples sums each component's share of the largest sampling factors.
func frameSamples(sof []byte) float64 {
	if len(sof) < 6 {
		return 4
	}
	nc := int(sof[5])
	if nc < 1 || len(sof) < 6+3*nc {
		return 4
	}
	hmax, vmax := 1, 1
	for c := range nc {
		f := sof[6+3*c+1]
		hmax, vmax = max(hmax, int(f>>4)), max(vmax, int(f&15))
	}
	var s float64
	for c := range nc {
		f := sof[6+3*c+1]
		s += float64(max(1, int(f>>4))*max(1, int(f&15))) / float64(hmax*vmax)
	}
	return s
}
