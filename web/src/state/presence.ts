import type { UserID } from "../api/types";

export interface PresenceState {
  online: boolean;
  last_seen?: string;
}

/**
 * Who is online, per user, from every source that says so: member lists,
 * the friend list, `friend_added`, `members` and `presence` events. Events
 * from different nodes can arrive out of order and lists can be older than
 * events (docs/protocol.md "Presence"), so the state with the latest
 * `last_seen` wins: the server sets it to now for a user online, and to the
 * moment they left for a user offline. On a tie the later arrival wins.
 */
export class PresenceMap {
  private states = new Map<UserID, { state: PresenceState; at: number }>();
  version = 0;

  get(user: UserID): PresenceState | undefined {
    return this.states.get(user)?.state;
  }

  /** Applies one observation; returns whether what is shown changed. */
  apply(user: UserID, online: boolean, lastSeen?: string): boolean {
    const at = lastSeen ? Date.parse(lastSeen) || 0 : 0;
    const held = this.states.get(user);
    if (held && at < held.at) return false;
    if (held && held.state.online === online && held.state.last_seen === lastSeen) return false;
    this.states.set(user, { state: lastSeen ? { online, last_seen: lastSeen } : { online }, at });
    this.version++;
    return true;
  }

  clear(): void {
    this.states.clear();
    this.version++;
  }
}
