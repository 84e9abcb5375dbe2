import type { RoomID, Typing, UserID } from "../api/types";
import type { Timers } from "./connection";

/**
 * Who is typing where (docs/protocol.md "Typing"): a typist shows until a
 * `typing: false` for them arrives or `ttl_ms` pass without a new start,
 * whichever comes first. Nothing is replayed after a reconnect, so a new
 * connection starts with nobody typing. One timer, set for the next
 * expiry, takes indicators down and says so through `onChange`.
 */
export class TypingBoard {
  /** room → user → when the indicator expires (ms); insertion order is who started first. */
  private rooms = new Map<RoomID, Map<UserID, number>>();
  private timer: unknown = null;

  constructor(
    private readonly timers: Timers,
    private readonly now: () => number,
    private readonly onChange: () => void,
  ) {}

  /** Applies a `typing` event (not my own). */
  apply(ev: Typing): void {
    if (!ev.typing) {
      this.stop(ev.room_id, ev.user_id);
      return;
    }
    let room = this.rooms.get(ev.room_id);
    if (!room) {
      room = new Map();
      this.rooms.set(ev.room_id, room);
    }
    const now = this.now();
    const had = (room.get(ev.user_id) ?? 0) > now;
    room.set(ev.user_id, now + (ev.ttl_ms > 0 ? ev.ttl_ms : 6000));
    this.schedule();
    if (!had) this.onChange();
  }

  /** The user stopped typing in the room (a stop event, or their message arrived). */
  stop(room: RoomID, user: UserID): void {
    const r = this.rooms.get(room);
    if (!r?.delete(user)) return;
    if (r.size === 0) this.rooms.delete(room);
    this.schedule();
    this.onChange();
  }

  /** The users typing in a room now, first starter first. */
  typists(room: RoomID): UserID[] {
    const r = this.rooms.get(room);
    if (!r) return [];
    const now = this.now();
    return [...r].filter(([, until]) => until > now).map(([u]) => u);
  }

  clear(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.rooms.size === 0) return;
    this.rooms.clear();
    this.onChange();
  }

  private schedule(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    let next: number | null = null;
    for (const r of this.rooms.values()) for (const until of r.values()) if (next === null || until < next) next = until;
    if (next === null) return;
    this.timer = this.timers.setTimeout(() => this.expire(), Math.max(0, next - this.now()));
  }

  private expire(): void {
    const now = this.now();
    let changed = false;
    for (const [id, r] of this.rooms) {
      for (const [u, until] of r) {
        if (until <= now) {
          r.delete(u);
          changed = true;
        }
      }
      if (r.size === 0) this.rooms.delete(id);
    }
    this.schedule();
    if (changed) this.onChange();
  }
}

/** Sends a refresh of a start at most this often while the person keeps typing. */
export const typingRefreshMs = 3000;
/** A pause this long counts as having stopped. */
export const typingIdleMs = 5000;

/**
 * The sending side of typing: a `typing: true` when the person starts, again
 * at most every 3 s while they keep typing, and a `typing: false` at once
 * when they stop — a pause, sending, clearing the box, leaving it or the room.
 * The server throttles too; this keeps the frames few to begin with.
 */
export class TypingSender {
  private room: RoomID | null = null;
  private lastStart = 0;
  private idleTimer: unknown = null;

  constructor(
    private readonly send: (room: RoomID, typing: boolean) => void,
    private readonly timers: Timers,
    private readonly now: () => number,
  ) {}

  /** The composer of `room` changed; `hasText` says whether anything is in it. */
  input(room: RoomID, hasText: boolean): void {
    if (!hasText) {
      this.stop();
      return;
    }
    if (this.room !== room) this.stop();
    const now = this.now();
    if (this.room !== room || now - this.lastStart >= typingRefreshMs) {
      this.room = room;
      this.lastStart = now;
      this.send(room, true);
    }
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = this.timers.setTimeout(() => this.stop(), typingIdleMs);
  }

  /** The person stopped typing (sent, cleared, left the box or the room). */
  stop(): void {
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const room = this.room;
    if (!room) return;
    this.room = null;
    this.lastStart = 0;
    this.send(room, false);
  }

  /** The connection went away: the server forgets, so does this (no stop to send). */
  reset(): void {
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.room = null;
    this.lastStart = 0;
  }
}

/** "Ann is typing…", "Ann and Bo are typing…", "Several people are typing…". */
export function typingText(names: string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}
