import { describe, expect, it } from "vitest";
import { room } from "./testdata";
import { settle, settleAll, setup } from "./clientharness";

describe("ChatClient: people, reactions, invites", () => {
  it("applies reaction events by setting absolute counts, mine highlighted, twice harmlessly", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    const ev = { type: "reaction", data: { room_id: "r1", seq: 1, emoji: "👍", user_id: "bob", on: true, count: 1 } };
    t.ws().push(ev, ev);
    expect(t.client.timelines.get("r1")?.get(1)?.reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);
    const done = t.client.react("r1", 1, "👍", true);
    expect(t.ws().sent.at(-1)).toMatchObject({ type: "react", data: { room_id: "r1", seq: 1, emoji: "👍", on: true } });
    t.ws().ack("react", { room_id: "r1", seq: 1, emoji: "👍", user_id: "alice", on: true, count: 2 });
    expect(await done).toBeNull();
    expect(t.client.timelines.get("r1")?.get(1)?.reactions).toEqual([{ emoji: "👍", count: 2, me: true }]);
  });

  it("explains a refused emoji instead of failing silently", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    const done = t.client.react("r1", 1, "ok", true);
    const req = t.ws().sent.at(-1)!;
    t.ws().push({ type: "error", id: req.id, error: { code: "invalid", message: "not an emoji" } });
    expect(await done).toMatch(/not a single emoji/);
  });

  it("shows who is typing until ttl_ms, clears on their message, ignores my own", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    await settleAll();
    t.client.openRoom("r1");
    await settleAll();
    t.ws().push(
      { type: "typing", data: { room_id: "r1", user_id: "bob", typing: true, ttl_ms: 6000 } },
      { type: "typing", data: { room_id: "r1", user_id: "alice", typing: true, ttl_ms: 6000 } },
    );
    await settleAll();
    expect(t.client.typingIn("r1")).toEqual(["Bob"]);
    t.timers.advance(6000);
    expect(t.client.typingIn("r1")).toEqual([]);
    t.ws().push({ type: "typing", data: { room_id: "r1", user_id: "bob", typing: true, ttl_ms: 6000 } });
    t.ws().push({ type: "message", data: t.server.post("done typing") });
    expect(t.client.typingIn("r1")).toEqual([]);
  });

  it("sends typing frames while the composer has text and a stop when it is cleared", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    await settleAll();
    t.client.typingInput("r1", true);
    t.client.typingInput("r1", true);
    t.client.typingInput("r1", false);
    expect(t.ws().sent.filter((f) => f.type === "typing").map((f) => f.data)).toEqual([
      { room_id: "r1", typing: true },
      { room_id: "r1", typing: false },
    ]);
  });

  it("keeps presence live from events, latest last_seen winning over the member list", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    expect(t.client.isOnline("bob")).toBe(false);
    t.ws().push({ type: "presence", data: { user_id: "bob", online: true, last_seen: "2030-01-01T00:00:00Z" } });
    expect(t.client.isOnline("bob")).toBe(true);
    t.ws().push({ type: "presence", data: { user_id: "bob", online: false, last_seen: "2029-12-31T00:00:00Z" } });
    expect(t.client.isOnline("bob")).toBe(true);
    // No polling: the member list is read when the room opens and after a ready, not on a timer.
    const reads = () => t.server.calls.filter((c) => c.endsWith("/members")).length;
    const before = reads();
    t.timers.advance(120_000);
    expect(reads()).toBe(before);
  });

  it("shows nobody's presence while my connection is down, and nothing stale after it returns", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    t.ws().push({ type: "presence", data: { user_id: "carol", online: true, last_seen: "2030-01-01T00:00:00Z" } });
    expect(t.client.isOnline("carol")).toBe(true);
    t.ws().drop(1006);
    expect(t.client.presenceOf("carol")).toBeUndefined();
    expect(t.client.presenceOf("alice")).toBeUndefined();
    t.timers.advance(1000);
    await settleAll();
    await t.ready();
    await settleAll();
    // Carol's "online" was never confirmed again: after the drop it is unknown, not "Online".
    expect(t.client.presenceOf("carol")).toBeUndefined();
    expect(t.client.isOnline("alice")).toBe(true);
  });

  it("updates member lists from members events and names everywhere from profile_updated", async () => {
    const t = setup();
    t.server.post("m1");
    t.server.friends = [{ id: "bob", username: "bob", display_name: "Bob", status_message: "", created_at: "", since: "", online: true, last_seen: "2030-01-01T00:00:00Z" }];
    await t.enter();
    t.ws().push({
      type: "members",
      data: {
        room_id: "r1",
        seq: 2,
        members: [{ room_id: "r1", user_id: "dave", username: "dave", display_name: "Dave", status_message: "new here", role: "member", last_read_seq: 2, joined_at: "", online: true, last_seen: "2030-01-01T00:00:00Z" }],
        removed: ["bob"],
      },
    });
    expect(t.client.members.get("r1")?.map((m) => m.user_id)).toEqual(["alice", "dave"]);
    expect(t.client.isOnline("dave")).toBe(true);
    expect(t.client.people.friends.friends.has("bob")).toBe(true);
    t.ws().push({ type: "profile_updated", data: { id: "bob", username: "bob", display_name: "Robert", status_message: "away", created_at: "" } });
    t.ws().push({ type: "profile_updated", data: { id: "alice", username: "alice", display_name: "Alice K", status_message: "hi", created_at: "" } });
    expect(t.client.nameOf("bob")).toBe("Robert");
    expect(t.client.people.friends.friends.get("bob")?.status_message).toBe("away");
    expect(t.client.me?.display_name).toBe("Alice K");
    expect(t.client.members.get("r1")?.[0]?.display_name).toBe("Alice K");
    expect(t.storage.get("parley.session")).toContain("Alice K");
  });

  it("loads media with the token in the header, never the URL, and forgets it all at logout", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    await settleAll();
    const release = t.client.media.acquire("/api/v1/attachments/av-1");
    t.client.media.acquire("/api/v1/attachments/av-1"); // a second avatar of the same person: one fetch
    await settleAll();
    expect(t.client.media.state("/api/v1/attachments/av-1")).toMatchObject({ status: "ready", type: "image/png" });
    expect(t.server.calls.filter((c) => c.startsWith("GET /api/v1/attachments/"))).toEqual(["GET /api/v1/attachments/av-1"]);
    expect(t.server.mediaAuth.get("/api/v1/attachments/av-1")).toBe("Bearer tok");
    expect(t.liveUrls.size).toBe(1);
    release();
    await t.client.logout();
    expect(t.liveUrls.size).toBe(0);
    expect(t.client.media.size).toBe(0);
  });

  it("shows a new or removed avatar everywhere the person appears, mine included", async () => {
    const t = setup();
    t.server.post("m1");
    const bob = { id: "bob", username: "bob", display_name: "Bob", status_message: "", created_at: "", avatar_url: "/api/v1/attachments/bob-1" };
    t.server.friends = [{ ...bob, since: "", online: true, last_seen: "2030-01-01T00:00:00Z" }];
    t.server.members[1] = { ...t.server.members[1]!, avatar_url: bob.avatar_url } as (typeof t.server.members)[number];
    await t.client.login("alice", "pw");
    await settleAll();
    t.ws().push({ type: "ready", data: { user: t.server.me, rooms: [t.server.summary(), room("d1", { kind: "direct", peer: bob })] } });
    t.client.openRoom("r1");
    await settleAll();
    const everywhere = () => [
      t.client.users.get("bob")?.avatar_url,
      t.client.members.get("r1")?.find((m) => m.user_id === "bob")?.avatar_url,
      t.client.peerOf(t.client.rooms.get("d1")!)?.avatar_url,
      t.client.people.friends.friends.get("bob")?.avatar_url,
    ];
    expect(everywhere()).toEqual(Array(4).fill("/api/v1/attachments/bob-1"));
    t.ws().push({ type: "profile_updated", data: { ...bob, avatar_url: "/api/v1/attachments/bob-2" } });
    expect(everywhere()).toEqual(Array(4).fill("/api/v1/attachments/bob-2"));
    // No avatar_url in a profile is no avatar.
    const { avatar_url: _, ...plain } = bob;
    t.ws().push({ type: "profile_updated", data: plain });
    expect(everywhere()).toEqual(Array(4).fill(undefined));

    expect(await t.client.people.setAvatar(new File(["gif"], "me.gif", { type: "image/gif" }))).toBeNull();
    expect(t.client.me?.avatar_url).toBe("/api/v1/attachments/av-1");
    expect(t.server.uploads.at(-1)).toMatchObject({ method: "PUT", url: "/api/v1/me/avatar", name: "me.gif" });
    expect(t.storage.get("parley.session")).toContain("av-1");
    expect(await t.client.people.setAvatar(new File(["<svg/>"], "me.svg", { type: "image/svg+xml" }))).toBe("Pick a PNG, JPEG, GIF or WebP image.");
    expect(t.server.uploads).toHaveLength(1);
    expect(await t.client.people.removeAvatar()).toBeNull();
    expect(t.client.me?.avatar_url).toBeUndefined();
  });

  it("keeps friend requests live from events", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    await settleAll();
    const bob = { id: "bob", username: "bob", display_name: "Bob", status_message: "", created_at: "" };
    const alice = { ...bob, id: "alice", username: "alice", display_name: "Alice" };
    t.ws().push({ type: "friend_request", data: { from: bob, to: alice, created_at: "" } });
    expect(t.client.people.friends.relation("bob")).toBe("incoming");
    t.ws().push({ type: "friend_added", data: { ...bob, since: "", online: true, last_seen: "2030-01-01T00:00:00Z" } });
    expect(t.client.people.friends.relation("bob")).toBe("friend");
    expect(t.client.isOnline("bob")).toBe(true);
  });

  it("shows a big room's online count, read once on opening and then from room_presence", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter({ member_count: 1500 });
    expect(t.client.roomOnline.get("r1")).toBe(42);
    t.ws().push({ type: "room_presence", data: { room_id: "r1", online: 1234 } });
    expect(t.client.roomOnline.get("r1")).toBe(1234);
  });

  it("does not ask a small room for its count: its members' presence is live", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    expect(t.server.calls.some((c) => c.endsWith("/presence"))).toBe(false);
  });

  it("keeps pending invites from the list and events, and accepting one opens its room", async () => {
    const t = setup();
    const inviter = { id: "mal", username: "mallory", display_name: "Mallory", created_at: "" };
    const inv = (id: string, at: string) => ({ id, room: { id: `room-of-${id}`, kind: "direct", name: "", member_count: 1 }, inviter, created_at: at });
    t.server.invites = [inv("i1", "2025-01-01T10:00:00Z")];
    await t.client.login("alice", "pw");
    await t.ready();
    await settleAll();
    expect(t.client.invites.list().map((i) => i.id)).toEqual(["i1"]);
    expect(t.client.nameOf("mal")).toBe("Mallory");

    t.ws().push({ type: "invite_added", data: { ...inv("i2", "2025-01-01T11:00:00Z"), preview: { text: "hi!", created_at: "" } } });
    expect(t.client.invites.list().map((i) => i.id)).toEqual(["i2", "i1"]);
    const room = await t.client.acceptInvite("i2");
    expect(room).toBe("room-of-i2");
    expect(t.client.rooms.has("room-of-i2")).toBe(true);
    expect(t.client.invites.list().map((i) => i.id)).toEqual(["i1"]);
    // Declined here: gone at once, and the views are told.
    let told = 0;
    t.client.subscribe(() => told++);
    expect(await t.client.declineInvite("i1")).toBe(true);
    await settle();
    expect(t.client.invites.size).toBe(0);
    expect(told).toBeGreaterThan(0);
    // Another device's decline arrives as an event.
    t.ws().push({ type: "invite_added", data: inv("i3", "2025-01-01T12:00:00Z") });
    t.ws().push({ type: "invite_removed", data: { id: "i3", room_id: "room-of-i3" } });
    expect(t.client.invites.size).toBe(0);
  });

  it("keeps my private settings from settings_updated", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    expect(t.client.settings).toBeNull();
    t.ws().push({ type: "settings_updated", data: { who_may_add: "anyone" } });
    expect(t.client.settings).toEqual({ who_may_add: "anyone" });
    await t.client.logout();
    expect(t.client.settings).toBeNull();
  });

  it("creates a public group and says when people were asked rather than added", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    t.server.invited = ["bob", "carol"];
    const id = await t.client.createGroup("Go players", ["bob", "carol"], "public");
    expect(id).toBe("new");
    expect(t.client.rooms.get("new")).toMatchObject({ name: "Go players", visibility: "public" });
    expect(t.client.rooms.get("new")).not.toHaveProperty("invited");
    expect(t.client.notice).toBe("2 people were sent an invitation; they join when they accept.");
  });
});
