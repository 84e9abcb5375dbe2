import { useState } from "react";
import type { User } from "../api/types";
import { useMedia } from "./media";

/** One of the ten avatar colours of styles.css, derived from an id so it is the same everywhere. */
function colorOf(seed: string): number {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % 10;
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = [...(words[0] ?? "?")][0] ?? "?";
  const second = words.length > 1 ? ([...words[words.length - 1]!][0] ?? "") : "";
  return (first + second).toUpperCase();
}

/**
 * A person's or room's picture: their avatar, fetched with the token (the
 * URL takes none) and shared by every copy on screen; initials on a colour
 * derived from the id (stable across devices) while it loads, when there
 * is none, or when it cannot be had. Decorative: the name is always written
 * next to it.
 */
export function Avatar({ name, seed, url, size = 40 }: { name: string; seed: string; url?: string; size?: number }) {
  const media = useMedia(url);
  const [broken, setBroken] = useState<string | null>(null);
  const cls = `avatar avatar-${size}`;
  if (media?.status === "ready" && broken !== media.url) {
    return <img className={cls} src={media.url} alt="" data-testid="avatar-image" onError={() => setBroken(media.url)} />;
  }
  return (
    <span className={`${cls} avatar-c${colorOf(seed)}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

/** Up to four member avatars in a grid, for a group room. */
export function GroupAvatar({ users, name, seed }: { users: User[]; name: string; seed: string }) {
  if (users.length < 2) return <Avatar name={name} seed={seed} />;
  return (
    <span className={`avatar-group avatar-group-${Math.min(users.length, 4)}`} aria-hidden="true">
      {users.slice(0, 4).map((u) => (
        <Avatar key={u.id} name={u.display_name} seed={u.id} url={u.avatar_url} size={20} />
      ))}
    </span>
  );
}

/** Online (green) or offline (grey), with the state in words for screen readers. */
export function PresenceDot({ online, lastSeen }: { online: boolean | undefined; lastSeen?: string }) {
  if (online === undefined) return null;
  const label = online ? "online" : lastSeen ? `offline, last seen ${new Date(lastSeen).toLocaleString()}` : "offline";
  return <span className={`presence ${online ? "online" : "offline"}`} role="img" aria-label={label} title={label} />;
}
