import type {
  BlockAddedFrame,
  BlockedUser,
  BlockRemovedFrame,
  Friend,
  FriendAddedFrame,
  FriendRemovedFrame,
  FriendRequest,
  FriendRequestFrame,
  FriendRequestRemovedFrame,
  ProfileUpdatedFrame,
  Relation,
  User,
  UserID,
} from "../api/types";
import { profileOf } from "./profile";

/** A change to the friend lists: a live event, or the answer to my own request (the same shapes). */
export type FriendChange =
  | FriendRequestFrame
  | FriendRequestRemovedFrame
  | FriendAddedFrame
  | FriendRemovedFrame
  | BlockAddedFrame
  | BlockRemovedFrame
  | ProfileUpdatedFrame;

export const friendEventTypes = new Set(["friend_request", "friend_request_removed", "friend_added", "friend_removed", "block_added", "block_removed"]);

export interface FriendSnapshot {
  friends: Friend[];
  incoming: FriendRequest[];
  outgoing: FriendRequest[];
  blocks: BlockedUser[];
}

/**
 * Friends, pending requests both ways and the people I blocked
 * (docs/protocol.md "Friends", "Blocks"). The lists are read over REST at
 * each `ready` (events are not replayed); every event carries absolute
 * state, so the changes that arrive while the lists are in flight are
 * simply applied again over them.
 */
export class Friends {
  friends = new Map<UserID, Friend>();
  /** Requests to me, by who asked. */
  incoming = new Map<UserID, FriendRequest>();
  /** Requests from me, by whom I asked. */
  outgoing = new Map<UserID, FriendRequest>();
  blocks = new Map<UserID, BlockedUser>();
  loaded = false;
  version = 0;
  private replay: FriendChange[] | null = null;

  constructor(private me: UserID = "") {}

  setMe(me: UserID): void {
    this.me = me;
  }

  get self(): UserID {
    return this.me;
  }

  beginSnapshot(): void {
    this.replay = [];
  }

  cancelSnapshot(): void {
    this.replay = null;
  }

  setSnapshot(s: FriendSnapshot): void {
    const replay = this.replay ?? [];
    this.replay = null;
    this.friends = new Map(s.friends.map((f) => [f.id, f]));
    this.incoming = new Map(s.incoming.map((r) => [r.from.id, r]));
    this.outgoing = new Map(s.outgoing.map((r) => [r.to.id, r]));
    this.blocks = new Map(s.blocks.map((b) => [b.id, b]));
    for (const c of replay) this.applyNow(c);
    this.loaded = true;
    this.version++;
  }

  /** Applies a change; returns whether anything shown changed. */
  apply(c: FriendChange): boolean {
    this.replay?.push(c);
    const changed = this.applyNow(c);
    if (changed) this.version++;
    return changed;
  }

  private applyNow(c: FriendChange): boolean {
    switch (c.type) {
      case "friend_request": {
        const r = c.data;
        if (r.to.id === this.me) return set(this.incoming, r.from.id, r);
        if (r.from.id === this.me) return set(this.outgoing, r.to.id, r);
        return false;
      }
      case "friend_request_removed": {
        const { from_id, to_id } = c.data;
        if (to_id === this.me) return this.incoming.delete(from_id);
        if (from_id === this.me) return this.outgoing.delete(to_id);
        return false;
      }
      case "friend_added": {
        const f = c.data;
        this.incoming.delete(f.id);
        this.outgoing.delete(f.id);
        this.friends.set(f.id, f);
        return true;
      }
      case "friend_removed":
        return this.friends.delete(c.data.user_id);
      case "block_added": {
        const b = c.data;
        // The friendship and requests end with it; their own events follow, harmlessly.
        this.friends.delete(b.id);
        this.incoming.delete(b.id);
        this.outgoing.delete(b.id);
        this.blocks.set(b.id, b);
        return true;
      }
      case "block_removed":
        return this.blocks.delete(c.data.user_id);
      case "profile_updated":
        return this.profile(c.data);
    }
  }

  private profile(u: User): boolean {
    let changed = false;
    const f = this.friends.get(u.id);
    if (f) changed = set(this.friends, u.id, { ...f, ...profileOf(u) }) || changed;
    const b = this.blocks.get(u.id);
    if (b) changed = set(this.blocks, u.id, { ...b, ...profileOf(u) }) || changed;
    const i = this.incoming.get(u.id);
    if (i) changed = set(this.incoming, u.id, { ...i, from: { ...i.from, ...profileOf(u) } }) || changed;
    const o = this.outgoing.get(u.id);
    if (o) changed = set(this.outgoing, u.id, { ...o, to: { ...o.to, ...profileOf(u) } }) || changed;
    return changed;
  }

  /** How a user stands to me, as far as the lists know. */
  relation(user: UserID): Relation {
    if (this.blocks.has(user)) return "blocked";
    if (this.friends.has(user)) return "friend";
    if (this.outgoing.has(user)) return "outgoing";
    if (this.incoming.has(user)) return "incoming";
    return "none";
  }

  /** Friends by display name. */
  sortedFriends(): Friend[] {
    return [...this.friends.values()].sort((a, b) => a.display_name.localeCompare(b.display_name) || a.username.localeCompare(b.username));
  }

  clear(): void {
    this.friends.clear();
    this.incoming.clear();
    this.outgoing.clear();
    this.blocks.clear();
    this.replay = null;
    this.loaded = false;
    this.version++;
  }
}


function set<K, V>(m: Map<K, V>, k: K, v: V): boolean {
  const old = m.get(k);
  if (old !== undefined && JSON.stringify(old) === JSON.stringify(v)) return false;
  m.set(k, v);
  return true;
}
