import type { Rest } from "../api/rest";
import type {
  AddPolicy,
  Message,
  ReadPosition,
  RoomID,
  RoomSummary,
  ServerFrame,
  User,
} from "../api/types";
import { Connection, type ConnState, type SocketLike, type Timers } from "./connection";
import { Directory } from "./directory";
import { Drafts } from "./drafts";
import type { KeyValue, Outbox } from "./outbox";
import { attempt, noticeFor } from "./errors";
import { FocusReporter } from "./focus";
import type { NotifySettings, PushPayload } from "./notify";
import { PushDevice, type PushBrowser } from "./pushdevice";
import { PendingInvites } from "./invites";
import { MediaCache } from "./media";
import { People } from "./people";
import { RoomPins } from "./pins";
import { Reactors } from "./reactions";
import { profileOf } from "./profile";
import { ReadHistogram } from "./receipts";
import { RoomList } from "./rooms";
import { Timeline } from "./timeline";
import { Sender } from "./sending";
import { TypingBoard, TypingSender } from "./typing";

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
  /** This browser's service worker, notification permission and Push API; absent: no notifications here. */
  pushBrowser?: PushBrowser;
  /** Shows the alert of a live message while the page is hidden (through the service worker). */
  alerts?: AlertSink;
  /** Where blob: URLs come from (URL.createObjectURL by default). */
  objectUrls?: ConstructorParameters<typeof MediaCache>[1];
}

export interface AlertSink {
  /** The page is out of sight (document.visibilityState): only then does the page alert. */
  hidden(): boolean;
  show(p: PushPayload, sound: boolean): void;
  /** Closes the room's notifications of messages up to seq (read, here or elsewhere). */
  read(room: RoomID, seq: number): void;
}

const noPush: PushBrowser = {
  supported: false,
  permission: () => "denied",
  requestPermission: async () => "denied",
  registration: () => Promise.reject(new Error("no service workers here")),
};

const sessionKey = "parley.session";
/** This device's token from the last login, kept across logouts (decision 0018). */
const deviceKey = "parley.device";
/** Newest messages loaded when a room is opened, and per scroll-back page. */
export const pageSize = 50;
/** Rooms above this many members get an online count instead of per-member presence (--presence-room-limit). */
export const presenceRoomLimit = 100;

/** How long a notice stays: long enough to read two sentences, short enough not to linger. */
export const noticeMs = 8000;

/**
 * What every part of ChatClient shares: its state, the session, change
 * notification and the helpers the parts use. The parts are layered on it:
 * ClientSync (the connection and what it brings), ClientHistory (opening
 * rooms and moving through their messages), ChatClient (what views call).
 */
export abstract class ClientCore {
  session: Session | null = null;
  readonly rooms = new RoomList();
  readonly timelines = new Map<RoomID, Timeline>();
  readonly receipts = new Map<RoomID, ReadHistogram>();
  readonly directory = new Directory();
  readonly members = this.directory.members;
  readonly users = this.directory.users;
  readonly presence = this.directory.presence;
  readonly typing: TypingBoard;
  /** Pinned messages of the rooms opened (docs/protocol.md "Pins"). */
  readonly pins = new RoomPins();
  /** Who reacted, as seen in reaction events (history pages carry counts only). */
  readonly reactors = new Reactors();
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
  /** Rooms loading a newer page of a timeline opened at an older message. */
  readonly loadingNewer = new Set<RoomID>();
  /**
   * Rooms whose timeline was opened at an older message (a search hit, a
   * pin) and does not reach the newest one: live messages are not merged
   * into it (the room list still shows them) and nothing fills it, until
   * scrolling down reaches the end and it rejoins live delivery.
   */
  readonly detached = new Set<RoomID>();
  /** The message to show and highlight, set by `jumpTo`. */
  focus: { room: RoomID; seq: number } | null = null;
  /**
   * My read position in the open room when it was opened with something
   * unread: the "New messages" divider goes above the first message after
   * it, and the room opens there. Replaced on every open.
   */
  newFrom: { room: RoomID; seq: number } | null = null;
  /** A short message for the person (an error, a removal); cleared by `dismissNotice`. */
  notice: string | null = null;
  private noticeTimer: unknown;
  /** My pending invites: group invitations and message requests (docs/protocol.md "Consent"). */
  readonly invites = new PendingInvites();
  /** My private settings, read when first needed (`GET /me`) and kept by `settings_updated`. */
  settings: { who_may_add: AddPolicy } | null = null;
  /** How much of my storage quota my files take, in bytes, as `GET /me` last said. */
  storage: { used: number; quota: number } | null = null;
  /** My notification settings (previews, do-not-disturb), from `ready` and `notify_settings`. */
  notifySettings: NotifySettings | null = null;
  /** This device's notifications: on/off, sound, the service worker and the push subscription. */
  readonly push: PushDevice;
  /** What I typed and did not send, per room (decision 0037). */
  drafts = new Drafts(null, "");
  /** 1:1 rooms whose sends were refused as `unreachable`: "can't send to this chat". */
  readonly unreachable = new Set<RoomID>();
  version = 0;

  protected conn: Connection | null = null;
  protected listeners = new Set<() => void>();
  protected emitQueued = false;
  /** The newest seq of the open room the view has had on screen in a focused window. */
  protected seenSeq = 0;
  protected filling = new Set<RoomID>();
  protected markTimer: unknown = null;
  protected readonly timers: Timers;
  protected readonly now: () => number;
  protected readonly typingSender: TypingSender;
  protected readonly sender: Sender;
  protected readonly focusReporter: FocusReporter;

  constructor(protected readonly deps: ClientDeps) {
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
    this.push = new PushDevice(deps.rest, deps.pushBrowser ?? noPush, deps.sessionStore, () => this.emit());
    this.focusReporter = new FocusReporter((focused) => this.sendFocus(focused), this.timers);
    deps.rest.onUnauthorized = () => this.endSession("Your session has ended. Please log in again.");
  }

  // ——— change notification ———

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  /** Coalesces the changes of one task into one notification. */
  protected emit(): void {
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
    await this.push.logout();
    try {
      await this.deps.rest.logout();
    } catch {
      // The session ends on this device whether or not the server heard.
    }
    this.outbox?.all().forEach((o) => this.sender.discard(o.client_id));
    // Drafts survive a session that ended by itself, not a logout: the next person here must not read them.
    this.drafts.clearAll();
    this.endSession(null);
  }

  protected start(s: Session): void {
    this.session = s;
    this.deps.rest.token = s.token;
    this.rooms.setMe(s.user.id);
    this.people.setMe(s.user.id);
    this.users.set(s.user.id, s.user);
    this.sender.open(this.deps.outboxStore, `parley.outbox.${s.user.id}`);
    this.drafts = new Drafts(this.deps.sessionStore, `parley.drafts.${s.user.id}`);
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
    void this.push.start(s.user.id);
  }

  protected endSession(notice: string | null): void {
    if (!this.session) return;
    this.typingSender.reset();
    this.focusReporter.stop();
    const conn = this.conn;
    this.conn = null;
    conn?.stop();
    this.session = null;
    this.deps.rest.token = "";
    this.deps.sessionStore?.removeItem(sessionKey);
    this.rooms.setAll([]);
    this.timelines.clear();
    this.detached.clear();
    this.focus = null;
    this.receipts.clear();
    this.directory.clear();
    this.typing.clear();
    this.roomOnline.clear();
    this.people.friends.clear();
    this.invites.clear();
    this.settings = null;
    this.storage = null;
    this.notifySettings = null;
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

  /** Shows a one-line notice (an error a view got back); it goes away by itself after noticeMs. */
  notify(notice: string): void {
    this.notice = notice;
    this.timers.clearTimeout(this.noticeTimer);
    this.noticeTimer = this.timers.setTimeout(() => {
      if (this.notice !== notice) return;
      this.notice = null;
      this.emit();
    }, noticeMs);
    this.emit();
  }

  /** My unsent messages (the offline queue). */
  get outbox(): Outbox | null {
    return this.sender.outbox;
  }

  /** A profile changed (`profile_updated`, or my own edit): every place the user is shown. */
  protected onProfile(u: User): void {
    this.directory.profile(u);
    if (u.id === this.session?.user.id) this.setSessionUser({ ...this.session.user, ...profileOf(u) });
    this.rooms.onProfile(u);
    this.people.onEvent({ type: "profile_updated", data: u });
    this.emit();
  }

  protected setSessionUser(user: User): void {
    if (!this.session) return;
    this.session = { ...this.session, user };
    this.deps.sessionStore?.setItem(sessionKey, JSON.stringify(this.session));
  }

  // ——— helpers ———

  protected addRoom(r: RoomSummary): RoomID {
    if (r.peer) this.users.set(r.peer.id, r.peer);
    this.rooms.upsert(r);
    this.emit();
    return r.id;
  }

  protected dropRoom(id: RoomID, notice: string | null): void {
    this.rooms.remove(id);
    this.timelines.delete(id);
    this.detached.delete(id);
    if (this.focus?.room === id) this.focus = null;
    this.receipts.delete(id);
    this.members.delete(id);
    this.roomOnline.delete(id);
    this.pins.delete(id);
    this.sender.dropRoom(id);
    if (this.openRoomId === id) {
      this.openRoomId = null;
      if (notice) this.notice = notice;
    }
    this.emit();
  }

  protected scheduleMarkRead(): void {
    if (this.markTimer !== null) return;
    this.markTimer = this.timers.setTimeout(() => {
      this.markTimer = null;
      this.markRead();
    }, 150);
  }

  /** Moves my read position to the newest message of the open room that was on screen in a focused window. */
  protected markRead(): void {
    const id = this.openRoomId;
    const me = this.session?.user.id;
    if (!id || !me || !this.conn?.isOpen) return;
    const tl = this.timelines.get(id);
    const room = this.rooms.get(id);
    if (!tl || !room) return;
    const seq = Math.min(this.seenSeq, tl.have);
    if (seq <= room.last_read_seq) return;
    // Shown at once; the server's answer (and `read` event) agree or correct it.
    this.rooms.onRead({ room_id: id, user_id: me, last_read_seq: seq });
    this.readUpTo(id, seq);
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

  /** Read here or on another device: the room's notifications up to seq are stale. */
  protected readUpTo(room: RoomID, seq: number): void {
    if (this.push.prefs.enabled) this.deps.alerts?.read(room, seq);
  }

  /** Whether this window is in front, per the focus contract (docs/protocol.md "Focus"). */
  protected sendFocus(focused: boolean): void {
    if (!this.conn?.isOpen) return;
    this.conn.request("focus", { focused }).catch(() => {
      // Repeated every 30 s while focused, and after each reconnect.
    });
  }

  protected act(fn: () => Promise<void>): Promise<boolean> {
    return attempt(fn, (e) => this.reportError(e)).then((r) => r !== null);
  }

  protected withResult<T>(fn: () => Promise<T>): Promise<T | null> {
    return attempt(fn, (e) => this.reportError(e));
  }

  protected reportError(e: unknown): void {
    const text = noticeFor(e);
    if (text) this.notify(text);
  }

  // The parts layered on this class (ClientSync, ChatClient) give these.
  protected abstract onFrame(f: ServerFrame): void;
  protected abstract onConnState(s: ConnState): void;
  protected abstract onDrop(code: number, wasReady: boolean): void;
  protected abstract ingest(room: RoomID, msgs: Message[], page?: { since: number }): void;
  protected abstract sendTyping(room: RoomID, typing: boolean): void;
}
