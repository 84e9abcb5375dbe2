import { useEffect, useReducer, useRef, useState } from "react";
import type { MessageHit, Snippet } from "../api/types";
import { formatListTime } from "../state/format";
import { groupByRoom, noFilters, senderChoices, snippetParts, type MessageSearch } from "../state/msgsearch";
import { useClient } from "./context";
import { roomTitle } from "./RoomList";

function useMessageSearch(): MessageSearch {
  const client = useClient();
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const [search] = useState(() => client.newMessageSearch(rerender));
  useEffect(() => () => search.dispose(), [search]);
  return search;
}

/** A snippet with its matches marked: text nodes and <mark>, never HTML from the server. */
export function SnippetText({ snippet }: { snippet: Snippet }) {
  return (
    <>
      {snippetParts(snippet).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </>
  );
}

/**
 * Messages that contain the text of a search box, in every room or only
 * the open one (ticked, or always when `room` is given), grouped by room;
 * a click opens the room at the message.
 */
export function MessageResults({ text, room: only, onOpen }: { text: string; room?: string; onOpen: (room: string) => void }) {
  const client = useClient();
  const search = useMessageSearch();
  const [onlyOpen, setOnlyOpen] = useState(false);
  const open = client.openRoomId;
  const openRoom = open ? client.rooms.get(open) : undefined;

  const room = only ?? (onlyOpen && open ? open : null);
  useEffect(() => search.set(text), [search, text]);
  useEffect(() => search.setFilters({ room }), [search, room]);

  const groups = groupByRoom(search.hits);
  // Senders are named from member lists: read those of the rooms found, once each.
  const asked = useRef(new Set<string>());
  useEffect(() => {
    for (const g of groups) {
      if (client.members.has(g.room) || asked.current.has(g.room) || !client.rooms.has(g.room)) continue;
      asked.current.add(g.room);
      void client.loadMembers(g.room);
    }
  });

  const jump = (h: MessageHit) => {
    void client.jumpTo(h.room_id, h.seq);
    onOpen(h.room_id);
  };

  return (
    <section className="msg-results" aria-label="Messages found">
      <div className="msg-results-head">
        <h2>Messages</h2>
        {openRoom && !only && (
          <label className="check hint">
            <input type="checkbox" checked={onlyOpen} onChange={(e) => setOnlyOpen(e.target.checked)} /> Only in {roomTitle(client, openRoom)}
          </label>
        )}
      </div>
      <SearchFilters search={search} />
      <SearchStatusLine search={search} />
      {groups.map((g) => {
        const room = client.rooms.get(g.room);
        const title = room ? roomTitle(client, room) : "A room you left";
        return (
          <div key={g.room} role="group" aria-label={title} className="hit-group">
            <h3>{title}</h3>
            <ul>
              {g.hits.map((h) => (
                <li key={h.id}>
                  <button type="button" className="hit" data-testid="search-hit" data-seq={h.seq} disabled={!room} onClick={() => jump(h)}>
                    <span className="hit-meta">
                      {client.nameOf(h.sender_id)} · <time dateTime={h.created_at}>{formatListTime(h.created_at)}</time>
                    </span>
                    <span className="hit-snippet">
                      <SnippetText snippet={h.snippet} />
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      {search.more && (
        <button type="button" className="small more-hits" disabled={search.loadingMore} onClick={() => void search.loadMore()}>
          {search.loadingMore ? "Loading…" : "More results"}
        </button>
      )}
    </section>
  );
}

/**
 * Sender, days and attachments, folded away until asked for; the summary
 * counts the filters set, so a narrowed search never passes for a full one.
 */
function SearchFilters({ search }: { search: MessageSearch }) {
  const client = useClient();
  const f = search.filters;
  // In one room, its members; across rooms, everyone this client knows of.
  const members = f.room ? client.members.get(f.room) : undefined;
  useEffect(() => {
    if (f.room && !client.members.has(f.room)) void client.loadMembers(f.room);
  }, [client, f.room]);
  const people = f.room
    ? (members ?? []).map((m) => ({ id: m.user_id, name: m.display_name }))
    : [...client.users.values()].map((u) => ({ id: u.id, name: u.display_name }));
  const choices = senderChoices(client.me?.id, people);
  // A sender chosen before the room changed stays listed while chosen.
  if (f.from && !choices.some((c) => c.id === f.from)) choices.push({ id: f.from, name: client.nameOf(f.from) });
  const set = [f.from, f.since, f.until, f.attachments].filter(Boolean).length;

  return (
    <details className="msg-filters">
      <summary>{set ? `Filters (${set})` : "Filters"}</summary>
      <div className="msg-filter-fields">
        <label>
          Sender
          <select value={f.from ?? ""} onChange={(e) => search.setFilters({ from: e.target.value || null })}>
            <option value="">Anyone</option>
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input type="date" value={f.since} max={f.until || undefined} onChange={(e) => search.setFilters({ since: e.target.value })} />
        </label>
        <label>
          Until
          <input type="date" value={f.until} min={f.since || undefined} onChange={(e) => search.setFilters({ until: e.target.value })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={f.attachments} onChange={(e) => search.setFilters({ attachments: e.target.checked })} /> With
          attachments
        </label>
        {set > 0 && (
          <button
            type="button"
            className="link"
            onClick={() => search.setFilters({ from: noFilters.from, since: noFilters.since, until: noFilters.until, attachments: noFilters.attachments })}
          >
            Clear filters
          </button>
        )}
      </div>
    </details>
  );
}

function SearchStatusLine({ search }: { search: MessageSearch }) {
  let line = "";
  if (search.status === "waiting" || search.status === "searching") line = "Searching…";
  else if (search.status === "slowed") line = "Many searches at once — trying again in a moment…";
  else if (search.status === "error") line = search.error;
  else if (search.status === "done" && search.hits.length === 0)
    line = search.narrowed ? `No messages contain “${search.query}” with these filters.` : `No messages contain “${search.query}”.`;
  else if (search.error) line = search.error;
  return (
    <p className={`empty-list ${search.status === "error" ? "error" : ""}`} role="status" data-testid="search-status">
      {line}
      {search.status === "error" && (
        <>
          {" "}
          <button type="button" className="link" onClick={() => search.set(search.query)}>
            Try again
          </button>
        </>
      )}
    </p>
  );
}
