// The shapes of api/openapi.yaml and docs/protocol.md, as the client uses them.

export type UserID = string;
export type RoomID = string;

export interface User {
  id: UserID;
  username: string;
  display_name: string;
  created_at: string;
  // Profile fields the server does not have yet; rendered when present.
  status_message?: string;
  avatar_url?: string;
}

export type RoomKind = "group" | "direct";
export type Role = "owner" | "admin" | "member";

export interface Room {
  id: RoomID;
  kind: RoomKind;
  name: string;
  announcement: string;
  created_at: string;
  last_seq: number;
  last_message_at: string;
  member_count: number;
}

export interface RoomSummary extends Room {
  role: Role;
  last_read_seq: number;
  unread: number;
  last_message?: Message;
  peer?: User;
  // Unread mentions of the caller, once the server counts them.
  mentions?: number;
}

export type SystemType =
  | "room_created"
  | "members_added"
  | "member_left"
  | "member_removed"
  | "role_changed"
  | "room_renamed"
  | "announcement_changed";

export interface SystemEvent {
  type: SystemType;
  actor: UserID;
  users?: UserID[];
  role?: Role;
  name?: string;
  text?: string;
}

export interface Message {
  id: string;
  room_id: RoomID;
  seq: number;
  sender_id?: UserID;
  client_id?: string;
  kind: "text" | "system";
  text: string;
  reply_to?: number;
  system?: SystemEvent;
  created_at: string;
  edited_at?: string;
  deleted?: boolean;
  unread?: number;
}

export interface Member {
  room_id: RoomID;
  user_id: UserID;
  username: string;
  display_name: string;
  role: Role;
  last_read_seq: number;
  joined_at: string;
  online: boolean;
  last_seen?: string;
}

export interface ReadCount {
  seq: number;
  count: number;
}

export interface Receipts {
  room_id: RoomID;
  counts: ReadCount[];
}

export interface ReadPosition {
  room_id: RoomID;
  user_id: UserID;
  last_read_seq: number;
}

export interface Ready {
  user: User;
  rooms: RoomSummary[] | null;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** A server → client frame (docs/protocol.md "Frames"). */
export type ServerFrame =
  | { type: "ack"; id?: string; data: unknown }
  | { type: "error"; id?: string; error: { code: string; message: string } }
  | { type: "ready"; data: Ready }
  | { type: "message"; data: Message }
  | { type: "message_updated"; data: Message }
  | { type: "receipts"; data: Receipts }
  | { type: "read"; data: ReadPosition }
  | { type: "room_added"; data: RoomSummary }
  | { type: "room_removed"; data: { room_id: RoomID } }
  | { type: "room_updated"; data: Room }
  | { type: string; data?: unknown; id?: string };
