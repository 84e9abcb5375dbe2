import { describe, expect, it } from "vitest";
import { room } from "./testdata";
import { settleAll, setup } from "./clientharness";

describe("ChatClient", () => {
  it("logs in, keeps the session for the next page load, and opens each socket with a new ticket, never the token", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await settleAll();
    expect(t.ws().url).toBe("ws://h/api/v1/ws?ticket=tk1");
    expect(t.server.calls).toContain("POST /api/v1/ws/ticket");
    expect(t.storage.get("parley.session")).toContain("tok");
    await t.ready();
    t.ws().drop(1006);
    t.timers.advance(1000);
    await settleAll();
    expect(t.ws().url).toBe("ws://h/api/v1/ws?ticket=tk2");
    expect(t.sockets.every((s) => !s.url.includes("tok"))).toBe(true);
  });

  it("keeps the device token across a logout and sends it with the next login", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    expect(t.storage.get("parley.device")).toBe("dev");
    await t.client.logout();
    expect(t.storage.get("parley.session")).toBeUndefined();
    expect(t.storage.get("parley.device")).toBe("dev");
    await t.client.login("alice", "pw");
    expect(t.server.bodies.get("/api/v1/auth/login")).toMatchObject({ device_token: "dev" });
  });

  it("resumes after a drop: fetches what was missed, drops duplicates, loses nothing", async () => {
    const t = setup();
    for (let i = 1; i <= 3; i++) t.server.post(`m${i}`);
    await t.enter();
    expect(t.seqs()).toEqual([1, 2, 3]);

    t.ws().drop(1006);
    for (let i = 4; i <= 6; i++) t.server.post(`m${i}`, { sender_id: "bob" });
    t.timers.advance(1000);
    t.server.post("m7");
    await t.ready({ last_seq: 6, last_read_seq: 3 });
    // Live events race the catch-up: 7 arrives, and 5 again.
    t.ws().push({ type: "message", data: t.server.messages[6] }, { type: "message", data: t.server.messages[4] });
    await settleAll();
    expect(t.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(t.server.calls).toContain("GET /api/v1/rooms/r1/messages?before=7&after=3&limit=100&order=asc");
    expect(t.client.synced).toBe(true);
  });

  it("shows a room's whole announcement: ready's is cut, the room's own is fetched when it opens", async () => {
    const t = setup();
    const whole = "Read the rules. ".repeat(70);
    t.server.announcement = whole;
    await t.client.login("alice", "pw");
    await t.ready({ announcement: whole.slice(0, 140), announcement_truncated: true });
    expect(t.client.rooms.get("r1")?.announcement).toBe(whole.slice(0, 140));
    expect(t.server.calls).not.toContain("GET /api/v1/rooms/r1");
    t.client.openRoom("r1");
    await settleAll();
    expect(t.server.calls).toContain("GET /api/v1/rooms/r1");
    expect(t.client.rooms.get("r1")?.announcement).toBe(whole);
    expect(t.client.rooms.get("r1")?.announcement_truncated).toBeUndefined();
    // A room whose announcement came whole is not fetched again.
    t.client.openRoom(null);
    t.client.openRoom("r1");
    await settleAll();
    expect(t.server.calls.filter((c) => c === "GET /api/v1/rooms/r1")).toHaveLength(1);
  });

  it("fills a gap in live events from history", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    t.server.post("m2");
    t.server.post("m3");
    t.ws().push({ type: "message", data: t.server.messages[2] });
    await settleAll();
    expect(t.seqs()).toEqual([1, 2, 3]);
  });

  it("sends what was typed offline when the connection returns, with the same client_id, once", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    t.ws().drop(1006);
    expect(t.client.send("r1", "typed offline")).toBe(true);
    const cid = t.client.outbox!.all()[0]!.client_id;
    t.timers.advance(1000);
    await t.ready();
    await settleAll();
    const send = t.ws().sent.find((f) => f.type === "send");
    expect(send?.data).toMatchObject({ room_id: "r1", client_id: cid, text: "typed offline" });

    // The server drops the connection before the ack: the resend carries the same client_id.
    t.ws().drop(4000);
    t.timers.advance(1000);
    await t.ready();
    await settleAll();
    const resend = t.ws().sent.find((f) => f.type === "send");
    expect(resend?.data?.["client_id"]).toBe(cid);

    // Its message event comes first, then the ack: one message, and the queue is empty.
    const stored = t.server.post("typed offline", { sender_id: "alice", client_id: cid });
    t.ws().push({ type: "message", data: stored });
    expect(t.client.outbox!.all()).toHaveLength(0);
    t.ws().ack("send", stored);
    await settleAll();
    expect(t.seqs()).toEqual([1, 2]);
    expect(t.client.rooms.get("r1")).toMatchObject({ last_seq: 2, unread: 0 });
  });

  it("marks the open room read up to the newest message the view saw, no further", async () => {
    const t = setup();
    t.server.post("m1");
    t.server.post("m2");
    await t.client.login("alice", "pw");
    await t.ready({ last_read_seq: 1 });
    expect(t.client.rooms.get("r1")?.unread).toBe(1);
    t.client.openRoom("r1");
    expect(t.client.newFrom).toEqual({ room: "r1", seq: 1 });
    await settleAll();
    t.timers.advance(200);
    expect(t.ws().sent.find((f) => f.type === "read")).toBeUndefined(); // open is not seen
    t.client.seen("r1", 2);
    t.timers.advance(200);
    expect(t.ws().sent.find((f) => f.type === "read")?.data).toEqual({ room_id: "r1", seq: 2 });
    expect(t.client.rooms.get("r1")?.unread).toBe(0);

    // Not on screen in a focused window (the view does not report it): it stays unread.
    t.ws().push({ type: "message", data: t.server.post("m3") });
    t.timers.advance(200);
    expect(t.client.rooms.get("r1")?.unread).toBe(1);
    t.client.seen("r1", 9); // never past what is held
    t.timers.advance(200);
    expect(t.ws().sent.filter((f) => f.type === "read").at(-1)?.data).toEqual({ room_id: "r1", seq: 3 });
  });

  it("opens a room with more unread than a page at the first unread message", async () => {
    const t = setup();
    for (let i = 1; i <= 120; i++) t.server.post(`m${i}`);
    await t.enter({ last_read_seq: 30 });
    expect(t.server.calls).toContain("GET /api/v1/rooms/r1/messages?around=31&limit=50");
    expect(t.client.newFrom).toEqual({ room: "r1", seq: 30 });
    expect(t.client.hasNewer("r1")).toBe(true);
    expect(t.seqs()).toContain(31);
  });

  it("opens a room with nothing unread at its newest page, without a divider", async () => {
    const t = setup();
    for (let i = 1; i <= 120; i++) t.server.post(`m${i}`);
    await t.enter();
    expect(t.client.newFrom).toBeNull();
    expect(t.client.hasNewer("r1")).toBe(false);
    expect(t.seqs().at(-1)).toBe(120);
  });

  it("shows unread-by from receipts, kept current by events", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    const mine = t.server.post("hi", { sender_id: "alice" });
    t.ws().push({ type: "message", data: mine });
    expect(t.client.unreadBy("r1").get(2)).toBe(1); // bob, before any receipts event
    t.ws().push({ type: "receipts", data: { room_id: "r1", counts: [{ seq: 1, count: 1 }, { seq: 2, count: 1 }] } });
    expect(t.client.unreadBy("r1").get(2)).toBe(1);
    t.ws().push({ type: "receipts", data: { room_id: "r1", counts: [{ seq: 1, count: 0 }, { seq: 2, count: 2 }] } });
    expect(t.client.unreadBy("r1").get(2)).toBe(0);
  });

  it("ends the session on close code 4500 and when the token is refused", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    t.ws().drop(4500);
    expect(t.client.session).toBeNull();
    expect(t.storage.has("parley.session")).toBe(false);

    await t.client.login("alice", "pw");
    await settleAll();
    t.ws().drop(1006); // a refused handshake looks like this to a browser; /me says 401
    await settleAll();
    expect(t.client.session).toBeNull();
    expect(t.client.notice).toMatch(/log in again/);
  });

  it("lets an error notice go away by itself, but not one that replaced it", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.notify("First.");
    t.timers.advance(5000);
    t.client.notify("Second.");
    t.timers.advance(5000);
    expect(t.client.notice).toBe("Second.");
    t.timers.advance(3000);
    expect(t.client.notice).toBeNull();
  });

  it("logs out without taking its own 4500 for a revoked session, and forgets the queue and the drafts", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    t.ws().drop(1006);
    t.client.send("r1", "never sent");
    t.client.drafts.set("r1", "half written");
    expect(t.storage.get("parley.drafts.alice")).toContain("half written");
    const socket = t.ws();
    await t.client.logout();
    socket.drop(4500);
    expect(t.client.session).toBeNull();
    expect(t.client.notice).toBeNull();
    // Only the device token and this device's notification choices stay:
    // they belong to the device, not the session (decisions 0018, 0033).
    expect([...t.storage.keys()].sort()).toEqual(["parley.device", "parley.notify.alice"]);
    expect(t.server.calls).toContain("POST /api/v1/auth/logout");
  });

  it("forgets rooms the ready frame no longer lists", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    t.ws().drop(1006);
    t.timers.advance(1000);
    await settleAll();
    t.ws().push({ type: "ready", data: { user: { id: "alice" }, rooms: [] } });
    await settleAll();
    expect(t.client.openRoomId).toBeNull();
    expect(t.client.timelines.size).toBe(0);
  });

  it("sends files alone: uploaded on pick, queued offline with their ids, sent once the connection is back", async () => {
    const t = setup();
    t.server.post("m1");
    await t.enter();
    const q = t.client.uploadsFor("r1");
    q.add([new File(["png bytes"], "cat.png", { type: "image/png" }), new File(["hello"], "notes.txt", { type: "text/plain" })]);
    await settleAll();
    expect(t.server.uploads.map((u) => [u.method, u.url, u.token, u.name])).toEqual([
      ["POST", "/api/v1/attachments", "tok", "cat.png"],
      ["POST", "/api/v1/attachments", "tok", "notes.txt"],
    ]);
    expect(q.ready).toBe(true);
    expect(t.client.send("r1", "   ")).toBe(false); // nothing to send
    t.ws().drop(1006);
    expect(t.client.send("r1", "  ", undefined, q.attachments())).toBe(true);
    q.clear();
    // The queue keeps the files' metadata across a reload of the tab.
    expect(t.storage.get("parley.outbox.alice")).toContain("id-notes.txt");
    expect(t.client.outbox!.forRoom("r1")[0]?.attachments?.map((a) => a.name)).toEqual(["cat.png", "notes.txt"]);
    t.timers.advance(1000);
    await t.ready();
    await settleAll();
    const send = t.ws().sent.find((f) => f.type === "send");
    expect(send?.data).toMatchObject({ room_id: "r1", text: "", attachments: ["id-cat.png", "id-notes.txt"] });
    expect(t.client.uploadsFor("r1").items).toEqual([]);
  });

  it("counts the room on screen as read when it is left before the read goes out", async () => {
    const t = setup();
    t.server.post("m1");
    t.server.post("m2", { mentions: ["alice"] });
    await t.client.login("alice", "pw");
    const user = { id: "alice", username: "alice", display_name: "Alice", created_at: "" };
    await settleAll();
    t.ws().push({ type: "ready", data: { user, rooms: [t.server.summary({ last_read_seq: 1, mentions: 1 }), room("r2")] } });
    t.client.openRoom("r1");
    await settleAll();
    t.client.seen("r1", 2);
    t.client.openRoom("r2"); // within the 150 ms the read waits for
    expect(t.ws().sent.find((f) => f.type === "read")?.data).toEqual({ room_id: "r1", seq: 2 });
    expect(t.client.rooms.get("r1")).toMatchObject({ unread: 0, mentions: 0 });
  });

  it("shows a send refused as unreachable as can't-send, without retrying it", async () => {
    const t = setup();
    await t.enter();
    t.client.send("r1", "hello?");
    await settleAll();
    const req = t.ws().sent.find((f) => f.type === "send")!;
    t.ws().push({ type: "error", id: req.id, error: { code: "unreachable", message: "you can't send to this chat" } });
    await settleAll();
    const o = t.client.outbox!.all()[0]!;
    expect(o).toMatchObject({ status: "failed", code: "unreachable" });
    expect(t.client.cantSend("r1")).toBe(true);
    expect(t.client.cantSend("r2")).toBe(false);
    // Nothing is sent again by itself.
    t.timers.advance(5000);
    await settleAll();
    expect(t.ws().sent.filter((f) => f.type === "send")).toHaveLength(1);
  });
});
