import { useEffect, useState } from "react";
import type { RoomID } from "../api/types";
import type { NotifyLevel } from "../state/notify";
import { useClient } from "./context";
import { chime } from "./devicepush";
import { IconBell } from "./icons";

const levels: { value: NotifyLevel; label: string }[] = [
  { value: "all", label: "All messages" },
  { value: "mentions", label: "Mentions only" },
  { value: "off", label: "Off" },
];

/**
 * The invitation to turn notifications on: shown only after the person has
 * used the app (sent a message, opened the settings), never on a first
 * load, and gone for good once closed. Its button is what prompts the
 * browser for permission (decision 0033).
 */
export function NotifyInvite() {
  const client = useClient();
  const push = client.push;
  if (!push.invite) return null;
  return (
    <aside className="notify-invite" aria-label="Get notified of new messages">
      <div>
        <strong>Get notified of new messages</strong>
        <p className="hint">
          Parley can tell you when someone writes to you or mentions you while this tab is in the background or closed. Change it any time in your
          settings.
        </p>
        {push.error && (
          <p className="form-error" role="alert">
            {push.error}
          </p>
        )}
      </div>
      <div className="row-actions">
        <button type="button" className="primary small" disabled={push.busy} onClick={() => void push.enable()}>
          Turn on
        </button>
        <button type="button" className="small" onClick={() => push.dismissInvite()}>
          Not now
        </button>
      </div>
    </aside>
  );
}

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** The notifications section of the settings: this device (on/off, sound), then the account's previews and do-not-disturb. */
export function NotificationSettings() {
  const client = useClient();
  const push = client.push;
  const s = client.notifySettings;
  const [error, setError] = useState("");
  const [start, setStart] = useState<string | null>(null);
  const [end, setEnd] = useState<string | null>(null);
  // The choice shows at once; the server's answer (or notify_settings) confirms it.
  const [previews, setPreviews] = useState<boolean | null>(null);
  useEffect(() => {
    // Opening the settings is a moment the invitation may come after.
    push.engage();
    if (!client.notifySettings) void client.loadNotifySettings();
  }, [client, push]);

  async function change(c: Parameters<typeof client.updateNotifySettings>[0]) {
    setError((await client.updateNotifySettings(c)) ?? "");
  }
  const dnd = s?.dnd;
  const blocked = push.browser.supported && push.browser.permission() === "denied";

  return (
    <fieldset className="stack notify-settings">
      <legend>Notifications</legend>
      <label className="check">
        <input
          type="checkbox"
          name="notify_device"
          checked={push.prefs.enabled}
          disabled={!push.browser.supported || push.busy || (blocked && !push.prefs.enabled)}
          onChange={(e) => void (e.target.checked ? push.enable() : push.disable())}
        />
        Notifications on this device
      </label>
      {!push.browser.supported && <p className="hint">This browser cannot show notifications from Parley.</p>}
      {blocked && <p className="hint">Notifications are blocked for this site in your browser's settings.</p>}
      {push.error && (
        <p className="form-error" role="alert">
          {push.error}
        </p>
      )}
      <label className="check">
        <input
          type="checkbox"
          name="notify_sound"
          checked={push.prefs.sound}
          onChange={(e) => {
            push.setSound(e.target.checked);
            if (e.target.checked) chime();
          }}
        />
        Play a sound <span className="hint">(this device, while Parley is open)</span>
      </label>
      <label className="check">
        <input
          type="checkbox"
          name="notify_previews"
          checked={previews ?? s?.previews ?? true}
          disabled={!s}
          onChange={(e) => {
            setPreviews(e.target.checked);
            void change({ previews: e.target.checked }).then(() => setPreviews(null));
          }}
        />
        Show message text in notifications
      </label>
      <label className="check">
        <input
          type="checkbox"
          name="dnd"
          checked={dnd?.enabled ?? false}
          disabled={!dnd}
          // Turning it on takes this device's time zone unless one was chosen.
          onChange={(e) => void change({ dnd: e.target.checked && dnd?.time_zone === "UTC" ? { enabled: true, time_zone: zone } : { enabled: e.target.checked } })}
        />
        Do not disturb <span className="hint">(every day; messages that arrive then do not notify)</span>
      </label>
      {dnd?.enabled && (
        <div className="dnd-window row-actions">
          <label>
            From
            <input type="time" name="dnd_start" value={start ?? dnd.start} onChange={(e) => setStart(e.target.value)} onBlur={() => start && void change({ dnd: { start } }).then(() => setStart(null))} />
          </label>
          <label>
            to
            <input type="time" name="dnd_end" value={end ?? dnd.end} onChange={(e) => setEnd(e.target.value)} onBlur={() => end && void change({ dnd: { end } }).then(() => setEnd(null))} />
          </label>
          <label>
            Time zone
            <select name="dnd_zone" value={dnd.time_zone} onChange={(e) => void change({ dnd: { time_zone: e.target.value } })}>
              {zones(dnd.time_zone).map((z) => (
                <option key={z}>{z}</option>
              ))}
            </select>
          </label>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** The zones to pick from: the browser's list where it has one, with this device's and the current one first. */
function zones(current: string): string[] {
  const all = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  return [...new Set([current, zone, "UTC", ...all])];
}

/** What notifies me in one room; `compact`: a bell in the chat's header, crossed out when off. */
export function RoomNotifyLevel({ roomId, compact = false }: { roomId: RoomID; compact?: boolean }) {
  const client = useClient();
  const level = client.notifyLevel(roomId);
  const pick = (v: string) => void client.setNotifyLevel(roomId, v as NotifyLevel);
  if (compact) {
    const label = `Notifications for this chat: ${levels.find((l) => l.value === level)!.label}`;
    return (
      <details className="menu notify-level">
        <summary className="icon" aria-label={label} title={label}>
          <IconBell off={level === "off"} />
        </summary>
        <div className="menu-items" role="group" aria-label="Notifications for this chat">
          {levels.map((l) => (
            <button
              key={l.value}
              type="button"
              className="small"
              aria-pressed={level === l.value}
              onClick={(e) => {
                pick(l.value);
                e.currentTarget.closest("details")?.removeAttribute("open");
              }}
            >
              {l.label}
            </button>
          ))}
        </div>
      </details>
    );
  }
  return (
    <fieldset className="stack notify-level-choice">
      <legend>Notifications for this chat</legend>
      {levels.map((l) => (
        <label key={l.value} className="check">
          <input type="radio" name="notify_level" value={l.value} checked={level === l.value} onChange={() => pick(l.value)} />
          {l.label}
        </label>
      ))}
    </fieldset>
  );
}
