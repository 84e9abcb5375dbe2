import { useEffect, useState, type FormEvent } from "react";
import type { Link as InviteLink, RoomID } from "../api/types";
import { linkExpiries, linkState, linkUrl } from "../state/joinlink";
import { useClient } from "./context";

/**
 * A room's invite links, for its owner and admins: make one (expiry, use
 * limit), copy its URL (`/join/<code>`: anyone with it can join, even after
 * logging in first), see how much it was used, revoke it.
 */
export function InviteLinks({ roomId }: { roomId: RoomID }) {
  const client = useClient();
  const [links, setLinks] = useState<InviteLink[] | null>(null);
  const [expiry, setExpiry] = useState(0);
  const [maxUses, setMaxUses] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    void client.links(roomId).then((ls) => live && setLinks(ls ?? []));
    return () => {
      live = false;
    };
  }, [client, roomId]);

  async function create(e: FormEvent) {
    e.preventDefault();
    const uses = maxUses.trim() ? Number(maxUses) : 0;
    if (!Number.isInteger(uses) || uses < 0) {
      setNote("The number of uses is a whole number (empty for no limit).");
      return;
    }
    setBusy(true);
    const l = await client.createLink(roomId, { ...(expiry ? { expires_in: expiry } : {}), ...(uses ? { max_uses: uses } : {}) });
    setBusy(false);
    if (l) {
      setLinks((ls) => [l, ...(ls ?? [])]);
      setMaxUses("");
      setNote("");
    }
  }

  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
      setNote("Link copied.");
    } catch {
      setNote("Copy the link from the box.");
    }
  }

  async function revoke(id: string) {
    if (await client.revokeLink(roomId, id)) setLinks((ls) => (ls ?? []).filter((l) => l.id !== id));
  }

  return (
    <section className="stack invite-links" aria-labelledby="links-title">
      <h3 id="links-title">Invite links</h3>
      <p className="hint">Anyone with a link can join, until it expires, is used up or revoked.</p>
      <form className="row-actions" onSubmit={create}>
        <label>
          Expires
          <select name="link-expiry" value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
            {linkExpiries.map((x) => (
              <option key={x.seconds} value={x.seconds}>
                {x.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Uses
          <input name="link-uses" type="number" min={1} max={100000} placeholder="no limit" value={maxUses} onChange={(e) => setMaxUses(e.target.value)} />
        </label>
        <button type="submit" className="small" disabled={busy}>
          Create link
        </button>
      </form>
      {note && (
        <p className="form-ok" role="status">
          {note}
        </p>
      )}
      {links && links.length > 0 && (
        <ul className="link-list" aria-label="Invite links">
          {links.map((l) => {
            const url = linkUrl(location.origin, l.code);
            const state = linkState(l);
            return (
              <li key={l.id} className={`invite-link ${state.usable ? "" : "dead"}`} data-link={l.id}>
                <input readOnly aria-label="Link" value={url} onFocus={(e) => e.currentTarget.select()} />
                <span className="hint" data-testid="link-state">
                  {state.text}
                </span>
                <span className="row-actions">
                  <button type="button" className="small" onClick={() => void copy(url)}>
                    Copy
                  </button>
                  <button type="button" className="small danger" onClick={() => void revoke(l.id)}>
                    Revoke
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
