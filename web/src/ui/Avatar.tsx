import { useEffect, useRef, useState } from "react";
import type { RoomSummary } from "../api/types";
import { collageRoomLimit, initialOf, roomPicture, type Face } from "../state/avatar";
import { useClient } from "./context";
import { useMedia } from "./media";

/** One of the ten avatar colours of styles.css, derived from an id so it is the same everywhere. */
function colorOf(seed: string): number {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % 10;
}

/**
 * A person's or room's picture: their avatar, fetched with the token (the
 * URL takes none) and shared by every copy on screen; initials on a colour
 * derived from the id (stable across devices) while it loads, when there
 * is none, or when it cannot be had (a person or group glyph when the name
 * has no letter: state/avatar.ts initialOf). Decorative: the name is always written
 * next to it.
 */
export function Avatar({ name, seed, url, size = 40, group = false }: { name: string; seed: string; url?: string; size?: number; group?: boolean }) {
  const media = useMedia(url);
  const [broken, setBroken] = useState<string | null>(null);
  const cls = `avatar avatar-${size}`;
  if (media?.status === "ready" && broken !== media.url) {
    return <img className={cls} src={media.url} alt="" data-testid="avatar-image" onError={() => setBroken(media.url)} />;
  }
  const initial = initialOf(name);
  return (
    <span className={`${cls} avatar-c${colorOf(seed)}`} aria-hidden="true" data-testid="avatar-initial">
      {initial ?? <Glyph group={group} />}
    </span>
  );
}

function Glyph({ group }: { group: boolean }) {
  return (
    <svg className="avatar-glyph" viewBox="0 0 24 24" width="60%" height="60%" fill="currentColor" aria-hidden="true" data-glyph={group ? "group" : "person"}>
      {group ? (
        <path d="M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Zm7 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM2 20c0-3.3 3.1-6 7-6s7 2.7 7 6H2Zm15.5 0c0-2-.8-3.8-2.1-5.1.5-.1 1-.1 1.6-.1 3.3 0 5.9 2.3 5.9 5.2H17.5Z" />
      ) : (
        <path d="M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9Zm-8 9c0-4 3.6-7 8-7s8 3 8 7H4Z" />
      )}
    </svg>
  );
}

/** Up to four faces in a grid: a group's member collage. */
function Collage({ faces }: { faces: Face[] }) {
  return (
    <span className={`avatar-group avatar-group-${faces.length}`} aria-hidden="true" data-testid="avatar-collage">
      {faces.map((f) => (
        <Avatar key={f.seed} name={f.name} seed={f.seed} url={f.url} size={20} />
      ))}
    </span>
  );
}

/**
 * A room's picture by the one rule of state/avatar.ts, wherever a room is
 * shown. A small group's member list is read once it comes into view, so
 * the room list shows the same collage as the open chat; events keep it
 * current after that.
 */
export function RoomAvatar({ room, title, presence = true }: { room: Pick<RoomSummary, "id" | "kind" | "name" | "member_count">; title?: string; presence?: boolean }) {
  const client = useClient();
  const ref = useRef<HTMLSpanElement>(null);
  const mine = client.rooms.has(room.id);
  const held = client.members.has(room.id);
  const wanted = mine && room.kind === "group" && !held && room.member_count <= collageRoomLimit;
  useEffect(() => {
    const el = ref.current;
    if (!wanted || !el) return;
    if (typeof IntersectionObserver === "undefined") return void client.loadMembers(room.id);
    const io = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      void client.loadMembers(room.id);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [client, room.id, wanted]);
  const full = client.rooms.get(room.id);
  const peer = full ? client.peerOf(full) : undefined;
  const pic = roomPicture(room, {
    title: title ?? (room.kind === "direct" ? (peer?.display_name ?? "") : room.name),
    me: client.me?.id ?? "",
    peer,
    members: mine ? client.members.get(room.id) : undefined,
    userOf: (id) => client.users.get(id),
  });
  return (
    <span className="avatar-wrap" ref={ref} data-testid="room-avatar">
      {pic.kind === "collage" ? <Collage faces={pic.faces} /> : <Avatar name={pic.face.name} seed={pic.face.seed} url={pic.face.url} group={room.kind === "group"} />}
      {presence && peer && <PresenceDot online={client.isOnline(peer.id)} />}
    </span>
  );
}

/** Online (green) or offline (grey), with the state in words for screen readers. */
export function PresenceDot({ online, lastSeen }: { online: boolean | undefined; lastSeen?: string }) {
  if (online === undefined) return null;
  const label = online ? "online" : lastSeen ? `offline, last seen ${new Date(lastSeen).toLocaleString()}` : "offline";
  return <span className={`presence ${online ? "online" : "offline"}`} role="img" aria-label={label} title={label} />;
}
