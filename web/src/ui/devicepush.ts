// The browser's side of notifications for ChatClient: the service worker,
// the permission, the alert of a live message, and the optional sound.
import type { AlertSink } from "../state/clientcore";
import type { ReadMessage, ShowMessage } from "../state/notify";
import type { Permission, PushBrowser, RegistrationLike } from "../state/pushdevice";

const supported = typeof navigator !== "undefined" && "serviceWorker" in navigator && typeof Notification !== "undefined" && typeof PushManager !== "undefined";

let registering: Promise<ServiceWorkerRegistration> | null = null;

/** Registers /sw.js once per page; it is at the root so that its scope is the whole app. */
function registration(): Promise<ServiceWorkerRegistration> {
  registering ??= navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready);
  return registering;
}

export const browserPush: PushBrowser = {
  supported,
  permission: () => (supported ? (Notification.permission as Permission) : "denied"),
  requestPermission: async () => (await Notification.requestPermission()) as Permission,
  registration: () => registration() as Promise<unknown> as Promise<RegistrationLike>,
};

let audio: AudioContext | null = null;

/** A short two-note chime made with WebAudio: no file to fetch, nothing for the CSP to allow. */
export function chime(): void {
  try {
    audio ??= new AudioContext();
    void audio.resume();
    const t = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const start = t + i * 0.12;
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.2);
    }
  } catch {
    // No audio on this device: the notification itself still shows.
  }
}

/** Alerts through the service worker, which dedupes them against pushes of the same messages. */
export const pageAlerts: AlertSink = {
  hidden: () => document.visibilityState === "hidden",
  show: (payload, sound) => {
    if (!supported || Notification.permission !== "granted") return;
    const msg: ShowMessage = { type: "parley-show", payload };
    void registration().then((reg) => reg.active?.postMessage(msg));
    if (sound) chime();
  },
  read: (room, seq) => {
    if (!supported || Notification.permission !== "granted") return;
    const msg: ReadMessage = { type: "parley-read", room_id: room, seq };
    void registration().then((reg) => reg.active?.postMessage(msg));
  },
};

/** Reports focus to the client: in front means visible and focused. */
export function watchFocus(set: (focused: boolean) => void): void {
  const front = () => set(document.visibilityState === "visible" && document.hasFocus());
  addEventListener("focus", front);
  addEventListener("blur", front);
  document.addEventListener("visibilitychange", front);
  front();
}
