import { useEffect, useState } from "react";
import { useClient } from "./context";

/** Says when live updates are not flowing, and offers to retry now. */
export function ConnectionBanner() {
  const client = useClient();
  const s = client.connState;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (s.kind !== "waiting") return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [s.kind]);

  let text = "";
  let retry = false;
  if (s.kind === "waiting") {
    const secs = Math.max(0, Math.ceil((s.retryAt - now) / 1000));
    text = `Offline. ${secs > 0 ? `Reconnecting in ${secs} s.` : "Reconnecting…"} Messages you send now go out when the connection is back.`;
    retry = true;
  } else if (s.kind === "connecting") {
    text = s.attempt === 0 ? "Connecting…" : "Reconnecting…";
  } else if (s.kind === "open" && !client.synced) {
    text = "Catching up…";
  }
  const offline = s.kind === "waiting" || (s.kind === "connecting" && s.attempt > 0);
  return (
    <div className={`conn-banner ${text ? "shown" : ""} ${offline ? "offline" : ""}`} role="status" aria-live="polite" data-state={s.kind}>
      {text && <span>{text}</span>}
      {retry && (
        <button type="button" className="link" onClick={() => client.reconnectNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}

/** The client's one-line notices (errors, removals). */
export function Notice() {
  const client = useClient();
  if (!client.notice) return null;
  return (
    <div className="notice" role="alert">
      <span>{client.notice}</span>
      <button type="button" className="icon" aria-label="Dismiss" onClick={() => client.dismissNotice()}>
        ×
      </button>
    </div>
  );
}
