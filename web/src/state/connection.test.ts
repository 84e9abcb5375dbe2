import { describe, expect, it } from "vitest";
import { Connection, RequestError, backoffDelay, mayReconnect, splitFrames, type ConnState } from "./connection";
import { FakeSocket, FakeTimers } from "./fakes";

function setup(random = () => 0.5) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const frames: { type: string }[] = [];
  const states: ConnState[] = [];
  const drops: [number, boolean][] = [];
  const conn = new Connection({
    url: () => "ws://h/api/v1/ws?token=t",
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    onDrop: (code, wasReady) => drops.push([code, wasReady]),
    timers,
    random,
    now: () => timers.now,
    pingEveryMs: 25_000,
    pingTimeoutMs: 10_000,
  });
  const last = () => sockets[sockets.length - 1]!;
  const ready = () => last().push({ type: "ready", data: { user: { id: "u" }, rooms: [] } });
  return { conn, timers, sockets, frames, states, drops, last, ready };
}

describe("splitFrames", () => {
  it("splits a batched message on newlines and skips blank and broken lines", () => {
    const batched = '{"type":"message","data":{"seq":1}}\n\n{"type":"receipts","data":{}}\nnot json\n{"no":"type"}\n';
    expect(splitFrames(batched).map((f) => f.type)).toEqual(["message", "receipts"]);
  });
});

describe("close codes and backoff", () => {
  it("reconnects on 4000–4499 and drops, never on 4500–4999", () => {
    for (const c of [1000, 1006, 1009, 4000, 4001, 4002, 4499]) expect(mayReconnect(c)).toBe(true);
    for (const c of [4500, 4700, 4999]) expect(mayReconnect(c)).toBe(false);
  });

  it("doubles from 0.5 s to a 30 s cap, jittered within the upper half of each step", () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
    expect(backoffDelay(40, () => 1)).toBe(30_000);
    expect(backoffDelay(40, () => 0)).toBe(15_000);
  });
});

describe("Connection", () => {
  it("is open at the ready frame and passes events on in order", () => {
    const t = setup();
    t.conn.start();
    expect(t.conn.state.kind).toBe("connecting");
    t.last().push({ type: "ready", data: {} }, { type: "message", data: { seq: 1 } }, { type: "some_future_event" });
    expect(t.conn.isOpen).toBe(true);
    expect(t.frames.map((f) => f.type)).toEqual(["ready", "message", "some_future_event"]);
  });

  it("matches acks and errors to requests by id", async () => {
    const t = setup();
    t.conn.start();
    t.ready();
    const a = t.conn.request("send", { text: "a" });
    const b = t.conn.request("send", { text: "b" });
    const [ra, rb] = t.last().sent;
    t.last().push({ type: "error", id: rb!.id, error: { code: "invalid", message: "text is empty" } }, { type: "ack", id: ra!.id, data: { seq: 7 } });
    await expect(a).resolves.toEqual({ seq: 7 });
    await expect(b).rejects.toMatchObject({ code: "invalid" });
    expect(t.frames.map((f) => f.type)).toEqual(["ready"]);
  });

  it("rejects requests while offline and those in flight when the connection drops", async () => {
    const t = setup();
    t.conn.start();
    await expect(t.conn.request("read", {})).rejects.toBeInstanceOf(RequestError);
    t.ready();
    const p = t.conn.request("send", {});
    t.last().drop(1006);
    await expect(p).rejects.toMatchObject({ code: "offline" });
  });

  it("reconnects with growing backoff and resets it after a ready frame", () => {
    const t = setup(() => 1);
    t.conn.start();
    t.last().drop(1006); // refused before ready
    expect(t.drops).toEqual([[1006, false]]);
    expect(t.timers.pending).toEqual([500]);
    t.timers.advance(500);
    expect(t.sockets).toHaveLength(2);
    t.last().drop(1006);
    expect(t.timers.pending).toEqual([1000]);
    t.timers.advance(1000);
    t.ready();
    t.last().drop(4000); // server restart
    expect(t.drops[2]).toEqual([4000, true]);
    expect(t.timers.pending).toEqual([500]);
    expect(t.conn.state).toMatchObject({ kind: "waiting", code: 4000 });
  });

  it("stops for good on 4500 (session ended)", () => {
    const t = setup();
    t.conn.start();
    t.ready();
    t.last().drop(4500);
    expect(t.conn.state.kind).toBe("ended");
    expect(t.timers.pending).toEqual([]);
  });

  it("reconnects when a ping goes unanswered", () => {
    const t = setup();
    t.conn.start();
    t.ready();
    t.timers.advance(25_000);
    const ping = t.last().sent.find((f) => f.type === "ping");
    expect(ping).toBeDefined();
    t.timers.advance(10_000);
    expect(t.sockets[0]!.closed).not.toBeNull();
    expect(t.conn.state.kind).toBe("waiting");
  });

  it("keeps pinging while acks come back", async () => {
    const t = setup();
    t.conn.start();
    t.ready();
    for (let i = 0; i < 3; i++) {
      t.timers.advance(25_000);
      t.last().ack("ping", {});
      await new Promise((r) => setTimeout(r, 0));
    }
    t.timers.advance(5_000);
    expect(t.last().sent.filter((f) => f.type === "ping")).toHaveLength(3);
    expect(t.conn.isOpen).toBe(true);
  });

  it("ignores a replaced socket's late events and stops cleanly", () => {
    const t = setup();
    t.conn.start();
    const first = t.last();
    first.drop(1006);
    t.timers.advance(1000);
    first.push({ type: "ready", data: {} });
    expect(t.frames).toHaveLength(0);
    t.conn.stop();
    expect(t.conn.state.kind).toBe("stopped");
    expect(t.timers.pending).toEqual([]);
  });
});
