package httpapi

import (
	"bytes"
	"io"
	"mime/multipart"
	"testing"

	"parley/internal/chat"
)

// FuzzUploadBody: any multipart body yields the file part, whose bytes read
// to the end, or an Invalid error; never a panic.
func FuzzUploadBody(f *testing.F) {
	const boundary = "XX"
	for _, s := range []string{
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XX--\r\n",
		"--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/passwd\"\r\n\r\nroot\r\n--XX--\r\n",
		"--XX\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XX--\r\n",
		"--XX\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end",
		"--XX--\r\n", "", "--XX\r\n\r\n", "garbage",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := filePart(multipart.NewReader(bytes.NewReader(body), boundary))
		if err != nil {
			if chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		_ = p.FileName()
		if _, err := io.Copy(io.Discard, partReader{p}); err != nil && chat.ErrorCode(err) != chat.Invalid {
			t.Fatalf("reading the part: %v is not invalid", err)
		}
	})
}

func TestServedAs(t *testing.T) {
	cases := []struct {
		name   string
		a      chat.Attachment
		thumb  bool
		typ    string
		inline bool
	}{
		{"decoded png", chat.Attachment{ContentType: "image/png", Width: 2}, false, "image/png", true},
		{"png that did not decode", chat.Attachment{ContentType: "image/png"}, false, "application/octet-stream", false},
		{"thumbnail", chat.Attachment{ContentType: "image/webp", Width: 2, ThumbType: "image/jpeg"}, true, "image/jpeg", true},
		{"html", chat.Attachment{ContentType: "text/html; charset=utf-8"}, false, "application/octet-stream", false},
		{"svg", chat.Attachment{ContentType: "image/svg+xml", Width: 10}, false, "application/octet-stream", false},
		{"xhtml", chat.Attachment{ContentType: "application/xhtml+xml"}, false, "application/octet-stream", false},
		{"javascript", chat.Attachment{ContentType: "application/javascript"}, false, "application/octet-stream", false},
		{"pdf", chat.Attachment{ContentType: "application/pdf"}, false, "application/octet-stream", false},
		{"text", chat.Attachment{ContentType: "text/plain; charset=utf-8"}, false, "text/plain; charset=utf-8", false},
		{"audio", chat.Attachment{ContentType: "audio/mpeg"}, false, "audio/mpeg", false},
		{"video", chat.Attachment{ContentType: "video/mp4"}, false, "video/mp4", false},
		{"garbage type", chat.Attachment{ContentType: "audio/;;"}, false, "application/octet-stream", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, inline := servedAs(c.a, c.thumb)
			if typ != c.typ || inline != c.inline {
				t.Errorf("servedAs = %q, %v; want %q, %v", typ, inline, c.typ, c.inline)
			}
		})
	}
}
