import { describe, expect, it } from "vitest";
import { memoryStore } from "./fakes";
import { Outbox } from "./outbox";
import { msg } from "./testdata";

function ids() {
  let n = 0;
  return () => `cid-${++n}`;
}

describe("Outbox", () => {
  it("gives each message its client_id once and keeps it across retries", () => {
    const o = new Outbox(null, "k", ids());
    const a = o.add("r1", "hello");
    o.markSending(a.client_id);
    o.failed(a.client_id, "offline", "connection lost");
    expect(o.nextQueued()?.client_id).toBe("cid-1");
    o.markSending(a.client_id);
    o.requeueInFlight();
    expect(o.nextQueued()).toMatchObject({ client_id: "cid-1", status: "queued", text: "hello" });
  });

  it("sends in the order typed", () => {
    const o = new Outbox(null, "k", ids());
    o.add("r1", "one");
    o.add("r2", "two");
    expect(o.nextQueued()?.text).toBe("one");
    o.acked("cid-1");
    expect(o.nextQueued()?.text).toBe("two");
  });

  it("drops a message when it arrives live with its client_id, before any ack", () => {
    const o = new Outbox(null, "k", ids());
    o.add("r1", "hi");
    expect(o.seen(msg(3, { client_id: "cid-1", sender_id: "bob" }), "alice")).toBe(false);
    expect(o.seen(msg(3, { client_id: "cid-1", sender_id: "alice" }), "alice")).toBe(true);
    expect(o.all()).toHaveLength(0);
    expect(o.acked("cid-1")).toBe(false);
  });

  it("keeps messages that fail for good, marked, until retried or discarded", () => {
    const o = new Outbox(null, "k", ids());
    o.add("r1", "x");
    o.failed("cid-1", "invalid", "text has control characters");
    expect(o.nextQueued()).toBeUndefined();
    expect(o.all()[0]).toMatchObject({ status: "failed", error: "text has control characters" });
    o.retry("cid-1");
    expect(o.nextQueued()?.error).toBeUndefined();
    o.discard("cid-1");
    expect(o.all()).toHaveLength(0);
  });

  it("retries transient failures", () => {
    const o = new Outbox(null, "k", ids());
    o.add("r1", "x");
    for (const code of ["rate_limited", "unavailable", "network"]) {
      o.markSending("cid-1");
      o.failed("cid-1", code, "later");
      expect(o.nextQueued()?.status).toBe("queued");
    }
  });

  it("survives a reload, resending what was in flight with the same client_id", () => {
    const store = memoryStore();
    const o = new Outbox(store, "k", ids());
    o.add("r1", "typed offline");
    o.markSending("cid-1");
    const again = new Outbox(store, "k", () => "never used");
    expect(again.all()).toEqual([expect.objectContaining({ client_id: "cid-1", status: "queued" })]);
    again.acked("cid-1");
    expect(store.data.has("k")).toBe(false);
  });

  it("forgets the messages of a room left", () => {
    const o = new Outbox(null, "k", ids());
    o.add("r1", "a");
    o.add("r2", "b");
    o.dropRoom("r1");
    expect(o.all().map((x) => x.room_id)).toEqual(["r2"]);
  });
});
