import { useEffect, useState, type FormEvent } from "react";
import type { Member, Role, RoomID } from "../api/types";
import { Avatar, PresenceDot } from "./Avatar";
import { useClient } from "./context";
import { Dialog, parseUsernames } from "./Dialog";
import { InviteLinks } from "./InviteLinks";

const roleLabel: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };

/**
 * Room settings: name, announcement, public or private, and invite links
 * (owner and admins), members with their role and presence, invite (friends
 * join, others are asked), roles and removal as the rules allow
 * (api/openapi.yaml: admins manage members, only the owner manages admins),
 * and leaving.
 */
export function RoomSettings({ roomId, onClose, onLeft }: { roomId: RoomID; onClose: () => void; onLeft: () => void }) {
  const client = useClient();
  const room = client.rooms.get(roomId);
  const members = client.members.get(roomId) ?? [];
  const [name, setName] = useState(room?.name ?? "");
  const [announcement, setAnnouncement] = useState(room?.announcement ?? "");
  const [invite, setInvite] = useState("");
  const [peerNote, setPeerNote] = useState<{ error: boolean; text: string } | null>(null);
  const [inviteNote, setInviteNote] = useState("");
  const held = client.members.has(roomId);
  useEffect(() => {
    // Events keep a held list current; only a list that failed to load is read again.
    if (!held) void client.loadMembers(roomId);
  }, [client, roomId, held]);
  if (!room) return null;
  const me = client.me?.id ?? "";
  const myRole = room.role;
  const manage = room.kind === "group" && (myRole === "owner" || myRole === "admin");
  const isGroup = room.kind === "group";

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
    const names = parseUsernames(invite);
    if (!names.length) return;
    const note = await client.invite(roomId, names);
    if (note !== null) {
      setInvite("");
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

  const canRemove = (t: Member) => manage && t.user_id !== me && t.role !== "owner" && (myRole === "owner" || t.role === "member");
  const canPromote = (t: Member) => manage && t.user_id !== me && t.role === "member";
  const canDemote = (t: Member) => isGroup && myRole === "owner" && t.role === "admin";
  const peer = client.peerOf(room);
  const relation = peer ? client.people.friends.relation(peer.id) : "none";
  async function peerAction(action: Promise<string | null>, done: string) {
    const err = await action;
    setPeerNote(err ? { error: true, text: err } : { error: false, text: done });
  }

  return (
    <Dialog title={isGroup ? "Room settings" : "Conversation"} onClose={onClose} className="side">
      {isGroup && manage && (
        <>
          <form className="stack" onSubmit={saveName}>
            <label>
              Room name
              <input name="room-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <button type="submit" className="small" disabled={!name.trim() || name.trim() === room.name}>
              Rename
            </button>
          </form>
          <form className="stack" onSubmit={saveAnnouncement}>
            <label>
              Announcement <span className="hint">(shown to everyone at the top of the chat)</span>
              <textarea name="announcement" maxLength={1000} rows={3} value={announcement} onChange={(e) => setAnnouncement(e.target.value)} />
            </label>
            <button type="submit" className="small" disabled={announcement.trim() === room.announcement}>
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
      <section aria-labelledby="members-title">
        <h3 id="members-title">Members ({members.length || room.member_count})</h3>
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
                {canPromote(m) && (
                  <button type="button" className="small" onClick={() => void client.setRole(roomId, m.user_id, "admin")}>
                    Make admin
                  </button>
                )}
                {canDemote(m) && (
                  <button type="button" className="small" onClick={() => void client.setRole(roomId, m.user_id, "member")}>
                    Make member
                  </button>
                )}
                {canRemove(m) && (
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
      {isGroup && (
        <form className="stack" onSubmit={sendInvite}>
          <label>
            Invite people <span className="hint">(usernames)</span>
            <input name="invite" autoCapitalize="none" spellCheck={false} value={invite} onChange={(e) => setInvite(e.target.value)} placeholder="carol, dave" />
          </label>
          <button type="submit" className="small" disabled={!invite.trim()}>
            Invite
          </button>
          {inviteNote && (
            <p className="form-ok" role="status" data-testid="invite-note">
              {inviteNote}
            </p>
          )}
        </form>
      )}
      {isGroup && (
        <button type="button" className="danger" onClick={() => void leave()}>
          Leave room
        </button>
      )}
    </Dialog>
  );
}
