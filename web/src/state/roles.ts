import type { Role, RoomKind } from "../api/types";

/**
 * Who may do what in a room: the rules internal/chat enforces (rooms.go,
 * messages.go), mirrored so that the UI offers only what the server allows.
 * The server decides; these only hide buttons that would be refused. The
 * tests (roles.test.ts) follow internal/chat TestGroupRoles row by row.
 *
 * - Owner and admins manage a group: rename, announcement, public or
 *   private, invite links, promote members, remove members, delete anyone's
 *   message.
 * - Only the owner demotes or removes an admin; nobody removes the owner or
 *   changes the owner's role (the owner leaves instead, and the room passes on).
 * - Any member of a group invites and leaves. A 1:1 has nothing to manage.
 */

/** The caller's side of a room: its kind and the caller's role in it. */
export interface MyRoom {
  kind: RoomKind;
  role: Role;
}

/** Another member, as the member list holds them. */
export interface Target {
  user_id: string;
  role: Role;
}

/** Rename, announce, make public or private, and make or list invite links. */
export function canManage(room: MyRoom): boolean {
  return room.kind === "group" && (room.role === "owner" || room.role === "admin");
}

/** Invite people: any member of a group. */
export function canInvite(room: MyRoom): boolean {
  return room.kind === "group";
}

/** Leave: a group only (a 1:1 is left by blocking, not by leaving). */
export function canLeave(room: MyRoom): boolean {
  return room.kind === "group";
}

/** Make a member an admin: owner and admins. */
export function canPromote(room: MyRoom, me: string, t: Target): boolean {
  return canManage(room) && t.user_id !== me && t.role === "member";
}

/** Make an admin a member again: the owner alone. */
export function canDemote(room: MyRoom, me: string, t: Target): boolean {
  return room.kind === "group" && room.role === "owner" && t.user_id !== me && t.role === "admin";
}

/** Remove someone else: admins remove members, the owner removes admins too, nobody removes the owner. */
export function canRemove(room: MyRoom, me: string, t: Target): boolean {
  if (!canManage(room) || t.user_id === me || t.role === "owner") return false;
  return room.role === "owner" || t.role === "member";
}

/** Delete a message: one's own text messages anywhere, anyone's in a group one manages; never a system line. */
export function canDeleteMessage(room: MyRoom, me: string, m: { kind: "text" | "system"; sender_id?: string | null }): boolean {
  if (m.kind !== "text") return false;
  return m.sender_id === me || canManage(room);
}
