import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";
import type { ReactionCount } from "../api/types";
import { menuReactions } from "../state/reactions";

/** One action of the menu; absent entries are those the person may not do. */
export interface MenuAction {
  label: string;
  icon: ReactNode;
  danger?: boolean;
  run: () => void;
}

/**
 * A message's actions in one menu (docs/decisions/0036): the whole date and
 * time on top, a quick reaction bar, then the actions. It opens from a long
 * press, a right click or the "⋯" button, next to the bubble, and is an
 * ARIA menu: arrow keys move, Home/End jump, Escape or Tab closes, and
 * Escape gives focus back to what opened it.
 */
export function MessageMenu({
  anchor,
  time,
  dateTime,
  reactions,
  onReact,
  onMoreReactions,
  items,
  onClose,
}: {
  /** The bubble: the menu sits below it, or above when there is no room below. */
  anchor: HTMLElement;
  time: string;
  dateTime: string;
  /** The message's reactions, to mark mine in the quick bar; undefined when it takes none. */
  reactions: ReactionCount[] | undefined | null;
  onReact: (emoji: string, on: boolean) => void;
  onMoreReactions: () => void;
  items: MenuAction[];
  /** `refocus`: give focus back to the opener (Escape, or an action that leaves nothing to focus). */
  onClose: (refocus: boolean) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ left: number; top: number } | null>(null);
  const mine = new Set((reactions ?? []).filter((r) => r.me).map((r) => r.emoji));

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const a = anchor.getBoundingClientRect();
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    const gap = 6;
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const below = a.bottom + gap + h <= vh;
    const top = below ? a.bottom + gap : Math.max(gap, a.top - gap - h);
    // Under mine (on the right) the menu lines up with the bubble's right edge, under others' with its left.
    const mineSide = a.left + a.width / 2 > vw / 2;
    const left = Math.min(Math.max(gap, mineSide ? a.right - w : a.left), vw - w - gap);
    setPos({ left, top: Math.min(top, vh - h - gap) });
  }, [anchor]);

  // Once placed (a hidden element takes no focus), the first item gets it, as in any menu.
  const placed = pos !== null;
  useEffect(() => {
    if (placed) ref.current?.querySelector<HTMLElement>('[role^="menuitem"]')?.focus();
  }, [placed]);

  useEffect(() => {
    const away = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) onClose(false);
    };
    const gone = () => onClose(false);
    // Escape closes it wherever focus is (after a long press, it may not be in the menu).
    const escape = (e: globalThis.KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      onClose(true);
    };
    document.addEventListener("pointerdown", away, true);
    document.addEventListener("keydown", escape, true);
    window.addEventListener("resize", gone);
    return () => {
      document.removeEventListener("pointerdown", away, true);
      document.removeEventListener("keydown", escape, true);
      window.removeEventListener("resize", gone);
    };
  }, [onClose]);

  function keys(e: KeyboardEvent) {
    const all = [...(ref.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const i = all.indexOf(document.activeElement as HTMLElement);
    const go = (j: number) => {
      e.preventDefault();
      all[(j + all.length) % all.length]?.focus();
    };
    switch (e.key) {
      case "ArrowDown":
      case "ArrowRight":
        return go(i + 1);
      case "ArrowUp":
      case "ArrowLeft":
        return go(i - 1);
      case "Home":
        return go(0);
      case "End":
        return go(all.length - 1);
      case "Tab":
        e.preventDefault();
        return onClose(true);
    }
  }

  const run = (f: () => void) => () => {
    onClose(false);
    f();
  };

  return createPortal(
    <div className="msg-menu" ref={ref} style={pos ?? { visibility: "hidden" }} onKeyDown={keys} data-testid="message-menu">
      <time className="msg-menu-time" dateTime={dateTime} id="msg-menu-time">
        {time}
      </time>
      {(reactions !== undefined || items.length > 0) && (
        <div role="menu" aria-label="Message actions" aria-describedby="msg-menu-time">
          {reactions !== undefined && (
            <div role="group" aria-label="Quick reactions" className="quick-reactions">
              {menuReactions.map((emoji) => (
                <button
                  key={emoji}
                  type="button"
                  role="menuitemcheckbox"
                  aria-checked={mine.has(emoji)}
                  aria-label={`React with ${emoji}`}
                  tabIndex={-1}
                  className="quick-emoji"
                  onClick={() => {
                    onClose(true);
                    onReact(emoji, !mine.has(emoji));
                  }}
                >
                  {emoji}
                </button>
              ))}
              <button type="button" role="menuitem" aria-label="More reactions" title="More reactions" tabIndex={-1} className="quick-emoji more" onClick={run(onMoreReactions)}>
                +
              </button>
            </div>
          )}
          {items.map((it) => (
            <button key={it.label} type="button" role="menuitem" tabIndex={-1} className={`menu-item ${it.danger ? "danger" : ""}`} onClick={run(it.run)}>
              {it.icon}
              {it.label}
            </button>
          ))}
        </div>
      )}
    </div>,
    document.body,
  );
}
