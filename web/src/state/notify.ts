// Notifications: who is alerted of which message, what the alert says, and
// how one message never alerts twice on one device. Shared by the page and
// the service worker (web/src/sw/sw.ts), so it uses neither DOM nor worker
// types (docs/protocol.md "Notifications", decision 0033).
import type { DoNotDisturb, Message, NotifyLevel, NotifySettings, RoomSummary } from "../api/types";

export type { DoNotDisturb, NotifyLevel, NotifySettings } from "../api/types";

/** The decrypted Web Push payload, and what the page builds from a live message alike. */
export interface PushPayload {
  room_id: string;
  room_name: string;
  sender: string;
  /** "" when previews are off. */
  text: string;
  seq: number;
  count: number;
  unread: number;
  mention: boolean;
  /** The user's unread messages over all rooms: the app badge. */
  badge?: number;
}

/** What a notification carries, to route a click and to recognise a repeat. */
export interface NotificationData {
  room_id: string;
  seq: number;
}

/** A room's level when the member never chose one: every message of a 1:1, mentions in a group. */
export function defaultLevel(kind: RoomSummary["kind"]): NotifyLevel {
  return kind === "direct" ? "all" : "mentions";
}

export function levelOf(room: RoomSummary): NotifyLevel {
  // A room added by an answer of an older server may lack it.
  return room.notify_level ?? defaultLevel(room.kind);
}

/** Minutes since midnight of "HH:MM", or null if it is not one. */
export function parseClock(s: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** The wall-clock minute of the day at `now` in an IANA zone (UTC when the zone is unknown here). */
export function minuteOfDay(now: Date, zone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  } catch {
    return now.getUTCHours() * 60 + now.getUTCMinutes();
  }
  const part = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return part("hour") * 60 + part("minute");
}

/** Whether `now` falls in the do-not-disturb window (start included, end excluded), as the server judges it. */
export function inDoNotDisturb(dnd: DoNotDisturb, now: Date): boolean {
  const start = parseClock(dnd.start);
  const end = parseClock(dnd.end);
  if (!dnd.enabled || start === null || end === null || start === end) return false;
  const t = minuteOfDay(now, dnd.time_zone);
  return start < end ? t >= start && t < end : t >= start || t < end;
}

/**
 * Whether a live message alerts me, by the server's rules for pushes: a
 * text from someone else, in a room whose level takes it (a mention of me
 * under "all" and "mentions", any message under "all"), outside my
 * do-not-disturb window.
 */
export function wouldNotify(
  m: Message,
  room: RoomSummary,
  me: string,
  settings: NotifySettings | null,
  now: Date,
): boolean {
  if (m.kind !== "text" || m.deleted || !m.sender_id || m.sender_id === me) return false;
  const level = levelOf(room);
  if (level === "off") return false;
  if (level === "mentions" && !m.mentions?.includes(me)) return false;
  return !(settings && inDoNotDisturb(settings.dnd, now));
}

/** The alert for a payload: the room (the person, in a 1:1) as title, the text or "New message". */
export function presentation(p: PushPayload): { title: string; body: string; tag: string; data: NotificationData } {
  const text = p.text || "New message";
  // In a 1:1 the room's name is the sender's: no need to say it twice.
  const body = p.sender && p.sender !== p.room_name ? `${p.sender}: ${text}` : text;
  return { title: p.room_name || p.sender || "Parley", body, tag: p.room_id, data: { room_id: p.room_id, seq: p.seq } };
}

/**
 * Whether a payload is already alerted on this device: a notification of
 * its room shows this seq or a later one (the WebSocket's alert came
 * before the push, or the other way round), or one did and was dismissed.
 */
export function alreadyAlerted(shown: readonly NotificationData[], alertedSeq: number | undefined, p: PushPayload): boolean {
  if (alertedSeq !== undefined && alertedSeq >= p.seq) return true;
  return shown.some((d) => d.room_id === p.room_id && d.seq >= p.seq);
}

/** The app's address that opens a room at a message (a notification's click, when no window is open). */
export function roomUrl(room: string, seq: number): string {
  return `/rooms/${encodeURIComponent(room)}#seq=${seq}`;
}

/** The message a URL's hash points at (`#seq=42`), or null. */
export function seqFromHash(hash: string): number | null {
  const m = /^#seq=(\d{1,15})$/.exec(hash);
  return m ? Number(m[1]) : null;
}

/** The message a window is told to open when a notification is clicked. */
export interface OpenMessage {
  type: "parley-open";
  room_id: string;
  seq: number;
}

export function isOpenMessage(v: unknown): v is OpenMessage {
  const o = v as OpenMessage | null;
  return !!o && o.type === "parley-open" && typeof o.room_id === "string" && Number.isInteger(o.seq);
}

/** What the page asks the service worker to show (a live message while the tab is hidden). */
export interface ShowMessage {
  type: "parley-show";
  payload: PushPayload;
}

export function isShowMessage(v: unknown): v is ShowMessage {
  const o = v as ShowMessage | null;
  return !!o && o.type === "parley-show" && isPayload(o.payload);
}

/** What the page tells the service worker when a room is read up to seq: its notifications are stale. */
export interface ReadMessage {
  type: "parley-read";
  room_id: string;
  seq: number;
}

export function isReadMessage(v: unknown): v is ReadMessage {
  const o = v as ReadMessage | null;
  return !!o && o.type === "parley-read" && typeof o.room_id === "string" && Number.isInteger(o.seq);
}

/** Whether a decrypted push is a payload this client can show (the server may add fields, never remove them). */
export function isPayload(v: unknown): v is PushPayload {
  const p = v as PushPayload | null;
  return (
    !!p &&
    typeof p.room_id === "string" &&
    p.room_id !== "" &&
    typeof p.room_name === "string" &&
    typeof p.sender === "string" &&
    typeof p.text === "string" &&
    Number.isInteger(p.seq)
  );
}
