import type { SocketLike, Timers } from "./connection";
import type { KeyValue } from "./outbox";

/** A WebSocket the test drives: it records what the client sends and delivers what the test pushes. */
export class FakeSocket implements SocketLike {
  sent: { id?: string; type: string; data?: Record<string, unknown> }[] = [];
  closed: { code?: number } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number): void {
    this.closed = { code };
  }
  /** The server writes frames, batched into one WebSocket message. */
  push(...frames: unknown[]): void {
    this.onmessage?.({ data: frames.map((f) => JSON.stringify(f)).join("\n") });
  }
  /** The server or network closes the connection. */
  drop(code = 1006): void {
    this.onclose?.({ code, reason: "" });
  }
  /** Answers the last request of a type with an ack. */
  ack(type: string, data: unknown): void {
    const req = [...this.sent].reverse().find((f) => f.type === type);
    if (!req) throw new Error(`no ${type} request to ack`);
    this.push({ type: "ack", id: req.id, data });
  }
}

/** Timers that run only when the test says how much time passed. */
export class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private queue = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.queue.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.queue.delete(id as number);
  }
  get pending(): number[] {
    return [...this.queue.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.queue.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.queue.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

/** A localStorage stand-in over a Map (`data`, for looking at what was stored). */
export function memoryStore(): KeyValue & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}
