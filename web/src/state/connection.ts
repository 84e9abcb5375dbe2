import type { ServerFrame } from "../api/types";

/** The part of the browser's WebSocket the connection uses (a fake in tests). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
};

export type ConnState =
  | { kind: "connecting"; attempt: number }
  | { kind: "open" }
  | { kind: "waiting"; attempt: number; retryAt: number; code: number }
  | { kind: "ended"; code: number; reason: string }
  | { kind: "stopped" };

/** A request that failed: an error frame's code, or "offline" when the connection went away first. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits one WebSocket message into its frames: the server batches several
 * JSON objects per message, one per line (docs/protocol.md "Frames"). A line
 * that is not a JSON object is skipped rather than ending the connection.
 */
export function splitFrames(data: string): ServerFrame[] {
  const out: ServerFrame[] = [];
  for (const line of data.split("\n")) {
    if (!line.trim()) continue;
    try {
      const f = JSON.parse(line) as unknown;
      if (f && typeof f === "object" && typeof (f as { type?: unknown }).type === "string") out.push(f as ServerFrame);
    } catch {
      // Not JSON: nothing to act on.
    }
  }
  return out;
}

/** 4000–4499 and ordinary drops: reconnect; 4500–4999: never (docs/protocol.md "Close codes"). */
export function mayReconnect(code: number): boolean {
  return code < 4500 || code > 4999;
}

/**
 * Exponential backoff with jitter: 0.5 s doubling to 30 s, each wait drawn
 * from the upper half of its step so a restarted server is not met by every
 * client at once.
 */
export function backoffDelay(attempt: number, random: () => number, baseMs = 500, maxMs = 30_000): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(step / 2 + (random() * step) / 2);
}

export interface ConnectionOptions {
  /**
   * The WebSocket URL, asked anew on every attempt. A browser's holds a
   * single-use ticket fetched for that attempt (docs/protocol.md
   * "Connecting"), hence a promise; a rejected one counts as a failed attempt.
   */
  url: () => string | Promise<string>;
  createSocket: (url: string) => SocketLike;
  /** Every frame that is not the answer to a request: ready and the events. */
  onFrame: (f: ServerFrame) => void;
  onState: (s: ConnState) => void;
  /** The socket closed; `wasReady` tells a drop from a refused handshake. */
  onDrop?: (code: number, wasReady: boolean) => void;
  random?: () => number;
  timers?: Timers;
  now?: () => number;
  /** Browsers cannot see WebSocket pings: send an application ping this often… */
  pingEveryMs?: number;
  /** …and reconnect when its ack is this late. */
  pingTimeoutMs?: number;
}

interface Pending {
  resolve: (data: unknown) => void;
  reject: (e: RequestError) => void;
}

/**
 * One WebSocket that keeps itself alive: reconnects with backoff after any
 * drop the close code allows, answers requests by id, and detects a dead
 * link with application pings. Resuming (what was missed while away) is the
 * caller's job, on each `ready` frame.
 */
export class Connection {
  private ws: SocketLike | null = null;
  private stateValue: ConnState = { kind: "stopped" };
  private attempt = 0;
  private nextId = 0;
  private pending = new Map<string, Pending>();
  private retryTimer: unknown = null;
  /** Counts dial attempts, so a URL that arrives after its attempt was abandoned is ignored. */
  private dials = 0;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;
  private readonly random: () => number;
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(private readonly opts: ConnectionOptions) {
    this.random = opts.random ?? Math.random;
    this.timers = opts.timers ?? realTimers;
    this.now = opts.now ?? Date.now;
  }

  get state(): ConnState {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue.kind === "open";
  }

  start(): void {
    if (this.stateValue.kind !== "stopped") return;
    this.attempt = 0;
    this.dial();
  }

  /** Closes for good (logout, page teardown). */
  stop(): void {
    this.clearTimers();
    this.detach(1000, "bye");
    this.failPending("offline", "connection stopped");
    this.setState({ kind: "stopped" });
  }

  /** Skips the wait before the next attempt ("Retry now"). */
  retryNow(): void {
    if (this.stateValue.kind !== "waiting") return;
    this.timers.clearTimeout(this.retryTimer);
    this.dial();
  }

  /**
   * Sends a request and resolves with its ack's data. Rejects with the
   * error frame's code, or "offline" if the connection is not open or drops
   * before the answer (the caller decides whether to send again).
   */
  request(type: string, data?: unknown): Promise<unknown> {
    if (!this.ws || this.stateValue.kind !== "open") {
      return Promise.reject(new RequestError("offline", "not connected"));
    }
    const id = String(++this.nextId);
    const frame = data === undefined ? { id, type } : { id, type, data };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.ws!.send(JSON.stringify(frame));
      } catch {
        this.pending.delete(id);
        reject(new RequestError("offline", "send failed"));
      }
    });
  }

  private dial(): void {
    this.setState({ kind: "connecting", attempt: this.attempt });
    const dial = ++this.dials;
    let url: string | Promise<string>;
    try {
      url = this.opts.url();
    } catch {
      this.dropped(1006);
      return;
    }
    if (typeof url === "string") {
      this.open(url);
      return;
    }
    const current = () => dial === this.dials && this.stateValue.kind === "connecting";
    url.then(
      (u) => {
        if (current()) this.open(u);
      },
      () => {
        if (current()) this.dropped(1006);
      },
    );
  }

  private open(url: string): void {
    let ws: SocketLike;
    try {
      ws = this.opts.createSocket(url);
    } catch {
      this.dropped(1006);
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== "string") return;
      this.receive(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.dropped(ev.code);
    };
    ws.onerror = () => {
      // A close event follows every error; that is where reconnecting starts.
    };
  }

  private receive(data: string): void {
    for (const f of splitFrames(data)) {
      if (f.type === "ack" || f.type === "error") {
        const id = (f as { id?: string }).id;
        const p = id !== undefined ? this.pending.get(id) : undefined;
        if (p) {
          this.pending.delete(id!);
          if (f.type === "ack") p.resolve((f as { data?: unknown }).data);
          else {
            const e = (f as { error?: { code?: string; message?: string } }).error;
            p.reject(new RequestError(e?.code ?? "internal", e?.message ?? "request failed"));
          }
          continue;
        }
      }
      if (f.type === "ready") {
        this.attempt = 0;
        this.setState({ kind: "open" });
        this.schedulePing();
      }
      this.opts.onFrame(f);
    }
  }

  private dropped(code: number): void {
    const wasReady = this.stateValue.kind === "open";
    this.clearTimers();
    this.detach();
    this.failPending("offline", "connection lost");
    this.opts.onDrop?.(code, wasReady);
    if (this.stateValue.kind === "stopped" || this.stateValue.kind === "ended") return;
    if (!mayReconnect(code)) {
      this.setState({ kind: "ended", code, reason: "session ended" });
      return;
    }
    const wait = backoffDelay(this.attempt, this.random);
    this.attempt++;
    this.setState({ kind: "waiting", attempt: this.attempt, retryAt: this.now() + wait, code });
    this.retryTimer = this.timers.setTimeout(() => this.dial(), wait);
  }

  private schedulePing(): void {
    const every = this.opts.pingEveryMs ?? 25_000;
    const timeout = this.opts.pingTimeoutMs ?? 10_000;
    this.pingTimer = this.timers.setTimeout(() => {
      const ws = this.ws;
      this.pongTimer = this.timers.setTimeout(() => {
        // No answer: the link is dead even if the socket has not noticed.
        if (this.ws === ws) this.dropped(4002);
      }, timeout);
      this.request("ping").then(
        () => {
          this.timers.clearTimeout(this.pongTimer);
          if (this.ws === ws) this.schedulePing();
        },
        () => {
          // The drop that rejected it reconnects.
        },
      );
    }, every);
  }

  private detach(code?: number, reason?: string): void {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  private failPending(code: string, message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new RequestError(code, message));
  }

  private clearTimers(): void {
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.pingTimer);
    this.timers.clearTimeout(this.pongTimer);
    this.retryTimer = this.pingTimer = this.pongTimer = null;
  }

  private setState(s: ConnState): void {
    this.stateValue = s;
    this.opts.onState(s);
  }
}
