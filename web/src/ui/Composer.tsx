import { useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { Member, Message, RoomID } from "../api/types";
import { completeMention, mentionQuery } from "../state/mentions";
import { Avatar } from "./Avatar";
import { useClient } from "./context";

/** Suggestions shown at once for "@…". */
const maxSuggestions = 6;

function suggest(members: readonly Member[], me: string, query: string): Member[] {
  const q = query.toLowerCase();
  return members
    .filter((m) => m.user_id !== me)
    .filter((m) => !q || m.username.startsWith(q) || m.display_name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)))
    .slice(0, maxSuggestions);
}

/**
 * The message box. Enter sends, Shift+Enter is a new line, Escape cancels a
 * reply or an edit. Sending works offline too: the message waits in the
 * queue and goes out when the connection is back. While it has text, the
 * room sees me typing; "@" offers the room's members to mention (arrows to
 * choose, Enter or Tab to take, Escape to dismiss).
 */
export function Composer({ roomId, reply, editing, onDone }: { roomId: RoomID; reply: Message | null; editing: Message | null; onDone: () => void }) {
  const client = useClient();
  const [text, setText] = useState("");
  const [saved, setSaved] = useState("");
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  // Where the caret goes once React has written a completed mention into the box.
  const placeCaret = useRef<number | null>(null);
  const me = client.me?.id ?? "";
  const members = client.members.get(roomId);

  useEffect(() => {
    if (editing) {
      setSaved(text);
      setText(editing.text);
    }
    if (editing || reply) box.current?.focus();
    // Only a new reply or edit target matters here, not each keystroke of `text`.
  }, [editing, reply]);

  useLayoutEffect(() => {
    const at = placeCaret.current;
    if (at === null || !box.current) return;
    placeCaret.current = null;
    box.current.focus();
    box.current.setSelectionRange(at, at);
  }, [text]);

  // Leaving the room (or the page) stops the typing indicator.
  useEffect(() => () => client.typingStop(), [client]);

  const query = mentionQuery(text, caret);
  const options = useMemo(() => (query && members ? suggest(members, me, query.query) : []), [query?.query, query?.start, members, me]);
  const open = !!query && options.length > 0 && dismissed !== query.start;
  const activeIndex = Math.min(active, Math.max(0, options.length - 1));

  function change(value: string, at: number) {
    setText(value);
    setCaret(at);
    setActive(0);
    if (!editing) client.typingInput(roomId, value.trim() !== "");
  }

  function pick(m: Member) {
    if (!query) return;
    const next = completeMention(text, query.start, caret, m.username);
    placeCaret.current = next.caret;
    change(next.text, next.caret);
  }

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!text.trim()) return;
    client.typingStop();
    if (editing) {
      if (text !== editing.text && !(await client.edit(roomId, editing.seq, text))) return;
      setText(saved);
      onDone();
      return;
    }
    if (client.send(roomId, text, reply?.seq)) {
      setText("");
      setCaret(0);
      onDone();
    }
  }

  function cancel() {
    if (editing) setText(saved);
    onDone();
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (open) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const d = e.key === "ArrowDown" ? 1 : -1;
        setActive((activeIndex + d + options.length) % options.length);
        return;
      }
      if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
        e.preventDefault();
        pick(options[activeIndex]!);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setDismissed(query!.start);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === "Escape" && (reply || editing)) {
      e.preventDefault();
      cancel();
    }
  }

  const target = editing ?? reply;
  const optionId = (i: number) => `mention-option-${i}`;
  return (
    <form className="composer" onSubmit={submit}>
      {target && (
        <div className="composer-context">
          <span>
            {editing ? "Editing your message" : `Replying to ${client.nameOf(reply!.sender_id)}`}
            {!editing && <span className="quote-text">: {reply!.text}</span>}
          </span>
          <button type="button" className="icon small" aria-label={editing ? "Cancel edit" : "Cancel reply"} onClick={cancel}>
            ×
          </button>
        </div>
      )}
      {open && (
        <ul className="mention-options" id="mention-options" role="listbox" aria-label="Mention someone">
          {options.map((m, i) => (
            <li
              key={m.user_id}
              id={optionId(i)}
              role="option"
              aria-selected={i === activeIndex}
              className="mention-option"
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(m)}
            >
              <Avatar name={m.display_name} seed={m.user_id} size={20} />
              <span>{m.display_name}</span>
              <span className="hint">@{m.username}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <textarea
          ref={box}
          aria-label="Message"
          placeholder="Write a message"
          rows={1}
          maxLength={4000}
          value={text}
          aria-autocomplete="list"
          aria-controls={open ? "mention-options" : undefined}
          aria-activedescendant={open ? optionId(activeIndex) : undefined}
          onChange={(e) => change(e.target.value, e.target.selectionStart)}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKey}
          onBlur={() => client.typingStop()}
        />
        <button type="submit" className="primary send" disabled={!text.trim()}>
          {editing ? "Save" : "Send"}
        </button>
      </div>
    </form>
  );
}
