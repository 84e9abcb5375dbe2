import { useState } from "react";
import type { UserID } from "../api/types";
import { pickable } from "../state/picker";
import { Avatar } from "./Avatar";
import { useClient } from "./context";

/** Someone picked: a friend, or a username typed in full (shown as "@name" until the server knows them). */
export interface Picked {
  id?: UserID;
  username: string;
  display_name: string;
  avatar_url?: string;
}

/**
 * Pick people from my friends, KakaoTalk-style: a search box that filters
 * by name or username as I type, a checkbox list with pictures, and the
 * chosen shown as chips that remove with one click. Someone who is not my
 * friend can still be added by exact username: they get an invitation to
 * accept (decision 0020), so the path stays, folded away (decision 0038).
 */
export function PeoplePicker({ picked, onChange, exclude }: { picked: Picked[]; onChange: (p: Picked[]) => void; exclude?: ReadonlySet<UserID> }) {
  const client = useClient();
  const [query, setQuery] = useState("");
  const [exact, setExact] = useState("");
  const friends = client.people.friends.sortedFriends();
  const shown = pickable(friends, query, exclude);
  const chosen = new Set(picked.map((p) => p.username));

  function toggle(p: Picked, on: boolean) {
    onChange(on ? [...picked.filter((x) => x.username !== p.username), p] : picked.filter((x) => x.username !== p.username));
  }
  function addExact() {
    const username = exact.trim().replace(/^@/, "").toLowerCase();
    if (!username) return;
    const friend = friends.find((f) => f.username === username);
    toggle(friend ?? { username, display_name: `@${username}` }, true);
    setExact("");
  }

  return (
    <div className="picker">
      {picked.length > 0 && (
        <ul className="chips" aria-label="Chosen people">
          {picked.map((p) => (
            <li key={p.username} className="chip" data-user={p.username}>
              <Avatar name={p.display_name} seed={p.id ?? p.username} url={p.avatar_url} size={20} />
              <span className="chip-name">{p.display_name}</span>
              <button type="button" className="chip-remove" aria-label={`Remove ${p.display_name}`} onClick={() => toggle(p, false)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        type="search"
        aria-label="Search your friends"
        placeholder="Search friends by name or username"
        autoCapitalize="none"
        spellCheck={false}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        // Enter here filters; it never submits the form around the picker.
        onKeyDown={(e) => e.key === "Enter" && e.preventDefault()}
      />
      {friends.length === 0 ? (
        <p className="hint">No friends yet — add some in the Friends tab, or add someone by exact username below.</p>
      ) : shown.length === 0 ? (
        <p className="hint" role="status">
          {query.trim() ? `No friend matches “${query.trim()}”.` : "All your friends are here already."}
        </p>
      ) : (
        <ul className="pick-list" aria-label="Friends">
          {shown.map((f) => (
            <li key={f.id}>
              <label className="pick-row" data-user={f.username}>
                <input type="checkbox" checked={chosen.has(f.username)} onChange={(e) => toggle(f, e.target.checked)} />
                <Avatar name={f.display_name} seed={f.id} url={f.avatar_url} size={32} />
                <span className="pick-name">
                  <strong>{f.display_name}</strong>
                  <span className="hint">@{f.username}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <details className="pick-exact">
        <summary>Not a friend? Add by exact username</summary>
        <div className="row-actions">
          <input
            aria-label="Exact username"
            autoCapitalize="none"
            spellCheck={false}
            placeholder="username"
            value={exact}
            onChange={(e) => setExact(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                addExact();
              }
            }}
          />
          <button type="button" className="small" disabled={!exact.trim()} onClick={addExact}>
            Add
          </button>
        </div>
        <span className="hint">They get an invitation and join once they accept.</span>
      </details>
    </div>
  );
}
