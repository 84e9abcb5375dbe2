import { useState, type FormEvent } from "react";
import { useClient } from "./context";
import { Dialog } from "./Dialog";
import { DirectoryPanel } from "./Directory";
import { PersonRow, useUserSearch } from "./Friends";
import { PeoplePicker, type Picked } from "./PeoplePicker";
import { lengthError, limits } from "../state/limits";

/**
 * Start a 1:1 chat — with a friend, someone found by name, or an exact
 * username — create a group of friends picked from a searchable list
 * (private, or public: listed for anyone to join), or join a public room
 * from the directory. People who are not my
 * friends get an invitation and join when they accept.
 */
export function NewChatDialog({ onClose }: { onClose: (room: string | null) => void }) {
  const client = useClient();
  const [tab, setTab] = useState<"direct" | "group" | "public">("direct");
  const [isPublic, setPublic] = useState(false);
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const nameTooLong = lengthError("The name", name.trim(), limits.roomName);
  const [members, setMembers] = useState<Picked[]>([]);
  const [busy, setBusy] = useState(false);
  const search = useUserSearch();
  const q = username.trim().replace(/^@/, "").toLowerCase();
  const friends = client.people.friends
    .sortedFriends()
    .filter((f) => !q || f.username.startsWith(q) || f.display_name.toLowerCase().includes(q))
    .slice(0, 8);
  const friendIds = new Set(friends.map((f) => f.id));
  const hits = search.hits.filter((h) => !friendIds.has(h.id) && h.relation !== "blocked");

  async function chatWith(name: string) {
    setBusy(true);
    const id = await client.openDirect(name);
    setBusy(false);
    if (id) onClose(id);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const id =
      tab === "direct" ? await client.openDirect(username) : await client.createGroup(
            name.trim(),
            members.map((m) => m.username),
            isPublic ? "public" : "private",
          );
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
        <button type="button" role="tab" aria-selected={tab === "public"} onClick={() => setTab("public")}>
          Public rooms
        </button>
      </div>
      {tab === "public" && <DirectoryPanel onOpen={(room) => onClose(room)} />}
      <form onSubmit={submit} className="stack" hidden={tab === "public"}>
        {tab === "direct" ? (
          <label>
            Username of the person
            <input
              name="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              autoFocus
              value={username}
              onChange={(e) => {
                setUsername(e.target.value);
                search.set(e.target.value);
              }}
              placeholder="a friend's name, or any username"
            />
          </label>
        ) : (
          <>
            <label>
              Group name
              <input name="name" required autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Weekend trip" />
            </label>
            {nameTooLong && <p className="form-error">{nameTooLong}</p>}
            <fieldset className="stack members-field">
              <legend>Members</legend>
              <PeoplePicker picked={members} onChange={setMembers} />
            </fieldset>
            <label className="check">
              <input type="checkbox" name="public" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} />
              Public room <span className="hint">(listed in the directory; anyone can join)</span>
            </label>
          </>
        )}
        <button type="submit" className="primary" disabled={busy || (tab !== "direct" && !!nameTooLong)}>
          {tab === "direct" ? "Open chat" : "Create group"}
        </button>
      </form>
      {tab === "direct" && (friends.length > 0 || hits.length > 0) && (
        <ul className="person-list" aria-label="People to chat with">
          {[...friends, ...hits].map((u) => (
            <PersonRow key={u.id} user={u} presence={friendIds.has(u.id)}>
              <button type="button" className="small" aria-label={`Chat with ${u.display_name}`} disabled={busy} onClick={() => void chatWith(u.username)}>
                Chat
              </button>
            </PersonRow>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
