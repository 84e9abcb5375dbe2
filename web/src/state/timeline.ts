import type { Message } from "../api/types";
import { applyReaction } from "./reactions";

/** A reaction change as the timeline keeps it for replay over pages in flight. */
interface ReactionChange {
  n: number;
  seq: number;
  emoji: string;
  count: number;
  mine: boolean | undefined;
}

/** Reaction changes kept for replay: more than arrive while one page is in flight. */
const reactionLogSize = 500;

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
  private reactionLog: ReactionChange[] = [];
  private reactionN = 0;

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
   * History pages carry each message's current reactions (absent = none);
   * live copies carry none, so a held message keeps its own. `since` is the
   * `reactionMark()` taken when the page was asked for: the reaction events
   * that arrived while it was in flight are applied again over it.
   */
  merge(msgs: Iterable<Message>, page?: { since: number }): Message[] {
    const added: Message[] = [];
    let changed = false;
    const seqs = new Set<number>();
    for (const raw of msgs) {
      // `unread` is a snapshot of the moment the page was served; the live
      // count comes from the receipts histogram.
      const m: Message = { ...raw };
      delete m.unread;
      if (!page) delete m.reactions;
      else if (!m.reactions?.length) delete m.reactions;
      seqs.add(m.seq);
      const old = this.bySeq.get(m.seq);
      if (!old) {
        this.bySeq.set(m.seq, m);
        added.push(m);
        changed = true;
      } else if (isNewer(old, m)) {
        if (!page && old.reactions && !m.deleted) m.reactions = old.reactions;
        this.bySeq.set(m.seq, m);
        changed = true;
      } else if (page && !sameReactions(old.reactions, m.reactions)) {
        this.bySeq.set(m.seq, withReactions(old, m.reactions));
        changed = true;
      }
    }
    if (page) {
      for (const r of this.reactionLog) if (r.n > page.since && seqs.has(r.seq)) changed = this.applyReaction(r) || changed;
    }
    if (changed) this.changed();
    return added;
  }

  /** Where the reaction log stands: take it before asking for a page, give it to `merge`. */
  reactionMark(): number {
    return this.reactionN;
  }

  /**
   * A reaction event (or the answer to my own change): sets the emoji's
   * absolute count on the message held. `mine` is true/false for my own
   * change, undefined for someone else's. A message not held is left alone;
   * the page that brings it carries its reactions.
   */
  react(seq: number, emoji: string, count: number, mine: boolean | undefined): boolean {
    const r = { n: ++this.reactionN, seq, emoji, count, mine };
    this.reactionLog.push(r);
    if (this.reactionLog.length > reactionLogSize) this.reactionLog.splice(0, this.reactionLog.length - reactionLogSize);
    if (!this.applyReaction(r)) return false;
    this.changed();
    return true;
  }

  private applyReaction(r: ReactionChange): boolean {
    const m = this.bySeq.get(r.seq);
    if (!m || m.deleted) return false;
    const next = applyReaction(m.reactions, r.emoji, r.count, r.mine);
    if (next === m.reactions) return false;
    this.bySeq.set(r.seq, withReactions(m, next));
    return true;
  }

  /** Applies a `message_updated` event to a message held; others are ignored (their page will be current). */
  update(m: Message): boolean {
    const old = this.bySeq.get(m.seq);
    if (!old || !isNewer(old, m)) return false;
    const next: Message = { ...m };
    delete next.unread;
    // Events carry no reactions: an edit keeps them, a delete drops them.
    if (old.reactions && !m.deleted) next.reactions = old.reactions;
    else delete next.reactions;
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

function withReactions(m: Message, reactions: Message["reactions"]): Message {
  const next: Message = { ...m, reactions };
  if (!reactions) delete next.reactions;
  return next;
}

function sameReactions(a: Message["reactions"], b: Message["reactions"]): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => r.emoji === y[i]!.emoji && r.count === y[i]!.count && r.me === y[i]!.me);
}
