import { describe, expect, it } from "vitest";
import { completeMention, findMentions, mentionQuery, splitMentions } from "./mentions";
import { RoomList } from "./rooms";
import { msg, room } from "./testdata";

const names = (text: string) => findMentions(text).map((m) => m.name);

describe("findMentions (the server's grammar)", () => {
  it.each([
    ["hi @bob.", ["bob"]],
    ["(@Bob)", ["bob"]],
    ["@alice and @bob_smith, @carol.d!", ["alice", "bob_smith", "carol.d"]],
    ["bob@example.com", []],
    ["https://host/@bob", []],
    ["`@bob`", []],
    ["@bob-smith", []],
    ["@bob@host", []],
    ["@bo", []],
    [`@${"a".repeat(33)}`, []],
    ["ça@bob", []],
    ["안녕@bob", []],
    ["안녕 @bob님", []],
    ["👋@bob", ["bob"]],
  ])("%s → %j", (text, want) => {
    expect(names(text)).toEqual(want);
  });

  it("gives the span of the @ and the name less trailing dots", () => {
    expect(findMentions("thanks @bob...")).toEqual([{ start: 7, end: 11, name: "bob" }]);
  });
});

describe("splitMentions", () => {
  it("marks only the names accepted, leaving the rest as text", () => {
    expect(splitMentions("@bob and @eve: <b>hi</b>", (n) => n === "bob")).toEqual([
      { kind: "mention", text: "@bob", name: "bob" },
      { kind: "text", text: " and @eve: <b>hi</b>" },
    ]);
  });
});

describe("mention autocomplete", () => {
  it("finds the @name being typed at the caret, not an address", () => {
    expect(mentionQuery("hi @bo", 6)).toEqual({ start: 3, query: "bo" });
    expect(mentionQuery("hi @", 4)).toEqual({ start: 3, query: "" });
    expect(mentionQuery("mail bob@ex", 11)).toBeNull();
    expect(mentionQuery("hi @bob there", 13)).toBeNull();
    expect(mentionQuery("no at", 5)).toBeNull();
  });

  it("completes the name and puts the caret after it", () => {
    expect(completeMention("hi @bo how", 3, 6, "bob")).toEqual({ text: "hi @bob how", caret: 8 });
    expect(completeMention("hi @", 3, 4, "carol")).toEqual({ text: "hi @carol ", caret: 10 });
  });
});

describe("RoomList mention badge", () => {
  it("raises on live mentions of me from others, clears on the read my send causes", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 3, last_read_seq: 3, mentions: 0 })]);
    l.onMessage(msg(4, { mentions: ["alice"] }));
    l.onMessage(msg(5, { mentions: ["carol"] }));
    l.onMessage(msg(6, { text: "@alice hi", mentions: ["alice", "carol"] }));
    expect(l.get("r1")?.mentions).toBe(2);
    l.onMessage(msg(7, { sender_id: "alice" }));
    expect(l.get("r1")).toMatchObject({ mentions: 0, unread: 0 });
    l.onRead({ room_id: "r1", user_id: "alice", last_read_seq: 7, mentions: 0, last_seq: 7 });
    expect(l.get("r1")?.mentions).toBe(0);
  });

  it("starts from the summary's count and takes read events' counts", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 10, last_read_seq: 4, mentions: 3, unread: 6 })]);
    expect(l.get("r1")?.mentions).toBe(3);
    l.onRead({ room_id: "r1", user_id: "alice", last_read_seq: 8, mentions: 1, unread: 2, last_seq: 10 });
    expect(l.get("r1")).toMatchObject({ mentions: 1, unread: 2 });
    l.onUpdated(msg(12, { mentions: ["alice"] })); // an edit of a message never seen: after upto, counts
    expect(l.get("r1")?.mentions).toBe(2);
  });

  it("never counts my own message, even if it names me", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 1, last_read_seq: 1 })]);
    l.onMessage(msg(2, { sender_id: "alice", mentions: ["alice"] }));
    expect(l.get("r1")?.mentions).toBe(0);
  });
});
