import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { Role, RoomID } from "../api/types";
import { canDemote, canInvite, canLeave, canManage, canPromote, canRemove } from "../state/roles";
import { byRole } from "../state/members";
import { Avatar, PresenceDot, RoomAvatar } from "./Avatar";
import { useClient } from "./context";
import { Dialog } from "./Dialog";
import { PeoplePicker, type Picked } from "./PeoplePicker";
import { InviteLinks } from "./InviteLinks";
import { PinList } from "./Pins";
import { roomTitle } from "./RoomList";
import { RoomNotifyLevel } from "./Notifications";
import { lengthError, limits } from "../state/limits";

const roleLabel: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };

/**
 * Room settings: name, announcement, public or private, and invite links
 * (owner and admins), members with their role and presence, invite (friends
 * join, others are asked), roles and removal as the rules allow
 * (state/roles.ts), and leaving.
 */
export function RoomSettings({ roomId, onClose, onLeft }: { roomId: RoomID; onClose: () => void; onLeft: () => void }) {
  const client = useClient();
  const room = client.rooms.get(roomId);
  const list = client.members.get(roomId);
  const members = useMemo(() => byRole(list ?? []), [list]);
  const memberIds = useMemo(() => new Set(members.map((m) => m.user_id)), [members]);
  const [name, setName] = useState(room?.name ?? "");
  const [announcement, setAnnouncement] = useState(room?.announcement ?? "");
  const [invite, setInvite] = useState<Picked[]>([]);
  const [peerNote, setPeerNote] = useState<{ error: boolean; text: string } | null>(null);
  const [inviteNote, setInviteNote] = useState("");
  const held = client.members.has(roomId);
  useEffect(() => {
    // Events keep a held list current; only a list that failed to load is read again.
    if (!held) void client.loadMembers(roomId);
  }, [client, roomId, held]);
  if (!room) return null;
  const me = client.me?.id ?? "";
  const manage = canManage(room);
  const isGroup = room.kind === "group";
  const nameTooLong = lengthError("The name", name.trim(), limits.roomName);
  const announcementTooLong = lengthError("The announcement", announcement.trim(), limits.announcement);

  async function saveName(e: FormEvent) {
    e.preventDefault();
    if (name.trim() && name.trim() !== room!.name) await client.updateRoom(roomId, { name: name.trim() });
  }
  async function saveAnnouncement(e: FormEvent) {
    e.preventDefault();
    await client.updateRoom(roomId, { announcement: announcement.trim() });
  }
  async function sendInvite(e: FormEvent) {
    e.preventDefault();
    if (!invite.length) return;
    const note = await client.invite(
      roomId,
      invite.map((p) => p.username),
    );
    if (note !== null) {
      setInvite([]);
      setInviteNote(note);
    }
  }
  async function leave() {
    if (!confirm(`Leave “${room!.name}”? You will lose access to its history.`)) return;
    if (await client.leave(roomId)) {
      onClose();
      onLeft();
    }
  }

  const peer = client.peerOf(room);
  const relation = peer ? client.people.friends.relation(peer.id) : "none";
  async function peerAction(action: Promise<string | null>, done: string) {
    const err = await action;
    setPeerNote(err ? { error: true, text: err } : { error: false, text: done });
  }

  return (
    <Dialog title={isGroup ? "Room settings" : "Conversation"} onClose={onClose} className="side">
      <div className="room-card">
        <RoomAvatar room={room} presence={false} />
        <strong>{roomTitle(client, room)}</strong>
        <span className="hint" data-testid="settings-count">
          {room.kind === "group" && `${room.member_count} ${room.member_count === 1 ? "member" : "members"}`}
        </span>
      </div>
      {manage && (
        <>
          <form className="stack" onSubmit={saveName}>
            <label>
              Room name
              <input name="room-name" required value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            {nameTooLong && <p className="form-error">{nameTooLong}</p>}
            <button type="submit" className="small" disabled={!name.trim() || name.trim() === room.name || !!nameTooLong}>
              Rename
            </button>
          </form>
          <form className="stack" onSubmit={saveAnnouncement}>
            <label>
              Announcement <span className="hint">(shown to everyone at the top of the chat)</span>
              <textarea name="announcement" rows={3} value={announcement} onChange={(e) => setAnnouncement(e.target.value)} />
            </label>
            {announcementTooLong && <p className="form-error">{announcementTooLong}</p>}
            <button type="submit" className="small" disabled={announcement.trim() === room.announcement || !!announcementTooLong}>
              {announcement.trim() ? "Set announcement" : "Clear announcement"}
            </button>
          </form>
          <label className="check">
            <input
              type="checkbox"
              name="public"
              checked={room.visibility === "public"}
              onChange={(e) => void client.updateRoom(roomId, { visibility: e.target.checked ? "public" : "private" })}
            />
            Public room <span className="hint">(listed in the directory; anyone can join)</span>
          </label>
          <InviteLinks roomId={roomId} />
        </>
      )}
      {isGroup && !manage && room.announcement && (
        <section>
          <h3>Announcement</h3>
          <p className="prewrap">{room.announcement}</p>
        </section>
      )}
      <PinList roomId={roomId} onOpen={onClose} />
      <RoomNotifyLevel roomId={roomId} />
      <section aria-labelledby="members-title">
        <h3 id="members-title">Members ({room.member_count})</h3>
        <ul className="member-list">
          {members.map((m) => (
            <li key={m.user_id} className="member" data-user={m.username}>
              <span className="avatar-wrap">
                <Avatar name={m.display_name} seed={m.user_id} url={client.users.get(m.user_id)?.avatar_url} size={32} />
                <PresenceDot online={client.presenceOf(m.user_id)?.online} lastSeen={client.presenceOf(m.user_id)?.last_seen} />
              </span>
              <span className="member-name">
                <strong>
                  {m.display_name}
                  {m.user_id === me && " (you)"}
                </strong>
                <span className="hint">@{m.username}</span>
                {m.status_message && (
                  <span className="member-status" data-testid="member-status">
                    {m.status_message}
                  </span>
                )}
              </span>
              {isGroup && <span className={`role role-${m.role}`}>{roleLabel[m.role]}</span>}
              <span className="member-actions">
                {canPromote(room, me, m) && (
                  <button type="button" className="small" onClick={() => void client.setRole(roomId, m.user_id, "admin")}>
                    Make admin
                  </button>
                )}
                {canDemote(room, me, m) && (
                  <button type="button" className="small" onClick={() => void client.setRole(roomId, m.user_id, "member")}>
                    Make member
                  </button>
                )}
                {canRemove(room, me, m) && (
                  <button
                    type="button"
                    className="small danger"
                    aria-label={`Remove ${m.display_name}`}
                    onClick={() => {
                      if (confirm(`Remove ${m.display_name} from the room?`)) void client.removeMember(roomId, m.user_id);
                    }}
                  >
                    Remove
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      </section>
      {peer && (
        <section aria-labelledby="peer-title" className="stack">
          <h3 id="peer-title">{peer.display_name}</h3>
          <div className="row-actions">
            {relation === "none" && (
              <button type="button" className="small" onClick={() => void peerAction(client.people.requestFriend(peer.username), "Friend request sent.")}>
                Add friend
              </button>
            )}
            {relation === "incoming" && (
              <button type="button" className="small primary" onClick={() => void peerAction(client.people.accept(peer.id), "You are friends now.")}>
                Accept friend request
              </button>
            )}
            {relation === "outgoing" && <span className="hint">Friend request sent</span>}
            {relation === "friend" && <span className="hint">Friends</span>}
            {relation === "blocked" ? (
              <button type="button" className="small" onClick={() => void peerAction(client.people.unblock(peer.id), "Unblocked.")}>
                Unblock
              </button>
            ) : (
              <button
                type="button"
                className="small danger"
                onClick={() => {
                  if (confirm(`Block ${peer.display_name}? They can no longer message you here or send you requests.`)) {
                    void peerAction(client.people.block(peer.username), "Blocked.");
                  }
                }}
              >
                Block
              </button>
            )}
          </div>
          {peerNote && (
            <p className={peerNote.error ? "form-error" : "form-ok"} role={peerNote.error ? "alert" : "status"}>
              {peerNote.text}
            </p>
          )}
        </section>
      )}
      {canInvite(room) && (
        <form className="stack invite-people" onSubmit={sendInvite} aria-labelledby="invite-title">
          <h3 id="invite-title">Invite people</h3>
          <PeoplePicker picked={invite} onChange={setInvite} exclude={memberIds} />
          <button type="submit" className="small primary" disabled={!invite.length}>
            {invite.length > 1 ? `Invite ${invite.length} people` : "Invite"}
          </button>
          {inviteNote && (
            <p className="form-ok" role="status" data-testid="invite-note">
              {inviteNote}
            </p>
          )}
        </form>
      )}
      {canLeave(room) && (
        <button type="button" className="danger" onClick={() => void leave()}>
          Leave room
        </button>
      )}
    </Dialog>
  );
}
