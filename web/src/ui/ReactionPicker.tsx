import { useState, type FormEvent } from "react";
import type { Message } from "../api/types";
import { quickEmojis } from "../state/reactions";
import { Dialog } from "./Dialog";

/**
 * Pick a reaction: a few common emojis, or any other typed in (the server
 * decides what one emoji is, and its refusal is shown here). Picking one I
 * already gave takes it back.
 */
export function ReactionPicker({
  m,
  onReact,
  onClose,
}: {
  m: Message;
  onReact: (emoji: string, on: boolean) => Promise<string | null>;
  onClose: () => void;
}) {
  const [other, setOther] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const mine = new Set((m.reactions ?? []).filter((r) => r.me).map((r) => r.emoji));

  async function pick(emoji: string) {
    setBusy(true);
    const err = await onReact(emoji, !mine.has(emoji));
    setBusy(false);
    if (err) setError(err);
    else onClose();
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const emoji = other.trim();
    if (emoji) void pick(emoji);
  }

  return (
    <Dialog title="React to message" onClose={onClose} className="picker">
      <div className="emoji-grid" role="group" aria-label="Common reactions">
        {quickEmojis.map((e) => (
          <button key={e} type="button" className="emoji" aria-pressed={mine.has(e)} aria-label={mine.has(e) ? `Remove ${e}` : `React with ${e}`} disabled={busy} onClick={() => void pick(e)}>
            {e}
          </button>
        ))}
      </div>
      <form className="stack" onSubmit={submit}>
        <label>
          Another emoji
          <input
            name="emoji"
            autoComplete="off"
            value={other}
            maxLength={16}
            aria-invalid={!!error}
            aria-describedby={error ? "reaction-error" : undefined}
            onChange={(e) => {
              setOther(e.target.value);
              setError("");
            }}
            placeholder="e.g. 🦄"
          />
        </label>
        {error && (
          <p className="form-error" id="reaction-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="small" disabled={busy || !other.trim()}>
          React
        </button>
      </form>
    </Dialog>
  );
}
