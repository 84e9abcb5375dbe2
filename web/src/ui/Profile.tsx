import { useEffect, useRef, useState, type FormEvent } from "react";
import type { AddPolicy } from "../api/types";
import { Avatar } from "./Avatar";
import { useClient } from "./context";
import { formatStorage } from "../state/format";
import { lengthError, limits } from "../state/limits";

/**
 * The Profile section of the settings: my picture, display name and status
 * message (everyone who sees me gets the change live), who may add me to
 * chats, and the storage I use.
 */
export function ProfileSettings() {
  const client = useClient();
  const me = client.me!;
  const [name, setName] = useState(me.display_name);
  const [status, setStatus] = useState(me.status_message ?? "");
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [avatarError, setAvatarError] = useState("");
  const [avatarBusy, setAvatarBusy] = useState<"uploading" | "removing" | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const [policyError, setPolicyError] = useState("");
  const [policyBusy, setPolicyBusy] = useState(false);
  // The choice shows at once; the server's answer (or settings_updated) confirms it.
  const [chosen, setChosen] = useState<AddPolicy | null>(null);
  const policy = chosen ?? client.settings?.who_may_add;
  useEffect(() => {
    // Read at every opening, for the storage count; settings_updated keeps
    // the settings current meanwhile, from any of my devices.
    void client.loadSettings();
  }, [client]);

  async function choose(p: AddPolicy) {
    setChosen(p);
    setPolicyBusy(true);
    setPolicyError((await client.setWhoMayAdd(p)) ?? "");
    setPolicyBusy(false);
    setChosen(null);
  }
  const changed = name.trim() !== me.display_name || status.trim() !== (me.status_message ?? "");
  const tooLong =
    lengthError("The display name", name.trim(), limits.displayName) || lengthError("The status message", status.trim(), limits.statusMessage);

  async function save(e: FormEvent) {
    e.preventDefault();
    const change: { display_name?: string; status_message?: string } = {};
    if (name.trim() !== me.display_name) change.display_name = name.trim();
    if (status.trim() !== (me.status_message ?? "")) change.status_message = status.trim();
    setBusy(true);
    const err = await client.people.updateProfile(change);
    setBusy(false);
    setError(err ?? "");
    setSaved(!err);
  }

  async function changeAvatar(action: "uploading" | "removing", run: () => Promise<string | null>) {
    setAvatarBusy(action);
    setAvatarError("");
    const err = await run();
    setAvatarBusy(null);
    setAvatarError(err ?? "");
  }

  return (
    <section className="stack settings-section" aria-labelledby="settings-profile">
      <h2 id="settings-profile">Profile</h2>
      <div className="profile-card">
        <Avatar name={me.display_name} seed={me.id} url={me.avatar_url} size={56} />
        <div>
          <strong>{me.display_name}</strong>
          <div className="hint">@{me.username}</div>
        </div>
      </div>
      <div className="stack avatar-edit">
        <div className="row-actions">
          <button type="button" disabled={!!avatarBusy} onClick={() => picker.current?.click()}>
            {me.avatar_url ? "Change picture" : "Upload a picture"}
          </button>
          {me.avatar_url && (
            <button type="button" className="danger" disabled={!!avatarBusy} onClick={() => void changeAvatar("removing", () => client.people.removeAvatar())}>
              Remove picture
            </button>
          )}
          {avatarBusy && (
            <span className="hint" role="status">
              {avatarBusy === "uploading" ? "Uploading…" : "Removing…"}
            </span>
          )}
        </div>
        <input
          ref={picker}
          type="file"
          accept="image/png,image/jpeg,image/gif,image/webp"
          hidden
          aria-label="Picture"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) void changeAvatar("uploading", () => client.people.setAvatar(file));
          }}
        />
        <span className="hint">PNG, JPEG, GIF or WebP; shown as a square to everyone.</span>
        {avatarError && (
          <p className="form-error" role="alert" data-testid="avatar-error">
            {avatarError}
          </p>
        )}
      </div>
      <form className="stack" onSubmit={save} noValidate>
        <label>
          Display name
          <input
            name="display_name"
            required
            value={name}
            aria-invalid={!name.trim() || undefined}
            onChange={(e) => {
              setName(e.target.value);
              setSaved(false);
            }}
          />
        </label>
        <label>
          Status message <span className="hint">(one line, shown under your name; empty for none)</span>
          <input
            name="status_message"
            value={status}
            placeholder="e.g. in a meeting until 3"
            onChange={(e) => {
              setStatus(e.target.value);
              setSaved(false);
            }}
          />
        </label>
        {!name.trim() && <p className="form-error">A display name is required.</p>}
        {tooLong && <p className="form-error">{tooLong}</p>}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {saved && !changed && (
          <p className="form-ok" role="status">
            Saved.
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !changed || !name.trim() || !!tooLong}>
          Save profile
        </button>
      </form>
      <fieldset className="stack who-may-add" disabled={!policy || policyBusy}>
        <legend>Who can add you to chats</legend>
        <label className="check">
          <input type="radio" name="who_may_add" value="friends" checked={policy === "friends"} onChange={() => void choose("friends")} />
          Friends only <span className="hint">(anyone else sends an invitation you accept or decline)</span>
        </label>
        <label className="check">
          <input type="radio" name="who_may_add" value="anyone" checked={policy === "anyone"} onChange={() => void choose("anyone")} />
          Anyone
        </label>
        {policyError && (
          <p className="form-error" role="alert">
            {policyError}
          </p>
        )}
      </fieldset>
      {client.storage && (
        <p className="hint" data-testid="storage">
          {formatStorage(client.storage.used, client.storage.quota)}
        </p>
      )}
    </section>
  );
}
