import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useClient } from "./context";
import { Dialog } from "./Dialog";
import { RoomAvatar } from "./Avatar";
import { roomTitle } from "./RoomList";

/**
 * Puts the caret in the message box of the room just opened. The room opens
 * through the URL and a render or two, so this waits (a few seconds at most)
 * for that room's box: a new one, or the same one when the room was already open.
 */
export function focusComposerOf(alreadyOpen: boolean) {
  const find = () => document.querySelector<HTMLTextAreaElement>('main.chat textarea[aria-label="Message"]');
  const before = alreadyOpen ? null : find();
  const deadline = performance.now() + 5000;
  const tick = () => {
    const box = find();
    if (box && box !== before) box.focus();
    else if (performance.now() < deadline) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/**
 * Ctrl+K / Cmd+K: type to narrow the rooms by title, arrows to choose, Enter
 * to open (the caret goes to its message box), Escape to close. A combobox
 * over a listbox, the pattern screen readers know from search suggestions.
 */
export function RoomSwitcher({ onOpen, onClose }: { onOpen: (room: string) => void; onClose: () => void }) {
  const client = useClient();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  // After the dialog's own effect, which focuses its first button (Close).
  useEffect(() => input.current?.focus(), []);
  const q = query.trim().toLowerCase();
  const rooms = client.rooms
    .sorted()
    .map((r) => ({ room: r, title: roomTitle(client, r) }))
    .filter((x) => !q || x.title.toLowerCase().includes(q));
  const at = Math.min(active, Math.max(rooms.length - 1, 0));
  useEffect(() => setActive(0), [q]);

  function pick(room: string) {
    const alreadyOpen = client.openRoomId === room;
    onClose();
    onOpen(room);
    focusComposerOf(alreadyOpen);
  }

  function onKey(e: KeyboardEvent<HTMLInputElement>) {
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: rooms.length - 1 };
    if (e.key in moves && rooms.length > 0) {
      e.preventDefault();
      setActive((moves[e.key]! + rooms.length) % rooms.length);
    } else if (e.key === "Enter" && rooms[at]) {
      e.preventDefault();
      pick(rooms[at].room.id);
    }
  }

  return (
    <Dialog title="Switch to a chat" onClose={onClose} className="switcher">
      <input
        ref={input}
        type="text"
        role="combobox"
        aria-label="Chat name"
        aria-expanded="true"
        aria-controls="switcher-rooms"
        aria-autocomplete="list"
        aria-activedescendant={rooms[at] ? `switch-${rooms[at].room.id}` : undefined}
        placeholder="Type a chat's name"
        autoComplete="off"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKey}
      />
      <ul className="switcher-rooms" id="switcher-rooms" role="listbox" aria-label="Chats">
        {rooms.map((x, i) => (
          <li
            key={x.room.id}
            id={`switch-${x.room.id}`}
            role="option"
            aria-selected={i === at}
            className="switcher-room"
            onMouseMove={() => setActive(i)}
            onClick={() => pick(x.room.id)}
          >
            <RoomAvatar room={x.room} title={x.title} />
            <span>{x.title}</span>
          </li>
        ))}
      </ul>
      {rooms.length === 0 && <p className="empty-list">No chat matches.</p>}
    </Dialog>
  );
}
