import { describe, expect, it } from "vitest";
import { RoomList } from "./rooms";
import { msg, room } from "./testdata";

const at = (s: number) => new Date(Date.UTC(2025, 1, 1, 10, 0, s)).toISOString();

describe("RoomList", () => {
  it("orders by last activity and reorders as messages arrive", () => {
    const l = new RoomList("alice");
    l.setAll([room("a", { last_message_at: at(1) }), room("b", { last_message_at: at(2) }), room("c", { last_message_at: at(3) })]);
    expect(l.sorted().map((r) => r.id)).toEqual(["c", "b", "a"]);
    l.onMessage(msg(2, { room_id: "a", created_at: at(10) }));
    expect(l.sorted().map((r) => r.id)).toEqual(["a", "c", "b"]);
  });

  it("counts others' messages as unread, mine as read, and ignores repeats", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 4, last_read_seq: 4 })]);
    l.onMessage(msg(5));
    l.onMessage(msg(6));
    l.onMessage(msg(6));
    expect(l.get("r1")?.unread).toBe(2);
    expect(l.get("r1")?.last_message?.seq).toBe(6);
    l.onMessage(msg(7, { sender_id: "alice" }));
    expect(l.get("r1")).toMatchObject({ unread: 0, last_read_seq: 7, last_seq: 7 });
  });

  it("moves the read position forward only", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 10, last_read_seq: 2, unread: 8 })]);
    expect(l.get("r1")?.unread).toBe(8);
    l.onRead({ room_id: "r1", user_id: "alice", last_read_seq: 8, mentions: 0, unread: 2, last_seq: 10 });
    l.onRead({ room_id: "r1", user_id: "alice", last_read_seq: 5 });
    expect(l.get("r1")).toMatchObject({ last_read_seq: 8, unread: 2 });
    expect(l.totalUnread()).toBe(2);
  });

  it("never counts system lines as unread (docs/protocol.md \"Unread\")", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 4, last_read_seq: 4 })]);
    const line = (seq: number) =>
      msg(seq, { kind: "system", sender_id: undefined, text: "", system: { type: "room_renamed", actor: "bob", name: "Trip" } });
    l.onMessage(line(5));
    l.onRoomUpdated({ ...room("r1"), name: "Trip", last_seq: 5 });
    expect(l.get("r1")).toMatchObject({ last_seq: 5, unread: 0 });
    l.onMessage(msg(6));
    l.onMessage(line(7));
    expect(l.get("r1")).toMatchObject({ last_seq: 7, unread: 1 });
    expect(l.totalUnread()).toBe(1);
    // Reading the message without the server's count yet: every message read is held, so it is exact.
    l.onRead({ room_id: "r1", user_id: "alice", last_read_seq: 6 });
    expect(l.get("r1")?.unread).toBe(0);
  });

  it("keeps the server's count of a summary that has system lines unread", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 10, last_read_seq: 2, unread: 3 })]);
    expect(l.get("r1")?.unread).toBe(3);
    l.onMessage(msg(11));
    expect(l.get("r1")?.unread).toBe(4);
    l.upsert(room("r1", { last_seq: 11, last_read_seq: 2, unread: 4 }));
    expect(l.get("r1")?.unread).toBe(4);
  });

  it("takes name and announcement from room_updated, keeping the larger last_seq", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 9, last_read_seq: 9 })]);
    l.onRoomUpdated({ ...room("r1"), name: "Trip", announcement: "Bring boots", last_seq: 8, member_count: 3 });
    expect(l.get("r1")).toMatchObject({ name: "Trip", announcement: "Bring boots", last_seq: 9, member_count: 3, unread: 0 });
  });

  it("refreshes the preview on an edit of the last message", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 1 })]);
    l.onMessage(msg(2));
    l.onUpdated(msg(2, { text: "", deleted: true, edited_at: at(20) }));
    expect(l.get("r1")?.last_message?.deleted).toBe(true);
  });

  it("does not let an older REST answer undo live events", () => {
    const l = new RoomList("alice");
    l.setAll([room("r1", { last_seq: 1 })]);
    l.onMessage(msg(2));
    l.upsert(room("r1", { last_seq: 1, name: "renamed" }));
    expect(l.get("r1")).toMatchObject({ name: "renamed", last_seq: 2, unread: 1 });
  });

  it("reports the rooms a ready frame no longer lists", () => {
    const l = new RoomList("alice");
    l.setAll([room("a"), room("b")]);
    expect(l.setAll([room("b"), room("c")])).toEqual(["a"]);
  });
});
