package chat

import (
	"slices"
	"strings"
	"testing"
)

func TestParseMentions(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"no mention here", nil},
		{"@alice", []string{"alice"}},
		{"hi @alice and @bob", []string{"alice", "bob"}},
		{"@Alice, meet @BOB", []string{"alice", "bob"}},
		{"thanks @alice.", []string{"alice"}},
		{"really @alice...", []string{"alice"}},
		{"@alice! @bob? @carol: (@dave) [@erin] \"@frank\" '@grace'", []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace"}},
		{"@alice's turn", []string{"alice"}},
		{"@alice’s turn", []string{"alice"}},
		{"@john.smith and @j_doe", []string{"john.smith", "j_doe"}},
		{"@alice @alice @ALICE", []string{"alice"}},
		{"line one\n@alice\ttab", []string{"alice"}},
		{"@al is too short", nil},
		{"@" + strings.Repeat("a", 32), []string{strings.Repeat("a", 32)}},
		{"@" + strings.Repeat("a", 33) + " is too long", nil},
		{"mail alice@example.com", nil},
		{"mail a.b@example.com or a-b@x.org or a+tag@x.org", nil},
		{"@alice@example.com", nil},
		{"https://social.example/@alice", nil},
		{"`@Override` in code", nil},
		{"@alice-smith", nil},
		{"@alicé", nil},
		{"café@alice", nil},
		{"@@alice", nil},
		{"@ alice", nil},
		{"@", nil},
		{"trailing @", nil},
		{"@...", nil},
		{"한글@alice", nil},
		{"안녕 @alice 님", []string{"alice"}},
		{"😀@alice", []string{"alice"}},
		{"@alice😀", []string{"alice"}},
		{"\xff@alice", []string{"alice"}},
	} {
		if got := ParseMentions(c.text, 50); !slices.Equal(got, c.want) {
			t.Errorf("ParseMentions(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestParseMentionsStopsAtTheLimit(t *testing.T) {
	got := ParseMentions("@aaa @bbb @ccc @ddd", 2)
	if want := []string{"aaa", "bbb"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// FuzzParseMentions: never a panic; every name is a valid username that the
// text holds after an "@", each once, never more than the limit.
func FuzzParseMentions(f *testing.F) {
	for _, s := range []string{"hi @alice", "@Bob.", "a@b.com", "@@x", "@" + strings.Repeat("z", 40), "(@carol)", "\xff@dave\xfe", "@é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		names := ParseMentions(s, 5)
		if len(names) > 5 {
			t.Fatalf("%d names, limit 5", len(names))
		}
		lower := strings.ToLower(s)
		for i, n := range names {
			if err := ValidateUsername(n); err != nil {
				t.Fatalf("name %q of %q: %v", n, s, err)
			}
			if !strings.Contains(lower, "@"+n) {
				t.Fatalf("name %q is not in %q", n, s)
			}
			if slices.Contains(names[:i], n) {
				t.Fatalf("name %q twice", n)
			}
		}
	})
}

// The parser runs on every send: plain text must cost no allocation.
func BenchmarkParseMentionsPlainText(b *testing.B) {
	text := strings.Repeat("a message with no mention in it, just words. ", 20)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if ParseMentions(text, 50) != nil {
			b.Fatal("found a mention")
		}
	}
}

func BenchmarkParseMentionsEmail(b *testing.B) {
	text := "write to alice@example.com or bob@example.org about the release"
	b.ReportAllocs()
	for b.Loop() {
		if ParseMentions(text, 50) != nil {
			b.Fatal("found a mention")
		}
	}
}

func BenchmarkParseMentionsTwo(b *testing.B) {
	text := "@alice can you and @bob look at this today?"
	b.ReportAllocs()
	for b.Loop() {
		ParseMentions(text, 50)
	}
}
