import { describe, expect, it } from "vitest";
import {
  alreadyAlerted,
  inDoNotDisturb,
  isOpenMessage,
  isPayload,
  minuteOfDay,
  presentation,
  roomUrl,
  seqFromHash,
  wouldNotify,
  type NotifySettings,
  type PushPayload,
} from "./notify";
import { msg, room } from "./testdata";

const at = (iso: string) => new Date(iso);
const dnd = (over: Partial<NotifySettings["dnd"]> = {}): NotifySettings["dnd"] => ({ enabled: true, start: "22:00", end: "07:00", time_zone: "UTC", ...over });
const settings = (over: Partial<NotifySettings["dnd"]> = {}): NotifySettings => ({ previews: true, dnd: dnd(over) });
const payload = (over: Partial<PushPayload> = {}): PushPayload => ({
  room_id: "r1",
  room_name: "Planning",
  sender: "Bob",
  text: "see you at 6",
  seq: 42,
  count: 1,
  unread: 1,
  mention: false,
  ...over,
});

describe("do not disturb", () => {
  it.each([
    ["inside a window that crosses midnight, before it", "2026-12-05T23:30:00Z", dnd(), true],
    ["inside a window that crosses midnight, after it", "2026-12-05T06:59:00Z", dnd(), true],
    ["at the end (excluded)", "2026-12-05T07:00:00Z", dnd(), false],
    ["at the start (included)", "2026-12-05T22:00:00Z", dnd(), true],
    ["outside", "2026-12-05T12:00:00Z", dnd(), false],
    ["a daytime window", "2026-12-05T12:00:00Z", dnd({ start: "09:00", end: "17:00" }), true],
    ["switched off", "2026-12-05T23:30:00Z", dnd({ enabled: false }), false],
    ["start equal to end (invalid: never)", "2026-12-05T23:30:00Z", dnd({ start: "07:00" }), false],
    ["in the zone's local time (Seoul is UTC+9: 14:30 UTC is 23:30 there)", "2026-12-05T14:30:00Z", dnd({ time_zone: "Asia/Seoul" }), true],
    ["a zone this browser does not know counts as UTC", "2026-12-05T23:30:00Z", dnd({ time_zone: "Mars/Olympus" }), true],
  ])("%s", (_name, when, d, want) => {
    expect(inDoNotDisturb(d, at(when))).toBe(want);
  });

  it("reads the wall clock of a zone across daylight saving time", () => {
    expect(minuteOfDay(at("2026-07-01T12:00:00Z"), "Europe/Berlin")).toBe(14 * 60);
    expect(minuteOfDay(at("2026-12-01T12:00:00Z"), "Europe/Berlin")).toBe(13 * 60);
  });
});

describe("which live messages alert me", () => {
  const noon = at("2026-12-05T12:00:00Z");
  const direct = room("d1", { kind: "direct" });
  const group = room("g1");
  it.each([
    ["a 1:1 message (default level all)", msg(2), direct, null, true],
    ["a group message without a mention (default level mentions)", msg(2), group, null, false],
    ["a group message that mentions me", msg(2, { mentions: ["alice"] }), group, null, true],
    ["a group message under all", msg(2), { ...group, notify_level: "all" as const }, null, true],
    ["a mention under off", msg(2, { mentions: ["alice"] }), { ...group, notify_level: "off" as const }, null, false],
    ["a 1:1 under mentions, no mention", msg(2), { ...direct, notify_level: "mentions" as const }, null, false],
    ["my own message", msg(2, { sender_id: "alice" }), direct, null, false],
    ["a system line", msg(2, { kind: "system", sender_id: undefined }), direct, null, false],
    ["a deleted message", msg(2, { deleted: true }), direct, null, false],
    ["a 1:1 message during do-not-disturb", msg(2), direct, settings({ start: "11:00", end: "13:00" }), false],
    ["a 1:1 message outside do-not-disturb", msg(2), direct, settings(), true],
  ])("%s", (_name, m, r, s, want) => {
    expect(wouldNotify(m, r, "alice", s, noon)).toBe(want);
  });
});

describe("what a notification says", () => {
  it("names the room and the sender in a group, the person alone in a 1:1", () => {
    expect(presentation(payload())).toEqual({ title: "Planning", body: "Bob: see you at 6", tag: "r1", data: { room_id: "r1", seq: 42 } });
    expect(presentation(payload({ room_name: "Bob" })).body).toBe("see you at 6");
  });

  it('says "New message" when previews are off', () => {
    expect(presentation(payload({ room_name: "Bob", text: "" })).body).toBe("New message");
  });

  it("takes only payloads with what it shows", () => {
    expect(isPayload(payload())).toBe(true);
    expect(isPayload({ ...payload(), badge: 3, future_field: true })).toBe(true);
    expect(isPayload({ ...payload(), seq: "42" })).toBe(false);
    expect(isPayload({ ...payload(), room_id: "" })).toBe(false);
    expect(isPayload(null)).toBe(false);
  });
});

describe("one message alerts once", () => {
  it("is a repeat when the room's notification shows this seq or a later one", () => {
    expect(alreadyAlerted([{ room_id: "r1", seq: 42 }], undefined, payload())).toBe(true);
    expect(alreadyAlerted([{ room_id: "r1", seq: 43 }], undefined, payload())).toBe(true);
    expect(alreadyAlerted([{ room_id: "r1", seq: 41 }], undefined, payload())).toBe(false);
    expect(alreadyAlerted([{ room_id: "r2", seq: 50 }], undefined, payload())).toBe(false);
  });

  it("is a repeat when it was alerted and dismissed", () => {
    expect(alreadyAlerted([], 42, payload())).toBe(true);
    expect(alreadyAlerted([], 41, payload())).toBe(false);
  });
});

describe("opening a room from a notification", () => {
  it("round-trips the room and message through the URL", () => {
    const url = new URL(roomUrl("0194 a/b", 42), "https://chat.example");
    expect(decodeURIComponent(url.pathname.split("/")[2]!)).toBe("0194 a/b");
    expect(seqFromHash(url.hash)).toBe(42);
    expect(seqFromHash("#seq=x")).toBeNull();
    expect(seqFromHash("")).toBeNull();
  });

  it("takes only well-formed open messages", () => {
    expect(isOpenMessage({ type: "parley-open", room_id: "r1", seq: 4 })).toBe(true);
    expect(isOpenMessage({ type: "parley-open", room_id: "r1", seq: 4.5 })).toBe(false);
    expect(isOpenMessage({ type: "other" })).toBe(false);
  });
});
