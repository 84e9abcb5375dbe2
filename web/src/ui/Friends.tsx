import { useEffect, useReducer, useState, type FormEvent, type ReactNode } from "react";
import type { Relation, User, UserID } from "../api/types";
import type { UserSearch } from "../state/search";
import { Avatar, PresenceDot } from "./Avatar";
import { useClient } from "./context";

/** A user search whose changes re-render the caller; disposed with it. */
export function useUserSearch(): UserSearch {
  const client = useClient();
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const [search] = useState(() => client.people.newSearch(rerender));
  useEffect(() => () => search.dispose(), [search]);
  return search;
}

/** One person in a list: picture with presence, name, status (or username), and actions. */
export function PersonRow({ user, presence = true, children }: { user: User; presence?: boolean; children?: ReactNode }) {
  const client = useClient();
  const p = presence ? client.presenceOf(user.id) : undefined;
  return (
    <li className="person" data-user={user.username}>
      <span className="avatar-wrap">
        <Avatar name={user.display_name} seed={user.id} url={user.avatar_url} size={36} />
        {p && <PresenceDot online={p.online} lastSeen={p.last_seen} />}
      </span>
      <span className="person-name">
        <strong>{user.display_name}</strong>
        <span className="hint person-status" data-testid="person-status">
          {user.status_message || `@${user.username}`}
        </span>
      </span>
      <span className="person-actions">{children}</span>
    </li>
  );
}

/**
 * Friends: find people (search as you type, or a request by exact
 * username), requests waiting for me and those I sent, my friends with
 * presence and status, and the people I blocked. Everything updates live
 * from the friend events; a 1:1 chat starts from any friend or search hit.
 */
export function FriendsPane({ onOpen }: { onOpen: (room: string) => void }) {
  const client = useClient();
  const people = client.people;
  const f = people.friends;
  const search = useUserSearch();
  const [text, setText] = useState("");
  const [exact, setExact] = useState("");
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  /** Runs an action, says how it went, and refreshes the search hits' relations. */
  async function run(action: Promise<string | null>, done?: string) {
    const err = await action;
    setMessage(err ? { error: true, text: err } : done ? { error: false, text: done } : null);
    if (!err) search.refresh();
  }

  async function chat(username: string) {
    const room = await client.openDirect(username);
    if (room) onOpen(room);
  }

  // Separate from the search: a partial name typed there ("car") is not a
  // username, so it never gets "there is no one" while Carol is listed below.
  function requestByName(e: FormEvent) {
    e.preventDefault();
    const name = exact.trim().replace(/^@/, "");
    if (name) void run(people.requestFriend(name), `Friend request sent to @${name.toLowerCase()}.`).then(() => setExact(""));
  }

  const relationOf = (id: UserID, fallback: Relation): Relation => (f.loaded ? f.relation(id) : fallback);
  const incoming = [...f.incoming.values()];
  const outgoing = [...f.outgoing.values()];
  const friends = f.sortedFriends();
  const blocks = [...f.blocks.values()];

  return (
    <div className="friends">
      <form className="find" role="search" onSubmit={(e) => e.preventDefault()}>
        <label className="visually-hidden" htmlFor="find-people">
          Find people
        </label>
        <input
          id="find-people"
          type="search"
          autoCapitalize="none"
          spellCheck={false}
          placeholder="Name or username"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setMessage(null);
            search.set(e.target.value);
          }}
        />
      </form>
      <form className="find" onSubmit={requestByName}>
        <label className="visually-hidden" htmlFor="add-by-username">
          Add by exact username
        </label>
        <input
          id="add-by-username"
          autoCapitalize="none"
          spellCheck={false}
          placeholder="Add by exact username"
          value={exact}
          onChange={(e) => {
            setExact(e.target.value);
            setMessage(null);
          }}
        />
        <button type="submit" className="small" disabled={!exact.trim()}>
          Send request
        </button>
      </form>
      {message && (
        <p className={message.error ? "form-error" : "form-ok"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
      {search.query && (
        <section aria-labelledby="hits-title">
          <h3 id="hits-title">
            People{" "}
            <span className="hint" aria-live="polite">
              {search.status === "waiting" || search.status === "searching"
                ? "searching…"
                : search.status === "slowed"
                  ? "searching a little slower…"
                  : search.status === "error"
                    ? search.error
                    : search.hits.length === 0
                      ? "nobody found"
                      : ""}
            </span>
          </h3>
          <ul className="person-list" aria-label="Search results">
            {search.hits.map((h) => {
              const rel = relationOf(h.id, h.relation);
              // A profile that changed since the search answered is shown as it is now.
              const u = { ...h, ...client.users.get(h.id) };
              return (
                <PersonRow key={h.id} user={u} presence={rel === "friend"}>
                  {rel === "none" && (
                    <button type="button" className="small" onClick={() => void run(people.requestFriend(h.username))}>
                      Add friend
                    </button>
                  )}
                  {rel === "outgoing" && (
                    <button type="button" className="small" onClick={() => void run(people.cancel(h.id))}>
                      Cancel request
                    </button>
                  )}
                  {rel === "incoming" && (
                    <button type="button" className="small primary" onClick={() => void run(people.accept(h.id))}>
                      Accept
                    </button>
                  )}
                  {rel === "blocked" ? (
                    <button type="button" className="small" onClick={() => void run(people.unblock(h.id))}>
                      Unblock
                    </button>
                  ) : (
                    <button type="button" className="small" aria-label={`Message ${h.display_name}`} onClick={() => void chat(h.username)}>
                      Message
                    </button>
                  )}
                </PersonRow>
              );
            })}
          </ul>
        </section>
      )}
      {incoming.length > 0 && (
        <section aria-labelledby="incoming-title">
          <h3 id="incoming-title">Friend requests ({incoming.length})</h3>
          <ul className="person-list" aria-label="Friend requests">
            {incoming.map((r) => (
              <PersonRow key={r.from.id} user={r.from} presence={false}>
                <button type="button" className="small primary" aria-label={`Accept ${r.from.display_name}`} onClick={() => void run(people.accept(r.from.id))}>
                  Accept
                </button>
                <button type="button" className="small" aria-label={`Decline ${r.from.display_name}`} onClick={() => void run(people.decline(r.from.id))}>
                  Decline
                </button>
              </PersonRow>
            ))}
          </ul>
        </section>
      )}
      {outgoing.length > 0 && (
        <section aria-labelledby="outgoing-title">
          <h3 id="outgoing-title">Sent requests ({outgoing.length})</h3>
          <ul className="person-list" aria-label="Sent requests">
            {outgoing.map((r) => (
              <PersonRow key={r.to.id} user={r.to} presence={false}>
                <button type="button" className="small" aria-label={`Cancel request to ${r.to.display_name}`} onClick={() => void run(people.cancel(r.to.id))}>
                  Cancel
                </button>
              </PersonRow>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="friends-title">
        <h3 id="friends-title">
          Friends ({friends.length})
          {friends.length > 0 && <span className="hint"> · {friends.filter((x) => client.isOnline(x.id)).length} online</span>}
        </h3>
        {friends.length === 0 ? (
          <p className="empty-list">{f.loaded ? "No friends yet. Find people above and add them." : "Loading…"}</p>
        ) : (
          <ul className="person-list" aria-label="Friends">
            {friends.map((x) => (
              <PersonRow key={x.id} user={x}>
                <button type="button" className="small" aria-label={`Message ${x.display_name}`} onClick={() => void chat(x.username)}>
                  Message
                </button>
                <details className="menu">
                  <summary aria-label={`More for ${x.display_name}`}>⋯</summary>
                  <div className="menu-items">
                    <button
                      type="button"
                      className="small"
                      onClick={() => {
                        if (confirm(`Remove ${x.display_name} from your friends?`)) void run(people.removeFriend(x.id));
                      }}
                    >
                      Remove friend
                    </button>
                    <button
                      type="button"
                      className="small danger"
                      onClick={() => {
                        if (confirm(`Block ${x.display_name}? They can no longer message you 1:1 or send you requests.`)) void run(people.block(x.username));
                      }}
                    >
                      Block
                    </button>
                  </div>
                </details>
              </PersonRow>
            ))}
          </ul>
        )}
      </section>
      {blocks.length > 0 && (
        <details className="blocked">
          <summary>Blocked ({blocks.length})</summary>
          <ul className="person-list" aria-label="Blocked">
            {blocks.map((b) => (
              <PersonRow key={b.id} user={b} presence={false}>
                <button type="button" className="small" aria-label={`Unblock ${b.display_name}`} onClick={() => void run(people.unblock(b.id))}>
                  Unblock
                </button>
              </PersonRow>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
