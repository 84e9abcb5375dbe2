import type { Reaction, ReactionCount, Reactors as ReactorList, RoomID, UserID } from "../api/types";

/**
 * A message's reactions after one change: the emoji's count is **set** to
 * the absolute count the event carries (0 drops it), so applying an event
 * twice, or after a fresher history page, does no harm. `mine` is whether
 * the change was my own (then `me` follows `on`); for others' changes my
 * flag stays. A new emoji goes last: the server lists emojis in the order
 * each was first added. Returns the same array when nothing changed.
 */
export function applyReaction(
  list: ReactionCount[] | undefined,
  emoji: string,
  count: number,
  mine: boolean | undefined,
): ReactionCount[] | undefined {
  const cur = list ?? [];
  const i = cur.findIndex((r) => r.emoji === emoji);
  if (count <= 0) {
    if (i < 0) return list;
    const next = cur.filter((_, j) => j !== i);
    return next.length ? next : undefined;
  }
  const old = cur[i];
  const me = mine ?? old?.me ?? false;
  if (old && old.count === count && old.me === me) return list;
  const entry = { emoji, count, me };
  return i < 0 ? [...cur, entry] : cur.map((r, j) => (j === i ? entry : r));
}

/** The quick bar at the top of a message's menu: one tap reacts; "+" opens the picker for the rest. */
export const menuReactions = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

/** How many (room, seq, emoji) entries `Reactors` keeps: the oldest are forgotten first. */
const reactorEntries = 5000;

/** How long the server's list of who reacted to a message is taken as current (live events keep it so meanwhile). */
export const reactorsFreshMs = 60_000;

/**
 * Who reacted: history pages carry only counts, so the people come from the
 * server's list for a message (asked when a chip is hovered or pressed)
 * and from the `reaction` events (and my own answers) seen since.
 * `whoReacted` fills the rest in as "N others". Bounded: the least recently
 * changed entries go first.
 */
export class Reactors {
  private readonly sets = new Map<string, Set<UserID>>();
  /** When each message's list was last asked of the server. */
  private readonly asked = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  /**
   * For labels to follow an answer: a list from the server changes no
   * message (the counts stay), so memoized bubbles would not redraw.
   */
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = (): number => this.version;

  /**
   * Whether to ask the server for a message's list now: not when it was
   * asked within reactorsFreshMs. Asking counts as asked, so hovering
   * several chips sends one request.
   */
  shouldAsk(room: RoomID, seq: number, now: number): boolean {
    const key = `${room} ${seq}`;
    const at = this.asked.get(key);
    if (at !== undefined && now - at < reactorsFreshMs) return false;
    this.asked.delete(key);
    this.asked.set(key, now);
    if (this.asked.size > reactorEntries) this.asked.delete(this.asked.keys().next().value!);
    return true;
  }

  /** A failed ask may be tried again at once. */
  forgetAsked(room: RoomID, seq: number): void {
    this.asked.delete(`${room} ${seq}`);
  }

  /** The server's list for a message replaces what was seen of it, emoji by emoji. */
  fill(room: RoomID, seq: number, lists: readonly ReactorList[]): void {
    for (const l of lists) {
      const key = reactorKey(room, seq, l.emoji);
      this.sets.delete(key);
      this.sets.set(key, new Set(l.users));
    }
    while (this.sets.size > reactorEntries) this.sets.delete(this.sets.keys().next().value!);
    this.version++;
    for (const l of this.listeners) l();
  }

  record(r: Pick<Reaction, "room_id" | "seq" | "emoji" | "user_id" | "on">): void {
    const key = reactorKey(r.room_id, r.seq, r.emoji);
    const set = this.sets.get(key) ?? new Set<UserID>();
    this.sets.delete(key);
    if (r.on) set.add(r.user_id);
    else set.delete(r.user_id);
    if (set.size) this.sets.set(key, set);
    if (this.sets.size > reactorEntries) this.sets.delete(this.sets.keys().next().value!);
  }

  /** The people seen adding the emoji (and not taking it back), oldest first. */
  known(room: RoomID, seq: number, emoji: string): UserID[] {
    return [...(this.sets.get(reactorKey(room, seq, emoji)) ?? [])];
  }
}

function reactorKey(room: RoomID, seq: number, emoji: string): string {
  return `${room} ${seq} ${emoji}`;
}

/**
 * The people behind one reaction chip, for its label: "you" first when
 * the count includes me, then the others this client saw react (the most
 * recent when more were seen than the count allows — a removal missed
 * while away), then "N others" for those only the count knows of.
 */
export function whoReacted(r: ReactionCount, known: readonly UserID[], me: UserID, nameOf: (id: UserID) => string): string[] {
  const room = Math.max(0, r.count - (r.me ? 1 : 0));
  const others = room ? known.filter((u) => u !== me).slice(-room) : [];
  const names = [...(r.me ? ["you"] : []), ...others.map(nameOf)];
  const rest = r.count - names.length;
  if (rest > 0) names.push(rest === 1 && names.length ? "1 other" : rest === 1 ? "1 person" : names.length ? `${rest} others` : `${rest} people`);
  return names;
}

/** "👍 by you, Ann and 2 others": a chip's accessible name and tooltip. */
export function reactionLabel(emoji: string, names: readonly string[]): string {
  if (names.length <= 1) return `${emoji} by ${names[0] ?? "no one"}`;
  return `${emoji} by ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
