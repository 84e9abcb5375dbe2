package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"parley/internal/chat"
	"parley/internal/ratelimit"
	"parley/internal/server"
)

// SearchConfig is the `parley bench search` scenario: a database of
// Messages messages over Rooms rooms, one user in MemberRooms of them, and
// every query of SearchQueries run Repeat times as that user.
type SearchConfig struct {
	DB          string // SQLite file or postgres:// URL; filled when it holds fewer messages
	Messages    int
	Rooms       int
	MemberRooms int
	Repeat      int
	Workers     int // concurrent writers while filling
	Out         io.Writer
	Status      io.Writer
}

// SearchQueries are Korean and English queries of 1 to 10 characters:
// common and rare, inside words and across them.
var SearchQueries = []string{
	"회", "의", "회의", "일정", "회의록", "프로젝트", "배포 일정", "내일 회의록", "예산 검토 회의", "고객 피드백 정리",
	"a", "x", "de", "the", "fix", "deploy", "budget", "Report", "review doc", "zebra quiz",
}

var (
	koWords = strings.Fields("회의록 공유 내일 오늘 프로젝트 일정 배포 예산 검토 회의 고객 피드백 정리 확인 부탁 드립니다 감사합니다 자료 업데이트 문서 디자인 서버 점심 저녁 보고서 마감 질문 답변 완료 진행 중")
	enWords = strings.Fields("the meeting notes deploy budget review report fix bug release schedule tomorrow today customer feedback design server lunch please thanks update document deadline question answer done progress team call sync plan draft")
)

// RunSearch fills cfg.DB if needed, then measures each query's latency
// through the domain service (store query plus loading the hits), and the
// search index's size against the messages'.
func RunSearch(ctx context.Context, cfg SearchConfig) error {
	store, err := server.OpenStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := chat.NewService(chat.Config{
		Store: store, Bus: nopBus{}, Log: quiet, RateLimiters: ratelimit.Local(time.Now),
		Limits: chat.Limits{MessageSearchesPerSecond: math.Inf(1), MessageSearchBurst: math.MaxInt32,
			MaxRoomsPerUser: cfg.Rooms + 1, SearchTimeout: time.Minute},
	})
	defer svc.Close()
	searcher, err := fillSearch(ctx, store, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Status, "search: indexing what the fill left to the backlog\n")
	if err := svc.IndexBacklog(ctx); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "parley bench search: %d messages, %d rooms, the searcher in %d; each query %d times, 20 hits a page\n",
		cfg.Messages, cfg.Rooms, cfg.MemberRooms, cfg.Repeat)
	fmt.Fprintf(cfg.Out, "%-18s %6s %10s %10s %10s\n", "query", "hits", "p50", "p99", "max")
	all := &Histogram{}
	for _, q := range SearchQueries {
		h := &Histogram{}
		hits := 0
		for range cfg.Repeat {
			start := time.Now()
			res, err := svc.SearchMessages(ctx, searcher, chat.MessageSearch{Text: q})
			if err != nil {
				return fmt.Errorf("search %q: %w", q, err)
			}
			h.Record(time.Since(start))
			hits = len(res.Hits)
		}
		all.Merge(h)
		fmt.Fprintf(cfg.Out, "%-18s %6d %10s %10s %10s\n", fmt.Sprintf("%q", q), hits,
			h.Quantile(0.5).Round(10*time.Microsecond), h.Quantile(0.99).Round(10*time.Microsecond), h.Max().Round(10*time.Microsecond))
	}
	fmt.Fprintf(cfg.Out, "%-18s %6s %10s %10s %10s\n", "all queries", "",
		all.Quantile(0.5).Round(10*time.Microsecond), all.Quantile(0.99).Round(10*time.Microsecond), all.Max().Round(10*time.Microsecond))
	if sz, ok := store.(interface {
		SearchSizes(ctx context.Context) (index, messages int64, err error)
	}); ok {
		index, messages, err := sz.SearchSizes(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(cfg.Out, "search index %.1f MiB, messages %.1f MiB (%.2f×)\n",
			float64(index)/(1<<20), float64(messages)/(1<<20), float64(index)/float64(max(messages, 1)))
	}
	return nil
}

const fillBatch = 500

// fillSearch creates the searcher, the senders and the rooms, and appends
// messages until the database holds cfg.Messages of them in bench rooms;
// a database filled before is reused as it is. It returns the searcher.
func fillSearch(ctx context.Context, store chat.Store, cfg SearchConfig) (chat.UserID, error) {
	const senders = 20
	now := time.Now().UTC().Add(-24 * time.Hour)
	user := func(name string) (chat.UserID, error) {
		if u, _, err := store.UserByUsername(ctx, name); err == nil {
			return u.ID, nil
		}
		u, err := store.CreateUser(ctx, chat.NewUser{ID: chat.UserID(uuid.Must(uuid.NewV7()).String()),
			Username: name, DisplayName: name, PasswordHash: "-", CreatedAt: now, WhoMayAdd: chat.AddAnyone})
		return u.ID, err
	}
	searcher, err := user("bench_searcher")
	if err != nil {
		return "", err
	}
	sends := make([]chat.UserID, senders)
	for i := range sends {
		if sends[i], err = user(fmt.Sprintf("bench_sender_%d", i)); err != nil {
			return "", err
		}
	}
	rooms, err := store.RoomsForUser(ctx, sends[0])
	if err != nil {
		return "", err
	}
	var have int64
	for _, r := range rooms {
		have += r.LastSeq - 1
	}
	if len(rooms) >= cfg.Rooms && have >= int64(cfg.Messages) {
		fmt.Fprintf(cfg.Status, "search: reusing %d rooms with %d messages\n", len(rooms), have)
		return searcher, nil
	}
	ids := make([]chat.RoomID, 0, cfg.Rooms)
	for _, r := range rooms {
		ids = append(ids, r.ID)
	}
	for i := len(ids); i < cfg.Rooms; i++ {
		members := sends[1:]
		if i < cfg.MemberRooms {
			members = append([]chat.UserID{searcher}, members...)
		}
		id := chat.RoomID(uuid.Must(uuid.NewV7()).String())
		name := fmt.Sprintf("bench room %d", i)
		_, _, err := store.CreateRoom(ctx, chat.NewRoom{ID: id, Kind: chat.Group, Name: name, Creator: sends[0],
			Members: members, CreatedAt: now,
			Message: chat.NewMessage{ID: uuid.Must(uuid.NewV7()).String(), Kind: chat.System, CreatedAt: now,
				System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: sends[0], Users: members, Name: name}}})
		if err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	// Each worker owns its rooms, so no two writers contend for one room's
	// next seq. A store that imports in bulk (PostgreSQL) takes batches of
	// fillBatch messages to one room; the others get one append a message,
	// which their group commit batches.
	left := int64(cfg.Messages) - have
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, cfg.Workers)
	start := time.Now()
	bulk, isBulk := store.(interface {
		AppendTexts(ctx context.Context, room chat.RoomID, sender chat.UserID, ids, texts []string, at time.Time) error
	})
	for w := range cfg.Workers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			pick := func() chat.RoomID { return ids[w+cfg.Workers*rnd.IntN(len(ids)/cfg.Workers)] }
			report := func(n int64) {
				if n%50000 < int64(fillBatch) {
					fmt.Fprintf(cfg.Status, "search: %d of %d messages stored (%.0f/s)\n", n, left, float64(n)/time.Since(start).Seconds())
				}
			}
			if isBulk {
				for i := int64(w) * fillBatch; i < left; i += int64(cfg.Workers) * fillBatch {
					n := min(fillBatch, left-i)
					mids, texts := make([]string, n), make([]string, n)
					for j := range mids {
						mids[j], texts[j] = uuid.Must(uuid.NewV7()).String(), benchText(rnd)
					}
					if err := bulk.AppendTexts(ctx, pick(), sends[rnd.IntN(senders)], mids, texts, time.Now()); err != nil {
						errs <- err
						return
					}
					report(done.Add(n))
				}
				return
			}
			for i := int64(w); i < left; i += int64(cfg.Workers) {
				_, _, err := store.AppendMessage(ctx, chat.NewMessage{ID: uuid.Must(uuid.NewV7()).String(), RoomID: pick(),
					SenderID: sends[rnd.IntN(senders)], Kind: chat.Text, Text: benchText(rnd), CreatedAt: time.Now().UTC()})
				if err != nil {
					errs <- err
					return
				}
				report(done.Add(1))
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return "", err
	}
	fmt.Fprintf(cfg.Status, "search: stored %d messages in %s\n", done.Load(), time.Since(start).Round(time.Second))
	return searcher, nil
}

// benchText is a chat line: 3 to 14 words, Korean, English or both.
func benchText(rnd *rand.Rand) string {
	n := 3 + rnd.IntN(12)
	words := make([]string, n)
	mix := rnd.IntN(3)
	for i := range words {
		ko := mix == 0 || (mix == 2 && rnd.IntN(2) == 0)
		if ko {
			words[i] = koWords[rnd.IntN(len(koWords))]
		} else {
			words[i] = enWords[rnd.IntN(len(enWords))]
		}
	}
	return strings.Join(words, " ")
}
