import { describe, expect, it } from "vitest";
import type { Member } from "../api/types";
import { MemberLists } from "./members";

const member = (id: string, over: Partial<Member> = {}): Member => ({
  room_id: "r1",
  user_id: id,
  username: id,
  display_name: id.toUpperCase(),
  status_message: "",
  role: "member",
  last_read_seq: 0,
  joined_at: "2025-02-01T09:00:00Z",
  online: false,
  ...over,
});

describe("MemberLists", () => {
  it("applies members events to a held list: joins, role changes, removals", () => {
    const l = new MemberLists();
    l.setSnapshot("r1", [member("alice", { role: "owner" }), member("bob")]);
    l.apply({ room_id: "r1", seq: 5, members: [member("carol")], removed: [] });
    l.apply({ room_id: "r1", seq: 6, members: [member("bob", { role: "admin" })], removed: [] });
    l.apply({ room_id: "r1", seq: 7, members: [], removed: ["carol"] });
    expect(l.get("r1")?.map((m) => `${m.user_id}:${m.role}`)).toEqual(["alice:owner", "bob:admin"]);
  });

  it("ignores a change older than the last one applied to that member", () => {
    const l = new MemberLists();
    l.setSnapshot("r1", [member("alice")]);
    l.apply({ room_id: "r1", seq: 9, members: [], removed: ["bob"] });
    l.apply({ room_id: "r1", seq: 8, members: [member("bob")], removed: [] }); // late
    expect(l.get("r1")?.map((m) => m.user_id)).toEqual(["alice"]);
  });

  it("replays the events that arrived while the list was in flight", () => {
    const l = new MemberLists();
    l.beginSnapshot("r1");
    expect(l.apply({ room_id: "r1", seq: 4, members: [member("dave")], removed: [] })).toBe(false);
    l.setSnapshot("r1", [member("alice")]); // served before dave joined
    expect(l.get("r1")?.map((m) => m.user_id)).toEqual(["alice", "dave"]);
    expect(l.apply({ room_id: "r2", seq: 1, members: [member("x")], removed: [] })).toBe(false);
  });

  it("updates names and status everywhere on a profile change, replacing the list", () => {
    const l = new MemberLists();
    l.setSnapshot("r1", [member("bob")]);
    const before = l.get("r1");
    expect(l.profile({ id: "bob", username: "bob", display_name: "Bobby", status_message: "away", created_at: "" })).toBe(true);
    expect(l.get("r1")).not.toBe(before);
    expect(l.get("r1")?.[0]).toMatchObject({ display_name: "Bobby", status_message: "away" });
    expect(l.profile({ id: "bob", username: "bob", display_name: "Bobby", status_message: "away", created_at: "" })).toBe(false);
  });
});
