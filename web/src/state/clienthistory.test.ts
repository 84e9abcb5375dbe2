import { describe, expect, it } from "vitest";
import { settleAll, setup } from "./clientharness";

/** Alice, logged in, with r1's 200 messages opened at the 42nd. */
async function openedAt42() {
  const t = setup();
  for (let i = 1; i <= 200; i++) t.server.post(`m${i}`);
  await t.client.login("alice", "pw");
  await t.ready();
  await t.client.jumpTo("r1", 42);
  await settleAll();
  return t;
}

describe("ChatClient: history", () => {
  it("opens a room at an older message: the page around it, older and newer pages, then live again without gaps or duplicates", async () => {
    const t = await openedAt42();
    expect(t.client.openRoomId).toBe("r1");
    expect(t.client.focus).toEqual({ room: "r1", seq: 42 });
    expect(t.server.calls).toContain("GET /api/v1/rooms/r1/messages?around=42&limit=50");
    expect(t.seqs()[0]).toBe(18);
    expect(t.seqs().at(-1)).toBe(67);
    expect(t.client.hasNewer("r1")).toBe(true);

    // Live messages while detached do not land in the timeline.
    t.ws().push({ type: "message", data: t.server.post("m201") });
    await settleAll();
    expect(t.seqs().at(-1)).toBe(67);
    expect(t.client.rooms.get("r1")!.last_seq).toBe(201);

    await t.client.loadOlder("r1");
    expect(t.seqs()[0]).toBe(1);
    await t.client.loadNewer("r1");
    expect(t.seqs().at(-1)).toBe(117);
    expect(t.client.hasNewer("r1")).toBe(true);
    await t.client.loadNewer("r1");
    await t.client.loadNewer("r1");
    await settleAll();
    // One arrives while the last page is on its way.
    t.ws().push({ type: "message", data: t.server.post("m202") });
    await settleAll();
    expect(t.client.hasNewer("r1")).toBe(false);
    expect(t.seqs()).toEqual(Array.from({ length: 202 }, (_, i) => i + 1));
    t.ws().push({ type: "message", data: t.server.post("m203") });
    await settleAll();
    expect(t.seqs().at(-1)).toBe(203);
    expect(t.seqs().length).toBe(203);
  });

  it("shows a message already held in place and goes back to the newest messages on send", async () => {
    const t = setup();
    for (let i = 1; i <= 120; i++) t.server.post(`m${i}`);
    await t.enter();
    const calls = t.server.calls.length;
    await t.client.jumpTo("r1", 100);
    expect(t.server.calls.length).toBe(calls);
    expect(t.client.hasNewer("r1")).toBe(false);
    expect(t.client.focus).toEqual({ room: "r1", seq: 100 });

    await t.client.jumpTo("r1", 5);
    await settleAll();
    expect(t.client.hasNewer("r1")).toBe(true);
    expect(t.seqs()[0]).toBe(1);
    t.client.send("r1", "hello");
    await settleAll();
    expect(t.client.hasNewer("r1")).toBe(false);
    expect(t.client.focus).toBeNull();
    expect(t.seqs().at(-1)).toBe(120);
    expect(t.seqs().length).toBe(50);
  });

  it("keeps a timeline opened further back as it is across a reconnect, then reaches the end from there", async () => {
    const t = await openedAt42();
    const before = t.seqs();
    t.ws().drop(1006);
    for (let i = 201; i <= 210; i++) t.server.post(`m${i}`);
    t.timers.advance(1000);
    await t.ready();
    await settleAll();
    // Neither the newest page nor a catch-up of everything in between: the view stays where it was.
    expect(t.seqs()).toEqual(before);
    expect(t.client.hasNewer("r1")).toBe(true);
    for (let i = 0; i < 5 && t.client.hasNewer("r1"); i++) await t.client.loadNewer("r1");
    await settleAll();
    expect(t.client.hasNewer("r1")).toBe(false);
    expect(t.seqs()).toEqual(Array.from({ length: 210 - before[0]! + 1 }, (_, i) => before[0]! + i));
  });
});
