import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { Message, RoomID } from "../api/types";
import { useClient } from "./context";

/**
 * The message box. Enter sends, Shift+Enter is a new line, Escape cancels a
 * reply or an edit. Sending works offline too: the message waits in the
 * queue and goes out when the connection is back.
 */
export function Composer({ roomId, reply, editing, onDone }: { roomId: RoomID; reply: Message | null; editing: Message | null; onDone: () => void }) {
  const client = useClient();
  const [text, setText] = useState("");
  const [saved, setSaved] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (editing) {
      setSaved(text);
      setText(editing.text);
    }
    if (editing || reply) box.current?.focus();
    // Only a new reply or edit target matters here, not each keystroke of `text`.
  }, [editing, reply]);

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!text.trim()) return;
    if (editing) {
      if (text !== editing.text && !(await client.edit(roomId, editing.seq, text))) return;
      setText(saved);
      onDone();
      return;
    }
    if (client.send(roomId, text, reply?.seq)) {
      setText("");
      onDone();
    }
  }

  function cancel() {
    if (editing) setText(saved);
    onDone();
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === "Escape" && (reply || editing)) {
      e.preventDefault();
      cancel();
    }
  }

  const target = editing ?? reply;
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
      <div className="composer-row">
        <textarea
          ref={box}
          aria-label="Message"
          placeholder="Write a message"
          rows={1}
          maxLength={4000}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
        />
        <button type="submit" className="primary send" disabled={!text.trim()}>
          {editing ? "Save" : "Send"}
        </button>
      </div>
    </form>
  );
}
