import { ApiError, type Rest } from "../api/rest";
import type {
  AddPolicy,
  Attachment,
  Link as InviteLink,
  LinkPreview,
  MembersChange,
  Message,
  Presence,
  Reaction,
  Ready,
  ReadPosition,
  Room,
  RoomID,
  RoomSummary,
  ServerFrame,
  Typing,
  User,
  UserID,
  Visibility,
} from "../api/types";
import { Connection, type ConnState, type SocketLike, type Timers } from "./connection";
import { friendEventTypes, type FriendChange } from "./friends";
import { Directory } from "./directory";
import type { KeyValue, Outbox } from "./outbox";
import { attempt, describeError, noticeFor, reactionError } from "./errors";
import { inviteEventTypes, PendingInvites, type InviteChange } from "./invites";
import { RoomDirectory } from "./roomdir";
import { MediaCache } from "./media";
import { People, type ActionError } from "./people";
import type { PresenceState } from "./presence";
import { profileOf } from "./profile";
import { ReadHistogram, unreadCounts } from "./receipts";
import { RoomList } from "./rooms";
import { Timeline } from "./timeline";
import { Sender } from "./sending";
import { TypingBoard, TypingSender } from "./typing";
import type { UploadQueue } from "./uploads";

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
  /**
   * The WebSocket URL for a ticket. The session's token never goes in a URL:
   * each attempt asks for a single-use ticket (decision 0019).
   */
  wsUrl: (ticket: string) => string;
  createSocket: (url: string) => SocketLike;
  timers?: Timers;
  random?: () => number;
  /** The clock typing indicators expire by (ms). */
  now?: () => number;
  /** Where blob: URLs come from (URL.createObjectURL by default). */
  objectUrls?: ConstructorParameters<typeof MediaCache>[1];
}

const sessionKey = "parley.session";
/** This device's token from the last login, kept across logouts (decision 0018). */
const deviceKey = "parley.device";
/** Newest messages loaded when a room is opened, and per scroll-back page. */
export const pageSize = 50;
/** A room that moved on further than this while we were away is reloaded from its newest page. */
const catchUpLimit = 500;
/** 1:1 rooms whose member list (the peer's presence) is fetched at each ready frame. */
const directPresenceRooms = 20;
/** Member lists re-read after a reconnect (events are not replayed); older ones are dropped. */
const memberListsKept = 30;
/** Rooms above this many members get an online count instead of per-member presence (--presence-room-limit). */
export const presenceRoomLimit = 100;

/**
 * The whole client state and its rules, without React: the session, the
 * room list, each opened room's timeline and receipts, members, presence,
 * typing, friends, the connection and the send queue. Views read its fields
 * and call its methods; `subscribe` tells them when something changed.
 */
export class ChatClient {
  session: Session | null = null;
  readonly rooms = new RoomList();
  readonly timelines = new Map<RoomID, Timeline>();
  readonly receipts = new Map<RoomID, ReadHistogram>();
  readonly directory = new Directory();
  readonly members = this.directory.members;
  readonly users = this.directory.users;
  readonly presence = this.directory.presence;
  readonly typing: TypingBoard;
  /** Online counts of big rooms (`room_presence`). */
  readonly roomOnline = new Map<RoomID, number>();
  readonly people: People;
  /** Avatars, thumbnails and files, fetched with the token and shown as blob: URLs. */
  readonly media: MediaCache;
  connState: ConnState = { kind: "stopped" };
  /** Caught up after the last `ready` frame: everything missed is fetched. */
  synced = false;
  openRoomId: RoomID | null = null;
  /** Rooms whose first page is loading, and rooms loading an older page. */
  readonly loading = new Set<RoomID>();
  readonly loadingOlder = new Set<RoomID>();
  /** A short message for the person (an error, a removal); cleared by `dismissNotice`. */
  notice: string | null = null;
  /** My pending invites: group invitations and message requests (docs/protocol.md "Consent"). */
  readonly invites = new PendingInvites();
  /** My private settings, read when first needed (`GET /me`) and kept by `settings_updated`. */
  settings: { who_may_add: AddPolicy } | null = null;
  /** 1:1 rooms whose sends were refused as `unreachable`: "can't send to this chat". */
  readonly unreachable = new Set<RoomID>();
  version = 0;

  private conn: Connection | null = null;
  private listeners = new Set<() => void>();
  private emitQueued = false;
  private visible = true;
  private atBottom = true;
  private filling = new Set<RoomID>();
  private markTimer: unknown = null;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly typingSender: TypingSender;
  private readonly sender: Sender;

  constructor(private readonly deps: ClientDeps) {
    this.timers = deps.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
    };
    this.now = deps.now ?? (() => Date.now());
    this.typing = new TypingBoard(this.timers, this.now, () => this.emit());
    this.typingSender = new TypingSender((room, typing) => this.sendTyping(room, typing), this.timers, this.now);
    this.people = new People({
      rest: deps.rest,
      presence: this.presence,
      timers: this.timers,
      emit: () => this.emit(),
      onProfile: (u) => this.onProfile(u),
      onUsers: (us) => this.directory.learnUsers(us),
    });
    this.sender = new Sender({
      rest: deps.rest,
      timers: this.timers,
      live: () => (this.conn?.isOpen && this.synced ? this.conn : null),
      ingest: (m) => this.ingest(m.room_id, [m]),
      emit: () => this.emit(),
      notify: (t) => this.notify(t),
      unreachable: (room) => {
        this.unreachable.add(room);
        this.emit();
      },
    });
    this.media = new MediaCache((path) => deps.rest.media(path), deps.objectUrls);
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
    const device = this.deps.sessionStore?.getItem(deviceKey) ?? undefined;
    const { token, user, device_token } = await this.deps.rest.login(username, password, device);
    if (device_token) this.deps.sessionStore?.setItem(deviceKey, device_token);
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
    this.outbox?.all().forEach((o) => this.sender.discard(o.client_id));
    this.endSession(null);
  }

  private start(s: Session): void {
    this.session = s;
    this.deps.rest.token = s.token;
    this.rooms.setMe(s.user.id);
    this.people.setMe(s.user.id);
    this.users.set(s.user.id, s.user);
    this.sender.open(this.deps.outboxStore, `parley.outbox.${s.user.id}`);
    this.conn = new Connection({
      url: async () => this.deps.wsUrl((await this.deps.rest.wsTicket()).ticket),
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
    this.typingSender.reset();
    const conn = this.conn;
    this.conn = null;
    conn?.stop();
    this.session = null;
    this.deps.rest.token = "";
    this.deps.sessionStore?.removeItem(sessionKey);
    this.rooms.setAll([]);
    this.timelines.clear();
    this.receipts.clear();
    this.directory.clear();
    this.typing.clear();
    this.roomOnline.clear();
    this.people.friends.clear();
    this.invites.clear();
    this.settings = null;
    this.unreachable.clear();
    this.sender.close();
    // The next person on this device must not see this one's pictures.
    this.media.clear();
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

  /** Shows a one-line notice (an error a view got back). */
  notify(notice: string): void {
    this.notice = notice;
    this.emit();
  }

  // ——— connection ———

  private onConnState(s: ConnState): void {
    this.connState = s;
    if (s.kind !== "open") {
      this.synced = false;
      this.outbox?.requeueInFlight();
      // Typing is not replayed: after a drop nobody is typing, on either side.
      this.typing.clear();
      this.typingSender.reset();
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
        if (this.rooms.onRead(f.data as ReadPosition)) this.emit();
        return;
      case "room_added": {
        const r = f.data as RoomSummary;
        this.addRoom(r);
        // The peer's presence, for the room list's dot.
        if (r.kind === "direct") void this.loadMembers(r.id);
        return;
      }
      case "room_removed":
        this.dropRoom((f.data as { room_id: RoomID }).room_id, "You are no longer a member of that room.");
        return;
      case "room_updated":
        if (this.rooms.onRoomUpdated(f.data as Room)) this.emit();
        return;
      case "reaction":
        this.onReaction(f.data as Reaction);
        return;
      case "typing": {
        const t = f.data as Typing;
        if (t.user_id !== this.session?.user.id) this.typing.apply(t);
        return;
      }
      case "presence": {
        const p = f.data as Presence;
        if (p.user_id !== this.session?.user.id && this.presence.apply(p.user_id, p.online, p.last_seen)) this.emit();
        return;
      }
      case "room_presence": {
        const d = f.data as { room_id: RoomID; online: number };
        this.roomOnline.set(d.room_id, d.online);
        return this.emit();
      }
      case "members": {
        const ev = f.data as MembersChange;
        this.directory.learnMembers(ev.members, this.session?.user.id ?? "");
        this.members.apply(ev);
        this.emit();
        return;
      }
      case "profile_updated":
        this.onProfile(f.data as User);
        return;
      case "settings_updated":
        this.settings = { ...(f.data as { who_may_add: AddPolicy }) };
        this.emit();
        return;
    }
    if (inviteEventTypes.has(f.type)) {
      if (this.invites.apply(f as InviteChange)) this.emit();
      return;
    }
    if (friendEventTypes.has(f.type)) this.people.onEvent(f as FriendChange);
    // Other event types are ignored, so the server can add new ones.
  }

  /**
   * Resume (docs/protocol.md "Resume"): take the room list, forget rooms
   * that are gone, fetch what each loaded room missed, refresh receipts and
   * the open room's newest page (edits and deletes are not replayed), then
   * send what is queued.
   */
  private async onReady(r: Ready): Promise<void> {
    this.synced = false;
    this.typing.clear();
    if (this.session) this.setSessionUser(r.user);
    this.users.set(r.user.id, r.user);
    for (const room of r.rooms) if (room.peer) this.users.set(room.peer.id, room.peer);
    const gone = this.rooms.setAll(r.rooms);
    for (const id of gone) this.dropRoom(id, "You are no longer a member of that room.");
    this.emit();

    // People events are not replayed: re-read what is shown — friends and
    // requests, the presence and names of the latest 1:1 peers, member lists.
    const tasks: Promise<unknown>[] = [this.people.load(), this.loadInvites()];
    const sorted = this.rooms.sorted();
    const direct = sorted.filter((x) => x.kind === "direct").slice(0, directPresenceRooms);
    const held = sorted.filter((x) => this.members.has(x.id));
    const lists = new Set([this.openRoomId ?? "", ...direct.map((x) => x.id), ...held.map((x) => x.id)].filter(Boolean).slice(0, memberListsKept));
    for (const x of sorted) {
      if (lists.has(x.id)) tasks.push(this.loadMembers(x.id));
      else this.members.delete(x.id);
    }
    for (const [id, tl] of this.timelines) {
      const room = this.rooms.get(id);
      if (!room) continue;
      if (room.last_seq - tl.have > catchUpLimit) tl.clear();
      tasks.push(this.fill(id), this.loadReceipts(id));
      if (id === this.openRoomId) tasks.push(this.loadPage(id, {}), this.loadRoomPresence(id));
    }
    await Promise.allSettled(tasks);
    if (!this.conn?.isOpen) return;
    this.synced = true;
    this.emit();
    void this.sender.flush();
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

  /**
   * Messages from any source (live, a page, an ack) go through here, so
   * every path dedupes alike. `page` marks a history page (it carries
   * reactions) with the reaction mark taken when it was asked for.
   */
  private ingest(room: RoomID, msgs: Message[], page?: { since: number }): void {
    const me = this.session?.user.id ?? "";
    const tl = this.timelines.get(room);
    if (tl) tl.merge(msgs, page);
    for (const m of msgs) {
      // Only a message newer than the room list's state can change my role:
      // pages of older history carry roles that are past.
      const newest = this.rooms.onMessage(m);
      if (newest && m.system?.type === "role_changed" && m.system.role && m.system.users?.includes(me)) {
        this.rooms.setRole(room, m.system.role);
      }
      this.outbox?.seen(m, me);
      // Their message is what they were typing.
      if (!page && m.sender_id) this.typing.stop(room, m.sender_id);
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
        const since = tl.reactionMark();
        const page = await this.deps.rest.history(id, { after, before: upTo + 1, limit: 100, order: "asc" });
        const before = tl.have;
        this.ingest(id, page.messages, { since });
        if (page.messages.length === 0 || tl.have === before) return;
      }
    } finally {
      this.filling.delete(id);
    }
  }

  // ——— what the views call ———

  /** Opens a room (null: the room list); loads its newest page, receipts and members the first time. */
  openRoom(id: RoomID | null): void {
    if (id === this.openRoomId) return;
    this.typingSender.stop();
    // What the room on screen showed counts as read, even if it is left within the debounce.
    if (this.markTimer !== null) {
      this.timers.clearTimeout(this.markTimer);
      this.markTimer = null;
      this.markRead();
    }
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
    if (!this.members.has(room)) void this.loadMembers(room);
    void this.loadRoomPresence(room);
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
      const since = this.timelines.get(id)?.reactionMark() ?? 0;
      const page = await this.deps.rest.history(id, { ...bounds, limit: pageSize });
      if (this.timelines.has(id)) this.ingest(id, page.messages, { since });
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

  /** Reads a room's member list once; `members` and `profile_updated` events keep it current. */
  async loadMembers(id: RoomID): Promise<void> {
    this.members.beginSnapshot(id);
    try {
      const { members } = await this.deps.rest.members(id);
      if (!this.rooms.has(id)) {
        this.members.delete(id);
        return;
      }
      this.members.setSnapshot(id, members);
      this.directory.learnMembers(members, this.session?.user.id ?? "");
      this.emit();
    } catch {
      // Names and presence stay as they were; the next ready or opening tries again.
      this.members.cancelSnapshot(id);
    }
  }

  /** A big room's online count, read when it opens; `room_presence` events keep it current. */
  private async loadRoomPresence(id: RoomID): Promise<void> {
    if ((this.rooms.get(id)?.member_count ?? 0) <= presenceRoomLimit) return;
    try {
      const p = await this.deps.rest.roomPresence(id);
      this.roomOnline.set(id, p.online);
      this.emit();
    } catch {
      // The next room_presence event brings it.
    }
  }

  /** My unsent messages (the offline queue). */
  get outbox(): Outbox | null {
    return this.sender.outbox;
  }

  /** Queues a message; it is sent now if connected, else when the connection returns. It may be files alone. */
  send(room: RoomID, text: string, replyTo?: number, attachments: Attachment[] = []): boolean {
    return this.sender.send(room, text, replyTo, attachments);
  }

  /** The files picked for a room's next message; they upload as soon as they are added. */
  uploadsFor(room: RoomID): UploadQueue {
    return this.sender.uploadsFor(room);
  }

  retrySend(clientId: string): void {
    this.sender.retry(clientId);
  }

  discardSend(clientId: string): void {
    this.sender.discard(clientId);
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

  /**
   * Creates a group. The people named who are not my friends (and do not
   * let anyone add them) are asked rather than added: they join when they
   * accept, and the notice says so without saying more than the server does.
   */
  async createGroup(name: string, usernames: string[], visibility: Visibility = "private"): Promise<RoomID | null> {
    return this.withResult(async () => {
      const r = await this.deps.rest.createRoom(name, usernames, visibility);
      const { invited, ...summary } = r;
      if (invited?.length) this.notify(invitedNotice(invited.length));
      return this.addRoom(summary);
    });
  }

  async updateRoom(room: RoomID, change: { name?: string; announcement?: string; visibility?: Visibility }): Promise<boolean> {
    return this.act(async () => void this.addRoom(await this.deps.rest.updateRoom(room, change)));
  }

  /** Invites people; returns what to tell the person (who joined, who was asked), or null on failure. */
  async invite(room: RoomID, usernames: string[]): Promise<string | null> {
    return this.withResult(async () => {
      const r = await this.deps.rest.invite(room, usernames);
      // The member list follows from the `members` event.
      if (r.message) this.ingest(room, [r.message]);
      const parts: string[] = [];
      if (r.added.length) parts.push(`${r.added.length === 1 ? "1 person" : `${r.added.length} people`} joined.`);
      if (r.invited.length) parts.push(invitedNotice(r.invited.length));
      return parts.join(" ");
    });
  }

  async removeMember(room: RoomID, user: UserID): Promise<boolean> {
    return this.act(async () => this.deps.rest.removeMember(room, user));
  }

  async setRole(room: RoomID, user: UserID, role: "admin" | "member"): Promise<boolean> {
    return this.act(async () => this.ingest(room, [await this.deps.rest.setRole(room, user, role)]));
  }

  async leave(room: RoomID): Promise<boolean> {
    return this.act(async () => {
      await this.deps.rest.leave(room);
      this.dropRoom(room, null);
    });
  }

  // ——— consent: invites, settings, public rooms, links ———

  /** Reads my pending invites (after every `ready`: invite events are not replayed). */
  async loadInvites(): Promise<void> {
    this.invites.beginSnapshot();
    try {
      const { invites } = await this.deps.rest.invites();
      this.invites.setSnapshot(invites ?? []);
      for (const i of invites ?? []) this.users.set(i.inviter.id, i.inviter);
    } catch {
      this.invites.cancelSnapshot();
    }
    this.emit();
  }

  /** Joins the room of a pending invite and returns it (to open), or null with a notice. */
  async acceptInvite(id: string): Promise<RoomID | null> {
    return this.withResult(async () => {
      const r = await this.deps.rest.acceptInvite(id);
      this.invites.remove(id);
      // addRoom tells the views.
      return this.addRoom(r);
    });
  }

  /** Turns a pending invite down; nobody is told. */
  async declineInvite(id: string): Promise<boolean> {
    return this.act(async () => {
      await this.deps.rest.declineInvite(id);
      // The invite_removed that follows changes nothing: the views hear it now.
      if (this.invites.remove(id)) this.emit();
    });
  }

  /** Reads my private settings, once a view needs them; `settings_updated` keeps them current. */
  async loadSettings(): Promise<void> {
    try {
      const me = await this.deps.rest.account();
      this.settings = { who_may_add: me.who_may_add };
      this.emit();
    } catch (e) {
      this.reportError(e);
    }
  }

  /** Changes "who may add me"; the answer, or the sentence saying why not. */
  async setWhoMayAdd(p: AddPolicy): Promise<string | null> {
    try {
      const me = await this.deps.rest.updateProfile({ who_may_add: p });
      this.settings = { who_may_add: me.who_may_add };
      this.emit();
      return null;
    } catch (e) {
      return describeError(e);
    }
  }

  /** A browser of the public room directory for a view. */
  newDirectory(onChange: () => void): RoomDirectory {
    return new RoomDirectory((q, cursor) => this.deps.rest.directory(q, cursor), this.timers, onChange);
  }

  /** Joins a public room and returns it (to open). */
  async joinRoom(id: RoomID): Promise<RoomID | null> {
    return this.withResult(async () => this.addRoom(await this.deps.rest.joinRoom(id)));
  }

  /** What a link's code leads to, or the sentence saying it leads nowhere. */
  async previewLink(code: string): Promise<LinkPreview | string> {
    try {
      return await this.deps.rest.previewLink(code);
    } catch (e) {
      return e instanceof ApiError && e.code === "not_found" ? "This invite link does not exist or is no longer valid." : describeError(e);
    }
  }

  /** Joins the room of an invite link and returns it (to open). */
  async joinLink(code: string): Promise<RoomID | null> {
    return this.withResult(async () => this.addRoom(await this.deps.rest.joinLink(code)));
  }

  /** A room's invite links (owner and admins). */
  async links(room: RoomID): Promise<InviteLink[] | null> {
    return this.withResult(async () => (await this.deps.rest.links(room)).links ?? []);
  }

  async createLink(room: RoomID, options: { expires_in?: number; max_uses?: number }): Promise<InviteLink | null> {
    return this.withResult(async () => this.deps.rest.createLink(room, options));
  }

  async revokeLink(room: RoomID, id: string): Promise<boolean> {
    return this.act(async () => this.deps.rest.revokeLink(room, id));
  }

  /** Whether sends to this room were refused as `unreachable` (a 1:1 whose other person cannot be reached). */
  cantSend(room: RoomID): boolean {
    return this.unreachable.has(room);
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
    return this.directory.nameOf(id);
  }

  /** The other person of a direct room. */
  peerOf(room: RoomSummary): User | undefined {
    if (room.kind !== "direct") return undefined;
    if (room.peer) return room.peer;
    const other = this.members.get(room.id)?.find((m) => m.user_id !== this.session?.user.id);
    return other ? this.users.get(other.user_id) : undefined;
  }

  /** Whether a user has a live connection, as far as lists and events have said; undefined if unknown. */
  presenceOf(user: UserID): PresenceState | undefined {
    if (user === this.session?.user.id) return this.connState.kind === "open" ? { online: true } : undefined;
    return this.presence.get(user);
  }

  isOnline(user: UserID): boolean | undefined {
    return this.presenceOf(user)?.online;
  }

  /** The names of the people typing in a room now (never me). */
  typingIn(room: RoomID): string[] {
    return this.typing.typists(room).map((u) => this.users.get(u)?.display_name ?? "Someone");
  }

  // ——— reactions, typing, profiles ———

  /** Adds or removes my reaction; the answer is applied like the event it also causes. */
  async react(room: RoomID, seq: number, emoji: string, on: boolean): Promise<ActionError> {
    try {
      const conn = this.conn;
      const r = conn?.isOpen
        ? ((await conn.request("react", { room_id: room, seq, emoji, on })) as Reaction)
        : await this.deps.rest.react(room, seq, emoji, on);
      this.onReaction(r);
      return null;
    } catch (e) {
      return reactionError(e);
    }
  }

  private onReaction(r: Reaction): void {
    const mine = r.user_id === this.session?.user.id ? r.on : undefined;
    if (this.timelines.get(r.room_id)?.react(r.seq, r.emoji, r.count, mine)) this.emit();
  }

  /** The composer of a room changed: typing frames go out, throttled (docs/protocol.md "Typing"). */
  typingInput(room: RoomID, hasText: boolean): void {
    this.typingSender.input(room, hasText);
  }

  /** The person stopped typing: sent, cleared, or left the box. */
  typingStop(): void {
    this.typingSender.stop();
  }

  private sendTyping(room: RoomID, typing: boolean): void {
    if (!this.conn?.isOpen) return;
    this.conn.request("typing", { room_id: room, typing }).catch(() => {
      // Advisory: the indicator expires by itself on the other side.
    });
  }

  /** A profile changed (`profile_updated`, or my own edit): every place the user is shown. */
  private onProfile(u: User): void {
    this.directory.profile(u);
    if (u.id === this.session?.user.id) this.setSessionUser({ ...this.session.user, ...profileOf(u) });
    this.rooms.onProfile(u);
    this.people.onEvent({ type: "profile_updated", data: u });
    this.emit();
  }

  private setSessionUser(user: User): void {
    if (!this.session) return;
    this.session = { ...this.session, user };
    this.deps.sessionStore?.setItem(sessionKey, JSON.stringify(this.session));
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
    this.roomOnline.delete(id);
    this.sender.dropRoom(id);
    if (this.openRoomId === id) {
      this.openRoomId = null;
      if (notice) this.notice = notice;
    }
    this.emit();
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
    this.conn
      .request("read", { room_id: id, seq })
      .then((p) => {
        if (this.rooms.onRead(p as ReadPosition)) this.emit();
      })
      .catch(() => {
        // Read again after the next ready frame.
      });
  }

  private act(fn: () => Promise<void>): Promise<boolean> {
    return attempt(fn, (e) => this.reportError(e)).then((r) => r !== null);
  }

  private withResult<T>(fn: () => Promise<T>): Promise<T | null> {
    return attempt(fn, (e) => this.reportError(e));
  }

  private reportError(e: unknown): void {
    const text = noticeFor(e);
    if (text) this.notify(text);
  }
}

/** What the inviter is told of the people asked rather than added: no more than the server says. */
export function invitedNotice(n: number): string {
  return `${n === 1 ? "1 person was" : `${n} people were`} sent an invitation; they join when they accept.`;
}
