import type { Message, RoomSummary } from "../api/types";

/** A text message of room r at seq, for tests. */
export function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    room_id: "r1",
    seq,
    sender_id: "bob",
    kind: "text",
    text: `message ${seq}`,
    created_at: new Date(Date.UTC(2025, 1, 1, 10, 0, seq)).toISOString(),
    ...over,
  };
}

export function room(id: string, over: Partial<RoomSummary> = {}): RoomSummary {
  return {
    id,
    kind: "group",
    name: id,
    announcement: "",
    created_at: "2025-02-01T09:00:00.000Z",
    last_seq: 1,
    last_message_at: "2025-02-01T09:00:00.000Z",
    member_count: 2,
    visibility: "private",
    role: "member",
    last_read_seq: 1,
    unread: 0,
    mentions: 0,
    notify_level: over.kind === "direct" ? "all" : "mentions",
    ...over,
  } as RoomSummary;
}
