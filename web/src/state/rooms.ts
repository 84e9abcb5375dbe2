import type { Message, NotifyLevel, ReadPosition, Role, Room, RoomID, RoomSummary, User, UserID } from "../api/types";
import { profileOf } from "./profile";
import { CountBadge } from "./countbadge";

/** A read position: the server's (a `read` event or ack), or mine shown before the server answers, without counts. */
export type ReadMove = Omit<ReadPosition, "mentions" | "unread" | "last_seq"> &
  Partial<Pick<ReadPosition, "mentions" | "unread" | "last_seq">>;

/**
 * The room list: each room as the caller sees it (last message, unread
 * count, mention badge, read position), kept current from live events and
 * ordered by activity, newest first. Entries are replaced, never mutated, so
 * views can compare them by identity. Unread counts what docs/protocol.md
 * "Unread" says: messages after my read position that are neither mine nor
 * system lines.
 */
export class RoomList {
  private rooms = new Map<RoomID, RoomSummary>();
  private badges = new Map<RoomID, CountBadge>();
  private unreads = new Map<RoomID, CountBadge>();
  private sortedCache: RoomSummary[] | null = null;

  constructor(private me: UserID = "") {}

  setMe(me: UserID): void {
    this.me = me;
  }

  get(id: RoomID): RoomSummary | undefined {
    return this.rooms.get(id);
  }

  has(id: RoomID): boolean {
    return this.rooms.has(id);
  }

  /** Most recently active first; ties by id so the order is stable. */
  sorted(): RoomSummary[] {
    if (!this.sortedCache) {
      this.sortedCache = [...this.rooms.values()].sort((a, b) => {
        const d = Date.parse(b.last_message_at) - Date.parse(a.last_message_at);
        return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      });
    }
    return this.sortedCache;
  }

  /** Replaces the whole list (a `ready` frame) and returns the ids that are gone. */
  setAll(list: readonly RoomSummary[]): RoomID[] {
    this.badges = new Map(list.map((r) => [r.id, badgeOf(r)]));
    this.unreads = new Map(list.map((r) => [r.id, unreadOf(r)]));
    const next = new Map(
      list.map((r) => [r.id, { ...normalise(r), mentions: this.badges.get(r.id)!.count, unread: this.unreads.get(r.id)!.count }]),
    );
    const gone = [...this.rooms.keys()].filter((id) => !next.has(id));
    this.rooms = next;
    this.sortedCache = null;
    return gone;
  }

  /** A room to add or replace (`room_added`, or an answer of the REST API). */
  upsert(r: RoomSummary): void {
    const old = this.rooms.get(r.id);
    let next = normalise(r);
    const badge = this.badges.get(r.id);
    if (old && badge) badge.read(r.last_read_seq, r.mentions ?? 0, r.last_seq);
    else this.badges.set(r.id, badgeOf(r));
    const unread = this.unreads.get(r.id);
    if (old && unread) unread.read(r.last_read_seq, r.unread, r.last_seq);
    else this.unreads.set(r.id, unreadOf(r));
    if (old) {
      // A REST answer may be older than live events already applied.
      const lastSeq = Math.max(old.last_seq, next.last_seq);
      const lastRead = Math.max(old.last_read_seq, next.last_read_seq);
      const newerMsg =
        (old.last_message?.seq ?? 0) > (next.last_message?.seq ?? 0) ? old.last_message : next.last_message;
      next = {
        ...next,
        last_seq: lastSeq,
        last_read_seq: lastRead,
        last_message: newerMsg,
        last_message_at: later(old.last_message_at, next.last_message_at),
      };
    }
    this.put(next);
  }

  remove(id: RoomID): boolean {
    this.badges.delete(id);
    this.unreads.delete(id);
    const had = this.rooms.delete(id);
    if (had) this.sortedCache = null;
    return had;
  }

  /**
   * A new message (live, or from a page). Moves the room's last_seq, last
   * message and time; a message of mine also moves my read position, since
   * sending reads everything up to it. A system line (a join, a rename, a
   * pin) never adds to the unread count. Older or repeated seqs change nothing.
   */
  onMessage(m: Message): boolean {
    const r = this.rooms.get(m.room_id);
    const badge = this.badges.get(m.room_id);
    const unread = this.unreads.get(m.room_id);
    badge?.observe(m.seq, this.mentionsMe(m));
    unread?.observe(m.seq, m.kind !== "system" && m.sender_id !== this.me);
    if (!r || m.seq <= r.last_seq) {
      if (r && r.last_message?.seq === m.seq) this.onUpdated(m);
      else if (r && (badge?.count !== r.mentions || unread?.count !== r.unread)) this.put(r);
      return false;
    }
    const lastRead = m.sender_id === this.me ? Math.max(r.last_read_seq, m.seq) : r.last_read_seq;
    if (m.sender_id === this.me) {
      badge?.read(lastRead);
      unread?.read(lastRead);
    }
    this.put({
      ...r,
      last_seq: m.seq,
      last_message: m,
      last_message_at: later(r.last_message_at, m.created_at),
      last_read_seq: lastRead,
    });
    return true;
  }

  /** An edit or delete: refresh the preview if it is the last message, and the mention badge. */
  onUpdated(m: Message): boolean {
    const r = this.rooms.get(m.room_id);
    if (!r) return false;
    const badge = this.badges.get(m.room_id);
    badge?.observe(m.seq, this.mentionsMe(m));
    const mentions = badge?.count ?? r.mentions;
    const last = r.last_message?.seq === m.seq;
    if (!last && mentions === r.mentions) return false;
    this.put({ ...r, last_message: last ? m : r.last_message, mentions });
    return true;
  }

  /**
   * My read position moved (a `read` event or ack, or the read shown before
   * the server answers); it never moves back. A position with `mentions`
   * and `unread` brings the exact counts.
   */
  onRead(p: ReadMove): boolean {
    const r = this.rooms.get(p.room_id);
    if (!r) return false;
    const badge = this.badges.get(p.room_id);
    badge?.read(p.last_read_seq, p.mentions, p.last_seq);
    const unreadBadge = this.unreads.get(p.room_id);
    unreadBadge?.read(p.last_read_seq, p.unread, p.last_seq);
    const mentions = badge?.count ?? r.mentions;
    const unread = unreadBadge?.count ?? r.unread;
    if (p.last_read_seq <= r.last_read_seq && mentions === r.mentions && unread === r.unread) return false;
    this.put({ ...r, last_read_seq: Math.max(r.last_read_seq, p.last_read_seq) });
    return true;
  }

  /** A `profile_updated`: the peer of my 1:1 room with that user. */
  onProfile(u: User): boolean {
    let changed = false;
    for (const r of this.rooms.values()) {
      if (r.peer?.id !== u.id) continue;
      this.put({ ...r, peer: { ...r.peer, ...profileOf(u) } });
      changed = true;
    }
    return changed;
  }

  private mentionsMe(m: Message): boolean {
    return m.sender_id !== this.me && !!this.me && !!m.mentions?.includes(this.me);
  }

  /** The whole announcement of a room that `ready` gave cut; false if it is not (or no longer) cut. */
  setFullAnnouncement(id: RoomID, announcement: string): boolean {
    const r = this.rooms.get(id);
    if (!r?.announcement_truncated) return false;
    const { announcement_truncated: _, ...rest } = r;
    this.put({ ...rest, announcement });
    return true;
  }

  /** A `room_updated` event: name, announcement, member count; last_seq keeps the larger. */
  onRoomUpdated(room: Room): boolean {
    const r = this.rooms.get(room.id);
    if (!r) return false;
    const lastSeq = Math.max(r.last_seq, room.last_seq);
    this.put({
      ...r,
      name: room.name,
      announcement: room.announcement,
      announcement_truncated: room.announcement_truncated,
      member_count: room.member_count,
      last_seq: lastSeq,
      last_message_at: later(r.last_message_at, room.last_message_at),
    });
    return true;
  }

  /** My role changed (a role_changed message about me, or ownership passing on). */
  setRole(id: RoomID, role: Role): void {
    const r = this.rooms.get(id);
    if (r && r.role !== role) this.put({ ...r, role });
  }

  /** My notification level of a room changed (my choice here, or `notify_level` from another device). */
  setLevel(id: RoomID, level: NotifyLevel): boolean {
    const r = this.rooms.get(id);
    if (!r || r.notify_level === level) return false;
    this.put({ ...r, notify_level: level });
    return true;
  }

  /** Unread messages over all rooms (for the tab title). */
  totalUnread(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.unread;
    return n;
  }

  private put(r: RoomSummary): void {
    const badge = this.badges.get(r.id);
    if (badge) r = { ...r, mentions: badge.count };
    const unread = this.unreads.get(r.id);
    if (unread) r = { ...r, unread: unread.count };
    this.rooms.set(r.id, r);
    this.sortedCache = null;
  }
}

function normalise(r: RoomSummary): RoomSummary {
  return { ...r, unread: Math.max(0, r.unread), mentions: r.mentions ?? 0 };
}

function badgeOf(r: RoomSummary): CountBadge {
  return new CountBadge(r.mentions ?? 0, r.last_seq, r.last_read_seq);
}

function unreadOf(r: RoomSummary): CountBadge {
  return new CountBadge(Math.max(0, r.unread), r.last_seq, r.last_read_seq);
}

function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}
