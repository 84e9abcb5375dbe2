import type { Message, ReadCount, UserID } from "../api/types";

/**
 * A room's read-position histogram (docs/decisions/0004): how many members
 * have `last_read_seq == seq`. "Unread by N" beside message seq is the
 * number of members below it. Events carry absolute counts, so applying one
 * twice is harmless; a snapshot fetched over REST may be older than events
 * that arrived while it was in flight, so those are replayed over it.
 */
export class ReadHistogram {
  private counts = new Map<number, number>();
  private prefix: { seq: number; below: number }[] | null = null;
  private total = 0;
  private replay: ReadCount[][] | null = null;
  /** Whether a snapshot has been applied at all. */
  loaded = false;

  /** Starts recording events until the snapshot being fetched is applied. */
  beginSnapshot(): void {
    this.replay = [];
  }

  /** The snapshot will not come: stop recording. */
  cancelSnapshot(): void {
    this.replay = null;
  }

  /** Applies a `GET /receipts` answer, then the events that arrived while it was in flight. */
  setSnapshot(counts: ReadCount[]): void {
    const replay = this.replay ?? [];
    this.replay = null;
    this.counts.clear();
    for (const c of counts) if (c.count > 0) this.counts.set(c.seq, c.count);
    for (const r of replay) this.set(r);
    this.loaded = true;
    this.prefix = null;
  }

  /** Applies a `receipts` event: replace the listed entries, count 0 deletes. */
  apply(counts: ReadCount[]): void {
    this.replay?.push(counts);
    this.set(counts);
    this.prefix = null;
  }

  private set(counts: ReadCount[]): void {
    for (const c of counts) {
      if (c.count > 0) this.counts.set(c.seq, c.count);
      else this.counts.delete(c.seq);
    }
  }

  private index() {
    if (!this.prefix) {
      const entries = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
      let below = 0;
      this.prefix = entries.map(([seq, count]) => {
        const e = { seq, below };
        below += count;
        return e;
      });
      this.total = below;
    }
    return this.prefix;
  }

  /** Members counted in the histogram: every member of the room. */
  get members(): number {
    this.index();
    return this.total;
  }

  /** Highest read position anyone holds; 0 when empty. */
  get maxSeq(): number {
    const p = this.index();
    return p.length ? p[p.length - 1]!.seq : 0;
  }

  /** N(seq) = Σ count over entries with entry.seq < seq. */
  unreadBy(seq: number): number {
    const p = this.index();
    // The first entry with entry.seq >= seq; everything before it is below.
    let lo = 0;
    let hi = p.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo < p.length ? p[lo]!.below : this.total;
  }
}

/**
 * "Unread by N" for each message shown. The histogram lags by up to one
 * receipt window (250 ms), and a sender has always read what they sent (the
 * server moves their position in the same transaction). So for messages
 * newer than every position in the histogram, the senders of that message
 * and of any later one — and I, up to my own read position — are known
 * readers the histogram has not counted yet.
 */
export function unreadCounts(
  hist: ReadHistogram,
  messages: readonly Message[],
  me: UserID,
  myReadSeq: number,
): Map<number, number> {
  const out = new Map<number, number>();
  if (!hist.loaded) return out;
  const max = hist.maxSeq;
  const readers = new Set<UserID>();
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.seq <= max) {
      out.set(m.seq, hist.unreadBy(m.seq));
      continue;
    }
    if (m.sender_id) readers.add(m.sender_id);
    if (m.seq <= myReadSeq) readers.add(me);
    out.set(m.seq, Math.max(0, hist.members - readers.size));
  }
  return out;
}
