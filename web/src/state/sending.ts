import type { Rest } from "../api/rest";
import type { Attachment, Message, RoomID } from "../api/types";
import { RequestError, type Connection, type Timers } from "./connection";
import { Outbox, isTransient, type KeyValue } from "./outbox";
import { maxAttachments, UploadQueue } from "./uploads";
import { charCount, limits } from "./limits";

export interface SenderDeps {
  rest: Rest;
  timers: Timers;
  /** The connection, only while it is open and caught up after `ready`. */
  live: () => Connection | null;
  /** A stored message (the ack of a send), applied like any other. */
  ingest: (m: Message) => void;
  emit: () => void;
  notify: (text: string) => void;
  /** A send was refused as `unreachable`: this chat cannot reach its other person. */
  unreachable: (room: RoomID) => void;
}

/**
 * What I send: the offline queue (`Outbox`), sent over the connection one
 * message at a time, and the files picked for each room's next message.
 * Files upload over REST as soon as they are picked; a message takes only
 * uploaded ones, so a message queued offline waits for nothing but the
 * connection (unless it waits longer than the server keeps unsent uploads,
 * an hour: then the send fails as `invalid` and shows as not sent).
 */
export class Sender {
  outbox: Outbox | null = null;
  private flushing = false;
  private uploads = new Map<RoomID, UploadQueue>();

  constructor(private readonly deps: SenderDeps) {}

  /** A session began: its queue, as a reload left it. */
  open(store: KeyValue | null, key: string): void {
    this.outbox = new Outbox(store, key);
  }

  /** The session ended: uploads in flight stop, the queue is let go (its storage stays for the same person). */
  close(): void {
    for (const q of this.uploads.values()) q.clear();
    this.uploads.clear();
    this.outbox = null;
  }

  /** Queues a message; text may be empty when it carries files. Returns whether it was queued. */
  send(room: RoomID, text: string, replyTo?: number, attachments: Attachment[] = []): boolean {
    if (!this.outbox || (!text.trim() && !attachments.length)) return false;
    if (charCount(text) > limits.message) {
      this.deps.notify("That message is too long (at most 4,000 characters).");
      return false;
    }
    if (attachments.length > maxAttachments) {
      this.deps.notify(`A message carries at most ${maxAttachments} files.`);
      return false;
    }
    this.outbox.add(room, text.trim() ? text : "", replyTo, attachments);
    this.deps.emit();
    void this.flush();
    return true;
  }

  /** The files picked for a room's next message. */
  uploadsFor(room: RoomID): UploadQueue {
    let q = this.uploads.get(room);
    if (!q) {
      q = new UploadQueue((file, name, onProgress) => this.deps.rest.uploadAttachment(file, name, onProgress), this.deps.timers, this.deps.emit);
      this.uploads.set(room, q);
    }
    return q;
  }

  retry(clientId: string): void {
    this.outbox?.retry(clientId);
    this.deps.emit();
    void this.flush();
  }

  discard(clientId: string): void {
    this.outbox?.discard(clientId);
    this.deps.emit();
  }

  /** I left the room, or was removed: nothing more goes there. */
  dropRoom(room: RoomID): void {
    this.outbox?.dropRoom(room);
    this.uploads.get(room)?.clear();
    this.uploads.delete(room);
  }

  /** Sends queued messages in order, one at a time, while the connection is up. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        const outbox = this.outbox;
        const conn = this.deps.live();
        if (!outbox || !conn) return;
        const o = outbox.nextQueued();
        if (!o) return;
        outbox.markSending(o.client_id);
        this.deps.emit();
        try {
          const data: Record<string, unknown> = { room_id: o.room_id, client_id: o.client_id, text: o.text };
          if (o.reply_to) data["reply_to"] = o.reply_to;
          if (o.attachments?.length) data["attachments"] = o.attachments.map((a) => a.id);
          const m = (await conn.request("send", data)) as Message;
          outbox.acked(o.client_id);
          this.deps.ingest(m);
        } catch (e) {
          const code = e instanceof RequestError ? e.code : "internal";
          outbox.failed(o.client_id, code, e instanceof Error ? e.message : "send failed");
          if (code === "unreachable") this.deps.unreachable(o.room_id);
          this.deps.emit();
          if (code === "offline") return;
          if (isTransient(code)) await new Promise((res) => this.deps.timers.setTimeout(() => res(null), 1000));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
