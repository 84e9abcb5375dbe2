import { useCallback, useState, type ReactNode } from "react";
import type { Message, RoomID } from "../api/types";
import { PresenceDot } from "./Avatar";
import { Composer } from "./Composer";
import { useClient } from "./context";
import { IconBack, IconMegaphone, IconSettings } from "./icons";
import { MessageList } from "./MessageList";
import { MessageText } from "./MessageText";
import { RoomAvatar, roomTitle } from "./RoomList";
import { RoomSettings } from "./RoomSettings";

export function ChatView({ roomId, onBack }: { roomId: RoomID; onBack: () => void }) {
  const client = useClient();
  const [settings, setSettings] = useState(false);
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
  const room = client.rooms.get(roomId);
  if (!room) return null;

  const title = roomTitle(client, room);
  const peer = client.peerOf(room);
  const peerMember = peer ? client.members.get(roomId)?.find((m) => m.user_id === peer.id) : undefined;
  let subtitle: ReactNode = `${room.member_count} members`;
  if (peer) {
    subtitle = peerMember ? (
      <>
        <PresenceDot online={peerMember.online} lastSeen={peerMember.last_seen} /> {peerMember.online ? "Online" : "Offline"}
      </>
    ) : (
      `@${peer.username}`
    );
  }

  return (
    <main className="chat" aria-label={`Conversation: ${title}`}>
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
        <button type="button" className="icon" aria-label="Room settings" title="Room settings" onClick={() => setSettings(true)}>
          <IconSettings />
        </button>
      </header>
      {room.announcement && (
        <div className="announcement" role="note" aria-label="Announcement">
          <IconMegaphone />
          <MessageText text={room.announcement} />
        </div>
      )}
      <MessageList roomId={roomId} onReply={onReply} onEdit={onEdit} />
      <Composer
        roomId={roomId}
        reply={reply}
        editing={editing}
        onDone={() => {
          setReply(null);
          setEditing(null);
        }}
      />
      {settings && <RoomSettings roomId={roomId} onClose={() => setSettings(false)} onLeft={onBack} />}
    </main>
  );
}
