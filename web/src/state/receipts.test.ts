import { describe, expect, it } from "vitest";
import { ReadHistogram, unreadCounts } from "./receipts";
import { msg } from "./testdata";

describe("ReadHistogram", () => {
  it("counts the members below each seq", () => {
    const h = new ReadHistogram();
    h.setSnapshot([
      { seq: 40, count: 1 },
      { seq: 42, count: 2 },
    ]);
    expect(h.members).toBe(3);
    expect(h.unreadBy(40)).toBe(0);
    expect(h.unreadBy(41)).toBe(1);
    expect(h.unreadBy(42)).toBe(1);
    expect(h.unreadBy(43)).toBe(3);
  });

  it("applies absolute counts: replaying an event changes nothing, count 0 deletes", () => {
    const h = new ReadHistogram();
    h.setSnapshot([
      { seq: 1, count: 2 },
      { seq: 2, count: 1 },
    ]);
    const ev = [
      { seq: 1, count: 1 },
      { seq: 3, count: 1 },
    ];
    h.apply(ev);
    h.apply(ev);
    expect(h.members).toBe(3);
    expect(h.unreadBy(3)).toBe(2);
    h.apply([
      { seq: 1, count: 0 },
      { seq: 3, count: 2 },
    ]);
    expect(h.unreadBy(2)).toBe(0);
    expect(h.unreadBy(3)).toBe(1);
    expect(h.maxSeq).toBe(3);
  });

  it("replays events that arrive while a snapshot is in flight over the (older) snapshot", () => {
    const h = new ReadHistogram();
    h.beginSnapshot();
    h.apply([
      { seq: 1, count: 1 },
      { seq: 5, count: 1 },
    ]);
    h.setSnapshot([{ seq: 1, count: 2 }]); // served before the event
    expect(h.members).toBe(2);
    expect(h.unreadBy(5)).toBe(1);
  });
});

describe("unreadCounts", () => {
  it("is empty until the histogram is loaded", () => {
    expect(unreadCounts(new ReadHistogram(), [msg(1)], "alice", 0).size).toBe(0);
  });

  it("counts senders of newer messages as readers the histogram has not caught up with", () => {
    const h = new ReadHistogram();
    h.setSnapshot([{ seq: 1, count: 3 }]); // alice, bob, carol at 1
    const msgs = [msg(1), msg(2, { sender_id: "alice" }), msg(3, { sender_id: "bob" })];
    const n = unreadCounts(h, msgs, "alice", 2);
    expect(n.get(1)).toBe(0);
    expect(n.get(2)).toBe(1); // alice sent it, bob replied after it: carol
    expect(n.get(3)).toBe(2); // bob sent it: alice and carol
    h.apply([
      { seq: 1, count: 1 },
      { seq: 3, count: 2 },
    ]);
    const later = unreadCounts(h, msgs, "alice", 3);
    expect(later.get(3)).toBe(1);
  });
});
