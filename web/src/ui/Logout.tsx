import { useState } from "react";
import { useClient } from "./context";
import { Dialog } from "./Dialog";

/** "1 message has" / "2 messages have": what a logout would throw away. */
export function unsentWarning(n: number): string {
  return `${n === 1 ? "1 message has" : `${n} messages have`} not been sent yet. Log out anyway?`;
}

/**
 * The Log out button. Messages still in the send queue (offline, or
 * failed) are lost with the session, so with any there it asks first;
 * Cancel (or Escape) keeps me in, and focus goes back to the button.
 */
export function LogoutButton({ className = "small" }: { className?: string }) {
  const client = useClient();
  const [asking, setAsking] = useState(0);
  const logout = () => void client.logout();
  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => {
          const unsent = client.outbox?.all().length ?? 0;
          if (unsent) setAsking(unsent);
          else logout();
        }}
      >
        Log out
      </button>
      {asking > 0 && (
        <Dialog title="Log out?" onClose={() => setAsking(0)}>
          <p data-testid="unsent-warning">{unsentWarning(asking)}</p>
          <div className="dialog-actions">
            <button type="button" autoFocus onClick={() => setAsking(0)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={logout}>
              Log out
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
