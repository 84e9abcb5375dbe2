import type { Attachment, Message, RoomID, UserID } from "../api/types";

/** Where the queue survives a reload: localStorage in the browser, a map in tests. */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type OutgoingStatus = "queued" | "sending" | "failed";

/** A message I typed that the server has not acknowledged yet. */
export interface Outgoing {
  client_id: string;
  room_id: RoomID;
  text: string;
  reply_to?: number;
  /**
   * Files already uploaded, sent by id. Only uploaded files get here, so a
   * message queued offline needs nothing but the connection to go out.
   */
  attachments?: Attachment[];
  created_at: string;
  status: OutgoingStatus;
  /** Why it failed for good (status "failed"). */
  error?: string;
  /** The server's code for that (docs/protocol.md "Error codes"). */
  code?: string;
}

/**
 * A failure a retry cannot fix and that says no more than it must: the
 * 1:1's other person cannot be reached (they blocked me). Shown as a
 * neutral "can't send to this chat", without a Retry.
 */
export function isUnreachable(o: Pick<Outgoing, "status" | "code">): boolean {
  return o.status === "failed" && o.code === "unreachable";
}

/** Error codes after which the same send may succeed later (docs/protocol.md "Error codes"). */
const transient = new Set(["rate_limited", "unavailable", "internal", "network", "offline"]);

export function isTransient(code: string): boolean {
  return transient.has(code);
}

/** A client_id unique per user across rooms: 128 random bits. */
export function newClientId(): string {
  return "web-" + crypto.randomUUID();
}

/**
 * The offline send queue. Each message gets its client_id once, when typed,
 * and keeps it through every retry, so the server stores it at most once
 * (docs/protocol.md "Idempotent sends"). A message leaves the queue when its
 * ack arrives or when it arrives live carrying that client_id — whichever
 * comes first; sends that fail for a reason that will not clear stay, marked
 * failed, until retried or discarded.
 */
export class Outbox {
  private items: Outgoing[] = [];
  version = 0;

  constructor(
    private readonly store: KeyValue | null,
    private readonly key: string,
    private readonly makeId: () => string = newClientId,
    private readonly now: () => Date = () => new Date(),
  ) {
    const saved = store?.getItem(key);
    if (saved) {
      try {
        const parsed = JSON.parse(saved) as Outgoing[];
        // One that was in flight when the page went away may or may not
        // have been stored: sending it again with its client_id is safe.
        this.items = parsed.map((o) => (o.status === "sending" ? { ...o, status: "queued" } : o));
      } catch {
        this.items = [];
      }
    }
  }

  all(): readonly Outgoing[] {
    return this.items;
  }

  forRoom(room: RoomID): Outgoing[] {
    return this.items.filter((o) => o.room_id === room);
  }

  /** The oldest message waiting to be sent. */
  nextQueued(): Outgoing | undefined {
    return this.items.find((o) => o.status === "queued");
  }

  add(room: RoomID, text: string, replyTo?: number, attachments: Attachment[] = []): Outgoing {
    const o: Outgoing = {
      client_id: this.makeId(),
      room_id: room,
      text,
      created_at: this.now().toISOString(),
      status: "queued",
    };
    if (replyTo) o.reply_to = replyTo;
    if (attachments.length) o.attachments = attachments;
    this.items = [...this.items, o];
    this.save();
    return o;
  }

  markSending(clientId: string): void {
    this.setStatus(clientId, "sending");
  }

  /** The server acknowledged it: it is stored and will arrive live. */
  acked(clientId: string): boolean {
    return this.drop(clientId);
  }

  /** A live or fetched message: if it is mine and queued here, it was stored. */
  seen(m: Message, me: UserID): boolean {
    return !!m.client_id && m.sender_id === me && this.drop(m.client_id);
  }

  /** A send failed: back in the queue if it may succeed later, else marked failed. */
  failed(clientId: string, code: string, message: string): void {
    if (isTransient(code)) {
      this.setStatus(clientId, "queued");
      return;
    }
    this.items = this.items.map((o) => (o.client_id === clientId ? { ...o, status: "failed", error: message, code } : o));
    this.save();
  }

  /** The connection dropped: whatever was in flight is sent again on the next one. */
  requeueInFlight(): void {
    if (!this.items.some((o) => o.status === "sending")) return;
    this.items = this.items.map((o) => (o.status === "sending" ? { ...o, status: "queued" } : o));
    this.save();
  }

  retry(clientId: string): void {
    this.items = this.items.map((o) => {
      if (o.client_id !== clientId) return o;
      const next: Outgoing = { ...o, status: "queued" };
      delete next.error;
      delete next.code;
      return next;
    });
    this.save();
  }

  discard(clientId: string): boolean {
    return this.drop(clientId);
  }

  /** Drops every message of a room I am no longer in. */
  dropRoom(room: RoomID): void {
    const before = this.items.length;
    this.items = this.items.filter((o) => o.room_id !== room);
    if (this.items.length !== before) this.save();
  }

  private setStatus(clientId: string, status: OutgoingStatus): void {
    this.items = this.items.map((o) => (o.client_id === clientId && o.status !== status ? { ...o, status } : o));
    this.save();
  }

  private drop(clientId: string): boolean {
    const before = this.items.length;
    this.items = this.items.filter((o) => o.client_id !== clientId);
    if (this.items.length === before) return false;
    this.save();
    return true;
  }

  private save(): void {
    this.version++;
    if (!this.store) return;
    if (this.items.length) this.store.setItem(this.key, JSON.stringify(this.items));
    else this.store.removeItem(this.key);
  }
}
