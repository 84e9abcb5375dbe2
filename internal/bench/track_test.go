package bench

import (
	"encoding/json"
	"testing"
	"time"

	"parley/internal/chat"
)

// TestAccounting runs the lost/duplicate bookkeeping of one connection in
// one room: what it received (in order, repeats included) against what the
// senders had acknowledged.
func TestAccounting(t *testing.T) {
	tests := []struct {
		name     string
		base     int64 // last_seq in the ready frame
		acked    []int64
		received []int64
		want     deliveryResult
	}{
		{"all, in order", 1, seqs(2, 10), seqs(2, 10), deliveryResult{delivered: 9}},
		{"nothing sent", 1, nil, nil, deliveryResult{}},
		{"nothing received", 1, seqs(2, 5), nil, deliveryResult{lost: 4}},
		{"a gap", 1, seqs(2, 10), []int64{2, 3, 4, 6, 7, 8, 9, 10}, deliveryResult{delivered: 8, lost: 1}},
		{"the last one missing", 1, seqs(2, 10), seqs(2, 9), deliveryResult{delivered: 8, lost: 1}},
		{"duplicates", 1, seqs(2, 4), []int64{2, 3, 3, 4, 4, 4}, deliveryResult{delivered: 3, duplicates: 3}},
		{"out of order is fine", 1, seqs(2, 5), []int64{5, 3, 2, 4}, deliveryResult{delivered: 4}},
		{"acked before the snapshot is not expected", 100, seqs(90, 110), seqs(101, 110), deliveryResult{delivered: 10}},
		{"at or below the snapshot is a duplicate", 100, seqs(101, 102), []int64{99, 100, 101, 102}, deliveryResult{delivered: 2, duplicates: 2}},
		{"received but never acked", 1, []int64{2, 3}, []int64{2, 3, 4}, deliveryResult{delivered: 2, unexpected: 1}},
		{"across word boundaries", 60, seqs(61, 300), seqs(61, 300), deliveryResult{delivered: 240}},
		{"sparse, far from zero", 1_000_000, []int64{1_000_001, 1_000_500, 1_001_000}, []int64{1_000_500}, deliveryResult{delivered: 1, lost: 2}},
		{"acks arriving out of order", 1, []int64{130, 2, 70, 3}, []int64{2, 3, 70}, deliveryResult{delivered: 3, lost: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var room roomSeqs
			for _, s := range tt.acked {
				room.ack(s)
			}
			tr := newConnTrack(0, tt.base)
			for _, s := range tt.received {
				// the reader's rule: at or below the snapshot, or seen, is a duplicate
				if s <= tr.base {
					tr.dups++
					continue
				}
				if dup, ok := tr.seen.add(s); !ok {
					t.Fatalf("seq %d rejected", s)
				} else if dup {
					tr.dups++
				}
			}
			if got := tr.account(&room.acked); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func seqs(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func TestSeqBitsRejectsAbsurdSeqs(t *testing.T) {
	b := newSeqBits(100)
	if _, ok := b.add(5); ok {
		t.Error("seq below the start accepted")
	}
	if _, ok := b.add(100 + maxSeqSpan + 64); ok {
		t.Error("seq far beyond the start accepted")
	}
	if _, ok := b.add(-1); ok {
		t.Error("negative seq accepted")
	}
}

// scanMessage must read what the server really sends: a message event as
// chat encodes it, including the fields around the ones the bench needs.
func TestScanMessage(t *testing.T) {
	sent := time.Now().UnixNano()
	m := chat.Message{
		ID: "0194f0b1-aaaa-7bbb-8ccc-dddd0000eeee", RoomID: "0194f0a5-1111-7222-8333-444455556666", Seq: 4242,
		SenderID: "u1", ClientID: "x-1-7", Kind: chat.Text, Text: "t=" + itoa(sent), ReplyTo: 3, CreatedAt: chat.TimeOf(time.Now()),
	}
	data, _ := json.Marshal(m)
	room, seq, got, ok := scanMessage(data)
	if !ok || string(room) != string(m.RoomID) || seq != 4242 || got != sent {
		t.Errorf("scan = %q %d %d %v", room, seq, got, ok)
	}

	sys := chat.Message{ID: "m", RoomID: "r1", Seq: 7, Kind: chat.System,
		System: &chat.SystemEvent{Type: chat.AnnouncementChanged, Actor: "u", Text: `t=123 "seq":1`}, CreatedAt: chat.TimeOf(time.Now())}
	data, _ = json.Marshal(sys)
	room, seq, got, ok = scanMessage(data)
	if !ok || string(room) != "r1" || seq != 7 || got != 0 {
		t.Errorf("system message scan = %q %d %d %v", room, seq, got, ok)
	}

	if _, _, _, ok := scanMessage([]byte(`{"id":"x"}`)); ok {
		t.Error("scan accepted a message without room or seq")
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
