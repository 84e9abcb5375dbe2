// The room list's per-room counts of messages after my read position (the
// mention badge and the unread count), kept exact between the server's counts.

/**
 * One room's count of messages after my read position that match a rule:
 * the mention badge (docs/protocol.md "Mentions") and the unread count
 * ("Unread": not mine, not a system line), kept exact the same way.
 * `base` is the server's count of matching messages in (lastRead, upto];
 * `known` holds, for messages after lastRead that reached this client (live
 * or in a page), whether they match now. The count is base plus the known
 * matches after upto.
 */
export class CountBadge {
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
   * `matches` is whether it matches now (never true for my own).
   */
  observe(seq: number, matches: boolean): void {
    if (seq <= this.lastRead) return;
    const before = this.known.get(seq);
    this.known.set(seq, matches);
    // The server's count covers up to `upto` as the message was then; only a
    // change seen here since moves it.
    if (seq <= this.upto && before !== undefined && before !== matches) {
      this.base = Math.max(0, this.base + (matches ? 1 : -1));
    }
  }

  /**
   * My read position moved. With a count (a `read` event, the answer to a
   * read, a fresher summary) that is not older than the one held, take it.
   * A move without one (my own send, the read shown before the server
   * answers) takes off the counted messages it read when this client holds
   * every one of them, and otherwise keeps the count until one comes, unless
   * it read past everything counted.
   */
  read(lastRead: number, count?: number, lastSeq?: number): void {
    if (count !== undefined && lastSeq !== undefined && lastRead >= this.lastRead && lastSeq >= this.upto) {
      this.base = count;
      this.upto = lastSeq;
    } else if (lastRead > this.lastRead) {
      this.base = Math.max(0, this.base - this.knownMatches(this.lastRead, Math.min(lastRead, this.upto)));
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

  /** The known matches in (from, to], or 0 unless every message there is known. */
  private knownMatches(from: number, to: number): number {
    if (to - from > this.known.size) return 0;
    let n = 0;
    for (let s = from + 1; s <= to; s++) {
      const m = this.known.get(s);
      if (m === undefined) return 0;
      if (m) n++;
    }
    return n;
  }

  get count(): number {
    let n = this.base;
    for (const [s, m] of this.known) if (m && s > this.upto) n++;
    return n;
  }
}
