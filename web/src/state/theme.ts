/** What the user picked; "system" follows the operating system's light or dark setting. */
export type ThemeChoice = "system" | "light" | "dark";
/** What the page shows. */
export type Theme = "light" | "dark";

export const themeKey = "parley.theme";
export const themeChoices: readonly ThemeChoice[] = ["system", "light", "dark"];

export function parseThemeChoice(stored: string | null): ThemeChoice {
  return stored === "light" || stored === "dark" ? stored : "system";
}

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  if (choice === "system") return systemDark ? "dark" : "light";
  return choice;
}

/** The little of a MediaQueryList the theme needs: the answer now and its changes. */
export interface SystemScheme {
  readonly matches: boolean;
  addEventListener(type: "change", listener: () => void): void;
}

export interface ThemeEnv {
  storage: Pick<Storage, "getItem" | "setItem">;
  /** matchMedia("(prefers-color-scheme: dark)") */
  systemDark: SystemScheme;
  /** Puts the resolved theme on the page. */
  apply: (theme: Theme) => void;
}

/**
 * The theme's one source of truth: the stored choice, resolved against the
 * system's scheme, applied at once and again whenever either changes (a
 * "system" choice follows the OS live, without a reload).
 */
export class ThemeStore {
  private current: ThemeChoice;
  private shown: Theme;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly env: ThemeEnv) {
    let stored: string | null = null;
    try {
      stored = env.storage.getItem(themeKey);
    } catch {
      // Storage can be off (private windows, policies); the system's scheme still applies.
    }
    this.current = parseThemeChoice(stored);
    this.shown = resolveTheme(this.current, env.systemDark.matches);
    env.apply(this.shown);
    env.systemDark.addEventListener("change", () => this.update());
  }

  get choice(): ThemeChoice {
    return this.current;
  }

  get theme(): Theme {
    return this.shown;
  }

  choose(choice: ThemeChoice): void {
    this.current = choice;
    try {
      this.env.storage.setItem(themeKey, choice);
    } catch {
      // Not kept across reloads, but this page still changes.
    }
    this.update();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(): void {
    const next = resolveTheme(this.current, this.env.systemDark.matches);
    if (next !== this.shown) {
      this.shown = next;
      this.env.apply(next);
    }
    for (const l of this.listeners) l();
  }
}

let browserStore: ThemeStore | null = null;

/** The page's theme, started on first use; main.tsx uses it before the first render so the page never flashes light. */
export function pageTheme(): ThemeStore {
  browserStore ??= new ThemeStore({
    storage: window.localStorage,
    systemDark: window.matchMedia("(prefers-color-scheme: dark)"),
    apply: (theme) => {
      document.documentElement.dataset.theme = theme;
      document.querySelector('meta[name="color-scheme"]')?.setAttribute("content", theme);
    },
  });
  return browserStore;
}
