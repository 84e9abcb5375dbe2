import type { Pin, RoomID } from "../api/types";
import { formatListTime } from "../state/format";
import { canPin, pinnedBy, pinText } from "../state/pins";
import { useClient } from "./context";
import { IconPin } from "./icons";

/**
 * The latest pin as one line under the room header (docs/protocol.md
 * "Pins"): a click opens the message in context, highlighted; "All" opens
 * the list in the room's settings.
 */
export function PinBar({ roomId, onAll }: { roomId: RoomID; onAll: () => void }) {
  const client = useClient();
  const pins = client.pins.get(roomId);
  const latest = pins?.[0];
  if (!latest) return null;
  return (
    <div className="pin-bar" role="note" aria-label="Pinned message">
      <IconPin />
      <button type="button" className="pin-latest" data-testid="pin-bar" data-seq={latest.seq} onClick={() => void client.jumpTo(roomId, latest.seq)}>
        <span className="pin-sender">{client.nameOf(latest.message.sender_id)}</span> {pinText(latest)}
      </button>
      {pins.length > 1 && (
        <button type="button" className="link pin-all" onClick={onAll} aria-label={`All ${pins.length} pinned messages`}>
          All {pins.length}
        </button>
      )}
    </div>
  );
}

/** Every pin of a room, newest first, in its settings: each opens its message; those allowed unpin. */
export function PinList({ roomId, onOpen }: { roomId: RoomID; onOpen: () => void }) {
  const client = useClient();
  const room = client.rooms.get(roomId);
  const pins = client.pins.get(roomId) ?? [];
  if (!room) return null;
  const me = client.me?.id ?? "";
  const allowed = canPin(room);
  const open = (p: Pin) => {
    void client.jumpTo(roomId, p.seq);
    onOpen();
  };
  return (
    <section aria-labelledby="pins-title">
      <h3 id="pins-title">Pinned messages ({pins.length})</h3>
      {pins.length === 0 && <p className="hint">{allowed ? "Pin a message from its actions to keep it here." : "Nothing is pinned."}</p>}
      <ul className="pin-list">
        {pins.map((p) => (
          <li key={p.seq} data-testid="pin-item" data-seq={p.seq}>
            <button type="button" className="pin-open" onClick={() => open(p)}>
              <span className="hint">
                {client.nameOf(p.message.sender_id)} · <time dateTime={p.message.created_at}>{formatListTime(p.message.created_at)}</time>
              </span>
              <span className="pin-text">{pinText(p)}</span>
              <span className="hint">
                {pinnedBy(p, (id) => client.nameOf(id), me)} · <time dateTime={p.pinned_at}>{formatListTime(p.pinned_at)}</time>
              </span>
            </button>
            {allowed && (
              <button type="button" className="small" aria-label={`Unpin: ${pinText(p)}`} onClick={() => void client.unpin(roomId, p.seq)}>
                Unpin
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
