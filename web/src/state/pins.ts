import type { Message, Pin, PinChange, RoomID, RoomSummary, UserID } from "../api/types";
import { filesLabel } from "./format";

/** Characters of a pinned message's text a pin carries (the server's cut). */
export const pinPreviewChars = 200;

/**
 * The pinned messages of rooms, newest pin first, as `GET …/pins` lists
 * them and `pin` events change them (docs/protocol.md "Pins"). A room's
 * list is absent until read; events for a room not read are dropped (the
 * read brings them).
 */
export class RoomPins {
  private readonly lists = new Map<RoomID, Pin[]>();

  get(room: RoomID): readonly Pin[] | undefined {
    return this.lists.get(room);
  }

  has(room: RoomID): boolean {
    return this.lists.has(room);
  }

  set(room: RoomID, pins: Pin[]): void {
    this.lists.set(room, pins);
  }

  delete(room: RoomID): void {
    this.lists.delete(room);
  }

  /** Applies a `pin` event (or my own pin's answer): returns whether the list changed. */
  apply(ev: PinChange): boolean {
    const list = this.lists.get(ev.room_id);
    if (!list) return false;
    const rest = list.filter((p) => p.seq !== ev.seq);
    if (ev.on && ev.pin) {
      // A repeated event, or my answer and its event: the first one placed it.
      if (list[0]?.seq === ev.seq) return false;
      this.lists.set(ev.room_id, [ev.pin, ...rest]);
      return true;
    }
    if (ev.on || rest.length === list.length) return false;
    this.lists.set(ev.room_id, rest);
    return true;
  }

  /** A deleted message is unpinned by its delete (no `pin` event); an edit changes the pin's text. */
  onMessageUpdated(m: Message): boolean {
    const list = this.lists.get(m.room_id);
    const i = list?.findIndex((p) => p.seq === m.seq) ?? -1;
    if (!list || i < 0) return false;
    if (m.deleted) {
      this.lists.set(
        m.room_id,
        list.filter((p) => p.seq !== m.seq),
      );
      return true;
    }
    const chars = [...m.text];
    const next = [...list];
    next[i] = {
      ...list[i]!,
      message: { ...list[i]!.message, text: chars.slice(0, pinPreviewChars).join(""), edited_at: m.edited_at },
      truncated: chars.length > pinPreviewChars || undefined,
    };
    this.lists.set(m.room_id, next);
    return true;
  }
}

/** Who may pin and unpin: the owner and admins of a group, either person of a 1:1. */
export function canPin(room: Pick<RoomSummary, "kind" | "role">): boolean {
  return room.kind === "direct" || room.role === "owner" || room.role === "admin";
}

/** A pin in one line: its text on one line (with "…" when cut), or what files it has. */
export function pinText(p: Pin): string {
  const text = p.message.text.replace(/\s+/g, " ").trim();
  if (!text) return filesLabel(p.message.attachments ?? []);
  return p.truncated ? `${text}…` : text;
}

/** "Pinned by Ann" or "Pinned by you". */
export function pinnedBy(p: Pin, nameOf: (id: UserID) => string, me: UserID): string {
  return `Pinned by ${p.pinned_by === me ? "you" : nameOf(p.pinned_by)}`;
}
