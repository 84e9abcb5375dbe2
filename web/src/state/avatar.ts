import type { Member, RoomSummary, User, UserID } from "../api/types";
import { byRole } from "./members";

/** What an avatar shows for one person, or for a room that has no members to show. */
export interface Face {
  name: string;
  /** Picks the colour, so a person or room has the same one on every device. */
  seed: string;
  url?: string;
}

/** A room's picture: one face (a 1:1 peer, or the room's own initial), or a collage of up to four members. */
export type RoomPicture = { kind: "face"; face: Face } | { kind: "collage"; faces: Face[] };

/** Rooms bigger than this show their initial: their member list is not read just for a picture. */
export const collageRoomLimit = 100;

const letterOrNumber = /[\p{L}\p{N}]/u;
// A keycap ("1️⃣") or a digit drawn as an emoji starts with a number but is a picture.
const pictographic = /[\uFE0F\u20E3]|\p{Extended_Pictographic}/u;
const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/**
 * The letter an avatar shows for a name: the first grapheme that starts with
 * a letter or a number, upper-cased, with its combining marks only (so an
 * emoji, a keycap or a symbol is never an initial, and "🎉 Party" is "P"); null when
 * the name has none, for the caller to show a neutral glyph.
 */
export function initialOf(name: string): string | null {
  const graphemes = segmenter ? Array.from(segmenter.segment(name), (s) => s.segment) : Array.from(name);
  for (const g of graphemes) {
    const first = Array.from(g)[0] ?? "";
    if (!letterOrNumber.test(first) || pictographic.test(g)) continue;
    const marks = Array.from(g)
      .slice(1)
      .filter((c) => /[\p{Mn}\p{Mc}]/u.test(c))
      .join("");
    return (first + marks).toLocaleUpperCase();
  }
  return null;
}

/**
 * The one rule for a room's picture, used by every view (room list, chat
 * header, settings, search, invites): a 1:1 shows the peer; a group shows
 * a collage of up to four other members (owner first, then in the order
 * they joined) when its member list is held and it has two others or more;
 * otherwise the room's own initial. Rooms have no picture of their own in
 * the API, so there is no image to prefer over the collage.
 */
export function roomPicture(room: Pick<RoomSummary, "id" | "kind" | "name">, opts: { title: string; me: UserID; peer?: User; members?: readonly Member[]; userOf?: (id: UserID) => User | undefined }): RoomPicture {
  if (room.kind === "direct") {
    const p = opts.peer;
    return { kind: "face", face: { name: p?.display_name ?? opts.title, seed: p?.id ?? room.id, url: p?.avatar_url } };
  }
  const others = byRole(opts.members ?? []).filter((m) => m.user_id !== opts.me);
  if (others.length >= 2) {
    return {
      kind: "collage",
      faces: others.slice(0, 4).map((m) => ({ name: m.display_name, seed: m.user_id, url: opts.userOf?.(m.user_id)?.avatar_url ?? m.avatar_url })),
    };
  }
  return { kind: "face", face: { name: opts.title, seed: room.id } };
}
