/// <reference lib="webworker" />
// The service worker (built on its own to /sw.js, so its scope is the whole
// app; decision 0033): shows Web Push notifications and the page's alerts
// for live messages alike, one per room, never twice for one message; sets
// the app badge; and opens the room a notification is about when it is
// clicked.
import {
  alreadyAlerted,
  isPayload,
  isReadMessage,
  isShowMessage,
  presentation,
  roomUrl,
  type NotificationData,
  type OpenMessage,
  type PushPayload,
} from "../state/notify";

declare const self: ServiceWorkerGlobalScope;

/**
 * The newest seq alerted per room since this worker started: a message
 * whose notification was dismissed before its push arrived stays quiet.
 * Lost when the browser stops the worker; the shown notifications remain.
 */
const alerted = new Map<string, number>();

self.addEventListener("install", () => {
  // A new worker takes over at once: it holds no caches an old page relies on.
  void self.skipWaiting();
});

self.addEventListener("activate", (e) => {
  e.waitUntil(self.clients.claim());
});

self.addEventListener("push", (e) => {
  let payload: unknown;
  try {
    payload = e.data?.json();
  } catch {
    payload = undefined;
  }
  e.waitUntil(isPayload(payload) ? show(payload, "push") : self.registration.showNotification("Parley", { body: "New message" }));
});

self.addEventListener("message", (e) => {
  if (isShowMessage(e.data)) e.waitUntil(show(e.data.payload, "page"));
  if (isReadMessage(e.data)) e.waitUntil(closeRead(e.data.room_id, e.data.seq));
});

self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  const data = e.notification.data as NotificationData | undefined;
  if (!data?.room_id) return;
  e.waitUntil(openRoom(data));
});

async function show(p: PushPayload, from: "push" | "page"): Promise<void> {
  if (p.badge !== undefined) await setBadge(p.badge);
  const shown = await self.registration.getNotifications({ tag: p.room_id });
  const datas = shown.map((n) => n.data as NotificationData);
  const repeat = alreadyAlerted(datas, alerted.get(p.room_id), p);
  // A push for a message the page already alerted (or the other way round)
  // replaces nothing that is newer and makes no sound; a dismissed one stays dismissed.
  if (repeat && (from === "page" || shown.length === 0)) return;
  const { title, body, tag, data } = presentation(p);
  alerted.set(p.room_id, Math.max(p.seq, alerted.get(p.room_id) ?? 0));
  const options: NotificationOptions & { renotify?: boolean } = {
    body,
    tag,
    data: repeat ? datas.reduce((a, b) => (b.seq > a.seq ? b : a), data) : data,
    icon: "/favicon.svg",
    // A newer message of a room alerts again though it replaces the room's notification.
    renotify: !repeat,
    silent: repeat,
  };
  await self.registration.showNotification(title, options);
  await tell({ type: "parley-shown", from, title, body, tag, seq: p.seq, silent: repeat });
}

/** The room was read up to seq: its notification of a message up to there goes. */
async function closeRead(room: string, seq: number): Promise<void> {
  for (const n of await self.registration.getNotifications({ tag: room })) {
    if ((n.data as NotificationData | undefined)?.seq !== undefined && (n.data as NotificationData).seq <= seq) n.close();
  }
}

async function setBadge(n: number): Promise<void> {
  const nav = self.navigator as WorkerNavigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
  try {
    if (n > 0) await nav.setAppBadge?.(n);
    else await nav.clearAppBadge?.();
  } catch {
    // Badges are a nicety: not installed as an app, or not supported.
  }
}

/** Focuses an open window of the app and tells it to open the room; or opens one there. */
async function openRoom(d: NotificationData): Promise<void> {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open: OpenMessage = { type: "parley-open", room_id: d.room_id, seq: d.seq };
  const win = windows.find((w) => w.focused) ?? windows[0];
  if (win) {
    win.postMessage(open);
    await win.focus().catch(() => undefined);
    return;
  }
  await self.clients.openWindow(roomUrl(d.room_id, d.seq));
}

/** Tells the app's windows what was shown and why: the browser tests count alerts by it; the app ignores it. */
async function tell(msg: unknown): Promise<void> {
  for (const c of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) c.postMessage(msg);
}
