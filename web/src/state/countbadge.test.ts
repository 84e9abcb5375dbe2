import { describe, expect, it } from "vitest";
import { CountBadge } from "./countbadge";

describe("CountBadge as the mention badge (docs/protocol.md \"Mentions\")", () => {
  it("counts the summary, then live mentions after it", () => {
    const b = new CountBadge(2, 10, 5);
    b.observe(11, true);
    b.observe(12, false);
    b.observe(11, true); // the same message again (live and in a page)
    expect(b.count).toBe(3);
  });

  it("takes the count of a read that is not older than the one held", () => {
    const b = new CountBadge(2, 10, 5);
    b.observe(11, true);
    b.read(8, 1, 11); // read up to 8; one mention left in (8, 11]
    expect(b.count).toBe(1);
    b.read(7, 5, 9); // an older count arriving late: only moves nothing
    expect(b.count).toBe(1);
    b.observe(12, true);
    expect(b.count).toBe(2);
    b.read(12, 0, 12);
    expect(b.count).toBe(0);
  });

  it("keeps the count through a read without one, unless it read past everything counted", () => {
    const b = new CountBadge(2, 10, 5);
    b.observe(11, true);
    b.read(8);
    expect(b.count).toBe(3); // unknown which of the 2 were read: the next read brings the count
    b.read(11);
    expect(b.count).toBe(0);
  });

  it("follows edits: inside the counted range by difference, after it by the message itself", () => {
    const b = new CountBadge(1, 10, 5);
    b.observe(9, true); // seen in a page: counted in base already
    b.observe(9, false); // edited: the mention is gone
    expect(b.count).toBe(0);
    b.observe(11, true);
    expect(b.count).toBe(1);
    b.observe(11, false); // deleted
    expect(b.count).toBe(0);
    b.observe(4, true); // before my read position: never counts
    expect(b.count).toBe(0);
  });
});

describe("CountBadge as the unread count (docs/protocol.md \"Unread\")", () => {
  it("takes off what a read without a count covers when every message read is held", () => {
    const b = new CountBadge(2, 10, 5); // 2 of 6..10 count; system lines are the others
    for (const [seq, counts] of [[6, false], [7, true], [8, false], [9, true], [10, false]] as const) b.observe(seq, counts);
    b.read(7);
    expect(b.count).toBe(1);
    b.read(8);
    expect(b.count).toBe(1);
    b.read(9);
    expect(b.count).toBe(0);
  });

  it("does not count live system lines", () => {
    const b = new CountBadge(0, 10, 10);
    b.observe(11, false); // a rename
    b.observe(12, true);
    b.observe(13, false); // a pin
    expect(b.count).toBe(1);
  });
});
