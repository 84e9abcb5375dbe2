import { describe, expect, it } from "vitest";
import type { PushPayload } from "./notify";
import type { PushBrowser } from "./pushdevice";
import { settleAll, setup } from "./clientharness";
import { msg } from "./testdata";

const granted: PushBrowser = {
  supported: true,
  permission: () => "granted",
  requestPermission: async () => "granted",
  registration: async () => ({
    pushManager: {
      getSubscription: async () => null,
      subscribe: async () => ({
        toJSON: () => ({ endpoint: "https://push.example/1", keys: { p256dh: "p", auth: "a" } }),
        unsubscribe: async () => true,
      }),
    },
  }),
};

/** A client with notifications on for this device, its page hidden or not. */
async function notifying(hidden = true) {
  const shown: { p: PushPayload; sound: boolean }[] = [];
  const read: [string, number][] = [];
  const page = { hidden };
  const t = setup({
    pushBrowser: granted,
    alerts: { hidden: () => page.hidden, show: (p, sound) => void shown.push({ p, sound }), read: (room, seq) => void read.push([room, seq]) },
  });
  await t.client.login("alice", "pw");
  await settleAll();
  await t.client.push.enable();
  return { ...t, shown, read, page };
}

describe("ChatClient notifications", () => {
  it("alerts a hidden page of a message that would notify, with the payload the server would push", async () => {
    const t = await notifying();
    await t.ready({ kind: "direct", name: "", peer: { id: "bob", username: "bob", display_name: "Bob", status_message: "", created_at: "" } });
    await settleAll();
    t.ws().push({ type: "message", data: msg(2, { text: "see you at 6" }) });
    expect(t.shown).toEqual([
      {
        p: { room_id: "r1", room_name: "Bob", sender: "Bob", text: "see you at 6", seq: 2, count: 1, unread: 1, mention: false, badge: 1 },
        sound: false,
      },
    ]);
  });

  it("stays quiet while the page is in sight, for my own messages, and under the room's level", async () => {
    const t = await notifying(false);
    await t.ready({ kind: "direct" });
    await settleAll();
    t.ws().push({ type: "message", data: msg(2) });
    t.page.hidden = true;
    t.ws().push({ type: "message", data: msg(3, { sender_id: "alice" }) });
    t.ws().push({ type: "notify_level", data: { room_id: "r1", level: "off" } });
    expect(t.client.notifyLevel("r1")).toBe("off");
    t.ws().push({ type: "message", data: msg(4) });
    expect(t.shown).toEqual([]);
  });

  it("follows the settings live: previews off sends no text, do-not-disturb silences", async () => {
    const t = await notifying();
    await t.ready({ kind: "direct" });
    await settleAll();
    const dnd = { enabled: false, start: "22:00", end: "07:00", time_zone: "UTC" };
    t.ws().push({ type: "notify_settings", data: { previews: false, dnd } });
    t.client.push.setSound(true);
    t.ws().push({ type: "message", data: msg(2, { text: "secret" }) });
    expect(t.shown.map((s) => [s.p.text, s.sound])).toEqual([["", true]]);
    // The fake clock is at 00:00 UTC: inside 22:00–07:00.
    t.ws().push({ type: "notify_settings", data: { previews: true, dnd: { ...dnd, enabled: true } } });
    t.ws().push({ type: "message", data: msg(3) });
    expect(t.shown).toHaveLength(1);
  });

  it("a room read here or on another device closes its notifications up to there", async () => {
    const t = await notifying(false);
    for (let i = 1; i <= 3; i++) t.server.post(`m${i}`);
    await t.ready({ last_read_seq: 0 });
    await settleAll();
    t.ws().push({ type: "read", data: { room_id: "r1", user_id: "alice", last_read_seq: 2 } });
    expect(t.read).toEqual([["r1", 2]]);
    t.client.openRoom("r1");
    await settleAll();
    t.client.seen("r1", 3);
    t.timers.advance(200);
    expect(t.read).toEqual([
      ["r1", 2],
      ["r1", 3],
    ]);
  });

  it("a device with notifications off alerts nothing", async () => {
    const t = await notifying();
    await t.client.push.disable();
    await t.ready({ kind: "direct" });
    await settleAll();
    t.ws().push({ type: "message", data: msg(2) });
    expect(t.shown).toEqual([]);
  });

  it("takes the settings from ready, and sets a room's level with the server (put back when refused)", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await settleAll();
    const settings = { previews: false, dnd: { enabled: true, start: "23:00", end: "06:00", time_zone: "Asia/Seoul" } };
    t.ws().push({ type: "ready", data: { user: { id: "alice", username: "alice", display_name: "Alice", created_at: "" }, notify_settings: settings, rooms: [t.server.summary()] } });
    await settleAll();
    expect(t.client.notifySettings).toEqual(settings);
    expect(t.client.notifyLevel("r1")).toBe("mentions");
    expect(await t.client.setNotifyLevel("r1", "all")).toBe(true);
    expect(t.client.notifyLevel("r1")).toBe("all");
    expect(t.server.bodies.get("/api/v1/rooms/r1/notifications")).toEqual({ level: "all" });
    t.server.refuseLevel = true;
    expect(await t.client.setNotifyLevel("r1", "off")).toBe(false);
    expect(t.client.notifyLevel("r1")).toBe("all");
  });

  it("tells the server when this window is in front: on change, every 30 s, and after each reconnect", async () => {
    const t = setup();
    await t.client.login("alice", "pw");
    await t.ready();
    await settleAll();
    const focusFrames = () => t.sockets.flatMap((s) => s.sent.filter((f) => f.type === "focus").map((f) => f.data?.focused));
    t.client.setFocused(true);
    expect(focusFrames()).toEqual([true]);
    t.timers.advance(30_000);
    expect(focusFrames()).toEqual([true, true]);
    t.ws().drop(1006);
    t.timers.advance(1000);
    await t.ready();
    await settleAll();
    expect(focusFrames()).toEqual([true, true, true]);
    t.client.setFocused(false);
    t.timers.advance(60_000);
    expect(focusFrames()).toEqual([true, true, true, false]);
  });
});
