import { useSyncExternalStore } from "react";
import { pageTheme, type ThemeChoice as Choice } from "../state/theme";

const labels: Record<Choice, string> = { system: "System", light: "Light", dark: "Dark" };

/** Theme: System / Light / Dark. Kept on this device only (localStorage), like the notification sound. */
export function ThemeChoice() {
  const store = pageTheme();
  const choice = useSyncExternalStore(
    (l) => store.subscribe(l),
    () => store.choice,
  );
  return (
    <fieldset className="stack theme-choice">
      <legend>Theme</legend>
      {(Object.keys(labels) as Choice[]).map((c) => (
        <label className="check" key={c}>
          <input type="radio" name="theme" value={c} checked={choice === c} onChange={() => store.choose(c)} />
          {labels[c]}
          {c === "system" && <span className="hint"> (follows your device's light or dark setting)</span>}
        </label>
      ))}
    </fieldset>
  );
}
