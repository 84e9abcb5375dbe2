import { memo, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore, type MouseEvent, type PointerEvent } from "react";
import type { Message, ReactionCount } from "../api/types";
import { filesLabel, formatFullTime, formatTime } from "../state/format";
import { isUnreachable, type Outgoing } from "../state/outbox";
import { reactionLabel, whoReacted } from "../state/reactions";
import { MessageFiles } from "./Attachments";
import { Avatar } from "./Avatar";
import { ClientContext } from "./context";
import { IconCopy, IconEdit, IconFile, IconMore, IconPin, IconReply, IconSmile, IconTrash } from "./icons";
import { MessageMenu, type MenuAction } from "./MessageMenu";
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
  /** Pins (on) or unpins a message. */
  onPin: (m: Message, on: boolean) => void;
}

/** How long a touch must rest on a bubble or a reaction to count as a long press (decisions 0034, 0036). */
const longPressMs = 500;
/** A finger that moves further than this is scrolling, not pressing. */
const slopPx = 10;
const noSubscribe = () => () => {};
const noVersion = () => 0;

/** How long "Copied" and a long-pressed chip's names stay. */
const noteMs = 2500;

/**
 * A long press by touch: `onLong` runs after longPressMs unless the finger
 * lifts or moves first. `fired` tells a click handler that the press was
 * long (its click must not also toggle or open anything).
 */
function useLongPress(onLong: () => void) {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const start = useRef({ x: 0, y: 0 });
  const fired = useRef(false);
  const cancel = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  };
  useEffect(() => cancel, []);
  const handlers = {
    onPointerDown: (e: PointerEvent) => {
      fired.current = false;
      if (e.pointerType !== "touch") return;
      cancel();
      start.current = { x: e.clientX, y: e.clientY };
      timer.current = setTimeout(() => {
        timer.current = null;
        fired.current = true;
        onLong();
      }, longPressMs);
    },
    onPointerMove: (e: PointerEvent) => {
      if (timer.current && Math.hypot(e.clientX - start.current.x, e.clientY - start.current.y) > slopPx) cancel();
    },
    onPointerUp: cancel,
    onPointerCancel: cancel,
  };
  return { handlers, fired };
}

/**
 * One message bubble: mine on the right, others' on the left with their
 * name and avatar at the start of a run; the "unread by N" number and, at
 * the end of a run in one minute, the time beside it (the whole date and
 * time on hover, and atop the menu); the quoted message above the text;
 * the reactions under it. A message that mentions me is marked.
 * `mentionNames` lists the usernames its mentions resolved to ("*": some
 * are unknown here, so every @name the grammar finds is shown as one).
 *
 * Its actions live in one menu (MessageMenu) that a long press, a right
 * click or the "⋯" button beside the bubble (hover-capable pointers only)
 * opens; nothing else sits beside the bubble.
 */
export const MessageItem = memo(function MessageItem({
  m,
  mine,
  senderName,
  senderAvatar,
  showHeader,
  showTime,
  unreadBy,
  quoted,
  quotedName,
  canDelete,
  pinned,
  mentionNames,
  myUsername,
  mentionsMe,
  focused = false,
  actions,
}: {
  m: Message;
  mine: boolean;
  senderName: string;
  senderAvatar?: string;
  showHeader: boolean;
  showTime: boolean;
  unreadBy: number | undefined;
  quoted: Message | undefined;
  quotedName: string;
  canDelete: boolean;
  /** Whether the message is pinned, for those who may pin and unpin; undefined for the others. */
  pinned?: boolean;
  mentionNames: string;
  myUsername: string;
  mentionsMe: boolean;
  /** The message a search hit or a pin opened: marked until the next jump. */
  focused?: boolean;
  actions: MessageActions;
}) {
  const client = useContext(ClientContext);
  const live = !m.deleted;
  const files = live && m.attachments?.length ? m.attachments : undefined;
  const mentioned = useCallback(
    (name: string) => mentionNames === "*" || mentionNames.split(" ").includes(name),
    [mentionNames],
  );
  const full = formatFullTime(m.created_at);
  const bubble = useRef<HTMLDivElement>(null);
  const more = useRef<HTMLButtonElement>(null);
  const [menu, setMenu] = useState(false);
  const [copied, setCopied] = useState(false);
  const press = useLongPress(() => setMenu(true));
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), noteMs);
    return () => clearTimeout(t);
  }, [copied]);
  const closeMenu = useCallback((refocus: boolean) => {
    setMenu(false);
    if (refocus) more.current?.focus();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(m.text);
      setCopied(true);
    } catch {
      client?.notify("Could not copy the message: the browser did not allow it.");
    }
  }

  const items: MenuAction[] = [];
  if (live) {
    items.push({
      label: "Reply",
      icon: <IconReply />,
      run: () => actions.onReply(m),
    });
    if (m.text) items.push({ label: "Copy", icon: <IconCopy />, run: () => void copy() });
    if (mine)
      items.push({
        label: "Edit",
        icon: <IconEdit />,
        run: () => actions.onEdit(m),
      });
    if (pinned !== undefined)
      items.push({
        label: pinned ? "Unpin" : "Pin",
        icon: <IconPin />,
        run: () => actions.onPin(m, !pinned),
      });
    if (canDelete)
      items.push({
        label: "Delete",
        icon: <IconTrash />,
        danger: true,
        run: () => actions.onDelete(m),
      });
  }
  const onContextMenu = (e: MouseEvent) => {
    // A link keeps the browser's own menu (open in a new tab, copy the address).
    if ((e.target as HTMLElement).closest("a")) return;
    e.preventDefault();
    setMenu(true);
  };

  return (
    <li className={`msg ${mine ? "mine" : "theirs"} ${showHeader ? "first" : ""} ${mentionsMe ? "mentions-me" : ""} ${focused ? "focused" : ""}`} data-seq={m.seq} data-testid="message" aria-current={focused ? "true" : undefined}>
      {!mine && (
        <span className="msg-avatar">{showHeader && <Avatar name={senderName} seed={m.sender_id ?? ""} url={senderAvatar} size={36} />}</span>
      )}
      <div className="msg-body">
        {!mine && showHeader && <div className="msg-name">{senderName}</div>}
        <div className="msg-row">
          <div
            ref={bubble}
            className={`bubble ${m.deleted ? "deleted" : ""} ${files && !m.text ? "files-only" : ""} ${menu ? "menu-open" : ""}`}
            title={full}
            onContextMenu={onContextMenu}
            onClickCapture={(e) => {
              // The finger lifting after a long press is not also a click on a link or a quote.
              if (press.fired.current) {
                e.preventDefault();
                e.stopPropagation();
              }
            }}
            {...press.handlers}
          >
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
            {copied && (
              <span className="copied" role="status">
                Copied
              </span>
            )}
            {!!unreadBy && !m.deleted && (
              <span className="unread-by" data-testid="unread-by" title={`Not read by ${unreadBy}`} aria-label={`not read by ${unreadBy}`}>
                {unreadBy}
              </span>
            )}
            {showTime && (
              <time dateTime={m.created_at} title={full}>
                {formatTime(m.created_at)}
              </time>
            )}
            {m.edited_at && !m.deleted && <span className="edited">edited</span>}
          </div>
          <button type="button" ref={more} className="icon small msg-more" aria-label="Message actions" title="More" aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu(true)}>
            <IconMore />
          </button>
        </div>
        {live && m.reactions && <ReactionBar m={m} reactions={m.reactions} actions={actions} />}
      </div>
      {menu && bubble.current && (
        <MessageMenu
          anchor={bubble.current}
          time={full}
          dateTime={m.created_at}
          reactions={live && m.kind === "text" ? (m.reactions ?? null) : undefined}
          onReact={(emoji, on) => actions.onReact(m, emoji, on)}
          onMoreReactions={() => actions.onPickReaction(m)}
          items={items}
          onClose={closeMenu}
        />
      )}
    </li>
  );
});

/**
 * Counts per emoji, mine highlighted; a click toggles mine; "+" opens the
 * picker. Each chip names who reacted: its tooltip and accessible name, and
 * a long press shows the names under the chips for a moment. Hovering,
 * focusing or pressing a chip asks the server who reacted (history pages
 * carry only counts), so the names are whole, not only those seen live.
 */
function ReactionBar({ m, reactions, actions }: { m: Message; reactions: ReactionCount[]; actions: MessageActions }) {
  const client = useContext(ClientContext);
  // The emoji whose names a long press shows: its label follows the server's answer.
  const [shown, setShown] = useState<string | null>(null);
  useSyncExternalStore(client?.reactors.subscribe ?? noSubscribe, client?.reactors.getVersion ?? noVersion);
  useEffect(() => {
    if (!shown) return;
    const t = setTimeout(() => setShown(null), noteMs);
    return () => clearTimeout(t);
  }, [shown]);
  const me = client?.me?.id ?? "";
  const label = (r: ReactionCount) =>
    reactionLabel(
      r.emoji,
      whoReacted(r, client?.reactors.known(m.room_id, m.seq, r.emoji) ?? [], me, (id) => client?.nameOf(id) ?? "someone"),
    );
  const shownReaction = reactions.find((r) => r.emoji === shown);
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => (
        <ReactionChip
          key={r.emoji}
          r={r}
          label={label(r)}
          onToggle={() => actions.onReact(m, r.emoji, !r.me)}
          onShow={() => setShown(r.emoji)}
          onWho={() => void client?.loadReactors(m.room_id, m.seq)}
        />
      ))}
      <button type="button" className="reaction add" aria-label="Add reaction" title="Add reaction" onClick={() => actions.onPickReaction(m)}>
        <IconSmile />
      </button>
      {shownReaction && (
        <div className="reaction-who" role="status">
          {label(shownReaction)}
        </div>
      )}
    </div>
  );
}

function ReactionChip({
  r,
  label,
  onToggle,
  onShow,
  onWho,
}: {
  r: ReactionCount;
  label: string;
  onToggle: () => void;
  onShow: () => void;
  onWho: () => void;
}) {
  const press = useLongPress(onShow);
  return (
    <button
      type="button"
      className={`reaction ${r.me ? "mine" : ""}`}
      aria-pressed={r.me}
      aria-label={label}
      title={label}
      data-emoji={r.emoji}
      onClick={() => {
        if (!press.fired.current) onToggle();
      }}
      onContextMenu={(e) => e.preventDefault()}
      onMouseEnter={onWho}
      onFocus={onWho}
      {...press.handlers}
      onPointerDown={(e) => {
        onWho();
        press.handlers.onPointerDown(e);
      }}
    >
      <span className="reaction-emoji" aria-hidden="true">
        {r.emoji}
      </span>
      <span className="reaction-count" aria-hidden="true">
        {r.count}
      </span>
    </button>
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
