import { ApiError } from "../api/rest";
import type {
  AddPolicy,
  Attachment,
  Link as InviteLink,
  LinkPreview,
  Reaction,
  RoomID,
  RoomSummary,
  User,
  UserID,
  Visibility,
} from "../api/types";
import { describeError, reactionError } from "./errors";
import { RoomDirectory } from "./roomdir";
import type { ActionError } from "./people";
import type { PresenceState } from "./presence";
import { unreadCounts } from "./receipts";
import type { UploadQueue } from "./uploads";
import { ClientHistory } from "./clienthistory";
import { levelOf, type NotifyLevel, type NotifySettings } from "./notify";

export type { ClientDeps, Session } from "./clientcore";
export { pageSize, presenceRoomLimit } from "./clientcore";

/**
 * The whole client state and its rules, without React: the session, the
 * room list, each opened room's timeline and receipts, members, presence,
 * typing, friends, the connection and the send queue. Views read its fields
 * and call its methods; `subscribe` tells them when something changed.
 */
export class ChatClient extends ClientHistory {
  /** Queues a message; it is sent now if connected, else when the connection returns. It may be files alone. */
  send(room: RoomID, text: string, replyTo?: number, attachments: Attachment[] = []): boolean {
    // My message shows at the end: a timeline opened further back goes there.
    this.jumpToLatest(room);
    // Having written, the person knows what the app is for: a good moment to offer notifications.
    this.push.engage();
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

  /** Pins a message (owner and admins of a group, either person of a 1:1); the list shows it at once. */
  async pin(room: RoomID, seq: number): Promise<boolean> {
    return this.act(async () => {
      const pin = await this.deps.rest.pin(room, seq);
      if (this.pins.apply({ room_id: room, seq, on: true, pin })) this.emit();
    });
  }

  async unpin(room: RoomID, seq: number): Promise<boolean> {
    return this.act(async () => {
      await this.deps.rest.unpin(room, seq);
      if (this.pins.apply({ room_id: room, seq, on: false })) this.emit();
    });
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

  /** Reads my private settings and storage, when a view needs them; `settings_updated` keeps the settings current. */
  async loadSettings(): Promise<void> {
    try {
      const me = await this.deps.rest.account();
      this.settings = { who_may_add: me.who_may_add };
      this.storage = { used: me.storage_used, quota: me.storage_quota };
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

  // ——— notifications (decision 0033) ———

  /** This window is in front (focused and visible) or not: the server pushes only while none of mine is. */
  setFocused(focused: boolean): void {
    this.focusReporter.set(focused);
  }

  /** Reads my notification settings when `ready` did not bring them; `notify_settings` keeps them current. */
  async loadNotifySettings(): Promise<void> {
    try {
      this.notifySettings = await this.deps.rest.notifySettings();
      this.emit();
    } catch {
      // The settings stay disabled in the view until the next ready brings them.
    }
  }

  /** Changes previews or do-not-disturb; null, or the sentence saying why not. */
  async updateNotifySettings(change: { previews?: boolean; dnd?: Partial<NotifySettings["dnd"]> }): Promise<string | null> {
    try {
      this.notifySettings = await this.deps.rest.updateNotifySettings(change);
      this.emit();
      return null;
    } catch (e) {
      return describeError(e);
    }
  }

  /** My level in a room (what notifies me there). */
  notifyLevel(room: RoomID): NotifyLevel {
    const r = this.rooms.get(room);
    return r ? levelOf(r) : "all";
  }

  /** Sets my level in a room; shown at once, put back if the server refuses. */
  async setNotifyLevel(room: RoomID, level: NotifyLevel): Promise<boolean> {
    const before = this.notifyLevel(room);
    if (this.rooms.setLevel(room, level)) this.emit();
    const ok = await this.act(async () => void this.rooms.setLevel(room, (await this.deps.rest.setNotifyLevel(room, level)).level));
    if (!ok && this.rooms.setLevel(room, before)) this.emit();
    return ok;
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

  /**
   * Whether a user has a live connection, as far as lists and events have
   * said; undefined if unknown. While my own connection is down no event can
   * say someone left, so nobody is known to be online or not.
   */
  presenceOf(user: UserID): PresenceState | undefined {
    if (this.connState.kind !== "open") return undefined;
    if (user === this.session?.user.id) return { online: true };
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

  /** The composer of a room changed: typing frames go out, throttled (docs/protocol.md "Typing"). */
  typingInput(room: RoomID, hasText: boolean): void {
    this.typingSender.input(room, hasText);
  }

  /** The person stopped typing: sent, cleared, or left the box. */
  typingStop(): void {
    this.typingSender.stop();
  }

  protected sendTyping(room: RoomID, typing: boolean): void {
    if (!this.conn?.isOpen) return;
    this.conn.request("typing", { room_id: room, typing }).catch(() => {
      // Advisory: the indicator expires by itself on the other side.
    });
  }

}

/** What the inviter is told of the people asked rather than added: no more than the server says. */
export function invitedNotice(n: number): string {
  return `${n === 1 ? "1 person was" : `${n} people were`} sent an invitation; they join when they accept.`;
}
