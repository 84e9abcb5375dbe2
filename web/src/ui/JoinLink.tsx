import { useEffect, useState } from "react";
import type { LinkPreview } from "../api/types";
import { useClient } from "./context";
import { Dialog } from "./Dialog";

/**
 * An invite link opened (`/join/<code>`), now or before logging in: the
 * room's name and size, and a choice to join it. A room I am in opens.
 */
export function JoinLinkDialog({ code, onDone }: { code: string; onDone: (room: string | null) => void }) {
  const client = useClient();
  const [preview, setPreview] = useState<LinkPreview | string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    void client.previewLink(code).then((p) => live && setPreview(p));
    return () => {
      live = false;
    };
  }, [client, code]);

  async function join() {
    setBusy(true);
    const room = await client.joinLink(code);
    setBusy(false);
    if (room) onDone(room);
  }

  return (
    <Dialog title="Invite link" onClose={() => onDone(null)}>
      {preview === null && <p className="hint">Looking at the link…</p>}
      {typeof preview === "string" && (
        <p className="form-error" role="alert">
          {preview}
        </p>
      )}
      {preview && typeof preview !== "string" && (
        <div className="stack">
          <p>
            <strong data-testid="link-room">{preview.name}</strong>
            <br />
            <span className="hint">
              {preview.member_count} {preview.member_count === 1 ? "member" : "members"}
            </span>
          </p>
          {preview.member ? (
            <button type="button" className="primary" onClick={() => onDone(preview.room_id ?? null)}>
              Open the room
            </button>
          ) : (
            <div className="row-actions">
              <button type="button" className="primary" disabled={busy} onClick={() => void join()}>
                Join the room
              </button>
              <button type="button" onClick={() => onDone(null)}>
                Not now
              </button>
            </div>
          )}
        </div>
      )}
    </Dialog>
  );
}
