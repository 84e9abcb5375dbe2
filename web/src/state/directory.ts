import type { Member, User, UserID } from "../api/types";
import { MemberLists } from "./members";
import { PresenceMap } from "./presence";
import { profileOf } from "./profile";

/**
 * Everything the client knows about people, wherever it learnt it: names
 * and status by user (from member lists, room peers, friends, events),
 * presence, and the member lists of rooms looked at. A `profile_updated`
 * changes every copy at once.
 */
export class Directory {
  readonly users = new Map<UserID, User>();
  readonly presence = new PresenceMap();
  readonly members = new MemberLists();

  /** Names, status and presence from member-list entries (a list, or a `members` event). */
  learnMembers(members: Iterable<Member>, me: UserID): void {
    for (const m of members) {
      const known = this.users.get(m.user_id);
      this.users.set(m.user_id, {
        ...known,
        id: m.user_id,
        username: m.username,
        display_name: m.display_name,
        status_message: m.status_message ?? known?.status_message ?? "",
        created_at: known?.created_at ?? m.joined_at,
        // A list entry is the member as they are now: no avatar_url is no avatar.
        avatar_url: m.avatar_url,
      });
      // My own presence is my connection's state, not what a list said a moment ago.
      if (m.user_id !== me) this.presence.apply(m.user_id, m.online, m.last_seen);
    }
  }

  /** Profiles brought by other lists (room peers, friends, requests) and events: each the user as they are now. */
  learnUsers(users: Iterable<User>): void {
    for (const u of users) this.users.set(u.id, { ...this.users.get(u.id), ...profileOf(u), id: u.id, created_at: u.created_at });
  }

  /** A `profile_updated` (or my own edit): the user's entry and every member list they are in. */
  profile(u: User): void {
    this.learnUsers([u]);
    this.members.profile(u);
  }

  nameOf(id: UserID | undefined): string {
    if (!id) return "Parley";
    return this.users.get(id)?.display_name ?? "Former member";
  }

  statusOf(id: UserID | undefined): string {
    return (id && this.users.get(id)?.status_message) || "";
  }

  clear(): void {
    this.users.clear();
    this.presence.clear();
    this.members.clear();
  }
}
