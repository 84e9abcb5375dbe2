import { useState, type FormEvent } from "react";
import { useClient } from "./context";
import { Dialog, parseUsernames } from "./Dialog";

/** Start a 1:1 chat by username, or create a group with people in it. */
export function NewChatDialog({ onClose }: { onClose: (room: string | null) => void }) {
  const client = useClient();
  const [tab, setTab] = useState<"direct" | "group">("direct");
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const id = tab === "direct" ? await client.openDirect(username) : await client.createGroup(name.trim(), parseUsernames(members));
    setBusy(false);
    if (id) onClose(id);
  }

  return (
    <Dialog title="New chat" onClose={() => onClose(null)}>
      <div className="tabs" role="tablist" aria-label="Kind of chat">
        <button type="button" role="tab" aria-selected={tab === "direct"} onClick={() => setTab("direct")}>
          1:1 chat
        </button>
        <button type="button" role="tab" aria-selected={tab === "group"} onClick={() => setTab("group")}>
          Group
        </button>
      </div>
      <form onSubmit={submit} className="stack">
        {tab === "direct" ? (
          <label>
            Username of the person
            <input name="username" autoCapitalize="none" spellCheck={false} required autoFocus value={username} onChange={(e) => setUsername(e.target.value)} placeholder="e.g. bob" />
          </label>
        ) : (
          <>
            <label>
              Group name
              <input name="name" required maxLength={100} autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Weekend trip" />
            </label>
            <label>
              Members <span className="hint">(usernames, separated by commas or spaces)</span>
              <input name="members" autoCapitalize="none" spellCheck={false} value={members} onChange={(e) => setMembers(e.target.value)} placeholder="bob, carol" />
            </label>
          </>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {tab === "direct" ? "Open chat" : "Create group"}
        </button>
      </form>
    </Dialog>
  );
}
