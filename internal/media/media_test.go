package media

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
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
