// The shapes of api/openapi.yaml and docs/protocol.md, as the client uses them.

export type UserID = string;
export type RoomID = string;

export interface User {
  id: UserID;
  username: string;
  display_name: string;
  created_at: string;
  /** One line, empty for none; always sent by the server, optional for older payloads. */
  status_message?: string;
  /** Path of the avatar, downloaded with the bearer token; absent when the user has none. */
  avatar_url?: string;
}

export type RoomKind = "group" | "direct";
/** A group room is listed in the directory and open to anyone (public), or joined by invitation and link (private). */
export type Visibility = "private" | "public";
/** "Who may add me" (docs/protocol.md "Consent"). */
export type AddPolicy = "friends" | "anyone";
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
  /** Absent from older payloads: private. */
  visibility?: Visibility;
}

export interface RoomSummary extends Room {
  role: Role;
  last_read_seq: number;
  unread: number;
  last_message?: Message;
  peer?: User;
  /** Unread messages that mention the caller (docs/protocol.md "Mentions"). */
  mentions?: number;
}

export type SystemType =
  | "room_created"
  | "members_added"
  | "member_left"
  | "member_removed"
  | "role_changed"
  | "room_renamed"
  | "announcement_changed"
  | "visibility_changed";

export interface SystemEvent {
  type: SystemType;
  actor: UserID;
  users?: UserID[];
  role?: Role;
  name?: string;
  text?: string;
  visibility?: Visibility;
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
  /** Ids of the members the text mentions, sorted; absent when none. */
  mentions?: UserID[];
  /** History pages only, absent when none; live events never carry it. */
  reactions?: ReactionCount[];
  /** The files sent with the message, in the sender's order; absent when none. */
  attachments?: Attachment[];
}

/** An uploaded file (docs/protocol.md "Attachments"); `url` and `thumbnail_url` need the bearer token. */
export interface Attachment {
  id: string;
  uploader_id: UserID;
  name: string;
  /** Sniffed by the server; not necessarily the type it is served with. */
  content_type: string;
  size: number;
  sha256: string;
  /** Images the server decoded only (they also have thumbnail_url). */
  width?: number;
  height?: number;
  created_at: string;
  url: string;
  thumbnail_url?: string;
}

export interface ReactionCount {
  emoji: string;
  count: number;
  me: boolean;
}

/** A `reaction` event, and the answer to a react request. */
export interface Reaction {
  room_id: RoomID;
  seq: number;
  emoji: string;
  user_id: UserID;
  on: boolean;
  count: number;
}

export interface Member {
  room_id: RoomID;
  user_id: UserID;
  username: string;
  display_name: string;
  status_message?: string;
  avatar_url?: string;
  role: Role;
  last_read_seq: number;
  joined_at: string;
  online: boolean;
  last_seen?: string;
}

/** A `members` event: entries a join, leave, removal or role change altered. */
export interface MembersEvent {
  room_id: RoomID;
  seq: number;
  members: Member[] | null;
  removed: UserID[] | null;
}

export interface Presence {
  user_id: UserID;
  online: boolean;
  last_seen?: string;
}

export interface Typing {
  room_id: RoomID;
  user_id: UserID;
  typing: boolean;
  ttl_ms: number;
}

export interface Friend extends User {
  since: string;
  online: boolean;
  last_seen?: string;
}

export interface FriendRequest {
  from: User;
  to: User;
  created_at: string;
}

export interface BlockedUser extends User {
  blocked_at: string;
}

export type Relation = "none" | "friend" | "outgoing" | "incoming" | "blocked";

export interface UserHit extends User {
  relation: Relation;
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
  /** Mentions of the caller after last_read_seq, counted up to last_seq. */
  mentions?: number;
  last_seq?: number;
}

export interface Ready {
  user: User;
  rooms: RoomSummary[] | null;
}

/** My own account: the public profile and my private settings. */
export interface Me extends User {
  who_may_add: AddPolicy;
}

/** A pending invite, as I (the invitee) see it. */
export interface Invite {
  id: string;
  room: { id: RoomID; kind: RoomKind; name: string; member_count: number };
  inviter: User;
  created_at: string;
  /** A 1:1 request's latest message. */
  preview?: { text: string; attachments?: number; created_at: string };
}

/** The answer to creating a room: the room, and the named people who were asked rather than added. */
export interface CreatedRoom extends RoomSummary {
  invited: UserID[];
}

/** The answer to an invite: who joined (with their members_added message) and who was asked. */
export interface InviteResult {
  message?: Message;
  added: UserID[];
  invited: UserID[];
}

export interface DirectoryRoom {
  id: RoomID;
  name: string;
  member_count: number;
  member: boolean;
}

export interface DirectoryPage {
  rooms: DirectoryRoom[];
  next?: string;
}

/** An invite link of a room (owner and admins see them). */
export interface InviteLink {
  id: string;
  room_id: RoomID;
  code: string;
  created_by: UserID;
  created_at: string;
  expires_at?: string;
  max_uses?: number;
  uses: number;
}

/** What a link's code shows before joining. */
export interface LinkPreview {
  name: string;
  member_count: number;
  member: boolean;
  room_id?: RoomID;
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
  | { type: "reaction"; data: Reaction }
  | { type: "typing"; data: Typing }
  | { type: "presence"; data: Presence }
  | { type: "room_presence"; data: { room_id: RoomID; online: number } }
  | { type: "members"; data: MembersEvent }
  | { type: "profile_updated"; data: User }
  | { type: "invite_added"; data: Invite }
  | { type: "invite_removed"; data: { id: string; room_id: RoomID } }
  | { type: "settings_updated"; data: { who_may_add: AddPolicy } }
  | { type: string; data?: unknown; id?: string };
