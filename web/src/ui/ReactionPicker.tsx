import { useRef, useState, type FormEvent } from "react";
import type { Message } from "../api/types";
import { Dialog } from "./Dialog";
import { EmojiPicker } from "./EmojiPicker";

/**
 * Pick a reaction: every emoji (the composer's searchable picker, recent
 * first), or one typed in (the server decides what one emoji is, and its
 * refusal is shown here). Picking one I already gave takes it back. The
 * menu's quick bar covers the common ones; this is its "+".
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
  // The picker closes on a pointer down outside its panel; the typed-in box below is outside it but inside this dialog.
  const insideDialog = useRef(false);

  async function pick(emoji: string) {
    if (busy) return;
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
      <div
        className="stack"
        onPointerDownCapture={() => {
          insideDialog.current = true;
          setTimeout(() => (insideDialog.current = false));
        }}
      >
        <EmojiPicker
          label="All emoji"
          onPick={(emoji) => void pick(emoji)}
          onClose={() => {
            if (!insideDialog.current) onClose();
          }}
        />
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
      </div>
    </Dialog>
  );
}
