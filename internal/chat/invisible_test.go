package chat

import "testing"

func TestStripInvisible(t *testing.T) {
	england := "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"
	for _, tt := range []struct {
		name, in, want string
	}{
		{"plain text untouched", "hello, world", "hello, world"},
		{"right-to-left override", "invoice\u202egpj.exe", "invoicegpj.exe"},
		{"left-to-right and right-to-left isolates", "a\u2066b\u2067c\u2068d\u2069e", "abcde"},
		{"embeddings and marks", "\u202a\u202b\u202c\u202d\u200e\u200f\u061cx", "x"},
		{"zero-width space and word joiner", "ad\u200bmin\u2060", "admin"},
		{"byte order mark", "\ufeffhi", "hi"},
		{"soft hyphen", "pass\u00adword", "password"},
		{"zero-width joiner kept for emoji", "👩\u200d💻", "👩\u200d💻"},
		{"zero-width non-joiner kept for scripts", "می\u200cخواهم", "می\u200cخواهم"},
		{"flag of England kept", "go " + england + "!", "go " + england + "!"},
		{"hidden tag text removed", "hi\U000E0068\U000E0069", "hi"},
		{"tags without the cancel tag removed", "\U0001F3F4\U000E0067\U000E0062x", "\U0001F3F4x"},
		{"only invisible", "\u200b\u202e", ""},
		{"not UTF-8 left for validation", "a\xffb\u202e", "a\xffb\u202e"},
		{"newlines and tabs are not format characters", "a\nb\tc", "a\nb\tc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripInvisible(tt.in); got != tt.want {
				t.Errorf("stripInvisible(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
		})
	}
}
