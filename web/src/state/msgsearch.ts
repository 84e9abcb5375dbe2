import { ApiError, type MessageQuery } from "../api/rest";
import type { MessageHit, MessageSearchResults, RoomID, Snippet, UserID } from "../api/types";
import type { Timers } from "./connection";
import { DebouncedSearch } from "./search";

/** Hits asked for per page. */
export const hitsPerPage = 20;

/** A run of a snippet: plain text, or a part that matched. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

/**
 * Splits a snippet into plain and matched runs. The server counts offsets
 * in code points, so the text is indexed as `Array.from(text)` — a Korean
 * syllable or an emoji is one step, never half a surrogate pair. Ranges
 * out of bounds are clipped and overlapping ones merged, so a bad answer
 * can misplace a mark but never lose text.
 */
export function snippetParts(s: Snippet): SnippetPart[] {
  const cps = Array.from(s.text);
  const ranges = s.highlights
    .map((h) => ({ start: Math.max(0, Math.min(h.start, cps.length)), end: Math.max(0, Math.min(h.end, cps.length)) }))
    .filter((h) => h.end > h.start)
    .sort((a, b) => a.start - b.start);
  const parts: SnippetPart[] = [];
  let at = 0;
  for (const r of ranges) {
    const start = Math.max(r.start, at);
    if (r.end <= start) continue;
    if (start > at) parts.push({ text: cps.slice(at, start).join(""), mark: false });
    const last = parts[parts.length - 1];
    const text = cps.slice(start, r.end).join("");
    if (last?.mark && start === at) last.text += text;
    else parts.push({ text, mark: true });
    at = r.end;
  }
  if (at < cps.length) parts.push({ text: cps.slice(at).join(""), mark: false });
  return parts;
}

/** Hits of one room, in the order the server gave them (newest first). */
export interface HitGroup {
  room: RoomID;
  hits: MessageHit[];
}

/** Groups hits by room; rooms come in the order of their newest hit. */
export function groupByRoom(hits: MessageHit[]): HitGroup[] {
  const groups = new Map<RoomID, HitGroup>();
  for (const h of hits) {
    let g = groups.get(h.room_id);
    if (!g) {
      g = { room: h.room_id, hits: [] };
      groups.set(h.room_id, g);
    }
    g.hits.push(h);
  }
  return [...groups.values()];
}

/** What narrows a message search; each maps to a parameter of `GET /search`. */
export interface MessageFilters {
  /** Only this room; null: every room I am in. */
  room: RoomID | null;
  /** Only messages this user sent; null: anyone. */
  from: UserID | null;
  /** The first and last day sent, `YYYY-MM-DD` in my time zone, both included; "" leaves that end open. */
  since: string;
  until: string;
  /** Only messages with attachments. */
  attachments: boolean;
}

export const noFilters: MessageFilters = { room: null, from: null, since: "", until: "", attachments: false };

/**
 * The instant a calendar day (`YYYY-MM-DD`) starts in this time zone, as
 * RFC 3339, `days` days later; undefined for anything that is not a date.
 * The server's own `2006-01-02` form means a UTC day, which is not the day
 * the person picked east or west of Greenwich.
 */
export function dayStart(day: string, days = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const t = new Date(y, mo, d + days);
  // Rolled over (Feb 30) means no such day.
  if (days === 0 && (t.getFullYear() !== y || t.getMonth() !== mo || t.getDate() !== d)) return undefined;
  return t.toISOString();
}

/** A person to pick as the sender filter. */
export interface SenderChoice {
  id: UserID;
  name: string;
}

/**
 * The people a search can be narrowed to, by name: the members of the room
 * when it is one room (null while its list is not loaded), else everyone
 * this client knows of. Me first, as "Me".
 */
export function senderChoices(me: UserID | undefined, people: Iterable<{ id: UserID; name: string }>): SenderChoice[] {
  const seen = new Set<UserID>();
  const others: SenderChoice[] = [];
  for (const p of people) {
    if (seen.has(p.id) || p.id === me) continue;
    seen.add(p.id);
    others.push({ id: p.id, name: p.name });
  }
  others.sort((a, b) => a.name.localeCompare(b.name));
  return me ? [{ id: me, name: "Me" }, ...others] : others;
}

/**
 * Message search as the person types (`GET /search`): across all rooms or
 * within one, narrowed by sender, days and attachments, one request per
 * pause in typing (a changed filter asks at once), answers to an older
 * question dropped, further pages by the server's cursor (a hit already
 * listed is not listed twice), and the rate limit met with a short wait and
 * a retry.
 */
export class MessageSearch extends DebouncedSearch<MessageSearchResults> {
  filters: MessageFilters = noFilters;
  hits: MessageHit[] = [];
  /** A further page exists (the server gave a cursor). */
  more = false;
  /** A further page is loading. */
  loadingMore = false;
  private cursor: string | undefined;

  constructor(
    private readonly search: (q: MessageQuery) => Promise<MessageSearchResults>,
    timers: Timers,
    onChange: () => void,
  ) {
    super(timers, onChange);
  }

  /** Narrows (or widens) the search; the current text is asked again at once. */
  setFilters(change: Partial<MessageFilters>): void {
    const next = { ...this.filters, ...change };
    const f = this.filters;
    if (
      next.room === f.room &&
      next.from === f.from &&
      next.since === f.since &&
      next.until === f.until &&
      next.attachments === f.attachments
    )
      return;
    this.filters = next;
    this.restart(0);
  }

  /** Any filter other than the room is set. */
  get narrowed(): boolean {
    const f = this.filters;
    return !!f.from || !!f.since || !!f.until || f.attachments;
  }

  /** The next page, appended. */
  async loadMore(): Promise<void> {
    if (!this.more || this.loadingMore || this.status !== "done") return;
    const gen = this.generation;
    this.loadingMore = true;
    this.onChange();
    try {
      const page = await this.search(this.request(this.cursor));
      if (gen !== this.generation) return;
      const seen = new Set(this.hits.map((h) => h.id));
      this.hits = [...this.hits, ...page.hits.filter((h) => !seen.has(h.id))];
      this.cursor = page.next_cursor;
      this.more = !!page.next_cursor;
    } catch (e) {
      if (gen !== this.generation) return;
      // The hits shown stay; the button offers the page again.
      this.error = this.describe(e);
    } finally {
      if (gen === this.generation) this.loadingMore = false;
      this.onChange();
    }
  }

  protected ask(): Promise<MessageSearchResults> {
    return this.search(this.request());
  }

  protected take(page: MessageSearchResults): void {
    this.hits = page.hits;
    this.cursor = page.next_cursor;
    this.more = !!page.next_cursor;
  }

  protected forget(): void {
    this.hits = [];
    this.more = false;
    this.loadingMore = false;
    this.cursor = undefined;
  }

  protected problem(): string {
    const { since, until } = this.filters;
    if (since && !dayStart(since)) return "Pick the first day from the calendar.";
    if (until && !dayStart(until)) return "Pick the last day from the calendar.";
    if (since && until && since > until) return "The first day is after the last day.";
    return "";
  }

  protected describe(e: unknown): string {
    return errorText(e);
  }

  /** The request for the current question (and a page after the first). */
  private request(cursor?: string): MessageQuery {
    const f = this.filters;
    const q: MessageQuery = { q: this.query, limit: hitsPerPage };
    if (f.room) q.room = f.room;
    if (f.from) q.from = f.from;
    const after = f.since ? dayStart(f.since) : undefined;
    const before = f.until ? dayStart(f.until, 1) : undefined;
    if (after) q.after = after;
    if (before) q.before = before;
    if (f.attachments) q.has = "attachment";
    if (cursor) q.cursor = cursor;
    return q;
  }
}

/** What went wrong, in words a person can act on. */
function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === "network") return "Cannot reach the server.";
    if (e.code === "timeout") return "That search took too long. Narrow it to a room, a person or days, or use longer words.";
    if (e.code === "rate_limited") return "Too many searches at once. Wait a moment and try again.";
    if (e.code === "invalid") return "Search for 1 to 100 characters on one line.";
    if (e.code === "not_found") return "You can no longer search that room.";
  }
  return e instanceof Error ? e.message : "Search failed.";
}
