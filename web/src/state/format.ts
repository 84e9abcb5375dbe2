import type { Attachment, Message, SystemEvent, UserID } from "../api/types";

/** Calendar day of a timestamp in local time, for day separators. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function formatDay(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (dayKey(iso) === dayKey(now.toISOString())) return "Today";
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (dayKey(iso) === dayKey(y.toISOString())) return "Yesterday";
  return d.toLocaleDateString(undefined, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}

/** A short time in the reader's locale, with no leading zero on the hour: "9:05 AM", "9:05", "오전 9:05". */
export function formatTime(iso: string, locale?: string): string {
  return new Date(iso).toLocaleTimeString(locale, { hour: "numeric", minute: "2-digit" });
}

/** The whole date and time, for hovering or long-pressing a message. */
export function formatFullTime(iso: string, locale?: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: "full", timeStyle: "short" });
}

/** The local minute a timestamp falls in. */
function minuteKey(iso: string): string {
  const d = new Date(iso);
  return `${dayKey(iso)} ${d.getHours()}:${d.getMinutes()}`;
}

/**
 * Whether a message shows its time: a run of messages from one person in
 * one minute shows it once, at the run's end (as KakaoTalk does). `next` is
 * the message after it in the list, if any. System lines show none.
 */
export function showsTime(m: Pick<Message, "kind" | "sender_id" | "created_at">, next: Pick<Message, "kind" | "sender_id" | "created_at"> | undefined): boolean {
  if (m.kind === "system") return false;
  if (!next || next.kind === "system" || next.sender_id !== m.sender_id) return true;
  return minuteKey(next.created_at) !== minuteKey(m.created_at);
}

/** The room list's time: a time today, "Yesterday", else a short date. */
export function formatListTime(iso: string, now = new Date()): string {
  if (dayKey(iso) === dayKey(now.toISOString())) return formatTime(iso);
  const day = formatDay(iso, now);
  if (day === "Yesterday") return day;
  return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** Messages with a day separator before the first message of each day. */
export function withDays<T extends Pick<Message, "created_at">>(
  msgs: readonly T[],
): ({ kind: "day"; key: string; label: string } | { kind: "message"; message: T })[] {
  const out: ({ kind: "day"; key: string; label: string } | { kind: "message"; message: T })[] = [];
  let day = "";
  for (const m of msgs) {
    const k = dayKey(m.created_at);
    if (k !== day) {
      out.push({ kind: "day", key: k, label: formatDay(m.created_at) });
      day = k;
    }
    out.push({ kind: "message", message: m });
  }
  return out;
}

/** A system message as a sentence. */
export function describeSystem(s: SystemEvent, nameOf: (id: UserID) => string): string {
  const actor = nameOf(s.actor);
  const users = (s.users ?? []).map(nameOf);
  const list = joinNames(users);
  switch (s.type) {
    case "room_created":
      return s.name ? `${actor} created “${s.name}”${list ? ` with ${list}` : ""}` : `${actor} started the conversation`;
    case "members_added":
      // One user and their own act: a public room, an invite link, a 1:1 they opened.
      return s.users?.length === 1 && s.users[0] === s.actor ? `${actor} joined` : `${actor} invited ${list}`;
    case "member_left":
      return `${list} left`;
    case "member_removed":
      return `${actor} removed ${list}`;
    case "role_changed":
      return `${list} is now ${s.role === "admin" ? "an admin" : s.role === "owner" ? "the owner" : "a member"}`;
    case "room_renamed":
      return `${actor} renamed the room to “${s.name ?? ""}”`;
    case "announcement_changed":
      return s.text ? `${actor} set the announcement` : `${actor} cleared the announcement`;
    case "visibility_changed":
      return s.visibility === "public" ? `${actor} made the room public` : `${actor} made the room private`;
    case "message_pinned":
      return `${actor} pinned a message`;
    case "message_unpinned":
      return `${actor} unpinned a message`;
    default:
      return "The room changed";
  }
}

function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The one-line preview of a message in the room list. */
export function preview(m: Message | undefined, nameOf: (id: UserID) => string, me: UserID): string {
  if (!m) return "";
  if (m.kind === "system" && m.system) return describeSystem(m.system, nameOf);
  if (m.deleted) return "Message deleted";
  // A preview from ready (m.truncated) may be cut short.
  const text = (m.text.replace(/\s+/g, " ").trim() || filesLabel(m.attachments ?? [])) + (m.truncated ? "…" : "");
  return m.sender_id === me ? `You: ${text}` : text;
}

/** What a message of files alone says in the room list: "Photo", "report.pdf", "3 files". */
export function filesLabel(files: readonly Attachment[]): string {
  if (files.length === 0) return "";
  const images = files.filter((a) => a.thumbnail_url).length;
  if (files.length === 1) return images ? "📷 Photo" : `📎 ${files[0]!.name}`;
  return images === files.length ? `📷 ${files.length} photos` : `📎 ${files.length} files`;
}

/** A file size the way people read it: "812 bytes", "48 KB", "3.2 MB" (powers of 1,024). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? "" : "s"}`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1).replace(/\.0$/, "") : Math.round(v)} ${units[i]}`;
}

/** How much of the storage quota my files take: "Storage: 12 MB of 1 GB". */
export function formatStorage(used: number, quota: number): string {
  return `Storage: ${formatBytes(used)} of ${formatBytes(quota)}`;
}

/** "last seen just now", "… 5 minutes ago", "… today at 09:30", "… yesterday at 18:02", "… on 3 Feb". */
export function formatLastSeen(iso: string | undefined, now = new Date()): string {
  if (!iso) return "offline";
  const t = Date.parse(iso);
  if (!t) return "offline";
  const mins = Math.floor((now.getTime() - t) / 60_000);
  if (mins < 1) return "last seen just now";
  if (mins < 60) return `last seen ${mins} minute${mins === 1 ? "" : "s"} ago`;
  const day = formatDay(iso, now);
  if (day === "Today") return `last seen today at ${formatTime(iso)}`;
  if (day === "Yesterday") return `last seen yesterday at ${formatTime(iso)}`;
  return `last seen on ${new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: new Date(iso).getFullYear() === now.getFullYear() ? undefined : "numeric" })}`;
}

/** 1234 → "1,234" (grouped for reading). */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
