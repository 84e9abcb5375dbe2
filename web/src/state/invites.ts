import type { Invite, RoomID } from "../api/types";

/** A change to my pending invites: a live event (docs/protocol.md "Consent"). */
export type InviteChange = { type: "invite_added"; data: Invite } | { type: "invite_removed"; data: { id: string; room_id: RoomID } };

export const inviteEventTypes = new Set(["invite_added", "invite_removed"]);

/**
 * My pending invites — group invitations and 1:1 message requests from
 * people who are not my friends. The list is read over REST at each
 * `ready` (invite events are not replayed); both events are absolute state
 * (an `invite_added` replaces the invite of that id, with a newer preview),
 * so those that arrive while the list is in flight are applied again over
 * the answer, as the friend lists do.
 */
export class PendingInvites {
  private byId = new Map<string, Invite>();
  private replay: InviteChange[] | null = null;
  loaded = false;
  version = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Invite | undefined {
    return this.byId.get(id);
  }

  /** Newest first, as the server lists them. */
  list(): Invite[] {
    return [...this.byId.values()].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
  }

  beginSnapshot(): void {
    this.replay = [];
  }

  cancelSnapshot(): void {
    this.replay = null;
  }

  setSnapshot(invites: Invite[]): void {
    const replay = this.replay ?? [];
    this.replay = null;
    this.byId = new Map(invites.map((i) => [i.id, i]));
    for (const c of replay) this.applyNow(c);
    this.loaded = true;
    this.version++;
  }

  /** Applies a change; returns whether the list changed. */
  apply(c: InviteChange): boolean {
    this.replay?.push(c);
    const changed = this.applyNow(c);
    if (changed) this.version++;
    return changed;
  }

  /** I accepted or declined it here: gone at once (the event that follows changes nothing). */
  remove(id: string): boolean {
    return this.apply({ type: "invite_removed", data: { id, room_id: this.byId.get(id)?.room.id ?? "" } });
  }

  clear(): void {
    this.byId.clear();
    this.replay = null;
    this.loaded = false;
    this.version++;
  }

  private applyNow(c: InviteChange): boolean {
    if (c.type === "invite_added") {
      this.byId.set(c.data.id, c.data);
      return true;
    }
    return this.byId.delete(c.data.id);
  }
}

/** What an invite says in one line: "Alice invited you to “Team” (3 members)", "Alice wants to chat". */
export function inviteTitle(inv: Invite): string {
  const who = inv.inviter.display_name;
  if (inv.room.kind === "direct") return `${who} wants to chat`;
  const n = inv.room.member_count;
  return `${who} invited you to “${inv.room.name}” (${n} ${n === 1 ? "member" : "members"})`;
}

/** A message request's preview line, or "" when there is none yet. */
export function invitePreview(inv: Invite): string {
  const p = inv.preview;
  if (!p) return "";
  const text = p.text.replace(/\s+/g, " ").trim();
  if (text) return text;
  const n = p.attachments ?? 0;
  return n === 1 ? "📎 A file" : n > 1 ? `📎 ${n} files` : "";
}
