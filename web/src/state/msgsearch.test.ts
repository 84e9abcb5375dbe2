import { describe, expect, it } from "vitest";
import { ApiError, type MessageQuery } from "../api/rest";
import type { MessageHit, MessageSearchResults } from "../api/types";
import { FakeTimers } from "./fakes";
import { MessageSearch, dayStart, groupByRoom, senderChoices, snippetParts } from "./msgsearch";
import { searchDebounceMs, searchRetryMs } from "./search";

const hit = (room: string, seq: number, text = "x"): MessageHit => ({
  id: `${room}-${seq}`,
  room_id: room,
  seq,
  sender_id: "u",
  kind: "text",
  text,
  created_at: "2025-02-01T10:00:00Z",
  snippet: { text, highlights: [] },
});
const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(answer: (q: MessageQuery) => Promise<MessageSearchResults>) {
  const timers = new FakeTimers();
  const asked: MessageQuery[] = [];
  const s = new MessageSearch(
    (q) => {
      asked.push(q);
      return answer(q);
    },
    timers,
    () => {},
  );
  return { timers, asked, s };
}

describe("snippetParts", () => {
  it("marks ranges counted in code points, in Korean, English and emoji", () => {
    expect(snippetParts({ text: "내일 회의록 공유할게요", highlights: [{ start: 3, end: 6 }] })).toEqual([
      { text: "내일 ", mark: false },
      { text: "회의록", mark: true },
      { text: " 공유할게요", mark: false },
    ]);
    // 🎉 is two UTF-16 units but one code point.
    expect(snippetParts({ text: "🎉 Party time", highlights: [{ start: 2, end: 7 }] })).toEqual([
      { text: "🎉 ", mark: false },
      { text: "Party", mark: true },
      { text: " time", mark: false },
    ]);
  });

  it("clips, sorts and merges bad ranges without losing text", () => {
    const parts = snippetParts({
      text: "abcdef",
      highlights: [
        { start: 4, end: 99 },
        { start: 0, end: 2 },
        { start: 1, end: 3 },
        { start: 5, end: 5 },
      ],
    });
    expect(parts.map((p) => p.text).join("")).toBe("abcdef");
    expect(parts).toEqual([
      { text: "abc", mark: true },
      { text: "d", mark: false },
      { text: "ef", mark: true },
    ]);
  });

  it("gives the whole text unmarked when nothing is highlighted", () => {
    expect(snippetParts({ text: "hello", highlights: [] })).toEqual([{ text: "hello", mark: false }]);
    expect(snippetParts({ text: "", highlights: [] })).toEqual([]);
  });
});

describe("groupByRoom", () => {
  it("keeps the server's order inside a room and orders rooms by their newest hit", () => {
    const groups = groupByRoom([hit("a", 9), hit("b", 7), hit("a", 3), hit("c", 2), hit("b", 1)]);
    expect(groups.map((g) => [g.room, g.hits.map((h) => h.seq)])).toEqual([
      ["a", [9, 3]],
      ["b", [7, 1]],
      ["c", [2]],
    ]);
  });
});

describe("MessageSearch", () => {
  it("asks once per pause in typing, in the chosen room", async () => {
    const t = setup(async (q) => ({ hits: [hit(q.room ?? "all", 1, q.q)] }));
    t.s.set("회");
    t.timers.advance(100);
    t.s.set("회의록 ");
    t.timers.advance(searchDebounceMs);
    await settle();
    expect(t.asked).toEqual([{ q: "회의록", limit: 20 }]);
    t.s.setFilters({ room: "r1" });
    t.timers.advance(0);
    await settle();
    expect(t.asked[1]).toEqual({ q: "회의록", room: "r1", limit: 20 });
    expect(t.s.status).toBe("done");
    expect(t.s.hits.map((h) => h.room_id)).toEqual(["r1"]);
  });

  it("pages with the cursor and lists a hit once", async () => {
    const t = setup(async (q) =>
      q.cursor ? { hits: [hit("a", 3), hit("a", 2)] } : { hits: [hit("a", 4), hit("a", 3)], next_cursor: "3" },
    );
    t.s.set("hello");
    t.timers.advance(searchDebounceMs);
    await settle();
    expect(t.s.more).toBe(true);
    await t.s.loadMore();
    expect(t.asked[1]).toEqual({ q: "hello", limit: 20, cursor: "3" });
    expect(t.s.hits.map((h) => h.seq)).toEqual([4, 3, 2]);
    expect(t.s.more).toBe(false);
  });

  it("drops the answer to an older query and a page of an older query", async () => {
    const pending: ((v: MessageSearchResults) => void)[] = [];
    const t = setup(() => new Promise((res) => pending.push(res)));
    t.s.set("bo");
    t.timers.advance(searchDebounceMs);
    t.s.set("bob");
    t.timers.advance(searchDebounceMs);
    pending[1]!({ hits: [hit("r", 2, "bob")] });
    await settle();
    pending[0]!({ hits: [hit("r", 1, "bo-old")] });
    await settle();
    expect(t.s.hits.map((h) => h.text)).toEqual(["bob"]);
  });

  it("waits and retries when rate limited, and says why a search failed", async () => {
    let calls = 0;
    const t = setup(async () => {
      calls++;
      if (calls === 1) throw new ApiError(429, "rate_limited", "slow down");
      if (calls === 2) return { hits: [] };
      throw new ApiError(503, "timeout", "too long");
    });
    t.s.set("a");
    t.timers.advance(searchDebounceMs);
    await settle();
    expect(t.s.status).toBe("slowed");
    t.timers.advance(searchRetryMs);
    await settle();
    expect(t.s.status).toBe("done");
    expect(t.s.hits).toEqual([]);
    t.s.set("ab");
    t.timers.advance(searchDebounceMs);
    await settle();
    expect(t.s.status).toBe("error");
    expect(t.s.error).toMatch(/too long/);
  });

  it("clears to idle on empty text", async () => {
    const t = setup(async () => ({ hits: [hit("r", 1)] }));
    t.s.set("x");
    t.timers.advance(searchDebounceMs);
    await settle();
    t.s.set("  ");
    expect(t.s.status).toBe("idle");
    expect(t.s.hits).toEqual([]);
    expect(t.timers.pending).toEqual([]);
  });
});

describe("MessageSearch filters", () => {
  it("sends sender, days of my time zone and attachments, and asks at once when one changes", async () => {
    const t = setup(async () => ({ hits: [] }));
    t.s.set("budget");
    t.timers.advance(searchDebounceMs);
    await settle();
    t.s.setFilters({ from: "bob", since: "2025-02-01", until: "2025-02-03", attachments: true });
    expect(t.s.status).toBe("waiting");
    t.timers.advance(0);
    await settle();
    expect(t.asked[1]).toEqual({
      q: "budget",
      limit: 20,
      from: "bob",
      // The last day is included: before the start of the day after it.
      after: new Date(2025, 1, 1).toISOString(),
      before: new Date(2025, 1, 4).toISOString(),
      has: "attachment",
    });
    expect(t.s.narrowed).toBe(true);
    // The same filters again ask nothing.
    t.s.setFilters({ from: "bob", attachments: true });
    expect(t.timers.pending).toEqual([]);
    t.s.setFilters({ from: null, since: "", until: "", attachments: false });
    t.timers.advance(0);
    await settle();
    expect(t.asked[2]).toEqual({ q: "budget", limit: 20 });
    expect(t.s.narrowed).toBe(false);
  });

  it("pages with the filters of the first page", async () => {
    const t = setup(async (q) => (q.cursor ? { hits: [hit("r", 1)] } : { hits: [hit("r", 2)], next_cursor: "2" }));
    t.s.setFilters({ room: "r", from: "bob" });
    t.s.set("x");
    t.timers.advance(searchDebounceMs);
    await settle();
    await t.s.loadMore();
    expect(t.asked).toEqual([
      { q: "x", limit: 20, room: "r", from: "bob" },
      { q: "x", limit: 20, room: "r", from: "bob", cursor: "2" },
    ]);
  });

  it("drops the hits of the wider search and an answer to it still on its way", async () => {
    const pending: ((v: MessageSearchResults) => void)[] = [];
    const t = setup(() => new Promise((res) => pending.push(res)));
    t.s.set("report");
    t.timers.advance(searchDebounceMs);
    t.s.setFilters({ attachments: true });
    expect(t.s.hits).toEqual([]);
    t.timers.advance(0);
    pending[0]!({ hits: [hit("r", 1, "without a file")] });
    await settle();
    expect(t.s.hits).toEqual([]);
    pending[1]!({ hits: [hit("r", 2, "with a file")] });
    await settle();
    expect(t.s.hits.map((h) => h.text)).toEqual(["with a file"]);
  });

  it("refuses a first day after the last without asking, and asks once the range is right", async () => {
    const t = setup(async () => ({ hits: [] }));
    t.s.set("x");
    t.s.setFilters({ since: "2025-03-02", until: "2025-03-01" });
    expect(t.s.status).toBe("error");
    expect(t.s.error).toBe("The first day is after the last day.");
    expect(t.timers.pending).toEqual([]);
    t.s.setFilters({ since: "2025-03-01" });
    t.timers.advance(0);
    await settle();
    expect(t.asked).toHaveLength(1);
    expect(t.s.status).toBe("done");
  });
});

describe("dayStart", () => {
  it("is the start of the day in this time zone, days later", () => {
    expect(dayStart("2025-02-28")).toBe(new Date(2025, 1, 28).toISOString());
    expect(dayStart("2025-02-28", 1)).toBe(new Date(2025, 2, 1).toISOString());
    expect(dayStart("2024-12-31", 1)).toBe(new Date(2025, 0, 1).toISOString());
  });

  it("is undefined for what is not a day", () => {
    for (const bad of ["", "2025-2-1", "2025-02-30", "2025-13-01", "tomorrow", "2025-02-01T00:00"]) {
      expect(dayStart(bad), bad).toBeUndefined();
    }
  });
});

describe("senderChoices", () => {
  it("puts me first as Me, then everyone else once, by name", () => {
    const people = [
      { id: "c", name: "Carol" },
      { id: "me", name: "Alice" },
      { id: "b", name: "bob" },
      { id: "c", name: "Carol" },
    ];
    expect(senderChoices("me", people)).toEqual([
      { id: "me", name: "Me" },
      { id: "b", name: "bob" },
      { id: "c", name: "Carol" },
    ]);
    // Without knowing who I am, no one is Me.
    expect(senderChoices(undefined, people)).toEqual([
      { id: "me", name: "Alice" },
      { id: "b", name: "bob" },
      { id: "c", name: "Carol" },
    ]);
  });
});
