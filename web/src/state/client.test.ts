import { describe, expect, it } from "vitest";
import { Rest, type UploadRequest, type Uploader } from "../api/rest";
import type { Message, RoomSummary } from "../api/types";
import { ChatClient } from "./client";
import { FakeSocket, FakeTimers } from "./fakes";
import { msg, room } from "./testdata";

/** The server's side of the REST calls the client makes, over one room's messages. */
class FakeServer {
  messages: Message[] = [];
  calls: string[] = [];
  friends: unknown[] = [];
  members = [
    { room_id: "r1", user_id: "alice", username: "alice", display_name: "Alice", role: "owner", last_read_seq: 0, joined_at: "2025-02-01T09:00:00Z", online: true },
    { room_id: "r1", user_id: "bob", username: "bob", display_name: "Bob", role: "member", last_read_seq: 0, joined_at: "2025-02-01T09:00:00Z", online: false },
  ];

  uploads: UploadRequest[] = [];
  /** Authorization headers of media downloads, by path. */
  mediaAuth = new Map<string, string>();
  bodies = new Map<string, unknown>();
  tickets = 0;
  me: Record<string, unknown> = { id: "alice", username: "alice", display_name: "Alice", status_message: "", created_at: "" };
  /** Pending invites of the consent layer, and what was created. */
  invites: unknown[] = [];
  invited: string[] = [];

  /** Files are stored at once; an avatar upload sets mine. */
  upload: Uploader = (r) => {
    this.uploads.push(r);
    const name = r.name;
    const body =
      r.method === "PUT"
        ? (this.me = { ...this.me, avatar_url: `/api/v1/attachments/av-${this.uploads.length}` })
        : { id: `id-${name}`, uploader_id: "alice", name, content_type: "image/png", size: r.file.size, sha256: "0".repeat(64), created_at: "", url: `/api/v1/attachments/id-${name}` };
    r.onProgress?.(r.file.size, r.file.size);
    return { done: Promise.resolve({ status: r.method === "PUT" ? 200 : 201, body: JSON.stringify(body) }), abort: () => {} };
  };

  fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const url = new URL(input, "http://h");
    this.calls.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    if (typeof init?.body === "string") this.bodies.set(url.pathname, JSON.parse(init.body));
    const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status, headers: { "Content-Type": "application/json" } });
    if (url.pathname.startsWith("/api/v1/attachments/")) {
      this.mediaAuth.set(url.pathname, new Headers(init?.headers).get("Authorization") ?? "");
      return new Response(new Blob(["\x89PNG"]), { status: 200, headers: { "Content-Type": "image/png" } });
    }
    if (url.pathname === "/api/v1/me/avatar" && init?.method === "DELETE") {
      const { avatar_url: _, ...rest } = this.me;
      this.me = rest;
      return json(this.me);
    }
    if (url.pathname === "/api/v1/auth/login")
      return json({ token: "tok", device_token: "dev", user: { id: "alice", username: "alice", display_name: "Alice", created_at: "" } });
    if (url.pathname === "/api/v1/ws/ticket") return json({ ticket: `tk${++this.tickets}`, expires_at: "" }, 201);
    if (url.pathname === "/api/v1/me") return json({ error: { code: "unauthorized", message: "no" } }, 401);
    if (url.pathname.endsWith("/members")) return json({ members: this.members });
    if (url.pathname === "/api/v1/friends") return json({ friends: this.friends });
    if (url.pathname === "/api/v1/friends/requests") return json({ incoming: [], outgoing: [] });
    if (url.pathname === "/api/v1/invites") return json({ invites: this.invites });
    const accept = /^\/api\/v1\/invites\/([^/]+)\/accept$/.exec(url.pathname);
    if (accept) return json(room(`room-of-${accept[1]}`, { kind: "direct", member_count: 2 }));
    if (/^\/api\/v1\/invites\/[^/]+\/decline$/.test(url.pathname)) return new Response(null, { status: 204 });
    if (url.pathname === "/api/v1/rooms" && init?.method === "POST") {
      const body = JSON.parse(String(init.body)) as { name: string; visibility: string };
      return json({ ...room("new", { name: body.name, visibility: body.visibility as "public" }), invited: this.invited }, 201);
    }
    if (url.pathname === "/api/v1/blocks") return json({ blocks: [] });
    if (url.pathname.endsWith("/presence")) return json({ room_id: "r1", online: 42 });
    if (url.pathname.endsWith("/receipts")) return json({ room_id: "r1", counts: [{ seq: this.lastSeq, count: 2 }] });
    if (url.pathname.endsWith("/messages")) {
      const q = url.searchParams;
      const after = Number(q.get("after") ?? 0);
      const before = Number(q.get("before") ?? 0) || Infinity;
      const limit = Number(q.get("limit") ?? 50);
      let page = this.messages.filter((m) => m.seq > after && m.seq < before);
      page = q.get("order") === "asc" ? page.slice(0, limit) : page.reverse().slice(0, limit);
      return json({ messages: page.map((m) => ({ ...m, unread: 1 })) });
    }
    return json({ error: { code: "not_found", message: "no such endpoint" } }, 404);
  };

  get lastSeq(): number {
    return this.messages.length;
  }

  post(text: string, over: Partial<Message> = {}): Message {
    const m = msg(this.lastSeq + 1, { text, ...over });
    this.messages.push(m);
    return m;
  }

  summary(over: Partial<RoomSummary> = {}): RoomSummary {
    return room("r1", { last_seq: this.lastSeq, last_read_seq: this.lastSeq, ...over });
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));
async function settleAll(n = 10) {
  for (let i = 0; i < n; i++) await settle();
}

function setup() {
  const server = new FakeServer();
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const storage = new Map<string, string>();
  const liveUrls = new Set<string>();
  let blobs = 0;
  const kv = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v), removeItem: (k: string) => void storage.delete(k) };
  const client = new ChatClient({
    rest: new Rest("/api/v1", server.fetch, server.upload),
    sessionStore: kv,
    outboxStore: kv,
    wsUrl: (t) => `ws://h/api/v1/ws?ticket=${t}`,
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    timers,
    random: () => 0.5,
    now: () => timers.now,
    objectUrls: {
      create: () => {
        const u = `blob:${++blobs}`;
        liveUrls.add(u);
        return u;
      },
      revoke: (u) => void liveUrls.delete(u),
    },
  });
  const ws = () => sockets[sockets.length - 1]!;
  // Each (re)connection fetches its ticket first: the socket exists once that settles.
  const ready = async (over: Partial<RoomSummary> = {}) => {
    await settleAll();
    ws().push({ type: "ready", data: { user: { id: "alice", username: "alice", display_name: "Alice", created_at: "" }, rooms: [server.summary(over)] } });
  };
  const seqs = () => client.timelines.get("r1")?.messages().map((m) => m.seq) ?? [];
  return { server, timers, sockets, storage, client, ws, ready, seqs, liveUrls };
}

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
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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

  it("fills a gap in live events from history", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
    t.server.post("m2");
    t.server.post("m3");
    t.ws().push({ type: "message", data: t.server.messages[2] });
    await settleAll();
    expect(t.seqs()).toEqual([1, 2, 3]);
  });

  it("sends what was typed offline when the connection returns, with the same client_id, once", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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

  it("marks the open room read up to the newest message it shows", async () => {
    const t = setup();
    t.server.post("m1");
    t.server.post("m2");
    await t.client.login("alice", "pw");
    await t.ready({ last_read_seq: 1 });
    expect(t.client.rooms.get("r1")?.unread).toBe(1);
    t.client.openRoom("r1");
    await settleAll();
    t.timers.advance(200);
    expect(t.ws().sent.find((f) => f.type === "read")?.data).toEqual({ room_id: "r1", seq: 2 });
    expect(t.client.rooms.get("r1")?.unread).toBe(0);

    t.client.setViewState(false, true); // tab hidden: new messages stay unread
    t.ws().push({ type: "message", data: t.server.post("m3") });
    t.timers.advance(200);
    expect(t.client.rooms.get("r1")?.unread).toBe(1);
  });

  it("shows unread-by from receipts, kept current by events", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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

  it("logs out without taking its own 4500 for a revoked session, and forgets the queue", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    t.ws().drop(1006);
    t.client.send("r1", "never sent");
    const socket = t.ws();
    await t.client.logout();
    socket.drop(4500);
    expect(t.client.session).toBeNull();
    expect(t.client.notice).toBeNull();
    // Only the device token stays: it names this device, not the session (decision 0018).
    expect([...t.storage.keys()]).toEqual(["parley.device"]);
    expect(t.server.calls).toContain("POST /api/v1/auth/logout");
  });

  it("forgets rooms the ready frame no longer lists", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
    t.ws().drop(1006);
    t.timers.advance(1000);
    await settleAll();
    t.ws().push({ type: "ready", data: { user: { id: "alice" }, rooms: [] } });
    await settleAll();
    expect(t.client.openRoomId).toBeNull();
    expect(t.client.timelines.size).toBe(0);
  });

  it("applies reaction events by setting absolute counts, mine highlighted, twice harmlessly", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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

  it("updates member lists from members events and names everywhere from profile_updated", async () => {
    const t = setup();
    t.server.post("m1");
    t.server.friends = [{ id: "bob", username: "bob", display_name: "Bob", status_message: "", created_at: "", since: "", online: true, last_seen: "2030-01-01T00:00:00Z" }];
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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

  it("sends files alone: uploaded on pick, queued offline with their ids, sent once the connection is back", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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
    await t.client.login("alice", "pw");
    await t.ready({ member_count: 1500 });
    t.client.openRoom("r1");
    await settleAll();
    expect(t.client.roomOnline.get("r1")).toBe(42);
    t.ws().push({ type: "room_presence", data: { room_id: "r1", online: 1234 } });
    expect(t.client.roomOnline.get("r1")).toBe(1234);
  });

  it("does not ask a small room for its count: its members' presence is live", async () => {
    const t = setup();
    t.server.post("m1");
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
    expect(t.server.calls.some((c) => c.endsWith("/presence"))).toBe(false);
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
    t.client.openRoom("r2"); // within the 150 ms the read waits for
    expect(t.ws().sent.find((f) => f.type === "read")?.data).toEqual({ room_id: "r1", seq: 2 });
    expect(t.client.rooms.get("r1")).toMatchObject({ unread: 0, mentions: 0 });
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

  it("shows a send refused as unreachable as can't-send, without retrying it", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    t.client.openRoom("r1");
    await settleAll();
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
