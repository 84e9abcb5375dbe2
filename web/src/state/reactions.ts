import type { ReactionCount } from "../api/types";

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

/** The emojis the picker offers first; anything else can be typed and the server judges it. */
export const quickEmojis = ["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "🔥"];
