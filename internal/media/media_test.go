package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"parley/internal/chat"
)

// webp1x1 is a 1×1 lossless WebP (there is no WebP encoder in Go's libraries).
var webp1x1, _ = base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

func picture(w, h int, alpha uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 90, alpha})
		}
	}
	return img
}

func encoded(t testing.TB) map[string][]byte {
	t.Helper()
	img := picture(30, 20, 255)
	var p, j, g bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&g, img, nil); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{PNG: p.Bytes(), JPEG: j.Bytes(), GIF: g.Bytes(), WebP: webp1x1}
}

func TestSniffAndDecodeEachFormat(t *testing.T) {
	for want, data := range encoded(t) {
		if got := Sniff(data); got != want {
			t.Errorf("Sniff = %q, want %q", got, want)
			continue
		}
		cfg, err := DecodeConfig(want, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: DecodeConfig: %v", want, err)
		}
		img, err := Decode(want, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: Decode: %v", want, err)
		}
		if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
			t.Errorf("%s: decoded %v, header said %d×%d", want, b, cfg.Width, cfg.Height)
		}
	}
	if _, err := Decode("image/svg+xml", bytes.NewReader(nil)); err != ErrFormat {
		t.Errorf("Decode(svg) = %v, want ErrFormat", err)
	}
}

func TestThumbnailAndSquareSizes(t *testing.T) {
	cases := []struct {
		name         string
		w, h         int
		alpha        uint8
		thumbW, thW2 int // thumbnail width × height
		square       int
		contentType  string
	}{
		{"landscape", 1000, 500, 255, 320, 160, 256, JPEG},
		{"portrait", 300, 900, 255, 106, 320, 256, JPEG},
		{"small stays small", 50, 40, 255, 50, 40, 40, JPEG},
		{"thin line", 5000, 1, 255, 320, 1, 1, JPEG},
		{"transparent", 640, 640, 100, 320, 320, 256, PNG},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := picture(c.w, c.h, c.alpha)
			th, err := Thumbnail(img, 320, 1)
			if err != nil {
				t.Fatal(err)
			}
			if th.Width != c.thumbW || th.Height != c.thW2 || th.ContentType != c.contentType {
				t.Errorf("thumbnail %d×%d %s, want %d×%d %s", th.Width, th.Height, th.ContentType, c.thumbW, c.thW2, c.contentType)
			}
			checkEncoded(t, th)
			sq, err := Square(img, 256, 1)
			if err != nil {
				t.Fatal(err)
			}
			if sq.Width != c.square || sq.Height != c.square {
				t.Errorf("square %d×%d, want %d", sq.Width, sq.Height, c.square)
			}
			checkEncoded(t, sq)
		})
	}
}

// checkEncoded decodes e and compares it with what e says it is.
func checkEncoded(t *testing.T, e Encoded) {
	t.Helper()
	if got := Sniff(e.Data); got != e.ContentType {
		t.Fatalf("encoded as %s, says %s", got, e.ContentType)
	}
	img, err := Decode(e.ContentType, bytes.NewReader(e.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != e.Width || b.Dy() != e.Height {
		t.Fatalf("encoded %v, says %d×%d", b, e.Width, e.Height)
	}
}

// FuzzImage: any upload that sniffs as an image either fails to decode or
// becomes a thumbnail and an avatar of the promised size; nothing panics.
func FuzzImage(f *testing.F) {
	for _, data := range encoded(f) {
		f.Add(data)
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Add(withOrientation(f, encoded(f)[JPEG], 6, binary.LittleEndian))
	f.Fuzz(func(t *testing.T, data []byte) {
		ct := Sniff(data[:min(len(data), SniffLen)])
		if !IsImage(ct) {
			return
		}
		cfg, err := DecodeConfig(ct, bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 || cfg.Width < 1 || cfg.Height < 1 {
			return // the service refuses these before decoding
		}
		img, err := Decode(ct, bytes.NewReader(data))
		if err != nil {
			return
		}
		o := 1
		if ct == JPEG {
			o = JPEGOrientation(data)
		}
		th, err := Thumbnail(img, 320, o)
		if err != nil {
			t.Fatalf("thumbnail of a decoded %v image: %v", img.Bounds(), err)
		}
		if th.Width > 320 || th.Height > 320 || th.Width < 1 || th.Height < 1 {
			t.Fatalf("thumbnail %d×%d", th.Width, th.Height)
		}
		sq, err := Square(img, 256, o)
		if err != nil || sq.Width != sq.Height || sq.Width > 256 {
			t.Fatalf("square %d×%d, %v", sq.Width, sq.Height, err)
		}
	})
}

// withOrientation inserts an EXIF segment with orientation o after a JPEG's SOI.
func withOrientation(t testing.TB, jpg []byte, o uint16, bo binary.AppendByteOrder) []byte {
	t.Helper()
	tiff := []byte("MM\x00\x2a")
	if bo == binary.LittleEndian {
		tiff = []byte("II\x2a\x00")
	}
	tiff = bo.AppendUint32(tiff, 8)       // IFD0 offset
	tiff = bo.AppendUint16(tiff, 1)       // one entry
	tiff = bo.AppendUint16(tiff, 0x0112)  // orientation
	tiff = bo.AppendUint16(tiff, 3)       // SHORT
	tiff = bo.AppendUint32(tiff, 1)       // count
	tiff = bo.AppendUint16(tiff, o)       // value
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // padding, next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{0xFF, 0xD8, 0xFF, 0xE1}, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestJPEGOrientation(t *testing.T) {
	jpg := encoded(t)[JPEG]
	for _, bo := range []binary.AppendByteOrder{binary.BigEndian, binary.LittleEndian} {
		for o := uint16(1); o <= 8; o++ {
			if got := JPEGOrientation(withOrientation(t, jpg, o, bo)); got != int(o) {
				t.Errorf("%v orientation %d read as %d", bo, o, got)
			}
		}
	}
	for name, b := range map[string][]byte{
		"no EXIF": jpg, "not a JPEG": []byte("GIF89a"), "empty": nil,
		"out of range": withOrientation(t, jpg, 9, binary.BigEndian),
		"truncated":    withOrientation(t, jpg, 6, binary.BigEndian)[:20],
	} {
		if got := JPEGOrientation(b); got != 1 {
			t.Errorf("%s: orientation %d, want 1", name, got)
		}
	}
}

// A picture whose left column is red and the rest blue, turned by each
// orientation, must have its red where the orientation says.
func TestThumbnailTurnsUpright(t *testing.T) {
	red, blue := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}
	src := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for y := range 20 {
		for x := range 40 {
			c := blue
			if x < 10 {
				c = red
			}
			src.Set(x, y, c)
		}
	}
	cases := []struct {
		o          int
		w, h       int
		redX, redY int // a pixel that must be red
		bluX, bluY int // and one that must be blue
	}{
		{1, 40, 20, 2, 10, 37, 10},
		{3, 40, 20, 37, 10, 2, 10}, // turned 180°: red on the right
		{6, 20, 40, 10, 2, 10, 37}, // 90° clockwise: red on top
		{8, 20, 40, 10, 37, 10, 2}, // 90° counter-clockwise: red at the bottom
	}
	for _, c := range cases {
		th, err := Thumbnail(src, 320, c.o)
		if err != nil {
			t.Fatal(err)
		}
		if th.Width != c.w || th.Height != c.h {
			t.Fatalf("orientation %d: %d×%d, want %d×%d", c.o, th.Width, th.Height, c.w, c.h)
		}
		img, err := Decode(th.ContentType, bytes.NewReader(th.Data))
		if err != nil {
			t.Fatal(err)
		}
		if r, _, b, _ := img.At(c.redX, c.redY).RGBA(); r < b {
			t.Errorf("orientation %d: (%d,%d) is not red", c.o, c.redX, c.redY)
		}
		if r, _, b, _ := img.At(c.bluX, c.bluY).RGBA(); b < r {
			t.Errorf("orientation %d: (%d,%d) is not blue", c.o, c.bluX, c.bluY)
		}
	}
}

// BenchmarkThumbnail12MP is a phone photo's decode and thumbnail: the work
// an upload of one costs the server.
func BenchmarkThumbnail12MP(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, picture(4000, 3000, 255), nil); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		img, err := Decode(JPEG, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Thumbnail(img, 320, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDecodeMemory(t *testing.T) {
	deep := func(w, h int, interlace byte) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, image.NewNRGBA64(image.Rect(0, 0, 2, 2))); err != nil {
			t.Fatal(err)
		}
		d := b.Bytes()
		binary.BigEndian.PutUint32(d[16:], uint32(w))
		binary.BigEndian.PutUint32(d[20:], uint32(h))
		d[28] = interlace
		return d
	}
	paletted := func() []byte {
		var b bytes.Buffer
		png.Encode(&b, image.NewPaletted(image.Rect(0, 0, 100, 100), color.Palette{color.Black, color.White}))
		return b.Bytes()
	}
	baseline := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, nil); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	progressive := []byte{0xff, 0xd8, 0xff, 0xc2, 0, 17, 8, 0, 100, 0, 100, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1}
	const scaled = 4 * 320 * 320
	for _, tt := range []struct {
		name        string
		contentType string
		head        []byte
		cfg         image.Config
		want        int64
	}{
		{"16-bit RGBA PNG: 8 bytes a pixel", PNG, deep(6000, 6000, 0), image.Config{ColorModel: color.NRGBA64Model, Width: 6000, Height: 6000}, 6000 * 6000 * 8},
		{"interlaced: twice", PNG, deep(100, 100, 1), image.Config{ColorModel: color.NRGBA64Model, Width: 100, Height: 100}, 100 * 100 * 16},
		{"paletted PNG", PNG, paletted(), image.Config{ColorModel: color.Palette{color.Black}, Width: 100, Height: 100}, 100 * 100},
		{"gray16 PNG", PNG, paletted(), image.Config{ColorModel: color.Gray16Model, Width: 100, Height: 100}, 100 * 100 * 2},
		{"baseline JPEG 4:2:0", JPEG, baseline(picture(100, 100, 255)), image.Config{ColorModel: color.YCbCrModel, Width: 100, Height: 100}, 100 * 100 * 3 / 2},
		{"gray JPEG", JPEG, baseline(image.NewGray(image.Rect(0, 0, 100, 100))), image.Config{ColorModel: color.GrayModel, Width: 100, Height: 100}, 100 * 100},
		{"progressive JPEG 4:4:4: pixels and coefficients", JPEG, progressive, image.Config{ColorModel: color.YCbCrModel, Width: 100, Height: 100}, 100 * 100 * 15},
		{"unreadable JPEG header: the costly case", JPEG, []byte{0xff, 0xd8}, image.Config{Width: 100, Height: 100}, 100 * 100 * 20},
		{"GIF: the first frame", GIF, nil, image.Config{Width: 100, Height: 100}, 100 * 100},
		{"lossless WebP", WebP, webp1x1, image.Config{ColorModel: color.NRGBAModel, Width: 100, Height: 100}, 100 * 100 * 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeMemory(tt.contentType, tt.head, tt.cfg); got != tt.want+scaled {
				t.Errorf("DecodeMemory = %d, want %d", got, tt.want+scaled)
			}
		})
	}
}

// The header is what decoding will cost: a crafted PNG's claim is checked
// against what png.DecodeConfig reports.
func TestDecodeMemoryFromARealHeader(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA64(image.Rect(0, 0, 2, 2)))
	d := b.Bytes()
	binary.BigEndian.PutUint32(d[16:], 6000)
	binary.BigEndian.PutUint32(d[20:], 6000)
	binary.BigEndian.PutUint32(d[29:], crc32.ChecksumIEEE(d[12:29]))
	cfg, err := DecodeConfig(PNG, bytes.NewReader(d))
	if err != nil {
		t.Fatal(err)
	}
	if got := DecodeMemory(PNG, d, cfg); got < 6000*6000*8 {
		t.Fatalf("a 16-bit 6000×6000 PNG costs %d bytes, want at least %d", got, 6000*6000*8)
	}
}

func TestBudget(t *testing.T) {
	ctx := context.Background()
	b := NewBudget(100<<10, 150<<10, 50*time.Millisecond)
	big := image.Config{ColorModel: color.NRGBA64Model, Width: 200, Height: 200} // 320 KB
	if _, err := b.Reserve(ctx, PNG, nil, big); chat.ErrorCode(err) != chat.TooLarge {
		t.Fatalf("over the per-image limit: %v, want too_large", err)
	}
	b = NewBudget(1<<20, 1<<20, 50*time.Millisecond)
	img := image.Config{ColorModel: color.GrayModel, Width: 700, Height: 700} // 490 KB + the scaled copy
	release, err := b.Reserve(ctx, PNG, nil, img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reserve(ctx, PNG, nil, img); chat.ErrorCode(err) != chat.Unavailable {
		t.Fatalf("with the budget taken: %v, want unavailable", err)
	}
	release()
	release, err = b.Reserve(ctx, PNG, nil, img)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	release()
	// A per-image limit above the total would wait for ever: it is capped.
	if b := NewBudget(10<<20, 1<<20, time.Second); b.PerImage != 1<<20 {
		t.Errorf("PerImage %d above Total", b.PerImage)
	}
}
