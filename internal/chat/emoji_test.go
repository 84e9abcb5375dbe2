package chat

import (
	"strings"
	"testing"
)

func TestValidateEmoji(t *testing.T) {
	for _, c := range []struct {
		name, emoji string
		ok          bool
	}{
		{"face", "😀", true},
		{"thumbs up", "👍", true},
		{"heart without VS16", "❤", true},
		{"heart with VS16", "❤️", true},
		{"skin tone", "👍🏽", true},
		{"ZWJ family", "👨‍👩‍👧‍👦", true},
		{"ZWJ kiss with skin tones", "👩🏻‍❤️‍💋‍👨🏼", true},
		{"ZWJ profession", "👩‍💻", true},
		{"ZWJ gendered", "🏃‍♀️", true},
		{"ZWJ hair", "👨‍🦰", true},
		{"Unicode 15.1 phoenix", "🐦‍🔥", true},
		{"Unicode 16 face with bags", "\U0001FAE9", true},
		{"flag", "🇰🇷", true},
		{"subdivision flag", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", true},
		{"pirate flag", "🏴‍☠️", true},
		{"black flag", "🏴", true},
		{"keycap", "#️⃣", true},
		{"keycap without VS16", "1⃣", true},
		{"copyright", "©️", true},

		{"empty", "", false},
		{"plain text", "ok", false},
		{"letter", "a", false},
		{"digit", "7", false},
		{"hash", "#", false},
		{"two emojis", "👍👍", false},
		{"emoji and text", "👍x", false},
		{"text and emoji", "x👍", false},
		{"two flags", "🇰🇷🇯🇵", false},
		{"lone regional indicator", "🇰", false},
		{"shortcode", ":smile:", false},
		{"control character", "\x07", false},
		{"emoji and newline", "👍\n", false},
		{"NUL after emoji", "👍\x00", false},
		{"200 bytes", strings.Repeat("a", 200), false},
		{"long ZWJ chain", strings.Repeat("😀\u200d", 20) + "😀", false},
		{"lone skin tone", "🏽", false},
		{"lone ZWJ", "\u200d", false},
		{"lone VS16", "\ufe0f", false},
		{"text presentation", "❤\ufe0e", false},
		{"trailing ZWJ", "😀\u200d", false},
		{"keycap of a letter", "a\ufe0f\u20e3", false},
		{"tags without cancel", "🏴\U000E0067\U000E0062", false},
		{"CJK", "中", false},
		{"combining accent", "e\u0301", false},
		{"invalid UTF-8", "\xff", false},
		{"space", " ", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateEmoji(c.emoji)
			if c.ok && err != nil {
				t.Fatalf("ValidateEmoji(%q) = %v, want ok", c.emoji, err)
			}
			if !c.ok && ErrorCode(err) != Invalid {
				t.Fatalf("ValidateEmoji(%q) = %v, want invalid", c.emoji, err)
			}
		})
	}
}

// FuzzValidateEmoji: any input is an emoji or Invalid, never a panic, and an
// accepted emoji is one bounded grapheme cluster of valid UTF-8.
func FuzzValidateEmoji(f *testing.F) {
	for _, s := range []string{"👍", "👍🏽", "👩🏻‍❤️‍💋‍👨🏼", "🇰🇷", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "#️⃣", "🏴‍☠️", ":smile:", "👍👍", "", "\x00", "\xff\xfe", "a\u20e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateEmoji(s)
		if err != nil {
			if ErrorCode(err) != Invalid {
				t.Fatalf("ValidateEmoji(%q) = %v, not invalid", s, err)
			}
			return
		}
		if len(s) > MaxEmojiBytes || strings.ContainsAny(s, "\x00\n :") {
			t.Fatalf("ValidateEmoji accepted %q", s)
		}
	})
}
