import { useCallback, useEffect, useRef, useState, type DragEvent, type ReactNode } from "react";
import type { Message, RoomID } from "../api/types";
import { presenceRoomLimit } from "../state/client";
import { formatCount, formatLastSeen } from "../state/format";
import { typingText } from "../state/typing";
import { PresenceDot } from "./Avatar";
import { Composer } from "./Composer";
import { useClient } from "./context";
import { IconBack, IconMegaphone, IconSearch, IconSettings } from "./icons";
import { MessageList } from "./MessageList";
import { MessageResults } from "./MessageSearch";
import { MessageText } from "./MessageText";
import { PinBar } from "./Pins";
import { RoomNotifyLevel } from "./Notifications";
import { attachFiles } from "./PendingFiles";
import { RoomAvatar, roomTitle } from "./RoomList";
import { RoomSettings } from "./RoomSettings";

/** Re-renders every `ms`, for times written relative to now ("5 minutes ago"). */
export function useNow(ms: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function ChatView({ roomId, onBack }: { roomId: RoomID; onBack: () => void }) {
  const client = useClient();
  const [settings, setSettings] = useState(false);
  const [searching, setSearching] = useState(false);
  const [reply, setReply] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const onReply = useCallback((m: Message) => {
    setEditing(null);
    setReply(m);
  }, []);
  const onEdit = useCallback((m: Message) => {
    setReply(null);
    setEditing(m);
  }, []);
  const now = useNow(30_000);
  const [dropping, setDropping] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them to know when the drag leaves the view.
  const dragDepth = useRef(0);
  const room = client.rooms.get(roomId);
  if (!room) return null;

  const carriesFiles = (e: DragEvent) => e.dataTransfer.types.includes("Files");
  const drag = {
    onDragEnter: (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      dragDepth.current++;
      setDropping(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    },
    onDragLeave: (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDropping(false);
    },
    onDrop: (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      dragDepth.current = 0;
      setDropping(false);
      attachFiles(client, roomId, [...e.dataTransfer.files]);
    },
  };

  const title = roomTitle(client, room);
  const peer = client.peerOf(room);
  let subtitle: ReactNode;
  if (peer) {
    const p = client.presenceOf(peer.id);
    const status = client.directory.statusOf(peer.id);
    subtitle = (
      <>
        {p ? (
          <>
            <PresenceDot online={p.online} lastSeen={p.last_seen} />
            <span className="peer-presence" data-testid="peer-presence">{p.online ? "Online" : formatLastSeen(p.last_seen, now)}</span>
          </>
        ) : (
          <span>@{peer.username}</span>
        )}
        {status && (
          <span className="status" data-testid="peer-status">
            · {status}
          </span>
        )}
      </>
    );
  } else {
    const members = client.members.get(roomId);
    const online =
      room.member_count > presenceRoomLimit
        ? client.roomOnline.get(roomId)
        : members?.filter((m) => client.isOnline(m.user_id)).length;
    subtitle = (
      <span data-testid="room-online">
        {formatCount(room.member_count)} {room.member_count === 1 ? "member" : "members"}{online !== undefined && ` · ${formatCount(online)} online`}
      </span>
    );
  }
  const typists = client.typingIn(roomId);

  return (
    <main className="chat" aria-label={`Conversation: ${title}`} {...drag}>
      {dropping && (
        <div className="drop-zone" aria-hidden="true">
          Drop files to send them here
        </div>
      )}
      <header className="chat-head">
        <button type="button" className="icon back" aria-label="Back to conversations" onClick={onBack}>
          <IconBack />
        </button>
        <RoomAvatar room={room} />
        <div className="chat-title">
          <h1>{title}</h1>
          <span className="hint" data-testid="chat-subtitle">
            {subtitle}
          </span>
        </div>
        <RoomNotifyLevel roomId={roomId} compact />
        <button type="button" className="icon" aria-label="Search in this chat" title="Search in this chat" aria-expanded={searching} onClick={() => setSearching(!searching)}>
          <IconSearch />
        </button>
        <button type="button" className="icon" aria-label="Room settings" title="Room settings" onClick={() => setSettings(true)}>
          <IconSettings />
        </button>
      </header>
      {searching && <RoomSearch roomId={roomId} onClose={() => setSearching(false)} />}
      {room.announcement && (
        <div className={`announcement ${client.pins.get(roomId)?.length ? "with-pin" : ""}`} role="note" aria-label="Announcement">
          <IconMegaphone />
          <MessageText text={room.announcement} />
        </div>
      )}
      <PinBar roomId={roomId} onAll={() => setSettings(true)} />
      <MessageList roomId={roomId} onReply={onReply} onEdit={onEdit} />
      <div className="typing" aria-live="polite" data-testid="typing">
        {typists.length > 0 && (
          <>
            <span className="typing-dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>
            {typingText(typists)}
          </>
        )}
      </div>
      <Composer
        roomId={roomId}
        reply={reply}
        editing={editing}
        onEdit={onEdit}
        onDone={() => {
          setReply(null);
          setEditing(null);
        }}
      />
      {settings && <RoomSettings roomId={roomId} onClose={() => setSettings(false)} onLeft={onBack} />}
    </main>
  );
}

/** Search within the open room, under its header (the sidebar's box is out of sight at phone width). */
function RoomSearch({ roomId, onClose }: { roomId: RoomID; onClose: () => void }) {
  const [text, setText] = useState("");
  return (
    <div className="room-search">
      <div className="room-search-box">
        <input
          type="search"
          aria-label="Search messages in this chat"
          placeholder="Search messages in this chat"
          autoFocus
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") onClose();
          }}
        />
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      {text.trim() && <MessageResults text={text} room={roomId} onOpen={() => {}} />}
    </div>
  );
}
