import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { Message, RoomID } from "../api/types";
import type { ChatClient } from "../state/client";
import { describeSystem, withDays } from "../state/format";
import { useClient } from "./context";
import { MessageItem, PendingItem, type MessageActions } from "./MessageItem";
import { ReactionPicker } from "./ReactionPicker";

/** A run of messages by one sender shows the name and avatar once. */
const runGapMs = 5 * 60_000;

/** The usernames a message's mentions resolved to, "*" when one is not known here. */
function mentionNames(client: ChatClient, m: Message): string {
  if (!m.mentions?.length) return "";
  const names: string[] = [];
  for (const id of m.mentions) {
    const u = client.users.get(id);
    if (!u) return "*";
    names.push(u.username);
  }
  return names.join(" ");
}

/**
 * The open room's history: day separators, system lines, bubbles and my
 * unsent messages. Scrolling near the top loads the page before; the view
 * stays pinned to the newest message while it is at the bottom, and keeps
 * its place when older messages are prepended.
 */
export function MessageList({ roomId, onReply, onEdit }: { roomId: RoomID; onReply: (m: Message) => void; onEdit: (m: Message) => void }) {
  const client = useClient();
  const me = client.me?.id ?? "";
  const room = client.rooms.get(roomId);
  const tl = client.timelines.get(roomId);
  const msgs = tl?.messages() ?? [];
  const unread = client.unreadBy(roomId);
  const pending = client.outbox?.forRoom(roomId) ?? [];
  const loading = client.loading.has(roomId);
  const loadingOlder = client.loadingOlder.has(roomId);
  const manager = room?.role === "owner" || room?.role === "admin";
  const online = client.connState.kind === "open";
  const myUsername = client.me?.username ?? "";
  const [picking, setPicking] = useState<number | null>(null);

  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prev = useRef({ first: 0, height: 0 });

  const report = useCallback(() => {
    client.setViewState(document.visibilityState === "visible", atBottom.current);
  }, [client]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    report();
    if (el.scrollTop < 400) void client.loadOlder(roomId);
  };

  useEffect(() => {
    document.addEventListener("visibilitychange", report);
    return () => document.removeEventListener("visibilitychange", report);
  }, [report]);

  const first = msgs[0]?.seq ?? 0;
  const total = msgs.length + pending.length;
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (prev.current.first && first < prev.current.first) {
      el.scrollTop += el.scrollHeight - prev.current.height; // older page prepended: keep the view where it was
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prev.current = { first, height: el.scrollHeight };
    // A page that does not fill the view cannot be scrolled: load more now.
    if (el.scrollHeight <= el.clientHeight + 8 && tl?.hasOlder && !loading) void client.loadOlder(roomId);
  }, [first, total, tl, loading, client, roomId, unread.size]);

  const actions: MessageActions = useMemo(
    () => ({
      onReply,
      onEdit,
      onDelete: (m) => {
        if (confirm("Delete this message for everyone?")) void client.deleteMessage(roomId, m.seq);
      },
      onJump: (seq) => {
        ref.current?.querySelector(`[data-seq="${seq}"]`)?.scrollIntoView({ block: "center", behavior: "smooth" });
      },
      onReact: (m, emoji, on) => {
        void client.react(roomId, m.seq, emoji, on).then((err) => {
          if (err) client.notify(err);
        });
      },
      onPickReaction: (m) => setPicking(m.seq),
    }),
    [client, roomId, onReply, onEdit],
  );

  const items = withDays(msgs);
  return (
    <div className="messages" ref={ref} onScroll={onScroll}>
      <ol className="message-list" role="log" aria-label="Messages" aria-busy={loading || loadingOlder}>
        <li className="history-edge" aria-live="polite">
          {loading || loadingOlder ? "Loading earlier messages…" : tl && !tl.hasOlder && msgs.length ? "This is the beginning of the conversation." : ""}
        </li>
        {items.map((it, i) => {
          if (it.kind === "day") {
            return (
              <li key={`day-${it.key}`} className="day" role="separator">
                <span>{it.label}</span>
              </li>
            );
          }
          const m = it.message;
          if (m.kind === "system" && m.system) {
            return (
              <li key={m.seq} className="system" data-seq={m.seq} data-testid="system-message">
                <span>{describeSystem(m.system, (id) => client.nameOf(id))}</span>
              </li>
            );
          }
          const before = items[i - 1];
          const prevMsg = before?.kind === "message" ? before.message : undefined;
          const showHeader =
            !prevMsg ||
            prevMsg.kind === "system" ||
            prevMsg.sender_id !== m.sender_id ||
            Date.parse(m.created_at) - Date.parse(prevMsg.created_at) > runGapMs;
          const quoted = m.reply_to ? tl?.get(m.reply_to) : undefined;
          return (
            <MessageItem
              key={m.seq}
              m={m}
              mine={m.sender_id === me}
              senderName={client.nameOf(m.sender_id)}
              senderAvatar={m.sender_id ? client.users.get(m.sender_id)?.avatar_url : undefined}
              showHeader={showHeader}
              unreadBy={unread.get(m.seq)}
              quoted={quoted}
              quotedName={quoted ? client.nameOf(quoted.sender_id) : ""}
              canDelete={m.sender_id === me || manager}
              mentionNames={mentionNames(client, m)}
              myUsername={myUsername}
              mentionsMe={m.sender_id !== me && !!m.mentions?.includes(me)}
              actions={actions}
            />
          );
        })}
        {pending.map((o) => (
          <PendingItem key={o.client_id} o={o} online={online} onRetry={() => client.retrySend(o.client_id)} onDiscard={() => client.discardSend(o.client_id)} />
        ))}
      </ol>
      {picking !== null && tl?.get(picking) && (
        <ReactionPicker m={tl.get(picking)!} onReact={(emoji, on) => client.react(roomId, picking, emoji, on)} onClose={() => setPicking(null)} />
      )}
    </div>
  );
}
