import { describe, expect, it } from "vitest";
import { emojiCategories, emojiName, maxRecent, RecentEmoji, searchEmoji } from "./emoji";
import { memoryStore } from "./fakes";

describe("emoji", () => {
  it("finds emoji by the start of any word of the name, every word of the query", () => {
    expect(searchEmoji("thumbs").map((e) => e.char)).toEqual(["👍", "👎"]);
    expect(searchEmoji("red he").map((e) => e.char)).toContain("❤️");
    expect(searchEmoji("HEART eyes").map((e) => e.char)).toContain("😍");
    expect(searchEmoji("  ")).toEqual([]);
    expect(searchEmoji("xyzzy")).toEqual([]);
  });

  it("lists each emoji once, every one named", () => {
    const all = emojiCategories.flatMap((c) => c.emoji);
    expect(new Set(all.map((e) => e.char)).size).toBe(all.length);
    expect(all.every((e) => e.char && e.name && e.name === e.name.toLowerCase())).toBe(true);
    expect(all.length).toBeGreaterThan(500);
    expect(emojiName("👍")).toBe("thumbs up");
    expect(emojiName("🦄x")).toBe("🦄x");
  });

  it("remembers recently used emoji, newest first, bounded, across a reload", () => {
    const kv = memoryStore();
    const r = new RecentEmoji(kv, "k");
    r.use("👍");
    r.use("🎉");
    r.use("👍");
    expect(new RecentEmoji(kv, "k").all()).toEqual(["👍", "🎉"]);
    for (const e of searchEmoji("face").slice(0, maxRecent + 5)) r.use(e.char);
    expect(new RecentEmoji(kv, "k").all()).toHaveLength(maxRecent);
    kv.data.set("k", "not json");
    expect(new RecentEmoji(kv, "k").all()).toEqual([]);
  });
});
