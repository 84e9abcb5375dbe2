import type { Message } from "../api/types";

/**
 * Whether `b` is a newer copy of the same message than `a`. Live `message`
 * events carry a message as it was created, history pages and
 * `message_updated` as it is now; edits and deletes set `edited_at`, and a
 * tombstone never comes back to life. So whichever order the copies arrive
 * in, the newest one wins.
 */
export function isNewer(a: Message, b: Message): boolean {
  if (a.deleted !== b.deleted) return !!b.deleted;
  const ta = a.edited_at ? Date.parse(a.edited_at) : 0;
  const tb = b.edited_at ? Date.parse(b.edited_at) : 0;
  return tb > ta;
}

/**
 * One room's messages, keyed by seq: history pages (either order) and live
 * events merge into it, a seq is held once, and it knows the range it holds
 * without gaps — `oldest..have` — which is where scrolling back starts
 * (`before=oldest`) and where catching up starts (`after=have`).
 */
export class Timeline {
  private bySeq = new Map<number, Message>();
  private sorted: Message[] | null = [];
  /** Lowest seq held; 0 when empty. */
  oldest = 0;
  /** Highest seq such that every seq from `oldest` up to it is held. */
  have = 0;
  /** Bumped on every change, so views can tell cheaply that something moved. */
  version = 0;

  get size(): number {
    return this.bySeq.size;
  }

  get(seq: number): Message | undefined {
    return this.bySeq.get(seq);
  }

  /** Highest seq held, contiguous or not. */
  get newest(): number {
    const all = this.messages();
    return all.length ? all[all.length - 1]!.seq : 0;
  }

  /** Whether older messages exist than the ones held (seqs start at 1). */
  get hasOlder(): boolean {
    return this.oldest > 1;
  }

  /** The messages in seq order. The array is replaced on change, never mutated. */
  messages(): Message[] {
    if (!this.sorted) this.sorted = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return this.sorted;
  }

  /**
   * Merges messages from a page or from live events and returns those whose
   * seq was new. A seq already held is replaced only by a newer copy.
   */
  merge(msgs: Iterable<Message>): Message[] {
    const added: Message[] = [];
    let changed = false;
    for (const raw of msgs) {
      // `unread` is a snapshot of the moment the page was served; the live
      // count comes from the receipts histogram.
      const m: Message = { ...raw };
      delete m.unread;
      const old = this.bySeq.get(m.seq);
      if (!old) {
        this.bySeq.set(m.seq, m);
        added.push(m);
        changed = true;
      } else if (isNewer(old, m)) {
        this.bySeq.set(m.seq, m);
        changed = true;
      }
    }
    if (changed) this.changed();
    return added;
  }

  /** Applies a `message_updated` event to a message held; others are ignored (their page will be current). */
  update(m: Message): boolean {
    const old = this.bySeq.get(m.seq);
    if (!old || !isNewer(old, m)) return false;
    const next: Message = { ...m };
    delete next.unread;
    this.bySeq.set(m.seq, next);
    this.changed();
    return true;
  }

  /**
   * The first hole above `have`: fetch `after` ascending, up to `upTo`.
   * Null when the seqs held are contiguous.
   */
  gap(): { after: number; upTo: number } | null {
    const all = this.messages();
    for (const m of all) {
      if (m.seq > this.have + 1) return { after: this.have, upTo: m.seq - 1 };
    }
    return null;
  }

  /** Forgets everything, e.g. when a room has moved on too far to catch up message by message. */
  clear(): void {
    this.bySeq.clear();
    this.changed();
  }

  private changed(): void {
    this.sorted = null;
    this.version++;
    const all = this.messages();
    this.oldest = all.length ? all[0]!.seq : 0;
    let have = this.oldest ? this.oldest - 1 : 0;
    for (const m of all) {
      if (m.seq !== have + 1) break;
      have = m.seq;
    }
    this.have = have;
  }
}
