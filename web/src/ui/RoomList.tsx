import { useState } from "react";
import type { RoomSummary } from "../api/types";
import type { ChatClient } from "../state/client";
import { formatListTime, preview } from "../state/format";
import { Avatar, GroupAvatar, PresenceDot } from "./Avatar";
import { useClient } from "./context";
import { IconPlus } from "./icons";
import { NewChatDialog } from "./NewChat";

/** The room's title as people see it: the other person for 1:1 rooms. */
export function roomTitle(client: ChatClient, r: RoomSummary): string {
  if (r.kind === "direct") return client.peerOf(r)?.display_name ?? "Direct message";
  return r.name;
}

export function RoomAvatar({ room }: { room: RoomSummary }) {
  const client = useClient();
  if (room.kind === "direct") {
    const peer = client.peerOf(room);
    return (
      <span className="avatar-wrap">
        <Avatar name={peer?.display_name ?? "?"} seed={peer?.id ?? room.id} url={peer?.avatar_url} />
        {peer && <PresenceDot online={client.isOnline(peer.id)} />}
      </span>
    );
  }
  const members = (client.members.get(room.id) ?? [])
    .map((m) => client.users.get(m.user_id))
    .filter((u) => u !== undefined);
  return <GroupAvatar users={members} name={room.name} seed={room.id} />;
}

export function RoomListPane({ onOpen }: { onOpen: (room: string) => void }) {
  const client = useClient();
  const me = client.me!;
  const [filter, setFilter] = useState("");
  const [creating, setCreating] = useState(false);
  const q = filter.trim().toLowerCase();
  const rooms = client.rooms.sorted().filter((r) => !q || roomTitle(client, r).toLowerCase().includes(q));

  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-head">
        <Avatar name={me.display_name} seed={me.id} url={me.avatar_url} size={32} />
        <div className="me">
          <strong>{me.display_name}</strong>
          <span className="hint">@{me.username}</span>
        </div>
        <button type="button" className="icon" aria-label="New chat" title="New chat" onClick={() => setCreating(true)}>
          <IconPlus />
        </button>
        <button type="button" className="small" onClick={() => void client.logout()}>
          Log out
        </button>
      </header>
      <div className="sidebar-search">
        <input type="search" aria-label="Filter conversations" placeholder="Search conversations" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      {rooms.length === 0 ? (
        <p className="empty-list">
          {q ? "No conversation matches." : "No conversations yet."}{" "}
          {!q && (
            <button type="button" className="link" onClick={() => setCreating(true)}>
              Start one
            </button>
          )}
        </p>
      ) : (
        <ul className="room-list" aria-label="Rooms">
          {rooms.map((r) => (
            <RoomItem key={r.id} room={r} title={roomTitle(client, r)} open={client.openRoomId === r.id} onOpen={onOpen} />
          ))}
        </ul>
      )}
      {creating && (
        <NewChatDialog
          onClose={(room) => {
            setCreating(false);
            if (room) onOpen(room);
          }}
        />
      )}
    </nav>
  );
}

function RoomItem({
  room,
  title,
  open,
  onOpen,
}: {
  room: RoomSummary;
  title: string;
  open: boolean;
  onOpen: (room: string) => void;
}) {
  const client = useClient();
  const me = client.me?.id ?? "";
  const text = preview(room.last_message, (id) => client.nameOf(id), me);
  const unread = open ? 0 : room.unread;
  const label = `${title}${unread ? `, ${unread} unread` : ""}`;
  return (
    <li>
      <button type="button" className="room-item" aria-current={open ? "true" : undefined} aria-label={label} data-room={room.id} onClick={() => onOpen(room.id)}>
        <RoomAvatar room={room} />
        <span className="room-main">
          <span className="room-top">
            <span className="room-name">{title}</span>
            {room.kind === "group" && <span className="room-count">{room.member_count}</span>}
            <time className="room-time" dateTime={room.last_message_at}>
              {formatListTime(room.last_message_at)}
            </time>
          </span>
          <span className="room-bottom">
            <span className="room-preview">{text}</span>
            {!!room.mentions && !open && (
              <span className="badge mention" aria-label={`${room.mentions} mentions`}>
                @
              </span>
            )}
            {unread > 0 && (
              <span className="badge unread" data-testid="unread-badge">
                {unread > 999 ? "999+" : unread}
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}
