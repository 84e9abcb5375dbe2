import { describe, expect, it } from "vitest";
import { applyReaction, reactionLabel, Reactors, whoReacted } from "./reactions";
import { msg } from "./testdata";
import { Timeline } from "./timeline";

describe("applyReaction", () => {
  it("sets absolute counts, so an event applied twice changes nothing", () => {
    let r = applyReaction(undefined, "👍", 1, undefined);
    expect(r).toEqual([{ emoji: "👍", count: 1, me: false }]);
    r = applyReaction(r, "👍", 2, true);
    const again = applyReaction(r, "👍", 2, true);
    expect(again).toBe(r);
    expect(r).toEqual([{ emoji: "👍", count: 2, me: true }]);
  });

  it("keeps my flag on others' changes and appends a new emoji last", () => {
    let r = applyReaction([{ emoji: "👍", count: 2, me: true }], "👍", 3, undefined);
    r = applyReaction(r, "🎉", 1, undefined);
    expect(r).toEqual([
      { emoji: "👍", count: 3, me: true },
      { emoji: "🎉", count: 1, me: false },
    ]);
  });

  it("drops an emoji whose count reaches 0, and the list when it empties", () => {
    const r = applyReaction([{ emoji: "👍", count: 1, me: true }], "👍", 0, false);
    expect(r).toBeUndefined();
    expect(applyReaction(undefined, "👍", 0, undefined)).toBeUndefined();
  });
});

describe("Timeline reactions", () => {
  it("takes reactions from pages, keeps them through live copies and edits, drops them on delete", () => {
    const tl = new Timeline();
    tl.merge([msg(1, { reactions: [{ emoji: "👍", count: 2, me: true }] })], { since: 0 });
    tl.merge([msg(1)]); // the live copy carries none: keep the page's
    expect(tl.get(1)?.reactions).toEqual([{ emoji: "👍", count: 2, me: true }]);
    tl.update(msg(1, { text: "edited", edited_at: "2025-02-01T11:00:00Z" }));
    expect(tl.get(1)?.reactions).toHaveLength(1);
    tl.update(msg(1, { text: "", deleted: true, edited_at: "2025-02-01T11:01:00Z" }));
    expect(tl.get(1)?.reactions).toBeUndefined();
  });

  it("lets a fresher page replace reactions, and absent in a page means none", () => {
    const tl = new Timeline();
    tl.merge([msg(1)], { since: 0 });
    tl.react(1, "🎉", 1, undefined);
    expect(tl.get(1)?.reactions).toHaveLength(1);
    const mark = tl.reactionMark();
    tl.merge([msg(1)], { since: mark });
    expect(tl.get(1)?.reactions).toBeUndefined();
  });

  it("applies again the events that arrived while a page was in flight", () => {
    const tl = new Timeline();
    tl.merge([msg(1)], { since: 0 });
    const mark = tl.reactionMark(); // page asked for
    tl.react(1, "👍", 3, true); // event arrives first
    // The page was served before the event: it says 2, not mine.
    tl.merge([msg(1, { reactions: [{ emoji: "👍", count: 2, me: false }] })], { since: mark });
    expect(tl.get(1)?.reactions).toEqual([{ emoji: "👍", count: 3, me: true }]);
  });

  it("ignores a reaction to a message not held (its page brings it)", () => {
    const tl = new Timeline();
    expect(tl.react(5, "👍", 1, undefined)).toBe(false);
    expect(tl.size).toBe(0);
  });
});

describe("who reacted", () => {
  const names: Record<string, string> = { ann: "Ann", bob: "Bob", cy: "Cy" };
  const nameOf = (id: string) => names[id] ?? id;

  it("names those seen reacting, you first, and counts the rest", () => {
    const rs = new Reactors();
    rs.record({ room_id: "r1", seq: 1, emoji: "👍", user_id: "ann", on: true });
    rs.record({ room_id: "r1", seq: 1, emoji: "👍", user_id: "me", on: true });
    rs.record({ room_id: "r1", seq: 1, emoji: "👍", user_id: "bob", on: true });
    rs.record({
      room_id: "r1",
      seq: 1,
      emoji: "👍",
      user_id: "bob",
      on: false,
    });
    rs.record({ room_id: "r1", seq: 2, emoji: "👍", user_id: "cy", on: true });
    const known = rs.known("r1", 1, "👍");
    expect(known).toEqual(["ann", "me"]);
    expect(whoReacted({ emoji: "👍", count: 2, me: true }, known, "me", nameOf)).toEqual(["you", "Ann"]);
    expect(whoReacted({ emoji: "👍", count: 4, me: true }, known, "me", nameOf)).toEqual(["you", "Ann", "2 others"]);
    expect(whoReacted({ emoji: "👍", count: 3, me: false }, [], "me", nameOf)).toEqual(["3 people"]);
    expect(reactionLabel("👍", ["you", "Ann", "2 others"])).toBe("👍 by you, Ann and 2 others");
    expect(reactionLabel("👍", ["Bob"])).toBe("👍 by Bob");
  });

  it("takes the server's list whole, and asks it at most once a minute per message", () => {
    const rs = new Reactors();
    rs.record({ room_id: "r1", seq: 1, emoji: "👍", user_id: "cy", on: true });
    rs.fill("r1", 1, [
      { emoji: "👍", count: 2, users: ["ann", "bob"] },
      { emoji: "🎉", count: 1, users: ["me"] },
    ]);
    expect(rs.known("r1", 1, "👍")).toEqual(["ann", "bob"]);
    expect(rs.known("r1", 1, "🎉")).toEqual(["me"]);
    // Live changes after the answer still count.
    rs.record({ room_id: "r1", seq: 1, emoji: "👍", user_id: "cy", on: true });
    expect(whoReacted({ emoji: "👍", count: 3, me: false }, rs.known("r1", 1, "👍"), "me", nameOf)).toEqual(["Ann", "Bob", "Cy"]);

    expect(rs.shouldAsk("r1", 1, 0)).toBe(true);
    expect(rs.shouldAsk("r1", 1, 59_999)).toBe(false);
    expect(rs.shouldAsk("r1", 2, 1)).toBe(true);
    expect(rs.shouldAsk("r1", 1, 60_000)).toBe(true);
    rs.forgetAsked("r1", 2);
    expect(rs.shouldAsk("r1", 2, 2)).toBe(true);
  });

  it("trusts the count over people seen before a removal it missed", () => {
    expect(whoReacted({ emoji: "👍", count: 1, me: false }, ["ann", "bob"], "me", nameOf)).toEqual(["Bob"]);
    expect(whoReacted({ emoji: "👍", count: 1, me: true }, ["ann"], "me", nameOf)).toEqual(["you"]);
  });
});
