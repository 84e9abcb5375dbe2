/** The fake server and client the ChatClient tests (client*.test.ts) share. */
import { Rest, type UploadRequest, type Uploader } from "../api/rest";
import type { Message, Pin, RoomSummary } from "../api/types";
import { ChatClient, type ClientDeps } from "./client";
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
  /** r1's whole announcement, as GET /rooms/r1 gives it. */
  announcement = "";
  notify = { previews: true, dnd: { enabled: false, start: "22:00", end: "07:00", time_zone: "UTC" } };
  refuseLevel = false;
  /** Room r1's pins, newest first. */
  pins: Pin[] = [];

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
    if (url.pathname === "/api/v1/rooms/r1") return json(this.summary({ announcement: this.announcement }));
    if (url.pathname === "/api/v1/push/key") return json({ public_key: "BAEC" });
    if (url.pathname === "/api/v1/push/subscriptions") return init?.method === "DELETE" ? new Response(null, { status: 204 }) : json({}, 201);
    if (url.pathname === "/api/v1/me/notifications") return json({ ...this.notify, ...(init?.body ? JSON.parse(String(init.body)) : {}) });
    const level = /^\/api\/v1\/rooms\/([^/]+)\/notifications$/.exec(url.pathname);
    if (level) {
      if (this.refuseLevel) return json({ error: { code: "forbidden", message: "no" } }, 403);
      return json({ room_id: level[1], level: JSON.parse(String(init?.body)).level });
    }
    if (url.pathname === "/api/v1/rooms/r1/pins") {
      if (init?.method !== "POST") return json({ pins: this.pins });
      const seq = (JSON.parse(String(init.body)) as { seq: number }).seq;
      const pin = this.pins.find((p) => p.seq === seq) ?? this.pin(seq, "alice");
      if (!this.pins.includes(pin)) this.pins.unshift(pin);
      return json(pin);
    }
    const unpin = /^\/api\/v1\/rooms\/r1\/pins\/(\d+)$/.exec(url.pathname);
    if (unpin) {
      this.pins = this.pins.filter((p) => p.seq !== Number(unpin[1]));
      return new Response(null, { status: 204 });
    }
    if (url.pathname === "/api/v1/blocks") return json({ blocks: [] });
    if (url.pathname.endsWith("/presence")) return json({ room_id: "r1", online: 42 });
    if (url.pathname.endsWith("/receipts")) return json({ room_id: "r1", counts: [{ seq: this.lastSeq, count: 2 }] });
    if (url.pathname.endsWith("/messages")) {
      const q = url.searchParams;
      const after = Number(q.get("after") ?? 0);
      const before = Number(q.get("before") ?? 0) || Infinity;
      const limit = Number(q.get("limit") ?? 50);
      const around = Number(q.get("around") ?? 0);
      let page = this.messages.filter((m) => m.seq > after && m.seq < before);
      if (around) {
        // As the server: limit - limit/2 up to and including it, limit/2 after, more on one side where the other runs out.
        const upTo = this.messages.filter((m) => m.seq <= around);
        const past = this.messages.filter((m) => m.seq > around);
        const newer = Math.min(past.length, Math.max(Math.floor(limit / 2), limit - upTo.length));
        page = [...upTo.slice(Math.max(0, upTo.length - (limit - newer))), ...past.slice(0, newer)];
      }
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

  /** A pin of message seq (which must have been posted) by user. */
  pin(seq: number, by: string): Pin {
    return { room_id: "r1", seq, pinned_by: by, pinned_at: "2025-02-01T11:00:00.000Z", message: this.messages[seq - 1]! };
  }

  /** r1 as alice sees it; unread counted as the server does (docs/protocol.md "Unread"). */
  summary(over: Partial<RoomSummary> = {}): RoomSummary {
    const lastRead = over.last_read_seq ?? this.lastSeq;
    const unread = this.messages.filter((m) => m.seq > lastRead && m.kind !== "system" && m.sender_id !== "alice").length;
    return room("r1", { last_seq: this.lastSeq, last_read_seq: this.lastSeq, unread, ...over });
  }
}

export const settle = () => new Promise((r) => setTimeout(r, 0));
export async function settleAll(n = 10) {
  for (let i = 0; i < n; i++) await settle();
}

/** `extra`: more of ClientDeps (a push browser, an alert sink) for the tests that need them. */
export function setup(extra: Partial<ClientDeps> = {}) {
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
    ...extra,
  });
  const ws = () => sockets[sockets.length - 1]!;
  // Each (re)connection fetches its ticket first: the socket exists once that settles.
  const ready = async (over: Partial<RoomSummary> = {}) => {
    await settleAll();
    ws().push({ type: "ready", data: { user: { id: "alice", username: "alice", display_name: "Alice", created_at: "" }, rooms: [server.summary(over)] } });
  };
  /** Alice logs in, her socket gets the ready frame (r1 as over says), and she opens r1. */
  const enter = async (over: Partial<RoomSummary> = {}) => {
    await client.login("alice", "pw");
    await ready(over);
    client.openRoom("r1");
    await settleAll();
  };
  const seqs = () => client.timelines.get("r1")?.messages().map((m) => m.seq) ?? [];
  return { server, timers, sockets, storage, client, ws, ready, enter, seqs, liveUrls };
}
