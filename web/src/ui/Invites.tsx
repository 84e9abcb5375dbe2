import { useState } from "react";
import type { Invite } from "../api/types";
import { invitePreview, inviteTitle } from "../state/invites";
import { Avatar } from "./Avatar";
import { useClient } from "./context";

/**
 * My pending invites, above the room list: group invitations and message
 * requests from people who may not add me directly, each with who sent it,
 * the room's name and size (never its members) and, for a request, its
 * latest message. Accepting opens the room; declining tells nobody. The
 * list changes live (`invite_added`, `invite_removed`).
 */
export function InviteList({ onOpen }: { onOpen: (room: string) => void }) {
  const client = useClient();
  const invites = client.invites.list();
  if (invites.length === 0) return null;
  return (
    <section className="invites" aria-labelledby="invites-title">
      <h3 id="invites-title">
        Invitations <span className="badge unread">{invites.length}</span>
      </h3>
      <ul className="invite-list" aria-label="Invitations">
        {invites.map((inv) => (
          <InviteItem key={inv.id} inv={inv} onOpen={onOpen} />
        ))}
      </ul>
    </section>
  );
}

function InviteItem({ inv, onOpen }: { inv: Invite; onOpen: (room: string) => void }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const title = inviteTitle(inv);
  const preview = invitePreview(inv);
  async function accept() {
    setBusy(true);
    const room = await client.acceptInvite(inv.id);
    setBusy(false);
    if (room) onOpen(room);
  }
  async function decline() {
    setBusy(true);
    await client.declineInvite(inv.id);
    setBusy(false);
  }
  return (
    <li className="invite" data-invite={inv.id} data-from={inv.inviter.username}>
      <Avatar name={inv.inviter.display_name} seed={inv.inviter.id} url={inv.inviter.avatar_url} size={36} />
      <span className="invite-main">
        <strong className="invite-title">{title}</strong>
        <span className="hint">@{inv.inviter.username}</span>
        {preview && (
          <span className="invite-preview" data-testid="invite-preview">
            {preview}
          </span>
        )}
        <span className="row-actions">
          <button type="button" className="small primary" disabled={busy} aria-label={`Accept: ${title}`} onClick={() => void accept()}>
            Accept
          </button>
          <button type="button" className="small" disabled={busy} aria-label={`Decline: ${title}`} onClick={() => void decline()}>
            Decline
          </button>
        </span>
      </span>
    </li>
  );
}
