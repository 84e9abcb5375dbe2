import { describe, expect, it } from "vitest";
import type { Pin } from "../api/types";
import { settleAll, setup } from "./clientharness";
import { describeSystem } from "./format";
import { canPin, pinnedBy, pinText, RoomPins } from "./pins";
import { msg } from "./testdata";

function pin(seq: number, over: Partial<Pin> = {}): Pin {
  return { room_id: "r1", seq, pinned_by: "alice", pinned_at: "2025-02-01T11:00:00.000Z", message: msg(seq), ...over };
}

describe("RoomPins", () => {
  it("puts a new pin first, ignores a repeat, drops an unpinned one, and leaves rooms it has not read alone", () => {
    const pins = new RoomPins();
    expect(pins.apply({ room_id: "r1", seq: 3, on: true, pin: pin(3) })).toBe(false);
    expect(pins.has("r1")).toBe(false);
    pins.set("r1", [pin(2)]);
    expect(pins.apply({ room_id: "r1", seq: 3, on: true, pin: pin(3) })).toBe(true);
    expect(pins.apply({ room_id: "r1", seq: 3, on: true, pin: pin(3) })).toBe(false);
    expect(pins.get("r1")!.map((p) => p.seq)).toEqual([3, 2]);
    // Pinned again after an unpin elsewhere: it moves to the front.
    expect(pins.apply({ room_id: "r1", seq: 2, on: true, pin: pin(2, { pinned_by: "bob" }) })).toBe(true);
    expect(pins.get("r1")!.map((p) => [p.seq, p.pinned_by])).toEqual([
      [2, "bob"],
      [3, "alice"],
    ]);
    expect(pins.apply({ room_id: "r1", seq: 3, on: false })).toBe(true);
    expect(pins.apply({ room_id: "r1", seq: 3, on: false })).toBe(false);
    expect(pins.get("r1")!.map((p) => p.seq)).toEqual([2]);
  });

  it("drops the pin of a deleted message and follows an edit, cutting at 200 characters as the server does", () => {
    const pins = new RoomPins();
    pins.set("r1", [pin(4), pin(2)]);
    expect(pins.onMessageUpdated(msg(9, { text: "not pinned" }))).toBe(false);
    expect(pins.onMessageUpdated(msg(2, { text: "", deleted: true }))).toBe(true);
    expect(pins.get("r1")!.map((p) => p.seq)).toEqual([4]);
    expect(pins.onMessageUpdated(msg(4, { text: "👍".repeat(201), edited_at: "2025-02-01T12:00:00.000Z" }))).toBe(true);
    const p = pins.get("r1")![0]!;
    expect([...p.message.text].length).toBe(200);
    expect(p.truncated).toBe(true);
    expect(p.message.edited_at).toBe("2025-02-01T12:00:00.000Z");
    pins.onMessageUpdated(msg(4, { text: "short again" }));
    expect(pins.get("r1")![0]!.truncated).toBeUndefined();
  });
});

describe("who may pin, and how a pin reads", () => {
  it.each([
    ["group owner", { kind: "group", role: "owner" }, true],
    ["group admin", { kind: "group", role: "admin" }, true],
    ["group member", { kind: "group", role: "member" }, false],
    ["1:1 owner", { kind: "direct", role: "owner" }, true],
    ["1:1 member", { kind: "direct", role: "member" }, true],
  ] as const)("%s: %s", (_, r, want) => {
    expect(canPin(r)).toBe(want);
  });

  it("reads as one line, marks a cut, names files and the pinner", () => {
    expect(pinText(pin(1, { message: msg(1, { text: "see\n  you at 11" }) }))).toBe("see you at 11");
    expect(pinText(pin(1, { truncated: true }))).toBe("message 1…");
    const file = { id: "f", uploader_id: "bob", name: "plan.pdf", content_type: "application/pdf", size: 1, sha256: "", created_at: "", url: "/f" };
    expect(pinText(pin(1, { message: msg(1, { text: "", attachments: [file] }) }))).toBe("📎 plan.pdf");
    const nameOf = (id: string) => (id === "bob" ? "Bob" : id);
    expect(pinnedBy(pin(1, { pinned_by: "bob" }), nameOf, "alice")).toBe("Pinned by Bob");
    expect(pinnedBy(pin(1), nameOf, "alice")).toBe("Pinned by you");
    expect(describeSystem({ type: "message_pinned", actor: "bob", seq: 3 }, nameOf)).toBe("Bob pinned a message");
    expect(describeSystem({ type: "message_unpinned", actor: "bob", seq: 3 }, nameOf)).toBe("Bob unpinned a message");
  });
});

describe("ChatClient pins", () => {
  it("reads a room's pins when it opens, follows pin events and deletes, pins and unpins, and reads them again after a reconnect", async () => {
    const t = setup();
    for (let i = 1; i <= 4; i++) t.server.post(`m${i}`);
    t.server.pins = [t.server.pin(1, "bob")];
    await t.client.login("alice", "pw");
    await t.ready({ role: "owner" });
    t.client.openRoom("r1");
    await settleAll();
    expect(t.server.calls).toContain("GET /api/v1/rooms/r1/pins");
    const seqs = () => t.client.pins.get("r1")?.map((p) => p.seq);
    expect(seqs()).toEqual([1]);

    // Bob pins message 3 on another device: its system line, then the event.
    const sys = t.server.post("", { kind: "system", sender_id: undefined, system: { type: "message_pinned", actor: "bob", seq: 3 } });
    t.ws().push({ type: "message", data: sys }, { type: "pin", data: { room_id: "r1", seq: 3, on: true, pin: t.server.pin(3, "bob") } });
    await settleAll();
    expect(seqs()).toEqual([3, 1]);
    expect(t.client.timelines.get("r1")!.get(sys.seq)?.system?.type).toBe("message_pinned");

    // My own pin shows at once; its event, when it comes, changes nothing.
    expect(await t.client.pin("r1", 2)).toBe(true);
    expect(t.server.bodies.get("/api/v1/rooms/r1/pins")).toEqual({ seq: 2 });
    expect(seqs()).toEqual([2, 3, 1]);
    const before = t.client.version;
    t.ws().push({ type: "pin", data: { room_id: "r1", seq: 2, on: true, pin: t.server.pin(2, "alice") } });
    await settleAll();
    expect(seqs()).toEqual([2, 3, 1]);
    expect(t.client.version).toBe(before);

    // A delete unpins without a pin event.
    t.ws().push({ type: "message_updated", data: { ...t.server.messages[2]!, text: "", deleted: true } });
    await settleAll();
    expect(seqs()).toEqual([2, 1]);

    expect(await t.client.unpin("r1", 2)).toBe(true);
    expect(t.server.calls).toContain("DELETE /api/v1/rooms/r1/pins/2");
    expect(seqs()).toEqual([1]);

    // Pin events are not replayed: a reconnect reads the list again.
    t.server.pins = [t.server.pin(4, "bob"), t.server.pin(1, "bob")];
    t.ws().drop(1006);
    t.timers.advance(1000);
    await t.ready({ role: "owner" });
    await settleAll();
    expect(seqs()).toEqual([4, 1]);
  });
});
