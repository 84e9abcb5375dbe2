// This device's side of notifications: its service worker, the browser's
// permission, its Web Push subscription and the choices that stay on this
// device (on/off, sound, the invitation banner). Browser APIs come in as
// PushBrowser, so the rules are tested without a browser (decision 0033).
import type { KeyValue } from "./outbox";

/** What `PushSubscription.toJSON()` gives, as `POST /push/subscriptions` takes it. */
export interface SubscriptionJSON {
  endpoint?: string;
  keys?: Record<string, string>;
}

export interface SubscriptionLike {
  toJSON(): SubscriptionJSON;
  unsubscribe(): Promise<boolean>;
  readonly options?: { readonly applicationServerKey: ArrayBuffer | null };
}

export interface RegistrationLike {
  readonly pushManager: {
    getSubscription(): Promise<SubscriptionLike | null>;
    subscribe(o: { userVisibleOnly: boolean; applicationServerKey: Uint8Array<ArrayBuffer> }): Promise<SubscriptionLike>;
  };
}

export type Permission = "default" | "granted" | "denied";

export interface PushBrowser {
  /** Service workers, notifications and the Push API are all there. */
  readonly supported: boolean;
  permission(): Permission;
  requestPermission(): Promise<Permission>;
  /** Registers the service worker (once) and resolves when it is ready. */
  registration(): Promise<RegistrationLike>;
}

export interface PushApi {
  pushKey(): Promise<{ public_key: string }>;
  pushSubscribe(s: { endpoint: string; keys: { p256dh: string; auth: string } }): Promise<unknown>;
  pushUnsubscribe(): Promise<unknown>;
}

/** What stays on this device, per user: another person logging in here has not chosen anything. */
export interface DevicePrefs {
  /** Notifications on for this device (the person said so, and the browser allowed it). */
  enabled: boolean;
  /** A short sound for a live message's alert. */
  sound: boolean;
  /** The person closed the invitation banner: it does not come back. */
  bannerDismissed: boolean;
  /** The person has used the app (sent a message, opened settings): now the banner may ask. */
  engaged: boolean;
}

const noPrefs: DevicePrefs = { enabled: false, sound: false, bannerDismissed: false, engaged: false };

export function base64urlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sameBytes(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

export class PushDevice {
  prefs: DevicePrefs = { ...noPrefs };
  /** Why the last attempt to turn notifications on failed, for the settings view. */
  error: string | null = null;
  busy = false;
  private user: string | null = null;

  constructor(
    private readonly api: PushApi,
    readonly browser: PushBrowser,
    private readonly store: KeyValue | null,
    private readonly emit: () => void,
  ) {}

  private get key(): string {
    return `parley.notify.${this.user}`;
  }

  /**
   * After a login or a reload with a session: the service worker is
   * registered (it routes clicks even without pushes), and a device that
   * was on subscribes again for this session (a subscription ends with the
   * session it was registered by). Never asks for permission.
   */
  async start(user: string): Promise<void> {
    this.user = user;
    this.prefs = { ...noPrefs, ...this.read() };
    this.error = null;
    this.emit();
    if (!this.browser.supported) return;
    try {
      await this.browser.registration();
    } catch {
      return;
    }
    if (!this.prefs.enabled) return;
    if (this.browser.permission() !== "granted") {
      // Revoked in the browser's settings: this device is off.
      this.save({ enabled: false });
      return;
    }
    await this.subscribe().catch((e) => this.fail(e));
  }

  /** The person turned notifications on here: ask the browser (this is the prompt), then subscribe. */
  async enable(): Promise<boolean> {
    if (!this.browser.supported || this.busy) return false;
    this.busy = true;
    this.error = null;
    this.emit();
    try {
      const p = this.browser.permission() === "granted" ? "granted" : await this.browser.requestPermission();
      if (p !== "granted") {
        this.error = p === "denied" ? "Notifications are blocked for this site in your browser's settings." : "Notifications were not allowed.";
        return false;
      }
      await this.subscribe();
      this.save({ enabled: true, bannerDismissed: true });
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.busy = false;
      this.emit();
    }
  }

  /** Off for this device: the server forgets the subscription, and the browser's is ended. */
  async disable(): Promise<void> {
    this.save({ enabled: false });
    await this.drop(true);
  }

  /** The session is ending: the browser's subscription goes with it (the server drops its row with the session). */
  async logout(): Promise<void> {
    if (this.prefs.enabled) await this.drop(false);
    this.user = null;
    this.prefs = { ...noPrefs };
  }

  /** Whether to show the invitation to turn notifications on. */
  get invite(): boolean {
    const p = this.prefs;
    return this.browser.supported && p.engaged && !p.enabled && !p.bannerDismissed && this.browser.permission() !== "denied";
  }

  /** The person sent a message or opened the settings: a good moment to offer notifications. */
  engage(): void {
    if (!this.prefs.engaged && this.user) this.save({ engaged: true });
  }

  dismissInvite(): void {
    this.save({ bannerDismissed: true });
  }

  setSound(on: boolean): void {
    this.save({ sound: on });
  }

  private async subscribe(): Promise<void> {
    const reg = await this.browser.registration();
    const key = base64urlToBytes((await this.api.pushKey()).public_key);
    let sub = await reg.pushManager.getSubscription();
    if (sub && sub.options && !sameBytes(sub.options.applicationServerKey, key)) {
      // Subscribed for another server's key (a database that was replaced): start over.
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const j = sub.toJSON();
    if (!j.endpoint || !j.keys?.p256dh || !j.keys.auth) throw new Error("the browser gave an incomplete subscription");
    await this.api.pushSubscribe({ endpoint: j.endpoint, keys: { p256dh: j.keys.p256dh, auth: j.keys.auth } });
  }

  private async drop(tellServer: boolean): Promise<void> {
    if (!this.browser.supported) return;
    if (tellServer) await this.api.pushUnsubscribe().catch(() => undefined);
    try {
      const sub = await (await this.browser.registration()).pushManager.getSubscription();
      await sub?.unsubscribe();
    } catch {
      // Nothing to end, or the browser refused: the server no longer sends to it either way.
    }
  }

  private fail(e: unknown): void {
    this.error = `Notifications could not be turned on: ${e instanceof Error ? e.message : String(e)}`;
    this.emit();
  }

  private read(): Partial<DevicePrefs> {
    try {
      return JSON.parse(this.store?.getItem(this.key) ?? "{}") as Partial<DevicePrefs>;
    } catch {
      return {};
    }
  }

  private save(change: Partial<DevicePrefs>): void {
    this.prefs = { ...this.prefs, ...change };
    if (this.user) this.store?.setItem(this.key, JSON.stringify(this.prefs));
    this.emit();
  }
}
