/** Fetches a media path with the session's bearer token (attachment URLs take no token in the query). */
export type MediaFetch = (path: string) => Promise<Blob>;

/** URL.createObjectURL and its revoke, injectable for tests. */
export interface ObjectUrls {
  create(blob: Blob): string;
  revoke(url: string): void;
}

export type MediaState =
  | { status: "loading" }
  | { status: "ready"; url: string; type: string; size: number }
  | { status: "failed"; code: string; message: string };

export interface MediaLimits {
  /** Media nobody shows any more, kept for when it is shown again (scrolling back, reopening a room). */
  idleEntries: number;
  idleBytes: number;
}

const defaultLimits: MediaLimits = { idleEntries: 200, idleBytes: 32 << 20 };

/**
 * Types a blob URL may carry: what the server serves as inline images, and
 * the media and plain text it serves as such (docs/protocol.md "Attachments",
 * safety). Anything else becomes application/octet-stream, so a blob: URL of
 * our origin can never be a document, whatever a server or proxy said.
 */
const safeType = /^(image\/(png|jpeg|gif|webp)|audio\/[\w.+-]+|video\/[\w.+-]+|text\/plain)(;|$)/i;

export function servedType(type: string): string {
  return safeType.test(type) ? type : "application/octet-stream";
}

interface Entry {
  state: MediaState;
  refs: number;
  bytes: number;
  /** The bytes this entry adds to idleBytes while it is idle. */
  counted: number;
  settled: Promise<MediaState>;
}

/**
 * Authenticated media (avatars, thumbnails, files) as blob: URLs, shared by
 * every component that shows the same path. A component takes a reference
 * while it shows one and gives it back when it stops; the first reference
 * starts the one fetch every later reader shares. Media nobody references
 * stays in a small LRU, bounded in entries and bytes, and its object URL is
 * revoked when it falls out; a failure is forgotten as soon as nobody shows
 * it, so the next showing tries again.
 */
export class MediaCache {
  private entries = new Map<string, Entry>();
  /** Unreferenced entries, least recently released first. */
  private idle = new Map<string, Entry>();
  private idleBytes = 0;
  private listeners = new Map<string, Set<() => void>>();

  constructor(
    private readonly fetchMedia: MediaFetch,
    private readonly urls: ObjectUrls = { create: (b) => URL.createObjectURL(b), revoke: (u) => URL.revokeObjectURL(u) },
    private readonly limits: MediaLimits = defaultLimits,
  ) {}

  /** The media of a path as it is now; undefined if nobody asked for it (or it was evicted). */
  state(path: string): MediaState | undefined {
    return this.entries.get(path)?.state;
  }

  /** Calls fn whenever the state of path changes. */
  subscribe(path: string, fn: () => void): () => void {
    let subs = this.listeners.get(path);
    if (!subs) this.listeners.set(path, (subs = new Set()));
    subs.add(fn);
    return () => {
      subs.delete(fn);
      if (!subs.size && this.listeners.get(path) === subs) this.listeners.delete(path);
    };
  }

  /** Takes a reference to path's media, fetching it if nobody holds it; returns the release. */
  acquire(path: string): () => void {
    const e = this.entries.get(path) ?? this.load(path);
    if (e.refs === 0) this.unpark(path, e);
    e.refs++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(path, e);
    };
  }

  /** Resolves once path is ready or failed; the caller holds a reference. */
  settled(path: string): Promise<MediaState> {
    const e = this.entries.get(path);
    return e ? e.settled : Promise.resolve({ status: "failed", code: "internal", message: "not requested" });
  }

  /** Forgets everything (the session ended): every object URL is revoked, fetches in flight are dropped. */
  clear(): void {
    const all = [...this.entries.entries()];
    this.entries.clear();
    this.idle.clear();
    this.idleBytes = 0;
    for (const [, e] of all) if (e.state.status === "ready") this.urls.revoke(e.state.url);
    for (const [path] of all) this.notify(path);
  }

  /** Paths held, shown or idle. */
  get size(): number {
    return this.entries.size;
  }

  private load(path: string): Entry {
    let settle: (s: MediaState) => void = () => {};
    const e: Entry = { state: { status: "loading" }, refs: 0, bytes: 0, counted: 0, settled: new Promise((res) => (settle = res)) };
    this.entries.set(path, e);
    this.fetchMedia(path).then(
      (blob) => {
        // Evicted or cleared while in flight: nobody would revoke a URL made now.
        if (this.entries.get(path) !== e) return settle({ status: "failed", code: "aborted", message: "no longer shown" });
        const type = servedType(blob.type);
        const typed = type === blob.type ? blob : blob.slice(0, blob.size, type);
        e.bytes = blob.size;
        this.set(path, e, { status: "ready", url: this.urls.create(typed), type, size: blob.size });
        settle(e.state);
      },
      (err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        const state: MediaState = {
          status: "failed",
          code: typeof code === "string" ? code : "internal",
          message: err instanceof Error ? err.message : "could not load",
        };
        if (this.entries.get(path) === e) this.set(path, e, state);
        settle(state);
      },
    );
    return e;
  }

  private set(path: string, e: Entry, state: MediaState): void {
    e.state = state;
    if (e.refs === 0) {
      // A failure nobody shows is not kept (showing it again retries); the rest lands in the LRU.
      if (state.status === "failed") this.forget(path, e);
      else this.park(path, e);
    }
    this.notify(path);
  }

  private release(path: string, e: Entry): void {
    if (this.entries.get(path) !== e) return;
    e.refs--;
    if (e.refs > 0) return;
    if (e.state.status === "failed") this.forget(path, e);
    else this.park(path, e);
  }

  private park(path: string, e: Entry): void {
    this.unpark(path, e);
    this.idle.set(path, e);
    e.counted = e.bytes;
    this.idleBytes += e.counted;
    for (const [p, x] of this.idle) {
      if (this.idle.size <= this.limits.idleEntries && this.idleBytes <= this.limits.idleBytes) break;
      this.forget(p, x);
      this.notify(p);
    }
  }

  private unpark(path: string, e: Entry): void {
    if (!this.idle.delete(path)) return;
    this.idleBytes -= e.counted;
    e.counted = 0;
  }

  private forget(path: string, e: Entry): void {
    this.unpark(path, e);
    this.entries.delete(path);
    if (e.state.status === "ready") this.urls.revoke(e.state.url);
  }

  private notify(path: string): void {
    for (const fn of this.listeners.get(path) ?? []) fn();
  }
}
