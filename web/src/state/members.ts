import type { Member, MembersChange, RoomID, User, UserID } from "../api/types";
import { profileOf } from "./profile";

interface RoomMembers {
  list: Member[] | null;
  /** Per member, the seq of the last `members` change applied: an older one arriving late is ignored. */
  seqs: Map<UserID, number>;
  /** Events that arrived while a snapshot was in flight, applied again over it. */
  replay: MembersChange[] | null;
}

/**
 * The member lists of the rooms this client has looked at. A list is read
 * once over REST; after that `members` events (joins, leaves, removals,
 * role changes, with the entries as they are now) and `profile_updated`
 * keep it current, so it is never polled (docs/protocol.md "Member lists").
 * Lists are replaced, never mutated, so views can compare them by identity.
 */
export class MemberLists {
  private rooms = new Map<RoomID, RoomMembers>();

  get(room: RoomID): Member[] | undefined {
    return this.rooms.get(room)?.list ?? undefined;
  }

  has(room: RoomID): boolean {
    return !!this.rooms.get(room)?.list;
  }

  /** Starts recording events until the list being fetched arrives. */
  beginSnapshot(room: RoomID): void {
    const r = this.rooms.get(room);
    if (r) r.replay = [];
    else this.rooms.set(room, { list: null, seqs: new Map(), replay: [] });
  }

  cancelSnapshot(room: RoomID): void {
    const r = this.rooms.get(room);
    if (!r) return;
    r.replay = null;
    if (!r.list) this.rooms.delete(room);
  }

  /** A `GET /members` answer, then the events that arrived while it was in flight. */
  setSnapshot(room: RoomID, members: Member[]): void {
    const r = this.rooms.get(room) ?? { list: null, seqs: new Map(), replay: null };
    const replay = r.replay ?? [];
    r.replay = null;
    r.list = [...members];
    this.rooms.set(room, r);
    for (const ev of replay) this.applyTo(r, ev);
  }

  /** A `members` event; rooms whose list is not held ignore it. Returns whether a list changed. */
  apply(ev: MembersChange): boolean {
    const r = this.rooms.get(ev.room_id);
    if (!r) return false;
    r.replay?.push(ev);
    return r.list ? this.applyTo(r, ev) : false;
  }

  private applyTo(r: RoomMembers, ev: MembersChange): boolean {
    if (!r.list) return false;
    let list = r.list;
    const fresh = (u: UserID) => ev.seq >= (r.seqs.get(u) ?? 0);
    for (const u of ev.removed) {
      if (!fresh(u)) continue;
      r.seqs.set(u, ev.seq);
      list = list.filter((m) => m.user_id !== u);
    }
    for (const m of ev.members) {
      if (!fresh(m.user_id)) continue;
      r.seqs.set(m.user_id, ev.seq);
      const i = list.findIndex((x) => x.user_id === m.user_id);
      list = i < 0 ? [...list, m] : list.map((x, j) => (j === i ? m : x));
    }
    if (list === r.list) return false;
    r.list = list;
    return true;
  }

  /** A `profile_updated`: the user's names, status and avatar in every list they are in. */
  profile(u: User): boolean {
    let changed = false;
    for (const r of this.rooms.values()) {
      if (!r.list) continue;
      const i = r.list.findIndex((m) => m.user_id === u.id);
      if (i < 0) continue;
      const m = r.list[i]!;
      const p = profileOf(u);
      if (m.username === p.username && m.display_name === p.display_name && (m.status_message ?? "") === p.status_message && m.avatar_url === p.avatar_url) continue;
      const next = { ...m, ...p };
      r.list = r.list.map((x, j) => (j === i ? next : x));
      changed = true;
    }
    return changed;
  }

  delete(room: RoomID): void {
    this.rooms.delete(room);
  }

  clear(): void {
    this.rooms.clear();
  }

  /** Every held list (for looking a user up across rooms). */
  *lists(): IterableIterator<Member[]> {
    for (const r of this.rooms.values()) if (r.list) yield r.list;
  }
}

const roleRank: Record<string, number> = { owner: 0, admin: 1 };

/** A member list as shown: the owner first, then admins, then everyone else, each in the order they joined. */
export function byRole(list: readonly Member[]): Member[] {
  return [...list].sort((a, b) => (roleRank[a.role] ?? 2) - (roleRank[b.role] ?? 2));
}
