/**
 * Lengths as the server counts them: Unicode code points (docs/protocol.md, "Limits").
 * String.length and an input's maxLength count UTF-16 units, where an emoji outside the
 * Basic Multilingual Plane (👍, 🎉) is two; here it is one, as on the server.
 */
export function charCount(s: string): number {
  return [...s].length;
}

/** The server's length limits, in characters (code points). */
export const limits = {
  message: 4000,
  displayName: 64,
  statusMessage: 140,
  roomName: 100,
  announcement: 1000,
} as const;

/** What to tell someone whose text is over max, or "" when it fits. */
export function lengthError(what: string, s: string, max: number): string {
  const n = charCount(s);
  return n > max ? `${what} is ${n.toLocaleString("en")} characters; the limit is ${max.toLocaleString("en")}.` : "";
}
