// Mentions: the grammar the server parses (so the client highlights exactly
// what the server resolved), the composer's "@" autocomplete, and the
// room list's mention badge bookkeeping (docs/protocol.md "Mentions").

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

/**
 * One room's mention badge, kept exact as docs/protocol.md "Mentions" says.
 * `base` is the server's count of messages mentioning me in
 * (lastRead, upto]; `known` holds, for messages after lastRead that reached
 * this client (live or in a page), whether they mention me now. The badge is
 * base plus the known mentions after upto.
 */
export class MentionBadge {
  private known = new Map<number, boolean>();

  constructor(
    private base: number,
    private upto: number,
    private lastRead: number,
  ) {
    if (this.lastRead >= this.upto) this.base = 0;
  }

  /**
   * A message seen live, in a page, or changed by an edit or delete:
   * `mentionsMe` is whether it mentions me now (never true for my own).
   */
  observe(seq: number, mentionsMe: boolean): void {
    if (seq <= this.lastRead) return;
    const before = this.known.get(seq);
    this.known.set(seq, mentionsMe);
    // The server's count covers up to `upto` as the message was then; only a
    // change seen here since moves it.
    if (seq <= this.upto && before !== undefined && before !== mentionsMe) {
      this.base = Math.max(0, this.base + (mentionsMe ? 1 : -1));
    }
  }

  /**
   * My read position moved. With a count (a `read` event, the answer to a
   * read, a fresher summary) that is not older than the one held, take it;
   * a move without one (my own send, the read shown before the server
   * answers) keeps the count unless it read past everything counted.
   */
  read(lastRead: number, mentions?: number, lastSeq?: number): void {
    if (mentions !== undefined && lastSeq !== undefined && lastRead >= this.lastRead && lastSeq >= this.upto) {
      this.base = mentions;
      this.upto = lastSeq;
    }
    if (lastRead > this.lastRead) {
      this.lastRead = lastRead;
      for (const s of this.known.keys()) if (s <= lastRead) this.known.delete(s);
    }
    if (this.lastRead >= this.upto) {
      this.base = 0;
      this.upto = this.lastRead;
    }
  }

  get count(): number {
    let n = this.base;
    for (const [s, m] of this.known) if (m && s > this.upto) n++;
    return n;
  }
}
