import type { BlockedUser, Friend, FriendRequest, Member, Message, Reaction, Receipts, ReadPosition, RoomSummary, User, UserHit } from "./types";

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

export interface HistoryPage {
  before?: number;
  after?: number;
  limit?: number;
  order?: "asc" | "desc";
}

/** The REST API of api/openapi.yaml. */
export class Rest {
  token = "";
  /** Called when an authenticated call is refused with 401: the session is over. */
  onUnauthorized: (() => void) | null = null;

  constructor(
    private readonly base = "/api/v1",
    private readonly fetchFn: Fetch = (i, init) => fetch(i, init),
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
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status === 401 && this.token) this.onUnauthorized?.();
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? "internal", err?.message ?? `HTTP ${res.status}`);
    }
    return parsed as T;
  }

  signup(username: string, password: string, displayName: string) {
    return this.call<User>("POST", "/auth/signup", { username, password, display_name: displayName });
  }
  login(username: string, password: string) {
    return this.call<{ token: string; user: User }>("POST", "/auth/login", { username, password });
  }
  logout() {
    return this.call<void>("POST", "/auth/logout");
  }
  me() {
    return this.call<User>("GET", "/me");
  }
  user(username: string) {
    return this.call<User>("GET", `/users/${encodeURIComponent(username)}`);
  }
  rooms() {
    return this.call<{ rooms: RoomSummary[] }>("GET", "/rooms");
  }
  createRoom(name: string, members: string[]) {
    return this.call<RoomSummary>("POST", "/rooms", { name, members });
  }
  openDirect(username: string) {
    return this.call<RoomSummary>("POST", "/rooms/direct", { username });
  }
  updateRoom(room: string, change: { name?: string; announcement?: string }) {
    return this.call<RoomSummary>("PATCH", `/rooms/${enc(room)}`, change);
  }
  leave(room: string) {
    return this.call<void>("POST", `/rooms/${enc(room)}/leave`);
  }
  members(room: string) {
    return this.call<{ members: Member[] }>("GET", `/rooms/${enc(room)}/members`);
  }
  invite(room: string, usernames: string[]) {
    return this.call<Message>("POST", `/rooms/${enc(room)}/members`, { members: usernames });
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
  react(room: string, seq: number, emoji: string, on: boolean) {
    return this.call<Reaction>(on ? "PUT" : "DELETE", `/rooms/${enc(room)}/messages/${seq}/reactions/${enc(emoji)}`);
  }
  typing(room: string, typing: boolean) {
    return this.call<void>("POST", `/rooms/${enc(room)}/typing`, { typing });
  }
  roomPresence(room: string) {
    return this.call<{ room_id: string; online: number }>("GET", `/rooms/${enc(room)}/presence`);
  }

  // ——— people (docs/protocol.md "People") ———

  updateProfile(change: { display_name?: string; status_message?: string }) {
    return this.call<User>("PATCH", "/me", change);
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
}

const enc = encodeURIComponent;
