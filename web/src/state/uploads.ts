import type { UploadTask } from "../api/rest";
import type { Attachment } from "../api/types";
import type { Timers } from "./connection";
import { uploadError } from "./errors";

/** Files one message carries at most (docs/protocol.md "Limits"). */
export const maxAttachments = 10;
/** Uploads of one queue in flight at once; the rest wait their turn. */
const parallel = 3;
/** Tries of one file refused as rate limited (the server refills 1 upload a second). */
const maxRateLimited = 10;

export type UploadStatus = "waiting" | "uploading" | "done" | "failed";

/** A file picked for the next message, and how its upload is going. */
export interface PendingUpload {
  key: string;
  name: string;
  size: number;
  /** What the browser says it is (for a local preview); the server sniffs its own. */
  type: string;
  file: Blob;
  status: UploadStatus;
  /** Bytes sent and the request's total (the file plus the multipart framing). */
  loaded: number;
  total: number;
  attachment?: Attachment;
  /** Why it failed, as a sentence for the chip. */
  error?: string;
  /** A retry may work (the network, the server busy), unlike a file that is too large. */
  retryable?: boolean;
}

export type UploadFn = (file: Blob, name: string, onProgress: (loaded: number, total: number) => void) => UploadTask<Attachment>;

/** The fraction of a pending upload that is sent, 0 to 1. */
export function progressOf(u: PendingUpload): number {
  if (u.status === "done") return 1;
  return u.total > 0 ? Math.min(1, u.loaded / u.total) : 0;
}

/**
 * The files waiting to go with the next message of one room. A file
 * uploads as soon as it is picked (three at a time), so it is usually
 * there by the time the text is written; the message can be sent once
 * every file is uploaded, carrying their ids in the order they were
 * picked. Removing a file stops its upload; an upload the server refuses
 * for a reason that lasts (too large, not decodable) stays as a failed
 * chip until removed.
 */
export class UploadQueue {
  private list: PendingUpload[] = [];
  private tasks = new Map<string, UploadTask<Attachment>>();
  private rateLimited = new Map<string, number>();
  private retryTimer: unknown = null;
  private seq = 0;

  constructor(
    private readonly upload: UploadFn,
    private readonly timers: Timers,
    private readonly onChange: () => void,
  ) {}

  get items(): readonly PendingUpload[] {
    return this.list;
  }

  /**
   * Adds files, at most up to the message limit; returns how many did not
   * fit. Empty files are refused by the server too, so they are not sent.
   */
  add(files: Iterable<Blob & { name?: string }>): number {
    let left = 0;
    const added: PendingUpload[] = [];
    for (const f of files) {
      if (this.list.length + added.length >= maxAttachments) {
        left++;
        continue;
      }
      const u: PendingUpload = {
        key: `u${++this.seq}`,
        name: f.name || "file",
        size: f.size,
        type: f.type,
        file: f,
        status: f.size === 0 ? "failed" : "waiting",
        loaded: 0,
        total: f.size,
      };
      if (f.size === 0) u.error = "The file is empty.";
      added.push(u);
    }
    if (added.length) {
      this.list = [...this.list, ...added];
      this.pump();
      this.onChange();
    }
    return left;
  }

  /** Takes a file out, stopping its upload (what was uploaded is deleted by the server later). */
  remove(key: string): void {
    this.tasks.get(key)?.abort();
    this.tasks.delete(key);
    this.rateLimited.delete(key);
    const before = this.list.length;
    this.list = this.list.filter((u) => u.key !== key);
    if (this.list.length === before) return;
    this.pump();
    this.onChange();
  }

  retry(key: string): void {
    const u = this.list.find((x) => x.key === key);
    if (!u || u.status !== "failed" || !u.retryable) return;
    this.rateLimited.delete(key);
    this.put(key, { status: "waiting", loaded: 0, error: undefined, retryable: undefined });
    this.pump();
  }

  /** Whether anything is still on its way up. */
  get busy(): boolean {
    return this.list.some((u) => u.status === "waiting" || u.status === "uploading");
  }

  get hasFailed(): boolean {
    return this.list.some((u) => u.status === "failed");
  }

  /** Every file is uploaded: a message can carry them. */
  get ready(): boolean {
    return this.list.length > 0 && this.list.every((u) => u.status === "done");
  }

  /** The uploaded files, in the order picked. */
  attachments(): Attachment[] {
    return this.list.flatMap((u) => (u.status === "done" && u.attachment ? [u.attachment] : []));
  }

  /** Empties the queue (its files were sent, or the room is gone); uploads in flight are stopped. */
  clear(): void {
    for (const t of this.tasks.values()) t.abort();
    this.tasks.clear();
    this.rateLimited.clear();
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (!this.list.length) return;
    this.list = [];
    this.onChange();
  }

  private pump(): void {
    for (const u of this.list) {
      if (this.tasks.size >= parallel) return;
      if (u.status === "waiting" && !this.tasks.has(u.key) && this.retryTimer === null) this.start(u);
    }
  }

  private start(u: PendingUpload): void {
    const key = u.key;
    this.put(key, { status: "uploading", loaded: 0 });
    // Progress may be reported before upload() returns; after that, only the current task's counts.
    // Each change re-renders the views, so only whole percents are told.
    let task: UploadTask<Attachment> | null = null;
    let percent = -1;
    task = this.upload(u.file, u.name, (loaded, total) => {
      const now = total > 0 ? Math.floor((100 * loaded) / total) : 0;
      if (now === percent || (task !== null && this.tasks.get(key) !== task)) return;
      percent = now;
      this.put(key, { loaded, total });
    });
    this.tasks.set(key, task);
    task.done.then(
      (a) => {
        if (this.tasks.get(key) !== task) return;
        this.tasks.delete(key);
        this.rateLimited.delete(key);
        this.put(key, { status: "done", attachment: a, loaded: u.total, error: undefined });
        this.pump();
      },
      (e: unknown) => {
        if (this.tasks.get(key) !== task) return;
        this.tasks.delete(key);
        const why = uploadError(e);
        const tries = (this.rateLimited.get(key) ?? 0) + 1;
        if (why.code === "rate_limited" && tries < maxRateLimited) {
          // Wait for the server's bucket to refill, then go on where the queue was.
          this.rateLimited.set(key, tries);
          this.put(key, { status: "waiting", loaded: 0 });
          this.retryTimer ??= this.timers.setTimeout(() => {
            this.retryTimer = null;
            this.pump();
          }, 1000 * tries);
          return;
        }
        this.put(key, { status: "failed", error: why.text, retryable: why.retryable });
        this.pump();
      },
    );
  }

  private put(key: string, change: Partial<PendingUpload>): void {
    this.list = this.list.map((u) => (u.key === key ? { ...u, ...change } : u));
    this.onChange();
  }
}
