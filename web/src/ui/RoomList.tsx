import { useState } from "react";
import type { RoomSummary } from "../api/types";
import type { ChatClient } from "../state/client";
import { formatListTime, preview } from "../state/format";
import { typingText } from "../state/typing";
import { Avatar, GroupAvatar, PresenceDot } from "./Avatar";
import { useClient } from "./context";
import { FriendsPane } from "./Friends";
import { InviteList } from "./Invites";
import { IconChat, IconPeople, IconPlus } from "./icons";
import { NewChatDialog } from "./NewChat";
import { ProfileDialog } from "./Profile";

export type SidebarView = "chats" | "friends";

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

/**
 * The side pane: who I am (opens my profile), tabs for conversations and
 * friends (with the count of requests waiting for me), and the tab's list.
 */
export function Sidebar({ view, onView, onOpen }: { view: SidebarView; onView: (v: SidebarView) => void; onOpen: (room: string) => void }) {
  const client = useClient();
  const me = client.me!;
  const [creating, setCreating] = useState(false);
  const [profile, setProfile] = useState(false);
  const requests = client.people.friends.incoming.size;
  const invites = client.invites.size;

  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-head">
        <button type="button" className="me" aria-label={`Your profile: ${me.display_name}`} onClick={() => setProfile(true)}>
          <Avatar name={me.display_name} seed={me.id} url={me.avatar_url} size={32} />
          <span className="me-text">
            <strong>{me.display_name}</strong>
            <span className="hint" data-testid="my-status">
              {me.status_message || `@${me.username}`}
            </span>
          </span>
        </button>
        <button type="button" className="icon" aria-label="New chat" title="New chat" onClick={() => setCreating(true)}>
          <IconPlus />
        </button>
        <button type="button" className="small" onClick={() => void client.logout()}>
          Log out
        </button>
      </header>
      <div className="tabs sidebar-tabs" role="tablist" aria-label="Lists">
        <button type="button" role="tab" id="tab-chats" aria-controls="panel-list" aria-selected={view === "chats"} onClick={() => onView("chats")}>
          <IconChat /> Chats
          {invites > 0 && (
            <span className="badge unread" aria-label={`${invites} invitations`} data-testid="invites-badge">
              {invites}
            </span>
          )}
        </button>
        <button type="button" role="tab" id="tab-friends" aria-controls="panel-list" aria-selected={view === "friends"} onClick={() => onView("friends")}>
          <IconPeople /> Friends
          {requests > 0 && (
            <span className="badge unread" aria-label={`${requests} friend requests`} data-testid="requests-badge">
              {requests}
            </span>
          )}
        </button>
      </div>
      <div className="sidebar-panel" id="panel-list" role="tabpanel" aria-labelledby={view === "chats" ? "tab-chats" : "tab-friends"}>
        {view === "chats" ? <RoomListPane onOpen={onOpen} onCreate={() => setCreating(true)} /> : <FriendsPane onOpen={onOpen} />}
      </div>
      {creating && (
        <NewChatDialog
          onClose={(room) => {
            setCreating(false);
            if (room) onOpen(room);
          }}
        />
      )}
      {profile && <ProfileDialog onClose={() => setProfile(false)} />}
    </nav>
  );
}

function RoomListPane({ onOpen, onCreate }: { onOpen: (room: string) => void; onCreate: () => void }) {
  const client = useClient();
  const [filter, setFilter] = useState("");
  const q = filter.trim().toLowerCase();
  const rooms = client.rooms.sorted().filter((r) => !q || roomTitle(client, r).toLowerCase().includes(q));

  return (
    <>
      <div className="sidebar-search">
        <input type="search" aria-label="Filter conversations" placeholder="Search conversations" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <InviteList onOpen={onOpen} />
      {rooms.length === 0 ? (
        <p className="empty-list">
          {q ? "No conversation matches." : "No conversations yet."}{" "}
          {!q && (
            <button type="button" className="link" onClick={onCreate}>
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
    </>
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
  const typists = client.typingIn(room.id);
  const text = typists.length
    ? room.kind === "direct"
      ? "typing…"
      : typingText(typists)
    : preview(room.last_message, (id) => client.nameOf(id), me);
  const unread = open ? 0 : room.unread;
  const mentions = open ? 0 : (room.mentions ?? 0);
  const label = `${title}${unread ? `, ${unread} unread` : ""}${mentions ? `, ${mentions} ${mentions === 1 ? "mention" : "mentions"}` : ""}`;
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
            <span className={`room-preview ${typists.length ? "typing-preview" : ""}`}>{text}</span>
            {mentions > 0 && (
              <span className="badge mention" data-testid="mention-badge" data-count={mentions} aria-hidden="true">
                @{mentions > 1 ? mentions : ""}
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
