import { describe, expect, it } from "vitest";
import { Timeline, isNewer } from "./timeline";
import { msg } from "./testdata";

const seqs = (t: Timeline) => t.messages().map((m) => m.seq);

describe("Timeline", () => {
  it("merges a newest-first page and live events into seq order, once each", () => {
    const t = new Timeline();
    t.merge([msg(5), msg(4), msg(3)]);
    expect(t.merge([msg(5), msg(6)]).map((m) => m.seq)).toEqual([6]);
    expect(seqs(t)).toEqual([3, 4, 5, 6]);
    expect(t.oldest).toBe(3);
    expect(t.have).toBe(6);
    expect(t.hasOlder).toBe(true);
  });

  it("scroll-back pages extend the range downwards", () => {
    const t = new Timeline();
    t.merge([msg(3), msg(4)]);
    t.merge([msg(2), msg(1)]);
    expect(seqs(t)).toEqual([1, 2, 3, 4]);
    expect(t.hasOlder).toBe(false);
  });

  it("reports the first hole above the contiguous range", () => {
    const t = new Timeline();
    t.merge([msg(1), msg(2), msg(5), msg(8)]);
    expect(t.have).toBe(2);
    expect(t.gap()).toEqual({ after: 2, upTo: 4 });
    t.merge([msg(3), msg(4)]);
    expect(t.gap()).toEqual({ after: 5, upTo: 7 });
    t.merge([msg(6), msg(7)]);
    expect(t.gap()).toBeNull();
    expect(t.have).toBe(8);
  });

  it("keeps the newest copy of a seq, whichever arrives first", () => {
    const created = msg(2, { text: "draft" });
    const edited = msg(2, { text: "final", edited_at: "2025-02-01T11:00:00.000Z" });
    const deleted = msg(2, { text: "", deleted: true, edited_at: "2025-02-01T11:00:01.000Z" });
    const a = new Timeline();
    a.merge([edited]);
    a.merge([created]); // a late live event after the page
    expect(a.get(2)?.text).toBe("final");
    const b = new Timeline();
    b.merge([created]);
    b.merge([edited]);
    expect(b.get(2)?.text).toBe("final");
    b.update(deleted);
    b.merge([edited]);
    expect(b.get(2)?.deleted).toBe(true);
    expect(isNewer(deleted, edited)).toBe(false);
  });

  it("applies message_updated only to messages it holds", () => {
    const t = new Timeline();
    t.merge([msg(1)]);
    expect(t.update(msg(9, { text: "x", edited_at: "2025-02-01T11:00:00.000Z" }))).toBe(false);
    expect(t.size).toBe(1);
    expect(t.update(msg(1, { text: "fixed", edited_at: "2025-02-01T11:00:00.000Z" }))).toBe(true);
    expect(t.get(1)?.text).toBe("fixed");
  });

  it("drops the per-page unread snapshot and changes identity only on change", () => {
    const t = new Timeline();
    t.merge([msg(1, { unread: 3 })]);
    expect(t.get(1)?.unread).toBeUndefined();
    const before = t.messages();
    const v = t.version;
    t.merge([msg(1)]);
    expect(t.messages()).toBe(before);
    expect(t.version).toBe(v);
  });
});
