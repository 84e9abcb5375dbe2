import { describe, expect, it } from "vitest";
import type { Friend, FriendRequest, User } from "../api/types";
import { Friends } from "./friends";

const user = (id: string, over: Partial<User> = {}): User => ({ id, username: id, display_name: id.toUpperCase(), status_message: "", created_at: "2025-02-01T09:00:00Z", ...over });
const req = (from: string, to: string): FriendRequest => ({ from: user(from), to: user(to), created_at: "2025-02-03T17:59:00Z" });
const friend = (id: string): Friend => ({ ...user(id), since: "2025-02-03T18:00:00Z", online: true, last_seen: "2025-02-03T18:00:00Z" });
const empty = { friends: [], incoming: [], outgoing: [], blocks: [] };

describe("Friends", () => {
  it("files requests as incoming or outgoing, and drops them when removed", () => {
    const f = new Friends("alice");
    f.setSnapshot(empty);
    f.apply({ type: "friend_request", data: req("bob", "alice") });
    f.apply({ type: "friend_request", data: req("alice", "carol") });
    expect([...f.incoming.keys()]).toEqual(["bob"]);
    expect([...f.outgoing.keys()]).toEqual(["carol"]);
    expect(f.relation("bob")).toBe("incoming");
    expect(f.relation("carol")).toBe("outgoing");
    f.apply({ type: "friend_request_removed", data: { from_id: "alice", to_id: "carol" } });
    expect(f.outgoing.size).toBe(0);
    expect(f.relation("carol")).toBe("none");
  });

  it("turns a request into a friendship on friend_added, whichever side asked", () => {
    const f = new Friends("alice");
    f.setSnapshot({ ...empty, outgoing: [req("alice", "bob")] });
    expect(f.apply({ type: "friend_added", data: friend("bob") })).toBe(true);
    expect(f.outgoing.size).toBe(0);
    expect(f.relation("bob")).toBe("friend");
    f.apply({ type: "friend_removed", data: { user_id: "bob" } });
    expect(f.relation("bob")).toBe("none");
  });

  it("ends friendship and requests with a block; unblocking brings neither back", () => {
    const f = new Friends("alice");
    f.setSnapshot({ ...empty, friends: [friend("mallory")], incoming: [req("mallory", "alice")] });
    f.apply({ type: "block_added", data: { ...user("mallory"), blocked_at: "2025-02-05T10:00:00Z" } });
    expect(f.relation("mallory")).toBe("blocked");
    expect(f.friends.size + f.incoming.size).toBe(0);
    f.apply({ type: "block_removed", data: { user_id: "mallory" } });
    expect(f.relation("mallory")).toBe("none");
  });

  it("applies again over a snapshot the events that arrived while it was in flight", () => {
    const f = new Friends("alice");
    f.beginSnapshot();
    f.apply({ type: "friend_added", data: friend("bob") });
    f.setSnapshot({ ...empty, incoming: [req("bob", "alice")] }); // served before bob was accepted
    expect(f.relation("bob")).toBe("friend");
    expect(f.incoming.size).toBe(0);
    expect(f.loaded).toBe(true);
  });

  it("applies the same event twice harmlessly (absolute state)", () => {
    const f = new Friends("alice");
    f.setSnapshot(empty);
    expect(f.apply({ type: "friend_request", data: req("bob", "alice") })).toBe(true);
    expect(f.apply({ type: "friend_request", data: req("bob", "alice") })).toBe(false);
    expect(f.incoming.size).toBe(1);
  });

  it("updates profiles in every list", () => {
    const f = new Friends("alice");
    f.setSnapshot({ ...empty, friends: [friend("bob")], incoming: [req("carol", "alice")] });
    f.apply({ type: "profile_updated", data: user("bob", { status_message: "on holiday" }) });
    f.apply({ type: "profile_updated", data: user("carol", { display_name: "Carol Park" }) });
    expect(f.friends.get("bob")?.status_message).toBe("on holiday");
    expect(f.friends.get("bob")?.online).toBe(true);
    expect(f.incoming.get("carol")?.from.display_name).toBe("Carol Park");
  });
});
