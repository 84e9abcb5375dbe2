import { describe, expect, it } from "vitest";
import type { Role } from "../api/types";
import { canDeleteMessage, canDemote, canInvite, canLeave, canManage, canPromote, canRemove, type MyRoom } from "./roles";

// The rows of internal/chat TestGroupRoles, as the UI asks them: for each
// action, what the owner, an admin and a member of a group may do (a
// non-member sees no room at all). true = allowed.
const me = "me";
const other = (role: Role) => ({ user_id: "them", role });
const group = (role: Role): MyRoom => ({ kind: "group", role });
const rows: [string, (r: MyRoom) => boolean, [boolean, boolean, boolean]][] = [
  ["rename, announce, make public, invite links", canManage, [true, true, false]],
  ["invite", canInvite, [true, true, true]],
  ["leave", canLeave, [true, true, true]],
  ["remove a member", (r) => canRemove(r, me, other("member")), [true, true, false]],
  ["remove an admin", (r) => canRemove(r, me, other("admin")), [true, false, false]],
  ["remove the owner", (r) => canRemove(r, me, other("owner")), [false, false, false]],
  ["promote a member", (r) => canPromote(r, me, other("member")), [true, true, false]],
  ["demote an admin", (r) => canDemote(r, me, other("admin")), [true, false, false]],
  ["change the owner's role", (r) => canPromote(r, me, other("owner")) || canDemote(r, me, other("owner")), [false, false, false]],
  ["delete another's message", (r) => canDeleteMessage(r, me, { kind: "text", sender_id: "them" }), [true, true, false]],
  ["delete a system message", (r) => canDeleteMessage(r, me, { kind: "system" }), [false, false, false]],
  ["delete one's own message", (r) => canDeleteMessage(r, me, { kind: "text", sender_id: me }), [true, true, true]],
];

describe("group room roles", () => {
  for (const [action, may, [owner, admin, member]] of rows) {
    it(action, () => {
      expect([may(group("owner")), may(group("admin")), may(group("member"))]).toEqual([owner, admin, member]);
    });
  }

  it("nobody acts on themselves: leaving is how one goes", () => {
    const self = { user_id: me, role: "admin" as Role };
    expect(canRemove(group("owner"), me, self)).toBe(false);
    expect(canPromote(group("owner"), me, { user_id: me, role: "member" })).toBe(false);
    expect(canDemote(group("owner"), me, self)).toBe(false);
  });
});

describe("1:1 rooms", () => {
  // internal/chat TestDirectRoomsAndBlocks: a 1:1 has nothing to manage,
  // whatever role its members hold.
  for (const role of ["owner", "admin", "member"] as Role[]) {
    it(`hold nothing to manage (as ${role})`, () => {
      const dm: MyRoom = { kind: "direct", role };
      expect(canManage(dm)).toBe(false);
      expect(canInvite(dm)).toBe(false);
      expect(canLeave(dm)).toBe(false);
      expect(canRemove(dm, me, other("member"))).toBe(false);
      expect(canPromote(dm, me, other("member"))).toBe(false);
      expect(canDemote(dm, me, other("admin"))).toBe(false);
      expect(canDeleteMessage(dm, me, { kind: "text", sender_id: "them" })).toBe(false);
      expect(canDeleteMessage(dm, me, { kind: "text", sender_id: me })).toBe(true);
    });
  }
});
