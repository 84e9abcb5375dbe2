import { describe, expect, it } from "vitest";
import { ApiError } from "../api/rest";
import type { DirectoryPage } from "../api/types";
import { FakeTimers } from "./fakes";
import { RoomDirectory } from "./roomdir";

const settle = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  const timers = new FakeTimers();
  const calls: { q: string; cursor: string }[] = [];
  const answers: ((p: DirectoryPage) => void)[] = [];
  const failures: ((e: unknown) => void)[] = [];
  const dir = new RoomDirectory(
    (q, cursor) => {
      calls.push({ q, cursor });
      return new Promise<DirectoryPage>((res, rej) => {
        answers.push(res);
        failures.push(rej);
      });
    },
    timers,
    () => {},
  );
  return { timers, calls, answers, failures, dir };
}

const room = (id: string, member = false) => ({ id, name: `Room ${id}`, member_count: 5, member });

describe("RoomDirectory", () => {
  it("lists at once, searches after a pause in typing, and pages by cursor", async () => {
    const t = setup();
    t.dir.start();
    t.timers.advance(0);
    expect(t.calls).toEqual([{ q: "", cursor: "" }]);
    t.answers[0]!({ rooms: [room("a"), room("b")], next: "c1" });
    await settle();
    expect(t.dir.rooms.map((r) => r.id)).toEqual(["a", "b"]);
    t.dir.more();
    t.timers.advance(0);
    expect(t.calls[1]).toEqual({ q: "", cursor: "c1" });
    t.answers[1]!({ rooms: [room("b"), room("c")] });
    await settle();
    expect(t.dir.rooms.map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(t.dir.next).toBe("");

    // Typing: one request after the pause, for the latest text; it replaces the list.
    t.dir.set("g");
    t.dir.set("go");
    t.timers.advance(299);
    expect(t.calls).toHaveLength(2);
    t.timers.advance(1);
    expect(t.calls[2]).toEqual({ q: "go", cursor: "" });
    t.answers[2]!({ rooms: [room("g")] });
    await settle();
    expect(t.dir.rooms.map((r) => r.id)).toEqual(["g"]);
  });

  it("drops an answer to an older query, and retries after the rate limit", async () => {
    const t = setup();
    t.dir.set("a");
    t.timers.advance(300);
    t.dir.set("ab");
    t.timers.advance(300);
    t.answers[1]!({ rooms: [room("ab")] });
    await settle();
    t.answers[0]!({ rooms: [room("stale")] });
    await settle();
    expect(t.dir.rooms.map((r) => r.id)).toEqual(["ab"]);

    t.dir.set("abc");
    t.timers.advance(300);
    t.failures[2]!(new ApiError(429, "rate_limited", "slow down"));
    await settle();
    expect(t.dir.status).toBe("slowed");
    t.timers.advance(1000);
    expect(t.calls[3]).toEqual({ q: "abc", cursor: "" });
    t.answers[3]!({ rooms: [] });
    await settle();
    expect(t.dir.status).toBe("done");
  });

  it("marks a room joined, counting me once", async () => {
    const t = setup();
    t.dir.start();
    t.timers.advance(0);
    t.answers[0]!({ rooms: [room("a"), room("b", true)] });
    await settle();
    t.dir.joined("a");
    t.dir.joined("b");
    expect(t.dir.rooms).toEqual([
      { ...room("a", true), member_count: 6 },
      room("b", true),
    ]);
  });
});
