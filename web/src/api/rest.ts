import type {
  EndedSessions,
  SessionList,
  AddPolicy,
  Attachment,
  BlockedUser,
  CreatedRoom,
  DirectoryPage,
  Friend,
  FriendRequest,
  Invite,
  Link as InviteLink,
  InviteResult,
  LinkPreview,
  Me,
  Member,
  Message,
  MessageSearchResults,
  Pin,
  PinList,
  Reaction,
  Reactors,
  Receipts,
  ReadPosition,
  RoomSummary,
  User,
  UserHit,
  Visibility,
} from "./types";
import type { NotifyLevel, NotifySettings } from "../state/notify";

/** An error answer of the API, or a network failure (code "network"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** A multipart upload of one file in the field `file` (docs/protocol.md "Attachments"). */
export interface UploadRequest {
  method: "POST" | "PUT";
  url: string;
  token: string;
  file: Blob;
  name: string;
  /** Bytes of the request body sent so far, of total. */
  onProgress?: (loaded: number, total: number) => void;
}

/** An upload under way: its answer, and a way to stop it (the answer then rejects with code "aborted"). */
export interface UploadTask<T> {
  done: Promise<T>;
  abort(): void;
}

/** The HTTP status and body of an upload's answer; network failures reject with ApiError "network". */
export type Uploader = (r: UploadRequest) => UploadTask<{ status: number; body: string }>;

/** fetch cannot report upload progress; XMLHttpRequest can (`xhr.upload.onprogress`). */
export const xhrUpload: Uploader = (r) => {
  const xhr = new XMLHttpRequest();
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    xhr.open(r.method, r.url);
    if (r.token) xhr.setRequestHeader("Authorization", `Bearer ${r.token}`);
    xhr.upload.onprogress = (e) => r.onProgress?.(e.loaded, e.lengthComputable ? e.total : r.file.size);
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new ApiError(0, "network", "the upload did not reach the server"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "the upload was cancelled"));
    const form = new FormData();
    form.append("file", r.file, r.name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
};

export interface HistoryPage {
  before?: number;
  after?: number;
  /** The page centred on this seq (not with before or after). */
  around?: number;
  limit?: number;
  order?: "asc" | "desc";
}

/** A message search: the text, optionally one room, and the page to continue from. */
export interface MessageQuery {
  q: string;
  room?: string;
  /** A user id. */
  from?: string;
  /** RFC 3339 instants: sent at or after, and before. */
  after?: string;
  before?: string;
  has?: "attachment";
  cursor?: string;
  limit?: number;
}

/** The REST API of api/openapi.yaml. */
export class Rest {
  token = "";
  /** Called when an authenticated call is refused with 401: the session is over. */
  onUnauthorized: (() => void) | null = null;

  constructor(
    private readonly base = "/api/v1",
    private readonly fetchFn: Fetch = (i, init) => fetch(i, init),
    private readonly uploader: Uploader = xhrUpload,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, "network", e instanceof Error ? e.message : "network error");
    }
    if (res.status === 204) return undefined as T;
    return this.answer<T>(res.status, await res.text());
  }

  /** An answer's JSON, or its error as an ApiError; a 401 ends the session. */
  private answer<T>(status: number, text: string): T {
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status === 401 && this.token) this.onUnauthorized?.();
    if (status < 200 || status > 299) {
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(status, err?.code ?? "internal", err?.message ?? `HTTP ${status}`);
    }
    return parsed as T;
  }

  /**
   * A media path the server gave (an attachment, thumbnail or avatar URL),
   * with the bearer token in the header: the only way attachments are
   * served. Only paths of this origin get the token.
   */
  async media(path: string): Promise<Blob> {
    if (!path.startsWith("/") || path.startsWith("//")) throw new ApiError(0, "invalid", "not a path of this server");
    let res: Response;
    try {
      res = await this.fetchFn(path, { headers: this.token ? { Authorization: `Bearer ${this.token}` } : {} });
    } catch (e) {
      throw new ApiError(0, "network", e instanceof Error ? e.message : "network error");
    }
    if (!res.ok) return this.answer<never>(res.status, await res.text());
    return res.blob();
  }

  /** Uploads a file with progress; the answer is parsed as any other. */
  upload<T>(method: "POST" | "PUT", path: string, file: Blob, name: string, onProgress?: (loaded: number, total: number) => void): UploadTask<T> {
    const task = this.uploader({ method, url: this.base + path, token: this.token, file, name, onProgress });
    return { abort: task.abort, done: task.done.then((r) => this.answer<T>(r.status, r.body)) };
  }

  uploadAttachment(file: Blob, name: string, onProgress?: (loaded: number, total: number) => void) {
    return this.upload<Attachment>("POST", "/attachments", file, name, onProgress);
  }
  setAvatar(file: Blob, name: string) {
    return this.upload<User>("PUT", "/me/avatar", file, name).done;
  }
  deleteAvatar() {
    return this.call<User>("DELETE", "/me/avatar");
  }

  signup(username: string, password: string, displayName: string) {
    return this.call<User>("POST", "/auth/signup", { username, password, display_name: displayName });
  }
  /** `device` is the device token of an earlier login here (decision 0018). */
  login(username: string, password: string, device?: string) {
    return this.call<{ token: string; user: User; device_token?: string }>("POST", "/auth/login", {
      username,
      password,
      ...(device ? { device_token: device } : {}),
    });
  }
  /** A single-use ticket for the next WebSocket handshake (decision 0019). */
  wsTicket() {
    return this.call<{ ticket: string; expires_at: string }>("POST", "/ws/ticket");
  }
  logout() {
    return this.call<void>("POST", "/auth/logout");
  }
  me() {
    return this.call<User>("GET", "/me");
  }
  changePassword(current: string, next: string) {
    return this.call<void>("POST", "/me/password", { current_password: current, new_password: next });
  }
  sessions() {
    return this.call<SessionList>("GET", "/sessions");
  }
  endSession(id: string) {
    return this.call<void>("DELETE", `/sessions/${encodeURIComponent(id)}`);
  }
  endOtherSessions() {
    return this.call<EndedSessions>("DELETE", "/sessions");
  }
  user(username: string) {
    return this.call<User>("GET", `/users/${encodeURIComponent(username)}`);
  }
  rooms() {
    return this.call<{ rooms: RoomSummary[] }>("GET", "/rooms");
  }
  createRoom(name: string, members: string[], visibility: Visibility = "private") {
    return this.call<CreatedRoom>("POST", "/rooms", { name, members, visibility });
  }
  openDirect(username: string) {
    return this.call<RoomSummary>("POST", "/rooms/direct", { username });
  }
  room(room: string) {
    return this.call<RoomSummary>("GET", `/rooms/${enc(room)}`);
  }
  updateRoom(room: string, change: { name?: string; announcement?: string; visibility?: Visibility }) {
    return this.call<RoomSummary>("PATCH", `/rooms/${enc(room)}`, change);
  }
  leave(room: string) {
    return this.call<void>("POST", `/rooms/${enc(room)}/leave`);
  }
  members(room: string) {
    return this.call<{ members: Member[] }>("GET", `/rooms/${enc(room)}/members`);
  }
  invite(room: string, usernames: string[]) {
    return this.call<InviteResult>("POST", `/rooms/${enc(room)}/members`, { members: usernames });
  }
  removeMember(room: string, user: string) {
    return this.call<void>("DELETE", `/rooms/${enc(room)}/members/${enc(user)}`);
  }
  setRole(room: string, user: string, role: "admin" | "member") {
    return this.call<Message>("PUT", `/rooms/${enc(room)}/members/${enc(user)}/role`, { role });
  }
  history(room: string, page: HistoryPage) {
    const q = new URLSearchParams();
    if (page.before) q.set("before", String(page.before));
    if (page.after) q.set("after", String(page.after));
    if (page.around) q.set("around", String(page.around));
    if (page.limit) q.set("limit", String(page.limit));
    if (page.order) q.set("order", page.order);
    return this.call<{ messages: Message[] }>("GET", `/rooms/${enc(room)}/messages?${q}`);
  }
  edit(room: string, seq: number, text: string) {
    return this.call<Message>("PATCH", `/rooms/${enc(room)}/messages/${seq}`, { text });
  }
  remove(room: string, seq: number) {
    return this.call<Message>("DELETE", `/rooms/${enc(room)}/messages/${seq}`);
  }
  markRead(room: string, seq: number) {
    return this.call<ReadPosition>("POST", `/rooms/${enc(room)}/read`, { seq });
  }
  receipts(room: string) {
    return this.call<Receipts>("GET", `/rooms/${enc(room)}/receipts`);
  }
  /** Who added each emoji on a message (at most 100 people per emoji). */
  reactors(room: string, seq: number) {
    return this.call<{ reactions: Reactors[] }>("GET", `/rooms/${enc(room)}/messages/${seq}/reactions`);
  }

  react(room: string, seq: number, emoji: string, on: boolean) {
    return this.call<Reaction>(on ? "PUT" : "DELETE", `/rooms/${enc(room)}/messages/${seq}/reactions/${enc(emoji)}`);
  }
  pins(room: string) {
    return this.call<PinList>("GET", `/rooms/${enc(room)}/pins`);
  }
  pin(room: string, seq: number) {
    return this.call<Pin>("POST", `/rooms/${enc(room)}/pins`, { seq });
  }
  unpin(room: string, seq: number) {
    return this.call<void>("DELETE", `/rooms/${enc(room)}/pins/${seq}`);
  }
  typing(room: string, typing: boolean) {
    return this.call<void>("POST", `/rooms/${enc(room)}/typing`, { typing });
  }
  roomPresence(room: string) {
    return this.call<{ room_id: string; online: number }>("GET", `/rooms/${enc(room)}/presence`);
  }

  // ——— people (docs/protocol.md "People") ———

  updateProfile(change: { display_name?: string; status_message?: string; who_may_add?: AddPolicy }) {
    return this.call<Me>("PATCH", "/me", change);
  }
  searchMessages(query: MessageQuery) {
    const q = new URLSearchParams({ q: query.q });
    if (query.room) q.set("room", query.room);
    if (query.from) q.set("from", query.from);
    if (query.after) q.set("after", query.after);
    if (query.before) q.set("before", query.before);
    if (query.has) q.set("has", query.has);
    if (query.cursor) q.set("cursor", query.cursor);
    if (query.limit) q.set("limit", String(query.limit));
    return this.call<MessageSearchResults>("GET", `/search?${q}`);
  }
  searchUsers(q: string, limit = 20) {
    return this.call<{ users: UserHit[] }>("GET", `/users?${new URLSearchParams({ q, limit: String(limit) })}`);
  }
  friends() {
    return this.call<{ friends: Friend[] }>("GET", "/friends");
  }
  friendRequests() {
    return this.call<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }>("GET", "/friends/requests");
  }
  requestFriend(username: string) {
    return this.call<{ status: "pending" | "friends"; request?: FriendRequest; friend?: Friend }>("POST", "/friends/requests", { username });
  }
  acceptFriend(user: string) {
    return this.call<Friend>("POST", `/friends/requests/${enc(user)}/accept`);
  }
  declineFriend(user: string) {
    return this.call<void>("POST", `/friends/requests/${enc(user)}/decline`);
  }
  cancelFriendRequest(user: string) {
    return this.call<void>("DELETE", `/friends/requests/${enc(user)}`);
  }
  removeFriend(user: string) {
    return this.call<void>("DELETE", `/friends/${enc(user)}`);
  }
  blocks() {
    return this.call<{ blocks: BlockedUser[] }>("GET", "/blocks");
  }
  block(username: string) {
    return this.call<BlockedUser>("POST", "/blocks", { username });
  }
  unblock(user: string) {
    return this.call<void>("DELETE", `/blocks/${enc(user)}`);
  }

  // ——— consent (docs/protocol.md "Consent") ———

  account() {
    return this.call<Me>("GET", "/me");
  }
  invites() {
    return this.call<{ invites: Invite[] }>("GET", "/invites");
  }
  acceptInvite(id: string) {
    return this.call<RoomSummary>("POST", `/invites/${enc(id)}/accept`);
  }
  declineInvite(id: string) {
    return this.call<void>("POST", `/invites/${enc(id)}/decline`);
  }
  directory(q: string, cursor = "", limit = 20) {
    const p = new URLSearchParams({ limit: String(limit) });
    if (q) p.set("q", q);
    if (cursor) p.set("cursor", cursor);
    return this.call<DirectoryPage>("GET", `/rooms/directory?${p}`);
  }
  joinRoom(room: string) {
    return this.call<RoomSummary>("POST", `/rooms/${enc(room)}/join`);
  }
  links(room: string) {
    return this.call<{ links: InviteLink[] }>("GET", `/rooms/${enc(room)}/links`);
  }
  createLink(room: string, options: { expires_in?: number; max_uses?: number }) {
    return this.call<InviteLink>("POST", `/rooms/${enc(room)}/links`, options);
  }
  revokeLink(room: string, id: string) {
    return this.call<void>("DELETE", `/rooms/${enc(room)}/links/${enc(id)}`);
  }
  previewLink(code: string) {
    return this.call<LinkPreview>("GET", `/links/${enc(code)}`);
  }
  joinLink(code: string) {
    return this.call<RoomSummary>("POST", `/links/${enc(code)}/join`);
  }

  // ——— notifications (docs/protocol.md "Notifications") ———

  pushKey() {
    return this.call<{ public_key: string }>("GET", "/push/key");
  }
  pushSubscribe(s: { endpoint: string; keys: { p256dh: string; auth: string } }) {
    return this.call<unknown>("POST", "/push/subscriptions", s);
  }
  pushUnsubscribe() {
    return this.call<void>("DELETE", "/push/subscriptions");
  }
  notifySettings() {
    return this.call<NotifySettings>("GET", "/me/notifications");
  }
  updateNotifySettings(change: { previews?: boolean; dnd?: Partial<NotifySettings["dnd"]> }) {
    return this.call<NotifySettings>("PATCH", "/me/notifications", change);
  }
  setNotifyLevel(room: string, level: NotifyLevel) {
    return this.call<{ room_id: string; level: NotifyLevel }>("PUT", `/rooms/${enc(room)}/notifications`, { level });
  }
}

const enc = encodeURIComponent;
