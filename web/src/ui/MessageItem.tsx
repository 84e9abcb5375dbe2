import { memo, useCallback } from "react";
import type { Message, ReactionCount } from "../api/types";
import { filesLabel, formatTime } from "../state/format";
import { isUnreachable, type Outgoing } from "../state/outbox";
import { MessageFiles } from "./Attachments";
import { Avatar } from "./Avatar";
import { IconEdit, IconFile, IconReply, IconSmile, IconTrash } from "./icons";
import { MessageText } from "./MessageText";

export interface MessageActions {
  onReply: (m: Message) => void;
  onEdit: (m: Message) => void;
  onDelete: (m: Message) => void;
  onJump: (seq: number) => void;
  /** Toggles my reaction with an emoji already on the message. */
  onReact: (m: Message, emoji: string, on: boolean) => void;
  /** Opens the emoji picker for a message. */
  onPickReaction: (m: Message) => void;
}

/**
 * One message bubble: mine on the right, others' on the left with their
 * name and avatar at the start of a run; the "unread by N" number and the
 * time beside it; the quoted message above the text; the reactions under
 * it. A message that mentions me is marked. `mentionNames` lists the
 * usernames its mentions resolved to ("*": some are unknown here, so every
 * @name the grammar finds is shown as one).
 */
export const MessageItem = memo(function MessageItem({
  m,
  mine,
  senderName,
  senderAvatar,
  showHeader,
  unreadBy,
  quoted,
  quotedName,
  canDelete,
  mentionNames,
  myUsername,
  mentionsMe,
  actions,
}: {
  m: Message;
  mine: boolean;
  senderName: string;
  senderAvatar?: string;
  showHeader: boolean;
  unreadBy: number | undefined;
  quoted: Message | undefined;
  quotedName: string;
  canDelete: boolean;
  mentionNames: string;
  myUsername: string;
  mentionsMe: boolean;
  actions: MessageActions;
}) {
  const live = !m.deleted;
  const files = live && m.attachments?.length ? m.attachments : undefined;
  const mentioned = useCallback(
    (name: string) => mentionNames === "*" || mentionNames.split(" ").includes(name),
    [mentionNames],
  );
  return (
    <li className={`msg ${mine ? "mine" : "theirs"} ${showHeader ? "first" : ""} ${mentionsMe ? "mentions-me" : ""}`} data-seq={m.seq} data-testid="message">
      {!mine && (
        <span className="msg-avatar">{showHeader && <Avatar name={senderName} seed={m.sender_id ?? ""} url={senderAvatar} size={36} />}</span>
      )}
      <div className="msg-body">
        {!mine && showHeader && <div className="msg-name">{senderName}</div>}
        <div className="msg-row">
          <div className={`bubble ${m.deleted ? "deleted" : ""} ${files && !m.text ? "files-only" : ""}`}>
            {m.reply_to && live && (
              <button type="button" className="quote" onClick={() => actions.onJump(m.reply_to!)} aria-label={`Reply to ${quotedName}: jump to the original`}>
                <span className="quote-name">{quotedName}</span>
                <span className="quote-text">{quoted ? (quoted.deleted ? "Message deleted" : quoted.text || filesLabel(quoted.attachments ?? [])) : "Earlier message"}</span>
              </button>
            )}
            {files && <MessageFiles files={files} />}
            {m.deleted ? (
              <em>This message was deleted</em>
            ) : (
              m.text && <MessageText text={m.text} mentioned={mentionNames ? mentioned : undefined} me={myUsername} />
            )}
            {mentionsMe && live && <span className="visually-hidden"> (mentions you)</span>}
          </div>
          <div className="msg-meta">
            {!!unreadBy && !m.deleted && (
              <span className="unread-by" data-testid="unread-by" title={`Not read by ${unreadBy}`} aria-label={`not read by ${unreadBy}`}>
                {unreadBy}
              </span>
            )}
            <time dateTime={m.created_at}>{formatTime(m.created_at)}</time>
            {m.edited_at && !m.deleted && <span className="edited">edited</span>}
          </div>
          {live && (
            <span className="msg-actions">
              <button type="button" className="icon small" aria-label="React" title="React" onClick={() => actions.onPickReaction(m)}>
                <IconSmile />
              </button>
              <button type="button" className="icon small" aria-label="Reply" title="Reply" onClick={() => actions.onReply(m)}>
                <IconReply />
              </button>
              {mine && (
                <button type="button" className="icon small" aria-label="Edit" title="Edit" onClick={() => actions.onEdit(m)}>
                  <IconEdit />
                </button>
              )}
              {canDelete && (
                <button type="button" className="icon small" aria-label="Delete" title="Delete" onClick={() => actions.onDelete(m)}>
                  <IconTrash />
                </button>
              )}
            </span>
          )}
        </div>
        {live && m.reactions && <ReactionBar m={m} reactions={m.reactions} actions={actions} />}
      </div>
    </li>
  );
});

/** Counts per emoji, mine highlighted; a click toggles mine; "+" opens the picker. */
function ReactionBar({ m, reactions, actions }: { m: Message; reactions: ReactionCount[]; actions: MessageActions }) {
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => (
        <button
          key={r.emoji}
          type="button"
          className={`reaction ${r.me ? "mine" : ""}`}
          aria-pressed={r.me}
          aria-label={`${r.emoji} ${r.count}${r.me ? ", including you" : ""}`}
          title={r.me ? "Remove your reaction" : "React with this too"}
          data-emoji={r.emoji}
          onClick={() => actions.onReact(m, r.emoji, !r.me)}
        >
          <span className="reaction-emoji" aria-hidden="true">
            {r.emoji}
          </span>
          <span className="reaction-count" aria-hidden="true">
            {r.count}
          </span>
        </button>
      ))}
      <button type="button" className="reaction add" aria-label="Add reaction" title="Add reaction" onClick={() => actions.onPickReaction(m)}>
        <IconSmile />
      </button>
    </div>
  );
}

/** A message of mine the server has not acknowledged yet. */
export function PendingItem({ o, online, onRetry, onDiscard }: { o: Outgoing; online: boolean; onRetry: () => void; onDiscard: () => void }) {
  // "Can't send to this chat" says no more than the server does, and no retry can help.
  const cant = isUnreachable(o);
  const status = cant
    ? "Can’t send to this chat"
    : o.status === "failed"
      ? `Not sent: ${o.error ?? "error"}`
      : o.status === "sending"
        ? "Sending…"
        : online
          ? "Sending…"
          : "Waiting for connection";
  return (
    <li className={`msg mine pending ${o.status}`} data-client-id={o.client_id} data-testid="pending">
      <div className="msg-body">
        <div className="msg-row">
          <div className="bubble">
            {o.attachments?.length ? (
              <ul className="pending-attachments" aria-label="Files">
                {o.attachments.map((a) => (
                  <li key={a.id}>
                    <IconFile /> {a.name}
                  </li>
                ))}
              </ul>
            ) : null}
            {o.text && <MessageText text={o.text} />}
          </div>
          <div className="msg-meta">
            <span className="pending-status">{status}</span>
          </div>
        </div>
        {o.status === "failed" && (
          <div className="pending-actions">
            {!cant && (
              <button type="button" className="link" onClick={onRetry}>
                Retry
              </button>
            )}
            <button type="button" className="link" onClick={onDiscard}>
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
