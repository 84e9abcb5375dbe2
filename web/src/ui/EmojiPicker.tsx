import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { emojiCategories, emojiName, RecentEmoji, searchEmoji, type Emoji } from "../state/emoji";
import { useClient } from "./context";

/** A touch screen would raise its keyboard over the grid for a focused search box: only with a mouse does it take focus. */
function withKeyboard(): boolean {
  return typeof matchMedia === "undefined" || matchMedia("(pointer: fine)").matches;
}

/**
 * A searchable emoji grid in a small panel: the ones I used lately first,
 * then tabs for the categories; search by English name. `onPick` gets each
 * emoji picked (the panel stays open for more, as Telegram's does);
 * Escape, or a click outside, calls `onClose`. From the search, Enter
 * takes the first match and Down enters the grid, where arrows move.
 */
export function EmojiPicker({ onPick, onClose, label = "Emoji" }: { onPick: (emoji: string) => void; onClose: () => void; label?: string }) {
  const client = useClient();
  const recent = useMemo(() => new RecentEmoji(typeof localStorage === "undefined" ? null : localStorage, `parley.emoji.${client.me?.id ?? ""}`), [client.me?.id]);
  const [recentList, setRecentList] = useState(() => recent.all());
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState(recent.all().length ? "recent" : emojiCategories[0]!.id);
  const panel = useRef<HTMLDivElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (panel.current && !panel.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener("pointerdown", onDown);
    return () => document.removeEventListener("pointerdown", onDown);
  }, [onClose]);

  function pick(char: string) {
    recent.use(char);
    setRecentList(recent.all());
    onPick(char);
  }

  /** Arrow keys move through the grid by rows and columns, as in Slack's picker; Up from the first row goes back to the search. */
  function onGridKey(e: KeyboardEvent<HTMLDivElement>) {
    const buttons = [...(grid.current?.querySelectorAll<HTMLButtonElement>("button.emoji") ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0 || !buttons.length) return;
    // The grid fills its width: the first button on a lower row tells how many columns there are.
    const wrap = buttons.findIndex((b) => b.offsetTop !== buttons[0]!.offsetTop);
    const columns = wrap === -1 ? buttons.length : wrap;
    const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns };
    let next: number;
    if (e.key in step) next = i + step[e.key]!;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = buttons.length - 1;
    else return;
    e.preventDefault();
    if (next < 0 && e.key === "ArrowUp") search.current?.focus();
    else buttons[Math.max(0, Math.min(buttons.length - 1, next))]!.focus();
  }

  const searching = query.trim() !== "";
  let shown: Emoji[];
  let heading: string;
  if (searching) {
    shown = searchEmoji(query);
    heading = "Search results";
  } else if (category === "recent") {
    shown = recentList.map((char) => ({ char, name: emojiName(char) }));
    heading = "Recently used";
  } else {
    const c = emojiCategories.find((c) => c.id === category) ?? emojiCategories[0]!;
    shown = c.emoji;
    heading = c.label;
  }

  return (
    <div
      ref={panel}
      className="emoji-picker"
      role="dialog"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <input
        ref={search}
        type="search"
        className="emoji-search"
        aria-label="Search emoji"
        placeholder="Search emoji"
        autoFocus={withKeyboard()}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          // Enter takes the first match; Down goes into the grid.
          if (e.key === "Enter" && searching && shown[0]) {
            e.preventDefault();
            pick(shown[0].char);
          } else if (e.key === "ArrowDown") {
            e.preventDefault();
            grid.current?.querySelector<HTMLButtonElement>("button.emoji")?.focus();
          }
        }}
      />
      {!searching && (
        <div className="emoji-tabs" role="tablist" aria-label="Emoji categories">
          {recentList.length > 0 && (
            <button type="button" role="tab" aria-selected={category === "recent"} aria-label="Recently used" title="Recently used" onClick={() => setCategory("recent")}>
              🕘
            </button>
          )}
          {emojiCategories.map((c) => (
            <button key={c.id} type="button" role="tab" aria-selected={category === c.id} aria-label={c.label} title={c.label} onClick={() => setCategory(c.id)}>
              {c.icon}
            </button>
          ))}
        </div>
      )}
      <div className="emoji-scroll" role={searching ? undefined : "tabpanel"} aria-label={heading}>
        <h3 className="emoji-heading">{heading}</h3>
        {shown.length === 0 ? (
          <p className="hint">No emoji matches “{query.trim()}”.</p>
        ) : (
          <div ref={grid} className="emoji-grid" role="group" aria-label={heading} onKeyDown={onGridKey}>
            {shown.map((e) => (
              <button key={e.char} type="button" className="emoji" aria-label={e.name} title={e.name} onClick={() => pick(e.char)}>
                {e.char}
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
