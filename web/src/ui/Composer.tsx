import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from "react";
import type { Member, Message, RoomID } from "../api/types";
import { filesLabel } from "../state/format";
import { completeMention, mentionQuery } from "../state/mentions";
import { Avatar } from "./Avatar";
import { useClient } from "./context";
import { EmojiPicker } from "./EmojiPicker";
import { IconPaperclip, IconSmile } from "./icons";
import { attachFiles, PendingFiles } from "./PendingFiles";

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
 * choose, Enter or Tab to take, Escape to dismiss). Files (the attach
 * button, a paste, or a drop on the conversation) upload at once and show
 * above the box; the message goes when they are all up, text optional.
 * What is typed and not sent stays as the room's draft. The smiley button
 * opens the emoji picker, which inserts at the caret. Up-arrow in an empty
 * box edits my last message here, as in Slack and Telegram.
 */
export function Composer({
  roomId,
  reply,
  editing,
  onEdit,
  onDone,
}: {
  roomId: RoomID;
  reply: Message | null;
  editing: Message | null;
  onEdit: (m: Message) => void;
  onDone: () => void;
}) {
  const client = useClient();
  // What I left unsent here, before a room switch or a reload.
  const [text, setText] = useState(() => client.drafts.get(roomId));
  const [saved, setSaved] = useState("");
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const [emoji, setEmoji] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const uploads = client.uploadsFor(roomId);
  // Where the caret goes once React has written a completed mention into the box.
  const placeCaret = useRef<number | null>(null);
  const me = client.me?.id ?? "";
  const members = client.members.get(roomId);

  // A layout effect: the box holds the message being edited in the same paint
  // as the "Editing" banner, so nothing typed meanwhile lands beside it.
  useLayoutEffect(() => {
    if (editing) {
      setSaved(text);
      setText(editing.text);
      placeCaret.current = editing.text.length;
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
    if (editing) return;
    client.typingInput(roomId, value.trim() !== "");
    client.drafts.set(roomId, value);
  }

  function pick(m: Member) {
    if (!query) return;
    const next = completeMention(text, query.start, caret, m.username);
    placeCaret.current = next.caret;
    change(next.text, next.caret);
  }

  const files = !editing && uploads.items.length > 0;
  // Sending waits for every file: a message never goes without one that was picked for it.
  const waiting = files && (uploads.busy || uploads.hasFailed);
  const canSend = editing ? !!text.trim() : (!!text.trim() || files) && !waiting;

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!canSend) return;
    client.typingStop();
    if (editing) {
      if (text !== editing.text && !(await client.edit(roomId, editing.seq, text))) return;
      setText(saved);
      onDone();
      return;
    }
    if (client.send(roomId, text, reply?.seq, uploads.attachments())) {
      uploads.clear();
      client.drafts.clear(roomId);
      setText("");
      setCaret(0);
      onDone();
    }
  }

  function insertEmoji(char: string) {
    const el = box.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? start;
    const at = start + char.length;
    placeCaret.current = at;
    change(text.slice(0, start) + char + text.slice(end), at);
  }

  function closeEmoji() {
    setEmoji(false);
    box.current?.focus();
  }

  /** My newest message loaded here that can be edited: not deleted, not a system line. */
  function lastOwn(): Message | undefined {
    const messages = client.timelines.get(roomId)?.messages() ?? [];
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (m.sender_id === me && m.kind !== "system" && !m.deleted) return m;
    }
    return undefined;
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
    if (e.key === "Escape" && emoji) {
      e.preventDefault();
      setEmoji(false);
      return;
    }
    if (e.key === "ArrowUp" && !text && !editing && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      const m = lastOwn();
      if (m) {
        e.preventDefault();
        onEdit(m);
      }
      return;
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === "Escape" && (reply || editing)) {
      e.preventDefault();
      cancel();
    }
  }

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    if (editing || !e.clipboardData.files.length) return;
    // A copied picture (a screenshot) arrives as files; text pastes as ever.
    e.preventDefault();
    attachFiles(client, roomId, [...e.clipboardData.files]);
  }

  const target = editing ?? reply;
  const optionId = (i: number) => `mention-option-${i}`;
  return (
    <form className="composer" onSubmit={submit}>
      {client.cantSend(roomId) && (
        <p className="cant-send" role="status" data-testid="cant-send">
          You can’t send to this chat.
        </p>
      )}
      {target && (
        <div className="composer-context">
          <span>
            {editing ? "Editing your message" : `Replying to ${client.nameOf(reply!.sender_id)}`}
            {!editing && <span className="quote-text">: {reply!.text || filesLabel(reply!.attachments ?? [])}</span>}
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
              <Avatar name={m.display_name} seed={m.user_id} url={m.avatar_url} size={20} />
              <span>{m.display_name}</span>
              <span className="hint">@{m.username}</span>
            </li>
          ))}
        </ul>
      )}
      {!editing && <PendingFiles queue={uploads} />}
      {emoji && <EmojiPicker onPick={insertEmoji} onClose={closeEmoji} />}
      <div className="composer-row">
        {!editing && (
          <>
            <button type="button" className="icon attach" aria-label="Attach files" title="Attach files" onClick={() => picker.current?.click()}>
              <IconPaperclip />
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              aria-label="Files to attach"
              onChange={(e) => {
                attachFiles(client, roomId, [...(e.target.files ?? [])]);
                // The same file can be picked again after it was removed.
                e.target.value = "";
              }}
            />
          </>
        )}
        <textarea
          ref={box}
          aria-label="Message"
          placeholder="Write a message"
          rows={1}
          value={text}
          aria-autocomplete="list"
          aria-controls={open ? "mention-options" : undefined}
          aria-activedescendant={open ? optionId(activeIndex) : undefined}
          onChange={(e) => change(e.target.value, e.target.selectionStart)}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKey}
          onPaste={onPaste}
          onBlur={() => client.typingStop()}
        />
        <button
          type="button"
          className="icon emoji-toggle"
          aria-label="Emoji"
          title="Emoji"
          aria-expanded={emoji}
          // The picker closes on a press outside it; this button toggles it instead.
          onPointerDown={(e) => e.stopPropagation()}
          onClick={() => (emoji ? closeEmoji() : setEmoji(true))}
        >
          <IconSmile />
        </button>
        <button type="submit" className="primary send" disabled={!canSend} title={waiting ? (uploads.busy ? "Waiting for the files to upload" : "Remove the files that failed") : undefined}>
          {editing ? "Save" : "Send"}
        </button>
      </div>
    </form>
  );
}
