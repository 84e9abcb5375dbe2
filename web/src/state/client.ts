import { ApiError, type Rest } from "../api/rest";
import type { Member, Message, Ready, Room, RoomID, RoomSummary, ServerFrame, User, UserID } from "../api/types";
import { Connection, RequestError, type ConnState, type SocketLike, type Timers } from "./connection";
import { Outbox, isTransient, type KeyValue } from "./outbox";
import { ReadHistogram, unreadCounts } from "./receipts";
import { RoomList } from "./rooms";
import { Timeline } from "./timeline";

export interface Session {
  token: string;
  user: User;
}

export interface ClientDeps {
  rest: Rest;
  /** Keeps the session across reloads (localStorage). */
  sessionStore: KeyValue | null;
  /** Keeps unsent messages across reloads of this tab (sessionStorage). */
  outboxStore: KeyValue | null;
  wsUrl: (token: string) => string;
  createSocket: (url: string) => SocketLike;
  timers?: Timers;
  random?: () => number;
}

const sessionKey = "parley.session";
/** Newest messages loaded when a room is opened, and per scroll-back page. */
export const pageSize = 50;
/** A room that moved on further than this while we were away is reloaded from its newest page. */
const catchUpLimit = 500;
/** 1:1 rooms whose member list (the peer's presence) is fetched at each ready frame. */
const directPresenceRooms = 20;
/** How often the open room's member list (presence) is refreshed while connected. */
const presenceRefreshMs = 30_000;
const membershipSystemTypes = new Set(["room_created", "members_added", "member_left", "member_removed", "role_changed"]);

/**
 * The whole client state and its rules, without React: the session, the
 * room list, each opened room's timeline and receipts, members, the
 * connection and the send queue. Views read its fields and call its
 * methods; `subscribe` tells them when something changed.
 */
export class ChatClient {
  session: Session | null = null;
  readonly rooms = new RoomList();
  readonly timelines = new Map<RoomID, Timeline>();
  readonly receipts = new Map<RoomID, ReadHistogram>();
  readonly members = new Map<RoomID, Member[]>();
  readonly users = new Map<UserID, User>();
  outbox: Outbox | null = null;
  connState: ConnState = { kind: "stopped" };
  /** Caught up after the last `ready` frame: everything missed is fetched. */
  synced = false;
  openRoomId: RoomID | null = null;
  /** Rooms whose first page is loading, and rooms loading an older page. */
  readonly loading = new Set<RoomID>();
  readonly loadingOlder = new Set<RoomID>();
  /** A short message for the person (an error, a removal); cleared by `dismissNotice`. */
  notice: string | null = null;
  version = 0;

  private conn: Connection | null = null;
  private listeners = new Set<() => void>();
  private emitQueued = false;
  private visible = true;
  private atBottom = true;
  private filling = new Set<RoomID>();
  private flushing = false;
  private markTimer: unknown = null;
  private presenceTimer: unknown = null;
  private readonly timers: Timers;

  constructor(private readonly deps: ClientDeps) {
    this.timers = deps.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
    };
    deps.rest.onUnauthorized = () => this.endSession("Your session has ended. Please log in again.");
  }

  // ——— change notification ———

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  /** Coalesces the changes of one task into one notification. */
  private emit(): void {
    this.version++;
    if (this.emitQueued) return;
    this.emitQueued = true;
    queueMicrotask(() => {
      this.emitQueued = false;
      for (const l of this.listeners) l();
    });
  }

  // ——— session ———

  /** Picks up the session saved by an earlier page load, if any. */
  restore(): boolean {
    const saved = this.deps.sessionStore?.getItem(sessionKey);
    if (!saved) return false;
    try {
      const s = JSON.parse(saved) as Session;
      if (!s.token || !s.user?.id) return false;
      this.start(s);
      return true;
    } catch {
      return false;
    }
  }

  async signup(username: string, password: string, displayName: string): Promise<void> {
    await this.deps.rest.signup(username, password, displayName);
    await this.login(username, password);
  }

  async login(username: string, password: string): Promise<void> {
    this.deps.rest.token = "";
    const { token, user } = await this.deps.rest.login(username, password);
    const s = { token, user };
    this.deps.sessionStore?.setItem(sessionKey, JSON.stringify(s));
    this.start(s);
  }

  async logout(): Promise<void> {
    // Closed first, so the server's 4500 for this very logout is not taken for a revoked session.
    const conn = this.conn;
    this.conn = null;
    conn?.stop();
    try {
      await this.deps.rest.logout();
    } catch {
      // The session ends on this device whether or not the server heard.
    }
    this.outbox?.all().forEach((o) => this.outbox?.discard(o.client_id));
    this.endSession(null);
  }

  private start(s: Session): void {
    this.session = s;
    this.deps.rest.token = s.token;
    this.rooms.setMe(s.user.id);
    this.users.set(s.user.id, s.user);
    this.outbox = new Outbox(this.deps.outboxStore, `parley.outbox.${s.user.id}`);
    this.conn = new Connection({
      url: () => this.deps.wsUrl(s.token),
      createSocket: this.deps.createSocket,
      onFrame: (f) => this.onFrame(f),
      onState: (st) => this.onConnState(st),
      onDrop: (code, wasReady) => this.onDrop(code, wasReady),
      timers: this.deps.timers,
      random: this.deps.random,
    });
    this.emit();
    this.conn.start();
  }

  private endSession(notice: string | null): void {
    if (!this.session) return;
    this.timers.clearTimeout(this.presenceTimer);
    const conn = this.conn;
    this.conn = null;
    conn?.stop();
    this.session = null;
    this.deps.rest.token = "";
    this.deps.sessionStore?.removeItem(sessionKey);
    this.rooms.setAll([]);
    this.timelines.clear();
    this.receipts.clear();
    this.members.clear();
    this.users.clear();
    this.outbox = null;
    this.synced = false;
    this.openRoomId = null;
    this.connState = { kind: "stopped" };
    this.notice = notice;
    this.emit();
  }

  get me(): User | null {
    return this.session?.user ?? null;
  }

  /** Skips the wait before the next connection attempt. */
  reconnectNow(): void {
    this.conn?.retryNow();
  }

  dismissNotice(): void {
    this.notice = null;
    this.emit();
  }

  private say(notice: string): void {
    this.notice = notice;
    this.emit();
  }

  // ——— connection ———

  private onConnState(s: ConnState): void {
    this.connState = s;
    this.timers.clearTimeout(this.presenceTimer);
    if (s.kind === "open") this.refreshPresence();
    if (s.kind !== "open") {
      this.synced = false;
      this.outbox?.requeueInFlight();
    }
    if (s.kind === "ended") this.endSession("Your session has ended. Please log in again.");
    this.emit();
  }

  /** A browser cannot see why a handshake failed: a refused token looks like any drop, so ask. */
  private onDrop(_code: number, wasReady: boolean): void {
    if (wasReady || !this.session) return;
    this.deps.rest.me().catch(() => {
      // 401 ends the session through onUnauthorized; anything else is a server that is down.
    });
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "ready":
        void this.onReady(f.data as Ready);
        return;
      case "message":
        this.onMessage(f.data as Message);
        return;
      case "message_updated":
        this.onMessageUpdated(f.data as Message);
        return;
      case "receipts": {
        const d = f.data as { room_id: RoomID; counts: { seq: number; count: number }[] };
        this.receipts.get(d.room_id)?.apply(d.counts ?? []);
        this.emit();
        return;
      }
      case "read":
        if (this.rooms.onRead(f.data as { room_id: RoomID; user_id: UserID; last_read_seq: number })) this.emit();
        return;
      case "room_added":
        this.addRoom(f.data as RoomSummary);
        return;
      case "room_removed":
        this.dropRoom((f.data as { room_id: RoomID }).room_id, "You are no longer a member of that room.");
        return;
      case "room_updated":
        if (this.rooms.onRoomUpdated(f.data as Room)) this.emit();
        return;
    }
    // Unknown event types are ignored, so the server can add new ones.
  }

  /**
   * Resume (docs/protocol.md "Resume"): take the room list, forget rooms
   * that are gone, fetch what each loaded room missed, refresh receipts and
   * the open room's newest page (edits and deletes are not replayed), then
   * send what is queued.
   */
  private async onReady(r: Ready): Promise<void> {
    this.synced = false;
    if (this.session) this.session = { ...this.session, user: r.user };
    this.users.set(r.user.id, r.user);
    const list = r.rooms ?? [];
    for (const room of list) if (room.peer) this.users.set(room.peer.id, room.peer);
    const gone = this.rooms.setAll(list);
    for (const id of gone) this.dropRoom(id, "You are no longer a member of that room.");
    this.emit();

    const tasks: Promise<unknown>[] = [];
    // Presence and names of the people in the latest 1:1 rooms, for the room list.
    const direct = this.rooms.sorted().filter((x) => x.kind === "direct" && !this.timelines.has(x.id));
    for (const x of direct.slice(0, directPresenceRooms)) tasks.push(this.loadMembers(x.id));
    for (const [id, tl] of this.timelines) {
      const room = this.rooms.get(id);
      if (!room) continue;
      if (room.last_seq - tl.have > catchUpLimit) tl.clear();
      tasks.push(this.fill(id), this.loadReceipts(id));
      if (id === this.openRoomId) tasks.push(this.loadPage(id, {}), this.loadMembers(id));
    }
    await Promise.allSettled(tasks);
    if (!this.conn?.isOpen) return;
    this.synced = true;
    this.emit();
    void this.flush();
    this.scheduleMarkRead();
  }

  private onMessage(m: Message): void {
    this.ingest(m.room_id, [m]);
    const tl = this.timelines.get(m.room_id);
    if (tl?.gap()) void this.fill(m.room_id);
  }

  private onMessageUpdated(m: Message): void {
    const changedTl = this.timelines.get(m.room_id)?.update(m) ?? false;
    const changedRoom = this.rooms.onUpdated(m);
    if (changedTl || changedRoom) this.emit();
  }

  /** Messages from any source (live, a page, an ack) go through here, so every path dedupes alike. */
  private ingest(room: RoomID, msgs: Message[]): void {
    const me = this.session?.user.id ?? "";
    const tl = this.timelines.get(room);
    const added = tl ? tl.merge(msgs) : msgs;
    for (const m of msgs) {
      // Only a message newer than the room list's state can change my role:
      // pages of older history carry roles that are past.
      const newest = this.rooms.onMessage(m);
      if (newest && m.system?.type === "role_changed" && m.system.role && m.system.users?.includes(me)) {
        this.rooms.setRole(room, m.system.role);
      }
      this.outbox?.seen(m, me);
    }
    if (this.members.has(room) && added.some((m) => m.system && membershipSystemTypes.has(m.system.type))) {
      void this.loadMembers(room);
    }
    if (room === this.openRoomId) this.scheduleMarkRead();
    this.emit();
  }

  /**
   * Brings a loaded room up to date: fills every hole above the contiguous
   * range and catches up to the room's last_seq, a page of 100 at a time,
   * oldest first. One fill per room runs at a time; it loops until nothing
   * is missing, so events that arrive meanwhile are covered.
   */
  private async fill(id: RoomID): Promise<void> {
    if (this.filling.has(id)) return;
    this.filling.add(id);
    try {
      for (;;) {
        const tl = this.timelines.get(id);
        const room = this.rooms.get(id);
        if (!tl || !room) return;
        if (tl.size === 0) {
          await this.loadPage(id, {});
          if (this.timelines.get(id)?.size === 0) return;
          continue;
        }
        const gap = tl.gap();
        const target = Math.max(room.last_seq, tl.newest);
        const after = gap ? gap.after : tl.have;
        const upTo = gap ? gap.upTo : target;
        if (after >= upTo) return;
        const page = await this.deps.rest.history(id, { after, before: upTo + 1, limit: 100, order: "asc" });
        const before = tl.have;
        this.ingest(id, page.messages);
        if (page.messages.length === 0 || tl.have === before) return;
      }
    } finally {
      this.filling.delete(id);
    }
  }

  /** Sends queued messages in order, one at a time, while the connection is up. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        const outbox = this.outbox;
        const conn = this.conn;
        if (!outbox || !conn?.isOpen || !this.synced) return;
        const o = outbox.nextQueued();
        if (!o) return;
        outbox.markSending(o.client_id);
        this.emit();
        try {
          const data: Record<string, unknown> = { room_id: o.room_id, client_id: o.client_id, text: o.text };
          if (o.reply_to) data["reply_to"] = o.reply_to;
          const m = (await conn.request("send", data)) as Message;
          outbox.acked(o.client_id);
          this.ingest(m.room_id, [m]);
        } catch (e) {
          const code = e instanceof RequestError ? e.code : "internal";
          outbox.failed(o.client_id, code, e instanceof Error ? e.message : "send failed");
          this.emit();
          if (code === "offline") return;
          if (isTransient(code)) await new Promise((res) => this.timers.setTimeout(() => res(null), 1000));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  // ——— what the views call ———

  /** Opens a room (null: the room list); loads its newest page, receipts and members the first time. */
  openRoom(id: RoomID | null): void {
    if (id === this.openRoomId) return;
    this.openRoomId = id && this.rooms.has(id) ? id : null;
    this.atBottom = true;
    this.emit();
    if (!this.openRoomId) return;
    const room = this.openRoomId;
    if (!this.timelines.has(room)) {
      this.timelines.set(room, new Timeline());
      this.loading.add(room);
      this.emit();
      void this.loadPage(room, {})
        .then(() => this.fill(room))
        .finally(() => {
          this.loading.delete(room);
          this.emit();
        });
    }
    if (!this.receipts.get(room)?.loaded) void this.loadReceipts(room);
    void this.loadMembers(room);
    this.scheduleMarkRead();
  }

  /** Whether the page is visible and the open room shows its newest message: only then is it read. */
  setViewState(visible: boolean, atBottom: boolean): void {
    if (this.visible === visible && this.atBottom === atBottom) return;
    this.visible = visible;
    this.atBottom = atBottom;
    this.scheduleMarkRead();
  }

  /** Loads the page before the oldest message held (infinite scroll back). */
  async loadOlder(id: RoomID): Promise<void> {
    const tl = this.timelines.get(id);
    if (!tl || !tl.hasOlder || this.loadingOlder.has(id) || this.loading.has(id)) return;
    this.loadingOlder.add(id);
    this.emit();
    try {
      await this.loadPage(id, { before: tl.oldest });
    } finally {
      this.loadingOlder.delete(id);
      this.emit();
    }
  }

  private async loadPage(id: RoomID, bounds: { before?: number }): Promise<void> {
    try {
      const page = await this.deps.rest.history(id, { ...bounds, limit: pageSize });
      if (this.timelines.has(id)) this.ingest(id, page.messages);
    } catch (e) {
      this.reportError(e);
    }
  }

  private async loadReceipts(id: RoomID): Promise<void> {
    let h = this.receipts.get(id);
    if (!h) {
      h = new ReadHistogram();
      this.receipts.set(id, h);
    }
    h.beginSnapshot();
    try {
      const r = await this.deps.rest.receipts(id);
      if (this.receipts.get(id) === h) h.setSnapshot(r.counts ?? []);
      this.emit();
    } catch {
      h.cancelSnapshot();
    }
  }

  async loadMembers(id: RoomID): Promise<void> {
    try {
      const { members } = await this.deps.rest.members(id);
      if (!this.rooms.has(id)) return;
      this.members.set(id, members);
      for (const m of members) {
        const known = this.users.get(m.user_id);
        this.users.set(m.user_id, {
          ...known,
          id: m.user_id,
          username: m.username,
          display_name: m.display_name,
          created_at: known?.created_at ?? m.joined_at,
        });
      }
      this.emit();
    } catch {
      // Names and presence stay as they were; the next refresh tries again.
    }
  }

  /** Queues a message; it is sent now if connected, else when the connection returns. */
  send(room: RoomID, text: string, replyTo?: number): boolean {
    if (!this.outbox || !text.trim()) return false;
    if ([...text].length > 4000) {
      this.say("That message is too long (at most 4,000 characters).");
      return false;
    }
    this.outbox.add(room, text, replyTo);
    this.emit();
    void this.flush();
    return true;
  }

  retrySend(clientId: string): void {
    this.outbox?.retry(clientId);
    this.emit();
    void this.flush();
  }

  discardSend(clientId: string): void {
    this.outbox?.discard(clientId);
    this.emit();
  }

  async edit(room: RoomID, seq: number, text: string): Promise<boolean> {
    return this.act(async () => this.onMessageUpdated(await this.deps.rest.edit(room, seq, text)));
  }

  async deleteMessage(room: RoomID, seq: number): Promise<boolean> {
    return this.act(async () => this.onMessageUpdated(await this.deps.rest.remove(room, seq)));
  }

  /** Opens (or creates) the 1:1 room with a user and returns its id. */
  async openDirect(username: string): Promise<RoomID | null> {
    return this.withResult(async () => this.addRoom(await this.deps.rest.openDirect(username.trim().toLowerCase())));
  }

  async createGroup(name: string, usernames: string[]): Promise<RoomID | null> {
    return this.withResult(async () => this.addRoom(await this.deps.rest.createRoom(name, usernames)));
  }

  async updateRoom(room: RoomID, change: { name?: string; announcement?: string }): Promise<boolean> {
    return this.act(async () => void this.addRoom(await this.deps.rest.updateRoom(room, change)));
  }

  async invite(room: RoomID, usernames: string[]): Promise<boolean> {
    return this.act(async () => {
      const m = await this.deps.rest.invite(room, usernames);
      this.ingest(room, [m]);
      await this.loadMembers(room);
    });
  }

  async removeMember(room: RoomID, user: UserID): Promise<boolean> {
    return this.act(async () => {
      await this.deps.rest.removeMember(room, user);
      await this.loadMembers(room);
    });
  }

  async setRole(room: RoomID, user: UserID, role: "admin" | "member"): Promise<boolean> {
    return this.act(async () => {
      this.ingest(room, [await this.deps.rest.setRole(room, user, role)]);
      await this.loadMembers(room);
    });
  }

  async leave(room: RoomID): Promise<boolean> {
    return this.act(async () => {
      await this.deps.rest.leave(room);
      this.dropRoom(room, null);
    });
  }

  /** "Unread by N" for the messages of a loaded room. */
  unreadBy(room: RoomID): Map<number, number> {
    const h = this.receipts.get(room);
    const tl = this.timelines.get(room);
    if (!h || !tl) return new Map();
    return unreadCounts(h, tl.messages(), this.session?.user.id ?? "", this.rooms.get(room)?.last_read_seq ?? 0);
  }

  /** A user's name as this client knows it. */
  nameOf(id: UserID | undefined): string {
    if (!id) return "Parley";
    return this.users.get(id)?.display_name ?? "Former member";
  }

  /** The other person of a direct room. */
  peerOf(room: RoomSummary): User | undefined {
    if (room.kind !== "direct") return undefined;
    if (room.peer) return room.peer;
    const other = this.members.get(room.id)?.find((m) => m.user_id !== this.session?.user.id);
    return other ? this.users.get(other.user_id) : undefined;
  }

  /** Whether a user has a live connection, as of the last member list of a room they share. */
  isOnline(user: UserID): boolean | undefined {
    let seen: boolean | undefined;
    for (const list of this.members.values()) {
      const m = list.find((x) => x.user_id === user);
      if (m) seen = seen || m.online;
    }
    return seen;
  }

  // ——— helpers ———

  private addRoom(r: RoomSummary): RoomID {
    if (r.peer) this.users.set(r.peer.id, r.peer);
    this.rooms.upsert(r);
    this.emit();
    return r.id;
  }

  private dropRoom(id: RoomID, notice: string | null): void {
    this.rooms.remove(id);
    this.timelines.delete(id);
    this.receipts.delete(id);
    this.members.delete(id);
    this.outbox?.dropRoom(id);
    if (this.openRoomId === id) {
      this.openRoomId = null;
      if (notice) this.notice = notice;
    }
    this.emit();
  }

  /** Presence has no live event yet: the open room's member list is re-read now and then. */
  private refreshPresence(): void {
    this.presenceTimer = this.timers.setTimeout(() => {
      if (this.openRoomId) void this.loadMembers(this.openRoomId);
      this.refreshPresence();
    }, presenceRefreshMs);
  }

  private scheduleMarkRead(): void {
    if (this.markTimer !== null) return;
    this.markTimer = this.timers.setTimeout(() => {
      this.markTimer = null;
      this.markRead();
    }, 150);
  }

  /** Moves my read position to the newest message the open room shows, when it is really seen. */
  private markRead(): void {
    const id = this.openRoomId;
    const me = this.session?.user.id;
    if (!id || !me || !this.visible || !this.atBottom || !this.conn?.isOpen) return;
    const tl = this.timelines.get(id);
    const room = this.rooms.get(id);
    if (!tl || !room || tl.have <= room.last_read_seq) return;
    const seq = tl.have;
    // Shown at once; the server's answer (and `read` event) agree or correct it.
    this.rooms.onRead({ room_id: id, user_id: me, last_read_seq: seq });
    this.emit();
    this.conn.request("read", { room_id: id, seq }).catch(() => {
      // Read again after the next ready frame.
    });
  }

  private async act(fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  private async withResult<T>(fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (e) {
      this.reportError(e);
      return null;
    }
  }

  private reportError(e: unknown): void {
    if (e instanceof ApiError && e.status === 401) return; // the session ended; the login screen says so
    if (e instanceof ApiError && e.code === "network") this.say("Cannot reach the server. Try again when the connection is back.");
    else this.say(e instanceof Error ? e.message : "Something went wrong.");
  }
}
