import { describe, expect, it } from "vitest";
import { base64urlToBytes, PushDevice, type Permission, type PushBrowser, type SubscriptionLike } from "./pushdevice";

/** A browser whose permission prompt answers `answer`, with one push manager. */
function fakeBrowser(answer: Permission = "granted", permission: Permission = "default") {
  const log: string[] = [];
  let sub: SubscriptionLike | null = null;
  const b: { log: string[]; permission: Permission; readonly sub: SubscriptionLike | null; browser: PushBrowser } = {
    log,
    permission: permission,
    get sub() {
      return sub;
    },
    browser: {
      supported: true,
      permission: () => b.permission,
      requestPermission: async () => {
        log.push("prompt");
        b.permission = answer;
        return answer;
      },
      registration: async () => {
        log.push("register");
        return {
          pushManager: {
            getSubscription: async () => sub,
            subscribe: async (o) => {
              log.push(`subscribe ${[...o.applicationServerKey].join(",")}`);
              const key = o.applicationServerKey.slice().buffer;
              sub = {
                options: { applicationServerKey: key },
                toJSON: () => ({ endpoint: "https://push.example/1", keys: { p256dh: "pk", auth: "au" } }),
                unsubscribe: async () => {
                  log.push("unsubscribe");
                  sub = null;
                  return true;
                },
              };
              return sub;
            },
          },
        };
      },
    },
  };
  return b;
}

function fakeApi(key = "AQID") {
  const calls: string[] = [];
  return {
    calls,
    api: {
      pushKey: async () => ({ public_key: key }),
      pushSubscribe: async (s: { endpoint: string }) => void calls.push(`POST ${s.endpoint}`),
      pushUnsubscribe: async () => void calls.push("DELETE"),
    },
  };
}

const store = () => {
  const m = new Map<string, string>();
  return { m, kv: { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) } };
};

describe("PushDevice", () => {
  it("decodes the server's base64url key", () => {
    expect([...base64urlToBytes("AQID")]).toEqual([1, 2, 3]);
    expect([...base64urlToBytes("-_8")]).toEqual([251, 255]);
  });

  it("registers the worker after login but never prompts until asked; the invitation waits for engagement", async () => {
    const b = fakeBrowser();
    const { api, calls } = fakeApi();
    const s = store();
    const d = new PushDevice(api, b.browser, s.kv, () => {});
    await d.start("alice");
    expect(b.log).toEqual(["register"]);
    expect(calls).toEqual([]);
    expect(d.invite).toBe(false);
    d.engage();
    expect(d.invite).toBe(true);
    d.dismissInvite();
    expect(d.invite).toBe(false);
    expect(JSON.parse(s.m.get("parley.notify.alice")!)).toMatchObject({ engaged: true, bannerDismissed: true, enabled: false });
  });

  it("turning on prompts, subscribes with the server's key, registers the subscription; a reload subscribes again for the session", async () => {
    const b = fakeBrowser();
    const { api, calls } = fakeApi();
    const s = store();
    const d = new PushDevice(api, b.browser, s.kv, () => {});
    await d.start("alice");
    expect(await d.enable()).toBe(true);
    expect(b.log).toEqual(["register", "prompt", "register", "subscribe 1,2,3"]);
    expect(calls).toEqual(["POST https://push.example/1"]);
    expect(d.prefs.enabled).toBe(true);
    expect(d.invite).toBe(false);

    const again = new PushDevice(api, b.browser, s.kv, () => {});
    await again.start("alice");
    // The browser's subscription is reused, and registered for the new session.
    expect(b.log.filter((l) => l.startsWith("subscribe"))).toHaveLength(1);
    expect(calls).toEqual(["POST https://push.example/1", "POST https://push.example/1"]);
  });

  it("a subscription for another key is replaced", async () => {
    const b = fakeBrowser();
    const d = new PushDevice(fakeApi("AQID").api, b.browser, store().kv, () => {});
    await d.start("alice");
    await d.enable();
    const other = new PushDevice(fakeApi("BAUG").api, b.browser, store().kv, () => {});
    await other.start("alice");
    await other.enable();
    expect(b.log.filter((l) => l !== "register")).toEqual(["prompt", "subscribe 1,2,3", "unsubscribe", "subscribe 4,5,6"]);
  });

  it("a refused prompt leaves notifications off and says why", async () => {
    const b = fakeBrowser("denied");
    const { api, calls } = fakeApi();
    const d = new PushDevice(api, b.browser, store().kv, () => {});
    await d.start("alice");
    d.engage();
    expect(await d.enable()).toBe(false);
    expect(d.prefs.enabled).toBe(false);
    expect(d.error).toMatch(/blocked/);
    expect(calls).toEqual([]);
    // Blocked: the invitation would be useless.
    expect(d.invite).toBe(false);
  });

  it("off for this device: the server forgets it and the browser's subscription ends; a logout ends it too", async () => {
    const b = fakeBrowser();
    const { api, calls } = fakeApi();
    const s = store();
    const d = new PushDevice(api, b.browser, s.kv, () => {});
    await d.start("alice");
    await d.enable();
    await d.disable();
    expect(calls).toEqual(["POST https://push.example/1", "DELETE"]);
    expect(b.sub).toBeNull();
    expect(d.prefs.enabled).toBe(false);

    await d.enable();
    await d.logout();
    // The server drops the subscription with the session; the browser's goes here.
    expect(calls).toEqual(["POST https://push.example/1", "DELETE", "POST https://push.example/1"]);
    expect(b.sub).toBeNull();
    // The choice stays with alice on this device; bob has not made one.
    await d.start("bob");
    expect(d.prefs.enabled).toBe(false);
    await d.start("alice");
    expect(d.prefs.enabled).toBe(true);
  });

  it("permission revoked in the browser turns this device off without prompting", async () => {
    const b = fakeBrowser();
    const s = store();
    const d = new PushDevice(fakeApi().api, b.browser, s.kv, () => {});
    await d.start("alice");
    await d.enable();
    b.permission = "default";
    await d.start("alice");
    expect(d.prefs.enabled).toBe(false);
    expect(b.log.filter((l) => l === "prompt")).toHaveLength(1);
  });
});
