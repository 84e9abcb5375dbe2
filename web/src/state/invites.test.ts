import { describe, expect, it } from "vitest";
import type { Invite } from "../api/types";
import { invitePreview, inviteTitle, PendingInvites } from "./invites";

const inviter = { id: "mal", username: "mallory", display_name: "Mallory", status_message: "", created_at: "" };

function inv(id: string, at: string, over: Partial<Invite> = {}): Invite {
  return { id, room: { id: `room-${id}`, kind: "group", name: "Team", member_count: 3 }, inviter, created_at: at, ...over };
}

describe("PendingInvites", () => {
  it("lists newest first and applies events as absolute state", () => {
    const p = new PendingInvites();
    p.setSnapshot([inv("a", "2025-01-01T10:00:00Z"), inv("b", "2025-01-01T11:00:00Z")]);
    expect(p.list().map((i) => i.id)).toEqual(["b", "a"]);
    // A newer preview replaces the invite of that id.
    expect(p.apply({ type: "invite_added", data: inv("a", "2025-01-01T10:00:00Z", { preview: { text: "hi", created_at: "" } }) })).toBe(true);
    expect(p.get("a")?.preview?.text).toBe("hi");
    expect(p.size).toBe(2);
    expect(p.apply({ type: "invite_removed", data: { id: "b", room_id: "room-b" } })).toBe(true);
    expect(p.apply({ type: "invite_removed", data: { id: "b", room_id: "room-b" } })).toBe(false);
    expect(p.list().map((i) => i.id)).toEqual(["a"]);
  });

  it("replays the events that arrive while the list is loading over the answer", () => {
    const p = new PendingInvites();
    p.beginSnapshot();
    // Before the answer: c arrives, a goes (accepted on another device).
    p.apply({ type: "invite_added", data: inv("c", "2025-01-01T12:00:00Z") });
    p.apply({ type: "invite_removed", data: { id: "a", room_id: "room-a" } });
    // The answer was read before both.
    p.setSnapshot([inv("a", "2025-01-01T10:00:00Z"), inv("b", "2025-01-01T11:00:00Z")]);
    expect(p.list().map((i) => i.id)).toEqual(["c", "b"]);
    expect(p.loaded).toBe(true);
    // Accepting here removes it at once; the event that follows changes nothing.
    expect(p.remove("b")).toBe(true);
    expect(p.apply({ type: "invite_removed", data: { id: "b", room_id: "room-b" } })).toBe(false);
  });

  it("says what an invite is in one line", () => {
    expect(inviteTitle(inv("a", ""))).toBe("Mallory invited you to “Team” (3 members)");
    const direct = inv("d", "", { room: { id: "r", kind: "direct", name: "", member_count: 1 } });
    expect(inviteTitle(direct)).toBe("Mallory wants to chat");
    expect(invitePreview(direct)).toBe("");
    expect(invitePreview({ ...direct, preview: { text: "  hello\n there ", created_at: "" } })).toBe("hello there");
    expect(invitePreview({ ...direct, preview: { text: "", attachments: 2, created_at: "" } })).toBe("📎 2 files");
  });
});
