import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { Message, RoomID } from "../api/types";
import type { ChatClient } from "../state/client";
import { describeSystem, showsTime, withDays } from "../state/format";
import { canPin } from "../state/pins";
import { canDeleteMessage } from "../state/roles";
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
 * The first message whose bottom is inside the pane, and its top's offset
 * from the pane's top. Messages are in order down the pane, so a binary
 * search finds it without measuring them all.
 */
function topMessage(el: HTMLElement): { seq: string; top: number } | null {
  const items = el.querySelectorAll<HTMLElement>("[data-seq]");
  const paneTop = el.getBoundingClientRect().top;
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.getBoundingClientRect().bottom > paneTop) {
      found = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  if (found < 0) return null;
  const it = items[found]!;
  return { seq: it.dataset.seq!, top: it.getBoundingClientRect().top - paneTop };
}

/**
 * The open room's history: day separators, system lines, bubbles and my
 * unsent messages. Scrolling near the top loads the page before; the view
 * stays pinned to the newest message while it is at the bottom, and keeps
 * its place when older messages are prepended: the top message on screen
 * stays where it was. The browser's own scroll anchoring is off for the
 * pane (styles.css), as it would move the view a second time.
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
  const loadingNewer = client.loadingNewer.has(roomId);
  const hasNewer = client.hasNewer(roomId);
  const focus = client.focus?.room === roomId ? client.focus : null;
  const online = client.connState.kind === "open";
  const myUsername = client.me?.username ?? "";
  const [picking, setPicking] = useState<number | null>(null);

  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [scrolledUp, setScrolledUp] = useState(false);
  const prev = useRef({ first: 0 });
  /** The top message on screen and its distance from the pane's top, noted on every scroll and render. */
  const anchor = useRef<{ seq: string; top: number } | null>(null);
  /** The jump last scrolled to, so each jump scrolls once. */
  const shown = useRef<object | null>(null);
  /** The "New messages" mark last scrolled to, so the room opens there once. */
  const shownNew = useRef<object | null>(null);
  const newFrom = client.newFrom?.room === roomId ? client.newFrom : null;
  const firstNew = newFrom ? msgs.find((m) => m.seq > newFrom.seq && m.kind !== "system" && m.sender_id !== me)?.seq : undefined;
  /** The seqs on screen now, and the newest ever on screen since the room opened. */
  const onScreen = useRef(new Set<number>());
  const [seenMax, setSeenMax] = useState(0);
  const observer = useRef<IntersectionObserver | null>(null);

  // Read is what was on screen while the window had focus: the newest such seq goes to the client.
  const report = useCallback(() => {
    if (!onScreen.current.size || !document.hasFocus() || document.visibilityState !== "visible") return;
    client.seen(roomId, Math.max(...onScreen.current));
  }, [client, roomId]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const seq = Number((e.target as HTMLElement).dataset.seq);
          // Half a message on screen is seen; one taller than the pane counts when it fills half of it.
          const seen = e.isIntersecting && (e.intersectionRatio >= 0.5 || e.intersectionRect.height >= (e.rootBounds?.height ?? Infinity) / 2);
          if (seen) onScreen.current.add(seq);
          else onScreen.current.delete(seq);
        }
        if (onScreen.current.size) setSeenMax((n) => Math.max(n, ...onScreen.current));
        report();
      },
      { root: el, threshold: [0, 0.25, 0.5, 1] },
    );
    observer.current = io;
    window.addEventListener("focus", report);
    document.addEventListener("visibilitychange", report);
    return () => {
      io.disconnect();
      observer.current = null;
      window.removeEventListener("focus", report);
      document.removeEventListener("visibilitychange", report);
    };
  }, [report]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    setScrolledUp(!atBottom.current);
    anchor.current = topMessage(el);
    if (el.scrollTop < 400) void client.loadOlder(roomId);
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 400) void client.loadNewer(roomId);
  };

  const first = msgs[0]?.seq ?? 0;
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const target = focus && shown.current !== focus ? el.querySelector(`[data-seq="${focus.seq}"]`) : null;
    if (focus && target) {
      // Opened at a message: centre it, and the edges load from there both ways.
      target.scrollIntoView({ block: "center" });
      shown.current = focus;
      atBottom.current = false;
    } else if (newFrom && firstNew !== undefined && shownNew.current !== newFrom) {
      // Opened with something unread: the first unread message under the divider, at the top.
      el.querySelector(".new-divider")?.scrollIntoView({ block: "start" });
      shownNew.current = newFrom;
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    } else if (prev.current.first && first < prev.current.first && anchor.current) {
      // Older page prepended: the message that was at the top stays where it was.
      const a = anchor.current;
      const now = el.querySelector<HTMLElement>(`[data-seq="${a.seq}"]`);
      if (now) el.scrollTop += now.getBoundingClientRect().top - el.getBoundingClientRect().top - a.top;
    } else if (atBottom.current && !hasNewer) {
      el.scrollTop = el.scrollHeight;
    }
    prev.current = { first };
    anchor.current = topMessage(el);
    setScrolledUp(!atBottom.current);
    for (const it of el.querySelectorAll("[data-seq]")) observer.current?.observe(it);
    // A page that does not fill the view cannot be scrolled: load more now.
    if (el.scrollHeight <= el.clientHeight + 8 && !loading) {
      if (tl?.hasOlder) void client.loadOlder(roomId);
      if (hasNewer) void client.loadNewer(roomId);
    }
  });

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
      onPin: (m, on) => void (on ? client.pin(roomId, m.seq) : client.unpin(roomId, m.seq)),
    }),
    [client, roomId, onReply, onEdit],
  );

  const items = withDays(msgs);
  const pinnable = !!room && canPin(room);
  const pinnedSeqs = new Set(client.pins.get(roomId)?.map((p) => p.seq));
  // Messages from others below anything that has been on screen: what "↓ N new" counts.
  const below = msgs.filter((m) => m.seq > seenMax && m.kind !== "system" && m.sender_id !== me).length;
  return (
    <div className="messages" ref={ref} onScroll={onScroll} role="log" aria-label="Messages" aria-busy={loading || loadingOlder}>
      <ol className="message-list">
        <li className="history-edge" aria-live="polite">
          {loading || loadingOlder ? "Loading earlier messages…" : tl && !tl.hasOlder && msgs.length ? "This is the beginning of the conversation." : ""}
        </li>
        {items.map((it, i) => {
          if (it.kind === "day") {
            return (
              <li key={`day-${it.key}`} className="day">
                <span>{it.label}</span>
              </li>
            );
          }
          const m = it.message;
          const divider =
            m.seq === firstNew ? (
              <li key="new-divider" className="new-divider" data-testid="new-divider">
                <span>New messages</span>
              </li>
            ) : null;
          if (m.kind === "system" && m.system) {
            return (
              <li key={m.seq} className={`system ${focus?.seq === m.seq ? "focused" : ""}`} data-seq={m.seq} data-testid="system-message">
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
          const after = items[i + 1];
          const quoted = m.reply_to ? tl?.get(m.reply_to) : undefined;
          return [
            divider,
            <MessageItem
              key={m.seq}
              m={m}
              mine={m.sender_id === me}
              senderName={client.nameOf(m.sender_id)}
              senderAvatar={m.sender_id ? client.users.get(m.sender_id)?.avatar_url : undefined}
              showHeader={showHeader}
              showTime={showsTime(m, after?.kind === "message" ? after.message : undefined)}
              unreadBy={unread.get(m.seq)}
              quoted={quoted}
              quotedName={quoted ? client.nameOf(quoted.sender_id) : ""}
              canDelete={!!room && canDeleteMessage(room, me, m)}
              pinned={pinnable ? pinnedSeqs.has(m.seq) : undefined}
              mentionNames={mentionNames(client, m)}
              myUsername={myUsername}
              mentionsMe={m.sender_id !== me && !!m.mentions?.includes(me)}
              focused={focus?.seq === m.seq}
              actions={actions}
            />,
          ];
        })}
        {pending.map((o) => (
          <PendingItem key={o.client_id} o={o} online={online} onRetry={() => client.retrySend(o.client_id)} onDiscard={() => client.discardSend(o.client_id)} />
        ))}
        {hasNewer && (
          <li className="history-edge" aria-live="polite">
            {loadingNewer ? "Loading newer messages…" : ""}
          </li>
        )}
      </ol>
      {(hasNewer || (scrolledUp && below > 0)) && (
        <button
          type="button"
          className="jump-latest small"
          data-testid="jump-latest"
          onClick={() => {
            atBottom.current = true;
            if (hasNewer) client.jumpToLatest(roomId);
            else ref.current?.scrollTo({ top: ref.current.scrollHeight });
          }}
        >
          {/* Past a detached timeline's end, how many are new is not known here. */}
          {hasNewer ? "Jump to latest" : `↓ ${below} new`}
        </button>
      )}
      {picking !== null && tl?.get(picking) && (
        <ReactionPicker m={tl.get(picking)!} onReact={(emoji, on) => client.react(roomId, picking, emoji, on)} onClose={() => setPicking(null)} />
      )}
    </div>
  );
}
