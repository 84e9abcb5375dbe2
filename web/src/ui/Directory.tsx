import { useEffect, useReducer, useState } from "react";
import type { RoomDirectory } from "../state/roomdir";
import { RoomAvatar } from "./Avatar";
import { useClient } from "./context";

/**
 * Public rooms: every one listed when it opens, searched by name as the
 * person types, more on request; a room I am in opens, any other joins.
 */
export function DirectoryPanel({ onOpen }: { onOpen: (room: string) => void }) {
  const client = useClient();
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [dir] = useState<RoomDirectory>(() => client.newDirectory(rerender));
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    dir.start();
    return () => dir.dispose();
  }, [dir]);

  async function join(id: string) {
    setBusy(id);
    const room = await client.joinRoom(id);
    setBusy(null);
    if (room) {
      dir.joined(id);
      onOpen(room);
    }
  }

  return (
    <div className="stack directory">
      <label>
        Search public rooms
        <input type="search" name="directory-q" autoFocus placeholder="a room's name" onChange={(e) => dir.set(e.target.value)} />
      </label>
      {dir.status === "slowed" && <p className="hint">Searching a little slower…</p>}
      {dir.status === "error" && (
        <p className="form-error" role="alert">
          {dir.error}
        </p>
      )}
      {dir.status === "done" && dir.rooms.length === 0 && <p className="hint">{dir.query ? "No public room has that name." : "There are no public rooms yet."}</p>}
      <ul className="person-list" aria-label="Public rooms">
        {dir.rooms.map((r) => (
          <li key={r.id} className="person directory-room" data-room={r.id}>
            <RoomAvatar room={{ ...r, kind: "group" }} />
            <span className="person-name">
              <strong>{r.name}</strong>
              <span className="hint">
                {r.member_count} {r.member_count === 1 ? "member" : "members"}
              </span>
            </span>
            <span className="person-actions">
              {r.member ? (
                <button type="button" className="small" onClick={() => onOpen(r.id)}>
                  Open
                </button>
              ) : (
                <button type="button" className="small primary" aria-label={`Join ${r.name}`} disabled={busy === r.id} onClick={() => void join(r.id)}>
                  Join
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {dir.next && (
        <button type="button" className="small" disabled={dir.status === "searching"} onClick={() => dir.more()}>
          More rooms
        </button>
      )}
    </div>
  );
}
