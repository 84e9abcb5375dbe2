// Mentions: the grammar the server parses (so the client highlights exactly
// what the server resolved) and the composer's "@" autocomplete. The room
// list's mention badge is a CountBadge (countbadge.ts).

const nameChar = /[A-Za-z0-9_.]/;
const wordChar = /[\p{L}\p{Nd}\p{M}]/u;

/** Whether ch, next to an "@" or a name, makes it part of a longer word (an address, a path, code). */
function joinsWord(ch: string): boolean {
  return "-+=@/\\`".includes(ch) || wordChar.test(ch);
}

function charBefore(text: string, i: number): string {
  if (i <= 0) return "";
  const lo = text.charCodeAt(i - 1);
  return lo >= 0xdc00 && lo <= 0xdfff && i >= 2 ? text.slice(i - 2, i) : text[i - 1]!;
}

function charAt(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? "" : String.fromCodePoint(cp);
}

export interface MentionSpan {
  /** Index of the "@". */
  start: number;
  /** Index just past the name. */
  end: number;
  /** The name, lowercased (usernames are lowercase). */
  name: string;
}

/**
 * The mentions in text, as the server's chat.ParseMentions finds them: "@"
 * and 3–32 of [A-Za-z0-9_.], the "@" not glued to a word before it, the name
 * the longest run less trailing dots and not running on into a word.
 */
export function findMentions(text: string): MentionSpan[] {
  const out: MentionSpan[] = [];
  for (let i = 0; i < text.length; ) {
    const at = text.indexOf("@", i);
    if (at < 0) break;
    const start = at + 1;
    let end = start;
    while (end < text.length && nameChar.test(text[end]!)) end++;
    i = end;
    const before = charBefore(text, at);
    if (before && (joinsWord(before) || before === "_" || before === ".")) continue;
    if (end < text.length && joinsWord(charAt(text, end))) continue;
    let nameEnd = end;
    while (nameEnd > start && text[nameEnd - 1] === ".") nameEnd--;
    const len = nameEnd - start;
    if (len < 3 || len > 32) continue;
    out.push({ start: at, end: nameEnd, name: text.slice(start, nameEnd).toLowerCase() });
  }
  return out;
}

export type MentionPiece = { kind: "text"; text: string } | { kind: "mention"; text: string; name: string };

/** Splits text into plain runs and the mentions `isMention` accepts, for rendering as text nodes. */
export function splitMentions(text: string, isMention: (name: string) => boolean): MentionPiece[] {
  const out: MentionPiece[] = [];
  let last = 0;
  for (const s of findMentions(text)) {
    if (!isMention(s.name)) continue;
    if (s.start > last) out.push({ kind: "text", text: text.slice(last, s.start) });
    out.push({ kind: "mention", text: text.slice(s.start, s.end), name: s.name });
    last = s.end;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

/**
 * The "@name" being typed at the caret, for the autocomplete: where its "@"
 * is and the part of the name typed so far. Null when the caret is not in
 * one (an e-mail address, a path, or no "@" at all).
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  let i = caret;
  while (i > 0 && nameChar.test(text[i - 1]!)) i--;
  if (i === 0 || text[i - 1] !== "@") return null;
  const at = i - 1;
  const before = charBefore(text, at);
  if (before && (joinsWord(before) || before === "_" || before === ".")) return null;
  const query = text.slice(i, caret);
  if (query.length > 32) return null;
  return { start: at, query };
}

/** Replaces the "@partial" at start..caret with "@username " and puts the caret after it. */
export function completeMention(text: string, start: number, caret: number, username: string): { text: string; caret: number } {
  let end = caret;
  while (end < text.length && nameChar.test(text[end]!)) end++;
  const insert = `@${username} `;
  const rest = text.slice(end).replace(/^ /, "");
  return { text: text.slice(0, start) + insert + rest, caret: start + insert.length };
}
