import type { Rest } from "../api/rest";
import { ApiError } from "../api/rest";
import type { SessionInfo, User, UserID } from "../api/types";
import type { Timers } from "./connection";
import { Friends, type FriendChange } from "./friends";
import type { PresenceMap } from "./presence";
import { describeError, uploadError } from "./errors";
import { UserSearch } from "./search";

export interface PeopleDeps {
  rest: Rest;
  presence: PresenceMap;
  timers: Timers;
  /** Something shown changed. */
  emit: () => void;
  /** A user's profile as the server returned it (mine after an edit, others in lists). */
  onProfile: (u: User) => void;
  /** Users the lists brought, for names elsewhere. */
  onUsers: (us: User[]) => void;
}

/** The outcome of an action a form shows: null when it worked, else what to tell the person. */
export type ActionError = string | null;

/**
 * Friends, requests, blocks, user search and my profile: the REST calls,
 * their answers applied at once (the events that follow are absolute state,
 * so applying them again is harmless), and errors as sentences for the
 * form that asked.
 */
export class People {
  readonly friends = new Friends();

  constructor(private readonly deps: PeopleDeps) {}

  setMe(me: UserID): void {
    this.friends.setMe(me);
  }

  /** Re-reads the three lists (after every `ready`: people events are not replayed). */
  async load(): Promise<void> {
    const f = this.friends;
    f.beginSnapshot();
    try {
      const [friends, requests, blocks] = await Promise.all([this.deps.rest.friends(), this.deps.rest.friendRequests(), this.deps.rest.blocks()]);
      for (const x of friends.friends) this.deps.presence.apply(x.id, x.online, x.last_seen);
      this.deps.onUsers([...friends.friends, ...(requests.incoming ?? []).map((r) => r.from), ...(requests.outgoing ?? []).map((r) => r.to)]);
      f.setSnapshot({ friends: friends.friends, incoming: requests.incoming ?? [], outgoing: requests.outgoing ?? [], blocks: blocks.blocks ?? [] });
    } catch {
      f.cancelSnapshot();
    }
    this.deps.emit();
  }

  /** A live event of the friend kinds, or the answer to my own request in the same shape. */
  onEvent(c: FriendChange): void {
    if (c.type === "friend_added") {
      this.deps.presence.apply(c.data.id, c.data.online, c.data.last_seen);
      this.deps.onUsers([c.data]);
    }
    if (this.friends.apply(c)) this.deps.emit();
  }

  newSearch(onChange: () => void): UserSearch {
    return new UserSearch(async (q) => (await this.deps.rest.searchUsers(q)).users ?? [], this.deps.timers, onChange);
  }

  requestFriend(username: string): Promise<ActionError> {
    return this.act(async () => {
      const r = await this.deps.rest.requestFriend(username.trim().replace(/^@/, "").toLowerCase());
      if (r.friend) this.onEvent({ type: "friend_added", data: r.friend });
      else if (r.request) this.onEvent({ type: "friend_request", data: r.request });
    });
  }

  accept(user: UserID): Promise<ActionError> {
    return this.act(async () => this.onEvent({ type: "friend_added", data: await this.deps.rest.acceptFriend(user) }));
  }

  decline(user: UserID): Promise<ActionError> {
    return this.act(async () => {
      await this.deps.rest.declineFriend(user);
      this.onEvent({ type: "friend_request_removed", data: { from_id: user, to_id: this.meId() } });
    });
  }

  cancel(user: UserID): Promise<ActionError> {
    return this.act(async () => {
      await this.deps.rest.cancelFriendRequest(user);
      this.onEvent({ type: "friend_request_removed", data: { from_id: this.meId(), to_id: user } });
    });
  }

  removeFriend(user: UserID): Promise<ActionError> {
    return this.act(async () => {
      await this.deps.rest.removeFriend(user);
      this.onEvent({ type: "friend_removed", data: { user_id: user } });
    });
  }

  block(username: string): Promise<ActionError> {
    return this.act(async () => this.onEvent({ type: "block_added", data: await this.deps.rest.block(username) }));
  }

  unblock(user: UserID): Promise<ActionError> {
    return this.act(async () => {
      await this.deps.rest.unblock(user);
      this.onEvent({ type: "block_removed", data: { user_id: user } });
    });
  }

  /** My sessions (devices), most recently used first; `current` is this one. */
  async sessions(): Promise<SessionInfo[] | string> {
    try {
      return (await this.deps.rest.sessions()).sessions;
    } catch (e) {
      return describeError(e);
    }
  }

  /** Ends one of my other sessions: that device is logged out at once. */
  endSession(id: string): Promise<ActionError> {
    return this.act(() => this.deps.rest.endSession(id));
  }

  endOtherSessions(): Promise<ActionError> {
    return this.act(async () => void (await this.deps.rest.endOtherSessions()));
  }

  /** Changes my password; the server ends every other session of mine, this one goes on. */
  async changePassword(current: string, next: string): Promise<ActionError> {
    try {
      await this.deps.rest.changePassword(current, next);
      return null;
    } catch (e) {
      if (e instanceof ApiError && e.code === "forbidden") return "The current password is not right.";
      return describeError(e);
    }
  }

  /** Changes my display name and/or status message. */
  updateProfile(change: { display_name?: string; status_message?: string }): Promise<ActionError> {
    return this.act(async () => this.deps.onProfile(await this.deps.rest.updateProfile(change)));
  }

  /**
   * Sets my avatar from an image file; the server keeps a re-encoded square
   * and tells everyone who sees me (`profile_updated`).
   */
  async setAvatar(file: Blob & { name?: string }): Promise<ActionError> {
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) return "Pick a PNG, JPEG, GIF or WebP image.";
    try {
      this.deps.onProfile(await this.deps.rest.setAvatar(file, file.name || "avatar"));
      return null;
    } catch (e) {
      return uploadError(e).text;
    }
  }

  removeAvatar(): Promise<ActionError> {
    return this.act(async () => this.deps.onProfile(await this.deps.rest.deleteAvatar()));
  }

  private meId(): UserID {
    return this.friends.self;
  }

  private async act(fn: () => Promise<void>): Promise<ActionError> {
    try {
      await fn();
      return null;
    } catch (e) {
      return describeError(e);
    }
  }
}
