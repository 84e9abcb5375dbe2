import { describe, expect, it } from "vitest";
import { FakeTimers } from "./fakes";
import { TypingBoard, TypingSender, typingText } from "./typing";

function board() {
  const timers = new FakeTimers();
  let changes = 0;
  const b = new TypingBoard(timers, () => timers.now, () => changes++);
  return { timers, b, changes: () => changes };
}

const ev = (user: string, typing = true, room = "r1") => ({ room_id: room, user_id: user, typing, ttl_ms: 6000 });

describe("TypingBoard", () => {
  it("shows a typist until ttl_ms pass without a new start", () => {
    const { timers, b, changes } = board();
    b.apply(ev("bob"));
    expect(b.typists("r1")).toEqual(["bob"]);
    timers.advance(4000);
    b.apply(ev("bob")); // refreshed at 4 s: now until 10 s
    timers.advance(5000);
    expect(b.typists("r1")).toEqual(["bob"]);
    const before = changes();
    timers.advance(1000);
    expect(b.typists("r1")).toEqual([]);
    expect(changes()).toBe(before + 1); // the expiry itself re-renders
  });

  it("drops a typist at once on typing:false, and keeps first starters first", () => {
    const { b } = board();
    b.apply(ev("bob"));
    b.apply(ev("carol"));
    b.apply(ev("bob")); // a refresh does not reorder
    expect(b.typists("r1")).toEqual(["bob", "carol"]);
    b.apply(ev("bob", false));
    expect(b.typists("r1")).toEqual(["carol"]);
    expect(b.typists("r2")).toEqual([]);
  });

  it("expires each typist on their own clock, and forgets everyone on clear", () => {
    const { timers, b } = board();
    b.apply(ev("bob"));
    timers.advance(3000);
    b.apply(ev("carol"));
    timers.advance(3000);
    expect(b.typists("r1")).toEqual(["carol"]);
    b.clear();
    expect(b.typists("r1")).toEqual([]);
    expect(timers.pending).toEqual([]);
  });
});

describe("TypingSender", () => {
  function sender() {
    const timers = new FakeTimers();
    const sent: [string, boolean][] = [];
    const s = new TypingSender((room, typing) => sent.push([room, typing]), timers, () => timers.now);
    return { timers, sent, s };
  }

  it("starts once, refreshes at most every 3 s while typing continues, stops when the box empties", () => {
    const { timers, sent, s } = sender();
    for (let i = 0; i < 10; i++) {
      s.input("r1", true);
      timers.advance(500);
    }
    // 5 s of keystrokes: a start at 0 and a refresh at 3 s.
    expect(sent).toEqual([
      ["r1", true],
      ["r1", true],
    ]);
    s.input("r1", false);
    expect(sent.at(-1)).toEqual(["r1", false]);
    s.input("r1", false);
    expect(sent).toHaveLength(3);
  });

  it("stops after a pause, on send or blur, and when the person moves to another room", () => {
    const { timers, sent, s } = sender();
    s.input("r1", true);
    timers.advance(5000);
    expect(sent).toEqual([
      ["r1", true],
      ["r1", false],
    ]);
    s.input("r1", true);
    s.input("r2", true);
    expect(sent.slice(2)).toEqual([
      ["r1", true],
      ["r1", false],
      ["r2", true],
    ]);
    s.stop();
    s.stop();
    expect(sent.at(-1)).toEqual(["r2", false]);
    expect(sent).toHaveLength(6);
  });

  it("sends nothing after a reset (the connection dropped)", () => {
    const { timers, sent, s } = sender();
    s.input("r1", true);
    s.reset();
    timers.advance(10_000);
    s.stop();
    expect(sent).toEqual([["r1", true]]);
  });
});

describe("typingText", () => {
  it("names one or two typists, and says several beyond", () => {
    expect(typingText([])).toBe("");
    expect(typingText(["Ann"])).toBe("Ann is typing…");
    expect(typingText(["Ann", "Bo"])).toBe("Ann and Bo are typing…");
    expect(typingText(["Ann", "Bo", "Cy"])).toBe("Several people are typing…");
  });
});
