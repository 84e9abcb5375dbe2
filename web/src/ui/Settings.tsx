import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { SessionInfo } from "../api/types";
import { deviceName, minPassword, newPasswordError } from "../state/account";
import { formatListTime } from "../state/format";
import { useClient } from "./context";
import { IconBack } from "./icons";
import { LogoutButton } from "./Logout";
import { NotificationSettings } from "./Notifications";
import { ProfileSettings } from "./Profile";
import { ThemeChoice } from "./ThemeChoice";

/**
 * The settings page, in place of the chat (a full screen with Back on a
 * phone): profile, password, sessions, notifications, theme, and logging
 * out at the bottom (asking first when messages are still unsent), where KakaoTalk and Telegram keep it.
 */
export function Settings({ onBack }: { onBack: () => void }) {
  // A password change ends the other sessions: the list is read again.
  const [changes, setChanges] = useState(0);
  return (
    <main className="chat settings-view" aria-labelledby="settings-title">
      <header className="chat-head">
        {/* Shown at every width (the chat's back arrow is for phones only): the desktop has no other way out but the list. */}
        <button type="button" className="icon settings-back" aria-label="Back to conversations" onClick={onBack}>
          <IconBack />
        </button>
        <div className="chat-title">
          <h1 id="settings-title">Settings</h1>
        </div>
      </header>
      <div className="settings-body">
        <ProfileSettings />
        <PasswordSettings onChanged={() => setChanges((n) => n + 1)} />
        <SessionSettings changes={changes} />
        <section className="stack settings-section" aria-labelledby="settings-notifications">
          <h2 id="settings-notifications">Notifications</h2>
          <NotificationSettings />
        </section>
        <section className="stack settings-section" aria-labelledby="settings-theme">
          <h2 id="settings-theme">Theme</h2>
          <ThemeChoice />
        </section>
        <section className="settings-section">
          <LogoutButton className="danger logout" />
        </section>
      </div>
    </main>
  );
}

function PasswordSettings({ onChanged }: { onChanged: () => void }) {
  const client = useClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ error: boolean; text: string } | null>(null);
  const problem = newPasswordError(next, again);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const err = await client.people.changePassword(current, next);
    setBusy(false);
    setNote(err ? { error: true, text: err } : { error: false, text: "Password changed. Your other sessions have been logged out." });
    if (!err) {
      setCurrent("");
      setNext("");
      setAgain("");
      onChanged();
    }
  }

  return (
    <section className="settings-section" aria-labelledby="settings-password">
      <h2 id="settings-password">Password</h2>
      <form className="stack" onSubmit={submit}>
        <label>
          Current password
          <input type="password" name="current_password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          New password <span className="hint">(at least {minPassword} characters)</span>
          <input type="password" name="new_password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <label>
          New password again
          <input type="password" name="new_password_again" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
        </label>
        {problem && <p className="form-error">{problem}</p>}
        {note && (
          <p className={note.error ? "form-error" : "form-ok"} role={note.error ? "alert" : "status"}>
            {note.text}
          </p>
        )}
        <span className="hint">Changing it logs out your other devices.</span>
        <button type="submit" className="primary" disabled={busy || !current || !next || next !== again || !!problem}>
          Change password
        </button>
      </form>
    </section>
  );
}

function SessionSettings({ changes }: { changes: number }) {
  const client = useClient();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    const r = await client.people.sessions();
    if (typeof r === "string") setError(r);
    else {
      setSessions(r);
      setError("");
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load, changes]);

  async function run(action: Promise<string | null>) {
    setBusy(true);
    setError((await action) ?? "");
    setBusy(false);
    void load();
  }
  const others = sessions?.filter((s) => !s.current) ?? [];

  return (
    <section className="stack settings-section" aria-labelledby="settings-sessions">
      <h2 id="settings-sessions">Sessions</h2>
      <p className="hint">Devices where you are logged in. End any you do not recognise.</p>
      {sessions === null && !error && <p className="hint">Loading…</p>}
      {sessions && (
        <ul className="session-list" aria-label="Sessions">
          {sessions.map((s) => {
            const name = deviceName(s.user_agent);
            return (
              <li key={s.id} className="session" data-current={s.current || undefined}>
                <span className="session-main">
                  <strong>{name}</strong>
                  {s.current && <span className="badge this-device">This device</span>}
                  <span className="hint">
                    {s.address} · {s.current ? "active now" : `last active ${formatListTime(s.last_seen_at)}`}
                  </span>
                </span>
                {!s.current && (
                  <button type="button" className="small danger" aria-label={`End session: ${name}, ${s.address}`} disabled={busy} onClick={() => void run(client.people.endSession(s.id))}>
                    End
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button
        type="button"
        className="danger"
        disabled={busy || others.length === 0}
        onClick={() => {
          if (confirm("Log out every other device?")) void run(client.people.endOtherSessions());
        }}
      >
        End all other sessions
      </button>
    </section>
  );
}
