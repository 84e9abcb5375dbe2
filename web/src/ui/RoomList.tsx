import { useEffect, useState, type KeyboardEvent } from "react";
import { createPortal } from "react-dom";
import type { RoomSummary } from "../api/types";
import type { ChatClient } from "../state/client";
import { formatListTime, preview } from "../state/format";
import { typingText } from "../state/typing";
import { Avatar, RoomAvatar } from "./Avatar";
import { useClient } from "./context";
import { FriendsPane } from "./Friends";
import { InviteList } from "./Invites";
import { LogoutButton } from "./Logout";
import { MessageResults } from "./MessageSearch";
import { IconChat, IconPeople, IconPlus } from "./icons";
import { NewChatDialog } from "./NewChat";
import { focusComposerOf, RoomSwitcher } from "./RoomSwitcher";

export type SidebarView = "chats" | "friends";

/** The room's title as people see it: the other person for 1:1 rooms. */
export function roomTitle(client: ChatClient, r: RoomSummary): string {
  if (r.kind === "direct") return client.peerOf(r)?.display_name ?? "Direct message";
  return r.name;
}

export { RoomAvatar } from "./Avatar";

/**
 * The side pane: who I am (opens the settings), tabs for conversations and
 * friends (with the count of requests waiting for me), and the tab's list.
 */
export function Sidebar({
  view,
  onView,
  onOpen,
  onSettings,
  settings,
}: {
  view: SidebarView;
  onView: (v: SidebarView) => void;
  onOpen: (room: string) => void;
  onSettings: () => void;
  settings: boolean;
}) {
  const client = useClient();
  const me = client.me!;
  const [creating, setCreating] = useState(false);
  const [switching, setSwitching] = useState(false);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setSwitching(true);
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  const requests = client.people.friends.incoming.size;
  const invites = client.invites.size;

  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-head">
        <button type="button" className="me" aria-current={settings ? "page" : undefined} onClick={onSettings}>
          <span className="visually-hidden">Your profile and settings: </span>
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
        <LogoutButton />
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
      {/* On a phone the sidebar is hidden while a room is open, and a dialog inside it would be too. */}
      {switching && createPortal(<RoomSwitcher onOpen={onOpen} onClose={() => setSwitching(false)} />, document.body)}
    </nav>
  );
}

function RoomListPane({ onOpen, onCreate }: { onOpen: (room: string) => void; onCreate: () => void }) {
  const client = useClient();
  const [filter, setFilter] = useState("");
  const q = filter.trim().toLowerCase();
  const rooms = client.rooms.sorted().filter((r) => !q || roomTitle(client, r).toLowerCase().includes(q));
  // One tab stop for the whole list (roving tabindex): the room last focused, else the open one, else the first.
  const [focused, setFocused] = useState<string | null>(null);
  const tabStop = rooms.find((r) => r.id === focused)?.id ?? rooms.find((r) => r.id === client.openRoomId)?.id ?? rooms[0]?.id;

  function onListKey(e: KeyboardEvent<HTMLUListElement>) {
    const items = [...e.currentTarget.querySelectorAll<HTMLButtonElement>(".room-item")];
    const i = items.indexOf(e.target as HTMLButtonElement);
    if (i < 0) return;
    const to = { ArrowDown: Math.min(i + 1, items.length - 1), ArrowUp: Math.max(i - 1, 0), Home: 0, End: items.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      items[to]!.focus();
    } else if (e.key === "Enter") {
      // Enter opens and goes on to the message box; a click or Space only opens (no phone keyboard popping up).
      e.preventDefault();
      const room = items[i]!.dataset.room!;
      const alreadyOpen = client.openRoomId === room;
      onOpen(room);
      focusComposerOf(alreadyOpen);
    }
  }

  return (
    <>
      <div className="sidebar-search">
        <input type="search" aria-label="Search conversations and messages" placeholder="Search chats and messages" value={filter} onChange={(e) => setFilter(e.target.value)} />
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
        <ul className="room-list" aria-label="Rooms" onKeyDown={onListKey}>
          {rooms.map((r) => (
            <RoomItem key={r.id} room={r} title={roomTitle(client, r)} open={client.openRoomId === r.id} onOpen={onOpen} tabStop={r.id === tabStop} onFocus={() => setFocused(r.id)} />
          ))}
        </ul>
      )}
      {q && <MessageResults text={filter} onOpen={onOpen} />}
    </>
  );
}

function RoomItem({
  room,
  title,
  open,
  onOpen,
  tabStop,
  onFocus,
}: {
  room: RoomSummary;
  title: string;
  open: boolean;
  onOpen: (room: string) => void;
  tabStop: boolean;
  onFocus: () => void;
}) {
  const client = useClient();
  const me = client.me?.id ?? "";
  const typists = client.typingIn(room.id);
  const text = typists.length
    ? room.kind === "direct"
      ? "typing…"
      : typingText(typists)
    : preview(room.last_message, (id) => client.nameOf(id), me);
  // Like KakaoTalk and Slack: what I left unsent shows instead of the last message, except in the room I am in.
  const draft = open ? "" : client.drafts.get(room.id);
  const peer = room.kind === "direct" ? client.peerOf(room) : undefined;
  const peerOnline = !!peer && client.isOnline(peer.id) === true;
  const unread = open ? 0 : room.unread;
  const mentions = open ? 0 : (room.mentions ?? 0);
  return (
    <li>
      <button type="button" className="room-item" aria-current={open ? "true" : undefined} data-room={room.id} tabIndex={tabStop ? 0 : -1} onFocus={onFocus} onClick={() => onOpen(room.id)}>
        {/* The row is named by its text, title first; the dot's state is said after the title. */}
        <span aria-hidden="true" className="avatar-wrap">
          <RoomAvatar room={room} title={title} />
        </span>
        <span className="room-main">
          <span className="room-top">
            <span className="room-name">{title}</span>
            {peerOnline && <span className="visually-hidden">, online</span>}
            {room.kind === "group" && <span className="room-count">{room.member_count}</span>}
            <time className="room-time" dateTime={room.last_message_at}>
              {formatListTime(room.last_message_at)}
            </time>
          </span>
          <span className="room-bottom">
            {draft && !typists.length ? (
              <span className="room-preview" data-testid="room-draft">
                <span className="draft-label">Draft:</span> {draft}
              </span>
            ) : (
              <span className={`room-preview ${typists.length ? "typing-preview" : ""}`}>{text}</span>
            )}
            {mentions > 0 && (
              <span className="badge mention" data-testid="mention-badge" data-count={mentions} aria-hidden="true">
                @{mentions > 1 ? mentions : ""}
              </span>
            )}
            {mentions > 0 && <span className="visually-hidden">{`, ${mentions} ${mentions === 1 ? "mention" : "mentions"}`}</span>}
            {unread > 0 && (
              <span className="badge unread" data-testid="unread-badge">
                {unread > 999 ? "999+" : unread}
              </span>
            )}
            {unread > 0 && <span className="visually-hidden"> unread</span>}
          </span>
        </span>
      </button>
    </li>
  );
}
